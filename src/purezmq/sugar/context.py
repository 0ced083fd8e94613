"""pyzmq's Context API on top of the context core."""

from __future__ import annotations

import atexit
import threading
import warnings
from typing import Any, Dict, List, Optional, Type, TypeVar
from weakref import WeakSet

from .. import constants
from .._core._context import ContextBase
from ..constants import LINGER, ContextOption, SocketOption, _option_type, _OptType
from ..error import ZMQError
from .attrsettr import AttributeSetter
from .socket import Socket

T = TypeVar("T", bound="Context")

_exiting = False


def _notice_atexit() -> None:
    global _exiting
    _exiting = True


atexit.register(_notice_atexit)


class Context(ContextBase, AttributeSetter):
    """A ZeroMQ context: the owner of I/O threads and the factory of sockets."""

    #: Set on a shadow: the context it stands for (kept alive by the shadow, as in pyzmq).
    __slots__ = ("_shadow_of",)

    _instance: Any = None
    _instance_lock = threading.Lock()
    _instance_pid: Optional[int] = None
    _socket_class: Type[Socket] = Socket

    def __init__(self, io_threads: Any = 1, shadow: Any = 0) -> None:
        if shadow or isinstance(io_threads, Context):
            original = shadow or io_threads
            if not isinstance(original, Context):
                raise NotImplementedError("purezmq contexts cannot be shadowed by address")
            # A shadow *is* the original context seen through another object: it shares
            # every piece of state (terminating one terminates both), and its finaliser
            # never destroys anything.
            object.__setattr__(self, "__dict__", original.__dict__)
            # In a slot, not in the shared __dict__ (and not a weak reference, which the
            # garbage collector may clear before a cyclic finaliser runs).
            object.__setattr__(self, "_shadow_of", original)
            return
        ContextBase.__init__(self, io_threads)
        self.__dict__["sockopts"] = {}
        self.__dict__["_socket_refs"] = WeakSet()

    @property
    def _shadow(self) -> bool:  # type: ignore[override]
        return getattr(self, "_shadow_of", None) is not None

    def __del__(self) -> None:
        if getattr(self, "_shadow_of", None) is not None:
            return
        if not _exiting and "_closed" in self.__dict__:
            if not self.closed and not self._forked():
                if self._sockets:
                    warnings.warn(f"Unclosed context {self}", ResourceWarning, stacklevel=2)
                try:
                    self.destroy()
                except Exception:  # pragma: no cover
                    pass

    _repr_cls = "purezmq.Context"

    def __repr__(self) -> str:
        cls = self.__class__
        # pyzmq's rule: _repr_cls only counts on the exact class, subclasses show their path
        repr_cls = cls.__dict__.get("_repr_cls", None)
        if repr_cls is None:
            repr_cls = f"{cls.__module__}.{cls.__name__}"
        closed = " closed" if self.closed else ""
        n = len(self._sockets)
        socks = f"{n} socket{'s' if n > 1 else ''}" if n else ""
        return f"<{repr_cls}({socks}) at {hex(id(self))}{closed}>"

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        self.destroy()

    def __dir__(self) -> List[str]:
        keys = dir(self.__class__)
        keys.extend(ContextOption.__members__)
        return keys

    # -- context options ----------------------------------------------------------------
    def get(self, option: int) -> int:
        """zmq_ctx_get: IO_THREADS, MAX_SOCKETS or IPV6 (anything else: EINVAL)."""
        if self.closed:
            raise RuntimeError("Context has been destroyed")
        return ContextBase.get(self, option)

    def set(self, option: int, optval: int) -> None:
        """zmq_ctx_set: IO_THREADS, MAX_SOCKETS or IPV6 (anything else: EINVAL)."""
        if self.closed:
            raise RuntimeError("Context has been destroyed")
        ContextBase.set(self, option, optval)

    def __copy__(self: T, memo: Any = None) -> T:
        return self.__class__(shadow=self)

    __deepcopy__ = __copy__

    @classmethod
    def shadow(cls: Type[T], address: Any) -> T:
        return cls(shadow=address)

    @property
    def underlying(self) -> int:
        return id(self)

    @classmethod
    def instance(cls: Type[T], io_threads: int = 1) -> T:
        """The process-wide shared context (a new one after fork or term)."""
        import os

        inst = cls._instance
        if inst is None or inst.closed or cls._instance_pid != os.getpid():
            with cls._instance_lock:
                inst = cls._instance
                if inst is None or inst.closed or cls._instance_pid != os.getpid():
                    inst = cls(io_threads=io_threads)
                    cls._instance = inst
                    cls._instance_pid = os.getpid()
        return inst

    # -- sockets ------------------------------------------------------------------------
    def socket(self, socket_type: int, socket_class: Any = None, **kwargs: Any) -> Any:
        """A new socket of ``socket_type``; context-level option defaults are applied."""
        if self.closed:
            raise ZMQError(constants.ENOTSUP)
        klass = socket_class or self._socket_class
        s = klass(self, socket_type, **kwargs)
        for opt, value in self.sockopts.items():
            try:
                s.setsockopt(opt, value)
            except ZMQError:
                pass  # options not valid for this type are skipped, as in pyzmq
        self._socket_refs.add(s)
        return s

    def setsockopt(self, opt: int, value: Any) -> None:
        """Default a socket option for sockets created from now on."""
        self.sockopts[opt] = value

    def getsockopt(self, opt: int) -> Any:
        return self.sockopts[opt]

    def _set_attr_opt(self, name: str, opt: int, value: Any) -> None:
        if name in ContextOption.__members__:
            return self.set(opt, value)
        if name in SocketOption.__members__:
            if isinstance(value, str) and _option_type(opt) == _OptType.bytes:
                value = value.encode("utf8")
            return self.setsockopt(opt, value)
        raise AttributeError(f"No such context or socket option: {name}")

    def _get_attr_opt(self, name: str, opt: int) -> Any:
        if name in ContextOption.__members__:
            return self.get(opt)
        if opt not in self.sockopts:
            raise AttributeError(name)
        return self.getsockopt(opt)

    def __delattr__(self, key: str) -> None:
        """``del ctx.linger`` forgets a default socket option (pyzmq's errors otherwise)."""
        if key in self.__dict__:
            self.__dict__.pop(key)
            return
        key = key.upper()
        try:
            opt = getattr(SocketOption, key)
        except AttributeError:
            raise AttributeError(f"No such socket option: {key!r}") from None
        if opt not in self.sockopts:
            raise AttributeError(key)
        del self.sockopts[opt]

    # -- termination --------------------------------------------------------------------
    def term(self) -> None:
        """Wait until every socket is closed and has finished lingering, then close."""
        ContextBase.term(self)

    def destroy(self, linger: Optional[int] = None) -> None:
        """Close every socket of this context (with ``linger`` if given), then term()."""
        if self.closed:
            return
        for s in list(self._live_sockets()):
            if not s.closed:
                if linger is not None:
                    try:
                        s.setsockopt(LINGER, linger)
                    except ZMQError:
                        pass
                s.close()
        self.term()


__all__ = ["Context"]


def _unused(_: Dict[str, Any]) -> None:  # pragma: no cover
    pass
