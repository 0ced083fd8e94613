"""The waiting machinery of purezmq.asyncio: per-socket queues of pending sends and
receives, the non-blocking operations they run, and the direct read.

See :mod:`purezmq.asyncio` for the theory of operation of the queues and their guarantees.

The direct read. When a receive waits on a socket whose only peer is a tcp/ipc connection,
the loop reads that connection itself instead of waiting for the I/O thread to read it and
wake the loop (a thread hand-off per message: with the GIL, the biggest cost of an awaited
round trip). As the blocking ``recv()`` does (``SocketBase._recv_slow``): ``add_reader`` on
the connection, ``engine.app_wait(True)`` (the I/O thread steps aside from it), and on
readiness ``engine.read_direct()`` (decodes and delivers into the socket's inbound pipe
under the engine's read lock, as the I/O thread would), then serve the queue. Rules:

* The loop watches *a duplicate* of the engine's descriptor, ours to close: the I/O thread
  may close the engine's at any moment, and a descriptor closed while registered breaks
  the loop (uvloop aborts the process; a reused number confuses asyncio's selector). The
  duplicate is taken under the engine's write lock, inside which it cannot be closed. If the
  engine dies while the loop cannot drop the duplicate (the loop is stopped), ``notify``
  shuts the connection down so the peer still sees it end.
* ``app_wait(True)`` is set only while a receive waits, plus at most one loop iteration
  after the last one completed (the task that got a message usually asks for the next one
  at once: it then costs nothing to keep). Otherwise the I/O thread reads the connection,
  so data, heartbeats and disconnections never wait for an ``await``.
* Any surprise (``read_direct`` declines: the I/O thread is reading, back-pressure, EOF,
  errors; the peer set changed; the engine died) hands the descriptor back to the I/O
  thread; it is taken again only after a notification, so nothing ever spins. The watcher
  path stays the general mechanism and is always armed underneath.
* The descriptor is re-evaluated on every ``wake`` (every change of the core notifies).
"""

from __future__ import annotations

import socket
import threading
import weakref
from collections import deque
from functools import partial
from typing import Any, Callable, Deque, List, Optional, Tuple

from ._asyncio_poll import _get_running_loop
from .error import Again

# Plain ints on the hot paths.
SNDMORE = 2


