"""Every compatible socket pairing, purezmq <-> libzmq, both bind sides, tcp and ipc.

For each pairing the purezmq socket plays one role and a libzmq socket (in the peer process)
the other; either side binds. The conversation is the pattern's natural one (REQ asks, REP
answers; DEALER->ROUTER sees the identity envelope; ...), and every received message is
checked frame by frame, including RCVMORE on each frame.
"""

from __future__ import annotations

import errno
import time

import pytest

import purezmq as zmq

from ._harness import describe_all, free_tcp_endpoint, local_recv, more_flags, short
from .conftest import TRANSPORTS

pytestmark = pytest.mark.timeout(20)


class LocalEnd:
    """The purezmq socket under test, with the same small interface as RemoteEnd."""

    def __init__(self, sock: zmq.Socket) -> None:
        self.sock = sock

    def send(self, frames):
        self.sock.send_multipart(frames)

    def try_send(self, frames):
        try:
            self.sock.send_multipart(frames)
        except zmq.ZMQError as e:
            return errno.errorcode.get(e.errno, str(e.errno))
        return None

    def recv(self):
        return local_recv(self.sock)


class RemoteEnd:
    def __init__(self, rsock) -> None:
        self.sock = rsock

    def send(self, frames):
        self.sock.send(frames)

    def try_send(self, frames):
        return self.sock.try_send(frames)

    def recv(self):
        return self.sock.recv()


def expect(end, frames):
    got, more = end.recv()
    assert short(got) == short(describe_all(frames))
    assert got == describe_all(frames)
    assert more == more_flags(len(frames))
    return got


def ident(desc) -> bytes:
    return bytes.fromhex(desc["hex"])


# -- conversations: a is the "client" role, b the "server" role --------------------------
def conv_symmetric(a, b, ids):
    for i in range(3):
        msg = [f"a{i}".encode(), b"", b"tail"]
        a.send(msg)
        expect(b, msg)
        b.send([f"b{i}".encode()])
        expect(a, [f"b{i}".encode()])


def conv_push_pull(a, b, ids):
    msgs = [[b"one"], [b"two", b"", b"2b"], [b""], [b"x" * 300]]
    for m in msgs:
        a.send(m)
    for m in msgs:
        expect(b, m)


def conv_req_rep(a, b, ids):
    for i in range(3):
        a.send([f"q{i}".encode(), b"part"])
        expect(b, [f"q{i}".encode(), b"part"])
        b.send([f"r{i}".encode()])
        expect(a, [f"r{i}".encode()])


def conv_req_router(a, b, ids):
    for i in range(3):
        a.send([f"q{i}".encode()])
        got, more = b.recv()
        assert len(got) == 3 and more == [1, 1, 0]
        rid = ident(got[0])
        if ids.get("a"):
            assert rid == ids["a"]
        else:
            assert len(rid) == 5 and rid[0] == 0
        assert got[1:] == describe_all([b"", f"q{i}".encode()])
        b.send([rid, b"", f"r{i}".encode(), b"more"])
        expect(a, [f"r{i}".encode(), b"more"])


def conv_dealer_rep(a, b, ids):
    for i in range(3):
        a.send([b"", f"q{i}".encode()])
        expect(b, [f"q{i}".encode()])
        b.send([f"r{i}".encode(), b""])
        expect(a, [b"", f"r{i}".encode(), b""])


def conv_dealer_router(a, b, ids):
    for i in range(3):
        a.send([f"q{i}".encode(), b""])
        got, more = b.recv()
        assert more == [1, 1, 0]
        rid = ident(got[0])
        if ids.get("a"):
            assert rid == ids["a"]
        else:
            assert len(rid) == 5 and rid[0] == 0
        assert got[1:] == describe_all([f"q{i}".encode(), b""])
        b.send([rid, f"r{i}".encode()])
        expect(a, [f"r{i}".encode()])


def conv_router_router(a, b, ids):
    """a connects, b binds; both have identities; a retries until b's pipe is attached."""
    deadline = time.monotonic() + 5
    while True:
        err = a.try_send([ids["b"], b"hello"])
        if err is None:
            break
        assert err == "EHOSTUNREACH", err
        assert time.monotonic() < deadline, "connecting ROUTER never saw the bound ROUTER"
    expect(b, [ids["a"], b"hello"])
    b.send([ids["a"], b"world", b""])
    expect(a, [ids["b"], b"world", b""])


