"""The CURVE data codec: MESSAGE boxes after the handshake (RFC 26), fast.

Every data frame after a CURVE handshake travels as an encrypted MESSAGE command::

    MESSAGE      07 'MESSAGE' <short nonce> Box[flags + body](C'<->S'), nonce
                 "CurveZMQMESSAGEC" (from the client) / "CurveZMQMESSAGES" (from the server);
                 flags bit 0 = MORE, bit 1 = COMMAND (ZMTP 3.1 commands such as PING)

:class:`CurveCodec` (made by :class:`~purezmq.zmtp._curve.CurveMechanism` once its handshake
is done) encrypts outgoing messages; its ``decoder()`` makes the :class:`CurveDecoder` of the
incoming stream. Both are re-exported by ``purezmq.zmtp._curve``, which explains the
handshake, the keys and the nonce rules.

Speed: after the handshake every frame costs a box, so the data path calls libsodium
through PyNaCl's own cffi binding (``nacl._sodium``) instead of the ``nacl.bindings``
wrappers, which check arguments, allocate an output buffer and copy the result out -- at 64 B
that is 2-3x the cipher itself. ``CurveCodec.encode`` writes whole wire frames into a
preallocated work buffer (its first 24 bytes are the nonce): one ``pack_into`` puts the frame
header, MESSAGE id, short nonce and inner flags, the body is copied in behind the flags, and
the box is sealed in place (libsodium's ``*_easy`` functions allow ``c == m - MACBYTES``); a
batch reaches ``out`` in one append, and a frame too big for the buffer is sealed on its own.
``CurveDecoder`` opens every whole MESSAGE of a chunk in one loop, straight from the chunk
into a reusable plaintext buffer, and slices the body out as bytes; a large frame collected
through ``body_buffer()`` is opened in place. Without ``nacl._sodium`` (another PyNaCl
layout), or with unusual key/prefix/nonce lengths, the codec falls back to the
``nacl.bindings`` calls (``_encode_slow``, ``_scan_slow``), which produce the same bytes.

Threads: ``CurveCodec.encode`` and ``encode_command`` keep the outgoing nonce counter and
share the work buffer, so calls for one connection must be serialized (the engine's write
lock); the decoder and its buffers belong to the connection's reader.
"""

from __future__ import annotations

import struct
from typing import Any, Callable, List, Optional, Tuple

from ._errors import FailureKind, ProtocolCode, ProtocolError
from ._frames import BIG_BODY, COMMAND, LONG, ZEROCOPY_MIN, LargeBodyDecoder
from ._mechanism import ERROR, parse_error

try:
    from nacl.bindings import crypto_box_easy_afternm, crypto_box_open_easy_afternm
    from nacl.exceptions import CryptoError

    _HAVE_NACL = True
except ImportError:  # pragma: no cover - exercised only without PyNaCl
    _HAVE_NACL = False

    class CryptoError(Exception):  # type: ignore[no-redef]
        pass


# The data path's direct route to libsodium (see "Speed" above). Importing nacl.bindings
# first ran sodium_init(), which selects libsodium's fast implementations.
try:
    if not _HAVE_NACL:
        raise ImportError("no PyNaCl")
    from nacl._sodium import ffi as _ffi  # type: ignore[import-not-found]
    from nacl._sodium import lib as _lib  # type: ignore[import-not-found]

    _seal = _lib.crypto_box_easy_afternm
    _open = _lib.crypto_box_open_easy_afternm
    _new_raw = _ffi.new_allocator(should_clear_after_alloc=False)
    _release = getattr(_ffi, "release", None)
    _FAST = (
        _lib.crypto_box_macbytes() == 16
        and _lib.crypto_box_noncebytes() == 24
        and _lib.crypto_box_beforenmbytes() == 32
    )
except (ImportError, AttributeError):  # pragma: no cover - depends on the PyNaCl build
    _FAST = False


__all__ = ["CurveCodec", "CurveDecoder", "MESSAGE", "MESSAGE_OVERHEAD"]

MESSAGE = b"\x07MESSAGE"
#: MESSAGE id (8) + short nonce (8) + MAC (16) + flags (1).
MESSAGE_OVERHEAD = 33

