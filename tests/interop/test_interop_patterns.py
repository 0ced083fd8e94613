"""Patterns with several libzmq peers at once, envelope options, edge identities, linger
before the peer exists, and a modern (ZMTP 3.1) libzmq peer that sends heartbeats."""

from __future__ import annotations

import threading
import time

import pytest

import purezmq as zmq

from ._harness import describe_all, fd_sockets, free_tcp_endpoint, local_try_recv, seq_msg
from .conftest import TRANSPORTS

pytestmark = pytest.mark.timeout(20)

TRANSPORT = pytest.mark.parametrize("transport", TRANSPORTS)


def concrete(pz, endpoint, transport):
    return free_tcp_endpoint() if transport == "tcp" else endpoint(transport)


# -- several peers ------------------------------------------------------------------------
@TRANSPORT
def test_fan_in_lz_pushes_to_pz_pull(lz, pz, endpoint, transport):
    pull = pz.socket(zmq.PULL)
    pull.rcvtimeo = 5000
    pull.bind(endpoint(transport))
    ep = pull.last_endpoint.decode()
    pushes = [lz.socket("PUSH") for _ in range(4)]
    for p in pushes:
        p.connect(ep)
    n = 5000
    lz.submit("send_interleaved", socks=[p.sid for p in pushes], n=n, prefix="s", size=16)
    nxt = [0] * 4
    for _ in range(4 * n):
        msg = pull.recv()
        k, i = msg.rstrip(b".").decode()[1:].split("-")
        k, i = int(k), int(i)
        assert i == nxt[k], f"source {k}: expected {nxt[k]}, got {i}"
        nxt[k] += 1
    assert nxt == [n] * 4
    assert lz.result()["sent"] == 4 * n
    assert local_try_recv(pull, 0) is None


@TRANSPORT
def test_fan_out_pz_push_to_lz_pulls(lz, pz, endpoint, transport):
    push = pz.socket(zmq.PUSH)
    push.sndtimeo = 5000
    push.bind(endpoint(transport))
    ep = push.last_endpoint.decode()
    pulls = [lz.socket("PULL") for _ in range(3)]
    for p in pulls:
        p.connect(ep)
    socks = [p.sid for p in pulls]
    # warm-up, one message at a time, until every PULL has had one: all three are attached
    warmed, i, deadline = set(), 0, time.monotonic() + 5
    while len(warmed) < 3:
        assert time.monotonic() < deadline, f"only {len(warmed)} of 3 PULLs got a message"
        push.send(b"warm%d" % i)
        got = lz.request("recv_spread", socks=socks, total=1, quiet=2000)["got"]
        warmed |= {k for k, g in enumerate(got) if g}
        i += 1
    n = 30000
    lz.submit("recv_spread", socks=socks, total=n, quiet=3000)
    for i in range(n):
        push.send(seq_msg("f", i))
    got = lz.result(timeout=20)["got"]
    seen = []
    for per in got:
        idx = [int(m[1:]) for m in per]
        assert idx == sorted(idx)
        seen.extend(idx)
    assert sorted(seen) == list(range(n)), "lost or duplicated messages"
    assert all(got), [len(g) for g in got]


@TRANSPORT
def test_pz_dealer_round_robins_over_lz_reps(lz, pz, endpoint, transport):
    dealer = pz.socket(zmq.DEALER)
    dealer.rcvtimeo = 5000
    reps = [lz.socket("REP") for _ in range(3)]
    for r in reps:
        dealer.connect(r.bind(endpoint(transport)))
    for i in range(6):
        dealer.send_multipart([b"", b"q%d" % i])
    counts = []
    for r in reps:
        mine = []
        while True:
            frames = r.try_recv(200 if not mine else 100)
            if frames is None:
                break
            mine.append(bytes.fromhex(frames[0]["hex"]))
            r.send([b"re:" + mine[-1]])
        counts.append(len(mine))
    assert counts == [2, 2, 2]
    replies = sorted(dealer.recv_multipart()[1] for _ in range(6))
    assert replies == sorted(b"re:q%d" % i for i in range(6))


