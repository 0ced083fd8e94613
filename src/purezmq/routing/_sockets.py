"""Socket-type routing: what each ZeroMQ socket type does with outgoing and incoming messages.

Theory of operation
-------------------
A routing object is the sans-I/O heart of one socket (RFC 28, 30, 31 semantics as libzmq 4.0
implements them). The socket core owns it and calls it with the socket lock held:

* ``attach(link)`` / ``link_ended(link)`` as peers come and go; ``activate_in`` /
  ``activate_out`` when a pipe's wake-up says a parked link can make progress again;
* sending is two-phase so multipart messages keep libzmq's per-frame error behaviour:
  ``begin(first_frame)`` decides *now* whether a message can be sent (returns False for
  "would block", raises ZMQError for EFSM/EHOSTUNREACH/ENOTSUP) and picks its destination;
  ``end(frames)`` delivers the whole message, which therefore travels atomically;
* ``recv()`` returns one whole message or None (would block);
* ``has_in()`` / ``has_out()`` answer ZMQ_EVENTS.

Messages are lists of frames; the lists handed to ``end`` and returned by ``recv`` become the
property of the receiver (no defensive copies on the hot path).
"""

from __future__ import annotations

import struct
from typing import Any, Callable, Dict, List, Optional, Type

from .._pipe import Link
from ..constants import EFSM, EHOSTUNREACH, ENOTSUP
from ..error import _raise
from ._strategies import FairQueue, LoadBalancer

Message = List[Any]


class Routing:
    """Base class; the defaults are those of a type that can neither send nor receive."""

    #: True for types whose ZMQ_EVENTS always include POLLOUT.
    always_writable = False
    #: STREAM: a message is exactly [id, data], whatever MORE says on the data frame.
    frames_per_message = 0

    def __init__(self, options: Any, rng: Callable[[int], int]) -> None:
        self.options = options
        self._rng = rng
        self.fq = FairQueue(self._fq_end)
        self.lb = LoadBalancer()
        self.links: List[Link] = []
        #: Set by the socket core: close a link from our side (REQ_RELAXED, PAIR refusals).
        self.terminate: Callable[[Link], None] = lambda link: None

    # -- peers --------------------------------------------------------------------------
    def attach(self, link: Link) -> bool:
        """Adopt a new peer; False means the socket refuses it (the caller closes it)."""
        link.attached = True
        self.links.append(link)
        self.fq.attach(link)
        self.lb.attach(link)
        return True

    def link_ended(self, link: Link) -> None:
        """The peer is gone for good: forget it everywhere."""
        if not link.attached:
            return
        link.attached = False
        self.fq.detach(link)
        self.lb.detach(link)
        try:
            self.links.remove(link)
        except ValueError:
            pass

    def peer_closed(self, link: Link) -> None:
        """The peer stopped reading: no more sends to it (its messages may still be read)."""
        self.lb.detach(link)

    def _fq_end(self, link: Link) -> None:
        self.link_ended(link)

    def activate_in(self, link: Link) -> None:
        if link.attached:
            self.fq.activate(link)

    def activate_out(self, link: Link) -> None:
        if link.attached and not link.peer_closed:
            self.lb.activate(link)

    def hiccup(self, link: Link) -> None:
        """A connecting link got a new connection after an outage (see SUB/XSUB, PUB)."""

    # -- sending ------------------------------------------------------------------------
    def begin(self, frame: Any, more: bool) -> bool:
        _raise(ENOTSUP)

    def end(self, msg: Message) -> None:  # pragma: no cover - begin() refused already
        _raise(ENOTSUP)

    def send(self, msg: Message) -> bool:
        """A whole message at once: begin + end (overridden where one call is cheaper)."""
        if not self.begin(msg[0], len(msg) > 1):
            return False
        self.end(msg)
        return True

    # -- receiving ----------------------------------------------------------------------
    def recv(self) -> Optional[Message]:
        _raise(ENOTSUP)

    def has_in(self) -> bool:
        return False

    def has_out(self) -> bool:
        return False

    def last_link(self) -> Optional[Link]:
        return self.fq.last


class _LbFq(Routing):
    """Round-robin out, fair-queue in: DEALER, and the base of PUSH, PULL and PAIR."""

    #: The peer ``begin`` picked for the message ``end`` delivers.
    _target: Optional[Link]

    def __init__(self, options: Any, rng: Callable[[int], int]) -> None:
        super().__init__(options, rng)
        # Bound straight to the strategies: one call less per message.
        if type(self).send is _LbFq.send:
            self.send = self.lb.send  # type: ignore[method-assign]
        if type(self).recv is _LbFq.recv:
            self.recv = self.fq.recv  # type: ignore[method-assign]

    def begin(self, frame: Any, more: bool) -> bool:
        link = self.lb.pick()
        if link is None:
            return False
        self._target = link
        return True

    def end(self, msg: Message) -> None:
        target = self._target
        assert target is not None  # begin() picked it
        target.out.force_write(msg)
        self._target = None

    def send(self, msg: Message) -> bool:
        return self.lb.send(msg)

    def recv(self) -> Optional[Message]:
        return self.fq.recv()

    def has_in(self) -> bool:
        return self.fq.has_in()

    def has_out(self) -> bool:
        return self.lb.has_out()


