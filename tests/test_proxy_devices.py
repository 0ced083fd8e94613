"""proxy / proxy_steerable (reference §1.6) and the purezmq.devices classes.

libzmq tests mirrored: test_proxy_terminate (a direction whose destination cannot take a
message must not block the other direction, nor TERMINATE), test_proxy_single_socket (one
REP used as both frontend and backend). Every proxy here runs in a helper thread with a
deadline, and is ended by TERMINATE or by terminating the context it lives in.
"""

from __future__ import annotations

import threading
import time
import warnings

import pytest
from helpers import assert_no_message, bind, recv, recv_multipart, unique

import purezmq as zmq
from purezmq import devices

pytestmark = pytest.mark.timeout(20)


class Runner:
    """Run a (blocking) proxy call in a thread; remember how it ended."""

    def __init__(self, fn, *args, close=()):
        self.result = None
        self.error = None
        self._close = close

        def run():
            try:
                self.result = fn(*args)
            except BaseException as e:  # noqa: BLE001 - inspected by the test
                self.error = e
            finally:
                for s in self._close:
                    s.close(linger=0)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self, timeout=3.0):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "proxy did not end"


def pair_control(ctx):
    """(the test's end, the proxy's end) of an inproc PAIR control channel."""
    ep = "inproc://" + unique("ctl")
    mine = ctx.socket(zmq.PAIR)
    mine.bind(ep)
    theirs = ctx.socket(zmq.PAIR)
    theirs.connect(ep)
    return mine, theirs


# -- proxy: pub/sub forwarding and capture --------------------------------------------------
@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_xsub_xpub_proxy_forwards_subscriptions_and_data(ctx, transport):
    pctx = zmq.Context()
    xsub = pctx.socket(zmq.XSUB)
    xpub = pctx.socket(zmq.XPUB)
    if transport == "inproc":
        # inproc endpoints are per context: everyone shares ``pctx`` then
        clients = pctx
    else:
        clients = ctx
    up_ep = bind(xsub, transport)
    down_ep = bind(xpub, transport)
    runner = Runner(zmq.proxy, xsub, xpub, close=(xsub, xpub))
    try:
        publisher = clients.socket(zmq.XPUB)  # an XPUB upstream sees what is forwarded
        publisher.connect(up_ep)
        s1 = clients.socket(zmq.SUB)
        s2 = clients.socket(zmq.SUB)
        for s in (s1, s2):
            s.connect(down_ep)
        s1.subscribe(b"A")
        assert recv(publisher) == b"\x01A"
        s2.subscribe(b"A")  # not new for the proxy's XPUB: not forwarded again
        s2.subscribe(b"B")
        assert recv(publisher) == b"\x01B"
        publisher.send_multipart([b"A1", b"part"])
        publisher.send(b"B1")
        publisher.send(b"C1")
        assert recv_multipart(s1) == [b"A1", b"part"]
        assert recv_multipart(s2) == [b"A1", b"part"]
        assert recv(s2) == b"B1"
        assert_no_message(s1, 20)
        # a subscriber leaving: the proxy's XPUB reports what nobody holds any more
        s2.close()
        assert recv(publisher) == b"\x00B"
        s1.unsubscribe(b"A")
        assert recv(publisher) == b"\x00A"
        for s in (publisher, s1):
            s.close(linger=0)
    finally:
        pctx.term()  # ends the proxy with ETERM
        runner.join()
    assert isinstance(runner.error, zmq.ContextTerminated)


def test_capture_gets_every_frame_both_ways(ctx):
    fe = ctx.socket(zmq.ROUTER)
    be = ctx.socket(zmq.DEALER)
    cap_in = ctx.socket(zmq.PULL)
    cap = ctx.socket(zmq.PUSH)
    cap.connect(bind(cap_in, "inproc"))
    fe_ep, be_ep = bind(fe, "tcp"), bind(be, "inproc")
    mine, ctl = pair_control(ctx)
    runner = Runner(zmq.proxy_steerable, fe, be, cap, ctl)
    client = ctx.socket(zmq.REQ)
    client.connect(fe_ep)
    worker = ctx.socket(zmq.REP)
    worker.connect(be_ep)
    for i in range(3):
        client.send_multipart([b"req%d" % i, b"", b"tail"])
        assert recv_multipart(worker) == [b"req%d" % i, b"", b"tail"]
        worker.send_multipart([b"rep%d" % i, b"x"])
        assert recv_multipart(client) == [b"rep%d" % i, b"x"]
    mine.send(b"TERMINATE")
    runner.join()
    assert runner.error is None and runner.result is None
    # capture: one message per forwarded message, every frame, MORE flags intact
    captured = []
    while cap_in.poll(100):
        captured.append(recv_multipart(cap_in))
    reqs = [m for m in captured if b"tail" in m]
    reps = [m for m in captured if m[-1] == b"x"]
    assert len(reqs) == len(reps) == 3
    for i, (q, p) in enumerate(zip(reqs, reps)):
        # frontend->backend: [routing id][empty][req][empty][tail]; back: [id][empty][rep][x]
        assert q[1:] == [b"", b"req%d" % i, b"", b"tail"] and len(q[0]) == 5
        assert p[1:] == [b"", b"rep%d" % i, b"x"] and p[0] == q[0]
    assert captured[-1] == [b"TERMINATE"]  # control frames are captured too


