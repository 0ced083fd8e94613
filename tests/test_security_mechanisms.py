"""PLAIN (RFC 24) and CURVE (RFC 25/26) mechanisms: golden transcripts, ZAP pauses, the CURVE
data codec, bad input, and wire compatibility with real libzmq (pyzmq in a child process).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import queue
import socket
import subprocess
import sys
import threading
from functools import partial
from typing import Any, Callable, Dict, List, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.bindings import (
    crypto_box,
    crypto_box_afternm,
    crypto_box_beforenm,
    crypto_box_easy_afternm,
    crypto_box_open,
    crypto_scalarmult_base,
    crypto_secretbox,
    crypto_secretbox_open,
)
from security_vectors import (
    CLIENT_PUBLIC,
    CLIENT_PUBLIC_Z85,
    CLIENT_SECRET,
    CLIENT_SECRET_Z85,
    PLAIN_HELLO,
    PLAIN_INITIATE,
    PLAIN_READY_DEALER,
    PLAIN_WELCOME,
    SERVER_PUBLIC,
    SERVER_PUBLIC_Z85,
    SERVER_SECRET,
    SERVER_SECRET_Z85,
    Side,
    bytewise,
    chunks,
    frames,
    nonce8,
    props,
    pump,
    reframe,
    seeded,
    whole,
)

from purezmq.utils import z85
from purezmq.zmtp import (
    FailureKind,
    Handshake,
    ProtocolCode,
    ProtocolError,
    V3Decoder,
    ZapReply,
    ZapRequest,
    encode_command,
    encode_messages,
    encode_metadata,
    error_body,
)
from purezmq.zmtp._curve import (
    CurveCodec,
    CurveMechanism,
    curve_keypair,
    curve_public,
)
from purezmq.zmtp._plain import PlainMechanism
from purezmq.zmtp._types import DEALER, PUB, PUSH, REP, REQ, ROUTER, SUB

CHUNKERS = {"whole": whole, "bytewise": bytewise, "random": lambda d: chunks(d, 3, 40)}


# =============================================================================================
# Builders
# =============================================================================================
def plain_pair(
    ctype: int = DEALER,
    stype: int = DEALER,
    cid: bytes = b"ID1",
    username: bytes = b"admin",
    password: bytes = b"secret",
    use_zap: bool = False,
):
    client = PlainMechanism(
        props(ctype, cid), as_server=False, username=username, password=password
    )
    server = PlainMechanism(props(stype), as_server=True, use_zap=use_zap)
    a = Side(Handshake(ctype, cid, client))
    b = Side(Handshake(stype, b"", server))
    return a, b


def curve_client(ctype: int = DEALER, seed: Optional[str] = "client", **kw: Any) -> CurveMechanism:
    kw.setdefault("public_key", CLIENT_PUBLIC)
    kw.setdefault("secret_key", CLIENT_SECRET)
    kw.setdefault("server_key", SERVER_PUBLIC)
    kw.setdefault("random", seeded(seed) if seed is not None else os.urandom)
    return CurveMechanism(props(ctype), as_server=False, **kw)


def curve_server(stype: int = ROUTER, seed: Optional[str] = "server", **kw: Any) -> CurveMechanism:
    kw.setdefault("public_key", SERVER_PUBLIC)
    kw.setdefault("secret_key", SERVER_SECRET)
    kw.setdefault("random", seeded(seed) if seed is not None else os.urandom)
    return CurveMechanism(props(stype), as_server=True, **kw)


def curve_pair(
    ctype: int = DEALER,
    stype: int = ROUTER,
    cseed: str = "client",
    sseed: str = "server",
    **kw: Any,
):
    client = curve_client(ctype, cseed, **kw.pop("client_kw", {}))
    server = curve_server(stype, sseed, **kw.pop("server_kw", {}))
    return Side(Handshake(ctype, b"", client)), Side(Handshake(stype, b"", server))


def curve_commands(client: CurveMechanism, server: CurveMechanism) -> Dict[str, bytes]:
    """Run the four commands mechanism-to-mechanism (no Handshake); returns their bodies."""
    (hello,) = client.start()
    assert server.start() == []
    (welcome,) = server.on_command(hello)
    (initiate,) = client.on_command(welcome)
    (ready,) = server.on_command(initiate)
    assert client.on_command(ready) == []
    assert client.ready and server.ready
    return {"hello": hello, "welcome": welcome, "initiate": initiate, "ready": ready}


def ready_curve_codecs(**kw: Any):
    client, server = curve_client(**kw.pop("client_kw", {})), curve_server(**kw)
    curve_commands(client, server)
    return client.codec, server.codec


def encode(codec: CurveCodec, msgs: List[List[bytes]]) -> bytes:
    out = bytearray()
    codec.encode(msgs, out)
    return bytes(out)


def feed_chunks(dec: Any, data: bytes, chunker: Callable = whole) -> List[List[bytes]]:
    got: List[List[bytes]] = []
    for piece in chunker(data):
        got += dec.feed(piece)
    return got


def assert_fails(
    fn: Callable[[], Any], code: Optional[int] = None, kind: Optional[FailureKind] = None
) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        fn()
    if code is not None:
        assert info.value.code == code, info.value
    if kind is not None:
        assert info.value.kind == kind, info.value
    return info.value


# =============================================================================================
# PLAIN: golden transcript against libzmq 4.0.10's bytes
# =============================================================================================
@pytest.mark.parametrize("chunker", list(CHUNKERS))
def test_plain_golden_transcript(chunker: str) -> None:
    a, b = plain_pair()
    pump(a, b, CHUNKERS[chunker])
    assert a.hs.done and b.hs.done
    # Greetings: 64 bytes each, mechanism "PLAIN"; identity "ID1" makes the padding 4.
    assert a.sent[:10] == hx_sig(4) and b.sent[:10] == hx_sig(1)
    assert a.sent[12:32] == b"PLAIN".ljust(20, b"\x00")
    assert b.sent[12:32] == b"PLAIN".ljust(20, b"\x00")
    assert bytes(a.sent[64:]) == PLAIN_HELLO + PLAIN_INITIATE
    assert bytes(b.sent[64:]) == PLAIN_WELCOME + PLAIN_READY_DEALER
    assert a.hs.peer_metadata == {"Socket-Type": b"DEALER", "Identity": b""}
    assert b.hs.peer_metadata == {"Socket-Type": b"DEALER", "Identity": b"ID1"}
    assert b.mech.username == b"admin" and b.mech.password == b"secret"
    assert a.mech.codec is None and b.mech.codec is None
    assert a.mech.error_reply is None and b.mech.error_reply is None


def hx_sig(padding: int) -> bytes:
    return b"\xff" + padding.to_bytes(8, "big") + b"\x7f"


def test_plain_commands_direct() -> None:
    client = PlainMechanism(props(REQ), as_server=False, username=b"", password=b"")
    server = PlainMechanism(props(REP), as_server=True)
    (hello,) = client.start()
    assert hello == b"\x05HELLO\x00\x00"  # unset credentials are sent as 0 bytes
    assert server.start() == []
    (welcome,) = server.on_command(hello)
    assert welcome == b"\x07WELCOME"
    (initiate,) = client.on_command(welcome)
    (ready,) = server.on_command(initiate)
    assert server.ready and not client.ready
    assert client.on_command(ready) == []
    assert client.ready
    assert client.peer_metadata == {"Socket-Type": b"REP"}
    assert server.peer_metadata == {"Socket-Type": b"REQ", "Identity": b""}
    # Anything after the handshake is refused by the mechanism.
    assert_fails(lambda: client.on_command(ready), ProtocolCode.ZMTP_UNEXPECTED_COMMAND)


def test_plain_max_credentials() -> None:
    u, p = b"u" * 255, b"p" * 255
    a, b = plain_pair(username=u, password=p)
    pump(a, b)
    assert a.hs.done and b.hs.done
    assert (b.mech.username, b.mech.password) == (u, p)
    with pytest.raises(ValueError):
        PlainMechanism([], as_server=False, username=b"u" * 256)
    with pytest.raises(ValueError):
        PlainMechanism([], as_server=False, password=b"p" * 256)


def pump_with_post(a: Side, b: Side, post: Callable[[], bytes]) -> None:
    """Like pump, but ``post()`` bytes are queued on b right behind its last handshake bytes,
    so the peer receives them in the same chunk."""
    a.emit(a.hs.start())
    b.emit(b.hs.start())
    posted = False
    for _ in range(20):
        for src, dst in ((a, b), (b, a)):
            if src.outq:
                data = bytes(src.outq)
                src.outq.clear()
                dst.emit(dst.hs.receive(data))
            if b.hs.done and not posted:
                posted = True
                b.emit(post())


def test_plain_data_follows_handshake_coalesced() -> None:
    """Data bytes arriving in the same chunk as READY end up in ``rest`` (PLAIN has no codec)."""
    a, b = plain_pair()
    out = bytearray()
    encode_messages([[b"hi", b""]], out)
    pump_with_post(a, b, lambda: bytes(out))
    assert a.hs.done and b.hs.done
    assert V3Decoder().feed(a.hs.rest) == [[b"hi", b""]]


# =============================================================================================
# PLAIN: ZAP
# =============================================================================================
@pytest.mark.parametrize("chunker", list(CHUNKERS))
def test_plain_zap_pause_and_accept(chunker: str) -> None:
    a, b = plain_pair(use_zap=True)
    pump(a, b, CHUNKERS[chunker])  # no answerer: the server stays paused after HELLO
    assert b.hs.zap_request == ZapRequest(b"PLAIN", (b"admin", b"secret"))
    assert not a.hs.done and not b.hs.done
    assert bytes(b.sent[64:]) == b""  # no WELCOME before the reply
    seen = []

    def zap(req: ZapRequest) -> ZapReply:
        seen.append(req)
        return ZapReply(b"200", b"OK", b"admin-user", {"X-Tag": b"1"})

    pump(a, b, CHUNKERS[chunker], zap=zap)
    assert a.hs.done and b.hs.done
    assert len(seen) == 1
    assert b.mech.user_id == b"admin-user"
    assert b.mech.zap_metadata == {"X-Tag": b"1"}
    assert bytes(b.sent[64:]) == PLAIN_WELCOME + PLAIN_READY_DEALER


@pytest.mark.parametrize("status", [b"300", b"400", b"500"])
def test_plain_zap_refusal(status: bytes) -> None:
    a, b = plain_pair(use_zap=True)
    pump(a, b)
    err = assert_fails(
        lambda: b.hs.zap_reply(ZapReply(status, b"no")), int(status), FailureKind.AUTH
    )
    assert "refused" in err.reason
    assert b.mech.error_reply == error_body(status) == b"\x05ERROR\x03" + status
    assert not b.hs.done and b.mech.zap_status == int(status)
    # The client, sent that ERROR in place of WELCOME, fails with an AUTH failure too.
    err = assert_fails(
        lambda: a.hs.receive(encode_command(b.mech.error_reply)), kind=FailureKind.AUTH
    )
    assert status.decode() in err.reason


def test_plain_zap_invalid_status() -> None:
    a, b = plain_pair(use_zap=True)
    pump(a, b)
    assert_fails(
        lambda: b.hs.zap_reply(ZapReply(b"999")),
        ProtocolCode.ZAP_INVALID_STATUS_CODE,
        FailureKind.PROTOCOL,
    )
    assert b.mech.error_reply is None


def test_plain_zap_reply_unexpected() -> None:
    server = PlainMechanism([], as_server=True, use_zap=True)
    assert_fails(lambda: server.zap_reply(ZapReply(b"200")), ProtocolCode.ZAP_UNSPECIFIED)
    server = PlainMechanism([], as_server=True, use_zap=False)
    server.on_command(PLAIN_HELLO[2:])
    assert_fails(lambda: server.zap_reply(ZapReply(b"200")))


def test_plain_without_zap_accepts_anyone() -> None:
    a, b = plain_pair(username=b"nobody", password=b"")
    pump(a, b)
    assert a.hs.done and b.hs.done
    assert b.hs.zap_request is None


# =============================================================================================
# PLAIN: bad input
# =============================================================================================
@pytest.mark.parametrize(
    "hello",
    [
        b"\x05HELLO",  # no username length
        b"\x05HELLO\x05adm",  # truncated username
        b"\x05HELLO\x05admin",  # no password length
        b"\x05HELLO\x05admin\x06secre",  # truncated password
        b"\x05HELLO\x05admin\x06secret!",  # trailing byte
        b"\x05HELLO\x00",  # no password length
        b"\x05HELLO\x00\x00\x00",  # trailing byte
        b"\x05HELLO\xff" + b"x" * 10,
    ],
)
def test_plain_server_rejects_malformed_hello(hello: bytes) -> None:
    server = PlainMechanism([], as_server=True)
    assert_fails(lambda: server.on_command(hello), ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO)


@pytest.mark.parametrize(
    "body",
    [
        b"\x05READY",
        b"\x08INITIATE",
        b"\x07WELCOME",
        b"\x04PING\x00\x00",
        b"\x05HELLX\x00\x00",
        b"\x05ERROR\x00",
    ],
)
def test_plain_server_expects_hello(body: bytes) -> None:
    server = PlainMechanism([], as_server=True)
    assert_fails(lambda: server.on_command(body), ProtocolCode.ZMTP_UNEXPECTED_COMMAND)


@pytest.mark.parametrize(
    "body,code",
    [
        (b"\x07WELCOME\x00", ProtocolCode.ZMTP_MALFORMED_COMMAND_WELCOME),
        (b"\x07WELCOMEextra", ProtocolCode.ZMTP_MALFORMED_COMMAND_WELCOME),
        (b"\x05READY", ProtocolCode.ZMTP_UNEXPECTED_COMMAND),
        (b"\x05HELLO\x00\x00", ProtocolCode.ZMTP_UNEXPECTED_COMMAND),
        (b"\x07WELCOMF", ProtocolCode.ZMTP_UNEXPECTED_COMMAND),
    ],
)
def test_plain_client_rejects_bad_welcome(body: bytes, code: int) -> None:
    client = PlainMechanism([], as_server=False)
    client.start()
    assert_fails(lambda: client.on_command(body), code)


@pytest.mark.parametrize(
    "body",
    [
        b"\x05READY\x0bSocket-Type\x00\x00\x00\x09DEALER",  # value runs past the end
        b"\x05READY\x0bSocket-Type\x00\x00",  # truncated value length
        b"\x05READY\x00\x00\x00\x00\x00",  # empty property name
        b"\x05READY\x05",  # lone trailing byte
    ],
)
def test_plain_client_rejects_bad_ready_metadata(body: bytes) -> None:
    client = PlainMechanism([], as_server=False)
    client.start()
    client.on_command(b"\x07WELCOME")
    assert_fails(lambda: client.on_command(body), ProtocolCode.ZMTP_INVALID_METADATA)


def test_plain_server_rejects_bad_initiate() -> None:
    for body, code in [
        (b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x09DEALER", ProtocolCode.ZMTP_INVALID_METADATA),
        (b"\x05READY", ProtocolCode.ZMTP_UNEXPECTED_COMMAND),
        (PLAIN_HELLO[2:], ProtocolCode.ZMTP_UNEXPECTED_COMMAND),  # a second HELLO
    ]:
        server = PlainMechanism([], as_server=True)
        server.on_command(PLAIN_HELLO[2:])
        assert_fails(partial(server.on_command, body), code)


@pytest.mark.parametrize("stage", ["welcome", "ready"])
def test_plain_client_error_command_is_auth_failure(stage: str) -> None:
    client = PlainMechanism([], as_server=False)
    client.start()
    if stage == "ready":
        client.on_command(b"\x07WELCOME")
    err = assert_fails(
        lambda: client.on_command(error_body(b"Invalid credentials")), kind=FailureKind.AUTH
    )
    assert "Invalid credentials" in err.reason


@pytest.mark.parametrize("stage", ["welcome", "ready"])
def test_plain_client_libzmq_misspelt_error(stage: str) -> None:
    """libzmq 4.2-4.3 PLAIN servers send ERROR as ``^RROR <len> reason`` (a C hex-escape
    slip: "\\x05E" is one byte, 0x5E); the client still reports an AUTH failure."""
    client = PlainMechanism([], as_server=False)
    client.start()
    if stage == "ready":
        client.on_command(b"\x07WELCOME")
    err = assert_fails(lambda: client.on_command(b"^RROR\x03400"), kind=FailureKind.AUTH)
    assert "400" in err.reason
    client = PlainMechanism([], as_server=False)
    client.start()
    assert_fails(lambda: client.on_command(b"^RROR"), kind=FailureKind.AUTH)


def test_plain_incompatible_socket_types() -> None:
    """The handshake checks the Socket-Type the mechanism collected (both directions)."""
    a, b = plain_pair(ctype=PUB, stype=PUSH, cid=b"")
    with pytest.raises(ProtocolError) as info:
        pump(a, b)
    assert info.value.code == ProtocolCode.ZMTP_INVALID_METADATA


def test_plain_two_clients_fail() -> None:
    a = Side(Handshake(DEALER, b"", PlainMechanism(props(DEALER), as_server=False)))
    b = Side(Handshake(DEALER, b"", PlainMechanism(props(DEALER), as_server=False)))
    err = assert_fails(lambda: pump(a, b))
    assert err.code == ProtocolCode.ZMTP_UNEXPECTED_COMMAND


def test_plain_two_servers_wait_forever() -> None:
    a = Side(Handshake(DEALER, b"", PlainMechanism(props(DEALER), as_server=True)))
    b = Side(Handshake(DEALER, b"", PlainMechanism(props(DEALER), as_server=True)))
    pump(a, b)
    assert not a.hs.done and not b.hs.done
    assert len(a.sent) == len(b.sent) == 64  # greetings only: nobody speaks first


def test_plain_greeting_mismatch_with_curve() -> None:
    a = Side(Handshake(DEALER, b"", PlainMechanism(props(DEALER), as_server=False)))
    b = Side(Handshake(DEALER, b"", curve_server(DEALER)))
    assert_fails(lambda: pump(a, b), ProtocolCode.ZMTP_MECHANISM_MISMATCH)


@given(st.binary(max_size=80))
@settings(max_examples=300, deadline=None)
def test_plain_parse_or_protocol_error(body: bytes) -> None:
    """Any command body: the server and client either accept it or raise ProtocolError."""
    for mech in (PlainMechanism([], as_server=True),):
        try:
            mech.on_command(body)
        except ProtocolError:
            pass
    client = PlainMechanism([], as_server=False)
    client.start()
    for step in (b"\x07WELCOME", body):
        try:
            client.on_command(step)
        except ProtocolError:
            break


# =============================================================================================
# CURVE keys
# =============================================================================================
def test_curve_test_keys_are_consistent() -> None:
    assert curve_public(CLIENT_SECRET_Z85) == CLIENT_PUBLIC_Z85
    assert curve_public(SERVER_SECRET_Z85) == SERVER_PUBLIC_Z85
    assert curve_public(SERVER_SECRET_Z85.decode()) == SERVER_PUBLIC_Z85
    assert crypto_scalarmult_base(CLIENT_SECRET) == CLIENT_PUBLIC


def test_curve_keypair() -> None:
    public, secret = curve_keypair()
    assert isinstance(public, bytes) and isinstance(secret, bytes)
    assert len(public) == len(secret) == 40
    assert curve_public(secret) == public
    assert len(z85.decode(public)) == 32
    assert curve_keypair() != (public, secret)


@pytest.mark.parametrize("bad", [b"", b"x" * 39, b"x" * 41, SERVER_SECRET])
def test_curve_public_bad_length(bad: bytes) -> None:
    with pytest.raises(ValueError):
        curve_public(bad)


def test_curve_public_bad_characters() -> None:
    with pytest.raises(ValueError):
        curve_public(b" " * 40)


def test_mechanism_key_arguments() -> None:
    # Z85 keys are accepted in place of raw bytes.
    m = CurveMechanism(
        [],
        as_server=False,
        public_key=CLIENT_PUBLIC_Z85,
        secret_key=CLIENT_SECRET_Z85.decode(),
        server_key=SERVER_PUBLIC_Z85,
    )
    assert m.start()[0].startswith(b"\x05HELLO")
    with pytest.raises(ValueError):
        CurveMechanism([], as_server=False, public_key=CLIENT_PUBLIC, secret_key=CLIENT_SECRET)
    with pytest.raises(ValueError):
        CurveMechanism([], as_server=True, public_key=b"short", secret_key=SERVER_SECRET)
    with pytest.raises(ValueError):
        curve_client(random=lambda n: b"x")  # a broken random source is caught


def test_easy_afternm_is_the_classic_box() -> None:
    """The codec uses the *_easy_afternm bindings; they produce crypto_box's exact bytes."""
    k = crypto_box_beforenm(SERVER_PUBLIC, CLIENT_SECRET)
    nonce = b"CurveZMQMESSAGEC" + nonce8(3)
    for msg in (b"", b"\x00", b"\x01hello", bytes(1000)):
        boxed = crypto_box_easy_afternm(msg, nonce, k)
        assert boxed == crypto_box_afternm(msg, nonce, k)
        assert boxed == crypto_box(msg, nonce, SERVER_PUBLIC, CLIENT_SECRET)


