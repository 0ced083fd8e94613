"""Security interop: purezmq <-> libzmq (pyzmq wheel, always in its own process) with PLAIN,
CURVE and ZAP, both roles, the server binding and connecting.

* ZAP handlers on both sides: purezmq's ThreadAuthenticator on a purezmq server, pyzmq's
  ThreadAuthenticator (inside the peer process) on a libzmq server.
* CURVE with a wrong server key: nothing gets through, HANDSHAKE_FAILED_* fires, and the
  purezmq client backs off (field lessons 7/8), not a tight reconnect loop.
* More than 300 CURVE messages each way (lesson 9); a CURVE PUB bursting to a libzmq SUB
  (lesson 11), paced only by HWM semantics.
* Bad input at a purezmq CURVE server from a raw TCP peer (old ZMTP, tampered CurveZMQ
  commands, garbage): that connection is closed, the server and its other clients go on,
  and no secret key shows up in logs or exception texts.

The libzmq side is the harness's peer.py extended by a few commands (ZAP, monitor events,
echo loops); the extension is written out by the ``peer_proc`` fixture below and imports
peer.py, so this module needs no file of its own.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import time
from typing import Any, Dict, List, Optional, Tuple

import pytest
from nacl.bindings import crypto_box, crypto_box_open, crypto_scalarmult_base

import purezmq as zmq
from purezmq._core import _socket as core_socket
from purezmq.auth import create_certificates
from purezmq.auth.thread import ThreadAuthenticator
from purezmq.utils import z85
from purezmq.utils.monitor import recv_monitor_message

from . import _harness
from ._harness import Peer, describe_all, seq_msg

pytestmark = pytest.mark.timeout(10)

BINDS = pytest.mark.parametrize(
    "server_binds", [True, False], ids=["server-binds", "server-connects"]
)
WAIT_MS = 3000

# -- the libzmq peer, extended -------------------------------------------------------------
SEC_PEER = r'''
"""peer.py plus security commands (see test_interop_security.py)."""
import errno, json, os, sys, time
sys.path.insert(0, sys.argv[1])
import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.auth import CURVE_ALLOW_ANY
from zmq.utils.monitor import recv_monitor_message
import peer as base


class KeyList:
    def __init__(self, keys):
        self.keys = set(k.encode() for k in keys)

    def callback(self, domain, key):
        return key in self.keys


class SecPeer(base.Peer):
    def __init__(self):
        super().__init__()
        self.auth = None
        self.mons = {}

    def cmd_auth_start(self, req):
        self.cmd_auth_stop(req)
        a = self.auth = ThreadAuthenticator(self.ctx)
        # libzmq releases the inproc name of a closed ZAP socket asynchronously
        for _ in range(200):
            try:
                a.start()
                break
            except zmq.ZMQError as e:
                if e.errno != errno.EADDRINUSE:
                    raise
                if a.zap_socket is not None:
                    a.zap_socket.close(linger=0)
                    a.zap_socket = None
                time.sleep(0.005)
        if req.get("allow"):
            a.allow(*req["allow"])
        if req.get("deny"):
            a.deny(*req["deny"])
        domain = req.get("domain", "*")
        if "passwords" in req:
            a.configure_plain(domain=domain, passwords=req["passwords"])
        if req.get("curve_any"):
            a.configure_curve(domain=domain, location=CURVE_ALLOW_ANY)
        if "curve_dir" in req:
            a.configure_curve(domain=domain, location=req["curve_dir"])
        if "curve_keys" in req:
            provider = KeyList(req["curve_keys"])
            a.configure_curve_callback(domain=domain, credentials_provider=provider)
        return {}

    def cmd_auth_stop(self, req):
        if self.auth is not None:
            self.auth.stop()
            self.auth = None
        return {}

    def cmd_monitor(self, req):
        self.mons[req["sock"]] = self.sock(req).get_monitor_socket()
        return {}

    def cmd_events(self, req):
        """Monitor events of ``sock`` until ``quiet`` ms pass without one (or ``total`` ms)."""
        mon = self.mons[req["sock"]]
        out, end = [], time.monotonic() + req.get("total", 5000) / 1000
        while time.monotonic() < end and mon.poll(req.get("quiet", 200)):
            ev = recv_monitor_message(mon)
            out.append([zmq.Event(ev["event"]).name, int(ev["value"])])
        return {"events": out}

    def cmd_recv_user_id(self, req):
        s = self.sock(req)
        s.setsockopt(zmq.RCVTIMEO, req.get("timeout", 5000))
        f = s.recv(copy=False)
        return {"frame": f.bytes.hex(), "user_id": f.get("User-Id")}

    def cmd_echo(self, req):
        """REP or ROUTER: send every message back, ``n`` times."""
        s = self.sock(req)
        s.setsockopt(zmq.RCVTIMEO, req.get("timeout", 5000))
        for i in range(req["n"]):
            s.send_multipart(s.recv_multipart())
        return {"echoed": req["n"]}

    def cmd_req_many(self, req):
        """REQ: n round trips of seq_msg(prefix, i, size), each reply checked."""
        s = self.sock(req)
        s.setsockopt(zmq.RCVTIMEO, req.get("timeout", 5000))
        prefix, size = req.get("prefix", "q"), req.get("size", 0)
        count, bad = 0, None
        try:
            for i in range(req["n"]):
                msg = base.seq_msg(prefix, i, size)
                s.send(msg)
                got = s.recv_multipart()
                if bad is None and got != [msg]:
                    bad = {"index": i, "got": [g[:64].hex() for g in got]}
                count += 1
        except zmq.Again:
            pass
        return {"count": count, "bad": bad}

    def cmd_sub_acked(self, req):
        """SUB: receive n seq messages; after every ``every`` send an ack on ``ack``."""
        s, ack = self.sock(req), self.socks[req["ack"]]
        s.setsockopt(zmq.RCVTIMEO, req.get("timeout", 5000))
        prefix, n, every = req.get("prefix", "p"), req["n"], req["every"]
        count, bad = 0, None
        try:
            for i in range(n):
                msg = s.recv()
                if bad is None and msg != base.seq_msg(prefix, i, 0):
                    bad = {"index": i, "got": msg[:64].hex()}
                count += 1
                if count % every == 0:
                    ack.send(b"%d" % count)
        except zmq.Again:
            pass
        return {"count": count, "bad": bad}

    def cmd_recv_indices(self, req):
        """Receive seq messages until ``quiet`` ms of silence; report their indices."""
        s = self.sock(req)
        prefix = req.get("prefix", "p").encode()
        out = []
        if s.poll(req.get("first", 5000)):
            while s.poll(req.get("quiet", 300)):
                m = s.recv()
                out.append(int(m[len(prefix):len(prefix) + 8]) if m.startswith(prefix) else -1)
        return {"indices": out}


def main():
    p = SecPeer()
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        if req["cmd"] == "exit":
            break
        try:
            reply = getattr(p, "cmd_" + req["cmd"])(req)
            reply["ok"] = True
        except zmq.ZMQError as e:
            reply = {"ok": False, "err": errno.errorcode.get(e.errno, str(e.errno)), "msg": str(e)}
        except Exception as e:
            reply = {"ok": False, "err": type(e).__name__, "msg": str(e)}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    if p.auth is not None:
        p.auth.stop()
    p.ctx.destroy(linger=0)


main()
'''


class SecPeer(Peer):
    """The harness's Peer, running the extended script above."""

    def __init__(self, script: str) -> None:
        self.script = script
        super().__init__()

    def start(self) -> None:
        # Peer.start launches _harness.PEER_SCRIPT: point it at ours for this one call.
        saved = _harness.PEER_SCRIPT
        _harness.PEER_SCRIPT = self.script
        try:
            super().start()
        finally:
            _harness.PEER_SCRIPT = saved


