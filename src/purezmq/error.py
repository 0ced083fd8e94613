"""pyzmq's exception family, raised with libzmq's error numbers.

Theory of operation
-------------------
Applications catch ``zmq.ZMQError`` and look at ``e.errno``, or catch the subclasses pyzmq
raises for the errors that drive control flow: ``Again`` (EAGAIN: non-blocking call would
block, or a timeout), ``ContextTerminated`` (ETERM) and ``InterruptedSystemCall`` (EINTR).
The classes, their attributes, ``args``, ``str()`` and ``repr()`` match pyzmq exactly, so
code (and pickles) written against pyzmq see no difference.

The core raises through :func:`_raise` / :func:`_error` (or :func:`_check_rc`, pyzmq's
name), which pick the subclass the way pyzmq's ``_check_rc`` does.

libzmq keeps a per-thread ``errno`` that ``zmq_errno()`` reads and that ``ZMQError()``
with no argument reports.  purezmq has no C errno, so every ``ZMQError`` constructed with
an int errno records it in a thread-local, which :func:`zmq_errno` returns.

Messages are libzmq 4.0's ``zmq_strerror``: its own text for the four ZeroMQ-native
errors, the C library's ``strerror`` (``os.strerror``) for everything else.
"""

from __future__ import annotations

import os
import threading
from errno import EINTR
from typing import NoReturn, Union

from .constants import (
    EAGAIN,
    EFSM,
    EMTHREAD,
    ENOCOMPATPROTO,
    ETERM,
    VERSION_MAJOR,
    VERSION_MINOR,
    VERSION_PATCH,
)

# zmq_strerror texts of the errors libzmq defines itself (err.cpp, 4.0.x).  Note: libzmq
# 4.2+ also says "Host unreachable" for EHOSTUNREACH; 4.0 leaves that to strerror.
_ZMQ_STRERRORS: dict[int, str] = {
    int(EFSM): "Operation cannot be accomplished in current state",
    int(ENOCOMPATPROTO): "The protocol is not compatible with the socket type",
    int(ETERM): "Context was terminated",
    int(EMTHREAD): "No thread available",
}

_ZMQ_VERSION = f"{VERSION_MAJOR}.{VERSION_MINOR}.{VERSION_PATCH}"
_ZMQ_VERSION_INFO = (VERSION_MAJOR, VERSION_MINOR, VERSION_PATCH)

_state = threading.local()


def strerror(errno: int) -> str:
    """Return the message ``zmq_strerror`` gives for ``errno``."""
    text = _ZMQ_STRERRORS.get(errno)
    if text is not None:
        return text
    return os.strerror(errno)


def zmq_errno() -> int:
    """The errno of the most recent ZeroMQ error in this thread (0 if none yet)."""
    value: int = getattr(_state, "errno", 0)
    return value


def _set_errno(errno: int) -> None:
    _state.errno = errno


class DraftFDWarning(RuntimeWarning):
    """Warning for using the experimental FD on thread-safe (draft) sockets.

    Exists for pyzmq compatibility; purezmq has no draft sockets and never emits it.
    """

    def __init__(self, msg: str = "") -> None:
        if not msg:
            msg = (
                "socket.FD support on thread-safe sockets is experimental and may be removed."
                " You can suppress this warning with"
                " `warnings.simplefilter('ignore', zmq.error.DraftFDWarning)`"
            )
        super().__init__(msg)


class ZMQBaseError(Exception):
    """Base class of every purezmq exception."""


class ZMQError(ZMQBaseError):
    """An errno-style ZeroMQ error.

    ``ZMQError(errno)`` takes its message from :func:`strerror`; ``ZMQError()`` reports
    this thread's last error (:func:`zmq_errno`); ``ZMQError(errno, msg)`` uses ``msg``.
    A non-int first argument is taken as the message and leaves ``errno`` None.
    """

    errno: int | None = None
    strerror: str

    # Like pyzmq, Exception.__init__ is not called: ``args`` keeps exactly what the caller
    # passed (Exception.__new__ stores it), which is what pickling replays.
    def __init__(self, errno: int | None = None, msg: str | None = None) -> None:
        if errno is None:
            errno = zmq_errno()
        if isinstance(errno, int):
            self.errno = errno
            _set_errno(errno)
            self.strerror = strerror(errno) if msg is None else msg
        else:
            self.strerror = str(errno) if msg is None else msg

    def __str__(self) -> str:
        return self.strerror

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}('{self}')"


