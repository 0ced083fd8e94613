"""pyzmq's zero-copy reference keeper (``zmq.utils.garbage``).

In pyzmq, a zero-copy send hands libzmq a pointer into a Python object, and the object
must stay alive until libzmq's free callback runs on an I/O thread. pyzmq keeps such
objects in ``gc.refs`` and a background thread drops them when the free callback pushes
their key (a packed ``size_t``) to an inproc PULL socket.

purezmq never lends Python memory to C, so it does not need this; the module exists so
``import zmq.utils.garbage`` and code using ``gc.store()`` keep working. The collector is
a faithful, self-contained version: ``store(obj, event)`` keeps ``obj`` until its key is
pushed to :attr:`GarbageCollector.url`, then sets ``event``.
"""

from __future__ import annotations

import atexit
import os
import struct
import threading
import warnings
from typing import Any, Dict, NamedTuple, Optional

__all__ = ["GarbageCollector", "GarbageCollectorThread", "gc", "gcref"]


class gcref(NamedTuple):  # noqa: N801 - pyzmq's name
    obj: object
    event: Optional[threading.Event]


class GarbageCollectorThread(threading.Thread):
    """The thread that releases references whose keys arrive on the PULL socket."""

    def __init__(self, gc: "GarbageCollector") -> None:
        super().__init__(name="purezmq-gc", daemon=True)
        self.gc = gc
        self.pid = os.getpid()
        self.ready = threading.Event()

    def run(self) -> None:
        if os.getpid() != self.pid:  # started in a forked child by accident: do nothing
            self.ready.set()
            return
        from .. import PULL

        try:
            sock = self.gc.context.socket(PULL)
            sock.linger = 0
            sock.bind(self.gc.url)
        finally:
            self.ready.set()
        try:
            while os.getpid() == self.pid:
                msg = sock.recv()
                if msg == b"DIE":
                    break
                (key,) = struct.unpack("L" if len(msg) == 4 else "Q", msg)
                ref = self.gc.refs.pop(key, None)
                if ref is not None and ref.event is not None:
                    ref.event.set()
        finally:
            sock.close()


class GarbageCollector:
    """Keeps objects alive until their key is pushed to :attr:`url` (see module doc)."""

    url = "inproc://pyzmq.gc.01"

    def __init__(self, context: Any = None) -> None:
        self.refs: Dict[int, gcref] = {}
        self.pid: Optional[int] = None
        self.thread: Optional[GarbageCollectorThread] = None
        self._context = context
        self._lock = threading.Lock()
        self._stay_down = False
        self._push: Any = None
        atexit.register(self._atexit)

    @property
    def context(self) -> Any:
        if self._context is None:
            from .. import Context

            self._context = Context()
        return self._context

    @context.setter
    def context(self, ctx: Any) -> None:
        if self.is_alive():
            if self.refs:
                warnings.warn(
                    "Replacing gc context while gc is running", RuntimeWarning, stacklevel=2
                )
            self.stop()
        self._context = ctx

    def _atexit(self) -> None:
        self._stay_down = True
        self.stop()

    def is_alive(self) -> bool:
        """Whether the thread runs in this process (False after a fork)."""
        return self.thread is not None and self.pid == os.getpid() and self.thread.is_alive()

    def start(self) -> None:
        """Start the collector thread (and its context) in this process."""
        if self.thread is not None and self.pid != os.getpid():
            self._clear()  # a fork left the parent's state behind
        self.pid = os.getpid()
        self.refs = {}
        self.thread = GarbageCollectorThread(self)
        self.thread.start()
        self.thread.ready.wait()

    def stop(self) -> None:
        """Stop the collector thread and terminate its context."""
        if not self.is_alive():
            return
        from .. import PUSH

        push = self.context.socket(PUSH)
        push.connect(self.url)
        push.send(b"DIE")
        push.close()
        if self._push is not None:
            self._push.close()
        assert self.thread is not None
        self.thread.join()
        self.context.term()
        self._clear()

    def _clear(self) -> None:
        self._push = None
        self.thread = None
        self.refs.clear()
        self._context = None

    @property
    def _push_socket(self) -> Any:
        """A PUSH connected to :attr:`url` (what a free callback would send keys on)."""
        if self._stay_down:
            raise RuntimeError("zmq gc socket requested during shutdown")
        if not self.is_alive() or self._push is None:
            from .. import PUSH

            self._push = self.context.socket(PUSH)
            self._push.connect(self.url)
        return self._push

    def store(self, obj: object, event: Optional[threading.Event] = None) -> int:
        """Keep ``obj`` (and ``event``, set on release) alive; return its key."""
        if not self.is_alive():
            if self._stay_down:
                return 0
            with self._lock:
                if not self.is_alive():
                    self.start()
        ref = gcref(obj, event)
        key = id(ref)
        self.refs[key] = ref
        return key

    def __del__(self) -> None:
        if self.is_alive():
            self.stop()


gc = GarbageCollector()
