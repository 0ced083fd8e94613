"""Socket-type names on the wire and the peer compatibility rules (RFC 23, 28-31)."""

from __future__ import annotations

from typing import Dict, FrozenSet

PAIR, PUB, SUB, REQ, REP, DEALER, ROUTER, PULL, PUSH, XPUB, XSUB, STREAM = range(12)

#: Socket-Type property value by socket type number.
TYPE_NAMES: Dict[int, bytes] = {
    PAIR: b"PAIR",
    PUB: b"PUB",
    SUB: b"SUB",
    REQ: b"REQ",
    REP: b"REP",
    DEALER: b"DEALER",
    ROUTER: b"ROUTER",
    PULL: b"PULL",
    PUSH: b"PUSH",
    XPUB: b"XPUB",
    XSUB: b"XSUB",
    STREAM: b"STREAM",
}

#: Peer Socket-Type values each type accepts (libzmq 4.0, section 4.3 of the reference).
COMPATIBLE: Dict[int, FrozenSet[bytes]] = {
    REQ: frozenset({b"REP", b"ROUTER"}),
    REP: frozenset({b"REQ", b"DEALER"}),
    DEALER: frozenset({b"REP", b"DEALER", b"ROUTER"}),
    ROUTER: frozenset({b"REQ", b"DEALER", b"ROUTER"}),
    PUB: frozenset({b"SUB", b"XSUB"}),
    XPUB: frozenset({b"SUB", b"XSUB"}),
    SUB: frozenset({b"PUB", b"XPUB"}),
    XSUB: frozenset({b"PUB", b"XPUB"}),
    PUSH: frozenset({b"PULL"}),
    PULL: frozenset({b"PUSH"}),
    PAIR: frozenset({b"PAIR"}),
}

#: Types that announce their Identity in READY/INITIATE metadata.
SENDS_IDENTITY = frozenset({REQ, DEALER, ROUTER})
#: Types that use the identity a peer announces.
USES_PEER_IDENTITY = frozenset({REP, ROUTER})


def compatible(local: int, peer_name: bytes) -> bool:
    """True if a ``local`` socket may talk to a peer announcing ``peer_name``."""
    return peer_name in COMPATIBLE.get(local, frozenset())
