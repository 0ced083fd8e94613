"""Parity of purezmq.constants / purezmq.error with the installed pyzmq.

pyzmq (``zmq``) is the oracle: every constant it exports must exist here with the same
value and enum class, and the error family must behave identically, except for the
documented differences below.
"""

from __future__ import annotations

import enum
import errno as _errno
import os
import pickle
import threading

import pytest
import zmq  # the oracle: a required test dependency, never skipped
import zmq.constants as zc
import zmq.error as ze

import purezmq.constants as pc
import purezmq.error as pe

# ---------------------------------------------------------------------------------------
# Documented exceptions to parity
# ---------------------------------------------------------------------------------------

# Names purezmq exports that pyzmq 27 does not.  pyzmq < 23 exported VERSION* (derived
# from the libzmq it was built against) and the *_DFLT defaults of zmq.h; purezmq keeps
# them and they describe libzmq 4.0.10, which it emulates.  Checked explicitly below.
PUREZMQ_ONLY = {
    "VERSION": 40010,
    "VERSION_MAJOR": 4,
    "VERSION_MINOR": 0,
    "VERSION_PATCH": 10,
    "IO_THREADS_DFLT": 1,
    "MAX_SOCKETS_DFLT": 1023,
    "POLLITEMS_DFLT": 16,
}

# Names whose value may differ from pyzmq's.  pyzmq 27's constants are all static (none is
# read from the linked libzmq 4.3), so there are none today; a future pyzmq that derives a
# value from its libzmq build goes here with the reason.
VALUE_EXCEPTIONS: dict[str, str] = {}

# zmq_strerror texts that differ between libzmq 4.0 (purezmq's model) and the libzmq 4.3
# bundled with pyzmq: libzmq >= 4.2 has its own "Host unreachable" for EHOSTUNREACH, 4.0
# falls through to strerror() ("No route to host" on glibc).
STRERROR_EXCEPTIONS = {int(_errno.EHOSTUNREACH)}

SAMPLE_ERRNOS = [
    zc.EAGAIN,
    zc.EFSM,
    zc.ETERM,
    zc.EHOSTUNREACH,
    zc.EINVAL,
    zc.ENOTSUP,
    zc.EADDRINUSE,
    zc.ENOCOMPATPROTO,
    zc.EMTHREAD,
    zc.EPROTONOSUPPORT,
    zc.EMSGSIZE,
]


def _expected_strerror(num: int) -> str:
    if int(num) in STRERROR_EXCEPTIONS:
        return os.strerror(num)
    return zmq.strerror(num)


def _enum_classes(module: object) -> dict[str, type[enum.Enum]]:
    return {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, enum.Enum)
        and value not in (enum.Enum, enum.IntEnum, enum.IntFlag)
    }


# ---------------------------------------------------------------------------------------
# constants
# ---------------------------------------------------------------------------------------


def test_every_pyzmq_constant_exists_with_same_value() -> None:
    missing = [name for name in zc.__all__ if not hasattr(pc, name)]
    assert missing == []
    for name in zc.__all__:
        theirs = getattr(zc, name)
        ours = getattr(pc, name)
        if isinstance(theirs, type):
            continue  # classes are compared in their own tests
        if name in VALUE_EXCEPTIONS:
            continue
        assert isinstance(ours, int), name
        assert int(ours) == int(theirs), name
        # same enum class and canonical member name, so repr()/str() agree too
        assert type(ours).__name__ == type(theirs).__name__, name
        assert ours.name == theirs.name, name


def test_all_covers_pyzmq_all() -> None:
    assert set(zc.__all__) <= set(pc.__all__)
    assert len(pc.__all__) == len(set(pc.__all__))
    extras = set(pc.__all__) - set(zc.__all__)
    assert extras == set(PUREZMQ_ONLY)
    for name in pc.__all__:
        assert hasattr(pc, name), name


