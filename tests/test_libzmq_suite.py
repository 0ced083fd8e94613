"""Python versions of libzmq 4.0's own tests for the issue-5 features (reference §9).

Mirrored here: test_stream, test_stream_empty, test_router_raw_empty, test_probe_router,
test_immediate, test_monitor, test_shutdown_stress, test_ctx_destroy, test_fork,
test_disconnect_inproc; plus the issue-5 options' validation (bad input, libzmq's errno) and
TCP_ACCEPT_FILTER / ROUTER_RAW behaviour that no libzmq test exercises.

Not repeated because another file already checks exactly what libzmq's test checks:
* test_req_correlate -> tests/test_sockets_reqrep.py::test_req_correlate (inproc and tcp:
  the [id][req id][empty][ABC][DEF] request, the six discarded replies, the good one);
* test_req_relaxed -> tests/test_sockets_reqrep.py::test_req_relaxed (5 REPs, both cases);
* test_term_endpoint -> tests/test_sockets_endpoints.py::test_term_endpoint_unbind /
  test_term_endpoint_disconnect;
* test_ctx_destroy's shutdown half -> tests/test_lifecycle.py::test_shutdown_wakes_blocked_recv.

libzmq's fixed ports become OS-assigned ones, SETTLE_TIME sleeps become waits on events.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import threading
import time

import pytest
from helpers import bind, bounce, free_tcp_port, new_context, reap_contexts, wait_until

import purezmq as zmq

pytestmark = pytest.mark.timeout(10)

#: The 4.0 greeting signature of a socket without identity (reference §5.1).
SIGNATURE = b"\xff" + b"\x00" * 7 + b"\x01\x7f"


@pytest.fixture(autouse=True)
def _reap():
    yield
    reap_contexts()


def _sock(ctx, stype, **opts):
    s = ctx.socket(stype)
    s.linger = 0
    s.rcvtimeo = 2000
    s.sndtimeo = 2000
    for k, v in opts.items():
        setattr(s, k, v)
    return s


def _read_stream(stream, conn_id: bytes, n: int) -> bytes:
    """STREAM data has no boundaries: collect ``n`` bytes from connection ``conn_id``."""
    data = b""
    while len(data) < n:
        ident, chunk = stream.recv_multipart()
        assert ident == conn_id
        data += chunk
    assert len(data) == n, data
    return data


# -- test_stream ------------------------------------------------------------------------------
def _ready(socket_type: bytes) -> bytes:
    body = (
        b"\x05READY"
        + b"\x0bSocket-Type"
        + struct.pack(">I", len(socket_type))
        + socket_type
        + b"\x08Identity"
        + struct.pack(">I", 0)
    )
    return bytes((0x04, len(body))) + body


def test_stream_to_dealer(ctx):
    """A STREAM socket plays ZMTP/3.0 by hand against a DEALER."""
    stream = _sock(ctx, zmq.STREAM)
    ep = bind(stream, "tcp")
    dealer = _sock(ctx, zmq.DEALER)
    dealer.connect(ep)
    dealer.send(b"Hello")  # queued until the handshake completes
    conn_id, sig = stream.recv_multipart()  # 4.0: no connect notification
    assert len(conn_id) == 5 and conn_id[0] == 0
    assert sig == SIGNATURE  # only the signature until ours arrives (staged greeting)
    greeting = SIGNATURE + b"\x03\x00" + b"NULL".ljust(20, b"\x00") + b"\x00" + bytes(31)
    assert len(greeting) == 64
    stream.send_multipart([conn_id, greeting])
    rest = _read_stream(stream, conn_id, 97)  # greeting bytes 10..63 + READY
    assert rest[0:2] == b"\x03\x00"  # ZMTP/3.0
    assert rest[2:24] == b"NULL".ljust(22, b"\x00")
    assert rest[54:62] == b"\x04\x29\x05READY"
    assert rest[62:84] == b"\x0bSocket-Type\x00\x00\x00\x06DEALER"
    assert rest[84:97] == b"\x08Identity\x00\x00\x00\x00"
    assert rest[54:] == _ready(b"DEALER")
    stream.send_multipart([conn_id, _ready(b"ROUTER")])
    assert _read_stream(stream, conn_id, 7) == b"\x00\x05Hello"
    stream.send_multipart([conn_id, b"\x00\x05World"])
    assert dealer.recv() == b"World"


HTTP_RESPONSE = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nHello, World!\x00"


def _stream_pair(ctx):
    server = _sock(ctx, zmq.STREAM)
    ep = bind(server, "tcp")
    client = _sock(ctx, zmq.STREAM)
    client.connect(ep)
    # 4.0: the connection id is known right after connect (no notification message)
    client_id = client.getsockopt(zmq.IDENTITY)
    assert len(client_id) == 5 and client_id[0] == 0
    client.send(client_id, zmq.SNDMORE)
    client.send(b"GET /\n\n")
    server_id, request = server.recv_multipart()
    assert request == b"GET /\n\n"
    return server, client, client_id, server_id


def test_stream_to_stream(ctx):
    """HTTP-style exchange; an empty data frame closes the connection after the response."""
    server, client, client_id, server_id = _stream_pair(ctx)
    server.send(server_id, zmq.SNDMORE)
    server.send(HTTP_RESPONSE)
    server.send(server_id, zmq.SNDMORE)
    server.send(b"")
    assert _read_stream(client, client_id, len(HTTP_RESPONSE)) == HTTP_RESPONSE
    # that connection is gone on the server side: its id is unroutable (EHOSTUNREACH)
    wait_until(lambda: _unreachable(server, server_id))


def _unreachable(stream, conn_id: bytes) -> bool:
    try:
        stream.send_multipart([conn_id, b"late"])
    except zmq.ZMQError as e:
        assert e.errno == zmq.EHOSTUNREACH
        return True
    return False


def test_stream_send_multipart_of_two_pairs(ctx):
    """libzmq ends a STREAM message after its data frame, so one send_multipart of
    [id, data, id, empty] is the response and then the close."""
    server, client, client_id, server_id = _stream_pair(ctx)
    server.send_multipart([server_id, HTTP_RESPONSE, server_id, b""])
    assert _read_stream(client, client_id, len(HTTP_RESPONSE)) == HTTP_RESPONSE
    wait_until(lambda: _unreachable(server, server_id))


def test_stream_to_stream_libzmq_flags(ctx):
    """libzmq's test_stream sends the response and the closing empty frame with SNDMORE."""
    server, client, client_id, server_id = _stream_pair(ctx)
    server.send(server_id, zmq.SNDMORE)
    server.send(HTTP_RESPONSE, zmq.SNDMORE)
    server.send(server_id, zmq.SNDMORE)
    server.send(b"", zmq.SNDMORE)
    client.rcvtimeo = 500
    assert _read_stream(client, client_id, len(HTTP_RESPONSE)) == HTTP_RESPONSE


