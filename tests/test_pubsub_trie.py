"""Unit and property tests of the subscription structures (routing/_trie.py).

``SubscriptionSet`` (a SUB's refcounted filters) and ``SubscriberMap`` (a PUB's topic -> links
map) are checked against a deliberately naive reference model: prefix matching is
``data.startswith(topic)`` over every held topic, refcounts are plain counters. The
distinct-length index that makes matching fast must always equal the set of lengths of the
topics currently held.
"""

from __future__ import annotations

from collections import Counter
from typing import List, Set, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from purezmq.routing._trie import SubscriberMap, SubscriptionSet

pytestmark = pytest.mark.timeout(60)

# A tiny alphabet makes prefixes of one another (and duplicates) common.
topics = st.binary(max_size=4).map(lambda b: bytes(x % 3 + 0x61 for x in b))
datas = st.binary(max_size=6).map(lambda b: bytes(x % 4 + 0x61 for x in b))
links = st.sampled_from(["L0", "L1", "L2"])


class Link:
    """A stand-in for a pipe end: hashable, compared by identity."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# -- SubscriptionSet ----------------------------------------------------------------------
def test_set_empty_matches_nothing():
    s = SubscriptionSet()
    assert not s.matches(b"")
    assert not s.matches(b"anything")
    assert len(s) == 0


def test_set_empty_topic_matches_everything():
    s = SubscriptionSet()
    assert s.add(b"")
    for data in (b"", b"x", b"\x00\x01", b"long" * 100):
        assert s.matches(data)


def test_set_prefix_matching():
    s = SubscriptionSet()
    s.add(b"ab")
    s.add(b"abcd")
    assert s.matches(b"ab")
    assert s.matches(b"abc")
    assert s.matches(b"abcdef")
    assert not s.matches(b"a")
    assert not s.matches(b"ba")
    assert not s.matches(b"")
    s.remove(b"ab")
    assert not s.matches(b"abc")
    assert s.matches(b"abcd!")


def test_set_refcounts():
    s = SubscriptionSet()
    assert s.add(b"t") is True
    assert s.add(b"t") is False  # a duplicate is counted, not new
    assert s.remove(b"t") is False  # one holder left
    assert s.matches(b"topic")
    assert s.remove(b"t") is True  # now gone
    assert not s.matches(b"topic")
    assert s.remove(b"t") is False  # unknown: nothing to do
    assert s.remove(b"never") is False
    assert s._lengths.sorted == []


def test_set_binary_topics_and_views():
    s = SubscriptionSet()
    s.add(b"\x00\xff")
    assert s.matches(b"\x00\xff\x01")
    # Zero-copy frames arrive as memoryviews, possibly of writable buffers.
    assert s.matches(memoryview(bytearray(b"\x00\xff\x02")))
    assert s.matches(memoryview(b"\x00\xffabc"))
    assert not s.matches(memoryview(bytearray(b"\x00\xfe")))
    assert s.matches(bytearray(b"\x00\xffzz"))


def test_set_iteration_and_len():
    s = SubscriptionSet()
    for t in (b"a", b"b", b"a"):
        s.add(t)
    assert len(s) == 2
    assert sorted(s) == [b"a", b"b"]


def test_set_many_topics():
    s = SubscriptionSet()
    n = 20_000
    for i in range(n):
        s.add(b"topic/%05d/" % i)
    assert len(s) == n
    assert s._lengths.sorted == [len(b"topic/00000/")]
    assert all(s.matches(b"topic/%05d/payload" % i) for i in range(0, n, 97))
    assert not s.matches(b"topic/%05d/" % n)
    assert not s.matches(b"topic/0000")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.booleans(), topics), max_size=40), st.lists(datas, max_size=10))
def test_set_against_model(ops: List[Tuple[bool, bytes]], probes: List[bytes]):
    s = SubscriptionSet()
    model: Counter = Counter()
    for add, topic in ops:
        if add:
            assert s.add(topic) == (model[topic] == 0)
            model[topic] += 1
        else:
            held = model[topic]
            assert s.remove(topic) == (held == 1)
            if held:
                model[topic] -= 1
        model += Counter()  # drop zero counts
        assert s.topics == dict(model)
        assert s._lengths.sorted == sorted({len(t) for t in model})
    for data in probes:
        expect = any(data.startswith(t) for t in model)
        assert s.matches(data) == expect
        assert s.matches(memoryview(bytearray(data))) == expect


# -- SubscriberMap -------------------------------------------------------------------------
def test_map_match_and_dedup():
    m = SubscriberMap()
    a, b = Link("a"), Link("b")
    assert m.add(b"x", a) is True
    assert m.add(b"xy", a) is True  # another topic, new for the map
    assert set(m.match(b"xyz")) == {a}  # a holds two matching prefixes: listed once
    assert m.add(b"x", b) is False  # topic already held (by a)
    assert set(m.match(b"xyz")) == {a, b}
    assert set(m.match(b"x")) == {a, b}
    assert set(m.match(b"y")) == set()
    assert list(m.match(b"")) == []


def test_map_add_returns_new_for_whole_socket():
    m = SubscriberMap()
    a, b = Link("a"), Link("b")
    assert m.add(b"t", a) is True
    assert m.add(b"t", a) is False
    assert m.add(b"t", b) is False
    assert m.add(b"u", b) is True


def test_map_a_link_holds_a_topic_once():
    """Subscribers send \\x01t per subscribe call but \\x00t once (when their own count
    reaches zero), so per link a topic is held or not: never counted (libzmq's mtrie)."""
    m = SubscriberMap()
    a, b = Link("a"), Link("b")
    assert m.add(b"t", a) is True
    assert m.add(b"t", a) is False
    assert m.add(b"t", b) is False
    assert m.remove(b"t", a) is False  # b still holds it
    assert set(m.match(b"tt")) == {b}  # one unsubscribe was enough for a
    assert m.remove(b"t", a) is False  # a holds nothing: ignored
    assert m.remove(b"t", b) is True  # last holder gone
    assert list(m.match(b"tt")) == []
    assert m.remove(b"t", b) is False
    assert m.remove(b"unknown", a) is False
    assert m.links() == set()
    assert m.topics == {} and m.by_link == {}
    assert m._lengths.sorted == []


def test_map_remove_link():
    m = SubscriberMap()
    a, b = Link("a"), Link("b")
    for t in (b"", b"a", b"ab", b"ab"):
        m.add(t, a)
    m.add(b"a", b)
    assert m.links() == {a, b}
    gone = m.remove_link(a)
    assert sorted(gone) == [b"", b"ab"]  # b"a" is still held by b
    assert m.links() == {b}
    assert set(m.match(b"abc")) == {b}
    assert list(m.match(b"zzz")) == []  # the empty topic went with a
    assert m.remove_link(a) == []  # twice: nothing
    assert m.remove_link(Link("never")) == []
    assert m.remove_link(b) == [b"a"]
    assert m.topics == {} and m.by_link == {} and m._lengths.sorted == []


def test_map_memoryview_frames():
    m = SubscriberMap()
    a = Link("a")
    m.add(b"A", a)
    assert set(m.match(memoryview(bytearray(b"A" * 100_000)))) == {a}
    assert list(m.match(memoryview(bytearray(b"B" * 10)))) == []
    assert set(m.match(bytearray(b"Axx"))) == {a}


def test_map_many_topics_many_links():
    m = SubscriberMap()
    ls = [Link(f"l{i}") for i in range(10)]
    for i in range(12_000):
        m.add(b"t/%d/" % i, ls[i % 10])
    assert m._lengths.sorted == sorted({len(b"t/%d/" % i) for i in range(12_000)})
    for i in range(0, 12_000, 101):
        assert set(m.match(b"t/%d/data" % i)) == {ls[i % 10]}
    assert list(m.match(b"t/12000/")) == []


class MapMachine(RuleBasedStateMachine):
    """Random add / remove / remove_link / match sequences against a naive model: a set of
    (topic, link) pairs."""

    def __init__(self) -> None:
        super().__init__()
        self.m = SubscriberMap()
        self.links = {name: Link(name) for name in ("L0", "L1", "L2")}
        self.model: Set[Tuple[bytes, str]] = set()

    def held(self) -> Set[bytes]:
        return {t for (t, _) in self.model}

    @rule(topic=topics, name=links)
    def add(self, topic: bytes, name: str) -> None:
        new = topic not in self.held()
        assert self.m.add(topic, self.links[name]) == new
        self.model.add((topic, name))

    @rule(topic=topics, name=links)
    def remove(self, topic: bytes, name: str) -> None:
        had = (topic, name) in self.model
        self.model.discard((topic, name))
        gone = had and topic not in self.held()
        assert self.m.remove(topic, self.links[name]) == gone

    @precondition(lambda self: bool(self.model))
    @rule(name=links)
    def remove_link(self, name: str) -> None:
        mine = {t for (t, n) in self.model if n == name}
        self.model -= {(t, name) for t in mine}
        expect = {t for t in mine if t not in self.held()}
        got = self.m.remove_link(self.links[name])
        assert len(got) == len(set(got))
        assert set(got) == expect

    @rule(data=datas)
    def match(self, data: bytes) -> None:
        expect = {self.links[n] for (t, n) in self.model if data.startswith(t)}
        got = list(self.m.match(data))
        assert len(got) == len(set(got)), "a link listed twice"
        assert set(got) == expect
        assert set(self.m.match(memoryview(bytearray(data)))) == expect

    @invariant()
    def consistent(self) -> None:
        m = self.m
        assert set(m.topics) == self.held()
        assert m._lengths.sorted == sorted({len(t) for t in self.held()})
        pairs = {(t, link.name) for t, subs in m.topics.items() for link in subs}
        assert pairs == self.model
        mirrored = {(t, link.name) for link, mine in m.by_link.items() for t in mine}
        assert mirrored == self.model
        assert m.links() == {self.links[n] for (_, n) in self.model}


TestMapMachine = MapMachine.TestCase
TestMapMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
