"""Frame (alias Message): one message part, for zero-copy sends and metadata access."""

from __future__ import annotations

import builtins
import errno as _errno
import sys
import threading
import weakref
from typing import Any, Dict, Optional

from ..constants import MORE
from ..error import ZMQError, _check_version
from .attrsettr import AttributeSetter
from .tracker import MessageTracker, _finished


def _finished_tracker() -> MessageTracker:
    return _finished()


class _Holder:
    """Lives as long as purezmq (or the Frame) holds a tracked zero-copy buffer."""

    __slots__ = ("__weakref__",)


class Frame(AttributeSetter):
    """A message frame.

    ``Frame(data, track=False, copy=None)``: ``data`` is bytes or any buffer. Received frames
    (``recv(copy=False)``) expose ``bytes``, ``buffer``, ``more`` and ``get(property)`` for
    the metadata of the connection they came from (``"Socket-Type"``, ``"Identity"``,
    ``"User-Id"``, ``"Peer-Address"``...).
    """

    # Declared on the class so that AttributeSetter lets them through as plain attributes
    # (otherwise ``self.more = ...`` would be taken for the socket option MORE).
    more: bool = False
    tracker: Optional[MessageTracker] = None
    tracker_event: Any = None
    # Per-frame state, written straight into ``__dict__`` (see ``_from_wire``).
    _data: Any
    _bytes: Optional[builtins.bytes]
    _metadata: Optional[Dict[str, Any]]
    _owner: Any
    _holder: Optional[_Holder]

    def __init__(
        self,
        data: Any = None,
        track: bool = False,
        copy: Optional[bool] = None,
        copy_threshold: Optional[int] = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(data, str):
            raise TypeError("Str objects not allowed. Only: bytes, buffer interfaces.")
        if data is None:
            data = b""
        if isinstance(data, Frame):
            data = data._data
        d = self.__dict__
        d["_holder"] = None
        tracker: Optional[MessageTracker] = _finished() if track else None
        event = None
        if type(data) is bytes:
            view = None
            nbytes = len(data)
        else:
            view = memoryview(data)
            if not view.c_contiguous:
                raise BufferError("memoryview: underlying buffer is not C-contiguous")
            if view.format != "B" or view.ndim != 1:
                view = view.cast("B")
            nbytes = view.nbytes
        if copy is None:
            import purezmq

            threshold = purezmq.COPY_THRESHOLD if copy_threshold is None else copy_threshold
            copy = bool(threshold) and nbytes < threshold
        if copy:
            if view is not None:
                data = view.tobytes()
        else:
            # Zero-copy: purezmq keeps a reference to the caller's buffer. The tracker is
            # done once this Frame and every message made from it are released.
            if view is not None:
                data = view
            if track:
                event = threading.Event()
                tracker = MessageTracker(event)
                holder = d["_holder"] = _Holder()
                weakref.finalize(holder, event.set)
        d["_data"] = data
        d["more"] = False
        d["_metadata"] = None
        d["_owner"] = None
        d["_bytes"] = data if type(data) is bytes else None
        d["tracker"] = tracker
        d["tracker_event"] = event

    @classmethod
    def _from_wire(
        cls, data: Any, more: bool, metadata: Optional[Dict[str, Any]], owner: Any = None
    ) -> "Frame":
        f = cls.__new__(cls)
        # Straight into __dict__: this is the recv(copy=False) hot path, and it skips
        # AttributeSetter.__setattr__. ``owner`` keeps a tracked sender's message alive
        # while this frame shares its buffer.
        f.__dict__.update(
            _data=data,
            more=more,
            _metadata=metadata,
            _bytes=data if type(data) is bytes else None,
            _owner=owner,
            _holder=None,
        )
        return f

    def _wire(self) -> Any:
        return self._data

    @property
    def bytes(self) -> bytes:
        b = self._bytes
        if b is None:
            b = self._bytes = bytes(self._data)
        return b

    @property
    def buffer(self) -> memoryview:
        return memoryview(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __bytes__(self) -> builtins.bytes:
        return self.bytes

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Frame):
            return self.bytes == other.bytes
        return self.bytes == other

    def __hash__(self) -> int:
        return hash(self.bytes)

    if sys.version_info >= (3, 12):

        def __buffer__(self, flags: int) -> memoryview:
            return memoryview(self._data)

    def __copy__(self) -> "Frame":
        """A copy shares the data, and the tracker, like pyzmq's."""
        f = Frame._from_wire(self._data, self.more, self._metadata, self._owner)
        f.__dict__.update(
            _holder=self._holder, tracker=self.tracker, tracker_event=self.tracker_event
        )
        return f

    fast_copy = __copy__

    def __repr__(self) -> str:
        # pyzmq's format: up to 16 bytes shown whole, longer ones as 12 bytes + size.
        nbytes = len(self)
        suffix = ""
        if nbytes > 16:
            shown = bytes(memoryview(self._data)[:12])
            if nbytes >= 1e9:
                unit, n = "GB", nbytes // 1e9
            elif nbytes >= 2**20:
                unit, n = "MB", nbytes // 1e6
            elif nbytes >= 1e3:
                unit, n = "kB", nbytes // 1e3
            else:
                unit, n = "B", nbytes
            suffix = f"...{n:.0f}{unit}"
        else:
            shown = self.bytes
        module = self.__class__.__module__
        if module == __name__:
            module = "purezmq"
        return f"<{module}.{self.__class__.__name__}({shown!r}{suffix})>"

    def __getitem__(self, key: Any) -> Any:
        """``frame["User-Id"]`` is ``frame.get("User-Id")``, as in pyzmq."""
        return self.get(key)

    def get(self, option: Any) -> Any:
        """MORE (int) or a metadata property by name (returned as str)."""
        if isinstance(option, int):
            if option == MORE:
                return 1 if self.more else 0
            raise ZMQError(_errno.EINVAL)
        if isinstance(option, bytes):
            option = option.decode()
        md = self._metadata or {}
        if option not in md:
            raise ZMQError(_errno.EINVAL)
        value = md[option]
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value).decode("utf-8", "replace")
        return value

    def set(self, option: int, value: Any) -> None:
        raise ZMQError(_errno.EINVAL)

    # CLIENT-SERVER / RADIO-DISH are libzmq 4.2 draft features: pyzmq raises
    # ZMQVersionError for them when linked against libzmq 4.0, and so does purezmq.
    @property
    def routing_id(self) -> int:
        _check_version((4, 2), "CLIENT-SERVER")
        raise AssertionError("unreachable")  # pragma: no cover

    @routing_id.setter
    def routing_id(self, routing_id: int) -> None:
        _check_version((4, 2), "CLIENT-SERVER")

    @property
    def group(self) -> str:
        _check_version((4, 2), "RADIO-DISH")
        raise AssertionError("unreachable")  # pragma: no cover

    @group.setter
    def group(self, group: Any) -> None:
        _check_version((4, 2), "RADIO-DISH")


Message = Frame

__all__ = ["Frame", "Message"]