def test_stream_empty(ctx):
    """test_stream_empty (4.0.8): sending [id][empty] to a live connection just closes it."""
    server, client, client_id, server_id = _stream_pair(ctx)
    server.send_multipart([server_id, b""])  # no error
    wait_until(lambda: _unreachable(server, server_id))


def test_stream_unknown_id_ehostunreach_and_events(ctx):
    stream = _sock(ctx, zmq.STREAM)
    bind(stream, "tcp")
    assert stream.getsockopt(zmq.EVENTS) & zmq.POLLOUT  # always
    with pytest.raises(zmq.ZMQError) as e:
        stream.send_multipart([b"\x00\x01\x02\x03\x04", b"nobody"])
    assert e.value.errno == zmq.EHOSTUNREACH


# -- test_router_raw_empty (4.0.2) and ROUTER_RAW -------------------------------------------
def test_router_raw(ctx):
    """ROUTER_RAW: no ZMTP; a plain TCP client's bytes arrive as [id, data]; replies go out
    raw; [id][empty] (with ROUTER_MANDATORY) is accepted and closes that connection."""
    router = _sock(ctx, zmq.ROUTER, router_raw=1, router_mandatory=1)
    ep = bind(router, "tcp")
    raw = socket.create_connection(("127.0.0.1", int(ep.rsplit(":", 1)[1])), timeout=2)
    try:
        raw.sendall(b"plain bytes")
        ident, data = router.recv_multipart()
        assert data == b"plain bytes" and len(ident) == 5 and ident[0] == 0
        router.send_multipart([ident, b"raw reply"])
        got = b""
        while len(got) < 9:
            got += raw.recv(100)
        assert got == b"raw reply"  # no greeting, no framing
        router.send_multipart([ident, b""])
        assert raw.recv(100) == b""  # closed
    finally:
        raw.close()


