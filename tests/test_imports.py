"""Every public module path of pyzmq imports under purezmq, with pyzmq's names; plus the
small utility modules (strtypes, interop, garbage, win32, Stopwatch, backend)."""

from __future__ import annotations

import importlib
import os
import struct
import sys
import threading
import warnings

import pytest

import purezmq as zmq

pytestmark = pytest.mark.timeout(20)

#: pyzmq's public module paths (pyzmq 27), as ``zmq.X`` -> ``purezmq.X``.
PUBLIC_MODULES = [
    "asyncio",
    "auth",
    "auth.asyncio",
    "auth.base",
    "auth.certs",
    "auth.ioloop",
    "auth.thread",
    "backend",
    "backend.select",
    "constants",
    "curve_keygen",
    "decorators",
    "devices",
    "devices.basedevice",
    "devices.monitoredqueue",
    "devices.monitoredqueuedevice",
    "devices.proxydevice",
    "devices.proxysteerabledevice",
    "error",
    "eventloop",
    "eventloop.future",
    "eventloop.ioloop",
    "eventloop.zmqstream",
    "log",
    "log.handlers",
    "sugar",
    "sugar.attrsettr",
    "sugar.context",
    "sugar.frame",
    "sugar.poll",
    "sugar.socket",
    "sugar.stopwatch",
    "sugar.tracker",
    "sugar.version",
    "utils",
    "utils.garbage",
    "utils.interop",
    "utils.jsonapi",
    "utils.monitor",
    "utils.strtypes",
    "utils.win32",
    "utils.z85",
]

#: pyzmq modules purezmq does not provide, and why.
NOT_PROVIDED = {
    "_future": "private (purezmq.asyncio is native asyncio)",
    "_typing": "private",
    "eventloop._deprecated": "private, and unimportable in pyzmq itself",
    "green": "gevent integration: not implemented",
    "green.core": "gevent integration: not implemented",
    "green.device": "gevent integration: not implemented",
    "green.poll": "gevent integration: not implemented",
    "green.eventloop": "gevent integration: not implemented",
    "green.eventloop.ioloop": "gevent integration: not implemented",
    "green.eventloop.zmqstream": "gevent integration: not implemented",
    "ssh": "ssh tunnels: not implemented",
    "ssh.forward": "ssh tunnels: not implemented",
    "ssh.tunnel": "ssh tunnels: not implemented",
    "log.__main__": "a script (python -m purezmq.log), checked in test_log.py",
}


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_module_imports(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        mod = importlib.import_module(f"purezmq.{name}")
    assert mod.__name__ == f"purezmq.{name}"


def _pyzmq():
    try:
        import zmq as pyzmq
    except ImportError:
        pytest.skip("pyzmq not installed")
    return pyzmq


def test_no_public_pyzmq_module_is_missing():
    import pkgutil

    pyzmq = _pyzmq()
    theirs = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # walking imports zmq.tests
        infos = list(pkgutil.walk_packages(pyzmq.__path__, "zmq.", onerror=lambda n: None))
    for info in infos:
        name = info.name[len("zmq.") :]
        if name.startswith(("tests", "backend.cython", "backend.cffi")):
            continue
        theirs.add(name)
    missing = theirs - set(PUBLIC_MODULES) - set(NOT_PROVIDED)
    assert not missing, f"pyzmq modules with no purezmq counterpart: {sorted(missing)}"


# modules whose public names must be a superset of pyzmq's (these have __all__ in pyzmq,
# or a fixed set of names checked below)
NAMES = {
    "decorators": None,
    "log.handlers": ["PUBHandler", "TopicLogger", "TOPIC_DELIM"],
    "utils.strtypes": None,
    "utils.interop": ["cast_int_addr"],
    "utils.garbage": ["GarbageCollector", "GarbageCollectorThread", "gc", "gcref"],
    "utils.win32": ["allow_interrupt"],
    "utils.jsonapi": ["dumps", "loads", "jsonmod"],
    "utils.z85": ["encode", "decode"],
    "utils.monitor": ["parse_monitor_message", "recv_monitor_message"],
    "sugar.stopwatch": ["Stopwatch"],
    "backend": None,
    "backend.select": ["public_api", "select_backend"],
    "eventloop": None,
    "eventloop.ioloop": ["IOLoop", "ZMQIOLoop", "install", "PeriodicCallback"],
    "eventloop.zmqstream": ["ZMQStream"],
    "eventloop.future": ["Context", "Socket", "Poller", "CancelledError"],
    "auth.ioloop": None,
    "curve_keygen": ["_main"],
}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_module_names_match_pyzmq(name):
    pyzmq = _pyzmq()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        theirs = importlib.import_module(f"zmq.{name}")
        ours = importlib.import_module(f"purezmq.{name}")
    names = NAMES[name]
    if names is None:
        names = list(theirs.__all__)
    missing = [n for n in names if not hasattr(ours, n)]
    assert not missing, f"purezmq.{name} lacks {missing}"
    assert pyzmq  # keep the fixture-like skip meaningful


def test_backend_namespace():
    import purezmq.backend as backend
    from purezmq.backend.select import public_api, select_backend

    assert set(backend.__all__) == set(public_api)
    assert backend.Context is zmq.Context and backend.Socket is zmq.Socket
    assert backend.PYZMQ_DRAFT_API is False
    assert backend.zmq_version_info() == zmq.zmq_version_info()
    assert backend.has("ipc") is zmq.has("ipc")
    ns = select_backend("purezmq.backend")
    assert set(ns) == set(public_api) | {"monitored_queue"}
    with pytest.raises(ImportError):
        select_backend("purezmq.no_such_backend")
    with pytest.raises(ImportError):
        select_backend("purezmq.utils")  # importable, but not a backend


def test_stopwatch():
    from purezmq.sugar.stopwatch import Stopwatch

    with pytest.warns(DeprecationWarning, match="Stopwatch is deprecated"):
        sw = Stopwatch()
    sw.start()
    us = sw.stop()
    assert isinstance(us, int) and 0 <= us < 5_000_000


def test_stopwatch_top_level():
    assert zmq.Stopwatch is importlib.import_module("purezmq.sugar.stopwatch").Stopwatch


def test_strtypes():
    from purezmq.utils import strtypes

    assert strtypes.bytes is bytes and strtypes.unicode is str
    assert strtypes.basestring == (str,)
    with pytest.warns(DeprecationWarning):
        assert strtypes.cast_bytes("é") == "é".encode()
    with pytest.warns(DeprecationWarning):
        assert strtypes.cast_bytes(b"x") == b"x"
    with pytest.warns(DeprecationWarning):
        assert strtypes.cast_unicode("é".encode("latin-1"), "latin-1") == "é"
    with pytest.warns(DeprecationWarning):
        assert strtypes.u("s") == "s" and strtypes.b("s") == b"s"
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError):
        strtypes.cast_bytes(5)
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError):
        strtypes.cast_unicode(5)


