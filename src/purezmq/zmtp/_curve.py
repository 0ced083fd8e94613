"""The CURVE security mechanism (RFC 25 + CurveZMQ, RFC 26) and its data codec.

Theory of operation
-------------------
Four handshake commands, then every data frame travels as an encrypted MESSAGE command.
Keys: C/c and S/s are the client's and server's long-term public/secret keys, C'/c' and
S'/s' fresh per-connection ("transient") pairs. Box[X](A->B) is NaCl ``crypto_box``, i.e.
Curve25519 + XSalsa20-Poly1305, always 16 bytes longer than X. Nonces are 24 bytes: an ASCII
prefix plus either a 16-byte random "long nonce" or an 8-byte "short nonce", which is a
per-direction counter written big-endian, starting at 1 (libzmq >= 4.1; 4.0 wrote it
little-endian but accepts anything)::

    C: HELLO     05 'HELLO' 01 00 <72 zero bytes> C' <short nonce> Box[64 zeros](C'->S)
                 nonce "CurveZMQHELLO---"; exactly 200 bytes
    S: WELCOME   07 'WELCOME' <long nonce> Box[S' + cookie](S->C'), nonce "WELCOME-"; 168 bytes
                 cookie = <long nonce> SecretBox[C' + s'](K), nonce "COOKIE--"; 96 bytes
    C: INITIATE  08 'INITIATE' cookie <short nonce> Box[C + vouch + metadata](C'->S')
                 nonce "CurveZMQINITIATE"; vouch = <long nonce> Box[C' + S](C->S'),
                 nonce "VOUCH---"; 257 bytes + metadata
    S: READY     05 'READY' <short nonce> Box[metadata](S'->C'), nonce "CurveZMQREADY---";
                 30 bytes + metadata
    MESSAGE      07 'MESSAGE' <short nonce> Box[flags + body](C'<->S'), nonce
                 "CurveZMQMESSAGEC" (from the client) / "CurveZMQMESSAGES" (from the server);
                 flags bit 0 = MORE, bit 1 = COMMAND (ZMTP 3.1 commands such as PING)

The server is stateless until a valid INITIATE, as RFC 26 asks: after HELLO it keeps only
the per-connection cookie key K; S'/s' and C' live in the cookie the client sends back. The
vouch must hold the C' that came in HELLO (via the cookie) and our own S. The INITIATE,
READY and MESSAGE boxes are all between the transient keys C' and S', so each side computes
that shared key once (``crypto_box_beforenm``) and uses the ``*_afternm`` primitives (their
"easy" variants, which produce the same bytes without the zero-padding copies) from then on.

Received short nonces: a MESSAGE whose nonce is not strictly greater (as a big-endian
number) than the previous one from that peer -- the INITIATE's for a server, the READY's
for a client -- is a replay or a reordering and fails the connection (libzmq >= 4.1 does
the same; HELLO's nonce is not compared, as libzmq 4.0 clients send uninitialised memory
there). ``verify_nonces=False`` turns this off for a libzmq 4.0 peer, whose little-endian
counters stop looking increasing after 255 messages.

After the handshake the mechanism's ``codec`` (a :class:`CurveCodec`) encrypts outgoing
messages and makes the incoming-stream decoder (:class:`CurveDecoder`). MESSAGE commands go
out in ordinary data frames (flags 0x00, or 0x02 when long), exactly as every libzmq from
4.0 to 4.3 sends them. RFC 23 would make them command frames (0x04), but libzmq 4.3.5 then
keeps the frame's COMMAND flag on the decrypted message and drops the connection (checked
against the pyzmq 27 wheel), so the command form is only *accepted* on input, never sent.
Multipart messages are carried by the MORE bit inside the box, never by the frame's MORE
bit.

Crypto comes only from PyNaCl (libsodium); randomness from the injected ``random``
callable (``os.urandom`` by default), so tests can make exact transcripts. PyNaCl is an
optional dependency: without it ``HAVE_CURVE`` is false and creating a CURVE mechanism or
a key pair raises :class:`CurveUnavailable`.

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

Threads: a mechanism belongs to one connection's handshake. ``CurveCodec.encode`` and
``encode_command`` keep the outgoing nonce counter and share the work buffer, so calls for
one connection must be serialized (the engine's write lock); the decoder and its buffers
belong to the connection's reader.
"""