# -- proxy_steerable ---------------------------------------------------------------------------
def test_steerable_pause_resume_terminate(ctx):
    fe = ctx.socket(zmq.PULL)
    be = ctx.socket(zmq.PUSH)
    src = ctx.socket(zmq.PUSH)
    dst = ctx.socket(zmq.PULL)
    src.connect(bind(fe, "inproc"))
    dst.connect(bind(be, "inproc"))
    mine, ctl = pair_control(ctx)
    runner = Runner(zmq.proxy_steerable, fe, be, None, ctl)
    src.send(b"m1")
    assert recv(dst) == b"m1"
    # The control pipe is written before m2's: the proxy handles control first.
    mine.send(b"PAUSE")
    src.send(b"m2")
    assert_no_message(dst, 100)
    mine.send(b"RESUME")
    assert recv(dst) == b"m2"
    mine.send(b"PAUSE")
    mine.send(b"TERMINATE")  # obeyed while paused too
    runner.join()
    assert runner.error is None
    assert runner.thread.is_alive() is False


def test_steerable_statistics(ctx):
    fe = ctx.socket(zmq.PULL)
    be = ctx.socket(zmq.PUSH)
    src = ctx.socket(zmq.PUSH)
    dst = ctx.socket(zmq.PULL)
    src.connect(bind(fe, "inproc"))
    dst.connect(bind(be, "inproc"))
    mine, ctl = pair_control(ctx)
    runner = Runner(zmq.proxy_steerable, fe, be, None, ctl)
    src.send_multipart([b"abc", b"de"])
    src.send(b"f")
    assert recv_multipart(dst) == [b"abc", b"de"]
    assert recv(dst) == b"f"
    mine.send(b"STATISTICS")
    import struct

    stats = struct.unpack("=8Q", recv(mine))
    # frontend: 2 msgs / 6 bytes in, 0 out; backend: 0 in, 2 msgs / 6 bytes out
    assert stats == (2, 6, 0, 0, 0, 0, 2, 6)
    mine.send(b"TERMINATE")
    runner.join()


def test_invalid_control_commands_do_not_abort(ctx):
    """libzmq 4.0 asserts (aborts the process) on an unknown command; purezmq warns and
    goes on. Here the proxy runs in the main thread so the warnings can be caught."""
    fe = ctx.socket(zmq.PULL)
    be = ctx.socket(zmq.PUSH)
    src = ctx.socket(zmq.PUSH)
    dst_ep = bind(be, "inproc")
    src.connect(bind(fe, "inproc"))
    mine, ctl = pair_control(ctx)
    mine.send(b"BOGUS")
    mine.send_multipart([b"PAUSE", b"extra"])  # multipart: not a command
    src.send(b"through")
    got = []

    def helper():
        dst = ctx.socket(zmq.PULL)
        try:
            dst.connect(dst_ep)
            got.append(recv(dst))
        finally:
            dst.close(linger=0)
            mine.send(b"TERMINATE")

    t = threading.Thread(target=helper, daemon=True)
    t.start()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        zmq.proxy_steerable(fe, be, None, ctl)
    t.join(3)
    assert got == [b"through"]
    texts = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(texts) == 2, texts
    assert any("BOGUS" in x for x in texts)


