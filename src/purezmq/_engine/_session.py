"""Listeners, accepted sessions and connecting sessions (with reconnect).

Theory of operation
-------------------
* A listener (tcp or ipc) binds in the caller's thread, so bind errors surface as exceptions
  at ``bind()``; it then accepts on its I/O thread and gives each new connection an
  :class:`AcceptSession` on the least-loaded I/O thread. The session's pipe pair is created
  and attached to the socket only once the handshake (and ZAP) succeeded, so an
  unauthenticated peer can never occupy the socket (libzmq 4.0.10's CVE-2020-15166 fix).
* A :class:`ConnectSession` exists from ``connect()`` until disconnect/close. Its pipe pair is
  created at ``connect()`` (so messages queue while the peer is away) unless IMMEDIATE is set
  or the socket is a ROUTER (which must learn the peer's identity first); it survives
  reconnects. Reconnect waits ``current + random(0, RECONNECT_IVL)``, doubling ``current``
  up to RECONNECT_IVL_MAX; the back-off resets only after a successful handshake, so a peer
  that keeps refusing us (wrong key, wrong socket type) is retried slowly, not in a loop.

All methods run on the session's I/O thread unless they say otherwise.
"""

from __future__ import annotations

import errno as _errno
import logging
import os
import random
import socket
import threading
from typing import Any, Optional

from .._core._options import conflating
from .._pipe import RESYNC, Link
from .._transport._endpoint import (
    format_ipc,
    format_tcp,
    resolve_tcp_bind,
    set_buffers,
    tcp_socket,
    tune_tcp,
)
from ..constants import (
    EVENT_ACCEPT_FAILED,
    EVENT_ACCEPTED,
    EVENT_BIND_FAILED,
    EVENT_CLOSE_FAILED,
    EVENT_CLOSED,
    EVENT_CONNECT_DELAYED,
    EVENT_CONNECT_RETRIED,
    EVENT_CONNECTED,
    EVENT_DISCONNECTED,
    EVENT_LISTENING,
)
from ..error import ZMQError
from ..zmtp._types import PUB, ROUTER, SUB, XPUB, XSUB
from ._session_base import Session
from ._stream import StreamEngine

log = logging.getLogger("purezmq")

_READ = 1
_WRITE = 2


def _make_pair(session: Session) -> Link:
    """Create the pipe pair of a session; returns the socket's end."""
    opts = session.options
    s_end, e_end = Link.pair(opts.sndhwm, opts.rcvhwm, conflating(opts))
    e_end.owner = session
    s_end.endpoint = session.endpoint
    s_end.data = session
    session.link = e_end
    if opts.probe_router:
        # PROBE_ROUTER: the empty message goes out as soon as the connection is up, without
        # waiting for the application to call into the socket (libzmq queues it at once).
        s_end.out.force_write([b""])
    return s_end


def _legacy_subscribe_all(session: Session, engine: StreamEngine) -> None:
    """ZMTP/1.0 subscribers never send subscriptions: they get everything, at once.

    (libzmq 4.0 injected this only after the peer's second message, so a 2.x SUB never got
    anything from a 4.0 PUB; purezmq does it as the link attaches.)
    """
    if engine.version == 1 and session.options.type in (PUB, XPUB) and session.link:
        session.link.out.force_write([b"\x01"])


