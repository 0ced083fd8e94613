"""Endpoints: syntax errors, bind errors, LAST_ENDPOINT, unbind/disconnect, ipc files, inproc
connect-before-bind (libzmq's test_last_endpoint, test_unbind_wildcard, test_unbind_inproc,
test_term_endpoint, test_ipc_wildcard, test_abstract_ipc, test_inproc_connect,
test_connect_resolve; reference §8)."""

from __future__ import annotations

import errno
import os
import socket
import stat
import sys
import threading
import time

import pytest
from helpers import (
    TRANSPORTS,
    assert_no_message,
    bind,
    bounce,
    connectable,
    free_tcp_port,
    ipc_path,
    new_context,
    reap_contexts,
    recv,
    recv_multipart,
    unique,
    wait_until,
)

import purezmq as zmq

pytestmark = pytest.mark.timeout(10)


@pytest.fixture(autouse=True)
def _reap_contexts():
    yield
    reap_contexts()


def _errno_of(fn, *args):
    with pytest.raises(zmq.ZMQError) as e:
        fn(*args)
    return e.value.errno


# -- syntax -------------------------------------------------------------------------------
MALFORMED = [
    "tcp://",
    "tcp://127.0.0.1",
    "tcp://127.0.0.1:",
    "tcp://127.0.0.1:abc",
    "tcp127.0.0.1:5555",
    "127.0.0.1:5555",
    "://127.0.0.1:5555",
    "inproc://",
    "ipc://",
    "",
]


@pytest.mark.parametrize("ep", MALFORMED)
@pytest.mark.parametrize("op", ["bind", "connect"])
def test_malformed_endpoint_einval(ctx, ep, op):
    s = ctx.socket(zmq.PUSH)
    assert _errno_of(getattr(s, op), ep) == zmq.EINVAL


@pytest.mark.parametrize(
    "ep",
    [
        "foo://x",
        "invalid://localhost:1234",
        "pgm://eth0;239.192.1.1:5555",
        "epgm://eth0;239.192.1.1:5555",
        "udp://127.0.0.1:5555",
        "TCP://127.0.0.1:5555",
    ],
)
@pytest.mark.parametrize("op", ["bind", "connect"])
def test_unknown_transport_eprotonosupport(ctx, ep, op):
    s = ctx.socket(zmq.PUSH)
    assert _errno_of(getattr(s, op), ep) == zmq.EPROTONOSUPPORT


def test_bind_unknown_interface_enodev(ctx):
    s = ctx.socket(zmq.PUSH)
    assert _errno_of(s.bind, "tcp://nosuchhost:*") == errno.ENODEV
    assert _errno_of(s.bind, "tcp://nosuchnic0:5555") == errno.ENODEV


def test_bind_empty_interface_enodev(ctx):
    s = ctx.socket(zmq.PUSH)
    assert _errno_of(s.bind, "tcp://:%d" % free_tcp_port()) == errno.ENODEV


def test_connect_empty_host_einval(ctx):
    s = ctx.socket(zmq.PUSH)
    assert _errno_of(s.connect, "tcp://:5555") == zmq.EINVAL


def test_bind_port_zero_is_wildcard(ctx):
    s = ctx.socket(zmq.PULL)
    s.bind("tcp://127.0.0.1:0")
    port = int(s.last_endpoint.decode().rsplit(":", 1)[1])
    assert port > 0


def test_bind_ipv6_literal_without_ipv6_enodev(ctx):
    s = ctx.socket(zmq.PUSH)
    assert _errno_of(s.bind, "tcp://[::1]:*") == errno.ENODEV


def test_bind_port_out_of_range_einval(ctx):
    """libzmq 4.0 wraps 99999 to 34463; the reference says not to copy that quirk."""
    s = ctx.socket(zmq.PUSH)
    assert _errno_of(s.bind, "tcp://127.0.0.1:99999") == zmq.EINVAL


def test_connect_resolve(ctx):
    """test_connect_resolve: localhost resolves; bad ports / hosts are EINVAL."""
    s = ctx.socket(zmq.PUSH)
    s.connect("tcp://localhost:%d" % free_tcp_port())
    assert _errno_of(s.connect, "tcp://localhost:invalid") == zmq.EINVAL
    assert _errno_of(s.connect, "tcp://in val id:1234") == zmq.EINVAL
    assert _errno_of(s.connect, "tcp://*:1234") == zmq.EINVAL
    assert _errno_of(s.connect, "invalid://localhost:1234") == zmq.EPROTONOSUPPORT


