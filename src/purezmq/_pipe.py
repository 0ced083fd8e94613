"""Pipes: the bounded message queues that join a socket to its peers.

Theory of operation
-------------------
A :class:`Pipe` carries whole messages (lists of frames) in one direction, from exactly one
writing end to exactly one reading end, each of which may live in any thread. It is libzmq's
ypipe rebuilt for Python:

* **Two deques.** The writer appends to ``_q`` under ``_lock``. The reader pops from its
  private ``_rq`` with no lock at all, and only when that runs dry takes the lock once to swap
  the two deques (an O(1) batch transfer). A busy reader therefore pays one lock per batch.
* **Credit.** The writer counts messages written; the reader publishes how many it has
  consumed whenever it swaps. ``written - published_read`` is what the pipe holds; at ``hwm``
  the writer is refused and marks itself blocked. The reader wakes a blocked writer once the
  pipe has drained to the low-water mark (libzmq's formula), so writers resume in batches.
* **Wake-ups only on transitions.** A reader that finds the pipe empty marks itself asleep
  (under the lock); the next write clears the mark and calls ``reader_wake``. A refused writer
  is woken by ``writer_wake``. Nothing else ever signals, which is what keeps thread hand-offs
  off the hot path.
* **Termination in order.** ``close()`` appends :data:`DELIMITER`; the reader sees it after
  every message written before it, so nothing queued is lost by a close.

:class:`Link` is one end of a pipe pair (a bidirectional connection). Its ``owner`` — a socket,
or the session of a tcp/ipc connection — is told about wake-ups and about the other end
closing through the small :class:`LinkOwner` protocol.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, Callable, Dict, List, Optional, Tuple

try:  # pragma: no cover - typing only
    from typing import Protocol
except ImportError:  # pragma: no cover
    Protocol = object  # type: ignore


class _Delimiter:
    __slots__ = ()

    def __repr__(self) -> str:
        return "DELIMITER"


#: Written by ``Pipe.close``; the last item a reader ever gets from a pipe.
DELIMITER: Any = _Delimiter()


class _Resync:
    __slots__ = ()

    def __repr__(self) -> str:
        return "RESYNC"


#: Written by a SUB/XSUB after its publisher reconnected: the engine drops everything
#: queued before it (stale subscriptions), then sends what follows (the full list).
RESYNC: Any = _Resync()


class TrackedMsg(list):
    """A message carrying zero-copy frames whose senders hold a MessageTracker.

    ``holders`` keeps one small object per tracked frame alive; each holder's finaliser sets
    its frame's tracker event. So a tracker completes exactly when nothing in purezmq — pipe,
    engine output buffer, or a receiving Frame — references the message any more, however
    it ends: written, delivered, or dropped.
    """

    __slots__ = ("holders",)

    holders: List[Any]


def low_water_mark(hwm: int) -> int:
    """libzmq's LWM: HWM - 1024 for large marks, else (HWM + 1) / 2."""
    if hwm > 2048:
        return hwm - 1024
    return (hwm + 1) // 2


