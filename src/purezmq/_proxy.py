"""zmq_proxy, zmq_proxy_steerable and zmq_device.

Theory of operation
-------------------
The proxy moves whole messages between two sockets, copying every frame to ``capture`` when
given. It follows libzmq 4.0.6+'s rule that a direction is serviced only while its
destination can take a message, so a stalled consumer never blocks the other direction; and,
unlike libzmq 4.0.6, a stalled direction does not make the loop spin: while a destination
is full the proxy polls that destination for POLLOUT instead of its source for POLLIN.

The steerable proxy obeys single-frame PAUSE / RESUME / TERMINATE on ``control`` (libzmq 4.3
adds STATISTICS, answered here with libzmq's eight counters). An unknown or multipart command
is ignored with a warning; libzmq 4.0 aborted the process.
"""

from __future__ import annotations

import struct
import warnings
from typing import Any

from .constants import POLLIN, POLLOUT, SNDMORE
from .sugar.poll import Poller

_COUNTERS = struct.Struct("=8Q")


class _Stats:
    __slots__ = ("msgs_in", "bytes_in", "msgs_out", "bytes_out")

    def __init__(self) -> None:
        self.msgs_in = self.bytes_in = self.msgs_out = self.bytes_out = 0


def _forward(src: Any, dst: Any, capture: Any, st_src: _Stats, st_dst: _Stats) -> None:
    """Move one whole message from ``src`` to ``dst`` (and ``capture``)."""
    frames = src.recv_multipart()
    size = sum(len(f) for f in frames)
    st_src.msgs_in += 1
    st_src.bytes_in += size
    last = len(frames) - 1
    for i, frame in enumerate(frames):
        flags = SNDMORE if i < last else 0
        if capture is not None:
            capture.send(frame, flags)
        dst.send(frame, flags)
    st_dst.msgs_out += 1
    st_dst.bytes_out += size


def _writable(sock: Any) -> bool:
    from .constants import EVENTS

    return bool(sock.get(EVENTS) & POLLOUT)


def proxy_steerable(frontend: Any, backend: Any, capture: Any = None, control: Any = None) -> None:
    """Run a proxy between ``frontend`` and ``backend`` until TERMINATE (or an error)."""
    front_stats, back_stats = _Stats(), _Stats()
    paused = False
    single = frontend is backend
    while True:
        poller = Poller()
        if control is not None:
            poller.register(control, POLLIN)
        if not paused:
            # Poll a source only while its destination has room; else wait for the room.
            if single or _writable(backend):
                _add(poller, frontend, POLLIN)
            else:
                _add(poller, backend, POLLOUT)
            if not single:
                if _writable(frontend):
                    _add(poller, backend, POLLIN)
                else:
                    _add(poller, frontend, POLLOUT)
        events = dict(poller.poll())
        if control is not None and events.get(control, 0) & POLLIN:
            command = control.recv_multipart()
            if capture is not None:
                for i, frame in enumerate(command):
                    capture.send(frame, SNDMORE if i < len(command) - 1 else 0)
            if len(command) != 1:
                warnings.warn(
                    "proxy: multipart control message ignored", RuntimeWarning, stacklevel=2
                )
            elif command[0] == b"TERMINATE":
                return
            elif command[0] == b"PAUSE":
                paused = True
            elif command[0] == b"RESUME":
                paused = False
            elif command[0] == b"STATISTICS":
                control.send(
                    _COUNTERS.pack(
                        front_stats.msgs_in,
                        front_stats.bytes_in,
                        front_stats.msgs_out,
                        front_stats.bytes_out,
                        back_stats.msgs_in,
                        back_stats.bytes_in,
                        back_stats.msgs_out,
                        back_stats.bytes_out,
                    )
                )
            else:
                warnings.warn(
                    f"proxy: invalid command {command[0]!r} ignored", RuntimeWarning, stacklevel=2
                )
            continue
        if paused:
            continue
        if events.get(frontend, 0) & POLLIN and (single or _writable(backend)):
            _forward(frontend, backend, capture, front_stats, back_stats)
        if not single and events.get(backend, 0) & POLLIN and _writable(frontend):
            _forward(backend, frontend, capture, back_stats, front_stats)


def _add(poller: Poller, sock: Any, flags: int) -> None:
    for s, old in poller.sockets:
        if s is sock:
            flags |= old
            break
    poller.register(sock, flags)


def proxy(frontend: Any, backend: Any, capture: Any = None) -> None:
    """zmq_proxy: forward between the two sockets until the context terminates."""
    proxy_steerable(frontend, backend, capture, None)


def device(device_type: int, frontend: Any, backend: Any) -> None:
    """zmq_device (deprecated in libzmq): the type is ignored; same as proxy()."""
    proxy(frontend, backend)


__all__ = ["device", "proxy", "proxy_steerable"]
