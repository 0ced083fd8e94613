"""Issue 5 features against real libzmq (a pyzmq peer process) and plain TCP programs.

* PROBE_ROUTER and REQ_CORRELATE / REQ_RELAXED from purezmq towards libzmq ROUTERs (the
  other direction, a libzmq prober towards a purezmq ROUTER, is in test_interop_identity);
* STREAM against plain Python TCP clients and servers (HTTP-style exchanges both ways);
* a purezmq STREAM talking to a libzmq STREAM, each side binding in turn (libzmq >= 4.1
  adds connect/disconnect notifications on its side, [id][empty]; 4.0 and purezmq send none);
* the issue-5 options' bad values give EINVAL in both implementations.
"""

from __future__ import annotations

import socket
import struct
import threading

import pytest

import purezmq as zmq

from ._harness import PeerError, describe_all, short
from .conftest import TRANSPORTS

pytestmark = pytest.mark.timeout(20)

TRANSPORT = pytest.mark.parametrize("transport", TRANSPORTS)

REQUEST = b"GET / HTTP/1.0\r\nHost: test\r\n\r\n"
RESPONSE = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nHello, World!"


def _pz(pz, stype, **opts):
    s = pz.socket(stype)
    s.rcvtimeo = 5000
    s.sndtimeo = 5000
    for k, v in opts.items():
        setattr(s, k, v)
    return s


def _hex(descs):
    return [bytes.fromhex(d["hex"]) for d in descs]


# -- PROBE_ROUTER --------------------------------------------------------------------------------
@TRANSPORT
@pytest.mark.parametrize(
    "pz_type",
    [
        "DEALER",
        "REQ",
        "ROUTER",
    ],
)
def test_pz_probe_router_reaches_lz_router(lz, pz, endpoint, transport, pz_type):
    router = lz.socket("ROUTER")
    ep = router.bind(endpoint(transport))
    prober = _pz(pz, getattr(zmq, pz_type), identity=b"X", probe_router=1)
    prober.connect(ep)
    frames, more = router.recv(timeout=500)
    assert frames == describe_all([b"X", b""]) and more == [1, 0]
    if pz_type == "REQ":
        return  # a REQ cannot take an unsolicited reply
    router.send([b"X", b"Hello"])
    if pz_type == "DEALER":
        assert prober.recv() == b"Hello"
    else:
        lz_id, body = prober.recv_multipart()
        assert body == b"Hello"
        prober.send_multipart([lz_id, b"World"])
        assert router.recv()[0] == describe_all([b"X", b"World"])


# -- REQ_CORRELATE / REQ_RELAXED -------------------------------------------------------------------
@TRANSPORT
def test_pz_req_correlate_with_lz_router(lz, pz, endpoint, transport):
    """test_req_correlate across implementations: the request travels as
    [id][4-byte request id][empty][ABC][DEF]; malformed or mismatched replies from libzmq are
    discarded; [request id][empty][GHI] is delivered; the next id is one more (host order)."""
    router = lz.socket("ROUTER")
    ep = router.bind(endpoint(transport))
    req = _pz(pz, zmq.REQ, identity=b"pz-req", req_correlate=1)
    req.connect(ep)
    req.send_multipart([b"ABC", b"DEF"])
    frames, more = router.recv()
    ident, req_id, empty, abc, deff = _hex(frames)
    assert (ident, empty, abc, deff) == (b"pz-req", b"", b"ABC", b"DEF")
    assert len(req_id) == 4 and more == [1, 1, 1, 1, 0]
    (rid,) = struct.unpack("=I", req_id)
    wrong = struct.pack("=I", (rid + 1) & 0xFFFFFFFF)
    for bad in (
        [req_id],
        [req_id, b"GHI"],
        [wrong, b"", b"GHI"],
        [b"", b"GHI"],
        [req_id[:3], b"", b"GHI"],
        [b"", req_id, b"", b"GHI"],
    ):
        router.send([b"pz-req"] + bad)
    router.send([b"pz-req", req_id, b"", b"GHI"])
    assert req.recv_multipart() == [b"GHI"]
    req.send(b"JKL")
    ident, req_id2, empty, body = _hex(router.recv()[0])
    assert struct.unpack("=I", req_id2)[0] == (rid + 1) & 0xFFFFFFFF
    router.send([b"pz-req", req_id, b"", b"stale"])  # the previous id: discarded
    router.send([b"pz-req", req_id2, b"", b"MNO"])
    assert req.recv_multipart() == [b"MNO"]


