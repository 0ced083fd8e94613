"""ZMTP/1.0 (libzmq 2.x) and ZMTP/2.0 (libzmq 3.x) peers, byte-exact (reference §5.3, §4.5).

A plain Python socket impersonates the old libzmq; purezmq is bound (the fake connects) or
connecting (the fake listens). Covered: the downgrade bytes purezmq sends at each stage of
the peer's greeting, for every split point of the peer's greeting + identity and one byte at
a time; both legacy framings (short/long frames, multipart, empty frames) in both
directions; identities both ways (``52 31`` for "R1" on the v1 path); PUB -> ZMTP/1.0 SUB
(implicit subscribe-all right after the identity, not 4.0's late one); ZMTP/2.0 SUB
subscriptions; revision 0x00 ("versioned 1.0"); and PLAIN / CURVE / NULL+ZAP-domain sockets
refusing every old peer (connection closed, nothing delivered).

Unit tests of the sans-I/O handshake live in test_zmtp_handshake.py; the few real-socket
legacy cases of test_badinput.py (a v1/v2 PULL receiving, MAXMSGSIZE) are not repeated.
"""

from __future__ import annotations

import select
import socket
import struct
import time
from typing import Callable, List, Optional

import pytest

import purezmq as zmq

pytestmark = pytest.mark.timeout(10)

WAIT = 2.0  # seconds: an upper bound for anything that should happen "soon"


# -- legacy wire encoding ---------------------------------------------------------------
def sig(identity: bytes = b"") -> bytes:
    """The 10-byte signature libzmq 3.x/4.0 send: 0xFF, uint64 BE identity length + 1, 0x7F."""
    return b"\xff" + struct.pack(">Q", len(identity) + 1) + b"\x7f"


def v1(body: bytes, more: bool = False, flags: Optional[int] = None) -> bytes:
    """A ZMTP/1.0 frame: length (body + flags byte; 1 byte if < 255, else 0xFF + uint64 BE),
    flags (bit 0 = MORE), body."""
    n = len(body) + 1
    head = bytes((n,)) if n < 255 else b"\xff" + struct.pack(">Q", n)
    if flags is None:
        flags = 1 if more else 0
    return head + bytes((flags,)) + body


def v2(body: bytes, more: bool = False) -> bytes:
    """A ZMTP/2.0 frame: flags (MORE 1, LONG 2), 1-byte or 8-byte size, body."""
    flags = 1 if more else 0
    if len(body) < 256:
        return bytes((flags, len(body))) + body
    return bytes((flags | 2,)) + struct.pack(">Q", len(body)) + body


def v1_msg(frames: List[bytes]) -> bytes:
    return b"".join(v1(f, i < len(frames) - 1) for i, f in enumerate(frames))


def v2_msg(frames: List[bytes]) -> bytes:
    return b"".join(v2(f, i < len(frames) - 1) for i, f in enumerate(frames))


def v2_greeting(socket_type: int, identity: bytes = b"", revision: int = 1) -> bytes:
    """What a libzmq 3.x peer sends before its identity frame: signature, revision, type."""
    return sig(identity) + bytes((revision, socket_type))


