"""The context core: I/O threads, socket accounting, shutdown and termination.

Theory of operation
-------------------
A context starts its I/O threads lazily, with the first tcp/ipc endpoint (inproc never needs
one). It counts live sockets and live sessions (connections still flushing within LINGER).
``shutdown()`` marks the context terminated and wakes every blocking call, which then raises
ContextTerminated; ``term()`` does that, then waits until the application has closed every
socket and every session has finished lingering, then stops the I/O threads — libzmq's
zmq_ctx_term. After a ``fork()``, a context inherited by the child is inert: the child's
``term()`` returns at once and never touches the parent's connections.
"""

from __future__ import annotations

import os
import threading
import weakref
from errno import EINVAL, EMFILE
from typing import Any, List, Optional, Set

from .._engine._iothread import IOThread
from .._transport._inproc import InprocRegistry
from ..constants import IO_THREADS, IPV6, MAX_SOCKETS
from ..error import ContextTerminated, ZMQError
from ._zap import ZapClient

#: Every context of this process, so a fork()ed child can make inherited ones inert.
_live_contexts: "weakref.WeakSet[ContextBase]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for ctx in list(_live_contexts):
        try:
            ctx._forked_child()
        except Exception:  # pragma: no cover - never fail a fork
            pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

MAX_SOCKETS_DFLT = 1023
IO_THREADS_DFLT = 1


class ContextBase:
    # State lives in the instance __dict__, written through it directly: the public Context
    # maps attribute writes to options (AttributeSetter.__setattr__).
    _n_io: int
    _ios: Optional[List[IOThread]]
    _max_sockets: int
    _ipv6: int
    _lock: threading.Lock
    _cond: threading.Condition
    _sockets: Set[Any]
    _sessions: Set[Any]
    _shutdown: bool
    _closed: bool
    _inproc: InprocRegistry
    _zap: ZapClient
    _pid: int

    def __init__(self, io_threads: int = IO_THREADS_DFLT) -> None:
        d = self.__dict__
        if not isinstance(io_threads, int) or io_threads < 0:
            raise ZMQError(EINVAL)
        d["_n_io"] = io_threads
        d["_ios"] = None
        d["_max_sockets"] = MAX_SOCKETS_DFLT
        d["_ipv6"] = 0
        d["_lock"] = threading.Lock()
        d["_cond"] = threading.Condition(d["_lock"])
        d["_sockets"] = set()
        d["_sessions"] = set()
        d["_shutdown"] = False
        d["_closed"] = False
        d["_inproc"] = InprocRegistry()
        d["_zap"] = ZapClient(self)
        d["_pid"] = os.getpid()
        _live_contexts.add(self)

    # -- options ------------------------------------------------------------------------
    def get(self, option: int) -> int:
        if option == IO_THREADS:
            return self._n_io
        if option == MAX_SOCKETS:
            return self._max_sockets
        if option == IPV6:
            return self._ipv6
        raise ZMQError(EINVAL)

    def set(self, option: int, value: int) -> None:
        if not isinstance(value, int):
            raise TypeError(f"expected int, got {value!r}")
        d = self.__dict__
        if option == IO_THREADS:
            if value < 0:
                raise ZMQError(EINVAL)
            # Stored and reported even once the threads exist (then it has no effect).
            d["_n_io"] = value
            return
        if option == MAX_SOCKETS:
            if value < 1:
                raise ZMQError(EINVAL)
            d["_max_sockets"] = value
            return
        if option == IPV6:
            if value < 0:
                raise ZMQError(EINVAL)
            d["_ipv6"] = 1 if value else 0
            return
        raise ZMQError(EINVAL)

    # -- threads ------------------------------------------------------------------------
    def _io_threads(self) -> List[IOThread]:
        ios = self._ios
        if ios is None:
            with self._lock:
                ios = self._ios
                if ios is None:
                    ios = [IOThread(f"purezmq-io-{i}") for i in range(self._n_io)]
                    self.__dict__["_ios"] = ios
        return ios

    # -- sockets ------------------------------------------------------------------------
    def _check_socket_allowed(self) -> None:
        if self._shutdown or self._closed:
            raise ContextTerminated()
        if len(self._sockets) >= self._max_sockets:
            raise ZMQError(EMFILE)

    def _socket_opened(self, sock: Any) -> None:
        with self._lock:
            if self._shutdown or self._closed:
                raise ContextTerminated()
            if len(self._sockets) >= self._max_sockets:
                raise ZMQError(EMFILE)
            self._sockets.add(sock)

    def _socket_closed(self, sock: Any) -> None:
        with self._cond:
            self._sockets.discard(sock)
            self._cond.notify_all()

    def _session_started(self, session: Any) -> None:
        with self._lock:
            self._sessions.add(session)

    def _session_finished(self, session: Any) -> None:
        with self._cond:
            self._sessions.discard(session)
            self._cond.notify_all()

    # -- termination --------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def _forked(self) -> bool:
        return os.getpid() != self._pid

    def _forked_child(self) -> None:
        """Called in a fork()ed child: this context and its sockets become inert."""
        d = self.__dict__
        d["_shutdown"] = True
        d["_ios"] = []
        for core in list(self._sockets):
            core._forked_child()

    def shutdown(self) -> None:
        """Make every blocking call on this context's sockets raise ContextTerminated."""
        if self._forked():
            return
        with self._lock:
            self.__dict__["_shutdown"] = True
            socks = list(self._sockets)
        for s in socks:
            s._interrupt()

    def term(self) -> None:
        """Shut down, wait for every socket to be closed and to finish lingering."""
        if self._closed:
            return
        if self._forked():
            self.__dict__["_closed"] = True
            return
        self.shutdown()
        with self._cond:
            while self._sockets or self._sessions:
                self._cond.wait(0.5)
        self._stop_threads()
        self.__dict__["_closed"] = True

    def _stop_threads(self) -> None:
        ios = self._ios
        if ios:
            for io in ios:
                io.stop()

    def _live_sockets(self) -> Set[Any]:
        with self._lock:
            return set(self._sockets)

    def _pick_io_hint(self) -> Optional[IOThread]:
        ios = self._ios
        if not ios:
            return None
        return min(ios, key=lambda io: io.load)
