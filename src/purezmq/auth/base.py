"""ZAP authentication policy (RFC 27) with pyzmq's ``zmq.auth.Authenticator`` API.

Theory of operation
-------------------
libzmq (and purezmq's core) asks whoever is bound to ``inproc://zeromq.zap.01`` in the
same context whether a connecting peer may in; the :class:`Authenticator` is such a handler:
a REP socket plus a policy (IP allow/deny lists, PLAIN passwords per domain, CURVE client
keys per domain from a certificate directory or a callback). This class only decides; it
runs nowhere by itself: :class:`~purezmq.auth.thread.ThreadAuthenticator` serves it from a
background thread, or the application feeds ``handle_zap_message`` itself.

The decisions follow pyzmq's exactly (existing pyzmq code must behave the same):
* an address allow list admits only the listed addresses, a deny list everybody else;
  ``allow`` and ``deny`` are mutually exclusive;
* NULL is admitted unless the address was refused; PLAIN and CURVE must always pass
  their own check too, even from an allowed address;
* CURVE checks, first match wins: ``CURVE_ALLOW_ANY`` (one switch for all domains, as in
  pyzmq), then credentials providers (once any is configured, a domain without one is
  refused), then certificate directories; an empty request domain means ``'*'``.

Where pyzmq would stall or leak, this one does not: every request gets exactly one reply
(a REP socket that skipped one would be wedged), a failing credentials provider costs its
request a ``500`` instead of the handler thread, and passwords and keys never reach the log.

``handle_zap_message`` is a coroutine in pyzmq >= 25 and a plain call before; here it
works both ways: the reply is sent before it returns unless a credentials provider returns
an awaitable, in which case the returned coroutine must be awaited to finish.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Awaitable, Dict, List, Optional, Set, Tuple, Union

from .. import constants as _c
from ..utils import z85
from .certs import load_certificates

__all__ = ["Authenticator", "CURVE_ALLOW_ANY"]

#: ``configure_curve(location=CURVE_ALLOW_ANY)`` admits every CURVE client key.
CURVE_ALLOW_ANY = "*"
VERSION = b"1.0"
ZAP_ENDPOINT = "inproc://zeromq.zap.01"


class _Done:
    """What ``handle_zap_message`` returns when the reply is already sent: awaiting it is a
    no-op, so both ``auth.handle_zap_message(m)`` and ``await auth.handle_zap_message(m)``
    work."""

    __slots__ = ()
    done = True

    def __await__(self):  # type: ignore[no-untyped-def]
        return iter(())

    def __repr__(self) -> str:
        return "<ZAP reply sent>"


_DONE = _Done()


class Authenticator:
    """ZAP authentication for the sockets of one context (pyzmq's ``Authenticator``).

    Until a policy is configured every NULL connection is admitted (classic ZeroMQ) and
    every PLAIN and CURVE connection refused.
    """

    context: Any
    encoding: str
    allow_any: bool
    credentials_providers: Dict[str, Any]
    zap_socket: Any
    passwords: Dict[str, Dict[str, str]]
    certs: Dict[str, Dict[bytes, Any]]
    log: Any

    def __init__(self, context: Any = None, encoding: str = "utf-8", log: Any = None) -> None:
        if context is None:
            from .. import Context

            context = Context.instance()
        self.context = context
        self.encoding = encoding
        self.allow_any = False
        self.credentials_providers = {}
        self.zap_socket = None
        self._allowed: Set[str] = set()
        self._denied: Set[str] = set()
        self.passwords = {}  # domain -> {username: password}
        self.certs = {}  # domain -> {z85 public key: True}
        self.log = log or logging.getLogger("zmq.auth")

    # -- lifetime ---------------------------------------------------------------------------
    def start(self) -> None:
        """Create the ZAP socket and bind it (``EADDRINUSE`` if the context already has a
        handler)."""
        from .. import Socket

        sock = self.context.socket(_c.REP, socket_class=Socket)
        sock.linger = 1
        try:
            sock.bind(ZAP_ENDPOINT)
        except BaseException:
            sock.close(linger=0)
            raise
        self.zap_socket = sock
        self.log.debug("Starting")

    def stop(self) -> None:
        """Close the ZAP socket: the context's servers accept everybody again (libzmq
        consults ZAP only while a handler is bound)."""
        sock, self.zap_socket = self.zap_socket, None
        if sock is not None:
            sock.close()

    # -- policy -----------------------------------------------------------------------------
    def allow(self, *addresses: str) -> None:
        """Admit only these IP addresses (then still subject to PLAIN/CURVE checks)."""
        if self._denied:
            raise ValueError("Only use allow or deny, not both")
        self.log.debug("Allowing %s", ",".join(addresses))
        self._allowed.update(addresses)

    def deny(self, *addresses: str) -> None:
        """Refuse these IP addresses; everybody else goes on to authentication."""
        if self._allowed:
            raise ValueError("Only use a allow or deny, not both")
        self.log.debug("Denying %s", ",".join(addresses))
        self._denied.update(addresses)

    def configure_plain(
        self, domain: str = "*", passwords: Optional[Dict[str, str]] = None
    ) -> None:
        """PLAIN for ``domain`` (``'*'``: requests without a domain) against
        ``{username: password}``. The dict is used live: later changes to it count."""
        if passwords:
            self.passwords[domain] = passwords
        self.log.debug("Configure plain: %s", domain)

    def configure_curve(
        self, domain: str = "*", location: Union[str, "os.PathLike[str]", None] = None
    ) -> None:
        """CURVE for ``domain`` against the public certificates (``*.key``) in the
        directory ``location`` (default: the current directory), or any client key with
        ``location=CURVE_ALLOW_ANY``. Call again after the directory changes."""
        if location is None:
            location = "."
        self.log.debug("Configure curve: %s[%s]", domain, location)
        if location == CURVE_ALLOW_ANY:
            self.allow_any = True
            return
        self.allow_any = False
        try:
            self.certs[domain] = load_certificates(location)
        except Exception as e:  # noqa: BLE001 - pyzmq logs and keeps going (fail closed)
            self.log.error("Failed to load CURVE certs from %s: %s", location, e)

    def configure_curve_callback(self, domain: str = "*", credentials_provider: Any = None) -> None:
        """CURVE for ``domain`` decided by ``credentials_provider.callback(domain, key)``,
        called with the client's Z85 public key (bytes); it returns a truth value or an
        awaitable of one."""
        self.allow_any = False
        if credentials_provider is not None:
            self.credentials_providers[domain] = credentials_provider
        else:
            self.log.error("None credentials_provider provided for domain:%s", domain)

    def configure_gssapi(self, domain: str = "*", location: Optional[str] = None) -> None:
        """GSSAPI is not part of ZeroMQ 4.0 (nor of purezmq); accepted as pyzmq does."""

    def curve_user_id(self, client_public_key: bytes) -> str:
        """The User-Id for an admitted CURVE client: its key in Z85 by default. Override
        to map keys to names."""
        return z85.encode(client_public_key).decode("ascii")

    # -- the ZAP exchange -------------------------------------------------------------------
    def handle_zap_message(self, msg: List[bytes]) -> Any:
        """Answer one ZAP request (the frames a REP socket received).

        Returns an awaitable; the reply has already been sent when it comes back unless a
        credentials provider answered with an awaitable (then await the result).
        """
        frames = [bytes(f) for f in msg]
        if len(frames) < 6:
            self.log.error("Invalid ZAP message, not enough frames: %d", len(frames))
            rid = frames[1] if len(frames) > 1 else b""
            self._send_zap_reply(rid, b"400", b"Not enough frames")
            return _DONE
        version, request_id, domain_b, address_b, identity, mechanism = frames[:6]
        credentials = frames[6:]
        if version != VERSION:
            self.log.error("Invalid ZAP version: %r", version[:16])
            self._send_zap_reply(request_id, b"400", b"Invalid version")
            return _DONE
        domain = domain_b.decode(self.encoding, "replace")
        address = address_b.decode(self.encoding, "replace")
        self.log.debug(
            "version: %r, request_id: %r, domain: %r, address: %r, identity: %r, mechanism: %r",
            version,
            request_id,
            domain,
            address,
            identity,
            mechanism,
        )

        allowed, denied, reason = self._check_address(address)
        if denied:
            self._send_zap_reply(request_id, b"400", reason)
            return _DONE
        user_id = "anonymous"
        if mechanism == b"NULL":
            allowed = True
            self.log.debug("ALLOWED (NULL)")
        elif mechanism == b"PLAIN":
            if len(credentials) != 2:
                self.log.error("Invalid PLAIN credentials: %d frames", len(credentials))
                self._send_zap_reply(request_id, b"400", b"Invalid credentials")
                return _DONE
            username, password = (c.decode(self.encoding, "replace") for c in credentials)
            allowed, reason = self._authenticate_plain(domain, username, password)
            if allowed:
                user_id = username
        elif mechanism == b"CURVE":
            if len(credentials) != 1 or len(credentials[0]) != 32:
                self.log.error("Invalid CURVE credentials")
                self._send_zap_reply(request_id, b"400", b"Invalid credentials")
                return _DONE
            key = credentials[0]
            verdict = self._authenticate_curve(domain, key)
            if isinstance(verdict, _Pending):
                return self._finish_curve(request_id, domain, key, verdict)
            allowed, reason = verdict
            if allowed:
                user_id = self.curve_user_id(key)
        elif mechanism == b"GSSAPI":
            if len(credentials) != 1:
                self.log.error("Invalid GSSAPI credentials")
                self._send_zap_reply(request_id, b"400", b"Invalid credentials")
                return _DONE
            user_id = credentials[0].decode(self.encoding, "replace")
            allowed, reason = True, b"OK"
        else:
            allowed, reason = False, b"Unsupported mechanism"
        if allowed:
            self._send_zap_reply(request_id, b"200", b"OK", user_id)
        else:
            self._send_zap_reply(request_id, b"400", reason)
        return _DONE

    def _check_address(self, address: str) -> Tuple[bool, bool, bytes]:
        """(allowed, denied, reason) from the address lists alone."""
        if self._allowed:
            if address in self._allowed:
                self.log.debug("PASSED (allowed) address=%s", address)
                return True, False, b"OK"
            self.log.debug("DENIED (not allowed) address=%s", address)
            return False, True, b"Address not allowed"
        if self._denied:
            if address in self._denied:
                self.log.debug("DENIED (denied) address=%s", address)
                return False, True, b"Address denied"
            self.log.debug("PASSED (not denied) address=%s", address)
            return True, False, b"OK"
        return False, False, b"NO ACCESS"

    def _authenticate_plain(self, domain: str, username: str, password: str) -> Tuple[bool, bytes]:
        if not self.passwords:
            self.log.debug("DENIED (PLAIN) No passwords defined")
            return False, b"No passwords defined"
        domain = domain or "*"
        table = self.passwords.get(domain)
        if table is None:
            reason = b"Invalid domain"
        elif username not in table:
            reason = b"Invalid username"
        elif not _same(password, table[username]):
            reason = b"Invalid password"
        else:
            self.log.debug("ALLOWED (PLAIN) domain=%s username=%s", domain, username)
            return True, b"OK"
        self.log.debug(
            "DENIED (PLAIN) domain=%s username=%s: %s", domain, username, reason.decode()
        )
        return False, reason

    def _authenticate_curve(
        self, domain: str, client_key: bytes
    ) -> Union[Tuple[bool, bytes], "_Pending"]:
        if self.allow_any:
            self.log.debug("ALLOWED (CURVE allow any client)")
            return True, b"OK"
        domain = domain or "*"
        z85_key = z85.encode(client_key)
        if self.credentials_providers:
            provider = self.credentials_providers.get(domain)
            if provider is None:
                return False, b"Unknown domain"
            try:
                answer = provider.callback(domain, z85_key)
            except Exception:  # noqa: BLE001 - one bad request must not kill the handler
                self.log.exception("CURVE credentials provider failed for domain=%s", domain)
                return False, b"Internal error"
            if _is_awaitable(answer):
                return _Pending(answer)
            return self._curve_verdict(bool(answer), domain, z85_key, "auth_callback")
        certs = self.certs.get(domain)
        if certs is None:
            return False, b"Unknown domain"
        return self._curve_verdict(bool(certs.get(z85_key)), domain, z85_key, "certs")

    def _curve_verdict(self, ok: bool, domain: str, z85_key: bytes, how: str) -> Tuple[bool, bytes]:
        self.log.debug(
            "%s (CURVE %s) domain=%s client_key=%s",
            "ALLOWED" if ok else "DENIED",
            how,
            domain,
            z85_key.decode("ascii"),
        )
        return (True, b"OK") if ok else (False, b"Unknown key")

    async def _finish_curve(
        self, request_id: bytes, domain: str, key: bytes, pending: "_Pending"
    ) -> None:
        """The rest of a CURVE request whose credentials provider answered asynchronously."""
        try:
            ok = bool(await pending.awaitable)
        except Exception:  # noqa: BLE001
            self.log.exception("CURVE credentials provider failed for domain=%s", domain)
            self._send_zap_reply(request_id, b"500", b"Internal error")
            return
        allowed, reason = self._curve_verdict(ok, domain or "*", z85.encode(key), "auth_callback")
        if allowed:
            self._send_zap_reply(request_id, b"200", b"OK", self.curve_user_id(key))
        else:
            self._send_zap_reply(request_id, b"400", reason)

    def _send_zap_reply(
        self,
        request_id: bytes,
        status_code: bytes,
        status_text: bytes,
        user_id: Union[str, bytes] = "anonymous",
    ) -> None:
        """Send the 6-frame ZAP reply (version, id, status, text, user id, metadata)."""
        if status_code != b"200":
            user_id = b""
        if isinstance(user_id, str):
            user_id = user_id.encode(self.encoding, "replace")
        self.log.debug("ZAP reply code=%s text=%s", status_code, status_text)
        self.zap_socket.send_multipart(
            [VERSION, request_id, status_code, status_text, user_id, b""]
        )


class _Pending:
    """A credentials provider's awaitable answer, still to be awaited."""

    __slots__ = ("awaitable",)

    def __init__(self, awaitable: Awaitable[Any]) -> None:
        self.awaitable = awaitable


def _is_awaitable(obj: Any) -> bool:
    return hasattr(obj, "__await__")


def _same(a: str, b: str) -> bool:
    """Compare secrets in time independent of where they differ."""
    import hmac

    return hmac.compare_digest(
        a.encode("utf-8", "surrogatepass"), str(b).encode("utf-8", "surrogatepass")
    )
