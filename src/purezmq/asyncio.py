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
lacks. purezmq has no such indirection: the socket core calls *watchers* (``add_watcher``)
from whichever thread changed its state -- an I/O thread that filled an empty pipe, a peer
socket's thread that drained a full one, ``close()``, context shutdown. A watcher here only
does ``loop.call_soon_threadsafe(wake)`` (plain ``call_soon`` when the change happens on the
loop's own thread, e.g. an inproc peer on the same loop), coalesced so at most one ``wake`` is
scheduled per socket at a time. So wake-ups come straight from the engine; nothing polls.

Each socket keeps FIFO queues of pending receives and sends (:class:`_Waiters`). An
operation first tries the core with ``NOBLOCK`` when nobody is queued ahead of it; only if
that says ``Again`` is it queued. A change notified between that attempt and the queueing
found no waiter to wake, so every notification also counts in ``pokes``, and the queue is
tried once more if the count moved. ``wake`` retries the queue heads until ``Again``: the
contract is edge-triggered, so the retry loop runs to exhaustion before waiting again.
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

Ownership: the queues are touched only on the loop thread. The watcher reads two ``deque``
lengths and two flags from other threads and never blocks. The core holds the watcher, and
the watcher holds the private ``_Waiters`` only weakly (pending futures keep it alive), so
the core never keeps a public socket alive: a forgotten socket is still garbage-collected
and closed, as in pyzmq, and a dropped shadow unhooks itself.

Polling (``Socket.poll``, :class:`Poller`) lives in :mod:`purezmq._asyncio_poll`.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import selectors
import threading
import warnings
import weakref
from asyncio import Future, SelectorEventLoop  # noqa: F401 - pyzmq's module has these names
from collections import deque
from functools import partial
from typing import Any, Callable, Deque, List, Optional, Sequence, Tuple

from . import constants as _c
from ._asyncio_poll import Poller, _get_running_loop, _loop_for_call, _PollWait
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


# -- the per-socket waiting machinery ------------------------------------------------------
class _Op:
    """One queued send or receive: ``fn(*args)`` performs it without blocking."""

    __slots__ = ("fut", "fn", "args", "deadline", "state")

    def __init__(self, fut: Any, fn: Callable[..., Any], args: Tuple[Any, ...]) -> None:
        self.fut = fut
        self.fn = fn
        self.args = args
        #: loop.time() at which RCVTIMEO/SNDTIMEO fails it with Again (None: never)
        self.deadline: Optional[float] = None
        #: 0 queued; 1 queued but already done (counted in ``dead``); 2 out of the queue
        self.state = 0


def _weak_watcher(ref: "weakref.ref[_Waiters]", core: Any) -> Callable[[], None]:
    def watcher() -> None:
        w = ref()
        if w is None:
            core.remove_watcher(watcher)  # never called with the core's locks held
        else:
            w.notify()

    return watcher


class _Waiters:
    """Pending sends and receives of one core socket, served on one event loop.

    Timeouts share one loop timer per socket, armed for the earliest deadline (an
    ``call_later`` per waiting operation costs more than the rest of the wait).
    """

    __slots__ = (
        "core",
        "loop",
        "recv_q",
        "send_q",
        "scheduled",
        "watching",
        "dead",
        "watcher",
        "pokes",
        "lock",
        "timer",
        "timer_at",
        "__weakref__",
    )

    def __init__(self, core: Any) -> None:
        self.core = core
        # The core holds the watcher, the watcher holds us only weakly: a shadow socket that
        # is dropped must not stay registered forever. (While operations are pending, their
        # futures' done callbacks keep us alive.)
        self.watcher = _weak_watcher(weakref.ref(self), core)
        self.loop: Any = None
        self.recv_q: Deque[_Op] = deque()
        self.send_q: Deque[_Op] = deque()
        self.scheduled = False
        self.watching = False
        self.dead = 0
        #: notifications so far ("something changed since you last looked")
        self.pokes = 0
        #: orders a watcher's notify against the loop thread's queueing: no GIL assumed
        #: (``scheduled``, ``pokes`` and appends to the queues change under it)
        self.lock = threading.Lock()
        self.timer: Any = None
        self.timer_at = 0.0

    def bind(self, loop: Any) -> None:
        """Serve futures of ``loop`` from now on (a socket may move between loops, one at
        a time, as in pyzmq; what was pending on the previous loop is cancelled)."""
        if self.loop is not None:
            self.cancel_all()
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
        self.loop = loop
        with self.lock:
            self.scheduled = False
        if not self.watching:
            self.core.add_watcher(self.watcher)
            self.watching = True

    def unwatch(self) -> None:
        if self.watching:
            self.watching = False
            self.core.remove_watcher(self.watcher)

    # any thread ----------------------------------------------------------------------------
    def notify(self) -> None:
        """The core's state may have changed: schedule one ``wake`` if anybody waits."""
        with self.lock:
            self.pokes += 1
            loop = self.loop
            if self.scheduled or loop is None or not (self.recv_q or self.send_q):
                return
            self.scheduled = True
        try:
            if _get_running_loop() is loop:  # a change made on the loop's own thread
                self.loop.call_soon(self.wake)
            else:
                loop.call_soon_threadsafe(self.wake)
        except RuntimeError:  # the loop is closed: nobody left to wake
            with self.lock:
                self.scheduled = False

    # loop thread ---------------------------------------------------------------------------
    def wake(self) -> None:
        with self.lock:
            self.scheduled = False  # first: a change while we serve schedules another wake
        if self.core._closed:
            self.cancel_all()
            return
        if self.recv_q:
            self.serve(self.recv_q)
        if self.send_q:
            self.serve(self.send_q)

    def serve(self, q: Deque[_Op]) -> None:
        """Complete queued operations from the head until one would block."""
        while q:
            op = q[0]
            fut = op.fut
            if fut.done():
                self._pop_dead(q)
                continue
            try:
                result = op.fn(*op.args)
            except Again:
                return
            except Exception as e:  # noqa: BLE001 - the caller sees it through its future
                if self.core._closed:  # closed by another thread meanwhile
                    self.cancel_all()
                    return
                q.popleft()
                op.state = 2
                fut.set_exception(e)
            else:
                q.popleft()
                op.state = 2
                fut.set_result(result)

    def _pop_dead(self, q: Deque[_Op]) -> None:
        op = q.popleft()
        if op.state == 1:
            self.dead -= 1
        op.state = 2

    def purge(self, q: Deque[_Op]) -> bool:
        """Drop finished (cancelled, timed out) operations at the head; True if any live
        one is still queued."""
        while q and q[0].fut.done():
            self._pop_dead(q)
        return bool(q)

    def enqueue(self, q: Deque[_Op], op: _Op, timeo: int, pokes: int = -1) -> None:
        """Queue ``op`` behind the others. ``pokes``: the count read before the caller's
        own attempt; if a notification came since, it found no waiter to wake, so the
        queue is served once more now."""
        with self.lock:
            q.append(op)
            again = pokes >= 0 and self.pokes != pokes
        op.fut.add_done_callback(partial(self._settled, op))
        if timeo >= 0:
            loop = self.loop
            op.deadline = when = loop.time() + timeo / 1000.0
            if self.timer is None or when < self.timer_at:
                if self.timer is not None:
                    self.timer.cancel()
                self.timer_at = when
                self.timer = loop.call_at(when, self._expire)
        if again:
            self.serve(q)

    def _expire(self) -> None:
        """The timer: fail every queued operation whose deadline passed with Again, then
        re-arm for the next deadline."""
        self.timer = None
        now = self.loop.time() + 1e-6
        nxt: Optional[float] = None
        for q in (self.recv_q, self.send_q):
            for op in q:
                when = op.deadline
                if when is None or op.fut.done():
                    continue
                if when <= now:
                    op.fut.set_exception(Again())
                elif nxt is None or when < nxt:
                    nxt = when
        if nxt is not None:
            self.timer_at = nxt
            self.timer = self.loop.call_at(nxt, self._expire)

    def _settled(self, op: _Op, fut: Any) -> None:
        """Done callback: a queued operation finished by cancellation or timeout."""
        if op.state != 0:
            return
        op.state = 1
        self.dead += 1
        if self.dead > 32 and self.dead * 2 > len(self.recv_q) + len(self.send_q):
            self._compact()

    def _compact(self) -> None:
        """Forget finished operations queued behind live ones (many cancelled waiters)."""
        for name in ("recv_q", "send_q"):
            q = getattr(self, name)
            keep: Deque[_Op] = deque()
            for op in q:
                if op.fut.done():
                    op.state = 2
                else:
                    keep.append(op)
            with self.lock:
                setattr(self, name, keep)
        self.dead = 0

    def cancel_all(self) -> None:
        """The socket is closed: cancel every pending operation (pyzmq's behaviour)."""
        for q in (self.recv_q, self.send_q):
            while q:
                op = q.popleft()
                op.state = 2
                if not op.fut.done():
                    try:
                        op.fut.cancel()
                    except RuntimeError:  # the loop is closed
                        pass
        self.dead = 0


# -- non-blocking operations run by the queues (flags already include NOBLOCK) ---------------
def _recv_multipart(core: Any, flags: int, copy: bool, track: bool) -> List[Any]:
    recv = core.recv
    parts = [recv(flags, copy, track)]
    st = core._st
    while st.rcvmore:
        parts.append(recv(flags, copy, track))
    return parts


def _recv_load(core: Any, flags: int, load: Callable[[Any], Any]) -> Any:
    return load(core.recv(flags))


def _recv_multipart_load(core: Any, flags: int, copy: bool, load: Callable[[Any], Any]) -> Any:
    return load(_recv_multipart(core, flags, copy, False))


def _recv_into(core: Any, view: memoryview, nbytes: int, flags: int) -> int:
    data = core.recv(flags)
    n = min(len(data), nbytes)
    view[:n] = data[:n]
    return len(data)


def _send_multipart(core: Any, parts: List[Any], flags: int, copy: bool, track: bool) -> Any:
    send = core.send
    last = len(parts) - 1
    # The first frame decides: once it is admitted the rest of the message never blocks.
    for part in parts[:last]:
        send(part, flags | SNDMORE, copy, track)
    return send(parts[last], flags, copy, track)


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
        except Again as e:
            if flags & NOBLOCK:
                fut.set_exception(e)
                return fut
        except Exception as e:  # noqa: BLE001 - delivered through the future, as pyzmq
            fut.set_exception(e)
            return fut
        else:
            fut.set_result(result)
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
        return self._recv_op(self._core.recv, (flags | NOBLOCK, copy, track), flags)

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:  # type: ignore[override]
        """Receive a whole message; returns a future for the list of frames."""
        self._check_open()
        return self._recv_op(_recv_multipart, (self._core, flags | NOBLOCK, copy, track), flags)

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
        return self._recv_op(_recv_into, (self._core, view, nbytes, flags | NOBLOCK), flags)

    def _recv_loaded(self, flags: int, load: Callable[[Any], Any]) -> Any:
        self._check_open()
        return self._recv_op(_recv_load, (self._core, flags | NOBLOCK, load), flags)

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
        return self._recv_op(
            _recv_multipart_load, (self._core, flags | NOBLOCK, copy, deserialize), flags
        )

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
