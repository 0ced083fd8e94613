"""Devices in the background: pyzmq's ``zmq.devices`` for purezmq.

``Device`` / ``ThreadDevice`` / ``ProcessDevice`` run ``proxy`` between two sockets that
they create themselves; ``Proxy*`` add a monitor (capture) socket, ``ProxySteerable*`` a
control socket, and ``MonitoredQueue*`` run :func:`monitored_queue` (prefixed monitor
copies, ROUTER↔ROUTER). The ``Thread*`` variants start a thread, the ``Process*`` ones a
child process; the plain ones run in the caller's thread when ``start()`` is called.
"""

from __future__ import annotations

# pyzmq's zmq.devices exposes these too (and its submodules as attributes)
from .._proxy import proxy  # noqa: F401
from ..constants import DeviceType  # noqa: F401
from . import (  # noqa: F401
    basedevice,
    monitoredqueue,
    monitoredqueuedevice,
    proxydevice,
    proxysteerabledevice,
)
from .basedevice import Device, ProcessDevice, ThreadDevice
from .monitoredqueue import monitored_queue
from .monitoredqueuedevice import MonitoredQueue, ProcessMonitoredQueue, ThreadMonitoredQueue
from .proxydevice import ProcessProxy, Proxy, ThreadProxy
from .proxysteerabledevice import ProcessProxySteerable, ProxySteerable, ThreadProxySteerable

__all__ = [
    "Device",
    "ThreadDevice",
    "ProcessDevice",
    "Proxy",
    "ThreadProxy",
    "ProcessProxy",
    "ProxySteerable",
    "ThreadProxySteerable",
    "ProcessProxySteerable",
    "monitored_queue",
    "MonitoredQueue",
    "ThreadMonitoredQueue",
    "ProcessMonitoredQueue",
]