# =============================================================================================
# CURVE: transcripts
# =============================================================================================
def curve_transcript(chunker: Callable = whole):
    a, b = curve_pair()
    pump(a, b, chunker)
    assert a.hs.done and b.hs.done
    return a, b


def test_curve_handshake_sizes_and_framing() -> None:
    a, b = curve_transcript()
    cf, sf = frames(bytes(a.sent[64:])), frames(bytes(b.sent[64:]))
    assert [(f, len(body)) for f, body in cf] == [(0x04, 200), (0x06, 292)]
    assert [(f, len(body)) for f, body in sf] == [(0x04, 168), (0x04, 65)]
    assert a.sent[12:32] == b"CURVE".ljust(20, b"\x00")
    md_c = encode_metadata(props(DEALER))
    md_s = encode_metadata(props(ROUTER))
    assert len(md_c) == len(md_s) == 35
    assert len(cf[1][1]) == 257 + len(md_c) and len(sf[1][1]) == 30 + len(md_s)
    # The INITIATE goes out as a long command frame, as 4.0 sends it.
    assert bytes(a.sent[64 + 202 : 64 + 211]) == bytes.fromhex("06 00 00 00 00 00 00 01 24")
    assert a.hs.peer_metadata == {"Socket-Type": b"ROUTER", "Identity": b""}
    assert b.hs.peer_metadata == {"Socket-Type": b"DEALER", "Identity": b""}
    assert b.mech.client_public_key == CLIENT_PUBLIC


