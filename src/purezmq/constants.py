"""ZeroMQ constants with pyzmq's names, values and enum classes.

Theory of operation
-------------------
pyzmq code does ``zmq.PUSH``, ``zmq.SocketType.PUSH``, ``zmq.Event.CONNECTED``,
``zmq.EVENT_ALL`` and ``zmq.EAGAIN`` interchangeably, and compares them with plain ints
coming off the wire or out of ``getsockopt``.  So every constant is an ``IntEnum``/``IntFlag``
member (compares and hashes like its int), grouped exactly the way pyzmq groups them, and
re-exported under a module-level name (``PUSH``, ``EVENT_CONNECTED``, ``NOTIFY_CONNECT`` …).

The module-level names are spelled out one per line rather than injected with
``globals().update`` so that type checkers, IDEs and ``from .constants import PUSH`` inside
purezmq all see them.  ``tests/test_constants.py`` checks them against the enums and
against the installed pyzmq, so a name cannot silently drift.

Scope: purezmq implements the libzmq 4.0 feature set, but pyzmq code may still *name*
options, socket types and events of later libzmq versions (HEARTBEAT_IVL, SERVER, …).  All of
them exist here with pyzmq's numbers; the core answers EINVAL for the ones 4.0 lacks, just as
libzmq 4.0 would.

Errno values are the platform's (Python's ``errno`` module).  ZeroMQ-native errors and the
fallbacks for constants the OS lacks are offsets from ``_HAUSNUMERO``, as in ``zmq.h``.

Immutable module: safe to read from any thread.
"""

from __future__ import annotations

import errno
import sys
from enum import Enum, IntEnum, IntFlag

# ZMQ_HAUSNUMERO from zmq.h: base of the error numbers libzmq defines itself.
_HAUSNUMERO = 156384712

# libzmq version purezmq behaves as (ZMQ_VERSION_* / ZMQ_MAKE_VERSION from zmq.h).
VERSION_MAJOR: int = 4
VERSION_MINOR: int = 0
VERSION_PATCH: int = 10
VERSION: int = VERSION_MAJOR * 10000 + VERSION_MINOR * 100 + VERSION_PATCH

# libzmq 4.0 defaults (zmq.h) that pyzmq < 23 exported and the core needs anyway.
IO_THREADS_DFLT: int = 1
MAX_SOCKETS_DFLT: int = 1023  # 1024 in 4.0.0-4.0.1, 1023 from 4.0.2
POLLITEMS_DFLT: int = 16


def _os_errno(name: str, offset: int) -> int:
    """The platform's value for errno ``name``, else libzmq's HAUSNUMERO-based fallback."""
    value: int = getattr(errno, name, _HAUSNUMERO + offset)
    return value


class Errno(IntEnum):
    """Error numbers libzmq (and so pyzmq) can report."""

    EAGAIN = errno.EAGAIN
    EFAULT = errno.EFAULT
    EINVAL = errno.EINVAL

    if sys.platform.startswith("win"):
        # libzmq on Windows is built against the MSVC CRT, whose errno.h numbers differ
        # from the WSA* values Python's errno module prefers; pyzmq uses the CRT ones.
        ENOTSUP = 129
        EPROTONOSUPPORT = 135
        ENOBUFS = 119
        ENETDOWN = 116
        EADDRINUSE = 100
        EADDRNOTAVAIL = 101
        ECONNREFUSED = 107
        EINPROGRESS = 112
        ENOTSOCK = 128
        EMSGSIZE = 115
        EAFNOSUPPORT = 102
        ENETUNREACH = 118
        ECONNABORTED = 106
        ECONNRESET = 108
        ENOTCONN = 126
        ETIMEDOUT = 138
        EHOSTUNREACH = 110
        ENETRESET = 117
    else:
        ENOTSUP = _os_errno("ENOTSUP", 1)
        EPROTONOSUPPORT = _os_errno("EPROTONOSUPPORT", 2)
        ENOBUFS = _os_errno("ENOBUFS", 3)
        ENETDOWN = _os_errno("ENETDOWN", 4)
        EADDRINUSE = _os_errno("EADDRINUSE", 5)
        EADDRNOTAVAIL = _os_errno("EADDRNOTAVAIL", 6)
        ECONNREFUSED = _os_errno("ECONNREFUSED", 7)
        EINPROGRESS = _os_errno("EINPROGRESS", 8)
        ENOTSOCK = _os_errno("ENOTSOCK", 9)
        EMSGSIZE = _os_errno("EMSGSIZE", 10)
        EAFNOSUPPORT = _os_errno("EAFNOSUPPORT", 11)
        ENETUNREACH = _os_errno("ENETUNREACH", 12)
        ECONNABORTED = _os_errno("ECONNABORTED", 13)
        ECONNRESET = _os_errno("ECONNRESET", 14)
        ENOTCONN = _os_errno("ENOTCONN", 15)
        ETIMEDOUT = _os_errno("ETIMEDOUT", 16)
        EHOSTUNREACH = _os_errno("EHOSTUNREACH", 17)
        ENETRESET = _os_errno("ENETRESET", 18)

    # ZeroMQ-native errors, identical on every platform.
    EFSM = _HAUSNUMERO + 51
    ENOCOMPATPROTO = _HAUSNUMERO + 52
    ETERM = _HAUSNUMERO + 53
    EMTHREAD = _HAUSNUMERO + 54


class ContextOption(IntEnum):
    """Options for ``Context.get``/``Context.set``."""

    IO_THREADS = 1
    MAX_SOCKETS = 2
    SOCKET_LIMIT = 3
    THREAD_PRIORITY = 3  # alias of SOCKET_LIMIT by value, as in zmq.h
    THREAD_SCHED_POLICY = 4
    MAX_MSGSZ = 5
    MSG_T_SIZE = 6
    THREAD_AFFINITY_CPU_ADD = 7
    THREAD_AFFINITY_CPU_REMOVE = 8
    THREAD_NAME_PREFIX = 9