# -- test_probe_router --------------------------------------------------------------------------
PROBE_BUG = (
    "BUG: a connecting ROUTER creates its pipe only after the handshake and the socket "
    "attaches it (writing the PROBE_ROUTER message) at the application's next call into "
    "the socket; libzmq attaches the pipe at connect() and queues the probe at once, so "
    "the server gets [X][empty] without the client doing anything more"
)


@pytest.mark.parametrize(
    "client_type",
    ["DEALER", "ROUTER"],
)
def test_probe_router(ctx, client_type):
    """The server ROUTER first receives [X][empty] from a PROBE_ROUTER client, so it can
    route to "X" without waiting for a real message."""
    server = _sock(ctx, zmq.ROUTER, rcvtimeo=500)
    ep = bind(server, "tcp")
    client = _sock(ctx, getattr(zmq, client_type), identity=b"X", probe_router=1)
    client.connect(ep)
    assert server.recv_multipart() == [b"X", b""]
    server.send_multipart([b"X", b"Hello"])
    if client_type == "DEALER":
        assert client.recv() == b"Hello"
    else:
        server_id, body = client.recv_multipart()
        assert body == b"Hello"
        client.send_multipart([server_id, b"World"])
        assert server.recv_multipart() == [b"X", b"World"]


def test_probe_router_on_req(ctx):
    """REQ accepts PROBE_ROUTER too (inherited from DEALER in libzmq)."""
    server = _sock(ctx, zmq.ROUTER)
    ep = bind(server, "tcp")
    req = _sock(ctx, zmq.REQ, identity=b"Q", probe_router=1)
    req.connect(ep)
    assert server.recv_multipart() == [b"Q", b""]


# -- test_immediate -----------------------------------------------------------------------------
def _count(pull, window_ms: int = 100) -> int:
    seen = 0
    while pull.poll(window_ms):
        pull.recv()
        seen += 1
    return seen


def test_immediate_off_round_robins_onto_dead_pipe(ctx):
    to = _sock(ctx, zmq.PULL)
    ep = bind(to, "tcp")
    sender = _sock(ctx, zmq.PUSH)
    sender.connect("tcp://127.0.0.1:%d" % free_tcp_port())  # never connects
    sender.connect(ep)
    for _ in range(10):
        sender.send(b"Hello")
    seen = 0
    for _ in range(5):
        assert to.recv() == b"Hello"
        seen += 1
    assert _count(to) == 0  # the other 5 wait in the dead pipe
    assert seen == 5


def test_immediate_on_only_uses_connected_pipes(ctx):
    to = _sock(ctx, zmq.PULL)
    ep = bind(to, "tcp")
    sender = _sock(ctx, zmq.PUSH, immediate=1)
    assert sender.getsockopt(zmq.IMMEDIATE) == 1
    sender.connect("tcp://127.0.0.1:%d" % free_tcp_port())
    sender.connect(ep)
    for _ in range(10):
        sender.send(b"Hello")  # blocks until the live connection is up, then never queues
    for _ in range(10):
        assert to.recv() == b"Hello"
    assert _count(to) == 0


