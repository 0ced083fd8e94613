"""PUB / SUB / XPUB / XSUB over inproc, ipc and tcp (reference §4.5, §5.6; RFC 29).

Field lessons covered: 6 (more than 10 k subscriptions, resubscribe after reconnect), 12-14
(publisher restart: every topic flows again), 16/19 (a slow or silent subscriber costs the
publisher at most its HWM), 18 (CONFLATE).

Synchronisation never rests on a bare sleep: a publisher re-sends until the subscriber has
joined (``join``), and after that a unique end marker flushes copies still in flight (pipes
are FIFO per peer). Absence is proven either by such a marker or, where no marker can be
ordered, by ``assert_no_message`` (≤ 200 ms).
"""

from __future__ import annotations

import itertools
import os
import socket
import time

import pytest
from helpers import (
    TRANSPORTS,
    RawPeer,
    assert_no_message,
    bind,
    frame,
    ipc_path,
    recv,
    recv_multipart,
    sub_socket,
    wait_until,
)

import purezmq as zmq

pytestmark = pytest.mark.timeout(20)

SYNC = b"\xffsync"  # test payloads never start with 0xff
_marks = itertools.count()


# -- helpers ------------------------------------------------------------------------------
def join(pub, *subs, timeout=3.0):
    """Prove that ``pub`` has applied every subscription the SUBs sent so far; return the
    other messages (frame lists) each SUB received meanwhile, in order, all SUBs chained.

    Each SUB subscribes to a fresh tag, sent behind everything else it sent (a pipe is
    FIFO); the publisher re-sends the tag until every SUB has it, then one end marker
    flushes the copies still in flight. The tag is unsubscribed again afterwards.
    """
    tag = SYNC + b"%d." % next(_marks)  # no tag is a prefix of another
    for s in subs:
        s.subscribe(tag)
    other = {s: [] for s in subs}
    pending = list(subs)
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(pending)} subscriber(s) never joined")
        pub.send(tag)
        for s in list(pending):
            while s.poll(10 if s is pending[0] else 0):
                m = s.recv_multipart()
                if m == [tag]:
                    pending.remove(s)
                    break
                other[s].append(m)
    end = tag + b"-end"
    pub.send(end)
    for s in subs:
        while True:
            m = recv_multipart(s)
            if m == [end]:
                break
            if m != [tag]:
                other[s].append(m)
        s.unsubscribe(tag)
    return [m for s in subs for m in other[s]]


def free_tcp_endpoint():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{s.getsockname()[1]}"


def settle_io(ctx):
    """A tcp round trip through the context's (single) I/O thread: everything posted to it
    before — an old listener's close, say — has run once this returns."""
    a = ctx.socket(zmq.PULL)
    b = ctx.socket(zmq.PUSH)
    try:
        b.connect(bind(a, "tcp"))
        b.send(b"x")
        assert recv(a) == b"x"
    finally:
        a.close(linger=0)
        b.close(linger=0)


def rebind(sock, ep, timeout=2.0):
    """Bind, retrying while a just-closed listener still holds the address."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock.bind(ep)
            return
        except zmq.ZMQError as e:
            if e.errno != zmq.EADDRINUSE or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def xrecv(xpub, timeout_ms=2000):
    return recv_multipart(xpub, timeout_ms)


def pub_links(pub):
    """The PUB's links to its peers (white-box: the pipe lengths are the memory bound)."""
    return list(pub._core._routing.links)


# -- filtering ----------------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_prefix_filtering(ctx, transport):
    pub = ctx.socket(zmq.PUB)
    ep = bind(pub, transport)
    sub = sub_socket(ctx, ep, b"A", b"BC", b"\x00\x01")
    join(pub, sub)
    sent = [b"A", b"Ax", b"B", b"BC", b"BCD", b"C", b"", b"a", b"\x00\x01z", b"\x00", b"xA"]
    for m in sent:
        pub.send(m)
    # multipart: only the first frame is matched, the whole message follows
    pub.send_multipart([b"BC-multi", b"", b"A"])
    pub.send_multipart([b"no", b"A"])
    got = join(pub, sub)
    assert got == [[b"A"], [b"Ax"], [b"BC"], [b"BCD"], [b"\x00\x01z"], [b"BC-multi", b"", b"A"]]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_empty_subscription_gets_everything_and_nothing_without_one(ctx, transport):
    pub = ctx.socket(zmq.PUB)
    ep = bind(pub, transport)
    everything = sub_socket(ctx, ep, b"")
    nothing = ctx.socket(zmq.SUB)  # connected, no subscription at all
    nothing.connect(ep)
    join(pub, everything)
    msgs = [b"", b"x", b"\x00", b"\xfe" * 300]
    for m in msgs:
        pub.send(m)
    assert [recv(everything) for _ in msgs] == msgs
    assert_no_message(nothing, 50)


