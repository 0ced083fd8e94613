"""Socket options: libzmq 4.0 defaults, validation, applicability (reference §2), and the
pyzmq conventions for types (TypeError) and attribute access."""

from __future__ import annotations

import pytest
from helpers import bind, recv_multipart

import purezmq as zmq

pytestmark = pytest.mark.timeout(10)

TYPES = {
    "PAIR": zmq.PAIR,
    "REQ": zmq.REQ,
    "REP": zmq.REP,
    "DEALER": zmq.DEALER,
    "ROUTER": zmq.ROUTER,
    "PULL": zmq.PULL,
    "PUSH": zmq.PUSH,
}

#: Reference §2: (option, default) for every type built so far.
DEFAULTS = [
    (zmq.AFFINITY, 0),
    (zmq.IDENTITY, b""),
    (zmq.RATE, 100),
    (zmq.RECOVERY_IVL, 10000),
    (zmq.SNDBUF, 0),
    (zmq.RCVBUF, 0),
    (zmq.RCVMORE, 0),
    (zmq.LINGER, -1),
    (zmq.RECONNECT_IVL, 100),
    (zmq.BACKLOG, 100),
    (zmq.RECONNECT_IVL_MAX, 0),
    (zmq.MAXMSGSIZE, -1),
    (zmq.SNDHWM, 1000),
    (zmq.RCVHWM, 1000),
    (zmq.MULTICAST_HOPS, 1),
    (zmq.RCVTIMEO, -1),
    (zmq.SNDTIMEO, -1),
    (zmq.IPV4ONLY, 1),
    (zmq.LAST_ENDPOINT, b""),
    (zmq.TCP_KEEPALIVE, -1),
    (zmq.TCP_KEEPALIVE_CNT, -1),
    (zmq.TCP_KEEPALIVE_IDLE, -1),
    (zmq.TCP_KEEPALIVE_INTVL, -1),
    (zmq.IPV6, 0),
    (zmq.MECHANISM, 0),
]


@pytest.mark.parametrize("type_name", list(TYPES))
def test_defaults(ctx, type_name):
    s = ctx.socket(TYPES[type_name])
    for opt, default in DEFAULTS:
        value = s.getsockopt(opt)
        assert value == default, (zmq.SocketOption(opt).name, value, default)
        assert type(value) is type(default), (zmq.SocketOption(opt).name, type(value))
    assert s.getsockopt(zmq.TYPE) == TYPES[type_name]
    fd = s.getsockopt(zmq.FD)
    assert isinstance(fd, int) and fd >= 0


def test_events_defaults(ctx):
    for name, stype in TYPES.items():
        s = ctx.socket(stype)
        expected = zmq.POLLOUT if stype == zmq.ROUTER else 0
        assert s.getsockopt(zmq.EVENTS) == expected, name


# (option, accepted values, rejected values) — reference §2's validation column.
VALIDATION = [
    (zmq.LINGER, [-1, 0, 1, 2**31 - 1], [-2, -1000]),
    (zmq.RCVTIMEO, [-1, 0, 100], [-2]),
    (zmq.SNDTIMEO, [-1, 0, 100], [-2]),
    (zmq.RECONNECT_IVL, [-1, 1, 100, 5000], [-2]),
    (zmq.RECONNECT_IVL_MAX, [0, 1, 10000], [-1]),
    (zmq.BACKLOG, [0, 1, 1000], [-1]),
    (zmq.SNDHWM, [0, 1, 100000], [-1]),
    (zmq.RCVHWM, [0, 1, 100000], [-1]),
    (zmq.SNDBUF, [0, 1024, 1 << 20], [-1]),
    (zmq.RCVBUF, [0, 1024, 1 << 20], [-1]),
    (zmq.MAXMSGSIZE, [-1, 0, 1, 2**40], [-2]),
    (zmq.RATE, [1, 1000], [0, -1]),
    (zmq.RECOVERY_IVL, [0, 1], [-1]),
    (zmq.MULTICAST_HOPS, [1, 255], [0, -1]),
    (zmq.IPV6, [0, 1], [2, -1]),
    (zmq.IPV4ONLY, [0, 1], [2, -1]),
    (zmq.TCP_KEEPALIVE, [-1, 0, 1], [2, -2]),
    (zmq.TCP_KEEPALIVE_CNT, [-1, 0, 5], [-2]),
    (zmq.TCP_KEEPALIVE_IDLE, [-1, 0, 60], [-2]),
    (zmq.TCP_KEEPALIVE_INTVL, [-1, 0, 10], [-2]),
    (zmq.AFFINITY, [0, 1, 2**64 - 1], []),
]


@pytest.mark.parametrize(
    "opt,good,bad", VALIDATION, ids=[zmq.SocketOption(v[0]).name for v in VALIDATION]
)
def test_int_option_validation(ctx, opt, good, bad):
    s = ctx.socket(zmq.DEALER)
    for value in good:
        s.setsockopt(opt, value)
        assert s.getsockopt(opt) == value
    for value in bad:
        before = s.getsockopt(opt)
        with pytest.raises(zmq.ZMQError) as e:
            s.setsockopt(opt, value)
        assert e.value.errno == zmq.EINVAL
        assert s.getsockopt(opt) == before


