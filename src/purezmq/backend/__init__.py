"""The "backend" layer of pyzmq's public surface (``zmq.backend``).

In pyzmq this is the compiled binding to libzmq (Cython or CFFI) that the pure-Python
"sugar" classes subclass. purezmq is its own backend; this module offers the same names
(:data:`select.public_api` plus ``monitored_queue``) so code that imports from
``zmq.backend`` runs unchanged.
"""

from __future__ import annotations

from .._proxy import proxy, proxy_steerable
from .._transport._endpoint import IPC_PATH_MAX as IPC_PATH_MAX_LEN
from ..devices.monitoredqueue import monitored_queue  # noqa: F401 - pyzmq has it here
from ..error import strerror, zmq_errno
from ..sugar.context import Context
from ..sugar.frame import Frame, Message
from ..sugar.poll import zmq_poll
from ..sugar.socket import Socket
from ..sugar.version import zmq_version_info
from ..zmtp._curve import curve_keypair, curve_public
from .select import public_api

#: purezmq has no draft API (libzmq 4.0 feature set).
PYZMQ_DRAFT_API = False


def has(capability: str) -> bool:
    """Same as :func:`purezmq.has`."""
    from .. import has as _has

    return _has(capability)


__all__ = [
    "Context",
    "Socket",
    "Frame",
    "Message",
    "proxy",
    "proxy_steerable",
    "zmq_poll",
    "strerror",
    "zmq_errno",
    "has",
    "curve_keypair",
    "curve_public",
    "zmq_version_info",
    "IPC_PATH_MAX_LEN",
    "PYZMQ_DRAFT_API",
]
assert sorted(__all__) == sorted(public_api)
