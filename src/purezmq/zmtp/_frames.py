"""ZMTP frame codecs: the 2.0/3.0 framing (RFC 15/23) and the 1.0 framing (RFC 13).

Theory of operation
-------------------
This is the hottest code in the library, so it is written for CPython's interpreter:

* Decoders take ``bytes`` chunks as they come off the socket and return *whole messages*
  (lists of frames). Frames are ``bytes`` slices of the chunk (a slice of a ``bytes`` is the
  cheapest way to make a new immutable buffer). A frame cut by a chunk boundary leaves a small
  tail that is prepended to the next chunk; a *large* cut body is instead collected in a
  preallocated ``bytearray`` that the I/O layer may fill directly with ``recv_into`` (see
  :meth:`V3Decoder.body_buffer`) so multi-megabyte messages are never re-copied per chunk.
* The size of every frame is checked against MAXMSGSIZE from the header, before a byte of the
  body is buffered.
* Encoders append to a ``bytearray`` and hand back large frames separately so the writer can
  pass them to ``sendmsg`` without copying (scatter/gather).

Decoders raise :class:`ProtocolError` and nothing else, whatever the input.
"""

from __future__ import annotations

import struct
from typing import Any, Callable, List, Optional

from ._errors import FailureKind, ProtocolCode, ProtocolError

MORE = 0x01
LONG = 0x02
COMMAND = 0x04

#: A body this large that is cut by a chunk boundary is collected in its own buffer.
BIG_BODY = 32 * 1024
#: Sizes beyond this (256 TiB) are treated as a corrupt stream even without MAXMSGSIZE.
MAX_FRAME_SIZE = 1 << 48
#: Frames at least this large are sent by reference (scatter/gather), not copied.
ZEROCOPY_MIN = 16 * 1024
#: A large body's buffer starts at most this big and grows (doubling) as bytes arrive, so a
#: header that merely *claims* a huge size costs no huge allocation (MAXMSGSIZE may be unset).
BODY_PREALLOC = 16 * 1024 * 1024

_Q = struct.Struct(">Q")
_unpack_q = _Q.unpack_from
_pack_long = struct.Struct(">BQ").pack

# Precomputed two-byte headers of short frames, by size.
_HDR_LAST = [bytes((0, n)) for n in range(256)]
_HDR_MORE = [bytes((MORE, n)) for n in range(256)]
_HDR_CMD = [bytes((COMMAND, n)) for n in range(256)]

Message = List[Any]


def frame_header(size: int, more: bool) -> bytes:
    """The ZMTP 2.0/3.0 header of a data frame of ``size`` bytes."""
    if size < 256:
        return _HDR_MORE[size] if more else _HDR_LAST[size]
    return _pack_long(LONG | (MORE if more else 0), size)


def encode_command(body: bytes) -> bytes:
    """A whole command frame (ZMTP 3.0)."""
    n = len(body)
    if n < 256:
        return _HDR_CMD[n] + body
    return _pack_long(COMMAND | LONG, n) + body


def command_body(name: bytes, data: bytes = b"") -> bytes:
    """The body of a command: its name as a short string, then its data."""
    return bytes((len(name),)) + name + data


def encode_messages(msgs: Any, out: bytearray, big: Optional[Callable[[Any], None]] = None) -> None:
    """Append the ZMTP 2.0/3.0 encoding of each message in ``msgs`` to ``out``.

    With ``big`` given, the body of a frame of at least ZEROCOPY_MIN bytes is not copied:
    its header goes into ``out`` and ``big(frame)`` is called, so the caller can close off
    ``out`` and queue the frame itself for a scatter/gather write.
    """
    for msg in msgs:
        if type(msg) is bytes:
            out += msg  # already encoded once for many peers (PUB fan-out)
            continue
        last = len(msg) - 1
        if last == 0:
            f = msg[0]
            n = len(f)
            if n < 256:
                out += _HDR_LAST[n]
                out += f
                continue
            out += _pack_long(LONG, n)
            if big is not None and n >= ZEROCOPY_MIN:
                big(f)
            else:
                out += f
            continue
        for i, f in enumerate(msg):
            n = len(f)
            if n < 256:
                out += _HDR_MORE[n] if i < last else _HDR_LAST[n]
                out += f
                continue
            out += _pack_long(LONG | MORE if i < last else LONG, n)
            if big is not None and n >= ZEROCOPY_MIN:
                big(f)
            else:
                out += f


def encode_wire(msg: Any) -> bytes:
    """One message's ZMTP 2.0/3.0 encoding as bytes, to write to many peers unchanged."""
    if len(msg) == 1:  # the common case, one copy: header + body
        f = msg[0]
        n = len(f)
        return (_HDR_LAST[n] if n < 256 else _pack_long(LONG, n)) + f
    out = bytearray()
    encode_messages((msg,), out)
    return bytes(out)


