"""Fixtures for the purezmq <-> libzmq interop suite.

* ``peer_proc`` (module scope): one long-lived libzmq peer process per test module.
* ``lz`` (function scope): that peer, with every libzmq socket the test made closed at the
  end (and the peer restarted if the test left it wedged).
* ``pz``: a fresh purezmq context per test whose sockets default to LINGER 0, destroyed at
  the end. (A socket a test leaves open is closed when garbage-collected, with its own
  LINGER; with the default -1 and messages queued for a peer that never accepts them, e.g.
  an incompatible socket type, Context.term() would then wait forever — as in libzmq.
  Tests that exercise the default linger make their own context.)
* ``endpoint``: a factory for fresh endpoints of a transport (``tcp`` or ``ipc``); tcp ones
  use a wildcard port (the binder reports the real one).
"""

from __future__ import annotations

import itertools
import shutil
import tempfile

import pytest

import purezmq as zmq

from ._harness import Peer

TRANSPORTS = ["tcp", "ipc"]


@pytest.fixture(scope="module")
def peer_proc():
    p = Peer()
    yield p
    p.stop()


class _TrackedPeer:
    """Forwards to the module's Peer; remembers sockets to close after the test."""

    def __init__(self, peer: Peer) -> None:
        self._peer = peer
        self.sockets = []

    def socket(self, type_name: str, **opts):
        s = self._peer.socket(type_name, **opts)
        self.sockets.append(s)
        return s

    def __getattr__(self, name):
        return getattr(self._peer, name)


@pytest.fixture
def lz(peer_proc):
    if not peer_proc.alive():
        peer_proc.start()
    t = _TrackedPeer(peer_proc)
    yield t
    if not peer_proc.drain():
        peer_proc.kill()
        peer_proc.start()
        return
    for s in t.sockets:
        if not s.closed:
            try:
                s.close(linger=0)
            except Exception:
                peer_proc.kill()
                peer_proc.start()
                return


@pytest.fixture
def pz():
    c = zmq.Context()
    c.linger = 0
    yield c
    c.destroy(linger=0)


@pytest.fixture(scope="module")
def ipc_dir():
    d = tempfile.mkdtemp(prefix="pzi", dir="/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


_counter = itertools.count()


@pytest.fixture
def endpoint(ipc_dir):
    def make(transport: str) -> str:
        if transport == "tcp":
            return "tcp://127.0.0.1:*"
        return f"ipc://{ipc_dir}/{next(_counter)}.sock"

    return make
