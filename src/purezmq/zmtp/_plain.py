"""The PLAIN security mechanism (RFC 24) as libzmq 4.0 speaks it.

Theory of operation
-------------------
PLAIN is four commands, client first::

    C: HELLO     05 'HELLO' <ulen:1> username <plen:1> password
    S: WELCOME   07 'WELCOME'                       (exactly these 8 bytes)
    C: INITIATE  08 'INITIATE' metadata
    S: READY     05 'READY' metadata

(RFC 24's prose about space-padded 8-character names is stale; the grammar and libzmq use
length-prefixed names like every other ZMTP command.) The server validates HELLO strictly:
both length bytes present, lengths exact, nothing trailing. With ``use_zap`` it then pauses
on a ZAP request (mechanism ``PLAIN``, credentials username and password) and sends WELCOME
only after a ``200`` reply; without ZAP anyone is accepted, as libzmq does when no handler is
bound. The server is ready once it sends READY, the client once it has read READY.

Failure is always a :class:`ProtocolError`. An ERROR command received by the client (a
libzmq >= 4.2 server refusing us) is an authentication failure (``FailureKind.AUTH``); the
malformed ``^RROR`` spelling libzmq 4.2-4.3 PLAIN servers actually send is recognised too
(see :data:`LIBZMQ_PLAIN_ERROR`), though the handshake must let that body through. When a
ZAP handler refuses the client, :meth:`zap_reply` raises, but first stores the body of an
ERROR command in :attr:`PlainMechanism.error_reply`: the engine may send it before closing
(libzmq 4.2+ does; 4.0 just closes, and both kinds of client merely reconnect).

This module is sans-I/O and thread-agnostic: one connection's handshake drives it.
"""

from __future__ import annotations

from enum import Enum
from typing import List, Optional, Sequence, Tuple

from ._errors import FailureKind, ProtocolCode, ProtocolError
from ._mechanism import ERROR, READY, Mechanism, ZapReply, ZapRequest, error_body, parse_error
from ._metadata import decode_metadata

HELLO = b"\x05HELLO"
WELCOME = b"\x07WELCOME"
INITIATE = b"\x08INITIATE"

#: ZAP statuses for which a libzmq 4.2+ server sends an ERROR command before closing.
_REFUSALS = (b"300", b"400", b"500")

#: libzmq 4.2-4.3 spell PLAIN's ERROR prefix as the C literal "\x05ERROR", which C reads as
#: the byte 0x5E ('^', from "\x05E") followed by "RROR": their PLAIN servers send
#: ``^RROR <len> reason`` (and their clients only recognise that form). Verified against
#: the libzmq 4.3.5 in pyzmq 27.
LIBZMQ_PLAIN_ERROR = b"^RROR"


class _State(Enum):
    EXPECT_HELLO = 1  # server
    WAIT_ZAP = 2  # server, HELLO accepted, ZAP reply pending
    EXPECT_INITIATE = 3  # server
    EXPECT_WELCOME = 4  # client
    EXPECT_READY = 5  # client
    DONE = 6
    FAILED = 7


def _fail(reason: str, code: int, kind: FailureKind = FailureKind.PROTOCOL) -> ProtocolError:
    return ProtocolError(reason, code, kind)


