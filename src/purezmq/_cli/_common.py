"""What every sub-command shares: exit codes, one-line errors, the library switch, endpoint,
socket-type and key parsing, and the PLAIN/CURVE options.

Every sub-command talks to ZeroMQ only through a library *module* chosen with ``--lib``
(``purezmq`` by default, ``zmq`` for pyzmq/libzmq), using pyzmq's public API; that is what
lets the same tool be the libzmq peer in interop checks and the pyzmq side of ``perf
compare``.
"""

from __future__ import annotations

import argparse
import codecs
import importlib
import os
import re
import sys
from typing import Any, List, NoReturn, Optional, Sequence, Tuple

# -- exit codes (documented in ``purezmq --help``) -------------------------------------------
EXIT_OK = 0
EXIT_FAILURE = 1  # the command ran and failed: address in use, I/O error, library missing
EXIT_USAGE = 2  # bad arguments: unknown option, bad endpoint, bad key, unreadable file
EXIT_TIMEOUT = 3  # --timeout expired before the command could finish its job
EXIT_INTERRUPTED = 130  # SIGINT (Ctrl-C)

EXIT_CODES_HELP = """\
exit status:
  0    success
  1    runtime failure (address in use, I/O error, library not installed, ...)
  2    bad arguments (unknown option, bad endpoint, bad key, unreadable file)
  3    --timeout expired
  130  interrupted (Ctrl-C)
"""

SOCKET_TYPES = (
    "PAIR",
    "PUB",
    "SUB",
    "REQ",
    "REP",
    "DEALER",
    "ROUTER",
    "PULL",
    "PUSH",
    "XPUB",
    "XSUB",
    "STREAM",
)

_ENDPOINT = re.compile(r"^([a-z][a-z0-9+.-]*)://(.+)$")
_TRANSPORTS = ("tcp", "ipc", "inproc", "pgm", "epgm", "tipc", "vmci", "ws", "wss")


