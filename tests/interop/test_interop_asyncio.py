"""purezmq.asyncio services against libzmq peers (pyzmq wheel, in the harness's own process):
an awaiting REP and ROUTER serving libzmq clients, a flood into an awaiting PULL with
receives cancelled at random, an awaiting PUSH held back by a libzmq PULL's HWM, and PLAIN /
CURVE clients admitted (or refused) by the AsyncioAuthenticator.

Each test runs one coroutine on a fresh loop; the harness's blocking peer calls run in a
worker thread (``asyncio.to_thread``) so the loop keeps serving meanwhile.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any, List

import pytest

import purezmq as zmq
import purezmq.asyncio as zaio
from purezmq.auth.asyncio import AsyncioAuthenticator
from purezmq.utils.monitor import recv_monitor_message

from ._harness import describe_all, gen, seq_msg, short
from .conftest import TRANSPORTS

pytestmark = pytest.mark.timeout(15)

TRANSPORT = pytest.mark.parametrize("transport", TRANSPORTS)


def run(coro: Any, kind: str = "asyncio", timeout: float = 12.0) -> Any:
    if kind == "uvloop":
        loop = pytest.importorskip("uvloop").new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(asyncio.wait_for(coro, timeout))
    finally:
        loop.close()


@pytest.fixture
def apz(pz):
    """The ``pz`` context (LINGER 0 by default, destroyed after the test), asyncio flavour."""
    return zaio.Context(pz)


def bound(sock: Any, endpoint: Any, transport: str) -> str:
    sock.bind(endpoint(transport))
    return sock.last_endpoint.decode()


@TRANSPORT
@pytest.mark.parametrize("kind", ["asyncio", "uvloop"])
def test_asyncio_rep_serves_libzmq_req(lz, apz, endpoint, transport, kind):
    rep = apz.socket(zmq.REP)
    ep = bound(rep, endpoint, transport)
    req = lz.socket("REQ")
    req.connect(ep)
    requests = [[b"%d" % i, gen(f"q{i}", i * 37 % 700)] for i in range(25)]
    requests.append([b"", b"", gen("big", 300_000)])

    async def serve() -> None:
        while True:
            msg = await rep.recv_multipart()
            await rep.send_multipart(msg[::-1])

    async def main() -> None:
        task = asyncio.ensure_future(serve())
        try:
            for msg in requests:
                await asyncio.to_thread(req.send, msg)
                frames, _more = await asyncio.to_thread(req.recv)
                assert short(frames) == short(describe_all(msg[::-1]))
                assert frames == describe_all(msg[::-1])
        finally:
            task.cancel()

    run(main(), kind)


@TRANSPORT
def test_asyncio_router_echoes_libzmq_dealer(lz, apz, endpoint, transport):
    """Many requests in flight: the libzmq DEALER sends them all before reading any echo."""
    router = apz.socket(zmq.ROUTER)
    ep = bound(router, endpoint, transport)
    dealer = lz.socket("DEALER")
    dealer.connect(ep)
    n = 800  # below both HWMs: a ROUTER drops what a full peer cannot take

    async def main() -> None:
        lz.submit("send_many", sock=dealer.sid, n=n, prefix="d", size=40)
        for i in range(n):
            ident, body = await router.recv_multipart()
            assert body == seq_msg("d", i, 40)
            await router.send_multipart([ident, body])
        assert (await asyncio.to_thread(lz.result))["sent"] == n
        lz.submit("recv_many", sock=dealer.sid, n=n, prefix="d", size=40)
        res = await asyncio.to_thread(lz.result)
        assert res == {"count": n, "bad": None, "ok": True}

    run(main())


@TRANSPORT
def test_libzmq_flood_into_cancelled_receives(lz, apz, endpoint, transport):
    """A libzmq PUSH floods an awaiting PULL whose receives come in batches, some cancelled
    at random moments: every message arrives once and in order."""
    pull = apz.socket(zmq.PULL)
    pull.rcvhwm = 20
    ep = bound(pull, endpoint, transport)
    push = lz.socket("PUSH", SNDHWM=20)
    push.connect(ep)
    n = 4000

    async def main() -> List[bytes]:
        rnd = random.Random(1085)
        lz.submit("send_many", sock=push.sid, n=n, prefix="f", size=24)
        got: List[bytes] = []
        cancelled = 0
        while len(got) < n:
            futs = [pull.recv() for _ in range(rnd.randint(1, min(6, n - len(got))))]
            r = rnd.random()
            if r < 0.3:
                await asyncio.sleep(0)
            elif r < 0.5:
                await asyncio.wait(futs, timeout=0.0002)
            for f in futs:
                if rnd.random() < 0.4 and f.cancel():
                    cancelled += 1
                    continue
                got.append(await f)
                if len(got) == n:
                    break
            for f in futs:  # after the last message: nothing more may arrive
                if not f.done():
                    assert f.cancel()
        assert (await asyncio.to_thread(lz.result))["sent"] == n
        assert cancelled > 0
        assert await pull.poll(0) == 0
        return got

    assert run(main()) == [seq_msg("f", i, 24) for i in range(n)]


@TRANSPORT
def test_asyncio_push_waits_for_libzmq_pull(lz, apz, endpoint, transport):
    """All sends are issued at once; the HWM holds most of them pending until the libzmq
    PULL drains; they complete in order and every message arrives."""
    push = apz.socket(zmq.PUSH)
    push.sndhwm = 10
    ep = bound(push, endpoint, transport)
    pull = lz.socket("PULL", RCVHWM=10)
    pull.connect(ep)
    n = 3000

    async def main() -> None:
        futs = [push.send(seq_msg("p", i, 32)) for i in range(n)]
        assert not futs[-1].done()
        lz.submit("recv_many", sock=pull.sid, n=n, prefix="p", size=32)
        await asyncio.gather(*futs)
        res = await asyncio.to_thread(lz.result)
        assert res == {"count": n, "bad": None, "ok": True}

    run(main())


# -- security with the asyncio authenticator --------------------------------------------------
async def _first_handshake_event(mon: Any) -> int:
    wanted = (
        zmq.EVENT_HANDSHAKE_SUCCEEDED,
        zmq.EVENT_HANDSHAKE_FAILED_AUTH,
        zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL,
        zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL,
    )
    while True:
        ev = await recv_monitor_message(mon)
        if ev["event"] in wanted:
            return ev["event"]


@pytest.mark.parametrize("password, ok", [(b"secret", True), (b"wrong", False)])
def test_plain_libzmq_client_via_asyncio_authenticator(lz, apz, endpoint, password, ok):
    async def main() -> None:
        auth = AsyncioAuthenticator(apz)
        auth.start()
        try:
            auth.configure_plain(domain="*", passwords={"admin": "secret"})
            pull = apz.socket(zmq.PULL)
            pull.plain_server = True
            mon = pull.get_monitor_socket()
            ep = bound(pull, endpoint, "tcp")
            push = lz.socket("PUSH", PLAIN_USERNAME=b"admin", PLAIN_PASSWORD=password)
            await asyncio.to_thread(push.connect, ep)
            event = await _first_handshake_event(mon)
            if not ok:
                assert event == zmq.EVENT_HANDSHAKE_FAILED_AUTH
                assert await pull.poll(0) == 0
                return
            assert event == zmq.EVENT_HANDSHAKE_SUCCEEDED
            await asyncio.to_thread(push.send, [b"hello", b"plain"])
            frame = await pull.recv(copy=False)
            assert frame.bytes == b"hello" and frame.get("User-Id") == "admin"
            assert await pull.recv() == b"plain"
        finally:
            auth.stop()

    run(main())


@pytest.mark.skipif(not zmq.has("curve"), reason="CURVE needs PyNaCl")
@pytest.mark.parametrize("known", [True, False], ids=["known-key", "unknown-key"])
def test_curve_libzmq_client_via_asyncio_authenticator(lz, apz, endpoint, known, tmp_path):
    server_public, server_secret = zmq.curve_keypair()
    client_public, client_secret = zmq.curve_keypair()

    class Keys:
        async def callback(self, domain: str, key: bytes) -> bool:
            await asyncio.sleep(0)
            return key == client_public

    async def main() -> None:
        auth = AsyncioAuthenticator(apz)
        auth.start()
        try:
            if known:
                auth.configure_curve_callback(domain="*", credentials_provider=Keys())
            else:
                auth.configure_curve(domain="*", location=str(tmp_path))  # no certificates
            rep = apz.socket(zmq.REP)
            rep.curve_secretkey = server_secret
            rep.curve_server = True
            mon = rep.get_monitor_socket()
            ep = bound(rep, endpoint, "tcp")
            req = lz.socket(
                "REQ",
                CURVE_SERVERKEY=server_public,
                CURVE_PUBLICKEY=client_public,
                CURVE_SECRETKEY=client_secret,
            )
            await asyncio.to_thread(req.connect, ep)
            event = await _first_handshake_event(mon)
            if not known:
                assert event == zmq.EVENT_HANDSHAKE_FAILED_AUTH
                return
            assert event == zmq.EVENT_HANDSHAKE_SUCCEEDED
            for i in range(5):
                await asyncio.to_thread(req.send, [b"ping %d" % i])
                frame = await rep.recv(copy=False)
                assert frame.bytes == b"ping %d" % i
                assert frame.get("User-Id") == client_public.decode()
                await rep.send(b"pong %d" % i)
                frames, _ = await asyncio.to_thread(req.recv)
                assert frames == describe_all([b"pong %d" % i])
        finally:
            auth.stop()

    run(main())
