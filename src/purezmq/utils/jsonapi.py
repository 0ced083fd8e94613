"""JSON to and from utf-8 bytes (pyzmq's ``zmq.utils.jsonapi``)."""

from __future__ import annotations

import json
from typing import Any

# backward compatibility (pyzmq keeps it, unused)
jsonmod = json


def dumps(o: Any, **kwargs: Any) -> bytes:
    """Serialize ``o`` to JSON bytes (utf-8); keyword arguments go to :func:`json.dumps`."""
    return json.dumps(o, **kwargs).encode("utf8")


def loads(s: Any, **kwargs: Any) -> Any:
    """Load an object from JSON bytes (utf-8) or str."""
    if isinstance(s, bytes):
        s = s.decode("utf8")
    return json.loads(s, **kwargs)


__all__ = ["dumps", "loads"]
