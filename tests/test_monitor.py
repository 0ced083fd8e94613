"""Socket monitor: event sequences, values and wire format (reference §7, libzmq 4.0 values).

Each event is two frames: 6 bytes (uint16 event, int32 value, native byte order, no padding:
pyzmq's ``struct "=hi"``) and the endpoint. The sequences checked are the ones observed on
libzmq 4.0.10 (§7), plus the HANDSHAKE_* events of later libzmq that purezmq also raises.
Raising an event must never block, whoever (if anyone) reads the monitor.

Event order is established without timing windows where possible: an event that must *not*
come is proven absent by a later event that must come (e.g. an inproc bind raises nothing,
so the next event is the LISTENING of a tcp bind made after it).
"""

from __future__ import annotations

import errno
import socket
import struct
import sys
import time
from typing import List, Tuple

import pytest
from helpers import free_tcp_port, ipc_path

import purezmq as zmq
from purezmq.utils.monitor import parse_monitor_message, recv_monitor_message

pytestmark = pytest.mark.timeout(10)

Event = Tuple[int, int, bytes]

#: Events a failed handshake may be reported with (libzmq >= 4.3 adds them; 4.0 has none).
HANDSHAKE_FAILED = (
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL,
    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL,
    zmq.EVENT_HANDSHAKE_FAILED_AUTH,
)

_counter = [0]


def _addr() -> str:
    _counter[0] += 1
    return "inproc://test-monitor-%d" % _counter[0]


def monitored(ctx, stype: int, events: int = zmq.EVENT_ALL, **opts):
    """(socket, reader) with the reader connected before anything can happen."""
    s = ctx.socket(stype)
    s.linger = 0
    for name, value in opts.items():
        setattr(s, name, value)
    addr = _addr()
    s.monitor(addr, events)
    r = ctx.socket(zmq.PAIR)
    r.linger = 0
    r.connect(addr)
    return s, r


def next_event(reader, timeout_ms: int = 2000) -> Event:
    if not reader.poll(timeout_ms):
        raise AssertionError(f"no monitor event within {timeout_ms} ms")
    head, endpoint = reader.recv_multipart()
    event, value = struct.unpack("=hi", head)
    return event, value, endpoint


def until(reader, wanted: int, timeout_ms: int = 2000) -> List[Event]:
    """Every event up to and including the first ``wanted`` one."""
    seen: List[Event] = []
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        left = int((deadline - time.monotonic()) * 1000)
        if left <= 0:
            raise AssertionError(f"event {wanted:#x} not seen; got {seen}")
        ev = next_event(reader, left)
        seen.append(ev)
        if ev[0] == wanted:
            return seen


def kinds(evs: List[Event]) -> List[int]:
    return [e[0] for e in evs]


def no_event(reader, window_ms: int = 100) -> bool:
    assert window_ms <= 200
    return not reader.poll(window_ms)


def tcp_bind(s) -> str:
    s.bind("tcp://127.0.0.1:*")
    return s.last_endpoint.decode()


# -- format -------------------------------------------------------------------------------
def test_event_wire_format(ctx):
    s, r = monitored(ctx, zmq.PULL)
    ep = tcp_bind(s)
    frames = r.recv_multipart()
    assert len(frames) == 2 and len(frames[0]) == 6
    event, value = struct.unpack("=hi", frames[0])
    assert event == zmq.EVENT_LISTENING and value >= 0
    assert frames[0][:2] == zmq.EVENT_LISTENING.to_bytes(2, sys.byteorder)  # native order
    assert frames[0][2:] == value.to_bytes(4, sys.byteorder, signed=True)
    assert frames[1] == ep.encode()  # the resolved endpoint, no NUL
    parsed = parse_monitor_message(frames)
    assert parsed == {"event": zmq.EVENT_LISTENING, "value": value, "endpoint": ep.encode()}
    s.unbind(ep)
    ev = recv_monitor_message(r)
    assert ev["event"] == zmq.EVENT_CLOSED and ev["value"] == value