class Dealer(_LbFq):
    pass


class Push(_LbFq):
    def recv(self) -> Optional[Message]:
        _raise(ENOTSUP)

    def has_in(self) -> bool:
        return False


class Pull(_LbFq):
    def begin(self, frame: Any, more: bool) -> bool:
        _raise(ENOTSUP)

    def send(self, msg: Message) -> bool:
        _raise(ENOTSUP)

    def has_out(self) -> bool:
        return False


class Pair(_LbFq):
    """Exactly one peer; any further peer is refused at attach."""

    def attach(self, link: Link) -> bool:
        if self.links:
            return False
        return super().attach(link)


class Req(_LbFq):
    """Strict send/recv alternation, with REQ_CORRELATE and REQ_RELAXED (libzmq 4.0)."""

    def __init__(self, options: Any, rng: Callable[[int], int]) -> None:
        super().__init__(options, rng)
        self.receiving = False
        self._reply_link: Optional[Link] = None
        self._request_id = rng(32)
        self._target: Optional[Link] = None

    def begin(self, frame: Any, more: bool) -> bool:
        if self.receiving:
            if not self.options.req_relaxed:
                _raise(EFSM)
            # Abandon the outstanding request: its peer's pipe is terminated so a late reply
            # can never be mistaken for the answer to the next request.
            old = self._reply_link
            self._reply_link = None
            self.receiving = False
            if old is not None and old.attached:
                self.terminate(old)
        link = self.lb.pick()
        if link is None:
            return False
        self._target = link
        return True

    def end(self, msg: Message) -> None:
        link = self._target
        self._target = None
        # Stale replies queued from any peer are discarded (libzmq 4.0 does the same).
        for other in self.links:
            if len(other.inp):
                other.inp.drain()
        if self.options.req_correlate:
            self._request_id = (self._request_id + 1) & 0xFFFFFFFF
            head = [struct.pack("=I", self._request_id), b""]
        else:
            head = [b""]
        assert link is not None
        msg[0:0] = head  # in place: a tracked message must stay the same object
        link.out.force_write(msg)
        self._reply_link = link
        self.receiving = True

    def send(self, msg: Message) -> bool:
        if not self.begin(msg[0], len(msg) > 1):
            return False
        self.end(msg)
        return True

    def recv(self) -> Optional[Message]:
        if not self.receiving:
            _raise(EFSM)
        while True:
            msg = self.fq.recv()
            if msg is None:
                return None
            if self.fq.last is not self._reply_link:
                continue
            if self.options.req_correlate:
                if (
                    len(msg) < 3
                    or msg[0] != struct.pack("=I", self._request_id)
                    or len(msg[1]) != 0
                ):
                    continue
                body = msg[2:]
            else:
                if len(msg) < 2 or len(msg[0]) != 0:
                    continue
                body = msg[1:]
            self.receiving = False
            self._reply_link = None
            return body

    def has_in(self) -> bool:
        return self.receiving and self.fq.has_in()

    def has_out(self) -> bool:
        return (not self.receiving or bool(self.options.req_relaxed)) and self.lb.has_out()


class Rep(Routing):
    """Receives requests fairly and routes each reply back with its envelope."""

    def __init__(self, options: Any, rng: Callable[[int], int]) -> None:
        super().__init__(options, rng)
        self.sending = False
        self._envelope: Message = []
        self._reply_link: Optional[Link] = None

    def attach(self, link: Link) -> bool:
        link.attached = True
        self.links.append(link)
        self.fq.attach(link)
        return True

    def recv(self) -> Optional[Message]:
        if self.sending:
            _raise(EFSM)
        while True:
            msg = self.fq.recv()
            if msg is None:
                return None
            i = next((k for k, frame in enumerate(msg) if not len(frame)), -1)
            if i < 0 or i + 1 >= len(msg):
                continue  # no delimiter (not a request) or nothing after it: discard
            self._envelope = msg[: i + 1]
            self._reply_link = self.fq.last
            self.sending = True
            return msg[i + 1 :]

    def begin(self, frame: Any, more: bool) -> bool:
        if not self.sending:
            _raise(EFSM)
        return True

    def end(self, msg: Message) -> None:
        link = self._reply_link
        envelope = self._envelope
        self._reply_link = None
        self._envelope = []
        self.sending = False
        if link is not None and link.attached and not link.peer_closed:
            # The reply is dropped if the requester's pipe is full (libzmq does the same).
            msg[0:0] = envelope
            link.out.write(msg)

    def has_in(self) -> bool:
        return not self.sending and self.fq.has_in()

    def has_out(self) -> bool:
        return self.sending