def test_pz_req_relaxed_with_lz_routers(lz, pz, endpoint):
    """REQ_RELAXED + CORRELATE: a second request while waiting goes to the next ROUTER; the
    late reply to the first one never reaches the application."""
    routers = [lz.socket("ROUTER") for _ in range(2)]
    eps = [r.bind(endpoint("tcp")) for r in routers]
    req = _pz(pz, zmq.REQ, identity=b"rr", req_correlate=1, req_relaxed=1)
    for ep in eps:
        req.connect(ep)
    req.send(b"A")
    _, id_a, _, body = _hex(routers[0].recv()[0])
    assert body == b"A"
    req.send(b"B")  # no EFSM: relaxed
    _, id_b, _, body = _hex(routers[1].recv()[0])
    assert body == b"B"
    routers[0].try_send([b"rr", id_a, b"", b"late A"], timeout=500)  # may find no peer
    routers[1].send([b"rr", id_b, b"", b"reply B"])
    assert req.recv_multipart() == [b"reply B"]
    assert not req.poll(100)


# -- STREAM vs plain TCP programs ------------------------------------------------------------------
def _collect(stream, conn_id: bytes, n: int) -> bytes:
    data = b""
    while len(data) < n:
        ident, chunk = stream.recv_multipart()
        assert ident == conn_id and chunk, (ident, chunk)
        data += chunk
    assert len(data) == n
    return data


def _read_to_eof(conn: socket.socket) -> bytes:
    data = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk


def test_pz_stream_serves_plain_tcp_clients(pz):
    """Three HTTP-style clients at once: each gets its own 5-byte connection id, its own
    response, then EOF when the server sends the empty frame."""
    server = _pz(pz, zmq.STREAM)
    server.bind("tcp://127.0.0.1:*")
    port = int(server.last_endpoint.decode().rsplit(":", 1)[1])
    clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
    try:
        for i, c in enumerate(clients):
            c.sendall(REQUEST.replace(b"/", b"/%d" % i, 1))
        ids = {}
        while len(ids) < 3:
            ident, data = server.recv_multipart()
            assert len(ident) == 5 and ident[0] == 0
            ids.setdefault(ident, b"")
            ids[ident] += data
        for ident, req in ids.items():
            while not req.endswith(b"\r\n\r\n"):
                req += _collect(server, ident, 1)
            ids[ident] = req
        for ident, req in ids.items():
            n = int(req.split(b" ")[1][1:])
            server.send_multipart([ident, RESPONSE + b" #%d" % n])
            server.send_multipart([ident, b""])  # close
        for i, c in enumerate(clients):
            assert _read_to_eof(c) == RESPONSE + b" #%d" % i
    finally:
        for c in clients:
            c.close()


def test_pz_stream_large_exchange_with_plain_tcp_client(pz):
    server = _pz(pz, zmq.STREAM)
    server.bind("tcp://127.0.0.1:*")
    port = int(server.last_endpoint.decode().rsplit(":", 1)[1])
    blob = bytes(range(256)) * 4096  # 1 MiB
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        sender = threading.Thread(target=c.sendall, args=(blob,))
        sender.start()
        ident, first = server.recv_multipart()
        data = first + _collect(server, ident, len(blob) - len(first))
        sender.join(5)
        assert data == blob
        server.send_multipart([ident, blob])
        server.send_multipart([ident, b""])
        assert _read_to_eof(c) == blob