class SocketType(IntEnum):
    """Socket types (the argument of ``Context.socket``)."""

    PAIR = 0
    PUB = 1
    SUB = 2
    REQ = 3
    REP = 4
    DEALER = 5
    ROUTER = 6
    PULL = 7
    PUSH = 8
    XPUB = 9
    XSUB = 10
    STREAM = 11

    # deprecated aliases (zmq.h still defines them)
    XREQ = 5
    XREP = 6

    # draft socket types of later libzmq; not available in purezmq (4.0 feature set)
    SERVER = 12
    CLIENT = 13
    RADIO = 14
    DISH = 15
    GATHER = 16
    SCATTER = 17
    DGRAM = 18
    PEER = 19
    CHANNEL = 20


class _OptType(Enum):
    """How a socket option's value is represented at the API."""

    int = "int"
    int64 = "int64"
    bytes = "bytes"
    fd = "fd"


class SocketOption(IntEnum):
    """Options for ``Socket.get``/``Socket.set``.

    Each member carries ``_opt_type`` (an :class:`_OptType`), which decides how a value is
    converted: C int, 64-bit int, byte string or file descriptor.  Members written as a
    bare number are ``int`` options.
    """

    _opt_type: _OptType

    def __new__(cls, value: int, opt_type: _OptType = _OptType.int) -> SocketOption:  # noqa: PYI034
        member = int.__new__(cls, value)
        member._value_ = value
        member._opt_type = opt_type
        return member

    HWM = 1
    AFFINITY = 4, _OptType.int64
    ROUTING_ID = 5, _OptType.bytes
    SUBSCRIBE = 6, _OptType.bytes
    UNSUBSCRIBE = 7, _OptType.bytes
    RATE = 8
    RECOVERY_IVL = 9
    SNDBUF = 11
    RCVBUF = 12
    RCVMORE = 13
    FD = 14, _OptType.fd
    EVENTS = 15
    TYPE = 16
    LINGER = 17
    RECONNECT_IVL = 18
    BACKLOG = 19
    RECONNECT_IVL_MAX = 21
    MAXMSGSIZE = 22, _OptType.int64
    SNDHWM = 23
    RCVHWM = 24
    MULTICAST_HOPS = 25
    RCVTIMEO = 27
    SNDTIMEO = 28
    LAST_ENDPOINT = 32, _OptType.bytes
    ROUTER_MANDATORY = 33
    TCP_KEEPALIVE = 34
    TCP_KEEPALIVE_CNT = 35
    TCP_KEEPALIVE_IDLE = 36
    TCP_KEEPALIVE_INTVL = 37
    IMMEDIATE = 39
    XPUB_VERBOSE = 40
    ROUTER_RAW = 41
    IPV6 = 42
    MECHANISM = 43
    PLAIN_SERVER = 44
    PLAIN_USERNAME = 45, _OptType.bytes
    PLAIN_PASSWORD = 46, _OptType.bytes
    CURVE_SERVER = 47
    CURVE_PUBLICKEY = 48, _OptType.bytes
    CURVE_SECRETKEY = 49, _OptType.bytes
    CURVE_SERVERKEY = 50, _OptType.bytes
    PROBE_ROUTER = 51
    REQ_CORRELATE = 52
    REQ_RELAXED = 53
    CONFLATE = 54
    ZAP_DOMAIN = 55, _OptType.bytes

    # libzmq 4.1 and later: named here so pyzmq code imports, rejected by the core
    ROUTER_HANDOVER = 56
    TOS = 57
    CONNECT_ROUTING_ID = 61, _OptType.bytes
    GSSAPI_SERVER = 62
    GSSAPI_PRINCIPAL = 63, _OptType.bytes
    GSSAPI_SERVICE_PRINCIPAL = 64, _OptType.bytes
    GSSAPI_PLAINTEXT = 65
    HANDSHAKE_IVL = 66
    SOCKS_PROXY = 68, _OptType.bytes
    XPUB_NODROP = 69
    BLOCKY = 70
    XPUB_MANUAL = 71
    XPUB_WELCOME_MSG = 72, _OptType.bytes
    STREAM_NOTIFY = 73
    INVERT_MATCHING = 74
    HEARTBEAT_IVL = 75
    HEARTBEAT_TTL = 76
    HEARTBEAT_TIMEOUT = 77
    XPUB_VERBOSER = 78
    CONNECT_TIMEOUT = 79
    TCP_MAXRT = 80
    THREAD_SAFE = 81
    MULTICAST_MAXTPDU = 84
    VMCI_BUFFER_SIZE = 85, _OptType.int64
    VMCI_BUFFER_MIN_SIZE = 86, _OptType.int64
    VMCI_BUFFER_MAX_SIZE = 87, _OptType.int64
    VMCI_CONNECT_TIMEOUT = 88
    USE_FD = 89
    GSSAPI_PRINCIPAL_NAMETYPE = 90
    GSSAPI_SERVICE_PRINCIPAL_NAMETYPE = 91
    BINDTODEVICE = 92, _OptType.bytes

    # Deprecated names.  A name whose number is already taken becomes an alias of that
    # member (Enum folds equal values), so IDENTITY *is* ROUTING_ID, type included.
    IDENTITY = 5, _OptType.bytes  # ROUTING_ID
    CONNECT_RID = 61, _OptType.bytes  # CONNECT_ROUTING_ID
    TCP_ACCEPT_FILTER = 38, _OptType.bytes
    IPC_FILTER_PID = 58
    IPC_FILTER_UID = 59
    IPC_FILTER_GID = 60
    IPV4ONLY = 31
    DELAY_ATTACH_ON_CONNECT = 39  # IMMEDIATE
    FAIL_UNROUTABLE = 33  # ROUTER_MANDATORY
    ROUTER_BEHAVIOR = 33  # ROUTER_MANDATORY

    # draft options of later libzmq
    ZAP_ENFORCE_DOMAIN = 93
    LOOPBACK_FASTPATH = 94
    METADATA = 95, _OptType.bytes
    MULTICAST_LOOP = 96
    ROUTER_NOTIFY = 97
    XPUB_MANUAL_LAST_VALUE = 98
    SOCKS_USERNAME = 99, _OptType.bytes
    SOCKS_PASSWORD = 100, _OptType.bytes
    IN_BATCH_SIZE = 101
    OUT_BATCH_SIZE = 102
    WSS_KEY_PEM = 103, _OptType.bytes
    WSS_CERT_PEM = 104, _OptType.bytes
    WSS_TRUST_PEM = 105, _OptType.bytes
    WSS_HOSTNAME = 106, _OptType.bytes
    WSS_TRUST_SYSTEM = 107
    ONLY_FIRST_SUBSCRIBE = 108
    RECONNECT_STOP = 109
    HELLO_MSG = 110, _OptType.bytes
    DISCONNECT_MSG = 111, _OptType.bytes
    PRIORITY = 112
    BUSY_POLL = 113
    HICCUP_MSG = 114, _OptType.bytes
    XSUB_VERBOSE_UNSUBSCRIBE = 115
    TOPICS_COUNT = 116
    NORM_MODE = 117
    NORM_UNICAST_NACK = 118
    NORM_BUFFER_SIZE = 119
    NORM_SEGMENT_SIZE = 120
    NORM_BLOCK_SIZE = 121
    NORM_NUM_PARITY = 122
    NORM_NUM_AUTOPARITY = 123
    NORM_PUSH = 124


