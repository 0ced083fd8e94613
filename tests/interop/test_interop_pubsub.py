"""PUB/SUB/XPUB/XSUB between purezmq and libzmq (the pyzmq wheel, always in another process).

Covers: libzmq PUB -> purezmq SUB and back, libzmq XPUB seeing purezmq's subscription
messages, purezmq XSUB against libzmq PUB/XPUB (subscriptions, multipart upstream), a
purezmq XSUB/XPUB proxy between libzmq publishers and subscribers and a libzmq proxy (its own
process) between purezmq ones; both bind directions, tcp and ipc; more than 10 k
subscriptions; a restarted publisher on either side (field lessons 6, 12-14).

A publisher re-sends until the subscriber has joined: each join subscribes a fresh tag
*after* everything else, so receiving it proves every earlier subscription is in force.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time

import pytest

import purezmq as zmq

from ._harness import PeerError, free_tcp_endpoint, short
from .conftest import TRANSPORTS

pytestmark = pytest.mark.timeout(30)

TRANSPORT = pytest.mark.parametrize("transport", TRANSPORTS)
SIDE = pytest.mark.parametrize("pz_binds", [True, False], ids=["pz-binds", "lz-binds"])
_tags = itertools.count()
JOIN_TIMEOUT = 5.0


def tag_for(prefix: bytes = b"\xffjoin") -> bytes:
    return prefix + b"%d." % next(_tags)


def lz_frames(remote, timeout=3000):
    """One message from a libzmq socket, as a list of bytes."""
    frames, _more = remote.recv(timeout)
    return short(frames)


def lz_try(remote, timeout):
    """One message from a libzmq socket within ``timeout`` ms, or None."""
    got = remote.try_recv(timeout)
    return None if got is None else short(got)


def lz_frames_touching(remote, pz_sock, timeout=3.0):
    """Like lz_frames, but keeps touching ``pz_sock`` meanwhile: a bound socket adopts a
    new connection (and a SUB sends it its subscriptions) only when the application
    calls into it — libzmq's rule as well (reference §4.1)."""
    deadline = time.monotonic() + timeout
    while True:
        pz_sock.get(zmq.EVENTS)
        m = lz_try(remote, 20)
        if m is not None:
            return m
        assert time.monotonic() < deadline, "libzmq socket: no message in time"


def pz_recv(sock, timeout=3000):
    if not sock.poll(timeout):
        raise AssertionError("purezmq socket: no message in time")
    return sock.recv_multipart()


def connect_pair(pz_sock, lz_sock, pz_binds, transport, endpoint):
    """Bind one side and connect the other; returns the endpoint used."""
    if pz_binds:
        pz_sock.bind(endpoint(transport))
        ep = pz_sock.last_endpoint.decode()
        lz_sock.connect(ep)
    else:
        ep = lz_sock.bind(endpoint(transport))
        pz_sock.connect(ep)
    return ep


# -- joins --------------------------------------------------------------------------------
def join_lz_pub_pz_sub(lz_pub, sub):
    """libzmq PUB re-sends a fresh tag until the purezmq SUB has it; returns the other
    messages the SUB received meanwhile (none expected before the test's own sends)."""
    tag = tag_for()
    sub.subscribe(tag)
    other = []
    deadline = time.monotonic() + JOIN_TIMEOUT
    joined = False
    while not joined:
        assert time.monotonic() < deadline, "purezmq SUB never joined the libzmq PUB"
        lz_pub.send([tag])
        while sub.poll(20):
            m = sub.recv_multipart()
            if m == [tag]:
                joined = True
                break
            other.append(m)
    end = tag + b"-end"
    lz_pub.send([end])
    while True:
        m = pz_recv(sub)
        if m == [end]:
            break
        if m != [tag]:
            other.append(m)
    sub.unsubscribe(tag)
    return other


