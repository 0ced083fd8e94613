"""pyzmq's "sugar" layer: the public Context, Socket, Frame, Poller and friends."""

from .context import Context
from .frame import Frame, Message
from .poll import Poller, select, zmq_poll
from .socket import Socket
from .tracker import MessageTracker
from .version import pyzmq_version, pyzmq_version_info, zmq_version, zmq_version_info

__all__ = [
    "Context",
    "Frame",
    "Message",
    "MessageTracker",
    "Poller",
    "Socket",
    "pyzmq_version",
    "pyzmq_version_info",
    "select",
    "zmq_version",
    "zmq_version_info",
    "zmq_poll",
]