#: Inner flags of a MESSAGE box.
_F_MORE = 0x01
_F_COMMAND = 0x02
_FLAGS_LAST = b"\x00"
_FLAGS_MORE = b"\x01"
_FLAGS_COMMAND = b"\x02"

_MAX_NONCE = (1 << 64) - 1
_ZERO_NONCE = bytes(8)

_pack_q = struct.Struct(">Q").pack
_unpack_q = struct.Struct(">Q").unpack_from
_pack_long = struct.Struct(">BQ").pack
_HDR_CMD = [bytes((COMMAND, n)) for n in range(256)]
_HDR_DATA = [bytes((0, n)) for n in range(256)]


def _fail(reason: str, code: int, kind: FailureKind = FailureKind.PROTOCOL) -> ProtocolError:
    return ProtocolError(reason, code, kind)


def _crypto_fail(what: str) -> ProtocolError:
    return ProtocolError(f"cannot open {what}", ProtocolCode.ZMTP_CRYPTOGRAPHIC)


#: Size of an encoder's work buffer; its first 24 bytes are the nonce (prefix + counter).
_WORK = 16 * 1024
_WORK_START = 24
#: A decoder's reusable plaintext buffer starts this big and grows up to _PLAIN_KEEP;
#: larger plaintexts get a buffer of their own.
_PLAIN_START = 2048
_PLAIN_KEEP = 64 * 1024

# hdr flags, size, MESSAGE, short nonce, (16 bytes of MAC, sealed later), inner flags
_put_short = struct.Struct(">BB8sQ16xB").pack_into
_put_long = struct.Struct(">BQ8sQ16xB").pack_into
_put_q = struct.Struct(">Q").pack_into
_head_short = struct.Struct(">BB8sQ").pack
_head_long = struct.Struct(">BQ8sQ").pack
# MESSAGE id, short nonce
_unpack_head = struct.Struct(">8sQ").unpack_from


