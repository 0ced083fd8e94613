"""Sans-I/O routing: load-balancing, fair-queuing and the per-socket-type rules."""

from ._sockets import ROUTING_TYPES, Routing
from ._strategies import FairQueue, LoadBalancer

__all__ = ["FairQueue", "LoadBalancer", "ROUTING_TYPES", "Routing"]