# -- the per-socket waiting machinery ------------------------------------------------------
class _Op:
    """One queued send or receive: ``fn(*args)`` performs it without blocking."""

    __slots__ = ("fut", "fn", "args", "deadline", "state", "cb")

    def __init__(self, fut: Any, fn: Callable[..., Any], args: Tuple[Any, ...]) -> None:
        self.fut = fut
        self.fn = fn
        self.args = args
        #: the done callback watching for cancellation (dropped when we complete it)
        self.cb: Any = None
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

    The direct-read fast path (``dengine``/``dsock``, see the module docstring) is armed
    only on the loop thread; ``notify`` (any thread) reads it under ``lock``.
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
        "dengine",
        "dsock",
        "dloop",
        "dfail",
        "recheck",
        "readers_ok",
        "__weakref__",
    )

    #: Read the connection of a socket's only tcp/ipc peer on the loop thread while a
    #: receive waits (False: always wait for the I/O thread; tests run both ways).
    direct_read = True

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
        #: (``scheduled``, ``pokes``, ``dsock`` and appends to the queues change under it)
        self.lock = threading.Lock()
        self.timer: Any = None
        self.timer_at = 0.0
        #: the engine whose connection the loop reads directly (None: the I/O thread does)
        self.dengine: Any = None
        #: our own duplicate of its socket: the descriptor registered with the loop
        self.dsock: Any = None
        #: the loop ``dsock`` is registered with
        self.dloop: Any = None
        #: (engine, pokes) when a direct read last failed: not that engine again until the
        #: core has news
        self.dfail: Any = None
        #: a look at the direct read is scheduled for the next loop iteration
        self.recheck = False
        #: the loop has add_reader (a Proactor loop has not)
        self.readers_ok = True

    def __del__(self) -> None:
        # Only reached once the loop dropped our reader (it holds us while registered):
        # give the descriptor back to the I/O thread and close our duplicate.
        if self.dsock is not None:
            try:
                self._drop_direct(True)
            except Exception:  # noqa: BLE001 - interpreter shutdown
                pass

    def bind(self, loop: Any) -> None:
        """Serve futures of ``loop`` from now on (a socket may move between loops, one at
        a time, as in pyzmq; what was pending on the previous loop is cancelled)."""
        if self.loop is not None:
            self.cancel_all()
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
        self.loop = loop
        self.readers_ok = True
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
            if self.dsock is not None and self.dengine.dead:
                self._shut_direct()
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

    def _shut_direct(self) -> None:
        """(lock held) The engine closed its socket, but our duplicate keeps the connection
        open until the loop thread drops it: end the connection now, as its close would."""
        try:
            self.dsock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

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
        if self.dengine is not None or self.recv_q:
            self.direct_update()

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
                fut.remove_done_callback(op.cb)
                fut.set_exception(e)
            else:
                if result is _EMPTY:
                    return
                q.popleft()
                op.state = 2
                # (no _settled call to schedule: one loop callback less per message)
                fut.remove_done_callback(op.cb)
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
        op.cb = cb = partial(self._settled, op)
        op.fut.add_done_callback(cb)
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
        if q is self.recv_q:
            self.direct_update()

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
        if self.dengine is not None:
            self.direct_update(sticky=False, check=False)

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
        if self.dsock is not None:
            self._drop_direct()

    # -- the direct read (loop thread) -----------------------------------------------------
    def direct_update(self, sticky: bool = True, check: bool = True) -> None:
        """Read the only peer's connection here while a receive waits, else let the I/O
        thread read it. ``sticky``: when nothing waits any more, keep reading until the
        next loop iteration has run (the task that just got its message usually asks for
        the next one right away). ``check``: look whether the peer changed even if we
        read one already (only a notification changes it, and ``wake`` looks then; until
        then reading the old one is harmless)."""
        cur = self.dengine
        q = self.recv_q
        if q and self.purge(q):
            if (cur is not None and not check) or not (self.direct_read and self.readers_ok):
                return
            core = self.core
            with core._lock:  # (another thread may be changing the peers)
                want = core._direct_engine(streams_too=True)
            if want is cur:
                return
            fail = self.dfail
            if want is not None and fail is not None:
                if fail[0] is want and fail[1] == self.pokes:
                    want = None  # it failed, and nothing changed since: not again yet
                else:
                    self.dfail = None
            if cur is not None:
                self._drop_direct()
            if want is not None:
                self._arm(want)
            return
        if cur is None:
            return
        if not sticky or cur.dead or self.core._closed:
            self._drop_direct()
        elif not self.recheck:
            self.recheck = True
            try:
                self.loop.call_soon(self._recheck)
            except RuntimeError:  # pragma: no cover - the loop is closed
                self._drop_direct()

    def _recheck(self) -> None:
        self.recheck = False
        if self.dengine is not None:
            self.direct_update(sticky=False, check=False)

    def _arm(self, engine: Any) -> None:
        loop = self.loop
        try:
            # Under the engine's write lock it cannot close its socket (close() marks it
            # dead under that lock first): ``dup`` gets the right descriptor. Our own
            # duplicate stays valid until we close it, whatever the I/O thread does (uvloop
            # aborts the process if a registered descriptor is closed before it polls).
            with engine._wlock:
                if engine.dead:
                    return
                dsock = engine.sock.dup()
        except OSError:
            return
        try:
            loop.add_reader(dsock.fileno(), self._on_readable)
        except (NotImplementedError, ValueError):
            # Proactor (no add_reader), select() past FD_SETSIZE: the I/O thread reads, as
            # it always does.
            self.readers_ok = False
            dsock.close()
            return
        except (OSError, RuntimeError):
            dsock.close()
            return
        with self.lock:
            self.dengine = engine
            self.dsock = dsock
            self.dloop = loop
        engine.app_wait(True)  # the I/O thread steps aside from this descriptor

    def _on_readable(self) -> None:
        """The loop found our peer's connection readable: read it here, serve the queue."""
        engine = self.dengine
        if engine is None:  # pragma: no cover - the reader is removed with dengine
            return
        with self.lock:
            # Our own delivery notifies us: serve it below rather than in another callback.
            self.scheduled = True
            pokes = self.pokes
        ok = False
        try:
            ok = engine.read_direct()
        finally:
            if not ok:
                # Not for us now (the I/O thread is reading, back-pressure, EOF, an error
                # ...): hand the descriptor back to the I/O thread, and try again only once
                # the core has news (else a readable descriptor would spin).
                self.dfail = (engine, pokes)
                self._drop_direct()
            self.wake()

    def _drop_direct(self, finalizing: bool = False) -> None:
        """Stop reading directly: the I/O thread reads the connection again."""
        current = None if finalizing else _get_running_loop()
        with self.lock:
            engine, dsock, dloop = self.dengine, self.dsock, self.dloop
            self.dengine = self.dsock = self.dloop = None
        if engine is None:
            return
        engine.app_wait(False)
        fd = dsock.fileno()
        if dloop.is_closed() or finalizing:
            dsock.close()
        elif dloop is current or not dloop.is_running():
            try:
                dloop.remove_reader(fd)
            except Exception:  # noqa: BLE001 - a loop torn down under us
                pass
            dsock.close()
        else:  # moved to another loop while the old one runs in another thread
            try:
                dloop.call_soon_threadsafe(_remove_and_close, dloop, dsock)
            except RuntimeError:
                dsock.close()


