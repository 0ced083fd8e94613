"""Reconnect: the libzmq peer process is killed (SIGKILL) and restarted on the same endpoint.

A purezmq *connecting* socket keeps its pipe across the outage, so messages sent while the
peer is down are queued and arrive at the restarted peer. "While down" starts once purezmq
has noticed the disconnect: we wait until its connection socket is closed (seen in
/proc/self/fd) — a message written into the dying TCP connection before that is lost by
libzmq too, so it is not part of the contract.

A purezmq *bound* socket must serve the restarted peer as a fresh connection (a ROUTER
gives the returning identity to the new connection once the old one is gone).
"""

from __future__ import annotations

import pytest

import purezmq as zmq

from ._harness import Peer, describe_all, fd_sockets, free_tcp_endpoint, seq_msg, wait_until
from .conftest import TRANSPORTS

pytestmark = pytest.mark.timeout(30)

TRANSPORT = pytest.mark.parametrize("transport", TRANSPORTS)


@pytest.fixture
def peers():
    """Factory of dedicated peer processes (killable), all stopped at teardown."""
    made = []

    def make() -> Peer:
        p = Peer()
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()


def fixed_endpoint(pz, endpoint, transport):
    """An endpoint the peer can bind again after a restart (a concrete tcp port)."""
    return free_tcp_endpoint() if transport == "tcp" else endpoint(transport)


class Outage:
    """Connect a purezmq socket, note its connection fd; kill the peer and wait until
    purezmq has dropped that connection."""

    def __init__(self, sock, ep):
        self.before = fd_sockets()
        sock.connect(ep)
        self.conn = set()

    def established(self):
        self.conn = fd_sockets() - self.before
        assert self.conn, "no connection socket found"

    def kill(self, peer):
        peer.kill()
        wait_until(
            lambda: not (self.conn & fd_sockets()), 5, "purezmq to close the dead connection"
        )


@TRANSPORT
def test_push_queues_across_peer_restart(peers, pz, endpoint, transport):
    ep = fixed_endpoint(pz, endpoint, transport)
    p1 = peers()
    pull = p1.socket("PULL")
    pull.bind(ep)
    push = pz.socket(zmq.PUSH)
    push.sndtimeo = 5000
    out = Outage(push, ep)
    push.send(b"before")
    assert pull.recv()[0] == describe_all([b"before"])
    out.established()
    out.kill(p1)

    n = 50
    for i in range(n):
        push.send(seq_msg("down", i))  # queued in the surviving pipe

    p2 = peers()
    pull2 = p2.socket("PULL")
    pull2.bind(ep)
    r = p2.request("recv_many", sock=pull2.sid, n=n, prefix="down", timeout=5000)
    assert r == {"count": n, "bad": None, "ok": True}
    push.send(b"after")
    assert pull2.recv()[0] == describe_all([b"after"])


@TRANSPORT
def test_req_request_sent_during_outage_is_answered(peers, pz, endpoint, transport):
    ep = fixed_endpoint(pz, endpoint, transport)
    p1 = peers()
    rep = p1.socket("REP")
    rep.bind(ep)
    req = pz.socket(zmq.REQ)
    req.rcvtimeo = req.sndtimeo = 5000
    out = Outage(req, ep)
    req.send(b"q1")
    assert rep.recv()[0] == describe_all([b"q1"])
    rep.send([b"a1"])
    assert req.recv() == b"a1"
    out.established()
    out.kill(p1)

    req.send_multipart([b"q2", b"", b"during"])
    p2 = peers()
    rep2 = p2.socket("REP")
    rep2.bind(ep)
    frames, more = rep2.recv()
    assert frames == describe_all([b"q2", b"", b"during"]) and more == [1, 1, 0]
    rep2.send([b"a2"])
    assert req.recv() == b"a2"
    req.send(b"q3")
    assert rep2.recv()[0] == describe_all([b"q3"])


@TRANSPORT
def test_dealer_identity_survives_peer_restart(peers, pz, endpoint, transport):
    ep = fixed_endpoint(pz, endpoint, transport)
    p1 = peers()
    router = p1.socket("ROUTER")
    router.bind(ep)
    dealer = pz.socket(zmq.DEALER)
    dealer.identity = b"phoenix"
    dealer.rcvtimeo = dealer.sndtimeo = 5000
    out = Outage(dealer, ep)
    dealer.send(b"hello")
    assert router.recv()[0] == describe_all([b"phoenix", b"hello"])
    out.established()
    out.kill(p1)

    for i in range(3):
        dealer.send_multipart([b"during", str(i).encode()])
    p2 = peers()
    router2 = p2.socket("ROUTER")
    router2.bind(ep)
    for i in range(3):
        frames, _ = router2.recv()
        assert frames == describe_all([b"phoenix", b"during", str(i).encode()])
    router2.send([b"phoenix", b"welcome back"])
    assert dealer.recv() == b"welcome back"