def test_immediate_broken_connection_blocks_until_reconnected(ctx):
    backend = _sock(ctx, zmq.DEALER)
    ep = "tcp://127.0.0.1:%d" % free_tcp_port()
    backend.bind(ep)
    frontend = _sock(ctx, zmq.DEALER, immediate=1, reconnect_ivl=20)
    frontend.connect(ep)
    backend.send(b"Hello")  # ping so we know the connection is up
    assert frontend.recv() == b"Hello"
    frontend.send(b"Hello", zmq.DONTWAIT)
    backend.close()
    # the pipe dies with the connection: no POLLOUT, DONTWAIT send fails
    wait_until(lambda: not frontend.getsockopt(zmq.EVENTS) & zmq.POLLOUT)
    with pytest.raises(zmq.Again):
        frontend.send(b"Hello", zmq.DONTWAIT)
    backend = _sock(ctx, zmq.DEALER)
    wait_until(lambda: _try_bind(backend, ep))  # the old listener closes asynchronously
    backend.send(b"Hello")  # waits for the reconnect
    assert frontend.recv() == b"Hello"
    frontend.send(b"Hello", zmq.DONTWAIT)
    assert backend.recv() == b"Hello"


def _try_bind(s, ep: str) -> bool:
    try:
        s.bind(ep)
    except zmq.ZMQError as e:
        assert e.errno == zmq.EADDRINUSE
        return False
    return True


# -- test_monitor ----------------------------------------------------------------------------------
def _events(mon, until_event: int, timeout_ms: int = 2000) -> list:
    out = []
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        left = int((deadline - time.monotonic()) * 1000)
        assert left > 0 and mon.poll(left), f"{until_event:#x} not seen in {out}"
        head, ep = mon.recv_multipart()
        event, value = struct.unpack("=hi", head)
        out.append((event, ep))
        if event == until_event:
            return out


def test_monitor(ctx):
    """REP gets LISTENING, ACCEPTED, CLOSED; REQ gets CONNECTED, DISCONNECTED, CLOSED;
    a second REQ monitoring only CONNECTED never sees CLOSED; endpoints equal the tcp
    address; MONITOR_STOPPED ends the readers."""
    rep = _sock(ctx, zmq.REP)
    req = _sock(ctx, zmq.REQ, reconnect_ivl=20)
    req2 = _sock(ctx, zmq.REQ)
    with pytest.raises(zmq.ZMQError) as e:
        rep.monitor("tcp://127.0.0.1:9999", 0)
    assert e.value.errno == zmq.EPROTONOSUPPORT
    rep.monitor("inproc://monitor.rep", zmq.EVENT_ALL)
    req.monitor("inproc://monitor.req", zmq.EVENT_ALL)
    req2.monitor("inproc://monitor.req2", zmq.EVENT_CONNECTED)
    mons = {}
    for name in ("rep", "req", "req2"):
        mons[name] = _sock(ctx, zmq.PAIR)
        mons[name].connect("inproc://monitor." + name)
    ep = bind(rep, "tcp")
    req.connect(ep)
    req2.connect(ep)
    bounce(rep, req)
    rep.close()
    req_events = _events(mons["req"], zmq.EVENT_DISCONNECTED)
    req_events += _events(mons["req"], zmq.EVENT_CLOSED)  # a failed reconnect attempt
    req.close()
    req2.close()
    req_events += _events(mons["req"], zmq.EVENT_MONITOR_STOPPED)
    rep_events = _events(mons["rep"], zmq.EVENT_MONITOR_STOPPED)
    rep_kinds = [e for e, _ in rep_events]
    for wanted in (zmq.EVENT_LISTENING, zmq.EVENT_ACCEPTED, zmq.EVENT_CLOSED):
        assert wanted in rep_kinds
    assert rep_kinds[0] == zmq.EVENT_LISTENING and rep_kinds[-1] == zmq.EVENT_MONITOR_STOPPED
    req_kinds = [e for e, _ in req_events]
    for wanted in (zmq.EVENT_CONNECTED, zmq.EVENT_DISCONNECTED, zmq.EVENT_CLOSED):
        assert wanted in req_kinds
    assert req_kinds.index(zmq.EVENT_CONNECTED) < req_kinds.index(zmq.EVENT_DISCONNECTED)
    assert all(
        e == ep.encode() for k, e in rep_events + req_events if k != zmq.EVENT_MONITOR_STOPPED
    )
    req2_events = _events(mons["req2"], zmq.EVENT_CONNECTED)
    assert req2_events == [(zmq.EVENT_CONNECTED, ep.encode())]
    assert not mons["req2"].poll(100)  # never CLOSED, never MONITOR_STOPPED