class Router(Routing):
    """Routes by the first frame (the peer's identity), prepends it on receipt."""

    always_writable = True

    def __init__(self, options: Any, rng: Callable[[int], int]) -> None:
        super().__init__(options, rng)
        self.by_id: Dict[bytes, Link] = {}
        self._next_id = rng(32)
        self._target: Optional[Link] = None
        self._dropping = False

    def _auto_id(self) -> bytes:
        while True:
            self._next_id = (self._next_id + 1) & 0xFFFFFFFF
            ident = b"\x00" + self._next_id.to_bytes(4, "big")
            if ident not in self.by_id:
                return ident

    def attach(self, link: Link) -> bool:
        ident = link.identity
        if ident:
            if ident in self.by_id:
                # libzmq 4.0 keeps the newcomer as an anonymous black hole; purezmq refuses
                # the connection instead, which the peer (and a monitor) can see.
                return False
        else:
            ident = self._auto_id()
            link.identity = ident
        self.by_id[ident] = link
        link.attached = True
        self.links.append(link)
        self.fq.attach(link)
        return True

    def link_ended(self, link: Link) -> None:
        if link.attached and self.by_id.get(link.identity) is link:
            del self.by_id[link.identity]
        super().link_ended(link)

    def activate_out(self, link: Link) -> None:
        pass  # ROUTER does not park links; a full pipe drops or says EAGAIN

    def begin(self, frame: Any, more: bool) -> bool:
        if not more:
            # A message made of just an identity is dropped (libzmq does the same).
            self._target = None
            self._dropping = True
            return True
        link = self.by_id.get(bytes(frame))
        mandatory = self.options.router_mandatory
        if link is None or link.peer_closed:
            if mandatory:
                _raise(EHOSTUNREACH)
            self._target = None
            self._dropping = True
            return True
        if not (link.out.can_write() or link.out.check_write()):
            if mandatory:
                return False
            self._target = None
            self._dropping = True
            return True
        self._target = link
        self._dropping = False
        return True

    def end(self, msg: Message) -> None:
        link = self._target
        self._target = None
        if self._dropping or link is None:
            self._dropping = False
            return
        del msg[0]
        if msg:
            link.out.force_write(msg)

    def send(self, msg: Message) -> bool:
        if not self.begin(msg[0], len(msg) > 1):
            return False
        self.end(msg)
        return True

    def recv(self) -> Optional[Message]:
        msg = self.fq.recv()
        if msg is None:
            return None
        msg.insert(0, self.fq.last.identity)  # type: ignore[union-attr]
        return msg

    def has_in(self) -> bool:
        return self.fq.has_in()

    def has_out(self) -> bool:
        return True

    def wants_writable(self) -> bool:
        return bool(self.options.router_mandatory)


class Stream(Router):
    """STREAM (libzmq 4.0): raw TCP peers, each known by a 5-byte connection id.

    Receives ``[id, data]`` where data is whatever one read returned; sends ``[id, data]``
    (EHOSTUNREACH for an unknown id, EAGAIN when that peer's pipe is full). An empty data
    frame closes that connection (the engine does it once earlier data is written).
    """

    frames_per_message = 2

    def __init__(self, options: Any, rng: Callable[[int], int]) -> None:
        super().__init__(options, rng)
        self.last_id = b""

    def attach(self, link: Link) -> bool:
        link.identity = b""  # always a generated id
        if not super().attach(link):
            return False
        self.last_id = link.identity
        return True

    def begin(self, frame: Any, more: bool) -> bool:
        self._dropping = False
        if not more:
            # An id without a data frame: dropped, as libzmq drops the frame after it.
            self._target = None
            self._dropping = True
            return True
        link = self.by_id.get(bytes(frame))
        if link is None or link.peer_closed:
            _raise(EHOSTUNREACH)
        if not (link.out.can_write() or link.out.check_write()):
            return False
        self._target = link
        return True

    def end(self, msg: Message) -> None:
        link = self._target
        self._target = None
        if self._dropping or link is None or len(msg) < 2:
            self._dropping = False
            return
        link.out.force_write([msg[1]])  # exactly one data frame per id; MORE is ignored
        # libzmq ends a STREAM message after its data frame, so the frames of one
        # send_multipart([id1, data1, id2, data2, ...]) are routed pair by pair (an unknown
        # id or a full pipe drops that pair: the send has already been admitted).
        for i in range(2, len(msg) - 1, 2):
            other = self.by_id.get(bytes(msg[i]))
            if other is not None and not other.peer_closed:
                other.out.write([msg[i + 1]])


ROUTING_TYPES: Dict[int, Type[Routing]] = {
    0: Pair,
    3: Req,
    4: Rep,
    5: Dealer,
    6: Router,
    7: Pull,
    8: Push,
    11: Stream,
}


def _register_pubsub() -> None:
    from ._pubsub import Pub, Sub, XPub, XSub

    ROUTING_TYPES.update({1: Pub, 2: Sub, 9: XPub, 10: XSub})


_register_pubsub()