# -- the fake old libzmq ------------------------------------------------------------------
class Wire:
    """One TCP connection of the fake peer, with exact reads."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(WAIT)
        self.buf = b""

    @classmethod
    def connect(cls, endpoint: str) -> "Wire":
        host, port = endpoint[len("tcp://") :].rsplit(":", 1)
        return cls(socket.create_connection((host, int(port)), timeout=WAIT))

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_bytewise(self, data: bytes) -> None:
        for i in range(len(data)):
            self.sock.sendall(data[i : i + 1])

    def read(self, n: int) -> bytes:
        while len(self.buf) < n:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise AssertionError(f"got {self.buf!r}, expected {n} bytes") from None
            if not chunk:
                raise AssertionError(f"closed after {self.buf!r}, expected {n} bytes")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def expect(self, data: bytes) -> None:
        assert self.read(len(data)) == data

    def quiet(self, window: float = 0.05) -> bool:
        """Nothing arrives within ``window`` seconds (and the connection stays open)."""
        if self.buf:
            return False
        self.sock.settimeout(window)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return True
        finally:
            self.sock.settimeout(WAIT)
        self.buf += chunk
        return False

    def read_until_closed(self) -> bytes:
        """Everything the peer sends until it closes the connection (fails on a timeout)."""
        deadline = time.monotonic() + WAIT
        data = self.buf
        self.buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                return data
            except socket.timeout:
                raise AssertionError(f"connection not closed; got {data!r}") from None
            if not chunk:
                return data
            data += chunk
            if time.monotonic() > deadline:
                raise AssertionError(f"peer keeps talking: {data!r}")

    def has_data(self, timeout: float) -> bool:
        if self.buf:
            return True
        r, _, _ = select.select([self.sock], [], [], timeout)
        return bool(r)

    def close(self) -> None:
        self.sock.close()


class Listener:
    """The fake old libzmq bound: purezmq connects to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(WAIT)
        self.endpoint = "tcp://127.0.0.1:%d" % self.sock.getsockname()[1]

    def accept(self) -> Wire:
        conn, _ = self.sock.accept()
        return Wire(conn)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture
def wires():
    made: List[Wire] = []
    yield made
    for w in made:
        w.close()


def sock(ctx, stype: int, **opts):
    s = ctx.socket(stype)
    s.linger = 0
    s.rcvtimeo = 2000
    s.sndtimeo = 2000
    for name, value in opts.items():
        setattr(s, name, value)
    return s


def bound(ctx, stype: int, **opts):
    s = sock(ctx, stype, **opts)
    s.bind("tcp://127.0.0.1:*")
    return s, s.last_endpoint.decode()


def publish_until(pub, wire: Wire, make: Callable[[int], List[bytes]]) -> int:
    """Publish ``make(i)`` for i = 0, 1, ... until the fake peer has data; returns the count.

    Publishing before the PUB has attached the new peer loses those messages (PUB semantics),
    so "the first message that reaches the subscriber" is what the tests then check.
    """
    deadline = time.monotonic() + WAIT
    i = 0
    while not wire.has_data(0.01):
        if time.monotonic() > deadline:
            raise AssertionError("the subscriber got nothing")
        pub.send_multipart(make(i))
        i += 1
    return i


def read_v1_frame(wire: Wire) -> tuple:
    n = wire.read(1)[0]
    if n == 0xFF:
        n = struct.unpack(">Q", wire.read(8))[0]
    flags = wire.read(1)[0]
    return flags, wire.read(n - 1)


def read_v2_frame(wire: Wire) -> tuple:
    flags = wire.read(1)[0]
    size = struct.unpack(">Q", wire.read(8))[0] if flags & 2 else wire.read(1)[0]
    return flags, wire.read(size)


def read_msg(wire: Wire, version: int) -> List[bytes]:
    reader = read_v1_frame if version == 1 else read_v2_frame
    frames = []
    while True:
        flags, body = reader(wire)
        frames.append(body)
        if not flags & 1:
            return frames


# -- purezmq bound, a ZMTP/1.0 peer connects -----------------------------------------------
def test_v1_peer_exact_bytes_and_identities(ctx, wires):
    """§5.3: the 4.0 signature doubles as a v1 long-frame header (length = identity + 1,
    flags 0x7F); once the peer's first byte shows ZMTP/1.0, purezmq sends only the identity
    body: ``52 31`` for "R1". The peer's first frame is its identity, used by the ROUTER."""
    router, ep = bound(ctx, zmq.ROUTER, identity=b"R1")
    w = Wire.connect(ep)
    wires.append(w)
    w.expect(b"\xff\x00\x00\x00\x00\x00\x00\x00\x03\x7f")
    assert w.quiet()  # nothing more until the peer has spoken
    w.send(v1(b"C1"))
    w.expect(b"\x52\x31")
    w.send(v1_msg([b"hello", b"", b"world"]))
    assert router.recv_multipart() == [b"C1", b"hello", b"", b"world"]
    router.send_multipart([b"C1", b"A", b"", b"B"])
    w.expect(b"\x02\x01A" + b"\x01\x01" + b"\x02\x00B")
    assert w.quiet()  # no second identity frame, no stray bytes (libzmq #763)