# -- test_shutdown_stress -------------------------------------------------------------------------
def test_shutdown_stress():
    """Rounds of many threads each connecting a SUB and closing it at once while a PUB is
    bound; ctx.term() must neither hang nor crash (libzmq: 10 rounds x 100 threads, 7 I/O
    threads; 60 threads a round here to keep the run short on 2 cores)."""
    rounds, threads = 10, 60
    for _ in range(rounds):
        _shutdown_round(threads)


def _shutdown_round(threads: int) -> None:
    ctx = new_context()
    ctx.set(zmq.IO_THREADS, 7)
    pub = ctx.socket(zmq.PUB)
    ep = bind(pub, "tcp")
    errors = []

    def worker(s):
        try:
            s.connect(ep)
            s.close()  # while the connection is being made
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    subs = [ctx.socket(zmq.SUB) for _ in range(threads)]
    ts = [threading.Thread(target=worker, args=(s,)) for s in subs]
    for t in ts:
        t.start()
    for t in ts:
        t.join(5)
        assert not t.is_alive()
    assert not errors
    pub.close()
    done = threading.Event()
    threading.Thread(target=lambda: (ctx.term(), done.set()), daemon=True).start()
    assert done.wait(5), "ctx.term() hangs"


# -- test_ctx_destroy -----------------------------------------------------------------------------
def test_ctx_destroy():
    """Close then term; destroying again is harmless (libzmq returns EFAULT for a destroyed
    context; pyzmq makes term/destroy idempotent)."""
    ctx = new_context()
    s = ctx.socket(zmq.PULL)
    s.close()
    ctx.term()
    assert ctx.closed
    ctx.term()
    ctx.destroy()
    with pytest.raises(zmq.ZMQError):
        ctx.socket(zmq.PULL)


# -- test_fork ------------------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_fork(ctx):
    """The child inherits a bound PULL: it closes it and terminates the inherited context
    (inert: the parent's connections are untouched, nothing hangs), then makes its own
    context and PUSHes 5 messages; the parent receives all 5; the child exits 0."""
    pull = _sock(ctx, zmq.PULL)
    ep = bind(pull, "tcp")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            pull.close()
            ctx.term()
            child_ctx = zmq.Context()
            push = child_ctx.socket(zmq.PUSH)
            push.connect(ep)
            for i in range(5):
                push.send(b"message %d" % i)
            push.close()  # default linger: flush
            child_ctx.term()
            code = 0
        finally:
            os._exit(code)
    try:
        got = sorted(pull.recv() for _ in range(5))
        assert got == [b"message %d" % i for i in range(5)]
        deadline = time.monotonic() + 5
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            assert time.monotonic() < deadline, "the child hangs"
            time.sleep(0.01)  # polling a child process: there is no event to wait on
        pid = 0
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        # the parent's socket still works after the child closed its copy
        push = _sock(ctx, zmq.PUSH)
        push.connect(ep)
        push.send(b"parent")
        assert pull.recv() == b"parent"
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