def test_pz_stream_client_of_plain_tcp_server(pz):
    """purezmq STREAM as an HTTP client: the id is known right after connect; the server's
    response arrives as [id][bytes...]; its close raises no notification (4.0)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(5)
    try:
        client = _pz(pz, zmq.STREAM)
        client.connect("tcp://127.0.0.1:%d" % listener.getsockname()[1])
        conn_id = client.getsockopt(zmq.IDENTITY)
        assert len(conn_id) == 5 and conn_id[0] == 0
        client.send_multipart([conn_id, REQUEST])
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(5)
            got = b""
            while not got.endswith(b"\r\n\r\n"):
                got += conn.recv(4096)
            assert got == REQUEST
            conn.sendall(RESPONSE)
        assert _collect(client, conn_id, len(RESPONSE)) == RESPONSE
        assert not client.poll(100)  # no disconnect notification in 4.0
    finally:
        listener.close()


# -- purezmq STREAM <-> libzmq STREAM -----------------------------------------------------------
def test_pz_stream_connects_to_lz_stream(lz, pz):
    server = lz.socket("STREAM")
    ep = server.bind("tcp://127.0.0.1:*")
    client = _pz(pz, zmq.STREAM)
    client.connect(ep)
    pz_id = client.getsockopt(zmq.IDENTITY)
    client.send_multipart([pz_id, REQUEST])
    lz_id, note = _hex(server.recv()[0])
    if note == b"":  # libzmq >= 4.1: connect notification first
        lz_id2, note = _hex(server.recv()[0])
        assert lz_id2 == lz_id
    assert note == REQUEST
    server.send([lz_id, RESPONSE])
    assert _collect(client, pz_id, len(RESPONSE)) == RESPONSE
    server.send([lz_id, b""])  # libzmq closes the connection
    assert not client.poll(100)  # and purezmq (4.0) reports nothing


def test_lz_stream_connects_to_pz_stream(lz, pz):
    server = _pz(pz, zmq.STREAM)
    server.bind("tcp://127.0.0.1:*")
    client = lz.socket("STREAM")
    client.connect(server.last_endpoint.decode())
    lz_id, note = _hex(client.recv()[0])
    assert note == b"", short(note)  # libzmq's connect notification, nothing from purezmq
    client.send([lz_id, REQUEST])
    pz_id, data = server.recv_multipart()
    data += b"" if data == REQUEST else _collect(server, pz_id, len(REQUEST) - len(data))
    assert data == REQUEST
    server.send_multipart([pz_id, RESPONSE])
    server.send_multipart([pz_id, b""])  # purezmq closes the connection after the response
    got = b""
    while len(got) < len(RESPONSE):
        ident, chunk = _hex(client.recv()[0])
        assert ident == lz_id and chunk
        got += chunk
    assert got == RESPONSE
    # libzmq saw the close: its disconnect notification
    assert _hex(client.recv()[0]) == [lz_id, b""]


# -- the issue-5 options: the same EINVAL on both sides ------------------------------------------
BAD_OPTIONS = [
    ("DEALER", "ROUTER_RAW", 1),
    ("ROUTER", "ROUTER_RAW", -1),
    ("PUB", "PROBE_ROUTER", 1),
    ("DEALER", "PROBE_ROUTER", -1),
    ("DEALER", "IMMEDIATE", 2),
    ("PULL", "CONFLATE", 2),
    ("PULL", "TCP_ACCEPT_FILTER", b"1.2.3.4/33"),
    ("PULL", "TCP_ACCEPT_FILTER", b"nonsense"),
    ("PULL", "TCP_ACCEPT_FILTER", b"localhost"),
    ("PULL", "TCP_ACCEPT_FILTER", b"\x001.2.3.4"),
    ("REQ", "REQ_CORRELATE", -1),
    ("DEALER", "REQ_RELAXED", 1),
]


def test_issue5_bad_options_einval_in_both(lz, pz):
    for type_name, option, value in BAD_OPTIONS:
        remote = lz.socket(type_name)
        with pytest.raises(PeerError) as e:
            remote.setsockopt(**{option: value})
        assert e.value.err == "EINVAL", (type_name, option, value)
        local = pz.socket(getattr(zmq, type_name))
        with pytest.raises(zmq.ZMQError) as le:
            local.setsockopt(getattr(zmq, option), value)
        assert le.value.errno == zmq.EINVAL, (type_name, option, value)
        local.close()
        remote.close()
