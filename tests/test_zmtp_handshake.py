"""Handshake from byte vectors and over an in-memory wire (ZMTP 3.0 NULL, 2.0 and 1.0 peers)."""

from __future__ import annotations

from typing import Optional

import pytest
from zmtp_vectors import (
    ALL_TYPES,
    GREETING_DEALER_NULL,
    GREETING_NULL_TAIL,
    INCOMPATIBLE,
    NAMES,
    ORDERED_COMPATIBLE,
    READY_DEALER,
    READY_DEALER_ABC,
    READY_PUB,
    READY_REQ,
    READY_ROUTER,
    SIG_EMPTY_ID,
    SIG_ID_ABC,
    Side,
    bytewise,
    greeting,
    hx,
    make_handshake,
    pump,
    random_chunks,
    ready_body,
    run_pair,
    v3_command,
    v3_message,
    whole,
)

from purezmq.zmtp import (
    FailureKind,
    Handshake,
    Mechanism,
    NullMechanism,
    ProtocolCode,
    ProtocolError,
    V1Decoder,
    V3Decoder,
    ZapReply,
    ZapRequest,
    error_body,
    local_properties,
)
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
    TYPE_NAMES,
    XPUB,
    XSUB,
    compatible,
)

CHUNKERS = {
    "whole": whole,
    "bytewise": bytewise,
    "random": lambda d: random_chunks(d, 7, 13),
}

POST_A = v3_message([b"from-a", b"part2"]) + v3_message([b"x" * 300])
POST_B = v3_message([b"from-b"])


def ids(pairs):
    return [f"{NAMES[a]}-{NAMES[b]}" for a, b in pairs]


def peer_ready(socket_type: int, identity: bytes = b"", extra=()) -> bytes:
    props = [(b"Socket-Type", TYPE_NAMES[socket_type])]
    if socket_type in SENDS_IDENTITY:
        props.append((b"Identity", identity))
    props.extend(extra)
    return v3_command(ready_body(props))


def handshake_to_commands(hs: Handshake, peer_greeting: Optional[bytes] = None) -> bytes:
    """Take ``hs`` through the greeting with a 3.0 NULL peer; returns all it sent."""
    sent = hs.start()
    sent += hs.receive(peer_greeting or greeting())
    assert hs.version == 3 and not hs.done
    return sent


# ---------------------------------------------------------------------------------------------
# Type tables
# ---------------------------------------------------------------------------------------------
def test_compat_table_matches_reference():
    expected = set(ORDERED_COMPATIBLE)
    for a in ALL_TYPES:
        for b in ALL_TYPES:
            assert compatible(a, TYPE_NAMES[b]) == ((a, b) in expected), (NAMES[a], NAMES[b])


def test_type_names_are_4_0_names():
    assert [TYPE_NAMES[t] for t in ALL_TYPES] == [
        b"PAIR",
        b"PUB",
        b"SUB",
        b"REQ",
        b"REP",
        b"DEALER",
        b"ROUTER",
        b"PULL",
        b"PUSH",
        b"XPUB",
        b"XSUB",
    ]


def test_local_properties():
    assert local_properties(DEALER, b"ABC", True) == [
        ("Socket-Type", b"DEALER"),
        ("Identity", b"ABC"),
    ]
    assert local_properties(PUB, b"", False) == [("Socket-Type", b"PUB")]


