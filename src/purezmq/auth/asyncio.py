"""ZAP authentication served by a task on the running asyncio loop (pyzmq's
``zmq.auth.asyncio``).

    auth = AsyncioAuthenticator(ctx)
    auth.start()                      # inside a running loop
    auth.configure_plain(domain="*", passwords={"admin": "secret"})
    ...
    auth.stop()

Theory of operation
-------------------
``start()`` binds the ZAP REP socket (see :mod:`.base`) and starts one task that awaits
requests on it through a :class:`purezmq.asyncio.Socket` sharing that socket, so the task
wakes straight from the socket core (no polling, no thread). Requests are answered strictly
in order, each by :meth:`Authenticator.handle_zap_message`; when a credentials provider
answers with an awaitable, the task awaits it before taking the next request, as pyzmq does.
As in the thread flavour, whatever goes wrong with one request still answers it (``500``)
so the REP socket is never wedged, and the task ends quietly if the context is terminated
or the socket closed under it. ``stop()`` cancels the task and closes the socket.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any, List, Optional

from .. import constants as _c
from ..error import ZMQError
from .base import VERSION, Authenticator

__all__ = ["AsyncioAuthenticator"]

#: errnos meaning our socket is gone (context terminated, socket closed): time to end.
_GONE = (_c.ETERM, _c.ENOTSOCK)


class AsyncioAuthenticator(Authenticator):
    """ZAP authentication for use in the asyncio IO loop."""

    def __init__(
        self, context: Any = None, loop: Any = None, encoding: str = "utf-8", log: Any = None
    ) -> None:
        super().__init__(context, encoding, log)
        if loop is not None:
            warnings.warn(
                f"{self.__class__.__name__}(loop) is deprecated and ignored",
                DeprecationWarning,
                stacklevel=2,
            )
        self.__task: Optional["asyncio.Future[None]"] = None

    async def __handle_zap(self) -> None:
        from ..asyncio import Socket as AsyncSocket

        zap = self.zap_socket
        if zap is None:
            return
        azap = AsyncSocket.from_socket(zap)
        while True:
            try:
                msg = await azap.recv_multipart()
            except ZMQError as e:
                if e.errno in _GONE:
                    return
                raise
            try:
                await self._answer(zap, msg)
            except ZMQError as e:
                if e.errno in _GONE:
                    return
                raise

    async def _answer(self, zap: Any, msg: List[bytes]) -> None:
        """Answer one request; never lets it go unanswered."""
        try:
            result = self.handle_zap_message(msg)
            if not getattr(result, "done", False):
                await result
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - one bad request must not end the service
            if isinstance(e, ZMQError) and e.errno in _GONE:
                raise
            self.log.exception("ZAP request failed")
            rid = bytes(msg[1]) if len(msg) > 1 else b""
            try:  # EFSM here means the reply already went out
                zap.send_multipart([VERSION, rid, b"500", b"Internal error", b"", b""], _c.DONTWAIT)
            except ZMQError:
                pass

    def start(self) -> None:
        """Bind the ZAP socket and start answering it on the running loop."""
        super().start()
        try:
            self.__task = asyncio.ensure_future(self.__handle_zap())
        except BaseException:
            super().stop()
            raise

    def stop(self) -> None:
        """Stop answering and close the ZAP socket."""
        task, self.__task = self.__task, None
        if task is not None and not task.done():
            try:
                task.cancel()
            except RuntimeError:  # its loop is already closed
                pass
        super().stop()

    def is_alive(self) -> bool:
        """Is the ZAP task running?"""
        return self.__task is not None and not self.__task.done()
