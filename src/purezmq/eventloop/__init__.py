"""Tornado integration (pyzmq's ``zmq.eventloop``): :class:`~.zmqstream.ZMQStream` and
tornado-future sockets (:mod:`.future`).

tornado is an optional dependency: ``pip install tornado``. Since tornado 5 runs on asyncio,
no special IOLoop is needed; :mod:`.ioloop` keeps pyzmq's deprecated names for old code.
"""

try:
    from tornado.ioloop import IOLoop
except ImportError as _e:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "purezmq.eventloop needs tornado, which is not installed: pip install tornado"
        " (or use purezmq.asyncio, which needs nothing extra)"
    ) from _e

__all__ = ["IOLoop"]
