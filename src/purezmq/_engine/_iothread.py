"""The I/O thread: a selectors loop with a timer heap and a mailbox.

Theory of operation
-------------------
Each Context owns IO_THREADS of these. Everything that touches a tcp/ipc socket runs here:
accepting, connecting, handshakes, reading, writing, reconnect timers and linger timers. Other
threads talk to the loop only through :meth:`post`, which appends a callable to the mailbox
and, *only if the loop is asleep in select()*, writes one byte to a wake-up pipe: so a burst
of posts costs one wake-up, not one per post.

Handlers registered with :meth:`register` are objects with ``on_readable()`` /
``on_writable()``; a handler that raises is logged and dropped (its ``on_error`` is called
when it has one) so one bad connection can never stop the loop.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import selectors
import signal
import socket
import threading
import time
from collections import deque
from typing import Any, Callable, Dict, List, Optional

log = logging.getLogger("purezmq")

_READ = selectors.EVENT_READ
_WRITE = selectors.EVENT_WRITE


#: Signals an I/O thread never takes: asynchronous ones, so the kernel delivers them to a
#: thread that can act on them. Python runs handlers in the main thread only, and a signal
#: landing here would leave a main thread blocked in an untimed wait (a lock, join())
#: uninterrupted: Ctrl-C or a SIGALRM watchdog would be lost. libzmq's threads block every
#: signal for the same reason. Faults raised by the thread itself are never blocked.
_ASYNC_SIGNALS = frozenset(
    s
    for s in getattr(signal, "valid_signals", lambda: set())()
    if s
    not in {
        getattr(signal, n, None)
        for n in (
            "SIGKILL",
            "SIGSTOP",
            "SIGSEGV",
            "SIGBUS",
            "SIGFPE",
            "SIGILL",
            "SIGABRT",
            "SIGTRAP",
            "SIGSYS",
        )
    }
)


def _block_async_signals() -> None:
    """Block the asynchronous signals in the calling thread (where the OS supports it)."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is not None and _ASYNC_SIGNALS:
        try:
            mask(signal.SIG_BLOCK, _ASYNC_SIGNALS)
        except (OSError, ValueError):  # pragma: no cover - exotic platform
            pass


class Timer:
    """A cancellable one-shot timer on an I/O thread."""

    __slots__ = ("when", "seq", "fn", "cancelled")

    def __init__(self, when: float, seq: int, fn: Callable[[], None]) -> None:
        self.when = when
        self.seq = seq
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: "Timer") -> bool:
        return (self.when, self.seq) < (other.when, other.seq)


class _Waker:
    """The read end of a pipe the loop selects on, and its write end for other threads."""

    def __init__(self) -> None:
        if hasattr(os, "eventfd"):
            self.rfd = self.wfd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
            self._value = (1).to_bytes(8, "little")
        else:  # pragma: no cover - non-Linux
            self._pair = socket.socketpair()
            for s in self._pair:
                s.setblocking(False)
            self.rfd = self._pair[0].fileno()
            self.wfd = self._pair[1].fileno()
            self._value = b"\x00"

    def wake(self) -> None:
        try:
            os.write(self.wfd, self._value)
        except (BlockingIOError, OSError):
            pass

    def drain(self) -> None:
        try:
            os.read(self.rfd, 4096)
        except (BlockingIOError, OSError):
            pass

    def close(self) -> None:
        if hasattr(self, "_pair"):
            for s in self._pair:
                s.close()
        else:
            os.close(self.rfd)


