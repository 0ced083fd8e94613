"""MessageTracker: tells when purezmq no longer holds a zero-copy buffer."""

from __future__ import annotations

import threading
import time
from typing import Any, Set

from ..error import NotDone


class MessageTracker:
    """Tracks one or more sends; ``done`` once purezmq released every tracked buffer.

    Accepts ``threading.Event`` objects, Frames and other trackers, like pyzmq's.
    """

    def __init__(self, *towatch: Any) -> None:
        self.events: Set[threading.Event] = set()
        self.peers: Set["MessageTracker"] = set()
        for obj in towatch:
            if isinstance(obj, threading.Event):
                self.events.add(obj)
            elif isinstance(obj, MessageTracker):
                self.peers.add(obj)
            elif _is_frame(obj):
                if obj.tracker is None:
                    raise ValueError("Not a tracked message")
                self.peers.add(obj.tracker)
            else:
                raise TypeError(f"Require Events or Message Frames, not {type(obj)}")

    @property
    def done(self) -> bool:
        return all(e.is_set() for e in self.events) and all(p.done for p in self.peers)

    def wait(self, timeout: float = -1) -> None:
        """Wait until done (seconds; -1 = forever); raise NotDone on timeout."""
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        for e in self.events:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not e.wait(remaining):
                raise NotDone
        for p in self.peers:
            remaining = -1 if deadline is None else max(0.0, deadline - time.monotonic())
            p.wait(remaining)


def _is_frame(obj: Any) -> bool:
    from .frame import Frame

    return isinstance(obj, Frame)


def _finished() -> MessageTracker:
    e = threading.Event()
    e.set()
    return MessageTracker(e)


__all__ = ["MessageTracker"]