@TRANSPORT
def test_pz_router_serves_many_lz_dealers(lz, pz, endpoint, transport):
    router = pz.socket(zmq.ROUTER)
    router.rcvtimeo = 5000
    router.bind(endpoint(transport))
    ep = router.last_endpoint.decode()
    dealers = [lz.socket("DEALER", IDENTITY=f"d{k}".encode()) for k in range(4)]
    for d in dealers:
        d.connect(ep)
    n = 500
    lz.submit("send_interleaved", socks=[d.sid for d in dealers], n=n, prefix="r")
    nxt = {}
    for _ in range(4 * n):
        rid, body = router.recv_multipart()
        k, i = body.decode()[1:].split("-")
        assert rid == f"d{k}".encode()
        assert int(i) == nxt.get(rid, 0)
        nxt[rid] = int(i) + 1
        router.send_multipart([rid, b"ack" + body])
    lz.result()
    for k, d in enumerate(dealers):
        r = lz.request("recv_many", sock=d.sid, n=n, prefix=f"ackr{k}-", timeout=5000)
        assert r["count"] == n and r["bad"] is None, r


@TRANSPORT
def test_pz_pair_refuses_second_lz_pair(lz, pz, endpoint, transport):
    pair = pz.socket(zmq.PAIR)
    pair.rcvtimeo = 5000
    pair.bind(endpoint(transport))
    ep = pair.last_endpoint.decode()
    first = lz.socket("PAIR")
    first.connect(ep)
    first.send([b"one"])
    assert pair.recv() == b"one"
    second = lz.socket("PAIR")
    second.connect(ep)
    second.send([b"intruder"], timeout=0)
    first.send([b"two"])
    assert pair.recv() == b"two"
    pair.send(b"back")
    assert first.recv()[0] == describe_all([b"back"])
    assert local_try_recv(pair, 150) is None
    assert second.try_recv(0) is None


# -- envelopes and identities -------------------------------------------------------------
@TRANSPORT
def test_lz_req_correlate_relaxed_to_pz_rep(lz, pz, endpoint, transport):
    rep = pz.socket(zmq.REP)
    rep.rcvtimeo = 5000
    rep.bind(endpoint(transport))
    req = lz.socket("REQ", REQ_CORRELATE=1, REQ_RELAXED=1)
    req.connect(rep.last_endpoint.decode())
    for i in range(3):
        req.send([b"q%d" % i])
        assert rep.recv_multipart() == [b"q%d" % i]
        rep.send(b"a%d" % i)
        assert req.recv()[0] == describe_all([b"a%d" % i])


@TRANSPORT
def test_pz_req_relaxed_resend_reaches_lz_rep(lz, pz, endpoint, transport):
    """REQ_RELAXED: a new request while the reply is outstanding still reaches the (only)
    peer: libzmq 4.0 drops the old pipe and the connecting side reconnects with a new one."""
    req = pz.socket(zmq.REQ)
    req.req_relaxed = 1
    req.rcvtimeo = 5000
    req.sndtimeo = 1500
    rep = lz.socket("REP")
    req.connect(rep.bind(endpoint(transport)))
    req.send(b"q1")
    assert rep.recv()[0] == describe_all([b"q1"])
    rep.send([b"late"])  # the REP must answer before it can take the next request
    req.send(b"q2")
    assert rep.recv()[0] == describe_all([b"q2"])
    rep.send([b"a2"])
    assert req.recv() == b"a2"


@TRANSPORT
def test_pz_req_correlate_with_lz_router(lz, pz, endpoint, transport):
    req = pz.socket(zmq.REQ)
    req.req_correlate = 1
    req.req_relaxed = 1
    req.identity = b"corr"
    req.rcvtimeo = 5000
    router = lz.socket("ROUTER")
    req.connect(router.bind(endpoint(transport)))
    req.send(b"q")
    frames, more = router.recv()
    assert len(frames) == 4 and more == [1, 1, 1, 0]
    rid, reqid = (bytes.fromhex(f["hex"]) for f in frames[:2])
    assert rid == b"corr" and len(reqid) == 4
    assert frames[2:] == describe_all([b"", b"q"])
    wrong = bytes([reqid[0] ^ 0xFF]) + reqid[1:]
    router.send([rid, wrong, b"", b"stale"])
    router.send([rid, reqid, b"", b"fresh"])
    assert req.recv() == b"fresh"


