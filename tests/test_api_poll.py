"""Poller, select() and the ZMQ_FD / ZMQ_EVENTS contract that event loops build on.

The FD contract (libzmq's, which pyzmq's Poller, tornado/asyncio integrations and gevent
rely on): ``sock.get(zmq.FD)`` is an ordinary fd that becomes readable whenever EVENTS
*may* have changed; reading EVENTS clears it; it is edge-triggered, so a reader drains with
NOBLOCK until Again and only then waits on the fd again.  A lost wake-up shows up as a
reader stuck in select() while messages sit in the queue.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time

import pytest
from helpers import WAIT, bind, wait_until

import purezmq as zmq


def readable(fd: int, timeout: float = 0.0) -> bool:
    r, _, _ = select.select([fd], [], [], timeout)
    return bool(r)


def push_pull(ctx, transport="inproc"):
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.linger = push.linger = 0
    ep = bind(pull, transport)
    push.connect(ep)
    return push, pull


# -- FD / EVENTS -------------------------------------------------------------------------------
def test_fd_is_an_int_usable_with_select(ctx):
    s = ctx.socket(zmq.PULL)
    fd = s.get(zmq.FD)
    assert isinstance(fd, int) and not isinstance(fd, bool)
    assert fd == s.fd == s.getsockopt(zmq.FD) == s.fileno()
    assert s.get(zmq.FD) == fd  # stable
    select.select([fd], [], [], 0)  # a real descriptor: select accepts it
    s.close()


def test_reading_events_clears_the_fd(ctx):
    push, pull = push_pull(ctx)
    fd = pull.get(zmq.FD)
    pull.get(zmq.EVENTS)
    assert not readable(fd), "EVENTS read, nothing changed, yet FD still readable"
    push.send(b"x")
    assert readable(fd, WAIT), "a message arrived but the FD never became readable"
    assert pull.get(zmq.EVENTS) & zmq.POLLIN
    assert not readable(fd), "reading EVENTS must clear the FD"
    assert pull.recv(zmq.NOBLOCK) == b"x"
    assert not pull.get(zmq.EVENTS) & zmq.POLLIN


def test_fd_signals_after_events_computed(ctx):
    """A change after EVENTS was computed makes the FD readable again (no lost edge)."""
    push, pull = push_pull(ctx)
    fd = pull.get(zmq.FD)
    for i in range(50):
        assert pull.get(zmq.EVENTS) & zmq.POLLIN == 0
        push.send(b"%d" % i)
        assert readable(fd, WAIT), f"no wake-up for message {i}"
        assert pull.recv(zmq.NOBLOCK) == b"%d" % i


@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_fd_loop_never_misses_a_message(ctx, transport):
    """pyzmq-style loop: wait on FD, read EVENTS, recv NOBLOCK until Again; 1000 messages."""
    n = 1000
    push, pull = push_pull(ctx, transport)
    push.sndhwm = 0
    fd = pull.get(zmq.FD)
    go = threading.Event()
    errors = []

    def producer():
        go.wait(WAIT)
        try:
            for i in range(n):
                push.send(b"%d" % i)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    t = threading.Thread(target=producer)
    t.start()
    go.set()
    got = []
    deadline = time.monotonic() + 15
    while len(got) < n:
        assert time.monotonic() < deadline, f"stuck after {len(got)} messages"
        # A few seconds without a wake-up while messages are outstanding = lost wake-up.
        assert readable(fd, 5.0), f"lost wake-up after {len(got)} of {n} messages"
        if pull.get(zmq.EVENTS) & zmq.POLLIN:
            while True:
                try:
                    got.append(pull.recv(zmq.NOBLOCK))
                except zmq.Again:
                    break
    t.join(WAIT)
    assert not errors
    assert got == [b"%d" % i for i in range(n)]


def test_events_pollout_needs_a_peer(ctx):
    lone = ctx.socket(zmq.PUSH)
    lone.linger = 0
    assert lone.get(zmq.EVENTS) == 0
    assert lone.events & zmq.POLLOUT == 0
    push, pull = push_pull(ctx)
    assert push.get(zmq.EVENTS) & zmq.POLLOUT
    assert pull.get(zmq.EVENTS) == 0  # PULL never reports POLLOUT, nothing to read yet
    assert isinstance(push.get(zmq.EVENTS), int)


def test_events_pollout_over_tcp(ctx):
    push, pull = push_pull(ctx, "tcp")
    wait_until(lambda: push.get(zmq.EVENTS) & zmq.POLLOUT)


def test_events_pollout_returns_when_hwm_frees(ctx):
    """A sender blocked by HWM gets an FD wake-up (and POLLOUT) once the reader drains."""
    push = ctx.socket(zmq.PUSH)
    pull = ctx.socket(zmq.PULL)
    push.linger = pull.linger = 0
    push.sndhwm = pull.rcvhwm = 1  # before connecting: HWMs apply to new pipes
    ep = bind(pull, "inproc")
    push.connect(ep)
    sent = 0
    while push.get(zmq.EVENTS) & zmq.POLLOUT:
        push.send(b"x", zmq.NOBLOCK)
        sent += 1
        assert sent < 100, "HWM 1 never pushed back"
    with pytest.raises(zmq.Again):
        push.send(b"x", zmq.NOBLOCK)
    fd = push.get(zmq.FD)
    assert push.get(zmq.EVENTS) == 0
    assert not readable(fd)
    for _ in range(sent):
        pull.recv()
    assert readable(fd, WAIT), "space freed but the sender's FD stayed quiet"
    assert push.get(zmq.EVENTS) & zmq.POLLOUT


def test_fd_of_closed_socket(ctx):
    s = ctx.socket(zmq.PAIR)
    s.close()
    with pytest.raises(zmq.ZMQError) as e:
        s.get(zmq.FD)
    assert e.value.errno == zmq.ENOTSOCK


# -- Poller ---------------------------------------------------------------------------------
def test_poll_zero_is_non_blocking(ctx):
    push, pull = push_pull(ctx)
    p = zmq.Poller()
    p.register(pull, zmq.POLLIN)
    t0 = time.monotonic()
    assert p.poll(0) == []
    assert time.monotonic() - t0 < 0.5


def test_poll_timeout_is_milliseconds(ctx):
    push, pull = push_pull(ctx)
    p = zmq.Poller()
    p.register(pull, zmq.POLLIN)
    t0 = time.monotonic()
    assert p.poll(60) == []
    elapsed = time.monotonic() - t0
    assert 0.05 <= elapsed < 2.0, elapsed


@pytest.mark.parametrize("forever", [None, -1])
def test_poll_forever_wakes_on_message_from_another_thread(ctx, forever):
    push, pull = push_pull(ctx)
    p = zmq.Poller()
    p.register(pull, zmq.POLLIN)
    started = threading.Event()

    def sender():
        started.wait(WAIT)
        push.send(b"wake")

    t = threading.Thread(target=sender)
    t.start()
    started.set()
    events = p.poll(forever)
    t.join(WAIT)
    assert events == [(pull, zmq.POLLIN)]
    assert type(events[0][1]) is int
    assert pull.recv() == b"wake"


def test_poll_forever_wakes_on_raw_fd(ctx):
    r, w = os.pipe()
    try:
        p = zmq.Poller()
        p.register(r, zmq.POLLIN)
        started = threading.Event()

        def writer():
            started.wait(WAIT)
            os.write(w, b"x")

        t = threading.Thread(target=writer)
        t.start()
        started.set()
        assert p.poll() == [(r, zmq.POLLIN)]
        t.join(WAIT)
    finally:
        os.close(r)
        os.close(w)


def test_poll_mixed_sockets_fds_and_objects(ctx):
    push, pull = push_pull(ctx)
    r, w = os.pipe()
    a, b = socket.socketpair()
    try:
        p = zmq.Poller()
        p.register(pull, zmq.POLLIN)
        p.register(r, zmq.POLLIN)
        p.register(a, zmq.POLLIN)
        p.register(push, zmq.POLLOUT)
        assert p.poll(0) == [(push, zmq.POLLOUT)]
        push.send(b"m")
        os.write(w, b"p")
        b.send(b"s")
        wait_until(lambda: len(p.poll(0)) == 4)
        # registration order; sockets as themselves, everything else as its fd (as pyzmq)
        assert p.poll(0) == [
            (pull, zmq.POLLIN),
            (r, zmq.POLLIN),
            (a.fileno(), zmq.POLLIN),
            (push, zmq.POLLOUT),
        ]
        assert dict(p.poll(0))[pull] == zmq.POLLIN
    finally:
        os.close(r)
        os.close(w)
        a.close()
        b.close()


def test_poll_pollin_and_pollerr_on_raw_fd(ctx):
    r, w = os.pipe()
    try:
        os.write(w, b"x")
        os.close(w)
        p = zmq.Poller()
        p.register(r, zmq.POLLIN)
        assert p.poll(0) == [(r, zmq.POLLIN | zmq.POLLERR)]
    finally:
        os.close(r)


def test_poll_pollerr_on_raw_fd(ctx):
    r, w = os.pipe()
    try:
        os.close(w)
        p = zmq.Poller()
        p.register(r, zmq.POLLIN)
        # an empty pipe whose writer closed polls as HUP: libzmq reports it as POLLERR
        assert p.poll(0) == [(r, zmq.POLLERR)]
        q = zmq.Poller()
        q.register(r, zmq.POLLERR)  # POLLERR is reported even when only it is asked for
        assert q.poll(0) == [(r, zmq.POLLERR)]
    finally:
        os.close(r)


def test_poll_pollout_on_socket_object(ctx):
    a, b = socket.socketpair()
    try:
        p = zmq.Poller()
        p.register(a, zmq.POLLIN | zmq.POLLOUT)
        assert p.poll(0) == [(a.fileno(), zmq.POLLOUT)]
    finally:
        a.close()
        b.close()


def test_poll_flags_filter_events(ctx):
    push, pull = push_pull(ctx)
    pair_a = ctx.socket(zmq.PAIR)
    pair_b = ctx.socket(zmq.PAIR)
    ep = bind(pair_a, "inproc")
    pair_b.connect(ep)
    pair_b.send(b"x")
    p = zmq.Poller()
    p.register(pair_a, zmq.POLLOUT)
    assert p.poll(1000) == [(pair_a, zmq.POLLOUT)]  # readable too, but not asked
    p.modify(pair_a, zmq.POLLIN | zmq.POLLOUT)
    assert p.poll(1000) == [(pair_a, zmq.POLLIN | zmq.POLLOUT)]
    p.modify(pair_a, zmq.POLLIN)
    assert p.poll(1000) == [(pair_a, zmq.POLLIN)]
    for s in (pair_a, pair_b):
        s.close(linger=0)


def test_poll_same_socket_in_two_pollers(ctx):
    push, pull = push_pull(ctx)
    p1, p2 = zmq.Poller(), zmq.Poller()
    p1.register(pull, zmq.POLLIN)
    p2.register(pull, zmq.POLLIN)
    push.send(b"x")
    assert p1.poll(WAIT * 1000) == [(pull, zmq.POLLIN)]
    assert p2.poll(0) == [(pull, zmq.POLLIN)]


def test_socket_poll_method(ctx):
    push, pull = push_pull(ctx)
    assert pull.poll(0) == 0
    assert push.poll(0, zmq.POLLOUT) == zmq.POLLOUT
    push.send(b"x")
    ev = pull.poll(WAIT * 1000)
    assert ev == zmq.POLLIN and type(ev) is int
    assert pull.poll(0, zmq.POLLIN | zmq.POLLOUT) == zmq.POLLIN


def test_zmq_poll_function(ctx):
    push, pull = push_pull(ctx)
    assert zmq.zmq_poll([(pull, zmq.POLLIN)], 0) == []
    push.send(b"x")
    assert zmq.zmq_poll([(pull, zmq.POLLIN), (push, zmq.POLLOUT)], 2000) == [
        (pull, zmq.POLLIN),
        (push, zmq.POLLOUT),
    ]
    assert zmq.zmq_poll([]) == []


# -- select --------------------------------------------------------------------------------
def test_select_timeout_is_seconds(ctx):
    push, pull = push_pull(ctx)
    t0 = time.monotonic()
    assert zmq.select([pull], [], [], 0.06) == ([], [], [])
    assert 0.05 <= time.monotonic() - t0 < 2.0


def test_select_lists(ctx):
    push, pull = push_pull(ctx)
    r, w = os.pipe()
    try:
        assert zmq.select([pull, r], [push, w], [], 0) == ([], [push, w], [])
        push.send(b"x")
        os.write(w, b"y")
        rl, wl, xl = zmq.select([pull, r], [], [], 2.0)
        wait_until(lambda: len(zmq.select([pull, r], [], [], 0)[0]) == 2)
        rl, wl, xl = zmq.select([pull, r], [], [], 0)
        assert sorted(rl, key=str) == sorted([pull, r], key=str)
        assert (wl, xl) == ([], [])
    finally:
        os.close(r)
        os.close(w)


def test_select_forever_wakes(ctx):
    push, pull = push_pull(ctx)
    started = threading.Event()

    def sender():
        started.wait(WAIT)
        push.send(b"x")

    t = threading.Thread(target=sender)
    t.start()
    started.set()
    assert zmq.select([pull], [], []) == ([pull], [], [])
    t.join(WAIT)
