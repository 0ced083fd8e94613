"""Queue-once fan-out (purezmq/_fanout.py): a PUB's shared log read through FanPipes.

Unit level: a hypothesis state machine drives a FanOut and its FanPipes (publish to all, to
some, take, close, drain) against the plain model it must equal — one bounded FIFO per
subscriber, where a publish at the HWM is dropped for that subscriber only. The log is made
tiny (TRIM_AT / TAKE_MAX) so trimming, spilling a stalled reader and partial takes all
happen in every run.

Integration level: bound tcp PUBs (their subscribers' pipes are FanPipes) with filtered and
unfiltered subscribers side by side, an inproc subscriber on the same socket, multipart,
large zero-copy and tracked messages, a linger flush on close, subscribers leaving while
the stream goes on, and the memory bound with a subscriber that never reads.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import Dict, List

import pytest
from helpers import RawPeer, bind, frame, recv_multipart, sub_socket, wait_until
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import purezmq as zmq
from purezmq import _fanout
from purezmq._fanout import FanOut, FanPipe, _To
from purezmq._pipe import DELIMITER

pytestmark = pytest.mark.timeout(60)

#: Waits that only take long when something is wrong (or the machine is very busy).
SLOW = 10.0

NPIPES = 4


class FanMachine(RuleBasedStateMachine):
    """FanOut + FanPipes against one bounded deque per pipe."""

    def __init__(self) -> None:
        super().__init__()
        self.fan = FanOut()
        self.pipes: List[FanPipe] = []
        self.model: List[deque] = []
        self.hwms: List[int] = []
        self.open: List[bool] = []
        self.ended: List[bool] = []  # the reader took DELIMITER (or drained)
        self.seq = itertools.count()
        self.wakes: Dict[int, int] = {}

    def _wake(self, i: int):
        def wake() -> None:
            self.wakes[i] = self.wakes.get(i, 0) + 1

        return wake

    @rule(hwm=st.sampled_from([0, 1, 2, 3, 5, 40]))
    @precondition(lambda self: len(self.pipes) < NPIPES)
    def add_pipe(self, hwm: int) -> None:
        p = FanPipe(hwm)
        i = len(self.pipes)
        p.reader_wake = self._wake(i)
        self.fan.join(p)
        self.pipes.append(p)
        self.model.append(deque())
        self.hwms.append(hwm)
        self.open.append(True)
        self.ended.append(False)

    def _members(self) -> List[int]:
        return [i for i, p in enumerate(self.pipes) if self.open[i]]

    def _admit(self, i: int, msg: bytes) -> None:
        q = self.model[i]
        if self.ended[i]:
            return
        if not self.hwms[i] or len(q) < self.hwms[i]:
            q.append(msg)

    @rule(n=st.integers(1, 30), wire=st.booleans())
    def broadcast(self, n: int, wire: bool) -> None:
        for _ in range(n):
            k = next(self.seq)
            msg = b"m%d" % k
            self.fan.broadcast(msg if wire else [msg])
            for i in self._members():
                self._admit(i, msg if wire else [msg])  # type: ignore[arg-type]
            self._check_log_bound()

    @rule(data=st.data(), n=st.integers(1, 10))
    def targeted(self, data: st.DataObject, n: int) -> None:
        members = self._members()
        if not members:
            return
        for _ in range(n):
            chosen = data.draw(st.lists(st.sampled_from(members), min_size=1, unique=True))
            msg = b"t%d" % next(self.seq)
            self.fan.targeted(msg, [self.pipes[i] for i in chosen])
            for i in chosen:
                self._admit(i, msg)
            self._check_log_bound()

    @rule(data=st.data())
    def take_all(self, data: st.DataObject) -> None:
        if not self.pipes:
            return
        i = data.draw(st.integers(0, len(self.pipes) - 1))
        p = self.pipes[i]
        got: List = []
        ended = False
        while True:
            msgs, kind = p.take()
            if not msgs:
                break
            if kind == _fanout.WIRE:
                assert all(type(m) is bytes for m in msgs)
            elif kind == _fanout.LISTS:
                assert all(type(m) in (bytes, list) for m in msgs)
            if msgs[-1] is DELIMITER:
                got.extend(msgs[:-1])
                ended = True
                break
            got.extend(msgs)
        expected = list(self.model[i])
        self.model[i].clear()
        assert got == expected
        if ended:
            assert not self.open[i], "DELIMITER from an open pipe"
            self.ended[i] = True
        elif not self.open[i] and not self.ended[i]:
            raise AssertionError("a closed pipe's reader never got DELIMITER")

    @rule(data=st.data())
    def read_one(self, data: st.DataObject) -> None:
        """The Pipe interface (peek / read) the sessions use, one message at a time."""
        if not self.pipes:
            return
        i = data.draw(st.integers(0, len(self.pipes) - 1))
        p = self.pipes[i]
        head = p.peek()
        m = p.read()
        assert head is m or head == m
        if m is None:
            assert not self.model[i]
        elif m is DELIMITER:
            assert not self.model[i] and not self.open[i]
            self.ended[i] = True
        else:
            assert m == self.model[i].popleft()

    @rule(data=st.data())
    def close(self, data: st.DataObject) -> None:
        members = self._members()
        if not members:
            return
        i = data.draw(st.sampled_from(members))
        self.fan.leave(self.pipes[i])  # the socket ends the link, then closes it
        self.pipes[i].close()
        self.open[i] = False

    @rule(data=st.data())
    def drain(self, data: st.DataObject) -> None:
        if not self.pipes:
            return
        i = data.draw(st.integers(0, len(self.pipes) - 1))
        self.pipes[i].drain()
        self.model[i].clear()
        self.ended[i] = True

    def _check_log_bound(self) -> None:
        """After an append (when trimming happens): with only bounded readers the log stays
        within a constant however long the run (stalled readers' entries are spilled, the
        rest trimmed)."""
        fan = self.fan
        live = [p for p in list(fan.members) + list(fan.leavers) if not p.gone]
        if live and all(p.hwm for p in live):
            top = max(p.hwm for p in live)
            assert len(fan.log) <= 4 * (_fanout.TRIM_AT + 2 * top)

    @invariant()
    def lengths_match_the_model(self) -> None:
        for i, p in enumerate(self.pipes):
            if not self.ended[i]:
                assert len(p) == len(self.model[i])
                if self.hwms[i]:
                    assert len(p) <= self.hwms[i]

    @invariant()
    def only_live_readers_hold_the_log(self) -> None:
        for p in self.fan.leavers:
            assert not p.gone


@pytest.fixture()
def tiny_log(monkeypatch):
    monkeypatch.setattr(_fanout, "TRIM_AT", 16)
    monkeypatch.setattr(_fanout, "TAKE_MAX", 5)


def test_fanout_against_model(tiny_log):
    FanMachine.TestCase.settings = settings(max_examples=250, stateful_step_count=30, deadline=None)
    FanMachine.TestCase().runTest()


def test_a_stalled_reader_is_spilled_and_the_log_trimmed(tiny_log):
    fan = FanOut()
    stalled, live = FanPipe(8), FanPipe(0)
    fan.join(stalled)
    fan.join(live)
    for k in range(1000):
        fan.broadcast(b"%d" % k)
        msgs, _ = live.take()
        assert msgs == [b"%d" % k]
    assert len(fan.log) < 2 * 16
    assert len(stalled) == 8
    got = []
    while True:
        msgs, _ = stalled.take()
        if not msgs:
            break
        got.extend(msgs)
    assert got == [b"%d" % k for k in range(8)]


def test_targeted_entries_name_their_pipes():
    fan = FanOut()
    a, b = FanPipe(0), FanPipe(0)
    fan.join(a)
    fan.join(b)
    fan.targeted(b"x", [a])
    fan.targeted(b"y", [a, b])
    assert type(fan.log[0]) is _To and fan.log[0].targets is a
    assert a.take() == ([b"x", b"y"], _fanout.WIRE)  # filtered, and all wire bytes
    assert b.take() == ([b"y"], _fanout.WIRE)
    fan.broadcast(b"z")
    assert a.take() == ([b"z"], _fanout.WIRE)
    fan.broadcast([b"small"])
    assert a.take() == ([[b"small"]], _fanout.LISTS)
    fan.broadcast([b"big"], heavy=True)
    assert a.take() == ([[b"big"]], _fanout.ANY)


def test_the_first_append_wakes_a_reader_that_never_looked():
    fan = FanOut()
    p = FanPipe(0)
    woken = []
    p.reader_wake = lambda: woken.append(1)
    fan.join(p)
    fan.broadcast(b"a")
    assert woken == [1]
    fan.broadcast(b"b")  # not asleep: no second wake
    assert woken == [1]
    assert p.take() == ([b"a", b"b"], _fanout.WIRE)
    assert p.take()[0] == []  # asleep again
    fan.broadcast(b"c")
    assert woken == [1, 1]


# -- integration: bound tcp PUBs ---------------------------------------------------------
def _join_all(pub, subs, tag=b"\xffjoin", timeout=10.0):
    """Re-send ``tag`` until every SUB has it, then drain the extra copies."""
    pending = list(subs)
    import time

    deadline = time.monotonic() + timeout
    while pending:
        assert time.monotonic() < deadline, "a subscriber never joined"
        pub.send(tag)
        for s in list(pending):
            if s.poll(10) and s.recv() == tag:
                pending.remove(s)
    end = tag + b"-end"
    pub.send(end)
    for s in subs:
        while recv_multipart(s) != [end]:
            pass


def _fan_of(pub):
    return pub._core._routing.fan


def test_filtered_unfiltered_and_inproc_subscribers_on_one_pub(ctx):
    pub = ctx.socket(zmq.PUB)
    pub.sndhwm = 0  # nothing dropped: every subscriber must get exactly its share
    ep = bind(pub, "tcp")
    pub.bind("inproc://fan-mixed")
    everything = ctx.socket(zmq.SUB)
    only_a = ctx.socket(zmq.SUB)
    only_b = ctx.socket(zmq.SUB)
    local = ctx.socket(zmq.SUB)
    for s, topic in ((everything, b""), (only_a, b"a"), (only_b, b"b"), (local, b"a")):
        s.subscribe(b"\xffjoin")
        s.subscribe(topic)
        s.rcvtimeo = 10000
        s.rcvhwm = 0
    for s in (everything, only_a, only_b):
        s.connect(ep)
    local.connect("inproc://fan-mixed")
    _join_all(pub, [everything, only_a, only_b, local])
    assert len(_fan_of(pub).members) == 3  # the tcp peers; inproc gets pipe writes
    sent = []
    for k in range(3000):
        topic = b"ab"[k % 3 % 2 : k % 3 % 2 + 1] if k % 3 != 2 else b"c"
        msg = topic + b"%d" % k
        pub.send(msg)
        sent.append(msg)
    pub.send(b"\xffjoin-done")
    for s, keep in (
        (everything, lambda m: True),
        (only_a, lambda m: m[:1] == b"a"),
        (only_b, lambda m: m[:1] == b"b"),
        (local, lambda m: m[:1] == b"a"),
    ):
        got = []
        while True:
            m = s.recv()
            if m == b"\xffjoin-done":
                break
            got.append(m)
        assert got == [m for m in sent if keep(m)]


def test_multipart_large_and_tracked_messages_through_the_log(ctx):
    pub = ctx.socket(zmq.PUB)
    ep = bind(pub, "tcp")
    subs = []
    for _ in range(3):
        subs.append(sub_socket(ctx, ep, b"", rcvtimeo=10000))
    _join_all(pub, subs)
    big = bytes(range(256)) * 1024  # 256 KiB: queued by reference, not encoded
    pub.send_multipart([b"topic", b"x" * 300, b""])
    pub.send(big)
    tracker = pub.send(big, copy=False, track=True)
    pub.send_multipart([b"last"])
    for s in subs:
        assert recv_multipart(s) == [b"topic", b"x" * 300, b""]
        assert s.recv() == big
        assert s.recv() == big
        assert recv_multipart(s) == [b"last"]
    tracker.wait(5)
    assert tracker.done


def test_close_with_linger_flushes_everything_queued(ctx):
    pub = ctx.socket(zmq.PUB)
    pub.sndhwm = 0
    ep = bind(pub, "tcp")
    sub = sub_socket(ctx, ep, b"", rcvhwm=0, rcvtimeo=10000)
    _join_all(pub, [sub])
    n = 20000
    for k in range(n):
        pub.send(b"%d" % k)
    pub.close(linger=5000)
    assert [sub.recv() for _ in range(n)] == [b"%d" % k for k in range(n)]


def test_subscribers_leaving_mid_stream_release_the_log(ctx):
    pub = ctx.socket(zmq.PUB)
    pub.sndhwm = 0  # nothing dropped: the one that stays must get every message
    ep = bind(pub, "tcp")
    stay = sub_socket(ctx, ep, b"", rcvhwm=0, rcvtimeo=10000)
    leavers = [sub_socket(ctx, ep, b"") for _ in range(3)]
    _join_all(pub, [stay] + leavers)
    fan = _fan_of(pub)
    assert len(fan.members) == 4
    got = 0
    for k in range(30000):
        pub.send(b"%d" % k)
        if k == 1000:
            for s in leavers:
                s.close(linger=0)
        while stay.poll(0):
            stay.recv()
            got += 1
    wait_until(lambda: (pub.poll(0, zmq.POLLOUT), len(fan.members) == 1)[1], timeout=SLOW)
    wait_until(lambda: (pub.poll(0, zmq.POLLOUT), not fan.leavers)[1], timeout=SLOW)
    pub.send(b"end")
    while stay.recv() != b"end":
        got += 1
    assert got == 30000
    assert len(fan.log) < fan.trim_at <= len(fan.log) + _fanout.TRIM_AT


def test_a_subscriber_that_never_reads_does_not_hold_the_log(ctx):
    pub = ctx.socket(zmq.PUB)
    pub.sndhwm = 50
    ep = bind(pub, "tcp")
    good = sub_socket(ctx, ep, b"", rcvtimeo=10000)
    raw = RawPeer(ep)
    try:
        raw.handshake(b"SUB")
        raw.send(frame(b"\x01"))  # everything, and then never a read
        fan = _fan_of(pub)
        routing = pub._core._routing
        wait_until(
            lambda: (pub.poll(0, zmq.POLLOUT), len(routing.subs.by_link) == 2)[1], timeout=SLOW
        )
        _join_all(pub, [good])
        port = raw.sock.getsockname()[1]
        (raw_link,) = [lk for lk in routing.links if lk.data.engine.sock.getpeername()[1] == port]
        raw_pipe, engine = raw_link.out, raw_link.data.engine
        payload = b"q" * 2048

        def drain_good() -> None:
            while good.poll(1):
                good.recv()

        # Fill the silent peer's socket buffers until its engine waits for POLLOUT for good
        # (the I/O thread gets its turns while the good subscriber is drained).
        for _ in range(2000):
            for _ in range(100):
                pub.send(payload)
            drain_good()
            if engine._writing and len(raw_pipe) == 50:
                break
        assert engine._writing and len(raw_pipe) == 50, "the silent peer never stalled"
        for k in range(20000):  # 40 MB more, all passing the stalled peer by
            pub.send(payload)
            if k % 100 == 0:
                drain_good()
        _join_all(pub, [good], tag=b"\xffend")  # the reading subscriber is still served
        assert engine._writing and len(raw_pipe) == 50  # still stalled, at its HWM
        assert len(fan.log) < 2 * _fanout.TRIM_AT  # not held back by it
        assert len(raw_pipe.spill) <= 50
    finally:
        raw.close()


def test_a_subscriber_gone_before_its_publisher_attached_it_holds_nothing():
    """The connection dies while its attach still waits for the publisher's thread: the
    FanPipe swapped in afterwards must not stay in the log's books (its session could only
    tell the pipe that was there before)."""
    pctx, sctx = zmq.Context(), zmq.Context()
    try:
        pub = pctx.socket(zmq.PUB)
        pub.linger = 0
        ep = bind(pub, "tcp")
        core = pub._core
        fan = core._routing.fan
        for _ in range(5):
            sub = sub_socket(sctx, ep, b"", linger=0)
            # its attach waits for the PUB's thread ...
            wait_until(lambda: len(core._cmds) > 0, timeout=SLOW)
            sub.close()
            # ... and its connection is gone already
            wait_until(lambda: not pctx._sessions, timeout=SLOW)
            pub.send(b"tick")  # attach (the swap), then the end, in that order
            wait_until(lambda: (pub.poll(0, zmq.POLLOUT), not fan.members)[1], timeout=SLOW)
            assert not fan.leavers
        assert len(fan.log) < _fanout.TRIM_AT
    finally:
        pctx.destroy(0)
        sctx.destroy(0)