def test_connect_to_localhost_works(ctx):
    pull = ctx.socket(zmq.PULL)
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    push = ctx.socket(zmq.PUSH)
    push.connect("tcp://localhost:%d" % port)
    push.send(b"via localhost")
    assert recv(pull) == b"via localhost"


def test_ipc_path_too_long(ctx):
    s = ctx.socket(zmq.PULL)
    long_path = "/tmp/" + "x" * 200
    assert _errno_of(s.bind, "ipc://" + long_path) == errno.ENAMETOOLONG
    assert _errno_of(s.connect, "ipc://" + long_path) == errno.ENAMETOOLONG


# -- bind errors ----------------------------------------------------------------------------
def test_tcp_eaddrinuse(ctx):
    a = ctx.socket(zmq.PULL)
    b = ctx.socket(zmq.PULL)
    ep = bind(a, "tcp")
    assert _errno_of(b.bind, ep) == zmq.EADDRINUSE
    # the same socket cannot bind it twice either
    assert _errno_of(a.bind, ep) == zmq.EADDRINUSE


def test_tcp_eaddrinuse_against_foreign_listener(ctx):
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    try:
        s = ctx.socket(zmq.PULL)
        port = lsock.getsockname()[1]
        assert _errno_of(s.bind, "tcp://127.0.0.1:%d" % port) == zmq.EADDRINUSE
    finally:
        lsock.close()


def test_failed_bind_leaves_socket_usable(ctx):
    a = ctx.socket(zmq.PULL)
    ep = bind(a, "tcp")
    b = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.ZMQError):
        b.bind(ep)
    ep2 = bind(b, "tcp")
    push = ctx.socket(zmq.PUSH)
    push.connect(ep2)
    push.send(b"ok")
    assert recv(b) == b"ok"


def test_inproc_duplicate_bind_eaddrinuse(ctx):
    a = ctx.socket(zmq.PULL)
    b = ctx.socket(zmq.PULL)
    a.bind("inproc://dup")
    assert _errno_of(b.bind, "inproc://dup") == zmq.EADDRINUSE
    assert _errno_of(a.bind, "inproc://dup") == zmq.EADDRINUSE


def test_inproc_names_are_per_context(ctx):
    other = new_context()
    try:
        a = ctx.socket(zmq.PULL)
        b = other.socket(zmq.PULL)
        a.bind("inproc://same-name")
        b.bind("inproc://same-name")
        b.close()
    finally:
        other.term()


def test_inproc_name_free_after_close(ctx):
    a = ctx.socket(zmq.PULL)
    a.bind("inproc://reuse")
    a.close()
    b = ctx.socket(zmq.PULL)

    def rebind():  # libzmq frees the name once the closed socket is reaped
        try:
            b.bind("inproc://reuse")
            return True
        except zmq.ZMQError as e:
            assert e.errno == zmq.EADDRINUSE
            return False

    wait_until(rebind)


# -- LAST_ENDPOINT --------------------------------------------------------------------------
def test_last_endpoint_literal(ctx):
    """test_last_endpoint: binding literal endpoints reports them back."""
    s = ctx.socket(zmq.ROUTER)
    p1, p2 = free_tcp_port(), free_tcp_port()
    for ep in ("tcp://127.0.0.1:%d" % p1, "tcp://127.0.0.1:%d" % p2):
        s.bind(ep)
        assert s.getsockopt(zmq.LAST_ENDPOINT) == ep.encode()


def test_last_endpoint_tcp_wildcard_port(ctx):
    s = ctx.socket(zmq.PULL)
    s.bind("tcp://127.0.0.1:*")
    ep = s.getsockopt(zmq.LAST_ENDPOINT).decode()
    assert ep.startswith("tcp://127.0.0.1:")
    port = int(ep.rsplit(":", 1)[1])
    assert 0 < port < 65536


def test_last_endpoint_tcp_wildcard_interface(ctx):
    s = ctx.socket(zmq.PULL)
    s.bind("tcp://*:*")
    ep = s.getsockopt(zmq.LAST_ENDPOINT).decode()
    assert ep.startswith("tcp://0.0.0.0:")
    push = ctx.socket(zmq.PUSH)
    push.connect("tcp://127.0.0.1:" + ep.rsplit(":", 1)[1])
    push.send(b"x")
    assert recv(s) == b"x"