def _remove_and_close(loop: Any, dsock: Any) -> None:
    try:
        loop.remove_reader(dsock.fileno())
    finally:
        dsock.close()


# -- non-blocking operations run by the queues ----------------------------------------------
# A receive returns _EMPTY rather than raising Again when nothing is there (raising costs
# more than the rest of an empty attempt). They do what SocketBase.recv / recv_multipart do
# under the core's lock, minus the blocking part: their results and errors are the core's.
_EMPTY: Any = object()


def _try_recv(core: Any, copy: bool) -> Any:
    """SocketBase.recv(NOBLOCK, copy), with _EMPTY for Again."""
    st = core._st
    with core._lock:
        if st.rx is not None:
            return core._next_frame(copy)
        if st.dead:
            core._check_usable()
        if core._cmds:
            core._process_cmds()
        msg = core._routing.recv()
        if msg is None:
            return _EMPTY
        if copy and len(msg) == 1:
            st.rcvmore = 0
            frame = msg[0]
            return frame if type(frame) is bytes else bytes(frame)
        return core._first_frame(msg, copy)


def _recv_multipart(core: Any, copy: bool) -> Any:
    """SocketBase.recv_multipart(NOBLOCK, copy), with _EMPTY for Again: every frame (or the
    rest of a message begun with recv) in one step."""
    msg = core._recv_multipart_now(copy)
    return _EMPTY if msg is None else msg


def _recv_load(core: Any, load: Callable[[Any], Any]) -> Any:
    data = _try_recv(core, True)
    return data if data is _EMPTY else load(data)


def _recv_multipart_load(core: Any, copy: bool, load: Callable[[Any], Any]) -> Any:
    parts = _recv_multipart(core, copy)
    return parts if parts is _EMPTY else load(parts)


def _recv_into(core: Any, view: memoryview, nbytes: int) -> Any:
    data = _try_recv(core, True)
    if data is _EMPTY:
        return data
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