def test_parse_rejects_malformed_messages():
    with pytest.raises(RuntimeError):
        parse_monitor_message([b"\x08\x00\x05\x00\x00\x00"])
    with pytest.raises(RuntimeError):
        parse_monitor_message([b"\x08\x00\x05\x00\x00\x00\x00\x00", b"tcp://x"])


# -- bind ---------------------------------------------------------------------------------
@pytest.mark.parametrize("transport", ["tcp", "tcp_wildcard", "ipc"])
def test_bind_listening(ctx, transport):
    s, r = monitored(ctx, zmq.PULL)
    if transport == "ipc":
        s.bind("ipc://" + ipc_path())
    else:
        s.bind("tcp://127.0.0.1:*" if transport == "tcp" else "tcp://*:*")
    ep = s.last_endpoint
    event, fd, endpoint = next_event(r)
    assert event == zmq.EVENT_LISTENING and fd >= 0
    # the endpoint peers can use (not 4.0's "tcp://0.0.0.0:0" quirk for wildcard ports)
    assert endpoint == ep and not endpoint.endswith(b":0")


def test_bind_failure_bind_failed_with_errno(ctx):
    other = ctx.socket(zmq.PULL)
    other.linger = 0
    ep = tcp_bind(other)
    s, r = monitored(ctx, zmq.PULL)
    with pytest.raises(zmq.ZMQError) as e:
        s.bind(ep)
    assert e.value.errno == errno.EADDRINUSE
    event, value, endpoint = next_event(r)
    if event == zmq.EVENT_CLOSED:  # libzmq first reports the fd it closed
        event, value, endpoint = next_event(r)
    assert event == zmq.EVENT_BIND_FAILED and value == errno.EADDRINUSE
    assert endpoint.endswith(ep[len("tcp://") :].encode())  # 4.0 dropped the "tcp://"
    # no LISTENING: the next event is that of a later successful bind
    ep2 = tcp_bind(s)
    assert next_event(r)[0::2] == (zmq.EVENT_LISTENING, ep2.encode())


def test_unbind_raises_closed_with_the_listening_fd(ctx):
    s, r = monitored(ctx, zmq.PULL)
    ep = tcp_bind(s)
    _, fd, _ = next_event(r)
    peer = ctx.socket(zmq.PUSH)
    peer.linger = 0
    peer.connect(ep)
    until(r, zmq.EVENT_HANDSHAKE_SUCCEEDED)
    s.unbind(ep)
    assert next_event(r) == (zmq.EVENT_CLOSED, fd, ep.encode())
    # closing our own accepted connection is not a disconnection (libzmq raises nothing)
    assert no_event(r)


def test_close_bound_socket_closed_then_monitor_stopped_last(ctx):
    s, r = monitored(ctx, zmq.PULL)
    eps = [tcp_bind(s)]
    s.bind("ipc://" + ipc_path())
    eps.append(s.last_endpoint.decode())
    listening = {next_event(r)[1:] for _ in eps}
    assert {e for _, e in listening} == {e.encode() for e in eps}
    peer = ctx.socket(zmq.PUSH)
    peer.linger = 0
    peer.connect(eps[0])
    until(r, zmq.EVENT_HANDSHAKE_SUCCEEDED)
    s.close()  # (its accepted connection goes too: no DISCONNECTED for that)
    closed = {next_event(r) for _ in eps}
    assert closed == {(zmq.EVENT_CLOSED, fd, e) for fd, e in listening}
    assert next_event(r) == (zmq.EVENT_MONITOR_STOPPED, 0, b"")
    assert no_event(r)


def test_inproc_raises_no_events(ctx):
    s, r = monitored(ctx, zmq.PAIR)
    name = _addr().replace("monitor", "inproc-ep")
    s.bind(name)
    peer = ctx.socket(zmq.PAIR)
    peer.connect(name)
    peer.send(b"x")
    assert s.recv() == b"x"
    peer.close()
    ep = tcp_bind(s)
    assert next_event(r)[0::2] == (zmq.EVENT_LISTENING, ep.encode())


