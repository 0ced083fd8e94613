"""The ZMTP greeting and handshake, with libzmq 4.0's detection of ZMTP 1.0/2.0 peers.

Theory of operation
-------------------
:class:`Handshake` is sans-I/O: :meth:`start` gives the first bytes to send, :meth:`receive`
takes whatever bytes arrived (any chunking: one byte at a time, or the greeting coalesced with
the first data frames) and returns the bytes to send in reply. When ``done`` turns true,
``version`` says which framing follows, ``rest`` holds the bytes that already belong to the
data stream, and for ZMTP 3.0 ``peer_metadata`` holds the peer's properties.

The greeting goes out in libzmq 4.0's three steps (reference §5.1), so every peer generation
works: the 10-byte signature at once; the major version once the peer's signature shows it is
versioned; the rest once the peer's revision byte says it speaks 3.x. A ZMTP 1.0 peer (first
byte not 0xFF, or signature bit 0 clear) reads our signature as its first frame header; a
revision of 0 or 1 means ZMTP 2.0 (1) or "versioned 1.0" (0) with a 12-byte greeting. For
those legacy peers the first frame each side sends is its identity; the engine reads the
peer's from the data stream (``expects_identity``).

Security decides whether legacy peers are allowed at all: PLAIN, CURVE and NULL with a ZAP
domain refuse them (libzmq 4.0.6's fix of the downgrade attack).
"""

from __future__ import annotations

from enum import Enum
from typing import List, Optional

from ._errors import ProtocolCode, ProtocolError
from ._frames import COMMAND, LONG, _unpack_q, encode_command, v1_frame_header
from ._mechanism import Mechanism, ZapReply, ZapRequest
from ._metadata import Metadata
from ._types import TYPE_NAMES, compatible

#: A handshake command larger than this is refused whatever MAXMSGSIZE says.
MAX_HANDSHAKE_COMMAND = 1 << 20

#: The version we announce: ZMTP 3.0.
VERSION_MAJOR = 3
VERSION_MINOR = 0


class _State(Enum):
    GREETING = 1
    COMMANDS = 2
    DONE = 3


