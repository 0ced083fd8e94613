"""Endpoint strings: parsing, address resolution and socket set-up for tcp and ipc.

Errors are the errno values libzmq gives for the same input (reference §8): EINVAL for bad
syntax, EPROTONOSUPPORT for an unknown transport, ENODEV for a bind interface that does not
exist, ENAMETOOLONG for an ipc path longer than sun_path.
"""

from __future__ import annotations

import errno as _errno
import os
import socket
import sys
import tempfile
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from ..constants import EPROTONOSUPPORT
from ..error import ZMQError

#: What fits in sockaddr_un.sun_path (including the terminating NUL on Linux).
IPC_PATH_MAX = 107 if sys.platform.startswith("linux") else 103

TRANSPORTS = ("tcp", "ipc", "inproc")


@dataclass(frozen=True)
class Endpoint:
    transport: str
    address: str

    def __str__(self) -> str:
        return f"{self.transport}://{self.address}"


def parse_endpoint(endpoint: str) -> Endpoint:
    if "://" not in endpoint:
        raise ZMQError(_errno.EINVAL)
    transport, _, address = endpoint.partition("://")
    if not transport or not address:
        raise ZMQError(_errno.EINVAL)
    if transport not in TRANSPORTS:
        raise ZMQError(EPROTONOSUPPORT)
    if transport == "ipc" and os.name == "nt":  # pragma: no cover
        raise ZMQError(EPROTONOSUPPORT)
    return Endpoint(transport, address)


# -- tcp ----------------------------------------------------------------------------------
def _split_host_port(address: str, *, empty_host: int = _errno.EINVAL) -> Tuple[str, str]:
    host, sep, port = address.rpartition(":")
    if not sep or not port:
        raise ZMQError(_errno.EINVAL)
    if not host:
        raise ZMQError(empty_host)
    if host.startswith("["):
        if not host.endswith("]"):
            raise ZMQError(_errno.EINVAL)
        host = host[1:-1]
    # An IPv6 scope (fe80::1%eth0) is kept; getaddrinfo understands it.
    return host, port


def _parse_port(port: str, *, wildcard: bool) -> int:
    if port == "*":
        if not wildcard:
            raise ZMQError(_errno.EINVAL)
        return 0
    if not port.isdigit():
        raise ZMQError(_errno.EINVAL)
    value = int(port)
    if value > 65535:
        raise ZMQError(_errno.EINVAL)  # libzmq 4.0 wraps modulo 65536: do not copy that
    return value


def _nic_address(name: str, ipv6: bool) -> Optional[Tuple[int, str]]:
    """The first address of a network interface by name (Linux), or None."""
    try:
        names = {n for _, n in socket.if_nameindex()}
    except OSError:  # pragma: no cover
        return None
    if name not in names:
        return None
    try:
        import fcntl
        import struct

        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            req = struct.pack("256s", name.encode()[:15])
            res = fcntl.ioctl(s.fileno(), 0x8915, req)  # SIOCGIFADDR
            return socket.AF_INET, socket.inet_ntoa(res[20:24])
        finally:
            s.close()
    except OSError:
        return None


def _is_ipv6_literal(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6, host.split("%", 1)[0])
        return True
    except (OSError, ValueError):
        return False


def _is_ipv4_literal(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET, host)
        return True
    except (OSError, ValueError):
        return False


def resolve_tcp_bind(address: str, ipv6: bool) -> Tuple[int, Tuple[Any, ...]]:
    """(family, sockaddr) for a tcp bind address; port 0 means "any free port"."""
    host, port_s = _split_host_port(address, empty_host=_errno.ENODEV)
    port = _parse_port(port_s, wildcard=True)
    if host == "*":
        if ipv6 and socket.has_ipv6:
            return socket.AF_INET6, ("::", port, 0, 0)
        return socket.AF_INET, ("0.0.0.0", port)
    if _is_ipv4_literal(host):
        return socket.AF_INET, (host, port)
    if _is_ipv6_literal(host):
        if not ipv6:
            raise ZMQError(_errno.ENODEV)
        return _getaddrinfo(host, port, socket.AF_INET6, passive=True)
    nic = _nic_address(host, ipv6)
    if nic is not None:
        return nic[0], (nic[1], port)
    try:
        return _getaddrinfo(host, port, socket.AF_INET6 if ipv6 else socket.AF_INET, passive=True)
    except ZMQError:
        raise ZMQError(_errno.ENODEV) from None