class MessageOption(IntEnum):
    """Options of ``Frame.get``."""

    MORE = 1
    SHARED = 3
    SRCFD = 2  # deprecated


class Flag(IntFlag):
    """Send/recv flags."""

    DONTWAIT = 1
    SNDMORE = 2
    NOBLOCK = 1  # old name of DONTWAIT


class RouterNotify(IntEnum):
    """Values of the ROUTER_NOTIFY option (module names ``NOTIFY_*``)."""

    @staticmethod
    def _global_name(name: str) -> str:
        return f"NOTIFY_{name}"

    CONNECT = 1
    DISCONNECT = 2


class NormMode(IntEnum):
    """Values of the NORM_MODE option (module names ``NORM_*``)."""

    @staticmethod
    def _global_name(name: str) -> str:
        return f"NORM_{name}"

    FIXED = 0
    CC = 1
    CCL = 2
    CCE = 3
    CCE_ECNONLY = 4


class SecurityMechanism(IntEnum):
    """Security mechanisms, as reported by the MECHANISM option."""

    NULL = 0
    PLAIN = 1
    CURVE = 2
    GSSAPI = 3


class ReconnectStop(IntEnum):
    """Bits of the RECONNECT_STOP option (module names ``RECONNECT_STOP_*``)."""

    @staticmethod
    def _global_name(name: str) -> str:
        return f"RECONNECT_STOP_{name}"

    CONN_REFUSED = 0x1
    HANDSHAKE_FAILED = 0x2
    AFTER_DISCONNECT = 0x4


class Event(IntFlag):
    """Socket monitor events (module names ``EVENT_*``; ``PROTOCOL_ERROR_*`` unprefixed).

    libzmq 4.0 raises only CONNECTED … MONITOR_STOPPED (0x0001-0x0400).  ``ALL`` keeps
    pyzmq's 0xFFFF (libzmq 4.0's own ZMQ_EVENT_ALL was 0x07FF) so that code passing
    ``zmq.EVENT_ALL`` behaves the same; bits beyond 4.0's events select nothing.
    """

    @staticmethod
    def _global_name(name: str) -> str:
        if name.startswith("PROTOCOL_ERROR_"):
            return name
        return f"EVENT_{name}"

    # The multi-bit protocol-error codes come first so that, for IntFlag, the single-bit
    # event members below stay the canonical names of their values.
    PROTOCOL_ERROR_WS_UNSPECIFIED = 0x30000000
    PROTOCOL_ERROR_ZMTP_UNSPECIFIED = 0x10000000
    PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND = 0x10000001
    PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE = 0x10000002
    PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE = 0x10000003
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED = 0x10000011
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE = 0x10000012
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO = 0x10000013
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE = 0x10000014
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR = 0x10000015
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY = 0x10000016
    PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME = 0x10000017
    PROTOCOL_ERROR_ZMTP_INVALID_METADATA = 0x10000018
    PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC = 0x11000001
    PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH = 0x11000002
    PROTOCOL_ERROR_ZAP_UNSPECIFIED = 0x20000000
    PROTOCOL_ERROR_ZAP_MALFORMED_REPLY = 0x20000001
    PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID = 0x20000002
    PROTOCOL_ERROR_ZAP_BAD_VERSION = 0x20000003
    PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE = 0x20000004
    PROTOCOL_ERROR_ZAP_INVALID_METADATA = 0x20000005

    # libzmq 4.0 events
    CONNECTED = 0x0001
    CONNECT_DELAYED = 0x0002
    CONNECT_RETRIED = 0x0004
    LISTENING = 0x0008
    BIND_FAILED = 0x0010
    ACCEPTED = 0x0020
    ACCEPT_FAILED = 0x0040
    CLOSED = 0x0080
    CLOSE_FAILED = 0x0100
    DISCONNECTED = 0x0200
    MONITOR_STOPPED = 0x0400

    # libzmq 4.2+ (not raised by purezmq)
    HANDSHAKE_FAILED_NO_DETAIL = 0x0800
    HANDSHAKE_SUCCEEDED = 0x1000
    HANDSHAKE_FAILED_PROTOCOL = 0x2000
    HANDSHAKE_FAILED_AUTH = 0x4000

    ALL_V1 = 0xFFFF
    ALL = 0xFFFF

    # draft (libzmq 4.3 monitor v2)
    PIPES_STATS = 0x10000
    ALL_V2 = 0xFFFF | 0x10000


class PollEvent(IntFlag):
    """Event bits for ``poll``/``Poller`` and the EVENTS option."""

    POLLIN = 1
    POLLOUT = 2
    POLLERR = 4
    POLLPRI = 8