# ---------------------------------------------------------------------------------------------
# Pairs over an in-memory wire
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("chunker", list(CHUNKERS), ids=list(CHUNKERS))
@pytest.mark.parametrize("pair", ORDERED_COMPATIBLE, ids=ids(ORDERED_COMPATIBLE))
def test_compatible_pairs_complete(pair, chunker):
    ta, tb = pair
    a, b = run_pair(ta, tb, CHUNKERS[chunker], id_a=b"ida", id_b=b"", post_a=POST_A, post_b=POST_B)
    for side in (a, b):
        assert side.hs.done
        assert side.hs.version == 3
        assert not side.hs.expects_identity
        assert side.hs.peer_major == 3 and side.hs.peer_minor == 0
    # data sent right behind the handshake lands in .rest, byte-exact
    assert a.hs.rest == POST_B
    assert b.hs.rest == POST_A
    assert V3Decoder().feed(b.hs.rest) == [[b"from-a", b"part2"], [b"x" * 300]]
    # metadata
    assert a.hs.peer_metadata["Socket-Type"] == TYPE_NAMES[tb]
    assert b.hs.peer_metadata["Socket-Type"] == TYPE_NAMES[ta]
    if ta in (REQ, DEALER, ROUTER):
        assert b.hs.peer_metadata["Identity"] == b"ida"
    else:
        assert "Identity" not in b.hs.peer_metadata
    if tb in (REQ, DEALER, ROUTER):
        assert a.hs.peer_metadata["Identity"] == b""
    else:
        assert "Identity" not in a.hs.peer_metadata


@pytest.mark.parametrize("pair", ORDERED_COMPATIBLE[:4], ids=ids(ORDERED_COMPATIBLE[:4]))
def test_bytes_on_the_wire_identical_whatever_the_chunking(pair):
    ta, tb = pair
    logs = {}
    for name, chunker in CHUNKERS.items():
        a, b = run_pair(ta, tb, chunker, id_a=b"A1", id_b=b"B22")
        logs[name] = (b"".join(a.log), b"".join(b.log))
    assert len(set(logs.values())) == 1
    sent_a, sent_b = logs["whole"]
    # signature with identity-length padding, the NULL greeting tail, then READY
    assert sent_a[:10] == b"\xff" + (3).to_bytes(8, "big") + b"\x7f"
    assert sent_a[10:64] == GREETING_NULL_TAIL
    assert sent_b[:10] == b"\xff" + (4).to_bytes(8, "big") + b"\x7f"


@pytest.mark.parametrize("pair", INCOMPATIBLE, ids=ids(INCOMPATIBLE))
def test_incompatible_pairs_fail(pair):
    ta, tb = pair
    with pytest.raises(ProtocolError) as ei:
        run_pair(ta, tb)
    assert ei.value.code == ProtocolCode.ZMTP_INVALID_METADATA
    assert ei.value.kind is FailureKind.PROTOCOL


@pytest.mark.parametrize("pair", INCOMPATIBLE[:6], ids=ids(INCOMPATIBLE[:6]))
def test_incompatible_pairs_each_side_refuses(pair):
    ta, tb = pair
    for local, peer in ((ta, tb), (tb, ta)):
        hs = make_handshake(local)
        handshake_to_commands(hs)
        with pytest.raises(ProtocolError):
            hs.receive(peer_ready(peer))


def test_check_peer_type_off():
    a, b = run_pair(PUB, PUSH, check_peer_type=False)
    assert a.hs.done and b.hs.done
    assert a.hs.peer_metadata["Socket-Type"] == b"PUSH"


def test_ready_without_socket_type_accepted():
    hs = make_handshake(REQ)
    handshake_to_commands(hs)
    assert hs.receive(v3_command(ready_body([]))) == b""
    assert hs.done and hs.peer_metadata == {}


def test_socket_type_check_is_case_sensitive():
    # Only "Socket-Type" exactly is checked (libzmq 4.0); other spellings are just properties.
    hs = make_handshake(REQ)
    handshake_to_commands(hs)
    hs.receive(v3_command(ready_body([(b"socket-type", b"PUB"), (b"X-Foo", b"bar")])))
    assert hs.done
    assert hs.peer_metadata == {"socket-type": b"PUB", "X-Foo": b"bar"}


def test_socket_type_value_is_case_sensitive():
    hs = make_handshake(REQ)
    handshake_to_commands(hs)
    with pytest.raises(ProtocolError):
        hs.receive(v3_command(ready_body([(b"Socket-Type", b"rep")])))


