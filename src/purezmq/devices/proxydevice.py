"""Proxy devices: a QUEUE-like device with a third, monitor ("capture") socket."""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from .._proxy import proxy
from ..constants import PUB
from .basedevice import Device, ProcessDevice, ThreadDevice

__all__ = ["Proxy", "ThreadProxy", "ProcessProxy"]


class ProxyBase:
    """Adds the monitor socket (``mon_type``, PUB by default) and its ``*_mon`` methods."""

    def __init__(self, in_type: int, out_type: int, mon_type: int = PUB) -> None:
        Device.__init__(self, in_type=in_type, out_type=out_type)  # type: ignore[arg-type]
        self.mon_type = mon_type
        self._mon_binds: List[str] = []
        self._mon_connects: List[str] = []
        self._mon_sockopts: List[Tuple[int, Any]] = []

    def bind_mon(self, addr: str) -> None:
        """Queue ``mon_socket.bind(addr)``."""
        self._mon_binds.append(addr)

    def connect_mon(self, addr: str) -> None:
        """Queue ``mon_socket.connect(addr)``."""
        self._mon_connects.append(addr)

    def setsockopt_mon(self, opt: int, value: Any) -> None:
        """Queue ``mon_socket.setsockopt(opt, value)``."""
        self._mon_sockopts.append((opt, value))

    def bind_mon_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Reserve a free port on ``addr`` now, queue the bind; returns the port."""
        port = self._reserve_random_port(addr, *args, **kwargs)  # type: ignore[attr-defined]
        self.bind_mon(f"{addr}:{port}")
        return port

    def _setup_sockets(self) -> Any:
        ins, outs = Device._setup_sockets(self)  # type: ignore[arg-type]
        mons = _extra_socket(
            self, self.mon_type, self._mon_sockopts, self._mon_binds, self._mon_connects
        )
        return ins, outs, mons

    def run_device(self) -> None:
        ins, outs, mons = self._setup_sockets()
        proxy(ins, outs, mons)


def _extra_socket(dev: Any, stype: Optional[int], opts: Any, binds: Any, connects: Any) -> Any:
    """Create one more socket in the device's context and replay its queued calls.

    (``stype`` None, a steerable device's unset ctrl_type, fails in ``socket()``: TypeError.)
    """
    sock = dev._context.socket(stype)
    dev._sockets.append(sock)
    for opt, value in opts:
        sock.setsockopt(opt, value)
    for addr in binds:
        sock.bind(addr)
    for addr in connects:
        sock.connect(addr)
    return sock


class Proxy(ProxyBase, Device):
    """A proxy device run by ``start()`` in the calling thread.

    Every message forwarded in either direction is also sent on the monitor socket
    (``zmq.proxy``'s capture). Configure it with ``bind_mon`` / ``connect_mon`` /
    ``setsockopt_mon``.
    """


class ThreadProxy(ProxyBase, ThreadDevice):
    """A Proxy in a background thread."""


class ProcessProxy(ProxyBase, ProcessDevice):
    """A Proxy in a child process."""
