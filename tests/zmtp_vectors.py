"""Shared helpers for the sans-I/O ZMTP tests: byte vectors, reference encoders written
independently of purezmq.zmtp (straight from RFC 13/15/23), chunkers and an in-memory wire
for running two Handshake objects against each other.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Callable, List, Tuple

from purezmq.zmtp import Handshake, NullMechanism, local_properties
from purezmq.zmtp._types import (
    DEALER,
    PAIR,
    PUB,
    PULL,
    PUSH,
    REP,
    REQ,
    ROUTER,
    SENDS_IDENTITY,
    SUB,
    XPUB,
    XSUB,
)

ALL_TYPES = (PAIR, PUB, SUB, REQ, REP, DEALER, ROUTER, PULL, PUSH, XPUB, XSUB)
NAMES = {
    PAIR: "PAIR",
    PUB: "PUB",
    SUB: "SUB",
    REQ: "REQ",
    REP: "REP",
    DEALER: "DEALER",
    ROUTER: "ROUTER",
    PULL: "PULL",
    PUSH: "PUSH",
    XPUB: "XPUB",
    XSUB: "XSUB",
}

#: Unordered compatible pairs, written out from the reference §4.3 table (not derived from
#: purezmq's own table, so that table is under test too).
COMPATIBLE_PAIRS = [
    (REQ, REP),
    (REQ, ROUTER),
    (REP, DEALER),
    (DEALER, DEALER),
    (DEALER, ROUTER),
    (ROUTER, ROUTER),
    (PUB, SUB),
    (PUB, XSUB),
    (XPUB, SUB),
    (XPUB, XSUB),
    (PUSH, PULL),
    (PAIR, PAIR),
]


def _ordered_compatible() -> List[Tuple[int, int]]:
    out = []
    for a, b in COMPATIBLE_PAIRS:
        out.append((a, b))
        if a != b:
            out.append((b, a))
    return out


ORDERED_COMPATIBLE = _ordered_compatible()
INCOMPATIBLE = [
    (a, b) for a in ALL_TYPES for b in ALL_TYPES if (a, b) not in set(ORDERED_COMPATIBLE)
]


def hx(s: str) -> bytes:
    """Bytes from a hex dump with arbitrary whitespace."""
    return bytes.fromhex("".join(s.split()))


# -- captured libzmq 4.0 bytes (reference §5.1 and §5.4) ---------------------------------
SIG_EMPTY_ID = hx("ff 00 00 00 00 00 00 00 01 7f")
SIG_ID_ABC = hx("ff 00 00 00 00 00 00 00 04 7f")
#: Bytes 10..63 of a 4.0 NULL greeting: major, minor, "NULL" padded to 20, as-server, filler.
GREETING_NULL_TAIL = bytes([3, 0]) + b"NULL" + bytes(16) + bytes(1) + bytes(31)
GREETING_DEALER_NULL = SIG_EMPTY_ID + GREETING_NULL_TAIL

READY_DEALER = hx(
    """04 29 05 52 45 41 44 59 0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 06 44 45 41 4c 45 52
       08 49 64 65 6e 74 69 74 79 00 00 00 00"""
)
READY_DEALER_ABC = (
    hx("04 2c")
    + b"\x05READY"
    + b"\x0bSocket-Type"
    + hx("00 00 00 06")
    + b"DEALER"
    + b"\x08Identity"
    + hx("00 00 00 03 41 42 43")
)
READY_PUB = hx("04 19") + b"\x05READY" + b"\x0bSocket-Type" + hx("00 00 00 03") + b"PUB"
READY_REQ = (
    hx("04 26")
    + b"\x05READY"
    + b"\x0bSocket-Type"
    + hx("00 00 00 03")
    + b"REQ"
    + b"\x08Identity"
    + hx("00 00 00 00")
)
READY_ROUTER = (
    hx("04 29")
    + b"\x05READY"
    + b"\x0bSocket-Type"
    + hx("00 00 00 06")
    + b"ROUTER"
    + b"\x08Identity"
    + hx("00 00 00 00")
)


def greeting(
    mechanism: bytes = b"NULL",
    major: int = 3,
    minor: int = 0,
    identity_len: int = 0,
    as_server: int = 0,
) -> bytes:
    """A full 64-byte ZMTP 3.x greeting, written from RFC 23 by hand."""
    return (
        b"\xff"
        + (identity_len + 1).to_bytes(8, "big")
        + b"\x7f"
        + bytes([major, minor])
        + mechanism.ljust(20, b"\x00")
        + bytes([as_server])
        + bytes(31)
    )


def ready_body(props: Sequence[Tuple[bytes, bytes]]) -> bytes:
    out = b"\x05READY"
    for name, value in props:
        out += bytes([len(name)]) + name + len(value).to_bytes(4, "big") + value
    return out


# -- reference frame encoders (RFC 23 / RFC 13), independent of the library ---------------
def v3_frame(
    body: bytes, more: bool = False, command: bool = False, force_long: bool = False
) -> bytes:
    flags = (1 if more else 0) | (4 if command else 0)
    if len(body) > 255 or force_long:
        return bytes([flags | 2]) + len(body).to_bytes(8, "big") + body
    return bytes([flags, len(body)]) + body


def v3_message(frames: Sequence[bytes]) -> bytes:
    last = len(frames) - 1
    return b"".join(v3_frame(f, more=i < last) for i, f in enumerate(frames))


def v3_command(body: bytes) -> bytes:
    return v3_frame(body, command=True)


def v1_frame(body: bytes, more: bool = False, force_long: bool = False) -> bytes:
    length = len(body) + 1
    flags = bytes([1 if more else 0])
    if length < 255 and not force_long:
        return bytes([length]) + flags + body
    return b"\xff" + length.to_bytes(8, "big") + flags + body


def v1_message(frames: Sequence[bytes]) -> bytes:
    last = len(frames) - 1
    return b"".join(v1_frame(f, more=i < last) for i, f in enumerate(frames))


# -- chunkers -------------------------------------------------------------------------------
def whole(data: bytes) -> List[bytes]:
    return [data]


def bytewise(data: bytes) -> List[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def random_chunks(data: bytes, seed: int, max_chunk: int = 64) -> List[bytes]:
    rng = random.Random(seed)
    out = []
    pos = 0
    while pos < len(data):
        n = rng.randint(1, max_chunk)
        out.append(data[pos : pos + n])
        pos += n
    return out


def split_at(data: bytes, cuts: Iterable[int]) -> List[bytes]:
    points = sorted({c for c in cuts if 0 < c < len(data)})
    out = []
    prev = 0
    for p in points:
        out.append(data[prev:p])
        prev = p
    out.append(data[prev:])
    return out


def feed_all(decoder, chunks: Iterable[bytes], use_body_buffer: bool = False) -> List[list]:
    """Feed chunks, optionally routing bytes through body_buffer()/body_received() whenever
    the decoder offers a buffer (as the engine does with recv_into)."""
    msgs: List[list] = []
    for chunk in chunks:
        if use_body_buffer:
            view = memoryview(chunk)
            while view:
                buf = decoder.body_buffer()
                if buf is None:
                    msgs += decoder.feed(bytes(view))
                    break
                n = min(len(buf), len(view))
                buf[:n] = view[:n]
                buf.release()
                view = view[n:]
                msgs += decoder.body_received(n)
        else:
            msgs += decoder.feed(chunk)
    return msgs


# -- in-memory wire for two Handshakes --------------------------------------------------------
def make_handshake(
    socket_type: int, identity: bytes = b"", *, use_zap: bool = False, mechanism=None, **kw
) -> Handshake:
    if mechanism is None:
        props = local_properties(socket_type, identity, socket_type in SENDS_IDENTITY)
        mechanism = NullMechanism(props, use_zap=use_zap)
    return Handshake(socket_type, identity, mechanism, **kw)


@dataclass
class Side:
    hs: Handshake
    post: bytes = b""  # data-stream bytes this side sends as soon as its handshake is done
    outq: bytearray = field(default_factory=bytearray)
    posted: bool = False
    log: List[bytes] = field(default_factory=list)  # every non-empty chunk handed to the wire

    def emit(self, data: bytes) -> None:
        if data:
            self.log.append(data)
            self.outq += data

    def maybe_post(self) -> None:
        if self.hs.done and not self.posted:
            self.posted = True
            self.emit(self.post)


def pump(
    a: Side, b: Side, chunker: Callable[[bytes], List[bytes]] = whole, max_rounds: int = 1000
) -> None:
    """Shuttle bytes between a and b until neither has anything left to say.

    A side's ``post`` bytes are queued the moment its handshake completes, behind whatever
    handshake bytes are still queued, so with ``whole`` delivery they reach the peer coalesced
    with its last handshake bytes.
    """
    if not a.log:
        a.emit(a.hs.start())
    if not b.log:
        b.emit(b.hs.start())
    for _ in range(max_rounds):
        progressed = False
        for src, dst in ((a, b), (b, a)):
            src.maybe_post()
            if not src.outq:
                continue
            data = bytes(src.outq)
            src.outq.clear()
            progressed = True
            for piece in chunker(data):
                dst.emit(dst.hs.receive(piece))
                dst.maybe_post()
        if not progressed:
            return
    raise AssertionError("handshake did not settle")


def run_pair(
    type_a: int,
    type_b: int,
    chunker=whole,
    id_a: bytes = b"",
    id_b: bytes = b"",
    post_a: bytes = b"",
    post_b: bytes = b"",
    **kw,
) -> Tuple[Side, Side]:
    a = Side(make_handshake(type_a, id_a, **kw), post=post_a)
    b = Side(make_handshake(type_b, id_b, **kw), post=post_b)
    pump(a, b, chunker)
    return a, b


def iter_prefixes(data: bytes) -> Iterator[bytes]:
    for i in range(len(data) + 1):
        yield data[:i]