def test_unknown_properties_kept():
    hs = make_handshake(DEALER)
    handshake_to_commands(hs)
    hs.receive(peer_ready(ROUTER, b"rid", extra=[(b"X-Foo", b"\x00\xff"), (b"User-Id", b"")]))
    assert hs.peer_metadata == {
        "Socket-Type": b"ROUTER",
        "Identity": b"rid",
        "X-Foo": b"\x00\xff",
        "User-Id": b"",
    }


def test_mismatched_mechanism_pair():
    class FakePlain(NullMechanism):
        name = b"PLAIN"

    a = Side(make_handshake(DEALER))
    b = Side(make_handshake(ROUTER, mechanism=FakePlain(local_properties(ROUTER, b"", True))))
    with pytest.raises(ProtocolError) as ei:
        pump(a, b)
    assert ei.value.code == ProtocolCode.ZMTP_MECHANISM_MISMATCH


@pytest.mark.parametrize("mech", [b"PLAIN", b"CURVE", b"null", b"NULL\x00\x00X", b""])
def test_mismatched_mechanism_greeting(mech):
    hs = make_handshake(DEALER)
    hs.start()
    with pytest.raises(ProtocolError) as ei:
        hs.receive(greeting(mech))
    assert ei.value.code == ProtocolCode.ZMTP_MECHANISM_MISMATCH


def test_mechanism_field_compared_byte_for_byte():
    # "NULL" followed by garbage instead of NUL padding is a mismatch (libzmq: memcmp of 20).
    bad = bytearray(greeting())
    bad[31] = 0x20
    hs = make_handshake(DEALER)
    with pytest.raises(ProtocolError):
        hs.receive(bytes(bad))


# ---------------------------------------------------------------------------------------------
# Byte-exact greeting and READY against the captured libzmq 4.0 bytes
# ---------------------------------------------------------------------------------------------
class TestGreetingBytes:
    def test_signature_empty_identity(self):
        assert make_handshake(DEALER).start() == SIG_EMPTY_ID
        assert SIG_EMPTY_ID == hx("ff 00 00 00 00 00 00 00 01 7f")

    def test_signature_identity_padding(self):
        assert make_handshake(DEALER, b"ABC").start() == SIG_ID_ABC
        hs = make_handshake(ROUTER, b"x" * 255)
        assert hs.start() == hx("ff 00 00 00 00 00 00 01 00 7f")

    def test_staged_sending(self):
        hs = make_handshake(DEALER)
        sent = hs.start()
        peer = greeting()
        # nothing more until the peer's 10 signature bytes are in
        for i in range(9):
            assert hs.receive(peer[i : i + 1]) == b"", i
        # the 10th byte: the major version, only that
        assert hs.receive(peer[9:10]) == b"\x03"
        sent += b"\x03"
        # the peer's revision byte releases the other 53 bytes
        rest = hs.receive(peer[10:11])
        assert rest == GREETING_NULL_TAIL[1:]
        assert len(rest) == 53
        sent += rest
        assert sent == GREETING_DEALER_NULL
        # the rest of the peer greeting: nothing until the 64th byte, then READY
        for i in range(11, 63):
            assert hs.receive(peer[i : i + 1]) == b"", i
        assert hs.receive(peer[63:64]) == READY_DEALER
        assert not hs.done
        assert hs.receive(peer_ready(ROUTER)) == b""
        assert hs.done

    def test_full_greeting_at_once(self):
        hs = make_handshake(DEALER)
        assert hs.start() + hs.receive(greeting()) == GREETING_DEALER_NULL + READY_DEALER

    def test_dealer_greeting_matches_reference_example(self):
        # reference §5.1 example: ff 00..00 01 7f 03 00 4e 55 4c 4c 00*16 00 00*31
        assert GREETING_DEALER_NULL == hx(
            "ff 00 00 00 00 00 00 00 01 7f 03 00 4e 55 4c 4c" + " 00" * 16 + " 00" + " 00" * 31
        )
        assert len(GREETING_DEALER_NULL) == 64

    def test_peer_major_above_3_accepted(self):
        hs = make_handshake(DEALER)
        hs.start()
        out = hs.receive(greeting(major=4, minor=7, as_server=1))
        assert out.endswith(READY_DEALER)
        assert hs.peer_major == 4 and hs.peer_minor == 7

    def test_revision_2_treated_as_3(self):
        # libzmq 4.0 treats revision 2 as 3.x (reference §5.1 step 4).
        hs = make_handshake(DEALER)
        hs.start()
        hs.receive(greeting(major=2))
        assert hs.version == 3

    def test_peer_signature_padding_ignored(self):
        peer = bytearray(greeting())
        peer[1:9] = b"\x12\x34\x56\x78\x9a\xbc\xde\xf0"
        peer[9] = 0xFF  # any value with bit 0 set
        hs = make_handshake(DEALER)
        hs.receive(bytes(peer))
        assert hs.version == 3

    @pytest.mark.parametrize(
        "stype, identity, expected",
        [
            (DEALER, b"", READY_DEALER),
            (DEALER, b"ABC", READY_DEALER_ABC),
            (PUB, b"", READY_PUB),
            (PUB, b"ignored", READY_PUB),
            (REQ, b"", READY_REQ),
            (ROUTER, b"", READY_ROUTER),
        ],
        ids=["DEALER", "DEALER-ABC", "PUB", "PUB-with-identity", "REQ", "ROUTER"],
    )
    def test_ready_bytes(self, stype, identity, expected):
        hs = make_handshake(stype, identity)
        sent = handshake_to_commands(hs)
        assert sent[64:] == expected

    def test_ready_sizes_from_reference(self):
        assert READY_DEALER[1] == 0x29 and READY_DEALER_ABC[1] == 0x2C
        assert READY_PUB[1] == 0x19 and READY_REQ[1] == 0x26 and READY_ROUTER[1] == 0x29
        for r in (READY_DEALER, READY_DEALER_ABC, READY_PUB, READY_REQ, READY_ROUTER):
            assert len(r) == r[1] + 2

    def test_as_server_byte_zero_for_null(self):
        hs = make_handshake(DEALER)
        sent = hs.start() + hs.receive(greeting())
        assert sent[32] == 0