class DeviceType(IntEnum):
    """Device types of the deprecated ``zmq.device``."""

    STREAMER = 1
    FORWARDER = 2
    QUEUE = 3


# Option number -> value representation, for the core's option table.  Keyed by the
# SocketOption member, which hashes like its int, so plain ints look up fine too.
_OPTION_TYPES: dict[int, _OptType] = {opt: opt._opt_type for opt in SocketOption}


def _option_type(option: int) -> _OptType:
    """The representation of socket option ``option`` (``int`` for unknown numbers)."""
    return _OPTION_TYPES.get(option, _OptType.int)


# ---------------------------------------------------------------------------------------
# Module-level names, one per enum member (aliases included).  Generated from the enums
# above; tests/test_constants.py checks that this block and the enums agree.
# ---------------------------------------------------------------------------------------

# Errno
EAGAIN: Errno = Errno.EAGAIN
EFAULT: Errno = Errno.EFAULT
EINVAL: Errno = Errno.EINVAL
ENOTSUP: Errno = Errno.ENOTSUP
EPROTONOSUPPORT: Errno = Errno.EPROTONOSUPPORT
ENOBUFS: Errno = Errno.ENOBUFS
ENETDOWN: Errno = Errno.ENETDOWN
EADDRINUSE: Errno = Errno.EADDRINUSE
EADDRNOTAVAIL: Errno = Errno.EADDRNOTAVAIL
ECONNREFUSED: Errno = Errno.ECONNREFUSED
EINPROGRESS: Errno = Errno.EINPROGRESS
ENOTSOCK: Errno = Errno.ENOTSOCK
EMSGSIZE: Errno = Errno.EMSGSIZE
EAFNOSUPPORT: Errno = Errno.EAFNOSUPPORT
ENETUNREACH: Errno = Errno.ENETUNREACH
ECONNABORTED: Errno = Errno.ECONNABORTED
ECONNRESET: Errno = Errno.ECONNRESET
ENOTCONN: Errno = Errno.ENOTCONN
ETIMEDOUT: Errno = Errno.ETIMEDOUT
EHOSTUNREACH: Errno = Errno.EHOSTUNREACH
ENETRESET: Errno = Errno.ENETRESET
EFSM: Errno = Errno.EFSM
ENOCOMPATPROTO: Errno = Errno.ENOCOMPATPROTO
ETERM: Errno = Errno.ETERM
EMTHREAD: Errno = Errno.EMTHREAD

# ContextOption
IO_THREADS: ContextOption = ContextOption.IO_THREADS
MAX_SOCKETS: ContextOption = ContextOption.MAX_SOCKETS
SOCKET_LIMIT: ContextOption = ContextOption.SOCKET_LIMIT
THREAD_PRIORITY: ContextOption = ContextOption.THREAD_PRIORITY
THREAD_SCHED_POLICY: ContextOption = ContextOption.THREAD_SCHED_POLICY
MAX_MSGSZ: ContextOption = ContextOption.MAX_MSGSZ
MSG_T_SIZE: ContextOption = ContextOption.MSG_T_SIZE
THREAD_AFFINITY_CPU_ADD: ContextOption = ContextOption.THREAD_AFFINITY_CPU_ADD
THREAD_AFFINITY_CPU_REMOVE: ContextOption = ContextOption.THREAD_AFFINITY_CPU_REMOVE
THREAD_NAME_PREFIX: ContextOption = ContextOption.THREAD_NAME_PREFIX

# SocketType
PAIR: SocketType = SocketType.PAIR
PUB: SocketType = SocketType.PUB
SUB: SocketType = SocketType.SUB
REQ: SocketType = SocketType.REQ
REP: SocketType = SocketType.REP
DEALER: SocketType = SocketType.DEALER
ROUTER: SocketType = SocketType.ROUTER
PULL: SocketType = SocketType.PULL
PUSH: SocketType = SocketType.PUSH
XPUB: SocketType = SocketType.XPUB
XSUB: SocketType = SocketType.XSUB
STREAM: SocketType = SocketType.STREAM
XREQ: SocketType = SocketType.XREQ
XREP: SocketType = SocketType.XREP
SERVER: SocketType = SocketType.SERVER
CLIENT: SocketType = SocketType.CLIENT
RADIO: SocketType = SocketType.RADIO
DISH: SocketType = SocketType.DISH
GATHER: SocketType = SocketType.GATHER
SCATTER: SocketType = SocketType.SCATTER
DGRAM: SocketType = SocketType.DGRAM
PEER: SocketType = SocketType.PEER
CHANNEL: SocketType = SocketType.CHANNEL

