"""pyzmq's Socket API on top of the socket core."""

from __future__ import annotations

import atexit
import json
import operator as _operator
import pickle
import random
import warnings
import weakref
from typing import Any, Callable, List, Optional, Sequence, TypeVar, Union

from .. import constants
from .._core._socket import SocketBase
from ..constants import (
    EADDRINUSE,
    LAST_ENDPOINT,
    POLLIN,
    RCVHWM,
    SNDHWM,
    SNDMORE,
    SUBSCRIBE,
    UNSUBSCRIBE,
    SocketOption,
    SocketType,
    _option_type,
    _OptType,
)
from ..error import ZMQBindError, ZMQError
from .attrsettr import AttributeSetter

T = TypeVar("T", bound="Socket")


class _SocketContext:
    """``with sock.bind(addr):`` unbinds (``connect``: disconnects) on exit."""

    def __init__(self, socket: "Socket", kind: str, addr: str) -> None:
        self.socket = socket
        self.kind = kind
        self.addr = addr

    def __repr__(self) -> str:
        return f"<SocketContext({self.kind}={self.addr!r})>"

    def __enter__(self) -> "Socket":
        return self.socket

    def __exit__(self, *args: Any) -> None:
        if self.socket.closed:
            return
        if self.kind == "bind":
            self.socket.unbind(self.addr)
        elif self.kind == "connect":
            self.socket.disconnect(self.addr)


def _addr_str(addr: Any) -> str:
    """pyzmq takes endpoints as str or (utf-8) bytes."""
    if isinstance(addr, str):
        return addr
    if isinstance(addr, bytes):
        return addr.decode("utf-8")
    raise TypeError(f"Expected addr to be str, got addr={addr!r}")


def _with_addr(exc: ZMQError, addr: str) -> ZMQError:
    exc.strerror = f"{exc.strerror} (addr={addr!r})"
    return exc


