"""Decoding socket monitor events (pyzmq's ``zmq.utils.monitor``)."""

from __future__ import annotations

import struct
from typing import Any, Dict, List

from ..constants import Event

_HEAD = struct.Struct("=hi")


def parse_monitor_message(msg: List[bytes]) -> Dict[str, Any]:
    """Decode a monitor event: ``{'event': Event, 'value': int, 'endpoint': bytes}``.

    The message is libzmq's two frames: 16-bit event id and 32-bit value in native byte
    order with no padding, then the endpoint.
    """
    if len(msg) != 2 or len(msg[0]) != 6:
        raise RuntimeError(f"Invalid event message format: {msg}")
    event_id, value = _HEAD.unpack(bytes(msg[0]))
    return {"event": Event(event_id), "value": Event(value), "endpoint": bytes(msg[1])}


def recv_monitor_message(socket: Any, flags: int = 0) -> Any:
    """Receive and decode one event from a monitor socket (awaitable for asyncio sockets)."""
    msg = socket.recv_multipart(flags)
    if hasattr(msg, "__await__"):

        async def _parse() -> Dict[str, Any]:
            return parse_monitor_message(await msg)

        return _parse()
    return parse_monitor_message(msg)


__all__ = ["parse_monitor_message", "recv_monitor_message"]