class LargeBodyDecoder:
    """What both stream decoders (plain ZMTP and CURVE) do with a frame too large to wait
    for in the stream buffer: it gets a buffer of its own, which the reader fills straight
    from the socket (``body_buffer()`` / ``body_received(n)``) or ``feed()`` fills from a
    chunk (``_resume_body``). A subclass decides what a finished body becomes
    (``_finish_body``); it must reset ``_body`` to None and ``_body_pos`` to 0.
    """

    __slots__ = ("_body", "_body_pos", "_body_size")

    def __init__(self) -> None:
        self._body: Optional[bytearray] = None
        self._body_pos = 0
        self._body_size = 0

    def body_buffer(self) -> Optional[memoryview]:
        """Where the next bytes of a large frame's body should be read into, or None.

        The view covers the rest of the body, or a prefix of it while the buffer is still
        growing towards a size beyond BODY_PREALLOC.
        """
        body = self._body
        if body is None:
            return None
        pos = self._body_pos
        if pos == len(body):
            body = self._grow(pos + 1)
        return memoryview(body)[pos:]

    def body_received(self, n: int) -> Message:
        """``n`` bytes were written into :meth:`body_buffer`; returns completed messages."""
        self._body_pos += n
        if self._body_pos < self._body_size:
            return []
        msgs: Message = []
        self._finish_body(msgs)
        return msgs

    def _start_body(self, data: Any, start: int, end: int, size: int) -> None:
        """A frame of ``size`` bytes begins at ``data[start:end]`` and goes on past it."""
        have = end - start
        self._body = body = bytearray(max(have, min(size, BODY_PREALLOC)))
        body[:have] = data[start:end]
        self._body_pos = have
        self._body_size = size

    def _resume_body(self, data: Any, msgs: Message) -> Any:
        """Feed the large body in progress from ``data``: returns what follows the body
        (finishing it into ``msgs``), or None when all of ``data`` went into it."""
        body = self._body
        assert body is not None
        bpos = self._body_pos
        room = self._body_size - bpos
        n = len(data)
        if n < room:
            if bpos + n > len(body):
                body = self._grow(bpos + n)
            body[bpos : bpos + n] = data
            self._body_pos = bpos + n
            return None
        if self._body_size > len(body):
            body = self._grow(self._body_size)
        body[bpos:] = data[:room]
        self._body_pos = self._body_size
        self._finish_body(msgs)
        return data[room:]

    def _grow(self, need: int) -> bytearray:
        # A new buffer rather than a resize: a view handed out earlier must not block it.
        old = self._body
        assert old is not None
        new = bytearray(min(self._body_size, max(need, 2 * len(old))))
        pos = self._body_pos
        new[:pos] = memoryview(old)[:pos]
        self._body = new
        return new

    def _finish_body(self, msgs: Message) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class V3Decoder(LargeBodyDecoder):
    """Incremental decoder of ZMTP 2.0/3.0 frames into whole messages.

    ``commands`` collects command bodies seen after the handshake (3.0 only); with
    ``allow_commands`` false (ZMTP 2.0) the COMMAND bit is ignored, as RFC 15 defines no
    such bit and libzmq treats its frames as data.
    """

    __slots__ = (
        "_tail",
        "_frames",
        "_max",
        "_body_flags",
        "on_command",
    )

    def __init__(
        self,
        maxmsgsize: int = -1,
        on_command: Optional[Callable[[bytes], None]] = None,
    ) -> None:
        self._tail = b""
        self._frames: Message = []
        # No frame is ever larger than this, MAXMSGSIZE or not: a bigger size is garbage.
        self._max = maxmsgsize if maxmsgsize >= 0 else MAX_FRAME_SIZE
        LargeBodyDecoder.__init__(self)
        self._body_flags = 0
        self.on_command = on_command

    # -- large bodies (the buffer handling is LargeBodyDecoder's) ------------------------
    def _finish_body(self, msgs: Message) -> None:
        # A large data frame is delivered as the buffer it was read into: recv(copy=False)
        # then hands the application a view of it without another copy (recv() copies once).
        body: Any = self._body
        flags = self._body_flags
        if flags & COMMAND:
            body = bytes(body)
        self._body = None
        self._body_pos = 0
        self._deliver(flags, body, msgs)

    def _deliver(self, flags: int, body: bytes, msgs: Message) -> None:
        if flags & COMMAND and self.on_command is not None:
            self.on_command(body)
        elif flags & MORE:
            self._frames.append(body)
        else:
            frames = self._frames
            if frames:
                frames.append(body)
                msgs.append(frames)
                self._frames = []
            else:
                msgs.append([body])

    # -- the hot path -------------------------------------------------------------------
    def feed(self, data: bytes) -> Message:
        """Decode a chunk of stream bytes; return the messages it completed."""
        msgs: Message = []
        if self._body is not None:
            data = self._resume_body(data, msgs)
            if data is None:
                return msgs
        if self._tail:
            data = self._tail + data
            self._tail = b""
        pos = 0
        end = len(data)
        frames = self._frames
        mx = self._max
        on_command = self.on_command
        short_ok = mx >= 255  # no short frame can exceed MAXMSGSIZE
        append = msgs.append
        last = end - 2
        while pos <= last:
            flags = data[pos]
            if not flags and short_ok:
                # The common case, first: a short, final data frame ...
                stop = pos + 2 + data[pos + 1]
                if stop > end:
                    break
                if frames:
                    frames.append(data[pos + 2 : stop])
                    append(frames)
                    frames = []
                else:
                    append([data[pos + 2 : stop]])
                pos = stop
                # ... and usually a run of them: the tightest loop there can be.
                while pos <= last and not data[pos]:
                    stop = pos + 2 + data[pos + 1]
                    if stop > end:
                        break
                    append([data[pos + 2 : stop]])
                    pos = stop
                continue
            if flags & LONG:
                if end - pos < 9:
                    break
                size = _unpack_q(data, pos + 1)[0]
                start = pos + 9
            else:
                size = data[pos + 1]
                start = pos + 2
            if mx >= 0 and size > mx:
                raise ProtocolError(
                    f"frame of {size} bytes exceeds MAXMSGSIZE {mx}",
                    ProtocolCode.ZMTP_UNSPECIFIED,
                    FailureKind.LIMIT,
                )
            stop = start + size
            if stop > end:
                if size >= BIG_BODY:
                    self._frames = frames
                    self._start_body(data, start, end, size)
                    self._body_flags = flags
                    return msgs
                break
            body = data[start:stop]
            pos = stop
            if flags & COMMAND and on_command is not None:
                on_command(body)
            elif flags & MORE:
                frames.append(body)
            elif frames:
                frames.append(body)
                msgs.append(frames)
                frames = []
            else:
                msgs.append([body])
        self._frames = frames
        if pos < end:
            self._tail = data[pos:]
        return msgs