class Pipe:
    """A single-writer, single-reader queue of messages with a high-water mark."""

    __slots__ = (
        "_lock",
        "_q",
        "_rq",
        "hwm",
        "lwm",
        "_written",
        "_read",
        "_read_pub",
        "_reader_asleep",
        "_writer_blocked",
        "reader_wake",
        "writer_wake",
        "closed",
        "_limit",
    )

    def __init__(self, hwm: int) -> None:
        self._lock = threading.Lock()
        self._q: deque = deque()
        self._rq: deque = deque()
        self.hwm = hwm
        self.lwm = low_water_mark(hwm)
        self._written = 0
        self._read = 0
        self._read_pub = 0
        self._reader_asleep = True
        self._writer_blocked = False
        self.reader_wake: Callable[[], None] = _noop
        self.writer_wake: Callable[[], None] = _noop
        #: True once the writer has closed the pipe (DELIMITER written).
        self.closed = False
        #: What write() checks: the HWM (0 = none), or -1 once closed.
        self._limit = hwm

    # -- writer side --------------------------------------------------------------------
    def can_write(self) -> bool:
        """A hint without the lock: False may be stale, True may not be (reads only grow)."""
        hwm = self.hwm
        return not hwm or self._written - self._read_pub < hwm

    def check_write(self) -> bool:
        """Exact room check; a refusal marks the writer blocked so it will be woken."""
        with self._lock:
            hwm = self.hwm
            if hwm and self._written - self._read_pub >= hwm and not self.closed:
                self._writer_blocked = True
                return False
            return True

    def write(self, msg: Any) -> bool:
        """Queue a message unless the pipe is at its HWM (then mark the writer blocked)."""
        # Explicit acquire/release and a single test of ``_limit`` (HWM, or -1 once closed):
        # this is the per-message cost of every send.
        lock = self._lock
        lock.acquire()
        limit = self._limit
        if limit and (limit < 0 or self._written - self._read_pub >= limit):
            if limit < 0:
                lock.release()
                return True  # closed: the reader will never look; drop silently
            self._writer_blocked = True
            lock.release()
            return False
        self._q.append(msg)
        self._written += 1
        if self._reader_asleep:
            self._reader_asleep = False
            lock.release()
            self.reader_wake()
            return True
        lock.release()
        return True

    def write_many(self, msgs: Any) -> int:
        """Queue as many of ``msgs`` as the HWM allows; return how many were taken."""
        with self._lock:
            if self.closed:
                return len(msgs)
            hwm = self.hwm
            n = len(msgs)
            if hwm:
                room = hwm - (self._written - self._read_pub)
                if room < n:
                    n = room if room > 0 else 0
                    self._writer_blocked = True
            if not n:
                return 0
            if n == len(msgs):
                self._q.extend(msgs)
            else:
                self._q.extend(msgs[:n])
            self._written += n
            wake = self._reader_asleep
            self._reader_asleep = False
        if wake:
            self.reader_wake()
        return n

    def force_write(self, msg: Any) -> None:
        """Queue a message regardless of the HWM (the rest of an admitted message)."""
        with self._lock:
            if self.closed:
                return
            self._q.append(msg)
            self._written += 1
            wake = self._reader_asleep
            self._reader_asleep = False
        if wake:
            self.reader_wake()

    def close(self) -> None:
        """Write the DELIMITER: the reader gets everything queued so far, then the end."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            self._limit = -1
            self._q.append(DELIMITER)
            wake = self._reader_asleep
            self._reader_asleep = False
        if wake:
            self.reader_wake()

    # -- reader side --------------------------------------------------------------------
    def read(self) -> Any:
        """The next message, DELIMITER once closed and drained, or None when empty."""
        rq = self._rq
        if rq:
            msg = rq.popleft()
            self._read += 1
            # Only a blocked writer needs our progress, and only once it has drained to the
            # low-water mark (an unlocked, conservative pre-check: _written only grows).
            if self._writer_blocked and self._written - self._read <= self.lwm:
                self._publish()
            return msg
        return self._refill(True)

    def _refill(self, consume: bool) -> Any:
        """Reader, private deque empty: take the writer's batch (one lock per batch).

        Returns the head (popped when ``consume``), or None with the reader marked asleep;
        either way the reader's progress is published and a blocked writer woken at the LWM.
        """
        with self._lock:
            self._read_pub = self._read
            q = self._q
            if q:
                self._q = self._rq
                self._rq = q
                if consume:
                    head = q.popleft()
                    self._read += 1
                    self._read_pub = self._read
                else:
                    head = q[0]
            else:
                self._reader_asleep = True
                head = None
            wake = self._writer_blocked and self._written - self._read_pub <= self.lwm
            if wake:
                self._writer_blocked = False
        if wake:
            self.writer_wake()
        return head

    def peek(self) -> Any:
        """The item a read would return, without taking it; None (reader asleep) if empty."""
        rq = self._rq
        if rq:
            return rq[0]
        return self._refill(False)

    def _publish(self) -> None:
        with self._lock:
            self._read_pub = self._read
            wake = self._writer_blocked and self._written - self._read_pub <= self.lwm
            if wake:
                self._writer_blocked = False
        if wake:
            self.writer_wake()

    def drain(self) -> int:
        """Drop everything queued (reader side); return how many messages were dropped."""
        with self._lock:
            n = len(self._q) + len(self._rq)
            self._q.clear()
            self._rq.clear()
            self._read += n
            self._read_pub = self._read
            self._reader_asleep = True
            wake = self._writer_blocked
            self._writer_blocked = False
        if wake:
            self.writer_wake()
        return n

    def __len__(self) -> int:
        return len(self._q) + len(self._rq)

    def reader_done(self) -> None:
        """The reader's connection is gone for good: it will never read again.

        Nothing to do for a pipe (what it holds goes with it); a FanPipe stops holding its
        publisher's shared log."""

    def set_hwm(self, hwm: int) -> None:
        """Change the mark (inproc: the sum rule applies once both ends are known)."""
        with self._lock:
            self.hwm = hwm
            if not self.closed:
                self._limit = hwm
            self.lwm = low_water_mark(hwm)
            wake = self._writer_blocked and (
                not self.hwm or self._written - self._read_pub < self.hwm
            )
            if wake:
                self._writer_blocked = False
        if wake:
            self.writer_wake()


