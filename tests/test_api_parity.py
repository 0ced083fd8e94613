"""Same scenario, same outcome: purezmq's sync API against pyzmq's, run side by side.

Each scenario below is a small function of the module under test (``m`` is ``zmq`` or
``purezmq``) that returns a value or raises.  The pyzmq side runs in a subprocess (this file
executed as a script, which prints every outcome as JSON), so no libzmq socket ever lives in
the pytest process; the purezmq side runs here.  An outcome is the normalised return value,
or the exception's class name and errno — plus its message where a scenario returns
``str(e)`` itself.

Differences that are deliberate (libzmq 4.0 vs the libzmq 4.3 inside the pyzmq wheel, or a
documented purezmq extension) are not scenarios here; they are tested in the other
test_api_* files.  Known purezmq bugs are ``xfail(strict=True)`` with the reason.
"""

from __future__ import annotations

import array
import copy as _copy
import enum
import errno
import json
import os
import re
import socket
import subprocess
import sys
import threading
import warnings
from typing import Any, Callable, Dict, List

import pytest

SCENARIOS: Dict[str, Callable[[Any], Any]] = {}
XFAIL: Dict[str, str] = {}


def scenario(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    SCENARIOS[fn.__name__] = fn
    return fn


def bug(reason: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    def deco(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        XFAIL[fn.__name__] = reason
        return scenario(fn)

    return deco


# -- normalisation --------------------------------------------------------------------------
def norm(v: Any) -> Any:
    if v is None or isinstance(v, (bool, str, float)):
        return v
    if isinstance(v, enum.Enum):
        return [type(v).__name__, int(v)]
    if isinstance(v, int):
        return v
    if isinstance(v, bytes):
        return {"bytes": v.decode("latin-1")}
    if isinstance(v, tuple):
        return {"tuple": [norm(x) for x in v]}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {"dict": sorted([norm(k), norm(x)] for k, x in v.items())}
    if isinstance(v, set):
        return {"set": sorted(norm(x) for x in v)}
    return f"<{type(v).__name__}>"


def outcome(m: Any, name: str) -> Any:
    try:
        value = SCENARIOS[name](m)
    except BaseException as e:  # noqa: BLE001 - the exception *is* the outcome
        n = getattr(e, "errno", None)
        return ["raise", type(e).__name__, None if n is None else int(n)]
    return ["ok", norm(value)]


def err(f: Callable[[], Any]) -> Any:
    """Run ``f``; return (exception class name, str(exception)) or ("ok", value)."""
    try:
        return ("ok", f())
    except BaseException as e:  # noqa: BLE001
        return (type(e).__name__, str(e))


def unmod(text: str, m: Any) -> str:
    """Strip the module prefix and the address from reprs: ``<M.Socket(zmq.PUSH)>``."""
    text = re.sub(r" at 0x[0-9a-f]+", "", text)
    return text.replace(f"<{m.__name__}.", "<M.")


class Ctx:
    """A context for one scenario, destroyed with linger 0 afterwards."""

    def __init__(self, m: Any) -> None:
        self.m = m
        self.ctx = m.Context()

    def __enter__(self) -> Any:
        return self.ctx

    def __exit__(self, *a: Any) -> None:
        self.ctx.destroy(linger=0)


def pair(m: Any, ctx: Any, name: str) -> Any:
    a = ctx.socket(m.PAIR)
    b = ctx.socket(m.PAIR)
    a.linger = b.linger = 0
    a.bind(f"inproc://{name}")
    b.connect(f"inproc://{name}")
    a.rcvtimeo = b.rcvtimeo = 2000
    return a, b


# =============================================================================================
# Errors
# =============================================================================================
@scenario
def error_texts(m):
    out = []
    for n in (
        errno.EINVAL,
        errno.EAGAIN,
        m.EFSM,
        m.ETERM,
        m.ENOCOMPATPROTO,
        m.EMTHREAD,
        errno.ENOTSOCK,
        errno.EADDRINUSE,
        errno.EPROTONOSUPPORT,
    ):
        e = m.ZMQError(n)
        out.append((str(e), e.errno, repr(e), e.args, type(e).__name__))
    return out


@scenario
def error_subclasses(m):
    out = []
    for cls in (m.Again, m.ContextTerminated, m.InterruptedSystemCall):
        e = cls()
        out.append((cls.__name__, str(e), e.errno, isinstance(e, m.ZMQError)))
    out.append(issubclass(m.InterruptedSystemCall, InterruptedError))
    return out


@scenario
def error_with_message(m):
    e = m.ZMQError("custom text")
    e2 = m.ZMQError(errno.EINVAL, "other text")
    return (e.errno, str(e), e2.errno, str(e2))


@scenario
def error_family(m):
    return [
        [c.__name__ for c in getattr(m, n).__mro__]
        for n in ("ZMQBaseError", "ZMQError", "ZMQBindError", "NotDone", "ZMQVersionError")
    ]


@scenario
def strerror_values(m):
    return [
        m.strerror(n)
        for n in (
            errno.EAGAIN,
            errno.EINVAL,
            m.EFSM,
            m.ETERM,
            errno.ENOTSOCK,
            m.ENOCOMPATPROTO,
            m.EMTHREAD,
        )
    ]


@scenario
def zmq_errno_after_failure(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PUSH)
        try:
            s.get(9999)
        except m.ZMQError:
            pass
        return m.zmq_errno()


@scenario
def version_error_text(m):
    e = m.ZMQVersionError("9.9", "Thing")
    return (e.min_version, e.msg, str(e).startswith("Thing requires libzmq >= 9.9"))


# =============================================================================================
# Socket: creation, repr, type
# =============================================================================================
@scenario
def socket_repr(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PUSH)
        r1 = unmod(repr(s), m)
        s.close()
        return (r1, unmod(repr(s), m))


@scenario
def socket_repr_subclass(m):
    with Ctx(m) as ctx:
        cls = type("MySock", (m.Socket,), {"__module__": "mymod"})
        s = ctx.socket(m.DEALER, socket_class=cls)
        return (type(s).__name__, unmod(repr(s), m))


@scenario
def socket_type_attribute(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.ROUTER)
        return (s.type, s.get(m.TYPE), s.getsockopt(m.TYPE))


@scenario
def socket_type_deprecated(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.REQ)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            v = s.socket_type
        return (v, [x.category.__name__ for x in w if x.category is DeprecationWarning])


@scenario
def socket_constructor(m):
    with Ctx(m) as ctx:
        s = m.Socket(ctx, m.PULL)
        t = m.Socket(ctx)
        out = (s.type, t.type, s.context is ctx, s.closed)
        s.close()  # not made by ctx.socket(): pyzmq's destroy() would not close them
        t.close()
        return out


@scenario
def socket_without_context(m):
    return err(lambda: m.Socket())


@scenario
def socket_bad_types(m):
    with Ctx(m) as ctx:
        return [
            err(lambda: ctx.socket("x")),
            err(lambda: ctx.socket(None)),
            outcome_of(lambda: ctx.socket(99)),
            outcome_of(lambda: ctx.socket(-1)),
        ]


def outcome_of(f: Callable[[], Any]) -> Any:
    try:
        return ("ok", norm(f()))
    except BaseException as e:  # noqa: BLE001
        n = getattr(e, "errno", None)
        return (type(e).__name__, None if n is None else int(n))


@scenario
def socket_copy_threshold(m):
    with Ctx(m) as ctx:
        return (
            ctx.socket(m.PUSH).copy_threshold,
            ctx.socket(m.PUSH, copy_threshold=0).copy_threshold,
            ctx.socket(m.PUSH, copy_threshold=10).copy_threshold,
        )


@scenario
def socket_context_manager(m):
    with Ctx(m) as ctx:
        with ctx.socket(m.PUSH) as s:
            inside = s.closed
        return (inside, s.closed)


@scenario
def socket_dir(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PUSH)
        d = dir(s)
        return ("LINGER" in d, "IDENTITY" in d, "send_multipart" in d, "bind" in d)


# =============================================================================================
# Socket options
# =============================================================================================
SAME_DEFAULTS = [
    "AFFINITY",
    "IDENTITY",
    "RATE",
    "RECOVERY_IVL",
    "RCVMORE",
    "TYPE",
    "LINGER",
    "RECONNECT_IVL",
    "BACKLOG",
    "RECONNECT_IVL_MAX",
    "MAXMSGSIZE",
    "SNDHWM",
    "RCVHWM",
    "MULTICAST_HOPS",
    "RCVTIMEO",
    "SNDTIMEO",
    "IPV4ONLY",
    "LAST_ENDPOINT",
    "TCP_KEEPALIVE",
    "TCP_KEEPALIVE_CNT",
    "TCP_KEEPALIVE_IDLE",
    "TCP_KEEPALIVE_INTVL",
    "IPV6",
    "MECHANISM",
    "CONFLATE",
]
# Not compared: SNDBUF/RCVBUF (libzmq 4.3 defaults to -1, 4.0 to 0); PLAIN_*/ZAP_DOMAIN
# (security is not built yet); IMMEDIATE (not in purezmq's option table yet).


@scenario
def option_defaults(m):
    with Ctx(m) as ctx:
        out = {}
        for t in ("PAIR", "PUSH", "PULL", "REQ", "REP", "DEALER", "ROUTER"):
            s = ctx.socket(getattr(m, t))
            for name in SAME_DEFAULTS:
                out[f"{t}.{name}"] = outcome_of(lambda s=s, name=name: s.get(getattr(m, name)))
        return out


@scenario
def option_attributes(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.DEALER)
        s.linger = 0
        s.sndhwm = 5
        s.identity = b"ident"
        s.rcvtimeo = 7
        return (
            s.linger,
            s.sndhwm,
            s.identity,
            s.rcvtimeo,
            s.getsockopt(m.LINGER),
            s.get(m.IDENTITY),
            s.last_endpoint,
            s.rcvmore,
            s.events,
        )


@scenario
def option_attribute_errors(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.ROUTER)
        return [
            err(lambda: s.no_such_option),
            err(lambda: setattr(s, "no_such_option", 1)),
            err(lambda: s.router_mandatory),  # write-only
            err(lambda: s.subscribe_not),
            err(lambda: setattr(s, "subscribe", b"x")),  # option, not the method
        ]


@scenario
def option_set_get_errors(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.DEALER)
        return [
            outcome_of(lambda: s.get(9999)),
            outcome_of(lambda: s.set(9999, 1)),
            outcome_of(lambda: s.set(m.LINGER, -2)),
            outcome_of(lambda: s.set(m.SNDHWM, -1)),
            outcome_of(lambda: s.set(m.IDENTITY, b"")),
            outcome_of(lambda: s.set(m.IDENTITY, b"x" * 256)),
            outcome_of(lambda: s.set(m.IDENTITY, "text")),
            outcome_of(lambda: s.set(m.IDENTITY, 5)),
            outcome_of(lambda: s.set(m.LINGER, "x")),
            outcome_of(lambda: s.set(m.SUBSCRIBE, b"")),
            outcome_of(lambda: s.get(m.SUBSCRIBE)),
            outcome_of(lambda: s.set(m.TYPE, 1)),
            outcome_of(lambda: s.set(m.RCVMORE, 1)),
            outcome_of(lambda: s.set(m.EVENTS, 1)),
            outcome_of(lambda: s.set(m.FD, 1)),
        ]


@scenario
def option_strings(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.DEALER)
        s.set_string(m.IDENTITY, "ïd")
        a = (s.get(m.IDENTITY), s.get_string(m.IDENTITY), s.getsockopt_string(m.IDENTITY))
        s.setsockopt_string(m.IDENTITY, "lat", encoding="latin-1")
        s.setsockopt_unicode(m.IDENTITY, "uni")
        return [
            a,
            s.getsockopt_unicode(m.IDENTITY),
            s.get_string(m.LAST_ENDPOINT),
            err(lambda: s.get_string(m.LINGER)),
            err(lambda: s.set_string(m.IDENTITY, b"bytes")),
        ]


@scenario
def option_hwm(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PUSH)
        first = s.hwm
        s.hwm = 7
        a = (s.hwm, s.sndhwm, s.rcvhwm, s.get_hwm())
        s.set_hwm(11)
        return (first, a, s.hwm, s.sndhwm, s.rcvhwm)


@scenario
def option_int64(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PUSH)
        s.maxmsgsize = 2**40
        s.affinity = 3
        return (s.maxmsgsize, s.affinity, s.get(m.MAXMSGSIZE))


# =============================================================================================
# Socket: endpoints
# =============================================================================================
@scenario
def bind_error_messages(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PUSH)
        s.linger = 0
        out = []
        for addr in ("tcp://nope:x", "foo://bar", b"tcp://nope", "inproc://"):
            try:
                s.bind(addr)
            except m.ZMQError as e:
                out.append((int(e.errno), str(e)))
        out.append(err(lambda: s.bind(5)))
        return out


@scenario
def bind_in_use(m):
    with Ctx(m) as ctx:
        a = ctx.socket(m.PULL)
        b = ctx.socket(m.PULL)
        a.linger = b.linger = 0
        a.bind("inproc://in-use")
        try:
            b.bind("inproc://in-use")
        except m.ZMQError as e:
            return (int(e.errno), str(e))


@scenario
def connect_error_messages(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PUSH)
        s.linger = 0
        out = []
        for addr in ("tcp://", "foo://bar", "tcp://127.0.0.1"):
            try:
                s.connect(addr)
            except m.ZMQError as e:
                out.append((int(e.errno), str(e)))
        return out


@scenario
def bind_connect_context_managers(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PUSH)
        s.linger = 0
        cm = s.bind("tcp://127.0.0.1:*")
        ep = s.last_endpoint.decode()
        shape = (repr(cm) == f"<SocketContext(bind={ep!r})>", cm.addr == ep, cm.kind)
        with cm as inner:
            same = inner is s
        unbound = outcome_of(lambda: s.unbind(ep))
        with s.connect("inproc://nobody") as inner2:
            same2 = inner2 is s
        disconnected = outcome_of(lambda: s.disconnect("inproc://nobody"))
        c2 = s.connect(b"tcp://127.0.0.1:1")
        return (shape, same, unbound, same2, disconnected, repr(c2))


@scenario
def context_manager_after_close(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PUSH)
        s.linger = 0
        with s.bind("inproc://cm-close"):
            s.close()
        return s.closed


@scenario
def unbind_disconnect(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PUSH)
        s.linger = 0
        s.bind("tcp://127.0.0.1:*")
        ep = s.last_endpoint
        s.connect("tcp://127.0.0.1:9")
        return [
            outcome_of(lambda: s.unbind("tcp://127.0.0.1:1")),
            outcome_of(lambda: s.disconnect("tcp://127.0.0.1:1")),
            outcome_of(lambda: s.unbind(ep)),  # bytes accepted
            outcome_of(lambda: s.unbind(ep)),
            outcome_of(lambda: s.disconnect(b"tcp://127.0.0.1:9")),
            outcome_of(lambda: s.disconnect("tcp://127.0.0.1:9")),
        ]


@scenario
def bind_to_random_port(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PUSH)
        s.linger = 0
        p1 = s.bind_to_random_port("tcp://127.0.0.1")
        p2 = s.bind_to_random_port("tcp://127.0.0.1", min_port=20000, max_port=40000)
        blocker = ctx.socket(m.PULL)
        blocker.linger = 0
        port = blocker.bind_to_random_port("tcp://127.0.0.1")
        t = ctx.socket(m.PUSH)
        t.linger = 0
        taken = err(lambda: t.bind_to_random_port("tcp://127.0.0.1", port, port + 1, 3))
        return (type(p1).__name__, 20000 <= p2 < 40000, taken)


# =============================================================================================
# Socket: closed
# =============================================================================================
@scenario
def closed_socket(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PAIR)
        s.close()
        ops = [
            lambda: s.send(b"x"),
            lambda: s.recv(),
            lambda: s.send_multipart([b"x"]),
            lambda: s.recv_multipart(),
            lambda: s.get(m.LINGER),
            lambda: s.set(m.LINGER, 1),
            lambda: s.linger,
            lambda: s.bind("inproc://closed"),
            lambda: s.connect("inproc://closed"),
            lambda: s.unbind("inproc://closed"),
            lambda: s.disconnect("inproc://closed"),
            lambda: s.poll(0),
            lambda: s.fileno(),
            lambda: s.recv_into(bytearray(3)),
            lambda: s.close(),
            lambda: s.closed,
        ]
        return [outcome_of(op) for op in ops]


@scenario
def closed_socket_messages(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PAIR)
        s.close()
        return [err(lambda: s.send(b"x")), err(lambda: s.bind("inproc://closed-msg"))]


# =============================================================================================
# Socket: send / recv
# =============================================================================================
@scenario
def send_type_errors(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "send-type")
        return [
            err(lambda: a.send("text")),
            outcome_of(lambda: a.send(5)),
            outcome_of(lambda: a.send(None)),
            outcome_of(lambda: a.send(object())),
            err(lambda: a.send_multipart([b"a", 5, b"c"])),
            err(lambda: a.send_multipart([b"a", "x" * 40])),
            err(lambda: a.send_string(b"bytes")),
            outcome_of(lambda: b.recv(m.NOBLOCK)),  # nothing got through
        ]


@scenario
def send_recv_basic(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "basic")
        r = a.send(b"hello")
        got = b.recv()
        a.send(b"x", m.SNDMORE)
        a.send(b"y")
        parts = [b.recv(), b.rcvmore, b.recv(), b.rcvmore]
        return (r, got, parts)


@scenario
def send_buffers(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "buffers")
        out = []
        for data in (
            memoryview(b"mv"),
            bytearray(b"ba"),
            array.array("i", [1, 2]),
            memoryview(bytes(range(8))).cast("B", (2, 4)),
            memoryview(array.array("h", [1, 2, 3])),
            b"",
            m.Frame(b"frame"),
        ):
            out.append((a.send(data), b.recv()))
        out.append((a.send(array.array("i", [7]), copy=True), b.recv()))
        return out


@scenario
def send_copy_false_small(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "nocopy-small")
        tr = a.send(b"small", copy=False)
        return (type(tr).__name__, b.recv())


@scenario
def send_copy_false_large_tracked(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "nocopy-large")
        tr = a.send(b"x" * 100_000, copy=False, track=True)
        kind = type(tr).__name__
        got = len(b.recv())
        tr.wait(5)
        return (kind, got, tr.done)


@scenario
def send_copy_false_array(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "nocopy-array")
        tr = a.send(array.array("i", [1, 2]), copy=False)
        return (type(tr).__name__, b.recv())


@scenario
def send_copy_true_track(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "copy-track")
        r1 = a.send(b"bytes", track=True)
        r2 = a.send(bytearray(b"ba"), track=True)
        return (r1, r2, b.recv(), b.recv())


@scenario
def send_tracked_frame(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "tracked-frame")
        f = m.Frame(b"fr", track=True)
        tr = a.send(f, track=True)
        got = b.recv()
        return (type(tr).__name__, tr is f.tracker, tr.done, got)


@scenario
def send_untracked_frame_with_track(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "untracked-frame")
        e = err(lambda: a.send(m.Frame(b"fr"), track=True))
        return (e, outcome_of(lambda: b.recv(m.NOBLOCK)))


@scenario
def send_non_contiguous(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "noncontig")
        return (
            outcome_of(lambda: a.send(memoryview(bytes(8))[::2])),
            outcome_of(lambda: b.recv(m.NOBLOCK)),
        )


@scenario
def recv_copy_false(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "recv-frame")
        a.send_multipart([b"one", b"two"])
        f1 = b.recv(copy=False)
        f2 = b.recv(copy=False)
        return [
            (
                type(f).__name__,
                f.bytes,
                bytes(f.buffer),
                type(f.buffer).__name__,
                f.more,
                len(f),
                f.get(m.MORE),
                f[m.MORE],
                bytes(f),
            )
            for f in (f1, f2)
        ]


@scenario
def multipart(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "multipart")
        r = a.send_multipart([b"a", bytearray(b"b"), memoryview(b"c"), m.Frame(b"d"), b""])
        got = b.recv_multipart()
        a.send_multipart((b"x", b"y"))
        frames = b.recv_multipart(copy=False)
        a.send_multipart([b"only"])
        one = b.recv_multipart()
        a.send_multipart([b"p", b"q"], copy=False)
        nocopy = b.recv_multipart()
        return (
            r,
            got,
            [(type(f).__name__, f.bytes, f.more) for f in frames],
            one,
            nocopy,
            b.rcvmore,
        )


@scenario
def multipart_tracked(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "multipart-track")
        tr = a.send_multipart([b"a", b"b"], copy=False, track=True)
        got = b.recv_multipart()
        tr2 = a.send_multipart([b"a", b"b"], track=True)
        b.recv_multipart()
        return (type(tr).__name__, got, tr2)


@scenario
def serialisation(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "serial")
        out = []
        out.append((a.send_string("héllo"), b.recv_string()))
        a.send_string("héllo", encoding="latin-1")
        out.append(b.recv())
        a.send_string("x", encoding="utf-16")
        out.append(b.recv_string(encoding="utf-16"))
        out.append((a.send_json({"a": [1, 2], "b": None}), b.recv_json()))
        a.send_json({"a": 1, "b": 2})
        out.append(b.recv())
        a.send_json({"a": 1}, sort_keys=True, separators=(",", ":"))
        out.append(b.recv())
        a.send(b'{"x": 1.5}')
        out.append(b.recv_json(parse_float=str))
        out.append((a.send_pyobj({1, 2}), b.recv_pyobj()))
        a.send_pyobj(("t", 1), protocol=2)
        out.append(b.recv_pyobj())
        out.append(
            (
                a.send_serialized([1, 2], lambda x: [str(i).encode() for i in x]),
                b.recv_serialized(lambda frames: [int(f) for f in frames]),
            )
        )
        a.send_serialized([3], lambda x: [str(i).encode() for i in x])
        out.append(b.recv_serialized(lambda fr: [type(f).__name__ for f in fr], copy=False))
        return out


@scenario
def recv_nothing(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "nothing")
        b.rcvtimeo = 10
        return [
            outcome_of(lambda: b.recv(m.NOBLOCK)),
            outcome_of(lambda: b.recv(m.DONTWAIT, copy=False)),
            outcome_of(lambda: b.recv_multipart(m.NOBLOCK)),
            outcome_of(lambda: b.recv_string(m.NOBLOCK)),
            outcome_of(lambda: b.recv_json(m.NOBLOCK)),
            outcome_of(lambda: b.recv_pyobj(m.NOBLOCK)),
            outcome_of(lambda: b.recv()),  # RCVTIMEO
            outcome_of(lambda: b.recv_into(bytearray(2), flags=m.NOBLOCK)),
        ]


@scenario
def send_would_block(m):
    with Ctx(m) as ctx:
        s = ctx.socket(m.PUSH)
        s.linger = 0
        s.sndtimeo = 10
        return [outcome_of(lambda: s.send(b"x", m.NOBLOCK)), outcome_of(lambda: s.send(b"x"))]


@scenario
def recv_into(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "recv-into")
        a.send_multipart([b"hello world", b"x"])
        buf = bytearray(5)
        out = [(b.recv_into(buf), bytes(buf), b.rcvmore)]
        out.append((b.recv_into(buf), bytes(buf), b.rcvmore))
        out.append(err(lambda: b.recv_into(b"xx")))
        out.append(err(lambda: b.recv_into(buf, nbytes=10)))
        out.append(err(lambda: b.recv_into(buf, nbytes=-1)))
        a.send(b"abcdefgh")
        out.append((b.recv_into(buf, nbytes=2), bytes(buf)))
        a.send(b"abcdefgh")
        arr = array.array("i", [0, 0, 0])
        out.append((b.recv_into(arr), arr.tobytes()))
        a.send(b"discard me")
        out.append((b.recv_into(bytearray()), outcome_of(lambda: b.recv(m.NOBLOCK))))
        return out


@scenario
def events_and_poll(m):
    with Ctx(m) as ctx:
        lone = ctx.socket(m.PUSH)
        pull = ctx.socket(m.PULL)
        push = ctx.socket(m.PUSH)
        for s in (lone, pull, push):
            s.linger = 0
        pull.bind("inproc://events")
        push.connect("inproc://events")
        out = [lone.events, push.events, pull.events, lone.get(m.EVENTS)]
        out += [lone.poll(0), lone.poll(0, m.POLLOUT), push.poll(0, m.POLLOUT)]
        push.send(b"x")
        out += [pull.poll(2000), pull.poll(0, m.POLLIN | m.POLLOUT), pull.events]
        out += [type(pull.poll(0)).__name__, type(pull.events).__name__]
        pull.recv()
        out += [pull.poll(0), pull.events, isinstance(pull.fd, int), pull.fileno() == pull.fd]
        return out


@scenario
def monitor(m):
    import importlib

    monitor_mod = importlib.import_module(m.__name__ + ".utils.monitor")
    with Ctx(m) as ctx:
        s = ctx.socket(m.PULL)
        s.linger = 0
        mon = s.get_monitor_socket()
        again = s.get_monitor_socket()
        mon.rcvtimeo = 2000
        s.bind("tcp://127.0.0.1:*")
        listening = monitor_mod.recv_monitor_message(mon)
        raw_ok = listening["endpoint"] == s.last_endpoint
        s.disable_monitor()
        stopped = monitor_mod.recv_monitor_message(mon)
        return (
            mon is again,
            unmod(repr(mon), m),
            mon.type,
            listening["event"],
            raw_ok,
            stopped,
            s.get_monitor_socket is not None,
        )


# =============================================================================================
# Frame and MessageTracker
# =============================================================================================
@scenario
def frame_construction(m):
    return [
        outcome_of(lambda: m.Frame().bytes),
        outcome_of(lambda: len(m.Frame())),
        outcome_of(lambda: m.Frame(b"ab").bytes),
        outcome_of(lambda: m.Frame(bytearray(b"ab")).bytes),
        outcome_of(lambda: m.Frame(memoryview(b"ab")).bytes),
        outcome_of(lambda: m.Frame(array.array("i", [1])).bytes),
        outcome_of(lambda: m.Frame(b"ab", copy=False).bytes),
        outcome_of(lambda: m.Frame(b"ab", copy=True).bytes),
        outcome_of(lambda: m.Frame(b"ab" * 50_000, copy_threshold=10).bytes[:4]),
        err(lambda: m.Frame("text")),
        outcome_of(lambda: m.Frame(5)),
        outcome_of(lambda: m.Frame(object())),
    ]


@scenario
def frame_attributes(m):
    f = m.Frame(b"abc")
    return (
        f.more,
        f.tracker,
        f.tracker_event,
        f.get(m.MORE),
        f[m.MORE],
        outcome_of(lambda: f.get(99)),
        outcome_of(lambda: f.set(m.MORE, 1)),
        len(f),
        bytes(f),
        f.bytes,
        type(f.buffer).__name__,
        bytes(f.buffer),
        _copy.copy(f).bytes,
        type(_copy.copy(f)).__name__,
        err(lambda: f.no_such_option),
    )


@scenario
def frame_repr(m):
    return [
        unmod(repr(m.Frame(d)), m)
        for d in (b"", b"ab", b"x" * 16, b"y" * 17, b"z" * 100, b"w" * 5000, b"v" * (2**20 + 1))
    ]


@scenario
def frame_tracking(m):
    t1 = m.Frame(b"small", track=True)
    t2 = m.Frame(b"small", track=True, copy=True)
    return (type(t1.tracker).__name__, t1.tracker.done, t2.tracker.done, m.MessageTracker(t1).done)


@scenario
def frame_properties_draft(m):
    f = m.Frame(b"x")
    return [outcome_of(lambda: f.routing_id)[0] != "ok", outcome_of(lambda: f.group)[0] != "ok"]


@scenario
def message_tracker(m):
    ev = threading.Event()
    out = [
        (m.MessageTracker().done, m.MessageTracker().wait(0)),
        m.MessageTracker(ev).done,
        outcome_of(lambda: m.MessageTracker(ev).wait(0.01)),
        outcome_of(lambda: m.MessageTracker(ev).wait(0)),
        err(lambda: m.MessageTracker(5)),
        err(lambda: m.MessageTracker(m.Frame(b"x"))),
    ]
    ev.set()
    tr = m.MessageTracker(ev)
    out.append((tr.done, tr.wait(), tr.wait(1), m.MessageTracker(tr).done))
    unset = threading.Event()
    out.append(m.MessageTracker(tr, unset).done)
    return out


# =============================================================================================
# Poller and select
# =============================================================================================
class Labels:
    """Map sockets, objects and fds to stable names (fd numbers differ between runs)."""

    def __init__(self) -> None:
        self.names: Dict[Any, str] = {}

    def add(self, name: str, obj: Any) -> Any:
        self.names[id(obj) if not isinstance(obj, int) else obj] = name
        if hasattr(obj, "fileno") and not hasattr(obj, "send_multipart"):
            self.names[obj.fileno()] = name + ".fd"
        return obj

    def __call__(self, obj: Any) -> str:
        key = obj if isinstance(obj, int) else id(obj)
        return self.names.get(key, f"?{type(obj).__name__}")

    def events(self, result: List[Any]) -> List[Any]:
        return [(self(o), ev, type(ev).__name__) for o, ev in result]


@scenario
def poller_registry(m):
    with Ctx(m) as ctx:
        a, b = pair(m, ctx, "poller-reg")
        p = m.Poller()
        p.register(a, m.POLLIN)
        p.register(b)
        p.register(a, m.POLLOUT)  # re-register = modify
        p.modify(b, m.POLLIN)
        out = [a in p, b in p, len(p.sockets), [int(f) for _, f in p.sockets]]
        p.register(a, 0)  # flags 0 = unregister
        out += [a in p, len(p.sockets)]
        p.register(a, 0)  # unknown with 0: ignored
        out.append(outcome_of(lambda: p.unregister(a)))
        p.unregister(b)
        out += [len(p.sockets), p.poll(0), m.Poller().poll(10), m.Poller().poll()]
        return out


@scenario
def poller_sockets(m):
    with Ctx(m) as ctx:
        L = Labels()
        a, b = pair(m, ctx, "poller-socks")
        L.add("a", a)
        L.add("b", b)
        p = m.Poller()
        p.register(a, m.POLLIN | m.POLLOUT)
        p.register(b, m.POLLIN)
        out = [L.events(p.poll(0))]
        a.send(b"x")
        out.append(L.events(p.poll(2000)))
        b.recv()
        p.modify(a, m.POLLIN)
        out.append(L.events(p.poll(0)))
        out.append(L.events(p.poll(10)))
        out.append(L.events(p.poll(10.5)))
        p.modify(a, m.POLLOUT)
        out.append(L.events(p.poll(None)))
        out.append(L.events(p.poll(-1)))
        out.append(L.events(m.zmq_poll([(a, m.POLLOUT), (b, m.POLLIN)], 0)))
        return out


@scenario
def poller_raw_fds(m):
    with Ctx(m) as ctx:
        L = Labels()
        r, w = os.pipe()
        L.add("r", r)
        L.add("w", w)
        s1, s2 = socket.socketpair()
        L.add("s1", s1)
        L.add("s2", s2)
        a, b = pair(m, ctx, "poller-raw")
        L.add("a", a)
        try:
            p = m.Poller()
            p.register(r, m.POLLIN)
            p.register(w, m.POLLOUT)
            p.register(s1, m.POLLIN)
            p.register(s2, m.POLLOUT)
            p.register(a, m.POLLIN)
            out = [L.events(p.poll(0))]
            os.write(w, b"x")
            s2.send(b"y")
            out.append(L.events(p.poll(0)))
            b.send(b"z")
            out.append(L.events(p.poll(2000)))
            p.unregister(w)
            os.close(w)
            w = -1
            os.read(r, 1)
            out.append(L.events(p.poll(0)))  # HUP on the pipe: POLLIN|POLLERR
            s2.close()
            q = m.Poller()
            q.register(s1, m.POLLOUT)
            out.append(L.events(q.poll(0)))
            return out
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)
            s1.close()
            s2.close()


@scenario
def poller_bad_objects(m):
    p = m.Poller()
    p.register("not a socket", m.POLLIN)
    q = m.Poller()

    class BadFileno:
        def fileno(self):
            return "nope"

    q.register(BadFileno(), m.POLLIN)
    return [outcome_of(lambda: p.poll(0)), outcome_of(lambda: q.poll(0))]


@scenario
def select_function(m):
    with Ctx(m) as ctx:
        L = Labels()
        a, b = pair(m, ctx, "select")
        L.add("a", a)
        L.add("b", b)
        r, w = os.pipe()
        L.add("r", r)
        L.add("w", w)
        s1, s2 = socket.socketpair()
        L.add("s1", s1)
        L.add("s2", s2)
        try:

            def sel(*args):
                rl, wl, xl = m.select(*args)
                return (sorted(map(L, rl)), sorted(map(L, wl)), sorted(map(L, xl)))

            out = [sel([b, r, s1], [a, w, s2], [], 0)]
            a.send(b"x")
            os.write(w, b"x")
            out.append(sel([b, r, s1], [], [], 1.0))
            out.append(sel([s1], [], [], 0.01))
            out.append(sel([], [], [], 0))
            os.close(w)
            w = -1
            out.append(sel([], [], [r], 0))
            out.append(sel([r], [], [r], 0))
            return out
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)
            s1.close()
            s2.close()


# =============================================================================================
# Context
# =============================================================================================
@scenario
def context_repr(m):
    c = m.Context()
    out = [unmod(repr(c), m)]
    s1 = c.socket(m.PUSH)
    out.append(unmod(repr(c), m))
    s2 = c.socket(m.PUSH)
    out.append(unmod(repr(c), m))
    s1.close()
    s2.close()
    out.append(unmod(repr(c), m))
    c.term()
    out.append(unmod(repr(c), m))
    return out


@scenario
def context_options(m):
    with Ctx(m) as c:
        out = [
            c.get(m.IO_THREADS),
            c.get(m.MAX_SOCKETS),
            c.get(m.IPV6),
            c.io_threads,
            c.max_sockets,
            c.ipv6,
        ]
        c.set(m.MAX_SOCKETS, 100)
        c.max_sockets = 200
        c.set(m.IPV6, 5)
        out += [c.get(m.MAX_SOCKETS), c.get(m.IPV6)]
        out.append(c.socket(m.PUSH).ipv6)
        c.ipv6 = 0
        out.append(c.socket(m.PUSH).ipv6)
        out += [
            outcome_of(lambda: c.set(m.IO_THREADS, -1)),
            outcome_of(lambda: c.set(m.MAX_SOCKETS, 0)),
            outcome_of(lambda: c.set(m.IPV6, -1)),
            outcome_of(lambda: c.set(m.LINGER, 0)),
            outcome_of(lambda: c.get(m.LINGER)),
            outcome_of(lambda: c.set(9999, 1)),
            outcome_of(lambda: c.get(9999)),
            outcome_of(lambda: c.set(m.IO_THREADS, "x")),
        ]
        return out


@scenario
def context_constructor(m):
    c0 = m.Context(io_threads=0)
    c2 = m.Context(2)
    out = [
        c0.get(m.IO_THREADS),
        c2.get(m.IO_THREADS),
        outcome_of(lambda: m.Context(-1)),
        isinstance(c0.underlying, int),
    ]
    c0.term()
    c2.term()
    return out


@scenario
def context_socket_options(m):
    with Ctx(m) as c:
        out = [err(lambda: c.linger), c.sockopts]
        c.linger = 0
        c.setsockopt(m.SNDHWM, 7)
        c.subscribe = b""  # not valid for a PUSH: skipped when applied
        out += [c.linger, c.getsockopt(m.SNDHWM), c.sndhwm, sorted(c.sockopts)]
        s = c.socket(m.PUSH)
        out += [s.linger, s.sndhwm]
        out.append(outcome_of(lambda: c.getsockopt(m.RCVHWM)))
        del c.linger
        out.append(c.socket(m.PUSH).linger)
        out.append(err(lambda: delattr(c, "linger")))
        out.append(err(lambda: delattr(c, "bogus")))
        out.append(err(lambda: c.bogus))
        out.append(err(lambda: setattr(c, "bogus", 1)))
        return out


@scenario
def context_socket_class(m):
    with Ctx(m) as c:
        cls = type("MySock", (m.Socket,), {})
        s = c.socket(m.PUSH, socket_class=cls)
        t = c.socket(m.PUSH, copy_threshold=3)
        return (type(s).__name__, isinstance(s, m.Socket), s.context is c, t.copy_threshold)


@scenario
def context_term_and_after(m):
    c = m.Context()
    s = c.socket(m.PUSH)
    s.close()
    c.term()
    return [
        c.closed,
        outcome_of(lambda: c.socket(m.PUSH)),
        err(lambda: c.get(m.IO_THREADS)),
        err(lambda: c.set(m.IO_THREADS, 1)),
        outcome_of(lambda: c.term()),
        outcome_of(lambda: c.destroy()),
        outcome_of(lambda: c.destroy(linger=0)),
    ]


@scenario
def context_destroy(m):
    c = m.Context()
    s = c.socket(m.PUSH)
    t = c.socket(m.PULL)
    s.connect("inproc://destroy")
    c.destroy(linger=0)
    return (s.closed, t.closed, c.closed)


@scenario
def context_manager(m):
    with m.Context() as c:
        s = c.socket(m.PUSH)
        s.linger = 0
        inside = c.closed
    return (inside, c.closed, s.closed)


@scenario
def context_instance(m):
    a = m.Context.instance()
    b = m.Context.instance()
    same = a is b
    a.term()
    c = m.Context.instance()
    new = c is not a and not c.closed
    c.term()
    return (same, new, type(a).__name__)


@scenario
def context_blocking_recv_interrupted_by_term(m):
    c = m.Context()
    s = c.socket(m.PULL)
    s.bind("inproc://blocked")
    result: List[Any] = []

    def run():
        try:
            s.recv()
        except m.ZMQError as e:
            result.append((type(e).__name__, e.errno))
        s.close()

    t = threading.Thread(target=run)
    t.start()
    # term() interrupts the blocked recv (it waits for the thread to close its socket)
    c.term()
    t.join(10)
    return result


# =============================================================================================
# the pyzmq side (subprocess) and the tests
# =============================================================================================
def _oracle_main() -> None:
    import zmq

    print(json.dumps({name: outcome(zmq, name) for name in SCENARIOS}))


@pytest.fixture(scope="module")
def pyzmq_outcomes() -> Dict[str, Any]:
    pytest.importorskip("zmq")
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--oracle"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _cases() -> List[Any]:
    cases = []
    for name in SCENARIOS:
        marks = []
        if name in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[name]))
        cases.append(pytest.param(name, marks=marks, id=name))
    return cases


@pytest.mark.parametrize("name", _cases())
def test_same_as_pyzmq(name, pyzmq_outcomes):
    import purezmq

    expected = pyzmq_outcomes[name]
    got = json.loads(json.dumps(outcome(purezmq, name)))
    assert got == expected


if __name__ == "__main__" and "--oracle" in sys.argv:
    _oracle_main()