@pytest.mark.parametrize("chunker", list(CHUNKERS))
def test_curve_transcript_is_deterministic(chunker: str) -> None:
    a1, b1 = curve_transcript()
    a2, b2 = curve_transcript(CHUNKERS[chunker])
    assert a1.sent == a2.sent and b1.sent == b2.sent
    # ... and another seed gives different bytes
    a3, b3 = curve_pair(cseed="other")
    pump(a3, b3)
    assert a3.sent[64:] != a1.sent[64:]


def test_curve_transcript_matches_independent_construction() -> None:
    """Rebuild every command from the RFC 26 layout with plain crypto_box/secretbox calls,
    drawing the same seeded random bytes in the documented order, and compare bytes."""
    a, b = curve_transcript()
    (_, hello), (_, initiate) = frames(bytes(a.sent[64:]))
    (_, welcome), (_, ready) = frames(bytes(b.sent[64:]))
    rc, rs = seeded("client"), seeded("server")
    c_t = rc(32)  # client transient secret (drawn when the mechanism is created)
    C_t = crypto_scalarmult_base(c_t)
    n1, n2 = nonce8(1), nonce8(2)
    assert hello == (
        b"\x05HELLO\x01\x00"
        + bytes(72)
        + C_t
        + n1
        + crypto_box(bytes(64), b"CurveZMQHELLO---" + n1, SERVER_PUBLIC, c_t)
    )
    s_t, cookie_key, cookie_nonce, welcome_nonce = rs(32), rs(32), rs(16), rs(16)
    S_t = crypto_scalarmult_base(s_t)
    cookie = cookie_nonce + crypto_secretbox(C_t + s_t, b"COOKIE--" + cookie_nonce, cookie_key)
    assert len(cookie) == 96
    assert welcome == (
        b"\x07WELCOME"
        + welcome_nonce
        + crypto_box(S_t + cookie, b"WELCOME-" + welcome_nonce, C_t, SERVER_SECRET)
    )
    vouch_nonce = rc(16)
    vouch = crypto_box(C_t + SERVER_PUBLIC, b"VOUCH---" + vouch_nonce, S_t, CLIENT_SECRET)
    assert len(vouch) == 80
    md_c = encode_metadata(props(DEALER))
    assert initiate == (
        b"\x08INITIATE"
        + cookie
        + n2
        + crypto_box(CLIENT_PUBLIC + vouch_nonce + vouch + md_c, b"CurveZMQINITIATE" + n2, S_t, c_t)
    )
    md_s = encode_metadata(props(ROUTER))
    assert ready == b"\x05READY" + n1 + crypto_box(md_s, b"CurveZMQREADY---" + n1, C_t, s_t)
    # The cookie really holds C' and s' under K.
    assert crypto_secretbox_open(cookie[16:], b"COOKIE--" + cookie[:16], cookie_key) == C_t + s_t
    # First MESSAGEs: client nonce 3 (after HELLO 1, INITIATE 2), server nonce 2 (after READY).
    assert encode(a.mech.codec, [[b"hello"]]) == (
        b"\x00\x26\x07MESSAGE"
        + nonce8(3)
        + crypto_box(b"\x00hello", b"CurveZMQMESSAGEC" + nonce8(3), S_t, c_t)
    )
    assert encode(b.mech.codec, [[b"a", b"b"]]) == (
        b"\x00\x22\x07MESSAGE"
        + nonce8(2)
        + crypto_box(b"\x01a", b"CurveZMQMESSAGES" + nonce8(2), C_t, s_t)
        + b"\x00\x22\x07MESSAGE"
        + nonce8(3)
        + crypto_box(b"\x00b", b"CurveZMQMESSAGES" + nonce8(3), C_t, s_t)
    )


