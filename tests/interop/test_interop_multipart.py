"""Multipart messages across the wire: empty frames, the 255/256-byte short/long frame
boundary, and multi-megabyte frames — exact content and RCVMORE on every frame."""

from __future__ import annotations

import pytest

import purezmq as zmq

from ._harness import describe_all, gen, local_recv, more_flags, short
from .conftest import TRANSPORTS

pytestmark = pytest.mark.timeout(30)

MB5 = 5 * 1024 * 1024

MESSAGES = {
    "boundaries": [
        b"",
        gen("b1", 1),
        gen("b255", 255),
        gen("b256", 256),
        gen("b257", 257),
        b"",
        gen("b65536", 65536),
        b"",
    ],
    "big": [b"head", gen("big5", MB5), b"", gen("b256x", 256), b"tail"],
    "single-empty": [b""],
    "many-frames": [gen(f"f{i}", i % 7 * 40) for i in range(200)],
}


def setup_pair(lz, pz, endpoint, transport, pz_binds, pz_type="PAIR", lz_type="PAIR"):
    local = pz.socket(getattr(zmq, pz_type))
    local.rcvtimeo = local.sndtimeo = 10000
    remote = lz.socket(lz_type)
    ep = endpoint(transport)
    if pz_binds:
        local.bind(ep)
        remote.connect(local.last_endpoint.decode())
    else:
        local.connect(remote.bind(ep))
    return local, remote


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("pz_binds", [True, False], ids=["pzbind", "lzbind"])
@pytest.mark.parametrize("kind", list(MESSAGES))
def test_multipart_pz_to_lz(lz, pz, endpoint, transport, pz_binds, kind):
    local, remote = setup_pair(lz, pz, endpoint, transport, pz_binds)
    msg = MESSAGES[kind]
    local.send_multipart(msg)
    local.send(b"after")  # the next message still lines up after the big one
    frames, more = remote.recv(timeout=10000)
    assert short(frames) == short(describe_all(msg))
    assert frames == describe_all(msg)
    assert more == more_flags(len(msg))
    frames, more = remote.recv()
    assert frames == describe_all([b"after"]) and more == [0]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("pz_binds", [True, False], ids=["pzbind", "lzbind"])
@pytest.mark.parametrize("kind", list(MESSAGES))
def test_multipart_lz_to_pz(lz, pz, endpoint, transport, pz_binds, kind):
    local, remote = setup_pair(lz, pz, endpoint, transport, pz_binds)
    msg = MESSAGES[kind]
    remote.send(msg, timeout=10000)
    remote.send([b"after"])
    frames, more = local_recv(local)
    assert short(frames) == short(describe_all(msg))
    assert frames == describe_all(msg)
    assert more == more_flags(len(msg))
    assert not local.rcvmore
    assert local.recv() == b"after" and not local.rcvmore
    # recv_multipart on the same kind of message gives the exact bytes back
    remote.send(msg, timeout=10000)
    got = local.recv_multipart()
    assert [len(f) for f in got] == [len(f) for f in msg]
    assert got == [bytes(f) for f in msg]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_big_frames_through_router_envelope(lz, pz, endpoint, transport):
    """libzmq DEALER -> purezmq ROUTER -> back, with a 5 MB body and empty frames."""
    local = pz.socket(zmq.ROUTER)
    local.rcvtimeo = local.sndtimeo = 10000
    local.bind(endpoint(transport))
    remote2 = lz.socket("DEALER", IDENTITY=b"big-d")
    remote2.connect(local.last_endpoint.decode())
    msg = [b"", gen("rt5", MB5), b"", b"z"]
    remote2.send(msg, timeout=10000)
    frames, more = local_recv(local)
    assert frames == describe_all([b"big-d"] + msg)
    assert more == more_flags(len(msg) + 1)
    local.send_multipart([b"big-d"] + list(reversed(msg)))
    frames, more = remote2.recv(timeout=10000)
    assert frames == describe_all(list(reversed(msg)))
    assert more == more_flags(len(msg))
