"""Callback-style socket I/O on tornado's IOLoop (pyzmq's ``zmq.eventloop.zmqstream``).

    stream = ZMQStream(ctx.socket(zmq.ROUTER))
    stream.bind("tcp://*:5555")
    stream.on_recv_stream(lambda stream, msg: stream.send_multipart(msg))  # echo
    IOLoop.current().start()

Theory of operation
-------------------
A stream registers the socket's ``FD`` with the IOLoop for READ. As in libzmq, that
descriptor only says "something may have changed": it is edge-like, and reading ``EVENTS``
clears it before computing the answer. So every wake-up reads ``EVENTS`` and dispatches at
most one receive and one send; afterwards, if ``EVENTS`` still shows work the stream wants
(more queued messages, more room to send), the stream schedules another round with
``add_callback`` rather than waiting for a descriptor wake-up that may never come.

Sends are queued (``send``/``send_multipart`` never block) and written when the socket is
writable, one message per round, each followed by the ``on_send`` callback with the frames
and the result of ``send_multipart`` (a MessageTracker, None, or the ZMQError it raised).
Callbacks may be coroutine functions: their awaitable is scheduled and failures are logged.

Everything here runs on the IOLoop's thread (tornado's rule); a stream is not thread-safe.
"""

from __future__ import annotations

import asyncio
import inspect
import pickle
import warnings
from queue import Queue
from typing import Any, Callable, List, Optional, Sequence

from tornado.ioloop import IOLoop
from tornado.log import gen_log

from .. import constants as _c
from ..error import ContextTerminated, ZMQError
from ..sugar.poll import Poller
from ..utils import jsonapi
from ..utils._syncview import is_async_socket, sync_socket

__all__ = ["ZMQStream"]

_POLLIN = _c.POLLIN
_POLLOUT = _c.POLLOUT