# -- connect ------------------------------------------------------------------------------
def test_connect_to_live_peer(ctx):
    server, sr = monitored(ctx, zmq.PULL)
    ep = tcp_bind(server)
    assert next_event(sr)[0] == zmq.EVENT_LISTENING
    client, cr = monitored(ctx, zmq.PUSH)
    client.connect(ep)
    evs = until(cr, zmq.EVENT_HANDSHAKE_SUCCEEDED)
    assert kinds(evs) == [
        zmq.EVENT_CONNECT_DELAYED,
        zmq.EVENT_CONNECTED,
        zmq.EVENT_HANDSHAKE_SUCCEEDED,
    ]
    assert evs[0][1] == errno.EINPROGRESS
    assert evs[1][1] >= 0  # the fd
    assert all(e[2] == ep.encode() for e in evs)
    sevs = until(sr, zmq.EVENT_HANDSHAKE_SUCCEEDED)
    assert kinds(sevs) == [zmq.EVENT_ACCEPTED, zmq.EVENT_HANDSHAKE_SUCCEEDED]
    assert sevs[0][1] >= 0 and sevs[0][2] == ep.encode()  # the listener's endpoint
    client.send(b"works")
    assert server.recv() == b"works"


def test_connect_to_dead_port_cycles(ctx):
    ivl = 30
    client, r = monitored(ctx, zmq.PUSH, reconnect_ivl=ivl)
    ep = "tcp://127.0.0.1:%d" % free_tcp_port()
    client.connect(ep)
    last_retry = None
    for _ in range(3):
        delayed = next_event(r)
        now = time.monotonic()
        assert delayed[:2] == (zmq.EVENT_CONNECT_DELAYED, errno.EINPROGRESS), delayed
        if last_retry is not None:
            t, wait = last_retry
            assert now - t >= (wait - 10) / 1000  # the retry waited its interval
        closed = next_event(r)
        assert closed[0] == zmq.EVENT_CLOSED and closed[1] >= 0
        retried = next_event(r)
        assert retried[0] == zmq.EVENT_CONNECT_RETRIED
        assert ivl <= retried[1] < 2 * ivl  # [RECONNECT_IVL, 2 x RECONNECT_IVL)
        last_retry = (time.monotonic(), retried[1])
        assert delayed[2] == closed[2] == retried[2] == ep.encode()


def test_reconnect_interval_grows_up_to_max(ctx):
    ivl, ivl_max = 10, 80
    client, r = monitored(
        ctx,
        zmq.PUSH,
        events=zmq.EVENT_CONNECT_RETRIED,
        reconnect_ivl=ivl,
        reconnect_ivl_max=ivl_max,
    )
    client.connect("tcp://127.0.0.1:%d" % free_tcp_port())
    values = [next_event(r)[1] for _ in range(6)]
    for k, v in enumerate(values):
        base = min(ivl << k, ivl_max)
        assert base <= v < base + ivl, values


def test_peer_loss_disconnected_then_retries(ctx):
    server, sr = monitored(ctx, zmq.PULL)
    ep = tcp_bind(server)
    client, cr = monitored(ctx, zmq.PUSH, reconnect_ivl=50)
    client.connect(ep)
    evs = until(cr, zmq.EVENT_HANDSHAKE_SUCCEEDED)
    fd = evs[kinds(evs).index(zmq.EVENT_CONNECTED)][1]
    accepted = until(sr, zmq.EVENT_ACCEPTED)[-1][1]
    until(sr, zmq.EVENT_HANDSHAKE_SUCCEEDED)
    server.close()
    assert next_event(cr) == (zmq.EVENT_DISCONNECTED, fd, ep.encode())
    retried = next_event(cr)
    assert retried[0] == zmq.EVENT_CONNECT_RETRIED and 50 <= retried[1] < 100
    # the port is gone now: the usual failed-attempt cycle follows
    assert kinds([next_event(cr) for _ in range(3)]) == [
        zmq.EVENT_CONNECT_DELAYED,
        zmq.EVENT_CLOSED,
        zmq.EVENT_CONNECT_RETRIED,
    ]
    # the server raised CLOSED for its listener, not DISCONNECTED for its own connection
    evs = until(sr, zmq.EVENT_MONITOR_STOPPED)
    assert zmq.EVENT_DISCONNECTED not in kinds(evs)
    assert (zmq.EVENT_CLOSED, ep.encode()) in [(e[0], e[2]) for e in evs]
    assert accepted >= 0


