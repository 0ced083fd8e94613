"""asyncio support with pyzmq's ``zmq.asyncio`` API: sockets whose send/recv/poll return
futures.

    import purezmq.asyncio as zaio

    ctx = zaio.Context.instance()
    sock = ctx.socket(zmq.PULL)
    msg = await sock.recv_multipart()

Theory of operation
-------------------
pyzmq drives its asyncio sockets from the edge-triggered ``ZMQ_FD``: register the FD with
the loop, and on every readiness re-read ``ZMQ_EVENTS``. That is the source of a family of
lost-wake-up bugs (field lessons 28/29) and it needs ``add_reader``, which the Proactor loop
lacks (purezmq uses ``add_reader`` only for an optional fast path, the direct read below).
purezmq has no such indirection: the socket core calls *watchers* (``add_watcher``)
from whichever thread changed its state -- an I/O thread that filled an empty pipe, a peer
socket's thread that drained a full one, ``close()``, context shutdown. A watcher here only
does ``loop.call_soon_threadsafe(wake)`` (plain ``call_soon`` when the change happens on the
loop's own thread, e.g. an inproc peer on the same loop), coalesced so at most one ``wake`` is
scheduled per socket at a time. So wake-ups come straight from the engine; nothing polls.

Each socket keeps FIFO queues of pending receives and sends (:class:`_Waiters`). An
operation first tries the core without blocking when nobody is queued ahead of it; only if
that finds nothing is it queued (the receives say so with ``_EMPTY`` rather than raising
``Again``, which would cost more than the rest of the attempt). A change notified between
that attempt and the queueing found no waiter to wake, so every notification also counts in
``pokes``, and the queue is tried once more if the count moved. ``wake`` retries the queue
heads until one would block: the contract is edge-triggered, so the retry loop runs to
exhaustion before waiting again.
RCVTIMEO/SNDTIMEO deadlines share one loop timer per socket, armed for the earliest one.

Guarantees, and why they hold:

* A receive happens only while its future is still pending, and its result is set in the
  same synchronous step (no ``await`` between taking the message and ``set_result``): a
  cancelled receive never consumed anything, so cancellation never loses a message.
* ``recv_multipart`` takes every frame in one step (libzmq delivers messages atomically:
  once the first frame is there, all are), so nothing ever leaves half a message behind.
  The deserialising receives (``recv_json`` ...) decode in that same step instead of
  chaining a second future, which is where pyzmq can drop a message on cancellation.
* Waiters are served strictly in arrival order; a ``DONTWAIT`` call never overtakes them.
* ``close()`` cancels pending futures (as pyzmq); a socket closed under us (from another
  thread, or by ``Context.destroy()``) is noticed by the watcher and cancels them too. A
  terminated context fails them with ``ContextTerminated`` (pyzmq leaves them hanging).
* RCVTIMEO/SNDTIMEO: the future fails with ``Again`` after that many ms.

The queues, the operations they run and the direct read (the loop reading a single tcp/ipc
peer's connection itself while a receive waits) live in :mod:`purezmq._asyncio_wait`.

Ownership: the queues and the direct read's state are changed only on the loop thread. The
watcher reads two ``deque`` lengths and a few flags from other threads and never blocks (at
most it shuts down the direct read's duplicate descriptor, under ``lock``). The core holds
the watcher, and the watcher holds the private ``_Waiters`` only weakly (pending futures
keep it alive), so the core never keeps a public socket alive: a forgotten socket is still
garbage-collected and closed, as in pyzmq, and a dropped shadow unhooks itself.

Polling (``Socket.poll``, :class:`Poller`) lives in :mod:`purezmq._asyncio_poll`.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import selectors
import warnings
from asyncio import Future, SelectorEventLoop  # noqa: F401 - pyzmq's module has these names
from typing import Any, Callable, List, Optional, Sequence, Tuple

from . import constants as _c
from ._asyncio_poll import Poller, _get_running_loop, _loop_for_call, _PollWait
from ._asyncio_wait import (
    _EMPTY,
    _Op,
    _recv_into,
    _recv_load,
    _recv_multipart,
    _recv_multipart_load,
    _send_multipart,
    _try_recv,
    _Waiters,
)
from .error import Again, ZMQError
from .sugar.context import Context as _SyncContext
from .sugar.socket import Socket as _SyncSocket

__all__ = ["Context", "Socket", "Poller", "ZMQEventLoop", "install"]

# Plain ints on the hot paths.
NOBLOCK = 1
SNDMORE = 2
POLLIN = 1
_ENOTSOCK = int(_c.ENOTSOCK)


class ProactorSelectorThreadWarning(RuntimeWarning):
    """pyzmq's warning about an extra selector thread under Proactor. purezmq sockets need no
    ``add_reader`` (only raw file descriptors in a Poller do), so it is never raised."""


def _check_frames(parts: Sequence[Any]) -> List[Any]:
    parts = list(parts)
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
            raise TypeError(f"Frame {i} ({rmsg}) does not support the buffer interface.") from None
    return parts


def _find_socket(address: int) -> Any:
    """The live public socket whose ``underlying`` is ``address`` (shadowing by address)."""
    from ._core._context import _live_contexts

    for ctx in list(_live_contexts):
        for s in list(getattr(ctx, "_socket_refs", ())):
            if s.underlying == address and not s.closed:
                return s
    from .sugar.socket import _cores

    core = _cores.get(address)
    if core is not None and not core.closed:
        return _SyncSocket(shadow=core)
    raise ZMQError(_c.ENOTSOCK)


# -- Socket --------------------------------------------------------------------------------
class Socket(_SyncSocket):
    """A socket whose send/recv/poll methods return asyncio futures.

    Everything else (options, bind/connect, monitor ...) is the ordinary socket's.
    """

    _poller_class: Any = None  # set below to Poller

    def __init__(
        self,
        context: Any = None,
        socket_type: int = -1,
        io_loop: Any = None,
        _from_socket: Optional[_SyncSocket] = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(context, _SyncSocket):
            context, _from_socket = None, context
        shadow = kwargs.pop("shadow", 0)
        if shadow and _from_socket is None:
            _from_socket = shadow if isinstance(shadow, _SyncSocket) else _find_socket(shadow)
        d = self.__dict__
        if _from_socket is not None:
            src = _from_socket
            if src.closed:
                raise ZMQError(_ENOTSOCK)
            sd = src.__dict__
            for key in ("_core", "context", "copy_threshold", "type", "_type_name"):
                if key in sd:
                    d[key] = sd[key]
            d["_shadow"] = True
            d["_shadow_sock"] = src  # keeps the owner (which closes on GC) alive
        else:
            super().__init__(context, socket_type, **kwargs)
            d["_shadow_sock"] = None
        if io_loop is not None:
            warnings.warn(
                f"{self.__class__.__name__}(io_loop) argument is deprecated in pyzmq 22.2."
                " The currently active loop will always be used.",
                DeprecationWarning,
                stacklevel=3,
            )
        d["_aio"] = _Waiters(d["_core"])

    @classmethod
    def from_socket(cls, socket: _SyncSocket, io_loop: Any = None) -> "Socket":
        """An asyncio socket sharing ``socket`` (the same ZeroMQ socket; messages, options
        and closing are shared)."""
        return cls(_from_socket=socket, io_loop=io_loop)

    @classmethod
    def shadow(cls, address: Any) -> "Socket":  # type: ignore[override]
        """Like pyzmq: an asyncio socket over the socket at ``address`` (its
        ``underlying``), or over a socket object."""
        if isinstance(address, _SyncSocket):
            return cls.from_socket(address)
        return cls(_from_socket=_find_socket(address))

    @property
    def _recv_futures(self) -> List[Any]:
        """The pending receive futures (pyzmq's private name, for its tests)."""
        return [op.fut for op in self._aio.recv_q if not op.fut.done()]

    @property
    def _send_futures(self) -> List[Any]:
        return [op.fut for op in self._aio.send_q if not op.fut.done()]

    @property
    def underlying(self) -> int:
        return id(self._core)

    def __del__(self) -> None:
        if self.__dict__.get("_shadow"):
            return  # the socket belongs to the one we shadow
        super().__del__()

    # -- plumbing ---------------------------------------------------------------------------
    def _waiters(self) -> Tuple[Any, _Waiters]:
        w: _Waiters = self._aio
        loop = _get_running_loop()
        if loop is None:
            loop = _loop_for_call()
        if loop is not w.loop:
            w.bind(loop)
        return loop, w

    def _recv_op(self, fn: Callable[..., Any], args: Tuple[Any, ...], flags: int) -> Any:
        loop, w = self._waiters()
        fut = loop.create_future()
        q = w.recv_q
        if q and w.purge(q):
            # Others wait ahead: keep the order (serve them first if a wake is due).
            w.serve(q)
            if q:
                if flags & NOBLOCK:
                    fut.set_exception(Again())
                    return fut
                w.enqueue(q, _Op(fut, fn, args), self._core._opts.rcvtimeo)
                return fut
        pokes = w.pokes  # (a stale read only costs one more try below)
        try:
            result = fn(*args)
        except Again:
            result = _EMPTY  # (an operation may also say "would block" by raising)
        except Exception as e:  # noqa: BLE001 - delivered through the future, as pyzmq
            fut.set_exception(e)
            return fut
        if result is not _EMPTY:
            fut.set_result(result)
            return fut
        if flags & NOBLOCK:
            fut.set_exception(Again())
            return fut
        w.enqueue(q, _Op(fut, fn, args), self._core._opts.rcvtimeo, pokes)
        return fut

    def _send_op(self, fn: Callable[..., Any], args: Tuple[Any, ...], flags: int) -> Any:
        loop, w = self._waiters()
        fut = loop.create_future()
        q = w.send_q
        if q and w.purge(q):
            w.serve(q)
            if q:
                if flags & NOBLOCK:
                    fut.set_exception(Again())
                    return fut
                w.enqueue(q, _Op(fut, fn, args), self._core._opts.sndtimeo)
                return fut
        pokes = w.pokes
        try:
            result = fn(*args)
        except Again as e:
            if flags & NOBLOCK:
                fut.set_exception(e)
                return fut
        except Exception as e:  # noqa: BLE001
            fut.set_exception(e)
            return fut
        else:
            fut.set_result(result)
            return fut
        w.enqueue(q, _Op(fut, fn, args), self._core._opts.sndtimeo, pokes)
        return fut

    def _check_open(self) -> None:
        if self._core._closed:
            raise ZMQError(_ENOTSOCK)

    def _failed(self, exc: BaseException) -> Any:
        loop, _ = self._waiters()
        fut = loop.create_future()
        fut.set_exception(exc)
        return fut

    # -- receiving --------------------------------------------------------------------------
    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:  # type: ignore[override]
        """Receive one frame; returns a future for bytes (or a Frame when ``copy`` is
        False). Prefer recv_multipart."""
        self._check_open()
        return self._recv_op(_try_recv, (self._core, copy), flags)

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:  # type: ignore[override]
        """Receive a whole message; returns a future for the list of frames."""
        self._check_open()
        return self._recv_op(_recv_multipart, (self._core, copy), flags)

    def recv_into(self, buffer: Any, /, *, nbytes: int = 0, flags: int = 0) -> Any:  # type: ignore[override]
        """Receive one frame into ``buffer``; returns a future for the frame's full size."""
        self._check_open()
        try:
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
        except (TypeError, ValueError, BufferError) as e:
            return self._failed(e)
        return self._recv_op(_recv_into, (self._core, view, nbytes), flags)

    def _recv_loaded(self, flags: int, load: Callable[[Any], Any]) -> Any:
        self._check_open()
        return self._recv_op(_recv_load, (self._core, load), flags)

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> Any:  # type: ignore[override]
        """Receive one frame decoded as text; returns a future."""
        return self._recv_loaded(flags, lambda buf: buf.decode(encoding))

    recv_unicode = recv_string

    def recv_json(self, flags: int = 0, **kwargs: Any) -> Any:  # type: ignore[override]
        """Receive one frame as JSON; returns a future for the object."""
        return self._recv_loaded(flags, lambda buf: json.loads(buf, **kwargs))

    def recv_pyobj(self, flags: int = 0) -> Any:  # type: ignore[override]
        """Receive one pickled object; returns a future for the object."""
        return self._recv_loaded(flags, pickle.loads)

    def recv_serialized(
        self,
        deserialize: Callable[[Any], Any],
        flags: int = 0,  # type: ignore[override]
        copy: bool = True,
    ) -> Any:
        """Receive a whole message and ``deserialize`` it; returns a future."""
        self._check_open()
        return self._recv_op(_recv_multipart_load, (self._core, copy, deserialize), flags)

    def _deserialize(self, recvd: Any, load: Callable[[Any], Any]) -> Any:
        """Chain ``load`` onto a receive future (for subclasses using the sugar's helpers;
        the built-in deserialising receives decode in the receive step itself)."""
        if not isinstance(recvd, asyncio.Future) and not hasattr(recvd, "add_done_callback"):
            return load(recvd)
        f = recvd.get_loop().create_future()

        def chain(_: Any) -> None:
            if f.done():
                if not recvd.cancelled() and recvd.exception() is None:
                    warnings.warn(
                        f"Future {f} completed while awaiting {recvd}. A message has been dropped!",
                        RuntimeWarning,
                        stacklevel=1,
                    )
                return
            if recvd.cancelled():
                f.cancel()
                return
            exc = recvd.exception()
            if exc is not None:
                f.set_exception(exc)
                return
            try:
                loaded = load(recvd.result())
            except Exception as e:  # noqa: BLE001
                f.set_exception(e)
            else:
                f.set_result(loaded)

        def chain_cancel(_: Any) -> None:
            if f.cancelled() and not recvd.done():
                recvd.cancel()

        recvd.add_done_callback(chain)
        f.add_done_callback(chain_cancel)
        return f

    # -- sending ----------------------------------------------------------------------------
    def send(
        self,
        data: Any,
        flags: int = 0,
        copy: bool = True,
        track: bool = False,  # type: ignore[override]
        routing_id: Any = None,
        group: Any = None,
    ) -> Any:
        """Send one frame; returns a future (for None, or a MessageTracker)."""
        self._check_open()
        return self._send_op(self._core.send, (data, flags | NOBLOCK, copy, track), flags)

    def send_multipart(
        self,
        msg_parts: Sequence[Any],
        flags: int = 0,
        copy: bool = True,  # type: ignore[override]
        track: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Send a whole message; returns a future that resolves once it is queued."""
        self._check_open()
        try:
            parts = _check_frames(msg_parts)
        except TypeError as e:
            return self._failed(e)
        return self._send_op(
            _send_multipart, (self._core, parts, flags | NOBLOCK, copy, track), flags
        )

    # send_string / send_json / send_pyobj / send_serialized: the sugar's, which return what
    # send / send_multipart return (a future).

    # -- polling ----------------------------------------------------------------------------
    def poll(self, timeout: Optional[int] = None, flags: int = POLLIN) -> Any:  # type: ignore[override]
        """A future for the events (``flags`` mask) once any is ready, or 0 after
        ``timeout`` ms (None or negative: no timeout)."""
        if self.closed:
            raise ZMQError(_c.ENOTSUP)
        loop, _ = self._waiters()
        fut = loop.create_future()
        _PollWait(loop, fut, [(self, int(flags))], single=self).start(timeout)
        return fut

    # -- closing ----------------------------------------------------------------------------
    def close(self, linger: Optional[int] = None) -> None:
        """Close the socket; pending futures are cancelled (as in pyzmq)."""
        w: Optional[_Waiters] = self.__dict__.get("_aio")
        if w is not None and not self.closed:
            if w.loop is not None and _get_running_loop() is w.loop:
                w.cancel_all()
            # else: the core's close notifies the watcher, which cancels on the loop thread
        super().close(linger)
        if w is not None and _get_running_loop() is w.loop:
            w.cancel_all()
            w.unwatch()


Socket._poller_class = Poller
Poller._socket_class = Socket


# -- Context -------------------------------------------------------------------------------
class Context(_SyncContext):
    """A context whose sockets are :class:`Socket` (asyncio).

    ``Context(sync_ctx)`` / ``Context(shadow=sync_ctx)`` / ``Context.shadow(sync_ctx)``
    make an asyncio context over an existing one (the same I/O threads, inproc namespace,
    sockets and termination). ``Context.instance()`` is its own singleton, separate from
    ``purezmq.Context.instance()``.
    """

    _socket_class = Socket
    _instance: Any = None  # not shared with the synchronous Context
    _instance_pid: Optional[int] = None

    def __init__(self, io_threads: Any = 1, shadow: Any = 0) -> None:
        if shadow and not isinstance(shadow, _SyncContext):
            shadow = _find_context(shadow)
        super().__init__(io_threads, shadow)


def _find_context(address: Any) -> Any:
    from ._core._context import _live_contexts

    for ctx in list(_live_contexts):
        if isinstance(ctx, _SyncContext) and ctx.underlying == address:
            return ctx
    raise ZMQError(_c.EFAULT)


# -- deprecated pyzmq names ----------------------------------------------------------------
class ZMQEventLoop(asyncio.SelectorEventLoop):
    """DEPRECATED (pyzmq 17): any asyncio event loop works."""

    def __init__(self, selector: Optional[selectors.BaseSelector] = None) -> None:
        _deprecated()
        super().__init__(selector)


def _deprecated() -> None:
    warnings.warn(
        "ZMQEventLoop and zmq.asyncio.install are deprecated in pyzmq 17. Special eventloop"
        " integration is no longer needed.",
        DeprecationWarning,
        stacklevel=3,
    )


def install() -> None:
    """DEPRECATED (pyzmq 17): no longer needed."""
    _deprecated()
