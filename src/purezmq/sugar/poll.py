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

    return isinstance(obj, SocketBase)


def _fileno(obj: Any) -> int:
    if isinstance(obj, int):
        return obj
    return obj.fileno()


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
    zitems = []
    raw = []
    for obj, flags in items:
        if _is_zmq(obj):
            zitems.append((obj, flags))
        else:
            raw.append((obj, flags))
    poller = _select.poll()
    fd_owner: Dict[int, List[Tuple[Any, int, bool]]] = {}
    for obj, flags in zitems:
        fd = obj.get(FD)
        poller.register(fd, _PY_IN)
        fd_owner.setdefault(fd, []).append((obj, flags, True))
    for obj, flags in raw:
        fd = _fileno(obj)
        mask = 0
        if flags & POLLIN:
            mask |= _PY_IN
        if flags & POLLOUT:
            mask |= _PY_OUT
        if flags & POLLERR:
            mask |= _PY_ERR
        poller.register(fd, mask)
        fd_owner.setdefault(fd, []).append((obj, flags, False))
    while True:
        ready: List[Tuple[Any, int]] = []
        for obj, flags in zitems:
            ev = obj.get(EVENTS) & flags
            if ev:
                ready.append((obj, ev))
        if ready:
            wait_ms: Optional[int] = 0
        elif deadline is None:
            wait_ms = None
        else:
            wait_ms = max(0, int((deadline - time.monotonic()) * 1000 + 0.999))
        try:
            results = poller.poll(wait_ms)
        except InterruptedError:  # pragma: no cover
            results = []
        for fd, revents in results:
            for obj, flags, is_zmq in fd_owner.get(fd, ()):
                if is_zmq:
                    continue
                ev = 0
                if revents & _PY_IN:
                    ev |= POLLIN
                if revents & _PY_OUT:
                    ev |= POLLOUT
                if revents & _PY_ERR:
                    ev |= POLLERR
                ev &= flags | POLLERR
                if ev:
                    ready.append((obj, ev))
        if ready:
            return _merge(ready)
        if wait_ms == 0 or (deadline is not None and time.monotonic() >= deadline):
            return []


def _merge(ready: List[Tuple[Any, int]]) -> List[Tuple[Any, int]]:
    out: Dict[int, Tuple[Any, int]] = {}
    order: List[int] = []
    for obj, ev in ready:
        k = id(obj)
        if k in out:
            out[k] = (obj, out[k][1] | ev)
        else:
            out[k] = (obj, ev)
            order.append(k)
    return [out[k] for k in order]


def select(rlist: List[Any], wlist: List[Any], xlist: List[Any],
           timeout: Optional[float] = None) -> Tuple[List[Any], List[Any], List[Any]]:
    """select() for sockets and fds; ``timeout`` in seconds (None = forever)."""
    if timeout is None:
        timeout_ms = None
    else:
        if timeout < 0:
            timeout = -1
        timeout_ms = int(timeout * 1000.0) if timeout >= 0 else None
    flags_of: Dict[int, Tuple[Any, int]] = {}
    for obj in rlist:
        flags_of[id(obj)] = (obj, flags_of.get(id(obj), (obj, 0))[1] | POLLIN)
    for obj in wlist:
        flags_of[id(obj)] = (obj, flags_of.get(id(obj), (obj, 0))[1] | POLLOUT)
    for obj in xlist:
        flags_of[id(obj)] = (obj, flags_of.get(id(obj), (obj, 0))[1] | POLLERR)
    p = Poller()
    for obj, flags in flags_of.values():
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


__all__ = ["Poller", "select"]