def join_pz_pub_lz_sub(pub, lz_sub):
    tag = tag_for()
    lz_sub.setsockopt(SUBSCRIBE=tag)
    other = []
    deadline = time.monotonic() + JOIN_TIMEOUT
    joined = False
    while not joined:
        assert time.monotonic() < deadline, "libzmq SUB never joined the purezmq PUB"
        pub.send(tag)
        while True:
            m = lz_try(lz_sub, 20)
            if m is None:
                break
            if m == [tag]:
                joined = True
                break
            other.append(m)
    end = tag + b"-end"
    pub.send(end)
    while True:
        m = lz_frames(lz_sub)
        if m == [end]:
            break
        if m != [tag]:
            other.append(m)
    lz_sub.setsockopt(UNSUBSCRIBE=tag)
    return other


MIX = [b"A", b"Ax", b"B", b"BC", b"BCD", b"", b"a", b"xA", b"A" * 300]
MIX_MATCH = [b"A", b"Ax", b"BC", b"BCD", b"A" * 300]


# -- plain PUB -> SUB ----------------------------------------------------------------------
@TRANSPORT
@SIDE
def test_lz_pub_to_pz_sub(lz, pz, endpoint, transport, pz_binds):
    sub = pz.socket(zmq.SUB)
    pub = lz.socket("PUB")
    connect_pair(sub, pub, pz_binds, transport, endpoint)
    sub.subscribe(b"A")
    sub.subscribe(b"BC")
    assert join_lz_pub_pz_sub(pub, sub) == []
    for m in MIX:
        pub.send([m])
    pub.send([b"BC-multi", b"", b"part"])
    pub.send([b"no", b"A"])
    got = join_lz_pub_pz_sub(pub, sub)
    assert got == [[m] for m in MIX_MATCH] + [[b"BC-multi", b"", b"part"]]
    sub.unsubscribe(b"A")
    join_lz_pub_pz_sub(pub, sub)  # the unsubscribe is in force at the libzmq PUB
    pub.send([b"A-after"])
    pub.send([b"BC-after"])
    assert join_lz_pub_pz_sub(pub, sub) == [[b"BC-after"]]


@TRANSPORT
@SIDE
def test_pz_pub_to_lz_sub(lz, pz, endpoint, transport, pz_binds):
    pub = pz.socket(zmq.PUB)
    sub = lz.socket("SUB")
    connect_pair(pub, sub, pz_binds, transport, endpoint)
    sub.setsockopt(SUBSCRIBE=b"A")
    sub.setsockopt(SUBSCRIBE=b"BC")
    sub.setsockopt(SUBSCRIBE=b"A")  # duplicate: libzmq sends it again, counted once
    assert join_pz_pub_lz_sub(pub, sub) == []
    for m in MIX:
        pub.send(m)
    pub.send_multipart([b"BC-multi", b"", b"part"])
    pub.send_multipart([b"no", b"A"])
    got = join_pz_pub_lz_sub(pub, sub)
    assert got == [[m] for m in MIX_MATCH] + [[b"BC-multi", b"", b"part"]]
    # one unsubscribe suffices at the publisher (libzmq's SUB counts, sends \x00 once)
    sub.setsockopt(UNSUBSCRIBE=b"A")
    sub.setsockopt(UNSUBSCRIBE=b"A")
    join_pz_pub_lz_sub(pub, sub)
    routing = pub._core._routing
    assert b"A" not in routing.subs.topics  # white-box: the PUB stopped sending A at all
    pub.send(b"A-after")
    pub.send(b"BC-after")
    assert join_pz_pub_lz_sub(pub, sub) == [[b"BC-after"]]