# -- test_disconnect_inproc ---------------------------------------------------------------------
def test_disconnect_inproc(ctx):
    """XPUB bound on inproc; a SUB("foo") connects at iteration 1 and disconnects at
    iteration 4; each iteration polls both and publishes ["foo", "this is foo!"]. The XPUB
    sees exactly one subscribe and one unsubscribe; the SUB gets exactly 3 publications."""
    pub = _sock(ctx, zmq.XPUB)
    sub = _sock(ctx, zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"foo")
    pub.bind("inproc://someInProcDescriptor")
    poller = zmq.Poller()
    poller.register(sub, zmq.POLLIN)
    poller.register(pub, zmq.POLLIN)
    subscribed = False
    subscriptions = []
    publications = 0
    iteration = 0
    while True:
        ready = dict(poller.poll(100))
        if ready.get(pub):
            msg = pub.recv_multipart()
            subscriptions.append(msg)
            assert msg in ([b"\x01foo"], [b"\x00foo"])
            assert subscribed == (msg[0][:1] == b"\x00")
            subscribed = msg[0][:1] == b"\x01"
        if ready.get(sub):
            assert sub.recv_multipart() == [b"foo", b"this is foo!"]
            publications += 1
        if iteration == 1:
            sub.connect("inproc://someInProcDescriptor")
        if iteration == 4:
            sub.disconnect("inproc://someInProcDescriptor")
        if iteration > 4 and not ready:
            break
        pub.send_multipart([b"foo", b"this is foo!"])
        iteration += 1
        assert iteration < 50
    assert publications == 3
    assert subscriptions == [[b"\x01foo"], [b"\x00foo"]]
    assert not subscribed


# -- TCP_ACCEPT_FILTER ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "filters,accepted",
    [
        ([b"127.0.0.1"], True),
        ([b"127.0.0.0/8"], True),
        ([b"10.0.0.0/8", b"127.0.0.1/32"], True),  # any filter may match
        ([b"0.0.0.0/0"], True),
        ([b"10.1.2.3"], False),
        ([b"127.0.0.2/32"], False),
    ],
)
def test_tcp_accept_filter(ctx, filters, accepted):
    server = _sock(ctx, zmq.PULL)
    for f in filters:
        server.setsockopt(zmq.TCP_ACCEPT_FILTER, f)
    ep = bind(server, "tcp")
    raw = socket.create_connection(("127.0.0.1", int(ep.rsplit(":", 1)[1])), timeout=2)
    try:
        raw.sendall(SIGNATURE)
        if accepted:
            assert raw.recv(10) == SIGNATURE  # a ZMTP greeting: we were accepted
        else:
            try:
                assert raw.recv(10) == b""  # closed at once, not a byte of ZMTP
            except ConnectionResetError:
                pass
    finally:
        raw.close()


def test_tcp_accept_filter_applies_to_binds_after_it(ctx):
    """Options are snapshot at bind: a filter set later does not affect an earlier bind."""
    server = _sock(ctx, zmq.PULL)
    ep_open = bind(server, "tcp")
    server.setsockopt(zmq.TCP_ACCEPT_FILTER, b"10.1.2.3")
    ep_filtered = bind(server, "tcp")
    good = _sock(ctx, zmq.PUSH)
    good.connect(ep_open)
    good.send(b"through the open listener")
    assert server.recv() == b"through the open listener"
    bad = _sock(ctx, zmq.PUSH)
    bad.connect(ep_filtered)
    bad.send(b"never")
    assert not server.poll(100)


# -- the issue-5 options: bad input -------------------------------------------------------------
EINVAL_CASES = [
    ("DEALER", "ROUTER_RAW", 1),  # ROUTER (and REP) only
    ("STREAM", "ROUTER_RAW", 1),
    ("ROUTER", "ROUTER_RAW", -1),
    ("PUB", "PROBE_ROUTER", 1),  # ROUTER, DEALER, REQ (and REP) only
    ("PUSH", "PROBE_ROUTER", 1),
    ("STREAM", "PROBE_ROUTER", 1),
    ("DEALER", "PROBE_ROUTER", -1),
    ("DEALER", "IMMEDIATE", 2),  # 0 or 1
    ("DEALER", "IMMEDIATE", -1),
    ("PULL", "CONFLATE", 2),  # 0 or 1
    ("PULL", "CONFLATE", -1),
    ("PULL", "TCP_ACCEPT_FILTER", b"1.2.3.4/33"),  # mask too long
    ("PULL", "TCP_ACCEPT_FILTER", b"::1/129"),
    ("PULL", "TCP_ACCEPT_FILTER", b"1.2.3.4/-1"),
    ("PULL", "TCP_ACCEPT_FILTER", b"nonsense"),
    ("PULL", "TCP_ACCEPT_FILTER", b"localhost"),  # numeric addresses only
    ("PULL", "TCP_ACCEPT_FILTER", b"\x001.2.3.4"),  # first byte NUL
    ("PULL", "TCP_ACCEPT_FILTER", b"1" * 256),  # > 255 bytes
]


