"""purezmq.decorators: @context() and @socket() with pyzmq's argument handling."""

from __future__ import annotations

import threading

import pytest

import purezmq as zmq
from purezmq.decorators import context, socket

pytestmark = pytest.mark.timeout(10)


def test_ctx_positional():
    @context()
    def work(ctx):
        assert isinstance(ctx, zmq.Context)
        assert not ctx.closed
        return ctx

    ctx = work()
    assert ctx.closed  # terminated on return


def test_ctx_by_name_keyword_and_leading_str():
    @context(name="ctx")
    def by_kw(ctx):
        return ctx

    @context("ctx")
    def by_str(ctx):
        return ctx

    for fn in (by_kw, by_str):
        c = fn()
        assert isinstance(c, zmq.Context) and c.closed


def test_ctx_args_go_to_the_constructor():
    @context(2)
    def work(ctx):
        return ctx.IO_THREADS

    assert work() == 2


def test_ctx_keyword_given_twice_is_a_type_error():
    @context(name="ctx")
    def work(ctx):  # pragma: no cover - never reached
        pass

    with pytest.raises(TypeError, match="multiple values for argument 'ctx'"):
        work(ctx="mine")


def test_ctx_appended_after_call_args():
    @context()
    def work(a, b, ctx):
        return a, b, ctx

    a, b, ctx = work(1, 2)
    assert (a, b) == (1, 2) and isinstance(ctx, zmq.Context)


def test_ctx_is_terminated_when_function_raises():
    seen = []

    @context()
    def work(ctx):
        seen.append(ctx)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        work()
    assert seen[0].closed


def test_wraps_keeps_metadata():
    @context()
    @socket(zmq.PUSH)
    def documented(ctx, s):
        """Docstring."""

    assert documented.__name__ == "documented"
    assert documented.__doc__ == "Docstring."


def test_socket_with_outer_context():
    @context()
    @socket(zmq.PUSH)
    def push(ctx, s):
        assert s.context is ctx
        assert s.type == zmq.PUSH
        return s

    s = push()
    assert s.closed


def test_socket_named_and_context_named():
    @context(name="ctx")
    @socket("sock", zmq.PULL, context_name="ctx")
    def work(ctx, sock):
        assert sock.context is ctx
        assert sock.type == zmq.PULL
        return sock

    assert work().closed


def test_socket_context_from_keyword():
    mine = zmq.Context()
    try:

        @socket(zmq.PAIR)
        def work(s, context):
            return context, s

        ctx, s = work(context=mine)
        assert ctx is mine and s.context is mine and s.closed
        assert not mine.closed
    finally:
        mine.term()


def test_socket_context_from_positional_arg():
    mine = zmq.Context()
    try:

        @socket(zmq.DEALER)
        def work(x, ctx, s):
            return s

        s = work(1, mine)
        assert s.context is mine and s.closed
    finally:
        mine.term()


def test_socket_falls_back_to_context_instance():
    @socket(zmq.REQ)
    def work(s):
        return s

    s = work()
    assert s.context is zmq.Context.instance()
    assert s.closed


def test_multiple_sockets_and_options():
    @context()
    @socket(zmq.PUSH)
    @socket(zmq.PULL)
    def work(ctx, push, pull):
        push.linger = pull.linger = 0
        port = pull.bind_to_random_port("tcp://127.0.0.1")
        push.connect(f"tcp://127.0.0.1:{port}")
        push.send(b"through the decorators")
        assert pull.poll(2000)
        return pull.recv()

    assert work() == b"through the decorators"


def test_socket_class_keyword_goes_to_factory():
    class MySocket(zmq.Socket):
        pass

    @context()
    @socket(zmq.PAIR, socket_class=MySocket)
    def work(ctx, s):
        return s

    assert isinstance(work(), MySocket)


def test_socket_keyword_given_twice_is_a_type_error():
    @context()
    @socket(zmq.PUSH, name="sock")
    def work(ctx, sock):  # pragma: no cover - never reached
        pass

    with pytest.raises(TypeError, match="multiple values for argument 'sock'"):
        work(sock=1)


def test_decorated_function_in_threads():
    results = []

    @context()
    @socket(zmq.PAIR)
    def work(i, ctx, s):
        results.append((i, s.type))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert sorted(results) == [(i, zmq.PAIR) for i in range(4)]


def test_module_all():
    import purezmq.decorators as d

    assert set(d.__all__) == {"context", "socket"}
