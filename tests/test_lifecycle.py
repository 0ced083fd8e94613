"""Life cycle: linger on close and term, reconnect, context shutdown/term/destroy, MAX_SOCKETS,
closed sockets (libzmq's test_linger, test_ctx_destroy, test_ctx_options,
test_many_sockets; field lessons 20, 21, 25)."""

from __future__ import annotations

import errno
import os
import socket
import threading
import time

import pytest
from helpers import (
    STREAM_TRANSPORTS,
    TRANSPORTS,
    WAIT,
    bind,
    connectable,
    free_tcp_port,
    new_context,
    reap_contexts,
    recv,
    recv_multipart,
)

import purezmq as zmq

pytestmark = pytest.mark.timeout(20)


@pytest.fixture(autouse=True)
def _reap_contexts():
    yield
    reap_contexts()


def _run_in_thread(fn, *args):
    """Start fn in a daemon thread; returns (thread, result list, error list)."""
    result, errors = [], []

    def run():
        try:
            result.append(fn(*args))
        except BaseException as e:  # noqa: BLE001 - handed to the test
            errors.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, result, errors


# -- linger ---------------------------------------------------------------------------------
@pytest.mark.parametrize("transport", STREAM_TRANSPORTS)
@pytest.mark.parametrize("push_binds", [False, True], ids=["push_connects", "push_binds"])
def test_close_right_after_burst_then_term_delivers_everything(transport, push_binds):
    """Field lesson 20: default options, close immediately after a burst, ctx.term():
    every message must arrive."""
    n = 20000
    rctx = new_context()
    sctx = new_context()
    try:
        pull = rctx.socket(zmq.PULL)
        push = sctx.socket(zmq.PUSH)
        if push_binds:
            ep = bind(push, transport)
            pull.connect(ep)
        else:
            ep = bind(pull, transport)
            push.connect(ep)

        def sender():
            for i in range(n):
                push.send(b"%d" % i)
            push.close()
            sctx.term()

        t, _, errors = _run_in_thread(sender)
        pull.rcvtimeo = 5000
        got = [pull.recv() for _ in range(n)]
        t.join(10)
        assert not t.is_alive(), "term() did not return"
        assert not errors, errors
        assert got == [b"%d" % i for i in range(n)]
        pull.close()
    finally:
        rctx.destroy(linger=0)
        sctx.destroy(linger=0)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_linger_large_message(transport):
    """test_linger: a 4,000,000-byte message sent right before close + term still arrives."""
    rctx = new_context()
    sctx = rctx if transport == "inproc" else new_context()
    try:
        pull = rctx.socket(zmq.PULL)
        ep = bind(pull, transport)
        payload = bytes(range(256)) * (4000000 // 256) + b"x" * (4000000 % 256)

        def sender():
            push = sctx.socket(zmq.PUSH)
            push.connect(ep)
            push.send(payload)
            push.close()
            if sctx is not rctx:
                sctx.term()

        t, _, errors = _run_in_thread(sender)
        got = recv(pull, 5000)
        t.join(10)
        assert not errors and not t.is_alive()
        assert got == payload
    finally:
        rctx.destroy(linger=0)
        if sctx is not rctx:
            sctx.destroy(linger=0)


def test_linger_zero_term_prompt_with_absent_peer():
    c = new_context()
    push = c.socket(zmq.PUSH)
    push.connect("tcp://127.0.0.1:%d" % free_tcp_port())
    for _ in range(10):
        push.send(b"queued")
    push.close(linger=0)
    t0 = time.monotonic()
    c.term()
    assert time.monotonic() - t0 < 1.0


@pytest.mark.parametrize("transport", STREAM_TRANSPORTS)
def test_linger_zero_term_prompt_with_stalled_peer(transport):
    """The peer is there but never reads: linger 0 still lets term() return at once."""
    rctx = new_context()
    sctx = new_context()
    try:
        pull = rctx.socket(zmq.PULL)
        pull.rcvhwm = 1
        ep = bind(pull, transport)
        push = sctx.socket(zmq.PUSH)
        push.connect(ep)
        payload = b"x" * 65536
        push.sndtimeo = 200
        try:
            for _ in range(1000):
                push.send(payload)
        except zmq.Again:
            pass
        push.setsockopt(zmq.LINGER, 0)
        push.close()
        t0 = time.monotonic()
        sctx.term()
        assert time.monotonic() - t0 < 1.0
    finally:
        rctx.destroy(linger=0)
        sctx.destroy(linger=0)


def test_destroy_linger_zero_prompt_with_queued_messages():
    c = new_context()
    push = c.socket(zmq.PUSH)  # LINGER -1 by default
    push.connect("tcp://127.0.0.1:%d" % free_tcp_port())
    push.connect("ipc:///tmp/nobody-listens-%d" % free_tcp_port())
    push.connect("inproc://nobody")
    for _ in range(30):
        push.send(b"queued")
    t0 = time.monotonic()
    c.destroy(linger=0)
    assert time.monotonic() - t0 < 1.0
    assert push.closed and c.closed


def test_linger_positive_expires():
    c = new_context()
    push = c.socket(zmq.PUSH)
    push.linger = 300
    push.connect("tcp://127.0.0.1:%d" % free_tcp_port())
    push.send(b"never delivered")
    push.close()
    t0 = time.monotonic()
    c.term()
    elapsed = time.monotonic() - t0
    assert 0.2 <= elapsed < 2.0, elapsed


def test_term_waits_for_linger_then_peer_appears():
    """LINGER -1 with messages for an absent peer: term() blocks until the peer shows up
    (through reconnect), then everything is delivered and term() returns."""
    port = free_tcp_port()
    ep = "tcp://127.0.0.1:%d" % port
    sctx = new_context()
    rctx = new_context()
    try:
        push = sctx.socket(zmq.PUSH)
        push.reconnect_ivl = 50
        push.connect(ep)
        for i in range(3):
            push.send(b"%d" % i)
        push.close()
        t, _, errors = _run_in_thread(sctx.term)
        t.join(0.2)
        assert t.is_alive(), "term() returned with undelivered messages and LINGER -1"
        pull = rctx.socket(zmq.PULL)
        pull.bind(ep)
        assert [recv(pull) for _ in range(3)] == [b"0", b"1", b"2"]
        t.join(3)
        assert not t.is_alive() and not errors
    finally:
        rctx.destroy(linger=0)
        sctx.destroy(linger=0)


def test_linger_set_at_close_overrides(ctx):
    push = ctx.socket(zmq.PUSH)
    push.connect("tcp://127.0.0.1:%d" % free_tcp_port())
    push.send(b"x")
    push.close(linger=0)
    assert push.closed


def test_linger_change_after_connect_takes_effect(ctx):
    """LINGER acts immediately, also on connections made before it was set."""
    c = new_context()
    push = c.socket(zmq.PUSH)
    push.connect("tcp://127.0.0.1:%d" % free_tcp_port())
    push.send(b"x")
    push.linger = 0
    push.close()
    t0 = time.monotonic()
    c.term()
    assert time.monotonic() - t0 < 1.0


# -- reconnect ------------------------------------------------------------------------------
def _wait_old_listener_gone(ep):
    """For ipc, wait until the closed listener has removed its file (the deferred unlink
    would otherwise delete the new socket's file: see test_ipc_rebind_same_path_*)."""
    if ep.startswith("ipc://"):
        path = ep[len("ipc://") :]
        deadline = time.monotonic() + 2
        while os.path.exists(path):
            assert time.monotonic() < deadline, "old ipc listener never went away"
            time.sleep(0.005)


@pytest.mark.parametrize("transport", STREAM_TRANSPORTS)
def test_reconnect_after_bound_peer_restarts(ctx, transport):
    ep = connectable(transport)
    pull = ctx.socket(zmq.PULL)
    pull.bind(ep)
    push = ctx.socket(zmq.PUSH)
    push.reconnect_ivl = 50
    push.connect(ep)
    push.send(b"before")
    assert recv(pull) == b"before"
    pull.close(linger=0)
    _wait_old_listener_gone(ep)

    pull2 = ctx.socket(zmq.PULL)

    def rebind():
        try:
            pull2.bind(ep)
            return True
        except zmq.ZMQError as e:  # the old listener may still be closing
            assert e.errno == zmq.EADDRINUSE
            return False

    deadline = time.monotonic() + 3
    while not rebind():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    # Probe until the new connection carries messages (a probe sent before the PUSH
    # noticed the old connection died may be lost with it, as in libzmq).
    deadline = time.monotonic() + 1.5
    i = 0
    while True:
        push.send(b"probe%d" % i)
        i += 1
        if pull2.poll(100):
            break
        assert time.monotonic() < deadline, "PUSH never reconnected"
    first = pull2.recv()
    assert first.startswith(b"probe")
    for k in range(100):
        push.send(b"after%d" % k)
    got = []
    while len(got) < 100:
        m = recv(pull2)
        if not m.startswith(b"probe"):
            got.append(m)
    assert got == [b"after%d" % k for k in range(100)]


@pytest.mark.parametrize("transport", STREAM_TRANSPORTS)
def test_messages_queued_before_peer_exists_are_delivered(ctx, transport):
    """A connecting PUSH queues while nobody listens (connect refused, retried); all queued
    messages arrive once a peer binds."""
    ep = connectable(transport)
    push = ctx.socket(zmq.PUSH)
    push.reconnect_ivl = 20
    push.connect(ep)
    for i in range(50):
        push.send(b"%d" % i)
    pull = ctx.socket(zmq.PULL)
    pull.bind(ep)
    assert [int(recv(pull)) for _ in range(50)] == list(range(50))


@pytest.mark.parametrize("transport", STREAM_TRANSPORTS)
def test_dealer_reconnect_keeps_identity(ctx, transport):
    ep = connectable(transport)
    router = ctx.socket(zmq.ROUTER)
    router.bind(ep)
    dealer = ctx.socket(zmq.DEALER)
    dealer.identity = b"stable"
    dealer.reconnect_ivl = 20
    dealer.connect(ep)
    dealer.send(b"1")
    assert recv_multipart(router) == [b"stable", b"1"]
    router.close(linger=0)
    _wait_old_listener_gone(ep)
    router2 = ctx.socket(zmq.ROUTER)
    deadline = time.monotonic() + 3
    while True:
        try:
            router2.bind(ep)
            break
        except zmq.ZMQError:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    deadline = time.monotonic() + 1.5
    while True:
        dealer.send(b"2")
        if router2.poll(100):
            break
        assert time.monotonic() < deadline
    ident, body = router2.recv_multipart()
    assert ident == b"stable" and body == b"2"


class _AcceptAndClose:
    """A raw listener that records accept times and closes each connection at once."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def accept_times(self, n, timeout=3.0):
        times = []
        self.sock.settimeout(timeout)
        for _ in range(n):
            conn, _ = self.sock.accept()
            times.append(time.monotonic())
            conn.close()
        return times

    def close(self):
        self.sock.close()


def test_reconnect_ivl_respected(ctx):
    srv = _AcceptAndClose()
    try:
        push = ctx.socket(zmq.PUSH)
        push.reconnect_ivl = 200
        push.connect("tcp://127.0.0.1:%d" % srv.port)
        times = srv.accept_times(3)
        gaps = [b - a for a, b in zip(times, times[1:])]
        # libzmq waits ivl + random(0..ivl): between 200 and 400 ms (measured loosely)
        assert all(0.15 <= g <= 1.0 for g in gaps), gaps
    finally:
        srv.close()


def test_reconnect_ivl_default_is_fast(ctx):
    srv = _AcceptAndClose()
    try:
        push = ctx.socket(zmq.PUSH)
        push.connect("tcp://127.0.0.1:%d" % srv.port)
        times = srv.accept_times(3)
        assert times[-1] - times[0] < 1.5
    finally:
        srv.close()


def test_reconnect_ivl_minus_one_never_reconnects(ctx):
    srv = _AcceptAndClose()
    try:
        push = ctx.socket(zmq.PUSH)
        push.reconnect_ivl = -1
        push.connect("tcp://127.0.0.1:%d" % srv.port)
        srv.accept_times(1)
        with pytest.raises(socket.timeout):
            srv.accept_times(1, timeout=0.2)
    finally:
        srv.close()


# -- context --------------------------------------------------------------------------------
def test_ctx_options_defaults():
    """test_ctx_options."""
    c = new_context()
    try:
        assert c.get(zmq.MAX_SOCKETS) == 1023
        assert c.get(zmq.IO_THREADS) == 1
        assert c.get(zmq.IPV6) == 0
        c.set(zmq.IPV6, 1)
        assert c.get(zmq.IPV6) == 1
        s = c.socket(zmq.REQ)
        assert s.getsockopt(zmq.IPV6) == 1
        s.close()
        with pytest.raises(zmq.ZMQError) as e:
            c.set(9999, 1)
        assert e.value.errno == zmq.EINVAL
        with pytest.raises(zmq.ZMQError) as e:
            c.get(9999)
        assert e.value.errno == zmq.EINVAL
        with pytest.raises(zmq.ZMQError) as e:
            c.set(zmq.MAX_SOCKETS, 0)
        assert e.value.errno == zmq.EINVAL
        with pytest.raises(zmq.ZMQError) as e:
            c.set(zmq.IO_THREADS, -1)
        assert e.value.errno == zmq.EINVAL
    finally:
        c.term()


def test_ctx_attribute_options():
    c = new_context()
    try:
        c.max_sockets = 10
        assert c.max_sockets == 10 == c.get(zmq.MAX_SOCKETS)
        assert c.io_threads == 1
    finally:
        c.term()


def test_max_sockets_emfile():
    """test_many_sockets: creations beyond MAX_SOCKETS fail with EMFILE."""
    c = new_context()
    try:
        c.set(zmq.MAX_SOCKETS, 3)
        socks = [c.socket(zmq.PAIR) for _ in range(3)]
        for _ in range(3):
            with pytest.raises(zmq.ZMQError) as e:
                c.socket(zmq.PAIR)
            assert e.value.errno == errno.EMFILE
        socks[0].close()
        socks[0] = c.socket(zmq.PUSH)
        with pytest.raises(zmq.ZMQError):
            c.socket(zmq.PUSH)
    finally:
        c.destroy(linger=0)


def test_max_sockets_default_limit():
    c = new_context()
    socks = []
    try:
        with pytest.raises(zmq.ZMQError) as e:
            for _ in range(1100):
                socks.append(c.socket(zmq.PAIR))
        assert e.value.errno == errno.EMFILE
        assert len(socks) == 1023
    finally:
        for s in socks:
            s.close()
        c.term()


def test_invalid_socket_type_einval(ctx):
    for bad in (12, 13, 99):  # 12+ are draft/4.2+ types, unknown to 4.0
        with pytest.raises(zmq.ZMQError) as e:
            ctx.socket(bad)
        assert e.value.errno == zmq.EINVAL
    with pytest.raises(TypeError):  # pyzmq's "socket_type must be specified" sentinel
        ctx.socket(-1)


def test_shutdown_wakes_blocked_recv():
    """test_ctx_destroy: shutdown() unblocks a thread in recv with ContextTerminated;
    close + term then succeed."""
    c = new_context()
    s = c.socket(zmq.PULL)
    s.bind("tcp://127.0.0.1:*")
    t, result, errors = _run_in_thread(s.recv)
    t.join(0.1)
    assert t.is_alive()
    c.shutdown()
    t.join(2)
    assert not t.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], zmq.ContextTerminated)
    assert errors[0].errno == zmq.ETERM
    s.close()
    c.term()


def test_shutdown_wakes_blocked_send_and_poll():
    c = new_context()
    push = c.socket(zmq.PUSH)
    push.bind("inproc://nobody-reads")
    pull = c.socket(zmq.PULL)
    t1, _, err1 = _run_in_thread(push.send, b"x")
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    t2, res2, err2 = _run_in_thread(poller.poll, 5000)
    t1.join(0.1)
    assert t1.is_alive() and t2.is_alive()
    c.shutdown()
    t1.join(2)
    t2.join(2)
    assert not t1.is_alive() and not t2.is_alive()
    assert len(err1) == 1 and isinstance(err1[0], zmq.ContextTerminated)
    assert len(err2) == 1 and isinstance(err2[0], zmq.ContextTerminated), (res2, err2)
    push.close()
    pull.close()
    c.term()


def test_after_shutdown_operations_raise_eterm_but_close_works():
    c = new_context()
    s = c.socket(zmq.DEALER)
    c.shutdown()
    for fn, args in (
        (s.send, (b"x",)),
        (s.recv, ()),
        (s.bind, ("inproc://x",)),
        (s.connect, ("inproc://x",)),
        (s.setsockopt, (zmq.LINGER, 0)),
        (s.getsockopt, (zmq.LINGER,)),
    ):
        with pytest.raises(zmq.ContextTerminated):
            fn(*args)
    with pytest.raises(zmq.ContextTerminated):
        c.socket(zmq.DEALER)
    s.close()
    c.term()


def test_term_wakes_blocked_recv_and_waits_for_close():
    c = new_context()
    s = c.socket(zmq.PULL)
    s.bind("inproc://term-wake")
    closed = threading.Event()

    def worker():
        try:
            s.recv()
        except zmq.ContextTerminated:
            closed.wait(2)  # term() must still be waiting for this close
            s.close()
            return "terminated"

    tw, wres, werr = _run_in_thread(worker)
    tt, tres, terr = _run_in_thread(c.term)
    tt.join(0.15)
    assert tt.is_alive(), "term() returned while a socket was still open"
    closed.set()
    tw.join(2)
    tt.join(2)
    assert wres == ["terminated"] and not werr
    assert not tt.is_alive() and not terr
    assert c.closed


def test_term_waits_for_open_sockets():
    c = new_context()
    s = c.socket(zmq.PAIR)
    t, _, errors = _run_in_thread(c.term)
    t.join(0.15)
    assert t.is_alive()
    s.close()
    t.join(2)
    assert not t.is_alive() and not errors


def test_socket_after_term():
    c = new_context()
    c.term()
    assert c.closed
    with pytest.raises(zmq.ZMQError):
        c.socket(zmq.PUSH)
    c.term()  # idempotent


def test_destroy_closes_sockets():
    c = new_context()
    socks = [c.socket(t) for t in (zmq.PUSH, zmq.PULL, zmq.REQ, zmq.ROUTER)]
    socks[0].connect("tcp://127.0.0.1:%d" % free_tcp_port())
    socks[0].send(b"pending")
    c.destroy(linger=0)
    assert all(s.closed for s in socks)
    assert c.closed


def test_context_manager():
    with new_context() as c:
        s = c.socket(zmq.PUSH)
        s.linger = 0
        s.connect("tcp://127.0.0.1:%d" % free_tcp_port())
        s.send(b"x")
    assert c.closed and s.closed


def test_closed_socket_enotsock(ctx):
    s = ctx.socket(zmq.DEALER)
    s.close()
    assert s.closed
    for fn, args in (
        (s.send, (b"x",)),
        (s.recv, ()),
        (s.bind, ("inproc://x",)),
        (s.connect, ("inproc://x",)),
        (s.unbind, ("inproc://x",)),
        (s.disconnect, ("inproc://x",)),
        (s.setsockopt, (zmq.LINGER, 0)),
        (s.getsockopt, (zmq.LINGER,)),
        (s.send_multipart, ([b"a", b"b"],)),
        (s.recv_multipart, ()),
    ):
        with pytest.raises(zmq.ZMQError) as e:
            fn(*args)
        assert e.value.errno == zmq.ENOTSOCK, fn
    s.close()  # closing twice is fine


def test_poll_closed_socket(ctx):
    s = ctx.socket(zmq.DEALER)
    s.close()
    with pytest.raises(zmq.ZMQError) as e:
        s.poll(0)
    assert e.value.errno == zmq.ENOTSUP  # pyzmq's Socket.poll on a closed socket


def test_close_while_blocked_in_other_thread_does_not_hang():
    c = new_context()
    s = c.socket(zmq.PULL)
    s.rcvtimeo = 500
    s.bind("inproc://close-blocked")
    t, _, errors = _run_in_thread(s.recv)
    t.join(0.05)
    s.close()
    t.join(2)
    assert not t.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], zmq.ZMQError)
    c.term()


def test_many_contexts_and_sockets_churn():
    for _ in range(20):
        c = new_context()
        pull = c.socket(zmq.PULL)
        ep = bind(pull, "tcp")
        push = c.socket(zmq.PUSH)
        push.connect(ep)
        push.send(b"x")
        assert recv(pull) == b"x"
        push.close()
        pull.close()
        c.term()
    assert threading.active_count() < 20


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_peer_close_is_seen_by_req_as_lost_connection(ctx, transport):
    """A REP that closes mid-request does not break the context: the REQ can be closed with
    linger 0 and the context terminates."""
    rep = ctx.socket(zmq.REP)
    ep = bind(rep, transport)
    req = ctx.socket(zmq.REQ)
    req.connect(ep)
    req.send(b"q")
    assert recv(rep) == b"q"
    rep.close(linger=0)
    req.rcvtimeo = 100
    with pytest.raises(zmq.Again):
        req.recv()
    req.close(linger=0)


@pytest.mark.parametrize("transport", STREAM_TRANSPORTS)
def test_router_identity_reusable_after_peer_reconnects(ctx, transport):
    """Field lesson 15: after a DEALER with identity X goes away, a new connection with the
    same identity is routable again (the ROUTER keeps servicing its socket)."""
    router = ctx.socket(zmq.ROUTER)
    router.router_mandatory = 1
    ep = bind(router, transport)

    def routable(tag):
        router.poll(0)  # let the ROUTER process what happened to its peers
        try:
            router.send_multipart([b"X", tag])
            return True
        except zmq.ZMQError as e:
            assert e.errno == zmq.EHOSTUNREACH
            return False

    def wait(pred):
        deadline = time.monotonic() + 3
        while not pred():
            assert time.monotonic() < deadline
            time.sleep(0.01)

    d1 = ctx.socket(zmq.DEALER)
    d1.identity = b"X"
    d1.connect(ep)
    wait(lambda: routable(b"1"))
    assert recv(d1) == b"1"
    d1.close(linger=0)
    wait(lambda: not routable(b"lost"))
    d2 = ctx.socket(zmq.DEALER)
    d2.identity = b"X"
    d2.connect(ep)
    wait(lambda: routable(b"2"))
    assert recv(d2) == b"2"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unfinished_multipart_is_discarded_on_close(transport):
    """A message whose last frame was never sent is rolled back at close: the peer gets the
    complete messages only (messages are atomic)."""
    rctx = new_context()
    sctx = rctx if transport == "inproc" else new_context()
    try:
        pull = rctx.socket(zmq.PULL)
        ep = bind(pull, transport)
        push = sctx.socket(zmq.PUSH)
        push.connect(ep)
        push.send_multipart([b"complete", b"message"])
        push.send(b"partial", zmq.SNDMORE)
        push.send(b"still partial", zmq.SNDMORE)
        push.close()
        if sctx is not rctx:
            sctx.term()
        assert recv_multipart(pull) == [b"complete", b"message"]
        assert pull.poll(100) == 0
    finally:
        rctx.destroy(linger=0)
        if sctx is not rctx:
            sctx.destroy(linger=0)


@pytest.mark.parametrize("stype", [zmq.PUSH, zmq.DEALER, zmq.ROUTER, zmq.REQ, zmq.PAIR])
def test_term_prompt_when_nothing_is_queued(stype):
    """Default LINGER -1 only waits for queued messages: with nothing queued, close + term
    return at once even though the peer never existed."""
    c = new_context()
    s = c.socket(stype)
    s.connect("tcp://127.0.0.1:%d" % free_tcp_port())
    s.connect("ipc:///tmp/nobody-%d" % free_tcp_port())
    s.connect("inproc://nobody")
    s.close()
    t0 = time.monotonic()
    c.term()
    assert time.monotonic() - t0 < 1.0


ROUNDS = int(os.environ.get("ROUNDS", "1000"))


def _finishes(fn, *args):
    """Run ``fn(*args)`` in a daemon thread: did it return within WAIT (a hang stays there)?"""
    done = threading.Event()

    def run():
        fn(*args)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done.wait(WAIT)


def test_closing_both_ends_of_inproc_pipes_at_once_never_deadlocks():
    """Two sockets joined by inproc, each closed in its own thread at the same moment.

    Closing refuses a pending attach and closes links, which notifies the socket at the
    other end -- itself closing. That must never wait on the other socket's lock: it
    deadlocked once, seen through ThreadAuthenticator + Context.destroy().
    """
    import sys

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often: the race needs tight interleaving
    try:
        _close_both_ends_rounds()
    finally:
        sys.setswitchinterval(old_interval)


def _close_both_ends_rounds():
    for i in range(ROUNDS):
        c = zmq.Context()
        a = c.socket(zmq.PAIR)
        a.bind(f"inproc://both-ends-{i}")
        b = c.socket(zmq.PAIR)
        b.connect(f"inproc://both-ends-{i}")  # a's attach is still only queued
        go = threading.Barrier(2)

        def close_b(b=b, go=go):
            go.wait()
            b.close(linger=0)

        t = threading.Thread(target=close_b, daemon=True)
        t.start()
        go.wait()
        a.close(linger=0)
        t.join(WAIT)
        assert not t.is_alive(), f"close() deadlocked at round {i}"
        assert _finishes(c.term), f"term() hung at round {i}"


def test_authenticator_thread_and_destroy_never_deadlock():
    """The case that hung CI: destroy() closing the ZAP thread's sockets while it closes them."""
    from purezmq.auth.thread import ThreadAuthenticator

    for i in range(200):
        c = zmq.Context()
        auth = ThreadAuthenticator(c)
        auth.start()
        thread = auth.thread
        assert _finishes(c.destroy, 0), f"destroy() hung at round {i}"
        thread.join(WAIT)
        assert not thread.is_alive()


def test_socket_fds_are_released():
    """ZMQ_FD (an eventfd) goes with its socket: a program cycling sockets never runs out."""
    import gc

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd to count descriptors")
    c = zmq.Context()
    try:
        gc.collect()
        before = len(os.listdir("/proc/self/fd"))
        for _ in range(300):
            s = c.socket(zmq.PAIR)
            s.get(zmq.FD)
            zmq.Poller().register(s, zmq.POLLIN)
            s.close()
        del s
        gc.collect()
        after = len(os.listdir("/proc/self/fd"))
        assert after - before < 10
    finally:
        c.term()


def test_io_threads_leave_signals_to_the_main_thread():
    """As libzmq's: an I/O thread blocks asynchronous signals, so SIGINT/SIGALRM reach a
    thread that can act on them (Python runs handlers in the main thread only)."""
    import signal

    if not os.path.exists(f"/proc/self/task/{threading.get_native_id()}/status"):
        pytest.skip("needs /proc/self/task/*/status")
    c = zmq.Context()
    s = c.socket(zmq.PULL)
    try:
        s.bind("tcp://127.0.0.1:*")  # the I/O thread is running
        io = [t for t in threading.enumerate() if t.name.startswith("purezmq-io")]
        assert io
        for t in io:
            with open(f"/proc/self/task/{t.native_id}/status") as f:
                blocked = int(next(ln for ln in f if ln.startswith("SigBlk:")).split()[1], 16)
            for sig in (signal.SIGINT, signal.SIGALRM, signal.SIGTERM, signal.SIGCHLD):
                assert blocked & (1 << (sig - 1)), f"{t.name} takes {sig!r}"
            assert not blocked & (1 << (signal.SIGSEGV - 1))
    finally:
        s.close(linger=0)
        c.term()