class V1Decoder:
    """Incremental decoder of ZMTP/1.0 frames (RFC 13) into whole messages.

    A frame is ``length`` (one byte, or 0xFF and a 64-bit big-endian value) counting the
    flags byte and the body, then ``flags`` (bit 0 = MORE), then the body.
    """

    __slots__ = ("_tail", "_frames", "_max")

    def __init__(self, maxmsgsize: int = -1) -> None:
        self._tail = b""
        self._frames: Message = []
        # No frame is ever larger than this, MAXMSGSIZE or not: a bigger size is garbage.
        self._max = maxmsgsize if maxmsgsize >= 0 else MAX_FRAME_SIZE

    def body_buffer(self) -> Optional[memoryview]:
        return None

    def body_received(self, n: int) -> Message:  # pragma: no cover - never asked
        raise AssertionError("V1Decoder never hands out a body buffer")

    def feed(self, data: bytes) -> Message:
        msgs: Message = []
        if self._tail:
            data = self._tail + data
            self._tail = b""
        pos = 0
        end = len(data)
        frames = self._frames
        mx = self._max
        while end - pos >= 2:
            length = data[pos]
            if length == 0xFF:
                if end - pos < 10:
                    break
                length = _unpack_q(data, pos + 1)[0]
                start = pos + 9
            else:
                start = pos + 1
            if length == 0:
                raise ProtocolError("ZMTP/1.0 frame of length 0", ProtocolCode.ZMTP_UNSPECIFIED)
            size = length - 1
            if mx >= 0 and size > mx:
                raise ProtocolError(
                    f"frame of {size} bytes exceeds MAXMSGSIZE {mx}",
                    ProtocolCode.ZMTP_UNSPECIFIED,
                    FailureKind.LIMIT,
                )
            stop = start + length
            if stop > end:
                break
            flags = data[start]
            body = data[start + 1 : stop]
            pos = stop
            if flags & MORE:
                frames.append(body)
            elif frames:
                frames.append(body)
                msgs.append(frames)
                frames = []
            else:
                msgs.append([body])
        self._frames = frames
        if pos < end:
            self._tail = data[pos:]
        return msgs


def v1_frame_header(size: int, more: bool) -> bytes:
    """The ZMTP/1.0 header of a frame with a ``size``-byte body."""
    flags = MORE if more else 0
    if size + 1 < 255:
        return bytes((size + 1, flags))
    return b"\xff" + _Q.pack(size + 1) + bytes((flags,))


def encode_messages_v1(msgs: Any, out: bytearray) -> None:
    """Append the ZMTP/1.0 encoding of each message to ``out``."""
    for msg in msgs:
        last = len(msg) - 1
        for i, f in enumerate(msg):
            out += v1_frame_header(len(f), i < last)
            out += f