def test_v1_peer_empty_identity_gets_generated_id(ctx, wires):
    router, ep = bound(ctx, zmq.ROUTER)
    w = Wire.connect(ep)
    wires.append(w)
    w.expect(sig())  # empty identity: length 1, and no identity body follows
    w.send(v1(b"") + v1(b"ping"))
    ident, body = router.recv_multipart()
    assert len(ident) == 5 and ident[0] == 0 and body == b"ping"
    router.send_multipart([ident, b"pong"])
    w.expect(v1(b"pong"))


def test_v1_long_identity_detected_from_byte_9(ctx, wires):
    """A 254-byte identity makes the v1 frame start with 0xFF like a signature; byte 9 (the
    v1 flags, bit 0 clear) tells ZMTP/1.0 apart, so purezmq waits for 10 bytes."""
    router, ep = bound(ctx, zmq.ROUTER, identity=b"R" * 200)
    ident = bytes(range(1, 255))
    w = Wire.connect(ep)
    wires.append(w)
    w.expect(sig(b"R" * 200))
    frame = v1(ident)
    assert frame[:1] == b"\xff" and frame[9] == 0
    w.send(frame[:9])
    assert w.quiet()  # 9 bytes: still undecided, nothing sent
    w.send(frame[9:])
    w.expect(b"R" * 200)
    w.send(v1(b"x"))
    assert router.recv_multipart() == [ident, b"x"]


def test_v1_framing_both_directions(ctx, wires):
    """Short form while body + 1 < 255, long form (0xFF + uint64 BE) from 254-byte bodies;
    multipart and empty frames; the flags byte's other bits are ignored on input."""
    router, ep = bound(ctx, zmq.ROUTER)
    w = Wire.connect(ep)
    wires.append(w)
    w.expect(sig())
    w.send(v1(b"P"))
    sizes = [0, 1, 253, 254, 255, 300, 70000]
    frames = [bytes([i]) * n for i, n in enumerate(sizes)]
    w.send(v1_msg(frames))
    assert router.recv_multipart() == [b"P"] + frames
    router.send_multipart([b"P"] + frames)
    wire = v1_msg(frames)
    # the boundary: body 253 -> short length 0xFE; body 254 -> 0xFF + uint64 255
    assert wire[5] == 0xFE and wire[260:270] == b"\xff" + struct.pack(">Q", 255) + b"\x01"
    w.expect(wire)
    # reserved flag bits: 0xFE has MORE clear, 0x03 has MORE set
    w.send(v1(b"a", flags=0x03) + v1(b"b", flags=0xFE))
    assert router.recv_multipart() == [b"P", b"a", b"b"]
    # single empty frame
    w.send(v1(b""))
    assert router.recv_multipart() == [b"P", b""]


def test_v1_zero_length_frame_closes(ctx, wires):
    """A v1 length of 0 is a protocol error: the connection closes; the unfinished multipart
    message before it is not delivered."""
    pull, ep = bound(ctx, zmq.PULL)
    w = Wire.connect(ep)
    wires.append(w)
    w.send(v1(b"") + v1(b"part", more=True) + b"\x00\x00")
    assert w.read_until_closed() == sig()
    assert pull.poll(50) == 0


# -- purezmq bound, a ZMTP/2.0 peer connects -------------------------------------------------
def test_v2_peer_staged_exact_bytes(ctx, wires):
    """§5.3: signature at once; ``03`` only after the peer's 10 bytes; after the peer's
    revision 0x01 the socket type, then the identity frame ``00 02 52 31``; then v2 frames."""
    router, ep = bound(ctx, zmq.ROUTER, identity=b"R1")
    w = Wire.connect(ep)
    wires.append(w)
    w.expect(sig(b"R1"))
    assert w.quiet()
    w.send(sig(b"C1"))
    w.expect(b"\x03")
    assert w.quiet()  # the rest waits for the peer's revision byte
    w.send(b"\x01" + bytes((zmq.DEALER,)))
    w.expect(bytes((zmq.ROUTER,)) + b"\x00\x02R1")
    w.send(v2(b"C1") + v2_msg([b"hello", b"", b"world"]))
    assert router.recv_multipart() == [b"C1", b"hello", b"", b"world"]
    router.send_multipart([b"C1", b"A", b"", b"B"])
    w.expect(b"\x01\x01A" + b"\x01\x00" + b"\x00\x01B")
    assert w.quiet()


