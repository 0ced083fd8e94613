"""Attribute-style options: ``sock.linger = 0`` is ``sock.set(zmq.LINGER, 0)``."""

from __future__ import annotations

import errno as _errno
from typing import Any

from .. import constants


def _class_has(cls: type, key: str) -> bool:
    for klass in cls.__mro__:
        if key in klass.__dict__ or key in getattr(klass, "__annotations__", {}):
            return True
    return False


class AttributeSetter:
    def __setattr__(self, key: str, value: Any) -> None:
        if key[:1] == "_" or key in self.__dict__ or _class_has(type(self), key):
            object.__setattr__(self, key, value)
            return
        upper = key.upper()
        try:
            opt = getattr(constants, upper)
        except AttributeError:
            raise AttributeError(f"{self.__class__.__name__} has no such option: {upper}") from None
        self._set_attr_opt(upper, opt, value)

    def _set_attr_opt(self, name: str, opt: int, value: Any) -> None:
        self.set(opt, value)

    def __getattr__(self, key: str) -> Any:
        if key[:1] == "_":
            raise AttributeError(key)
        upper = key.upper()
        try:
            opt = getattr(constants, upper)
        except AttributeError:
            raise AttributeError(f"{self.__class__.__name__} has no such option: {upper}") from None
        from ..error import ZMQError

        try:
            return self._get_attr_opt(upper, opt)
        except ZMQError as e:
            if e.errno in (_errno.EINVAL, _errno.EFAULT):
                raise AttributeError(f"{key} attribute is write-only") from None
            raise

    def _get_attr_opt(self, name: str, opt: int) -> Any:
        return self.get(opt)

    def get(self, option: int) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError("override in subclass")

    def set(self, option: int, value: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError("override in subclass")


__all__ = ["AttributeSetter"]
