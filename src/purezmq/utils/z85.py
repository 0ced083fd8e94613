"""Z85 (ZeroMQ RFC 32): binary data as printable text, with pyzmq's ``zmq.utils.z85`` API.

Every 4 bytes, read as a big-endian unsigned 32-bit number, become 5 characters of an
85-symbol alphabet, most significant digit first; decoding reverses that. Binary input must
be a multiple of 4 bytes and text a multiple of 5 characters (the caller pads).

Unlike libzmq 4.0's ``zmq_z85_decode``, :func:`decode` validates its input: a character
outside the alphabet, or a 5-character group worth 2**32 or more, raises ``ValueError``
instead of producing garbage. CURVE keys are 32 bytes <-> 40 characters.
"""

from __future__ import annotations

import struct
from typing import Dict, List, Union

__all__ = ["Z85CHARS", "Z85MAP", "decode", "encode"]

_RawBytes = Union[bytes, bytearray, memoryview]

#: The alphabet: character ``Z85CHARS[v]`` stands for the base-85 digit ``v``.
Z85CHARS = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
#: Digit value of each alphabet character (by its byte value), as in pyzmq.
Z85MAP: Dict[int, int] = {c: i for i, c in enumerate(Z85CHARS)}

# Lookup tables: value -> character for one digit, and character -> value (-1 = invalid).
_DIGIT = [bytes((c,)) for c in Z85CHARS]
_VALUE: List[int] = [-1] * 256
for _i, _c in enumerate(Z85CHARS):
    _VALUE[_c] = _i
del _i, _c

# A 5-character group is at most 85**5 - 1, which exceeds 2**32 - 1: such groups are invalid.
_LIMIT = 1 << 32


def encode(rawbytes: _RawBytes) -> bytes:
    """Encode raw bytes (length a multiple of 4) as Z85."""
    n = len(rawbytes)
    if n % 4:
        raise ValueError(f"length must be multiple of 4, not {n}")
    count = n // 4
    values = struct.unpack(f">{count}I", rawbytes)
    digit = _DIGIT
    out: List[bytes] = []
    append = out.append
    for v in values:
        v, d4 = divmod(v, 85)
        v, d3 = divmod(v, 85)
        v, d2 = divmod(v, 85)
        d0, d1 = divmod(v, 85)
        append(digit[d0] + digit[d1] + digit[d2] + digit[d3] + digit[d4])
    return b"".join(out)


def decode(z85bytes: Union[str, _RawBytes]) -> bytes:
    """Decode Z85 text (``str`` of ASCII characters or bytes; length a multiple of 5)."""
    if isinstance(z85bytes, str):
        try:
            data = z85bytes.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("string argument should contain only ASCII characters") from None
    else:
        data = bytes(z85bytes)
    n = len(data)
    if n % 5:
        raise ValueError(f"Z85 length must be multiple of 5, not {n}")
    table = _VALUE
    values: List[int] = []
    append = values.append
    for i in range(0, n, 5):
        a, b, c, d, e = (
            table[data[i]],
            table[data[i + 1]],
            table[data[i + 2]],
            table[data[i + 3]],
            table[data[i + 4]],
        )
        if a < 0 or b < 0 or c < 0 or d < 0 or e < 0:
            bad = next(ch for ch in data[i : i + 5] if table[ch] < 0)
            raise ValueError(f"invalid Z85 character {chr(bad)!r} at offset {i}")
        value = (((a * 85 + b) * 85 + c) * 85 + d) * 85 + e
        if value >= _LIMIT:
            raise ValueError(f"Z85 group {data[i : i + 5]!r} at offset {i} exceeds 32 bits")
        append(value)
    return struct.pack(f">{len(values)}I", *values)
