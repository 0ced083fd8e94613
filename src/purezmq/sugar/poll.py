"""Poller and select() over purezmq sockets and ordinary file descriptors.

A purezmq socket is polled through its FD/EVENTS pair: reading EVENTS first clears the FD and
then computes the answer, so any change after the computation makes the FD readable again and
the select.poll() below wakes. Raw fds (ints or objects with ``fileno()``) are polled as they
are; their POLLERR/POLLHUP map to POLLERR.
"""

from __future__ import annotations

import select as _select
import time
from typing import Any, Dict, List, Optional, Tuple

from ..constants import EVENTS, FD, POLLERR, POLLIN, POLLOUT

_PY_IN = _select.POLLIN | _select.POLLPRI
_PY_OUT = _select.POLLOUT
_PY_ERR = _select.POLLERR | _select.POLLHUP | _select.POLLNVAL


def _is_zmq(obj: Any) -> bool:
    from .._core._socket import SocketBase
    from .socket import Socket

    return isinstance(obj, (Socket, SocketBase))


def _fileno(obj: Any) -> int:
    if isinstance(obj, int):
        return obj
    if not hasattr(obj, "fileno"):
        raise TypeError(
            f"Socket must be a 0MQ socket, an integer fd or have a fileno() method: {obj!r}"
        )
    try:
        return int(obj.fileno())
    except Exception:
        raise ValueError("fileno() must return a valid integer fd") from None


class Poller:
    """Poll sockets and fds for POLLIN/POLLOUT, like zmq_poll."""

    def __init__(self) -> None:
        self.sockets: List[Tuple[Any, int]] = []
        self._map: Dict[Any, int] = {}

    def __contains__(self, socket: Any) -> bool:
        return socket in self._map

    def register(self, socket: Any, flags: int = POLLIN | POLLOUT) -> None:
        """Start (or change) polling ``socket`` for ``flags``; 0 unregisters."""
        if flags:
            if socket in self._map:
                idx = self._map[socket]
                self.sockets[idx] = (socket, flags)
            else:
                idx = len(self.sockets)
                self.sockets.append((socket, flags))
                self._map[socket] = idx
        elif socket in self._map:
            self.unregister(socket)

    def modify(self, socket: Any, flags: int = POLLIN | POLLOUT) -> None:
        self.register(socket, flags)

    def unregister(self, socket: Any) -> None:
        idx = self._map.pop(socket)
        self.sockets.pop(idx)
        for s, _ in self.sockets[idx:]:
            self._map[s] -= 1

    def poll(self, timeout: Optional[float] = None) -> List[Tuple[Any, int]]:
        """Wait up to ``timeout`` ms (None or negative: forever) for registered events."""
        if timeout is None or timeout < 0:
            deadline = None
        else:
            deadline = time.monotonic() + timeout / 1000.0
        return _poll(self.sockets, deadline)


def _poll(items: List[Tuple[Any, int]], deadline: Optional[float]) -> List[Tuple[Any, int]]:
    """zmq_poll: one (item, revents) per item with events, in registration order.

    As in pyzmq, a purezmq socket is reported as itself and anything else as its integer
    fd (what select.poll gives), and revents are plain ints.
    """
    if not items:
        return []  # pyzmq returns at once (zmq_poll itself would sleep)
    poller = _select.poll()
    # per item: (socket or None, fd, flags)
    entries: List[Tuple[Any, int, int]] = []
    registered: Dict[int, int] = {}
    for obj, flags in items:
        flags = int(flags)
        if _is_zmq(obj):
            fd = obj.get(FD)
            entries.append((obj, fd, flags))
            mask = _PY_IN
        else:
            fd = _fileno(obj)
            entries.append((None, fd, flags))
            mask = 0
            if flags & POLLIN:
                mask |= _PY_IN
            if flags & POLLOUT:
                mask |= _PY_OUT
        registered[fd] = registered.get(fd, 0) | mask
    for fd, mask in registered.items():
        poller.register(fd, mask)
    wait_ms: Optional[int] = 0  # the first pass never blocks, as in zmq_poll
    while True:
        try:
            results = dict(poller.poll(wait_ms))
        except InterruptedError:  # pragma: no cover
            results = {}
        ready: List[Tuple[Any, int]] = []
        for sock, fd, flags in entries:
            if sock is not None:
                ev = int(sock.get(EVENTS)) & flags
                if ev:
                    ready.append((sock, ev))
                continue
            revents = results.get(fd, 0)
            ev = 0
            if revents & _PY_IN and flags & 1:
                ev |= 1  # POLLIN (plain ints: pyzmq reports ints, not PollEvent)
            if revents & _PY_OUT and flags & 2:
                ev |= 2  # POLLOUT
            if revents & _PY_ERR:
                ev |= 4  # POLLERR
            if ev:
                ready.append((fd, ev))
        if ready:
            return ready
        if deadline is None:
            wait_ms = None
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            wait_ms = max(0, int(remaining * 1000 + 0.999))


def zmq_poll(sockets: List[Tuple[Any, int]], timeout: int = -1) -> List[Tuple[Any, int]]:
    """zmq_poll over ``[(socket_or_fd, flags), ...]``; ``timeout`` in ms, negative = forever."""
    timeout = int(timeout)
    deadline = None if timeout < 0 else time.monotonic() + timeout / 1000.0
    return _poll(list(sockets), deadline)


def select(
    rlist: List[Any], wlist: List[Any], xlist: List[Any], timeout: Optional[float] = None
) -> Tuple[List[Any], List[Any], List[Any]]:
    """select() for sockets and fds; ``timeout`` in seconds (None = forever)."""
    if timeout is None:
        timeout_ms = None
    else:
        if timeout < 0:
            timeout = -1
        timeout_ms = int(timeout * 1000.0) if timeout >= 0 else None
    flags_of: Dict[Any, int] = {}  # keyed like pyzmq's set(): fds by value, sockets by identity
    for objs, flag in ((rlist, POLLIN), (wlist, POLLOUT), (xlist, POLLERR)):
        for obj in objs:
            flags_of[obj] = flags_of.get(obj, 0) | flag
    p = Poller()
    for obj, flags in flags_of.items():
        p.register(obj, flags)
    ready = p.poll(timeout_ms)
    r, w, x = [], [], []
    for obj, ev in ready:
        if ev & POLLIN:
            r.append(obj)
        if ev & POLLOUT:
            w.append(obj)
        if ev & POLLERR:
            x.append(obj)
    return r, w, x


__all__ = ["Poller", "select", "zmq_poll"]
