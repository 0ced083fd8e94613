"""SocketBase's options: ``set``/``get`` through the declarative table of ``_options``.

Static options are plain attributes of the socket's :class:`~._options.Options`; the few
whose value lives elsewhere (TYPE, RCVMORE, EVENTS, FD, the security switches ...) are
computed in ``_get_dynamic``. Runs in the caller's thread, under the socket lock.
"""

from __future__ import annotations

import errno as _errno
from typing import Any

from ..constants import ENOTSOCK
from ..error import ContextTerminated, ZMQError
from ..routing._pubsub import Sub
from ..routing._sockets import Stream
from ._options import OptSpec, coerce, lookup, parse_accept_filter
from ._socket_parts import (
    MECH_CURVE,
    MECH_NULL,
    MECH_PLAIN,
    POLLIN,
    POLLOUT,
    STREAM_TYPE,
    SocketParts,
    _FdSignal,
)


class OptionsMixin(SocketParts):
    """``set``/``setsockopt``, ``get``/``getsockopt`` and ZMQ_EVENTS."""

    def set(self, option: int, optval: Any) -> None:
        """Set a socket option (libzmq's validation; EINVAL for anything else)."""
        with self._lock:
            self._check_usable()
            spec = lookup(option, self._type)
            if not spec.writable:
                raise ZMQError(_errno.EINVAL)
            value = coerce(spec, optval)
            if spec.check is not None:
                value = spec.check(value)
            self._set_option(spec, value)

    setsockopt = set

    def _set_option(self, spec: OptSpec, value: Any) -> None:
        opts = self._opts
        attr = spec.attr
        if attr == "ipv4only":
            opts.ipv6 = 0 if value else 1
            return
        if attr in ("subscribe", "unsubscribe"):
            routing = self._routing
            assert isinstance(routing, Sub)  # (UN)SUBSCRIBE apply to SUB only (see SPECS)
            if attr == "subscribe":
                routing.subscribe(value)
            else:
                routing.unsubscribe(value)
            return
        if attr == "tcp_accept_filter":
            if not value:
                opts.accept_filters = ()
            else:
                net = parse_accept_filter(value)
                if net.version == 6 and not opts.ipv6:
                    raise ZMQError(_errno.EINVAL)  # an IPv6 filter needs IPV6 (libzmq)
                opts.accept_filters = opts.accept_filters + (net,)
            return
        # The security state machine of libzmq 4.0 (reference §2): the last call wins.
        if attr in ("plain_server", "curve_server"):
            mech = MECH_PLAIN if attr == "plain_server" else MECH_CURVE
            opts.mechanism = mech if value else MECH_NULL
            opts.as_server = 1 if value else 0
            return
        if attr in ("plain_username", "plain_password"):
            setattr(opts, attr, value)
            opts.mechanism = MECH_PLAIN if value else MECH_NULL
            opts.as_server = 0
            return
        if attr in ("curve_publickey", "curve_secretkey", "curve_serverkey"):
            setattr(opts, attr, value)
            opts.mechanism = MECH_CURVE
            if attr == "curve_serverkey":
                opts.as_server = 0
            return
        setattr(opts, attr, value)

    def get(self, option: int) -> Any:
        """Read a socket option."""
        with self._lock:
            if self._closed:
                raise ZMQError(ENOTSOCK)
            if self._terminated:
                raise ContextTerminated()
            spec = lookup(option, self._type)
            if not spec.readable:
                raise ZMQError(_errno.EINVAL)
            if spec.dynamic:
                return self._get_dynamic(spec.attr)
            return getattr(self._opts, spec.attr)

    getsockopt = get

    def _get_dynamic(self, attr: str) -> Any:
        if attr == "rcvmore":
            return self._st.rcvmore
        if attr == "type":
            return self._type
        if attr == "identity":
            if self._type == STREAM_TYPE:
                routing = self._routing
                assert isinstance(routing, Stream)
                return routing.last_id  # the id of the latest connection (libzmq)
            return self._opts.identity
        if attr == "ipv4only":
            return 0 if self._opts.ipv6 else 1
        if attr == "fd":
            sig = self._fd_signal
            if sig is None:
                sig = self._fd_signal = _FdSignal()
                sig.set()
            return sig.rfd
        if attr == "plain_server":
            return int(bool(self._opts.as_server) and self._opts.mechanism == MECH_PLAIN)
        if attr == "curve_server":
            return int(bool(self._opts.as_server) and self._opts.mechanism == MECH_CURVE)
        if attr.startswith("curve_"):
            from ..utils.z85 import encode

            return encode(getattr(self._opts, attr))
        if attr == "events":
            sig = self._fd_signal
            if sig is not None:
                sig.clear()
            if self._cmds:
                self._process_cmds()
            return self._events()
        raise ZMQError(_errno.EINVAL)  # pragma: no cover

    def _events(self) -> int:
        ev = 0
        routing = self._routing
        if self._st.rx is not None or routing.has_in():
            ev |= POLLIN
        if self._st.tx is not None or routing.has_out():
            ev |= POLLOUT
        return ev
