"""Security mechanisms: the base protocol every mechanism follows, and NULL (RFC 23).

A mechanism is a small state machine driven by the handshake: ``start()`` gives the command
bodies to send once the greetings are exchanged, ``on_command(body)`` consumes one command from
the peer and gives the bodies to send in reply. ``ready`` turns true when the peer is
authenticated and its metadata known. A mechanism that must ask a ZAP handler sets
``zap_request``; the handshake pauses until :meth:`zap_reply` is called with the answer.

After the handshake ``wrap``/``unwrap`` (only CURVE has them) turn data frames into boxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from ._errors import FailureKind, ProtocolCode, ProtocolError
from ._metadata import Metadata, decode_metadata, encode_metadata

READY = b"\x05READY"
ERROR = b"\x05ERROR"


@dataclass(frozen=True)
class ZapRequest:
    """What a server-side mechanism asks the ZAP handler (RFC 27), minus the envelope."""

    mechanism: bytes
    credentials: Tuple[bytes, ...] = ()


@dataclass(frozen=True)
class ZapReply:
    status: bytes
    status_text: bytes = b""
    user_id: bytes = b""
    metadata: Metadata = field(default_factory=dict)


def error_body(reason: bytes) -> bytes:
    """Body of an ERROR command (RFC 23): the reason as a short string."""
    reason = reason[:255]
    return ERROR + bytes((len(reason),)) + reason


def parse_error(body: bytes) -> ProtocolError:
    """The exception describing an ERROR command received from the peer."""
    reason = body[7 : 7 + body[6]] if len(body) > 6 else b""
    text = reason.decode("utf-8", "replace")
    # A ZAP refusal arrives as its status code ("400"): report that, as libzmq does.
    code = int(reason) if reason.isdigit() and len(reason) == 3 else ProtocolCode.ZMTP_UNSPECIFIED
    return ProtocolError(f"peer sent ERROR: {text}", code, FailureKind.AUTH)


class Mechanism:
    """Base class: the protocol between a mechanism and the handshake."""

    name: bytes = b""
    as_server: bool = False

    def __init__(self, props: Sequence[Tuple[str, bytes]]) -> None:
        self.local_props = list(props)
        self.ready = False
        self.peer_metadata: Metadata = {}
        self.zap_request: Optional[ZapRequest] = None
        self.user_id = b""
        self.zap_metadata: Metadata = {}
        #: Status of a ZAP refusal (300/400/500), for the monitor.
        self.zap_status = 0

    def start(self) -> List[bytes]:
        raise NotImplementedError

    def on_command(self, body: bytes) -> List[bytes]:
        raise NotImplementedError

    def zap_reply(self, reply: ZapReply) -> List[bytes]:
        raise ProtocolError("unexpected ZAP reply", ProtocolCode.ZAP_UNSPECIFIED)

    # -- helpers ------------------------------------------------------------------------
    def _metadata_bytes(self) -> bytes:
        return encode_metadata(self.local_props)

    def _apply_zap(self, reply: ZapReply) -> None:
        """Accept a 200 reply, raise for anything else."""
        self.zap_request = None
        if reply.status != b"200":
            try:
                self.zap_status = int(reply.status)
            except ValueError:
                self.zap_status = 0
            if reply.status not in (b"300", b"400", b"500"):
                raise ProtocolError(
                    f"invalid ZAP status {reply.status!r}",
                    ProtocolCode.ZAP_INVALID_STATUS_CODE,
                    FailureKind.PROTOCOL,
                )
            raise ProtocolError(
                f"authentication refused ({reply.status.decode('ascii', 'replace')})",
                self.zap_status,
                FailureKind.AUTH,
            )
        self.user_id = reply.user_id
        self.zap_metadata = dict(reply.metadata)


class NullMechanism(Mechanism):
    """NULL: each side sends READY with its metadata; optional ZAP on the server side."""

    name = b"NULL"

    def __init__(self, props: Sequence[Tuple[str, bytes]], *, use_zap: bool = False) -> None:
        super().__init__(props)
        self._use_zap = use_zap
        self._sent_ready = False
        self._peer_ready: Optional[Metadata] = None

    def start(self) -> List[bytes]:
        if self._use_zap:
            self.zap_request = ZapRequest(b"NULL")
            return []
        return self._send_ready()

    def _send_ready(self) -> List[bytes]:
        self._sent_ready = True
        self._check_ready()
        return [READY + self._metadata_bytes()]

    def _check_ready(self) -> None:
        if self._sent_ready and self._peer_ready is not None:
            self.peer_metadata = self._peer_ready
            self.ready = True

    def on_command(self, body: bytes) -> List[bytes]:
        if body.startswith(ERROR):
            raise parse_error(body)
        if not body.startswith(READY) or self._peer_ready is not None:
            raise ProtocolError(
                "expected READY", ProtocolCode.ZMTP_UNEXPECTED_COMMAND, FailureKind.PROTOCOL
            )
        self._peer_ready = decode_metadata(body[len(READY) :])
        self._check_ready()
        return []

    def zap_reply(self, reply: ZapReply) -> List[bytes]:
        self._apply_zap(reply)
        return self._send_ready()