from __future__ import annotations

import hmac
import os
import struct
from enum import Enum
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

from ..utils.z85 import decode as _z85_decode
from ..utils.z85 import encode as _z85_encode
from ._errors import FailureKind, ProtocolCode, ProtocolError
from ._frames import BIG_BODY, BODY_PREALLOC, COMMAND, LONG, ZEROCOPY_MIN
from ._mechanism import ERROR, READY, Mechanism, ZapReply, ZapRequest, error_body, parse_error
from ._metadata import decode_metadata

try:
    from nacl.bindings import (
        crypto_box,
        crypto_box_beforenm,
        crypto_box_easy_afternm,
        crypto_box_keypair,
        crypto_box_open,
        crypto_box_open_easy_afternm,
        crypto_scalarmult_base,
        crypto_secretbox,
        crypto_secretbox_open,
    )
    from nacl.exceptions import CryptoError

    HAVE_CURVE = True
except ImportError:  # pragma: no cover - exercised only without PyNaCl
    HAVE_CURVE = False

    class CryptoError(Exception):  # type: ignore[no-redef]
        pass


# The data path's direct route to libsodium (see "Speed" above). Importing nacl.bindings
# first ran sodium_init(), which selects libsodium's fast implementations.
try:
    if not HAVE_CURVE:
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


__all__ = [
    "HAVE_CURVE",
    "CurveCodec",
    "CurveDecoder",
    "CurveMechanism",
    "CurveUnavailable",
    "curve_keypair",
    "curve_public",
]

HELLO = b"\x05HELLO"
WELCOME = b"\x07WELCOME"
INITIATE = b"\x08INITIATE"
MESSAGE = b"\x07MESSAGE"

HELLO_SIZE = 200
WELCOME_SIZE = 168
INITIATE_MIN = 257
READY_MIN = 30
#: MESSAGE id (8) + short nonce (8) + MAC (16) + flags (1).
MESSAGE_OVERHEAD = 33

_VERSION = b"\x01\x00"
_HELLO_PADDING = bytes(72)
_HELLO_SIGNATURE = bytes(64)

_N_HELLO = b"CurveZMQHELLO---"
_N_WELCOME = b"WELCOME-"
_N_COOKIE = b"COOKIE--"
_N_INITIATE = b"CurveZMQINITIATE"
_N_VOUCH = b"VOUCH---"
_N_READY = b"CurveZMQREADY---"
_N_MESSAGE_C = b"CurveZMQMESSAGEC"
_N_MESSAGE_S = b"CurveZMQMESSAGES"

#: Inner flags of a MESSAGE box.
_F_MORE = 0x01
_F_COMMAND = 0x02
_FLAGS_LAST = b"\x00"
_FLAGS_MORE = b"\x01"
_FLAGS_COMMAND = b"\x02"

_MAX_NONCE = (1 << 64) - 1
_ZERO_NONCE = bytes(8)
_REFUSALS = (b"300", b"400", b"500")

_pack_q = struct.Struct(">Q").pack
_unpack_q = struct.Struct(">Q").unpack_from
_pack_long = struct.Struct(">BQ").pack
_HDR_CMD = [bytes((COMMAND, n)) for n in range(256)]
_HDR_DATA = [bytes((0, n)) for n in range(256)]

RandomFn = Callable[[int], bytes]


class CurveUnavailable(RuntimeError):
    """CURVE needs PyNaCl, which is not installed (pyzmq raises ENOTSUP here)."""


def _require_nacl() -> None:
    if not HAVE_CURVE:
        raise CurveUnavailable("CURVE security requires PyNaCl (pip install pynacl)")