@pytest.fixture(scope="module")
def peer_proc(tmp_path_factory):
    """Overrides conftest's peer: the conftest ``lz`` fixture then tracks our sockets."""
    d = tmp_path_factory.mktemp("secpeer")
    script = d / "sec_peer.py"
    script.write_text(SEC_PEER)
    # Peer runs [python, script]; the interop directory (for ``import peer``) goes as argv.
    wrapper = d / "run.py"
    wrapper.write_text(
        "import runpy, sys\n"
        f"sys.argv = [{str(script)!r}, {os.path.dirname(os.path.abspath(__file__))!r}]\n"
        f"runpy.run_path({str(script)!r}, run_name='__main__')\n"
    )
    p = SecPeer(str(wrapper))
    yield p
    p.stop()


@pytest.fixture(autouse=True)
def _libzmq_auth_off(peer_proc):
    yield
    if peer_proc.alive() and not peer_proc.pending:
        try:
            peer_proc.request("auth_stop")
        except Exception:  # noqa: BLE001 - the lz fixture restarts a broken peer
            pass


@pytest.fixture
def pz_auth(pz):
    a = ThreadAuthenticator(pz)
    a.start()
    yield a
    a.stop()


class Keys:
    def __init__(self) -> None:
        self.server_public, self.server_secret = zmq.curve_keypair()
        self.client_public, self.client_secret = zmq.curve_keypair()
        self.other_public, self.other_secret = zmq.curve_keypair()

    def server_opts(self) -> Dict[str, Any]:
        return {"CURVE_SERVER": 1, "CURVE_SECRETKEY": self.server_secret}

    def client_opts(
        self, server_key: Optional[bytes] = None, mine: str = "client"
    ) -> Dict[str, Any]:
        return {
            "CURVE_SERVERKEY": server_key or self.server_public,
            "CURVE_PUBLICKEY": getattr(self, f"{mine}_public"),
            "CURVE_SECRETKEY": getattr(self, f"{mine}_secret"),
        }


@pytest.fixture(scope="module")
def keys():
    return Keys()