@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_many_topics_all_matched(ctx, transport):
    """> 10 000 subscriptions (field lesson 6): every one is honoured, nothing else passes."""
    n = 12_000
    pub = ctx.socket(zmq.PUB)
    pub.sndhwm = 0
    ep = bind(pub, transport)
    topics = [b"t/%05d/" % i for i in range(n)]
    sub = sub_socket(ctx, ep, *topics, rcvhwm=0)
    join(pub, sub)
    for i, t in enumerate(topics):
        pub.send(t + b"data")
        pub.send(b"t/%05d" % i)  # a prefix of the topic, not matched by it
        pub.send(b"u/%05d/" % i)
    got = join(pub, sub)
    assert got == [[t + b"data"] for t in topics]


def test_many_topics_at_xpub(ctx):
    n = 12_000
    xpub = ctx.socket(zmq.XPUB)
    xpub.rcvhwm = 0
    ep = bind(xpub, "tcp")
    sub = ctx.socket(zmq.SUB)
    sub.connect(ep)
    for i in range(n):
        sub.subscribe(b"k%d" % i)
    seen = {xrecv(xpub)[0] for _ in range(n)}
    assert seen == {b"\x01k%d" % i for i in range(n)}
    xpub.send(b"k11999!")
    assert recv(sub) == b"k11999!"