# -- keys ---------------------------------------------------------------------------------
def curve_keypair() -> Tuple[bytes, bytes]:
    """A new long-term CURVE key pair ``(public, secret)``, each as 40 Z85 characters."""
    _require_nacl()
    public, secret = crypto_box_keypair()
    return _z85_encode(public), _z85_encode(secret)


def curve_public(secret_key: Union[bytes, str]) -> bytes:
    """The Z85 public key (40 bytes) that belongs to a Z85 secret key."""
    _require_nacl()
    if isinstance(secret_key, str):
        secret_key = secret_key.encode("ascii", "replace")
    if len(secret_key) != 40:
        raise ValueError("secret key must be a 40 byte z85 encoded string")
    return _z85_encode(crypto_scalarmult_base(_z85_decode(secret_key)))


def _raw_key(key: Union[bytes, str], what: str) -> bytes:
    """A 32-byte key from 32 raw bytes or 40 Z85 characters."""
    raw = key.encode("ascii", "replace") if isinstance(key, str) else bytes(key)
    if len(raw) == 40:
        raw = _z85_decode(raw)
    if len(raw) != 32:
        raise ValueError(f"{what} must be 32 bytes (or 40 Z85 characters)")
    return raw


def _fail(reason: str, code: int, kind: FailureKind = FailureKind.PROTOCOL) -> ProtocolError:
    return ProtocolError(reason, code, kind)


def _crypto_fail(what: str) -> ProtocolError:
    return ProtocolError(f"cannot open {what}", ProtocolCode.ZMTP_CRYPTOGRAPHIC)


# -- the mechanism ------------------------------------------------------------------------
class _State(Enum):
    EXPECT_HELLO = 1  # server
    EXPECT_INITIATE = 2  # server: only the cookie key K is kept
    WAIT_ZAP = 3  # server: INITIATE valid, ZAP reply pending
    EXPECT_WELCOME = 4  # client
    EXPECT_READY = 5  # client
    DONE = 6
    FAILED = 7