class CurveCodec:
    """Encrypts outgoing messages into MESSAGE commands; makes the matching decoder.

    ``encode(msgs, out, big=None)`` has the signature of ``_frames.encode_messages``:
    each frame of each message becomes one MESSAGE command appended to ``out``, in a data
    frame (flags 0x00/0x02 as libzmq sends it; ``command_frames=True`` uses 0x04/0x06).
    With ``big`` given, a box of at least ZEROCOPY_MIN bytes is passed to ``big(box)`` after
    its header went into ``out``, for a scatter/gather write. ``encode_command(body, out)``
    sends a ZMTP 3.1 command (PONG...) inside a MESSAGE box with the COMMAND flag, as
    libzmq >= 4.2 does.
    Calls must be serialized per connection: they advance the nonce counter and share the
    work buffer.
    """

    __slots__ = (
        "_key",
        "_send_prefix",
        "_recv_prefix",
        "_nonce",
        "_peer_nonce",
        "_verify",
        "_hdr",
        "_long",
        "_fast",
        "_wb",
        "_wmv",
        "_wp",
        "_kp",
    )

    def __init__(
        self,
        key: bytes,
        send_prefix: bytes,
        recv_prefix: bytes,
        last_sent: int,
        last_received: bytes,
        verify_nonces: bool = True,
        command_frames: bool = False,
    ) -> None:
        self._key = key
        self._send_prefix = send_prefix
        self._recv_prefix = recv_prefix
        self._nonce = last_sent
        self._peer_nonce = last_received
        self._verify = verify_nonces
        self._hdr = _HDR_CMD if command_frames else _HDR_DATA
        self._long = (COMMAND | LONG) if command_frames else LONG
        self._fast = _FAST and len(key) == 32 and len(send_prefix) == 16
        # The work buffer is made on first use: a codec that never sends costs nothing.
        self._wb: Optional[bytearray] = None
        self._wmv: Any = None
        self._wp: Any = None
        self._kp: Any = None

    def _setup(self) -> bytearray:
        wb = bytearray(_WORK)
        wb[:16] = self._send_prefix
        self._wmv = memoryview(wb)
        self._wp = _ffi.from_buffer("unsigned char[]", wb, require_writable=True)
        self._kp = _ffi.new("unsigned char[32]", self._key)
        self._wb = wb
        return wb

    def _seal_alone(self, n: int, flag: int, frame: Any) -> bytearray:
        """The box (MAC + ciphertext of flag + frame) under short nonce ``n``, on its own."""
        blen = len(frame)
        box = bytearray(blen + 17)
        box[16] = flag
        box[17:] = frame
        wb = self._wb
        if wb is None:
            wb = self._setup()
        _put_q(wb, 16, n)
        bp = _ffi.from_buffer("unsigned char[]", box, require_writable=True)
        _seal(bp, bp + 16, blen + 1, self._wp, self._kp)
        if _release is not None:
            _release(bp)  # let the caller resize or hand out the bytearray freely
        return box

    def encode(
        self, msgs: Any, out: bytearray, big: Optional[Callable[[Any], None]] = None
    ) -> None:
        if not self._fast:
            self._encode_slow(msgs, out, big)
            return
        wb = self._wb
        if wb is None:
            wb = self._setup()
        wmv = self._wmv
        wp = self._wp
        kp = self._kp
        seal = _seal
        put_short = _put_short
        put_long = _put_long
        put_q = _put_q
        hflags = self._hdr[0][0]
        lflags = self._long
        limit = _WORK
        n = self._nonce
        p = _WORK_START
        try:
            for msg in msgs:
                more = len(msg) - 1  # frames after this one
                for frame in msg:
                    if n >= _MAX_NONCE:
                        raise _fail("CURVE nonce space exhausted", ProtocolCode.ZMTP_UNSPECIFIED)
                    n += 1
                    blen = len(frame)
                    flag = 1 if more > 0 else 0
                    more -= 1
                    size = blen + MESSAGE_OVERHEAD
                    if size < 256:
                        stop = p + 2 + size
                        if stop > limit:
                            out += wmv[_WORK_START:p]
                            p = _WORK_START
                            stop = p + 2 + size
                        put_short(wb, p, hflags, size, MESSAGE, n, flag)
                        b = p + 18  # the box: MAC, then flags + body
                    else:
                        stop = p + 9 + size
                        if stop > limit:
                            if p > _WORK_START:
                                out += wmv[_WORK_START:p]
                                p = _WORK_START
                                stop = p + 9 + size
                            if stop > limit:
                                # Too large for the work buffer: a box of its own.
                                out += _head_long(lflags, size, MESSAGE, n)
                                box = self._seal_alone(n, flag, frame)
                                if big is not None and size >= ZEROCOPY_MIN:
                                    big(box)
                                else:
                                    out += box
                                continue
                        put_long(wb, p, lflags, size, MESSAGE, n, flag)
                        b = p + 25
                    wmv[b + 17 : stop] = frame
                    put_q(wb, 16, n)
                    seal(wp + b, wp + (b + 16), blen + 1, wp, kp)
                    p = stop
        finally:
            # Never reuse a nonce, whatever happened half-way.
            self._nonce = n
            if p > _WORK_START:
                out += wmv[_WORK_START:p]

    def _encode_slow(
        self, msgs: Any, out: bytearray, big: Optional[Callable[[Any], None]] = None
    ) -> None:
        key = self._key
        prefix = self._send_prefix
        box = crypto_box_easy_afternm
        hdr = self._hdr
        long_flags = self._long
        n = self._nonce
        try:
            for msg in msgs:
                last = len(msg) - 1
                for i, frame in enumerate(msg):
                    if n >= _MAX_NONCE:
                        raise _fail("CURVE nonce space exhausted", ProtocolCode.ZMTP_UNSPECIFIED)
                    n += 1
                    nonce = _pack_q(n)
                    sealed = box(
                        (_FLAGS_MORE if i < last else _FLAGS_LAST) + frame, prefix + nonce, key
                    )
                    size = len(sealed) + 16
                    if size < 256:
                        out += hdr[size]
                    else:
                        out += _pack_long(long_flags, size)
                    out += MESSAGE
                    out += nonce
                    if big is not None and size >= ZEROCOPY_MIN:
                        big(sealed)
                    else:
                        out += sealed
        finally:
            # Never reuse a nonce, whatever happened half-way.
            self._nonce = n

    def encode_command(self, body: bytes, out: bytearray) -> None:
        """Append an encrypted ZMTP command (e.g. PONG) with the inner COMMAND flag."""
        n = self._nonce + 1
        if n > _MAX_NONCE:
            raise _fail("CURVE nonce space exhausted", ProtocolCode.ZMTP_UNSPECIFIED)
        self._nonce = n
        if self._fast:
            body = bytes(body)
            size = len(body) + MESSAGE_OVERHEAD
            if size < 256:
                out += _head_short(self._hdr[0][0], size, MESSAGE, n)
            else:
                out += _head_long(self._long, size, MESSAGE, n)
            out += self._seal_alone(n, _F_COMMAND, body)
            return
        nonce = _pack_q(n)
        sealed = crypto_box_easy_afternm(
            _FLAGS_COMMAND + bytes(body), self._send_prefix + nonce, self._key
        )
        size = len(sealed) + 16
        out += self._hdr[size] if size < 256 else _pack_long(self._long, size)
        out += MESSAGE
        out += nonce
        out += sealed

    def decoder(
        self, maxmsgsize: int = -1, on_command: Optional[Callable[[bytes], None]] = None
    ) -> "CurveDecoder":
        """The decoder of the incoming data stream (one per connection)."""
        return CurveDecoder(
            self._key, self._recv_prefix, self._peer_nonce, self._verify, maxmsgsize, on_command
        )


