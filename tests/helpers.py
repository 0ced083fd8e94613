"""Shared helpers for the socket, lifecycle and bad-input tests.

Python versions of libzmq's tests/testutil.hpp (bounce, expect_bounce_fail, s_send_seq /
s_recv_seq) plus endpoint factories per transport, waits that never rest on a bare sleep,
and a minimal hand-written ZMTP 3.0 client for the bad-input tests.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import socket
import struct
import tempfile
import time
from typing import Any, Callable, List, Optional, Sequence

import purezmq as zmq

TRANSPORTS = ["inproc", "ipc", "tcp"]
STREAM_TRANSPORTS = ["ipc", "tcp"]

#: Generous upper bound for anything that should happen "soon" (seconds).
WAIT = 2.0
#: Default receive timeout in ms for sockets that expect a message.
RCVTIMEO = 2000

_counter = itertools.count()
# A short directory: sun_path holds ~107 bytes and pytest's tmp_path can be longer.
_IPC_DIR = tempfile.mkdtemp(prefix="pzt-", dir="/tmp" if os.path.isdir("/tmp") else None)
atexit.register(shutil.rmtree, _IPC_DIR, True)


def unique(prefix: str = "ep") -> str:
    return f"{prefix}{os.getpid()}-{next(_counter)}"


def ipc_path() -> str:
    return os.path.join(_IPC_DIR, unique("s"))


def endpoint(transport: str) -> str:
    """An endpoint to *bind* for ``transport`` (tcp uses an OS-assigned port)."""
    if transport == "inproc":
        return "inproc://" + unique()
    if transport == "ipc":
        return "ipc://" + ipc_path()
    if transport == "tcp":
        return "tcp://127.0.0.1:*"
    raise ValueError(transport)


def bind(sock: Any, transport: str) -> str:
    """Bind ``sock`` on a fresh endpoint of ``transport``; return what peers connect to."""
    sock.bind(endpoint(transport))
    return sock.getsockopt(zmq.LAST_ENDPOINT).decode()


def free_tcp_port() -> int:
    """A tcp port nobody listens on right now (for connect-before-bind scenarios)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def connectable(transport: str) -> str:
    """An endpoint nobody is bound to yet, usable for connect-then-bind."""
    if transport == "tcp":
        return f"tcp://127.0.0.1:{free_tcp_port()}"
    return endpoint(transport)


# -- contexts made by a test itself ---------------------------------------------------------
_live_contexts: List[Any] = []


def new_context(*args: Any, **kwargs: Any) -> Any:
    """A Context that :func:`reap_contexts` destroys (linger 0) if the test did not: a test
    that fails half-way must not leave a LINGER -1 context for the garbage collector, whose
    destroy() could then block the whole run."""
    c = zmq.Context(*args, **kwargs)
    _live_contexts.append(c)
    return c


def reap_contexts() -> None:
    while _live_contexts:
        c = _live_contexts.pop()
        if not c.closed:
            c.destroy(linger=0)


