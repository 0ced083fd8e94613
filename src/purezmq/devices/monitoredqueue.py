"""monitored_queue: a two-way queue that reports every message, tagged by direction.

Unlike ``proxy``, each message copied to the monitor socket is preceded by a prefix frame
(``in_prefix`` for traffic from ``in_socket``, ``out_prefix`` for the other way), and
ROUTER↔ROUTER is supported: the first two frames (sender id, destination id) are swapped
so the message is routed to the destination and the reply can find its way back.

Like pyzmq's, the loop runs until an error (ETERM once the context is terminated) and sends
blocking, in frame order: destination, then monitor.
"""

from __future__ import annotations

from typing import Any

from ..constants import POLLIN, ROUTER, SNDMORE
from ..error import InterruptedSystemCall
from ..sugar.poll import Poller

__all__ = ["monitored_queue"]


def _as_prefix(value: Any, name: str) -> bytes:
    if isinstance(value, str):
        raise TypeError(f"{name} must be bytes, not str")
    return bytes(memoryview(value))


def _relay(src: Any, dst: Any, mon: Any, prefix: bytes, swap_ids: bool) -> None:
    frames = src.recv_multipart(copy=True)
    if swap_ids and len(frames) >= 2:
        frames[0], frames[1] = frames[1], frames[0]
    dst.send_multipart(frames)
    mon.send(prefix, SNDMORE)
    mon.send_multipart(frames)


def monitored_queue(
    in_socket: Any,
    out_socket: Any,
    mon_socket: Any,
    in_prefix: bytes = b"in",
    out_prefix: bytes = b"out",
) -> None:
    """Relay between ``in_socket`` and ``out_socket``, copying all traffic to ``mon_socket``.

    Returns only by raising (``ContextTerminated`` when the context is terminated).
    """
    in_prefix = _as_prefix(in_prefix, "in_prefix")
    out_prefix = _as_prefix(out_prefix, "out_prefix")
    swap_ids = in_socket.type == ROUTER and out_socket.type == ROUTER
    poller = Poller()
    poller.register(in_socket, POLLIN)
    poller.register(out_socket, POLLIN)
    while True:
        try:
            events = dict(poller.poll())
        except InterruptedSystemCall:
            continue
        if events.get(in_socket, 0) & POLLIN:
            _relay(in_socket, out_socket, mon_socket, in_prefix, swap_ids)
        if events.get(out_socket, 0) & POLLIN:
            _relay(out_socket, in_socket, mon_socket, out_prefix, swap_ids)
