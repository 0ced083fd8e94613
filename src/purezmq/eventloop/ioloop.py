"""pyzmq's deprecated IOLoop shim (``zmq.eventloop.ioloop``).

pyzmq 17 stopped needing a special IOLoop: tornado's own loop (on asyncio) works with
ZeroMQ sockets through :class:`~purezmq.eventloop.zmqstream.ZMQStream`. This module
re-exports :mod:`tornado.ioloop` with the old names (``ZMQIOLoop``, ``install``) and warns
with ``DeprecationWarning`` on import and on ``install()``, as pyzmq does.
"""

import warnings

from tornado.ioloop import *  # noqa: F401,F403 - the shim re-exports tornado.ioloop
from tornado.ioloop import IOLoop, PeriodicCallback  # noqa: F401


def _deprecated() -> None:
    warnings.warn(
        "zmq.eventloop.ioloop is deprecated in pyzmq 17."
        " pyzmq now works with default tornado and asyncio eventloops.",
        DeprecationWarning,
        stacklevel=3,
    )


_deprecated()

#: pyzmq's old subclass name: tornado's IOLoop is all that is needed now.
ZMQIOLoop = IOLoop


def install() -> None:
    """DEPRECATED: does nothing (tornado's IOLoop needs no ZeroMQ integration)."""
    _deprecated()