def test_accepted_connection_lost_disconnected(ctx):
    server, sr = monitored(ctx, zmq.PULL)
    ep = tcp_bind(server)
    client = ctx.socket(zmq.PUSH)
    client.linger = 0
    client.connect(ep)
    evs = until(sr, zmq.EVENT_HANDSHAKE_SUCCEEDED)
    fd = evs[kinds(evs).index(zmq.EVENT_ACCEPTED)][1]
    client.close()
    assert next_event(sr) == (zmq.EVENT_DISCONNECTED, fd, ep.encode())


def test_close_connecting_socket_monitor_stopped_last(ctx):
    server = ctx.socket(zmq.PULL)
    server.linger = 0
    ep = tcp_bind(server)
    client, cr = monitored(ctx, zmq.PUSH)
    client.connect(ep)
    until(cr, zmq.EVENT_HANDSHAKE_SUCCEEDED)
    client.close()
    assert next_event(cr) == (zmq.EVENT_MONITOR_STOPPED, 0, b"")
    assert no_event(cr)


# -- handshake failures ---------------------------------------------------------------------
def test_wrong_curve_server_key_vs_server_down(ctx):
    """A client with the wrong CURVE server key reaches the server (CONNECTED) and then
    fails the handshake: HANDSHAKE_FAILED_*, DISCONNECTED, retry. A server that is down
    never gets that far: CONNECT_DELAYED, CLOSED, CONNECT_RETRIED and nothing else."""
    server_public, server_secret = zmq.curve_keypair()
    server, sr = monitored(ctx, zmq.PULL, curve_secretkey=server_secret, curve_server=True)
    ep = tcp_bind(server)
    client_public, client_secret = zmq.curve_keypair()
    client, cr = monitored(
        ctx,
        zmq.PUSH,
        reconnect_ivl=50,
        curve_publickey=client_public,
        curve_secretkey=client_secret,
        curve_serverkey=zmq.curve_keypair()[0],
    )
    client.connect(ep)
    evs = until(cr, zmq.EVENT_CONNECT_RETRIED)
    ks = kinds(evs)
    assert ks[:2] == [zmq.EVENT_CONNECT_DELAYED, zmq.EVENT_CONNECTED], evs
    failed = [e for e in evs if e[0] in HANDSHAKE_FAILED]
    assert len(failed) == 1 and ks.index(failed[0][0]) == 2, evs
    assert ks[3:] == [zmq.EVENT_DISCONNECTED, zmq.EVENT_CONNECT_RETRIED], evs
    assert zmq.EVENT_HANDSHAKE_SUCCEEDED not in ks
    # the server knows why: the HELLO box does not open (libzmq's value)
    sevs = until(sr, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)
    assert sevs[-1][1] == zmq.PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
    # server down: no CONNECTED, no HANDSHAKE_* at all
    down, dr = monitored(
        ctx,
        zmq.PUSH,
        reconnect_ivl=50,
        curve_publickey=client_public,
        curve_secretkey=client_secret,
        curve_serverkey=server_public,
    )
    down.connect("tcp://127.0.0.1:%d" % free_tcp_port())
    dks = kinds([next_event(dr) for _ in range(6)])
    assert dks == [zmq.EVENT_CONNECT_DELAYED, zmq.EVENT_CLOSED, zmq.EVENT_CONNECT_RETRIED] * 2