@pytest.mark.parametrize(
    "type_name,option,value", EINVAL_CASES, ids=[f"{t}-{o}-{v!r}"[:48] for t, o, v in EINVAL_CASES]
)
def test_issue5_options_einval(ctx, type_name, option, value):
    s = ctx.socket(getattr(zmq, type_name))
    with pytest.raises(zmq.ZMQError) as e:
        s.setsockopt(getattr(zmq, option), value)
    assert e.value.errno == zmq.EINVAL


@pytest.mark.parametrize(
    "option,value",
    [
        ("TCP_ACCEPT_FILTER", b"1.2.3.4/"),  # libzmq: an empty mask is EINVAL
        ("TCP_ACCEPT_FILTER", b"::1"),  # libzmq: IPv6 filters need ZMQ_IPV6
    ],
    ids=["empty_mask", "ipv6_without_ipv6"],
)
def test_accept_filter_libzmq_rejects(ctx, option, value):
    s = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.ZMQError) as e:
        s.setsockopt(getattr(zmq, option), value)
    assert e.value.errno == zmq.EINVAL


@pytest.mark.parametrize(
    "type_name,option,value",
    [
        ("DEALER", "PROBE_ROUTER", "1"),
        ("DEALER", "IMMEDIATE", 1.5),
        ("ROUTER", "ROUTER_RAW", None),
        ("PULL", "CONFLATE", b"1"),
        ("PULL", "TCP_ACCEPT_FILTER", "127.0.0.1"),  # str: use setsockopt_string
        ("PULL", "TCP_ACCEPT_FILTER", 5),
    ],
)
def test_issue5_options_wrong_type(ctx, type_name, option, value):
    s = ctx.socket(getattr(zmq, type_name))
    with pytest.raises(TypeError):
        s.setsockopt(getattr(zmq, option), value)


def test_issue5_options_accepted(ctx):
    for stype in (zmq.ROUTER, zmq.DEALER, zmq.REQ, zmq.REP):
        ctx.socket(stype).setsockopt(zmq.PROBE_ROUTER, 5)  # any value >= 0
    for stype in (zmq.ROUTER, zmq.REP):
        ctx.socket(stype).setsockopt(zmq.ROUTER_RAW, 3)
    s = ctx.socket(zmq.PULL)
    s.setsockopt(zmq.IMMEDIATE, 1)
    assert s.getsockopt(zmq.IMMEDIATE) == 1
    s.setsockopt(zmq.CONFLATE, 1)
    assert s.getsockopt(zmq.CONFLATE) == 1
    s.setsockopt_string(zmq.TCP_ACCEPT_FILTER, "192.168.0.0/16")
    s.setsockopt(zmq.IPV6, 1)
    s.setsockopt(zmq.TCP_ACCEPT_FILTER, b"::1/128")
    s.setsockopt(zmq.TCP_ACCEPT_FILTER, b"1.2.3.4/0")
    for opt in (zmq.PROBE_ROUTER, zmq.TCP_ACCEPT_FILTER):  # set-only
        with pytest.raises(zmq.ZMQError) as e:
            ctx.socket(zmq.ROUTER).getsockopt(opt)
        assert e.value.errno == zmq.EINVAL
