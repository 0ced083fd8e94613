"""A plain (blocking-API) view of a socket whose class changes send/recv, e.g. an asyncio
socket: what pyzmq spells ``zmq.Socket(shadow=async_socket)``.

ZMQStream and PUBHandler need the plain API whatever socket they are given: a stream's
callbacks must get lists of frames, not futures, and a log handler may be called from a
thread with no event loop. The view shares the socket core (messages, options, closing);
it never closes the socket when it is garbage-collected - its owner does.
"""

from __future__ import annotations

import sys
from typing import Any

from ..sugar.socket import Socket

__all__ = ["is_async_socket", "sync_socket"]


class _SocketView(Socket):
    """A plain Socket sharing another socket's core (a shadow, in pyzmq's terms)."""

    _repr_cls = "purezmq.Socket"

    def __init__(self, source: Socket) -> None:  # noqa: D107 - no Socket.__init__ on purpose
        d = self.__dict__
        sd = source.__dict__
        for key in ("_core", "context", "copy_threshold", "type", "_type_name"):
            if key in sd:
                d[key] = sd[key]
        core = d["_core"]
        d["send"] = core.send
        d["recv"] = core.recv
        d["_shadow"] = True
        d["_shadow_source"] = source

    @property
    def underlying(self) -> int:
        return self.__dict__["_shadow_source"].underlying  # type: ignore[no-any-return]

    def __del__(self) -> None:
        pass  # the socket belongs to the object we view


def is_async_socket(sock: Any) -> bool:
    """Whether ``sock`` is a purezmq.asyncio socket (or a subclass of one)."""
    mod = sys.modules.get("purezmq.asyncio")
    return mod is not None and isinstance(sock, mod.Socket)


def sync_socket(sock: Any) -> Any:
    """``sock`` itself if its send/recv are the plain ones, else a plain view of it."""
    if not is_async_socket(sock):
        return sock
    try:
        plain = Socket(shadow=sock)  # once the sugar layer supports pyzmq's spelling
    except Exception:
        plain = None
    if type(plain) is Socket and getattr(plain, "_core", None) is sock._core:
        return plain
    return _SocketView(sock)