def test_curve_server_keeps_only_the_cookie_key() -> None:
    client, server = curve_client(), curve_server()
    (hello,) = client.start()
    server.on_command(hello)
    state = {k: v for k, v in vars(server).items() if isinstance(v, bytes) and len(v) == 32}
    # Long-term keys and the cookie key; no transient key, no C'.
    assert set(state) == {"_public", "_secret", "_server_key", "_cookie_key"}


def test_curve_message_size() -> None:
    cc, sc = ready_curve_codecs()
    data = encode(cc, [[b"12345"]])
    assert frames(data) == [(0, data[2:])] and len(data) - 2 == 38  # 33 + payload


def test_curve_data_coalesced_with_ready() -> None:
    """MESSAGEs sent right behind READY arrive in the client's ``rest``."""
    a, b = curve_pair()
    pump_with_post(a, b, lambda: encode(b.mech.codec, [[b"early", b"bird"]]))
    assert a.hs.done and b.hs.done
    assert a.hs.rest
    assert a.mech.codec.decoder().feed(a.hs.rest) == [[b"early", b"bird"]]


# =============================================================================================
# CURVE: ZAP
# =============================================================================================
@pytest.mark.parametrize("chunker", list(CHUNKERS))
def test_curve_zap_pause_and_accept(chunker: str) -> None:
    a, b = curve_pair(server_kw={"use_zap": True})
    pump(a, b, CHUNKERS[chunker])
    assert b.hs.zap_request == ZapRequest(b"CURVE", (CLIENT_PUBLIC,))
    assert not b.hs.done and not a.hs.done
    assert b.mech.codec is None
    assert [len(body) for _, body in frames(bytes(b.sent[64:]))] == [168]  # no READY yet
    pump(a, b, CHUNKERS[chunker], zap=lambda r: ZapReply(b"200", b"OK", b"curve-user"))
    assert a.hs.done and b.hs.done
    assert b.mech.user_id == b"curve-user"
    cc, sc = a.mech.codec, b.mech.codec
    assert sc.decoder().feed(encode(cc, [[b"x"]])) == [[b"x"]]


@pytest.mark.parametrize("status", [b"300", b"400", b"500"])
def test_curve_zap_refusal(status: bytes) -> None:
    a, b = curve_pair(server_kw={"use_zap": True})
    pump(a, b)
    assert_fails(lambda: b.hs.zap_reply(ZapReply(status)), int(status), FailureKind.AUTH)
    assert b.mech.error_reply == error_body(status)
    assert b.mech.codec is None and not b.mech.ready
    # The client receives the ERROR in place of READY.
    err = assert_fails(
        lambda: a.hs.receive(encode_command(b.mech.error_reply)), kind=FailureKind.AUTH
    )
    assert status.decode() in err.reason


def test_curve_zap_invalid_status() -> None:
    a, b = curve_pair(server_kw={"use_zap": True})
    pump(a, b)
    assert_fails(lambda: b.hs.zap_reply(ZapReply(b"201")), ProtocolCode.ZAP_INVALID_STATUS_CODE)
    assert b.mech.error_reply is None


def test_curve_command_while_waiting_for_zap() -> None:
    client, server = curve_client(), curve_server(use_zap=True)
    (hello,) = client.start()
    (welcome,) = server.on_command(hello)
    (initiate,) = client.on_command(welcome)
    assert server.on_command(initiate) == []
    assert server.zap_request is not None
    assert_fails(lambda: server.on_command(initiate), ProtocolCode.ZMTP_UNEXPECTED_COMMAND)


# =============================================================================================
# CURVE: data codec
# =============================================================================================
MESSAGES = [
    [b"hello"],
    [b""],
    [b"", b"", b""],
    [b"a", b"", b"c" * 255],
    [b"x" * 256],
    [b"", b"hello"],
    [bytes(range(256)) * 4, b"tail"],
]


@pytest.mark.parametrize("chunker", list(CHUNKERS))
def test_curve_codec_round_trip(chunker: str) -> None:
    cc, sc = ready_curve_codecs()
    for src, dst in ((cc, sc), (sc, cc)):
        dec = dst.decoder()
        data = encode(src, MESSAGES)
        assert feed_chunks(dec, data, CHUNKERS[chunker]) == MESSAGES
        # the decoder keeps going with later batches
        assert feed_chunks(dec, encode(src, [[b"again"]]), CHUNKERS[chunker]) == [[b"again"]]


