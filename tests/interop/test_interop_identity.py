"""ROUTER identities across implementations: explicit IDENTITY, auto-generated ids, and
the 4.0 "first connection wins" rule for a duplicate identity."""

from __future__ import annotations

import pytest

import purezmq as zmq

from ._harness import describe_all, local_recv, local_try_recv, more_flags
from .conftest import TRANSPORTS

pytestmark = pytest.mark.timeout(20)

BIND = pytest.mark.parametrize("pz_binds", [True, False], ids=["pzbind", "lzbind"])
TRANSPORT = pytest.mark.parametrize("transport", TRANSPORTS)


def link(local, remote, endpoint, transport, pz_binds):
    ep = endpoint(transport)
    if pz_binds:
        local.bind(ep)
        remote.connect(local.last_endpoint.decode())
    else:
        local.connect(remote.bind(ep))


@TRANSPORT
@BIND
def test_lz_dealer_identity_to_pz_router(lz, pz, endpoint, transport, pz_binds):
    router = pz.socket(zmq.ROUTER)
    router.rcvtimeo = 5000
    dealer = lz.socket("DEALER", IDENTITY=b"lz-dealer-1")
    link(router, dealer, endpoint, transport, pz_binds)
    dealer.send([b"hi", b""])
    frames, more = local_recv(router)
    assert frames == describe_all([b"lz-dealer-1", b"hi", b""])
    assert more == [1, 1, 0]
    router.send_multipart([b"lz-dealer-1", b"back"])
    assert dealer.recv()[0] == describe_all([b"back"])


@TRANSPORT
@BIND
def test_pz_dealer_identity_to_lz_router(lz, pz, endpoint, transport, pz_binds):
    dealer = pz.socket(zmq.DEALER)
    dealer.identity = b"pz-dealer-1"
    dealer.rcvtimeo = 5000
    router = lz.socket("ROUTER")
    link(dealer, router, endpoint, transport, pz_binds)
    dealer.send_multipart([b"hi", b""])
    frames, more = router.recv()
    assert frames == describe_all([b"pz-dealer-1", b"hi", b""])
    assert more == [1, 1, 0]
    router.send([b"pz-dealer-1", b"back"])
    assert dealer.recv_multipart() == [b"back"]


@TRANSPORT
def test_pz_req_identity_to_lz_router(lz, pz, endpoint, transport):
    req = pz.socket(zmq.REQ)
    req.identity = b"pz-req"
    req.rcvtimeo = 5000
    router = lz.socket("ROUTER")
    link(req, router, endpoint, transport, False)
    req.send(b"q")
    frames, _ = router.recv()
    assert frames == describe_all([b"pz-req", b"", b"q"])
    router.send([b"pz-req", b"", b"a"])
    assert req.recv() == b"a"


@TRANSPORT
def test_lz_req_identity_to_pz_router(lz, pz, endpoint, transport):
    router = pz.socket(zmq.ROUTER)
    router.rcvtimeo = 5000
    req = lz.socket("REQ", IDENTITY=b"lz-req")
    link(router, req, endpoint, transport, True)
    req.send([b"q"])
    assert router.recv_multipart() == [b"lz-req", b"", b"q"]
    router.send_multipart([b"lz-req", b"", b"a"])
    assert req.recv()[0] == describe_all([b"a"])


@TRANSPORT
def test_pz_router_auto_ids(lz, pz, endpoint, transport):
    """Anonymous libzmq peers get 5-byte ids 0x00 + uint32 (consecutive), replies route."""
    router = pz.socket(zmq.ROUTER)
    router.rcvtimeo = 5000
    router.bind(endpoint(transport))
    ep = router.last_endpoint.decode()
    dealers = [lz.socket("DEALER") for _ in range(3)]
    ids = {}
    for n, d in enumerate(dealers):
        d.connect(ep)
        d.send([f"from{n}".encode()])
        rid, body = router.recv_multipart()
        assert body == f"from{n}".encode()
        assert len(rid) == 5 and rid[0] == 0, rid
        ids[n] = rid
    assert len(set(ids.values())) == 3
    nums = sorted(int.from_bytes(i[1:], "big") for i in ids.values())
    assert nums == [nums[0], (nums[0] + 1) % 2**32, (nums[0] + 2) % 2**32], ids
    for n in reversed(range(3)):
        router.send_multipart([ids[n], f"to{n}".encode()])
    for n, d in enumerate(dealers):
        assert d.recv()[0] == describe_all([f"to{n}".encode()])


@TRANSPORT
def test_lz_router_auto_id_for_pz_dealer(lz, pz, endpoint, transport):
    router = lz.socket("ROUTER")
    dealer = pz.socket(zmq.DEALER)
    dealer.rcvtimeo = 5000
    link(dealer, router, endpoint, transport, False)
    dealer.send(b"x")
    frames, more = router.recv()
    rid = bytes.fromhex(frames[0]["hex"])
    assert len(rid) == 5 and rid[0] == 0
    assert frames[1:] == describe_all([b"x"]) and more == more_flags(2)
    router.send([rid, b"y"])
    assert dealer.recv() == b"y"


@TRANSPORT
def test_pz_router_duplicate_identity_first_wins(lz, pz, endpoint, transport):
    router = pz.socket(zmq.ROUTER)
    router.rcvtimeo = 5000
    router.bind(endpoint(transport))
    ep = router.last_endpoint.decode()
    first = lz.socket("DEALER", IDENTITY=b"dup")
    first.connect(ep)
    first.send([b"one"])
    assert router.recv_multipart() == [b"dup", b"one"]
    second = lz.socket("DEALER", IDENTITY=b"dup")
    second.connect(ep)
    second.send([b"two"])
    first.send([b"three"])
    assert router.recv_multipart() == [b"dup", b"three"]
    # the second connection's message never shows up, replies still reach the first one
    assert local_try_recv(router, 300) is None
    router.send_multipart([b"dup", b"reply"])
    assert first.recv()[0] == describe_all([b"reply"])
    assert second.try_recv(100) is None


@TRANSPORT
@pytest.mark.parametrize("lz_type", ["DEALER", "ROUTER"])
def test_lz_probe_router_reaches_pz_router(lz, pz, endpoint, transport, lz_type):
    """A libzmq socket with PROBE_ROUTER connecting to a purezmq ROUTER: the ROUTER sees
    [its identity, empty] at once and can answer without waiting for real traffic."""
    router = pz.socket(zmq.ROUTER)
    router.identity = b"pz-router"
    router.rcvtimeo = 5000
    router.bind(endpoint(transport))
    prober = lz.socket(lz_type, IDENTITY=b"prober", PROBE_ROUTER=1)
    prober.connect(router.last_endpoint.decode())
    frames, more = local_recv(router)
    assert frames == describe_all([b"prober", b""]) and more == [1, 0]
    router.send_multipart([b"prober", b"welcome"])
    expected = [b"pz-router", b"welcome"] if lz_type == "ROUTER" else [b"welcome"]
    assert prober.recv()[0] == describe_all(expected)
