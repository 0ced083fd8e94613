"""A peer that breaks the rules costs exactly its own connection (DESIGN: errors and bad
input): oversized messages past MAXMSGSIZE, in both directions, while other peers go on."""

from __future__ import annotations

import time

import pytest

import purezmq as zmq

from ._harness import describe_all, gen, local_try_recv
from .conftest import TRANSPORTS

pytestmark = pytest.mark.timeout(20)

TRANSPORT = pytest.mark.parametrize("transport", TRANSPORTS)


@TRANSPORT
def test_pz_maxmsgsize_drops_only_the_offender(lz, pz, endpoint, transport):
    pull = pz.socket(zmq.PULL)
    pull.maxmsgsize = 1000
    pull.rcvtimeo = 5000
    pull.bind(endpoint(transport))
    ep = pull.last_endpoint.decode()
    good = lz.socket("PUSH")
    good.connect(ep)
    bad = lz.socket("PUSH", RECONNECT_IVL=20)
    bad.connect(ep)
    good.send([b"g0"])
    assert pull.recv() == b"g0"
    bad.send([b"fits", gen("ok1000", 1000)])  # exactly at the limit: fine
    assert pull.recv_multipart() == [b"fits", gen("ok1000", 1000)]
    bad.send([gen("big", 1001)])  # one byte too many: that connection is closed
    for i in range(1, 20):
        good.send([b"g%d" % i])
        assert pull.recv() == b"g%d" % i
    # the offender reconnects; retry a small message until one arrives
    deadline = time.monotonic() + 5
    while True:
        bad.send([b"again"])
        got = local_try_recv(pull, 50)
        if got is not None:
            assert got == describe_all([b"again"])
            break
        assert time.monotonic() < deadline, "the offending peer never got back in"
    assert local_try_recv(pull, 50) in (None, describe_all([b"again"]))


@TRANSPORT
def test_lz_maxmsgsize_pz_reconnects(lz, pz, endpoint, transport):
    """libzmq drops a purezmq connection that sent an oversized message; purezmq's
    connecting PUSH reconnects and small messages flow again."""
    pull = lz.socket("PULL", MAXMSGSIZE=1000)
    push = pz.socket(zmq.PUSH)
    push.sndtimeo = 5000
    push.connect(pull.bind(endpoint(transport)))
    push.send(b"small")
    assert pull.recv()[0] == describe_all([b"small"])
    push.send(gen("big2", 5000))
    deadline = time.monotonic() + 5
    while True:
        push.send(b"after")
        frames = pull.try_recv(50)
        if frames is not None:
            assert frames == describe_all([b"after"])
            break
        assert time.monotonic() < deadline, "purezmq never reconnected"


@TRANSPORT
def test_pz_rep_discards_requests_without_delimiter(lz, pz, endpoint, transport):
    rep = pz.socket(zmq.REP)
    rep.rcvtimeo = 5000
    rep.bind(endpoint(transport))
    dealer = lz.socket("DEALER")
    dealer.connect(rep.last_endpoint.decode())
    dealer.send([b"no-delimiter"])
    dealer.send([b"also", b"none"])
    dealer.send([b"", b"ok", b""])
    assert rep.recv_multipart() == [b"ok", b""]
    rep.send(b"reply")
    assert dealer.recv()[0] == describe_all([b"", b"reply"])


@TRANSPORT
def test_pz_req_ignores_malformed_replies(lz, pz, endpoint, transport):
    req = pz.socket(zmq.REQ)
    req.identity = b"asker"
    req.rcvtimeo = 5000
    router = lz.socket("ROUTER")
    req.connect(router.bind(endpoint(transport)))
    req.send(b"q")
    assert router.recv()[0] == describe_all([b"asker", b"", b"q"])
    router.send([b"asker", b"no-delimiter"])
    router.send([b"asker", b"x", b"", b"wrong-envelope"])
    router.send([b"asker", b"", b"good"])
    assert req.recv_multipart() == [b"good"]