# -- helpers --------------------------------------------------------------------------------
def pz_socket(ctx: Any, kind: int, **opts: Any) -> Any:
    s = ctx.socket(kind)
    s.linger = 0
    s.rcvtimeo = WAIT_MS
    s.sndtimeo = WAIT_MS
    for name, value in opts.items():
        s.setsockopt(getattr(zmq, name), value)
    return s


def wire(pz_sock: Any, lz_sock: Any, pz_binds: bool) -> None:
    """Connect a purezmq socket and a libzmq socket over tcp, either way round."""
    if pz_binds:
        pz_sock.bind("tcp://127.0.0.1:*")
        lz_sock.connect(pz_sock.last_endpoint.decode())
    else:
        pz_sock.connect(lz_sock.bind("tcp://127.0.0.1:*"))


def wait_event(mon: Any, wanted: Tuple[int, ...], timeout_ms: int = WAIT_MS) -> dict:
    deadline = time.monotonic() + timeout_ms / 1000
    seen = []
    while True:
        left = int((deadline - time.monotonic()) * 1000)
        if left <= 0 or not mon.poll(left):
            raise AssertionError(f"none of {wanted} within {timeout_ms} ms; saw {seen}")
        ev = recv_monitor_message(mon)
        seen.append(ev["event"].name)
        if ev["event"] in wanted:
            return ev


def events_for(mon: Any, seconds: float) -> List[Tuple[float, int, int]]:
    """Every monitor event during the next ``seconds`` (observation, not synchronisation)."""
    out = []
    t0 = time.monotonic()
    end = t0 + seconds
    while True:
        left = int((end - time.monotonic()) * 1000)
        if left <= 0 or not mon.poll(left):
            return out
        ev = recv_monitor_message(mon)
        out.append((time.monotonic() - t0, int(ev["event"]), int(ev["value"])))


def pz_try_send(sock: Any, msg: bytes) -> None:
    """Queue ``msg`` if there is a pipe for it (a binding PUSH has none before a handshake
    succeeds, and must not block)."""
    try:
        sock.send(msg, zmq.NOBLOCK)
    except zmq.Again:
        pass


def pz_recv_frame(sock: Any) -> Tuple[bytes, Optional[str]]:
    assert sock.poll(WAIT_MS), "nothing arrived"
    f = sock.recv(copy=False)
    return f.bytes, f.get("User-Id")


HANDSHAKE_FAILED = (
    zmq.EVENT_HANDSHAKE_FAILED_AUTH,
    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL,
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL,
)


def assert_nothing_through_to_pz(pz_sock: Any, lz_sock: Any) -> None:
    lz_sock.try_send([b"must not arrive"], timeout=100)
    assert pz_sock.poll(100) == 0


# == PLAIN ==================================================================================
@BINDS
@pytest.mark.parametrize("good", [True, False], ids=["accepted", "rejected"])
def test_plain_pz_server_zap(lz, pz, pz_auth, server_binds, good):
    pz_auth.configure_plain(domain="*", passwords={"admin": "secret"})
    srv = pz_socket(pz, zmq.PULL, PLAIN_SERVER=1)
    mon = srv.get_monitor_socket()
    cli = lz.socket("PUSH", PLAIN_USERNAME=b"admin", PLAIN_PASSWORD=b"secret" if good else b"guess")
    wire(srv, cli, server_binds)
    if good:
        cli.send([b"hello"])
        assert pz_recv_frame(srv) == (b"hello", "admin")
    else:
        assert wait_event(mon, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))["value"] == 400
        assert_nothing_through_to_pz(srv, cli)


@BINDS
@pytest.mark.parametrize("good", [True, False], ids=["accepted", "rejected"])
def test_plain_lz_server_zap(lz, pz, server_binds, good):
    lz.request("auth_start", passwords={"admin": "secret"})
    srv = lz.socket("PULL", PLAIN_SERVER=1)
    cli = pz_socket(
        pz, zmq.PUSH, PLAIN_USERNAME=b"admin", PLAIN_PASSWORD=b"secret" if good else b"guess"
    )
    mon = cli.get_monitor_socket()
    wire(cli, srv, not server_binds)
    if good:
        cli.send(b"hello")
        got = lz.request("recv_user_id", sock=srv.sid)
        assert (bytes.fromhex(got["frame"]), got["user_id"]) == (b"hello", "admin")
    else:
        pz_try_send(cli, b"hello")
        # libzmq (4.3) sends ERROR "400" before closing: an authentication failure
        wait_event(mon, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))
        assert srv.try_recv(100) is None


def test_pz_client_auth_failure_event_carries_zap_status(lz, pz):
    lz.request("auth_start", passwords={"admin": "secret"})
    srv = lz.socket("PULL", PLAIN_SERVER=1)
    cli = pz_socket(pz, zmq.PUSH, PLAIN_USERNAME=b"admin", PLAIN_PASSWORD=b"guess")
    mon = cli.get_monitor_socket()
    cli.connect(srv.bind("tcp://127.0.0.1:*"))
    assert wait_event(mon, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))["value"] == 400


