"""pyzmq's backend selector (``zmq.backend.select``).

pyzmq picks a compiled backend (Cython or CFFI) that provides the C-API level names in
:data:`public_api`. purezmq has exactly one backend, itself; :func:`select_backend` still
works for any importable module that provides those names.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Dict

__all__ = ["public_api", "select_backend"]

public_api = [
    "Context",
    "Socket",
    "Frame",
    "Message",
    "proxy",
    "proxy_steerable",
    "zmq_poll",
    "strerror",
    "zmq_errno",
    "has",
    "curve_keypair",
    "curve_public",
    "zmq_version_info",
    "IPC_PATH_MAX_LEN",
    "PYZMQ_DRAFT_API",
]


def select_backend(name: str) -> Dict[str, Any]:
    """The backend namespace of module ``name``: the :data:`public_api` names plus
    ``monitored_queue``. ImportError if the module cannot be imported or lacks a name."""
    try:
        mod = import_module(name)
    except ImportError:
        raise
    except Exception as e:  # a broken backend must look like a missing one
        raise ImportError(f"Importing {name} failed with {e}") from e
    ns: Dict[str, Any] = {}
    for key in ["monitored_queue", *public_api]:
        try:
            ns[key] = getattr(mod, key)
        except AttributeError:
            raise ImportError(f"backend {name} has no {key!r}") from None
    return ns