def _getaddrinfo(host: str, port: int, family: int, passive: bool = False) -> Tuple[int, Any]:
    flags = socket.AI_PASSIVE if passive else 0
    if family == socket.AF_INET6:
        flags |= socket.AI_V4MAPPED
        try:
            infos = socket.getaddrinfo(host, port, socket.AF_INET6, socket.SOCK_STREAM, 0, flags)
        except (OSError, UnicodeError):
            infos = []
        if not infos:
            family = socket.AF_INET
            flags &= ~socket.AI_V4MAPPED
    if family == socket.AF_INET:
        try:
            infos = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_STREAM, 0, flags)
        except (OSError, UnicodeError):
            raise ZMQError(_errno.EINVAL) from None
    if not infos:
        raise ZMQError(_errno.EINVAL)
    fam, _, _, _, sockaddr = infos[0]
    return fam, sockaddr


def resolve_tcp_connect(address: str, ipv6: bool) -> Tuple[int, Tuple[Any, ...]]:
    """(family, sockaddr) for a tcp connect address (resolved now, as libzmq 4.0 does)."""
    host, port_s = _split_host_port(address)
    if host == "*" or any(c.isspace() for c in host):
        raise ZMQError(_errno.EINVAL)
    port = _parse_port(port_s, wildcard=True)
    if _is_ipv4_literal(host):
        return socket.AF_INET, (host, port)
    if _is_ipv6_literal(host):
        return _getaddrinfo(host, port, socket.AF_INET6)
    return _getaddrinfo(host, port, socket.AF_INET6 if ipv6 else socket.AF_INET)


def format_tcp(sockaddr: Tuple[Any, ...], family: int) -> str:
    host, port = sockaddr[0], sockaddr[1]
    if family == socket.AF_INET6:
        return f"tcp://[{host}]:{port}"
    return f"tcp://{host}:{port}"


def tune_tcp(sock: socket.socket, options: Any) -> None:
    """libzmq's per-connection TCP settings: NODELAY, buffers, keepalive."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # pragma: no cover
        pass
    set_buffers(sock, options)
    ka = options.tcp_keepalive
    if ka != -1:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1 if ka else 0)
        if ka:
            for attr, opt in (
                ("tcp_keepalive_cnt", "TCP_KEEPCNT"),
                ("tcp_keepalive_idle", "TCP_KEEPIDLE"),
                ("tcp_keepalive_intvl", "TCP_KEEPINTVL"),
            ):
                value = getattr(options, attr)
                if value != -1 and hasattr(socket, opt):
                    try:
                        sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, opt), value)
                    except OSError:  # pragma: no cover
                        pass


def set_buffers(sock: socket.socket, options: Any) -> None:
    if options.sndbuf > 0:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, options.sndbuf)
    if options.rcvbuf > 0:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, options.rcvbuf)


def tcp_socket(family: int) -> socket.socket:
    s = socket.socket(family, socket.SOCK_STREAM)
    if family == socket.AF_INET6:
        try:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        except OSError:  # pragma: no cover
            pass
    s.setblocking(False)
    return s


# -- ipc ----------------------------------------------------------------------------------
def ipc_path(address: str) -> str:
    """The socket path (``@name`` is Linux's abstract namespace, kept as ``\\0name``)."""
    if address.startswith("@"):
        if len(address) == 1:
            raise ZMQError(_errno.EINVAL)
        if not sys.platform.startswith("linux"):  # pragma: no cover
            raise ZMQError(_errno.EINVAL)
        path = "\0" + address[1:]
    else:
        path = address
    if len(path.encode()) > IPC_PATH_MAX:
        raise ZMQError(_errno.ENAMETOOLONG)
    return path


def ipc_wildcard() -> str:
    """A fresh unique path for ``ipc://*`` (in the temp directory, like libzmq 4.3)."""
    d = tempfile.mkdtemp(prefix="purezmq-")
    return os.path.join(d, "socket")


def format_ipc(path: str) -> str:
    if path.startswith("\0"):
        return "ipc://@" + path[1:]
    return "ipc://" + path
