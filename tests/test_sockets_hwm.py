"""High-water marks and send/receive timeouts (libzmq's test_hwm, test_timeo, test_spec_*
EAGAIN cases)."""

from __future__ import annotations

import threading
import time

import pytest
from helpers import TRANSPORTS, bind, recv, recv_multipart, unique

import purezmq as zmq

pytestmark = pytest.mark.timeout(15)

MAX_SENDS = 10000


def _send_until_block(sock, limit=MAX_SENDS, payload=b""):
    n = 0
    while n < limit:
        try:
            sock.send(payload, zmq.DONTWAIT)
        except zmq.Again:
            break
        n += 1
    return n


def _recv_all(sock):
    n = 0
    while True:
        try:
            sock.recv(zmq.DONTWAIT)
        except zmq.Again:
            return n
        n += 1


# -- test_hwm (inproc) --------------------------------------------------------------------
def test_hwm_defaults_inproc(ctx):
    """Default SNDHWM 1000 + RCVHWM 1000 = 2000 messages queue on an inproc pipe."""
    pull = ctx.socket(zmq.PULL)
    pull.bind("inproc://a")
    push = ctx.socket(zmq.PUSH)
    push.connect("inproc://a")
    sent = _send_until_block(push)
    assert sent == 2000
    assert _recv_all(pull) == sent


def _count_msg(ctx, send_hwm, recv_hwm, bind_first):
    name = "inproc://" + unique("hwm")
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.setsockopt(zmq.RCVHWM, recv_hwm)
    push.setsockopt(zmq.SNDHWM, send_hwm)
    if bind_first:
        pull.bind(name)
        push.connect(name)
    else:
        push.connect(name)
        pull.bind(name)
    sent = _send_until_block(push)
    assert _recv_all(pull) == sent
    # Now it is possible to send one more (blocking), and to receive it.
    push.sndtimeo = 2000
    push.send(b"")
    pull.rcvtimeo = 2000
    assert pull.recv() == b""
    push.close()
    pull.close()
    return sent


@pytest.mark.parametrize("bind_first", [True, False], ids=["bind_first", "connect_first"])
@pytest.mark.parametrize(
    "send_hwm,recv_hwm,expected",
    [(0, 0, MAX_SENDS), (1, 0, MAX_SENDS), (0, 1, MAX_SENDS), (1, 1, 2), (5, 10, 15)],
)
def test_hwm_counts_inproc(ctx, send_hwm, recv_hwm, expected, bind_first):
    assert _count_msg(ctx, send_hwm, recv_hwm, bind_first) == expected


def test_hwm_connect_before_bind_uses_connector_sndhwm(ctx):
    """Before the binder exists only the connector's SNDHWM applies."""
    push = ctx.socket(zmq.PUSH)
    push.sndhwm = 3
    push.connect("inproc://later")
    assert _send_until_block(push) == 3
    pull = ctx.socket(zmq.PULL)
    pull.rcvhwm = 4
    pull.bind("inproc://later")
    # Once bound the sum (3 + 4 = 7) applies: 4 more fit (the first send may have to wait
    # for the bind to reach the PUSH, as in libzmq).
    push.sndtimeo = 1000
    push.send(b"")
    assert _send_until_block(push) == 3
    assert _recv_all(pull) == 7


def test_hwm_inproc_connect_and_close_first(ctx):
    """test_hwm's test_inproc_connect_and_close_first: 1 message survives the close."""
    push = ctx.socket(zmq.PUSH)
    push.setsockopt(zmq.SNDHWM, 1)
    push.connect("inproc://cc")
    sent = _send_until_block(push)
    assert sent == 1
    push.close()
    pull = ctx.socket(zmq.PULL)
    pull.setsockopt(zmq.RCVHWM, 1)
    pull.bind("inproc://cc")
    assert _recv_all(pull) == 1