def test_ipv4only_is_the_inverse_of_ipv6(ctx):
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.IPV6, 1)
    assert s.getsockopt(zmq.IPV4ONLY) == 0
    s.setsockopt(zmq.IPV4ONLY, 1)
    assert s.getsockopt(zmq.IPV6) == 0


def test_identity_validation(ctx):
    s = ctx.socket(zmq.DEALER)
    for bad in (b"", b"\x00", b"\x00abc", b"x" * 256):
        with pytest.raises(zmq.ZMQError) as e:
            s.setsockopt(zmq.IDENTITY, bad)
        assert e.value.errno == zmq.EINVAL
    assert s.getsockopt(zmq.IDENTITY) == b""
    for good in (b"a", b"a\x00b", b"\xff" * 255, bytearray(b"ba"), memoryview(b"mv")):
        s.setsockopt(zmq.IDENTITY, good)
        assert s.getsockopt(zmq.IDENTITY) == bytes(good)
    s.setsockopt_string(zmq.IDENTITY, "naïve")
    assert s.getsockopt(zmq.IDENTITY) == "naïve".encode()
    assert s.getsockopt_string(zmq.IDENTITY) == "naïve"


@pytest.mark.parametrize("opt", [zmq.LINGER, zmq.SNDHWM, zmq.AFFINITY, zmq.MAXMSGSIZE])
@pytest.mark.parametrize("value", ["1", b"1", 1.5, None, [1]])
def test_int_option_wrong_type_is_typeerror(ctx, opt, value):
    s = ctx.socket(zmq.DEALER)
    with pytest.raises(TypeError):
        s.setsockopt(opt, value)


@pytest.mark.parametrize("value", ["abc", 5, 1.5, None])
def test_bytes_option_wrong_type_is_typeerror(ctx, value):
    s = ctx.socket(zmq.DEALER)
    with pytest.raises(TypeError):
        s.setsockopt(zmq.IDENTITY, value)


def test_bool_is_accepted_as_int(ctx):
    s = ctx.socket(zmq.ROUTER)
    s.setsockopt(zmq.ROUTER_MANDATORY, True)
    s.setsockopt(zmq.IPV6, True)
    assert s.getsockopt(zmq.IPV6) == 1


# -- applicability ------------------------------------------------------------------------
def _einval(fn, *args):
    with pytest.raises(zmq.ZMQError) as e:
        fn(*args)
    assert e.value.errno == zmq.EINVAL


@pytest.mark.parametrize("type_name", list(TYPES))
def test_unknown_options_einval(ctx, type_name):
    s = ctx.socket(TYPES[type_name])
    for opt in (9999, 0, 1, 2, 3, 10, 20, 26, 29, 30, 1000):
        _einval(s.setsockopt, opt, 1)
        _einval(s.getsockopt, opt)


# Options from libzmq >= 4.1 that a 4.0 socket must refuse (reference §2, last rule).
BEYOND_40 = [
    56,
    57,
    58,
    59,
    60,
    61,
    62,
    63,
    64,
    65,
    66,
    68,
    69,
    70,
    71,
    72,
    73,
    74,
    75,
    76,
    77,
    78,
    79,
    80,
    81,
]


@pytest.mark.parametrize("opt", BEYOND_40)
def test_options_beyond_40_einval(ctx, opt):
    s = ctx.socket(zmq.DEALER)
    _einval(s.setsockopt, opt, 1)
    _einval(s.getsockopt, opt)


def test_named_options_beyond_40_einval(ctx):
    s = ctx.socket(zmq.ROUTER)
    for name in (
        "HEARTBEAT_IVL",
        "HEARTBEAT_TTL",
        "HEARTBEAT_TIMEOUT",
        "ROUTER_HANDOVER",
        "HANDSHAKE_IVL",
        "CONNECT_TIMEOUT",
        "TOS",
        "XPUB_NODROP",
        "TCP_MAXRT",
    ):
        opt = getattr(zmq, name)
        _einval(s.setsockopt, opt, 1)
        _einval(s.getsockopt, opt)
        with pytest.raises((AttributeError, zmq.ZMQError)):
            setattr(s, name.lower(), 1)


@pytest.mark.parametrize("type_name", [t for t in TYPES if t not in ("ROUTER", "REP")])
def test_router_mandatory_only_on_router_and_rep(ctx, type_name):
    s = ctx.socket(TYPES[type_name])
    _einval(s.setsockopt, zmq.ROUTER_MANDATORY, 1)


def test_router_mandatory_accepted_on_router_and_rep(ctx):
    for stype in (zmq.ROUTER, zmq.REP):
        s = ctx.socket(stype)
        s.setsockopt(zmq.ROUTER_MANDATORY, 1)
        s.setsockopt(zmq.ROUTER_MANDATORY, 0)
        s.setsockopt(zmq.ROUTER_MANDATORY, 7)
        _einval(s.setsockopt, zmq.ROUTER_MANDATORY, -1)


