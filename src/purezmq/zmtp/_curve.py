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

The data codec (:class:`CurveCodec`, :class:`CurveDecoder`) lives in ``_curve_codec`` and
is re-exported here.

Threads: a mechanism belongs to one connection's handshake.
"""

from __future__ import annotations

import hmac
import os
from enum import Enum
from typing import Callable, List, Optional, Sequence, Tuple, Union

from ..utils.z85 import decode as _z85_decode
from ..utils.z85 import encode as _z85_encode
from ._curve_codec import (
    _ZERO_NONCE,
    CurveCodec,
    CurveDecoder,
    _crypto_fail,
    _fail,
    _pack_q,
)
from ._curve_codec import MESSAGE as MESSAGE  # re-exported, with the other command names
from ._curve_codec import MESSAGE_OVERHEAD as MESSAGE_OVERHEAD
from ._errors import ProtocolCode, ProtocolError
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

HELLO_SIZE = 200
WELCOME_SIZE = 168
INITIATE_MIN = 257
READY_MIN = 30

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

_REFUSALS = (b"300", b"400", b"500")

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