# == CURVE ==================================================================================
@BINDS
@pytest.mark.parametrize("pz_server", [True, False], ids=["pz-server", "lz-server"])
def test_curve_ok(lz, pz, keys, pz_server, server_binds):
    """No ZAP handler: any client key (libzmq 4.0); traffic both ways."""
    if pz_server:
        mine = pz_socket(pz, zmq.DEALER, **keys.server_opts())
        theirs = lz.socket("DEALER", **keys.client_opts())
        wire(mine, theirs, server_binds)
    else:
        mine = pz_socket(pz, zmq.DEALER, **keys.client_opts())
        theirs = lz.socket("DEALER", **keys.server_opts())
        wire(mine, theirs, not server_binds)
    assert mine.mechanism == zmq.CURVE
    mine.send_multipart([b"to libzmq", b"x" * 300])
    frames, more = theirs.recv()
    assert frames == describe_all([b"to libzmq", b"x" * 300]) and more == [1, 0]
    theirs.send([b"to purezmq", b"", b"y" * 70000])
    assert mine.recv_multipart() == [b"to purezmq", b"", b"y" * 70000]


@pytest.mark.parametrize("accept", [True, False], ids=["known-key", "unknown-key"])
def test_curve_zap_by_client_key_pz_server(lz, pz, pz_auth, keys, tmp_path, accept):
    """purezmq's authenticator checks the libzmq client's key against a certificate
    directory; the admitted client's User-Id is its key in Z85."""
    allowed = publish_key(tmp_path, keys.client_public if accept else keys.other_public)
    pz_auth.configure_curve(domain="*", location=allowed)
    srv = pz_socket(pz, zmq.PULL, **keys.server_opts())
    mon = srv.get_monitor_socket()
    cli = lz.socket("PUSH", **keys.client_opts())
    wire(srv, cli, True)
    if accept:
        cli.send([b"signed"])
        assert pz_recv_frame(srv) == (b"signed", keys.client_public.decode())
    else:
        assert wait_event(mon, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))["value"] == 400
        assert_nothing_through_to_pz(srv, cli)


def publish_key(tmp_path: Any, public_key: bytes) -> str:
    """A directory holding one public certificate, for ``public_key``: written by
    purezmq's create_certificates, its generated key swapped for the given one."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    pub_file, sec_file = create_certificates(allowed, "client")
    os.remove(sec_file)
    text = open(pub_file).read()
    generated = next(
        line.split("=", 1)[1].strip().strip('"')
        for line in text.splitlines()
        if line.strip().startswith("public-key")
    )
    with open(pub_file, "w") as f:
        f.write(text.replace(generated, public_key.decode()))
    return str(allowed)


@pytest.mark.parametrize("accept", [True, False], ids=["known-key", "unknown-key"])
def test_curve_zap_by_client_key_lz_server(lz, pz, keys, tmp_path, accept):
    """pyzmq's authenticator (loading a certificate directory written by purezmq) checks
    the purezmq client's key."""
    allowed = publish_key(tmp_path, keys.client_public if accept else keys.other_public)
    lz.request("auth_start", curve_dir=allowed)
    srv = lz.socket("PULL", **keys.server_opts())
    cli = pz_socket(pz, zmq.PUSH, **keys.client_opts())
    mon = cli.get_monitor_socket()
    wire(cli, srv, False)
    cli.send(b"signed")
    if accept:
        got = lz.request("recv_user_id", sock=srv.sid)
        assert (bytes.fromhex(got["frame"]), got["user_id"]) == (
            b"signed",
            keys.client_public.decode(),
        )
    else:
        wait_event(mon, HANDSHAKE_FAILED)
        assert srv.try_recv(100) is None


def _retry_profile(mon: Any, seconds: float = 1.0) -> Dict[str, Any]:
    evs = events_for(mon, seconds)
    retried = [v for _t, e, v in evs if e == zmq.EVENT_CONNECT_RETRIED]
    failed = [e for _t, e, _v in evs if e in HANDSHAKE_FAILED]
    connected = [t for t, e, _v in evs if e == zmq.EVENT_CONNECTED]
    return {"retried": retried, "failed": failed, "connected": connected, "all": evs}


def test_curve_wrong_server_key_pz_client_backs_off(lz, pz, keys):
    """Lessons 7/8: a wrong server key gives HANDSHAKE_FAILED events and reconnects at
    RECONNECT_IVL pace (100 ms, +random up to 100 %), not a spin; nothing gets through."""
    srv = lz.socket("PULL", **keys.server_opts())
    lz.request("monitor", sock=srv.sid)
    cli = pz_socket(pz, zmq.PUSH, **keys.client_opts(server_key=keys.other_public))
    mon = cli.get_monitor_socket()
    cli.connect(srv.bind("tcp://127.0.0.1:*"))
    cli.send(b"queued, never delivered")  # the connecting side has a pipe already
    prof = _retry_profile(mon, 1.0)
    n = len(prof["retried"])
    assert 3 <= n <= 12, f"{n} reconnects in 1 s: {prof['all']}"
    assert all(v >= 100 for v in prof["retried"]), prof["retried"]
    assert len(prof["failed"]) >= n - 1, prof["all"]
    gaps = [b - a for a, b in zip(prof["connected"], prof["connected"][1:])]
    assert gaps and min(gaps) > 0.08, gaps
    assert srv.try_recv(50) is None
    server_events = lz.request("events", sock=srv.sid, quiet=50)["events"]
    assert any(name == "HANDSHAKE_FAILED_PROTOCOL" for name, _v in server_events), server_events


