"""Queue-once fan-out: a publisher's shared outbound log, read by each subscriber's pipe.

Theory of operation
-------------------
A PUB/XPUB with many subscribers used to write every message into one :class:`Pipe` per
subscriber (a lock, a deque append and the credit counters, times the subscriber count) and
the I/O thread then read each pipe one message at a time. Here the publisher appends each
message **once** to a :class:`FanOut` log, and each subscriber connection reads that log
through its own :class:`FanPipe` — a :class:`Pipe` as far as the rest of purezmq knows (the
session and engine read it, close it, drain it), but whose reader keeps a *cursor* into the
shared log instead of owning a queue.

* **Entries.** A message for every member (the common case: everyone is subscribed to it and
  has room) is stored as it is: its ZMTP wire encoding (``bytes``: a small message with
  several readers, encoded once) or its frame list (one reader, or large frames the engines
  send by reference). A message for only some members (topic filtering, a member at
  its HWM) is stored as :class:`_To` ``(message, targets)``; other readers skip it.
* **Who writes.** Only the publisher's thread appends (with the socket lock held), under the
  log's ``lock`` — one lock per message, not one per subscriber — which also orders
  trimming against readers taking a slice. Nothing relies on the GIL.
* **HWM, exactly per subscriber.** A member's queue length is what it has been given minus
  what its reader has taken: ``(bcast - b0) + t - taken`` (broadcasts since it joined, plus
  targeted entries naming it, minus what it took). The publisher keeps ``room``, a lower
  bound of the smallest free space, and only recounts (one pass over the members) when it
  runs out: a full member is then left out of the following messages (PUB drops, never
  blocks), as with a pipe at its HWM.
* **Wake-ups only on transitions.** A reader that finds nothing joins ``sleepers`` *before*
  its last look under the lock (so an append can never slip between the look and the
  sleep); the publisher wakes the sleepers after an append, outside the lock.
* **Bounded memory.** The publisher trims the log up to the slowest cursor; a reader far
  behind its HWM (its connection stalled, new messages passing it by) has its own entries
  copied to a private ``spill`` list so the log can still be trimmed. What a stalled member
  holds is bounded by its HWM; entries holding frame lists (large, tracked messages) are
  released as soon as every reader is past them.
* **Ending in order.** A FanPipe leaves the member set before it is closed (the socket ends
  the link first), so no entry for it follows the close: its reader returns DELIMITER once it
  has taken everything and sees the pipe closed.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, Dict, List, Optional, Tuple

from ._pipe import DELIMITER, Pipe

#: Entries taken from the log per reader batch.
TAKE_MAX = 4096
#: The log is trimmed each time it has grown by this many entries since the last trim (and
#: soon after a reader leaves).
TRIM_AT = 8192

_UNLIMITED = 1 << 62

#: What a batch from FanPipe.take() holds: only wire bytes (join them as they are) ...
WIRE = 2
#: ... wire bytes and small frame lists (encode them) ...
LISTS = 1
#: ... or anything, tracked messages included (the engine must hold those until written).
ANY = 0


class _To:
    """A log entry for some members only."""

    __slots__ = ("msg", "targets")

    def __init__(self, msg: Any, targets: Any) -> None:
        self.msg = msg
        self.targets = targets


class FanOut:
    """A publisher's shared outbound log (one per PUB/XPUB socket)."""

    __slots__ = (
        "log",
        "base",
        "lock",
        "members",
        "leavers",
        "sleepers",
        "bcast",
        "room",
        "mixed_at",
        "list_at",
        "heavy",
        "trim_at",
    )

    def __init__(self) -> None:
        self.log: List[Any] = []
        #: Absolute index of ``log[0]``.
        self.base = 0
        self.lock = threading.Lock()
        #: The open FanPipes that receive broadcasts (an ordered set).
        self.members: Dict["FanPipe", None] = {}
        #: Closed FanPipes whose readers have not taken everything yet (trimming waits).
        self.leavers: Dict["FanPipe", None] = {}
        self.sleepers: set = set()
        #: Broadcast entries appended so far.
        self.bcast = 0
        #: Broadcasts that fit before any member could reach its HWM (a lower bound).
        self.room = _UNLIMITED
        #: One past the absolute index of the last targeted entry (_To).
        self.mixed_at = 0
        #: One past the absolute index of the last entry that is not wire bytes.
        self.list_at = 0
        #: Absolute indexes of entries holding frame lists (large or tracked messages):
        #: released from the log as soon as every reader is past them (see release).
        self.heavy: deque = deque()
        #: The log length that triggers the next trim.
        self.trim_at = TRIM_AT

    # -- members (publisher thread) -------------------------------------------------------
    def join(self, pipe: "FanPipe") -> None:
        pipe.fan = self
        with self.lock:
            pipe.cursor = self.base + len(self.log)
        pipe.b0 = self.bcast
        self.members[pipe] = None
        self.sleepers.add(pipe)  # its reader has not looked yet: the first append wakes it
        if pipe.hwm and pipe.hwm < self.room:
            self.room = pipe.hwm

    def leave(self, pipe: "FanPipe") -> None:
        """No more entries for ``pipe``; its reader may still take what it was given."""
        with self.lock:
            # One step under the lock: a release() or trim on another thread sees the pipe
            # either as a member or as a leaver, never as neither.
            if self.members.pop(pipe, 0) is not None:
                return
            pipe.bcast_end = self.bcast  # the broadcasts it got end here,
            pipe.log_end = self.base + len(self.log)  # and its entries in the log here
            if not pipe.gone:
                self.leavers[pipe] = None
            self.trim_at = 0  # it may have been the one holding the log back: trim soon
        self.release()
        if not self.members:
            self._trim()  # the last subscriber left: keep only what leavers still need

    # -- publishing (publisher thread) ------------------------------------------------------
    def broadcast(self, entry: Any, heavy: bool = False) -> None:
        """Append a message for every member (those at their HWM miss it).

        ``entry`` is the message's wire encoding (bytes) or its frame list; ``heavy`` marks
        a list to let go of as soon as every reader has it (large or tracked frames)."""
        if self.room > 0:
            self.room -= 1
            self.bcast += 1
            log = self.log
            lock = self.lock  # one lock per message, whatever the number of subscribers
            lock.acquire()
            if type(entry) is not bytes:
                at = self.base + len(log)
                self.list_at = at + 1
                if heavy:
                    self.heavy.append(at)
            log.append(entry)
            lock.release()
            if self.sleepers:
                self._wake()
            if len(log) >= self.trim_at:
                self._trim()
            return
        self._recount()
        if self.room > 0:
            self.broadcast(entry, heavy)
            return
        self.targeted(entry, list(self.members), heavy)

    def targeted(self, entry: Any, pipes: List["FanPipe"], heavy: bool = True) -> None:
        """Append a message for ``pipes`` (members), leaving out those at their HWM."""
        bcast = self.bcast
        takers = []
        for p in pipes:
            if p.gone:
                continue  # drained: its connection is going
            hwm = p.hwm
            if not hwm or (bcast - p.b0) + p.t - p.taken < hwm:
                p.t += 1
                takers.append(p)
        if not takers:
            if len(self.log) >= self.trim_at:
                self._trim()  # (a reader left: do not keep the log for stalled ones only)
            return
        self.room -= 1
        log = self.log
        with self.lock:
            at = self.base + len(log)
            self.mixed_at = at + 1
            if type(entry) is not bytes:
                self.list_at = at + 1
                if heavy:
                    self.heavy.append(at)
            log.append(_To(entry, takers[0] if len(takers) == 1 else frozenset(takers)))
        if self.sleepers:
            self._wake()
        if len(log) >= self.trim_at:
            self._trim()

    def release(self) -> None:
        """Let go of the frame lists every reader is past (any thread).

        A tracked message's tracker completes only once nothing in purezmq holds it: a
        log entry must not keep it until the next trim. The slot is emptied in place (no
        index moves), so the publisher's unlocked appends are unaffected.
        """
        heavy = self.heavy
        if not heavy:
            return
        with self.lock:
            low = min((p.cursor for p in self._holders()), default=_UNLIMITED)
            base = self.base
            log = self.log
            while heavy and heavy[0] < low:
                i = heavy.popleft() - base
                if i >= 0:
                    log[i] = None

    def _holders(self) -> List["FanPipe"]:
        """Readers (members, and leavers still taking) with entries of theirs in the log."""
        return [
            p
            for p in list(self.members) + list(self.leavers)
            if not p.gone and p.cursor < p.end_of_mine()
        ]

    def _recount(self) -> None:
        bcast = self.bcast
        room = _UNLIMITED
        for p in list(self.members):
            hwm = p.hwm
            if hwm and not p.gone:
                free = hwm - ((bcast - p.b0) + p.t - p.taken)
                if free < room:
                    room = free
        self.room = room

    def _wake(self) -> None:
        # Each sleeper is removed, then woken (in that order: a reader that re-added itself
        # meanwhile still gets a wake after its removal). A reader that re-adds itself
        # while being woken stays, and is not woken twice for one append.
        sleepers = self.sleepers
        for p in list(sleepers):
            sleepers.discard(p)
            p.reader_wake()

    def _trim(self) -> None:
        """Drop the entries every reader is past; spill a stalled reader's own entries.

        A reader merely behind (a backlog within twice its HWM, or no HWM at all) keeps its
        place: what it pins is what it would hold in a pipe of its own. One that is far
        beyond that is stalled and being left out of new messages: its own entries move to
        its ``spill`` list, so the log is not held for it."""
        with self.lock:
            log = self.log
            base = self.base
            n = len(log)
            half = n // 2
            cut = n
            for p in self._holders():
                i = p.cursor - base
                lim = p.end_of_mine() - base
                hwm = p.hwm
                if i < half and hwm and n - i > 2 * hwm and n - i > TRIM_AT:
                    stop = half if half < lim else lim
                    part = log[i:stop]
                    p.spill.extend(part if self.mixed_at <= base + i else _mine(p, part))
                    p.cursor = base + stop
                    if stop == lim:
                        continue
                    i = stop
                if i < cut:
                    cut = i
            if cut > 0:
                del log[:cut]
                self.base = base + cut
            self.trim_at = len(log) + TRIM_AT


