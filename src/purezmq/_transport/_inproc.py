"""inproc: sockets of one context joined directly by a pipe pair, no I/O thread involved.

Connect before bind works (libzmq 4.0): the connector gets its end at once and queues up to
its SNDHWM; the binder receives the other end when the name is bound. Once both ends are
known each direction's HWM is the sum of the sender's SNDHWM and the receiver's RCVHWM
(0 — unlimited — if either is 0).
"""

from __future__ import annotations

import errno as _errno
import threading
from typing import Any, Dict, List, Tuple

from .._core._options import conflating
from .._pipe import Link
from ..error import ZMQError
from ..zmtp._types import ROUTER


def _sum_hwm(a: int, b: int) -> int:
    return 0 if not a or not b else a + b


class InprocRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bound: Dict[str, Any] = {}
        #: name -> [(connector socket, connector's end, binder's end, connector options)]
        self._pending: Dict[str, List[Tuple[Any, Link, Link, Any]]] = {}

    def bind(self, name: str, sock: Any) -> None:
        """Register ``name`` for ``sock`` (its lock held) and wire pending connectors."""
        with self._lock:
            if name in self._bound:
                raise ZMQError(_errno.EADDRINUSE)
            self._bound[name] = sock
            pending = self._pending.pop(name, [])
        for connector, c_end, b_end, copts in pending:
            # Even a connector that has closed since: what it queued is still delivered.
            self._wire(connector, c_end, b_end, copts, sock, from_bind=True)
            sock._attach(b_end)

    def is_bound(self, name: str) -> bool:
        with self._lock:
            return name in self._bound

    def connect_raw(self, name: str, owner: Any) -> Any:
        """Connect a non-socket ``owner`` (the ZAP client) to a bound name; None if unbound."""
        with self._lock:
            binder = self._bound.get(name)
        if binder is None:
            return None
        c_end, b_end = Link.pair(0, 0)
        c_end.owner = owner
        c_end.endpoint = b_end.endpoint = "inproc://" + name
        binder._attach_from_session(b_end)
        return c_end

    def unbind(self, name: str, sock: Any) -> None:
        with self._lock:
            if self._bound.get(name) is sock:
                del self._bound[name]

    def connect(self, name: str, sock: Any, opts: Any) -> Link:
        """Connect ``sock`` (its lock held); returns the connector's end."""
        # CONFLATE on inproc: only the connecting socket's setting counts (libzmq 4.0).
        c_end, b_end = Link.pair(opts.sndhwm, opts.rcvhwm, conflating(opts))
        c_end.owner = sock
        c_end.endpoint = b_end.endpoint = "inproc://" + name
        b_end.identity = opts.identity
        with self._lock:
            binder = self._bound.get(name)
            if binder is None:
                self._pending.setdefault(name, []).append((sock, c_end, b_end, opts))
        if binder is None:
            if opts.type != ROUTER:
                sock._attach(c_end)
            return c_end
        self._wire(sock, c_end, b_end, opts, binder, from_bind=False)
        sock._attach(c_end)
        return c_end

    def _wire(
        self, connector: Any, c_end: Link, b_end: Link, copts: Any, binder: Any, from_bind: bool
    ) -> None:
        """Join a connector's pipes to the binder (whose lock the caller holds if from_bind;
        the caller then attaches ``b_end`` itself)."""
        bopts = binder._opts
        c_end.out.set_hwm(_sum_hwm(copts.sndhwm, bopts.rcvhwm))
        b_end.out.set_hwm(_sum_hwm(bopts.sndhwm, copts.rcvhwm))
        c_end.identity = bopts.identity
        b_end.owner = binder
        if from_bind:
            if copts.type == ROUTER and not c_end.closed:
                connector._attach_from_session(c_end)  # it waited for the binder's identity
        else:
            binder._attach_from_session(b_end)