def test_purezmq_only_values() -> None:
    for name, value in PUREZMQ_ONLY.items():
        assert getattr(pc, name) == value, name
        assert not isinstance(getattr(pc, name), enum.Enum)
    assert pc.VERSION == pc.VERSION_MAJOR * 10000 + pc.VERSION_MINOR * 100 + pc.VERSION_PATCH


def test_enum_classes_match() -> None:
    theirs = _enum_classes(zc)
    ours = _enum_classes(pc)
    assert set(theirs) == set(ours)
    for cls_name, their_cls in theirs.items():
        our_cls = ours[cls_name]
        # same kind of enum (IntEnum / IntFlag / Enum)
        for base in (enum.IntFlag, enum.IntEnum, enum.Enum):
            assert issubclass(our_cls, base) == issubclass(their_cls, base), (cls_name, base)
        their_members = {n: m.value for n, m in their_cls.__members__.items()}
        our_members = {n: m.value for n, m in our_cls.__members__.items()}
        assert our_members == their_members, cls_name
        # aliases resolve to the same canonical member
        for name, member in their_cls.__members__.items():
            assert our_cls.__members__[name].name == member.name, (cls_name, name)
        # iteration order (canonical members) matches, e.g. for list(zmq.Event)
        assert [m.name for m in our_cls] == [m.name for m in their_cls], cls_name


def test_enum_repr_and_str_match() -> None:
    for cls_name, their_cls in _enum_classes(zc).items():
        our_cls = getattr(pc, cls_name)
        for name in their_cls.__members__:
            assert repr(our_cls[name]) == repr(their_cls[name])
            assert str(our_cls[name]) == str(their_cls[name])
    # composite flags render the same way
    assert repr(pc.POLLIN | pc.POLLOUT) == repr(zc.POLLIN | zc.POLLOUT)
    assert repr(pc.Event(3)) == repr(zc.Event(3))


def test_module_names_are_the_enum_members() -> None:
    """Every enum member (aliases included) has its module-level name bound to it."""
    for cls_name, cls in _enum_classes(pc).items():
        if cls_name.startswith("_"):
            continue  # _OptType is internal, no module-level names
        global_name = getattr(cls, "_global_name", lambda n: n)
        for name, member in cls.__members__.items():
            assert getattr(pc, global_name(name)) is member, (cls.__name__, name)


def test_option_types_match_pyzmq() -> None:
    for name, their_opt in zc.SocketOption.__members__.items():
        our_opt = pc.SocketOption[name]
        assert our_opt._opt_type.value == their_opt._opt_type.value, name
        assert pc._OPTION_TYPES[int(our_opt)] is our_opt._opt_type, name
    assert {t.name: t.value for t in pc._OptType} == {t.name: t.value for t in zc._OptType}
    assert len(pc._OPTION_TYPES) == len(list(pc.SocketOption))


def test_option_type_samples() -> None:
    types = pc._OPTION_TYPES
    bytes_options = [
        pc.IDENTITY,
        pc.ROUTING_ID,
        pc.SUBSCRIBE,
        pc.UNSUBSCRIBE,
        pc.LAST_ENDPOINT,
        pc.TCP_ACCEPT_FILTER,
        pc.PLAIN_USERNAME,
        pc.PLAIN_PASSWORD,
        pc.ZAP_DOMAIN,
        pc.CURVE_PUBLICKEY,
        pc.CURVE_SECRETKEY,
        pc.CURVE_SERVERKEY,
    ]
    for opt in bytes_options:
        assert types[opt] is pc._OptType.bytes, opt.name
    assert types[pc.AFFINITY] is pc._OptType.int64
    assert types[pc.MAXMSGSIZE] is pc._OptType.int64
    assert types[pc.FD] is pc._OptType.fd
    assert types[pc.LINGER] is pc._OptType.int
    assert types[5] is pc._OptType.bytes  # plain ints look up too
    assert pc._option_type(9999) is pc._OptType.int