class PlainMechanism(Mechanism):
    """PLAIN client or server (RFC 24).

    ``props`` are the local metadata properties sent in INITIATE (client) or READY (server).
    A client sends ``username`` and ``password`` (each at most 255 bytes; empty when unset).
    A server with ``use_zap`` asks the ZAP handler about every client. ``random`` is accepted
    for symmetry with :class:`CurveMechanism` (PLAIN needs no randomness).

    Attributes the engine uses besides the :class:`Mechanism` protocol:

    * ``error_reply`` -- after :meth:`zap_reply` raised for a 300/400/500 refusal, the body
      of an ERROR command (``05 'ERROR' <len> status``) to send before closing; else None.
    * ``codec`` -- always None: PLAIN does not transform data frames.
    * ``username`` / ``password`` -- on a server, what the client presented (after HELLO).
    """

    name = b"PLAIN"

    def __init__(
        self,
        props: Sequence[Tuple[str, bytes]],
        *,
        as_server: bool,
        username: bytes = b"",
        password: bytes = b"",
        use_zap: bool = False,
        random: Optional[object] = None,
    ) -> None:
        super().__init__(props)
        self.as_server = bool(as_server)
        username = bytes(username)
        password = bytes(password)
        if not self.as_server and (len(username) > 255 or len(password) > 255):
            raise ValueError("PLAIN username and password are at most 255 bytes")
        self.username = username
        self.password = password
        self._use_zap = use_zap
        self.error_reply: Optional[bytes] = None
        self.codec = None
        self._state = _State.EXPECT_HELLO if self.as_server else _State.EXPECT_WELCOME

    # -- Mechanism protocol -------------------------------------------------------------
    def start(self) -> List[bytes]:
        if self.as_server:
            return []
        u, p = self.username, self.password
        return [HELLO + bytes((len(u),)) + u + bytes((len(p),)) + p]

    def on_command(self, body: bytes) -> List[bytes]:
        state = self._state
        try:
            if state is _State.EXPECT_WELCOME:
                return self._on_welcome(body)
            if state is _State.EXPECT_READY:
                return self._on_ready(body)
            if state is _State.EXPECT_HELLO:
                return self._on_hello(body)
            if state is _State.EXPECT_INITIATE:
                return self._on_initiate(body)
            raise _fail(
                "unexpected command after the PLAIN handshake"
                if state is _State.DONE
                else "command while waiting for the ZAP reply",
                ProtocolCode.ZMTP_UNEXPECTED_COMMAND,
            )
        except ProtocolError:
            self._state = _State.FAILED
            raise

    def zap_reply(self, reply: ZapReply) -> List[bytes]:
        if self._state is not _State.WAIT_ZAP:
            raise _fail("unexpected ZAP reply", ProtocolCode.ZAP_UNSPECIFIED)
        if reply.status != b"200":
            self._state = _State.FAILED
            if reply.status in _REFUSALS:
                self.error_reply = error_body(reply.status)
        self._apply_zap(reply)  # raises unless 200
        self._state = _State.EXPECT_INITIATE
        return [WELCOME]

    # -- client -------------------------------------------------------------------------
    def _check_error(self, body: bytes) -> None:
        if body.startswith(ERROR):
            raise parse_error(body)
        if body.startswith(LIBZMQ_PLAIN_ERROR):
            # The misspelt libzmq ERROR: <5-byte prefix> <len:1> reason.
            n = len(LIBZMQ_PLAIN_ERROR)
            reason = body[n + 1 : n + 1 + body[n]] if len(body) > n else b""
            raise parse_error(ERROR + bytes((len(reason),)) + reason)

    def _on_welcome(self, body: bytes) -> List[bytes]:
        self._check_error(body)
        if body != WELCOME:
            if body.startswith(WELCOME):
                raise _fail("malformed WELCOME", ProtocolCode.ZMTP_MALFORMED_COMMAND_WELCOME)
            raise _fail("expected WELCOME", ProtocolCode.ZMTP_UNEXPECTED_COMMAND)
        self._state = _State.EXPECT_READY
        return [INITIATE + self._metadata_bytes()]

    def _on_ready(self, body: bytes) -> List[bytes]:
        self._check_error(body)
        if not body.startswith(READY):
            raise _fail("expected READY", ProtocolCode.ZMTP_UNEXPECTED_COMMAND)
        self.peer_metadata = decode_metadata(body[len(READY) :])
        self._state = _State.DONE
        self.ready = True
        return []

    # -- server -------------------------------------------------------------------------
    def _on_hello(self, body: bytes) -> List[bytes]:
        if not body.startswith(HELLO):
            raise _fail("expected HELLO", ProtocolCode.ZMTP_UNEXPECTED_COMMAND)
        pos = len(HELLO)
        end = len(body)
        if pos >= end:
            raise _fail("HELLO without username", ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO)
        ulen = body[pos]
        pos += 1
        if pos + ulen >= end:  # the password length byte must follow the username
            raise _fail("truncated HELLO username", ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO)
        username = body[pos : pos + ulen]
        pos += ulen
        plen = body[pos]
        pos += 1
        if pos + plen != end:
            raise _fail(
                "HELLO password length does not match",
                ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO,
            )
        self.username = username
        self.password = body[pos:end]
        if self._use_zap:
            self._state = _State.WAIT_ZAP
            self.zap_request = ZapRequest(b"PLAIN", (self.username, self.password))
            return []
        self._state = _State.EXPECT_INITIATE
        return [WELCOME]

    def _on_initiate(self, body: bytes) -> List[bytes]:
        if not body.startswith(INITIATE):
            raise _fail("expected INITIATE", ProtocolCode.ZMTP_UNEXPECTED_COMMAND)
        self.peer_metadata = decode_metadata(body[len(INITIATE) :])
        self._state = _State.DONE
        self.ready = True
        return [READY + self._metadata_bytes()]