# SocketOption
HWM: SocketOption = SocketOption.HWM
AFFINITY: SocketOption = SocketOption.AFFINITY
ROUTING_ID: SocketOption = SocketOption.ROUTING_ID
SUBSCRIBE: SocketOption = SocketOption.SUBSCRIBE
UNSUBSCRIBE: SocketOption = SocketOption.UNSUBSCRIBE
RATE: SocketOption = SocketOption.RATE
RECOVERY_IVL: SocketOption = SocketOption.RECOVERY_IVL
SNDBUF: SocketOption = SocketOption.SNDBUF
RCVBUF: SocketOption = SocketOption.RCVBUF
RCVMORE: SocketOption = SocketOption.RCVMORE
FD: SocketOption = SocketOption.FD
EVENTS: SocketOption = SocketOption.EVENTS
TYPE: SocketOption = SocketOption.TYPE
LINGER: SocketOption = SocketOption.LINGER
RECONNECT_IVL: SocketOption = SocketOption.RECONNECT_IVL
BACKLOG: SocketOption = SocketOption.BACKLOG
RECONNECT_IVL_MAX: SocketOption = SocketOption.RECONNECT_IVL_MAX
MAXMSGSIZE: SocketOption = SocketOption.MAXMSGSIZE
SNDHWM: SocketOption = SocketOption.SNDHWM
RCVHWM: SocketOption = SocketOption.RCVHWM
MULTICAST_HOPS: SocketOption = SocketOption.MULTICAST_HOPS
RCVTIMEO: SocketOption = SocketOption.RCVTIMEO
SNDTIMEO: SocketOption = SocketOption.SNDTIMEO
LAST_ENDPOINT: SocketOption = SocketOption.LAST_ENDPOINT
ROUTER_MANDATORY: SocketOption = SocketOption.ROUTER_MANDATORY
TCP_KEEPALIVE: SocketOption = SocketOption.TCP_KEEPALIVE
TCP_KEEPALIVE_CNT: SocketOption = SocketOption.TCP_KEEPALIVE_CNT
TCP_KEEPALIVE_IDLE: SocketOption = SocketOption.TCP_KEEPALIVE_IDLE
TCP_KEEPALIVE_INTVL: SocketOption = SocketOption.TCP_KEEPALIVE_INTVL
IMMEDIATE: SocketOption = SocketOption.IMMEDIATE
XPUB_VERBOSE: SocketOption = SocketOption.XPUB_VERBOSE
ROUTER_RAW: SocketOption = SocketOption.ROUTER_RAW
IPV6: SocketOption = SocketOption.IPV6
MECHANISM: SocketOption = SocketOption.MECHANISM
PLAIN_SERVER: SocketOption = SocketOption.PLAIN_SERVER
PLAIN_USERNAME: SocketOption = SocketOption.PLAIN_USERNAME
PLAIN_PASSWORD: SocketOption = SocketOption.PLAIN_PASSWORD
CURVE_SERVER: SocketOption = SocketOption.CURVE_SERVER
CURVE_PUBLICKEY: SocketOption = SocketOption.CURVE_PUBLICKEY
CURVE_SECRETKEY: SocketOption = SocketOption.CURVE_SECRETKEY
CURVE_SERVERKEY: SocketOption = SocketOption.CURVE_SERVERKEY
PROBE_ROUTER: SocketOption = SocketOption.PROBE_ROUTER
REQ_CORRELATE: SocketOption = SocketOption.REQ_CORRELATE
REQ_RELAXED: SocketOption = SocketOption.REQ_RELAXED
CONFLATE: SocketOption = SocketOption.CONFLATE
ZAP_DOMAIN: SocketOption = SocketOption.ZAP_DOMAIN
ROUTER_HANDOVER: SocketOption = SocketOption.ROUTER_HANDOVER
TOS: SocketOption = SocketOption.TOS
CONNECT_ROUTING_ID: SocketOption = SocketOption.CONNECT_ROUTING_ID
GSSAPI_SERVER: SocketOption = SocketOption.GSSAPI_SERVER
GSSAPI_PRINCIPAL: SocketOption = SocketOption.GSSAPI_PRINCIPAL
GSSAPI_SERVICE_PRINCIPAL: SocketOption = SocketOption.GSSAPI_SERVICE_PRINCIPAL
GSSAPI_PLAINTEXT: SocketOption = SocketOption.GSSAPI_PLAINTEXT
HANDSHAKE_IVL: SocketOption = SocketOption.HANDSHAKE_IVL
SOCKS_PROXY: SocketOption = SocketOption.SOCKS_PROXY
XPUB_NODROP: SocketOption = SocketOption.XPUB_NODROP
BLOCKY: SocketOption = SocketOption.BLOCKY
XPUB_MANUAL: SocketOption = SocketOption.XPUB_MANUAL
XPUB_WELCOME_MSG: SocketOption = SocketOption.XPUB_WELCOME_MSG
STREAM_NOTIFY: SocketOption = SocketOption.STREAM_NOTIFY
INVERT_MATCHING: SocketOption = SocketOption.INVERT_MATCHING
HEARTBEAT_IVL: SocketOption = SocketOption.HEARTBEAT_IVL
HEARTBEAT_TTL: SocketOption = SocketOption.HEARTBEAT_TTL
HEARTBEAT_TIMEOUT: SocketOption = SocketOption.HEARTBEAT_TIMEOUT
XPUB_VERBOSER: SocketOption = SocketOption.XPUB_VERBOSER
CONNECT_TIMEOUT: SocketOption = SocketOption.CONNECT_TIMEOUT
TCP_MAXRT: SocketOption = SocketOption.TCP_MAXRT
THREAD_SAFE: SocketOption = SocketOption.THREAD_SAFE
MULTICAST_MAXTPDU: SocketOption = SocketOption.MULTICAST_MAXTPDU
VMCI_BUFFER_SIZE: SocketOption = SocketOption.VMCI_BUFFER_SIZE
VMCI_BUFFER_MIN_SIZE: SocketOption = SocketOption.VMCI_BUFFER_MIN_SIZE
VMCI_BUFFER_MAX_SIZE: SocketOption = SocketOption.VMCI_BUFFER_MAX_SIZE
VMCI_CONNECT_TIMEOUT: SocketOption = SocketOption.VMCI_CONNECT_TIMEOUT
USE_FD: SocketOption = SocketOption.USE_FD
GSSAPI_PRINCIPAL_NAMETYPE: SocketOption = SocketOption.GSSAPI_PRINCIPAL_NAMETYPE
GSSAPI_SERVICE_PRINCIPAL_NAMETYPE: SocketOption = SocketOption.GSSAPI_SERVICE_PRINCIPAL_NAMETYPE
BINDTODEVICE: SocketOption = SocketOption.BINDTODEVICE
IDENTITY: SocketOption = SocketOption.IDENTITY
CONNECT_RID: SocketOption = SocketOption.CONNECT_RID
TCP_ACCEPT_FILTER: SocketOption = SocketOption.TCP_ACCEPT_FILTER
IPC_FILTER_PID: SocketOption = SocketOption.IPC_FILTER_PID
IPC_FILTER_UID: SocketOption = SocketOption.IPC_FILTER_UID
IPC_FILTER_GID: SocketOption = SocketOption.IPC_FILTER_GID
IPV4ONLY: SocketOption = SocketOption.IPV4ONLY
DELAY_ATTACH_ON_CONNECT: SocketOption = SocketOption.DELAY_ATTACH_ON_CONNECT
FAIL_UNROUTABLE: SocketOption = SocketOption.FAIL_UNROUTABLE
ROUTER_BEHAVIOR: SocketOption = SocketOption.ROUTER_BEHAVIOR
ZAP_ENFORCE_DOMAIN: SocketOption = SocketOption.ZAP_ENFORCE_DOMAIN
LOOPBACK_FASTPATH: SocketOption = SocketOption.LOOPBACK_FASTPATH
METADATA: SocketOption = SocketOption.METADATA
MULTICAST_LOOP: SocketOption = SocketOption.MULTICAST_LOOP
ROUTER_NOTIFY: SocketOption = SocketOption.ROUTER_NOTIFY
XPUB_MANUAL_LAST_VALUE: SocketOption = SocketOption.XPUB_MANUAL_LAST_VALUE
SOCKS_USERNAME: SocketOption = SocketOption.SOCKS_USERNAME
SOCKS_PASSWORD: SocketOption = SocketOption.SOCKS_PASSWORD
IN_BATCH_SIZE: SocketOption = SocketOption.IN_BATCH_SIZE
OUT_BATCH_SIZE: SocketOption = SocketOption.OUT_BATCH_SIZE
WSS_KEY_PEM: SocketOption = SocketOption.WSS_KEY_PEM
WSS_CERT_PEM: SocketOption = SocketOption.WSS_CERT_PEM
WSS_TRUST_PEM: SocketOption = SocketOption.WSS_TRUST_PEM
WSS_HOSTNAME: SocketOption = SocketOption.WSS_HOSTNAME
WSS_TRUST_SYSTEM: SocketOption = SocketOption.WSS_TRUST_SYSTEM
ONLY_FIRST_SUBSCRIBE: SocketOption = SocketOption.ONLY_FIRST_SUBSCRIBE
RECONNECT_STOP: SocketOption = SocketOption.RECONNECT_STOP
HELLO_MSG: SocketOption = SocketOption.HELLO_MSG
DISCONNECT_MSG: SocketOption = SocketOption.DISCONNECT_MSG
PRIORITY: SocketOption = SocketOption.PRIORITY
BUSY_POLL: SocketOption = SocketOption.BUSY_POLL
HICCUP_MSG: SocketOption = SocketOption.HICCUP_MSG
XSUB_VERBOSE_UNSUBSCRIBE: SocketOption = SocketOption.XSUB_VERBOSE_UNSUBSCRIBE
TOPICS_COUNT: SocketOption = SocketOption.TOPICS_COUNT
NORM_MODE: SocketOption = SocketOption.NORM_MODE
NORM_UNICAST_NACK: SocketOption = SocketOption.NORM_UNICAST_NACK
NORM_BUFFER_SIZE: SocketOption = SocketOption.NORM_BUFFER_SIZE
NORM_SEGMENT_SIZE: SocketOption = SocketOption.NORM_SEGMENT_SIZE
NORM_BLOCK_SIZE: SocketOption = SocketOption.NORM_BLOCK_SIZE
NORM_NUM_PARITY: SocketOption = SocketOption.NORM_NUM_PARITY
NORM_NUM_AUTOPARITY: SocketOption = SocketOption.NORM_NUM_AUTOPARITY
NORM_PUSH: SocketOption = SocketOption.NORM_PUSH

