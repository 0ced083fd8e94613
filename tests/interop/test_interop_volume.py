"""Volume and linger: 100k small messages in order both ways, and a PUSH that closes right
after a burst with the default linger (-1) still delivers every message."""

from __future__ import annotations

import threading

import pytest

import purezmq as zmq

from ._harness import free_tcp_endpoint, local_try_recv, seq_msg
from .conftest import TRANSPORTS

pytestmark = pytest.mark.timeout(30)

TRANSPORT = pytest.mark.parametrize("transport", TRANSPORTS)

# LIBZMQ_RCVHWM_NOTE: the libzmq PULLs that receive a burst from a socket that closes right
# after it use RCVHWM=0. libzmq 4.3.5 itself (libzmq -> libzmq, no purezmq involved) loses
# the tail of such a burst over ipc in about 1 run in 4 when its receive pipe sits at the
# default RCVHWM (1000) as the sender's connection closes; with an unlimited RCVHWM it
# never does. A purezmq PULL in the same place never loses anything.
N_MANY = 100_000
N_BURST = 20_000


@TRANSPORT
@pytest.mark.parametrize("pz_binds", [True, False], ids=["pzbind", "lzbind"])
def test_many_pz_push_to_lz_pull(lz, pz, endpoint, transport, pz_binds):
    push = pz.socket(zmq.PUSH)
    push.sndtimeo = 10000
    pull = lz.socket("PULL")
    ep = endpoint(transport)
    if pz_binds:
        push.bind(ep)
        pull.connect(push.last_endpoint.decode())
    else:
        push.connect(pull.bind(ep))
    lz.submit("recv_many", sock=pull.sid, n=N_MANY, prefix="v", timeout=10000)
    for i in range(N_MANY):
        push.send(seq_msg("v", i))
    r = lz.result(timeout=25)
    assert r["bad"] is None, r
    assert r["count"] == N_MANY


@TRANSPORT
@pytest.mark.parametrize("pz_binds", [True, False], ids=["pzbind", "lzbind"])
def test_many_lz_push_to_pz_pull(lz, pz, endpoint, transport, pz_binds):
    pull = pz.socket(zmq.PULL)
    pull.rcvtimeo = 10000
    push = lz.socket("PUSH")
    ep = endpoint(transport)
    if pz_binds:
        pull.bind(ep)
        push.connect(pull.last_endpoint.decode())
    else:
        pull.connect(push.bind(ep))
    lz.submit("send_many", sock=push.sid, n=N_MANY, prefix="w", timeout=10000)
    for i in range(N_MANY):
        msg = pull.recv()
        if msg != seq_msg("w", i) or pull.rcvmore:
            pytest.fail(f"message {i}: got {msg[:40]!r}, rcvmore={pull.rcvmore}")
    assert lz.result(timeout=25)["sent"] == N_MANY
    assert not pull.poll(0)


# (message count, message size): many small ones, and few big ones that are still queued in
# purezmq (not yet in the kernel's socket buffers) when close() returns
BURSTS = pytest.mark.parametrize(
    "n,size", [(N_BURST, 20), (300, 64 * 1024)], ids=["small-msgs", "big-msgs"]
)


@TRANSPORT
@BURSTS
@pytest.mark.parametrize("term", [True, False], ids=["then-term", "no-term"])
def test_pz_push_close_after_burst_lingers(lz, endpoint, transport, term, n, size):
    """Fresh context, connect, burst, close() with default linger at once: all delivered,
    and Context.term() returns once they are."""
    pull = lz.socket("PULL", RCVHWM=0)  # see LIBZMQ_RCVHWM_NOTE
    ep = pull.bind(endpoint(transport))
    lz.submit("recv_many", sock=pull.sid, n=n, prefix="L", size=size, timeout=10000)
    ctx = zmq.Context()
    try:
        push = ctx.socket(zmq.PUSH)
        assert push.linger == -1
        push.connect(ep)
        for i in range(n):
            push.send(seq_msg("L", i, size))
        push.close()
        if term:
            done = threading.Event()
            t = threading.Thread(target=lambda: (ctx.term(), done.set()), daemon=True)
            t.start()
            assert done.wait(20), "Context.term() did not return after the linger drained"
        r = lz.result(timeout=25)
        assert r["bad"] is None, r
        assert r["count"] == n
    finally:
        if not ctx.closed:
            ctx.destroy(linger=0)


@TRANSPORT
@BURSTS
def test_pz_push_bound_close_after_burst_lingers(lz, endpoint, transport, n, size):
    """The bound side too: once the peer is attached, a burst then close() is delivered."""
    ctx = zmq.Context()
    try:
        push = ctx.socket(zmq.PUSH)
        push.sndtimeo = 5000
        push.bind(endpoint(transport))
        pull = lz.socket("PULL", RCVHWM=0)  # see LIBZMQ_RCVHWM_NOTE
        pull.connect(push.last_endpoint.decode())
        lz.submit("recv_many", sock=pull.sid, n=n + 1, prefix="B", size=size, timeout=10000)
        push.send(seq_msg("B", 0, size))  # waits for the peer's pipe
        for i in range(1, n + 1):
            push.send(seq_msg("B", i, size))
        push.close()
        r = lz.result(timeout=25)
        assert r["bad"] is None, r
        assert r["count"] == n + 1
    finally:
        ctx.destroy(linger=0)