def test_aliases_and_libzmq_numbers() -> None:
    assert pc.XREQ is pc.DEALER and pc.XREP is pc.ROUTER
    assert pc.NOBLOCK is pc.DONTWAIT == 1 and pc.SNDMORE == 2
    assert pc.IDENTITY is pc.ROUTING_ID == 5
    assert pc.DELAY_ATTACH_ON_CONNECT is pc.IMMEDIATE == 39
    assert pc.FAIL_UNROUTABLE is pc.ROUTER_BEHAVIOR is pc.ROUTER_MANDATORY == 33
    assert pc.IPV4ONLY == 31
    assert pc.STREAM == 11 and pc.PAIR == 0
    assert pc.EVENT_ALL == 0xFFFF
    assert pc.EVENT_MONITOR_STOPPED == 0x400
    assert (pc.EFSM, pc.ENOCOMPATPROTO, pc.ETERM, pc.EMTHREAD) == (
        156384763,
        156384764,
        156384765,
        156384766,
    )
    # POSIX errnos are the platform's
    for name in ("EAGAIN", "EINVAL", "ENOTSUP", "EHOSTUNREACH", "EADDRINUSE", "EMSGSIZE"):
        assert getattr(pc, name) == getattr(_errno, name), name


# ---------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------

ERROR_CLASSES = [name for name in ze.__all__]


def _mro_names(cls: type) -> list[str]:
    return [f"{c.__module__.split('.')[0]}:{c.__name__}" for c in cls.__mro__]


def test_error_classes_and_hierarchy() -> None:
    for name in ERROR_CLASSES:
        assert name in pe.__all__, name
        theirs = getattr(ze, name)
        ours = getattr(pe, name)
        # same MRO, with pyzmq's classes mapped to ours by name
        expected = [n.replace("zmq:", "purezmq:") for n in _mro_names(theirs)]
        assert _mro_names(ours) == expected, name


def test_strerror() -> None:
    assert pe.strerror(pc.EFSM) == "Operation cannot be accomplished in current state"
    assert pe.strerror(pc.ENOCOMPATPROTO) == "The protocol is not compatible with the socket type"
    assert pe.strerror(pc.ETERM) == "Context was terminated"
    assert pe.strerror(pc.EMTHREAD) == "No thread available"
    assert pe.strerror(pc.EHOSTUNREACH) == os.strerror(_errno.EHOSTUNREACH)
    for num in list(SAMPLE_ERRNOS) + [0, 1, 4, 12, 24, 99999]:
        assert pe.strerror(num) == _expected_strerror(num), num


@pytest.mark.parametrize("num", SAMPLE_ERRNOS, ids=lambda e: getattr(e, "name", str(e)))
def test_zmqerror_from_errno(num: int) -> None:
    theirs = ze.ZMQError(num)
    ours = pe.ZMQError(num)
    assert ours.errno == theirs.errno == num
    assert ours.strerror == _expected_strerror(num)
    assert str(ours) == _expected_strerror(num)
    assert repr(ours) == f"ZMQError('{_expected_strerror(num)}')"
    assert ours.args == theirs.args
    if int(num) not in STRERROR_EXCEPTIONS:
        assert str(ours) == str(theirs)
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("num", SAMPLE_ERRNOS, ids=lambda e: getattr(e, "name", str(e)))
def test_check_rc_picks_the_same_class(num: int) -> None:
    with pytest.raises(ze.ZMQError) as their_info:
        ze._check_rc(-1, num)
    with pytest.raises(pe.ZMQError) as our_info:
        pe._check_rc(-1, num)
    theirs, ours = their_info.value, our_info.value
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.errno == theirs.errno
    assert ours.args == theirs.args
    assert type(pe._error(num)) is type(ours)
    with pytest.raises(type(ours)):
        pe._raise(num)