def test_stalled_direction_does_not_block_the_other(ctx):
    """A backend that cannot take more must not stop backend->frontend traffic (#1382)."""
    fe = ctx.socket(zmq.DEALER)
    be = ctx.socket(zmq.DEALER)
    be.sndhwm = 1
    fe_ep, be_ep = bind(fe, "inproc"), bind(be, "inproc")
    client = ctx.socket(zmq.DEALER)
    client.connect(fe_ep)
    worker = ctx.socket(zmq.DEALER)
    worker.rcvhwm = 1  # never reads: the frontend->backend direction stalls at 2
    worker.connect(be_ep)
    mine, ctl = pair_control(ctx)
    runner = Runner(zmq.proxy_steerable, fe, be, None, ctl)
    for i in range(20):
        client.send(b"req%d" % i)
    for i in range(5):
        worker.send(b"reply%d" % i)
        assert recv(client) == b"reply%d" % i
    mine.send(b"TERMINATE")
    runner.join()
    assert runner.error is None
    n = 0
    while worker.poll(50):
        assert worker.recv() == b"req%d" % n
        n += 1
    assert 1 <= n <= 3  # what fit in the stalled pipe, in order; the rest still queued


def test_proxy_terminate_with_unread_backend(ctx):
    """libzmq test_proxy_terminate: SUB frontend (tcp), PUSH backend nobody reads, SUB
    control; publications pile up and TERMINATE still ends the proxy at once."""
    fe = ctx.socket(zmq.SUB)
    fe.subscribe(b"")
    be = ctx.socket(zmq.PUSH)
    fe_ep = bind(fe, "tcp")
    bind(be, "tcp")
    ctl_ep = "inproc://" + unique("ctl")
    ctl_pub = ctx.socket(zmq.PUB)
    ctl_pub.bind(ctl_ep)
    ctl = ctx.socket(zmq.SUB)
    ctl.subscribe(b"")
    ctl.connect(ctl_ep)
    publisher = ctx.socket(zmq.PUB)
    publisher.connect(fe_ep)
    runner = Runner(zmq.proxy_steerable, fe, be, None, ctl)
    deadline = time.monotonic() + 2
    while fe.get(zmq.EVENTS) & zmq.POLLIN == 0 and time.monotonic() < deadline:
        publisher.send(b"This is a test")  # re-sent until the SUB has joined
        time.sleep(0.005)
    for _ in range(3):
        publisher.send(b"This is a test")
    t0 = time.monotonic()
    while runner.thread.is_alive():
        ctl_pub.send(b"TERMINATE")  # PUB->SUB: re-send until the control SUB has joined
        runner.thread.join(0.01)
        assert time.monotonic() - t0 < 3, "TERMINATE not obeyed"
    assert runner.error is None


def test_single_socket_proxy(ctx):
    """libzmq test_proxy_single_socket: one REP as frontend and backend echoes requests."""
    rep = ctx.socket(zmq.REP)
    ep = bind(rep, "tcp")
    mine, ctl = pair_control(ctx)
    runner = Runner(zmq.proxy_steerable, rep, rep, None, ctl)
    req = ctx.socket(zmq.REQ)
    req.connect(ep)
    for msg in ([b"msg1"], [b"msg22", b"second"], [b""]):
        req.send_multipart(msg)
        assert recv_multipart(req) == msg
    mine.send(b"TERMINATE")
    runner.join()
    assert runner.error is None


def test_proxy_ends_with_context_termination(ctx):
    pctx = zmq.Context()
    fe = pctx.socket(zmq.PULL)
    be = pctx.socket(zmq.PUSH)
    bind(fe, "tcp")
    bind(be, "tcp")
    runner = Runner(zmq.proxy, fe, be, close=(fe, be))
    pctx.term()
    runner.join()
    assert isinstance(runner.error, zmq.ZMQError) and runner.error.errno == zmq.ETERM


