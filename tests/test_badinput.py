"""Misbehaving peers on a bound tcp socket (DESIGN "Errors and bad input"; reference §5).

Each case: a raw TCP client (plain ``socket`` module) misbehaves; that one connection is
closed (EOF or reset on the raw socket within a timeout), while a well-behaved purezmq peer
connected to the same bound socket keeps working before and after, no exception reaches the
application or the log, and the I/O thread survives (a brand-new connection still works).
"""

from __future__ import annotations

import logging
import socket
import struct

import pytest
from helpers import (
    SIGNATURE,
    RawPeer,
    bind,
    command,
    frame,
    greeting,
    properties,
    ready,
    recv_multipart,
)

import purezmq as zmq

pytestmark = pytest.mark.timeout(15)


class Server:
    """A bound purezmq socket with one good purezmq peer attached."""

    def __init__(self, ctx, stype=zmq.PULL, peer_type=zmq.PUSH, **options):
        self.ctx = ctx
        self.sock = ctx.socket(stype)
        for name, value in options.items():
            setattr(self.sock, name, value)
        self.endpoint = bind(self.sock, "tcp")
        self.peer_type = peer_type
        self.good = ctx.socket(peer_type)
        self.good.connect(self.endpoint)
        self.count = 0
        self.raws = []
        self.check()

    def raw(self):
        r = RawPeer(self.endpoint)
        self.raws.append(r)
        return r

    def _roundtrip(self, peer, tag):
        self.count += 1
        body = b"%s-%d" % (tag, self.count)
        peer.send(body)
        msg = recv_multipart(self.sock)
        assert msg[-1] == body, msg

    def check(self):
        """The good peer still works, and so does a brand-new connection."""
        self._roundtrip(self.good, b"good")
        fresh = self.ctx.socket(self.peer_type)
        fresh.connect(self.endpoint)
        self._roundtrip(fresh, b"fresh")
        fresh.close(linger=0)

    def assert_nothing_delivered(self):
        assert self.sock.poll(50, zmq.POLLIN) == 0, self.sock.recv_multipart()

    def close(self):
        for r in self.raws:
            r.close()


@pytest.fixture
def server(ctx):
    srv = Server(ctx)
    yield srv
    srv.close()


@pytest.fixture(autouse=True)
def no_logged_errors(caplog):
    """An exception escaping into the I/O thread is logged at ERROR: that is a bug."""
    caplog.set_level(logging.WARNING, logger="purezmq")
    yield
    errors = [
        r for r in caplog.records if r.name.startswith("purezmq") and r.levelno >= logging.ERROR
    ]
    assert not errors, [r.getMessage() + (r.exc_text or "") for r in errors]


def _handshaken(srv, socket_type=b"PUSH", identity=None):
    r = srv.raw()
    props = r.handshake(socket_type, identity)
    assert props.get("Socket-Type") == b"PULL"
    return r


# -- garbage and broken greetings -------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [
        bytes(64),  # ZMTP/1.0 frame of length 0
        b"\xff" * 64,  # versioned, mechanism 0xff...
        SIGNATURE + b"\x03\x00" + b"\xde\xad\xbe\xef" * 13,  # 3.x with a junk mechanism
        b"\x00\x00GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    ],
    ids=["zeros", "ff", "junk_mechanism", "zero_length_v1_then_http"],
)
def test_garbage_closes_connection(server, data):
    r = server.raw()
    r.send(data)
    r.expect_closed()
    server.assert_nothing_delivered()
    server.check()


@pytest.mark.parametrize("n", [1, 5, 10, 11, 30, 63])
def test_truncated_greeting_then_close(server, n):
    r = server.raw()
    r.send(greeting()[:n])
    r.sock.shutdown(socket.SHUT_WR)
    r.expect_closed()
    server.check()


def test_connect_and_close_immediately(server):
    """Port scanners (libzmq #868): connect, close, nothing else."""
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", int(server.endpoint.rsplit(":", 1)[1])))
        s.close()
    server.check()


