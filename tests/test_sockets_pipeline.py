"""PAIR, PUSH/PULL and DEALER semantics per transport (libzmq's test_pair_*, test_spec_pushpull,
test_spec_dealer, test_spec_router, test_msg_flags)."""

from __future__ import annotations

import time

import pytest
from helpers import (
    RCVTIMEO,
    TRANSPORTS,
    assert_no_message,
    bind,
    bounce,
    recv,
    recv_any,
    recv_multipart,
    recv_seq,
    send_seq,
    wait_until,
)

import purezmq as zmq

pytestmark = pytest.mark.timeout(10)


# -- PAIR ---------------------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pair_bounce(ctx, transport):
    server = ctx.socket(zmq.PAIR)
    client = ctx.socket(zmq.PAIR)
    client.connect(bind(server, transport))
    bounce(server, client)
    bounce(client, server)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pair_connect_side_sends_first(ctx, transport):
    server = ctx.socket(zmq.PAIR)
    client = ctx.socket(zmq.PAIR)
    client.connect(bind(server, transport))
    for i in range(100):
        client.send(b"%d" % i)
    assert [recv(server) for _ in range(100)] == [b"%d" % i for i in range(100)]


@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_pair_second_peer_is_refused(ctx, transport):
    """PAIR talks to one peer only: a second peer's messages never reach the bound PAIR."""
    server = ctx.socket(zmq.PAIR)
    ep = bind(server, transport)
    first = ctx.socket(zmq.PAIR)
    first.connect(ep)
    first.send(b"first")
    assert recv(server) == b"first"
    second = ctx.socket(zmq.PAIR)
    second.connect(ep)
    try:
        second.send(b"second", zmq.DONTWAIT)
    except zmq.Again:
        pass
    assert_no_message(server, 150)
    server.send(b"reply")
    assert recv(first) == b"reply"
    assert_no_message(second, 50)


def test_pair_send_blocks_without_peer(ctx):
    s = ctx.socket(zmq.PAIR)
    with pytest.raises(zmq.Again):
        s.send(b"x", zmq.DONTWAIT)
    s.bind("inproc://lonely-pair")
    with pytest.raises(zmq.Again):
        s.send(b"x", zmq.DONTWAIT)