# -- monitored_queue ---------------------------------------------------------------------------
def test_monitored_queue_router_dealer(ctx):
    qctx = zmq.Context()
    ins = qctx.socket(zmq.ROUTER)
    outs = qctx.socket(zmq.DEALER)
    mons = qctx.socket(zmq.PUB)
    in_ep, out_ep, mon_ep = bind(ins, "tcp"), bind(outs, "tcp"), bind(mons, "tcp")
    runner = Runner(
        devices.monitored_queue, ins, outs, mons, b"IN", b"OUT", close=(ins, outs, mons)
    )
    try:
        mon = ctx.socket(zmq.SUB)
        mon.subscribe(b"")
        mon.connect(mon_ep)
        req = ctx.socket(zmq.REQ)
        req.connect(in_ep)
        rep = ctx.socket(zmq.REP)
        rep.connect(out_ep)
        # the monitor is a PUB: wait until our SUB has joined before the real exchange
        deadline = time.monotonic() + 3
        while not mon.poll(10):
            assert time.monotonic() < deadline
            req.send(b"ping")
            assert recv(rep) == b"ping"
            rep.send(b"pong")
            assert recv(req) == b"pong"
        while mon.poll(50):
            mon.recv_multipart()
        req.send_multipart([b"hello", b"world"])
        assert recv_multipart(rep) == [b"hello", b"world"]
        rep.send(b"back")
        assert recv(req) == b"back"
        m_in = recv_multipart(mon)
        m_out = recv_multipart(mon)
        assert m_in[0] == b"IN" and m_in[2:] == [b"", b"hello", b"world"] and len(m_in[1]) == 5
        assert m_out == [b"OUT", m_in[1], b"", b"back"]
        for s in (mon, req, rep):
            s.close(linger=0)
    finally:
        qctx.term()
        runner.join()
    assert isinstance(runner.error, zmq.ContextTerminated)


def test_monitored_queue_router_router_swaps_identities(ctx):
    qctx = zmq.Context()
    ins = qctx.socket(zmq.ROUTER)
    outs = qctx.socket(zmq.ROUTER)
    mons = qctx.socket(zmq.PUSH)
    in_ep, out_ep = bind(ins, "inproc"), bind(outs, "inproc")
    mon_ep = bind(mons, "inproc")
    runner = Runner(devices.monitored_queue, ins, outs, mons, close=(ins, outs, mons))
    try:
        mon = qctx.socket(zmq.PULL)
        mon.connect(mon_ep)
        client = qctx.socket(zmq.DEALER)
        client.setsockopt(zmq.IDENTITY, b"client")
        client.connect(in_ep)
        worker = qctx.socket(zmq.DEALER)
        worker.setsockopt(zmq.IDENTITY, b"worker")
        worker.connect(out_ep)
        # ROUTERs drop messages for peers they do not know yet: ping until both are known
        deadline = time.monotonic() + 3
        while True:
            client.send_multipart([b"worker", b"ping"])
            if worker.poll(20):
                break
            assert time.monotonic() < deadline
        while worker.poll(20):
            assert recv_multipart(worker) == [b"client", b"ping"]
        worker.send_multipart([b"client", b"pong"])
        assert recv_multipart(client) == [b"worker", b"pong"]
        monitored = []
        while mon.poll(50):
            monitored.append(recv_multipart(mon))
        assert monitored[0] == [b"in", b"worker", b"client", b"ping"]
        assert monitored[-1] == [b"out", b"client", b"worker", b"pong"]
        for s in (mon, client, worker):
            s.close(linger=0)
    finally:
        qctx.term()
        runner.join()


def test_monitored_queue_rejects_str_prefix(ctx):
    a, b, c = (ctx.socket(t) for t in (zmq.PULL, zmq.PUSH, zmq.PUB))
    with pytest.raises(TypeError):
        devices.monitored_queue(a, b, c, "in", b"out")


# -- device classes -----------------------------------------------------------------------------
def _with_ctx(dev, dctx):
    dev.context_factory = lambda: dctx
    return dev


_SURFACE_SCRIPT = """
import json
from zmq import devices
out = {}
for name in devices.__all__:
    obj = getattr(devices, name)
    public = sorted(n for n in dir(obj) if not n.startswith("_"))
    out[name] = public if isinstance(obj, type) else None
print(json.dumps(out))
"""


