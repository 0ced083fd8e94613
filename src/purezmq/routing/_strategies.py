"""The routing strategies socket types are built from: load-balance and fair-queue.

Both keep only the links that can currently make progress in an ``active`` list, so a socket
with a thousand idle peers does no work for them. A link leaves the list when its pipe refuses
(full for writing, empty for reading) and comes back when the pipe's transition wake-up
reaches the socket (``activate``). All methods run under the owning socket's lock.
"""

from __future__ import annotations

from typing import Any, List, Optional

from .._pipe import DELIMITER, Link


class LoadBalancer:
    """Round-robin over the links whose outbound pipe has room (libzmq's lb_t)."""

    __slots__ = ("active", "_cur")

    def __init__(self) -> None:
        self.active: List[Link] = []
        self._cur = 0

    def attach(self, link: Link) -> None:
        if not link.out_active:
            link.out_active = True
            self.active.append(link)

    def detach(self, link: Link) -> None:
        if link.out_active:
            link.out_active = False
            i = self.active.index(link)
            del self.active[i]
            if i < self._cur:
                self._cur -= 1  # keep pointing at the same next peer

    activate = attach

    def _drop(self, i: int) -> None:
        active = self.active
        active[i].out_active = False
        last = active.pop()
        if i < len(active):
            active[i] = last

    def pick(self) -> Optional[Link]:
        """The next link with room, or None (each full link is parked until it wakes us)."""
        active = self.active
        while active:
            i = self._cur
            if i >= len(active):
                i = 0
            link = active[i]
            out = link.out
            if out.can_write() or out.check_write():
                self._cur = i + 1
                return link
            self._drop(i)
            self._cur = i
        return None

    def send(self, msg: Any) -> bool:
        """Write a whole message to the next link with room; False if none has room."""
        active = self.active
        while active:
            i = self._cur
            if i >= len(active):
                i = 0
            link = active[i]
            if link.out.write(msg):
                self._cur = i + 1
                return True
            self._drop(i)
            self._cur = i
        return False

    def has_out(self) -> bool:
        active = self.active
        i = 0
        while i < len(active):
            out = active[i].out
            if out.can_write() or out.check_write():
                return True
            self._drop(i)
        return False


class FairQueue:
    """Round-robin over the links with inbound messages (libzmq's fq_t).

    ``on_end`` is called with a link whose inbound pipe delivered its DELIMITER: the peer
    closed and everything it sent has been read.
    """

    __slots__ = ("active", "_cur", "last", "on_end")

    def __init__(self, on_end: Any) -> None:
        self.active: List[Link] = []
        self._cur = 0
        #: The link the last message came from (REP and REQ reply routing).
        self.last: Optional[Link] = None
        self.on_end = on_end

    def attach(self, link: Link) -> None:
        if not link.in_active:
            link.in_active = True
            self.active.append(link)

    activate = attach

    def detach(self, link: Link) -> None:
        if link.in_active:
            link.in_active = False
            i = self.active.index(link)
            del self.active[i]
            if i < self._cur:
                self._cur -= 1

    def _drop(self, i: int) -> None:
        active = self.active
        active[i].in_active = False
        last = active.pop()
        if i < len(active):
            active[i] = last

    def recv(self) -> Any:
        """The next whole message, fairly, or None if no link has one."""
        active = self.active
        if len(active) == 1:
            # One peer (the common case): no rotation to keep.
            link = active[0]
            msg = link.inp.read()
            if msg is not None and msg is not DELIMITER:
                self.last = link
                return msg
            self._lost(0, link, msg)
        while active:
            i = self._cur
            if i >= len(active):
                i = 0
            link = active[i]
            msg = link.inp.read()
            if msg is None or msg is DELIMITER:
                self._lost(i, link, msg)
                continue
            self._cur = i + 1
            self.last = link
            return msg
        return None

    def _lost(self, i: int, link: Link, msg: Any) -> None:
        """``active[i]`` ran dry (``msg`` None) or ended (DELIMITER): it leaves the set."""
        self._drop(i)
        self._cur = i
        if msg is DELIMITER:
            self.on_end(link)

    def has_in(self) -> bool:
        active = self.active
        i = 0
        while i < len(active):
            link = active[i]
            head = link.inp.peek()
            if head is None:
                self._drop(i)
            elif head is DELIMITER:
                link.inp.read()
                self._drop(i)
                self.on_end(link)
            else:
                return True
        return False