# ---------------------------------------------------------------------------------------------
# Coalescing and .rest
# ---------------------------------------------------------------------------------------------
class TestRest:
    def test_greeting_ready_and_data_in_one_chunk(self):
        hs = make_handshake(DEALER)
        hs.start()
        data = v3_message([b"hello", b"world"]) + v3_message([b"y" * 1000]) + b"\x01"
        out = hs.receive(greeting() + peer_ready(ROUTER) + data)
        assert out == GREETING_NULL_TAIL + READY_DEALER
        assert hs.done and hs.rest == data

    def test_data_after_done_appended_to_rest(self):
        hs = make_handshake(DEALER)
        hs.receive(greeting() + peer_ready(ROUTER) + b"\x00")
        assert hs.rest == b"\x00"
        assert hs.receive(b"\x01A") == b""
        assert hs.rest == b"\x00\x01A"

    def test_rest_empty_when_nothing_follows(self):
        hs = make_handshake(DEALER)
        hs.receive(greeting() + peer_ready(ROUTER))
        assert hs.done and hs.rest == b""

    def test_post_handshake_command_in_rest(self):
        # A command after READY (e.g. a 3.1 PING) belongs to the data stream, not the handshake.
        ping = v3_command(b"\x04PING\x00\x0a")
        hs = make_handshake(DEALER)
        hs.receive(greeting() + peer_ready(ROUTER) + ping)
        assert hs.done and hs.rest == ping