# MessageOption
MORE: MessageOption = MessageOption.MORE
SHARED: MessageOption = MessageOption.SHARED
SRCFD: MessageOption = MessageOption.SRCFD

# Flag
DONTWAIT: Flag = Flag.DONTWAIT
SNDMORE: Flag = Flag.SNDMORE
NOBLOCK: Flag = Flag.NOBLOCK

# RouterNotify
NOTIFY_CONNECT: RouterNotify = RouterNotify.CONNECT
NOTIFY_DISCONNECT: RouterNotify = RouterNotify.DISCONNECT

# NormMode
NORM_FIXED: NormMode = NormMode.FIXED
NORM_CC: NormMode = NormMode.CC
NORM_CCL: NormMode = NormMode.CCL
NORM_CCE: NormMode = NormMode.CCE
NORM_CCE_ECNONLY: NormMode = NormMode.CCE_ECNONLY

# SecurityMechanism
NULL: SecurityMechanism = SecurityMechanism.NULL
PLAIN: SecurityMechanism = SecurityMechanism.PLAIN
CURVE: SecurityMechanism = SecurityMechanism.CURVE
GSSAPI: SecurityMechanism = SecurityMechanism.GSSAPI

# ReconnectStop
RECONNECT_STOP_CONN_REFUSED: ReconnectStop = ReconnectStop.CONN_REFUSED
RECONNECT_STOP_HANDSHAKE_FAILED: ReconnectStop = ReconnectStop.HANDSHAKE_FAILED
RECONNECT_STOP_AFTER_DISCONNECT: ReconnectStop = ReconnectStop.AFTER_DISCONNECT