def test_hwm_unblocks_after_drain(ctx):
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.rcvhwm = 2
    push.sndhwm = 2
    pull.bind("inproc://drain")
    push.connect("inproc://drain")
    assert _send_until_block(push) == 4
    assert _recv_all(pull) == 4
    push.sndtimeo = 1000
    push.send(b"")  # blocking: libzmq may need to process the reader's wake-up first
    assert _send_until_block(push) == 3
    assert _recv_all(pull) == 4


def test_blocked_send_wakes_when_reader_drains(ctx):
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.rcvhwm = 1
    push.sndhwm = 1
    pull.bind("inproc://wake")
    push.connect("inproc://wake")
    assert _send_until_block(push) == 2
    done = threading.Event()

    def sender():
        push.sndtimeo = 1500
        try:
            push.send(b"late")
            done.set()
        except zmq.ZMQError:  # Again, or the context ended under an xfail
            pass

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    assert not done.wait(0.1)
    assert recv(pull) == b""
    assert done.wait(1.0)
    t.join(3)
    assert done.is_set()
    assert recv(pull) == b""
    assert recv(pull) == b"late"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_hwm_multipart_counts_once(ctx, transport):
    """A multipart message counts as one against the HWM."""
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    push.sndhwm = 3
    pull.rcvhwm = 3
    push.connect(bind(pull, transport))
    push.sndtimeo = 2000
    for i in range(3):
        push.send_multipart([b"a", b"b", b"c", b"%d" % i])
    for i in range(3):
        assert recv_multipart(pull) == [b"a", b"b", b"c", b"%d" % i]


def test_router_full_pipe_drops_or_eagain_with_mandatory(ctx):
    """ROUTER at HWM drops silently; with ROUTER_MANDATORY it says EAGAIN instead."""
    router = ctx.socket(zmq.ROUTER)
    router.sndhwm = 1
    router.bind("inproc://rfull")
    dealer = ctx.socket(zmq.DEALER)
    dealer.rcvhwm = 1
    dealer.identity = b"D"
    dealer.connect("inproc://rfull")
    for i in range(10):
        router.send_multipart([b"D", b"%d" % i], zmq.DONTWAIT)  # never fails
    assert _recv_all(dealer) == 2
    router.router_mandatory = 1
    router.sndtimeo = 1000
    router.send_multipart([b"D", b"0"])  # blocking: waits for the reader's wake-up if needed
    router.send_multipart([b"D", b"1"], zmq.DONTWAIT)
    with pytest.raises(zmq.Again):
        router.send(b"D", zmq.DONTWAIT | zmq.SNDMORE)
    assert _recv_all(dealer) == 2


# -- tcp / ipc HWM ------------------------------------------------------------------------
@pytest.mark.parametrize("transport", ["ipc", "tcp"])
def test_hwm_stream_push_blocks_after_bounded_count(ctx, transport):
    """A PUSH whose peer never reads blocks (EAGAIN on timeout) after a bounded number of
    messages: SNDHWM + RCVHWM + what the kernel buffers hold; then everything arrives."""
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.rcvhwm = 4
    push.sndhwm = 4
    for s in (pull, push):
        s.sndbuf = 65536
        s.rcvbuf = 65536
    push.connect(bind(pull, transport))
    payload = b"x" * 16384
    push.sndtimeo = 300
    sent = 0
    t0 = time.monotonic()
    while sent < 2000:
        try:
            push.send(payload)
        except zmq.Again:
            break
        sent += 1
    assert time.monotonic() - t0 < 5
    assert 8 <= sent < 2000, sent
    # Non-blocking sends now fail at once.
    with pytest.raises(zmq.Again):
        push.send(payload, zmq.DONTWAIT)
    got = 0
    pull.rcvtimeo = 2000
    while got < sent:
        assert pull.recv() == payload
        got += 1
    assert got == sent


@pytest.mark.parametrize("transport", ["ipc", "tcp"])
def test_pull_rcvhwm_bounds_what_is_read_from_the_wire(ctx, transport):
    """The receiver stops reading at RCVHWM; what it holds is delivered in order later."""
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.rcvhwm = 10
    push.connect(bind(pull, transport))
    for i in range(500):
        push.send(b"%d" % i)
    pull.rcvtimeo = 2000
    assert [int(pull.recv()) for _ in range(500)] == list(range(500))