# -- XPUB / XSUB -----------------------------------------------------------------------------
@TRANSPORT
@SIDE
def test_lz_xpub_sees_pz_sub_subscriptions(lz, pz, endpoint, transport, pz_binds):
    xpub = lz.socket("XPUB", XPUB_VERBOSE=1)
    sub = pz.socket(zmq.SUB)
    connect_pair(sub, xpub, pz_binds, transport, endpoint)
    # connected first: a newly attached publisher gets the *current* list, not the history
    sub.subscribe(b"hello")
    assert lz_frames_touching(xpub, sub) == [b"\x01hello"]
    sub.subscribe(b"A")
    sub.subscribe(b"BC")
    sub.subscribe(b"A")
    sub.unsubscribe(b"A")  # count 2 -> 1: nothing on the wire
    sub.unsubscribe(b"never")  # unknown: nothing on the wire
    sub.subscribe(b"\x00bin\xff")
    sub.unsubscribe(b"A")  # count 1 -> 0: \x00A
    got = [lz_frames_touching(xpub, sub) for _ in range(5)]
    assert got == [[b"\x01A"], [b"\x01BC"], [b"\x01A"], [b"\x01\x00bin\xff"], [b"\x00A"]]
    assert lz_try(xpub, 50) is None
    xpub.send([b"BC data"])
    assert pz_recv(sub) == [b"BC data"]
    sub.close(linger=0)
    if pz_binds:
        return  # a connecting libzmq XPUB keeps the pipe (and its topics) to reconnect
    # a bound libzmq XPUB reports what the departed peer held
    left = sorted(lz_frames(xpub)[0] for _ in range(3))
    assert left == [b"\x00\x00bin\xff", b"\x00BC", b"\x00hello"]


@TRANSPORT
@SIDE
def test_pz_xsub_with_lz_pub(lz, pz, endpoint, transport, pz_binds):
    xsub = pz.socket(zmq.XSUB)
    pub = lz.socket("PUB")
    connect_pair(xsub, pub, pz_binds, transport, endpoint)
    xsub.send(b"\x01T")
    deadline = time.monotonic() + JOIN_TIMEOUT
    while not xsub.poll(20):
        assert time.monotonic() < deadline, "XSUB subscription never reached libzmq"
        pub.send([b"T-join"])
    while xsub.poll(50):
        assert xsub.recv_multipart() == [b"T-join"]
    pub.send([b"U-not"])
    pub.send([b"T1", b"more"])
    assert pz_recv(xsub) == [b"T1", b"more"]  # libzmq filtered U, XSUB passes all it gets
    xsub.send(b"\x00T")
    xsub.send(b"\x01V")
    deadline = time.monotonic() + JOIN_TIMEOUT
    while not xsub.poll(20):
        assert time.monotonic() < deadline
        pub.send([b"T-gone"])
        pub.send([b"V-join"])
    while xsub.poll(50):
        assert xsub.recv_multipart() == [b"V-join"]


@TRANSPORT
@SIDE
def test_pz_xsub_upstream_to_lz_xpub(lz, pz, endpoint, transport, pz_binds):
    xpub = lz.socket("XPUB")
    xsub = pz.socket(zmq.XSUB)
    connect_pair(xsub, xpub, pz_binds, transport, endpoint)
    xsub.send(b"\x01topic")
    assert lz_frames_touching(xpub, xsub) == [b"\x01topic"]
    xsub.send_multipart([b"upstream", b"", b"data"])
    frames, more = xpub.recv(3000)
    assert short(frames) == [b"upstream", b"", b"data"] and more == [1, 1, 0]
    xpub.send([b"topic!", b"2"])
    assert pz_recv(xsub) == [b"topic!", b"2"]
    xsub.send(b"\x00topic")
    assert lz_frames(xpub) == [b"\x00topic"]


