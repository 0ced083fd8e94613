"""Awaitable polling for purezmq.asyncio: ``Socket.poll`` and :class:`Poller`.

Theory of operation
-------------------
One pending poll is a :class:`_PollWait`. It registers a one-shot watcher with the core of
every polled socket (asyncio or plain: both front a core) and ``add_reader``/``add_writer``
for raw file descriptors, and only then looks at the sockets' EVENTS (and at the fds with a
zero-timeout ``select.poll``), so no change can slip between looking and registering. A
watcher call (any thread) schedules one re-check on the loop; the first check that finds
anything resolves the future with zmq_poll's answer, in registration order, and unhooks
everything at once (not in a done callback: the next poll may register the same fd right
away). A timeout resolves it with whatever is ready then (usually nothing). A polled socket
closed meanwhile cancels the poll, as in pyzmq; a terminated context fails it.
"""

from __future__ import annotations

import asyncio
import select as _select
import threading
import warnings
from typing import Any, Dict, List, Optional, Tuple

from . import constants as _c
from .error import ZMQError
from .sugar.poll import Poller as _SyncPoller
from .sugar.socket import Socket as _SyncSocket

__all__ = ["Poller"]

POLLIN = 1
POLLOUT = 2
POLLERR = 4
_EVENTS = int(_c.EVENTS)
_ENOTSOCK = int(_c.ENOTSOCK)

_get_running_loop = asyncio._get_running_loop  # C: the loop running in this thread, or None