def _mine(p: "FanPipe", entries: List[Any]) -> List[Any]:
    out = []
    for e in entries:
        if type(e) is _To:
            t = e.targets
            if t is p or (type(t) is frozenset and p in t):
                out.append(e.msg)
        elif e is not None:  # (None: released, never below a live cursor)
            out.append(e)
    return out


class FanPipe(Pipe):
    """The outbound pipe of one ZMTP subscriber connection of a PUB/XPUB, read from the
    publisher's shared :class:`FanOut` log (see the module docstring)."""

    __slots__ = ("fan", "cursor", "b0", "bcast_end", "log_end", "t", "taken", "spill", "gone")

    def __init__(self, hwm: int) -> None:
        super().__init__(hwm)
        self.fan: Optional[FanOut] = None
        self.cursor = 0
        self.b0 = 0
        #: The broadcast count when it left the member set (-1 while a member).
        self.bcast_end = -1
        #: The log's end (absolute) when it left: later entries are not for it.
        self.log_end = -1
        #: Targeted entries naming this pipe (publisher thread).
        self.t = 0
        #: Messages the reader has taken (reader thread).
        self.taken = 0
        #: Entries moved out of the log for a stalled reader (under ``fan.lock``).
        self.spill: List[Any] = []
        #: The reader has taken DELIMITER or drained: it holds nothing in the log any more.
        self.gone = False

    @classmethod
    def replacing(cls, old: Pipe) -> "FanPipe":
        """A FanPipe to take the place of ``old`` (an empty pipe nothing has written to)."""
        p = cls(old.hwm)
        p.reader_wake = old.reader_wake
        p.writer_wake = old.writer_wake
        return p

    # -- writer side (the publisher's thread) ------------------------------------------------
    def can_write(self) -> bool:
        return True

    def check_write(self) -> bool:
        return True

    def write(self, msg: Any) -> bool:
        fan = self.fan
        if fan is not None and not self.closed and self in fan.members:
            fan.targeted(msg, [self])
        return True

    def force_write(self, msg: Any) -> None:
        self.write(msg)

    def write_many(self, msgs: Any) -> int:
        for m in msgs:
            self.write(m)
        return len(msgs)

    def close(self) -> None:
        if self.closed:
            return
        fan = self.fan
        if fan is not None:
            fan.leave(self)  # (the socket ended the link first: already done)
        self.closed = True
        self._limit = -1
        # The reader may be asleep: let it see the end.
        if fan is not None:
            fan.sleepers.discard(self)
        self.reader_wake()

    def set_hwm(self, hwm: int) -> None:
        self.hwm = hwm
        fan = self.fan
        if fan is not None:
            fan.room = 0  # recount before the next broadcast

    # -- reader side (the session / engine) -------------------------------------------------
    def take(self) -> Tuple[List[Any], int]:
        """Everything queued for us, up to TAKE_MAX entries: ``(messages, kind)``.

        ``kind`` (WIRE, LISTS or ANY) says what the messages can be. An empty list means
        nothing more for now (we are asleep); DELIMITER as the last message means the end.
        """
        rq = self._rq
        if rq:
            msgs = list(rq)
            rq.clear()
            kind = ANY
        else:
            msgs, kind = self._next()
        if msgs:
            self.taken += len(msgs) - (msgs[-1] is DELIMITER)
        return msgs, kind

    def end_of_mine(self) -> int:
        """Where our entries in the log end (absolute): its end, or where we left it.
        (Call with ``fan.lock`` held.)"""
        fan = self.fan
        assert fan is not None
        end = fan.base + len(fan.log)
        log_end = self.log_end
        return log_end if 0 <= log_end < end else end

    def _next(self) -> Tuple[List[Any], int]:
        """The next entries for us from the spill and the log (not yet counted as taken)."""
        fan = self.fan
        if fan is None or self.gone:
            if self.closed and not self.gone:
                self._finish()
                return [DELIMITER], ANY
            return [], ANY
        while True:
            closed = self.closed  # read first: if set, every entry for us is in the log
            with fan.lock:
                spill = self.spill
                if spill:
                    self.spill = []
                base = fan.base
                start = self.cursor
                stop = self.end_of_mine()
                if stop - start > TAKE_MAX:
                    stop = start + TAKE_MAX
                if stop > start:
                    chunk = fan.log[start - base : stop - base]
                    self.cursor = stop
                else:
                    chunk = []
                # Under the lock: no release() can drop a heavy entry of this chunk from
                # ``heavy`` before we know the batch has one (the engine must hold it).
                heavy = fan.heavy
                scan = bool(spill) or (bool(heavy) and heavy[0] < self.cursor)
            if not chunk and not spill:
                if closed:
                    self._finish()
                    return [DELIMITER], ANY
                fan.sleepers.add(self)
                # Look again now that an append is sure to wake us.
                with fan.lock:
                    more = self.cursor < self.end_of_mine() or bool(self.spill)
                if more or self.closed:
                    fan.sleepers.discard(self)
                    continue
                return [], ANY
            if spill or fan.mixed_at > start:
                msgs = _mine(self, chunk)
                if spill:
                    msgs = spill + msgs
            else:
                msgs = chunk
            kind = ANY if scan else WIRE if fan.list_at <= start else LISTS
            if scan:
                fan.release()
            if msgs:
                return msgs, kind

    def _finish(self) -> None:
        fan = self.fan
        if fan is None:
            self.gone = True
            return
        with fan.lock:  # (ordered against leave(): see there)
            self.gone = True
            fan.leavers.pop(self, None)
            fan.trim_at = 0  # it may have been the one holding the log back: trim soon
        fan.sleepers.discard(self)
        fan.release()

    def _filled(self) -> bool:
        """The one-at-a-time interface (read/peek): refill ``_rq`` from the log if empty."""
        rq = self._rq
        if not rq:
            msgs, _ = self._next()
            if not msgs:
                return False
            rq.extend(msgs)
        return True

    def read(self) -> Any:
        if not self._filled():
            return None
        msg = self._rq.popleft()
        if msg is not DELIMITER:
            self.taken += 1
        return msg

    def peek(self) -> Any:
        return self._rq[0] if self._filled() else None

    def drain(self) -> int:
        """Drop everything queued for us and stop holding the log."""
        n = len(self._rq)
        self._rq.clear()
        fan = self.fan
        if fan is not None:
            with fan.lock:
                self.spill = []
                self.cursor = fan.base + len(fan.log)
            self._finish()
        else:
            self.gone = True
        return n

    def reader_done(self) -> None:
        self.drain()

    def __len__(self) -> int:
        """Messages queued for us (what counts against the HWM)."""
        fan = self.fan
        if fan is None or self.gone:
            return 0
        end = self.bcast_end
        return max(0, ((fan.bcast if end < 0 else end) - self.b0) + self.t - self.taken)
