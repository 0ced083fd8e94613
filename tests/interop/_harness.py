"""Test-side half of the interop harness: drive a libzmq peer process (peer.py).

The pytest process never imports pyzmq; everything libzmq does happens in ``peer.py``,
spoken to over a JSON-lines pipe (see that file's docstring for the commands).

``Peer`` owns one process. ``request()`` is a round trip; ``submit()`` + ``result()`` split
it so a test can start a long peer command (``recv_many``) and play its own half meanwhile.
Replies are read by a thread into a queue, so a wedged peer turns into a test failure after
a timeout, never a hung suite.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import purezmq as zmq

PEER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer.py")
SMALL = 1024  # frames up to this size are reported with their content (peer.SMALL)
REPLY_TIMEOUT = 15.0


# -- frames ------------------------------------------------------------------------------
class GenBytes(bytes):
    """Deterministic pseudo-random bytes the peer can regenerate from (seed, size)."""

    spec: Dict[str, Any]

    def __new__(cls, seed: str, size: int) -> "GenBytes":
        data = hashlib.shake_128(seed.encode()).digest(size) if size else b""
        obj = super().__new__(cls, data)
        obj.spec = {"gen": [seed, size]}
        return obj


def gen(seed: str, size: int) -> GenBytes:
    return GenBytes(seed, size)


def frame_spec(frame: bytes) -> Dict[str, Any]:
    if isinstance(frame, GenBytes):
        return frame.spec
    return {"hex": bytes(frame).hex()}


def describe(frame: bytes) -> Dict[str, Any]:
    frame = bytes(frame)
    d: Dict[str, Any] = {"len": len(frame), "sha": hashlib.sha256(frame).hexdigest()}
    if len(frame) <= SMALL:
        d["hex"] = frame.hex()
    return d


def describe_all(frames: Sequence[bytes]) -> List[Dict[str, Any]]:
    return [describe(f) for f in frames]


def short(descs: Sequence[Dict[str, Any]]) -> List[Any]:
    """A readable form of frame descriptions for assertion messages."""
    return [bytes.fromhex(d["hex"]) if "hex" in d else f"<{d['len']} bytes>" for d in descs]


def seq_msg(prefix: str, i: int, size: int = 0) -> bytes:
    body = f"{prefix}{i:08d}".encode()
    if len(body) < size:
        body += b"." * (size - len(body))
    return body


class PeerError(Exception):
    def __init__(self, reply: Dict[str, Any]) -> None:
        super().__init__(f"{reply.get('err')}: {reply.get('msg')}")
        self.err = reply.get("err")
        self.reply = reply


# -- the peer process ---------------------------------------------------------------------
class Peer:
    """One ``peer.py`` process (libzmq via pyzmq)."""

    def __init__(self) -> None:
        self.proc: Optional[subprocess.Popen] = None
        self._replies: "queue.Queue[Optional[str]]" = queue.Queue()
        self.pending = 0
        self.start()

    def start(self) -> None:
        self._replies = queue.Queue()
        self.pending = 0
        self.proc = subprocess.Popen(
            [sys.executable, PEER_SCRIPT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        q, out = self._replies, self.proc.stdout

        def reader() -> None:
            for line in out:
                q.put(line)
            q.put(None)

        threading.Thread(target=reader, daemon=True).start()
        self.pid = self.request("ping")["pid"]

    # control protocol
    def submit(self, cmd: str, **kw: Any) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        kw["cmd"] = cmd
        self.proc.stdin.write(json.dumps(kw) + "\n")
        self.proc.stdin.flush()
        self.pending += 1

    def result(self, timeout: float = REPLY_TIMEOUT, check: bool = True) -> Dict[str, Any]:
        try:
            line = self._replies.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError("libzmq peer did not answer in time") from None
        if line is None:
            raise RuntimeError("libzmq peer process exited")
        self.pending -= 1
        reply = json.loads(line)
        if check and not reply["ok"]:
            raise PeerError(reply)
        return reply

    def request(self, cmd: str, *, wait: float = REPLY_TIMEOUT, **kw: Any) -> Dict[str, Any]:
        """Round trip; ``wait`` bounds the wait for the reply (kw go to the peer)."""
        self.submit(cmd, **kw)
        return self.result(wait)

    def drain(self, timeout: float = 8.0) -> bool:
        """Read replies still owed after a failed test; False if the peer is wedged."""
        deadline = time.monotonic() + timeout
        while self.pending:
            try:
                self.result(max(0.01, deadline - time.monotonic()), check=False)
            except (TimeoutError, RuntimeError):
                return False
        return True

    def socket(self, type_name: str, **opts: Any) -> "RemoteSocket":
        enc = {k: (frame_spec(v) if isinstance(v, bytes) else v) for k, v in opts.items()}
        sid = self.request("new", type=type_name, opts=enc)["sock"]
        return RemoteSocket(self, sid, type_name)

    # lifetime
    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                if self.drain(2.0):
                    self.proc.stdin.write('{"cmd": "exit"}\n')  # type: ignore[union-attr]
                    self.proc.stdin.flush()  # type: ignore[union-attr]
                    self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()  # type: ignore[union-attr]
            except OSError:
                pass

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class RemoteSocket:
    """A libzmq socket living in the peer process."""

    def __init__(self, peer: Peer, sid: int, type_name: str) -> None:
        self.peer, self.sid, self.type_name = peer, sid, type_name
        self.closed = False

    def bind(self, ep: str) -> str:
        return self.peer.request("bind", sock=self.sid, ep=ep)["ep"]

    def connect(self, ep: str) -> None:
        self.peer.request("connect", sock=self.sid, ep=ep)

    def setsockopt(self, **opts: Any) -> None:
        enc = {k: (frame_spec(v) if isinstance(v, bytes) else v) for k, v in opts.items()}
        self.peer.request("setsockopt", sock=self.sid, opts=enc)

    def send(self, frames: Sequence[bytes], timeout: int = 5000) -> None:
        self.peer.request(
            "send", sock=self.sid, frames=[frame_spec(f) for f in frames], timeout=timeout
        )

    def try_send(self, frames: Sequence[bytes], timeout: int = 5000) -> Optional[str]:
        """Send; return None on success or the errno name (e.g. EHOSTUNREACH)."""
        try:
            self.send(frames, timeout)
        except PeerError as e:
            return e.err
        return None

    def recv(self, timeout: int = 5000) -> Tuple[List[Dict[str, Any]], List[int]]:
        r = self.peer.request("recv", sock=self.sid, timeout=timeout)
        return r["frames"], r["more"]

    def try_recv(self, timeout: int) -> Optional[List[Dict[str, Any]]]:
        try:
            return self.recv(timeout)[0]
        except PeerError as e:
            if e.err == "EAGAIN":
                return None
            raise

    def close(self, linger: int = 0) -> None:
        if not self.closed:
            self.closed = True
            self.peer.request("close", sock=self.sid, linger=linger)


# -- the purezmq side ---------------------------------------------------------------------
def local_recv(sock: zmq.Socket) -> Tuple[List[Dict[str, Any]], List[int]]:
    """Receive one whole message frame by frame, recording RCVMORE after each frame."""
    frames, more = [], []
    while True:
        frames.append(describe(sock.recv()))
        m = sock.getsockopt(zmq.RCVMORE)
        more.append(m)
        if not m:
            return frames, more


def local_try_recv(sock: zmq.Socket, timeout: int) -> Optional[List[Dict[str, Any]]]:
    if not sock.poll(timeout, zmq.POLLIN):
        return None
    return local_recv(sock)[0]


def more_flags(n: int) -> List[int]:
    return [1] * (n - 1) + [0]


def fd_sockets() -> set:
    """Inodes of the sockets this process holds open (from /proc/self/fd)."""
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(int(target[8:-1]))
    return out


def free_tcp_endpoint() -> str:
    """A tcp endpoint on a currently free loopback port (for a peer that must bind the
    same port again later). A plain socket is used: closing a zmq socket releases its
    listener asynchronously (libzmq does the same), so a zmq probe could still hold it."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{s.getsockname()[1]}"


def wait_until(pred: Any, timeout: float, what: str) -> None:
    """Re-check ``pred`` (OS state with no event to block on) until true or timeout."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        pause.wait(0.005)