def test_v2_framing_both_directions(ctx, wires):
    """1-byte size up to 255, LONG + uint64 BE from 256; multipart and empty frames."""
    router, ep = bound(ctx, zmq.ROUTER)
    w = Wire.connect(ep)
    wires.append(w)
    w.send(v2_greeting(zmq.DEALER) + v2(b"P"))
    w.expect(sig() + b"\x03" + bytes((zmq.ROUTER,)) + b"\x00\x00")
    sizes = [0, 1, 255, 256, 300, 70000]
    frames = [bytes([i]) * n for i, n in enumerate(sizes)]
    w.send(v2_msg(frames))
    assert router.recv_multipart() == [b"P"] + frames
    router.send_multipart([b"P"] + frames)
    wire = v2_msg(frames)
    assert wire[5 : 5 + 2] == b"\x01\xff" and wire[262:263] == b"\x03"  # 255 short, 256 LONG
    w.expect(wire)
    w.send(v2(b""))
    assert router.recv_multipart() == [b"P", b""]


def test_revision_0_versioned_zmtp10(ctx, wires):
    """Revision 0x00: the 12-byte greeting of ZMTP/2.0, then v1 framing with the identity
    as the first v1 frame (each way)."""
    router, ep = bound(ctx, zmq.ROUTER, identity=b"R1")
    w = Wire.connect(ep)
    wires.append(w)
    w.send(v2_greeting(zmq.DEALER, revision=0))
    w.expect(sig(b"R1") + b"\x03" + bytes((zmq.ROUTER,)) + v1(b"R1"))
    w.send(v1(b"V0") + v1_msg([b"x" * 300, b"y"]))
    assert router.recv_multipart() == [b"V0", b"x" * 300, b"y"]
    router.send_multipart([b"V0", b"z" * 260, b""])
    w.expect(v1_msg([b"z" * 260, b""]))


# -- every split point of the peer's greeting + identity ----------------------------------
def _expected_v1(k: int, first: bytes, ident: bytes) -> bytes:
    """purezmq's bytes after it has read k bytes of a v1 peer whose first bytes are first."""
    if k == 0 or (first[0] == 0xFF and k < 10):
        return sig(ident)
    return sig(ident) + ident


def _expected_v2(k: int, ident: bytes, stype: int) -> bytes:
    out = sig(ident)
    if k >= 10:
        out += b"\x03"
    if k >= 11:
        out += bytes((stype,))
    if k >= 12:
        out += bytes((0, len(ident))) + ident
    return out


def _peer_head(version: int, ident: bytes) -> bytes:
    """An old peer's greeting and identity frame."""
    if version == 1:
        return v1(ident)
    return v2_greeting(zmq.DEALER, ident) + v2(ident)


def _peer_bytes(version: int, ident: bytes, body: bytes) -> bytes:
    """Greeting + identity + the message [body, empty frame]."""
    enc = v1_msg if version == 1 else v2_msg
    return _peer_head(version, ident) + enc([body, b""])


def _ours(version: int, k: int, data: bytes, ident: bytes, stype: int) -> bytes:
    """Everything purezmq has sent once it has read k bytes of the old peer's ``data``."""
    if version == 1:
        return _expected_v1(k, data, ident)
    return _expected_v2(k, ident, stype)


