"""Shared vectors and drivers for the PLAIN/CURVE mechanism tests.

* The libzmq 4.0.10 PLAIN capture and the CURVE test key pairs (reference §6.3, §6.4).
* ``seeded(seed)``: a deterministic ``random`` for the mechanisms (golden transcripts).
* ``Side`` / ``pump``: two real :class:`Handshake` objects over an in-memory wire, with any
  chunking and an optional ZAP answerer.
* ``frames(data)``: split ZMTP 3.0 bytes into (flags, body) pairs.
"""

from __future__ import annotations

import random as _random
import struct
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

from purezmq.utils import z85
from purezmq.zmtp import Handshake, ZapReply, ZapRequest, local_properties
from purezmq.zmtp._types import SENDS_IDENTITY


def hx(s: str) -> bytes:
    return bytes.fromhex(s.replace(" ", "").replace("\n", ""))


# -- PLAIN, captured from libzmq 4.0.10: DEALER client, identity "ID1", admin/secret ---------
PLAIN_HELLO = hx("04 13 05 48 45 4c 4c 4f 05 61 64 6d 69 6e 06 73 65 63 72 65 74")
PLAIN_WELCOME = hx("04 08 07 57 45 4c 43 4f 4d 45")
PLAIN_INITIATE = hx(
    "04 2f 08 49 4e 49 54 49 41 54 45 0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 06 44 45"
    "41 4c 45 52 08 49 64 65 6e 74 69 74 79 00 00 00 03 49 44 31"
)
PLAIN_READY_DEALER = (
    hx("04 29 05")
    + b"READY"
    + b"\x0bSocket-Type"
    + hx("00 00 00 06")
    + b"DEALER"
    + b"\x08Identity"
    + hx("00 00 00 00")
)

# -- CURVE test keys (libzmq doc/zmq_curve.txt, test_security_curve) -------------------------
CLIENT_PUBLIC_Z85 = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
CLIENT_SECRET_Z85 = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
SERVER_PUBLIC_Z85 = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
SERVER_SECRET_Z85 = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
CLIENT_PUBLIC = z85.decode(CLIENT_PUBLIC_Z85)
CLIENT_SECRET = z85.decode(CLIENT_SECRET_Z85)
SERVER_PUBLIC = z85.decode(SERVER_PUBLIC_Z85)
SERVER_SECRET = z85.decode(SERVER_SECRET_Z85)


def seeded(seed: str) -> Callable[[int], bytes]:
    """A deterministic stand-in for os.urandom."""
    return _random.Random(seed).randbytes


def props(socket_type: int, identity: bytes = b"") -> list:
    return local_properties(socket_type, identity, socket_type in SENDS_IDENTITY)


def nonce8(n: int) -> bytes:
    return struct.pack(">Q", n)


# -- wire ----------------------------------------------------------------------------------
def whole(data: bytes) -> List[bytes]:
    return [data] if data else []


def bytewise(data: bytes) -> List[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def chunks(data: bytes, seed: int, most: int = 50) -> List[bytes]:
    rng = _random.Random(seed)
    out = []
    pos = 0
    while pos < len(data):
        n = rng.randint(1, most)
        out.append(data[pos : pos + n])
        pos += n
    return out


@dataclass
class Side:
    hs: Handshake
    sent: bytearray = field(default_factory=bytearray)  # everything handed to the wire
    outq: bytearray = field(default_factory=bytearray)

    def emit(self, data: bytes) -> None:
        self.sent += data
        self.outq += data

    @property
    def mech(self):
        return self.hs.mechanism


ZapFn = Callable[[ZapRequest], Optional[ZapReply]]


def pump(
    a: Side,
    b: Side,
    chunker: Callable[[bytes], List[bytes]] = whole,
    zap: Optional[ZapFn] = None,
    rounds: int = 100,
) -> None:
    """Shuttle bytes until nobody has anything to say. A side paused on ZAP is answered by
    ``zap(request)`` (None leaves it paused). ProtocolError propagates."""
    if not a.sent:
        a.emit(a.hs.start())
    if not b.sent:
        b.emit(b.hs.start())
    for _ in range(rounds):
        progressed = False
        for src, dst in ((a, b), (b, a)):
            if src.outq:
                data = bytes(src.outq)
                src.outq.clear()
                progressed = True
                for piece in chunker(data):
                    dst.emit(dst.hs.receive(piece))
            if dst.hs.zap_request is not None and zap is not None:
                reply = zap(dst.hs.zap_request)
                if reply is not None:
                    progressed = True
                    dst.emit(dst.hs.zap_reply(reply))
        if not progressed:
            return
    raise AssertionError("handshake did not settle")


def frames(data: bytes) -> List[Tuple[int, bytes]]:
    """Split ZMTP 3.0 frames (after the greeting) into (flags, body)."""
    out = []
    pos = 0
    while pos < len(data):
        flags = data[pos]
        if flags & 0x02:
            size = struct.unpack_from(">Q", data, pos + 1)[0]
            start = pos + 9
        else:
            size = data[pos + 1]
            start = pos + 2
        assert start + size <= len(data), "truncated frame"
        out.append((flags, data[start : start + size]))
        pos = start + size
    return out


def reframe(data: bytes, flag_map: Callable[[int], int]) -> bytes:
    """Rewrite the flags byte of every frame in ``data``."""
    out = bytearray()
    pos = 0
    while pos < len(data):
        flags = data[pos]
        hdr = 9 if flags & 0x02 else 2
        size = struct.unpack_from(">Q", data, pos + 1)[0] if flags & 0x02 else data[pos + 1]
        out.append(flag_map(flags))
        out += data[pos + 1 : pos + hdr + size]
        pos += hdr + size
    return bytes(out)