# -- timeouts (test_timeo) ----------------------------------------------------------------
def test_timeo_dontwait_recv_eagain_immediately(ctx):
    pull = ctx.socket(zmq.PULL)
    pull.bind("inproc://timeo")
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        pull.recv(zmq.DONTWAIT)
    assert time.monotonic() - t0 < 0.1


def test_timeo_rcvtimeo(ctx):
    pull = ctx.socket(zmq.PULL)
    pull.bind("inproc://timeo2")
    pull.setsockopt(zmq.RCVTIMEO, 250)
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        pull.recv()
    elapsed = time.monotonic() - t0
    assert 0.2 <= elapsed < 1.0, elapsed


def test_timeo_rcvtimeo_zero_is_nonblocking(ctx):
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = 0
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        pull.recv()
    assert time.monotonic() - t0 < 0.1


def test_timeo_sndtimeo_no_peers(ctx):
    push = ctx.socket(zmq.PUSH)
    push.bind("inproc://timeo3")
    push.setsockopt(zmq.SNDTIMEO, 250)
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        push.send(b"x")
    elapsed = time.monotonic() - t0
    assert 0.2 <= elapsed < 1.0, elapsed
    push.sndtimeo = 0
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        push.send(b"x")
    assert time.monotonic() - t0 < 0.1


def test_timeo_normal_flow_with_timeouts_set(ctx):
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.rcvtimeo = 1000
    push.sndtimeo = 1000
    pull.bind("inproc://timeo4")
    push.connect("inproc://timeo4")
    push.send_multipart([b"a", b"b"])
    assert pull.recv_multipart() == [b"a", b"b"]


def test_timeo_message_arriving_before_timeout_is_returned(ctx):
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.rcvtimeo = 2000
    ep = bind(pull, "tcp")
    push.connect(ep)
    result = []

    def receiver():
        result.append(pull.recv())

    t = threading.Thread(target=receiver)
    t.start()
    push.send(b"in time")
    t.join(3)
    assert result == [b"in time"]


def test_timeo_is_read_at_every_call(ctx):
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = 1000
    pull.rcvtimeo = 50
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        pull.recv()
    assert time.monotonic() - t0 < 0.5


def test_blocking_recv_timeout_on_req_waiting_for_reply(ctx):
    rep = ctx.socket(zmq.REP)
    req = ctx.socket(zmq.REQ)
    rep.bind("inproc://req-timeo")
    req.connect("inproc://req-timeo")
    req.send(b"q")
    req.rcvtimeo = 100
    with pytest.raises(zmq.Again):
        req.recv()
    # still waiting for the reply: sending again is EFSM, the late reply is delivered
    with pytest.raises(zmq.ZMQError) as e:
        req.send(b"q2")
    assert e.value.errno == zmq.EFSM
    assert recv(rep) == b"q"
    rep.send(b"a")
    assert recv(req) == b"a"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pollout_reflects_hwm(ctx, transport):
    """POLLOUT goes away when every pipe is full and comes back once the reader drains."""
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.rcvhwm = 10
    push.sndhwm = 10
    if transport != "inproc":
        for s in (pull, push):
            s.sndbuf = s.rcvbuf = 65536
    push.connect(bind(pull, transport))
    assert push.poll(2000, zmq.POLLOUT) == zmq.POLLOUT
    push.sndtimeo = 200
    sent = 0
    while True:
        try:
            push.send(b"x" * 16384)
        except zmq.Again:
            break
        sent += 1
    assert sent >= 10
    assert push.poll(0, zmq.POLLOUT) == 0
    pull.rcvtimeo = 2000
    for _ in range(sent):
        pull.recv()
    assert push.poll(2000, zmq.POLLOUT) == zmq.POLLOUT
