"""purezmq.eventloop: ZMQStream on tornado's IOLoop, the ioloop shim and tornado futures.

Modelled on pyzmq's test_zmqstream.py. Every test runs its own asyncio loop (tornado's
IOLoop sits on it) and waits on futures with a deadline, never on bare sleeps.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
import warnings

import pytest

import purezmq as zmq

tornado = pytest.importorskip("tornado")

from purezmq.eventloop import zmqstream  # noqa: E402
from purezmq.eventloop.zmqstream import ZMQStream  # noqa: E402

pytestmark = pytest.mark.timeout(10)

WAIT = 5.0


def run(coro_fn, *args):
    """Run ``coro_fn(*args)`` on a fresh loop (tornado's IOLoop.current() follows it)."""
    return asyncio.run(asyncio.wait_for(coro_fn(*args), 8))


def pair(ctx, transport="tcp", a=zmq.PUSH, b=zmq.PULL):
    sa, sb = ctx.socket(a), ctx.socket(b)
    for s in (sa, sb):
        s.linger = 0
    if transport == "tcp":
        port = sa.bind_to_random_port("tcp://127.0.0.1")
        sb.connect(f"tcp://127.0.0.1:{port}")
    else:
        ep = f"inproc://es-{id(sa)}"
        sa.bind(ep)
        sb.connect(ep)
    return ZMQStream(sa), ZMQStream(sb)


async def next_loop_turns(n=3):
    for _ in range(n):
        await asyncio.sleep(0)


# -- basics -----------------------------------------------------------------------------
def test_callable_check(ctx):
    async def main():
        push, pull = pair(ctx)
        pull.on_send(lambda *a: None)
        pull.on_recv(lambda *a: None)
        for bad in (1, zmq):
            with pytest.raises(AssertionError):
                pull.on_recv(bad)
        with pytest.raises(AssertionError):
            pull.on_send(1)
        push.close()
        pull.close()

    run(main)


@pytest.mark.parametrize("transport", ["tcp", "inproc"])
def test_on_recv_basic(ctx, transport):
    async def main():
        push, pull = pair(ctx, transport)
        got = asyncio.get_running_loop().create_future()
        push.send_multipart([b"basic", b"two"])
        pull.on_recv(got.set_result)
        assert await asyncio.wait_for(got, WAIT) == [b"basic", b"two"]
        push.close()
        pull.close()

    run(main)


def test_on_recv_wake(ctx):
    """A callback registered on an idle socket fires when a message arrives later."""

    async def main():
        push, pull = pair(ctx)
        got = asyncio.get_running_loop().create_future()
        pull.on_recv(got.set_result)
        await next_loop_turns(5)
        assert not got.done()
        push.send(b"wake")
        assert await asyncio.wait_for(got, WAIT) == [b"wake"]
        push.close()
        pull.close()

    run(main)


def test_on_recv_copy_false_gives_frames(ctx):
    async def main():
        push, pull = pair(ctx, "inproc")
        got = asyncio.get_running_loop().create_future()
        pull.on_recv(got.set_result, copy=False)
        push.send(b"frame")
        msg = await asyncio.wait_for(got, WAIT)
        assert isinstance(msg[0], zmq.Frame) and msg[0].bytes == b"frame"
        push.close()
        pull.close()

    run(main)


def test_on_recv_async_callback(ctx):
    async def main():
        push, pull = pair(ctx)
        got = asyncio.get_running_loop().create_future()

        async def callback(msg):
            await asyncio.sleep(0)
            got.set_result(msg)

        pull.on_recv(callback)
        push.send(b"async")
        assert await asyncio.wait_for(got, WAIT) == [b"async"]
        push.close()
        pull.close()

    run(main)


def test_on_recv_async_error_is_logged(ctx, caplog):
    async def main():
        push, pull = pair(ctx)
        got = asyncio.get_running_loop().create_future()
        logged = asyncio.get_running_loop().create_future()

        class Watch(logging.Handler):
            def emit(self, record):
                if "Uncaught exception in ZMQStream callback" in record.getMessage():
                    if not logged.done():
                        logged.set_result(record)

        watch = Watch()
        zmqstream.gen_log.addHandler(watch)
        try:

            async def callback(msg):
                got.set_result(msg)
                raise ZeroDivisionError("boom")

            pull.on_recv(callback)
            push.send(b"boom")
            assert await asyncio.wait_for(got, WAIT) == [b"boom"]
            record = await asyncio.wait_for(logged, WAIT)
            assert record.exc_info[0] is ZeroDivisionError
        finally:
            zmqstream.gen_log.removeHandler(watch)
        push.close()
        pull.close()

    run(main)


def test_on_recv_stream_passes_stream(ctx):
    async def main():
        push, pull = pair(ctx)
        got = asyncio.get_running_loop().create_future()
        pull.on_recv_stream(lambda stream, msg: got.set_result((stream, msg)))
        push.send(b"x")
        stream, msg = await asyncio.wait_for(got, WAIT)
        assert stream is pull and msg == [b"x"]
        push.close()
        pull.close()

    run(main)


def test_router_dealer_echo(ctx):
    async def main():
        router, dealer = pair(ctx, "tcp", zmq.ROUTER, zmq.DEALER)
        router.on_recv_stream(lambda stream, msg: stream.send_multipart(msg))
        got = asyncio.get_running_loop().create_future()
        dealer.on_recv(got.set_result)
        dealer.send_multipart([b"hello", b"world"])
        assert await asyncio.wait_for(got, WAIT) == [b"hello", b"world"]
        router.close()
        dealer.close()

    run(main)


# -- sending ----------------------------------------------------------------------------
@pytest.mark.parametrize("transport", ["tcp", "inproc"])
def test_send_queue_many_in_order(ctx, transport):
    n = 2000

    async def main():
        push, pull = pair(ctx, transport)
        received = []
        sent = []
        done = asyncio.get_running_loop().create_future()

        def on_recv(msg):
            received.append(msg)
            if len(received) == n:
                done.set_result(None)

        pull.on_recv(on_recv)
        push.on_send(lambda msg, status: sent.append((msg, status)))
        for i in range(n):
            push.send_multipart([b"m", str(i).encode()])
        assert push.sending()
        await asyncio.wait_for(done, WAIT)
        assert received == [[b"m", str(i).encode()] for i in range(n)]
        assert len(sent) == n and all(status is None for _, status in sent)
        assert not push.sending()
        push.close()
        pull.close()

    run(main)


def test_send_variants_and_callback(ctx):
    async def main():
        push, pull = pair(ctx)
        received = []
        done = asyncio.get_running_loop().create_future()

        def on_recv(msg):
            received.append(msg[0])
            if len(received) == 4:
                done.set_result(None)

        pull.on_recv(on_recv)
        cb_calls = []
        push.send_string("héllo")
        push.send_json({"a": [1, 2]})
        push.send_pyobj(("tuple", 3))
        push.send(b"last", callback=lambda msg, status: cb_calls.append(msg))
        await asyncio.wait_for(done, WAIT)
        assert received[0] == "héllo".encode()
        assert zmq.utils.jsonapi.loads(received[1]) == {"a": [1, 2]}
        import pickle

        assert pickle.loads(received[2]) == ("tuple", 3)
        assert received[3] == b"last"
        # as in pyzmq, a send's callback becomes the stream's send callback: it also sees
        # the messages queued before it that had not gone out yet
        assert cb_calls[-1] == [b"last"] and len(cb_calls) == 4
        with pytest.raises(TypeError):
            push.send_string(b"not str")
        push.close()
        pull.close()

    run(main)


def test_on_send_stream_and_tracker(ctx):
    async def main():
        push, pull = pair(ctx)
        got = asyncio.get_running_loop().create_future()
        push.on_send_stream(lambda stream, msg, status: got.set_result((stream, msg, status)))
        push.send(b"tracked", copy=False, track=True)
        stream, msg, status = await asyncio.wait_for(got, WAIT)
        assert stream is push and msg == [b"tracked"]
        assert isinstance(status, zmq.MessageTracker)
        assert pull.socket.recv(flags=0) == b"tracked"
        push.close()
        pull.close()

    run(main)


def test_stop_on_recv(ctx):
    async def main():
        push, pull = pair(ctx, "inproc")
        calls = []
        pull.on_recv(calls.append)
        assert pull.receiving()
        pull.stop_on_recv()
        assert not pull.receiving()
        push.send(b"queued")
        await next_loop_turns(10)
        assert calls == []
        assert pull.socket.poll(1000) and pull.socket.recv() == b"queued"
        push.close()
        pull.close()

    run(main)


# -- flush ------------------------------------------------------------------------------
def test_flush_runs_callbacks_now(ctx):
    async def main():
        push, pull = pair(ctx, "inproc")
        got = []
        pull.on_recv(got.append)
        for i in range(5):
            push.socket.send(str(i).encode())
        assert pull.socket.poll(1000)
        # flush works outside the loop's own rounds and reports what it handled
        assert pull.flush() == 5
        assert got == [[str(i).encode()] for i in range(5)]
        pull.close()
        push.close()

    run(main)


def test_flush_limit_and_drop_without_callback(ctx):
    async def main():
        push, pull = pair(ctx, "inproc")
        for _ in range(6):
            push.socket.send(b"x")
        assert pull.socket.poll(1000)
        assert pull.flush(zmq.POLLIN, limit=2) == 2
        # without a recv callback, POLLIN flushing drops the messages
        assert pull.flush(zmq.POLLIN) == 4
        assert pull.socket.poll(0) == 0
        assert pull.flush() == 0
        push.close()
        pull.close()

    run(main)


def test_flush_pending_sends(ctx):
    async def main():
        push, pull = pair(ctx, "inproc")
        sent = []
        push.on_send(lambda msg, status: sent.append(msg))
        push.send(b"a")
        push.send(b"b")
        assert push.flush(zmq.POLLOUT) == 2
        assert sent == [[b"a"], [b"b"]]
        assert pull.socket.recv() == b"a" and pull.socket.recv() == b"b"
        push.close()
        pull.close()

    run(main)


# -- closing ----------------------------------------------------------------------------
def test_close_runs_callback_and_closes_socket(ctx):
    async def main():
        push, pull = pair(ctx)
        closed = []
        pull.set_close_callback(lambda: closed.append(True))
        sock = pull.socket
        pull.close()
        assert closed == [True]
        assert sock.closed and pull.closed() and pull.socket is None
        with pytest.raises(OSError):
            pull.on_recv(lambda m: None)
        with pytest.raises(OSError):
            pull.flush()
        pull.close()  # twice is fine
        push.close()

    run(main)


def test_socket_closed_behind_the_streams_back(ctx, caplog):
    async def main():
        push, pull = pair(ctx)
        pull.on_recv(lambda m: None)
        pull.socket.close()
        with warnings.catch_warnings(record=True) as records:
            warnings.simplefilter("always")
            assert pull.closed()
        assert any("after closing socket" in str(r.message) for r in records)
        assert pull.socket is None
        push.close()

    run(main)


def test_async_socket_is_shadowed_with_warning(ctx):
    import purezmq.asyncio

    async def main():
        actx = purezmq.asyncio.Context.shadow(ctx)
        apull = actx.socket(zmq.PULL)
        apull.linger = 0
        port = apull.bind_to_random_port("tcp://127.0.0.1")
        push = ctx.socket(zmq.PUSH)
        push.linger = 0
        push.connect(f"tcp://127.0.0.1:{port}")
        with pytest.warns(RuntimeWarning, match="base zmq.Socket"):
            stream = ZMQStream(apull)
        assert not isinstance(stream.socket, purezmq.asyncio.Socket)
        assert stream.socket.underlying == apull.underlying
        got = asyncio.get_running_loop().create_future()
        stream.on_recv(got.set_result)
        push.send(b"plain list")
        assert await asyncio.wait_for(got, WAIT) == [b"plain list"]  # not a future
        stream.close()
        assert apull.closed
        push.close()

    run(main)


def test_stream_proxies_socket_methods(ctx):
    async def main():
        s = ZMQStream(ctx.socket(zmq.DEALER))
        s.setsockopt(zmq.LINGER, 0)
        assert s.getsockopt(zmq.LINGER) == 0
        s.setsockopt_string(zmq.IDENTITY, "me")
        assert s.getsockopt_string(zmq.IDENTITY) == "me"
        port = s.bind_to_random_port("tcp://127.0.0.1")
        assert port > 0
        s.close()

    run(main)


# -- the other eventloop modules --------------------------------------------------------
def test_ioloop_shim_is_deprecated_tornado():
    sys.modules.pop("purezmq.eventloop.ioloop", None)
    with pytest.warns(DeprecationWarning, match="deprecated"):
        ioloop = importlib.import_module("purezmq.eventloop.ioloop")
    from tornado.ioloop import IOLoop

    assert ioloop.IOLoop is IOLoop and ioloop.ZMQIOLoop is IOLoop
    assert ioloop.PeriodicCallback is tornado.ioloop.PeriodicCallback
    with pytest.warns(DeprecationWarning):
        ioloop.install()
    import purezmq.eventloop

    assert purezmq.eventloop.IOLoop is IOLoop


def test_future_sockets_in_tornado_coroutine():
    from purezmq.eventloop import future

    async def main():
        ctx = future.Context()
        a = ctx.socket(zmq.PAIR)
        b = ctx.socket(zmq.PAIR)
        assert isinstance(a, future.Socket)
        a.bind("inproc://future-test")
        b.connect("inproc://future-test")
        await a.send_multipart([b"hi", b"there"])
        assert await b.recv_multipart() == [b"hi", b"there"]
        poller = future.Poller()
        poller.register(b, zmq.POLLIN)
        await a.send(b"polled")
        events = await poller.poll(2000)
        assert events == [(b, zmq.POLLIN)]
        assert await b.recv() == b"polled"
        a.close(0)
        b.close(0)
        ctx.term()

    asyncio.run(asyncio.wait_for(main(), 8))
    assert future.Context.instance() is not zmq.Context.instance()
    future.Context.instance().term()
    with pytest.warns(DeprecationWarning):
        future.Context(io_loop=object()).term()


def test_missing_tornado_gives_clear_import_error(monkeypatch):
    for name in list(sys.modules):
        if name == "purezmq.eventloop" or name.startswith("purezmq.eventloop."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tornado", None)
    monkeypatch.setitem(sys.modules, "tornado.ioloop", None)
    with pytest.raises(ImportError, match="pip install tornado"):
        importlib.import_module("purezmq.eventloop.zmqstream")