class Socket(AttributeSetter):
    """A ZeroMQ socket, created by :meth:`Context.socket`.

    The public object only fronts a :class:`SocketBase` (``_core``) that the I/O threads and
    peers hold on to; nothing internal refers back to the public object, so a socket the
    application forgets is garbage-collected and closed, as in pyzmq, instead of keeping
    ``Context.term()`` waiting forever. ``send``/``recv`` are bound straight to the core
    (unless a subclass overrides them), so the indirection costs nothing per message.
    """

    _shadow = False
    _monitor_socket = None
    _type_name = "UNKNOWN"

    def __init__(
        self,
        ctx_or_socket: Any = None,
        socket_type: int = 0,
        *,
        shadow: Any = 0,
        copy_threshold: Optional[int] = None,
    ) -> None:
        if shadow or (isinstance(ctx_or_socket, Socket) and not socket_type):
            self._init_shadow(shadow or ctx_or_socket)
            return
        if ctx_or_socket is None:
            raise TypeError("context must be specified")
        try:
            socket_type = _operator.index(socket_type)
        except TypeError:
            raise TypeError("an integer is required") from None
        if socket_type < 0:
            raise TypeError("socket_type must be specified")
        ctx = ctx_or_socket
        ctx._check_socket_allowed()
        if copy_threshold is None:
            import purezmq

            copy_threshold = purezmq.COPY_THRESHOLD
        core = SocketBase(ctx, socket_type, copy_threshold)
        ctx._socket_opened(core)
        _cores[id(core)] = core
        self._adopt(core, copy_threshold)

    def _adopt(self, core: SocketBase, copy_threshold: int) -> None:
        d = self.__dict__
        d["_core"] = core
        d["context"] = core.context
        d["copy_threshold"] = copy_threshold
        socket_type = core._type
        cls = type(self)
        if cls.send is Socket.send:
            d["send"] = core.send
        if cls.recv is Socket.recv:
            d["recv"] = core.recv
        # As in pyzmq: ``sock.type`` is a plain attribute holding the SocketType.
        try:
            d["type"] = stype = SocketType(socket_type)
        except ValueError:  # pragma: no cover - the core rejected unknown types already
            d["_type_name"] = str(socket_type)
        else:
            d["_type_name"] = stype.name

    # -- life cycle ---------------------------------------------------------------------
    _repr_cls = "purezmq.Socket"

    def __repr__(self) -> str:
        cls = self.__class__
        # pyzmq's rule: _repr_cls only counts on the exact class, subclasses show their path
        repr_cls = cls.__dict__.get("_repr_cls", None)
        if repr_cls is None:
            repr_cls = f"{cls.__module__}.{cls.__name__}"
        closed = " closed" if self._closed else ""
        return f"<{repr_cls}(zmq.{self._type_name}) at {hex(id(self))}{closed}>"

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *args: Any, **kwargs: Any) -> None:
        self.close()

    def __copy__(self, memo: Any = None) -> "Socket":
        return self

    __deepcopy__ = __copy__

    def _init_shadow(self, original: Any) -> None:
        """A second Socket object for the same socket (pyzmq's shadow): it shares the
        socket, and does not close it when garbage-collected."""
        if isinstance(original, Socket):
            core = original._core
        elif isinstance(original, SocketBase):
            core = original
        else:
            try:
                core = _cores[_operator.index(original)]
            except (KeyError, TypeError):
                raise ValueError(f"no purezmq socket at address {original!r}") from None
        self.__dict__["_shadow"] = True
        self._adopt(core, core.copy_threshold)

    @classmethod
    def shadow(cls, address: Any) -> "Socket":
        """A Socket of this class for an existing socket (object or ``underlying``)."""
        return cls(shadow=address)

    @property
    def underlying(self) -> int:
        """The socket's identity: what ``Socket.shadow()`` accepts."""
        return id(self._core)

    @property
    def socket_type(self) -> int:
        """Deprecated alias of ``sock.type`` (warns, as pyzmq does)."""
        warnings.warn(
            "Socket.socket_type is deprecated, use Socket.type", DeprecationWarning, stacklevel=2
        )
        return self.type  # type: ignore[no-any-return]

    def fileno(self) -> int:
        """The FD (ZMQ_FD), so a socket can be given to select()/poll()."""
        return self.get(constants.FD)

    def __dir__(self) -> List[str]:
        keys = dir(self.__class__)
        keys.extend(SocketOption.__members__)
        return keys

    def __setattr__(self, key: str, value: Any) -> None:
        # pyzmq: ``sock.subscribe = b"x"`` sets the option even though subscribe() is a method
        if (
            key[:1] != "_"
            and key.lower() in ("subscribe", "unsubscribe")
            and (key not in self.__dict__)
        ):
            if isinstance(value, str):
                value = value.encode("utf8")
            self.set(SUBSCRIBE if key.lower() == "subscribe" else UNSUBSCRIBE, value)
            return
        AttributeSetter.__setattr__(self, key, value)

    # -- the core's operations -----------------------------------------------------------
    def send(
        self,
        data: Any,
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        routing_id: Any = None,
        group: Any = None,
    ) -> Any:
        """Send one frame; with SNDMORE more frames of the same message follow."""
        return self._core.send(data, flags, copy, track, routing_id, group)

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        """Receive one frame: bytes, or a Frame when ``copy`` is False."""
        return self._core.recv(flags, copy, track)

    def close(self, linger: Optional[int] = None) -> None:
        """Close the socket; queued messages still go out within LINGER."""
        core = self.__dict__.get("_core")
        if core is not None:
            core.close(linger)

    @property
    def closed(self) -> bool:
        core = self.__dict__.get("_core")
        return True if core is None else core.closed

    @property
    def _closed(self) -> bool:
        return self.closed

    @property
    def _rcvmore(self) -> int:
        return self._core._st.rcvmore

    def monitor(self, addr: Optional[str], events: int = constants.EVENT_ALL) -> None:
        """Publish this socket's events on a PAIR bound to ``addr`` (inproc); None stops."""
        self._core.monitor(addr, events)

    def __del__(self) -> None:
        core = self.__dict__.get("_core")
        if core is not None and not core.closed and not self.__dict__.get("_shadow"):
            if not _exiting[0]:
                warnings.warn(f"Unclosed socket {self}", ResourceWarning, stacklevel=2)
            try:
                core.close()
            except Exception:  # pragma: no cover - never raise from a finaliser
                pass

    # -- endpoints ----------------------------------------------------------------------
    def bind(self, addr: str) -> _SocketContext:  # type: ignore[override]
        try:
            self._core.bind(_addr_str(addr))
        except ZMQError as e:
            raise _with_addr(e, addr) from None
        try:
            addr = self.get(LAST_ENDPOINT).decode("utf8")
        except (ZMQError, UnicodeDecodeError):  # pragma: no cover
            pass
        return _SocketContext(self, "bind", addr)

    def connect(self, addr: str) -> _SocketContext:  # type: ignore[override]
        try:
            self._core.connect(_addr_str(addr))
        except ZMQError as e:
            raise _with_addr(e, addr) from None
        return _SocketContext(self, "connect", addr)

    def unbind(self, addr: Union[str, bytes]) -> None:
        """Stop accepting on an endpoint (the resolved string LAST_ENDPOINT gave)."""
        self._core.unbind(_addr_str(addr))

    def disconnect(self, addr: Union[str, bytes]) -> None:
        """Drop a connection made by connect()."""
        self._core.disconnect(_addr_str(addr))

    def bind_to_random_port(
        self,
        addr: str,
        min_port: int = 49152,
        max_port: int = 65536,
        max_tries: int = 100,
    ) -> int:
        """Bind to a random port in [min_port, max_port); the OS picks when unspecified."""
        if min_port == 49152 and max_port == 65536:
            self.bind(f"{addr}:*")
            url = self.get(LAST_ENDPOINT).decode("ascii", "replace")
            return int(url.rsplit(":", 1)[1])
        for _ in range(max_tries):
            port = random.randrange(min_port, max_port)
            try:
                self.bind(f"{addr}:{port}")
            except ZMQError as e:
                if e.errno == EADDRINUSE:
                    continue
                raise
            return port
        raise ZMQBindError("Could not bind socket to random port.")

    # -- options ------------------------------------------------------------------------
    def set(self, option: int, optval: Any) -> None:
        """Set a socket option (libzmq's validation; EINVAL for anything else)."""
        self._core.set(option, optval)

    setsockopt = set

    def get(self, option: int) -> Any:
        """Read a socket option."""
        return self._core.get(option)

    getsockopt = get

    def set_string(self, option: int, optval: str, encoding: str = "utf-8") -> None:
        if not isinstance(optval, str):
            raise TypeError(f"strings only, not {type(optval)}: {optval!r}")
        self.set(option, optval.encode(encoding))

    setsockopt_string = set_string
    setsockopt_unicode = set_string

    def get_string(self, option: int, encoding: str = "utf-8") -> str:
        if _option_type(option) != _OptType.bytes:
            raise TypeError(f"option {option} will not return a string to be decoded")
        return self.get(option).decode(encoding)

    getsockopt_string = get_string
    getsockopt_unicode = get_string

    def _set_attr_opt(self, name: str, opt: int, value: Any) -> None:
        if isinstance(value, str) and _option_type(opt) == _OptType.bytes:
            self.set_string(opt, value)
        else:
            self.set(opt, value)

    def get_hwm(self) -> int:
        try:
            return self.get(SNDHWM)
        except ZMQError:
            return self.get(RCVHWM)

    def set_hwm(self, value: int) -> None:
        raised = None
        for opt in (SNDHWM, RCVHWM):
            try:
                self.set(opt, value)
            except Exception as e:  # pragma: no cover - both exist on every type
                raised = e
        if raised:
            raise raised

    hwm = property(get_hwm, set_hwm, None, "SNDHWM and RCVHWM together.")

    def subscribe(self, topic: Any) -> None:
        if isinstance(topic, str):
            topic = topic.encode("utf8")
        self.set(SUBSCRIBE, topic)

    def unsubscribe(self, topic: Any) -> None:
        if isinstance(topic, str):
            topic = topic.encode("utf8")
        self.set(UNSUBSCRIBE, topic)

    # -- multipart and serialisation ----------------------------------------------------
    def send_multipart(
        self,
        msg_parts: Sequence[Any],
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Send a sequence of frames as one message."""
        parts = list(msg_parts)
        if not parts:
            raise TypeError("send_multipart requires at least one frame")
        for i, part in enumerate(parts):
            if isinstance(part, (bytes, bytearray, memoryview)) or hasattr(part, "_wire"):
                continue
            try:
                memoryview(part)
            except TypeError:
                rmsg = repr(part)
                if len(rmsg) > 32:
                    rmsg = rmsg[:32] + "..."
                raise TypeError(
                    f"Frame {i} ({rmsg}) does not support the buffer interface."
                ) from None
        if type(self).send is Socket.send:
            return self._core.send_multipart(parts, flags, copy, track)
        last = len(parts) - 1
        for part in parts[:last]:
            self.send(part, SNDMORE | flags, copy=copy, track=track)
        return self.send(parts[last], flags, copy=copy, track=track)

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> list:
        """Receive every frame of one message."""
        if type(self).recv is Socket.recv:
            return self._core.recv_multipart(flags, copy, track)
        parts = [self.recv(flags, copy=copy, track=track)]
        while self._rcvmore:
            parts.append(self.recv(flags, copy=copy, track=track))
        return parts

    def recv_into(self, buffer: Any, /, *, nbytes: int = 0, flags: int = 0) -> int:
        """Receive one frame into ``buffer`` (zmq_recv); returns the frame's full size.

        At most ``nbytes`` (default: the buffer's size) bytes are written; a longer frame is
        truncated and the rest of it is lost, as with libzmq's zmq_recv.
        """
        if self._closed:
            raise ZMQError(constants.ENOTSOCK)
        view = memoryview(buffer)
        if view.readonly:
            raise BufferError("memoryview: underlying buffer is not writable")
        if not view.c_contiguous:
            raise BufferError("memoryview: underlying buffer is not C-contiguous")
        if view.format != "B" or view.ndim != 1:
            view = view.cast("B")
        size = view.nbytes
        if nbytes == 0:
            nbytes = size
        elif nbytes < 0 or nbytes > size:
            raise ValueError(f"nbytes={nbytes} too big for memoryview of {size}B")
        data = self.recv(flags)
        n = min(len(data), nbytes)
        view[:n] = data[:n]
        return len(data)

    def _deserialize(self, recvd: Any, load: Callable[[Any], Any]) -> Any:
        return load(recvd)

    def send_serialized(
        self,
        msg: Any,
        serialize: Callable[[Any], Any],
        flags: int = 0,
        copy: bool = True,
        **kwargs: Any,
    ) -> Any:
        frames = serialize(msg)
        return self.send_multipart(frames, flags=flags, copy=copy, **kwargs)

    def recv_serialized(
        self, deserialize: Callable[[Any], Any], flags: int = 0, copy: bool = True
    ) -> Any:
        frames = self.recv_multipart(flags=flags, copy=copy)
        return self._deserialize(frames, deserialize)

    def send_string(
        self, u: str, flags: int = 0, copy: bool = True, encoding: str = "utf-8", **kwargs: Any
    ) -> Any:
        if not isinstance(u, str):
            raise TypeError("str objects only")
        return self.send(u.encode(encoding), flags=flags, copy=copy, **kwargs)

    send_unicode = send_string

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> str:
        msg = self.recv(flags=flags)
        return self._deserialize(msg, lambda buf: buf.decode(encoding))

    recv_unicode = recv_string

    def send_pyobj(
        self, obj: Any, flags: int = 0, protocol: int = pickle.DEFAULT_PROTOCOL, **kwargs: Any
    ) -> Any:
        return self.send(pickle.dumps(obj, protocol), flags=flags, **kwargs)

    def recv_pyobj(self, flags: int = 0) -> Any:
        msg = self.recv(flags)
        return self._deserialize(msg, pickle.loads)

    def send_json(self, obj: Any, flags: int = 0, **kwargs: Any) -> Any:
        send_kwargs = {
            k: kwargs.pop(k) for k in ("copy", "track", "routing_id", "group") if k in kwargs
        }
        msg = json.dumps(obj, **kwargs).encode("utf8")  # pyzmq's jsonapi.dumps
        return self.send(msg, flags=flags, **send_kwargs)

    def recv_json(self, flags: int = 0, **kwargs: Any) -> Any:
        msg = self.recv(flags)
        return self._deserialize(msg, lambda buf: json.loads(buf, **kwargs))

    # -- polling ------------------------------------------------------------------------
    _poller_class: Any = None

    def poll(self, timeout: Optional[int] = None, flags: int = POLLIN) -> int:
        """Wait until the socket is readable (or ``flags`` events); returns the events."""
        if self.closed:
            raise ZMQError(constants.ENOTSUP)
        from .poll import Poller

        p = Poller()
        p.register(self, flags)
        evts = dict(p.poll(timeout))
        return evts.get(self, 0)

    # -- monitor ------------------------------------------------------------------------
    def get_monitor_socket(
        self, events: Optional[int] = None, addr: Optional[str] = None
    ) -> "Socket":
        """A PAIR socket, connected and ready to receive this socket's events."""
        mon = self._monitor_socket
        if mon is not None:
            if not mon.closed:
                return mon
            self._monitor_socket = None
        if addr is None:
            addr = f"inproc://monitor.s-{id(self):x}"
        if events is None:
            events = constants.EVENT_ALL
        self.monitor(addr, events)
        sock = self.context.socket(constants.PAIR)
        sock.connect(addr)
        self._monitor_socket = sock
        return sock

    def disable_monitor(self) -> None:
        """Stop the events started by get_monitor_socket (MONITOR_STOPPED is sent)."""
        self._monitor_socket = None
        self.monitor(None, 0)


#: Live socket cores by ``underlying`` address, for Socket.shadow(address).
_cores: "weakref.WeakValueDictionary[int, SocketBase]" = weakref.WeakValueDictionary()

#: Set at interpreter exit: finalisers then close quietly.
_exiting = [False]


def _at_exit() -> None:
    _exiting[0] = True


atexit.register(_at_exit)


__all__ = ["Socket"]