def test_last_endpoint_nic_name(ctx):
    if not any(name == "lo" for _, name in socket.if_nameindex()):
        pytest.skip("no 'lo' interface")
    s = ctx.socket(zmq.PULL)
    s.bind("tcp://lo:*")
    assert s.getsockopt(zmq.LAST_ENDPOINT).decode().startswith("tcp://127.0.0.1:")


def test_last_endpoint_ipc_wildcard(ctx):
    """test_ipc_wildcard: bind ipc://*, connect to LAST_ENDPOINT, bounce."""
    server = ctx.socket(zmq.PAIR)
    server.bind("ipc://*")
    ep = server.getsockopt(zmq.LAST_ENDPOINT).decode()
    assert ep.startswith("ipc://") and ep != "ipc://*"
    path = ep[len("ipc://") :]
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    client = ctx.socket(zmq.PAIR)
    client.connect(ep)
    bounce(server, client)


def test_ipc_wildcard_binds_are_distinct(ctx):
    a = ctx.socket(zmq.PULL)
    b = ctx.socket(zmq.PULL)
    a.bind("ipc://*")
    b.bind("ipc://*")
    assert a.last_endpoint != b.last_endpoint


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="abstract namespace is Linux")
def test_abstract_ipc(ctx):
    name = "ipc://@/tmp/" + unique("tester")
    server = ctx.socket(zmq.PAIR)
    server.bind(name)
    assert server.getsockopt(zmq.LAST_ENDPOINT) == name.encode()
    client = ctx.socket(zmq.PAIR)
    client.connect(name)
    bounce(server, client)
    assert _errno_of(ctx.socket(zmq.PAIR).bind, "ipc://@") == zmq.EINVAL


def test_last_endpoint_after_connect(ctx):
    s = ctx.socket(zmq.PUSH)
    port = free_tcp_port()
    s.connect("tcp://127.0.0.1:%d" % port)
    assert s.getsockopt(zmq.LAST_ENDPOINT) == b"tcp://127.0.0.1:%d" % port
    s.connect("inproc://x")
    assert s.getsockopt(zmq.LAST_ENDPOINT) == b"inproc://x"


# -- unbind / disconnect --------------------------------------------------------------------
def test_unbind_wildcard_by_resolved_endpoint(ctx):
    """test_unbind_wildcard: the resolved LAST_ENDPOINT unbinds; the wildcard string is
    ENOENT (libzmq 4.0.8+)."""
    s = ctx.socket(zmq.PULL)
    s.bind("tcp://127.0.0.1:*")
    ep = s.getsockopt(zmq.LAST_ENDPOINT).decode()
    assert _errno_of(s.unbind, "tcp://127.0.0.1:*") == errno.ENOENT
    s.unbind(ep)
    assert _errno_of(s.unbind, ep) == errno.ENOENT
    s.bind("tcp://*:*")
    ep = s.getsockopt(zmq.LAST_ENDPOINT).decode()
    assert ep.startswith("tcp://0.0.0.0:")
    s.unbind(ep)


def test_unbind_frees_tcp_port(ctx):
    a = ctx.socket(zmq.PULL)
    ep = bind(a, "tcp")
    a.unbind(ep)
    b = ctx.socket(zmq.PULL)

    def rebind():
        try:
            b.bind(ep)
            return True
        except zmq.ZMQError as e:
            assert e.errno == zmq.EADDRINUSE
            return False

    wait_until(rebind)


def test_unbind_inproc(ctx):
    """test_unbind_inproc: bind then unbind inproc://a succeeds; the name is free again."""
    s = ctx.socket(zmq.PULL)
    s.bind("inproc://a")
    s.unbind("inproc://a")
    assert _errno_of(s.unbind, "inproc://a") == errno.ENOENT
    t = ctx.socket(zmq.PULL)
    t.bind("inproc://a")


