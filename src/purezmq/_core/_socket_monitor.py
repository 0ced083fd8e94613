"""SocketBase's monitor: socket events published on an inproc PAIR socket.

``monitor(addr)`` binds a private PAIR socket to ``addr``; the application connects its own
PAIR to read the events. Events are raised from any thread (mostly the I/O threads) and
never block: with no reader, or a full pipe, an event is dropped.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any, Optional

from .._transport._endpoint import parse_endpoint
from ..constants import (
    EPROTONOSUPPORT,
    EVENT_HANDSHAKE_FAILED_AUTH,
    EVENT_HANDSHAKE_FAILED_NO_DETAIL,
    EVENT_HANDSHAKE_FAILED_PROTOCOL,
    EVENT_HANDSHAKE_SUCCEEDED,
    EVENT_MONITOR_STOPPED,
)
from ..error import ZMQError
from ..zmtp import FailureKind, ProtocolError
from ._socket_parts import DONTWAIT, SNDMORE, SocketParts

if TYPE_CHECKING:  # pragma: no cover
    from ._socket import SocketBase

_EVENT = struct.Struct("=Hi")


def _clamp32(value: int) -> int:
    value = int(value)
    if -(2**31) <= value < 2**31:
        return value
    return value & 0x7FFFFFFF


class MonitorMixin(SocketParts):
    """``monitor()`` and the event hooks the sessions and listeners call."""

    def monitor(self, addr: Optional[str], events: int = 0xFFFF) -> None:
        """Publish this socket's events on a PAIR socket bound to ``addr`` (inproc only).

        ``addr=None`` stops monitoring (MONITOR_STOPPED is sent if selected). Events are
        libzmq's two frames: ``struct.pack("=Hi", event, value)`` and the endpoint.
        Raising an event never blocks: with no reader, or a full pipe, it is dropped.
        """
        if addr is None:
            with self._lock:
                self._check_usable()
            self._stop_monitor()
            return
        if isinstance(addr, bytes):
            addr = addr.decode("utf-8")
        if not isinstance(addr, str):
            raise TypeError(f"expected str, got {addr!r}")
        ep = parse_endpoint(addr)
        if ep.transport != "inproc":
            raise ZMQError(EPROTONOSUPPORT)
        with self._lock:
            self._check_usable()
        self._stop_monitor()
        from ._socket import SocketBase

        pair = SocketBase(self.context, 0)  # PAIR, never registered: it never blocks
        pair._opts.linger = 0
        # Events queue up to the default HWM (plus the reader's RCVHWM), then are dropped.
        try:
            pair.bind(addr)
        except ZMQError:
            pair.close()
            raise
        self._monitor = (pair, int(events))

    def _stop_monitor(self) -> None:
        mon = self._monitor
        if mon is None:
            return
        self._monitor = None
        pair, events = mon
        if events & EVENT_MONITOR_STOPPED:
            self._send_event(pair, EVENT_MONITOR_STOPPED, 0, "")
        pair.close()

    @staticmethod
    def _send_event(pair: "SocketBase", event: int, value: int, endpoint: str) -> None:
        head = _EVENT.pack(event & 0xFFFF, _clamp32(value))
        try:
            pair.send(head, DONTWAIT | SNDMORE)
            pair.send(endpoint.encode("utf-8", "replace"), DONTWAIT)
        except ZMQError:
            pass  # nobody reading, or the reader is full: drop, never block

    def _monitor_event(self, event: int, value: int, endpoint: str) -> None:
        """Raise a monitor event from any thread; never blocks (dropped if nobody reads)."""
        mon = self._monitor
        if mon is None or not mon[1] & event:
            return
        self._send_event(mon[0], event, value, endpoint)

    def _monitor_handshake_ok(self, endpoint: str, engine: Any) -> None:
        self._monitor_event(EVENT_HANDSHAKE_SUCCEEDED, 0, endpoint)

    def _monitor_engine_error(self, endpoint: str, engine: Any, error: Any) -> None:
        """A connection failed before its handshake completed: say why (libzmq 4.3 events)."""
        if not engine._handshaking or self._monitor is None:
            return
        if isinstance(error, ProtocolError):
            if error.kind == FailureKind.AUTH:
                self._monitor_event(EVENT_HANDSHAKE_FAILED_AUTH, error.code, endpoint)
            elif error.kind == FailureKind.PROTOCOL:
                self._monitor_event(EVENT_HANDSHAKE_FAILED_PROTOCOL, error.code, endpoint)
            else:
                self._monitor_event(EVENT_HANDSHAKE_FAILED_NO_DETAIL, 0, endpoint)
        else:
            err = getattr(error, "errno", None) or 0
            self._monitor_event(EVENT_HANDSHAKE_FAILED_NO_DETAIL, err, endpoint)