# -- proxies ---------------------------------------------------------------------------------
@TRANSPORT
def test_pz_proxy_between_lz_pubs_and_subs(lz, pz, endpoint, transport):
    xsub = pz.socket(zmq.XSUB)
    xpub = pz.socket(zmq.XPUB)
    xsub.bind(endpoint(transport))
    xpub.bind(endpoint(transport))
    up, down = xsub.last_endpoint.decode(), xpub.last_endpoint.decode()
    ctl_ep = "inproc://pzproxy-ctl"
    mine = pz.socket(zmq.PAIR)
    mine.bind(ctl_ep)
    ctl = pz.socket(zmq.PAIR)
    ctl.connect(ctl_ep)
    errors = []

    def run():
        try:
            zmq.proxy_steerable(xsub, xpub, None, ctl)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    try:
        pubs = [lz.socket("PUB") for _ in range(2)]
        for p in pubs:
            p.connect(up)
        s_a = lz.socket("SUB", SUBSCRIBE=b"A")
        s_all = lz.socket("SUB", SUBSCRIBE=b"")
        for s in (s_a, s_all):
            s.connect(down)
        # each publisher re-sends until both subscribers have seen it: every path works
        for k, p in enumerate(pubs):
            need = {0, 1}
            deadline = time.monotonic() + JOIN_TIMEOUT
            while need:
                assert time.monotonic() < deadline, f"publisher {k}: {need} never joined"
                p.send([b"A-join%d" % k])
                for i, s in enumerate((s_a, s_all)):
                    if i in need and lz_try(s, 20) is not None:
                        need.discard(i)
        for s in (s_a, s_all):
            while lz_try(s, 50) is not None:
                pass
        pubs[0].send([b"A1", b"x"])
        pubs[1].send([b"B1"])
        pubs[0].send([b"A-end"])
        assert lz_frames(s_a) == [b"A1", b"x"]
        assert lz_frames(s_a) == [b"A-end"]
        seen = [lz_frames(s_all) for _ in range(3)]
        assert sorted(map(tuple, seen)) == [(b"A-end",), (b"A1", b"x"), (b"B1",)]
    finally:
        mine.send(b"TERMINATE")
        t.join(3)
    assert not t.is_alive() and not errors


LZ_PROXY = r"""
import os, sys, threading, zmq
threading.Timer(60, lambda: os._exit(3)).start()
ctx = zmq.Context()
xsub, xpub, ctl = ctx.socket(zmq.XSUB), ctx.socket(zmq.XPUB), ctx.socket(zmq.PAIR)
xsub.bind(sys.argv[1]); xpub.bind(sys.argv[2]); ctl.bind("tcp://127.0.0.1:*")
print(xsub.LAST_ENDPOINT.decode(), xpub.LAST_ENDPOINT.decode(), ctl.LAST_ENDPOINT.decode(),
      flush=True)
zmq.proxy_steerable(xsub, xpub, None, ctl)
for s in (xsub, xpub, ctl):
    s.close(0)
ctx.term()
os._exit(0)
"""