def test_unbind_inproc_keeps_existing_pipes(ctx):
    """zmq_unbind(inproc) only unregisters the name (reference §8.3)."""
    pull = ctx.socket(zmq.PULL)
    pull.bind("inproc://keep")
    push = ctx.socket(zmq.PUSH)
    push.connect("inproc://keep")
    pull.unbind("inproc://keep")
    push.send(b"still connected")
    assert recv(pull) == b"still connected"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unbind_disconnect_unknown_enoent(ctx, transport):
    s = ctx.socket(zmq.PUSH)
    ep = connectable(transport)
    assert _errno_of(s.unbind, ep) == errno.ENOENT
    assert _errno_of(s.disconnect, ep) == errno.ENOENT
    other = ctx.socket(zmq.PULL)
    target = bind(other, transport)
    s.connect(target)
    s.disconnect(target)
    assert _errno_of(s.disconnect, target) == errno.ENOENT
    bound = bind(s, transport)
    s.unbind(bound)
    assert _errno_of(s.unbind, bound) == errno.ENOENT


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unbind_and_disconnect_are_interchangeable(ctx, transport):
    s = ctx.socket(zmq.PUSH)
    bound = bind(s, transport)
    s.disconnect(bound)  # libzmq: stops listening, like unbind
    other = ctx.socket(zmq.PULL)
    target = bind(other, transport)
    s.connect(target)
    s.unbind(target)  # libzmq: drops the connection, like disconnect


def test_unbind_malformed_endpoint_einval(ctx):
    s = ctx.socket(zmq.PUSH)
    assert _errno_of(s.unbind, "nonsense") == zmq.EINVAL
    assert _errno_of(s.disconnect, "tcp://") == zmq.EINVAL


def _send_would_block(push):
    try:
        push.send(b"ABC", zmq.DONTWAIT)
        return False
    except zmq.Again:
        return True


@pytest.mark.parametrize("transport", ["ipc", "tcp"])
def test_term_endpoint_unbind(ctx, transport):
    """test_term_endpoint, first half: after unbind, a DONTWAIT send fails with EAGAIN."""
    push = ctx.socket(zmq.PUSH)
    ep = bind(push, transport)
    pull = ctx.socket(zmq.PULL)
    pull.connect(ep)
    push.send(b"ABC")
    assert recv(pull) == b"ABC"
    push.unbind(ep)
    wait_until(lambda: _send_would_block(push), timeout=0.5)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_term_endpoint_disconnect(ctx, transport):
    """test_term_endpoint, second half: after disconnect, a DONTWAIT send fails."""
    pull = ctx.socket(zmq.PULL)
    ep = bind(pull, transport)
    push = ctx.socket(zmq.PUSH)
    push.connect(ep)
    push.send(b"ABC")
    assert recv(pull) == b"ABC"
    push.disconnect(ep)
    wait_until(lambda: _send_would_block(push))


@pytest.mark.parametrize("transport", ["ipc", "tcp"])
def test_disconnect_stops_reconnecting(ctx, transport):
    pull = ctx.socket(zmq.PULL)
    ep = bind(pull, transport)
    push = ctx.socket(zmq.PUSH)
    push.connect(ep)
    push.send(b"one")
    assert recv(pull) == b"one"
    push.disconnect(ep)
    push.connect(ep)  # a fresh connection to the same endpoint works
    push.send(b"two")
    assert recv(pull) == b"two"


def test_unbind_keeps_other_endpoints(ctx):
    pull = ctx.socket(zmq.PULL)
    ep1 = bind(pull, "tcp")
    ep2 = bind(pull, "ipc")
    pull.unbind(ep1)
    push = ctx.socket(zmq.PUSH)
    push.connect(ep2)
    push.send(b"via ipc")
    assert recv(pull) == b"via ipc"


# -- ipc files ------------------------------------------------------------------------------
def test_ipc_file_removed_on_unbind(ctx):
    s = ctx.socket(zmq.PULL)
    path = ipc_path()
    s.bind("ipc://" + path)
    assert os.path.exists(path)
    s.unbind("ipc://" + path)
    wait_until(lambda: not os.path.exists(path))


def test_ipc_file_removed_on_close(ctx):
    s = ctx.socket(zmq.PULL)
    path = ipc_path()
    s.bind("ipc://" + path)
    assert os.path.exists(path)
    s.close()
    wait_until(lambda: not os.path.exists(path))


def test_ipc_wildcard_file_removed_on_close(ctx):
    s = ctx.socket(zmq.PULL)
    s.bind("ipc://*")
    path = s.last_endpoint.decode()[len("ipc://") :]
    assert os.path.exists(path)
    s.close()
    wait_until(lambda: not os.path.exists(path))