class ConflatePipe(Pipe):
    """CONFLATE: the pipe holds only the most recent message; no HWM, never blocks.

    Both ends take the lock on every operation (the writer replaces what the reader would
    read), which is fine for a pipe that by design never carries a stream.
    """

    __slots__ = ()

    def __init__(self, hwm: int = 0) -> None:
        super().__init__(0)

    def write(self, msg: Any) -> bool:
        with self._lock:
            if self.closed:
                return True
            self._rq.clear()
            self._q.clear()
            self._q.append(msg)
            self._written += 1
            wake = self._reader_asleep
            self._reader_asleep = False
        if wake:
            self.reader_wake()
        return True

    force_write = write  # type: ignore[assignment]

    def write_many(self, msgs: Any) -> int:
        if msgs:
            self.write(msgs[-1])
        return len(msgs)

    def read(self) -> Any:
        with self._lock:
            q = self._q
            if not q:
                self._reader_asleep = True
                return None
            self._read += 1
            self._read_pub = self._read
            return q.popleft()

    def peek(self) -> Any:
        with self._lock:
            q = self._q
            if not q:
                self._reader_asleep = True
                return None
            return q[0]

    def __len__(self) -> int:
        return len(self._q)


def _noop() -> None:
    pass


class LinkOwner(Protocol):
    """What a socket or a session must offer to the links it owns."""

    def link_readable(self, link: "Link") -> None:
        """``link.inp`` went from empty to non-empty while we were asleep on it."""

    def link_writable(self, link: "Link") -> None:
        """``link.out`` drained below its low-water mark after refusing us."""

    def link_peer_closed(self, link: "Link") -> None:
        """The other end closed; ``link.inp`` still yields what it sent, then DELIMITER."""


class Link:
    """One end of a bidirectional connection made of two pipes."""

    __slots__ = (
        "out",
        "inp",
        "peer",
        "owner",
        "identity",
        "metadata",
        "endpoint",
        "closed",
        "peer_closed",
        "in_active",
        "out_active",
        "attached",
        "data",
        "wire",
        "__weakref__",
    )

    def __init__(self, out: Pipe, inp: Pipe) -> None:
        self.out = out
        self.inp = inp
        self.peer: Optional[Link] = None
        self.owner: Any = None
        #: Routing id of the peer (ROUTER), or the identity the peer announced.
        self.identity = b""
        #: The peer's properties (ZMTP metadata, ZAP User-Id ...), for Frame.get().
        self.metadata: Dict[str, Any] = {}
        self.endpoint = ""
        self.closed = False
        self.peer_closed = False
        #: Routing bookkeeping owned by the socket type (fq / lb membership).
        self.in_active = False
        self.out_active = False
        self.attached = False
        #: Free slot for the owner (e.g. the session behind a tcp link).
        self.data: Any = None
        #: The reader is a ZMTP 2.0/3.0 engine without CURVE, for good: it takes messages
        #: already encoded (bytes) as well as frame lists (PUB encodes once for many).
        self.wire = False

    @staticmethod
    def pair(hwm_ab: int, hwm_ba: int, conflate: bool = False) -> Tuple["Link", "Link"]:
        """Two connected ends ``a`` and ``b``: what ``a`` writes ``b`` reads and back."""
        kind = ConflatePipe if conflate else Pipe
        ab = kind(hwm_ab)
        ba = kind(hwm_ba)
        a = Link(ab, ba)
        b = Link(ba, ab)
        a.peer = b
        b.peer = a
        ab.reader_wake = b._readable
        ab.writer_wake = a._writable
        ba.reader_wake = a._readable
        ba.writer_wake = b._writable
        return a, b

    def _readable(self) -> None:
        owner = self.owner
        if owner is not None:
            owner.link_readable(self)

    def _writable(self) -> None:
        owner = self.owner
        if owner is not None:
            owner.link_writable(self)

    def close(self) -> None:
        """We are done writing: the peer drains what we sent, then sees the end."""
        if self.closed:
            return
        self.closed = True
        self.out.close()
        peer = self.peer
        if peer is not None:
            peer.peer_closed = True
            owner = peer.owner
            if owner is not None:
                owner.link_peer_closed(peer)

    def __repr__(self) -> str:
        return f"<Link {self.endpoint or '?'} id={self.identity!r} closed={self.closed}>"
