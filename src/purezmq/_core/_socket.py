"""The socket core: state, commands from other threads, send/recv with blocking and timeouts.

Theory of operation
-------------------
Everything a socket owns is guarded by ``_lock``: the routing object, the message being sent
or received, the endpoint table. Any thread may use the socket (calls are serialised), which is
more than libzmq promises and costs one uncontended lock per call.

Other threads never take ``_lock``. They report to the socket by appending a *command* to
``_cmds`` — a peer attached, a parked pipe can move again, a peer closed — and waking it
through ``_wake_cond`` (a separate leaf lock, never held while calling out). The socket applies
pending commands at the start of each call, as libzmq does. Because no foreign thread ever
holds ``_lock``, two sockets joined by inproc pipes can call into each other's wake-ups
without any lock-ordering deadlock.

A blocked call sleeps on ``_wake_cond`` only after re-checking, under that condition's lock,
that no command arrived since its last attempt; every event that could unblock it (pipe
transitions, attach, context termination) appends a command or sets a flag *before*
notifying, so no wake-up is ever lost.

``FD``/``EVENTS`` follow libzmq's contract: the FD (an eventfd, made on first use) becomes
readable whenever a command is queued, and reading EVENTS clears it before computing the
answer, so a change after the computation signals again.

Layout
------
This module is the core: state, commands, waiting, send and recv (the hot paths). The rest of
SocketBase comes from mixins: options (``_socket_options``), endpoints and closing
(``_socket_endpoints``), the monitor (``_socket_monitor``); ``_socket_parts`` holds what they
share, including the declarations of every attribute set in ``__init__``.
"""

from __future__ import annotations

import errno as _errno
import random
import select as _select
import threading
import time
from collections import deque
from typing import Any, Callable, List, Optional

from .._pipe import Link, TrackedMsg
from ..constants import ENOTSOCK
from ..error import Again, ContextTerminated, ZMQError
from ..routing import ROUTING_TYPES
from ._options import Options
from ._socket_endpoints import EndpointsMixin
from ._socket_monitor import MonitorMixin
from ._socket_options import OptionsMixin
from ._socket_parts import (
    DONTWAIT,
    MECH_CURVE,
    MECH_NULL,
    MECH_PLAIN,
    POLLIN,
    POLLOUT,
    SNDMORE,
    STREAM_TYPE,
    _FdSignal,
    _State,
)

__all__ = [
    "DONTWAIT",
    "MECH_CURVE",
    "MECH_NULL",
    "MECH_PLAIN",
    "POLLIN",
    "POLLOUT",
    "SNDMORE",
    "STREAM_TYPE",
    "SocketBase",
]

_IN, _OUT, _ATTACH, _PEER_CLOSED, _HICCUP = range(5)

_monotonic = time.monotonic


def _rng(bits: int) -> int:
    return random.getrandbits(bits)