@pytest.mark.parametrize("type_name", [t for t in TYPES if t != "REQ"])
def test_req_options_only_on_req(ctx, type_name):
    s = ctx.socket(TYPES[type_name])
    _einval(s.setsockopt, zmq.REQ_CORRELATE, 1)
    _einval(s.setsockopt, zmq.REQ_RELAXED, 1)


def test_req_options_validation(ctx):
    s = ctx.socket(zmq.REQ)
    for opt in (zmq.REQ_CORRELATE, zmq.REQ_RELAXED):
        s.setsockopt(opt, 0)
        s.setsockopt(opt, 1)
        s.setsockopt(opt, 3)
        _einval(s.setsockopt, opt, -1)


def test_set_only_options_raise_on_get(ctx):
    router = ctx.socket(zmq.ROUTER)
    _einval(router.getsockopt, zmq.ROUTER_MANDATORY)
    req = ctx.socket(zmq.REQ)
    _einval(req.getsockopt, zmq.REQ_CORRELATE)
    _einval(req.getsockopt, zmq.REQ_RELAXED)
    # pyzmq's attribute access turns that EINVAL into AttributeError
    with pytest.raises(AttributeError):
        _ = router.router_mandatory
    with pytest.raises(AttributeError):
        _ = req.req_relaxed


def test_get_only_options_raise_on_set(ctx):
    s = ctx.socket(zmq.DEALER)
    for opt, value in (
        (zmq.RCVMORE, 0),
        (zmq.FD, 3),
        (zmq.EVENTS, 1),
        (zmq.TYPE, 1),
        (zmq.LAST_ENDPOINT, b"tcp://x:1"),
        (zmq.MECHANISM, 0),
    ):
        with pytest.raises((zmq.ZMQError, TypeError)) as e:
            s.setsockopt(opt, value)
        if isinstance(e.value, zmq.ZMQError):
            assert e.value.errno == zmq.EINVAL


# -- attribute access and context defaults ------------------------------------------------
def test_attribute_access(ctx):
    s = ctx.socket(zmq.DEALER)
    s.linger = 0
    assert s.linger == 0 == s.getsockopt(zmq.LINGER)
    s.identity = b"attr-identity"
    assert s.identity == b"attr-identity"
    s.hwm = 7
    assert s.sndhwm == 7 and s.rcvhwm == 7 and s.hwm == 7
    assert s.type == zmq.DEALER
    with pytest.raises(AttributeError):
        s.no_such_option = 1
    with pytest.raises(AttributeError):
        _ = s.no_such_option


def test_context_socket_option_defaults(ctx):
    ctx.linger = 0
    ctx.sndhwm = 10
    s = ctx.socket(zmq.PUSH)
    assert s.linger == 0 and s.sndhwm == 10
    # options that do not apply to a type are skipped, not raised
    ctx.setsockopt(zmq.ROUTER_MANDATORY, 1)
    d = ctx.socket(zmq.DEALER)
    assert d.linger == 0
    del ctx.linger
    assert ctx.socket(zmq.PUSH).linger == -1


def test_sub_options_not_accepted_on_other_types(ctx):
    s = ctx.socket(zmq.DEALER)
    _einval(s.setsockopt, zmq.SUBSCRIBE, b"x")
    _einval(s.setsockopt, zmq.UNSUBSCRIBE, b"x")


# -- options take effect --------------------------------------------------------------------
def test_options_snapshot_at_connect(ctx):
    """Options are copied at bind/connect; later changes do not affect that connection."""
    router = ctx.socket(zmq.ROUTER)
    ep = bind(router, "tcp")
    d = ctx.socket(zmq.DEALER)
    d.identity = b"first"
    d.connect(ep)
    d.identity = b"second"
    d.send(b"x")
    assert recv_multipart(router) == [b"first", b"x"]


def test_last_endpoint_is_bytes(ctx):
    s = ctx.socket(zmq.PULL)
    s.bind("inproc://le")
    assert s.getsockopt(zmq.LAST_ENDPOINT) == b"inproc://le"
    assert s.last_endpoint == b"inproc://le"
    assert s.getsockopt_string(zmq.LAST_ENDPOINT) == "inproc://le"


def test_rcvmore_after_single_and_multipart(ctx):
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.bind("inproc://rcvmore")
    push.connect("inproc://rcvmore")
    push.send_multipart([b"a", b"b"])
    push.send(b"c")
    pull.rcvtimeo = 1000
    assert pull.recv() == b"a" and pull.rcvmore == 1
    assert pull.recv() == b"b" and pull.rcvmore == 0
    assert pull.recv() == b"c" and pull.rcvmore == 0


def test_maxmsgsize_accepts_int64(ctx):
    s = ctx.socket(zmq.PULL)
    s.setsockopt(zmq.MAXMSGSIZE, 2**62)
    assert s.getsockopt(zmq.MAXMSGSIZE) == 2**62