def test_curve_wrong_server_key_lz_client(lz, pz, keys):
    """A libzmq client with the wrong server key: refused by the purezmq server, which
    keeps serving a good client on the same endpoint."""
    srv = pz_socket(pz, zmq.PULL, **keys.server_opts())
    mon = srv.get_monitor_socket()
    srv.bind("tcp://127.0.0.1:*")
    ep = srv.last_endpoint.decode()
    bad = lz.socket("PUSH", **keys.client_opts(server_key=keys.other_public))
    bad.connect(ep)
    ev = wait_event(mon, HANDSHAKE_FAILED)
    assert ev["event"] == zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
    bad.send([b"must not arrive"])
    good = lz.socket("PUSH", **keys.client_opts())
    good.connect(ep)
    good.send([b"good"])
    assert srv.recv() == b"good"
    assert srv.poll(100) == 0


# == NULL with a ZAP domain =================================================================
@pytest.mark.parametrize("allowed", [True, False], ids=["allowed", "denied"])
def test_null_zap_domain_pz_server(lz, pz, pz_auth, allowed):
    (pz_auth.allow if allowed else pz_auth.deny)("127.0.0.1")
    srv = pz_socket(pz, zmq.PULL, ZAP_DOMAIN=b"global")
    mon = srv.get_monitor_socket()
    cli = lz.socket("PUSH")
    wire(srv, cli, True)
    if allowed:
        cli.send([b"null"])
        assert pz_recv_frame(srv) == (b"null", "anonymous")
    else:
        assert wait_event(mon, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))["value"] == 400
        assert_nothing_through_to_pz(srv, cli)


@pytest.mark.parametrize("allowed", [True, False], ids=["allowed", "denied"])
def test_null_zap_domain_lz_server(lz, pz, allowed):
    lz.request("auth_start", **({"allow": ["127.0.0.1"]} if allowed else {"deny": ["127.0.0.1"]}))
    srv = lz.socket("PULL", ZAP_DOMAIN=b"global")
    cli = pz_socket(pz, zmq.PUSH)
    mon = cli.get_monitor_socket()
    wire(cli, srv, False)
    cli.send(b"null")
    if allowed:
        got = lz.request("recv_user_id", sock=srv.sid)
        assert bytes.fromhex(got["frame"]) == b"null"
    else:
        wait_event(mon, HANDSHAKE_FAILED)
        assert srv.try_recv(100) is None


# == volume (lesson 9) ======================================================================
N_VOLUME = 400


@pytest.mark.parametrize("pz_req", [True, False], ids=["pz-req", "lz-req"])
def test_curve_req_rep_volume(lz, pz, keys, pz_req):
    if pz_req:  # purezmq REQ (CURVE client) -> libzmq REP (server, binds)
        rep = lz.socket("REP", **keys.server_opts())
        req = pz_socket(pz, zmq.REQ, **keys.client_opts())
        req.connect(rep.bind("tcp://127.0.0.1:*"))
        lz.submit("echo", sock=rep.sid, n=N_VOLUME)
        for i in range(N_VOLUME):
            msg = seq_msg("r", i, 40 + i % 300)
            req.send(msg)
            assert req.recv() == msg
        assert lz.result()["echoed"] == N_VOLUME
    else:  # libzmq REQ (client) -> purezmq REP (server, binds)
        rep = pz_socket(pz, zmq.REP, **keys.server_opts())
        rep.bind("tcp://127.0.0.1:*")
        req = lz.socket("REQ", **keys.client_opts())
        req.connect(rep.last_endpoint.decode())
        lz.submit("req_many", sock=req.sid, n=N_VOLUME, size=300)
        for _ in range(N_VOLUME):
            rep.send(rep.recv())
        res = lz.result()
        assert res == {"ok": True, "count": N_VOLUME, "bad": None}


