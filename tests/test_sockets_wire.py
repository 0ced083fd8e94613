"""What each socket type puts on the wire when it connects (reference §5.1, §5.4): the staged
greeting, the identity-length padding, and the exact READY command."""

from __future__ import annotations

import socket
import struct

import pytest
from helpers import SIGNATURE, frame, greeting, parse_properties, ready

import purezmq as zmq

pytestmark = pytest.mark.timeout(10)


class RawServer:
    def __init__(self):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.lsock.settimeout(2)
        self.endpoint = "tcp://127.0.0.1:%d" % self.lsock.getsockname()[1]
        self.conn = None
        self.buf = b""

    def accept(self):
        self.conn, _ = self.lsock.accept()
        self.conn.settimeout(2)

    def read(self, n):
        while len(self.buf) < n:
            chunk = self.conn.recv(65536)
            assert chunk, f"closed after {len(self.buf)} of {n} bytes"
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def nothing_more(self, window=0.05):
        self.conn.settimeout(window)
        try:
            chunk = self.conn.recv(65536)
        except socket.timeout:
            return True
        finally:
            self.conn.settimeout(2)
        self.buf += chunk
        return False

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.lsock.close()


@pytest.fixture
def raw_server():
    srv = RawServer()
    yield srv
    srv.close()


def _ready_bytes(type_name: bytes, identity=None) -> bytes:
    props = b"\x0bSocket-Type" + struct.pack(">I", len(type_name)) + type_name
    if identity is not None:
        props += b"\x08Identity" + struct.pack(">I", len(identity)) + identity
    body = b"\x05READY" + props
    return bytes((0x04, len(body))) + body


def test_reference_dealer_ready_bytes():
    """The helper reproduces the bytes quoted in reference §5.4."""
    expected = bytes.fromhex(
        "04 29 05 52 45 41 44 59 0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 06 44 45 41 4c"
        " 45 52 08 49 64 65 6e 74 69 74 79 00 00 00 00"
    )
    assert _ready_bytes(b"DEALER", b"") == expected


def test_staged_greeting_from_connecting_socket(ctx, raw_server):
    d = ctx.socket(zmq.DEALER)
    d.connect(raw_server.endpoint)
    raw_server.accept()
    assert raw_server.read(10) == SIGNATURE
    assert raw_server.nothing_more()
    raw_server.conn.sendall(SIGNATURE)
    assert raw_server.read(1) == b"\x03"
    assert raw_server.nothing_more()
    raw_server.conn.sendall(b"\x03")
    rest = raw_server.read(53)
    assert rest == b"\x00" + b"NULL".ljust(20, b"\x00") + b"\x00" + bytes(31)


@pytest.mark.parametrize(
    "stype,name,sends_identity",
    [
        (zmq.DEALER, b"DEALER", True),
        (zmq.REQ, b"REQ", True),
        (zmq.ROUTER, b"ROUTER", True),
        (zmq.REP, b"REP", False),
        (zmq.PUSH, b"PUSH", False),
        (zmq.PULL, b"PULL", False),
        (zmq.PAIR, b"PAIR", False),
    ],
)
@pytest.mark.parametrize("identity", [b"", b"ABC"])
def test_ready_command_bytes(ctx, raw_server, stype, name, sends_identity, identity):
    s = ctx.socket(stype)
    if identity:
        s.identity = identity
    s.connect(raw_server.endpoint)
    raw_server.accept()
    sig = raw_server.read(10)
    # bytes 1..8: identity length + 1, big-endian (reference §0 item 2)
    assert sig == b"\xff" + struct.pack(">Q", len(identity) + 1) + b"\x7f"
    raw_server.conn.sendall(greeting())
    raw_server.read(54)
    expected = _ready_bytes(name, identity if sends_identity else None)
    assert raw_server.read(len(expected)) == expected


def test_connecting_dealer_talks_to_raw_router(ctx, raw_server):
    d = ctx.socket(zmq.DEALER)
    d.connect(raw_server.endpoint)
    d.send_multipart([b"hello", b"world"])  # queued until the handshake is done
    raw_server.accept()
    raw_server.conn.sendall(greeting() + ready(b"ROUTER", b""))
    raw_server.read(64)
    head = raw_server.read(2)
    assert head[0] == 0x04
    props = parse_properties(raw_server.read(head[1])[6:])
    assert props["Socket-Type"] == b"DEALER"
    assert raw_server.read(len(frame(b"hello", True))) == frame(b"hello", True)
    assert raw_server.read(len(frame(b"world"))) == frame(b"world")
    raw_server.conn.sendall(frame(b"back"))
    d.rcvtimeo = 2000
    assert d.recv() == b"back"


def test_large_frame_uses_long_size(ctx, raw_server):
    d = ctx.socket(zmq.DEALER)
    d.connect(raw_server.endpoint)
    raw_server.accept()
    raw_server.conn.sendall(greeting() + ready(b"ROUTER", b""))
    raw_server.read(64)
    head = raw_server.read(2)
    raw_server.read(head[1])
    d.send(b"L" * 256)
    d.send(b"S" * 255)
    assert raw_server.read(9) == b"\x02" + struct.pack(">Q", 256)
    assert raw_server.read(256) == b"L" * 256
    assert raw_server.read(2) == b"\x00\xff"
    assert raw_server.read(255) == b"S" * 255