def test_stalled_greeting_does_not_block_others(server):
    """A peer that stops mid-greeting only holds its own connection (4.0 has no handshake
    timeout, so the connection just stays open)."""
    r = server.raw()
    r.send(greeting()[:11])
    assert r.read_exactly(11)[:10][0] == 0xFF
    server.check()
    assert r.is_open(0.05)


def test_server_sends_signature_first_and_stages_greeting(server):
    """Reference §5.1: 10 bytes at once, the major version after our 10, the rest after our
    revision byte."""
    r = server.raw()
    sig = r.read_exactly(10)
    assert sig[0] == 0xFF and sig[9] & 1
    assert r.is_open(0.05) and not r.buf  # nothing more until we speak
    r.send(SIGNATURE)
    assert r.read_exactly(1) == b"\x03"
    assert r.is_open(0.05) and not r.buf
    r.send(b"\x03")
    rest = r.read_exactly(53)
    assert rest[0] == 0 and rest[1:21] == b"NULL".ljust(20, b"\x00")
    assert rest[21] == 0  # as-server is always 0 for NULL
    assert rest[22:] == bytes(31)


# -- versions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("major", [2, 4, 255])
def test_other_3x_major_versions_are_accepted(server, major):
    """libzmq 4.0 treats any revision >= 2 as ZMTP 3.x (reference §5.1 step 4-5)."""
    r = server.raw()
    r.send(greeting(major=major))
    peer = r.read_exactly(64)
    assert peer[10] == 3
    r.send(ready(b"PUSH"))
    flags, body = r.read_frame()
    assert flags & 0x04 and body.startswith(b"\x05READY")
    r.send(frame(b"hello from v%d" % major))
    assert recv_multipart(server.sock) == [b"hello from v%d" % major]
    server.check()


def test_zmtp20_peer_downgrade(server):
    """Revision 1 = ZMTP/2.0 (libzmq 3.x): 12-byte greetings, identity frames, v2 framing."""
    r = server.raw()
    r.send(SIGNATURE + b"\x01" + bytes((zmq.PUSH,)))
    head = r.read_exactly(12)
    assert head[0] == 0xFF and head[9] & 1
    assert head[10] == 3 and head[11] == zmq.PULL
    assert r.read_exactly(2) == b"\x00\x00"  # our (empty) identity frame
    r.send(b"\x00\x00")  # its identity
    r.send(b"\x00\x05hello")
    assert recv_multipart(server.sock) == [b"hello"]
    server.check()


def test_zmtp20_peer_type_byte_is_ignored(server):
    """4.0 ignores the ZMTP/2.0 socket-type byte (reference §5.3)."""
    r = server.raw()
    r.send(SIGNATURE + b"\x01" + bytes((zmq.PUB,)))
    r.read_exactly(14)
    r.send(b"\x00\x00\x00\x02hi")
    assert recv_multipart(server.sock) == [b"hi"]


def test_zmtp10_peer_delivers(server):
    """A ZMTP/1.0 peer (libzmq 2.x): its first frame is its identity; NULL without a ZAP
    domain accepts it (the "sneaky" message of test_security_null is delivered here)."""
    r = server.raw()
    r.send(b"\x01\x00" + b"\x08\x00sneaky\x00")
    assert recv_multipart(server.sock) == [b"sneaky\x00"]
    server.check()


@pytest.mark.parametrize("legacy", ["v1", "v2"])
def test_maxmsgsize_legacy_framing(ctx, legacy):
    srv = Server(ctx, maxmsgsize=10)
    try:
        r = srv.raw()
        if legacy == "v1":
            r.send(b"\x01\x00" + b"\x0b\x00" + b"k" * 10)  # 10-byte body: ok
            assert recv_multipart(srv.sock) == [b"k" * 10]
            r.send(b"\x0c\x00" + b"k" * 11)  # 11-byte body: too big
        else:
            r.send(SIGNATURE + b"\x01" + bytes((zmq.PUSH,)))
            r.read_exactly(14)
            r.send(b"\x00\x00" + b"\x00\x0a" + b"k" * 10)
            assert recv_multipart(srv.sock) == [b"k" * 10]
            r.send(b"\x00\x0b" + b"k" * 11)
        r.expect_closed()
        srv.assert_nothing_delivered()
        srv.check()
    finally:
        srv.close()


