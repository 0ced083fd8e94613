"""The socket core: options, endpoints, send/recv with blocking and timeouts.

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
"""

from __future__ import annotations

import errno as _errno
import os
import random
import select as _select
import socket as _pysocket
import struct
import threading
import time
from collections import deque
from typing import Any, List, Optional

from .._engine._session import AcceptListener, ConnectSession, IpcListener, TcpListener
from .._pipe import Link, TrackedMsg
from .._transport._endpoint import (
    ipc_path,
    ipc_wildcard,
    parse_endpoint,
    resolve_tcp_connect,
)
from ..constants import (
    EMTHREAD,
    ENOTSOCK,
    EPROTONOSUPPORT,
    EVENT_HANDSHAKE_FAILED_AUTH,
    EVENT_HANDSHAKE_FAILED_NO_DETAIL,
    EVENT_HANDSHAKE_FAILED_PROTOCOL,
    EVENT_HANDSHAKE_SUCCEEDED,
    EVENT_MONITOR_STOPPED,
)
from ..error import Again, ContextTerminated, ZMQError
from ..routing import ROUTING_TYPES
from ..zmtp import FailureKind, NullMechanism, ProtocolError
from ._options import Options, coerce, lookup, parse_accept_filter

MECH_NULL, MECH_PLAIN, MECH_CURVE = 0, 1, 2
STREAM_TYPE = 11

# Plain ints: IntFlag arithmetic costs a Python-level call per operation on the hot path.
DONTWAIT = 1
SNDMORE = 2
POLLIN = 1
POLLOUT = 2

_IN, _OUT, _ATTACH, _PEER_CLOSED, _HICCUP = range(5)

_monotonic = time.monotonic
_EVENT = struct.Struct("=Hi")


def _clamp32(value: int) -> int:
    value = int(value)
    if -(2**31) <= value < 2**31:
        return value
    return value & 0x7FFFFFFF


def _rng(bits: int) -> int:
    return random.getrandbits(bits)


class _FdSignal:
    """The readable-when-something-changed descriptor behind ZMQ_FD."""

    def __init__(self) -> None:
        if hasattr(os, "eventfd"):
            self.rfd = self.wfd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
            self._one = (1).to_bytes(8, "little")
        else:  # pragma: no cover
            a, b = _pysocket.socketpair()
            a.setblocking(False)
            b.setblocking(False)
            self._pair = (a, b)
            self.rfd, self.wfd = a.fileno(), b.fileno()
            self._one = b"\x00"
        self.signaled = False
        self._lock = threading.Lock()

    def set(self) -> None:
        with self._lock:
            if self.signaled:
                return
            self.signaled = True
        try:
            os.write(self.wfd, self._one)
        except OSError:
            pass

    def clear(self) -> None:
        with self._lock:
            if not self.signaled:
                return
            self.signaled = False
            try:
                os.read(self.rfd, 4096)
            except OSError:
                pass

    def close(self) -> None:
        if hasattr(self, "_pair"):
            for s in self._pair:
                s.close()
        else:
            try:
                os.close(self.rfd)
            except OSError:
                pass


class _State:
    """The per-message mutable state of a socket, kept off the instance ``__dict__``.

    (The public Socket maps unknown attribute writes to options through a Python-level
    ``__setattr__``; hot-path state in a slotted object avoids that call.)
    """

    __slots__ = ("tx", "tx_holders", "rx", "rx_pos", "rx_link", "rcvmore", "dead")

    def __init__(self) -> None:
        self.tx: Optional[List[Any]] = None
        self.tx_holders: Optional[List[Any]] = None
        self.rx: Optional[List[Any]] = None
        self.rx_pos = 0
        self.rx_link: Any = None
        self.rcvmore = 0
        #: closed or terminated: the slow checks must run
        self.dead = False


