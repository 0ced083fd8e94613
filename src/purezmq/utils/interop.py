"""Interoperability helpers (pyzmq's ``zmq.utils.interop``).

pyzmq uses :func:`cast_int_addr` to accept the address of a libzmq object either as an int
or as a CFFI pointer (``Socket.shadow(address)``, ``Context.shadow(address)``). purezmq's
"addresses" are the ``underlying`` ints of its objects, so ints pass through; a CFFI
pointer is still converted when cffi is installed, for code that hands one over.
"""

from __future__ import annotations

from typing import Any

__all__ = ["cast_int_addr"]


def cast_int_addr(n: Any) -> int:
    """``n`` as a Python int: an int as is, a CFFI ``void *`` by its value; else ValueError."""
    if isinstance(n, int):
        return n
    try:
        import cffi  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        pass
    else:
        ffi = cffi.FFI()
        if isinstance(n, ffi.CData):
            return int(ffi.cast("size_t", n))
    raise ValueError(f"Cannot cast {n!r} to int")