class IOThread:
    """One selectors loop in a daemon thread."""

    def __init__(self, name: str = "purezmq-io") -> None:
        self._selector = selectors.DefaultSelector()
        self._waker = _Waker()
        self._selector.register(self._waker.rfd, _READ, None)
        self._mailbox: deque = deque()
        self._lock = threading.Lock()
        self._sleeping = False
        self._timers: List[Timer] = []
        self._seq = itertools.count()
        self._stopping = False
        self._handlers: Dict[int, List[Any]] = {}  # fd -> [handler, events]
        self.load = 0  # number of connections; used to pick the least loaded thread
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # -- cross-thread -------------------------------------------------------------------
    def post(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` on the loop, soon. Safe from any thread."""
        with self._lock:
            self._mailbox.append((fn, args))
            wake = self._sleeping
            self._sleeping = False
        if wake:
            self._waker.wake()

    def in_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def stop(self) -> None:
        """Ask the loop to exit once its mailbox is drained; joins unless called from it."""
        self.post(self._stop)
        if not self.in_thread():
            self._thread.join(5)

    def _stop(self) -> None:
        self._stopping = True

    # -- loop-thread only ---------------------------------------------------------------
    def call_later(self, delay: float, fn: Callable[[], None]) -> Timer:
        t = Timer(time.monotonic() + max(delay, 0.0), next(self._seq), fn)
        heapq.heappush(self._timers, t)
        return t

    def register(self, fd: int, handler: Any, events: int) -> None:
        entry = self._handlers.get(fd)
        if entry is None:
            self._handlers[fd] = [handler, events]
            if events:
                self._selector.register(fd, events, handler)
        else:
            self.set_events(fd, events)

    def set_events(self, fd: int, events: int) -> None:
        entry = self._handlers.get(fd)
        if entry is None or entry[1] == events:
            return
        old = entry[1]
        entry[1] = events
        if not old:
            self._selector.register(fd, events, entry[0])
        elif not events:
            self._selector.unregister(fd)
        else:
            self._selector.modify(fd, events, entry[0])

    def want_read(self, fd: int, on: bool) -> None:
        entry = self._handlers.get(fd)
        if entry is not None:
            self.set_events(fd, (entry[1] | _READ) if on else (entry[1] & ~_READ))

    def want_write(self, fd: int, on: bool) -> None:
        entry = self._handlers.get(fd)
        if entry is not None:
            self.set_events(fd, (entry[1] | _WRITE) if on else (entry[1] & ~_WRITE))

    def unregister(self, fd: int) -> None:
        entry = self._handlers.pop(fd, None)
        if entry is not None and entry[1]:
            try:
                self._selector.unregister(fd)
            except (KeyError, ValueError, OSError):
                pass

    def _run(self) -> None:
        _block_async_signals()
        sel = self._selector
        mailbox = self._mailbox
        timers = self._timers
        while not self._stopping:
            timeout: Optional[float] = None
            if timers:
                while timers and timers[0].cancelled:
                    heapq.heappop(timers)
                if timers:
                    timeout = max(0.0, timers[0].when - time.monotonic())
            with self._lock:
                if mailbox:
                    timeout = 0
                else:
                    self._sleeping = True
            try:
                events = sel.select(timeout)
            except InterruptedError:  # pragma: no cover
                events = []
            with self._lock:
                self._sleeping = False
            for key, mask in events:
                handler = key.data
                if handler is None:
                    self._waker.drain()
                    continue
                self._dispatch(handler, mask)
            while mailbox:
                fn, args = mailbox.popleft()
                try:
                    fn(*args)
                except Exception:  # pragma: no cover - a bug, but never kill the loop
                    log.exception("purezmq: error in I/O thread task %r", fn)
            if timers:
                now = time.monotonic()
                while timers and timers[0].when <= now:
                    t = heapq.heappop(timers)
                    if t.cancelled:
                        continue
                    try:
                        t.fn()
                    except Exception:  # pragma: no cover
                        log.exception("purezmq: error in I/O thread timer %r", t.fn)
        sel.close()
        self._waker.close()

    def _dispatch(self, handler: Any, mask: int) -> None:
        try:
            if mask & _READ:
                handler.on_readable()
            if mask & _WRITE and not getattr(handler, "dead", False):
                handler.on_writable()
        except Exception as exc:  # pragma: no cover - handlers catch their own errors
            log.exception("purezmq: unhandled error in %r", handler)
            on_error = getattr(handler, "on_error", None)
            if on_error is not None:
                try:
                    on_error(exc)
                except Exception:
                    log.exception("purezmq: error while handling an error in %r", handler)
