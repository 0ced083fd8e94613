"""Steerable proxy devices: a Proxy plus a control socket (PAUSE / RESUME / TERMINATE)."""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from .._proxy import proxy_steerable
from ..constants import PUB
from .proxydevice import ProcessProxy, Proxy, ThreadProxy, _extra_socket

__all__ = ["ProxySteerable", "ThreadProxySteerable", "ProcessProxySteerable"]


class ProxySteerableBase:
    """Adds the control socket (``ctrl_type``) and its ``*_ctrl`` methods."""

    def __init__(
        self, in_type: int, out_type: int, mon_type: int = PUB, ctrl_type: Optional[int] = None
    ) -> None:
        super().__init__(
            in_type=in_type,
            out_type=out_type,  # type: ignore[call-arg]
            mon_type=mon_type,
        )
        self.ctrl_type = ctrl_type
        self._ctrl_binds: List[str] = []
        self._ctrl_connects: List[str] = []
        self._ctrl_sockopts: List[Tuple[int, Any]] = []

    def bind_ctrl(self, addr: str) -> None:
        """Queue ``ctrl_socket.bind(addr)``."""
        self._ctrl_binds.append(addr)

    def connect_ctrl(self, addr: str) -> None:
        """Queue ``ctrl_socket.connect(addr)``."""
        self._ctrl_connects.append(addr)

    def setsockopt_ctrl(self, opt: int, value: Any) -> None:
        """Queue ``ctrl_socket.setsockopt(opt, value)``."""
        self._ctrl_sockopts.append((opt, value))

    def bind_ctrl_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Reserve a free port on ``addr`` now, queue the bind; returns the port."""
        port = self._reserve_random_port(addr, *args, **kwargs)  # type: ignore[attr-defined]
        self.bind_ctrl(f"{addr}:{port}")
        return port

    def _setup_sockets(self) -> Any:
        ins, outs, mons = super()._setup_sockets()  # type: ignore[misc]
        ctrls = _extra_socket(
            self,
            self.ctrl_type,
            self._ctrl_sockopts,
            self._ctrl_binds,
            self._ctrl_connects,
        )
        return ins, outs, mons, ctrls

    def run_device(self) -> None:
        ins, outs, mons, ctrls = self._setup_sockets()
        proxy_steerable(ins, outs, mons, ctrls)


class ProxySteerable(ProxySteerableBase, Proxy):
    """A steerable proxy run by ``start()`` in the calling thread.

    A single-frame ``PAUSE`` on the control socket stops forwarding, ``RESUME`` restarts
    it, ``TERMINATE`` ends the device cleanly.
    """


class ThreadProxySteerable(ProxySteerableBase, ThreadProxy):
    """A ProxySteerable in a background thread."""


class ProcessProxySteerable(ProxySteerableBase, ProcessProxy):
    """A ProxySteerable in a child process."""
