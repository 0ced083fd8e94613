"""Options declares (for the type checker) exactly the attributes the option table fills."""

from __future__ import annotations

import typing

from purezmq._core._options import SPECS, Options

KIND_TYPES = {"int": int, "int64": int, "uint64": int, "fd": int, "bytes": bytes}


def test_every_option_in_the_table_is_declared_with_its_type() -> None:
    hints = typing.get_type_hints(Options)
    for spec in SPECS.values():
        assert hints.get(spec.attr) is KIND_TYPES[spec.kind], spec.attr
    extra = set(hints) - {spec.attr for spec in SPECS.values()}
    assert extra == {"as_server", "accept_filters"}


def test_a_new_options_object_has_every_declared_attribute() -> None:
    opts = Options(0)
    for name in typing.get_type_hints(Options):
        assert hasattr(opts, name), name