# ---------------------------------------------------------------------------------------------
# Legacy peers
# ---------------------------------------------------------------------------------------------
class TestZmtp2Peer:
    PEER_SIG = hx("ff 00 00 00 00 00 00 00 01 7f")

    def test_pub_exact_reference_bytes(self):
        # reference §5.3: 4.0 PUB sends ff..01 7f, then 03 after our signature, then
        # 01 00 00 (type PUB, empty identity frame) after our 01 02.
        hs = make_handshake(PUB, allow_legacy=True)
        assert hs.start() == SIG_EMPTY_ID
        assert hs.receive(self.PEER_SIG) == b"\x03"
        assert hs.receive(b"\x01\x02") == hx("01 00 00")
        assert hs.done and hs.version == 2 and hs.expects_identity
        assert hs.rest == b""

    def test_staged_one_byte_at_a_time(self):
        hs = make_handshake(ROUTER, b"R1")
        assert hs.start() == hx("ff 00 00 00 00 00 00 00 03 7f")
        for b in self.PEER_SIG[:9]:
            assert hs.receive(bytes([b])) == b""
        assert hs.receive(self.PEER_SIG[9:]) == b"\x03"
        assert hs.receive(b"\x01") == bytes([ROUTER])  # revision 1: our socket type byte
        assert not hs.done
        assert hs.receive(bytes([DEALER])) == hx("00 02") + b"R1"  # identity frame
        assert hs.done and hs.version == 2 and hs.expects_identity

    def test_coalesced_with_identity_and_data(self):
        hs = make_handshake(DEALER, b"me")
        hs.start()
        tail = hx("00 03") + b"you" + hx("01 01 61 00 01 62")
        out = hs.receive(self.PEER_SIG + b"\x01" + bytes([ROUTER]) + tail)
        assert out == b"\x03" + bytes([DEALER]) + hx("00 02") + b"me"
        assert hs.done and hs.version == 2 and hs.expects_identity
        assert hs.rest == tail
        # the engine reads the identity as the first v2 frame
        assert V3Decoder().feed(hs.rest) == [[b"you"], [b"a", b"b"]]
        assert hs.peer_metadata == {}

    def test_peer_socket_type_byte_ignored(self):
        hs = make_handshake(REQ)
        hs.receive(self.PEER_SIG + b"\x01" + bytes([PUB]))  # PUB is no peer for REQ, but 2.0
        assert hs.done and hs.version == 2

    def test_versioned_zmtp1_revision0(self):
        hs = make_handshake(DEALER, b"ab")
        hs.start()
        out = hs.receive(self.PEER_SIG + b"\x00" + bytes([ROUTER]) + hx("01 00"))
        # identity as a v1 frame: length 3 (flags + 2), flags 0
        assert out == b"\x03" + bytes([DEALER]) + hx("03 00") + b"ab"
        assert hs.done and hs.version == 1 and hs.expects_identity
        assert hs.rest == hx("01 00")
        assert V1Decoder().feed(hs.rest) == [[b""]]

    @pytest.mark.parametrize("revision", [0, 1])
    def test_refused_without_legacy(self, revision):
        hs = make_handshake(DEALER, allow_legacy=False)
        hs.start()
        assert hs.receive(self.PEER_SIG) == b"\x03"
        with pytest.raises(ProtocolError):
            hs.receive(bytes([revision]))