# Event
PROTOCOL_ERROR_WS_UNSPECIFIED: Event = Event.PROTOCOL_ERROR_WS_UNSPECIFIED
PROTOCOL_ERROR_ZMTP_UNSPECIFIED: Event = Event.PROTOCOL_ERROR_ZMTP_UNSPECIFIED
PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND: Event = Event.PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE: Event = Event.PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE
PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE: Event = Event.PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED: Event = (
    Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED
)
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE: Event = (
    Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE
)
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO: Event = (
    Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO
)
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE: Event = (
    Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE
)
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR: Event = (
    Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR
)
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY: Event = (
    Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY
)
PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME: Event = (
    Event.PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME
)
PROTOCOL_ERROR_ZMTP_INVALID_METADATA: Event = Event.PROTOCOL_ERROR_ZMTP_INVALID_METADATA
PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC: Event = Event.PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH: Event = Event.PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
PROTOCOL_ERROR_ZAP_UNSPECIFIED: Event = Event.PROTOCOL_ERROR_ZAP_UNSPECIFIED
PROTOCOL_ERROR_ZAP_MALFORMED_REPLY: Event = Event.PROTOCOL_ERROR_ZAP_MALFORMED_REPLY
PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID: Event = Event.PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID
PROTOCOL_ERROR_ZAP_BAD_VERSION: Event = Event.PROTOCOL_ERROR_ZAP_BAD_VERSION
PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE: Event = Event.PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE
PROTOCOL_ERROR_ZAP_INVALID_METADATA: Event = Event.PROTOCOL_ERROR_ZAP_INVALID_METADATA
EVENT_CONNECTED: Event = Event.CONNECTED
EVENT_CONNECT_DELAYED: Event = Event.CONNECT_DELAYED
EVENT_CONNECT_RETRIED: Event = Event.CONNECT_RETRIED
EVENT_LISTENING: Event = Event.LISTENING
EVENT_BIND_FAILED: Event = Event.BIND_FAILED
EVENT_ACCEPTED: Event = Event.ACCEPTED
EVENT_ACCEPT_FAILED: Event = Event.ACCEPT_FAILED
EVENT_CLOSED: Event = Event.CLOSED
EVENT_CLOSE_FAILED: Event = Event.CLOSE_FAILED
EVENT_DISCONNECTED: Event = Event.DISCONNECTED
EVENT_MONITOR_STOPPED: Event = Event.MONITOR_STOPPED
EVENT_HANDSHAKE_FAILED_NO_DETAIL: Event = Event.HANDSHAKE_FAILED_NO_DETAIL
EVENT_HANDSHAKE_SUCCEEDED: Event = Event.HANDSHAKE_SUCCEEDED
EVENT_HANDSHAKE_FAILED_PROTOCOL: Event = Event.HANDSHAKE_FAILED_PROTOCOL
EVENT_HANDSHAKE_FAILED_AUTH: Event = Event.HANDSHAKE_FAILED_AUTH
EVENT_ALL_V1: Event = Event.ALL_V1
EVENT_ALL: Event = Event.ALL
EVENT_PIPES_STATS: Event = Event.PIPES_STATS
EVENT_ALL_V2: Event = Event.ALL_V2

# PollEvent
POLLIN: PollEvent = PollEvent.POLLIN
POLLOUT: PollEvent = PollEvent.POLLOUT
POLLERR: PollEvent = PollEvent.POLLERR
POLLPRI: PollEvent = PollEvent.POLLPRI

# DeviceType
STREAMER: DeviceType = DeviceType.STREAMER
FORWARDER: DeviceType = DeviceType.FORWARDER
QUEUE: DeviceType = DeviceType.QUEUE

