"""ZMTP 3.0 metadata: the property lists carried by READY and INITIATE (RFC 23)."""

from __future__ import annotations

from typing import Dict, Iterable, Tuple

from ._errors import ProtocolCode, ProtocolError

Metadata = Dict[str, bytes]


def encode_metadata(props: Iterable[Tuple[str, bytes]]) -> bytes:
    """``name-len name value-len(4, big-endian) value`` for each property."""
    out = bytearray()
    for name, value in props:
        raw = name.encode("ascii")
        if not 0 < len(raw) < 256:
            raise ValueError(f"bad property name {name!r}")
        out.append(len(raw))
        out += raw
        out += len(value).to_bytes(4, "big")
        out += value
    return bytes(out)


def decode_metadata(data: bytes, code: int = ProtocolCode.ZMTP_INVALID_METADATA) -> Metadata:
    """Parse a property list; any truncation or bad name is a ProtocolError.

    Names are kept with their case (the Socket-Type check is case-sensitive in libzmq 4.0);
    a repeated name keeps its last value.
    """
    props: Metadata = {}
    pos = 0
    end = len(data)
    while pos < end:
        nlen = data[pos]
        pos += 1
        if nlen == 0 or pos + nlen + 4 > end:
            raise ProtocolError("malformed metadata property", code)
        try:
            name = data[pos : pos + nlen].decode("ascii")
        except UnicodeDecodeError:
            raise ProtocolError("non-ASCII metadata property name", code) from None
        pos += nlen
        vlen = int.from_bytes(data[pos : pos + 4], "big")
        pos += 4
        if pos + vlen > end:
            raise ProtocolError("truncated metadata value", code)
        props[name] = data[pos : pos + vlen]
        pos += vlen
    return props