# -- mechanisms -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mechanism", [b"FOOBAR", b"PLAIN", b"CURVE", b"null", b"NULL\x00X", b"GSSAPI"]
)
def test_unknown_or_mismatched_mechanism_closes(server, mechanism):
    r = server.raw()
    r.send(greeting(mechanism=mechanism))
    r.expect_closed()
    server.assert_nothing_delivered()
    server.check()


# -- handshake commands -----------------------------------------------------------------------
def _after_greeting(srv):
    r = srv.raw()
    r.send(greeting())
    r.read_exactly(64)
    return r


@pytest.mark.parametrize(
    "peer_type",
    [b"PULL", b"PUB", b"SUB", b"REQ", b"ROUTER", b"PAIR", b"push", b"PUSH\x00", b"", b"STREAM"],
)
def test_incompatible_socket_type_closes(server, peer_type):
    r = _after_greeting(server)
    r.send(ready(peer_type))
    r.expect_closed()
    server.assert_nothing_delivered()
    server.check()


def test_ready_without_socket_type_is_accepted(server):
    r = _after_greeting(server)
    r.send(ready(None, extra=[("X-Foo", b"bar")]))
    flags, body = r.read_frame()
    assert body.startswith(b"\x05READY")
    r.send(frame(b"no type"))
    assert recv_multipart(server.sock) == [b"no type"]


def test_socket_type_property_name_is_case_sensitive(server):
    """libzmq 4.0 only checks a property named exactly 'Socket-Type'."""
    r = _after_greeting(server)
    r.send(command(b"\x05READY" + properties([("socket-type", b"PUB")])))
    r.read_frame()
    r.send(frame(b"lowercase"))
    assert recv_multipart(server.sock) == [b"lowercase"]


def test_server_ready_properties(server):
    r = server.raw()
    props = r.handshake(b"PUSH")
    assert props == {"Socket-Type": b"PULL"}  # PULL sends no Identity (reference §5.4)


@pytest.mark.parametrize(
    "data",
    [
        frame(b"abc"),  # data frame instead of READY
        frame(b"abc", more=True) + frame(b"def"),
        command(b"\x05ERROR\x04oops"),  # ERROR instead of READY
        command(b"\x05HELLO"),  # unknown command
        command(b"\x09INITIATE"),  # CURVE command under NULL
        command(b"\x05READY\x0bSocket-Type\x00\x00\x00\x10PUSH"),  # value length past the end
        command(b"\x05READY\x0bSocket-Type\x00\x00"),  # truncated value length
        command(b"\x05READY" + properties([("Socket-Type", b"PUSH")]) + b"\x05"),  # 1 byte left
        command(b"\x05READY\xff"),  # name length past the end
        command(b"\x20READY"),  # name length past the body
        command(b""),  # empty command
        b"\x04\x00",  # empty command, raw
        ready(b"PUSH") + ready(b"PUSH"),  # READY twice (2nd after done)
    ],
    ids=[
        "data",
        "multipart_data",
        "error",
        "hello",
        "initiate",
        "value_overrun",
        "short_value_len",
        "trailing_byte",
        "name_overrun",
        "cmdname_overrun",
        "empty",
        "empty_raw",
        "ready_twice",
    ],
)
def test_bad_handshake_command_closes(server, data):
    r = _after_greeting(server)
    r.send(data)
    if data.startswith(ready(b"PUSH")):
        # The first READY completes the handshake; libzmq 4.0 would pass the second to the
        # application as data. purezmq must at least never deliver it.
        server.assert_nothing_delivered()
        server.check()
        return
    r.expect_closed()
    server.assert_nothing_delivered()
    server.check()