class ZMQBindError(ZMQBaseError):
    """``Socket.bind_to_random_port`` found no free port."""


class NotDone(ZMQBaseError):
    """A ``MessageTracker.wait`` timed out before ZeroMQ was done with the message."""


# The two ignored parameters keep pyzmq's signatures: pyzmq's _check_rc passes the errno,
# and unpickling replays whatever args were given.
_Ignored = Union[int, str]


class ContextTerminated(ZMQError):
    """ETERM: the context was terminated."""

    def __init__(self, errno: _Ignored = "ignored", msg: str = "ignored") -> None:
        super().__init__(ETERM)


class Again(ZMQError):
    """EAGAIN: the operation would block (non-blocking call, or a timeout expired)."""

    def __init__(self, errno: _Ignored = "ignored", msg: str = "ignored") -> None:
        super().__init__(EAGAIN)


class InterruptedSystemCall(ZMQError, InterruptedError):
    """EINTR: a blocking call was interrupted by a signal.

    Meant to be retried internally; it reaching user code is a bug.
    """

    errno = EINTR
    strerror: str

    def __init__(self, errno: _Ignored = "ignored", msg: str = "ignored") -> None:
        super().__init__(EINTR)

    def __str__(self) -> str:
        return (
            super().__str__() + ": This call should have been retried. Please report this to pyzmq."
        )


class ZMQVersionError(NotImplementedError):
    """A feature needs a newer libzmq than the one purezmq behaves as (4.0.10)."""

    msg: str
    min_version: str
    version: str

    def __init__(self, min_version: str, msg: str = "Feature") -> None:
        self.msg = msg
        self.min_version = min_version
        self.version = _ZMQ_VERSION

    def __repr__(self) -> str:
        return f"ZMQVersionError('{self}')"

    def __str__(self) -> str:
        return f"{self.msg} requires libzmq >= {self.min_version}, have {self.version}"


def _error(errno: int, msg: str | None = None) -> ZMQError:
    """The exception pyzmq raises for ``errno``: the matching subclass, else ZMQError.

    ``msg`` only applies to plain ZMQError (the subclasses always use the standard text).
    """
    if errno == EAGAIN:
        return Again(errno)
    if errno == ETERM:
        return ContextTerminated(errno)
    if errno == EINTR:
        return InterruptedSystemCall(errno)
    if msg is None:
        return ZMQError(errno)  # args == (errno,), as pyzmq raises it
    return ZMQError(errno, msg)


def _raise(errno: int, msg: str | None = None) -> NoReturn:
    """Raise the exception pyzmq raises for ``errno``."""
    raise _error(errno, msg)


def _check_rc(rc: int, errno: int | None = None, error_without_errno: bool = True) -> None:
    """pyzmq's helper: raise for ``rc == -1`` with ``errno`` (default: :func:`zmq_errno`).

    With ``error_without_errno=False`` an errno of 0 is not an error.
    """
    if rc != -1:
        return
    if errno is None:
        errno = zmq_errno()
    if errno == 0 and not error_without_errno:
        return
    raise _error(errno)


def _check_version(
    min_version_info: tuple[int] | tuple[int, int] | tuple[int, int, int],
    msg: str = "Feature",
) -> None:
    """Raise ZMQVersionError unless the emulated libzmq is at least ``min_version_info``."""
    if _ZMQ_VERSION_INFO < min_version_info:
        min_version = ".".join(str(v) for v in min_version_info)
        raise ZMQVersionError(min_version, msg)


__all__ = [
    "Again",
    "ContextTerminated",
    "DraftFDWarning",
    "InterruptedSystemCall",
    "NotDone",
    "ZMQBaseError",
    "ZMQBindError",
    "ZMQError",
    "ZMQVersionError",
    "strerror",
    "zmq_errno",
]