@TRANSPORT
@BURSTS
@pytest.mark.parametrize("lz_binds", [False, True], ids=["lzconnect", "lzbind"])
def test_lz_push_close_after_burst_lingers(lz, pz, endpoint, transport, lz_binds, n, size):
    """libzmq PUSH sends a burst, closes with default linger and terms its context at once:
    the purezmq PULL receives every message in order."""
    pull = pz.socket(zmq.PULL)
    pull.rcvtimeo = 10000
    ep = endpoint(transport)
    if lz_binds:
        if transport == "tcp":
            ep = free_tcp_endpoint()
        pull.connect(ep)
    else:
        pull.bind(ep)
        ep = pull.last_endpoint.decode()
    lz.submit("close_after_burst", type="PUSH", ep=ep, n=n, bind=lz_binds, prefix="K", size=size)
    for i in range(n):
        msg = pull.recv()
        if msg != seq_msg("K", i, size):
            pytest.fail(f"message {i}: got {msg[:40]!r}")
    assert lz.result(timeout=25)["sent"] == n


@TRANSPORT
def test_full_duplex_large_messages(lz, pz, endpoint, transport):
    """Both sides stream 2 MB messages at each other at the same time."""
    local = pz.socket(zmq.DEALER)
    local.rcvtimeo = local.sndtimeo = 10000
    remote = lz.socket("DEALER")
    local.bind(endpoint(transport))
    remote.connect(local.last_endpoint.decode())
    n, size = 8, 2_000_000
    lz.submit("send_many", sock=remote.sid, n=n, prefix="lz", size=size, timeout=10000)
    for i in range(n):
        local.send(seq_msg("pz", i, size))
    for i in range(n):
        msg = local.recv()
        assert len(msg) == size and msg == seq_msg("lz", i, size), i
    assert lz.result()["sent"] == n
    r = lz.request("recv_many", sock=remote.sid, n=n, prefix="pz", size=size, timeout=10000)
    assert r["count"] == n and r["bad"] is None, r


@TRANSPORT
def test_hwm_backpressure_and_resume(lz, pz, endpoint, transport):
    """A libzmq PULL that stops reading makes a purezmq PUSH (SNDHWM 5) block (EAGAIN);
    once it reads again everything queued arrives, in order, and sending resumes."""
    push = pz.socket(zmq.PUSH)
    push.sndhwm = 5
    pull = lz.socket("PULL", RCVHWM=5)
    push.connect(pull.bind(endpoint(transport)))
    size = 10_000
    push.send(seq_msg("h", 0, size))  # the connection is up once this one arrives
    assert pull.recv()[0][0]["len"] == size
    sent = 1
    push.sndtimeo = 200  # a send that cannot go within 200 ms: every buffer is full
    while True:
        try:
            push.send(seq_msg("h", sent, size))
        except zmq.Again:
            break
        sent += 1
        assert sent < 20_000, "SNDHWM never pushed back"
    assert sent > 10  # both HWMs plus the socket buffers were in use
    r = lz.request(
        "recv_many", sock=pull.sid, n=sent - 1, start=1, prefix="h", size=size, timeout=5000
    )
    assert r["count"] == sent - 1 and r["bad"] is None, r
    push.sndtimeo = 5000
    lz.submit("recv_many", sock=pull.sid, n=100, prefix="h2-", timeout=5000)
    for i in range(100):
        push.send(seq_msg("h2-", i))
    r = lz.result()
    assert r["count"] == 100 and r["bad"] is None, r


@TRANSPORT
def test_pz_rcvhwm_pushes_back_on_lz(lz, pz, endpoint, transport):
    """A purezmq PULL (RCVHWM 5) that does not read stops taking data off the wire, so the
    libzmq PUSH (SNDHWM 5) eventually blocks; then everything arrives in order."""
    pull = pz.socket(zmq.PULL)
    pull.rcvhwm = 5
    pull.rcvtimeo = 5000
    push = lz.socket("PUSH", SNDHWM=5)
    pull.bind(endpoint(transport))
    push.connect(pull.last_endpoint.decode())
    size, limit = 10_000, 5_000  # 50 MB if nothing pushed back
    push.send([seq_msg("r", 0, size)])
    assert pull.recv() == seq_msg("r", 0, size)
    sent = lz.request(
        "send_until_blocked",
        sock=push.sid,
        prefix="r",
        size=size,
        start=1,
        limit=limit,
        timeout=200,
    )["sent"]
    assert sent < limit, "purezmq never pushed back (RCVHWM ignored?)"
    for i in range(1, sent):
        assert pull.recv() == seq_msg("r", i, size), i
    assert local_try_recv(pull, 0) is None