def test_module_surface():
    """Same names and public members as pyzmq's zmq.devices (asked in a subprocess: no
    libzmq in the pytest process)."""
    import json
    import subprocess
    import sys

    pytest.importorskip("zmq")  # only checks it is installed; not imported here
    out = subprocess.run(
        [sys.executable, "-c", _SURFACE_SCRIPT],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    ref = json.loads(out)
    assert sorted(devices.__all__) == sorted(ref)
    for name, members in ref.items():
        if members is not None:
            missing = set(members) - set(dir(getattr(devices, name)))
            assert not missing, (name, missing)
    assert devices.Device.context_factory == zmq.Context.instance
    assert devices.ProcessDevice.context_factory is zmq.Context


def test_device_requires_types():
    with pytest.raises(TypeError):
        devices.Device(zmq.QUEUE)
    with pytest.raises(TypeError):
        devices.Device(zmq.QUEUE, zmq.PULL)


def test_thread_device_streamer():
    dctx = zmq.Context()
    dev = _with_ctx(devices.ThreadDevice(zmq.STREAMER, zmq.PULL, zmq.PUSH), dctx)
    assert dev.daemon is True and dev.done is False
    in_ep, out_ep = "inproc://" + unique("din"), "inproc://" + unique("dout")
    dev.setsockopt_in(zmq.RCVHWM, 10)
    dev.setsockopt_out(zmq.SNDHWM, 10)
    dev.bind_in(in_ep)
    dev.bind_out(out_ep)
    dev.start()
    push = dctx.socket(zmq.PUSH)
    pull = dctx.socket(zmq.PULL)
    push.connect(in_ep)
    pull.connect(out_ep)
    for i in range(50):
        push.send_multipart([b"m%d" % i, b"x"])
    assert [recv_multipart(pull) for _ in range(50)] == [[b"m%d" % i, b"x"] for i in range(50)]
    push.close(linger=0)
    pull.close(linger=0)
    dctx.term()  # the device sees ETERM, closes its sockets and finishes quietly
    dev.join(3)
    assert not dev.launcher.is_alive()
    assert dev.done is True


def test_device_connects_and_single_socket_variant(ctx):
    """connect_in/connect_out, and out_type < 0: one socket for both ends."""
    dctx = zmq.Context()
    rep_peer = ctx.socket(zmq.REQ)
    dev = _with_ctx(devices.ThreadDevice(zmq.QUEUE, zmq.REP, -1), dctx)
    port = dev.bind_in_to_random_port("tcp://127.0.0.1")
    dev.start()
    rep_peer.connect(f"tcp://127.0.0.1:{port}")
    rep_peer.send(b"echo me")
    assert recv(rep_peer) == b"echo me"
    dctx.term()
    dev.join(3)
    assert dev.done

    # connect_* : the device connects to sockets the test bound
    dctx2 = zmq.Context()
    src = ctx.socket(zmq.PUSH)
    dst = ctx.socket(zmq.PULL)
    dev2 = _with_ctx(devices.ThreadDevice(zmq.STREAMER, zmq.PULL, zmq.PUSH), dctx2)
    dev2.connect_in(bind(src, "tcp"))
    dev2.connect_out(bind(dst, "tcp"))
    dev2.start()
    src.send(b"via connects")
    assert recv(dst) == b"via connects"
    dctx2.term()
    dev2.join(3)


def test_foreground_device_run_and_join():
    dctx = zmq.Context()
    dev = _with_ctx(devices.Device(zmq.QUEUE, zmq.PULL, zmq.PUSH), dctx)
    dev.bind_in("inproc://" + unique("fg"))
    t = threading.Thread(target=dev.start, daemon=True)  # start() blocks: run it aside
    t.start()
    dev.join(0.05)
    assert not dev.done
    dctx.term()
    dev.join(3)
    assert dev.done
    t.join(1)
    assert not t.is_alive()


def test_thread_proxy_with_monitor():
    dctx = zmq.Context()
    dev = _with_ctx(devices.ThreadProxy(zmq.PULL, zmq.PUSH, zmq.PUSH), dctx)
    eps = ["inproc://" + unique(k) for k in ("pin", "pout", "pmon")]
    dev.bind_in(eps[0])
    dev.bind_out(eps[1])
    dev.bind_mon(eps[2])
    dev.setsockopt_mon(zmq.SNDHWM, 100)
    dev.start()
    push, pull, mon = dctx.socket(zmq.PUSH), dctx.socket(zmq.PULL), dctx.socket(zmq.PULL)
    push.connect(eps[0])
    pull.connect(eps[1])
    mon.connect(eps[2])
    push.send_multipart([b"a", b"b"])
    assert recv_multipart(pull) == [b"a", b"b"]
    assert recv_multipart(mon) == [b"a", b"b"]
    for s in (push, pull, mon):
        s.close(linger=0)
    dctx.term()
    dev.join(3)
    assert dev.done


def test_thread_proxy_steerable_terminate():
    dctx = zmq.Context()
    dev = _with_ctx(devices.ThreadProxySteerable(zmq.PULL, zmq.PUSH, ctrl_type=zmq.PAIR), dctx)
    # the monitor defaults to a PUB (never blocks, even unconnected as here)
    assert dev.ctrl_type == zmq.PAIR and dev.mon_type == zmq.PUB
    ctl_ep = "inproc://" + unique("ctl")
    in_ep = "inproc://" + unique("sin")
    out_ep = "inproc://" + unique("sout")
    dev.bind_in(in_ep)
    dev.bind_out(out_ep)
    dev.bind_ctrl(ctl_ep)
    dev.start()
    ctl = dctx.socket(zmq.PAIR)
    ctl.connect(ctl_ep)
    push, pull = dctx.socket(zmq.PUSH), dctx.socket(zmq.PULL)
    push.connect(in_ep)
    pull.connect(out_ep)
    push.send(b"one")
    assert recv(pull) == b"one"
    ctl.send(b"TERMINATE")
    dev.join(3)
    assert not dev.launcher.is_alive() and dev.done
    for s in (ctl, push, pull):
        s.close(linger=0)
    dctx.term()


def test_thread_monitored_queue():
    dctx = zmq.Context()
    dev = _with_ctx(
        devices.ThreadMonitoredQueue(zmq.ROUTER, zmq.DEALER, zmq.PUSH, b"<", b">"), dctx
    )
    eps = ["inproc://" + unique(k) for k in ("qin", "qout", "qmon")]
    dev.bind_in(eps[0])
    dev.bind_out(eps[1])
    dev.bind_mon(eps[2])
    dev.start()
    req, rep, mon = dctx.socket(zmq.REQ), dctx.socket(zmq.REP), dctx.socket(zmq.PULL)
    req.connect(eps[0])
    rep.connect(eps[1])
    mon.connect(eps[2])
    req.send(b"question")
    assert recv(rep) == b"question"
    rep.send(b"answer")
    assert recv(req) == b"answer"
    m_in, m_out = recv_multipart(mon), recv_multipart(mon)
    assert m_in[0] == b"<" and m_in[2:] == [b"", b"question"]
    assert m_out == [b">", m_in[1], b"", b"answer"]
    for s in (req, rep, mon):
        s.close(linger=0)
    dctx.term()
    dev.join(3)
    assert dev.done


def test_reserve_random_ports_are_distinct():
    dev = devices.Device(zmq.QUEUE, zmq.PULL, zmq.PUSH)
    a = dev.bind_in_to_random_port("tcp://127.0.0.1")
    b = dev.bind_out_to_random_port("tcp://127.0.0.1")
    assert a != b
    assert dev._in_binds == [f"tcp://127.0.0.1:{a}"]
    assert dev._out_binds == [f"tcp://127.0.0.1:{b}"]


def test_process_proxy_steerable(ctx):
    """A device in a child process (fresh Context there), ended cleanly by TERMINATE."""
    dev = devices.ProcessProxySteerable(zmq.PULL, zmq.PUSH, zmq.PUB, zmq.PAIR)
    pin = dev.bind_in_to_random_port("tcp://127.0.0.1")
    pout = dev.bind_out_to_random_port("tcp://127.0.0.1")
    pctl = dev.bind_ctrl_to_random_port("tcp://127.0.0.1")
    dev.bind_mon("tcp://127.0.0.1:*")
    dev.start()
    try:
        push, pull, ctl = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL), ctx.socket(zmq.PAIR)
        push.connect(f"tcp://127.0.0.1:{pin}")
        pull.connect(f"tcp://127.0.0.1:{pout}")
        ctl.connect(f"tcp://127.0.0.1:{pctl}")
        push.send(b"across processes")
        assert recv(pull, 5000) == b"across processes"
        ctl.send(b"TERMINATE")
        dev.join(5)
        assert dev.launcher.exitcode == 0
    finally:
        if dev.launcher.is_alive():
            dev.launcher.kill()
            dev.join(5)


def test_process_device_pickles_for_spawn():
    """Under the spawn/forkserver start methods the device object travels by pickle."""
    import pickle

    dev = devices.ProcessMonitoredQueue(zmq.ROUTER, zmq.DEALER, zmq.PUB, b"i", b"o")
    dev.bind_in("tcp://127.0.0.1:5999")
    dev.setsockopt_out(zmq.SNDHWM, 7)
    clone = pickle.loads(pickle.dumps(dev))
    assert clone._in_binds == ["tcp://127.0.0.1:5999"]
    assert clone._out_sockopts == [(zmq.SNDHWM, 7)]
    assert (clone._in_prefix, clone._out_prefix) == (b"i", b"o")
    assert not clone._finished.is_set() and not clone.done  # fresh completion event
