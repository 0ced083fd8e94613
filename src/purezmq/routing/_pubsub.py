"""PUB, SUB, XPUB and XSUB (RFC 29, with libzmq 4.0's behaviour).

Theory of operation
-------------------
Subscriptions travel as single-frame messages ``\\x01topic`` / ``\\x00topic`` on every ZMTP
version (ZMTP 3.1 SUBSCRIBE/CANCEL commands are turned into the same messages by the engine).

* PUB/XPUB read their peers' pipes *eagerly* — whenever the socket processes commands — so
  the subscriber map is current when the next message is published. A publisher filters: each
  message goes only to the peers subscribed to a prefix of its first frame, and a peer whose
  pipe is full simply misses it (PUB never blocks). Messages a PUB's peers send that are not
  subscriptions are dropped (libzmq 4.0 kept them forever).
* XPUB also queues, for its application, every subscription that changes the topic set (every
  one with XPUB_VERBOSE), the unsubscriptions implied by a peer leaving, and upstream data
  from XSUB peers. Upstream data is bounded by RCVHWM: beyond it a peer's pipe is left
  unread (back-pressure) until the application catches up — but subscriptions at the head of
  a pipe are still applied and queued, so the subscriber map stays current even when the
  application never reads (libzmq keeps its queue of them unbounded too).
* Fan-out is queue-once for ZMTP 2.0/3.0 subscribers without CURVE (``link.wire``): their
  outbound pipe becomes a :class:`FanPipe` reading the socket's shared :class:`FanOut` log
  (see ``purezmq._fanout``), so a message is encoded once and appended once, whatever the
  number of subscribers. Other peers (inproc, ZMTP 1.0, CURVE) get a pipe write each.
* SUB/XSUB keep a refcounted filter set and send it to every new publisher, and again after
  every reconnect, bypassing the HWM so a subscription is never silently lost (libzmq 4.0 lost
  them at SNDHWM). SUB filters what it receives; XSUB does not. XSUB sends anything that is
  not a subscription upstream to all publishers, multipart intact.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Callable, List, Optional

from .._fanout import FanOut, FanPipe
from .._pipe import DELIMITER, RESYNC, Link, Pipe
from ..constants import ENOTSUP
from ..error import _raise
from ..zmtp._frames import ZEROCOPY_MIN, encode_wire
from ._sockets import Message, Routing
from ._trie import SubscriberMap, SubscriptionSet


def _subscription(msg: Message) -> Optional[bool]:
    """True for a subscribe, False for an unsubscribe, None for ordinary data."""
    if len(msg) != 1:
        return None
    frame = msg[0]
    if not len(frame):
        return None
    first = frame[0]
    if first == 1:
        return True
    if first == 0:
        return False
    return None


class Pub(Routing):
    """PUB: fan out to subscribers; never blocks; reads subscriptions only."""

    always_writable = True
    _queues_upstream = False

    def __init__(self, options: Any, rng: Callable[[int], int]) -> None:
        super().__init__(options, rng)
        self.subs = SubscriberMap()
        self._targets: Any = ()
        self._pending: deque = deque()
        self.fan = FanOut()
        #: Attached peers that are not FanOut members (each gets its own pipe writes).
        self._plain = 0

    # -- peers --------------------------------------------------------------------------
    def attach(self, link: Link) -> bool:
        link.attached = True
        self.links.append(link)
        out = link.out
        if link.wire and type(out) is Pipe and not len(out) and not out.closed:
            # Nothing has written to this pipe yet (only we do): its reader, the engine,
            # reads the shared log from now on.
            fp = FanPipe.replacing(out)
            self.fan.join(fp)
            link.out = fp
            if link.peer is not None:
                link.peer.inp = fp
        else:
            self._plain += 1
        self._drain(link)
        return True

    def link_ended(self, link: Link) -> None:
        if not link.attached:
            return
        out = link.out
        if type(out) is FanPipe:
            self.fan.leave(out)
        else:
            self._plain -= 1
        gone = self.subs.remove_link(link)
        self._on_unheld(gone)
        super().link_ended(link)

    def _on_unheld(self, topics: List[bytes]) -> None:
        pass

    def peer_closed(self, link: Link) -> None:
        super().peer_closed(link)
        out = link.out
        if type(out) is FanPipe:
            # Its connection is gone: nothing will read the log for it any more (this also
            # covers a connection that died before we attached it: its session could only
            # tell the pipe that was there before the swap).
            out.reader_done()

    def hiccup(self, link: Link) -> None:
        """Nothing to do here: the session put RESYNC in the inbound pipe, in order."""

    def activate_in(self, link: Link) -> None:
        if link.attached:
            self._drain(link)

    def activate_out(self, link: Link) -> None:
        pass

    def _drain(self, link: Link) -> None:
        """Read a peer's pipe now: subscriptions update the map (and XPUB's queue)."""
        inp = link.inp
        read = inp.read
        while True:
            if self._queues_upstream and self._queue_full():
                # Upstream data waits in the pipe (back-pressure) until recv() comes back
                # for it; subscriptions are applied regardless (as libzmq does), or a
                # publisher whose application never reads would stop honouring them.
                head = inp.peek()
                if head is None:
                    return
                if head is not DELIMITER and _subscription(head) is None:
                    if not link.in_active:
                        link.in_active = True
                        self.fq.active.append(link)
                    return
            msg = read()
            if msg is None:
                return
            if msg is DELIMITER:
                self.link_ended(link)
                return
            if msg is RESYNC:
                # Our connection to this subscriber was remade: what the old connection
                # subscribed to is gone; the new one sends its list after this marker.
                self._on_unheld(self.subs.remove_link(link))
                continue
            kind = _subscription(msg)
            if kind is None:
                self._upstream(msg)
                continue
            topic = bytes(msg[0][1:])
            if kind:
                new = self.subs.add(topic, link)
                self._on_subscribe(msg, new)
            elif self.subs.remove(topic, link):
                self._on_unsubscribe(msg)

    def _queue_full(self) -> bool:
        hwm = self.options.rcvhwm
        return bool(hwm) and len(self._pending) >= hwm

    def _upstream(self, msg: Message) -> None:
        pass  # a PUB drops what its peers send (libzmq 4.0 hoarded it)

    def _on_subscribe(self, msg: Message, new: bool) -> None:
        pass

    def _on_unsubscribe(self, msg: Message) -> None:
        pass

    # -- sending ------------------------------------------------------------------------
    def begin(self, frame: Any, more: bool) -> bool:
        self._targets = self.subs.match(frame)
        return True

    def end(self, msg: Message) -> None:
        targets = self._targets
        self._targets = ()
        self._publish(msg, targets)

    def send(self, msg: Message) -> bool:
        self._publish(msg, self.subs.match(msg[0]))
        return True

    def _publish(self, msg: Message, targets: Any) -> None:
        """Fan a message out; a full pipe just misses it (PUB never blocks).

        A small message is encoded once: the same bytes go to every ZMTP connection that
        takes them (``link.wire``), through the shared log when they all match.
        """
        if not targets:
            return
        fan = self.fan
        entry: Any = msg
        heavy = True  # frame lists the log lets go of early (large or tracked)
        if (
            type(msg) is list
            and (len(msg[0]) if len(msg) == 1 else sum(map(len, msg))) < ZEROCOPY_MIN
        ):
            heavy = False
            if len(targets) > 1:
                entry = encode_wire(msg)  # once, for every ZMTP peer
        if not self._plain and len(targets) == len(fan.members):
            fan.broadcast(entry, heavy)  # every peer takes it: append once
            return
        wire = entry if type(entry) is bytes else None
        mine: List[Any] = []
        for link in targets:
            out = link.out
            if type(out) is FanPipe:
                mine.append(out)
            else:
                out.write(wire if wire is not None and link.wire else msg)
        if mine:
            if len(mine) == len(fan.members):
                fan.broadcast(entry, heavy)
            else:
                fan.targeted(entry, mine, heavy)

    def has_out(self) -> bool:
        return True

    def recv(self) -> Optional[Message]:
        _raise(ENOTSUP)

    def has_in(self) -> bool:
        return False


class XPub(Pub):
    """XPUB: a PUB whose application also receives the subscriptions (and upstream data)."""

    _queues_upstream = True

    def _on_subscribe(self, msg: Message, new: bool) -> None:
        if new or self.options.xpub_verbose:
            self._pending.append(msg)

    def _on_unsubscribe(self, msg: Message) -> None:
        self._pending.append(msg)

    def _on_unheld(self, topics: List[bytes]) -> None:
        for topic in topics:
            self._pending.append([b"\x00" + topic])

    def _upstream(self, msg: Message) -> None:
        self._pending.append(msg)

    def recv(self) -> Optional[Message]:
        pending = self._pending
        if not pending:
            self._refill()
        return pending.popleft() if pending else None

    def _refill(self) -> None:
        """Resume reading peers parked because the queue was full."""
        active = self.fq.active
        while active and not self._queue_full():
            link = active.pop()
            link.in_active = False
            self._drain(link)

    def has_in(self) -> bool:
        if not self._pending:
            self._refill()
        return bool(self._pending)


class Sub(Routing):
    """SUB: fair-queued receive filtered by the local subscriptions."""

    def __init__(self, options: Any, rng: Callable[[int], int]) -> None:
        super().__init__(options, rng)
        self.filters = SubscriptionSet()

    def attach(self, link: Link) -> bool:
        link.attached = True
        self.links.append(link)
        self.fq.attach(link)
        self.resend(link)
        return True

    def resend(self, link: Link) -> None:
        """Send the whole subscription list to a (re)connected publisher."""
        out = link.out
        for topic, count in list(self.filters.topics.items()):
            for _ in range(count):
                out.force_write([b"\x01" + topic])

    def subscribe(self, topic: bytes) -> None:
        self.filters.add(topic)
        self._bind_recv()
        self._to_publishers([b"\x01" + topic])

    def unsubscribe(self, topic: bytes) -> None:
        if self.filters.remove(topic):
            self._bind_recv()
            self._to_publishers([b"\x00" + topic])

    def _bind_recv(self) -> None:
        """Subscribed to everything, a SUB receives straight from its fair queue."""
        if type(self) is Sub:
            if b"" in self.filters.topics:
                self.recv = self.fq.recv  # type: ignore[method-assign]
            else:
                self.__dict__.pop("recv", None)

    def _to_publishers(self, msg: Message) -> None:
        """Subscriptions bypass the HWM: losing one silently is worse than a long queue."""
        for link in self.links:
            if not link.peer_closed:
                link.out.force_write(list(msg))

    def hiccup(self, link: Link) -> None:
        """A publisher reconnected: drop what was queued for the old connection, resend."""
        link.out.force_write(RESYNC)
        self.resend(link)

    def recv(self) -> Optional[Message]:
        filters = self.filters
        recv = self.fq.recv
        while True:
            msg = recv()
            if msg is None:
                return None
            if filters.matches(msg[0]):
                return msg

    def has_in(self) -> bool:
        # Peek without consuming: drop non-matching heads so POLLIN means "recv works".
        filters = self.filters
        for link in list(self.fq.active):
            inp = link.inp
            while True:
                head = inp.peek()
                if head is None or head is DELIMITER:
                    break
                if filters.matches(head[0]):
                    return True
                inp.read()
        return self.fq.has_in()

    def begin(self, frame: Any, more: bool) -> bool:
        _raise(ENOTSUP)

    def send(self, msg: Message) -> bool:
        _raise(ENOTSUP)


class XSub(Sub):
    """XSUB: subscriptions are messages the application sends; no local filtering."""

    def begin(self, frame: Any, more: bool) -> bool:
        return True

    def end(self, msg: Message) -> None:
        kind = _subscription(msg)
        if kind is None:
            # Upstream data, multipart intact, to every publisher with room.
            for link in self.links:
                if not link.peer_closed:
                    link.out.write(msg)  # shared, never mutated by readers
            return
        topic = bytes(msg[0][1:])
        if kind:
            self.filters.add(topic)
            self._to_publishers(msg)
        elif self.filters.remove(topic):
            self._to_publishers(msg)

    def send(self, msg: Message) -> bool:
        self.end(msg)
        return True

    def recv(self) -> Optional[Message]:
        return self.fq.recv()

    def has_in(self) -> bool:
        return self.fq.has_in()

    def has_out(self) -> bool:
        return True

    always_writable = True
