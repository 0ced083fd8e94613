"""String-type helpers (pyzmq's ``zmq.utils.strtypes``, deprecated there since pyzmq 23).

Kept so that old code importing them keeps working; the casting helpers warn with
``DeprecationWarning`` as pyzmq's do.
"""

from __future__ import annotations

import builtins
import warnings
from typing import Union

bytes = builtins.bytes  # noqa: A001 - pyzmq exports these names
unicode = str
basestring = (str,)

_WARNING = "zmq.utils.strtypes is deprecated in pyzmq 23."


def cast_bytes(
    s: Union[str, builtins.bytes], encoding: str = "utf8", errors: str = "strict"
) -> builtins.bytes:
    """``s`` as bytes: bytes unchanged, str encoded; anything else is a TypeError."""
    warnings.warn(_WARNING, DeprecationWarning, stacklevel=2)
    if isinstance(s, builtins.bytes):
        return s
    if isinstance(s, str):
        return s.encode(encoding, errors)
    raise TypeError(f"Expected unicode or bytes, got {s!r}")


def cast_unicode(
    s: Union[str, builtins.bytes], encoding: str = "utf8", errors: str = "strict"
) -> str:
    """``s`` as str: str unchanged, bytes decoded; anything else is a TypeError."""
    warnings.warn(_WARNING, DeprecationWarning, stacklevel=2)
    if isinstance(s, builtins.bytes):
        return s.decode(encoding, errors)
    if isinstance(s, str):
        return s
    raise TypeError(f"Expected unicode or bytes, got {s!r}")


b = asbytes = cast_bytes
u = cast_unicode

__all__ = ["asbytes", "bytes", "unicode", "basestring", "b", "u", "cast_bytes", "cast_unicode"]