class TestZmtp1Peer:
    def test_empty_identity_frame(self):
        hs = make_handshake(ROUTER, b"R1")
        hs.start()
        out = hs.receive(hx("01 00"))
        assert out == b"R1"  # our signature was read as a long v1 header; now the body
        assert hs.done and hs.version == 1 and hs.expects_identity
        assert hs.rest == hx("01 00")

    def test_detected_on_first_byte(self):
        hs = make_handshake(DEALER)
        hs.start()
        assert hs.receive(b"\x05") == b""  # empty identity: nothing to send
        assert hs.done and hs.version == 1
        assert hs.receive(b"\x00abcd") == b""
        assert hs.rest == b"\x05\x00abcd"
        assert V1Decoder().feed(hs.rest) == [[b"abcd"]]

    def test_our_bytes_form_a_v1_identity_frame(self):
        hs = make_handshake(DEALER, b"R1")
        wire = hs.start() + hs.receive(hx("03 00 68 69"))
        # 0xFF + 8-byte length (identity + flags) + flags 0x7F + identity
        assert wire == hx("ff 00 00 00 00 00 00 00 03 7f") + b"R1"
        assert hs.rest == hx("03 00 68 69")

    def test_long_identity_frame_detected_by_bit0(self):
        # a 1.0 peer's long-form first frame starts with 0xFF; its byte 9 (flags) has bit 0 clear
        ident = b"i" * 300
        frame = b"\xff" + (len(ident) + 1).to_bytes(8, "big") + b"\x00" + ident
        hs = make_handshake(DEALER, b"me")
        hs.start()
        for i in range(9):
            assert hs.receive(frame[i : i + 1]) == b""
        assert hs.receive(frame[9:]) == b"me"
        assert hs.done and hs.version == 1
        assert V1Decoder().feed(hs.rest) == [[ident]]

    @pytest.mark.parametrize("first", [hx("01 00"), hx("ff 00 00 00 00 00 00 00 02 00 41")])
    def test_refused_without_legacy(self, first):
        hs = make_handshake(DEALER, allow_legacy=False)
        hs.start()
        with pytest.raises(ProtocolError) as ei:
            hs.receive(first)
        assert ei.value.code == ProtocolCode.ZMTP_MECHANISM_MISMATCH


