"""Version information: purezmq's own, and the libzmq version whose features it implements."""

from __future__ import annotations

from typing import Tuple

__version__ = "0.1.0"
#: purezmq implements the feature set of libzmq 4.0.10.
_LIBZMQ = (4, 0, 10)

VERSION_MAJOR, VERSION_MINOR, VERSION_PATCH = 0, 1, 0
version_info = (VERSION_MAJOR, VERSION_MINOR, VERSION_PATCH)


def pyzmq_version() -> str:
    """purezmq's version (the name is pyzmq's)."""
    return __version__


def pyzmq_version_info() -> Tuple[int, ...]:
    return version_info


def zmq_version() -> str:
    """The libzmq version whose features purezmq fully implements."""
    return "%i.%i.%i" % _LIBZMQ


def zmq_version_info() -> Tuple[int, int, int]:
    return _LIBZMQ


__all__ = ["zmq_version", "zmq_version_info", "pyzmq_version", "pyzmq_version_info", "__version__"]