def test_interop_cast_int_addr():
    from purezmq.utils.interop import cast_int_addr

    assert cast_int_addr(1234) == 1234
    with pytest.raises(ValueError):
        cast_int_addr("nope")


def test_win32_allow_interrupt_is_a_noop_here():
    from purezmq.utils.win32 import allow_interrupt

    called = []
    with allow_interrupt(lambda: called.append(1)):
        pass
    with allow_interrupt():
        pass
    if os.name != "nt":
        assert called == []


def test_garbage_collector_releases_on_key():
    from purezmq.utils.garbage import GarbageCollector

    gc = GarbageCollector()
    try:
        event = threading.Event()
        obj = bytearray(b"payload")
        key = gc.store(obj, event)
        assert gc.is_alive() and key in gc.refs and gc.refs[key].obj is obj
        push = gc._push_socket
        push.send(struct.pack("Q", key))
        assert event.wait(5)
        assert key not in gc.refs
    finally:
        gc.stop()
    assert not gc.is_alive()


def test_curve_keygen_module(capsys):
    from purezmq.curve_keygen import _main

    assert _main([]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "== CURVE PUBLIC KEY ==" and len(out[1]) == 40
    assert out[3] == "== CURVE SECRET KEY ==" and len(out[4]) == 40
    assert zmq.curve_public(out[4].encode()) == out[1].encode()


def test_auth_ioloop_is_deprecated_asyncio_authenticator():
    sys.modules.pop("purezmq.auth.ioloop", None)
    with pytest.warns(DeprecationWarning, match="IOLoopAuthenticator is deprecated"):
        mod = importlib.import_module("purezmq.auth.ioloop")
    from purezmq.auth.asyncio import AsyncioAuthenticator

    assert issubclass(mod.IOLoopAuthenticator, AsyncioAuthenticator)
    ctx = zmq.Context()
    try:
        auth = mod.IOLoopAuthenticator(ctx)
        assert auth.context is ctx
    finally:
        ctx.term()


def test_module_paths_are_attributes_after_import():
    import purezmq.eventloop.zmqstream
    import purezmq.log.handlers
    import purezmq.utils.jsonapi

    assert zmq.utils.jsonapi is purezmq.utils.jsonapi
    assert zmq.log.handlers is purezmq.log.handlers
    assert zmq.eventloop.zmqstream is purezmq.eventloop.zmqstream


def test_import_purezmq_stays_light():
    """``import purezmq`` must not pull in tornado, the CLI or the log/eventloop modules."""
    import subprocess

    code = (
        "import sys, purezmq; "
        "print(sorted(m for m in ('tornado', 'purezmq._cli', 'purezmq.eventloop', "
        "'purezmq.log', 'argparse') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=15)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