@TRANSPORT
def test_lz_proxy_between_pz_pubs_and_subs(pz, endpoint, transport):
    proc = subprocess.Popen(
        [sys.executable, "-c", LZ_PROXY, endpoint(transport), endpoint(transport)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(15)
        assert line and line[0].strip(), "libzmq proxy did not start"
        up, down, ctl_ep = line[0].split()
        pubs = [pz.socket(zmq.PUB) for _ in range(2)]
        for p in pubs:
            p.connect(up)
        s_a = pz.socket(zmq.SUB)
        s_all = pz.socket(zmq.SUB)
        s_a.subscribe(b"A")
        s_all.subscribe(b"")
        for s in (s_a, s_all):
            s.connect(down)
        for k, p in enumerate(pubs):
            need = {s_a, s_all}
            deadline = time.monotonic() + JOIN_TIMEOUT
            while need:
                assert time.monotonic() < deadline, f"publisher {k} never reached everyone"
                p.send(b"A-join%d" % k)
                for s in list(need):
                    if s.poll(10):
                        need.discard(s)
        for s in (s_a, s_all):
            while s.poll(50):
                s.recv_multipart()
        pubs[0].send_multipart([b"A1", b"x"])
        pubs[1].send(b"B1")
        pubs[0].send(b"A-end")
        assert pz_recv(s_a) == [b"A1", b"x"]
        assert pz_recv(s_a) == [b"A-end"]
        seen = [pz_recv(s_all) for _ in range(3)]
        assert sorted(map(tuple, seen)) == [(b"A-end",), (b"A1", b"x"), (b"B1",)]
        # unsubscribe travels SUB -> libzmq XPUB -> libzmq XSUB -> purezmq PUBs
        s_a.unsubscribe(b"A")
        s_a.subscribe(b"Z")
        deadline = time.monotonic() + JOIN_TIMEOUT
        while not s_a.poll(10):
            assert time.monotonic() < deadline
            pubs[1].send(b"Z-join")
        while s_a.poll(50):
            assert s_a.recv() == b"Z-join"
        pubs[0].send(b"A-after")
        pubs[0].send(b"Z-after")
        assert pz_recv(s_a) == [b"Z-after"]
        assert not any(b"A" in p._core._routing.subs.topics for p in pubs)
        ctl = pz.socket(zmq.PAIR)
        ctl.connect(ctl_ep)
        ctl.send(b"TERMINATE")
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        proc.stdout.close()


# -- volume and restarts ---------------------------------------------------------------------
def test_many_pz_subscriptions_at_lz_pub(lz, pz):
    """12 000 subscriptions from a purezmq SUB: the libzmq PUB honours every one."""
    n = 12_000
    sub = pz.socket(zmq.SUB)
    sub.rcvhwm = 0
    pub = lz.socket("PUB", SNDHWM=0)
    ep = pub.bind("tcp://127.0.0.1:*")
    sub.connect(ep)
    for i in range(n):
        sub.subscribe(b"t%08d" % i)
    assert join_lz_pub_pz_sub(pub, sub) == []
    lz.request("send_many", sock=pub.sid, n=n, prefix="u")  # matches nothing
    lz.request("send_many", sock=pub.sid, n=n, prefix="t")
    got = join_lz_pub_pz_sub(pub, sub)
    assert got == [[b"t%08d" % i] for i in range(n)]


def test_lz_pub_restart_pz_sub_resubscribes(lz, pz):
    ep = free_tcp_endpoint()
    sub = pz.socket(zmq.SUB)
    sub.connect(ep)
    topics = [b"one", b"two", b"three", b"four"]
    for t in topics:
        sub.subscribe(t)
    for generation in range(3):
        pub = lz.socket("PUB")
        deadline = time.monotonic() + 5
        while True:
            try:
                pub.bind(ep)
                break
            except PeerError as e:
                if e.err != "EADDRINUSE" or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        got = set()
        deadline = time.monotonic() + JOIN_TIMEOUT
        while got != set(topics):
            assert time.monotonic() < deadline, f"generation {generation}: only {got}"
            for t in topics:
                if t not in got:
                    pub.send([t + b"-%d" % generation])
            while sub.poll(10):
                m = sub.recv()
                assert m.endswith(b"-%d" % generation)
                got.add(m[:-2])
        pub.close(linger=0)


def test_pz_pub_restart_lz_sub_resubscribes(lz, pz):
    ep = free_tcp_endpoint()
    sub = lz.socket("SUB")
    topics = [b"one", b"two", b"three", b"four"]
    for t in topics:
        sub.setsockopt(SUBSCRIBE=t)
    sub.connect(ep)
    for generation in range(3):
        pub = pz.socket(zmq.PUB)
        deadline = time.monotonic() + 5
        while True:
            try:
                pub.bind(ep)
                break
            except zmq.ZMQError as e:
                if e.errno != zmq.EADDRINUSE or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        got = set()
        deadline = time.monotonic() + JOIN_TIMEOUT
        while got != set(topics):
            assert time.monotonic() < deadline, f"generation {generation}: only {got}"
            for t in topics:
                if t not in got:
                    pub.send(t + b"-%d" % generation)
            while True:
                m = lz_try(sub, 10)
                if m is None:
                    break
                assert m[0].endswith(b"-%d" % generation)
                got.add(m[0][:-2])
        pub.close(linger=0)
