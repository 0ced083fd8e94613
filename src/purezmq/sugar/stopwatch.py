"""``zmq.Stopwatch``: pyzmq's deprecated microsecond timer, kept for old code."""

from __future__ import annotations

import time
import warnings

__all__ = ["Stopwatch"]


class Stopwatch:
    """Deprecated (as in pyzmq): measure elapsed microseconds.

    ``start()`` starts the clock; ``stop()`` returns the microseconds since ``start()`` as an
    int. New code should use :func:`time.monotonic` / :func:`time.perf_counter` directly.
    """

    def __init__(self) -> None:
        warnings.warn(
            "zmq.Stopwatch is deprecated. Use stdlib time.monotonic and friends instead",
            DeprecationWarning,
            stacklevel=2,
        )
        self._start = 0.0

    def start(self) -> None:
        """Start (or restart) the clock."""
        self._start = time.monotonic()

    def stop(self) -> int:
        """Microseconds elapsed since :meth:`start`."""
        return int((time.monotonic() - self._start) * 1_000_000)