@TRANSPORT
def test_repeated_restarts(peers, pz, endpoint, transport):
    """Three peer lifetimes in a row; each one gets the messages sent during the outage."""
    ep = fixed_endpoint(pz, endpoint, transport)
    push = pz.socket(zmq.PUSH)
    push.sndtimeo = 5000
    p = peers()
    pull = p.socket("PULL")
    pull.bind(ep)
    out = Outage(push, ep)
    push.send(seq_msg("life0-", 0))
    assert pull.recv()[0] == describe_all([seq_msg("life0-", 0)])
    for life in range(1, 3):
        out.established()
        out.kill(p)
        out.before = fd_sockets()
        for i in range(5):
            push.send(seq_msg(f"life{life}-", i))
        p = peers()
        pull = p.socket("PULL")
        pull.bind(ep)
        r = p.request("recv_many", sock=pull.sid, n=5, prefix=f"life{life}-", timeout=5000)
        assert r["count"] == 5 and r["bad"] is None, r


def unroutable(router, ident):
    """Poke the ROUTER (a recv attempt processes pending peer-closed notices) and say whether
    sending to ``ident`` now fails with EHOSTUNREACH (ROUTER_MANDATORY)."""
    try:
        router.recv(zmq.DONTWAIT)
        raise AssertionError("unexpected message")
    except zmq.Again:
        pass
    try:
        router.send_multipart([ident, b"probe"])
    except zmq.ZMQError as e:
        assert e.errno == zmq.EHOSTUNREACH
        return True
    return False


@TRANSPORT
def test_bound_pz_router_accepts_restarted_peer_identity(peers, pz, endpoint, transport):
    """libzmq DEALER (IDENTITY) connects to a purezmq ROUTER, is killed, and a new process
    connects with the same identity: the ROUTER delivers and routes to the new one."""
    router = pz.socket(zmq.ROUTER)
    router.rcvtimeo = 5000
    router.router_mandatory = 1
    router.bind(endpoint(transport))
    ep = router.last_endpoint.decode()
    before = fd_sockets()
    p1 = peers()
    d1 = p1.socket("DEALER", IDENTITY=b"same-id")
    d1.connect(ep)
    d1.send([b"one"])
    assert router.recv_multipart() == [b"same-id", b"one"]
    conn = fd_sockets() - before
    p1.kill()
    wait_until(lambda: not (conn & fd_sockets()), 5, "purezmq to drop the dead connection")
    # The ROUTER must take note of the old connection's end (a recv attempt reads its
    # end-of-pipe) before the newcomer arrives; otherwise the identity is still taken and
    # the newcomer is refused (libzmq 4.3.5 fares worse in that race: it parks the new
    # pipe as anonymous and later takes a data frame for its identity).
    wait_until(lambda: unroutable(router, b"same-id"), 5, "the old identity to be released")
    with pytest.raises(zmq.Again):
        router.recv(zmq.DONTWAIT)

    p2 = peers()
    d2 = p2.socket("DEALER", IDENTITY=b"same-id")
    d2.connect(ep)
    d2.send([b"two"])
    assert router.recv_multipart() == [b"same-id", b"two"]
    router.send_multipart([b"same-id", b"hi again"])
    assert d2.recv()[0] == describe_all([b"hi again"])


@TRANSPORT
def test_req_relaxed_resends_to_restarted_peer(peers, pz, endpoint, transport):
    """The peer dies holding a request: with REQ_RELAXED (+CORRELATE) the purezmq REQ may
    send a new request, which reaches the restarted peer; the answer comes back.

    libzmq 4.0 drops the outstanding request's pipe on a relaxed re-send, so with the only
    peer down that send waits for the reconnect (4.3 keeps the pipe and queues it); the
    new request is therefore sent once the replacement peer is listening."""
    ep = fixed_endpoint(pz, endpoint, transport)
    p1 = peers()
    rep = p1.socket("REP")
    rep.bind(ep)
    req = pz.socket(zmq.REQ)
    req.req_relaxed = 1
    req.req_correlate = 1
    req.rcvtimeo = req.sndtimeo = 5000
    out = Outage(req, ep)
    req.send(b"q1")
    assert rep.recv()[0] == describe_all([b"q1"])
    out.established()
    out.kill(p1)  # never answers q1

    p2 = peers()
    rep2 = p2.socket("REP")
    rep2.bind(ep)
    req.sndtimeo = 1500  # a reconnect takes ~RECONNECT_IVL (100 ms)
    req.send(b"q2")
    assert rep2.recv()[0] == describe_all([b"q2"])
    rep2.send([b"a2"])
    assert req.recv() == b"a2"
    req.send(b"q3")
    assert rep2.recv()[0] == describe_all([b"q3"])
    rep2.send([b"a3"])
    assert req.recv() == b"a3"