@pytest.mark.parametrize("pz_router", [True, False], ids=["pz-router", "lz-router"])
def test_curve_dealer_router_volume(lz, pz, keys, pz_router):
    if pz_router:  # purezmq ROUTER (server, binds) echoes a libzmq DEALER's stream
        router = pz_socket(pz, zmq.ROUTER, **keys.server_opts())
        router.bind("tcp://127.0.0.1:*")
        dealer = lz.socket("DEALER", **keys.client_opts())
        dealer.connect(router.last_endpoint.decode())
        lz.submit("send_many", sock=dealer.sid, n=N_VOLUME, prefix="d", size=500)
        lz.submit("recv_many", sock=dealer.sid, n=N_VOLUME, prefix="d", size=500)
        for _ in range(N_VOLUME):
            router.send_multipart(router.recv_multipart())
        assert lz.result()["sent"] == N_VOLUME
        assert lz.result() == {"ok": True, "count": N_VOLUME, "bad": None}
    else:  # libzmq ROUTER (server, binds) echoes a purezmq DEALER's stream
        router = lz.socket("ROUTER", **keys.server_opts())
        dealer = pz_socket(pz, zmq.DEALER, **keys.client_opts())
        dealer.connect(router.bind("tcp://127.0.0.1:*"))
        lz.submit("echo", sock=router.sid, n=N_VOLUME)
        for i in range(N_VOLUME):
            dealer.send_multipart([b"part", seq_msg("e", i, 500)])
        for i in range(N_VOLUME):
            assert dealer.recv_multipart() == [b"part", seq_msg("e", i, 500)]
        assert lz.result()["echoed"] == N_VOLUME


# == PUB bursts (lesson 11) =================================================================
def _curve_pub_sub(lz: Any, pz: Any, keys: Keys, hwm: int, **sub_opts: Any) -> Tuple[Any, Any]:
    """purezmq XPUB (CURVE server) and a subscribed libzmq SUB, ready to publish: the
    XPUB reports the subscription, so no probe messages or sleeps are needed."""
    pub = pz_socket(pz, zmq.XPUB, SNDHWM=hwm, **keys.server_opts())
    pub.bind("tcp://127.0.0.1:*")
    sub = lz.socket("SUB", SUBSCRIBE=b"", **sub_opts, **keys.client_opts())
    sub.connect(pub.last_endpoint.decode())
    assert pub.recv() == b"\x01"
    return pub, sub


def test_curve_pub_burst_to_lz_sub(lz, pz, keys):
    """1000 messages at once (the default HWM): every one arrives (pyomq: 64 of 1000)."""
    pub, sub = _curve_pub_sub(lz, pz, keys, hwm=1000)
    lz.submit("recv_many", sock=sub.sid, n=1000, prefix="p")
    for i in range(1000):
        pub.send(seq_msg("p", i))
    assert lz.result() == {"ok": True, "count": 1000, "bad": None}


def test_curve_pub_paced_by_hwm_to_lz_sub(lz, pz, keys):
    """1500 messages through an HWM of 100: the publisher never has more than HWM
    messages outstanding (the SUB acknowledges every 100), so HWM semantics allow no
    drop, and every message must arrive in order."""
    hwm, n = 100, 1500
    acks = pz_socket(pz, zmq.PULL)
    acks.bind("tcp://127.0.0.1:*")
    ack = lz.socket("PUSH")
    ack.connect(acks.last_endpoint.decode())
    pub, sub = _curve_pub_sub(lz, pz, keys, hwm=hwm, RCVHWM=hwm)
    lz.submit("sub_acked", sock=sub.sid, ack=ack.sid, n=n, every=hwm, prefix="p")
    for start in range(0, n, hwm):
        for i in range(start, start + hwm):
            pub.send(seq_msg("p", i))
        assert acks.recv() == b"%d" % (start + hwm)
    assert lz.result() == {"ok": True, "count": n, "bad": None}


def test_curve_pub_burst_above_hwm_drops_cleanly(lz, pz, keys):
    """3000 messages at once through an HWM of 100: the PUB may drop (never block), but
    what arrives is in order, without duplicates, at least the first HWM, and the CURVE
    stream stays healthy (a later message still arrives)."""
    pub, sub = _curve_pub_sub(lz, pz, keys, hwm=100, RCVHWM=100)
    lz.submit("recv_indices", sock=sub.sid, prefix="p", quiet=300)
    for i in range(3000):
        pub.send(seq_msg("p", i))
    idx = lz.result()["indices"]
    assert idx[:100] == list(range(100)), idx[:120]
    assert idx == sorted(set(idx)) and all(0 <= i < 3000 for i in idx)
    pub.send(seq_msg("p", 5000))
    assert sub.recv()[0] == describe_all([seq_msg("p", 5000)])


# == bad input at a purezmq CURVE server ======================================================
SIG = b"\xff" + b"\x00" * 7 + b"\x01" + b"\x7f"


def greeting(mechanism: bytes, major: int = 3) -> bytes:
    return SIG + bytes((major, 0)) + mechanism.ljust(20, b"\x00") + b"\x00" + bytes(31)


def command(body: bytes) -> bytes:
    if len(body) < 256:
        return bytes((0x04, len(body))) + body
    return b"\x06" + struct.pack(">Q", len(body)) + body


def prop(name: bytes, value: bytes) -> bytes:
    return bytes((len(name),)) + name + struct.pack(">I", len(value)) + value