# -- waiting ------------------------------------------------------------------------------
def wait_until(pred: Callable[[], Any], timeout: float = WAIT, interval: float = 0.005) -> Any:
    """Poll ``pred`` until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: {pred}")
        time.sleep(interval)


def poll_in(sock: Any, timeout_ms: int = RCVTIMEO) -> bool:
    return bool(sock.poll(timeout_ms, zmq.POLLIN) & zmq.POLLIN)


def recv_multipart(sock: Any, timeout_ms: int = RCVTIMEO) -> List[bytes]:
    """Receive one whole message or fail after ``timeout_ms``."""
    saved = sock.getsockopt(zmq.RCVTIMEO)
    sock.setsockopt(zmq.RCVTIMEO, timeout_ms)
    try:
        return sock.recv_multipart()
    except zmq.Again:
        raise AssertionError(f"no message on {sock!r} within {timeout_ms} ms") from None
    finally:
        sock.setsockopt(zmq.RCVTIMEO, saved)


def recv(sock: Any, timeout_ms: int = RCVTIMEO) -> bytes:
    msg = recv_multipart(sock, timeout_ms)
    assert len(msg) == 1, msg
    return msg[0]


def recv_any(socks: Sequence[Any], timeout_ms: int = RCVTIMEO) -> tuple:
    """(index, message) from whichever of ``socks`` has a message first."""
    poller = zmq.Poller()
    for s in socks:
        poller.register(s, zmq.POLLIN)
    ready = dict(poller.poll(timeout_ms))
    for i, s in enumerate(socks):
        if ready.get(s, 0) & zmq.POLLIN:
            return i, s.recv_multipart(zmq.DONTWAIT)
    raise AssertionError(f"no message on any of {len(socks)} sockets within {timeout_ms} ms")


def sub_socket(ctx: Any, ep: str, *topics: bytes, **opts: Any) -> Any:
    """A SUB with ``opts`` (option names, any case) set, connected to ``ep``, subscribed to
    ``topics``."""
    s = ctx.socket(zmq.SUB)
    for name, value in opts.items():
        s.setsockopt(getattr(zmq, name.upper()), value)
    s.connect(ep)
    for t in topics:
        s.subscribe(t)
    return s


def assert_no_message(sock: Any, timeout_ms: int = 100) -> None:
    """Prove that nothing arrives (keep the window short: ≤ 200 ms)."""
    assert timeout_ms <= 200
    assert not poll_in(sock, timeout_ms), f"unexpected message: {sock.recv_multipart()!r}"


def drain(sock: Any) -> List[List[bytes]]:
    out = []
    while True:
        try:
            out.append(sock.recv_multipart(zmq.DONTWAIT))
        except zmq.Again:
            return out


def send_seq(sock: Any, *frames: Optional[bytes]) -> None:
    """libzmq's s_send_seq: ``None`` is an empty frame."""
    parts = [b"" if f is None else f for f in frames]
    sock.send_multipart(parts)


def recv_seq(sock: Any, *frames: Optional[bytes], timeout_ms: int = RCVTIMEO) -> None:
    """libzmq's s_recv_seq: expect exactly these frames (``None`` = empty frame)."""
    expected = [b"" if f is None else f for f in frames]
    assert recv_multipart(sock, timeout_ms) == expected


def bounce(server: Any, client: Any) -> None:
    """testutil's bounce: a 2-frame 32-byte message each way, checking RCVMORE."""
    content = b"12345678ABCDEFGH12345678abcdefgh"
    client.send(content, zmq.SNDMORE)
    client.send(content)
    assert poll_in(server), "bounce: server got nothing"
    assert server.recv() == content
    assert server.getsockopt(zmq.RCVMORE) == 1
    assert server.recv() == content
    assert server.getsockopt(zmq.RCVMORE) == 0
    server.send(content, zmq.SNDMORE)
    server.send(content)
    assert poll_in(client), "bounce: client got nothing"
    assert client.recv() == content
    assert client.getsockopt(zmq.RCVMORE) == 1
    assert client.recv() == content
    assert client.getsockopt(zmq.RCVMORE) == 0


def expect_bounce_fail(server: Any, client: Any) -> None:
    """testutil's expect_bounce_fail: nothing gets through within 250 ms."""
    content = b"12345678ABCDEFGH12345678abcdefgh"
    client.setsockopt(zmq.SNDTIMEO, 250)
    try:
        client.send(content, zmq.SNDMORE)
        client.send(content)
    except zmq.Again:
        return
    server.setsockopt(zmq.RCVTIMEO, 250)
    try:
        server.recv()
    except zmq.Again:
        return
    raise AssertionError("bounce unexpectedly succeeded")


def close_zero_linger(*socks: Any) -> None:
    for s in socks:
        s.close(linger=0)