def test_check_rc_success_and_eintr() -> None:
    pe._check_rc(0)
    pe._check_rc(5)
    pe._check_rc(-1, 0, error_without_errno=False)
    with pytest.raises(pe.ZMQError):
        pe._check_rc(-1, 0)
    with pytest.raises(pe.InterruptedSystemCall) as info:
        pe._check_rc(-1, _errno.EINTR)
    assert isinstance(info.value, InterruptedError)


def test_special_subclasses_match() -> None:
    for name in ("Again", "ContextTerminated", "InterruptedSystemCall"):
        their_cls, our_cls = getattr(ze, name), getattr(pe, name)
        for args in [(), (5,), (5, "custom")]:
            theirs, ours = their_cls(*args), our_cls(*args)
            assert ours.errno == theirs.errno, (name, args)
            assert type(ours.errno).__name__ == type(theirs.errno).__name__, (name, args)
            assert ours.strerror == theirs.strerror, (name, args)
            assert str(ours) == str(theirs), (name, args)
            assert repr(ours) == repr(theirs), (name, args)
            assert ours.args == theirs.args, (name, args)
    assert isinstance(pe.Again(), pe.ZMQError)
    assert pe.Again().errno == pc.EAGAIN
    assert pe.ContextTerminated().errno == pc.ETERM
    assert str(pe.ContextTerminated()) == "Context was terminated"


def test_zmqerror_message_forms() -> None:
    for args in [(pc.EAGAIN, "custom text"), ("just a message",), (None, "msg"), (3.5,)]:
        theirs, ours = ze.ZMQError(*args), pe.ZMQError(*args)
        if args[0] is not None:  # None reads the thread's errno, compared separately
            assert ours.errno == theirs.errno, args
        assert str(ours) == str(theirs), args
        assert repr(ours) == repr(theirs), args
        assert ours.args == theirs.args, args


def test_zmq_errno_is_per_thread_last_error() -> None:
    pe.ZMQError(pc.EFSM)
    assert pe.zmq_errno() == pc.EFSM
    err = pe.ZMQError()
    assert err.errno == pc.EFSM and str(err) == pe.strerror(pc.EFSM)
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(pe.zmq_errno()))
    thread.start()
    thread.join(5)
    assert seen == [0]
    assert str(pe.ZMQError(None, "m")) == "m"


@pytest.mark.parametrize(
    "exc",
    [
        pe.ZMQError(pc.EFSM),
        pe.ZMQError(pc.EINVAL, "custom"),
        pe.Again(pc.EAGAIN),
        pe.Again(),
        pe.ContextTerminated(),
        pe.InterruptedSystemCall(),
    ],
    ids=repr,
)
def test_errors_pickle(exc: pe.ZMQError) -> None:
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc)
    assert back.errno == exc.errno
    assert str(back) == str(exc)
    assert back.args == exc.args


def test_version_error() -> None:
    err = pe.ZMQVersionError("4.1", "ZMQ_ROUTER_HANDOVER")
    assert str(err) == "ZMQ_ROUTER_HANDOVER requires libzmq >= 4.1, have 4.0.10"
    assert repr(err) == f"ZMQVersionError('{err}')"
    assert err.min_version == "4.1" and err.version == "4.0.10"
    assert isinstance(err, NotImplementedError)
    theirs = ze.ZMQVersionError("4.1", "ZMQ_ROUTER_HANDOVER")
    assert err.args == theirs.args
    assert str(theirs).replace(theirs.version, "4.0.10") == str(err)
    pe._check_version((4, 0))
    pe._check_version((4, 0, 10))
    with pytest.raises(pe.ZMQVersionError) as info:
        pe._check_version((4, 1), "Heartbeats")
    assert str(info.value) == "Heartbeats requires libzmq >= 4.1, have 4.0.10"


def test_other_errors() -> None:
    assert str(pe.ZMQBindError("no port")) == str(ze.ZMQBindError("no port"))
    assert repr(pe.NotDone()) == repr(ze.NotDone())
    assert isinstance(pe.DraftFDWarning(), RuntimeWarning)
    assert str(pe.DraftFDWarning("x")) == "x"
