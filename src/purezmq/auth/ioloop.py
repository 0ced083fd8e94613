"""ZAP authentication on tornado's IOLoop (pyzmq's ``zmq.auth.ioloop``), deprecated.

tornado runs on asyncio, so :class:`~purezmq.auth.asyncio.AsyncioAuthenticator` serves
tornado applications as well; this module keeps pyzmq's old name, warning on import as
pyzmq does.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

from .asyncio import AsyncioAuthenticator

warnings.warn(
    "zmq.auth.ioloop.IOLoopAuthenticator is deprecated. Use zmq.auth.asyncio.AsyncioAuthenticator",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["IOLoopAuthenticator"]


class IOLoopAuthenticator(AsyncioAuthenticator):
    """ZAP authentication for use in the tornado IOLoop (an AsyncioAuthenticator)."""

    def __init__(
        self,
        context: Optional[Any] = None,
        encoding: str = "utf-8",
        log: Any = None,
        io_loop: Any = None,
    ) -> None:
        loop = None
        if io_loop is not None:
            warnings.warn(
                f"{self.__class__.__name__}(io_loop) is deprecated and ignored",
                DeprecationWarning,
                stacklevel=2,
            )
            loop = getattr(io_loop, "asyncio_loop", None)
        super().__init__(context=context, encoding=encoding, log=log, loop=loop)
