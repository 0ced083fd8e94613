"""Socket options: one declarative table of every option purezmq implements.

Each :class:`OptSpec` says how an option is stored, validated, read and written, and which
socket types accept it — libzmq 4.0's rules (reference §2). An option that is not in the
table, or not applicable to the socket's type, raises ``ZMQError(EINVAL)``: purezmq never
accepts an option and then ignores it.
"""

from __future__ import annotations

import copy
import errno as _errno
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, Optional, Tuple

from ..error import ZMQError
from ..zmtp._types import DEALER, PUB, PULL, PUSH, REP, REQ, ROUTER, SUB, XPUB, XSUB

ALL_TYPES = frozenset(range(12))


def _einval() -> ZMQError:
    return ZMQError(_errno.EINVAL)


def at_least(n: int) -> Callable[[int], int]:
    def check(v: int) -> int:
        if v < n:
            raise _einval()
        return v

    return check


def boolean(v: int) -> int:
    if v not in (0, 1):
        raise _einval()
    return v


def nonzero_is_one(v: int) -> int:
    if v < 0:
        raise _einval()
    return 1 if v else 0


def minus_one_or_more(v: int) -> int:
    if v < -1:
        raise _einval()
    return v


def keepalive(v: int) -> int:
    if v not in (-1, 0, 1):
        raise _einval()
    return v


def identity(v: bytes) -> bytes:
    if not 0 < len(v) <= 255 or v[0] == 0:
        raise _einval()
    return v


def parse_accept_filter(v: bytes) -> Any:
    """One TCP_ACCEPT_FILTER entry, "address[/bits]", as an ipaddress network."""
    import ipaddress

    if not v or v[0] == 0:
        raise _einval()
    try:
        text = v.decode("ascii")
        addr, slash, bits = text.partition("/")
        if slash and not bits:
            raise ValueError(text)
        ip = ipaddress.ip_address(addr)
        prefix = int(bits) if bits else ip.max_prefixlen
        if not 0 <= prefix <= ip.max_prefixlen or (bits and not bits.isdigit()):
            raise ValueError(bits)
        return ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    except ValueError:
        raise _einval() from None


def short_string(v: bytes) -> bytes:
    if len(v) > 255:
        raise _einval()
    return v


def curve_key(v: bytes) -> bytes:
    """A CURVE key as 32 raw bytes, given raw or as 40 Z85 characters (EINVAL otherwise)."""
    if not _have_curve():
        raise _einval()
    if len(v) == 32:
        return v
    if len(v) == 40:
        from ..utils.z85 import decode

        try:
            return decode(v)
        except ValueError:
            raise _einval() from None
    raise _einval()


def _have_curve() -> bool:
    try:
        import nacl.bindings  # noqa: F401
    except ImportError:  # pragma: no cover - PyNaCl is a dependency of the curve extra
        return False
    return True


@dataclass(frozen=True)
class OptSpec:
    num: int
    attr: str
    kind: str  # "int", "int64", "uint64", "bytes"
    default: Any
    check: Optional[Callable[[Any], Any]] = None
    readable: bool = True
    writable: bool = True
    types: FrozenSet[int] = ALL_TYPES
    #: For options whose value lives elsewhere (TYPE, RCVMORE, EVENTS, FD, ...).
    dynamic: bool = False


def _spec(*a: Any, **k: Any) -> OptSpec:
    return OptSpec(*a, **k)


SPECS: Dict[int, OptSpec] = {
    s.num: s
    for s in [
        _spec(4, "affinity", "uint64", 0),
        _spec(5, "identity", "bytes", b"", identity, dynamic=True),
        _spec(8, "rate", "int", 100, at_least(1)),
        _spec(9, "recovery_ivl", "int", 10000, at_least(0)),
        _spec(11, "sndbuf", "int", 0, at_least(0)),
        _spec(12, "rcvbuf", "int", 0, at_least(0)),
        _spec(13, "rcvmore", "int", 0, writable=False, dynamic=True),
        _spec(14, "fd", "fd", -1, writable=False, dynamic=True),
        _spec(15, "events", "int", 0, writable=False, dynamic=True),
        _spec(16, "type", "int", 0, writable=False, dynamic=True),
        _spec(17, "linger", "int", -1, minus_one_or_more),
        _spec(18, "reconnect_ivl", "int", 100, minus_one_or_more),
        _spec(19, "backlog", "int", 100, at_least(0)),
        _spec(21, "reconnect_ivl_max", "int", 0, at_least(0)),
        _spec(22, "maxmsgsize", "int64", -1, minus_one_or_more),
        _spec(23, "sndhwm", "int", 1000, at_least(0)),
        _spec(24, "rcvhwm", "int", 1000, at_least(0)),
        _spec(25, "multicast_hops", "int", 1, at_least(1)),
        _spec(27, "rcvtimeo", "int", -1, minus_one_or_more),
        _spec(28, "sndtimeo", "int", -1, minus_one_or_more),
        _spec(31, "ipv4only", "int", 1, boolean, dynamic=True),
        _spec(32, "last_endpoint", "bytes", b"", writable=False),
        _spec(
            33,
            "router_mandatory",
            "int",
            0,
            nonzero_is_one,
            readable=False,
            types=frozenset({ROUTER, REP}),
        ),
        _spec(34, "tcp_keepalive", "int", -1, keepalive),
        _spec(35, "tcp_keepalive_cnt", "int", -1, minus_one_or_more),
        _spec(36, "tcp_keepalive_idle", "int", -1, minus_one_or_more),
        _spec(37, "tcp_keepalive_intvl", "int", -1, minus_one_or_more),
        _spec(42, "ipv6", "int", 0, boolean),
        _spec(43, "mechanism", "int", 0, writable=False),
        _spec(6, "subscribe", "bytes", b"", readable=False, types=frozenset({SUB})),
        _spec(7, "unsubscribe", "bytes", b"", readable=False, types=frozenset({SUB})),
        _spec(
            40,
            "xpub_verbose",
            "int",
            0,
            nonzero_is_one,
            readable=False,
            types=frozenset({XPUB, PUB}),
        ),
        _spec(54, "conflate", "int", 0, boolean),
        _spec(38, "tcp_accept_filter", "bytes", b"", short_string, readable=False),
        _spec(39, "immediate", "int", 0, boolean),
        _spec(
            41,
            "router_raw",
            "int",
            0,
            nonzero_is_one,
            readable=False,
            types=frozenset({ROUTER, REP}),
        ),
        _spec(
            51,
            "probe_router",
            "int",
            0,
            nonzero_is_one,
            readable=False,
            types=frozenset({ROUTER, DEALER, REQ, REP}),
        ),
        _spec(44, "plain_server", "int", 0, boolean, dynamic=True),
        _spec(45, "plain_username", "bytes", b"", short_string),
        _spec(46, "plain_password", "bytes", b"", short_string),
        _spec(47, "curve_server", "int", 0, boolean, dynamic=True),
        _spec(48, "curve_publickey", "bytes", bytes(32), curve_key, dynamic=True),
        _spec(49, "curve_secretkey", "bytes", bytes(32), curve_key, dynamic=True),
        _spec(50, "curve_serverkey", "bytes", bytes(32), curve_key, dynamic=True),
        _spec(55, "zap_domain", "bytes", b"", short_string),
        _spec(
            52, "req_correlate", "int", 0, nonzero_is_one, readable=False, types=frozenset({REQ})
        ),
        _spec(53, "req_relaxed", "int", 0, nonzero_is_one, readable=False, types=frozenset({REQ})),
    ]
}