class SocketBase(OptionsMixin, EndpointsMixin, MonitorMixin):
    """The part of :class:`purezmq.Socket` that does the work."""

    _closed = True  # until __init__ has run far enough (for __del__)

    def __init__(self, context: Any, socket_type: int, copy_threshold: int = 65536) -> None:
        if socket_type not in ROUTING_TYPES:
            raise ZMQError(_errno.EINVAL)
        self._lock = threading.Lock()
        self.context = context
        self._opts = Options(socket_type, context._ipv6)
        routing = ROUTING_TYPES[socket_type](self._opts, _rng)
        routing.terminate = self._terminate_link
        self._routing = routing
        self._type = socket_type
        self._cmds = deque()
        self._wake_cond = threading.Condition(threading.Lock())
        self._nwaiters = 0
        self._st = _State()
        self._terminated = False
        self._fd_signal = None
        self._endpoints = {}
        self._inproc_bound = []
        self._sessions = set()
        self._monitor = None
        self._closed = False
        self._io_rr = 0
        self.copy_threshold = copy_threshold
        self._watchers = ()
        self._pollwaiters = 0
        self._waitsig = None
        #: When a connection of this socket last wrote from the sending thread (try_direct).
        self._last_direct = 0.0
        #: True in the copy of this socket held by a fork()ed child (see _forked_child).
        self._forked = False

    # -- commands from other threads ----------------------------------------------------
    def _post(self, kind: int, link: Any) -> None:
        self._cmds.append((kind, link))
        if self._closed:
            self._settle_closed()
        self._notify()

    def _settle_closed(self) -> None:
        """Settle a closed socket's late commands, from whichever thread posts them.

        Nobody will call into a closed socket again, so its commands are handled here: a
        late attach is refused (its session can finish and term() does not wait forever),
        the rest mean nothing any more. Without ``_lock``: refusing closes the link, which
        posts to its peer socket, and that socket may be closing in another thread and
        posting back to this one -- taking locks here deadlocked two sockets closed at
        once. Each command is popped (atomically) by exactly one thread.
        """
        cmds = self._cmds
        while cmds:
            try:
                kind, link = cmds.popleft()
            except IndexError:
                return
            if kind == _ATTACH:
                link.close()

    def _notify(self) -> None:
        """Wake everything that may wait on this socket: threads, the FD, async waiters."""
        cond = self._wake_cond
        with cond:
            if self._nwaiters:
                cond.notify_all()
            if self._pollwaiters:
                waitsig = self._waitsig
                assert waitsig is not None  # made by _poll_wait before it counts itself
                waitsig.set()
        sig = self._fd_signal
        if sig is not None:
            sig.set()
        watchers = self._watchers
        if watchers:
            for fn in tuple(watchers):
                fn()

    def add_watcher(self, fn: Callable[[], None]) -> None:
        """Call ``fn()`` (from any thread, must not block) whenever the socket's state may
        have changed: the hook event-loop integrations (purezmq.asyncio) wake up from."""
        with self._wake_cond:
            self._watchers = self._watchers + (fn,)

    def remove_watcher(self, fn: Callable[[], None]) -> None:
        with self._wake_cond:
            # == rather than is: a bound method is a new object at every attribute access.
            self._watchers = tuple(w for w in self._watchers if w != fn)

    def link_readable(self, link: Link) -> None:
        self._post(_IN, link)

    def link_writable(self, link: Link) -> None:
        self._post(_OUT, link)

    def link_peer_closed(self, link: Link) -> None:
        self._post(_PEER_CLOSED, link)

    def _attach_from_session(self, link: Link) -> None:
        link.owner = self
        self._post(_ATTACH, link)

    def _hiccup_from_session(self, link: Link) -> None:
        """A connecting link reconnected (posted by its session)."""
        self._post(_HICCUP, link)

    def _process_cmds(self) -> None:
        cmds = self._cmds
        routing = self._routing
        while cmds:
            kind, link = cmds.popleft()
            if kind == _IN:
                routing.activate_in(link)
            elif kind == _OUT:
                routing.activate_out(link)
            elif kind == _ATTACH:
                self._attach(link)
            elif kind == _HICCUP:
                if link.attached:
                    routing.hiccup(link)
            elif kind == _PEER_CLOSED:
                routing.peer_closed(link)
                if not link.attached:
                    continue
                # Let fq find the DELIMITER even if the link is parked as empty.
                routing.activate_in(link)

    def _attach(self, link: Link) -> None:
        """Adopt a connected peer (lock held)."""
        if self._closed or link.closed:
            link.close()
            return
        if not self._routing.attach(link):
            link.close()
            return
        if link.peer_closed:
            self._routing.peer_closed(link)
        self._on_attached(link)

    def _on_attached(self, link: Link) -> None:
        """Per-peer actions on attach: PROBE_ROUTER queues an empty message to it."""
        if self._opts.probe_router and link.data is None:
            link.out.force_write([b""])  # (a tcp/ipc session queued its probe already)

    def _terminate_link(self, link: Link) -> None:
        """Close a link from our side and forget it (lock held)."""
        self._routing.link_ended(link)
        link.close()
        link.inp.drain()

    # -- waiting ------------------------------------------------------------------------
    def _wait(self, deadline: Optional[float]) -> bool:
        """Sleep until a command arrives or ``deadline``; False once the deadline passed."""
        cond = self._wake_cond
        with cond:
            if self._cmds or self._st.dead:
                return True
            if deadline is None:
                self._nwaiters += 1
                try:
                    cond.wait()
                finally:
                    self._nwaiters -= 1
                return True
            remaining = deadline - _monotonic()
            if remaining <= 0:
                return False
            self._nwaiters += 1
            try:
                cond.wait(remaining)
            finally:
                self._nwaiters -= 1
        return True

    def _interrupt(self) -> None:
        """Context shutdown: every blocking call raises ContextTerminated."""
        with self._wake_cond:
            self._terminated = True
            self._st.dead = True
        self._notify()

    def _check_usable(self) -> None:
        if self._closed:
            raise ZMQError(ENOTSOCK)
        if self._terminated:
            raise ContextTerminated()

    def _forked_child(self) -> None:
        """We are the copy of a socket in a fork()ed child: never touch anything shared.

        Its connections belong to the parent; the child's I/O threads do not exist. Every
        call raises ContextTerminated and close() just forgets the socket.
        """
        self._forked = True
        self._terminated = True
        self._st.dead = True

    # -- send ---------------------------------------------------------------------------
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
        tracker = None
        if type(data) is not bytes or not copy:
            data, tracker, holder = self._coerce_frame(data, copy, track)
            if holder is not None:
                return self._send_slow(data, flags, tracker, holder)
        st = self._st
        # acquire/try/finally rather than ``with``: half the cost, on every message.
        lock = self._lock
        lock.acquire()
        try:
            if st.dead:
                self._check_usable()
            if self._cmds:
                self._process_cmds()
            tx = st.tx
            if tx is None:
                if not flags & 2 and self._routing.send([data]):
                    return tracker
            else:
                tx.append(data)
                if flags & 2 and len(tx) != self._routing.frames_per_message:
                    return tracker
                st.tx = None
                if st.tx_holders is not None:
                    tx = self._tracked(tx)
                self._routing.end(tx)
                return tracker
        finally:
            lock.release()
        return self._send_slow(data, flags, tracker, None)

    def send_multipart(
        self, parts: Any, flags: int = 0, copy: bool = True, track: bool = False
    ) -> Any:
        """Send a whole message at once: one lock, so concurrent senders never interleave."""
        frames = []
        holders = None
        tracker = None
        for part in parts:
            if type(part) is bytes and copy:
                frames.append(part)
                tracker = None
                continue
            frame, tracker, holder = self._coerce_frame(part, copy, track)
            frames.append(frame)
            if holder is not None:
                holders = (holders or []) + [holder]
        if not frames:
            raise TypeError("send_multipart requires at least one frame")
        msg: Any = frames
        if holders is not None:
            msg = TrackedMsg(frames)
            msg.holders = holders
        st = self._st
        more = flags & SNDMORE
        timeo = self._opts.sndtimeo
        nowait = flags & DONTWAIT or timeo == 0
        deadline = None
        lock = self._lock  # acquire/try/finally: see send()
        while True:
            lock.acquire()
            try:
                self._check_usable()
                if self._cmds:
                    self._process_cmds()
                routing = self._routing
                tx = st.tx
                if tx is not None:  # continuing a message begun with send(..., SNDMORE)
                    tx.extend(frames)
                    if holders is not None:
                        st.tx_holders = (st.tx_holders or []) + holders
                    if not more:
                        st.tx = None
                        routing.end(self._tracked(tx) if st.tx_holders is not None else tx)
                    return tracker
                if more:
                    if routing.begin(frames[0], True):
                        st.tx = frames
                        st.tx_holders = holders
                        return tracker
                elif len(frames) == 1 and holders is None:
                    if routing.send(msg):
                        return tracker
                elif routing.begin(frames[0], len(frames) > 1):
                    routing.end(msg)
                    return tracker
            finally:
                lock.release()
            if nowait:
                raise Again()
            if deadline is None and timeo > 0:
                deadline = _monotonic() + timeo / 1000.0
            if not self._wait(deadline):
                raise Again()

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        """Receive every frame of one message at once."""
        msg = self._recv_multipart_now(copy)
        if msg is not None:
            return msg
        st = self._st
        frame = self._recv_slow(flags, copy)
        # The first frame came through the blocking path; the rest is already here.
        with self._lock:
            rx = st.rx
            if rx is None:
                return [frame]
            rest = rx[st.rx_pos + 1 :]
            link = st.rx_link
            st.rx = None
            st.rcvmore = 0
            return [frame] + self._frames_out(rx, rest, copy, link)

    def _recv_multipart_now(self, copy: bool) -> Optional[List[Any]]:
        """Every frame of the next message (or the rest of one begun with recv()), or None
        if nothing is there: recv_multipart's non-blocking step (purezmq.asyncio's too)."""
        st = self._st
        lock = self._lock  # acquire/try/finally: see send()
        lock.acquire()
        try:
            rx = st.rx
            if rx is not None:  # the rest of a message begun with recv()
                rest = rx[st.rx_pos + 1 :]
                link = st.rx_link
                st.rx = None
                st.rcvmore = 0
                return self._frames_out(rx, rest, copy, link)
            if st.dead:
                self._check_usable()
            if self._cmds:
                self._process_cmds()
            msg = self._routing.recv()
            if msg is None:
                return None
            st.rcvmore = 0
            if copy:
                return [f if type(f) is bytes else bytes(f) for f in msg]
            return self._frames_out(msg, msg, copy, self._routing.last_link())
        finally:
            lock.release()

    def _frames_out(self, msg: Any, frames: Any, copy: bool, link: Any) -> Any:
        if copy:
            return [f if type(f) is bytes else bytes(f) for f in frames]
        last = len(frames) - 1
        return [self._out_frame(f, link, i < last, msg) for i, f in enumerate(frames)]

    def _tracked(self, frames: List[Any]) -> TrackedMsg:
        holders = self._st.tx_holders
        assert holders is not None  # callers check: the message carries tracked frames
        msg = TrackedMsg(frames)
        msg.holders = holders
        self._st.tx_holders = None
        return msg

    def _send_slow(self, data: Any, flags: int, tracker: Any, holder: Any) -> Any:
        """Every send that cannot complete at once, or that carries a tracked frame."""
        more = flags & SNDMORE
        timeo = self._opts.sndtimeo
        nowait = flags & DONTWAIT or timeo == 0
        deadline = None if timeo < 0 else _monotonic() + timeo / 1000.0
        st = self._st
        while True:
            with self._lock:
                self._check_usable()
                if self._cmds:
                    self._process_cmds()
                routing = self._routing
                tx = st.tx
                if tx is not None:
                    # The rest of an admitted message: never blocks.
                    tx.append(data)
                    if holder is not None:
                        st.tx_holders = (st.tx_holders or []) + [holder]
                    if not more or len(tx) == routing.frames_per_message:
                        st.tx = None
                        routing.end(self._tracked(tx) if st.tx_holders is not None else tx)
                    return tracker
                if routing.begin(data, bool(more)):
                    if more:
                        st.tx = [data]
                        if holder is not None:
                            st.tx_holders = [holder]
                    elif holder is not None:
                        st.tx_holders = [holder]
                        routing.end(self._tracked([data]))
                    else:
                        routing.end([data])
                    return tracker
            if nowait:
                raise Again()
            if not self._wait(deadline):
                raise Again()

    def _coerce_frame(self, data: Any, copy: bool, track: bool) -> Any:
        """(wire frame, tracker to return, holder to keep alive) for a non-trivial send.

        pyzmq's rules: copy=True copies and returns None; copy=False copies frames smaller
        than copy_threshold and returns a finished tracker; larger ones are sent by reference
        and tracked when ``track``; a Frame is sent as is and returns its own tracker.
        """
        from ..sugar.frame import Frame, _finished_tracker

        if isinstance(data, Frame):
            if track and not data.tracker:
                raise ValueError("Not a tracked message")
            return data._wire(), data.tracker, data._holder
        if isinstance(data, str):
            raise TypeError("unicode not allowed, use send_string")
        try:
            view = memoryview(data)
        except TypeError:
            raise TypeError(f"Expected bytes-like object, got {type(data).__name__}") from None
        if not view.c_contiguous:
            raise BufferError("memoryview: underlying buffer is not C-contiguous")
        if view.format != "B" or view.ndim != 1:
            view = view.cast("B")
        if copy:
            return (data if type(data) is bytes else view.tobytes()), None, None
        threshold = self.copy_threshold
        if threshold and view.nbytes < threshold:
            return (data if type(data) is bytes else view.tobytes()), _finished_tracker(), None
        frame = Frame(data, track=track, copy=False)
        return frame._wire(), frame.tracker, frame._holder

    # -- recv ---------------------------------------------------------------------------
    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        """Receive one frame: bytes, or a Frame when ``copy`` is False."""
        st = self._st
        lock = self._lock  # acquire/try/finally: see send()
        lock.acquire()
        try:
            if st.rx is not None:
                return self._next_frame(copy)
            if st.dead:
                self._check_usable()
            if self._cmds:
                self._process_cmds()
            msg = self._routing.recv()
            if msg is not None:
                if copy and len(msg) == 1:
                    st.rcvmore = 0
                    frame = msg[0]
                    return frame if type(frame) is bytes else bytes(frame)
                return self._first_frame(msg, copy)
        finally:
            lock.release()
        return self._recv_slow(flags, copy)

    def _next_frame(self, copy: bool) -> Any:
        st = self._st
        # recv() checked st.rx is not None (no assert: this is the per-frame hot path).
        rx: List[Any] = st.rx  # type: ignore[assignment]
        i = st.rx_pos + 1
        frame = rx[i]
        if i + 1 < len(rx):
            st.rx_pos = i
            more = True
        else:
            st.rx = None
            st.rcvmore = 0
            more = False
        if copy:
            return frame if type(frame) is bytes else bytes(frame)
        return self._out_frame(frame, st.rx_link, more, rx)

    def _first_frame(self, msg: List[Any], copy: bool) -> Any:
        st = self._st
        more = len(msg) > 1
        if more:
            st.rx = msg
            st.rx_pos = 0
            st.rcvmore = 1
        else:
            st.rcvmore = 0
        link = self._routing.last_link() if not copy or more else None
        st.rx_link = link
        frame = msg[0]
        if copy:
            return frame if type(frame) is bytes else bytes(frame)
        return self._out_frame(frame, link, more, msg)

    def _out_frame(self, frame: Any, link: Any, more: bool, msg: Any = None) -> Any:
        from ..sugar.frame import Frame

        owner = msg if type(msg) is TrackedMsg else None
        return Frame._from_wire(frame, more, link.metadata if link is not None else None, owner)

    def _recv_slow(self, flags: int, copy: bool) -> Any:
        timeo = self._opts.rcvtimeo
        nowait = flags & DONTWAIT or timeo == 0
        deadline = None if timeo < 0 else _monotonic() + timeo / 1000.0
        while True:
            if nowait:
                raise Again()
            engine = self._direct_engine()
            if engine is not None:
                # One tcp/ipc peer: read its connection ourselves rather than waiting for the
                # I/O thread to do it and wake us (a thread hand-off saved per reply).
                if not engine.read_direct() and not self._poll_wait(engine, deadline):
                    raise Again()
            elif not self._wait(deadline):
                raise Again()
            with self._lock:
                self._check_usable()
                if self._cmds:
                    self._process_cmds()
                msg = self._routing.recv()
                if msg is not None:
                    return self._first_frame(msg, copy)

    def _direct_engine(self, streams_too: bool = False) -> Any:
        """The engine of this socket's only peer, if it is a tcp/ipc connection.

        A blocked thread leaves a streaming peer to the I/O thread (``streaming_until``);
        ``streams_too`` (purezmq.asyncio, whose event loop would otherwise be woken from
        the I/O thread for each batch) takes it anyway."""
        links = self._routing.links
        if len(links) != 1:
            return None
        session = links[0].data
        if session is None:
            return None
        engine = session.engine
        if (
            engine is None
            or engine.dead
            or not engine._direct_ok
            or engine._stash
            or not engine._reading
        ):
            return None  # the I/O thread has work to do on it first
        if not streams_too and _monotonic() < engine.streaming_until:
            return None  # a stream: the I/O thread reads ahead, in parallel with us
        return engine

    def _poll_wait(self, engine: Any, deadline: Optional[float]) -> bool:
        """Like _wait, but also wake when the peer's connection becomes readable."""
        cond = self._wake_cond
        with cond:
            if self._cmds or self._st.dead:
                return True
            sig = self._waitsig
            if sig is None:
                sig = self._waitsig = _FdSignal()
            sig.clear()
            self._pollwaiters = self._pollwaiters + 1
        try:
            if deadline is None:
                timeout = None
            else:
                remaining = deadline - _monotonic()
                if remaining <= 0:
                    return False
                timeout = remaining * 1000.0
            poller = _select.poll()
            try:
                poller.register(engine.fd, _select.POLLIN)
            except (OSError, ValueError):
                return True  # the connection just went away: look again
            poller.register(sig.rfd, _select.POLLIN)
            engine.app_wait(True)
            try:
                if poller.poll(timeout):
                    engine.read_direct()
            except InterruptedError:  # pragma: no cover
                pass
            finally:
                engine.app_wait(False)
            return True
        finally:
            with cond:
                self._pollwaiters = self._pollwaiters - 1

    @property
    def _rcvmore(self) -> int:
        return self._st.rcvmore