@pytest.mark.parametrize("how", ["close", "unbind"])
def test_ipc_rebind_same_path_right_after_close(ctx, how):
    """Restarting a server on the same ipc path. The bug is a race with the I/O thread, so
    the scenario is repeated: it must work every time."""
    path = ipc_path()
    for i in range(10):
        a = ctx.socket(zmq.PULL)
        a.bind("ipc://" + path)
        if how == "close":
            a.close(linger=0)
        else:
            a.unbind("ipc://" + path)
        b = ctx.socket(zmq.PULL)
        b.bind("ipc://" + path)
        push = ctx.socket(zmq.PUSH)
        push.reconnect_ivl = 10
        push.connect("ipc://" + path)
        push.send(b"%d" % i)
        got = recv(b, 500)
        assert got == b"%d" % i, (i, got)
        assert os.path.exists(path), i
        for s_ in (push, b, a):
            s_.close(linger=0)
        deadline = time.monotonic() + 2
        while os.path.exists(path):
            assert time.monotonic() < deadline
            time.sleep(0.005)


def test_ipc_bind_replaces_stale_file(ctx):
    """bind first unlinks whatever is at the path (libzmq 4.0)."""
    path = ipc_path()
    with open(path, "w") as f:
        f.write("stale")
    s = ctx.socket(zmq.PULL)
    s.bind("ipc://" + path)
    push = ctx.socket(zmq.PUSH)
    push.connect("ipc://" + path)
    push.send(b"fresh")
    assert recv(s) == b"fresh"


# -- inproc connect-before-bind (test_inproc_connect) -------------------------------------
def test_inproc_bind_then_connect(ctx):
    server = ctx.socket(zmq.PAIR)
    server.bind("inproc://bbc")
    client = ctx.socket(zmq.PAIR)
    client.connect("inproc://bbc")
    bounce(server, client)


def test_inproc_connect_then_bind(ctx):
    client = ctx.socket(zmq.PAIR)
    client.connect("inproc://cbb")
    client.send(b"before bind")
    server = ctx.socket(zmq.PAIR)
    server.bind("inproc://cbb")
    assert recv(server) == b"before bind"
    bounce(server, client)


def test_inproc_connect_send_close_then_bind_delivers(ctx):
    push = ctx.socket(zmq.PUSH)
    push.connect("inproc://closed-early")
    push.send(b"queued before bind")
    push.close()
    pull = ctx.socket(zmq.PULL)
    pull.bind("inproc://closed-early")
    assert recv(pull, 500) == b"queued before bind"


def test_inproc_connect_only_before_bind_many_pushes(ctx):
    """Ten PUSHes connect before the PULL binds; all ten messages arrive."""
    pushes = []
    for i in range(10):
        p = ctx.socket(zmq.PUSH)
        p.connect("inproc://sink")
        p.send(b"msg%d" % i)
        pushes.append(p)
    pull = ctx.socket(zmq.PULL)
    pull.bind("inproc://sink")
    got = sorted(recv(pull) for _ in range(10))
    assert got == sorted(b"msg%d" % i for i in range(10))


def test_inproc_connect_before_bind_threads(ctx):
    """Connects from several threads racing with the bind all get wired."""
    n = 10
    start = threading.Barrier(n + 1)
    errors = []

    def worker(i):
        try:
            p = ctx.socket(zmq.PUSH)
            start.wait(2)
            p.connect("inproc://race")
            p.send(b"%d" % i)
            p.close()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    pull = ctx.socket(zmq.PULL)
    start.wait(2)
    pull.bind("inproc://race")
    for t in threads:
        t.join(5)
    assert not errors
    got = sorted(int(recv(pull)) for _ in range(n))
    assert got == list(range(n))


@pytest.mark.parametrize("bind_first", [True, False], ids=["bind_first", "connect_first"])
def test_inproc_dealer_router_identity(ctx, bind_first):
    """test_inproc_connect's test_identity: identity frame first (MORE), then the body."""
    sc = ctx.socket(zmq.DEALER)
    sb = ctx.socket(zmq.ROUTER)
    if bind_first:
        sb.bind("inproc://identity")
        sc.connect("inproc://identity")
    else:
        sc.connect("inproc://identity")
        sb.bind("inproc://identity")
    sc.send(b"A", zmq.SNDMORE)
    sc.send(b"B")
    assert sb.poll(2000) == zmq.POLLIN
    ident = sb.recv()
    assert sb.getsockopt(zmq.RCVMORE) == 1
    assert len(ident) == 5 and ident[0] == 0
    assert sb.recv() == b"A"
    assert sb.getsockopt(zmq.RCVMORE) == 1
    assert sb.recv() == b"B"
    assert sb.getsockopt(zmq.RCVMORE) == 0


