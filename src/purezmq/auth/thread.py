"""ZAP served from a background thread (pyzmq's ``zmq.auth.thread``).

Theory of operation
-------------------
``ThreadAuthenticator.start()`` binds the ZAP REP socket (see :mod:`.base`) and a PAIR
control pipe, then starts an :class:`AuthenticationThread` that polls both. The thread owns
the REP socket from then on: it receives each request, lets the authenticator decide, and
sends the reply; the application thread only changes policy (plain attribute updates,
read by the thread per request) and sends ``TERMINATE`` down the pipe on ``stop()``.

A credentials provider may answer with an awaitable: the thread then runs it to completion
on a private asyncio event loop (as pyzmq's thread does), so requests stay strictly in
order. Whatever goes wrong with one request, the REP socket still answers it (``500``) so
the next request is not wedged behind it, and the thread keeps serving. If the context is
terminated under it, the thread closes its sockets and ends, so ``term()`` can finish.
"""

from __future__ import annotations

import threading
from typing import Any, List, Optional

from .. import constants as _c
from ..error import ZMQError
from .base import VERSION, Authenticator

__all__ = ["AuthenticationThread", "ThreadAuthenticator"]

#: errnos meaning our sockets are gone (context terminated or destroyed): time to end.
_GONE = (_c.ETERM, _c.ENOTSOCK)


class AuthenticationThread(threading.Thread):
    """Runs an :class:`Authenticator`'s ZAP socket; controlled through ``pipe``."""

    def __init__(self, authenticator: Authenticator, pipe: Any) -> None:
        super().__init__(daemon=True, name="purezmq-zap")
        self.authenticator = authenticator
        self.log = authenticator.log
        self.pipe = pipe
        self.started = threading.Event()
        self._loop: Any = None

    def run(self) -> None:
        try:
            self._serve()
        except ZMQError as e:
            # The context was terminated (or destroyed, closing our sockets) under us:
            # let go of the sockets so term() can finish. Anything else is a bug to see.
            if e.errno not in _GONE:
                self.log.exception("ZAP thread failed")
            zap = self.authenticator.zap_socket
            if zap is not None:
                zap.close(linger=0)
        finally:
            pipe, self.pipe = self.pipe, None
            if pipe is not None:
                pipe.close(linger=0)
            if self._loop is not None:
                self._loop.close()
                self._loop = None

    def _serve(self) -> None:
        from .. import Poller

        zap = self.authenticator.zap_socket
        poller = Poller()
        poller.register(self.pipe, _c.POLLIN)
        poller.register(zap, _c.POLLIN)
        self.started.set()
        while True:
            events = dict(poller.poll())
            if self.pipe in events:
                if self._handle_pipe_message(self.pipe.recv_multipart()):
                    return
            if zap in events:
                try:
                    msg = zap.recv_multipart(_c.DONTWAIT)
                except ZMQError as e:
                    if e.errno == _c.EAGAIN:
                        continue
                    raise
                self._handle_zap(zap, msg)

    def _handle_zap(self, zap: Any, msg: List[bytes]) -> None:
        try:
            result = self.authenticator.handle_zap_message(msg)
            if not getattr(result, "done", False):
                self._run_async(result)
        except Exception as e:  # noqa: BLE001 - a bad request or policy bug costs one request
            if isinstance(e, ZMQError) and e.errno in _GONE:
                raise
            self.log.exception("ZAP request failed")
            rid = bytes(msg[1]) if len(msg) > 1 else b""
            try:  # EFSM here means the reply already went out
                zap.send_multipart([VERSION, rid, b"500", b"Internal error", b"", b""], _c.DONTWAIT)
            except ZMQError:
                pass

    def _run_async(self, awaitable: Any) -> None:
        if self._loop is None:
            import asyncio

            self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(_wrap(awaitable))

    def _handle_pipe_message(self, msg: List[bytes]) -> bool:
        command = bytes(msg[0]) if msg else b""
        self.log.debug("auth received API command %r", command[:32])
        if command == b"TERMINATE":
            return True
        self.log.error("Invalid auth command from API: %r", command[:32])
        self.pipe.send(b"ERROR")
        return False


async def _wrap(awaitable: Any) -> Any:
    return await awaitable


class ThreadAuthenticator(Authenticator):
    """An :class:`Authenticator` answering ZAP requests from a background thread."""

    pipe: Any
    pipe_endpoint: str = ""
    thread: Optional[AuthenticationThread]

    def __init__(self, context: Any = None, encoding: str = "utf-8", log: Any = None) -> None:
        super().__init__(context=context, encoding=encoding, log=log)
        self.pipe = None
        self.pipe_endpoint = f"inproc://{id(self)}.inproc"
        self.thread = None

    def start(self) -> None:
        """Bind the ZAP socket and start serving it; returns once the thread is polling."""
        from .. import Socket

        super().start()
        thread_pipe = None
        try:
            self.pipe = self.context.socket(_c.PAIR, socket_class=Socket)
            self.pipe.linger = 1
            self.pipe.bind(self.pipe_endpoint)
            thread_pipe = self.context.socket(_c.PAIR, socket_class=Socket)
            thread_pipe.linger = 1
            thread_pipe.connect(self.pipe_endpoint)
            self.thread = AuthenticationThread(authenticator=self, pipe=thread_pipe)
            self.thread.start()
            if not self.thread.started.wait(timeout=10):
                raise RuntimeError("Authenticator thread failed to start")
        except BaseException:
            if self.thread is None and thread_pipe is not None:
                thread_pipe.close(linger=0)
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the thread (waiting for the request in hand) and close the sockets."""
        pipe, self.pipe = self.pipe, None
        if pipe is not None:
            thread = self.thread
            if thread is not None and thread.is_alive():
                try:
                    pipe.send(b"TERMINATE")
                except ZMQError:
                    pass
                else:
                    thread.join()
            self.thread = None
            pipe.close()
        super().stop()

    def is_alive(self) -> bool:
        """Is the ZAP thread running?"""
        return bool(self.thread is not None and self.thread.is_alive())

    def __del__(self) -> None:
        try:
            self.stop()
        except Exception:  # noqa: BLE001 - interpreter shutdown, context gone, ...
            pass
