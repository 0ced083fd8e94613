"""Future-returning sockets for tornado coroutines (pyzmq's ``zmq.eventloop.future``).

tornado (5 and later) runs on asyncio and its ``Future`` *is* :class:`asyncio.Future`, so
these are :mod:`purezmq.asyncio`'s sockets, contexts and pollers under pyzmq's tornado
names: ``await sock.recv_multipart()`` works in a tornado coroutine exactly as in asyncio.
``Context.instance()`` is a singleton of its own, and the deprecated ``io_loop`` argument
is accepted with a warning (the running loop is always used).
"""

from __future__ import annotations

import warnings
from typing import Any

from tornado.ioloop import IOLoop  # noqa: F401 - fail early, with tornado's error, if absent

from .. import asyncio as _aio

__all__ = ["CancelledError", "Context", "Poller", "Socket"]


class CancelledError(Exception):
    """pyzmq's tornado-flavour cancellation error (kept for code that catches it)."""


class Poller(_aio.Poller):
    """An asyncio-backed Poller whose ``poll()`` returns an awaitable future."""


class Socket(_aio.Socket):
    """An asyncio-backed socket whose send/recv/poll return awaitable futures."""

    _poller_class = Poller


Poller._socket_class = Socket


class Context(_aio.Context):
    """A context whose sockets return futures (tornado/asyncio)."""

    _socket_class = Socket
    _instance: Any = None
    _instance_pid: Any = None
    io_loop = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        io_loop = kwargs.pop("io_loop", None)
        if io_loop is not None:
            warnings.warn(
                f"{self.__class__.__name__}(io_loop) argument is deprecated in pyzmq 22.2."
                " The currently active loop will always be used.",
                DeprecationWarning,
                stacklevel=2,
            )
        super().__init__(*args, **kwargs)