def test_inproc_dealer_router_explicit_identity_before_bind(ctx):
    sc = ctx.socket(zmq.DEALER)
    sc.identity = b"dealer-1"
    sc.connect("inproc://ident2")
    sc.send(b"early")
    sb = ctx.socket(zmq.ROUTER)
    sb.bind("inproc://ident2")
    assert recv_multipart(sb) == [b"dealer-1", b"early"]
    sb.send_multipart([b"dealer-1", b"reply"])
    assert recv(sc) == b"reply"


@pytest.mark.parametrize("bind_first", [True, False], ids=["bind_first", "connect_first"])
def test_inproc_connecting_router_learns_binder_identity(ctx, bind_first):
    router = ctx.socket(zmq.ROUTER)
    dealer = ctx.socket(zmq.DEALER)
    dealer.identity = b"binder"
    if bind_first:
        dealer.bind("inproc://rb")
        router.connect("inproc://rb")
    else:
        router.connect("inproc://rb")
        dealer.bind("inproc://rb")
    dealer.send(b"hi")
    assert recv_multipart(router) == [b"binder", b"hi"]
    router.send_multipart([b"binder", b"back"])
    assert recv(dealer) == b"back"


def test_inproc_connect_only_then_term_does_not_hang():
    """test_inproc_connect: a connect with no bind, messages queued, then term."""
    c = new_context()
    s = c.socket(zmq.PUSH)
    s.connect("inproc://never-bound")
    s.send(b"orphan")
    s.close()
    t = threading.Thread(target=c.term, daemon=True)
    t.start()
    t.join(2)
    assert not t.is_alive()


def test_inproc_disconnect(ctx):
    """zmq_disconnect(inproc) terminates the pipes of that socket to the name."""
    pull = ctx.socket(zmq.PULL)
    pull.bind("inproc://disc")
    push = ctx.socket(zmq.PUSH)
    push.connect("inproc://disc")
    push.send(b"1")
    push.disconnect("inproc://disc")
    assert recv(pull) == b"1"  # what was queued before disconnect still arrives
    with pytest.raises(zmq.Again):
        push.send(b"2", zmq.DONTWAIT)
    assert_no_message(pull, 50)


# -- IPv6 -----------------------------------------------------------------------------------
def _has_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback")
def test_ipv6_bind_and_connect(ctx):
    server = ctx.socket(zmq.PAIR)
    server.ipv6 = 1
    server.bind("tcp://[::1]:*")
    ep = server.getsockopt(zmq.LAST_ENDPOINT).decode()
    assert ep.startswith("tcp://[::1]:")
    client = ctx.socket(zmq.PAIR)
    client.ipv6 = 1
    client.connect(ep)
    bounce(server, client)


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback")
def test_ipv6_wildcard_is_dual_stack(ctx):
    server = ctx.socket(zmq.PULL)
    server.ipv6 = 1
    server.bind("tcp://*:*")
    ep = server.getsockopt(zmq.LAST_ENDPOINT).decode()
    assert ep.startswith("tcp://[::]:")
    port = ep.rsplit(":", 1)[1]
    v4 = ctx.socket(zmq.PUSH)
    v4.connect("tcp://127.0.0.1:" + port)
    v4.send(b"over ipv4")
    assert recv(server) == b"over ipv4"


# -- disconnect flushes within linger -------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_disconnect_still_delivers_queued_messages(transport):
    """zmq_disconnect respects LINGER (new in 4.0): what was queued before it still goes out."""
    rctx = new_context()
    sctx = rctx if transport == "inproc" else new_context()
    try:
        pull = rctx.socket(zmq.PULL)
        ep = bind(pull, transport)
        push = sctx.socket(zmq.PUSH)
        push.connect(ep)
        for i in range(500):
            push.send(b"%d" % i)
        push.disconnect(ep)
        assert [int(recv(pull)) for _ in range(500)] == list(range(500))
    finally:
        rctx.destroy(linger=0)
        if sctx is not rctx:
            sctx.destroy(linger=0)