# ---------------------------------------------------------------------------------------------
# Bad input during the handshake
# ---------------------------------------------------------------------------------------------
class TestBadHandshake:
    def test_error_command(self):
        hs = make_handshake(DEALER)
        handshake_to_commands(hs)
        with pytest.raises(ProtocolError) as ei:
            hs.receive(v3_command(error_body(b"go away")))
        assert "go away" in str(ei.value)
        assert ei.value.kind is FailureKind.AUTH

    @pytest.mark.parametrize("body", [b"\x05ERROR", b"\x05ERROR\x10short", b"\x05ERROR\x00"])
    def test_malformed_error_command_still_protocol_error(self, body):
        hs = make_handshake(DEALER)
        handshake_to_commands(hs)
        with pytest.raises(ProtocolError):
            hs.receive(v3_command(body))

    def test_error_body_encoding(self):
        assert error_body(b"no") == b"\x05ERROR\x02no"
        assert len(error_body(b"x" * 400)) == 6 + 1 + 255

    @pytest.mark.parametrize("frame", [hx("00 01 41"), hx("01 00"), hx("02") + bytes(8)])
    def test_data_frame_during_handshake(self, frame):
        hs = make_handshake(DEALER)
        handshake_to_commands(hs)
        with pytest.raises(ProtocolError) as ei:
            hs.receive(frame)
        assert ei.value.code == ProtocolCode.ZMTP_UNEXPECTED_COMMAND

    def test_data_frame_coalesced_with_greeting(self):
        hs = make_handshake(DEALER)
        with pytest.raises(ProtocolError):
            hs.receive(greeting() + v3_message([b"early"]))

    def test_second_ready_mechanism_level(self):
        mech = NullMechanism(local_properties(DEALER, b"", True))
        mech.start()
        assert mech.on_command(ready_body([(b"Socket-Type", b"ROUTER")])) == []
        with pytest.raises(ProtocolError) as ei:
            mech.on_command(ready_body([(b"Socket-Type", b"ROUTER")]))
        assert ei.value.code == ProtocolCode.ZMTP_UNEXPECTED_COMMAND

    def test_second_ready_while_paused_on_zap(self):
        # The only time two READYs can both be handshake commands is while our own READY is
        # held back by ZAP; after the first one the handshake is complete and the second one is
        # data-stream bytes (libzmq 4.0 would hand it to the application as a message).
        hs = make_handshake(REP, use_zap=True)
        handshake_to_commands(hs)
        two = peer_ready(REQ) + peer_ready(REQ)
        assert hs.receive(two) == b""
        hs.zap_reply(ZapReply(b"200"))
        assert hs.done and hs.rest == peer_ready(REQ)

    @pytest.mark.parametrize(
        "body",
        [
            b"",  # empty command
            b"\x05REA",  # name longer than body
            b"\x06READY!",  # not READY
            b"\x05HELLO",  # a PLAIN command on a NULL link
            b"\x05READY\x0bSocket-Type\x00\x00\x00\x09DEALER",  # truncated value
            b"\x05READY\x0bSocket-Type\x00\x00",  # truncated value length
            b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08",  # 1 trailing byte
            b"\x05READY\x00\x00\x00\x00\x00",  # empty property name
            b"\x05READY\x02\xff\xfe\x00\x00\x00\x00",  # non-ASCII name
        ],
    )
    def test_malformed_commands(self, body):
        hs = make_handshake(DEALER)
        handshake_to_commands(hs)
        with pytest.raises(ProtocolError):
            hs.receive(v3_command(body))

    def test_oversized_command_refused_from_header(self):
        hs = make_handshake(DEALER)
        handshake_to_commands(hs)
        header = hx("06") + ((1 << 20) + 1).to_bytes(8, "big")
        with pytest.raises(ProtocolError) as ei:
            hs.receive(header)  # no body bytes at all: refused from the header
        assert ei.value.code == ProtocolCode.ZMTP_MALFORMED_COMMAND_UNSPECIFIED

    def test_huge_command_header_refused(self):
        hs = make_handshake(DEALER)
        handshake_to_commands(hs)
        with pytest.raises(ProtocolError):
            hs.receive(hx("06 ff ff ff ff ff ff ff ff"))

    def test_command_limit_follows_maxmsgsize(self):
        hs = make_handshake(DEALER, maxmsgsize=5000)
        handshake_to_commands(hs)
        with pytest.raises(ProtocolError):
            hs.receive(hx("06") + (5001).to_bytes(8, "big"))

    def test_command_at_limit_accepted(self):
        limit = 5000
        base = ready_body([(b"Socket-Type", b"ROUTER"), (b"X", b"")])
        body = ready_body([(b"Socket-Type", b"ROUTER"), (b"X", b"v" * (limit - len(base)))])
        assert len(body) == limit
        hs = make_handshake(DEALER, maxmsgsize=limit)
        handshake_to_commands(hs)
        frame = v3_command(body)
        hs.receive(frame[:100])
        assert not hs.done
        hs.receive(frame[100:])
        assert hs.done

    def test_small_maxmsgsize_does_not_break_handshake(self):
        # READY is ~40 bytes; a tiny MAXMSGSIZE must still let the handshake through.
        a, b = run_pair(DEALER, ROUTER, maxmsgsize=10)
        assert a.hs.done and b.hs.done

    def test_garbage_mechanism_field(self):
        hs = make_handshake(DEALER)
        bad = bytearray(greeting())
        bad[12:32] = b"\xff" * 20
        with pytest.raises(ProtocolError):
            hs.receive(bytes(bad))