class CurveDecoder(LargeBodyDecoder):
    """Incremental decoder of the CURVE data stream into whole plaintext messages.

    Same interface as ``_frames.V3Decoder``: ``feed(data)`` returns completed messages,
    ``body_buffer()``/``body_received(n)`` let the reader ``recv_into`` a large frame.
    ``on_command(body)`` (settable) receives decrypted ZMTP 3.1 commands (PING...); without
    it they are dropped. MAXMSGSIZE applies to each frame's plaintext body and is checked
    from the frame header, before the body is buffered. Raises :class:`ProtocolError` for
    anything but a well-formed, authentic, in-order MESSAGE.
    """

    __slots__ = (
        "_key",
        "_prefix",
        "_last",
        "_verify",
        "_max",
        "_tail",
        "_frames",
        "on_command",
        "_fast",
        "_na",
        "_np",
        "_kp",
        "_pa",
        "_pb",
        "_pv",
        "_pcap",
    )

    def __init__(
        self,
        key: bytes,
        prefix: bytes,
        last_nonce: bytes = _ZERO_NONCE,
        verify_nonces: bool = True,
        maxmsgsize: int = -1,
        on_command: Optional[Callable[[bytes], None]] = None,
    ) -> None:
        self._key = key
        self._prefix = prefix
        self._last = last_nonce
        self._verify = verify_nonces
        self._max = maxmsgsize if maxmsgsize >= 0 else 1 << 48  # garbage beyond 256 TiB
        self._tail = b""
        self._frames: List[bytes] = []
        LargeBodyDecoder.__init__(self)
        self.on_command = on_command
        self._fast = _FAST and len(key) == 32 and len(prefix) == 16 and len(last_nonce) == 8
        self._pcap = 0
        self._na = bytearray()
        self._np: Any = None
        self._kp: Any = None
        self._pa = bytearray()
        self._pb: Any = None
        self._pv: Any = None
        if self._fast:
            # The 24-byte nonce: prefix + the short nonce of the box being opened.
            self._na = bytearray(prefix + _ZERO_NONCE)
            self._np = _ffi.from_buffer("unsigned char[]", self._na, require_writable=True)
            self._kp = _ffi.new("unsigned char[32]", key)

    def _grow_plain(self, need: int) -> None:
        cap = max(_PLAIN_START, self._pcap)
        while cap < need:
            cap *= 2
        # A bytearray (its flags byte reads fast) seen through cffi: the pointer to open
        # into and a buffer whose slices are bytes.
        self._pa = bytearray(cap)
        self._pb = _ffi.from_buffer("unsigned char[]", self._pa, require_writable=True)
        self._pv = _ffi.buffer(self._pb)
        self._pcap = cap

    # -- one MESSAGE ----------------------------------------------------------------------
    def _not_message(self, data: Any, start: int, stop: int) -> ProtocolError:
        if data[start : start + len(ERROR)] == ERROR:
            return parse_error(bytes(data[start:stop]))
        return _fail("expected a MESSAGE command", ProtocolCode.ZMTP_UNEXPECTED_COMMAND)

    def _deliver(self, flags: int, body: bytes, msgs: List[List[bytes]]) -> None:
        if flags & _F_COMMAND:
            if self.on_command is not None:
                self.on_command(body)
        elif flags & _F_MORE:
            self._frames.append(body)
        elif self._frames:
            frames = self._frames
            frames.append(body)
            msgs.append(frames)
            self._frames = []
        else:
            msgs.append([body])

    def _message(self, data: bytes, start: int, stop: int, msgs: List[List[bytes]]) -> None:
        if not data.startswith(MESSAGE, start):
            raise self._not_message(data, start, stop)
        nonce = data[start + 8 : start + 16]
        if self._verify and nonce <= self._last:
            raise _fail(
                "MESSAGE short nonce is not increasing (replay or reordering)",
                ProtocolCode.ZMTP_INVALID_SEQUENCE,
            )
        try:
            plain = crypto_box_open_easy_afternm(
                data[start + 16 : stop], self._prefix + nonce, self._key
            )
        except CryptoError:
            raise _crypto_fail("MESSAGE") from None
        self._last = nonce
        self._deliver(plain[0], plain[1:], msgs)

    def _message_in_place(self, buf: bytearray, msgs: List[List[bytes]]) -> None:
        """The MESSAGE filling all of ``buf`` (a large body), opened in place (fast path)."""
        if buf[:8] != MESSAGE:
            raise self._not_message(buf, 0, len(buf))
        nonce = bytes(buf[8:16])
        if self._verify and nonce <= self._last:
            raise _fail(
                "MESSAGE short nonce is not increasing (replay or reordering)",
                ProtocolCode.ZMTP_INVALID_SEQUENCE,
            )
        self._na[16:24] = nonce
        bp = _ffi.from_buffer("unsigned char[]", buf, require_writable=True)
        # c = the box at 16 (MAC, ciphertext); the plaintext lands on the ciphertext at 32.
        rc = _open(bp + 32, bp + 16, len(buf) - 16, self._np, self._kp)
        if _release is not None:
            _release(bp)
        if rc != 0:
            raise _crypto_fail("MESSAGE")
        self._last = nonce
        self._deliver(buf[32], bytes(memoryview(buf)[33:]), msgs)

    def _open_large(self, cp: Any, clen: int) -> Tuple[int, bytes]:
        """Open a box too large for the reusable plaintext buffer (fast path)."""
        mlen = clen - 16
        pb = _new_raw("unsigned char[]", mlen)
        if _open(pb, cp, clen, self._np, self._kp) != 0:
            raise _crypto_fail("MESSAGE")
        return pb[0], _ffi.buffer(pb)[1:mlen]

    # -- large bodies (the buffer handling is LargeBodyDecoder's) ------------------------
    def _finish_body(self, msgs: List[List[bytes]]) -> None:
        body = self._body
        assert body is not None
        self._body = None
        self._body_pos = 0
        if self._fast:
            # The buffer holds exactly this frame and is dropped afterwards: open it in
            # place, and copy only the plaintext body out.
            self._message_in_place(body, msgs)
        else:
            data = bytes(body)
            self._message(data, 0, len(data), msgs)

    # -- the stream -----------------------------------------------------------------------
    def feed(self, data: bytes) -> List[List[bytes]]:
        """Decode a chunk of stream bytes; return the messages it completed."""
        msgs: List[List[bytes]] = []
        if not isinstance(data, bytes):
            data = bytes(data)
        if self._body is not None:
            data = self._resume_body(data, msgs)
            if data is None:
                return msgs
        if self._tail:
            data = self._tail + data
            self._tail = b""
        if self._fast:
            pos = self._scan(data, msgs)
        else:
            pos = self._scan_slow(data, msgs)
        if pos < len(data):
            self._tail = data[pos:]
        return msgs

    def _header_error(self, size: int) -> ProtocolError:
        if size < MESSAGE_OVERHEAD:
            return _fail(
                f"frame of {size} bytes is no CURVE MESSAGE",
                ProtocolCode.ZMTP_MALFORMED_COMMAND_MESSAGE,
            )
        return ProtocolError(
            f"frame of {size - MESSAGE_OVERHEAD} bytes exceeds MAXMSGSIZE {self._max}",
            ProtocolCode.ZMTP_UNSPECIFIED,
            FailureKind.LIMIT,
        )

    def _scan(self, data: bytes, msgs: List[List[bytes]]) -> int:
        """Open every whole MESSAGE frame in ``data``; return where the rest begins."""
        pos = 0
        end = len(data)
        if end < 2:
            return 0
        # Sizes below MESSAGE_OVERHEAD or beyond MAXMSGSIZE fail straight from the header.
        hi = self._max + MESSAGE_OVERHEAD
        dp = _ffi.from_buffer("unsigned char[]", data)
        opn = _open
        head = _unpack_head
        na = self._na
        np_ = self._np
        put_q = _put_q
        kp = self._kp
        pa = self._pa
        pb = self._pb
        pv = self._pv
        pcap = self._pcap
        verify = self._verify
        # Short nonces compare as numbers here (bytes compare the same: big-endian, 8 bytes).
        last = first = int.from_bytes(self._last, "big")
        frames = self._frames
        on_command = self.on_command
        try:
            while end - pos >= 2:
                flags = data[pos]
                if flags & LONG:
                    if end - pos < 9:
                        break
                    size = _unpack_q(data, pos + 1)[0]
                    start = pos + 9
                else:
                    size = data[pos + 1]
                    start = pos + 2
                if size < MESSAGE_OVERHEAD or size > hi:
                    raise self._header_error(size)
                stop = start + size
                if stop > end:
                    if size >= BIG_BODY:
                        self._start_body(data, start, end, size)
                        return end
                    break
                name, nonce = head(data, start)
                if name != MESSAGE:
                    raise self._not_message(data, start, stop)
                if verify and nonce <= last:
                    raise _fail(
                        "MESSAGE short nonce is not increasing (replay or reordering)",
                        ProtocolCode.ZMTP_INVALID_SEQUENCE,
                    )
                put_q(na, 16, nonce)
                mlen = size - 32  # flags + body
                if mlen <= pcap:
                    if opn(pb, dp + (start + 16), size - 16, np_, kp):
                        raise _crypto_fail("MESSAGE")
                    flag = pa[0]
                    body = pv[1:mlen]
                elif mlen <= _PLAIN_KEEP:
                    self._grow_plain(mlen)
                    pa = self._pa
                    pb = self._pb
                    pv = self._pv
                    pcap = self._pcap
                    if opn(pb, dp + (start + 16), size - 16, np_, kp):
                        raise _crypto_fail("MESSAGE")
                    flag = pa[0]
                    body = pv[1:mlen]
                else:
                    flag, body = self._open_large(dp + (start + 16), size - 16)
                last = nonce
                pos = stop
                if flag & _F_COMMAND:
                    if on_command is not None:
                        on_command(body)
                elif flag & _F_MORE:
                    frames.append(body)
                elif frames:
                    frames.append(body)
                    msgs.append(frames)
                    frames = []
                else:
                    msgs.append([body])
        finally:
            if last != first:
                self._last = last.to_bytes(8, "big")
            self._frames = frames
            if _release is not None:
                _release(dp)
        return pos

    def _scan_slow(self, data: bytes, msgs: List[List[bytes]]) -> int:
        pos = 0
        end = len(data)
        mx = self._max
        while end - pos >= 2:
            flags = data[pos]
            if flags & LONG:
                if end - pos < 9:
                    break
                size = _unpack_q(data, pos + 1)[0]
                start = pos + 9
            else:
                size = data[pos + 1]
                start = pos + 2
            if size < MESSAGE_OVERHEAD or size - MESSAGE_OVERHEAD > mx:
                raise self._header_error(size)
            stop = start + size
            if stop > end:
                if size >= BIG_BODY:
                    self._start_body(data, start, end, size)
                    return end
                break
            self._message(data, start, stop, msgs)
            pos = stop
        return pos