@TRANSPORT
def test_255_byte_identities(lz, pz, endpoint, transport):
    long_lz = b"L" * 255
    long_pz = b"P" * 255
    router = pz.socket(zmq.ROUTER)
    router.rcvtimeo = 5000
    router.bind(endpoint(transport))
    d = lz.socket("DEALER", IDENTITY=long_lz)
    d.connect(router.last_endpoint.decode())
    d.send([b"x"])
    assert router.recv_multipart() == [long_lz, b"x"]
    router.send_multipart([long_lz, b"y"])
    assert d.recv()[0] == describe_all([b"y"])

    lrouter = lz.socket("ROUTER")
    dealer = pz.socket(zmq.DEALER)
    dealer.identity = long_pz
    dealer.rcvtimeo = 5000
    dealer.connect(lrouter.bind(endpoint(transport)))
    dealer.send(b"x")
    assert lrouter.recv()[0] == describe_all([long_pz, b"x"])
    lrouter.send([long_pz, b"y"])
    assert dealer.recv() == b"y"


# -- linger before the peer exists ----------------------------------------------------------
@TRANSPORT
def test_pz_push_closed_before_peer_binds_still_delivers(lz, pz, endpoint, transport):
    ep = concrete(pz, endpoint, transport)
    ctx = zmq.Context()
    try:
        push = ctx.socket(zmq.PUSH)
        push.connect(ep)
        n = 500  # below SNDHWM: nothing blocks while nobody listens
        for i in range(n):
            push.send(seq_msg("e", i))
        push.close()  # default linger: keep reconnecting until delivered
        done = threading.Event()
        threading.Thread(target=lambda: (ctx.term(), done.set()), daemon=True).start()
        pull = lz.socket("PULL")
        pull.bind(ep)
        r = lz.request("recv_many", sock=pull.sid, n=n, prefix="e", timeout=5000)
        assert r["count"] == n and r["bad"] is None, r
        assert done.wait(10), "Context.term() did not return after the linger drained"
    finally:
        if not ctx.closed:
            ctx.destroy(linger=0)


# -- a modern libzmq peer: ZMTP 3.1 heartbeats (PING/PONG commands) -----------------------
@TRANSPORT
@pytest.mark.parametrize("pz_binds", [True, False], ids=["pzbind", "lzbind"])
def test_lz_heartbeats_are_answered_and_never_delivered(lz, pz, endpoint, transport, pz_binds):
    """libzmq with HEARTBEAT_IVL sends PING commands; purezmq must not deliver them as data
    and must answer (PONG), else libzmq drops the connection after HEARTBEAT_TIMEOUT."""
    local = pz.socket(zmq.DEALER)
    local.rcvtimeo = 5000
    remote = lz.socket("DEALER", HEARTBEAT_IVL=30, HEARTBEAT_TIMEOUT=150, HEARTBEAT_TTL=500)
    before = fd_sockets()
    ep = endpoint(transport)
    if pz_binds:
        local.bind(ep)
        listener = fd_sockets() - before
        remote.connect(local.last_endpoint.decode())
    else:
        listener = set()
        local.connect(remote.bind(ep))
    remote.send([b"hi"])
    assert local.recv() == b"hi"
    conn = fd_sockets() - before - listener
    assert conn
    # ~20 heartbeat intervals: no PING may surface as a message
    assert local_try_recv(local, 600) is None
    assert conn <= fd_sockets(), "the connection was dropped (heartbeat timeout?)"
    local.send(b"still here")
    assert remote.recv()[0] == describe_all([b"still here"])
    assert conn <= fd_sockets()


@TRANSPORT
def test_pz_rep_serves_many_lz_reqs(lz, pz, endpoint, transport):
    """Fair-queued requests from several libzmq REQs; each reply finds its requester."""
    rep = pz.socket(zmq.REP)
    rep.rcvtimeo = 5000
    rep.bind(endpoint(transport))
    ep = rep.last_endpoint.decode()
    reqs = [lz.socket("REQ") for _ in range(4)]
    for r in reqs:
        r.connect(ep)
    for rnd in range(3):
        for k, r in enumerate(reqs):
            r.send([b"req%d-%d" % (k, rnd)])
        for _ in reqs:
            body = rep.recv()
            rep.send(b"re:" + body)
        for k, r in enumerate(reqs):
            assert r.recv()[0] == describe_all([b"re:req%d-%d" % (k, rnd)])