def _loop_for_call() -> Any:
    """The running loop; outside one, pyzmq's warning and the thread's default loop."""
    loop = _get_running_loop()
    if loop is None:
        warnings.warn(
            "No running event loop. zmq.asyncio should be used from within an asyncio loop.",
            RuntimeWarning,
            stacklevel=4,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            loop = asyncio.get_event_loop()
    return loop


_PY_IN = _select.POLLIN | _select.POLLPRI
_PY_OUT = _select.POLLOUT
_PY_ERR = _select.POLLERR | _select.POLLHUP | _select.POLLNVAL


def _raw_fd(obj: Any) -> int:
    if isinstance(obj, int):
        return obj
    if not hasattr(obj, "fileno"):
        raise TypeError(
            f"Socket must be a 0MQ socket, an integer fd or have a fileno() method: {obj!r}"
        )
    return int(obj.fileno())


#: (id(loop), "r" or "w", fd) -> the _PollWait whose reader/writer is registered there. A poll
#: finishing late (its cleanup runs as a done callback) must not remove the reader a newer
#: poll of the same fd registered meanwhile.
_raw_owner: Dict[Tuple[int, str, int], "_PollWait"] = {}


class _PollWait:
    """One pending poll: wakes from the cores' watchers (and the loop's readers for raw
    file descriptors), re-checks, resolves its future with zmq_poll's answer."""

    __slots__ = (
        "loop",
        "fut",
        "socks",
        "raw",
        "single",
        "scheduled",
        "timer",
        "readers",
        "writers",
        "watcher",
        "cleaned",
        "lock",
    )

    def __init__(
        self, loop: Any, fut: Any, items: List[Tuple[Any, int]], single: Any = None
    ) -> None:
        self.loop = loop
        self.fut = fut
        self.socks: List[Tuple[Any, Any, int]] = []  # (registered object, core, flags)
        self.raw: List[Tuple[int, int]] = []  # (fd, flags)
        self.single = single
        self.scheduled = False
        self.timer: Any = None
        self.readers: List[int] = []
        self.writers: List[int] = []
        self.watcher = self.notify  # one object: the core removes watchers by identity
        self.cleaned = False
        self.lock = threading.Lock()  # guards ``scheduled`` (no GIL assumed)
        for obj, flags in items:
            core = getattr(obj, "_core", None) if isinstance(obj, _SyncSocket) else None
            if core is None and hasattr(obj, "add_watcher"):
                core = obj  # a core socket
            if core is not None:
                self.socks.append((obj, core, flags))
            else:
                self.raw.append((_raw_fd(obj), flags))

    def start(self, timeout: Optional[float]) -> None:
        fut = self.fut
        if timeout == 0:
            self.check(final=True)
            return
        try:
            for _, core, _ in self.socks:
                core.add_watcher(self.watcher)
            loop = self.loop
            for fd, flags in self.raw:
                if flags & POLLIN and fd not in self.readers:
                    loop.add_reader(fd, self.check)
                    self.readers.append(fd)
                    _raw_owner[(id(loop), "r", fd)] = self
                if flags & POLLOUT and fd not in self.writers:
                    loop.add_writer(fd, self.check)
                    self.writers.append(fd)
                    _raw_owner[(id(loop), "w", fd)] = self
            if timeout is not None and timeout > 0:
                self.timer = loop.call_later(timeout / 1000.0, self.check, True)
        except BaseException:
            self.cleanup(None)
            raise
        fut.add_done_callback(self.cleanup)
        self.check()  # edge-triggered: look once after the watchers are in place

    def notify(self) -> None:  # any thread
        with self.lock:
            if self.scheduled or self.cleaned:
                return
            self.scheduled = True
        loop = self.loop
        try:
            if _get_running_loop() is loop:
                self.loop.call_soon(self.check)
            else:
                loop.call_soon_threadsafe(self.check)
        except RuntimeError:
            with self.lock:
                self.scheduled = False

    def check(self, final: bool = False) -> None:
        with self.lock:
            self.scheduled = False
        fut = self.fut
        if fut.done():
            return
        try:
            ready = self.ready_now()
        except ZMQError as e:
            self.cleanup(None)
            if e.errno == _ENOTSOCK:
                fut.cancel()  # a polled socket was closed (pyzmq cancels the poll too)
            else:
                fut.set_exception(e)
            return
        if ready or final:
            self.cleanup(None)  # now, not in a done callback: the next poll may reuse the fds
            if self.single is not None:
                fut.set_result(ready[0][1] if ready else 0)
            else:
                fut.set_result(ready)

    def ready_now(self) -> List[Tuple[Any, int]]:
        """zmq_poll with a zero timeout, in registration order."""
        ready: List[Tuple[Any, int]] = []
        for obj, core, flags in self.socks:
            if core._closed:
                raise ZMQError(_ENOTSOCK)
            ev = core.get(_EVENTS) & flags
            if ev:
                ready.append((obj, ev))
        if self.raw:
            p = _select.poll()
            masks: dict = {}
            for fd, flags in self.raw:
                m = 0
                if flags & POLLIN:
                    m |= _PY_IN
                if flags & POLLOUT:
                    m |= _PY_OUT
                masks[fd] = masks.get(fd, 0) | m
            for fd, m in masks.items():
                p.register(fd, m)
            got = dict(p.poll(0))
            for fd, flags in self.raw:
                revents = got.get(fd, 0)
                ev = 0
                if revents & _PY_IN and flags & POLLIN:
                    ev |= POLLIN
                if revents & _PY_OUT and flags & POLLOUT:
                    ev |= POLLOUT
                if revents & _PY_ERR:
                    ev |= POLLERR
                if ev:
                    ready.append((fd, ev))
        return ready

    def cleanup(self, _: Any) -> None:
        if self.cleaned:
            return
        self.cleaned = True
        for _obj, core, _f in self.socks:
            core.remove_watcher(self.watcher)
        if self.timer is not None:
            self.timer.cancel()
        loop = self.loop
        lid = id(loop)
        for kind, fds, remove in (
            ("r", self.readers, loop.remove_reader),
            ("w", self.writers, loop.remove_writer),
        ):
            for fd in fds:
                key = (lid, kind, fd)
                if _raw_owner.get(key) is self:
                    del _raw_owner[key]
                    if not loop.is_closed():
                        remove(fd)
        self.readers = []
        self.writers = []


class Poller(_SyncPoller):
    """A Poller whose ``poll`` returns a future for the ``[(socket_or_fd, events)]`` list.

    Sockets (asyncio or not) wake it straight from their cores; raw file descriptors are
    watched with the loop's ``add_reader``/``add_writer`` (not available on Proactor).
    """

    _socket_class: Any = None  # set below to Socket

    def poll(self, timeout: Optional[float] = -1) -> Any:  # type: ignore[override]
        """A future for the ready list, once anything is ready or after ``timeout`` ms
        (None or negative: no timeout; 0: at once)."""
        loop = _get_running_loop() or _loop_for_call()
        fut = loop.create_future()
        if not self.sockets:
            fut.set_result([])
            return fut
        try:
            waiter = _PollWait(loop, fut, list(self.sockets))
            waiter.start(timeout)
        except Exception as e:  # noqa: BLE001 - delivered through the future, as pyzmq
            if not fut.done():
                fut.set_exception(e)
        return fut
