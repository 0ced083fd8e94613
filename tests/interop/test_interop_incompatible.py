"""Incompatible socket types (reference §4.3): the connection is refused at handshake, nothing
is delivered either way, and the purezmq socket goes on serving a compatible peer meanwhile.

Each scenario connects the incompatible libzmq socket *first* (so its handshake is under
way before the compatible one), has it send, then runs a compatible conversation and finally
checks for a quiet period that nothing from the incompatible peer ever arrived.
"""

from __future__ import annotations

import pytest

import purezmq as zmq

from ._harness import describe_all, local_recv, local_try_recv, seq_msg
from .conftest import TRANSPORTS

pytestmark = pytest.mark.timeout(20)

QUIET_MS = 100
TRANSPORT = pytest.mark.parametrize("transport", TRANSPORTS)


def bad_send(bad, frames):
    """Queue a message on the incompatible libzmq socket if it has a pipe (a connecting
    socket does; a bound one never gets a peer, so EAGAIN is fine there)."""
    assert bad.try_send(frames, timeout=0) in (None, "EAGAIN")


def conversation(pz_type, local, good):
    """Three rounds between the purezmq socket and the compatible libzmq socket."""
    for i in range(3):
        q = f"good-q{i}".encode()
        r = f"good-r{i}".encode()
        if pz_type == "REP":
            good.send([q])
            assert local.recv_multipart() == [q]
            local.send(r)
            assert good.recv()[0] == describe_all([r])
        elif pz_type == "PULL":
            good.send([q])
            assert local.recv_multipart() == [q]
        elif pz_type == "ROUTER":
            good.send([q])
            rid, *env, body = local.recv_multipart()
            assert body == q and env == ([b""] if good.type_name == "REQ" else [])
            local.send_multipart([rid, *env, r])
            assert good.recv()[0] == describe_all([r])
        elif pz_type in ("PAIR", "DEALER"):
            good.send([q])
            assert local.recv_multipart() == [q]
            local.send(r)
            assert good.recv()[0] == describe_all([r])
        elif pz_type == "REQ":
            local.send(q)
            frames, _ = good.recv()
            assert frames == describe_all([q])
            good.send([r])
            assert local.recv() == r
        else:  # pragma: no cover
            raise AssertionError(pz_type)


# (purezmq type, incompatible libzmq type that sends, compatible libzmq type)
BOUND_CASES = [
    ("REP", "PUSH", "REQ"),
    ("PULL", "REQ", "PUSH"),
    ("PULL", "PAIR", "PUSH"),
    ("ROUTER", "PAIR", "DEALER"),
    ("ROUTER", "PUSH", "REQ"),
    ("PAIR", "DEALER", "PAIR"),
    ("DEALER", "PUSH", "DEALER"),
    ("REQ", "PUSH", "REP"),
]


@TRANSPORT
@pytest.mark.parametrize(
    "pz_type,bad_type,good_type",
    BOUND_CASES,
    ids=[f"pz{a}-bad{b}-good{c}" for a, b, c in BOUND_CASES],
)
def test_bound_pz_ignores_incompatible_peer(
    lz, pz, endpoint, transport, pz_type, bad_type, good_type
):
    local = pz.socket(getattr(zmq, pz_type))
    local.rcvtimeo = local.sndtimeo = 5000
    local.bind(endpoint(transport))
    ep = local.last_endpoint.decode()

    bad = lz.socket(bad_type)
    bad.connect(ep)
    bad_send(bad, [b"bad", b"frame"])
    good = lz.socket(good_type)
    good.connect(ep)

    conversation(pz_type, local, good)
    assert local_try_recv(local, QUIET_MS) is None


# purezmq connects to both; only receive-side types (a connecting socket keeps a pipe to
# the refusing peer, so send-side round-robin would park messages there, as libzmq does)
CONNECT_CASES = [
    ("REP", "PUSH", "REQ"),
    ("PULL", "REQ", "PUSH"),
    ("PULL", "DEALER", "PUSH"),
    ("ROUTER", "PAIR", "DEALER"),
    ("ROUTER", "PUSH", "REQ"),
]