# -- subscribe / unsubscribe bookkeeping -----------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unsubscribe_counting(ctx, transport):
    """Duplicate subscribes need as many unsubscribes (reference §4.5, SUB)."""
    pub = ctx.socket(zmq.PUB)
    ep = bind(pub, transport)
    sub = sub_socket(ctx, ep, b"A", b"A")
    join(pub, sub)
    sub.unsubscribe(b"A")
    join(pub, sub)  # the unsubscribe travelled before this SYNC round
    pub.send(b"A1")
    assert recv(sub) == b"A1"
    sub.unsubscribe(b"A")
    join(pub, sub)
    pub.send(b"A2")
    assert join(pub, sub) == []  # A2 would have come before the join's end marker
    sub.unsubscribe(b"A")  # once more than subscribed: ignored
    sub.subscribe(b"A")
    join(pub, sub)
    pub.send(b"A3")
    assert recv(sub) == b"A3"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xpub_sees_subscription_messages(ctx, transport):
    """SUB sends \\x01t for every subscribe, \\x00t only when the count reaches zero."""
    xpub = ctx.socket(zmq.XPUB)
    xpub.xpub_verbose = 1
    ep = bind(xpub, transport)
    sub = ctx.socket(zmq.SUB)
    sub.connect(ep)
    sub.subscribe(b"A")
    sub.subscribe(b"A")
    sub.unsubscribe(b"A")
    sub.unsubscribe(b"never")  # unknown: nothing goes out
    sub.subscribe(b"fence")
    assert [xrecv(xpub) for _ in range(3)] == [[b"\x01A"], [b"\x01A"], [b"\x01fence"]]
    sub.unsubscribe(b"A")
    assert xrecv(xpub) == [b"\x00A"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xpub_new_topics_only_unless_verbose(ctx, transport):
    for verbose in (0, 1):
        xpub = ctx.socket(zmq.XPUB)
        xpub.setsockopt(zmq.XPUB_VERBOSE, verbose)
        ep = bind(xpub, transport)
        a = ctx.socket(zmq.SUB)
        b = ctx.socket(zmq.SUB)
        a.connect(ep)
        b.connect(ep)
        a.subscribe(b"t")
        assert xrecv(xpub) == [b"\x01t"]
        b.subscribe(b"t")
        a.subscribe(b"t")
        b.subscribe(b"fence")  # one fence per pipe: each is read after what precedes it
        a.subscribe(b"fenceA")
        got = []
        while [b"\x01fence"] not in got or [b"\x01fenceA"] not in got:
            got.append(xrecv(xpub))
        if verbose:
            assert got.count([b"\x01t"]) == 2 and len(got) == 4
        else:
            assert sorted(got) == [[b"\x01fence"], [b"\x01fenceA"]]
        # unsubscribes are never verbose: only the last holder's leaving is reported
        b.unsubscribe(b"t")
        a.unsubscribe(b"t")
        b.unsubscribe(b"fence")
        expect_last = [b"\x00fence"]
        got = [xrecv(xpub)]
        while got[-1] != expect_last and len(got) < 5:
            got.append(xrecv(xpub))
        assert [b"\x00t"] not in got
        a.unsubscribe(b"t")
        assert xrecv(xpub) == [b"\x00t"]
        for s in (xpub, a, b):
            s.close(linger=0)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("how", ["close", "disconnect"])
def test_xpub_gets_unsubscribes_when_subscriber_leaves(ctx, transport, how):
    xpub = ctx.socket(zmq.XPUB)
    ep = bind(xpub, transport)
    s1 = ctx.socket(zmq.SUB)
    s2 = ctx.socket(zmq.SUB)
    s1.connect(ep)
    s1.subscribe(b"a")
    s1.subscribe(b"b")
    s1.subscribe(b"a")
    assert sorted(xrecv(xpub)[0] for _ in range(2)) == [b"\x01a", b"\x01b"]
    s2.connect(ep)
    s2.subscribe(b"b")
    s2.subscribe(b"c")
    assert xrecv(xpub) == [b"\x01c"]
    if how == "close":
        s1.close()
    else:
        s1.disconnect(ep)
    assert xrecv(xpub) == [b"\x00a"]  # b is still held by s2
    assert_no_message(xpub, 50)
    s2.close()
    assert sorted(xrecv(xpub)[0] for _ in range(2)) == [b"\x00b", b"\x00c"]
    # and publishing still works for newcomers
    s3 = ctx.socket(zmq.SUB)
    s3.connect(ep)
    s3.subscribe(b"d")
    assert xrecv(xpub) == [b"\x01d"]
    xpub.send(b"d!")
    assert recv(s3) == b"d!"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_xsub_to_xpub_multipart_upstream(ctx, transport):
    xpub = ctx.socket(zmq.XPUB)
    ep = bind(xpub, transport)
    xsub = ctx.socket(zmq.XSUB)
    xsub.connect(ep)
    xsub.send(b"\x01t")
    assert xrecv(xpub) == [b"\x01t"]
    # anything that is not a (single-frame) subscription goes upstream, multipart intact
    xsub.send_multipart([b"up", b"", b"stream"])
    xsub.send(b"")
    xsub.send(b"\x02other")
    assert xpub.recv() == b"up" and xpub.getsockopt(zmq.RCVMORE) == 1
    assert xpub.recv() == b"" and xpub.getsockopt(zmq.RCVMORE) == 1
    assert xpub.recv() == b"stream" and xpub.getsockopt(zmq.RCVMORE) == 0
    assert xrecv(xpub) == [b""]
    assert xrecv(xpub) == [b"\x02other"]
    # downstream: XPUB filters, XSUB does not filter again
    xpub.send(b"other")
    xpub.send_multipart([b"t1", b"x"])
    assert recv_multipart(xsub) == [b"t1", b"x"]
    # XSUB unsubscribe bookkeeping: unknown topics are not forwarded
    xsub.send(b"\x00unknown")
    xsub.send(b"\x00t")
    assert xrecv(xpub) == [b"\x00t"]


# -- HWM and slow subscribers ------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_slow_subscriber_is_bounded_and_fast_ones_get_everything(ctx, transport):
    hwm = 100
    pub = ctx.socket(zmq.PUB)
    pub.sndhwm = hwm
    ep = bind(pub, transport)
    slow = sub_socket(ctx, ep, b"", rcvhwm=hwm)  # never reads after join
    fast = sub_socket(ctx, ep, b"", rcvhwm=hwm)
    join(pub, slow, fast)
    links = pub_links(pub)
    assert len(links) == 2
    # inproc joins both ends' marks into one pipe (reference §4.1)
    bound = 2 * hwm if transport == "inproc" else hwm
    payload = b"p" * 1024
    longest = 0
    total = 0
    for _batch in range(100):
        for _ in range(hwm):
            pub.send(payload)  # never blocks, never fails
        for _ in range(hwm):
            assert len(recv(fast)) == 1024
            total += 1
        longest = max(longest, max(len(link.out) for link in links))
    assert total == 100 * hwm
    assert longest <= bound
    # the slow one got a bounded prefix of the stream, not everything
    got = 0
    while slow.poll(0):
        slow.recv()
        got += 1
    assert got < total


def test_silent_raw_subscriber_costs_at_most_the_hwm(ctx):
    """A peer that subscribes to everything and never reads its TCP socket."""
    pub = ctx.socket(zmq.PUB)
    pub.sndhwm = 50
    ep = bind(pub, "tcp")
    good = sub_socket(ctx, ep)  # join's tags only: it must not be flooded itself
    raw = RawPeer(ep)
    try:
        raw.handshake(b"SUB")
        raw.send(frame(b"\x01"))  # everything
        join(pub, good)
        topics = pub._core._routing.subs.topics
        wait_until(lambda: (pub.get(zmq.EVENTS), b"" in topics)[1])
        payload = b"q" * 4096
        t0 = time.monotonic()
        for _ in range(5000):  # ~20 MB: far beyond the socket buffers
            pub.send(payload, zmq.DONTWAIT)
        assert time.monotonic() - t0 < 3.0
        assert max(len(link.out) for link in pub_links(pub)) <= 50
        join(pub, good)  # the reading subscriber is still served
    finally:
        raw.close()


# -- restarts -----------------------------------------------------------------------------------
@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_publisher_restart_every_topic_flows_again(ctx, transport):
    """Field lessons 12-14: close the PUB, bind a new one on the same endpoint, several
    times; a connected SUB resubscribes and every one of its topics flows again."""
    ep = free_tcp_endpoint() if transport == "tcp" else "ipc://" + ipc_path()
    topics = [b"alpha", b"beta", b"gamma", b"delta", b"eps/"]
    sub = ctx.socket(zmq.SUB)
    sub.connect(ep)
    for t in topics:
        sub.subscribe(t)
    sub.unsubscribe(b"gamma")  # not every topic: the resent list must be the current one
    live = [t for t in topics if t != b"gamma"]
    for generation in range(3):
        pub = ctx.socket(zmq.PUB)
        rebind(pub, ep)
        got = set()
        deadline = time.monotonic() + 4
        while got != set(live):
            assert time.monotonic() < deadline, f"generation {generation}: only {got}"
            for t in live:
                if t not in got:
                    pub.send(t + b"-%d" % generation)
            while sub.poll(10):
                m = sub.recv()
                assert m.endswith(b"-%d" % generation), m
                got.add(m[: -len(b"-0")])
        pub.send(b"gamma-x")
        pub.send(b"alpha-end")
        while True:
            m = recv(sub)
            assert not m.startswith(b"gamma"), m
            if m == b"alpha-end":
                break
        pub.close(linger=0)  # and rebind at once (test_ipc_rebind_same_path_keeps_socket_file)


def test_ipc_rebind_same_path_keeps_socket_file(ctx):
    """Regression: the old listener's deferred cleanup used to unlink the socket file of a
    listener bound right after it on the same path, so nobody could (re)connect."""
    path = ipc_path()
    for i in range(20):
        old = ctx.socket(zmq.PUB)
        old.bind("ipc://" + path)
        old.close(linger=0)
        new = ctx.socket(zmq.PUB)
        new.bind("ipc://" + path)
        settle_io(ctx)  # the old listener's close has run now
        present = os.path.exists(path)
        new.close(linger=0)
        settle_io(ctx)
        assert present, f"socket file of the live listener removed (round {i})"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_subscriber_restart_connecting_side(ctx, transport):
    pub = ctx.socket(zmq.PUB)
    ep = bind(pub, transport)
    for generation in range(3):
        topic = b"g%d" % generation
        sub = sub_socket(ctx, ep, topic)
        join(pub, sub)
        pub.send(b"g0-old" if generation else b"zz")
        pub.send(topic + b"!")
        assert recv(sub) == topic + b"!"
        sub.close()


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_subscriber_restart_bound_side(ctx, transport):
    """XPUB connects to a bound SUB that restarts: the XPUB forgets the old connection's
    topics (unsubscribes reported) and learns the new one's."""
    ep = free_tcp_endpoint() if transport == "tcp" else "ipc://" + ipc_path()
    xpub = ctx.socket(zmq.XPUB)
    xpub.connect(ep)
    for generation in range(3):
        sub = ctx.socket(zmq.SUB)
        rebind(sub, ep)
        topics = [b"r%d-%d" % (generation, i) for i in range(3)]
        for t in topics:
            sub.subscribe(t)
        got = set()
        deadline = time.monotonic() + 4
        while got != set(topics):
            assert time.monotonic() < deadline, f"generation {generation}: only {got}"
            for t in topics:
                xpub.send(t)
            while sub.poll(10):
                got.add(sub.recv())
        seen = []
        while len(seen) < 3 * (2 if generation else 1):
            seen.append(xrecv(xpub)[0])
        expect = {b"\x01" + t for t in topics}
        if generation:
            expect |= {b"\x00r%d-%d" % (generation - 1, i) for i in range(3)}
        assert set(seen) == expect
        sub.close(linger=0)
        settle_io(ctx)


def test_idle_connecting_publisher_keeps_new_subscriptions_after_sub_restart(ctx):
    ep = free_tcp_endpoint()
    pub = ctx.socket(zmq.PUB)
    pub.connect(ep)
    core = pub._core  # white-box: touching the Socket would process its commands

    def inbound():
        links = core._routing.links
        return len(links[0].inp) if links else 0

    sub = ctx.socket(zmq.SUB)
    sub.bind(ep)
    sub.subscribe(b"A")
    wait_until(lambda: (sub.get(zmq.EVENTS), inbound() >= 1)[1])
    sub.close(linger=0)
    sub = ctx.socket(zmq.SUB)
    rebind(sub, ep)
    sub.subscribe(b"A")
    wait_until(lambda: (sub.get(zmq.EVENTS), inbound() >= 2)[1], timeout=3)
    # first contact with the PUB since the subscriber restarted
    deadline = time.monotonic() + 1.0
    delivered = False
    while time.monotonic() < deadline and not delivered:
        pub.send(b"A-data")
        delivered = bool(sub.poll(20))
    assert delivered


# -- CONFLATE ----------------------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_conflate_sub_keeps_only_the_last(ctx, transport):
    """A conflating SUB. Its pipes conflate in both directions, subscriptions included (so
    only the last of several quick subscriptions survives — libzmq 4.x does the same):
    this SUB therefore makes exactly one subscription and syncs on that topic."""
    pub = ctx.socket(zmq.PUB)
    pub.sndhwm = 0
    ep = bind(pub, transport)
    sub = sub_socket(ctx, ep, b"m", conflate=1)
    deadline = time.monotonic() + 3
    while not sub.poll(10):
        assert time.monotonic() < deadline, "never joined"
        pub.send(b"m-sync")
    n = 10_000
    for i in range(n):
        pub.send(b"m%05d" % i)
    pub.send(b"mlast")
    got = []
    while not got or got[-1] != b"mlast":
        m = recv(sub)
        if m != b"m-sync":
            got.append(m)
    assert got == sorted(got)  # a subsequence, in order
    assert len(got) < n // 2
    if transport == "inproc":
        assert got == [b"mlast"]  # the pipe itself conflates: deterministic
    assert_no_message(sub, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_conflate_pull_keeps_only_the_last(ctx, transport):
    """libzmq test_conflate; on inproc only the connecting side's CONFLATE counts (§18)."""
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.conflate = 1
    if transport == "inproc":
        ep = bind(push, transport)
        pull.connect(ep)
    else:
        ep = bind(pull, transport)
        push.connect(ep)
    n = 5000
    for i in range(n):
        push.send(b"%05d" % i)
    got = []
    while not got or got[-1] != b"%05d" % (n - 1):
        got.append(recv(pull))
    assert got == sorted(got)
    assert len(got) < n // 2
    if transport == "inproc":
        assert got == [b"%05d" % (n - 1)]


# -- API rules ----------------------------------------------------------------------------------
def test_enotsup_and_events(ctx):
    pub = ctx.socket(zmq.PUB)
    sub = ctx.socket(zmq.SUB)
    ep = bind(pub, "inproc")
    sub.connect(ep)
    with pytest.raises(zmq.ZMQError) as e:
        sub.send(b"x")
    assert e.value.errno == zmq.ENOTSUP
    with pytest.raises(zmq.ZMQError) as e:
        sub.send_multipart([b"x", b"y"])
    assert e.value.errno == zmq.ENOTSUP
    with pytest.raises(zmq.ZMQError) as e:
        pub.recv(zmq.DONTWAIT)
    assert e.value.errno == zmq.ENOTSUP
    assert pub.get(zmq.EVENTS) == zmq.POLLOUT
    assert sub.get(zmq.EVENTS) == 0
    # SUBSCRIBE/UNSUBSCRIBE are SUB options only
    for s in (pub, ctx.socket(zmq.XSUB)):
        with pytest.raises(zmq.ZMQError) as e:
            s.setsockopt(zmq.SUBSCRIBE, b"x")
        assert e.value.errno == zmq.EINVAL
    # publishing with nobody subscribed never blocks
    lonely = ctx.socket(zmq.PUB)
    lonely.sndtimeo = 0
    for _ in range(5000):
        lonely.send(b"into the void")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sub_pollin_only_for_matching_messages(ctx, transport):
    pub = ctx.socket(zmq.PUB)
    ep = bind(pub, transport)
    sub = sub_socket(ctx, ep, b"A")
    witness = sub_socket(ctx, ep, b"")
    join(pub, sub, witness)
    for i in range(200):
        pub.send(b"B%d" % i)
    pub.send(b"Zend")
    while recv(witness) != b"Zend":
        pass
    # everything non-matching has reached the SUB: it must not look readable
    assert sub.poll(0) == 0
    assert sub.get(zmq.EVENTS) & zmq.POLLIN == 0
    poller = zmq.Poller()
    poller.register(sub, zmq.POLLIN)
    assert poller.poll(20) == []
    pub.send(b"Aok")
    assert sub.poll(2000) == zmq.POLLIN
    assert dict(poller.poll(0)) == {sub: zmq.POLLIN}
    assert sub.recv(zmq.DONTWAIT) == b"Aok"
    assert sub.poll(0) == 0


# -- misbehaving subscribers (raw ZMTP peers) -------------------------------------------------
@pytest.mark.parametrize("stype", [zmq.PUB, zmq.XPUB])
def test_malformed_subscriptions_from_raw_peer(ctx, stype):
    pub = ctx.socket(stype)
    ep = bind(pub, "tcp")
    good = sub_socket(ctx, ep, b"good")
    if stype == zmq.XPUB:
        assert xrecv(pub) == [b"\x01good"]
    raw = RawPeer(ep)
    try:
        raw.handshake(b"SUB")
        raw.send(
            frame(b"")  # empty: not a subscription
            + frame(b"\x01A", more=True)  # a multi-frame "subscription": data, not a topic
            + frame(b"B")
            + frame(b"\x02zz")  # unknown first byte
            + frame(b"\x00never")  # unsubscribe of an unknown topic
            + frame(b"\x01G")  # finally a valid one
        )
        if stype == zmq.XPUB:
            # the junk reaches the application as upstream data, in order
            assert xrecv(pub) == [b""]
            assert xrecv(pub) == [b"\x01A", b"B"]
            assert xrecv(pub) == [b"\x02zz"]
            assert xrecv(pub) == [b"\x01G"]
        else:
            wait_until(lambda: (pub.get(zmq.EVENTS), b"G" in pub._core._routing.subs.topics)[1])
        pub.send(b"A-not-subscribed")
        pub.send(b"G-yes")
        assert raw.read_frame() == (0, b"G-yes")
        assert raw.is_open(0.05)
        join(pub, good)
        pub.send(b"good!")
        assert recv(good) == b"good!"
    finally:
        raw.close()


@pytest.mark.parametrize("stype", [zmq.PUB, zmq.XPUB])
def test_subscribe_flood_from_raw_peer(ctx, stype):
    """100 000 distinct topics from one peer: no crash, the others are served meanwhile."""
    n = 100_000
    pub = ctx.socket(stype)
    ep = bind(pub, "tcp")
    good = sub_socket(ctx, ep, b"good")
    join(pub, good)
    raw = RawPeer(ep)
    try:
        raw.handshake(b"SUB")
        raw.send(b"".join(frame(b"\x01flood/%d" % i) for i in range(n)))
        pub.send(b"good-during")
        assert recv(good) == b"good-during"
        routing = pub._core._routing

        def applied():
            pub.send(b"good-tick")  # touching the socket lets it read the peer's pipe
            return len(routing.subs.topics) >= n + 1

        wait_until(applied, timeout=10)
        pub.send(b"flood/%d" % (n - 1))
        assert raw.read_frame() == (0, b"flood/%d" % (n - 1))
        t0 = time.monotonic()
        for _ in range(2000):
            pub.send(b"nobody-wants-this")
        assert time.monotonic() - t0 < 1.0  # matching stays cheap with 100 k topics
        if stype == zmq.XPUB:
            count = 0
            while xpub_has(pub):
                m = pub.recv()
                count += m.startswith(b"\x01flood/")
            assert count == n
        join(pub, good)
        raw.close()
        wait_until(lambda: (pub.get(zmq.EVENTS), len(routing.subs.topics) < 10)[1])
    finally:
        raw.close()


def xpub_has(xpub):
    return bool(xpub.poll(200) & zmq.POLLIN)


def test_xpub_applies_subscriptions_even_when_the_application_never_reads(ctx):
    """More new topics than RCVHWM, XPUB never recv()s: all of them are still honoured
    (libzmq applies every subscription; purezmq used to park the pipe at RCVHWM)."""
    xpub = ctx.socket(zmq.XPUB)
    xpub.rcvhwm = 100
    ep = bind(xpub, "tcp")
    sub = ctx.socket(zmq.SUB)
    sub.connect(ep)
    for i in range(1500):
        sub.subscribe(b"t%04d" % i)
    sub.subscribe(b"ready")
    deadline = time.monotonic() + 3
    while not sub.poll(10):
        assert time.monotonic() < deadline, "the last subscription never took effect"
        xpub.send(b"ready")
    xpub.send(b"t1400!")
    while True:
        m = recv(sub)
        if m != b"ready":
            break
    assert m == b"t1400!"
    # and the notifications are all there, in order, once the application does read
    seen = [xrecv(xpub)[0] for _ in range(1501)]
    assert seen == [b"\x01t%04d" % i for i in range(1500)] + [b"\x01ready"]


def test_xpub_upstream_data_is_bounded_by_rcvhwm(ctx):
    """Upstream data (not subscriptions) is back-pressured at RCVHWM, nothing is lost."""
    xpub = ctx.socket(zmq.XPUB)
    xpub.rcvhwm = 10
    ep = bind(xpub, "inproc")
    xsub = ctx.socket(zmq.XSUB)
    xsub.sndhwm = 10
    xsub.connect(ep)
    sent = 0
    for i in range(1000):
        xsub.send(b"data-%d" % i)  # XSUB never blocks; beyond its HWM data is dropped
        sent += 1
    xsub.send(b"\x01topic")
    pending = xpub._core._routing._pending
    xpub.get(zmq.EVENTS)
    assert len(pending) <= 10
    got = []
    while xpub.poll(50):
        got.append(xpub.recv())
    data = [m for m in got if m.startswith(b"data-")]
    assert data == [b"data-%d" % i for i in range(len(data))]
    assert 10 <= len(data) <= 20  # inproc: one pipe of SNDHWM + RCVHWM
    assert got[-1] == b"\x01topic"  # subscriptions bypass the HWM