def _split_points(version: int, ident: bytes) -> list:
    """Every point inside the greeting + identity frame and a few into the message; for a
    long identity every point of the headers plus a few inside its body."""
    head = len(_peer_head(version, ident))
    if len(ident) < 10:
        return list(range(0, head + 4))
    return list(range(0, 24)) + [100, head - 1, head, head + 1]


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("long_ident", [False, True], ids=["short_id", "long_id"])
def test_bound_every_split_point(ctx, wires, version, long_ident):
    """The peer's greeting + identity + a message cut in two at every possible point: after
    the first part purezmq has sent exactly what §5.3 says for that many bytes; then the
    message arrives with the peer's identity and the reply goes back in the old framing."""
    router, ep = bound(ctx, zmq.ROUTER, identity=b"R1")
    for k in _split_points(version, b"L" * 254 if long_ident else b"S000"):
        ident = (b"L%03d" % k).ljust(254, b"L") if long_ident else b"S%03d" % k
        data = _peer_bytes(version, ident, b"m%d" % k)
        w = Wire.connect(ep)
        wires.append(w)
        w.expect(sig(b"R1"))
        w.send(data[:k])
        after = _ours(version, k, data, b"R1", zmq.ROUTER)
        w.expect(after[10:])  # also proves purezmq has consumed the first part
        w.send(data[k:])
        w.expect(_ours(version, len(data), data, b"R1", zmq.ROUTER)[len(after) :])
        assert router.recv_multipart() == [ident, b"m%d" % k, b""], k
        router.send_multipart([ident, b"r%d" % k])
        w.expect((v1 if version == 1 else v2)(b"r%d" % k))
        assert not w.buf
        w.close()


@pytest.mark.parametrize("version", [1, 2])
def test_bound_byte_at_a_time(ctx, wires, version):
    router, ep = bound(ctx, zmq.ROUTER, identity=b"R1")
    data = _peer_bytes(version, b"B1", b"bytewise")
    w = Wire.connect(ep)
    wires.append(w)
    w.send_bytewise(data)
    w.expect(_ours(version, len(data), data, b"R1", zmq.ROUTER))
    assert router.recv_multipart() == [b"B1", b"bytewise", b""]


# -- purezmq connecting to a fake old libzmq ------------------------------------------------
def test_connecting_dealer_to_v1_router(ctx, listener):
    dealer = sock(ctx, zmq.DEALER, identity=b"D1")
    dealer.connect(listener.endpoint)
    w = listener.accept()
    try:
        w.expect(sig(b"D1"))
        assert w.quiet()
        w.send(v1(b"old-router"))
        w.expect(b"D1")
        dealer.send_multipart([b"", b"request", b"x" * 254])
        assert read_msg(w, 1) == [b"", b"request", b"x" * 254]
        w.send(v1_msg([b"", b"reply"]))
        assert dealer.recv_multipart() == [b"", b"reply"]
    finally:
        w.close()


def test_connecting_router_uses_v1_peer_identity(ctx, listener):
    """A connecting ROUTER learns a 2.x peer's identity from its first v1 frame."""
    router = sock(ctx, zmq.ROUTER)
    router.connect(listener.endpoint)
    w = listener.accept()
    try:
        w.expect(sig())
        w.send(v1(b"OLD") + v1_msg([b"hi"]))
        assert router.recv_multipart() == [b"OLD", b"hi"]
        router.send_multipart([b"OLD", b"", b"back"])
        assert read_msg(w, 1) == [b"", b"back"]
    finally:
        w.close()


def test_connecting_dealer_to_v2_router(ctx, listener):
    dealer = sock(ctx, zmq.DEALER, identity=b"D1")
    dealer.connect(listener.endpoint)
    w = listener.accept()
    try:
        w.expect(sig(b"D1"))
        w.send(sig(b"SRV"))
        w.expect(b"\x03")
        w.send(bytes((1, zmq.ROUTER)))
        w.expect(bytes((zmq.DEALER,)) + b"\x00\x02D1")
        # queued while the peer's identity frame is still outstanding: it must go out as
        # soon as that frame arrives (nothing else will wake the connection for it)
        dealer.send_multipart([b"", b"request", b"y" * 256])
        assert w.quiet()
        w.send(v2(b"SRV"))
        assert read_msg(w, 2) == [b"", b"request", b"y" * 256]
        w.send(v2_msg([b"", b"reply"]))
        assert dealer.recv_multipart() == [b"", b"reply"]
    finally:
        w.close()