@TRANSPORT
@pytest.mark.parametrize(
    "pz_type,bad_type,good_type",
    CONNECT_CASES,
    ids=[f"pz{a}-bad{b}-good{c}" for a, b, c in CONNECT_CASES],
)
def test_connecting_pz_ignores_incompatible_peer(
    lz, pz, endpoint, transport, pz_type, bad_type, good_type
):
    local = pz.socket(getattr(zmq, pz_type))
    local.rcvtimeo = local.sndtimeo = 5000
    bad = lz.socket(bad_type)
    good = lz.socket(good_type)
    local.connect(bad.bind(endpoint(transport)))
    bad_send(bad, [b"bad", b"frame"])
    local.connect(good.bind(endpoint(transport)))
    conversation(pz_type, local, good)
    assert local_try_recv(local, QUIET_MS) is None


@TRANSPORT
def test_bound_pz_push_skips_lz_rep(lz, pz, endpoint, transport):
    """purezmq PUSH (bound) with a libzmq REP and a libzmq PULL connected: every message
    goes to the PULL, none to the REP."""
    push = pz.socket(zmq.PUSH)
    push.sndtimeo = 5000
    push.bind(endpoint(transport))
    ep = push.last_endpoint.decode()
    rep = lz.socket("REP")
    rep.connect(ep)
    pull = lz.socket("PULL")
    pull.connect(ep)
    push.send(b"first")  # blocks until the PULL's pipe is attached
    assert pull.recv()[0] == describe_all([b"first"])
    n = 50
    for i in range(n):
        push.send(seq_msg("p", i))
    r = lz.request("recv_many", sock=pull.sid, n=n, prefix="p", timeout=5000)
    assert r["count"] == n and r["bad"] is None, r
    assert rep.try_recv(QUIET_MS) is None


@TRANSPORT
def test_connecting_pz_push_to_lz_rep(lz, pz, endpoint, transport):
    """purezmq PUSH connecting to a libzmq REP: nothing is ever delivered to the REP; the
    PUSH still delivers (in order) to a libzmq PULL it is also connected to."""
    push = pz.socket(zmq.PUSH)
    push.sndtimeo = 5000
    rep = lz.socket("REP")
    pull = lz.socket("PULL")
    push.connect(rep.bind(endpoint(transport)))
    push.connect(pull.bind(endpoint(transport)))
    n = 20
    for i in range(n):
        push.send(seq_msg("c", i))
    got = []
    while True:
        frames = pull.try_recv(QUIET_MS)
        if frames is None:
            break
        got.append(bytes.fromhex(frames[0]["hex"]))
    assert got, "the compatible PULL received nothing"
    idx = [int(m[1:]) for m in got]
    assert idx == sorted(idx) and all(m == seq_msg("c", i) for m, i in zip(got, idx))
    assert rep.try_recv(0) is None


@TRANSPORT
def test_lz_push_to_pz_rep_while_serving(lz, pz, endpoint, transport):
    """The brief's headline case, with many refused reconnects while the REP serves."""
    rep = pz.socket(zmq.REP)
    rep.rcvtimeo = 5000
    rep.bind(endpoint(transport))
    ep = rep.last_endpoint.decode()
    pushes = [lz.socket("PUSH", RECONNECT_IVL=10) for _ in range(3)]
    for p in pushes:
        p.connect(ep)
        bad_send(p, [b"bad"])
    req = lz.socket("REQ")
    req.connect(ep)
    for i in range(20):
        req.send([b"q%d" % i])
        frames, more = local_recv(rep)
        assert frames == describe_all([b"q%d" % i]) and more == [0]
        rep.send(b"r%d" % i)
        assert req.recv()[0] == describe_all([b"r%d" % i])
    assert local_try_recv(rep, QUIET_MS) is None