@pytest.mark.parametrize("size", [0, 255, 256, 32 * 1024, 1 << 20])
def test_curve_codec_sizes(size: int) -> None:
    cc, sc = ready_curve_codecs()
    body = bytes(range(256)) * (size // 256) + bytes(size % 256)
    msgs = [[body], [b"head", body]]
    data = encode(cc, msgs)
    dec = sc.decoder()
    assert dec.feed(data) == msgs
    # Cut in 3 pieces, and through body_buffer/body_received (the engine's recv_into path).
    dec = sc.decoder()
    got: List[List[bytes]] = []
    for piece in (
        data[: len(data) // 3],
        data[len(data) // 3 : 2 * len(data) // 3],
        data[2 * len(data) // 3 :],
    ):
        got += dec.feed(piece)
    assert got == msgs


@pytest.mark.parametrize("size", [40 * 1024, 1 << 20])
def test_curve_decoder_body_buffer(size: int) -> None:
    cc, sc = ready_curve_codecs()
    body = b"\xab" * size
    data = encode(cc, [[body, b"end"]])
    dec = sc.decoder()
    got = dec.feed(data[:100])
    pos = 100
    while pos < len(data):
        buf = dec.body_buffer()
        if buf is None:
            got += dec.feed(data[pos : pos + 7000])
            pos += 7000
            continue
        n = min(len(buf), 5000, len(data) - pos)
        buf[:n] = data[pos : pos + n]
        buf.release()
        pos += n
        got += dec.body_received(n)
    assert got == [[body, b"end"]]


def test_curve_codec_big_callback() -> None:
    """With ``big`` the large box is handed over separately (scatter/gather)."""
    cc, sc = ready_curve_codecs()
    parts: List[bytes] = []
    out = bytearray()

    def big(frame: bytes) -> None:
        parts.append(bytes(out))
        out.clear()
        parts.append(frame)

    body = b"z" * 100_000
    cc.encode([[b"small", body]], out, big)
    parts.append(bytes(out))
    assert len(parts) == 3
    assert sc.decoder().feed(b"".join(parts)) == [[b"small", body]]


@pytest.mark.parametrize("flags_for", ["data", "command"])
def test_curve_decoder_accepts_both_frame_kinds(flags_for: str) -> None:
    """libzmq sends MESSAGE in data frames (0x00/0x02); RFC 23 would use 0x04/0x06."""
    cc, sc = ready_curve_codecs()
    msgs = [[b"a", b"b" * 300], [b""]]
    data = encode(cc, msgs)
    assert {f for f, _ in frames(data)} == {0x00, 0x02}  # what we send: data frames
    if flags_for == "command":
        data = reframe(data, lambda f: f | 0x04)
        assert {f for f, _ in frames(data)} == {0x04, 0x06}
    assert sc.decoder().feed(data) == msgs


def test_curve_codec_command_frames_option() -> None:
    client, server = curve_client(), curve_server()
    curve_commands(client, server)
    codec = CurveCodec(
        client.codec._key,
        b"CurveZMQMESSAGEC",
        b"CurveZMQMESSAGES",
        2,
        nonce8(1),
        True,
        command_frames=True,
    )
    data = encode(codec, [[b"q" * 300, b"r"]])
    assert [f for f, _ in frames(data)] == [0x06, 0x04]
    assert server.codec.decoder().feed(data) == [[b"q" * 300, b"r"]]


def test_curve_inner_commands_go_to_the_hook() -> None:
    cc, sc = ready_curve_codecs()
    out = bytearray()
    cc.encode([[b"first", b"more"]], out)
    cc.encode_command(b"\x04PING\x00\x0ahi", out)
    cc.encode([[b"after"]], out)
    seen: List[bytes] = []
    dec = sc.decoder(on_command=seen.append)
    assert dec.feed(bytes(out)) == [[b"first", b"more"], [b"after"]]
    assert seen == [b"\x04PING\x00\x0ahi"]
    # Without a hook the command is dropped (never delivered as data).
    assert sc.decoder().feed(bytes(out)) == [[b"first", b"more"], [b"after"]]
    # The hook can be set after creation too.
    dec = sc.decoder()
    dec.on_command = seen.append
    dec.feed(bytes(out))
    assert len(seen) == 2


def test_curve_maxmsgsize_applies_to_plaintext() -> None:
    cc, sc = ready_curve_codecs()
    ok = encode(cc, [[b"x" * 100]])
    assert sc.decoder(maxmsgsize=100).feed(ok) == [[b"x" * 100]]
    too_big = encode(cc, [[b"x" * 101]])
    assert_fails(lambda: sc.decoder(maxmsgsize=100).feed(too_big[:9]), kind=FailureKind.LIMIT)
    # Refused from the header alone: a huge claimed size costs nothing.
    huge = b"\x02" + (1 << 40).to_bytes(8, "big")
    assert_fails(lambda: sc.decoder(maxmsgsize=1000).feed(huge), kind=FailureKind.LIMIT)
    assert sc.decoder(maxmsgsize=0).feed(encode(cc, [[b""]])) == [[b""]]


@given(
    st.lists(st.lists(st.binary(max_size=300), min_size=1, max_size=4), max_size=5),
    st.integers(1, 64),
)
@settings(max_examples=60, deadline=None)
def test_curve_codec_property(msgs: List[List[bytes]], step: int) -> None:
    """Random messages, random chunk sizes: what goes in comes out. One handshake serves all
    examples: the sender's nonces keep increasing, and each example has a fresh decoder."""
    cc, sc = CODECS
    dec = sc.decoder()
    data = encode(cc, msgs)
    got = []
    for i in range(0, len(data), step):
        got += dec.feed(data[i : i + step])
    assert got == msgs


CODECS = ready_curve_codecs(seed="prop")


# =============================================================================================
# CURVE: bad input
# =============================================================================================
def flips(body: bytes):
    """Every copy of ``body`` with one bit of one byte flipped."""
    for i in range(len(body)):
        yield body[:i] + bytes((body[i] ^ 0x01,)) + body[i + 1 :]


def test_tampered_hello_rejected() -> None:
    client = curve_client()
    (hello,) = client.start()
    for bad in flips(hello):
        server = curve_server()
        assert_fails(partial(server.on_command, bad))
    assert curve_server().on_command(hello)  # the untouched one is fine


def test_tampered_welcome_rejected() -> None:
    for i in range(168):
        client, server = curve_client(), curve_server()
        (hello,) = client.start()
        (welcome,) = server.on_command(hello)
        bad = welcome[:i] + bytes((welcome[i] ^ 0x80,)) + welcome[i + 1 :]
        assert_fails(partial(client.on_command, bad))


def test_tampered_initiate_rejected() -> None:
    client, server = curve_client(), curve_server()
    (hello,) = client.start()
    (welcome,) = server.on_command(hello)
    (initiate,) = client.on_command(welcome)
    for bad in flips(initiate):
        server = curve_server()
        server.on_command(hello)  # same seed: the same cookie key
        assert_fails(partial(server.on_command, bad))
    server = curve_server()
    server.on_command(hello)
    assert server.on_command(initiate)


def test_tampered_ready_rejected() -> None:
    client, server = curve_client(), curve_server()
    cmds = curve_commands(client, server)
    ready = cmds["ready"]
    for bad in flips(ready):
        client, server = curve_client(), curve_server()
        (hello,) = client.start()
        (welcome,) = server.on_command(hello)
        client.on_command(welcome)
        assert_fails(partial(client.on_command, bad))
        assert client.codec is None


def test_tampered_message_rejected() -> None:
    cc, sc = ready_curve_codecs()
    data = encode(cc, [[b"payload!" * 4]])
    assert data[0] == 0 and len(data) == 2 + 33 + 32
    for i in range(2, len(data)):
        bad = data[:i] + bytes((data[i] ^ 0x10,)) + data[i + 1 :]
        assert_fails(partial(sc.decoder().feed, bad))
    assert sc.decoder().feed(data) == [[b"payload!" * 4]]


def test_replayed_message_rejected() -> None:
    cc, sc = ready_curve_codecs()
    m1 = encode(cc, [[b"one"]])
    dec = sc.decoder()
    assert dec.feed(m1) == [[b"one"]]
    assert_fails(lambda: dec.feed(m1), ProtocolCode.ZMTP_INVALID_SEQUENCE)
    # Replayed within one chunk too.
    assert_fails(lambda: sc.decoder().feed(m1 + m1), ProtocolCode.ZMTP_INVALID_SEQUENCE)


def test_reordered_messages_rejected() -> None:
    cc, sc = ready_curve_codecs()
    m1, m2 = encode(cc, [[b"one"]]), encode(cc, [[b"two"]])
    dec = sc.decoder()
    assert dec.feed(m2) == [[b"two"]]
    assert_fails(lambda: dec.feed(m1), ProtocolCode.ZMTP_INVALID_SEQUENCE)


def test_message_nonce_must_exceed_handshake_nonce() -> None:
    """The server's first MESSAGE nonce must exceed the client's INITIATE nonce (2): a
    forged MESSAGE reusing nonce 2 is rejected before any decryption is attempted."""
    client, server = curve_client(), curve_server()
    curve_commands(client, server)
    forged = CurveCodec(client.codec._key, b"CurveZMQMESSAGEC", b"", 1, nonce8(0))
    data = encode(forged, [[b"x"]])  # nonce 2, authentic box
    assert data[10:18] == nonce8(2)
    assert_fails(lambda: server.codec.decoder().feed(data), ProtocolCode.ZMTP_INVALID_SEQUENCE)


def test_verify_nonces_off_accepts_replay() -> None:
    """``verify_nonces=False`` (for libzmq 4.0's little-endian counters) skips the check."""
    cc, sc = ready_curve_codecs(verify_nonces=False)
    m1 = encode(cc, [[b"one"]])
    dec = sc.decoder()
    assert dec.feed(m1) == [[b"one"]]
    assert dec.feed(m1) == [[b"one"]]


def test_little_endian_counter_is_rejected_after_255() -> None:
    """A 4.0-style little-endian counter looks increasing only up to 255 (reference §6.4)."""
    client, server = curve_client(), curve_server()
    curve_commands(client, server)
    key = client.codec._key
    dec = server.codec.decoder()

    def le_message(n: int) -> bytes:
        nonce = n.to_bytes(8, "little")
        box = crypto_box_easy_afternm(b"\x00m", b"CurveZMQMESSAGEC" + nonce, key)
        return b"\x00" + bytes((16 + len(box),)) + b"\x07MESSAGE" + nonce + box

    for n in range(3, 256):
        assert dec.feed(le_message(n)) == [[b"m"]]
    assert_fails(lambda: dec.feed(le_message(256)), ProtocolCode.ZMTP_INVALID_SEQUENCE)


def test_message_wrong_direction_rejected() -> None:
    """A client MESSAGE reflected back to the client does not open (nonce prefixes differ)."""
    cc, sc = ready_curve_codecs()
    assert_fails(lambda: cc.decoder().feed(encode(cc, [[b"x"]])), ProtocolCode.ZMTP_CRYPTOGRAPHIC)


@pytest.mark.parametrize(
    "body",
    [
        b"\x04PING\x00\x00",  # a plaintext ZMTP 3.1 command
        b"\x05READY" + bytes(40),
        b"\x07MESSAGF" + bytes(40),
        b"\x05HELLO" + bytes(194),
    ],
)
@pytest.mark.parametrize("flags", [0x00, 0x04])
def test_unknown_or_plain_frames_after_handshake(body: bytes, flags: int) -> None:
    cc, sc = ready_curve_codecs()
    assert_fails(lambda: sc.decoder().feed(bytes((flags, len(body))) + body))


def test_error_command_after_handshake() -> None:
    cc, sc = ready_curve_codecs()
    body = error_body(b"bye") + bytes(30)
    assert_fails(lambda: cc.decoder().feed(encode_command(body)), kind=FailureKind.AUTH)


@pytest.mark.parametrize("size", [0, 1, 16, 32])
def test_truncated_message_rejected(size: int) -> None:
    cc, sc = ready_curve_codecs()
    full = encode(cc, [[b""]])[2:]  # 33 bytes
    assert_fails(
        lambda: sc.decoder().feed(bytes((0, size)) + full[:size]),
        ProtocolCode.ZMTP_MALFORMED_COMMAND_MESSAGE,
    )


def test_incomplete_message_waits() -> None:
    cc, sc = ready_curve_codecs()
    data = encode(cc, [[b"abc", b"def"]])
    dec = sc.decoder()
    assert dec.feed(data[:-1]) == []
    assert dec.feed(data[-1:]) == [[b"abc", b"def"]]


def test_multipart_cut_by_commands_and_chunks() -> None:
    """A MORE frame followed by nothing yet: no message until the last part arrives."""
    cc, sc = ready_curve_codecs()
    dec = sc.decoder()
    out = bytearray()
    cc.encode([[b"p1", b"p2", b"p3"]], out)
    parts = frames(bytes(out))
    first = bytes((0, len(parts[0][1]))) + parts[0][1]
    assert dec.feed(first) == []
    assert dec.feed(bytes(out)[len(first) :]) == [[b"p1", b"p2", b"p3"]]


@given(st.binary(max_size=200))
@settings(max_examples=200, deadline=None)
def test_decoder_parse_or_protocol_error(data: bytes) -> None:
    """Garbage: the decoder returns nothing or raises ProtocolError, nothing else."""
    dec = CODECS[1].decoder()
    try:
        assert dec.feed(data) == []
    except ProtocolError:
        pass


# -- handshake-level bad input -----------------------------------------------------------------
def hello_with(**changes: Any) -> bytes:
    client = curve_client()
    (hello,) = client.start()
    b = bytearray(hello)
    for offset, value in changes.get("patch", []):
        b[offset : offset + len(value)] = value
    return bytes(b)


@pytest.mark.parametrize(
    "body,code",
    [
        (hello_with()[:-1], ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO),  # 199 bytes
        (hello_with() + b"\x00", ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO),  # 201 bytes
        (hello_with(patch=[(6, b"\x02\x00")]), ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO),
        (hello_with(patch=[(6, b"\x01\x01")]), ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO),
        (hello_with(patch=[(8, b"\x01")]), ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO),  # padding
        (hello_with(patch=[(79, b"\x01")]), ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO),
        (hello_with(patch=[(80, bytes(32))]), ProtocolCode.ZMTP_CRYPTOGRAPHIC),  # zero C'
        (hello_with(patch=[(112, nonce8(7))]), ProtocolCode.ZMTP_CRYPTOGRAPHIC),
        # RFC 26 prose says 70 bytes of padding: such a HELLO is 198 bytes and refused.
        (
            hello_with()[:8] + bytes(70) + hello_with()[80:],
            ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO,
        ),
        (b"\x05HELLX" + hello_with()[6:], ProtocolCode.ZMTP_UNEXPECTED_COMMAND),
        (b"\x08INITIATE" + bytes(300), ProtocolCode.ZMTP_UNEXPECTED_COMMAND),
    ],
)
def test_server_rejects_bad_hello(body: bytes, code: int) -> None:
    assert_fails(lambda: curve_server().on_command(body), code)


def test_hello_signature_must_be_zeros() -> None:
    """A HELLO box that opens but holds something else than 64 zero bytes is refused."""
    c_t = bytes(range(32))
    C_t = crypto_scalarmult_base(c_t)
    n = nonce8(1)
    box = crypto_box(b"\x01" * 64, b"CurveZMQHELLO---" + n, SERVER_PUBLIC, c_t)
    hello = b"\x05HELLO\x01\x00" + bytes(72) + C_t + n + box
    assert_fails(lambda: curve_server().on_command(hello), ProtocolCode.ZMTP_CRYPTOGRAPHIC)


def test_wrong_server_key() -> None:
    """A client configured with the wrong S: the server cannot open HELLO."""
    other_public = z85.decode(curve_keypair()[0])
    a, b = curve_pair(client_kw={"server_key": other_public})
    err = assert_fails(lambda: pump(a, b), ProtocolCode.ZMTP_CRYPTOGRAPHIC)
    assert "HELLO" in err.reason
    assert not b.sent[64:]  # nothing sent back


def test_welcome_from_impostor_rejected() -> None:
    """A server with another long-term key can't produce a WELCOME the client opens."""
    client = curve_client()
    (hello,) = client.start()
    pub, sec = curve_keypair()
    impostor = CurveMechanism([], as_server=True, public_key=pub, secret_key=sec)
    # The impostor can't even open HELLO (it is boxed to the real S).
    assert_fails(lambda: impostor.on_command(hello), ProtocolCode.ZMTP_CRYPTOGRAPHIC)


@pytest.mark.parametrize(
    "body,code",
    [
        (b"\x07WELCOME" + bytes(159), ProtocolCode.ZMTP_MALFORMED_COMMAND_WELCOME),
        (b"\x07WELCOME" + bytes(161), ProtocolCode.ZMTP_MALFORMED_COMMAND_WELCOME),
        (b"\x07WELCOME" + bytes(160), ProtocolCode.ZMTP_CRYPTOGRAPHIC),
        (b"\x05READY" + bytes(40), ProtocolCode.ZMTP_UNEXPECTED_COMMAND),
        (b"\x05HELLO" + bytes(194), ProtocolCode.ZMTP_UNEXPECTED_COMMAND),
    ],
)
def test_client_rejects_bad_welcome(body: bytes, code: int) -> None:
    client = curve_client()
    client.start()
    assert_fails(lambda: client.on_command(body), code)


def initiate_parts():
    """A client/server pair stopped just before INITIATE, plus the client's secrets."""
    rc = seeded("client")
    c_t = rc(32)
    client, server = curve_client(), curve_server()
    (hello,) = client.start()
    (welcome,) = server.on_command(hello)
    plain = crypto_box_open(welcome[24:], b"WELCOME-" + welcome[8:24], SERVER_PUBLIC, c_t)
    return server, c_t, crypto_scalarmult_base(c_t), plain[:32], plain[32:]


def forge_initiate(
    vouch_plain: bytes,
    vouch_from: bytes = CLIENT_SECRET,
    client_key: bytes = CLIENT_PUBLIC,
    vouch_len: int = 80,
):
    server, c_t, C_t, S_t, cookie = initiate_parts()
    vn = bytes(16)
    vouch = crypto_box(
        vouch_plain(C_t) if callable(vouch_plain) else vouch_plain,
        b"VOUCH---" + vn,
        S_t,
        vouch_from,
    )
    assert len(vouch) == vouch_len
    md = encode_metadata(props(DEALER))
    n = nonce8(2)
    box = crypto_box(client_key + vn + vouch + md, b"CurveZMQINITIATE" + n, S_t, c_t)
    return server, b"\x08INITIATE" + cookie + n + box


def test_forged_initiate_accepted_when_correct() -> None:
    server, initiate = forge_initiate(lambda C_t: C_t + SERVER_PUBLIC)
    assert server.on_command(initiate)
    assert server.ready


def test_vouch_with_wrong_transient_key() -> None:
    server, initiate = forge_initiate(lambda C_t: bytes(32) + SERVER_PUBLIC)
    assert_fails(lambda: server.on_command(initiate), ProtocolCode.ZMTP_KEY_EXCHANGE)


def test_vouch_with_wrong_server_key() -> None:
    """libzmq 4.0 does not compare the S half of the vouch; we do (RFC 26)."""
    server, initiate = forge_initiate(lambda C_t: C_t + bytes(32))
    assert_fails(lambda: server.on_command(initiate), ProtocolCode.ZMTP_KEY_EXCHANGE)


def test_old_4_0_0_vouch_rejected() -> None:
    """4.0.0's vouch Box[C'](C->S) (48 bytes) does not interoperate with 4.0.1+."""
    server, c_t, C_t, S_t, cookie = initiate_parts()
    vn = bytes(16)
    vouch = crypto_box(C_t, b"VOUCH---" + vn, SERVER_PUBLIC, CLIENT_SECRET)
    n = nonce8(2)
    md = encode_metadata(props(DEALER)) + bytes(32)  # keep the size >= 257
    box = crypto_box(CLIENT_PUBLIC + vn + vouch + md, b"CurveZMQINITIATE" + n, S_t, c_t)
    assert_fails(
        lambda: server.on_command(b"\x08INITIATE" + cookie + n + box),
        ProtocolCode.ZMTP_CRYPTOGRAPHIC,
    )


def test_vouch_signed_by_another_client_key() -> None:
    """C in the INITIATE box must be the key that made the vouch."""
    other_secret = z85.decode(curve_keypair()[1])
    server, initiate = forge_initiate(lambda C_t: C_t + SERVER_PUBLIC, vouch_from=other_secret)
    assert_fails(lambda: server.on_command(initiate), ProtocolCode.ZMTP_CRYPTOGRAPHIC)


def test_client_with_mismatched_key_pair() -> None:
    """A client whose public key does not belong to its secret key fails the vouch."""
    other_public = z85.decode(curve_keypair()[0])
    a, b = curve_pair(client_kw={"public_key": other_public})
    assert_fails(lambda: pump(a, b), ProtocolCode.ZMTP_CRYPTOGRAPHIC)


def test_initiate_bad_metadata() -> None:
    server, c_t, C_t, S_t, cookie = initiate_parts()
    vn = bytes(16)
    vouch = crypto_box(C_t + SERVER_PUBLIC, b"VOUCH---" + vn, S_t, CLIENT_SECRET)
    n = nonce8(2)
    box = crypto_box(CLIENT_PUBLIC + vn + vouch + b"\x05", b"CurveZMQINITIATE" + n, S_t, c_t)
    assert_fails(
        lambda: server.on_command(b"\x08INITIATE" + cookie + n + box),
        ProtocolCode.ZMTP_INVALID_METADATA,
    )


def test_initiate_too_short() -> None:
    server = initiate_parts()[0]
    assert_fails(
        lambda: server.on_command(b"\x08INITIATE" + bytes(247)),
        ProtocolCode.ZMTP_MALFORMED_COMMAND_INITIATE,
    )


def test_replayed_initiate_with_another_connection() -> None:
    """An INITIATE recorded on one connection does not open on another (different K)."""
    client, server = curve_client(), curve_server()
    cmds = curve_commands(client, server)
    other = curve_server(seed="another")
    other.on_command(cmds["hello"])
    assert_fails(lambda: other.on_command(cmds["initiate"]), ProtocolCode.ZMTP_CRYPTOGRAPHIC)


def test_ready_too_short_and_error() -> None:
    for body, code, kind in [
        (b"\x05READY" + bytes(23), ProtocolCode.ZMTP_MALFORMED_COMMAND_READY, None),
        (b"\x07WELCOME" + bytes(160), ProtocolCode.ZMTP_UNEXPECTED_COMMAND, None),
        (error_body(b"no"), None, FailureKind.AUTH),
    ]:
        client, server = curve_client(), curve_server()
        (hello,) = client.start()
        client.on_command(server.on_command(hello)[0])
        assert_fails(partial(client.on_command, body), code, kind)


def test_error_instead_of_welcome() -> None:
    client = curve_client()
    client.start()
    err = assert_fails(lambda: client.on_command(error_body(b"400")), kind=FailureKind.AUTH)
    assert "400" in err.reason


def test_curve_two_clients_fail() -> None:
    a = Side(Handshake(DEALER, b"", curve_client(seed="a")))
    b = Side(Handshake(DEALER, b"", curve_client(seed="b")))
    assert_fails(lambda: pump(a, b), ProtocolCode.ZMTP_UNEXPECTED_COMMAND)


def test_curve_two_servers_wait_forever() -> None:
    a = Side(Handshake(DEALER, b"", curve_server(DEALER, seed="a")))
    b = Side(Handshake(DEALER, b"", curve_server(DEALER, seed="b")))
    pump(a, b)
    assert not a.hs.done and not b.hs.done
    assert len(a.sent) == len(b.sent) == 64


def test_curve_incompatible_socket_types() -> None:
    a, b = curve_pair(ctype=SUB, stype=PUSH)
    assert_fails(lambda: pump(a, b), ProtocolCode.ZMTP_INVALID_METADATA)


def test_curve_commands_after_handshake_refused() -> None:
    client, server = curve_client(), curve_server()
    cmds = curve_commands(client, server)
    assert_fails(lambda: server.on_command(cmds["initiate"]), ProtocolCode.ZMTP_UNEXPECTED_COMMAND)
    assert_fails(lambda: client.on_command(cmds["ready"]), ProtocolCode.ZMTP_UNEXPECTED_COMMAND)


@given(st.binary(max_size=300))
@settings(max_examples=150, deadline=None)
def test_curve_mechanism_parse_or_protocol_error(body: bytes) -> None:
    server = curve_server()
    try:
        server.on_command(body)
    except ProtocolError:
        pass
    client = curve_client()
    client.start()
    try:
        client.on_command(body)
    except ProtocolError:
        pass


# =============================================================================================
# Interop with real libzmq (pyzmq, in a child process)
# =============================================================================================
needs_pyzmq = pytest.mark.skipif(
    importlib.util.find_spec("zmq") is None, reason="pyzmq is not installed"
)

CHILD = r"""
import hashlib, json, os, sys, threading
import zmq

args = json.loads(sys.argv[1])

def out(**kw):
    print(json.dumps(kw), flush=True)

def desc(frames):
    return [[len(f), hashlib.sha256(f).hexdigest()] for f in frames]

ctx = zmq.Context()
if args.get("zap"):
    zs = ctx.socket(zmq.REP)
    zs.linger = 0
    zs.bind("inproc://zeromq.zap.01")
    def handler():
        while True:
            try:
                req = zs.recv_multipart()
            except zmq.ZMQError:
                return
            ok = args["zap"] == "accept"
            out(zap=req[5].decode(), creds=[c.hex() for c in req[6:]])
            zs.send_multipart([req[0], req[1], b"200" if ok else b"400", b"", b"", b""])
    threading.Thread(target=handler, daemon=True).start()

def wait_for(sock):
    # True when sock is readable; exit at once when the test closes our stdin.
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    poller.register(sys.stdin.fileno(), zmq.POLLIN)
    events = dict(poller.poll(5000))
    if sock in events:
        return True
    if events:
        os._exit(0)
    out(timeout=True)
    return False

server = args["role"] == "server"
s = ctx.socket(zmq.REP if server else zmq.REQ)
s.linger = 0
if args["mech"] == "curve":
    if server:
        s.curve_server = 1
        s.curve_secretkey = args["secret"].encode()
    else:
        s.curve_serverkey = args["server"].encode()
        s.curve_publickey = args["public"].encode()
        s.curve_secretkey = args["secret"].encode()
else:
    if server:
        s.plain_server = 1
    else:
        s.plain_username = args["username"].encode()
        s.plain_password = args["password"].encode()
if args.get("heartbeat"):
    s.heartbeat_ivl = args["heartbeat"]
    s.heartbeat_timeout = 5000
if server:
    out(port=s.bind_to_random_port("tcp://127.0.0.1"))
    if wait_for(s):
        msg = s.recv_multipart()
        s.send_multipart([b"echo"] + msg)
        out(got=desc(msg))
else:
    mon = None
    if args.get("monitor"):
        mon = s.get_monitor_socket(zmq.EVENT_HANDSHAKE_FAILED_AUTH
                                   | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
                                   | zmq.EVENT_HANDSHAKE_SUCCEEDED)
    s.connect("tcp://127.0.0.1:%d" % args["port"])
    request = [bytes.fromhex(h) for h in args["send"]]
    if args.get("big"):
        request.append(b"\x5a" * args["big"])
    s.send_multipart(request)
    if mon is not None:
        from zmq.utils.monitor import recv_monitor_message
        if wait_for(mon):
            ev = recv_monitor_message(mon)
            out(event=int(ev["event"]), value=ev["value"])
    elif wait_for(s):
        out(reply=desc(s.recv_multipart()))
sys.stdin.read()  # stay up (and keep flushing) until the test is done
os._exit(0)
"""


class Child:
    """A pyzmq process; JSON lines on stdout, stdin closed to end it."""

    def __init__(self, **args: Any) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, json.dumps(args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: "queue.Queue[Optional[str]]" = queue.Queue()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def read(self, timeout: float = 8.0) -> Dict[str, Any]:
        line = self.lines.get(timeout=timeout)
        assert line is not None, "child exited"
        return json.loads(line)

    def close(self) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            self.proc.wait()


def desc(frames: List[bytes]) -> List[List[Any]]:
    return [[len(f), hashlib.sha256(f).hexdigest()] for f in frames]


def drive(sock: socket.socket, hs: Handshake, zap: Optional[Callable] = None) -> None:
    """Run ``hs`` over a real socket until done (ProtocolError/EOFError propagate)."""
    sock.sendall(hs.start())
    while not hs.done:
        if hs.zap_request is not None:
            assert zap is not None
            try:
                out = hs.zap_reply(zap(hs.zap_request))
            except ProtocolError:
                reply = hs.mechanism.error_reply
                if reply is not None:
                    sock.sendall(encode_command(reply))
                raise
            if out:
                sock.sendall(out)
            continue
        data = sock.recv(65536)
        if not data:
            raise EOFError("peer closed during the handshake")
        out = hs.receive(data)
        if out:
            sock.sendall(out)


class Link:
    """Data exchange after the handshake, for PLAIN (plain framing) and CURVE (codec)."""

    def __init__(self, sock: socket.socket, hs: Handshake) -> None:
        self.sock = sock
        codec = getattr(hs.mechanism, "codec", None)
        self.codec = codec
        self.commands: List[bytes] = []
        on_command = self.commands.append
        self.dec = codec.decoder(-1, on_command) if codec is not None else V3Decoder(-1, on_command)
        self.pending = self.dec.feed(hs.rest) if hs.rest else []

    def pump_until(self, pred: Callable[[], bool]) -> None:
        while not pred():
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError("peer closed")
            self.pending += self.dec.feed(data)

    def send(self, msg: List[bytes]) -> None:
        out = bytearray()
        if self.codec is not None:
            self.codec.encode([msg], out)
        else:
            encode_messages([msg], out)
        self.sock.sendall(out)

    def recv(self) -> List[bytes]:
        while not self.pending:
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError("peer closed")
            self.pending += self.dec.feed(data)
        return self.pending.pop(0)


def our_mechanism(mech: str, as_server: bool, socket_type: int, **kw: Any):
    if mech == "curve":
        if as_server:
            return curve_server(socket_type, seed=None, **kw)
        return curve_client(socket_type, seed=None, **kw)
    if as_server:
        return PlainMechanism(props(socket_type), as_server=True, **kw)
    return PlainMechanism(
        props(socket_type), as_server=False, username=b"admin", password=b"secret", **kw
    )


def child_client_args(mech: str) -> Dict[str, Any]:
    if mech == "curve":
        return dict(
            mech="curve",
            server=SERVER_PUBLIC_Z85.decode(),
            public=CLIENT_PUBLIC_Z85.decode(),
            secret=CLIENT_SECRET_Z85.decode(),
        )
    return dict(mech="plain", username="admin", password="secret")


def child_server_args(mech: str) -> Dict[str, Any]:
    if mech == "curve":
        return dict(mech="curve", secret=SERVER_SECRET_Z85.decode())
    return dict(mech="plain")


EXPECTED_CREDS = {
    "curve": ("CURVE", [CLIENT_PUBLIC.hex()]),
    "plain": ("PLAIN", [b"admin".hex(), b"secret".hex()]),
}


@needs_pyzmq
@pytest.mark.timeout(15)
@pytest.mark.parametrize("mech", ["curve", "plain"])
def test_interop_we_are_client(mech: str) -> None:
    """Our REQ-side client handshake + codec against a libzmq REP server (with a ZAP handler
    that accepts and reports the credentials it saw)."""
    child = Child(role="server", zap="accept", **child_server_args(mech))
    try:
        port = child.read()["port"]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            hs = Handshake(REQ, b"", our_mechanism(mech, False, REQ))
            drive(sock, hs)
            assert hs.peer_metadata.get("Socket-Type") == b"REP"
            zap = child.read()
            assert (zap["zap"], zap["creds"]) == EXPECTED_CREDS[mech]
            link = Link(sock, hs)
            big = bytes(range(256)) * 1200  # ~300 KB: LONG frames, big-body path
            link.send([b"", b"hello", b"", big])
            assert link.recv() == [b"", b"echo", b"hello", b"", big]
            assert child.read()["got"] == desc([b"hello", b"", big])
    finally:
        child.close()


@needs_pyzmq
@pytest.mark.timeout(15)
@pytest.mark.parametrize("mech", ["curve", "plain"])
def test_interop_we_are_server(mech: str) -> None:
    """Our REP-side server handshake (with our ZAP pause) + codec against a libzmq REQ client."""
    with socket.socket() as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        lsock.settimeout(5)
        big = b"\x5a" * 100_000
        child = Child(
            role="client",
            port=lsock.getsockname()[1],
            send=[b"hello".hex()],
            big=len(big),
            **child_client_args(mech),
        )
        try:
            sock, _ = lsock.accept()
            with sock:
                sock.settimeout(5)
                requests: List[ZapRequest] = []

                def zap(req: ZapRequest) -> ZapReply:
                    requests.append(req)
                    return ZapReply(b"200")

                hs = Handshake(REP, b"", our_mechanism(mech, True, REP, use_zap=True))
                drive(sock, hs, zap)
                assert hs.peer_metadata.get("Socket-Type") == b"REQ"
                name, creds = EXPECTED_CREDS[mech]
                assert [(r.mechanism, [c.hex() for c in r.credentials]) for r in requests] == [
                    (name.encode(), creds)
                ]
                link = Link(sock, hs)
                assert link.recv() == [b"", b"hello", big]
                link.send([b"", b"world", big[:10]])
                assert child.read()["reply"] == desc([b"world", big[:10]])
        finally:
            child.close()


@needs_pyzmq
@pytest.mark.timeout(15)
@pytest.mark.parametrize("mech", ["curve", "plain"])
def test_interop_libzmq_refuses_us(mech: str) -> None:
    """libzmq >= 4.2 sends ERROR when its ZAP handler says 400: an AUTH failure for us."""
    child = Child(role="server", zap="deny", **child_server_args(mech))
    try:
        port = child.read()["port"]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            hs = Handshake(REQ, b"", our_mechanism(mech, False, REQ))
            err = assert_fails(lambda: drive(sock, hs))
            if mech == "curve":
                assert err.kind == FailureKind.AUTH and "400" in err.reason
            else:
                # libzmq 4.3's PLAIN ERROR is misspelt "^RROR\x03400" (body[0] = 0x5E), so
                # today's Handshake refuses it as a malformed command before PlainMechanism
                # (which understands it, see test_plain_client_libzmq_misspelt_error) sees it.
                assert err.kind == FailureKind.AUTH or "malformed" in err.reason
        zap = child.read()
        assert (zap["zap"], zap["creds"]) == EXPECTED_CREDS[mech]
    finally:
        child.close()


@needs_pyzmq
@pytest.mark.timeout(15)
@pytest.mark.parametrize("mech", ["curve", "plain"])
def test_interop_we_refuse_libzmq(mech: str) -> None:
    """Our ``error_reply`` is a well-formed ERROR: libzmq reports HANDSHAKE_FAILED_AUTH 400."""
    with socket.socket() as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        lsock.settimeout(5)
        child = Child(
            role="client",
            port=lsock.getsockname()[1],
            send=[b"hi".hex()],
            monitor=True,
            **child_client_args(mech),
        )
        try:
            sock, _ = lsock.accept()
            with sock:
                sock.settimeout(5)
                hs = Handshake(REP, b"", our_mechanism(mech, True, REP, use_zap=True))
                assert_fails(
                    lambda: drive(sock, hs, lambda r: ZapReply(b"400")), 400, FailureKind.AUTH
                )
                event = child.read()
            if mech == "curve":
                assert event == {"event": 0x4000, "value": 400}  # EVENT_HANDSHAKE_FAILED_AUTH
            else:
                # libzmq 4.3's PLAIN client only knows its misspelt "^RROR": our well-formed
                # ERROR is an unexpected command there (HANDSHAKE_FAILED_PROTOCOL); it closes
                # the connection all the same.
                assert event == {"event": 0x2000, "value": ProtocolCode.ZMTP_UNEXPECTED_COMMAND}
        finally:
            child.close()


@needs_pyzmq
@pytest.mark.timeout(15)
def test_interop_wrong_server_key_with_libzmq() -> None:
    """Our client with a wrong S: libzmq cannot open HELLO and closes the connection."""
    child = Child(role="server", **child_server_args("curve"))
    try:
        port = child.read()["port"]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            mech = curve_client(REQ, seed=None, server_key=CLIENT_PUBLIC)
            with pytest.raises((EOFError, ConnectionError)):
                drive(sock, Handshake(REQ, b"", mech))
    finally:
        child.close()


@needs_pyzmq
@pytest.mark.timeout(15)
def test_interop_curve_ping_pong_inside_boxes() -> None:
    """libzmq >= 4.2 heartbeats travel inside MESSAGE boxes with the inner COMMAND flag: the
    decoder hands them to ``on_command`` (never to the application) and our PONG, sent with
    ``codec.encode_command``, keeps the link alive."""
    child = Child(role="server", heartbeat=30, **child_server_args("curve"))
    try:
        port = child.read()["port"]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            hs = Handshake(REQ, b"", our_mechanism("curve", False, REQ))
            drive(sock, hs)
            link = Link(sock, hs)
            link.pump_until(lambda: bool(link.commands))
            ping = link.commands[0]
            assert ping.startswith(b"\x04PING") and len(ping) >= 7
            assert link.pending == []
            out = bytearray()
            link.codec.encode_command(b"\x04PONG" + ping[7:], out)
            sock.sendall(out)
            link.send([b"", b"after-ping"])
            assert link.recv() == [b"", b"echo", b"after-ping"]
    finally:
        child.close()