def test_connecting_dealer_to_revision0_peer(ctx, listener):
    dealer = sock(ctx, zmq.DEALER, identity=b"D1")
    dealer.connect(listener.endpoint)
    w = listener.accept()
    try:
        w.expect(sig(b"D1"))
        w.send(v2_greeting(zmq.ROUTER, b"SRV", revision=0))
        w.expect(b"\x03" + bytes((zmq.DEALER,)) + v1(b"D1"))
        dealer.send_multipart([b"", b"request"])
        w.send(v1(b"SRV"))
        assert read_msg(w, 1) == [b"", b"request"]
        w.send(v1_msg([b"", b"reply", b"z" * 300]))
        assert dealer.recv_multipart() == [b"", b"reply", b"z" * 300]
    finally:
        w.close()


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("bytewise", [False, True], ids=["split", "bytewise"])
def test_connecting_every_split_point(ctx, listener, version, bytewise):
    """purezmq connects; the fake server's greeting + identity + message arrive cut at every
    point (or one byte at a time); purezmq's answer at each stage is exact."""
    points = [None] if bytewise else _split_points(version, b"SV")
    for k in points:
        body = b"m%s" % str(k).encode()
        data = _peer_bytes(version, b"SV", body)
        dealer = sock(ctx, zmq.DEALER, identity=b"D1")
        dealer.connect(listener.endpoint)
        w = listener.accept()
        try:
            w.expect(sig(b"D1"))
            full = _ours(version, len(data), data, b"D1", zmq.DEALER)
            if bytewise:
                w.send_bytewise(data)
                w.expect(full[10:])
            else:
                w.send(data[:k])
                after = _ours(version, k, data, b"D1", zmq.DEALER)
                w.expect(after[10:])
                w.send(data[k:])
                w.expect(full[len(after) :])
            assert dealer.recv_multipart() == [body, b""], k
            dealer.send(b"up" + body)
            assert read_msg(w, version) == [b"up" + body]
        finally:
            w.close()
            dealer.close()


# -- publish / subscribe with old subscribers -------------------------------------------------
def test_pub_to_v1_sub_gets_messages_at_once(ctx, wires):
    """A 2.x SUB never sends subscriptions: purezmq injects subscribe-all right after its
    identity, so it gets every message without sending anything else (4.0 waited for a second
    message from the peer and so never delivered: reference §4.5, §11)."""
    pub, ep = bound(ctx, zmq.PUB)
    w = Wire.connect(ep)
    wires.append(w)
    w.send(v1(b""))  # the identity: all a 2.x SUB ever sends
    w.expect(sig())
    n = publish_until(pub, w, lambda i: [b"first", b"%d" % i])
    first = read_msg(w, 1)
    assert first[0] == b"first" and int(first[1]) < n
    while w.has_data(0):  # any other "first" copies that made it
        assert read_msg(w, 1)[0] == b"first"
    for i in range(5):
        pub.send_multipart([b"any topic %d" % i, b""])
    for i in range(5):
        assert read_msg(w, 1) == [b"any topic %d" % i, b""]


def test_connecting_pub_to_v1_sub(ctx, listener):
    pub = sock(ctx, zmq.PUB)
    pub.connect(listener.endpoint)
    w = listener.accept()
    try:
        w.expect(sig())
        w.send(v1(b"SUB2X"))
        publish_until(pub, w, lambda i: [b"hello"])
        assert read_msg(w, 1) == [b"hello"]
    finally:
        w.close()


def test_xpub_sees_implicit_subscription_of_v1_sub(ctx, wires):
    xpub, ep = bound(ctx, zmq.XPUB)
    w = Wire.connect(ep)
    wires.append(w)
    w.send(v1(b""))
    assert xpub.recv() == b"\x01"
    xpub.send(b"everything")
    w.expect(sig() + v1(b"everything"))


