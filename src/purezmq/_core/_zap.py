"""The ZAP client (RFC 27): asks the handler bound at ``inproc://zeromq.zap.01``.

Theory of operation
-------------------
One client per context. It joins the handler's socket through an ordinary inproc pipe pair,
as a DEALER would: requests go out as ``["", "1.0", id, domain, address, identity, mechanism,
credentials...]`` so a REP or ROUTER handler sees a normal envelope. Replies arrive on the
pipe; the pipe's wake-up runs on whichever thread wrote the reply (the handler's), so the
client only matches the request id and posts the answer to the waiting engine's I/O thread.

libzmq 4.0 behaviour: with no handler bound, PLAIN and CURVE servers accept every client and
NULL does not ask at all. A handler that vanishes with requests pending fails them (500).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Dict, Optional, Tuple

from .._pipe import DELIMITER, Link
from ..zmtp import ZapReply, ZapRequest, decode_metadata
from ..zmtp._errors import ProtocolError

ZAP_ENDPOINT = "zeromq.zap.01"


class ZapClient:
    def __init__(self, context: Any) -> None:
        self.context = context
        self._lock = threading.Lock()
        self._link: Optional[Link] = None
        self._ids = itertools.count(1)
        self._pending: Dict[bytes, Tuple[Any, Any]] = {}

    def handler_bound(self) -> bool:
        return self.context._inproc.is_bound(ZAP_ENDPOINT)

    def request(
        self, engine: Any, request: ZapRequest, domain: bytes, address: bytes, identity: bytes
    ) -> None:
        """Send a request for ``engine``; its answer is posted to ``engine.zap_reply``."""
        with self._lock:
            link = self._connect()
            if link is None:
                # The handler went away since the handshake began: libzmq accepts.
                engine.io.post(engine.zap_reply, ZapReply(b"200"))
                return
            rid = str(next(self._ids)).encode()
            self._pending[rid] = (engine, request)
        msg = [b"", b"1.0", rid, domain, address, identity, request.mechanism, *request.credentials]
        link.out.force_write(msg)

    def _connect(self) -> Optional[Link]:
        link = self._link
        if link is not None and not link.peer_closed:
            return link
        link = self.context._inproc.connect_raw(ZAP_ENDPOINT, self)
        self._link = link
        return link

    # -- LinkOwner ----------------------------------------------------------------------
    def link_readable(self, link: Link) -> None:
        while True:
            msg = link.inp.read()
            if msg is None:
                return
            if msg is DELIMITER:
                self._fail_all(link)
                return
            self._reply(msg)

    def link_writable(self, link: Link) -> None:
        pass

    def link_peer_closed(self, link: Link) -> None:
        self.link_readable(link)

    def _reply(self, msg: Any) -> None:
        frames = [bytes(f) for f in msg]
        if frames and not frames[0]:
            frames = frames[1:]
        if len(frames) < 6:
            return  # malformed: the handshake stays paused until the engine dies
        version, rid, status, text, user_id, metadata = frames[:6]
        with self._lock:
            waiting = self._pending.pop(rid, None)
        if waiting is None:
            return
        engine = waiting[0]
        if version != b"1.0":
            reply = ZapReply(b"500", b"bad ZAP version")
        else:
            try:
                md = decode_metadata(metadata) if metadata else {}
            except ProtocolError:
                reply = ZapReply(b"500", b"malformed ZAP metadata")
            else:
                reply = ZapReply(status, text, user_id, md)
        engine.io.post(engine.zap_reply, reply)

    def _fail_all(self, link: Link) -> None:
        with self._lock:
            pending = list(self._pending.values())
            self._pending.clear()
            if self._link is link:
                self._link = None
        for engine, _req in pending:
            engine.io.post(engine.zap_reply, ZapReply(b"500", b"ZAP handler went away"))
