"""Prefix subscriptions: the SUB-side filter and the PUB-side subscriber map (RFC 29).

Theory of operation
-------------------
libzmq keeps subscriptions in a byte trie. In Python a trie walk costs one dict lookup per
byte of every message, so these structures index subscriptions by topic in a dict and keep a
count of the *distinct topic lengths* in use: a message matches if ``msg[:n]`` is a stored
topic for some length ``n`` — one slice and one lookup per distinct length, usually a handful
even with tens of thousands of topics. The empty topic (length 0) matches everything.

Everything is iterative and bounded by the input (no recursion on peer-controlled data, the
libzmq 4.0.10 stack-overflow lesson). Counts make duplicate subscribes need matching
unsubscribes.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Set


class _Lengths:
    """A multiset of topic lengths, with the sorted distinct values cached."""

    __slots__ = ("_count", "sorted")

    def __init__(self) -> None:
        self._count: Dict[int, int] = {}
        self.sorted: List[int] = []

    def add(self, n: int) -> None:
        c = self._count.get(n, 0)
        self._count[n] = c + 1
        if not c:
            self.sorted = sorted(self._count)

    def remove(self, n: int) -> None:
        c = self._count[n] - 1
        if c:
            self._count[n] = c
        else:
            del self._count[n]
            self.sorted = sorted(self._count)

    def clear(self) -> None:
        self._count.clear()
        self.sorted = []


class SubscriptionSet:
    """Refcounted prefix filters: what a SUB (or an XSUB's bookkeeping) has subscribed to."""

    __slots__ = ("topics", "_lengths")

    def __init__(self) -> None:
        self.topics: Dict[bytes, int] = {}
        self._lengths = _Lengths()

    def add(self, topic: bytes) -> bool:
        """Count one more subscription; True if the topic is new."""
        c = self.topics.get(topic, 0)
        self.topics[topic] = c + 1
        if not c:
            self._lengths.add(len(topic))
            return True
        return False

    def remove(self, topic: bytes) -> bool:
        """Drop one subscription; True if that was the last one (the topic is gone)."""
        c = self.topics.get(topic)
        if not c:
            return False
        if c > 1:
            self.topics[topic] = c - 1
            return False
        del self.topics[topic]
        self._lengths.remove(len(topic))
        return True

    def matches(self, data: Any) -> bool:
        topics = self.topics
        if not topics:
            return False
        lengths = self._lengths.sorted
        if type(data) is not bytes:
            # A zero-copy frame (memoryview, possibly of a writable buffer) is unhashable:
            # compare a bytes copy of just the part any topic can reach.
            data = bytes(data[: lengths[-1]])
        size = len(data)
        for n in lengths:
            if n > size:
                return False
            if data[:n] in topics:
                return True
        return False

    def __len__(self) -> int:
        return len(self.topics)

    def __iter__(self) -> Any:
        return iter(self.topics)


class SubscriberMap:
    """Which peers (links) subscribed to which topics, for PUB/XPUB fan-out.

    ``topics[topic]`` maps each subscribed link to 1. A link holds a topic or not: it is
    *not* counted, because subscribers send ``\\x01t`` for every subscribe call but ``\\x00t``
    only when their own count drops to zero (libzmq's mtrie keeps a set of pipes too).
    """

    __slots__ = ("topics", "_lengths", "by_link")

    def __init__(self) -> None:
        self.topics: Dict[bytes, Dict[Any, int]] = {}
        self._lengths = _Lengths()
        #: link -> {topic: 1}, to clean up when a peer leaves.
        self.by_link: Dict[Any, Dict[bytes, int]] = {}

    def add(self, topic: bytes, link: Any) -> bool:
        """Subscribe ``link``; True if no peer held the topic before (it is new)."""
        subs = self.topics.get(topic)
        new = subs is None
        if subs is None:
            subs = self.topics[topic] = {}
            self._lengths.add(len(topic))
        elif link in subs:
            return False  # a repeated subscribe from the same peer changes nothing
        subs[link] = 1
        self.by_link.setdefault(link, {})[topic] = 1
        return new

    def remove(self, topic: bytes, link: Any) -> bool:
        """Unsubscribe ``link``; True if nobody holds the topic any more."""
        subs = self.topics.get(topic)
        if subs is None or link not in subs:
            return False
        mine = self.by_link[link]
        del subs[link]
        del mine[topic]
        if not mine:
            del self.by_link[link]
        if subs:
            return False
        del self.topics[topic]
        self._lengths.remove(len(topic))
        return True

    def remove_link(self, link: Any) -> List[bytes]:
        """Forget every subscription of a departed peer; returns the topics now unheld."""
        mine = self.by_link.pop(link, None)
        gone: List[bytes] = []
        if not mine:
            return gone
        for topic in mine:
            subs = self.topics.get(topic)
            if subs is None:
                continue
            subs.pop(link, None)
            if not subs:
                del self.topics[topic]
                self._lengths.remove(len(topic))
                gone.append(topic)
        return gone

    def match(self, data: Any) -> Iterable[Any]:
        """The links subscribed to a prefix of ``data`` (each once)."""
        topics = self.topics
        lengths = self._lengths.sorted
        if not lengths:
            return ()
        if type(data) is not bytes:
            data = bytes(data[: lengths[-1]])  # unhashable zero-copy frame: see matches()
        size = len(data)
        found: Any = None
        many = False
        for n in lengths:
            if n > size:
                break
            subs = topics.get(data[:n])
            if subs:
                if found is None:
                    found = subs
                else:
                    if not many:
                        found = set(found)
                        many = True
                    found.update(subs)
        return found if found is not None else ()

    def links(self) -> Set[Any]:
        return set(self.by_link)
