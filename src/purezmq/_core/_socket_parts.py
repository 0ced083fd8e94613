"""The shared pieces of :class:`~purezmq._core._socket.SocketBase`.

SocketBase is assembled from the core in ``_socket.py`` (commands, waiting, send/recv) and
three mixins: options (``_socket_options.py``), endpoints and closing
(``_socket_endpoints.py``), and the monitor (``_socket_monitor.py``). This module holds what
they share: the plain-int constants, the ZMQ_FD signal, the per-message state, and
:class:`SocketParts`, which declares every attribute ``SocketBase.__init__`` sets (and the
methods the parts call on each other) so that each mixin type-checks on its own. The
declarations are annotations only: nothing here exists at run time but the classes and
constants.
"""

from __future__ import annotations

import os
import socket as _pysocket
import threading
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, List, Optional, Set, Tuple

from .._pipe import Link
from ..routing import Routing
from ._options import Options

if TYPE_CHECKING:  # pragma: no cover
    from ._context import ContextBase
    from ._socket import SocketBase

MECH_NULL, MECH_PLAIN, MECH_CURVE = 0, 1, 2
STREAM_TYPE = 11

# Plain ints: IntFlag arithmetic costs a Python-level call per operation on the hot path.
DONTWAIT = 1
SNDMORE = 2
POLLIN = 1
POLLOUT = 2


class _FdSignal:
    """The readable-when-something-changed descriptor behind ZMQ_FD."""

    def __init__(self) -> None:
        if hasattr(os, "eventfd"):
            self.rfd = self.wfd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
            self._one = (1).to_bytes(8, "little")
        else:  # pragma: no cover
            a, b = _pysocket.socketpair()
            a.setblocking(False)
            b.setblocking(False)
            self._pair = (a, b)
            self.rfd, self.wfd = a.fileno(), b.fileno()
            self._one = b"\x00"
        self.signaled = False
        self._lock = threading.Lock()

    def set(self) -> None:
        with self._lock:
            if self.signaled:
                return
            self.signaled = True
        try:
            os.write(self.wfd, self._one)
        except OSError:
            pass

    def clear(self) -> None:
        with self._lock:
            if not self.signaled:
                return
            self.signaled = False
            try:
                os.read(self.rfd, 4096)
            except OSError:
                pass

    def close(self) -> None:
        """Release the descriptor(s). Only once nobody can poll them any more: a number
        closed under a poller could be reused by an unrelated file and wait forever."""
        if getattr(self, "rfd", -1) < 0:
            return  # closed already, or __init__ failed
        rfd, self.rfd, self.wfd = self.rfd, -1, -1
        if hasattr(self, "_pair"):
            for s in self._pair:
                s.close()
        else:
            try:
                os.close(rfd)
            except OSError:
                pass

    # The socket owns its signals for its whole life (a poller holding the socket keeps
    # them valid, even after close()): they go with it.
    __del__ = close


class _State:
    """The per-message mutable state of a socket, kept off the instance ``__dict__``.

    (The public Socket maps unknown attribute writes to options through a Python-level
    ``__setattr__``; hot-path state in a slotted object avoids that call.)
    """

    __slots__ = ("tx", "tx_holders", "rx", "rx_pos", "rx_link", "rcvmore", "dead")

    def __init__(self) -> None:
        self.tx: Optional[List[Any]] = None
        self.tx_holders: Optional[List[Any]] = None
        self.rx: Optional[List[Any]] = None
        self.rx_pos = 0
        self.rx_link: Any = None
        self.rcvmore = 0
        #: closed or terminated: the slow checks must run
        self.dead = False


class SocketParts:
    """Attribute and method declarations shared by SocketBase and its mixins (typing only)."""

    _lock: threading.Lock
    context: ContextBase
    _opts: Options
    _routing: Routing
    _type: int
    #: (command kind, link) posted by other threads, applied under ``_lock``.
    _cmds: Deque[Tuple[int, Link]]
    _wake_cond: threading.Condition
    _nwaiters: int
    _st: _State
    _terminated: bool
    _fd_signal: Optional[_FdSignal]
    #: endpoint string -> what it made: listeners, sessions, inproc links.
    _endpoints: Dict[str, List[Any]]
    _inproc_bound: List[str]
    _sessions: Set[Any]
    #: (PAIR socket the events go out on, event mask)
    _monitor: Optional[Tuple[SocketBase, int]]
    _closed: bool
    _io_rr: int
    copy_threshold: int
    _watchers: Tuple[Callable[[], None], ...]
    _pollwaiters: int
    _waitsig: Optional[_FdSignal]
    _last_direct: float
    _forked: bool

    if TYPE_CHECKING:  # pragma: no cover - implemented by SocketBase and the mixins

        def _check_usable(self) -> None: ...

        def _process_cmds(self) -> None: ...
        def _settle_closed(self) -> None: ...

        def _notify(self) -> None: ...

        def _attach(self, link: Link) -> None: ...

        def _terminate_link(self, link: Link) -> None: ...

        def _stop_monitor(self) -> None: ...