class AcceptSession(Session):
    """One accepted connection; lives and dies with its engine."""

    def __init__(
        self,
        core: Any,
        io: Any,
        options: Any,
        endpoint: str,
        sock: socket.socket,
        listener: Any = None,
    ) -> None:
        super().__init__(core, io, options, endpoint)
        self._sock = sock
        self.socket_link: Optional[Link] = None
        self.listener = listener
        if listener is not None:
            listener.track(self)

    def start(self) -> None:
        if self.closing:
            self._sock.close()
            self.terminate()
            return
        self.io.load += 1
        self.engine = StreamEngine(self, self._sock, self.endpoint)
        self.engine.start()

    def engine_attached(self, engine: StreamEngine) -> None:
        s_end = _make_pair(self)
        s_end.identity = self._use_identity()
        s_end.metadata = self._peer_link_metadata()
        # An accepted connection never changes engine: pre-encoded fan-out is safe.
        s_end.wire = engine.version >= 2 and engine._codec is None and not engine.raw
        s_end.data = self
        self.socket_link = s_end
        engine.attach_link(self.link)  # type: ignore[arg-type]
        self.core._attach_from_session(s_end)
        _legacy_subscribe_all(self, engine)

    def engine_closed(self, engine: StreamEngine, error: Optional[BaseException]) -> None:
        self.io.load -= 1
        self.engine = None
        self.core._monitor_engine_error(self.endpoint, engine, error)
        if not self.closing:  # closing it ourselves is not a disconnection (libzmq)
            self.core._monitor_event(EVENT_DISCONNECTED, engine.fd, self.endpoint)
        if self.link is not None:
            self.link.close()
            self.link.inp.reader_done()
        self.finished = True
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        if self.listener is not None:
            self.listener.untrack(self)
        self.core._session_finished(self)

    def socket_stop(self) -> None:
        """unbind() or close(): finish within linger (the socket closed its end if any)."""
        if self.engine is None or self.socket_link is None:
            self.closing = True
            self.terminate()
            return
        self._socket_closed()

    def terminate(self) -> None:
        super().terminate()
        if self.listener is not None:
            self.listener.untrack(self)


