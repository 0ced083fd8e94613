"""The session: what stays of a connection on the I/O thread besides its stream engine.

Theory of operation
-------------------
A :class:`Session` sits between the socket core and a
:class:`~purezmq._engine._stream.StreamEngine`. It owns the engine-side end of the pipe pair
(``link``), whose other end belongs to the socket. The session outlives the engine when we
connected (the pipes, with their queued messages, survive reconnects) and dies with it when
we accepted: the subclasses in ``_session.py`` decide. Engines report to their session; the
session reports to the socket core. LINGER is the session's business: after the socket
closed its end, the session flushes what is queued, then terminates.

Runs on the session's I/O thread, except the ``link_*`` wake-ups (any thread).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional

from .._pipe import DELIMITER, Link
from ..zmtp import USES_PEER_IDENTITY

if TYPE_CHECKING:  # pragma: no cover
    from .._core._options import Options
    from ._iothread import IOThread
    from ._stream import StreamEngine


class Session:
    """The I/O-thread side of one connection (or one connect endpoint, across reconnects).

    Subclasses decide what happens when the engine comes and goes (accept vs connect).
    ``link`` is the engine-side end of the pipe pair; its peer end belongs to the socket.
    """

    def __init__(self, core: Any, io: IOThread, options: Options, endpoint: str) -> None:
        self.core = core
        self.io = io
        self.options = options
        self.endpoint = endpoint
        self.link: Optional[Link] = None
        self.engine: Optional[StreamEngine] = None
        self.closing = False
        self.finished = False
        self._linger_timer: Any = None
        core._session_started(self)

    # -- decisions delegated by the engine ----------------------------------------------
    def allow_legacy(self) -> bool:
        opts = self.options
        return opts.mechanism == 0 and not opts.zap_domain

    def make_mechanism(self, props: Any) -> Any:
        return self.core._make_mechanism(self.options, props)

    def zap_request(self, engine: StreamEngine, request: Any) -> None:
        self.core._zap_request(self, engine, request)

    # -- LinkOwner (any thread) ---------------------------------------------------------
    #: Sessions may let the sending thread write to the wire itself (see try_direct).
    direct_write = True

    def link_readable(self, link: Link) -> None:
        engine = self.engine
        if engine is not None and engine._direct_ok and engine.try_direct():
            return
        self.io.post(self._out_ready)

    def link_writable(self, link: Link) -> None:
        self.io.post(self._in_ready)

    def link_peer_closed(self, link: Link) -> None:
        self.io.post(self._socket_closed)

    def _out_ready(self) -> None:
        engine = self.engine
        if engine is not None:
            if not engine._writing:
                engine.pull()
        elif engine is None and self.closing:
            self._check_linger_done()

    def _in_ready(self) -> None:
        engine = self.engine
        if engine is not None:
            engine.resume_input()

    # -- engine reports (I/O thread) ----------------------------------------------------
    def engine_ready(
        self, engine: StreamEngine, identity: bytes, metadata: Any, mechanism: Any
    ) -> None:
        """Handshake done (for legacy peers, the identity frame comes later)."""
        if not engine.raw:
            self.core._monitor_handshake_ok(self.endpoint, engine)
        self._peer_identity = identity
        self._peer_metadata = metadata
        self._mechanism = mechanism
        try:
            peer = engine.sock.getpeername()
            self._peer_address = str(peer[0]) if isinstance(peer, tuple) else ""
        except OSError:
            self._peer_address = ""

    def legacy_identity(self, engine: StreamEngine, identity: bytes) -> None:
        self._peer_identity = identity

    def engine_attached(self, engine: StreamEngine) -> None:
        raise NotImplementedError

    def engine_drained(self, engine: StreamEngine) -> None:
        """The socket closed its end and everything it queued is on the wire."""
        # Our own close, not a disconnection: no DISCONNECTED event (libzmq raises none).
        # The socket's close request may still be on its way to _socket_closed.
        self.closing = True
        engine.close()

    def engine_closed(self, engine: StreamEngine, error: Optional[BaseException]) -> None:
        raise NotImplementedError

    def _peer_link_metadata(self) -> Dict[str, Any]:
        md = dict(getattr(self, "_peer_metadata", {}) or {})
        address = getattr(self, "_peer_address", "")
        if address:
            md["Peer-Address"] = address
        mech = getattr(self, "_mechanism", None)
        if mech is not None:
            if mech.user_id:
                md["User-Id"] = mech.user_id
            for k, v in mech.zap_metadata.items():
                md[k] = v
        return md

    def _use_identity(self) -> bytes:
        ident = getattr(self, "_peer_identity", b"")
        if self.options.type in USES_PEER_IDENTITY:
            return ident
        return b""

    # -- closing ------------------------------------------------------------------------
    def _socket_closed(self) -> None:
        """The socket closed its end of our link (close, disconnect, unbind, term)."""
        if self.closing:
            return
        self.closing = True
        linger = self.core._linger_of(self)
        if linger == 0:
            self.terminate()
            return
        if linger > 0:
            self._linger_timer = self.io.call_later(linger / 1000.0, self.terminate)
        self._check_linger_done()

    def _check_linger_done(self) -> None:
        engine = self.engine
        if engine is not None:
            if not engine._handshaking:
                engine.pull()
            return
        link = self.link
        if link is None or link.inp.peek() is DELIMITER or link.inp.peek() is None:
            self.terminate()

    def terminate(self) -> None:
        """Stop now: close the connection and the link, drop what is queued."""
        if self.finished:
            return
        self.finished = True
        self.closing = True
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        self._stop_timers()
        engine = self.engine
        self.engine = None
        if engine is not None and not engine.dead:
            engine.session = _NullSession  # type: ignore[assignment]
            engine.close()
        if self.link is not None:
            self.link.close()
            self.link.inp.drain()
        self.core._session_finished(self)

    def _stop_timers(self) -> None:
        pass


class _NullSessionType:
    """Stands in for a session that let go of its engine."""

    def engine_closed(self, engine: Any, error: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return lambda *a, **k: None


_NullSession = _NullSessionType()