def test_protocol_failure_on_bound_side(ctx):
    """A 3.x greeting announcing another mechanism: HANDSHAKE_FAILED_PROTOCOL with libzmq's
    MECHANISM_MISMATCH code, then DISCONNECTED (the fd of ACCEPTED)."""
    server, sr = monitored(ctx, zmq.PULL)
    ep = tcp_bind(server)
    raw = socket.create_connection(("127.0.0.1", int(ep.rsplit(":", 1)[1])), timeout=2)
    try:
        raw.sendall(
            b"\xff" + bytes(7) + b"\x01\x7f\x03\x00" + b"PLAIN".ljust(20, b"\0") + bytes(32)
        )
        evs = until(sr, zmq.EVENT_DISCONNECTED)
        assert kinds(evs) == [
            zmq.EVENT_LISTENING,
            zmq.EVENT_ACCEPTED,
            zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL,
            zmq.EVENT_DISCONNECTED,
        ]
        assert evs[2][1] == zmq.PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
        assert evs[3][1] == evs[1][1]
    finally:
        raw.close()


def test_accept_filter_rejection_raises_accept_failed(ctx):
    server, sr = monitored(ctx, zmq.PULL, tcp_accept_filter=b"10.20.30.40")
    ep = tcp_bind(server)
    client = ctx.socket(zmq.PUSH)
    client.linger = 0
    client.connect(ep)
    evs = until(sr, zmq.EVENT_ACCEPT_FAILED)
    assert kinds(evs) == [zmq.EVENT_LISTENING, zmq.EVENT_ACCEPT_FAILED]
    assert evs[1][2] == ep.encode()


# -- never blocking ---------------------------------------------------------------------------
def _flood(s, ep_in_use: str, n_bind: int = 10000, n_connect: int = 500) -> None:
    """10k BIND_FAILED events from this thread, connect/disconnect events from the I/O
    thread; then the socket must still work."""
    for _ in range(n_bind):
        with pytest.raises(zmq.ZMQError):
            s.bind(ep_in_use)
    for _ in range(n_connect):
        s.connect(ep_in_use)
        s.disconnect(ep_in_use)


@pytest.mark.parametrize("reader", ["none", "unread_hwm_1"])
def test_raising_events_never_blocks(ctx, reader):
    """libzmq blocks the raising thread (even inside bind) when the monitor reader is absent
    or full (§7 hazard); purezmq drops or queues instead."""
    holder = ctx.socket(zmq.PULL)
    holder.linger = 0
    ep_in_use = tcp_bind(holder)
    s = ctx.socket(zmq.DEALER)
    s.linger = 0
    addr = _addr()
    s.monitor(addr, zmq.EVENT_ALL)
    r = None
    if reader != "none":
        r = ctx.socket(zmq.PAIR)
        r.rcvhwm = 1
        r.linger = 0
        r.connect(addr)
    t0 = time.monotonic()
    ep = tcp_bind(s)  # 4.0 hangs right here without a reader
    _flood(s, ep_in_use)
    assert time.monotonic() - t0 < 4
    # the socket and its I/O thread are fine
    peer = ctx.socket(zmq.DEALER)
    peer.linger = 0
    peer.connect(ep)
    peer.send(b"still alive")
    assert s.poll(2000) and s.recv() == b"still alive"
    if r is not None:
        # the monitor channel is not wedged: drain it, then a new event comes through
        while r.poll(0):
            r.recv_multipart()
        s.unbind(ep)
        assert until(r, zmq.EVENT_CLOSED)[-1][2] == ep.encode()


def test_unread_monitor_queue_is_bounded(ctx):
    holder = ctx.socket(zmq.PULL)
    holder.linger = 0
    ep_in_use = tcp_bind(holder)
    s = ctx.socket(zmq.DEALER)
    s.linger = 0
    r = ctx.socket(zmq.PAIR)
    r.rcvhwm = 10
    r.linger = 0
    addr = _addr()
    s.monitor(addr)
    r.connect(addr)
    _flood(s, ep_in_use, n_bind=10000, n_connect=0)
    queued = 0
    while r.poll(0):
        r.recv_multipart()
        queued += 1
    assert queued <= 2000, f"{queued} events queued for a reader with RCVHWM 10"