class ConnectSession(Session):
    """A connect() endpoint: connects, reconnects, and keeps its pipes across outages."""

    def __init__(
        self, core: Any, io: Any, options: Any, endpoint: str, family: int, sockaddr: Any
    ) -> None:
        super().__init__(core, io, options, endpoint)
        self.family = family
        self.sockaddr = sockaddr
        self._ivl = options.reconnect_ivl
        self._timer: Any = None
        self._connecting: Optional[socket.socket] = None
        self._connect_fd = -1
        self.socket_link: Optional[Link] = None
        self._connected_once = False
        #: disconnect()/close() asked us to stop (as opposed to a terminated pipe).
        self.stopping = False

    # -- caller's thread (socket lock held) ---------------------------------------------
    def attach_early(self) -> bool:
        """Create the pipes at connect() time? (not with IMMEDIATE, not for ROUTER)."""
        opts = self.options
        return not opts.immediate and opts.type != ROUTER

    def make_link(self) -> Link:
        s_end = _make_pair(self)
        s_end.owner = self.core
        s_end.data = self
        self.socket_link = s_end
        return s_end

    # -- I/O thread ---------------------------------------------------------------------
    def start(self) -> None:
        if self.finished:
            return
        self._connect()

    def _connect(self) -> None:
        self._timer = None
        if self.finished:
            return
        try:
            if self.family == socket.AF_UNIX:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.setblocking(False)
            else:
                sock = tcp_socket(self.family)
                tune_tcp(sock, self.options)
        except OSError as exc:  # pragma: no cover - out of descriptors
            log.warning("purezmq: cannot create a socket for %s: %s", self.endpoint, exc)
            self._schedule_reconnect()
            return
        err = sock.connect_ex(self.sockaddr)
        if err in (0, _errno.EINPROGRESS, _errno.EAGAIN):
            self._connecting = sock
            self._connect_fd = sock.fileno()
            if err:
                self.core._monitor_event(EVENT_CONNECT_DELAYED, err, self.endpoint)
            self.io.register(self._connect_fd, self, _WRITE)
            if not err:
                self.on_writable()
            return
        fd = sock.fileno()
        sock.close()
        self.core._monitor_event(EVENT_CLOSED, fd, self.endpoint)
        self._schedule_reconnect()

    def on_readable(self) -> None:  # pragma: no cover - only registered for writing
        self.on_writable()

    def on_writable(self) -> None:
        sock = self._connecting
        if sock is None:
            return
        self.io.unregister(self._connect_fd)
        self._connecting = None
        err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            fd = sock.fileno()
            sock.close()
            self.core._monitor_event(EVENT_CLOSED, fd, self.endpoint)
            self._schedule_reconnect()
            return
        if self.finished:
            sock.close()
            return
        self.core._monitor_event(EVENT_CONNECTED, sock.fileno(), self.endpoint)
        self.io.load += 1
        self.engine = StreamEngine(self, sock, self.endpoint)
        self.engine.start()

    def _schedule_reconnect(self) -> None:
        opts = self.options
        if self.finished:
            return
        if self.closing:
            # Closing with messages still queued: keep trying until LINGER runs out.
            self._check_linger_done()
            if self.finished:
                return
        if opts.reconnect_ivl < 0:
            return
        base = max(self._ivl, 0)
        ivl = base + (random.randrange(opts.reconnect_ivl) if opts.reconnect_ivl > 0 else 0)
        # Never spin: an interval of 0 still waits a millisecond (libzmq 4.0 divides by 0).
        delay_ms = max(ivl, 1)
        if opts.reconnect_ivl_max > opts.reconnect_ivl:
            self._ivl = min(self._ivl * 2 if self._ivl else 1, opts.reconnect_ivl_max)
        self.core._monitor_event(EVENT_CONNECT_RETRIED, delay_ms, self.endpoint)
        self._timer = self.io.call_later(delay_ms / 1000.0, self._connect)

    def engine_attached(self, engine: StreamEngine) -> None:
        self._ivl = self.options.reconnect_ivl  # a good handshake resets the back-off
        if self.link is None:
            s_end = _make_pair(self)
            s_end.identity = self._use_identity()
            s_end.metadata = self._peer_link_metadata()
            s_end.data = self
            self.socket_link = s_end
            engine.attach_link(self.link)  # type: ignore[arg-type]
            self.core._attach_from_session(s_end)
            self._connected_once = True
        else:
            s_link = self.socket_link
            if s_link is not None:
                s_link.metadata = self._peer_link_metadata()
            if self._connected_once and s_link is not None:
                # A reconnect: subscribers drop their stale queue and resend their list;
                # publishers forget what the old connection subscribed to.
                if self.options.type in (SUB, XSUB):
                    engine._skipping = True
                elif self.options.type in (PUB, XPUB) and self.link is not None:
                    self.link.out.force_write(RESYNC)  # before the new connection's list
                self.core._hiccup_from_session(s_link)
            self._connected_once = True
            engine.attach_link(self.link)
        _legacy_subscribe_all(self, engine)

    def engine_closed(self, engine: StreamEngine, error: Optional[BaseException]) -> None:
        self.io.load -= 1
        self.engine = None
        self.core._monitor_engine_error(self.endpoint, engine, error)
        if not self.closing:  # closing it ourselves is not a disconnection (libzmq)
            self.core._monitor_event(EVENT_DISCONNECTED, engine.fd, self.endpoint)
        if self.link is not None and (self.options.immediate or self.options.reconnect_ivl < 0):
            # IMMEDIATE: the pipe (and what it holds) dies with the connection.
            link = self.link
            self.link = None
            self.socket_link = None
            link.close()
            link.inp.drain()
        self._schedule_reconnect()

    def socket_stop(self) -> None:
        """disconnect()/close(): stop reconnecting; flush within linger if connected.

        The socket leaves its end of the pipe to us: closing it here (DELIMITER after what
        is queued) marks where the flush ends.
        """
        self.stopping = True
        s_end = self.socket_link
        if s_end is not None and not s_end.closed:
            s_end.close()
        if self.link is None and self.engine is None:
            self.closing = True
            self.terminate()
            return
        self._socket_closed()

    # -- the socket terminated our pipe while it lives on (REQ_RELAXED, a refused peer) --
    def link_peer_closed(self, link: Link) -> None:
        self.io.post(self._pipe_terminated, link)

    def _pipe_terminated(self, link: Link) -> None:
        if self.stopping or self.closing or link is not self.link:
            return
        # libzmq 4.0: that connection is dropped and remade, with a fresh pipe.
        self.link = None
        self.socket_link = None
        link.inp.drain()
        engine = self.engine
        if engine is not None:
            engine.close(EOFError("pipe terminated by the socket"))
        else:
            self._schedule_reconnect()

    def engine_drained(self, engine: StreamEngine) -> None:
        if self.stopping or self.closing:
            engine.close()
        else:
            self._pipe_terminated(self.link)  # type: ignore[arg-type]

    def _stop_timers(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        sock = self._connecting
        if sock is not None:
            self.io.unregister(self._connect_fd)
            self._connecting = None
            sock.close()


class AcceptListener:
    """Base of the tcp and ipc listeners: accept loop and session creation."""

    def __init__(self, core: Any, io: Any, options: Any) -> None:
        self.core = core
        self.io = io
        self.options = options
        self.sock: Optional[socket.socket] = None
        self.fd = -1
        self.endpoint = ""
        self.dead = False
        self._sessions_lock = threading.Lock()
        self._sessions: set = set()

    def track(self, session: Any) -> None:
        with self._sessions_lock:
            self._sessions.add(session)

    def untrack(self, session: Any) -> None:
        with self._sessions_lock:
            self._sessions.discard(session)

    def sessions(self) -> list:
        """The connections this listener accepted that are still alive (any thread)."""
        with self._sessions_lock:
            return list(self._sessions)

    def release_path(self) -> None:
        """Synchronously give up the endpoint name (ipc: unlink now, in the caller's thread,
        so a new bind of the same path right after cannot lose its file to us)."""

    def start(self) -> None:
        if self.dead or self.sock is None:
            return
        self.io.register(self.fd, self, _READ)
        self.core._monitor_event(EVENT_LISTENING, self.fd, self.endpoint)

    def on_readable(self) -> None:
        for _ in range(64):
            try:
                conn, _addr = self.sock.accept()  # type: ignore[union-attr]
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self.core._monitor_event(EVENT_ACCEPT_FAILED, exc.errno or 0, self.endpoint)
                return
            conn.setblocking(False)
            if not self._accept_ok(conn):
                conn.close()
                continue
            self._tune(conn)
            self.core._monitor_event(EVENT_ACCEPTED, conn.fileno(), self.endpoint)
            io = self.core._pick_io_quiet() or self.io
            session = AcceptSession(self.core, io, self.options, self.endpoint, conn, self)
            io.post(session.start)

    def _accept_ok(self, conn: socket.socket) -> bool:
        return True

    def _tune(self, conn: socket.socket) -> None:
        pass

    def close(self) -> None:
        if self.dead:
            return
        self.dead = True
        if self.sock is not None:
            fd = self.fd
            self.io.unregister(fd)
            self.sock.close()
            self.release_path()
            self.core._monitor_event(EVENT_CLOSED, fd, self.endpoint)


class TcpListener(AcceptListener):
    def __init__(self, core: Any, io: Any, options: Any, address: str) -> None:
        super().__init__(core, io, options)
        family, sockaddr = resolve_tcp_bind(address, bool(options.ipv6))
        sock = tcp_socket(family)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            set_buffers(sock, options)
            sock.bind(sockaddr)
            sock.listen(options.backlog)
        except OSError as exc:
            sock.close()
            core._monitor_event(EVENT_BIND_FAILED, exc.errno or 0, f"tcp://{address}")
            raise ZMQError(exc.errno or _errno.EINVAL) from None
        self.sock = sock
        self.fd = sock.fileno()
        self.endpoint = format_tcp(sock.getsockname(), family)

    def _tune(self, conn: socket.socket) -> None:
        tune_tcp(conn, self.options)

    def _accept_ok(self, conn: socket.socket) -> bool:
        """TCP_ACCEPT_FILTER: with filters set, only matching peers are accepted."""
        filters = self.options.accept_filters
        if not filters:
            return True
        import ipaddress

        try:
            peer = ipaddress.ip_address(conn.getpeername()[0])
        except (OSError, ValueError):
            return False
        if peer.version == 6 and peer.ipv4_mapped is not None:
            peer = peer.ipv4_mapped
        ok = any(peer.version == f.version and peer in f for f in filters)
        if not ok:
            self.core._monitor_event(EVENT_ACCEPT_FAILED, 0, self.endpoint)
        return ok


class IpcListener(AcceptListener):
    def __init__(self, core: Any, io: Any, options: Any, path: str) -> None:
        super().__init__(core, io, options)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            if not path.startswith("\0"):
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
            sock.bind(path)
            sock.listen(options.backlog)
        except OSError as exc:
            sock.close()
            core._monitor_event(EVENT_BIND_FAILED, exc.errno or 0, format_ipc(path))
            raise ZMQError(exc.errno or _errno.EINVAL) from None
        self.path = path
        self._released = False
        self.sock = sock
        self.fd = sock.fileno()
        self.endpoint = format_ipc(path)

    def release_path(self) -> None:
        if self._released:
            return
        self._released = True
        if not self.path.startswith("\0"):
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                self.core._monitor_event(EVENT_CLOSE_FAILED, exc.errno or 0, self.endpoint)
            d = os.path.dirname(self.path)
            if os.path.basename(d).startswith("purezmq-"):
                try:
                    os.rmdir(d)
                except OSError:
                    pass