__all__: list[str] = [
    "AFFINITY",
    "BACKLOG",
    "BINDTODEVICE",
    "BLOCKY",
    "BUSY_POLL",
    "CHANNEL",
    "CLIENT",
    "CONFLATE",
    "CONNECT_RID",
    "CONNECT_ROUTING_ID",
    "CONNECT_TIMEOUT",
    "CURVE",
    "CURVE_PUBLICKEY",
    "CURVE_SECRETKEY",
    "CURVE_SERVER",
    "CURVE_SERVERKEY",
    "DEALER",
    "DELAY_ATTACH_ON_CONNECT",
    "DGRAM",
    "DISCONNECT_MSG",
    "DISH",
    "DONTWAIT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "EAFNOSUPPORT",
    "EAGAIN",
    "ECONNABORTED",
    "ECONNREFUSED",
    "ECONNRESET",
    "EFAULT",
    "EFSM",
    "EHOSTUNREACH",
    "EINPROGRESS",
    "EINVAL",
    "EMSGSIZE",
    "EMTHREAD",
    "ENETDOWN",
    "ENETRESET",
    "ENETUNREACH",
    "ENOBUFS",
    "ENOCOMPATPROTO",
    "ENOTCONN",
    "ENOTSOCK",
    "ENOTSUP",
    "EPROTONOSUPPORT",
    "ETERM",
    "ETIMEDOUT",
    "EVENTS",
    "EVENT_ACCEPTED",
    "EVENT_ACCEPT_FAILED",
    "EVENT_ALL",
    "EVENT_ALL_V1",
    "EVENT_ALL_V2",
    "EVENT_BIND_FAILED",
    "EVENT_CLOSED",
    "EVENT_CLOSE_FAILED",
    "EVENT_CONNECTED",
    "EVENT_CONNECT_DELAYED",
    "EVENT_CONNECT_RETRIED",
    "EVENT_DISCONNECTED",
    "EVENT_HANDSHAKE_FAILED_AUTH",
    "EVENT_HANDSHAKE_FAILED_NO_DETAIL",
    "EVENT_HANDSHAKE_FAILED_PROTOCOL",
    "EVENT_HANDSHAKE_SUCCEEDED",
    "EVENT_LISTENING",
    "EVENT_MONITOR_STOPPED",
    "EVENT_PIPES_STATS",
    "FAIL_UNROUTABLE",
    "FD",
    "FORWARDER",
    "GATHER",
    "GSSAPI",
    "GSSAPI_PLAINTEXT",
    "GSSAPI_PRINCIPAL",
    "GSSAPI_PRINCIPAL_NAMETYPE",
    "GSSAPI_SERVER",
    "GSSAPI_SERVICE_PRINCIPAL",
    "GSSAPI_SERVICE_PRINCIPAL_NAMETYPE",
    "HANDSHAKE_IVL",
    "HEARTBEAT_IVL",
    "HEARTBEAT_TIMEOUT",
    "HEARTBEAT_TTL",
    "HELLO_MSG",
    "HICCUP_MSG",
    "HWM",
    "IDENTITY",
    "IMMEDIATE",
    "INVERT_MATCHING",
    "IN_BATCH_SIZE",
    "IO_THREADS",
    "IO_THREADS_DFLT",
    "IPC_FILTER_GID",
    "IPC_FILTER_PID",
    "IPC_FILTER_UID",
    "IPV4ONLY",
    "IPV6",
    "LAST_ENDPOINT",
    "LINGER",
    "LOOPBACK_FASTPATH",
    "MAXMSGSIZE",
    "MAX_MSGSZ",
    "MAX_SOCKETS",
    "MAX_SOCKETS_DFLT",
    "MECHANISM",
    "METADATA",
    "MORE",
    "MSG_T_SIZE",
    "MULTICAST_HOPS",
    "MULTICAST_LOOP",
    "MULTICAST_MAXTPDU",
    "NOBLOCK",
    "NORM_BLOCK_SIZE",
    "NORM_BUFFER_SIZE",
    "NORM_CC",
    "NORM_CCE",
    "NORM_CCE_ECNONLY",
    "NORM_CCL",
    "NORM_FIXED",
    "NORM_MODE",
    "NORM_NUM_AUTOPARITY",
    "NORM_NUM_PARITY",
    "NORM_PUSH",
    "NORM_SEGMENT_SIZE",
    "NORM_UNICAST_NACK",
    "NOTIFY_CONNECT",
    "NOTIFY_DISCONNECT",
    "NULL",
    "ONLY_FIRST_SUBSCRIBE",
    "OUT_BATCH_SIZE",
    "PAIR",
    "PEER",
    "PLAIN",
    "PLAIN_PASSWORD",
    "PLAIN_SERVER",
    "PLAIN_USERNAME",
    "POLLERR",
    "POLLIN",
    "POLLITEMS_DFLT",
    "POLLOUT",
    "POLLPRI",
    "PRIORITY",
    "PROBE_ROUTER",
    "PROTOCOL_ERROR_WS_UNSPECIFIED",
    "PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID",
    "PROTOCOL_ERROR_ZAP_BAD_VERSION",
    "PROTOCOL_ERROR_ZAP_INVALID_METADATA",
    "PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE",
    "PROTOCOL_ERROR_ZAP_MALFORMED_REPLY",
    "PROTOCOL_ERROR_ZAP_UNSPECIFIED",
    "PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC",
    "PROTOCOL_ERROR_ZMTP_INVALID_METADATA",
    "PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE",
    "PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE",
    "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR",
    "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO",
    "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE",
    "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE",
    "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY",
    "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED",
    "PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME",
    "PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH",
    "PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND",
    "PROTOCOL_ERROR_ZMTP_UNSPECIFIED",
    "PUB",
    "PULL",
    "PUSH",
    "QUEUE",
    "RADIO",
    "RATE",
    "RCVBUF",
    "RCVHWM",
    "RCVMORE",
    "RCVTIMEO",
    "RECONNECT_IVL",
    "RECONNECT_IVL_MAX",
    "RECONNECT_STOP",
    "RECONNECT_STOP_AFTER_DISCONNECT",
    "RECONNECT_STOP_CONN_REFUSED",
    "RECONNECT_STOP_HANDSHAKE_FAILED",
    "RECOVERY_IVL",
    "REP",
    "REQ",
    "REQ_CORRELATE",
    "REQ_RELAXED",
    "ROUTER",
    "ROUTER_BEHAVIOR",
    "ROUTER_HANDOVER",
    "ROUTER_MANDATORY",
    "ROUTER_NOTIFY",
    "ROUTER_RAW",
    "ROUTING_ID",
    "SCATTER",
    "SERVER",
    "SHARED",
    "SNDBUF",
    "SNDHWM",
    "SNDMORE",
    "SNDTIMEO",
    "SOCKET_LIMIT",
    "SOCKS_PASSWORD",
    "SOCKS_PROXY",
    "SOCKS_USERNAME",
    "SRCFD",
    "STREAM",
    "STREAMER",
    "STREAM_NOTIFY",
    "SUB",
    "SUBSCRIBE",
    "TCP_ACCEPT_FILTER",
    "TCP_KEEPALIVE",
    "TCP_KEEPALIVE_CNT",
    "TCP_KEEPALIVE_IDLE",
    "TCP_KEEPALIVE_INTVL",
    "TCP_MAXRT",
    "THREAD_AFFINITY_CPU_ADD",
    "THREAD_AFFINITY_CPU_REMOVE",
    "THREAD_NAME_PREFIX",
    "THREAD_PRIORITY",
    "THREAD_SAFE",
    "THREAD_SCHED_POLICY",
    "TOPICS_COUNT",
    "TOS",
    "TYPE",
    "UNSUBSCRIBE",
    "USE_FD",
    "VERSION",
    "VERSION_MAJOR",
    "VERSION_MINOR",
    "VERSION_PATCH",
    "VMCI_BUFFER_MAX_SIZE",
    "VMCI_BUFFER_MIN_SIZE",
    "VMCI_BUFFER_SIZE",
    "VMCI_CONNECT_TIMEOUT",
    "WSS_CERT_PEM",
    "WSS_HOSTNAME",
    "WSS_KEY_PEM",
    "WSS_TRUST_PEM",
    "WSS_TRUST_SYSTEM",
    "XPUB",
    "XPUB_MANUAL",
    "XPUB_MANUAL_LAST_VALUE",
    "XPUB_NODROP",
    "XPUB_VERBOSE",
    "XPUB_VERBOSER",
    "XPUB_WELCOME_MSG",
    "XREP",
    "XREQ",
    "XSUB",
    "XSUB_VERBOSE_UNSUBSCRIBE",
    "ZAP_DOMAIN",
    "ZAP_ENFORCE_DOMAIN",
    "ContextOption",
    "DeviceType",
    "Enum",
    "Errno",
    "Event",
    "Flag",
    "IntEnum",
    "IntFlag",
    "MessageOption",
    "NormMode",
    "PollEvent",
    "ReconnectStop",
    "RouterNotify",
    "SecurityMechanism",
    "SocketOption",
    "SocketType",
]