class CLIError(Exception):
    """A failure to report in one line and exit with ``code``."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


def usage_error(message: str) -> CLIError:
    return CLIError(message, EXIT_USAGE)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``prog: error: message (see prog --help)``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


# -- library ---------------------------------------------------------------------------------
LIBRARIES = {"purezmq": "purezmq", "zmq": "zmq", "pyzmq": "zmq"}


def add_lib_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lib",
        default="purezmq",
        choices=sorted(LIBRARIES),
        help="ZeroMQ library to run on: purezmq (default), or zmq/pyzmq "
        "(libzmq, for interop checks)",
    )


def load_library(name: str) -> Any:
    """Import ``purezmq`` or pyzmq (``zmq``) by name; CLIError if it is not installed."""
    modname = LIBRARIES.get(name, name)
    try:
        return importlib.import_module(modname)
    except ImportError as e:
        hint = " (pip install pyzmq)" if modname == "zmq" else ""
        raise CLIError(f"library {name!r} is not available: {e}{hint}") from None


# -- parsing helpers -------------------------------------------------------------------------
def socket_type(zmq: Any, name: str) -> int:
    upper = name.upper()
    if upper not in SOCKET_TYPES:
        raise usage_error(f"unknown socket type {name!r} (one of {', '.join(SOCKET_TYPES)})")
    return int(getattr(zmq, upper))


def check_endpoint(endpoint: str, *, allow_inproc: bool = False) -> str:
    """Check the shape of an endpoint before any library sees it (clear messages)."""
    m = _ENDPOINT.match(endpoint)
    if not m:
        raise usage_error(
            f"invalid endpoint {endpoint!r}: expected transport://address "
            "(tcp://host:port, ipc:///path, inproc://name)"
        )
    transport, address = m.groups()
    if transport not in _TRANSPORTS:
        raise usage_error(f"invalid endpoint {endpoint!r}: unknown transport {transport!r}")
    if transport == "inproc" and not allow_inproc:
        raise usage_error(
            f"invalid endpoint {endpoint!r}: inproc only connects sockets inside one "
            "process; use tcp:// or ipc://"
        )
    if transport == "tcp" and ":" not in address:
        raise usage_error(f"invalid endpoint {endpoint!r}: tcp needs host:port")
    return endpoint


def unescape(text: Optional[str]) -> Optional[bytes]:
    """``-d '\\t'`` style arguments: backslash escapes understood, result as bytes."""
    if text is None:
        return None
    try:
        return codecs.decode(text.encode("utf-8"), "unicode_escape").encode("latin-1")
    except (UnicodeDecodeError, UnicodeEncodeError):
        # non-latin-1 characters: take the text literally as utf-8
        return text.encode("utf-8")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def nonneg_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"expected seconds >= 0, got {text!r}")
    return value


# -- keys ------------------------------------------------------------------------------------
def _is_z85_key(text: str) -> bool:
    if len(text) != 40:
        return False
    from ..utils import z85

    try:
        return len(z85.decode(text.encode("ascii"))) == 32
    except (ValueError, UnicodeEncodeError):
        return False


def load_key(zmq: Any, value: str, option: str, *, secret: bool) -> Tuple[bytes, Optional[bytes]]:
    """A key given as 40 Z85 characters or as a certificate file.

    Returns ``(public, secret)`` as Z85 bytes; for ``secret=True`` both are set (the public
    key derived from the secret when only a key was given), else ``secret`` is None.
    """
    if _is_z85_key(value):
        key = value.encode("ascii")
        if not secret:
            return key, None
        try:
            return zmq.curve_public(key), key
        except Exception as e:  # e.g. CURVE unavailable
            raise CLIError(f"{option}: cannot derive the public key: {e}") from None
    if os.path.isfile(value):
        try:
            from ..auth.certs import load_certificate

            public, sec = load_certificate(value)
        except (OSError, ValueError) as e:
            raise usage_error(f"{option}: {e}") from None
        if secret and sec is None:
            raise usage_error(
                f"{option}: {value} has no secret key (use the .key_secret certificate)"
            )
        return public, (sec if secret else None)
    # never echo what might be (part of) a secret key
    what = "secret" if secret else "public"
    raise usage_error(
        f"{option}: not a CURVE {what} key: expected 40 Z85 characters or a certificate file"
    )


# -- security options ------------------------------------------------------------------------
def add_security_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("security (PLAIN / CURVE)")
    g.add_argument("--plain-user", metavar="USER", help="PLAIN client: user name")
    g.add_argument("--plain-password", metavar="PASS", default="", help="PLAIN client: password")
    g.add_argument(
        "--plain-server",
        action="store_true",
        help="be a PLAIN server (without --plain-auth every user is accepted)",
    )
    g.add_argument(
        "--plain-auth",
        metavar="USER:PASS",
        action="append",
        default=[],
        help="PLAIN server: accept only these credentials (repeatable)",
    )
    g.add_argument(
        "--curve-server", action="store_true", help="be a CURVE server (needs --curve-secret)"
    )
    g.add_argument(
        "--curve-serverkey",
        metavar="KEY|CERT",
        help="CURVE client: the server's public key (Z85, or a certificate file)",
    )
    g.add_argument(
        "--curve-secret",
        metavar="KEY|CERT",
        help="own CURVE secret key (Z85, or a .key_secret certificate file); "
        "a client without one uses a fresh key pair",
    )
    g.add_argument(
        "--curve-allow",
        metavar="DIR",
        help="CURVE server: accept only clients whose public certificates (*.key) are in DIR",
    )


class Security:
    """Applies the security options to sockets; owns the ZAP authenticator if one runs."""

    def __init__(self, zmq: Any, args: argparse.Namespace) -> None:
        self.zmq = zmq
        self.args = args
        self.auth: Any = None
        self.opts: List[Tuple[int, Any]] = []
        a = args
        plain = bool(a.plain_user or a.plain_server or a.plain_auth)
        curve = bool(a.curve_server or a.curve_serverkey or a.curve_secret or a.curve_allow)
        if plain and curve:
            raise usage_error("PLAIN and CURVE options cannot be combined")
        if a.plain_user is not None and (a.plain_server or a.plain_auth):
            raise usage_error("--plain-user (client) and --plain-server cannot be combined")
        self.passwords = {}
        for cred in a.plain_auth:
            user, sep, password = cred.partition(":")
            if not sep or not user:
                raise usage_error(f"--plain-auth: expected USER:PASS, got {cred!r}")
            self.passwords[user] = password
        if a.plain_user is not None:
            self.opts += [
                (zmq.PLAIN_USERNAME, a.plain_user.encode()),
                (zmq.PLAIN_PASSWORD, a.plain_password.encode()),
            ]
        elif a.plain_server or a.plain_auth:
            self.opts.append((zmq.PLAIN_SERVER, 1))
        if curve:
            if a.curve_server and a.curve_serverkey:
                raise usage_error("--curve-server and --curve-serverkey cannot be combined")
            if a.curve_allow and not a.curve_server:
                raise usage_error("--curve-allow needs --curve-server")
            if not zmq.has("curve"):
                raise CLIError(
                    "CURVE is not available in this library build "
                    "(purezmq needs PyNaCl: pip install pynacl)"
                )
            if a.curve_server:
                if not a.curve_secret:
                    raise usage_error("--curve-server needs --curve-secret")
                public, secret = load_key(zmq, a.curve_secret, "--curve-secret", secret=True)
                self.opts += [
                    (zmq.CURVE_SERVER, 1),
                    (zmq.CURVE_SECRETKEY, secret),
                    (zmq.CURVE_PUBLICKEY, public),
                ]
            elif a.curve_serverkey:
                server, _ = load_key(zmq, a.curve_serverkey, "--curve-serverkey", secret=False)
                if a.curve_secret:
                    public, secret = load_key(zmq, a.curve_secret, "--curve-secret", secret=True)
                else:
                    public, secret = zmq.curve_keypair()
                self.opts += [
                    (zmq.CURVE_SERVERKEY, server),
                    (zmq.CURVE_PUBLICKEY, public),
                    (zmq.CURVE_SECRETKEY, secret),
                ]
            else:
                raise usage_error("--curve-secret needs --curve-server or --curve-serverkey")
            if a.curve_allow and not os.path.isdir(a.curve_allow):
                raise usage_error(f"--curve-allow: {a.curve_allow} is not a directory")

    def start(self, ctx: Any) -> None:
        """Start a ZAP handler when the options need one: an authenticator for
        --plain-auth/--curve-allow, or an accept-everyone handler for a bare --plain-server
        (libzmq 4.0 accepts PLAIN without a handler, libzmq >= 4.3 refuses - this makes the
        option mean the same on both)."""
        a = self.args
        if a.plain_server and not self.passwords:
            self.auth = _AcceptAll(self.zmq, ctx)
            return
        if not (self.passwords or a.curve_allow):
            return
        thread = importlib.import_module(self.zmq.__name__ + ".auth.thread")
        self.auth = thread.ThreadAuthenticator(ctx)
        self.auth.start()
        if self.passwords:
            self.auth.configure_plain(domain="*", passwords=self.passwords)
        if a.curve_allow:
            self.auth.configure_curve(domain="*", location=a.curve_allow)

    def apply(self, sock: Any) -> None:
        for opt, value in self.opts:
            sock.setsockopt(opt, value)

    def stop(self) -> None:
        if self.auth is not None:
            self.auth.stop()
            self.auth = None


class _AcceptAll:
    """A ZAP handler (RFC 27) that accepts every request, on a thread of its own."""

    def __init__(self, zmq: Any, ctx: Any) -> None:
        import threading

        self.zmq = zmq
        self.sock = ctx.socket(zmq.REP)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.bind("inproc://zeromq.zap.01")
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="purezmq-cli-zap", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        zmq = self.zmq
        try:
            while not self.stopping.is_set():
                if not self.sock.poll(100):
                    continue
                request = self.sock.recv_multipart()
                version, request_id = request[0], request[1]
                user = request[6] if len(request) > 6 and request[5] == b"PLAIN" else b""
                self.sock.send_multipart([version, request_id, b"200", b"OK", user, b""])
        except zmq.ZMQError:
            pass  # context terminated under us
        finally:
            self.sock.close()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)


# -- endpoints -------------------------------------------------------------------------------
def add_endpoint_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("endpoints (at least one)")
    g.add_argument(
        "-b",
        "--bind",
        metavar="ENDPOINT",
        action="append",
        default=[],
        help="bind to ENDPOINT (repeatable), e.g. tcp://*:5555, ipc:///tmp/s",
    )
    g.add_argument(
        "-c",
        "--connect",
        metavar="ENDPOINT",
        action="append",
        default=[],
        help="connect to ENDPOINT (repeatable), e.g. tcp://127.0.0.1:5555",
    )


def check_endpoints(args: argparse.Namespace) -> None:
    if not args.bind and not args.connect:
        raise usage_error("an endpoint is needed: -b/--bind ENDPOINT or -c/--connect ENDPOINT")
    for ep in (*args.bind, *args.connect):
        check_endpoint(ep)


def attach(
    zmq: Any, sock: Any, binds: Sequence[str], connects: Sequence[str], verbose: bool = False
) -> List[str]:
    """bind/connect ``sock``; library errors become one-line CLIErrors. Returns the
    endpoints actually bound (wildcards resolved)."""
    bound = []
    for kind, eps in (("bind", binds), ("connect", connects)):
        for ep in eps:
            try:
                getattr(sock, kind)(ep)
            except zmq.ZMQError as e:
                code = EXIT_USAGE if e.errno in _bad_endpoint_errnos(zmq) else EXIT_FAILURE
                raise CLIError(f"cannot {kind} to {ep}: {_strerror(zmq, e)}", code) from None
            if kind == "bind":
                last = sock.getsockopt(zmq.LAST_ENDPOINT)
                last = last.decode() if isinstance(last, bytes) else str(last)
                bound.append(last)
                if verbose:
                    note(f"bound to {last}")
            elif verbose:
                note(f"connecting to {ep}")
    return bound


def _bad_endpoint_errnos(zmq: Any) -> Tuple[int, ...]:
    import errno

    return (
        errno.EINVAL,
        zmq.EPROTONOSUPPORT,
        getattr(zmq, "ENOCOMPATPROTO", -1),
        errno.ENODEV,
        getattr(errno, "ENAMETOOLONG", -1),
    )


def _strerror(zmq: Any, e: Any) -> str:
    text = str(getattr(e, "strerror", "") or e)
    # pyzmq and purezmq append "(addr='...')"; the endpoint is already in our message
    return re.sub(r"\s*\(addr=.*\)$", "", text)


def terminate(ctx: Any, grace: Optional[float]) -> None:
    """``ctx.term()``, but give up after ``grace`` seconds (None: wait as long as it takes).

    Sockets are closed with an explicit LINGER before this, so a term that outlives it is
    not delivering anything the user asked for; a command line tool must still exit.
    """
    if grace is None:
        ctx.term()
        return
    import threading

    t = threading.Thread(target=ctx.term, name="purezmq-cli-term", daemon=True)
    t.start()
    t.join(grace)


def note(message: str) -> None:
    """A diagnostic line on stderr (never on stdout, which carries data)."""
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