class CurveMechanism(Mechanism):
    """CURVE client or server (RFC 25/26, libzmq 4.0.1+ vouch).

    ``public_key``/``secret_key`` are this side's long-term pair (C/c or S/s) and a client
    needs the server's long-term public key ``server_key`` (S). Keys are 32 raw bytes (40
    Z85 characters are accepted too). ``props`` are the local metadata properties sent in
    INITIATE (client) or READY (server). ``random(n)`` supplies random bytes: transient
    secret keys, long nonces, the cookie key.

    Attributes the engine uses besides the :class:`Mechanism` protocol:

    * ``codec`` -- a :class:`CurveCodec` once ``ready`` (None before): all data frames must
      go through ``codec.encode`` and the data stream through ``codec.decoder(...)``.
    * ``error_reply`` -- after :meth:`zap_reply` raised for a 300/400/500 refusal, the body
      of an ERROR command to send (unencrypted) before closing; else None.
    * ``client_public_key`` -- on a server, the authenticated client key C (32 bytes).
    """

    name = b"CURVE"

    def __init__(
        self,
        props: Sequence[Tuple[str, bytes]],
        *,
        as_server: bool,
        public_key: Union[bytes, str],
        secret_key: Union[bytes, str],
        server_key: Union[bytes, str, None] = None,
        use_zap: bool = False,
        random: RandomFn = os.urandom,
        verify_nonces: bool = True,
    ) -> None:
        _require_nacl()
        super().__init__(props)
        self.as_server = bool(as_server)
        self._public = _raw_key(public_key, "public key")
        self._secret = _raw_key(secret_key, "secret key")
        self._random = random
        self._use_zap = use_zap
        self._verify = verify_nonces
        self.error_reply: Optional[bytes] = None
        self.codec: Optional[CurveCodec] = None
        self.client_public_key = b""
        self._send_nonce = 0  # last short nonce we used
        self._peer_nonce = _ZERO_NONCE  # last short nonce received, big-endian bytes
        self._key: Optional[bytes] = None  # precomputed C'/S' shared key
        if self.as_server:
            self._server_key = self._public
            self._cookie_key: Optional[bytes] = None
            self._state = _State.EXPECT_HELLO
        else:
            if server_key is None:
                raise ValueError("a CURVE client needs the server's public key")
            self._server_key = _raw_key(server_key, "server key")
            # The client's transient pair exists from the start, as in libzmq.
            self._cn_secret = self._rand(32)
            self._cn_public = crypto_scalarmult_base(self._cn_secret)
            self._state = _State.EXPECT_WELCOME

    def _rand(self, n: int) -> bytes:
        data = bytes(self._random(n))
        if len(data) != n:
            raise ValueError(f"random({n}) returned {len(data)} bytes")
        return data

    def _next_nonce(self) -> bytes:
        self._send_nonce += 1
        return _pack_q(self._send_nonce)

    # -- Mechanism protocol -------------------------------------------------------------
    def start(self) -> List[bytes]:
        if self.as_server:
            return []
        nonce = self._next_nonce()
        signature = crypto_box(
            _HELLO_SIGNATURE, _N_HELLO + nonce, self._server_key, self._cn_secret
        )
        return [HELLO + _VERSION + _HELLO_PADDING + self._cn_public + nonce + signature]

    def on_command(self, body: bytes) -> List[bytes]:
        state = self._state
        try:
            if state is _State.EXPECT_WELCOME:
                return self._on_welcome(body)
            if state is _State.EXPECT_READY:
                return self._on_ready(body)
            if state is _State.EXPECT_HELLO:
                return self._on_hello(body)
            if state is _State.EXPECT_INITIATE:
                return self._on_initiate(body)
            raise _fail(
                "unexpected command after the CURVE handshake"
                if state is _State.DONE
                else "command while waiting for the ZAP reply",
                ProtocolCode.ZMTP_UNEXPECTED_COMMAND,
            )
        except CryptoError as exc:  # pragma: no cover - every call site catches its own
            self._state = _State.FAILED
            raise _fail(f"crypto failure: {exc}", ProtocolCode.ZMTP_CRYPTOGRAPHIC) from None
        except ProtocolError:
            self._state = _State.FAILED
            raise

    def zap_reply(self, reply: ZapReply) -> List[bytes]:
        if self._state is not _State.WAIT_ZAP:
            raise _fail("unexpected ZAP reply", ProtocolCode.ZAP_UNSPECIFIED)
        if reply.status != b"200":
            self._state = _State.FAILED
            self._key = None
            if reply.status in _REFUSALS:
                self.error_reply = error_body(reply.status)
        self._apply_zap(reply)  # raises unless 200
        return self._send_ready()

    # -- client -------------------------------------------------------------------------
    def _on_welcome(self, body: bytes) -> List[bytes]:
        if body.startswith(ERROR):
            raise parse_error(body)
        if not body.startswith(WELCOME):
            raise _fail("expected WELCOME", ProtocolCode.ZMTP_UNEXPECTED_COMMAND)
        if len(body) != WELCOME_SIZE:
            raise _fail(
                f"WELCOME of {len(body)} bytes", ProtocolCode.ZMTP_MALFORMED_COMMAND_WELCOME
            )
        try:
            plain = crypto_box_open(
                body[24:], _N_WELCOME + body[8:24], self._server_key, self._cn_secret
            )
        except CryptoError:
            raise _crypto_fail("WELCOME (wrong server key?)") from None
        server_transient = plain[:32]
        cookie = plain[32:]
        try:
            key = crypto_box_beforenm(server_transient, self._cn_secret)
            vouch_nonce = self._rand(16)
            vouch = crypto_box(
                self._cn_public + self._server_key,
                _N_VOUCH + vouch_nonce,
                server_transient,
                self._secret,
            )
        except CryptoError:
            raise _fail("bad server transient key", ProtocolCode.ZMTP_KEY_EXCHANGE) from None
        self._key = key
        nonce = self._next_nonce()
        box = crypto_box_easy_afternm(
            self._public + vouch_nonce + vouch + self._metadata_bytes(),
            _N_INITIATE + nonce,
            key,
        )
        self._state = _State.EXPECT_READY
        return [INITIATE + cookie + nonce + box]

    def _on_ready(self, body: bytes) -> List[bytes]:
        if body.startswith(ERROR):
            raise parse_error(body)
        if not body.startswith(READY):
            raise _fail("expected READY", ProtocolCode.ZMTP_UNEXPECTED_COMMAND)
        if len(body) < READY_MIN:
            raise _fail(f"READY of {len(body)} bytes", ProtocolCode.ZMTP_MALFORMED_COMMAND_READY)
        nonce = body[6:14]
        assert self._key is not None
        try:
            metadata = crypto_box_open_easy_afternm(body[14:], _N_READY + nonce, self._key)
        except CryptoError:
            raise _crypto_fail("READY") from None
        self.peer_metadata = decode_metadata(metadata)
        self._peer_nonce = nonce
        self._finish(_N_MESSAGE_C, _N_MESSAGE_S)
        return []

    # -- server -------------------------------------------------------------------------
    def _on_hello(self, body: bytes) -> List[bytes]:
        if not body.startswith(HELLO):
            raise _fail("expected HELLO", ProtocolCode.ZMTP_UNEXPECTED_COMMAND)
        if len(body) != HELLO_SIZE:
            raise _fail(f"HELLO of {len(body)} bytes", ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO)
        if body[6:8] != _VERSION:
            raise _fail(
                f"unsupported CurveZMQ version {body[6]}.{body[7]}",
                ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO,
            )
        if body[8:80] != _HELLO_PADDING:
            raise _fail("HELLO padding is not zero", ProtocolCode.ZMTP_MALFORMED_COMMAND_HELLO)
        client_transient = body[80:112]
        try:
            signature = crypto_box_open(
                body[120:200], _N_HELLO + body[112:120], client_transient, self._secret
            )
        except CryptoError:
            raise _crypto_fail("HELLO (client has the wrong server key?)") from None
        if not hmac.compare_digest(signature, _HELLO_SIGNATURE):
            raise _fail("HELLO signature is not 64 zero bytes", ProtocolCode.ZMTP_CRYPTOGRAPHIC)
        # WELCOME: a fresh transient pair, handed to the client inside the cookie and
        # forgotten here; only the cookie key K stays until INITIATE.
        transient_secret = self._rand(32)
        transient_public = crypto_scalarmult_base(transient_secret)
        cookie_key = self._rand(32)
        cookie_nonce = self._rand(16)
        cookie = cookie_nonce + crypto_secretbox(
            client_transient + transient_secret, _N_COOKIE + cookie_nonce, cookie_key
        )
        welcome_nonce = self._rand(16)
        box = crypto_box(
            transient_public + cookie, _N_WELCOME + welcome_nonce, client_transient, self._secret
        )
        self._cookie_key = cookie_key
        self._state = _State.EXPECT_INITIATE
        return [WELCOME + welcome_nonce + box]

    def _on_initiate(self, body: bytes) -> List[bytes]:
        if not body.startswith(INITIATE):
            raise _fail("expected INITIATE", ProtocolCode.ZMTP_UNEXPECTED_COMMAND)
        if len(body) < INITIATE_MIN:
            raise _fail(
                f"INITIATE of {len(body)} bytes", ProtocolCode.ZMTP_MALFORMED_COMMAND_INITIATE
            )
        cookie_key = self._cookie_key
        self._cookie_key = None  # one INITIATE per cookie
        assert cookie_key is not None
        try:
            cookie = crypto_secretbox_open(body[25:105], _N_COOKIE + body[9:25], cookie_key)
        except CryptoError:
            raise _crypto_fail("INITIATE cookie") from None
        client_transient = cookie[:32]
        transient_secret = cookie[32:64]
        nonce = body[105:113]
        try:
            key = crypto_box_beforenm(client_transient, transient_secret)
            plain = crypto_box_open_easy_afternm(body[113:], _N_INITIATE + nonce, key)
        except CryptoError:
            raise _crypto_fail("INITIATE") from None
        client_key = plain[:32]
        try:
            vouch = crypto_box_open(
                plain[48:128], _N_VOUCH + plain[32:48], client_key, transient_secret
            )
        except CryptoError:
            raise _crypto_fail("INITIATE vouch") from None
        if not hmac.compare_digest(vouch[:32], client_transient) or not hmac.compare_digest(
            vouch[32:64], self._server_key
        ):
            raise _fail("INITIATE vouch does not match", ProtocolCode.ZMTP_KEY_EXCHANGE)
        self.peer_metadata = decode_metadata(plain[128:])
        self.client_public_key = client_key
        self._key = key
        self._peer_nonce = nonce
        if self._use_zap:
            self._state = _State.WAIT_ZAP
            self.zap_request = ZapRequest(b"CURVE", (client_key,))
            return []
        return self._send_ready()

    def _send_ready(self) -> List[bytes]:
        key = self._key
        assert key is not None
        nonce = self._next_nonce()
        box = crypto_box_easy_afternm(self._metadata_bytes(), _N_READY + nonce, key)
        self._finish(_N_MESSAGE_S, _N_MESSAGE_C)
        return [READY + nonce + box]

    def _finish(self, send_prefix: bytes, recv_prefix: bytes) -> None:
        assert self._key is not None
        self.codec = CurveCodec(
            self._key,
            send_prefix,
            recv_prefix,
            self._send_nonce,
            self._peer_nonce,
            self._verify,
        )
        self._state = _State.DONE
        self.ready = True