class SocketBase:
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
            # Nobody will call into a closed socket again: settle it here (a late attach
            # is refused, so its session can finish and term() does not wait forever).
            with self._lock:
                if self._cmds:
                    self._process_cmds()
        self._notify()

    def _notify(self) -> None:
        """Wake everything that may wait on this socket: threads, the FD, async waiters."""
        cond = self._wake_cond
        with cond:
            if self._nwaiters:
                cond.notify_all()
            if self._pollwaiters:
                self._waitsig.set()
        sig = self._fd_signal
        if sig is not None:
            sig.set()
        watchers = self._watchers
        if watchers:
            for fn in tuple(watchers):
                fn()

    def add_watcher(self, fn: Any) -> None:
        """Call ``fn()`` (from any thread, must not block) whenever the socket's state may
        have changed: the hook event-loop integrations (purezmq.asyncio) wake up from."""
        with self._wake_cond:
            self._watchers = self._watchers + (fn,)

    def remove_watcher(self, fn: Any) -> None:
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
        with self._lock:
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
        while True:
            with self._lock:
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
            if nowait:
                raise Again()
            if deadline is None and timeo > 0:
                deadline = _monotonic() + timeo / 1000.0
            if not self._wait(deadline):
                raise Again()

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        """Receive every frame of one message at once."""
        st = self._st
        with self._lock:
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
            if msg is not None:
                st.rcvmore = 0
                if copy:
                    return [f if type(f) is bytes else bytes(f) for f in msg]
                return self._frames_out(msg, msg, copy, self._routing.last_link())
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

    def _frames_out(self, msg: Any, frames: Any, copy: bool, link: Any) -> Any:
        if copy:
            return [f if type(f) is bytes else bytes(f) for f in frames]
        last = len(frames) - 1
        return [self._out_frame(f, link, i < last, msg) for i, f in enumerate(frames)]

    def _tracked(self, frames: List[Any]) -> Any:
        msg = TrackedMsg(frames)
        msg.holders = self._st.tx_holders
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
        with self._lock:
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
        return self._recv_slow(flags, copy)

    def _next_frame(self, copy: bool) -> Any:
        st = self._st
        rx = st.rx
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

    def _direct_engine(self) -> Any:
        """The engine of this socket's only peer, if it is a tcp/ipc connection."""
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

    # -- options ------------------------------------------------------------------------
    def set(self, option: int, optval: Any) -> None:
        """Set a socket option (libzmq's validation; EINVAL for anything else)."""
        with self._lock:
            self._check_usable()
            spec = lookup(option, self._type)
            if not spec.writable:
                raise ZMQError(_errno.EINVAL)
            value = coerce(spec, optval)
            if spec.check is not None:
                value = spec.check(value)
            self._set_option(spec, value)

    setsockopt = set

    def _set_option(self, spec: Any, value: Any) -> None:
        opts = self._opts
        attr = spec.attr
        if attr == "ipv4only":
            opts.ipv6 = 0 if value else 1
            return
        if attr == "subscribe":
            self._routing.subscribe(value)
            return
        if attr == "unsubscribe":
            self._routing.unsubscribe(value)
            return
        if attr == "tcp_accept_filter":
            if not value:
                opts.accept_filters = ()
            else:
                net = parse_accept_filter(value)
                if net.version == 6 and not opts.ipv6:
                    raise ZMQError(_errno.EINVAL)  # an IPv6 filter needs IPV6 (libzmq)
                opts.accept_filters = opts.accept_filters + (net,)
            return
        # The security state machine of libzmq 4.0 (reference §2): the last call wins.
        if attr in ("plain_server", "curve_server"):
            mech = MECH_PLAIN if attr == "plain_server" else MECH_CURVE
            opts.mechanism = mech if value else MECH_NULL
            opts.as_server = 1 if value else 0
            return
        if attr in ("plain_username", "plain_password"):
            setattr(opts, attr, value)
            opts.mechanism = MECH_PLAIN if value else MECH_NULL
            opts.as_server = 0
            return
        if attr in ("curve_publickey", "curve_secretkey", "curve_serverkey"):
            setattr(opts, attr, value)
            opts.mechanism = MECH_CURVE
            if attr == "curve_serverkey":
                opts.as_server = 0
            return
        setattr(opts, attr, value)

    def get(self, option: int) -> Any:
        """Read a socket option."""
        with self._lock:
            if self._closed:
                raise ZMQError(ENOTSOCK)
            if self._terminated:
                raise ContextTerminated()
            spec = lookup(option, self._type)
            if not spec.readable:
                raise ZMQError(_errno.EINVAL)
            if spec.dynamic:
                return self._get_dynamic(spec.attr)
            return getattr(self._opts, spec.attr)

    getsockopt = get

    def _get_dynamic(self, attr: str) -> Any:
        if attr == "rcvmore":
            return self._st.rcvmore
        if attr == "type":
            return self._type
        if attr == "identity":
            if self._type == STREAM_TYPE:
                return self._routing.last_id  # the id of the latest connection (libzmq)
            return self._opts.identity
        if attr == "ipv4only":
            return 0 if self._opts.ipv6 else 1
        if attr == "fd":
            sig = self._fd_signal
            if sig is None:
                sig = self._fd_signal = _FdSignal()
                sig.set()
            return sig.rfd
        if attr == "plain_server":
            return int(bool(self._opts.as_server) and self._opts.mechanism == MECH_PLAIN)
        if attr == "curve_server":
            return int(bool(self._opts.as_server) and self._opts.mechanism == MECH_CURVE)
        if attr.startswith("curve_"):
            from ..utils.z85 import encode

            return encode(getattr(self._opts, attr))
        if attr == "events":
            sig = self._fd_signal
            if sig is not None:
                sig.clear()
            if self._cmds:
                self._process_cmds()
            return self._events()
        raise ZMQError(_errno.EINVAL)  # pragma: no cover

    def _events(self) -> int:
        ev = 0
        routing = self._routing
        if self._st.rx is not None or routing.has_in():
            ev |= POLLIN
        if self._st.tx is not None or routing.has_out():
            ev |= POLLOUT
        return ev

    # -- endpoints ----------------------------------------------------------------------
    def bind(self, addr: str) -> None:
        """Accept connections on an endpoint (tcp, ipc, inproc)."""
        ep = parse_endpoint(addr)
        with self._lock:
            self._check_usable()
            if self._cmds:
                self._process_cmds()
            opts = self._opts.snapshot()
            if ep.transport == "inproc":
                self.context._inproc.bind(ep.address, self)
                self._inproc_bound.append(ep.address)
                self._set_last_endpoint(str(ep))
                return
            io = self._pick_io()
            if ep.transport == "tcp":
                listener: Any = TcpListener(self, io, opts, ep.address)
            else:
                address = ep.address
                if address == "*":
                    address = ipc_wildcard()
                listener = IpcListener(self, io, opts, ipc_path(address))
            resolved = listener.endpoint
            self._endpoints.setdefault(resolved, []).append(listener)
            self._set_last_endpoint(resolved)
            io.post(listener.start)

    def _set_last_endpoint(self, endpoint: str) -> None:
        self._opts.last_endpoint = endpoint.encode()

    def _pick_io(self) -> Any:
        ios = self.context._io_threads()
        if not ios:
            raise ZMQError(EMTHREAD)
        affinity = self._opts.affinity
        candidates = [io for i, io in enumerate(ios) if not affinity or affinity >> i & 1]
        if not candidates:
            candidates = ios
        return min(candidates, key=lambda io: io.load)

    def connect(self, addr: str) -> None:
        """Connect to an endpoint; the connection is made (and remade) in the background."""
        ep = parse_endpoint(addr)
        with self._lock:
            self._check_usable()
            if self._cmds:
                self._process_cmds()
            opts = self._opts.snapshot()
            if ep.transport == "inproc":
                link = self.context._inproc.connect(ep.address, self, opts)
                self._endpoints.setdefault(str(ep), []).append(link)
                self._set_last_endpoint(str(ep))
                return
            io = self._pick_io()
            if ep.transport == "tcp":
                family, sockaddr = resolve_tcp_connect(ep.address, bool(opts.ipv6))
            else:
                family, sockaddr = _pysocket.AF_UNIX, ipc_path(ep.address)
            session = ConnectSession(self, io, opts, str(ep), family, sockaddr)
            if session.attach_early():
                s_end = session.make_link()
                self._attach(s_end)
            self._endpoints.setdefault(str(ep), []).append(session)
            self._set_last_endpoint(str(ep))
            io.post(session.start)

    def unbind(self, addr: str) -> None:
        """Stop an endpoint: a bind (by the resolved string LAST_ENDPOINT gave) or a connect.

        As in libzmq, unbind and disconnect are the same operation; ENOENT if unknown.
        """
        self._term_endpoint(addr)

    def disconnect(self, addr: str) -> None:
        """Drop a connect() (or bind) endpoint; queued messages still go out within LINGER."""
        self._term_endpoint(addr)

    def _stop_listener(self, listener: Any) -> None:
        """Close a listener and the connections it accepted (within linger); lock held."""
        listener.release_path()
        listener.io.post(listener.close)
        routing = self._routing
        for session in listener.sessions():
            link = session.socket_link
            if link is not None:
                routing.link_ended(link)
                link.close()
                link.inp.drain()
            session.io.post(session.socket_stop)

    def _term_endpoint(self, addr: str) -> None:
        ep = parse_endpoint(addr)
        with self._lock:
            self._check_usable()
            if self._cmds:
                self._process_cmds()
            key = str(ep)
            items = self._endpoints.pop(key, None)
            if ep.transport == "inproc" and ep.address in self._inproc_bound:
                # inproc unbind only unregisters the name (libzmq 4.0.8): pipes live on.
                self._inproc_bound.remove(ep.address)
                self.context._inproc.unbind(ep.address, self)
                items = (items or []) + [None]
            if not items:
                raise ZMQError(_errno.ENOENT)
            routing = self._routing
            for x in items:
                if x is None:
                    continue
                if isinstance(x, AcceptListener):
                    self._stop_listener(x)
                elif isinstance(x, Link):
                    self._terminate_link(x)
                else:
                    link = x.socket_link
                    if link is not None:
                        # Forget it here; the session closes it and flushes within linger.
                        routing.link_ended(link)
                        link.inp.drain()
                    x.io.post(x.socket_stop)

    # -- closing ------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def close(self, linger: Optional[int] = None) -> None:
        """Close the socket; queued messages still go out within LINGER (ms, -1 = forever)."""
        if self._forked:
            # In a fork()ed child: the connections are the parent's; leave them alone.
            self._closed = True
            return
        with self._lock:
            if self._closed:
                return
            if linger is not None:
                self._opts.linger = -1 if linger < 0 else int(linger)
            self._closed = True
            self._st.dead = True
            if self._cmds:
                self._process_cmds()
            routing = self._routing
            for link in list(routing.links):
                routing.link_ended(link)
                if not isinstance(link.data, ConnectSession):
                    link.close()  # a connect session closes its own, within linger
                link.inp.drain()
            listener_ios = set()
            for items in self._endpoints.values():
                for x in items:
                    if isinstance(x, AcceptListener):
                        self._stop_listener(x)
                        listener_ios.add(x.io)
                    elif isinstance(x, Link):
                        x.close()
                    else:
                        x.io.post(x.socket_stop)
            self._endpoints.clear()
            for name in self._inproc_bound:
                self.context._inproc.unbind(name, self)
            self._inproc_bound.clear()
            # Links that arrive from now on are refused in _attach.
        if self._monitor is not None:
            # MONITOR_STOPPED comes after the listeners' CLOSED events: stop the monitor on
            # their I/O thread(s), after the close requests already posted there.
            if listener_ios:
                waiting = [len(listener_ios)]
                lock = threading.Lock()

                def stop_when_all_done() -> None:
                    with lock:
                        waiting[0] -= 1
                        last = waiting[0] == 0
                    if last:
                        self._stop_monitor()

                for io in listener_ios:
                    io.post(stop_when_all_done)
            else:
                self._stop_monitor()
        # Wake any thread still blocked in send/recv on this socket: it raises ENOTSOCK.
        self._notify()
        self.context._socket_closed(self)

    # -- monitor ------------------------------------------------------------------------
    def monitor(self, addr: Optional[str], events: int = 0xFFFF) -> None:
        """Publish this socket's events on a PAIR socket bound to ``addr`` (inproc only).

        ``addr=None`` stops monitoring (MONITOR_STOPPED is sent if selected). Events are
        libzmq's two frames: ``struct.pack("=Hi", event, value)`` and the endpoint.
        Raising an event never blocks: with no reader, or a full pipe, it is dropped.
        """
        if addr is None:
            with self._lock:
                self._check_usable()
            self._stop_monitor()
            return
        if isinstance(addr, bytes):
            addr = addr.decode("utf-8")
        if not isinstance(addr, str):
            raise TypeError(f"expected str, got {addr!r}")
        ep = parse_endpoint(addr)
        if ep.transport != "inproc":
            raise ZMQError(EPROTONOSUPPORT)
        with self._lock:
            self._check_usable()
        self._stop_monitor()
        pair = SocketBase(self.context, 0)  # PAIR, never registered: it never blocks
        pair._opts.linger = 0
        # Events queue up to the default HWM (plus the reader's RCVHWM), then are dropped.
        try:
            pair.bind(addr)
        except ZMQError:
            pair.close()
            raise
        self._monitor = (pair, int(events))

    def _stop_monitor(self) -> None:
        mon = self._monitor
        if mon is None:
            return
        self._monitor = None
        pair, events = mon
        if events & EVENT_MONITOR_STOPPED:
            self._send_event(pair, EVENT_MONITOR_STOPPED, 0, "")
        pair.close()

    @staticmethod
    def _send_event(pair: "SocketBase", event: int, value: int, endpoint: str) -> None:
        head = _EVENT.pack(event & 0xFFFF, _clamp32(value))
        try:
            pair.send(head, DONTWAIT | SNDMORE)
            pair.send(endpoint.encode("utf-8", "replace"), DONTWAIT)
        except ZMQError:
            pass  # nobody reading, or the reader is full: drop, never block

    # -- services for sessions (I/O thread) ---------------------------------------------
    def _session_started(self, session: Any) -> None:
        self.context._session_started(session)

    def _session_finished(self, session: Any) -> None:
        self.context._session_finished(session)

    def _linger_of(self, session: Any) -> int:
        return int(self._opts.linger)

    def _make_mechanism(self, options: Any, props: Any) -> Any:
        """The security mechanism for a new connection, from the bind/connect snapshot."""
        mech = options.mechanism
        zap = self.context._zap
        if mech == MECH_NULL:
            return NullMechanism(props, use_zap=bool(options.zap_domain) and zap.handler_bound())
        server = bool(options.as_server)
        use_zap = server and zap.handler_bound()
        if mech == MECH_PLAIN:
            from ..zmtp._plain import PlainMechanism

            return PlainMechanism(
                props,
                as_server=server,
                username=options.plain_username,
                password=options.plain_password,
                use_zap=use_zap,
            )
        from nacl.bindings import crypto_scalarmult_base

        from ..zmtp._curve import CurveMechanism

        public = options.curve_publickey
        if server and not any(public):
            public = crypto_scalarmult_base(options.curve_secretkey)  # the server needs only s
        return CurveMechanism(
            props,
            as_server=server,
            public_key=public,
            secret_key=options.curve_secretkey,
            server_key=None if server else options.curve_serverkey,
            use_zap=use_zap,
        )

    def _zap_request(self, session: Any, engine: Any, request: Any) -> None:
        """Ask the ZAP handler about a peer (from the I/O thread); the engine waits."""
        opts = session.options
        address = b""
        try:
            peer = engine.sock.getpeername()
            if isinstance(peer, tuple):
                address = str(peer[0]).encode()
        except OSError:
            pass
        self.context._zap.request(engine, request, opts.zap_domain, address, opts.identity)

    def _monitor_event(self, event: int, value: int, endpoint: str) -> None:
        """Raise a monitor event from any thread; never blocks (dropped if nobody reads)."""
        mon = self._monitor
        if mon is None or not mon[1] & event:
            return
        self._send_event(mon[0], event, value, endpoint)

    def _monitor_handshake_ok(self, endpoint: str, engine: Any) -> None:
        self._monitor_event(EVENT_HANDSHAKE_SUCCEEDED, 0, endpoint)

    def _monitor_engine_error(self, endpoint: str, engine: Any, error: Any) -> None:
        """A connection failed before its handshake completed: say why (libzmq 4.3 events)."""
        if not engine._handshaking or self._monitor is None:
            return
        if isinstance(error, ProtocolError):
            if error.kind == FailureKind.AUTH:
                self._monitor_event(EVENT_HANDSHAKE_FAILED_AUTH, error.code, endpoint)
            elif error.kind == FailureKind.PROTOCOL:
                self._monitor_event(EVENT_HANDSHAKE_FAILED_PROTOCOL, error.code, endpoint)
            else:
                self._monitor_event(EVENT_HANDSHAKE_FAILED_NO_DETAIL, 0, endpoint)
        else:
            err = getattr(error, "errno", None) or 0
            self._monitor_event(EVENT_HANDSHAKE_FAILED_NO_DETAIL, err, endpoint)

    def _pick_io_quiet(self) -> Any:
        """The I/O thread for a new accepted connection (None: stay on the listener's)."""
        try:
            return self._pick_io()
        except ZMQError:
            return None