def test_huge_handshake_command_closes(server):
    r = _after_greeting(server)
    r.send(b"\x06" + struct.pack(">Q", 2**40) + b"\x05READY")
    r.expect_closed()
    server.check()


def test_ready_with_huge_property_value_length_closes(server):
    r = _after_greeting(server)
    r.send(command(b"\x05READY\x0bSocket-Type\xff\xff\xff\xffPUSH"))
    r.expect_closed()
    server.check()


# -- after the handshake ----------------------------------------------------------------------
def test_valid_raw_peer_delivers(server):
    r = _handshaken(server)
    r.send(frame(b"a", more=True) + frame(b"b") + frame(b"x" * 300))
    assert recv_multipart(server.sock) == [b"a", b"b"]
    assert recv_multipart(server.sock) == [b"x" * 300]


def test_greeting_ready_and_data_coalesced(server):
    """Field lesson 1: everything in one write (greeting + READY + messages) is parsed."""
    r = server.raw()
    r.send(greeting() + ready(b"PUSH") + frame(b"m1") + frame(b"m2", more=True) + frame(b"m3"))
    assert recv_multipart(server.sock) == [b"m1"]
    assert recv_multipart(server.sock) == [b"m2", b"m3"]


def test_greeting_and_ready_one_byte_at_a_time(server):
    r = server.raw()
    r.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for b in greeting() + ready(b"PUSH") + frame(b"slow"):
        r.send(bytes((b,)))
    assert recv_multipart(server.sock) == [b"slow"]


def test_commands_after_handshake_are_not_delivered(server):
    """4.0 hands post-handshake commands to the application as data; the reference says not
    to copy that: they are dropped (PING may be answered), the connection stays up."""
    r = _handshaken(server)
    r.send(command(b"\x03FOO") + command(b"\x05READY") + frame(b"after"))
    assert recv_multipart(server.sock) == [b"after"]
    server.assert_nothing_delivered()
    assert r.is_open(0.05)


def test_ping_is_answered_or_ignored(server):
    r = _handshaken(server)
    r.send(command(b"\x04PING\x00\x0aCTX"))
    r.send(frame(b"data"))
    assert recv_multipart(server.sock) == [b"data"]
    if r.is_open(0.1) and r.buf:
        flags, body = r.read_frame()
        assert flags & 0x04 and body == b"\x04PONGCTX"


@pytest.mark.parametrize("size,ok", [(100, True), (101, False), (2**40, False)])
def test_maxmsgsize(ctx, size, ok):
    srv = Server(ctx, maxmsgsize=100)
    try:
        r = _handshaken(srv)
        if size <= 1000:
            r.send(frame(b"m" * size))
        else:
            r.send(b"\x02" + struct.pack(">Q", size) + b"m" * 100)
        if ok:
            assert recv_multipart(srv.sock) == [b"m" * size]
            assert r.is_open(0.05)
        else:
            r.expect_closed()
            srv.assert_nothing_delivered()
        srv.check()
    finally:
        srv.close()


def test_maxmsgsize_applies_per_frame(ctx):
    srv = Server(ctx, maxmsgsize=100)
    try:
        r = _handshaken(srv)
        r.send(frame(b"a" * 100, more=True) + frame(b"b" * 100, more=True) + frame(b"c" * 100))
        assert recv_multipart(srv.sock) == [b"a" * 100, b"b" * 100, b"c" * 100]
        r.send(frame(b"a" * 100, more=True) + frame(b"b" * 101))
        r.expect_closed()
        srv.assert_nothing_delivered()
        srv.check()
    finally:
        srv.close()


@pytest.mark.parametrize("declared", [2**63 - 1, 2**64 - 1], ids=["int64max", "uint64max"])
def test_absurd_frame_size_without_maxmsgsize_closes(server, declared):
    """An impossible frame size must cost the connection, not raise inside the I/O thread
    (libzmq 4.0: malloc fails -> decoding error -> close)."""
    r = _handshaken(server)
    r.send(b"\x02" + struct.pack(">Q", declared) + b"x" * 100)
    r.expect_closed(timeout=1.0)
    server.assert_nothing_delivered()
    server.check()