#: Types on which CONFLATE takes effect (libzmq 4.0 accepts it on all).
CONFLATE_TYPES = frozenset({DEALER, PULL, PUSH, PUB, SUB})


def conflating(options: "Options") -> bool:
    return bool(options.conflate) and options.type in CONFLATE_TYPES


class Options:
    """The option values of one socket; copied into each bind/connect as a snapshot.

    ``__init__`` fills one attribute per :data:`SPECS` entry (``spec.attr``) from the
    table; the annotations below declare them for the type checker ("int", "int64",
    "uint64" and "fd" options are ``int``, "bytes" options ``bytes``).
    """

    # -- from SPECS ---------------------------------------------------------------------
    affinity: int
    identity: bytes
    rate: int
    recovery_ivl: int
    sndbuf: int
    rcvbuf: int
    rcvmore: int
    fd: int
    events: int
    type: int
    linger: int
    reconnect_ivl: int
    backlog: int
    reconnect_ivl_max: int
    maxmsgsize: int
    sndhwm: int
    rcvhwm: int
    multicast_hops: int
    rcvtimeo: int
    sndtimeo: int
    ipv4only: int
    last_endpoint: bytes
    router_mandatory: int
    tcp_keepalive: int
    tcp_keepalive_cnt: int
    tcp_keepalive_idle: int
    tcp_keepalive_intvl: int
    ipv6: int
    mechanism: int
    subscribe: bytes
    unsubscribe: bytes
    xpub_verbose: int
    conflate: int
    tcp_accept_filter: bytes
    immediate: int
    router_raw: int
    probe_router: int
    plain_server: int
    plain_username: bytes
    plain_password: bytes
    curve_server: int
    curve_publickey: bytes
    curve_secretkey: bytes
    curve_serverkey: bytes
    zap_domain: bytes
    req_correlate: int
    req_relaxed: int
    # -- not options of their own -------------------------------------------------------
    #: 1 when this side is the PLAIN/CURVE server.
    as_server: int
    #: TCP_ACCEPT_FILTER entries as ipaddress networks (empty: accept everyone).
    accept_filters: Tuple[Any, ...]

    def __init__(self, socket_type: int, ipv6: int = 0) -> None:
        for spec in SPECS.values():
            setattr(self, spec.attr, spec.default)
        self.type = socket_type
        self.ipv6 = 1 if ipv6 else 0
        if socket_type in (SUB, XSUB):
            self.linger = 0
        self.as_server = 0
        self.accept_filters = ()

    def snapshot(self) -> "Options":
        return copy.copy(self)


def lookup(option: int, socket_type: int) -> OptSpec:
    spec = SPECS.get(option)
    if spec is None or socket_type not in spec.types:
        raise _einval()
    return spec


def coerce(spec: OptSpec, value: Any) -> Any:
    """Type-check a value as pyzmq does (TypeError for the wrong Python type)."""
    if spec.kind == "bytes":
        if isinstance(value, str):
            raise TypeError(
                f"unicode not allowed for bytes option {spec.attr.upper()}, use setsockopt_string"
            )
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(f"expected bytes, got: {value!r}")
        return bytes(value)
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, int):
        raise TypeError(f"expected int, got: {value!r}")
    if spec.kind == "int" and not -(2**31) <= value < 2**31:
        raise _einval()
    if spec.kind == "int64" and not -(2**63) <= value < 2**63:
        raise _einval()
    if spec.kind == "uint64" and not 0 <= value < 2**64:
        raise _einval()
    return value
