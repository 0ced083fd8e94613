"""Frame codecs from byte vectors: ZMTP 2.0/3.0 (V3Decoder, encoders) and ZMTP 1.0."""

from __future__ import annotations

import sys
import tracemalloc

import pytest
from zmtp_vectors import (
    bytewise,
    feed_all,
    hx,
    random_chunks,
    split_at,
    v1_frame,
    v1_message,
    v3_command,
    v3_frame,
    v3_message,
    whole,
)

from purezmq.zmtp import (
    COMMAND,
    LONG,
    MORE,
    FailureKind,
    ProtocolError,
    V1Decoder,
    V3Decoder,
    _frames,
    command_body,
    encode_command,
    encode_messages,
    encode_messages_v1,
    frame_header,
    v1_frame_header,
)

MIB = 1 << 20
SIZES = [0, 1, 255, 256, 65535, MIB + 7]


_PATTERN = bytes(range(256))


def body_of(n: int, seed: int = 0) -> bytes:
    """A recognisable ``n``-byte body (not all one value, so misplaced bytes show)."""
    off = seed % 256
    return (_PATTERN * (n // 256 + 2))[off : off + n]


def test_body_of_helper():
    assert body_of(0) == b""
    assert len(body_of(300, 5)) == 300
    assert body_of(3, 1) == b"\x01\x02\x03"


def chunkings(data: bytes, big: bool = False):
    """(name, chunks) pairs: whole, one byte at a time, several random chunkings."""
    yield "whole", whole(data)
    if len(data) <= 70000:  # bytewise over a MiB is slow in pure Python; covered separately
        yield "bytewise", bytewise(data)
    for seed in range(4):
        yield f"random{seed}", random_chunks(data, seed, 97 if not big else 70001)


# ---------------------------------------------------------------------------------------------
# V3Decoder: exact vectors
# ---------------------------------------------------------------------------------------------
class TestV3Vectors:
    def test_empty_frame(self):
        assert V3Decoder().feed(b"\x00\x00") == [[b""]]

    def test_one_byte_frame(self):
        assert V3Decoder().feed(b"\x00\x01A") == [[b"A"]]

    def test_short_255(self):
        body = body_of(255)
        assert V3Decoder().feed(b"\x00\xff" + body) == [[body]]

    def test_long_256(self):
        body = body_of(256)
        data = hx("02 00 00 00 00 00 00 01 00") + body
        assert V3Decoder().feed(data) == [[body]]

    def test_long_form_for_small_body_accepted(self):
        # A sender may use the 8-byte size for any body (RFC 23 "SHOULD" short form).
        assert V3Decoder().feed(hx("02 00 00 00 00 00 00 00 03") + b"abc") == [[b"abc"]]
        assert V3Decoder().feed(hx("02 00 00 00 00 00 00 00 00")) == [[b""]]

    @pytest.mark.parametrize("size", SIZES)
    def test_sizes_roundtrip_vector(self, size):
        body = body_of(size, size)
        data = v3_frame(body)
        if size <= 255:
            assert data[:2] == bytes([0, size])
        else:
            assert data[0] == LONG and int.from_bytes(data[1:9], "big") == size
        for name, chunks in chunkings(data, big=size > 70000):
            assert feed_all(V3Decoder(), chunks) == [[body]], name

    def test_large_body_bytewise(self):
        # The large-body path makes byte-at-a-time feeding of a MiB frame linear.
        body = body_of(MIB + 7, 3)
        data = v3_frame(body)
        dec = V3Decoder()
        out = []
        for i in range(len(data)):
            out += dec.feed(data[i : i + 1])
        assert out == [[body]]

    def test_more_chain_is_one_message(self):
        data = v3_message([b"A", b"", b"x" * 300, b"B"]) + v3_message([b"C"])
        for name, chunks in chunkings(data):
            assert feed_all(V3Decoder(), chunks) == [[b"A", b"", b"x" * 300, b"B"], [b"C"]], name

    def test_more_flag_exact_bytes(self):
        assert V3Decoder().feed(hx("01 01 41 01 00 00 01 42")) == [[b"A", b"", b"B"]]

    def test_unfinished_multipart_is_held(self):
        dec = V3Decoder()
        assert dec.feed(hx("01 01 41 01 01 42")) == []
        assert dec.feed(hx("00 01 43")) == [[b"A", b"B", b"C"]]

    def test_reserved_flag_bits_ignored(self):
        # bits 3..7 are reserved; libzmq 4.0 ignores them on input.
        assert V3Decoder().feed(hx("f8 01 41")) == [[b"A"]]
        assert V3Decoder().feed(hx("f9 01 41 f8 01 42")) == [[b"A", b"B"]]

    def test_frames_are_bytes(self):
        msgs = V3Decoder().feed(v3_message([b"a", b"b" * 300]))
        assert all(type(f) is bytes for f in msgs[0])

    def test_many_messages_in_one_chunk(self):
        msgs = [[bytes([i & 0xFF]) * (i % 5)] for i in range(500)]
        data = b"".join(v3_message(m) for m in msgs)
        assert V3Decoder().feed(data) == msgs

    def test_empty_feed(self):
        dec = V3Decoder()
        assert dec.feed(b"") == []
        assert dec.feed(hx("00 01")) == []
        assert dec.feed(b"") == []
        assert dec.feed(b"Z") == [[b"Z"]]


# ---------------------------------------------------------------------------------------------
# V3Decoder: commands
# ---------------------------------------------------------------------------------------------
class TestV3Commands:
    def test_command_goes_to_on_command(self):
        seen = []
        dec = V3Decoder(on_command=seen.append)
        data = v3_command(b"\x04PING\x00\x0a") + v3_message([b"hello"])
        assert dec.feed(data) == [[b"hello"]]
        assert seen == [b"\x04PING\x00\x0a"]

    def test_command_exact_bytes(self):
        seen = []
        dec = V3Decoder(on_command=seen.append)
        assert dec.feed(hx("04 07 04 50 49 4e 47 00 00")) == []
        assert seen == [b"\x04PING\x00\x00"]

    def test_long_command(self):
        seen = []
        body = b"\x08INITIATE" + body_of(300)
        data = hx("06") + len(body).to_bytes(8, "big") + body
        for name, chunks in chunkings(data):
            seen.clear()
            assert feed_all(V3Decoder(on_command=seen.append), chunks) == [], name
            assert seen == [body], name

    def test_command_inside_multipart_not_mixed_in(self):
        seen = []
        data = (
            v3_frame(b"A", more=True)
            + v3_command(b"\x04PING")
            + v3_frame(b"B", more=True)
            + v3_command(b"\x04PONG")
            + v3_frame(b"C")
        )
        for name, chunks in chunkings(data):
            seen.clear()
            assert feed_all(V3Decoder(on_command=seen.append), chunks) == [[b"A", b"B", b"C"]]
            assert seen == [b"\x04PING", b"\x04PONG"], name

    def test_command_with_more_bit_still_a_command(self):
        seen = []
        dec = V3Decoder(on_command=seen.append)
        assert dec.feed(hx("05 02 01 58") + hx("00 01 41")) == [[b"A"]]
        assert seen == [b"\x01X"]

    def test_zmtp2_without_on_command_delivers_as_data(self):
        # ZMTP/2.0 has no COMMAND bit: with on_command None the frame is data.
        dec = V3Decoder()
        assert dec.feed(hx("04 02 68 69")) == [[b"hi"]]
        assert dec.feed(hx("05 01 61 00 01 62")) == [[b"a", b"b"]]

    def test_big_command_via_body_path(self):
        seen = []
        body = b"\x03BIG" + body_of(200_000)
        data = v3_command(body) + v3_message([b"after"])
        for use_bb in (False, True):
            seen.clear()
            dec = V3Decoder(on_command=seen.append)
            msgs = feed_all(dec, random_chunks(data, 9, 50_000), use_body_buffer=use_bb)
            assert msgs == [[b"after"]]
            assert seen == [body]


# ---------------------------------------------------------------------------------------------
# V3Decoder: chunking invariance, partial frames, the large-body path
# ---------------------------------------------------------------------------------------------
MIXED = (
    [[b""]],
    [[b"A"], [b"", b""], [body_of(255), body_of(256, 1)]],
    [[body_of(65535, 2), b"x"], [body_of(40_000, 3)], [b"tail"]],
)


@pytest.mark.parametrize("msgs", MIXED)
def test_v3_chunking_invariance(msgs):
    data = b"".join(v3_message(m) for m in msgs)
    expect = [list(m) for m in msgs]
    results = {}
    for name, chunks in chunkings(data):
        results[name] = feed_all(V3Decoder(), chunks)
        results[name + "+bb"] = feed_all(V3Decoder(), chunks, use_body_buffer=True)
    for name, got in results.items():
        assert got == expect, name


def test_partial_trailing_frame_kept_and_completed():
    data = v3_message([b"one"]) + v3_message([b"two", b"three"])
    cut = len(v3_message([b"one"])) + 3  # inside the second message's first frame
    dec = V3Decoder()
    assert dec.feed(data[:cut]) == [[b"one"]]
    assert dec.feed(data[cut:]) == [[b"two", b"three"]]


@pytest.mark.parametrize("cut", range(1, 9))
def test_partial_long_header_kept(cut):
    data = v3_frame(body_of(1000))
    dec = V3Decoder()
    assert dec.feed(data[:cut]) == []
    assert dec.body_buffer() is None  # not even the size is known yet
    assert dec.feed(data[cut:]) == [[body_of(1000)]]


def test_split_at_every_point_small_stream():
    data = v3_message([b"ab", b"", b"c" * 260]) + v3_command(b"\x01X") + v3_message([b"d"])
    expect = [[b"ab", b"", b"c" * 260], [b"d"]]
    for i in range(len(data) + 1):
        for j in range(i, len(data) + 1, 37):
            seen = []
            got = feed_all(V3Decoder(on_command=seen.append), split_at(data, [i, j]))
            assert got == expect, (i, j)
            assert seen == [b"\x01X"]


class TestBodyBuffer:
    def test_no_buffer_for_small_or_complete_frames(self):
        dec = V3Decoder()
        assert dec.body_buffer() is None
        dec.feed(v3_frame(body_of(40_000)))  # complete in one chunk: no body buffer
        assert dec.body_buffer() is None
        dec.feed(v3_frame(body_of(1000))[:500])  # cut, but small: plain tail
        assert dec.body_buffer() is None

    def test_recv_into_path_matches_feed(self):
        body = body_of(MIB + 7, 11)
        data = v3_message([b"head", body, b"tail"]) + v3_message([b"next"])
        expect = [[b"head", body, b"tail"], [b"next"]]
        # Start with a chunk that ends 100 bytes into the big body.
        start = len(v3_frame(b"head", more=True)) + 9 + 100
        dec = V3Decoder()
        assert dec.feed(data[:start]) == []
        buf = dec.body_buffer()
        assert buf is not None and len(buf) == len(body) - 100
        buf.release()
        pos = start
        msgs = []
        step = 123_457
        while dec.body_buffer() is not None:
            buf = dec.body_buffer()
            n = min(step, len(buf))
            buf[:n] = data[pos : pos + n]
            buf.release()
            pos += n
            got = dec.body_received(n)
            if dec.body_buffer() is not None:
                assert got == []
            msgs += got
        # the big frame had MORE set: nothing complete until the tail frame arrives
        assert msgs == []
        msgs += dec.feed(data[pos:])
        assert msgs == expect
        assert feed_all(V3Decoder(), [data]) == expect

    def test_body_completed_by_feed_with_trailing_frames(self):
        body = body_of(100_000, 5)
        data = v3_message([body]) + v3_message([b"x"]) + v3_frame(b"partial")[:4]
        dec = V3Decoder()
        assert dec.feed(data[:50]) == []
        assert dec.body_buffer() is not None
        assert dec.feed(data[50:]) == [[body], [b"x"]]
        assert dec.body_buffer() is None
        assert dec.feed(v3_frame(b"partial")[4:]) == [[b"partial"]]

    def test_body_buffer_exact_boundary(self):
        BIG = _frames.BIG_BODY
        body = body_of(BIG, 1)
        data = v3_message([body])
        dec = V3Decoder()
        assert dec.feed(data[:9]) == []
        buf = dec.body_buffer()
        assert buf is not None and len(buf) == BIG
        buf[:] = body
        buf.release()
        assert dec.body_received(BIG) == [[body]]
        assert dec.body_buffer() is None

    def test_just_below_big_body_uses_tail(self):
        n = _frames.BIG_BODY - 1
        dec = V3Decoder()
        assert dec.feed(v3_frame(body_of(n))[:100]) == []
        assert dec.body_buffer() is None
        assert dec.feed(v3_frame(body_of(n))[100:]) == [[body_of(n)]]


# ---------------------------------------------------------------------------------------------
# MAXMSGSIZE
# ---------------------------------------------------------------------------------------------
class TestMaxMsgSize:
    def test_header_alone_of_1gib_frame_raises_without_allocating(self):
        header = hx("02") + (1 << 30).to_bytes(8, "big")
        dec = V3Decoder(maxmsgsize=MIB)
        tracemalloc.start()
        try:
            with pytest.raises(ProtocolError) as ei:
                dec.feed(header)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 64 * 1024
        assert ei.value.kind is FailureKind.LIMIT

    @pytest.mark.parametrize("cut", range(1, 9))
    def test_partial_long_header_does_not_raise_yet(self, cut):
        header = hx("02") + (1 << 30).to_bytes(8, "big")
        dec = V3Decoder(maxmsgsize=MIB)
        assert dec.feed(header[:cut]) == []
        with pytest.raises(ProtocolError):
            dec.feed(header[cut:])

    def test_short_frame_over_limit(self):
        dec = V3Decoder(maxmsgsize=10)
        with pytest.raises(ProtocolError):
            dec.feed(hx("00 0b"))

    def test_exact_limit_accepted(self):
        for mx in (0, 10, 255, 256, 70_000):
            body = body_of(mx)
            assert V3Decoder(maxmsgsize=mx).feed(v3_frame(body)) == [[body]], mx
            with pytest.raises(ProtocolError):
                V3Decoder(maxmsgsize=mx).feed(v3_frame(body + b"!"))

    def test_limit_is_per_frame(self):
        # libzmq checks each frame's size, not the sum of a multipart message.
        dec = V3Decoder(maxmsgsize=4)
        assert dec.feed(v3_message([b"abcd", b"efgh", b"ijkl"])) == [[b"abcd", b"efgh", b"ijkl"]]

    def test_limit_applies_to_commands(self):
        with pytest.raises(ProtocolError):
            V3Decoder(maxmsgsize=3, on_command=lambda b: None).feed(v3_command(b"\x04PING"))

    def test_limit_checked_after_earlier_frames_delivered(self):
        dec = V3Decoder(maxmsgsize=5)
        assert dec.feed(v3_message([b"ok"])) == [[b"ok"]]
        with pytest.raises(ProtocolError):
            dec.feed(v3_message([b"toolong"]))


class TestHugeSizeNoLimit:
    """No MAXMSGSIZE (-1): a lying header must still cost only a ProtocolError or a bounded,
    lazily grown buffer, never another exception or a size-of-claim allocation."""

    @pytest.mark.parametrize("size", [1 << 62, sys.maxsize, 1 << 63, (1 << 64) - 1])
    def test_absurd_sizes_raise_protocol_error_or_wait(self, size):
        dec = V3Decoder()
        try:
            out = dec.feed(hx("02") + size.to_bytes(8, "big") + b"xyz")
        except ProtocolError:
            return
        assert out == []

    def test_header_of_1gib_frame_does_not_allocate_1gib(self):
        dec = V3Decoder()
        tracemalloc.start()
        try:
            dec.feed(hx("02") + (1 << 30).to_bytes(8, "big") + b"abc")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak <= _frames.BODY_PREALLOC + MIB

    def test_lazily_grown_body_is_correct(self, monkeypatch):
        # Shrink the preallocation so the growth path runs on a small frame.
        monkeypatch.setattr(_frames, "BODY_PREALLOC", _frames.BIG_BODY)
        body = body_of(5 * _frames.BIG_BODY + 17, 4)
        data = v3_message([b"h", body]) + v3_message([b"t"])
        expect = [[b"h", body], [b"t"]]
        for name, chunks in chunkings(data):
            assert feed_all(V3Decoder(), chunks) == expect, name
            assert feed_all(V3Decoder(), chunks, use_body_buffer=True) == expect, name
        # body_buffer never hands out more than what is allocated, and it grows
        dec = V3Decoder()
        dec.feed(data[:20])
        sizes = []
        got = []
        pos = 20
        while (buf := dec.body_buffer()) is not None:
            assert got == []
            sizes.append(len(buf))
            n = len(buf)
            buf[:] = data[pos : pos + n]
            buf.release()
            pos += n
            got += dec.body_received(n)
        assert sum(sizes) == len(body) - (20 - len(v3_frame(b"h", more=True)) - 9)
        assert len(sizes) > 1
        assert got + dec.feed(data[pos:]) == expect


# ---------------------------------------------------------------------------------------------
# Encoders
# ---------------------------------------------------------------------------------------------
class TestEncoders:
    def test_frame_header(self):
        assert frame_header(0, False) == hx("00 00")
        assert frame_header(0, True) == hx("01 00")
        assert frame_header(255, False) == hx("00 ff")
        assert frame_header(255, True) == hx("01 ff")
        assert frame_header(256, False) == hx("02 00 00 00 00 00 00 01 00")
        assert frame_header(256, True) == hx("03 00 00 00 00 00 00 01 00")
        assert frame_header(MIB, False) == hx("02 00 00 00 00 00 10 00 00")
        assert frame_header((1 << 64) - 1, True) == hx("03 ff ff ff ff ff ff ff ff")

    def test_encode_command(self):
        assert encode_command(b"\x05READY") == hx("04 06 05 52 45 41 44 59")
        assert encode_command(b"") == hx("04 00")
        body = b"\x08INITIATE" + bytes(292 - 9)
        assert len(body) == 292
        # reference §5.2: a 292-byte INITIATE goes out as 06 00 00 00 00 00 00 01 24 ...
        assert encode_command(body) == hx("06 00 00 00 00 00 00 01 24") + body
        assert encode_command(bytes(255))[:2] == hx("04 ff")
        assert encode_command(bytes(256))[:9] == hx("06 00 00 00 00 00 00 01 00")

    def test_command_body(self):
        assert command_body(b"PING", b"\x00\x0a") == b"\x04PING\x00\x0a"
        assert command_body(b"READY") == b"\x05READY"
        assert encode_command(command_body(b"PING")) == v3_command(b"\x04PING")

    def test_flag_constants(self):
        assert (MORE, LONG, COMMAND) == (1, 2, 4)

    def test_encode_messages_exact(self):
        out = bytearray()
        encode_messages([[b"A"], [b"", b"BC"], [b"x" * 256]], out)
        assert bytes(out) == (
            hx("00 01 41") + hx("01 00 00 02 42 43") + hx("02 00 00 00 00 00 00 01 00") + b"x" * 256
        )

    def test_encode_messages_appends(self):
        out = bytearray(b"prefix")
        encode_messages([[b"a"]], out)
        assert bytes(out) == b"prefix\x00\x01a"

    def test_encode_messages_multipart_long_frames(self):
        msg = [b"a" * 300, b"b" * 10, b"c" * 70_000]
        out = bytearray()
        encode_messages([msg], out)
        assert bytes(out) == v3_message(msg)
        assert out[0] == LONG | MORE and out[9 + 300] == MORE

    @pytest.mark.parametrize("size", SIZES)
    def test_encode_matches_reference(self, size):
        body = body_of(size)
        for msg in ([body], [body, b"x"], [b"x", body], [body, body]):
            out = bytearray()
            encode_messages([msg], out)
            assert bytes(out) == v3_message(msg)

    def test_encode_accepts_buffers(self):
        out = bytearray()
        encode_messages([[bytearray(b"ab"), memoryview(b"cd" * 200)]], out)
        assert bytes(out) == v3_message([b"ab", b"cd" * 200])

    def test_encode_empty_message_list(self):
        out = bytearray()
        encode_messages([], out)
        assert out == b""

    @pytest.mark.parametrize(
        "msgs",
        [
            [[body_of(_frames.ZEROCOPY_MIN)]],
            [[body_of(_frames.ZEROCOPY_MIN - 1)]],
            [[b"a", body_of(MIB, 1), b"b", body_of(70_000, 2)], [body_of(20_000)], [b"z"]],
            [[b"small"], [b"", b""]],
        ],
    )
    def test_zero_copy_big_callback_same_bytes(self, msgs):
        plain = bytearray()
        encode_messages(msgs, plain)
        segments = []
        handed = []
        out = bytearray()

        def big(frame):
            # what a writer does: close off the buffered bytes, queue the frame by reference
            segments.append(bytes(out))
            out.clear()
            segments.append(frame)
            handed.append(frame)

        encode_messages(msgs, out, big)
        segments.append(bytes(out))
        assert b"".join(segments) == bytes(plain)
        expect_big = [f for m in msgs for f in m if len(f) >= _frames.ZEROCOPY_MIN]
        assert len(handed) == len(expect_big)
        for got, want in zip(handed, expect_big):
            assert got is want  # by reference, not copied

    def test_encode_decode_roundtrip(self):
        msgs = [[b""], [b"a", b""], [body_of(256), body_of(100_000, 1), b"end"]]
        out = bytearray()
        encode_messages(msgs, out)
        assert V3Decoder().feed(bytes(out)) == msgs


# ---------------------------------------------------------------------------------------------
# ZMTP/1.0 framing
# ---------------------------------------------------------------------------------------------
class TestV1:
    def test_empty_frame(self):
        # length 1 = just the flags byte
        assert V1Decoder().feed(hx("01 00")) == [[b""]]

    def test_one_byte(self):
        assert V1Decoder().feed(hx("02 00 41")) == [[b"A"]]

    def test_more_chain(self):
        assert V1Decoder().feed(hx("02 01 41 01 01 02 00 42")) == [[b"A", b"", b"B"]]

    def test_other_flag_bits_ignored(self):
        assert V1Decoder().feed(hx("02 fe 41")) == [[b"A"]]
        assert V1Decoder().feed(hx("02 7f 41 02 00 42")) == [[b"A", b"B"]]

    def test_short_form_limit(self):
        body = body_of(253)
        assert V1Decoder().feed(hx("fe 00") + body) == [[body]]
        body = body_of(254)  # length 255 needs the long form
        data = hx("ff 00 00 00 00 00 00 00 ff 00") + body
        assert V1Decoder().feed(data) == [[body]]

    def test_long_form_small_length_accepted(self):
        assert V1Decoder().feed(hx("ff 00 00 00 00 00 00 00 03 00 41 42")) == [[b"AB"]]
        assert V1Decoder().feed(hx("ff 00 00 00 00 00 00 00 01 00")) == [[b""]]

    def test_length_zero_is_error(self):
        with pytest.raises(ProtocolError):
            V1Decoder().feed(hx("00 00"))
        with pytest.raises(ProtocolError):
            V1Decoder().feed(hx("ff 00 00 00 00 00 00 00 00 00"))

    def test_length_zero_after_good_frame(self):
        dec = V1Decoder()
        assert dec.feed(hx("02 00 41")) == [[b"A"]]
        with pytest.raises(ProtocolError):
            dec.feed(hx("00 00"))

    @pytest.mark.parametrize("size", SIZES)
    def test_sizes(self, size):
        body = body_of(size, size)
        data = v1_frame(body)
        for name, chunks in chunkings(data, big=size > 70000):
            if size > 70000 and name != "whole":
                # V1 has no large-body path: keep the number of chunks modest
                chunks = random_chunks(data, 1, 300_000)
            assert feed_all(V1Decoder(), chunks) == [[body]], name

    def test_chunking_invariance(self):
        msgs = [[b""], [b"a", b"", body_of(300)], [body_of(254), body_of(253)], [b"z"]]
        data = b"".join(v1_message(m) for m in msgs)
        for name, chunks in chunkings(data):
            assert feed_all(V1Decoder(), chunks) == msgs, name

    def test_partial_trailing_frame(self):
        dec = V1Decoder()
        data = v1_message([b"abc"]) + v1_message([b"de", b"f"])
        assert dec.feed(data[:7]) == [[b"abc"]]
        assert dec.feed(data[7:]) == [[b"de", b"f"]]

    @pytest.mark.parametrize("cut", range(1, 10))
    def test_partial_long_header(self, cut):
        data = v1_frame(body_of(400))
        dec = V1Decoder()
        assert dec.feed(data[:cut]) == []
        assert dec.feed(data[cut:]) == [[body_of(400)]]

    def test_maxmsgsize_from_header(self):
        header = hx("ff") + ((1 << 30) + 1).to_bytes(8, "big")
        for cut in range(1, 9):
            assert V1Decoder(maxmsgsize=MIB).feed(header[:cut]) == []
        # the long form needs its flags byte too before it is parsed
        dec = V1Decoder(maxmsgsize=MIB)
        tracemalloc.start()
        try:
            with pytest.raises(ProtocolError) as ei:
                dec.feed(header + b"\x00")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 64 * 1024
        assert ei.value.kind is FailureKind.LIMIT

    def test_maxmsgsize_exact(self):
        for mx in (0, 5, 253, 254, 300):
            body = body_of(mx)
            assert V1Decoder(maxmsgsize=mx).feed(v1_frame(body)) == [[body]]
            with pytest.raises(ProtocolError):
                V1Decoder(maxmsgsize=mx).feed(v1_frame(body + b"!"))

    def test_no_body_buffer(self):
        dec = V1Decoder()
        dec.feed(v1_frame(body_of(100_000))[:1000])
        assert dec.body_buffer() is None

    def test_v1_frame_header(self):
        assert v1_frame_header(0, False) == hx("01 00")
        assert v1_frame_header(0, True) == hx("01 01")
        assert v1_frame_header(253, False) == hx("fe 00")
        assert v1_frame_header(254, True) == hx("ff 00 00 00 00 00 00 00 ff 01")
        assert v1_frame_header(MIB, False) == hx("ff 00 00 00 00 00 10 00 01 00")

    def test_encode_messages_v1_exact(self):
        out = bytearray()
        encode_messages_v1([[b"A"], [b"", b"BC"], [b"x" * 254]], out)
        assert bytes(out) == (
            hx("02 00 41")
            + hx("01 01 03 00 42 43")
            + hx("ff 00 00 00 00 00 00 00 ff 00")
            + b"x" * 254
        )

    def test_encode_v1_roundtrip(self):
        msgs = [[b""], [b"a", b""], [body_of(253), body_of(254), body_of(100_000)]]
        out = bytearray()
        encode_messages_v1(msgs, out)
        assert bytes(out) == b"".join(v1_message(m) for m in msgs)
        assert V1Decoder().feed(bytes(out)) == msgs