@pytest.mark.parametrize(
    "declared,sent",
    [(1000, 10), (100000, 50000), (300, 0)],
    ids=["small", "big_body", "header_only"],
)
def test_peer_vanishes_mid_frame(server, declared, sent):
    r = _handshaken(server)
    if declared < 256:
        head = bytes((0, declared))
    else:
        head = b"\x02" + struct.pack(">Q", declared)
    r.send(frame(b"complete"))
    r.send(head + b"y" * sent)
    assert recv_multipart(server.sock) == [b"complete"]
    r.sock.shutdown(socket.SHUT_WR)
    r.expect_closed()
    server.assert_nothing_delivered()
    server.check()


def test_peer_vanishes_mid_multipart(server):
    r = _handshaken(server)
    r.send(frame(b"part1", more=True) + frame(b"part2", more=True))
    r.sock.shutdown(socket.SHUT_WR)
    r.expect_closed()
    server.assert_nothing_delivered()  # a partial message is never delivered
    server.check()


def test_peer_resets_mid_frame(server):
    r = _handshaken(server)
    r.send(b"\x02" + struct.pack(">Q", 100000) + b"z" * 1000)
    r.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    r.sock.close()  # RST
    server.assert_nothing_delivered()
    server.check()


def test_reserved_flag_bits_are_ignored(server):
    """4.0 ignores bits 3..7 of the flags byte on input (reference §5.2)."""
    r = _handshaken(server)
    r.send(b"\xf8\x03abc")
    assert recv_multipart(server.sock) == [b"abc"]


# -- volume and variety -----------------------------------------------------------------------
def test_many_bad_connections_at_once(server):
    bad_inputs = [
        bytes(64),
        b"\xff" * 64,
        greeting(mechanism=b"NOPE"),
        greeting() + frame(b"early data"),
    ]
    raws = []
    for i in range(40):
        r = server.raw()
        r.send(bad_inputs[i % len(bad_inputs)])
        raws.append(r)
    for r in raws:
        r.expect_closed()
    server.assert_nothing_delivered()
    server.check()


def test_router_server_survives_bad_peers(ctx):
    srv = Server(ctx, stype=zmq.ROUTER, peer_type=zmq.DEALER)
    try:
        r = srv.raw()
        r.send(greeting())
        r.read_exactly(64)
        r.send(ready(b"PUSH"))
        r.expect_closed()
        r2 = srv.raw()
        r2.send(greeting())
        r2.read_exactly(64)
        r2.send(ready(b"DEALER", b"raw-dealer"))
        flags, body = r2.read_frame()
        assert body.startswith(b"\x05READY")
        r2.send(frame(b"via raw"))
        assert recv_multipart(srv.sock) == [b"raw-dealer", b"via raw"]
        srv.sock.send_multipart([b"raw-dealer", b"back"])
        assert r2.read_frame() == (0, b"back")
        srv.check()
    finally:
        srv.close()


def test_router_duplicate_identity_does_not_steal_route(ctx):
    """A second connection announcing an identity already in use never takes over the
    route (libzmq 4.0: first wins)."""
    srv = Server(ctx, stype=zmq.ROUTER, peer_type=zmq.DEALER)
    try:
        first = srv.raw()
        first.handshake(b"DEALER", b"dup")
        first.send(frame(b"from first"))
        assert recv_multipart(srv.sock) == [b"dup", b"from first"]
        second = srv.raw()
        second.send(greeting())
        second.read_exactly(64)
        second.send(ready(b"DEALER", b"dup"))
        try:
            second.read_frame()
            second.send(frame(b"from second"))
        except (EOFError, ConnectionError, socket.timeout):
            pass
        srv.sock.send_multipart([b"dup", b"to first"])
        assert first.read_frame() == (0, b"to first")
        srv.assert_nothing_delivered()
        srv.check()
    finally:
        srv.close()