# ---------------------------------------------------------------------------------------------
# ZAP pause
# ---------------------------------------------------------------------------------------------
class TestZap:
    def _paused_pair(self, chunker=whole):
        server = Side(make_handshake(REP, b"srv", use_zap=True), post=v3_message([b"s"]))
        client = Side(make_handshake(REQ, b"cli"), post=v3_message([b"c"]))
        pump(client, server, chunker)
        return client, server

    @pytest.mark.parametrize("chunker", list(CHUNKERS), ids=list(CHUNKERS))
    def test_pause_then_200(self, chunker):
        client, server = self._paused_pair(CHUNKERS[chunker])
        assert server.hs.zap_request == ZapRequest(b"NULL")
        assert not server.hs.done and not client.hs.done
        # the server sent its greeting but no READY yet
        assert b"".join(server.log) == SIG_EMPTY_ID[:8] + b"\x04\x7f" + GREETING_NULL_TAIL
        out = server.hs.zap_reply(ZapReply(b"200", user_id=b"alice", metadata={"X": b"1"}))
        assert out == v3_command(ready_body([(b"Socket-Type", b"REP")]))
        assert server.hs.zap_request is None
        assert server.hs.done  # the client's READY was buffered during the pause
        assert server.hs.mechanism.user_id == b"alice"
        assert server.hs.mechanism.zap_metadata == {"X": b"1"}
        server.emit(out)
        pump(client, server, CHUNKERS[chunker])
        assert client.hs.done
        assert server.hs.peer_metadata == {"Socket-Type": b"REQ", "Identity": b"cli"}
        assert client.hs.peer_metadata == {"Socket-Type": b"REP"}
        assert server.hs.rest == v3_message([b"c"])
        assert client.hs.rest == v3_message([b"s"])

    def test_reply_before_peer_ready(self):
        server = make_handshake(REP, use_zap=True)
        handshake_to_commands(server)
        assert server.zap_request is not None
        out = server.zap_reply(ZapReply(b"200"))
        assert out.startswith(b"\x04")
        assert not server.done
        server.receive(peer_ready(REQ) + b"\x00\x01z")
        assert server.done and server.rest == b"\x00\x01z"

    @pytest.mark.parametrize("status", [b"300", b"400", b"500"])
    def test_refusal(self, status):
        _client, server = self._paused_pair()
        with pytest.raises(ProtocolError) as ei:
            server.hs.zap_reply(ZapReply(status, b"denied"))
        assert ei.value.code == int(status)
        assert ei.value.kind is FailureKind.AUTH
        assert server.hs.mechanism.zap_status == int(status)
        assert not server.hs.done

    @pytest.mark.parametrize("status", [b"999", b"", b"abc", b"20"])
    def test_invalid_status(self, status):
        _client, server = self._paused_pair()
        with pytest.raises(ProtocolError) as ei:
            server.hs.zap_reply(ZapReply(status))
        assert ei.value.code == ProtocolCode.ZAP_INVALID_STATUS_CODE

    def test_commands_not_processed_while_paused(self):
        # Even a bad command waits for the ZAP answer (nothing is parsed during the pause).
        server = make_handshake(REP, use_zap=True)
        handshake_to_commands(server)
        assert server.receive(v3_command(b"\x05HELLO")) == b""
        with pytest.raises(ProtocolError):
            server.zap_reply(ZapReply(b"200"))

    def test_mechanism_ready_inside_zap_reply_keeps_rest(self):
        # A mechanism that becomes ready only when ZAP answers (as a CURVE server does after
        # INITIATE): bytes that arrived behind its last command must still reach .rest.
        class ReadyOnZap(Mechanism):
            name = b"TEST"

            def start(self):
                return []

            def on_command(self, body):
                assert body == b"\x05HELLO"
                self.zap_request = ZapRequest(b"TEST")
                return []

            def zap_reply(self, reply):
                self._apply_zap(reply)
                self.peer_metadata = {"Socket-Type": b"DEALER"}
                self.ready = True
                return [b"\x05READY"]

        hs = Handshake(ROUTER, b"", ReadyOnZap([]))
        hs.start()
        data = v3_message([b"pipelined"])
        hs.receive(greeting(b"TEST") + v3_command(b"\x05HELLO") + data)
        assert hs.zap_request is not None
        assert hs.zap_reply(ZapReply(b"200")) == v3_command(b"\x05READY")
        assert hs.done
        assert hs.rest == data


# ---------------------------------------------------------------------------------------------
# Whole exchanges with every compatible pair under ZAP too
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "pair",
    [(REQ, REP), (DEALER, ROUTER), (PUSH, PULL), (PUB, SUB), (XPUB, XSUB), (PAIR, PAIR)],
    ids=str,
)
def test_zap_server_pairs(pair):
    client_t, server_t = pair
    server = Side(make_handshake(server_t, use_zap=True))
    client = Side(make_handshake(client_t))
    pump(client, server)
    server.emit(server.hs.zap_reply(ZapReply(b"200")))
    pump(client, server)
    assert client.hs.done and server.hs.done
