"""Property tests: codec round-trips, chunking invariance, parse or ProtocolError (nothing else)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from zmtp_vectors import feed_all, greeting, split_at, v3_command

from purezmq.zmtp import (
    Handshake,
    NullMechanism,
    ProtocolError,
    V1Decoder,
    V3Decoder,
    ZapReply,
    _frames,
    decode_metadata,
    encode_command,
    encode_messages,
    encode_messages_v1,
    encode_metadata,
    local_properties,
)
from purezmq.zmtp._types import DEALER, REP, REQ, ROUTER, SENDS_IDENTITY

FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Frame sizes around the interesting boundaries; big ones are rare and built cheaply.
frame_sizes = st.one_of(
    st.integers(0, 20),
    st.sampled_from([254, 255, 256, 257]),
    st.integers(0, 600),
    st.sampled_from([_frames.BIG_BODY - 1, _frames.BIG_BODY, _frames.BIG_BODY + 5, 70_000]),
)


@st.composite
def frame(draw):
    n = draw(frame_sizes)
    if n <= 64:
        return draw(st.binary(min_size=n, max_size=n))
    seed = draw(st.integers(0, 255))
    return (bytes(range(256)) * (n // 256 + 2))[seed : seed + n]


messages = st.lists(st.lists(frame(), min_size=1, max_size=4), max_size=6)
cut_points = st.lists(st.integers(0, 1 << 20), max_size=12)


def v3_bytes(msgs) -> bytes:
    out = bytearray()
    encode_messages(msgs, out)
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# Round trips and chunking invariance
# ---------------------------------------------------------------------------------------------
@FAST
@given(msgs=messages, cuts=cut_points, use_bb=st.booleans())
def test_v3_roundtrip_any_chunking(msgs, cuts, use_bb):
    data = v3_bytes(msgs)
    whole = V3Decoder().feed(data)
    assert whole == msgs
    chunks = split_at(data, [c % (len(data) + 1) for c in cuts]) if data else []
    assert feed_all(V3Decoder(), chunks, use_body_buffer=use_bb) == whole


@FAST
@given(msgs=messages, cuts=cut_points)
def test_v3_roundtrip_with_growing_body_buffer(msgs, cuts):
    # With a tiny preallocation every large body goes through the growth path.
    saved = _frames.BODY_PREALLOC
    _frames.BODY_PREALLOC = 1
    try:
        data = v3_bytes(msgs)
        chunks = split_at(data, [c % (len(data) + 1) for c in cuts]) if data else []
        assert feed_all(V3Decoder(), chunks, use_body_buffer=True) == msgs
        assert feed_all(V3Decoder(), chunks) == msgs
    finally:
        _frames.BODY_PREALLOC = saved


@FAST
@given(msgs=messages, cuts=cut_points)
def test_v3_zero_copy_encoding_is_identical(msgs, cuts):
    plain = v3_bytes(msgs)
    segments = []
    out = bytearray()

    def big(f):
        segments.append(bytes(out))
        out.clear()
        segments.append(f)

    encode_messages(msgs, out, big)
    segments.append(bytes(out))
    assert b"".join(segments) == plain


@st.composite
def stream_items(draw):
    """A mix of messages and commands, as a ZMTP 3.0 peer may interleave them."""
    items = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("msg"), st.lists(frame(), min_size=1, max_size=3)),
                st.tuples(st.just("cmd"), frame().map(lambda b: b"\x04NAME" + b)),
            ),
            max_size=8,
        )
    )
    return items


@FAST
@given(items=stream_items(), cuts=cut_points, use_bb=st.booleans())
def test_v3_commands_separated_from_messages(items, cuts, use_bb):
    data = bytearray()
    for kind, value in items:
        if kind == "msg":
            encode_messages([value], data)
        else:
            data += encode_command(value)
    data = bytes(data)
    seen = []
    chunks = split_at(data, [c % (len(data) + 1) for c in cuts]) if data else []
    got = feed_all(V3Decoder(on_command=seen.append), chunks, use_body_buffer=use_bb)
    assert got == [v for k, v in items if k == "msg"]
    assert seen == [v for k, v in items if k == "cmd"]


@FAST
@given(msgs=messages, cuts=cut_points)
def test_v1_roundtrip_any_chunking(msgs, cuts):
    out = bytearray()
    encode_messages_v1(msgs, out)
    data = bytes(out)
    assert V1Decoder().feed(data) == msgs
    chunks = split_at(data, [c % (len(data) + 1) for c in cuts]) if data else []
    assert feed_all(V1Decoder(), chunks) == msgs


@FAST
@given(msgs=messages, mx=st.integers(0, 70_001))
def test_maxmsgsize_accepts_exactly_the_frames_within(msgs, mx):
    data = v3_bytes(msgs)
    largest = max((len(f) for m in msgs for f in m), default=0)
    if largest <= mx:
        assert V3Decoder(maxmsgsize=mx).feed(data) == msgs
    else:
        with pytest.raises(ProtocolError):
            V3Decoder(maxmsgsize=mx).feed(data)


names = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+",
    min_size=1,
    max_size=255,
)


@FAST
@given(props=st.lists(st.tuples(names, st.binary(max_size=300)), max_size=6))
def test_metadata_roundtrip(props):
    decoded = decode_metadata(encode_metadata(props))
    assert decoded == dict(props)  # a repeated name keeps its last value


# ---------------------------------------------------------------------------------------------
# Parse or ProtocolError, nothing else
# ---------------------------------------------------------------------------------------------
def _swallow_protocol_errors(fn):
    try:
        fn()
    except ProtocolError:
        pass


interesting_bytes = st.one_of(
    st.binary(max_size=300),
    # streams that start like real frames, then go wrong
    st.builds(lambda a, b: a + b, messages.map(v3_bytes), st.binary(max_size=40)),
    # headers claiming huge sizes
    st.builds(
        lambda f, n, tail: bytes([f | 2]) + n.to_bytes(8, "big") + tail,
        st.integers(0, 255),
        st.integers(0, (1 << 64) - 1),
        st.binary(max_size=40),
    ),
)


@FUZZ
@given(
    data=interesting_bytes,
    cuts=cut_points,
    mx=st.sampled_from([-1, 0, 100, 1 << 20]),
    commands=st.booleans(),
    use_bb=st.booleans(),
)
def test_v3_decoder_only_protocol_error(data, cuts, mx, commands, use_bb):
    dec = V3Decoder(maxmsgsize=mx, on_command=(lambda b: None) if commands else None)
    chunks = split_at(data, [c % (len(data) + 1) for c in cuts])
    _swallow_protocol_errors(lambda: feed_all(dec, chunks, use_body_buffer=use_bb))


v1_interesting = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda n, f, tail: b"\xff" + n.to_bytes(8, "big") + bytes([f]) + tail,
        st.integers(0, (1 << 64) - 1),
        st.integers(0, 255),
        st.binary(max_size=40),
    ),
)


@FUZZ
@given(data=v1_interesting, cuts=cut_points, mx=st.sampled_from([-1, 0, 100, 1 << 20]))
def test_v1_decoder_only_protocol_error(data, cuts, mx):
    dec = V1Decoder(maxmsgsize=mx)
    chunks = split_at(data, [c % (len(data) + 1) for c in cuts])
    _swallow_protocol_errors(lambda: feed_all(dec, chunks))


@FUZZ
@given(data=st.binary(max_size=200))
def test_decode_metadata_only_protocol_error(data):
    try:
        props = decode_metadata(data)
    except ProtocolError:
        return
    assert all(isinstance(k, str) and isinstance(v, bytes) for k, v in props.items())
    assert decode_metadata(encode_metadata(props.items())) == props


def _hs(stype, use_zap=False, **kw):
    props = local_properties(stype, b"id", stype in SENDS_IDENTITY)
    return Handshake(stype, b"id", NullMechanism(props, use_zap=use_zap), **kw)


# Inputs that get past the greeting often enough to exercise the command parser.
handshake_inputs = st.one_of(
    st.binary(max_size=200),
    st.builds(lambda tail: greeting() + tail, st.binary(max_size=120)),
    st.builds(
        lambda cmd, tail: greeting() + v3_command(b"\x05READY" + cmd) + tail,
        st.binary(max_size=80),
        st.binary(max_size=40),
    ),
    st.builds(
        lambda sig, tail: b"\xff" + sig + tail,
        st.binary(min_size=9, max_size=9),
        st.binary(max_size=80),
    ),
    st.builds(
        lambda m, tail: greeting() + m + tail, messages.map(v3_bytes), st.binary(max_size=20)
    ),
)


@FUZZ
@given(
    data=handshake_inputs,
    cuts=cut_points,
    stype=st.sampled_from([REQ, REP, DEALER, ROUTER]),
    legacy=st.booleans(),
    zap=st.booleans(),
    mx=st.sampled_from([-1, 0, 5000]),
)
def test_handshake_only_protocol_error(data, cuts, stype, legacy, zap, mx):
    hs = _hs(stype, use_zap=zap, allow_legacy=legacy, maxmsgsize=mx)

    def run():
        hs.start()
        for chunk in split_at(data, [c % (len(data) + 1) for c in cuts]):
            out = hs.receive(chunk)
            assert isinstance(out, bytes)
        if hs.zap_request is not None:
            hs.zap_reply(ZapReply(b"200"))

    _swallow_protocol_errors(run)
    if hs.done:
        assert hs.version in (1, 2, 3)
        assert isinstance(hs.rest, bytes)


@FAST
@given(data=handshake_inputs, cuts=cut_points)
def test_handshake_chunking_invariance(data, cuts):
    """Same bytes out, same outcome, whatever the chunking of the peer's bytes."""

    def outcome(chunks):
        hs = _hs(DEALER)
        sent = hs.start()
        try:
            for c in chunks:
                sent += hs.receive(c)
        except ProtocolError as e:
            return ("error", e.code, sent)
        return ("ok", hs.done, hs.version, hs.rest, hs.peer_metadata, sent)

    assume(data)
    a = outcome([data])
    b = outcome(split_at(data, [c % (len(data) + 1) for c in cuts]))
    if a[0] == "error":
        # bytes sent before the error may be fewer when the bad bytes come in one piece
        assert b[0] == "error" and b[1] == a[1] and b[2].startswith(a[2])
    else:
        assert a == b