# -- the monitor API ------------------------------------------------------------------------------
@pytest.mark.parametrize("addr", ["tcp://127.0.0.1:9999", "ipc:///tmp/purezmq-mon", "bogus://x"])
def test_monitor_on_non_inproc_eprotonosupport(ctx, addr):
    s = ctx.socket(zmq.PAIR)
    with pytest.raises(zmq.ZMQError) as e:
        s.monitor(addr)
    assert e.value.errno == zmq.EPROTONOSUPPORT
    s.close()


@pytest.mark.parametrize("addr", ["inproc", "inproc://", "", "inproc:/x", "://x"])
def test_monitor_malformed_address_einval(ctx, addr):
    s = ctx.socket(zmq.PAIR)
    with pytest.raises(zmq.ZMQError) as e:
        s.monitor(addr)
    assert e.value.errno == errno.EINVAL
    s.close()


def test_monitor_address_in_use(ctx):
    taken = ctx.socket(zmq.PAIR)
    taken.bind("inproc://monitor-taken")
    s = ctx.socket(zmq.PAIR)
    with pytest.raises(zmq.ZMQError) as e:
        s.monitor("inproc://monitor-taken")
    assert e.value.errno == errno.EADDRINUSE
    s.close()
    taken.close()


def test_monitor_bad_argument_types(ctx):
    s = ctx.socket(zmq.PAIR)
    with pytest.raises(TypeError):
        s.monitor(5)
    s.close()


def test_monitor_accepts_bytes_address(ctx):
    s = ctx.socket(zmq.PAIR)
    s.monitor(b"inproc://monitor-bytes")
    s.monitor(None)
    s.close()


def test_monitor_on_closed_socket_enotsock(ctx):
    s = ctx.socket(zmq.PAIR)
    s.close()
    with pytest.raises(zmq.ZMQError) as e:
        s.monitor("inproc://monitor-closed")
    assert e.value.errno == zmq.ENOTSOCK


def test_disable_monitor(ctx):
    s = ctx.socket(zmq.PULL)
    s.linger = 0
    mon = s.get_monitor_socket()
    s.disable_monitor()
    assert next_event(mon) == (zmq.EVENT_MONITOR_STOPPED, 0, b"")
    tcp_bind(s)
    assert no_event(mon)  # stopped means stopped
    mon.close()
    mon2 = s.get_monitor_socket(zmq.EVENT_LISTENING)
    assert mon2 is not mon
    ep = tcp_bind(s)
    assert next_event(mon2)[0::2] == (zmq.EVENT_LISTENING, ep.encode())
    s.monitor(None)  # MONITOR_STOPPED not selected: nothing
    s.monitor(None)  # and stopping twice is harmless
    assert no_event(mon2)


def test_new_monitor_replaces_the_old_one(ctx):
    s, old = monitored(ctx, zmq.PULL)
    addr = _addr()
    s.monitor(addr, zmq.EVENT_ALL)
    new = ctx.socket(zmq.PAIR)
    new.linger = 0
    new.connect(addr)
    assert next_event(old) == (zmq.EVENT_MONITOR_STOPPED, 0, b"")
    ep = tcp_bind(s)
    assert next_event(new)[0::2] == (zmq.EVENT_LISTENING, ep.encode())
    assert no_event(old, 50)


def test_event_mask_selects_events(ctx):
    s, r = monitored(ctx, zmq.PULL, events=zmq.EVENT_ACCEPTED | zmq.EVENT_CLOSED)
    ep = tcp_bind(s)
    client = ctx.socket(zmq.PUSH)
    client.linger = 0
    client.connect(ep)
    assert next_event(r)[0] == zmq.EVENT_ACCEPTED  # no LISTENING before it
    s.close()
    assert next_event(r)[0::2] == (zmq.EVENT_CLOSED, ep.encode())
    assert no_event(r)  # MONITOR_STOPPED was not selected


def test_monitor_after_bind_sees_later_events(ctx):
    s = ctx.socket(zmq.PULL)
    s.linger = 0
    ep = tcp_bind(s)
    mon = s.get_monitor_socket()
    client = ctx.socket(zmq.PUSH)
    client.linger = 0
    client.connect(ep)
    assert zmq.EVENT_ACCEPTED in kinds(until(mon, zmq.EVENT_ACCEPTED))
