"""Context API: options, socket defaults, termination, the shared instance, errors.

Side-by-side comparisons with pyzmq are in test_api_parity; this file covers what needs
threads or timing, purezmq's documented extension ``shutdown()``, and known bugs.
"""

from __future__ import annotations

import errno
import threading
import time

import pytest
from helpers import WAIT, free_tcp_port

import purezmq as zmq


def test_context_options_defaults_and_validation():
    with zmq.Context() as c:
        assert (c.get(zmq.IO_THREADS), c.get(zmq.MAX_SOCKETS), c.get(zmq.IPV6)) == (1, 1023, 0)
        assert (c.io_threads, c.max_sockets) == (1, 1023)
        with pytest.raises(AttributeError):
            _ = c.ipv6  # as in pyzmq, IPV6 as an attribute is a *socket* option default
        for opt, bad in ((zmq.IO_THREADS, -1), (zmq.MAX_SOCKETS, 0), (zmq.IPV6, -1)):
            with pytest.raises(zmq.ZMQError) as e:
                c.set(opt, bad)
            assert e.value.errno == errno.EINVAL
        for opt in (zmq.LINGER, 9999):
            with pytest.raises(zmq.ZMQError) as e:
                c.get(opt)
            assert e.value.errno == errno.EINVAL
            with pytest.raises(zmq.ZMQError) as e:
                c.set(opt, 0)
            assert e.value.errno == errno.EINVAL
        c.set(zmq.IPV6, 1)
        assert c.get(zmq.IPV6) == 1 and c.socket(zmq.PUSH).ipv6 == 1


def test_max_sockets():
    with zmq.Context() as c:
        c.max_sockets = 2
        a, b = c.socket(zmq.PAIR), c.socket(zmq.PAIR)
        with pytest.raises(zmq.ZMQError) as e:
            c.socket(zmq.PAIR)
        assert e.value.errno == errno.EMFILE
        a.close()
        c.socket(zmq.PAIR).close()  # a slot was freed
        b.close()


def test_io_threads_reported_after_threads_started():
    with zmq.Context() as c:
        s = c.socket(zmq.PULL)
        s.bind("tcp://127.0.0.1:*")  # starts the I/O thread
        c.set(zmq.IO_THREADS, 2)
        assert c.get(zmq.IO_THREADS) == 2


def test_context_socket_option_defaults():
    with zmq.Context() as c:
        c.linger = 0
        c.setsockopt(zmq.SNDHWM, 7)
        c.subscribe = b""  # not valid for these socket types: skipped, as in pyzmq
        assert c.getsockopt(zmq.SNDHWM) == 7 and c.linger == 0
        for kind in (zmq.PUSH, zmq.DEALER, zmq.ROUTER):
            s = c.socket(kind)
            assert (s.linger, s.sndhwm) == (0, 7)
        with pytest.raises(KeyError):
            c.getsockopt(zmq.RCVHWM)
        with pytest.raises(AttributeError):
            _ = c.rcvhwm
        del c.linger
        assert c.socket(zmq.PUSH).linger == -1


def test_socket_class_and_kwargs():
    class MySocket(zmq.Socket):
        pass

    with zmq.Context() as c:
        s = c.socket(zmq.PUSH, socket_class=MySocket)
        assert type(s) is MySocket and s.context is c
        assert repr(s).startswith(f"<{__name__}.MySocket(zmq.PUSH)")
        assert c.socket(zmq.PUSH, copy_threshold=5).copy_threshold == 5

        class MyContext(zmq.Context):
            _socket_class = MySocket

    with MyContext() as c2:
        assert type(c2.socket(zmq.PAIR)) is MySocket


def test_bad_socket_types():
    with zmq.Context() as c:
        with pytest.raises(zmq.ZMQError) as e:
            c.socket(99)
        assert e.value.errno == errno.EINVAL
        with pytest.raises(TypeError):
            c.socket("PUSH")


# -- termination ----------------------------------------------------------------------------------
def test_term_interrupts_blocking_recv_in_other_thread():
    c = zmq.Context()
    s = c.socket(zmq.PULL)
    s.bind("inproc://term-blocked")
    entered = threading.Event()
    result = []

    def run():
        entered.set()
        try:
            s.recv()
        except zmq.ContextTerminated as e:
            result.append(e.errno)
        finally:
            s.close()

    t = threading.Thread(target=run)
    t.start()
    entered.wait(WAIT)
    c.term()  # returns once the thread closed its socket
    t.join(WAIT)
    assert result == [zmq.ETERM]
    assert c.closed


