"""SocketBase's endpoints: bind/connect, unbind/disconnect, close, and the services its
tcp/ipc sessions ask of it.

bind() and connect() snapshot the socket's options for the listener or session they create
(later option changes apply to later endpoints only, as in libzmq). Endpoint calls run in
the caller's thread under the socket lock; a listener or session then lives on an I/O thread
and reaches back only through the methods of the last section, which never take the lock.
"""

from __future__ import annotations

import errno as _errno
import socket as _pysocket
import threading
from typing import Any, Optional, Tuple, Union

from .._engine._iothread import IOThread
from .._engine._session import AcceptListener, ConnectSession, IpcListener, TcpListener
from .._pipe import Link
from .._transport._endpoint import (
    ipc_path,
    ipc_wildcard,
    parse_endpoint,
    resolve_tcp_connect,
)
from ..constants import EMTHREAD
from ..error import ZMQError
from ..zmtp import NullMechanism
from ._options import Options
from ._socket_parts import MECH_NULL, MECH_PLAIN, SocketParts


class EndpointsMixin(SocketParts):
    """bind, connect, unbind, disconnect, close; session services."""

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
                listener: AcceptListener = TcpListener(self, io, opts, ep.address)
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

    def _pick_io(self) -> IOThread:
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
            sockaddr: Union[Tuple[Any, ...], str]
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

    def _stop_listener(self, listener: AcceptListener) -> None:
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
            self._settle_closed()  # (commands may be settled by posting threads from now on)
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

    # -- services for sessions (I/O thread) ---------------------------------------------
    def _session_started(self, session: Any) -> None:
        self.context._session_started(session)

    def _session_finished(self, session: Any) -> None:
        self.context._session_finished(session)

    def _linger_of(self, session: Any) -> int:
        return int(self._opts.linger)

    def _make_mechanism(self, options: Options, props: Any) -> Any:
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

    def _pick_io_quiet(self) -> Optional[IOThread]:
        """The I/O thread for a new accepted connection (None: stay on the listener's)."""
        try:
            return self._pick_io()
        except ZMQError:
            return None