# -- PUSH / PULL (test_spec_pushpull) -----------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_push_round_robin_to_five_pulls(ctx, transport):
    """A PUSH connected to 5 PULLs deals messages out one per peer in turn."""
    pulls = [ctx.socket(zmq.PULL) for _ in range(5)]
    push = ctx.socket(zmq.PUSH)
    for p in pulls:
        push.connect(bind(p, transport))
    for i in range(10):
        push.send(b"msg%d" % i)
    for i in range(10):
        assert recv(pulls[i % 5]) == b"msg%d" % i
    for p in pulls:
        assert_no_message(p, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_push_round_robin_continues_with_next_peer_after_disconnect(ctx, transport):
    """libzmq: m0 -> pull0; disconnect pull0; m1 goes to pull1 (the next one in turn)."""
    pulls = [ctx.socket(zmq.PULL) for _ in range(4)]
    push = ctx.socket(zmq.PUSH)
    eps = [bind(p, transport) for p in pulls]
    for ep in eps:
        push.connect(ep)
    push.send(b"m0")
    assert recv(pulls[0]) == b"m0"
    push.disconnect(eps[0])
    push.send(b"m1")
    assert recv_any(pulls) == (1, [b"m1"])


def test_bound_push_round_robin_inproc(ctx):
    """test_spec_pushpull layout: PUSH binds, 5 PULLs connect (inproc is synchronous)."""
    push = ctx.socket(zmq.PUSH)
    push.bind("inproc://rr")
    pulls = [ctx.socket(zmq.PULL) for _ in range(5)]
    for p in pulls:
        p.connect("inproc://rr")
    for i in range(15):
        push.send(b"%d" % i)
    for i in range(15):
        assert recv(pulls[i % 5]) == b"%d" % i


def test_pull_fair_queues_from_five_pushes_inproc(ctx):
    """Fair queuing: the first round takes one message from each PUSH in turn."""
    pull = ctx.socket(zmq.PULL)
    pull.bind("inproc://fq")
    pushes = [ctx.socket(zmq.PUSH) for _ in range(5)]
    for p in pushes:
        p.connect("inproc://fq")
    for i, p in enumerate(pushes):
        p.send(b"A%d" % i)
        p.send(b"B%d" % i)
    got = [recv(pull) for _ in range(10)]
    assert sorted(got[:5]) == sorted(b"A%d" % i for i in range(5))
    assert sorted(got[5:]) == sorted(b"B%d" % i for i in range(5))


@pytest.mark.parametrize("transport", ["ipc", "tcp"])
def test_pull_receives_from_five_pushes_in_per_peer_order(ctx, transport):
    pull = ctx.socket(zmq.PULL)
    ep = bind(pull, transport)
    pushes = [ctx.socket(zmq.PUSH) for _ in range(5)]
    for p in pushes:
        p.connect(ep)
    for j in range(20):
        for i, p in enumerate(pushes):
            p.send_multipart([b"%d" % i, b"%d" % j])
    seen = {i: [] for i in range(5)}
    for _ in range(100):
        who, seq = recv_multipart(pull)
        seen[int(who)].append(int(seq))
    assert all(v == list(range(20)) for v in seen.values())


@pytest.mark.parametrize("stype", [zmq.PUSH, zmq.DEALER, zmq.PAIR])
def test_send_without_peers_eagain(ctx, stype):
    """test_spec_pushpull / test_spec_dealer: no peers -> EAGAIN (DONTWAIT and SNDTIMEO)."""
    s = ctx.socket(stype)
    s.bind("inproc://nobody-%d" % stype)
    with pytest.raises(zmq.Again):
        s.send(b"x", zmq.DONTWAIT)
    s.sndtimeo = 250
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        s.send(b"x")
    assert 0.15 <= time.monotonic() - t0 < 2.0


def test_send_on_pull_and_recv_on_push_enotsup(ctx):
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    with pytest.raises(zmq.ZMQError) as e:
        pull.send(b"x")
    assert e.value.errno == zmq.ENOTSUP
    with pytest.raises(zmq.ZMQError) as e:
        pull.send(b"x", zmq.DONTWAIT)
    assert e.value.errno == zmq.ENOTSUP
    with pytest.raises(zmq.ZMQError) as e:
        push.recv()
    assert e.value.errno == zmq.ENOTSUP
    with pytest.raises(zmq.ZMQError) as e:
        push.recv(zmq.DONTWAIT)
    assert e.value.errno == zmq.ENOTSUP


def test_enotsup_with_peers_connected(ctx):
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.bind("inproc://enotsup")
    push.connect("inproc://enotsup")
    push.send(b"hello")
    with pytest.raises(zmq.ZMQError) as e:
        push.recv()
    assert e.value.errno == zmq.ENOTSUP
    with pytest.raises(zmq.ZMQError) as e:
        pull.send_multipart([b"a", b"b"])
    assert e.value.errno == zmq.ENOTSUP
    assert recv(pull) == b"hello"


def test_events_push_pull(ctx):
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    assert push.getsockopt(zmq.EVENTS) == 0
    assert pull.getsockopt(zmq.EVENTS) == 0
    pull.bind("inproc://ev")
    push.connect("inproc://ev")
    assert push.getsockopt(zmq.EVENTS) == zmq.POLLOUT
    assert pull.getsockopt(zmq.EVENTS) == 0
    push.send(b"x")
    assert pull.getsockopt(zmq.EVENTS) == zmq.POLLIN
    pull.recv()
    assert pull.getsockopt(zmq.EVENTS) == 0


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_multipart_atomic_and_empty_frames(ctx, transport):
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    push.connect(bind(pull, transport))
    parts = [b"", b"a", b"", b"x" * 70000, b"", b"z" * 300]
    push.send_multipart(parts)
    push.send(b"")
    assert recv_multipart(pull) == parts
    assert recv_multipart(pull) == [b""]


# -- DEALER (test_spec_dealer) ------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_dealer_round_robin_to_five_reps(ctx, transport):
    reps = [ctx.socket(zmq.REP) for _ in range(5)]
    dealer = ctx.socket(zmq.DEALER)
    for r in reps:
        dealer.connect(bind(r, transport))
    for i in range(10):
        send_seq(dealer, None, b"ABC%d" % i)
    for i in range(10):
        assert recv_multipart(reps[i % 5]) == [b"ABC%d" % i]
        reps[i % 5].send(b"DEF%d" % i)
    replies = sorted(recv_multipart(dealer)[1] for _ in range(10))
    assert replies == sorted(b"DEF%d" % i for i in range(10))


def test_dealer_fair_queues_from_five_dealers_inproc(ctx):
    receiver = ctx.socket(zmq.DEALER)
    receiver.bind("inproc://dfq")
    senders = [ctx.socket(zmq.DEALER) for _ in range(5)]
    for s in senders:
        s.connect("inproc://dfq")
    for i, s in enumerate(senders):
        s.send(b"A%d" % i)
        s.send(b"B%d" % i)
    got = [recv(receiver) for _ in range(10)]
    assert sorted(got[:5]) == [b"A%d" % i for i in range(5)]
    assert sorted(got[5:]) == [b"B%d" % i for i in range(5)]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_dealer_dealer_bidirectional(ctx, transport):
    a = ctx.socket(zmq.DEALER)
    b = ctx.socket(zmq.DEALER)
    b.connect(bind(a, transport))
    bounce(a, b)
    b.send_multipart([b"1", b"2"])
    assert recv_multipart(a) == [b"1", b"2"]


# -- ROUTER (test_spec_router, test_msg_flags) --------------------------------------------
def test_router_fair_queues_from_five_dealers_inproc(ctx):
    """test_spec_router: identities "A".."E" (with a NUL, 2 bytes as libzmq's C strings)."""
    router = ctx.socket(zmq.ROUTER)
    router.bind("inproc://rfq")
    dealers = []
    for i in range(5):
        d = ctx.socket(zmq.DEALER)
        d.identity = bytes((ord("A") + i, 0))
        d.connect("inproc://rfq")
        dealers.append(d)
    for d in dealers:
        d.send(b"Hello")
        d.send(b"Hello again")
    first_round = [recv_multipart(router) for _ in range(5)]
    assert sorted(m[0] for m in first_round) == [bytes((ord("A") + i, 0)) for i in range(5)]
    assert all(m[1] == b"Hello" for m in first_round)
    second = [recv_multipart(router) for _ in range(5)]
    assert all(m[1] == b"Hello again" for m in second)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_msg_flags(ctx, transport):
    """test_msg_flags: the identity frame has MORE; body frames carry the right MORE."""
    router = ctx.socket(zmq.ROUTER)
    dealer = ctx.socket(zmq.DEALER)
    dealer.connect(bind(router, transport))
    dealer.send(b"A", zmq.SNDMORE)
    dealer.send(b"B")
    assert poll_ok(router)
    router.recv()
    assert router.getsockopt(zmq.RCVMORE) == 1
    assert router.recv() == b"A"
    assert router.getsockopt(zmq.RCVMORE) == 1
    assert router.recv() == b"B"
    assert router.getsockopt(zmq.RCVMORE) == 0


def test_msg_flags_zero_copy(ctx):
    """test_msg_flags with zmq_msg_more: Frame.more on frames received with copy=False."""
    router = ctx.socket(zmq.ROUTER)
    dealer = ctx.socket(zmq.DEALER)
    router.bind("inproc://flags")
    dealer.connect("inproc://flags")
    dealer.send(b"A", zmq.SNDMORE)
    dealer.send(b"B")
    assert poll_ok(router)
    ident = router.recv(copy=False)
    assert ident.more
    body = router.recv(copy=False)
    assert body.bytes == b"A" and body.more
    body = router.recv(copy=False)
    assert body.bytes == b"B" and not body.more


def poll_ok(sock):
    return sock.poll(2000, zmq.POLLIN) == zmq.POLLIN


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_auto_identity_is_5_bytes_starting_with_zero(ctx, transport):
    router = ctx.socket(zmq.ROUTER)
    ep = bind(router, transport)
    dealers = [ctx.socket(zmq.DEALER) for _ in range(3)]
    for d in dealers:
        d.connect(ep)
        d.send(b"hi")
    idents = set()
    for _ in range(3):
        ident, body = recv_multipart(router)
        assert body == b"hi"
        assert len(ident) == 5 and ident[0] == 0, ident
        idents.add(ident)
    assert len(idents) == 3


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_honours_identity_and_routes_back(ctx, transport):
    router = ctx.socket(zmq.ROUTER)
    ep = bind(router, transport)
    a = ctx.socket(zmq.DEALER)
    a.setsockopt(zmq.IDENTITY, b"alice")
    b = ctx.socket(zmq.DEALER)
    b.identity = b"bob"
    a.connect(ep)
    b.connect(ep)
    a.send(b"from a")
    b.send(b"from b")
    got = {tuple(recv_multipart(router)) for _ in range(2)}
    assert got == {(b"alice", b"from a"), (b"bob", b"from b")}
    router.send_multipart([b"bob", b"to b"])
    router.send_multipart([b"alice", b"to", b"a"])
    assert recv_multipart(b) == [b"to b"]
    assert recv_multipart(a) == [b"to", b"a"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_routes_to_connected_router_by_identity(ctx, transport):
    """A connecting ROUTER learns the bound ROUTER's identity and can send to it."""
    server = ctx.socket(zmq.ROUTER)
    server.identity = b"server"
    ep = bind(server, transport)
    client = ctx.socket(zmq.ROUTER)
    client.identity = b"client"
    client.router_mandatory = 1
    client.connect(ep)

    def try_send():
        try:
            client.send_multipart([b"server", b"hello"])
            return True
        except zmq.ZMQError as e:
            assert e.errno == zmq.EHOSTUNREACH
            return False

    wait_until(try_send)
    assert recv_multipart(server) == [b"client", b"hello"]
    server.send_multipart([b"client", b"world"])
    assert recv_multipart(client) == [b"server", b"world"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_mandatory(ctx, transport):
    """test_router_mandatory: unknown id dropped silently by default, EHOSTUNREACH with it."""
    router = ctx.socket(zmq.ROUTER)
    ep = bind(router, transport)
    router.send_multipart([b"UNKNOWN", b"DATA"])  # silently dropped
    router.setsockopt(zmq.ROUTER_MANDATORY, 1)
    with pytest.raises(zmq.ZMQError) as e:
        router.send(b"UNKNOWN", zmq.SNDMORE)
    assert e.value.errno == zmq.EHOSTUNREACH
    with pytest.raises(zmq.ZMQError) as e:
        router.send_multipart([b"UNKNOWN", b"DATA"], zmq.DONTWAIT)
    assert e.value.errno == zmq.EHOSTUNREACH

    dealer = ctx.socket(zmq.DEALER)
    dealer.identity = b"X"
    dealer.connect(ep)
    dealer.send(b"Hello")
    assert recv_multipart(router) == [b"X", b"Hello"]
    router.send_multipart([b"X", b"Hello"])
    assert recv_multipart(dealer) == [b"Hello"]
    with pytest.raises(zmq.ZMQError) as e:
        router.send_multipart([b"Y", b"Hello"])
    assert e.value.errno == zmq.EHOSTUNREACH


def test_router_drops_unroutable_and_single_frame_messages(ctx):
    router = ctx.socket(zmq.ROUTER)
    router.bind("inproc://drop")
    dealer = ctx.socket(zmq.DEALER)
    dealer.identity = b"D"
    dealer.connect("inproc://drop")
    router.send_multipart([b"nobody", b"lost"])
    router.send(b"D")  # an identity with no body: dropped
    router.send_multipart([b"D", b"ok"])
    assert recv_multipart(dealer) == [b"ok"]
    assert_no_message(dealer, 50)


def test_router_events_always_pollout(ctx):
    router = ctx.socket(zmq.ROUTER)
    assert router.getsockopt(zmq.EVENTS) & zmq.POLLOUT


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_dealer_router_envelope_roundtrip(ctx, transport):
    """test_reqrep_device's frames through a ROUTER <-> DEALER pair."""
    router = ctx.socket(zmq.ROUTER)
    dealer = ctx.socket(zmq.DEALER)
    dealer.connect(bind(router, transport))
    send_seq(dealer, None, b"ABC", b"DEF")
    ident, *rest = recv_multipart(router)
    assert rest == [b"", b"ABC", b"DEF"]
    send_seq(router, ident, None, b"GHI", b"JKL")
    recv_seq(dealer, None, b"GHI", b"JKL")


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_blocked_receiver_hands_a_stream_to_the_io_thread(ctx, transport):
    """A thread blocked in recv() reads a lone tcp/ipc peer's connection itself (a reply
    saves two thread hand-offs) -- until a read finds several messages: then the peer
    streams and the I/O thread reads ahead for a while. Either way nothing is lost or
    reordered."""
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = RCVTIMEO
    pull.linger = 0
    push = ctx.socket(zmq.PUSH)
    push.linger = 0
    ep = bind(pull, transport)
    push.connect(ep)
    push.send(b"hello")
    assert pull.recv() == b"hello"
    core = pull._core
    engine = core._direct_engine()
    assert engine is not None  # the lone peer's connection, readable by a blocked thread
    engine.streaming_until = time.monotonic() + 60
    assert core._direct_engine() is None
    assert core._direct_engine(streams_too=True) is engine  # purezmq.asyncio reads anyway
    engine.streaming_until = 0.0
    assert core._direct_engine() is engine
    for _ in range(3):  # bursts in both regimes: in order, complete
        push.send_multipart([b"%d" % i for i in range(3)])
        for i in range(2000):
            push.send(b"m%d" % i)
        assert pull.recv_multipart() == [b"0", b"1", b"2"]
        assert [pull.recv() for _ in range(2000)] == [b"m%d" % i for i in range(2000)]