class RawCurveClient:
    """A hand-made CurveZMQ client (RFC 26 as libzmq 4.0.1+ speaks it) that can break
    any step of the handshake on purpose."""

    def __init__(self, endpoint: str, server_public: bytes, public: bytes, secret: bytes) -> None:
        host, port = endpoint[len("tcp://") :].rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=WAIT_MS / 1000)
        self.S, self.C, self.c = server_public, public, secret
        self.cn_secret = os.urandom(32)
        self.cn_public = crypto_scalarmult_base(self.cn_secret)
        self.nonce = 0

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_exactly(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError(f"closed after {len(buf)} of {n} bytes")
            buf += chunk
        return buf

    def read_frame(self) -> Tuple[int, bytes]:
        flags = self.read_exactly(1)[0]
        if flags & 0x02:
            size = struct.unpack(">Q", self.read_exactly(8))[0]
        else:
            size = self.read_exactly(1)[0]
        return flags, self.read_exactly(size)

    def greet(self, mechanism: bytes = b"CURVE") -> bytes:
        self.send(greeting(mechanism))
        return self.read_exactly(64)

    def short_nonce(self) -> bytes:
        self.nonce += 1
        return struct.pack(">Q", self.nonce)

    def hello(self, version: bytes = b"\x01\x00", server_key: Optional[bytes] = None) -> bytes:
        sn = self.short_nonce()
        box = crypto_box(bytes(64), b"CurveZMQHELLO---" + sn, server_key or self.S, self.cn_secret)
        return b"\x05HELLO" + version + bytes(72) + self.cn_public + sn + box

    def open_welcome(self, body: bytes) -> None:
        assert len(body) == 168 and body.startswith(b"\x07WELCOME")
        plain = crypto_box_open(body[24:], b"WELCOME-" + body[8:24], self.S, self.cn_secret)
        self.sn_public, self.cookie = plain[:32], plain[32:]

    def initiate(self, metadata: bytes) -> bytes:
        vouch_nonce = os.urandom(16)
        vouch = crypto_box(
            self.cn_public + self.S, b"VOUCH---" + vouch_nonce, self.sn_public, self.c
        )
        sn = self.short_nonce()
        box = crypto_box(
            self.C + vouch_nonce + vouch + metadata,
            b"CurveZMQINITIATE" + sn,
            self.sn_public,
            self.cn_secret,
        )
        return b"\x08INITIATE" + self.cookie + sn + box

    def open_ready(self, body: bytes) -> bytes:
        assert body.startswith(b"\x05READY")
        return crypto_box_open(
            body[14:], b"CurveZMQREADY---" + body[6:14], self.sn_public, self.cn_secret
        )

    def message(self, payload: bytes, nonce: Optional[bytes] = None) -> bytes:
        sn = nonce or self.short_nonce()
        box = crypto_box(
            b"\x00" + payload, b"CurveZMQMESSAGEC" + sn, self.sn_public, self.cn_secret
        )
        return b"\x07MESSAGE" + sn + box

    def handshake(self, socket_type: bytes = b"PUSH") -> None:
        self.greet()
        self.send(command(self.hello()))
        self.open_welcome(self.read_frame()[1])
        self.send(command(self.initiate(prop(b"Socket-Type", socket_type))))
        self.open_ready(self.read_frame()[1])

    def expect_closed(self) -> bytes:
        """Read until the server closes; return whatever it sent first."""
        got = b""
        deadline = time.monotonic() + WAIT_MS / 1000
        while time.monotonic() < deadline:
            try:
                chunk = self.sock.recv(4096)
            except ConnectionResetError:
                return got
            except socket.timeout:
                break
            if not chunk:
                return got
            got += chunk
        raise AssertionError(f"the server kept the connection open (sent {got[:80]!r})")


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes((data[at] ^ 0x01,)) + data[at + 1 :]


def _attack(kind: str, raw: RawCurveClient) -> None:
    """Misbehave in one way; the server must close the connection."""
    if kind == "zmtp1.0":
        raw.send(b"\x01\x00" + b"\x06\x00hello")
    elif kind == "zmtp2.0":
        raw.send(SIG + b"\x01\x08" + b"\x00\x00")  # revision 1, PUSH, empty identity
    elif kind == "garbage":
        raw.send(os.urandom(256))
    elif kind == "null-greeting":
        raw.send(greeting(b"NULL"))  # the server may close before finishing its own
    elif kind == "garbage-after-greeting":
        raw.greet()
        raw.send(b"\x04\xff" + os.urandom(255))
    elif kind == "tampered-hello":
        raw.greet()
        raw.send(command(flip(raw.hello(), 150)))
    elif kind == "short-hello":
        raw.greet()
        raw.send(command(raw.hello()[:199]))
    elif kind == "hello-version-2":
        raw.greet()
        raw.send(command(raw.hello(version=b"\x02\x00")))
    elif kind == "hello-wrong-server-key":
        raw.greet()
        raw.send(command(raw.hello(server_key=crypto_scalarmult_base(os.urandom(32)))))
    elif kind == "tampered-cookie":
        raw.greet()
        raw.send(command(raw.hello()))
        raw.open_welcome(raw.read_frame()[1])
        raw.send(command(flip(raw.initiate(prop(b"Socket-Type", b"PUSH")), 40)))
    elif kind == "tampered-initiate-box":
        raw.greet()
        raw.send(command(raw.hello()))
        raw.open_welcome(raw.read_frame()[1])
        body = raw.initiate(prop(b"Socket-Type", b"PUSH"))
        raw.send(command(flip(body, len(body) - 3)))
    elif kind == "wrong-socket-type":
        raw.greet()
        raw.send(command(raw.hello()))
        raw.open_welcome(raw.read_frame()[1])
        raw.send(command(raw.initiate(prop(b"Socket-Type", b"PULL"))))
    elif kind == "tampered-message":
        raw.handshake()
        raw.send(command(raw.message(b"ok")))  # MESSAGE in a command frame (4.0 accepts)
        raw.send(command(flip(raw.message(b"tampered"), 20)))
    elif kind == "replayed-message":
        raw.handshake()
        msg = raw.message(b"once")
        raw.send(bytes((0x00, len(msg))) + msg)
        raw.send(bytes((0x00, len(msg))) + msg)
    else:
        raise AssertionError(kind)


ATTACKS = [
    "zmtp1.0",
    "zmtp2.0",
    "garbage",
    "null-greeting",
    "garbage-after-greeting",
    "tampered-hello",
    "short-hello",
    "hello-version-2",
    "hello-wrong-server-key",
    "tampered-cookie",
    "tampered-initiate-box",
    "wrong-socket-type",
    "tampered-message",
    "replayed-message",
]


def _secret_forms(secret_z85: bytes) -> List[str]:
    raw = z85.decode(secret_z85)
    return [secret_z85.decode(), raw.hex(), raw.hex().upper(), repr(raw)[2:-1], repr(raw[:16])]


@pytest.mark.parametrize("kind", ATTACKS)
def test_bad_input_at_pz_curve_server(lz, pz, keys, kind, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    errors: List[BaseException] = []
    original = core_socket.SocketBase._monitor_engine_error

    def record(self: Any, endpoint: str, engine: Any, error: Any) -> None:
        if error is not None:
            errors.append(error)
        original(self, endpoint, engine, error)

    monkeypatch.setattr(core_socket.SocketBase, "_monitor_engine_error", record)

    srv = pz_socket(pz, zmq.PULL, **keys.server_opts())
    mon = srv.get_monitor_socket()
    srv.bind("tcp://127.0.0.1:*")
    ep = srv.last_endpoint.decode()
    lz_cli = lz.socket("PUSH", **keys.client_opts())
    lz_cli.connect(ep)
    pz_cli = pz_socket(pz, zmq.PUSH, **keys.client_opts(mine="other"))
    pz_cli.connect(ep)
    lz_cli.send([b"lz-before"])
    pz_cli.send(b"pz-before")
    assert {srv.recv(), srv.recv()} == {b"lz-before", b"pz-before"}

    raw = RawCurveClient(
        ep,
        z85.decode(keys.server_public),
        z85.decode(keys.other_public),
        z85.decode(keys.other_secret),
    )
    try:
        _attack(kind, raw)
        raw.expect_closed()
    finally:
        raw.close()
    if kind.startswith(("tampered-message", "replayed")):
        assert srv.recv() in (b"ok", b"once")  # the genuine message before the bad one
    wait_event(mon, (zmq.EVENT_DISCONNECTED,))

    # the server and its other clients are untouched
    for i in range(3):
        lz_cli.send([b"lz-after-%d" % i])
        pz_cli.send(b"pz-after-%d" % i)
    got = [srv.recv() for _ in range(6)]
    assert sorted(got) == sorted(
        [b"lz-after-%d" % i for i in range(3)] + [b"pz-after-%d" % i for i in range(3)]
    )
    assert [g for g in got if g.startswith(b"lz")] == [b"lz-after-%d" % i for i in range(3)]
    assert srv.poll(0) == 0

    # no secret key material in logs or exception texts
    texts = [caplog.text] + [f"{e!s} {e!r} {getattr(e, 'args', '')!r}" for e in errors]
    for form in _secret_forms(keys.server_secret) + _secret_forms(keys.other_secret):
        for text in texts:
            assert form not in text


def test_valid_raw_client_is_accepted(pz, keys):
    """The raw CurveZMQ client above is right (so the attacks are the only difference)."""
    srv = pz_socket(pz, zmq.PULL, **keys.server_opts())
    srv.bind("tcp://127.0.0.1:*")
    raw = RawCurveClient(
        srv.last_endpoint.decode(),
        z85.decode(keys.server_public),
        z85.decode(keys.client_public),
        z85.decode(keys.client_secret),
    )
    try:
        raw.handshake()
        for word in (b"one", b"two"):
            msg = raw.message(word)
            raw.send(bytes((0x00, len(msg))) + msg)
        assert srv.recv() == b"one" and srv.recv() == b"two"
    finally:
        raw.close()