# -- hand-written ZMTP 3.0 (reference §5.1, §5.4) ------------------------------------------
SIGNATURE = b"\xff" + b"\x00" * 7 + b"\x01" + b"\x7f"


def greeting(
    mechanism: bytes = b"NULL", major: int = 3, minor: int = 0, as_server: int = 0
) -> bytes:
    """A full 64-byte ZMTP 3.x greeting."""
    return (
        SIGNATURE
        + bytes((major, minor))
        + mechanism.ljust(20, b"\x00")
        + bytes((as_server,))
        + bytes(31)
    )


def properties(props: Sequence[tuple]) -> bytes:
    out = b""
    for name, value in props:
        raw = name.encode() if isinstance(name, str) else name
        out += bytes((len(raw),)) + raw + struct.pack(">I", len(value)) + value
    return out


def command(body: bytes) -> bytes:
    if len(body) < 256:
        return bytes((0x04, len(body))) + body
    return b"\x06" + struct.pack(">Q", len(body)) + body


def ready(
    socket_type: Optional[bytes] = None,
    identity: Optional[bytes] = None,
    extra: Sequence[tuple] = (),
) -> bytes:
    props = []
    if socket_type is not None:
        props.append(("Socket-Type", socket_type))
    if identity is not None:
        props.append(("Identity", identity))
    props.extend(extra)
    return command(b"\x05READY" + properties(props))


def frame(body: bytes, more: bool = False) -> bytes:
    flags = 0x01 if more else 0x00
    if len(body) < 256:
        return bytes((flags, len(body))) + body
    return bytes((flags | 0x02,)) + struct.pack(">Q", len(body)) + body


class RawPeer:
    """A plain TCP client that speaks just enough ZMTP to misbehave on purpose."""

    def __init__(self, endpoint: str, timeout: float = WAIT) -> None:
        assert endpoint.startswith("tcp://")
        host, port = endpoint[len("tcp://") :].rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(f"closed after {len(self.buf)} of {n} bytes")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_frame(self) -> tuple:
        """(flags, body) of the next ZMTP 3.0 frame."""
        flags = self.read_exactly(1)[0]
        if flags & 0x02:
            size = struct.unpack(">Q", self.read_exactly(8))[0]
        else:
            size = self.read_exactly(1)[0]
        return flags, self.read_exactly(size)

    def handshake(self, socket_type: bytes, identity: Optional[bytes] = None) -> dict:
        """Full NULL handshake; returns the server's READY properties."""
        self.send(greeting())
        peer = self.read_exactly(64)
        assert peer[:1] == b"\xff" and peer[9] & 1, peer
        assert peer[10] == 3, peer
        assert peer[12:32] == b"NULL".ljust(20, b"\x00"), peer
        self.send(ready(socket_type, identity))
        flags, body = self.read_frame()
        assert flags & 0x04 and body.startswith(b"\x05READY"), (flags, body)
        return parse_properties(body[6:])

    def expect_closed(self, timeout: float = WAIT) -> None:
        """The server closes this connection: EOF or a reset within ``timeout``."""
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                return
            except socket.timeout:
                raise AssertionError("server did not close the connection") from None
            if not chunk:
                return
            if time.monotonic() > deadline:
                raise AssertionError("server keeps talking instead of closing")

    def is_open(self, window: float = 0.1) -> bool:
        """True if the server neither closed nor wrote anything within ``window`` s."""
        self.sock.settimeout(window)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return True
        except (ConnectionResetError, BrokenPipeError):
            return False
        if chunk:
            self.buf += chunk
            return True
        return False

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def parse_properties(data: bytes) -> dict:
    props = {}
    pos = 0
    while pos < len(data):
        n = data[pos]
        name = data[pos + 1 : pos + 1 + n].decode()
        pos += 1 + n
        vlen = struct.unpack(">I", data[pos : pos + 4])[0]
        pos += 4
        props[name] = data[pos : pos + vlen]
        pos += vlen
    return props