class ZMQStream:
    """Register callbacks for a socket's sends and receives on a tornado IOLoop.

    * ``on_recv(callback, copy=True)``: ``callback(msg)`` for every incoming message
      (a list of frames); ``on_recv_stream`` also passes the stream first.
    * ``on_send(callback)``: ``callback(msg, status)`` after each queued message is sent.
    * ``send``/``send_multipart``/``send_string``/``send_json``/``send_pyobj`` queue a
      message (optionally registering a send callback) and return at once.
    * ``flush()`` handles pending events right now; ``close()`` unregisters and closes.

    ``bind``, ``connect``, ``setsockopt`` ... are the socket's own methods.
    """

    socket: Any
    io_loop: IOLoop
    poller: Poller

    def __init__(self, socket: Any, io_loop: Optional[IOLoop] = None) -> None:
        if is_async_socket(socket):
            warnings.warn(
                "ZMQStream only supports the base zmq.Socket class.\n\n"
                "Use zmq.Socket(shadow=other_socket)\n"
                f"or `ctx.socket(zmq.{socket._type_name}, socket_class=zmq.Socket)`\n"
                "to create a base zmq.Socket object,\n"
                "no matter what other kind of socket your Context creates.",
                RuntimeWarning,
                stacklevel=2,
            )
            # callbacks get what the plain socket's send/recv_multipart return, not futures
            socket = sync_socket(socket)
        self.socket = socket
        self.io_loop = io_loop or IOLoop.current()
        self.poller = Poller()
        self._fd = socket.FD
        self._send_queue: Queue = Queue()
        self._recv_callback: Optional[Callable[..., Any]] = None
        self._send_callback: Optional[Callable[..., Any]] = None
        self._close_callback: Optional[Callable[[], Any]] = None
        self._recv_copy = True
        self._flushed = False
        self._state = 0
        self._init_io_state()

        # the socket's own methods, reachable on the stream
        self.bind = socket.bind
        self.bind_to_random_port = socket.bind_to_random_port
        self.connect = socket.connect
        self.setsockopt = socket.setsockopt
        self.getsockopt = socket.getsockopt
        self.setsockopt_string = socket.setsockopt_string
        self.getsockopt_string = socket.getsockopt_string
        self.setsockopt_unicode = socket.setsockopt_unicode
        self.getsockopt_unicode = socket.getsockopt_unicode

    # -- callbacks ------------------------------------------------------------------------
    def stop_on_recv(self) -> None:
        """Stop receiving (and calling the recv callback)."""
        return self.on_recv(None)

    def stop_on_send(self) -> None:
        """Stop calling the send callback."""
        return self.on_send(None)

    def stop_on_err(self) -> None:
        """DEPRECATED, does nothing."""
        gen_log.warning("on_err does nothing, and will be removed")

    def on_err(self, callback: Callable[..., Any]) -> None:
        """DEPRECATED, does nothing."""
        gen_log.warning("on_err does nothing, and will be removed")

    def on_recv(self, callback: Optional[Callable[[List[Any]], Any]], copy: bool = True) -> None:
        """Call ``callback(msg)`` with each received message (a list of frames: bytes, or
        Frames when ``copy`` is False). One callback at a time; None stops receiving."""
        self._check_closed()
        assert callback is None or callable(callback)
        self._recv_callback = callback
        self._recv_copy = copy
        if callback is None:
            self._drop_io_state(_POLLIN)
        else:
            self._add_io_state(_POLLIN)

    def on_recv_stream(
        self, callback: Optional[Callable[["ZMQStream", List[Any]], Any]], copy: bool = True
    ) -> None:
        """Like :meth:`on_recv`, calling ``callback(stream, msg)``."""
        if callback is None:
            self.stop_on_recv()
            return

        def with_stream(msg: List[Any]) -> Any:
            return callback(self, msg)

        self.on_recv(with_stream, copy=copy)

    def on_send(self, callback: Optional[Callable[[List[Any], Any], Any]]) -> None:
        """Call ``callback(msg, status)`` after each send: ``msg`` is what was queued,
        ``status`` what ``send_multipart`` returned (a MessageTracker with ``copy=False``,
        else None) or the ZMQError it raised. None stops the callbacks."""
        self._check_closed()
        assert callback is None or callable(callback)
        self._send_callback = callback

    def on_send_stream(
        self, callback: Optional[Callable[["ZMQStream", List[Any], Any], Any]]
    ) -> None:
        """Like :meth:`on_send`, calling ``callback(stream, msg, status)``."""
        if callback is None:
            self.stop_on_send()
            return
        self.on_send(lambda msg, status: callback(self, msg, status))

    def set_close_callback(self, callback: Optional[Callable[[], Any]]) -> None:
        """Call ``callback()`` when the stream is closed."""
        self._close_callback = callback

    # -- sending --------------------------------------------------------------------------
    def send(
        self,
        msg: Any,
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        callback: Optional[Callable[..., Any]] = None,
        **kwargs: Any,
    ) -> None:
        """Queue a one-frame message (see :meth:`send_multipart`)."""
        return self.send_multipart(
            [msg], flags=flags, copy=copy, track=track, callback=callback, **kwargs
        )

    def send_multipart(
        self,
        msg: Sequence[Any],
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        callback: Optional[Callable[..., Any]] = None,
        **kwargs: Any,
    ) -> None:
        """Queue a message; it is sent when the socket is writable. ``callback`` (if given)
        becomes the send callback, as with :meth:`on_send`."""
        kwargs.update(flags=flags, copy=copy, track=track)
        self._send_queue.put((msg, kwargs))
        callback = callback or self._send_callback
        self.on_send(callback if callback is not None else _ignore)
        self._add_io_state(_POLLOUT)

    def send_string(
        self,
        u: str,
        flags: int = 0,
        encoding: str = "utf-8",
        callback: Optional[Callable[..., Any]] = None,
        **kwargs: Any,
    ) -> None:
        """Queue ``u`` encoded with ``encoding``."""
        if not isinstance(u, str):
            raise TypeError("unicode/str objects only")
        return self.send(u.encode(encoding), flags=flags, callback=callback, **kwargs)

    send_unicode = send_string

    def send_json(
        self, obj: Any, flags: int = 0, callback: Optional[Callable[..., Any]] = None, **kwargs: Any
    ) -> None:
        """Queue ``obj`` serialised as JSON."""
        return self.send(jsonapi.dumps(obj), flags=flags, callback=callback, **kwargs)

    def send_pyobj(
        self,
        obj: Any,
        flags: int = 0,
        protocol: int = -1,
        callback: Optional[Callable[..., Any]] = None,
        **kwargs: Any,
    ) -> None:
        """Queue ``obj`` pickled with ``protocol``."""
        return self.send(pickle.dumps(obj, protocol), flags, callback=callback, **kwargs)

    # -- state ----------------------------------------------------------------------------
    def receiving(self) -> bool:
        """Whether a recv callback is registered."""
        return self._recv_callback is not None

    def sending(self) -> bool:
        """Whether messages are queued for sending."""
        return not self._send_queue.empty()

    def closed(self) -> bool:
        """Whether the stream (or its socket, closed behind its back) is closed."""
        if self.socket is None:
            return True
        if self.socket.closed:
            self.close()  # closed elsewhere: clean up our side now
            return True
        return False

    def close(self, linger: Optional[int] = None) -> None:
        """Unregister from the IOLoop and close the socket (with ``linger``)."""
        sock = self.socket
        if sock is None:
            return
        if sock.closed:
            warnings.warn(
                f"Unregistering FD {self._fd} after closing socket. This could result in"
                " unregistering handlers for the wrong socket. Please use stream.close()"
                " instead of closing the socket directly.",
                stacklevel=2,
            )
            self.io_loop.remove_handler(self._fd)
        else:
            self.io_loop.remove_handler(sock)
            sock.close(linger)
        self.socket = None
        if self._close_callback:
            self._run_callback(self._close_callback)

    # -- flush ----------------------------------------------------------------------------
    def flush(self, flag: int = _POLLIN | _POLLOUT, limit: Optional[int] = None) -> int:
        """Handle pending messages now, outside the IOLoop; return how many.

        ``flag`` selects receives (POLLIN; flushed even without a recv callback, which
        drops them) and/or queued sends (POLLOUT). Stops when nothing selected is pending
        or after ``limit`` events. Callbacks that already ran this way are not run again by
        the IOLoop in the same iteration.
        """
        self._check_closed()
        already_flushed = self._flushed
        self._flushed = False
        count = 0

        def wanted() -> int:
            want = flag & _POLLIN
            if self.sending():
                want |= flag & _POLLOUT
            return want

        want = wanted()
        if not want:
            return 0
        self.poller.register(self.socket, want)
        events = self.poller.poll(0)
        while events and (not limit or count < limit):
            _, ready = events[0]
            if ready & _POLLIN:
                self._handle_recv()
                count += 1
                if self.socket is None:
                    break  # a callback closed the stream
            if ready & _POLLOUT and self.sending():
                self._handle_send()
                count += 1
                if self.socket is None:
                    break
            want = wanted()
            if want:
                self.poller.register(self.socket, want)
                events = self.poller.poll(0)
            else:
                events = []
        if count:
            # the IOLoop's pending round must not run the callbacks a second time
            self._flushed = True
            if not already_flushed:
                self.io_loop.add_callback(self._finish_flush)
        elif already_flushed:
            self._flushed = True
        self._rebuild_io_state()
        return count

    def _finish_flush(self) -> None:
        self._flushed = False

    # -- internals ------------------------------------------------------------------------
    def _check_closed(self) -> None:
        if not self.socket:
            raise OSError("Stream is closed")

    def _run_callback(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            result = callback(*args, **kwargs)
        except Exception:
            gen_log.error("Uncaught exception in ZMQStream callback", exc_info=True)
            raise  # let the IOLoop report it too
        if inspect.isawaitable(result):
            fut = asyncio.ensure_future(result)
            fut.add_done_callback(_log_async_failure)

    def _handle_events(self, fd: Any, events: int) -> None:
        """The IOLoop handler: the FD woke (or a round was scheduled); dispatch."""
        sock = self.socket
        if not sock:
            gen_log.warning("Got events for closed stream %s", self)
            return
        try:
            zmq_events = sock.EVENTS
        except ContextTerminated:
            gen_log.warning("Got events for stream %s after terminating context", self)
            self.closed()
            return
        except ZMQError as e:
            if self.closed():
                gen_log.warning("Got events for stream %s attached to closed socket: %s", self, e)
            else:
                gen_log.error("Error getting events for %s: %s", self, e)
            return
        try:
            if zmq_events & _POLLIN and self.receiving():
                self._handle_recv()
                if not self.socket:
                    return
            if zmq_events & _POLLOUT and self.sending():
                self._handle_send()
                if not self.socket:
                    return
            self._rebuild_io_state()
        except Exception:
            gen_log.error("Uncaught exception in zmqstream callback", exc_info=True)
            raise

    def _handle_recv(self) -> None:
        if self._flushed:
            return
        try:
            msg = self.socket.recv_multipart(_c.NOBLOCK, copy=self._recv_copy)
        except ZMQError as e:
            if e.errno == _c.EAGAIN:
                return  # someone else took it since EVENTS said POLLIN
            raise
        callback = self._recv_callback
        if callback:
            self._run_callback(callback, msg)

    def _handle_send(self) -> None:
        if self._flushed:
            return
        if not self.sending():
            gen_log.error("Shouldn't have handled a send event")
            return
        msg, kwargs = self._send_queue.get()
        try:
            status: Any = self.socket.send_multipart(msg, **kwargs)
        except ZMQError as e:
            gen_log.error("SEND Error: %s", e)
            status = e
        callback = self._send_callback
        if callback:
            self._run_callback(callback, msg, status)

    def _rebuild_io_state(self) -> None:
        if self.socket is None:
            return
        state = 0
        if self.receiving():
            state |= _POLLIN
        if self.sending():
            state |= _POLLOUT
        self._state = state
        self._update_handler(state)

    def _add_io_state(self, state: int) -> None:
        self._state |= state
        self._update_handler(self._state)

    def _drop_io_state(self, state: int) -> None:
        self._state &= ~state
        self._update_handler(self._state)

    def _update_handler(self, state: int) -> None:
        sock = self.socket
        if sock is None:
            return
        if state & sock.EVENTS:
            # work is ready now; the FD may not wake again for it (edge semantics), so
            # schedule a round explicitly
            self.io_loop.add_callback(lambda: self._handle_events(self.socket, 0))

    def _init_io_state(self) -> None:
        self.io_loop.add_handler(self.socket, self._handle_events, self.io_loop.READ)


def _ignore(*args: Any) -> None:
    return None


def _log_async_failure(fut: "asyncio.Future[Any]") -> None:
    if fut.cancelled():
        return
    exc = fut.exception()
    if exc is not None:
        gen_log.error(
            "Uncaught exception in ZMQStream callback", exc_info=(type(exc), exc, exc.__traceback__)
        )
