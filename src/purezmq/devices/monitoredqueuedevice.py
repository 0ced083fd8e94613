"""MonitoredQueue devices: a Proxy whose monitor copies carry a direction prefix frame."""

from __future__ import annotations

from ..constants import PUB
from .monitoredqueue import monitored_queue
from .proxydevice import ProcessProxy, Proxy, ProxyBase, ThreadProxy

__all__ = ["MonitoredQueue", "ThreadMonitoredQueue", "ProcessMonitoredQueue"]


class MonitoredQueueBase(ProxyBase):
    """Runs :func:`monitored_queue` instead of ``proxy``."""

    _in_prefix = b""
    _out_prefix = b""

    def __init__(
        self,
        in_type: int,
        out_type: int,
        mon_type: int = PUB,
        in_prefix: bytes = b"in",
        out_prefix: bytes = b"out",
    ) -> None:
        ProxyBase.__init__(self, in_type=in_type, out_type=out_type, mon_type=mon_type)
        self._in_prefix = in_prefix
        self._out_prefix = out_prefix

    def run_device(self) -> None:
        ins, outs, mons = self._setup_sockets()
        monitored_queue(ins, outs, mons, self._in_prefix, self._out_prefix)


class MonitoredQueue(MonitoredQueueBase, Proxy):
    """A monitored queue run by ``start()`` in the calling thread.

    Supports ROUTER on both sides (identities are swapped); monitor messages start with
    ``in_prefix`` or ``out_prefix`` according to the direction.
    """


class ThreadMonitoredQueue(MonitoredQueueBase, ThreadProxy):
    """A MonitoredQueue in a background thread."""


class ProcessMonitoredQueue(MonitoredQueueBase, ProcessProxy):
    """A MonitoredQueue in a child process."""
