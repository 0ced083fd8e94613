"""End-to-end basics over each transport."""

from __future__ import annotations

import pytest

import purezmq as zmq


@pytest.mark.parametrize("transport", ["inproc", "ipc", "tcp"])
def test_pair_bounce(ctx, transport, tmp_path):
    a = ctx.socket(zmq.PAIR)
    b = ctx.socket(zmq.PAIR)
    if transport == "tcp":
        port = a.bind_to_random_port("tcp://127.0.0.1")
        ep = f"tcp://127.0.0.1:{port}"
    elif transport == "ipc":
        ep = f"ipc://{tmp_path}/pair.sock"
        a.bind(ep)
    else:
        ep = "inproc://pair"
        a.bind(ep)
    b.connect(ep)
    a.rcvtimeo = b.rcvtimeo = 5000
    b.send_multipart([b"hello", b"", b"x" * 300])
    assert a.recv_multipart() == [b"hello", b"", b"x" * 300]
    a.send(b"back")
    assert b.recv() == b"back"
    assert not b.rcvmore


@pytest.mark.parametrize("transport", ["inproc", "ipc", "tcp"])
def test_req_rep(ctx, transport, tmp_path):
    rep = ctx.socket(zmq.REP)
    req = ctx.socket(zmq.REQ)
    ep = {"inproc": "inproc://rr", "ipc": f"ipc://{tmp_path}/rr.sock", "tcp": "tcp://127.0.0.1:*"}[
        transport
    ]
    rep.bind(ep)
    req.connect(rep.last_endpoint.decode())
    req.rcvtimeo = rep.rcvtimeo = 5000
    for i in range(10):
        req.send_string(f"q{i}")
        assert rep.recv_string() == f"q{i}"
        rep.send_string(f"a{i}")
        assert req.recv_string() == f"a{i}"
