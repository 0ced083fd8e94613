"""Z85 (RFC 32): the RFC vector, the CURVE test keys, round trips and input validation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from purezmq.utils import z85

# RFC 32's test case.
RFC_RAW = bytes.fromhex("864FD26FB559F75B")
RFC_TEXT = b"HelloWorld"

# The CURVE test key pairs of libzmq's zmq_curve(7) / test_security_curve (reference §6.4).
CURVE_KEYS = [
    (
        "BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518",
        b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
    ),
    (
        "7BB864B489AFA3671FBE69101F94B38972F24816DFB01B51656B3FEC8DFD0888",
        b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
    ),
    (
        "54FCBA24E93249969316FB617C872BB0C1D1FF14800427C594CBFACF1BC2D652",
        b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
    ),
    (
        "8E0BDD697628B91D8F245587EE95C5B04D48963F79259877B49CD9063AEAD3B7",
        b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
    ),
]


def test_rfc_vector_encode() -> None:
    assert z85.encode(RFC_RAW) == RFC_TEXT


def test_rfc_vector_decode() -> None:
    assert z85.decode(RFC_TEXT) == RFC_RAW
    assert z85.decode("HelloWorld") == RFC_RAW  # str accepted, like pyzmq


@pytest.mark.parametrize("raw_hex,text", CURVE_KEYS)
def test_curve_test_keys(raw_hex: str, text: bytes) -> None:
    raw = bytes.fromhex(raw_hex)
    assert z85.encode(raw) == text
    assert z85.decode(text) == raw
    assert len(text) == 40


def test_empty() -> None:
    assert z85.encode(b"") == b""
    assert z85.decode(b"") == b""
    assert z85.decode("") == b""


def test_extremes() -> None:
    assert z85.encode(bytes(4)) == b"00000"
    assert z85.decode(b"00000") == bytes(4)
    top = z85.encode(b"\xff" * 4)
    assert top == b"%nSc0"
    assert z85.decode(top) == b"\xff" * 4


def test_buffer_inputs() -> None:
    assert z85.encode(bytearray(RFC_RAW)) == RFC_TEXT
    assert z85.encode(memoryview(RFC_RAW)) == RFC_TEXT
    assert z85.decode(bytearray(RFC_TEXT)) == RFC_RAW
    assert z85.decode(memoryview(RFC_TEXT)) == RFC_RAW
    assert type(z85.encode(RFC_RAW)) is bytes
    assert type(z85.decode(RFC_TEXT)) is bytes


def test_alphabet() -> None:
    assert len(z85.Z85CHARS) == 85
    assert len(set(z85.Z85CHARS)) == 85
    assert z85.Z85MAP[ord("#")] == 84


@given(st.binary(max_size=64).map(lambda b: b[: len(b) - len(b) % 4]))
@settings(max_examples=200, deadline=None)
def test_round_trip(raw: bytes) -> None:
    text = z85.encode(raw)
    assert len(text) == len(raw) // 4 * 5
    assert all(c in z85.Z85CHARS for c in text)
    assert z85.decode(text) == raw
    assert z85.decode(text.decode("ascii")) == raw


@given(st.lists(st.integers(0, 84), max_size=40).map(lambda v: v[: len(v) - len(v) % 5]))
@settings(max_examples=200, deadline=None)
def test_decode_any_valid_text(digits: list) -> None:
    """Any in-alphabet text whose groups fit in 32 bits decodes and re-encodes identically."""
    groups = [digits[i : i + 5] for i in range(0, len(digits), 5)]
    text = bytes(z85.Z85CHARS[d] for d in digits)
    fits = all(sum(d * 85 ** (4 - j) for j, d in enumerate(g)) < 2**32 for g in groups)
    if fits:
        assert z85.encode(z85.decode(text)) == text
    else:
        with pytest.raises(ValueError):
            z85.decode(text)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 6, 7, 33])
def test_encode_bad_length(n: int) -> None:
    with pytest.raises(ValueError):
        z85.encode(bytes(n))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6, 9, 39, 41])
def test_decode_bad_length(n: int) -> None:
    with pytest.raises(ValueError):
        z85.decode(b"0" * n)
    with pytest.raises(ValueError):
        z85.decode("0" * n)


@pytest.mark.parametrize(
    "bad", [b"Hello Worl", b'"ello', b"\x00abcd", b"abc~d", b"\xffabcd", b",,,,,", b"\\abcd"]
)
def test_decode_bad_characters(bad: bytes) -> None:
    with pytest.raises(ValueError):
        z85.decode(bad)


def test_decode_non_ascii_str() -> None:
    with pytest.raises(ValueError):
        z85.decode("Hellé")


@pytest.mark.parametrize("group", [b"%nSc1", b"%nSd0", b"%o000", b"#####", b"$0000"])
def test_decode_overflow(group: bytes) -> None:
    """Five digits can reach 85**5 - 1 > 2**32 - 1: such groups are rejected, not wrapped."""
    with pytest.raises(ValueError):
        z85.decode(group)
    with pytest.raises(ValueError):
        z85.decode(RFC_TEXT + group)