def test_shutdown_extension():
    """purezmq's ``shutdown()`` is zmq_ctx_shutdown: ETERM everywhere, but no blocking."""
    c = zmq.Context()
    s = c.socket(zmq.PULL)
    s.bind("inproc://shutdown")
    entered = threading.Event()
    result = []

    def run():
        entered.set()
        try:
            s.recv()
        except zmq.ContextTerminated:
            result.append("ETERM")

    t = threading.Thread(target=run)
    t.start()
    entered.wait(WAIT)
    c.shutdown()
    t.join(WAIT)
    assert result == ["ETERM"]
    for op in (
        lambda: s.send(b"x"),
        lambda: s.recv(zmq.NOBLOCK),
        lambda: s.get(zmq.LINGER),
        lambda: c.socket(zmq.PUSH),
    ):
        with pytest.raises(zmq.ContextTerminated):
            op()
    assert not c.closed
    s.close()
    c.term()
    assert c.closed


def test_after_term():
    c = zmq.Context()
    c.term()
    assert c.closed
    # pyzmq's Context.socket checks ``closed`` first and raises ENOTSUP (libzmq's own
    # ETERM is what a socket created after shutdown() but before term() gets, see above)
    with pytest.raises(zmq.ZMQError) as e:
        c.socket(zmq.PUSH)
    assert e.value.errno == zmq.ENOTSUP
    with pytest.raises(RuntimeError, match="Context has been destroyed"):
        c.get(zmq.IO_THREADS)
    with pytest.raises(RuntimeError, match="Context has been destroyed"):
        c.set(zmq.IO_THREADS, 1)
    c.term()
    c.destroy()


def test_destroy_closes_sockets_with_linger():
    c = zmq.Context()
    s = c.socket(zmq.PUSH)
    s.connect(f"tcp://127.0.0.1:{free_tcp_port()}")  # nobody there: the message stays queued
    s.send(b"stuck")
    t0 = time.monotonic()
    c.destroy(linger=0)
    assert time.monotonic() - t0 < WAIT
    assert s.closed and c.closed
    assert s.closed


def test_context_manager_destroys():
    with zmq.Context() as c:
        s = c.socket(zmq.PULL)
        s.bind("inproc://cm")
    assert c.closed and s.closed


def test_instance_is_shared_and_renewed_after_term():
    a = zmq.Context.instance()
    assert zmq.Context.instance() is a
    a.term()
    b = zmq.Context.instance()
    assert b is not a and not b.closed
    b.term()


def test_instance_of_subclass():
    class Sub(zmq.Context):
        _instance = None

    inst = Sub.instance()
    try:
        assert type(inst) is Sub and Sub.instance() is inst
    finally:
        inst.term()


def test_repr():
    c = zmq.Context()
    assert repr(c).startswith("<purezmq.Context() at 0x")
    s = c.socket(zmq.PUSH)
    assert "(1 socket)" in repr(c)
    t = c.socket(zmq.PUSH)
    assert "(2 sockets)" in repr(c)
    s.close()
    t.close()
    c.term()
    assert repr(c).endswith(" closed>")


# -- errors ---------------------------------------------------------------------------------
def test_error_classes():
    e = zmq.ZMQError(errno.EINVAL)
    assert (e.errno, str(e)) == (errno.EINVAL, "Invalid argument")
    assert isinstance(zmq.Again(), zmq.ZMQError) and zmq.Again().errno == errno.EAGAIN
    assert isinstance(zmq.ContextTerminated(), zmq.ZMQError)
    assert zmq.ContextTerminated().errno == zmq.ETERM
    assert str(zmq.ContextTerminated()) == "Context was terminated"
    assert issubclass(zmq.NotDone, zmq.ZMQBaseError)
    assert issubclass(zmq.ZMQBindError, zmq.ZMQBaseError)
    assert zmq.strerror(zmq.EFSM) == "Operation cannot be accomplished in current state"


def test_again_from_nonblocking_ops():
    with zmq.Context() as c:
        s = c.socket(zmq.PULL)
        with pytest.raises(zmq.Again) as e:
            s.recv(zmq.NOBLOCK)
        assert e.value.errno == errno.EAGAIN and isinstance(e.value, zmq.ZMQError)
        s.rcvtimeo = 20
        with pytest.raises(zmq.Again):
            s.recv()
        p = c.socket(zmq.PUSH)
        p.sndtimeo = 0
        with pytest.raises(zmq.Again):
            p.send(b"x")  # no peer: would block