def test_pub_to_v2_sub_subscriptions(ctx, wires):
    """A 3.x SUB subscribes with ``\\x01topic`` messages (and cancels with ``\\x00topic``)."""
    pub, ep = bound(ctx, zmq.PUB)
    w = Wire.connect(ep)
    wires.append(w)
    w.send(v2_greeting(zmq.SUB) + v2(b"") + v2(b"\x01topic"))
    w.expect(sig() + b"\x03" + bytes((zmq.PUB,)) + b"\x00\x00")
    publish_until(pub, w, lambda i: [b"other %d" % i] if i % 2 else [b"topic %d" % i, b"x"])
    first = read_msg(w, 2)
    assert first[0].startswith(b"topic ") and first[1] == b"x"
    while w.has_data(0):
        assert read_msg(w, 2)[0].startswith(b"topic ")
    pub.send(b"other")
    pub.send(b"topic-last")
    assert read_msg(w, 2) == [b"topic-last"]
    # cancel "topic", subscribe "sync": once "sync" flows, the cancel was processed first
    w.send(v2(b"\x00topic") + v2(b"\x01sync"))
    publish_until(pub, w, lambda i: [b"topic after cancel"] if i % 2 else [b"sync"])
    assert read_msg(w, 2) == [b"sync"]
    while w.has_data(0):
        assert read_msg(w, 2) == [b"sync"]


# -- security refuses old peers (4.0.5 #1190, 4.0.6 #1273) -------------------------------------
def _secure(s, mech: str, server: bool) -> None:
    if mech == "plain":
        if server:
            s.plain_server = True
        else:
            s.plain_username = b"admin"
            s.plain_password = b"secret"
    elif mech == "curve":
        public, secret = zmq.curve_keypair()
        s.curve_secretkey = secret
        s.curve_publickey = public
        if server:
            s.curve_server = True
        else:
            s.curve_serverkey = zmq.curve_keypair()[0]
    else:
        s.zap_domain = b"global"  # NULL with a ZAP domain (no handler needed to refuse)


LEGACY = {
    # what the old peer sends (greeting, identity, a "sneaky" message) and what purezmq may
    # have sent before it noticed the downgrade
    "v1": (v1(b"") + v1(b"sneaky\x00"), [sig()]),
    # (the version byte 0x03 goes out only if the peer's first 10 bytes came on their own)
    "v2": (v2_greeting(zmq.PUSH) + v2(b"") + v2(b"sneaky\x00"), [sig(), sig() + b"\x03"]),
    "v0": (
        v2_greeting(zmq.PUSH, revision=0) + v1(b"") + v1(b"sneaky\x00"),
        [sig(), sig() + b"\x03"],
    ),
}


@pytest.mark.parametrize("legacy", sorted(LEGACY))
@pytest.mark.parametrize("mech", ["plain", "curve", "null_zap_domain"])
def test_secure_bound_socket_refuses_old_peer(ctx, wires, mech, legacy):
    pull = sock(ctx, zmq.PULL)
    _secure(pull, mech, server=True)
    pull.bind("tcp://127.0.0.1:*")
    w = Wire.connect(pull.last_endpoint.decode())
    wires.append(w)
    peer_bytes, ours = LEGACY[legacy]
    w.send(peer_bytes)
    assert w.read_until_closed() in ours  # no identity, no type byte: closed at detection
    assert pull.poll(50) == 0


@pytest.mark.parametrize("legacy", sorted(LEGACY))
@pytest.mark.parametrize("mech", ["plain", "curve", "null_zap_domain"])
def test_secure_connecting_socket_refuses_old_peer(ctx, listener, mech, legacy):
    dealer = sock(ctx, zmq.DEALER)
    _secure(dealer, mech, server=mech != "curve")  # a CURVE client needs a server key
    dealer.connect(listener.endpoint)
    w = listener.accept()
    try:
        peer_bytes, ours = LEGACY[legacy]
        w.expect(sig())
        w.send(peer_bytes)
        assert w.read_until_closed() in [x[10:] for x in ours]
        assert dealer.poll(50) == 0
    finally:
        w.close()


def test_null_socket_without_domain_accepts_old_peer_as_control(ctx, wires):
    """The control case for the refusals above: a plain NULL socket takes the same bytes."""
    pull = sock(ctx, zmq.PULL)
    pull.bind("tcp://127.0.0.1:*")
    for legacy in sorted(LEGACY):
        w = Wire.connect(pull.last_endpoint.decode())
        wires.append(w)
        w.send(LEGACY[legacy][0])
        assert pull.recv() == b"sneaky\x00", legacy