class Handshake:
    """Drives one connection from the first byte to the start of the data stream."""

    def __init__(
        self,
        socket_type: int,
        identity: bytes,
        mechanism: Mechanism,
        *,
        maxmsgsize: int = -1,
        allow_legacy: bool = True,
        check_peer_type: bool = True,
    ) -> None:
        self.socket_type = socket_type
        self.identity = identity
        self.mechanism = mechanism
        self._max_command = (
            MAX_HANDSHAKE_COMMAND if maxmsgsize < 0 else min(maxmsgsize, MAX_HANDSHAKE_COMMAND)
        )
        self._max_command = max(self._max_command, 4096)
        self._allow_legacy = allow_legacy
        self._check_type = check_peer_type
        self._state = _State.GREETING
        self._in = bytearray()
        self._sent_major = False
        self._sent_rest = False
        self.done = False
        #: 3 for ZMTP 3.x, 2 for ZMTP 2.0, 1 for ZMTP 1.0 (and "versioned 1.0").
        self.version = 0
        #: For version 1/2: the peer's first frame is its identity.
        self.expects_identity = False
        self.peer_metadata: Metadata = {}
        self.peer_major = 0
        self.peer_minor = 0
        self.rest = b""

    # -- public -------------------------------------------------------------------------
    def start(self) -> bytes:
        """The signature: ``0xFF``, identity length + 1 as 64-bit big-endian, ``0x7F``."""
        return b"\xff" + (len(self.identity) + 1).to_bytes(8, "big") + b"\x7f"

    def receive(self, data: bytes) -> bytes:
        """Consume peer bytes; return the bytes to send. Raises ProtocolError."""
        out = bytearray()
        if self._state is _State.DONE:
            self.rest += data
            return b""
        self._in += data
        if self._state is _State.GREETING:
            self._greeting(out)
        if self._state is _State.COMMANDS:
            self._commands(out)
        return bytes(out)

    @property
    def zap_request(self) -> Optional[ZapRequest]:
        return self.mechanism.zap_request

    def zap_reply(self, reply: ZapReply) -> bytes:
        """Resume a handshake paused on ZAP; returns bytes to send."""
        out = bytearray()
        for body in self.mechanism.zap_reply(reply):
            out += encode_command(body)
        self._check_done()
        # Also when the reply itself completed the handshake: _commands then only moves the
        # bytes buffered during the pause into ``rest``.
        self._commands(out)
        return bytes(out)

    # -- greeting -----------------------------------------------------------------------
    def _refuse_legacy(self, what: str) -> None:
        if not self._allow_legacy:
            raise ProtocolError(
                f"{what} peer refused: this socket requires ZMTP 3.0 security",
                ProtocolCode.ZMTP_MECHANISM_MISMATCH,
            )

    def _greeting(self, out: bytearray) -> None:
        buf = self._in
        if not buf:
            return
        if buf[0] != 0xFF or (len(buf) >= 10 and not buf[9] & 1):
            # ZMTP/1.0: our signature already read as a frame header; send the identity body.
            self._refuse_legacy("ZMTP/1.0")
            out += self.identity
            self._finish_legacy(1, 0)
            return
        if len(buf) < 10:
            return
        if not self._sent_major:
            out.append(VERSION_MAJOR)
            self._sent_major = True
        if len(buf) < 11:
            return
        revision = buf[10]
        if revision < 2:
            self._refuse_legacy("ZMTP/2.0" if revision == 1 else "ZMTP/1.0")
            if not self._sent_rest:
                out.append(self.socket_type)
                self._sent_rest = True
            if len(buf) < 12:
                return
            # Both sides now send their identity as the first frame.
            if revision == 1:
                out += bytes((0, len(self.identity))) + self.identity
                self._finish_legacy(2, 12)
            else:
                out += v1_frame_header(len(self.identity), False) + self.identity
                self._finish_legacy(1, 12)
            return
        if not self._sent_rest:
            out += self._greeting_rest()
            self._sent_rest = True
        if len(buf) < 64:
            return
        self.peer_major = revision
        self.peer_minor = buf[11]
        peer_mech = bytes(buf[12:32])
        if peer_mech != self._mechanism_field():
            raise ProtocolError(
                f"mechanism mismatch: peer {peer_mech.rstrip(bytes(1))!r}, "
                f"local {self.mechanism.name!r}",
                ProtocolCode.ZMTP_MECHANISM_MISMATCH,
            )
        del buf[:64]
        self.version = 3
        self._state = _State.COMMANDS
        for body in self.mechanism.start():
            out += encode_command(body)
        self._check_done()

    def _mechanism_field(self) -> bytes:
        return self.mechanism.name.ljust(20, b"\x00")

    def _greeting_rest(self) -> bytes:
        # minor version, mechanism, as-server, 31 bytes of filler.
        as_server = b"\x01" if self.mechanism.as_server else b"\x00"
        return bytes((VERSION_MINOR,)) + self._mechanism_field() + as_server + bytes(31)

    def _finish_legacy(self, version: int, consumed: int) -> None:
        self.version = version
        self.expects_identity = True
        self.rest = bytes(self._in[consumed:])
        self._in = bytearray()
        self._state = _State.DONE
        self.done = True

    # -- ZMTP 3.0 commands --------------------------------------------------------------
    def _commands(self, out: bytearray) -> None:
        buf = self._in
        pos = 0
        while not self.done and self.mechanism.zap_request is None:
            avail = len(buf) - pos
            if avail < 2:
                break
            flags = buf[pos]
            if flags & LONG:
                if avail < 9:
                    break
                size = _unpack_q(buf, pos + 1)[0]
                start = pos + 9
            else:
                size = buf[pos + 1]
                start = pos + 2
            if not flags & COMMAND:
                raise ProtocolError(
                    "data frame during the handshake",
                    ProtocolCode.ZMTP_UNEXPECTED_COMMAND,
                )
            if size > self._max_command:
                raise ProtocolError(
                    f"handshake command of {size} bytes is too large",
                    ProtocolCode.ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
                )
            if start + size > len(buf):
                break
            body = bytes(buf[start : start + size])
            pos = start + size
            # (libzmq 4.2-4.3 PLAIN sends its ERROR as "^RROR...": let the mechanism see it.)
            if not body or body[0] + 1 > len(body) and not body.startswith(b"^RROR"):
                raise ProtocolError(
                    "malformed command", ProtocolCode.ZMTP_MALFORMED_COMMAND_UNSPECIFIED
                )
            for reply in self.mechanism.on_command(body):
                out += encode_command(reply)
            self._check_done()
        del buf[:pos]
        if self.done:
            self.rest = bytes(buf)
            self._in = bytearray()

    def _check_done(self) -> None:
        mech = self.mechanism
        if not mech.ready or self.done:
            return
        self.peer_metadata = mech.peer_metadata
        peer_type = self.peer_metadata.get("Socket-Type")
        if (
            self._check_type
            and peer_type is not None
            and not compatible(self.socket_type, peer_type)
        ):
            local = TYPE_NAMES.get(self.socket_type, b"?").decode()
            raise ProtocolError(
                f"incompatible peer socket type {peer_type!r} for {local}",
                ProtocolCode.ZMTP_INVALID_METADATA,
            )
        self._state = _State.DONE
        self.done = True


def local_properties(socket_type: int, identity: bytes, sends_identity: bool) -> List[tuple]:
    """The READY/INITIATE properties libzmq 4.0 sends for a socket of this type."""
    props = [("Socket-Type", TYPE_NAMES[socket_type])]
    if sends_identity:
        props.append(("Identity", identity))
    return props