# -- data after the handshake -------------------------------------------------------------

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


class CurveDecoder:
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
        "_body",
        "_body_pos",
        "_body_size",
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
        self._body: Optional[bytearray] = None
        self._body_pos = 0
        self._body_size = 0
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
        flags = plain[0]
        body = plain[1:]
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

    # -- large bodies -------------------------------------------------------------------
    def body_buffer(self) -> Optional[memoryview]:
        """Where the next bytes of a large frame should be read into, or None."""
        body = self._body
        if body is None:
            return None
        pos = self._body_pos
        if pos == len(body):
            body = self._grow(pos + 1)
        return memoryview(body)[pos:]

    def body_received(self, n: int) -> List[List[bytes]]:
        """``n`` bytes were written into :meth:`body_buffer`; returns completed messages."""
        self._body_pos += n
        msgs: List[List[bytes]] = []
        if self._body_pos >= self._body_size:
            self._finish_body(msgs)
        return msgs

    def _grow(self, need: int) -> bytearray:
        old = self._body
        assert old is not None
        new = bytearray(min(self._body_size, max(need, 2 * len(old))))
        pos = self._body_pos
        new[:pos] = memoryview(old)[:pos]
        self._body = new
        return new

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
            body = self._body
            bpos = self._body_pos
            room = self._body_size - bpos
            n = len(data)
            if n < room:
                if bpos + n > len(body):
                    body = self._grow(bpos + n)
                body[bpos : bpos + n] = data
                self._body_pos = bpos + n
                return msgs
            if self._body_size > len(body):
                body = self._grow(self._body_size)
            body[bpos:] = data[:room]
            self._body_pos = self._body_size
            data = data[room:]
            self._finish_body(msgs)
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

    def _start_body(self, data: bytes, start: int, end: int, size: int) -> None:
        have = end - start
        self._body = body = bytearray(max(have, min(size, BODY_PREALLOC)))
        body[:have] = data[start:end]
        self._body_pos = have
        self._body_size = size

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
