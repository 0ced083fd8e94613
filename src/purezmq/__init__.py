"""purezmq: ZeroMQ (libzmq 4.0 feature set) in pure Python, with pyzmq's API.

    import purezmq as zmq

runs pyzmq code unchanged: the same names, constants, errors and behaviour, over a
wire-compatible ZMTP implementation that talks to any libzmq peer.
"""

from __future__ import annotations

from . import constants, error
from ._proxy import device, proxy, proxy_steerable
from ._transport._endpoint import IPC_PATH_MAX as IPC_PATH_MAX_LEN
from .constants import *  # noqa: F401,F403
from .error import (
    Again,
    ContextTerminated,
    DraftFDWarning,
    InterruptedSystemCall,
    NotDone,
    ZMQBaseError,
    ZMQBindError,
    ZMQError,
    ZMQVersionError,
    strerror,
    zmq_errno,
)
from .sugar import (
    Context,
    Frame,
    Message,
    MessageTracker,
    Poller,
    Socket,
    pyzmq_version,
    pyzmq_version_info,
    select,
    zmq_poll,
    zmq_version,
    zmq_version_info,
)
from .sugar.stopwatch import Stopwatch
from .sugar.tracker import _finished as _finished_tracker_factory
from .sugar.version import __version__
from .zmtp._curve import HAVE_CURVE, curve_keypair, curve_public

COPY_THRESHOLD = 65536
DRAFT_API = False
PYZMQ_DRAFT_API = False
SyncContext = Context
SyncSocket = Socket
_FINISHED_TRACKER = _finished_tracker_factory()

_CAPABILITIES = {
    "ipc": True,
    "pgm": False,
    "tipc": False,
    "norm": False,
    "curve": HAVE_CURVE,
    "gssapi": False,
    "draft": False,
}


def has(capability: str) -> bool:
    """Whether purezmq supports a libzmq capability ("ipc", "curve", "pgm", ...)."""
    return _CAPABILITIES.get(capability, False)


def get_includes() -> list:
    """pyzmq returns C include dirs; purezmq has none."""
    return []


def get_library_dirs() -> list:
    return []


__all__ = [
    "Again",
    "COPY_THRESHOLD",
    "DraftFDWarning",
    "PYZMQ_DRAFT_API",
    "Stopwatch",
    "SyncContext",
    "SyncSocket",
    "get_includes",
    "get_library_dirs",
    "Context",
    "ContextTerminated",
    "DRAFT_API",
    "Frame",
    "IPC_PATH_MAX_LEN",
    "InterruptedSystemCall",
    "Message",
    "MessageTracker",
    "NotDone",
    "Poller",
    "Socket",
    "ZMQBaseError",
    "ZMQBindError",
    "ZMQError",
    "ZMQVersionError",
    "__version__",
    "constants",
    "curve_keypair",
    "curve_public",
    "device",
    "error",
    "proxy",
    "proxy_steerable",
    "has",
    "pyzmq_version",
    "pyzmq_version_info",
    "select",
    "strerror",
    "zmq_errno",
    "zmq_version",
    "zmq_version_info",
    "zmq_poll",
] + list(constants.__all__)

from . import backend  # noqa: E402,F401  (pyzmq exposes zmq.backend after import zmq)