# (client type, server type, conversation)
PATTERNS = {
    "PAIR-PAIR": ("PAIR", "PAIR", conv_symmetric),
    "PUSH-PULL": ("PUSH", "PULL", conv_push_pull),
    "REQ-REP": ("REQ", "REP", conv_req_rep),
    "REQ-ROUTER": ("REQ", "ROUTER", conv_req_router),
    "DEALER-REP": ("DEALER", "REP", conv_dealer_rep),
    "DEALER-ROUTER": ("DEALER", "ROUTER", conv_dealer_router),
    "DEALER-DEALER": ("DEALER", "DEALER", conv_symmetric),
    "ROUTER-ROUTER": ("ROUTER", "ROUTER", conv_router_router),
}

CASES = []
for name, (ct, st, _) in PATTERNS.items():
    # which role purezmq plays; symmetric pairs only once (ROUTER-ROUTER: the connecting
    # ROUTER is the client, so the bind side decides the role)
    roles = ["client"] if ct == st else ["client", "server"]
    for role0 in roles:
        for pz_binds in (True, False):
            role = ("server" if pz_binds else "client") if name == "ROUTER-ROUTER" else role0
            for transport in TRANSPORTS:
                bind_id = "pzbind" if pz_binds else "lzbind"
                CASES.append(
                    pytest.param(
                        name,
                        role,
                        pz_binds,
                        transport,
                        id=f"{name}-pz_{role}-{bind_id}-{transport}",
                    )
                )


@pytest.mark.parametrize("pattern,pz_role,pz_binds,transport", CASES)
def test_pairing(lz, pz, endpoint, pattern, pz_role, pz_binds, transport):
    ctype, stype, conv = PATTERNS[pattern]
    ids = {}
    if pattern == "ROUTER-ROUTER":
        # the "client" is always the connecting ROUTER (it must send first)
        ids = {"a": b"conn-rtr", "b": b"bound-rtr"}
    pz_type = ctype if pz_role == "client" else stype
    lz_type = stype if pz_role == "client" else ctype

    local = pz.socket(getattr(zmq, pz_type))
    local.rcvtimeo = local.sndtimeo = 5000
    lz_opts = {}
    if pattern == "ROUTER-ROUTER":
        local.identity = ids["a"] if pz_role == "client" else ids["b"]
        local.router_mandatory = 1
        lz_id = ids["b"] if pz_role == "client" else ids["a"]
        lz_opts = {"IDENTITY": lz_id, "ROUTER_MANDATORY": 1}
    remote = lz.socket(lz_type, **lz_opts)

    ep = endpoint(transport)
    if pz_binds:
        local.bind(ep)
        remote.connect(local.last_endpoint.decode())
    else:
        real = remote.bind(ep)
        local.connect(real)

    lend, rend = LocalEnd(local), RemoteEnd(remote)
    a, b = (lend, rend) if pz_role == "client" else (rend, lend)
    conv(a, b, ids)


# -- endpoint forms ------------------------------------------------------------------------
def _free_port() -> int:
    return int(free_tcp_endpoint().rsplit(":", 1)[1])


ENDPOINT_FORMS = {
    # name: (bind endpoint, connect endpoint, ipv6 on both sides)
    "tcp-wildcard-host": (lambda p: f"tcp://*:{p}", lambda p: f"tcp://127.0.0.1:{p}", 0),
    "tcp-localhost": (lambda p: f"tcp://127.0.0.1:{p}", lambda p: f"tcp://localhost:{p}", 0),
    "tcp-ipv6": (lambda p: f"tcp://[::1]:{p}", lambda p: f"tcp://[::1]:{p}", 1),
    "ipc-abstract": (
        lambda p: f"ipc://@purezmq-interop-{p}",
        lambda p: f"ipc://@purezmq-interop-{p}",
        0,
    ),
}


@pytest.mark.parametrize("form", list(ENDPOINT_FORMS))
@pytest.mark.parametrize("pz_binds", [True, False], ids=["pzbind", "lzbind"])
def test_endpoint_forms(lz, pz, form, pz_binds):
    bind_ep, connect_ep, ipv6 = ENDPOINT_FORMS[form]
    port = _free_port()
    local = pz.socket(zmq.DEALER)
    local.rcvtimeo = local.sndtimeo = 5000
    local.ipv6 = ipv6
    remote = lz.socket("DEALER", IPV6=ipv6)
    if pz_binds:
        local.bind(bind_ep(port))
        remote.connect(connect_ep(port))
    else:
        remote.bind(bind_ep(port))
        local.connect(connect_ep(port))
    conv_symmetric(LocalEnd(local), RemoteEnd(remote), {})
