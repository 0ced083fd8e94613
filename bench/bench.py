#!/usr/bin/env python3
"""purezmq vs pyzmq, side by side: the project's equivalent of libzmq's perf tools.

    python bench/bench.py [--quick] [--scenario thr|lat|idle|pubsub|asyncio|curve|all]
                          [--transport tcp,ipc,inproc]
                          [--sizes 64,1024,65536 | --sweep] [--count N] [--repeat N]
                          [--json out.json] [--strict]

Scenarios (every one is run for pyzmq then purezmq, interleaved, best of --repeat):

thr   PUSH -> PULL throughput, like local_thr/remote_thr. tcp and ipc: the sender is a child
      process (``python bench.py --child thr_send``), the receiver is this process; inproc: the
      sender is a thread. The clock starts at the first received message and stops at the
      last; figures are msg/s and MB/s (10^6 bytes/s of payload).
lat   REQ/REP round trip, like local_lat/remote_lat: this process is REQ, the echoing REP is a
      child process (tcp, ipc) or a thread (inproc). Figure: mean round-trip time in µs
      (lower is better).
idle  a connected PUSH/PULL pair over tcp left idle for 2 s in a fresh child process; figure:
      CPU time (user+sys, all threads, getrusage) the process burnt during those 2 s.
pubsub PUB (this process) -> 1 and 10 SUBs (child processes) over tcp, 64 B and 1 KiB, with
      windowed acks so nothing is dropped; figure: aggregate delivered msg/s. Floors: 1 SUB
      >= 0.35x pyzmq, 10 SUBs >= 0.5x.
asyncio zmq.asyncio vs purezmq.asyncio on the default loop, its own table after the main one:
      awaited PULL 64 B throughput; REQ/REP rtt with both ends awaiting (aa), both blocking
      (ss, as "lat"), an awaiting or a blocking REQ against libzmq's echo (al / sl: the same
      peer for both libraries) or, inproc, against the library's blocking echo (as).
      Floors: thr >= 1.0x, rtt aa <= 1.0x zmq.asyncio.
curve  CURVE over tcp, its own table: PUSH -> PULL 64 B and 1 KiB (child sender), and
      handshakes/s (a child keeps 8 new client connections in flight, each handshaking and
      doing one round trip). Floors: thr 1 KiB >= 0.5x pyzmq, handshakes/s >= 0.5x.

The same scenario code drives both libraries: each process imports the library by module name
(``importlib.import_module("zmq")`` or ``"purezmq"``) and only talks to it through that module.
Ratios are purezmq/pyzmq (throughput: higher is better; latency: purezmq_rtt/pyzmq_rtt, lower
is better).

Nothing here may hang: every blocking call has a timeout, children have their own deadline
watchdog, the parent kills stragglers, and a per-measurement watchdog aborts the whole run if
a library call never returns.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")

LIB_LABEL = {"zmq": "pyzmq", "purezmq": "purezmq"}
DEFAULT_SIZES = [64, 1024, 65536]
SWEEP_SIZES = [64, 256, 1024, 4096, 16384, 65536]
LAT_SIZE = 64
LAT_COUNT = 20_000
LAT_WARMUP = 200
IDLE_SECONDS = 2.0
IDLE_CPU_LIMIT = 0.02  # seconds of CPU over the idle window (1% of a core) counts as "~0"

FIRST_MSG_TIMEOUT = 20.0  # s: child start-up + connect + handshake
STALL_TIMEOUT_MS = 10_000  # no message for this long in a running measurement = failure
CHILD_DEADLINE = 240.0  # s: a child process kills itself after this
MEASURE_DEADLINE = 300.0  # s: the parent aborts the whole run if one measurement takes longer


# Measure this tree's purezmq (parent and children alike), whatever else is installed.
if os.path.isdir(os.path.join(SRC, "purezmq")) and SRC not in sys.path:
    sys.path.insert(0, SRC)


def load(name: str) -> Any:
    """Import a ZeroMQ library by module name ('zmq' = pyzmq, or 'purezmq')."""
    return importlib.import_module(name)


# (size, messages) anchors for one throughput run, about 1-3 s for pyzmq on a laptop-class
# machine; sizes in between are interpolated on a log-log scale.
THR_COUNTS = [(64, 500_000), (1024, 250_000), (65536, 20_000)]


def thr_count(size: int) -> int:
    """Messages for one throughput run of ``size``-byte messages."""
    size = max(size, 1)
    pts = THR_COUNTS
    if size <= pts[0][0]:
        (s0, n0), (s1, n1) = pts[0], pts[1]
    elif size >= pts[-1][0]:
        (s0, n0), (s1, n1) = pts[-2], pts[-1]
    else:
        i = next(i for i in range(1, len(pts)) if size <= pts[i][0])
        (s0, n0), (s1, n1) = pts[i - 1], pts[i]
    exp = math.log(n1 / n0) / math.log(s1 / s0)
    n = min(n0 * (size / s0) ** exp, 2_000_000)
    mag = 10 ** max(0, int(math.log10(n)) - 1)
    return max(1000, int(round(n / mag) * mag))


# ============================================================================================
# Child processes: ``python bench.py --child ROLE --lib LIB ...``
# ============================================================================================


def _child_watchdog(deadline: float) -> None:
    def fire() -> None:
        sys.stderr.write(f"bench child: deadline of {deadline:.0f}s passed, exiting\n")
        sys.stderr.flush()
        os._exit(3)

    t = threading.Timer(deadline, fire)
    t.daemon = True
    t.start()


def child_thr_send(zmq: Any, endpoint: str, size: int, count: int) -> dict[str, Any]:
    """remote_thr: connect a PUSH and send ``count`` messages of ``size`` bytes."""
    ctx = zmq.Context()
    s = ctx.socket(zmq.PUSH)
    s.setsockopt(zmq.SNDTIMEO, STALL_TIMEOUT_MS)
    s.setsockopt(zmq.LINGER, STALL_TIMEOUT_MS)
    try:
        s.connect(endpoint)
        msg = b"\x00" * size
        send = s.send
        for _ in range(count):
            send(msg)
    finally:
        s.close()
        ctx.term()
    return {"sent": count}


def child_lat_echo(zmq: Any, endpoint: str, size: int, count: int) -> dict[str, Any]:
    """local_lat's echo side: a REP that returns ``count`` messages."""
    ctx = zmq.Context()
    s = ctx.socket(zmq.REP)
    s.setsockopt(zmq.RCVTIMEO, int(FIRST_MSG_TIMEOUT * 1000))
    s.setsockopt(zmq.SNDTIMEO, STALL_TIMEOUT_MS)
    s.setsockopt(zmq.LINGER, 1000)
    try:
        s.connect(endpoint)
        recv, send = s.recv, s.send
        for _ in range(count):
            send(recv())
    finally:
        s.close()
        ctx.term()
    return {"echoed": count}


def child_idle(zmq: Any, endpoint: str, size: int, count: int) -> dict[str, Any]:
    """A connected tcp PUSH/PULL pair idle for IDLE_SECONDS: how much CPU does it burn?"""
    import resource

    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    for s in (pull, push):
        s.setsockopt(zmq.LINGER, 0)
    pull.setsockopt(zmq.RCVTIMEO, int(FIRST_MSG_TIMEOUT * 1000))
    try:
        port = pull.bind_to_random_port("tcp://127.0.0.1")
        push.connect(f"tcp://127.0.0.1:{port}")
        push.send(b"hello")
        if pull.recv() != b"hello":
            raise RuntimeError("idle: wrong message")
        time.sleep(0.1)  # let the handshake's tail settle
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        w0 = time.perf_counter()
        time.sleep(IDLE_SECONDS)
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.perf_counter() - w0
        # still connected and working afterwards
        push.send(b"bye")
        if pull.recv() != b"bye":
            raise RuntimeError("idle: wrong message after idle")
    finally:
        pull.close()
        push.close()
        ctx.term()
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return {"cpu_s": cpu, "wall_s": wall}


CHILD_ROLES: dict[str, Callable[..., dict[str, Any]]] = {
    "thr_send": child_thr_send,
    "lat_echo": child_lat_echo,
    "idle": child_idle,
}


def child_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="bench.py --child")
    p.add_argument("--child", required=True, choices=sorted(CHILD_ROLES))
    p.add_argument("--lib", required=True)
    p.add_argument("--endpoint", default="")
    p.add_argument("--size", type=int, default=0)
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--deadline", type=float, default=CHILD_DEADLINE)
    a = p.parse_args(argv)
    _child_watchdog(a.deadline)
    zmq = load(a.lib)
    result = CHILD_ROLES[a.child](zmq, a.endpoint, a.size, a.count)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


# ============================================================================================
# Parent side: process management and the watchdog
# ============================================================================================

_children: list[subprocess.Popen] = []


def spawn(
    role: str, lib: str, endpoint: str = "", size: int = 0, count: int = 0
) -> subprocess.Popen:
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        role,
        "--lib",
        lib,
        "--endpoint",
        endpoint,
        "--size",
        str(size),
        "--count",
        str(count),
        "--deadline",
        str(CHILD_DEADLINE),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _children.append(proc)
    return proc


def reap(proc: subprocess.Popen, timeout: float) -> tuple[int, str, str]:
    """Wait for a child; kill it if it does not exit in time. Returns (rc, out, err)."""
    try:
        out, err = proc.communicate(timeout=timeout)
        killed = False
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        killed = True
    if proc in _children:
        _children.remove(proc)
    rc = proc.returncode
    err_s = err.decode(errors="replace").strip()
    if killed:
        err_s = (err_s + "\n" if err_s else "") + f"(killed: still running after {timeout:.0f}s)"
        rc = rc if rc else -9
    return rc, out.decode(errors="replace"), err_s


def kill_all_children() -> None:
    for proc in list(_children):
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout=5)
        _children.remove(proc)


class Watchdog:
    """Aborts the run (kills children, exits 3) if one measurement overruns its deadline."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deadline: float | None = None
        self._what = ""
        t = threading.Thread(target=self._run, name="bench-watchdog", daemon=True)
        t.start()

    def arm(self, what: str, seconds: float) -> None:
        with self._lock:
            self._what, self._deadline = what, time.monotonic() + seconds

    def disarm(self) -> None:
        with self._lock:
            self._deadline = None

    def _run(self) -> None:
        while True:
            time.sleep(0.5)
            with self._lock:
                overdue = self._deadline is not None and time.monotonic() > self._deadline
                what = self._what
            if overdue:
                sys.stderr.write(
                    f"\nbench: '{what}' did not finish within its deadline; "
                    "a library call hung. Killing children and aborting.\n"
                )
                sys.stderr.flush()
                kill_all_children()
                os._exit(3)


def safe_term(ctx: Any, timeout: float = 10.0) -> None:
    """ctx.term() in a helper thread, so a term() that never returns cannot hang the bench."""
    done = threading.Event()
    err: list[BaseException] = []

    def run() -> None:
        try:
            ctx.term()
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
            err.append(e)
        done.set()

    threading.Thread(target=run, name="bench-term", daemon=True).start()
    if not done.wait(timeout):
        raise RuntimeError(f"ctx.term() did not return within {timeout:.0f}s")
    if err:
        raise err[0]


class BenchError(Exception):
    pass


def _bind(zmq: Any, sock: Any, transport: str, tmpdir: str, tag: str) -> str:
    if transport == "tcp":
        port = sock.bind_to_random_port("tcp://127.0.0.1")
        return f"tcp://127.0.0.1:{port}"
    if transport == "ipc":
        ep = f"ipc://{tmpdir}/{tag}.ipc"
    elif transport == "inproc":
        ep = f"inproc://{tag}"
    else:
        raise BenchError(f"unknown transport {transport!r}")
    sock.bind(ep)
    return ep


def _wait_events(
    sock: Any, flags: int, peer_alive: Callable[[], str | None], timeout: float, what: str
) -> None:
    """Poll until ``sock`` has ``flags``, failing fast if the peer died."""
    deadline = time.monotonic() + timeout
    while not sock.poll(100, flags):
        dead = peer_alive()
        if dead:
            raise BenchError(f"{what}: peer failed before the first message: {dead}")
        if time.monotonic() > deadline:
            raise BenchError(f"{what}: nothing within {timeout:.0f}s")


class _Peer:
    """The other end of a measurement: a child process or (inproc) a thread in this process."""

    def __init__(
        self, proc: subprocess.Popen | None = None, thread_target: Callable[[], None] | None = None
    ) -> None:
        self.proc = proc
        self.errors: list[BaseException] = []
        self.thread: threading.Thread | None = None
        if thread_target is not None:

            def run() -> None:
                try:
                    thread_target()
                except BaseException as e:  # noqa: BLE001 - reported by finish()
                    self.errors.append(e)

            self.thread = threading.Thread(target=run, name="bench-peer", daemon=True)
            self.thread.start()

    def dead(self) -> str | None:
        if self.proc is not None and self.proc.poll() is not None:
            _, _, err = reap(self.proc, 1)
            return f"child exited with {self.proc.returncode}: {err[-800:]}"
        if self.thread is not None and not self.thread.is_alive():
            return f"thread ended: {self.errors[0]!r}" if self.errors else "thread ended"
        return None

    def finish(self, ok: bool, timeout: float = 15.0) -> None:
        """Wait for a clean end (if the measurement succeeded) and report a peer failure."""
        if self.proc is not None:
            rc, _out, err = reap(self.proc, timeout if ok else 2.0)
            if ok and rc != 0:
                raise BenchError(f"child exited with {rc}: {err[-800:]}")
        if self.thread is not None:
            self.thread.join(timeout if ok else 2.0)
            if ok and self.thread.is_alive():
                raise BenchError("peer thread did not finish")
            if ok and self.errors:
                raise BenchError(f"peer thread failed: {self.errors[0]!r}")


# ============================================================================================
# The measurements (identical code for both libraries)
# ============================================================================================


def measure_thr(
    lib: str, transport: str, size: int, count: int, tmpdir: str, tag: str
) -> dict[str, Any]:
    zmq = load(lib)
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    pull.setsockopt(zmq.LINGER, 0)
    pull.setsockopt(zmq.RCVTIMEO, STALL_TIMEOUT_MS)
    peer: _Peer | None = None
    ok = False
    try:
        ep = _bind(zmq, pull, transport, tmpdir, tag)
        if transport == "inproc":

            def sender() -> None:
                s = ctx.socket(zmq.PUSH)
                s.setsockopt(zmq.SNDTIMEO, STALL_TIMEOUT_MS)
                s.setsockopt(zmq.LINGER, STALL_TIMEOUT_MS)
                try:
                    s.connect(ep)
                    msg = b"\x00" * size
                    send = s.send
                    for _ in range(count):
                        send(msg)
                finally:
                    s.close()

            peer = _Peer(thread_target=sender)
        else:
            peer = _Peer(proc=spawn("thr_send", lib, ep, size, count))
        _wait_events(pull, zmq.POLLIN, peer.dead, FIRST_MSG_TIMEOUT, "thr")
        first = pull.recv()
        t0 = time.perf_counter()
        recv = pull.recv
        last = first
        got = 1
        try:
            for got in range(1, count - 1):  # noqa: B007 - read after the loop on error
                recv()
            if count > 1:
                last = recv()
        except zmq.Again:
            raise BenchError(
                f"thr: stalled: no message for {STALL_TIMEOUT_MS / 1000:.0f}s "
                f"after {got:,} of {count:,} messages"
            ) from None
        elapsed = time.perf_counter() - t0
        if len(first) != size or len(last) != size:
            raise BenchError(f"thr: message size {len(first)}/{len(last)}, expected {size}")
        ok = True
    finally:
        pull.close(linger=0)
        try:
            if peer is not None:
                peer.finish(ok)
        finally:
            safe_term(ctx)
    elapsed = max(elapsed, 1e-9)
    rate = (count - 1) / elapsed
    return {"count": count, "elapsed_s": elapsed, "msg_per_s": rate, "mb_per_s": rate * size / 1e6}


def measure_lat(
    lib: str, transport: str, size: int, count: int, tmpdir: str, tag: str
) -> dict[str, Any]:
    zmq = load(lib)
    ctx = zmq.Context()
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    req.setsockopt(zmq.RCVTIMEO, STALL_TIMEOUT_MS)
    req.setsockopt(zmq.SNDTIMEO, STALL_TIMEOUT_MS)
    total = count + LAT_WARMUP
    peer: _Peer | None = None
    ok = False
    try:
        ep = _bind(zmq, req, transport, tmpdir, tag)
        if transport == "inproc":

            def echo() -> None:
                s = ctx.socket(zmq.REP)
                s.setsockopt(zmq.RCVTIMEO, int(FIRST_MSG_TIMEOUT * 1000))
                s.setsockopt(zmq.LINGER, 0)
                try:
                    s.connect(ep)
                    recv, send = s.recv, s.send
                    for _ in range(total):
                        send(recv())
                finally:
                    s.close()

            peer = _Peer(thread_target=echo)
        else:
            peer = _Peer(proc=spawn("lat_echo", lib, ep, size, total))
        msg = b"\x00" * size
        send, recv = req.send, req.recv
        try:
            _wait_events(req, zmq.POLLOUT, peer.dead, FIRST_MSG_TIMEOUT, "lat")
            send(msg)
            _wait_events(req, zmq.POLLIN, peer.dead, FIRST_MSG_TIMEOUT, "lat")
            if len(recv()) != size:
                raise BenchError("lat: reply of the wrong size")
            for _ in range(LAT_WARMUP - 1):
                send(msg)
                recv()
            t0 = time.perf_counter()
            for _ in range(count):
                send(msg)
                recv()
            elapsed = time.perf_counter() - t0
        except zmq.Again:
            raise BenchError(f"lat: stalled: no reply for {STALL_TIMEOUT_MS / 1000:.0f}s") from None
        ok = True
    finally:
        req.close(linger=0)
        try:
            if peer is not None:
                peer.finish(ok)
        finally:
            safe_term(ctx)
    return {"count": count, "elapsed_s": elapsed, "rtt_us": elapsed / count * 1e6}


def measure_idle(
    lib: str, transport: str, size: int, count: int, tmpdir: str, tag: str
) -> dict[str, Any]:
    proc = spawn("idle", lib)
    rc, out, err = reap(proc, FIRST_MSG_TIMEOUT + IDLE_SECONDS + 20)
    if rc != 0:
        raise BenchError(f"idle child exited with {rc}: {err[-800:]}")
    try:
        res = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BenchError(f"idle child printed no result: {out!r} {err[-400:]}") from None
    return {
        "cpu_s": res["cpu_s"],
        "wall_s": res["wall_s"],
        "cpu_pct": 100.0 * res["cpu_s"] / max(res["wall_s"], 1e-9),
    }


MEASURE = {"thr": measure_thr, "lat": measure_lat, "idle": measure_idle}


# ============================================================================================
# PUB -> SUB fan-out (scenario "pubsub")
# ============================================================================================
# One PUB in this process, 1 or 10 SUBs in child processes, all over tcp. Flow control keeps
# every message countable: each SUB acks on a PUSH -> PULL back channel every
# PUBSUB_ACK_EVERY messages and the PUB never runs more than PUBSUB_WINDOW messages ahead
# of the slowest SUB; both HWMs exceed the window, so nothing is dropped and each SUB must
# receive exactly ``count``. Clock: first measured send to the last SUB's final ack.
# Figure: aggregate delivered msg/s (subscribers x count / elapsed) and MB/s.

PUBSUB_SUBS = (1, 10)
PUBSUB_SIZES = (64, 1024)
PUBSUB_COUNTS = {64: 200_000, 1024: 100_000}
PUBSUB_ACK_EVERY = 1000
PUBSUB_WINDOW = 4 * PUBSUB_ACK_EVERY
PUBSUB_HWM = 2 * PUBSUB_WINDOW + 1000
PUBSUB_FLOORS = {1: 0.35, 10: 0.5}


def child_pubsub_sub(zmq: Any, endpoint: str, size: int, count: int) -> dict[str, Any]:
    """A SUB that receives ``count`` measured messages (first byte 1), acking as it goes."""
    pub_ep, ack_ep, ident = endpoint.split("|")
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    ack = ctx.socket(zmq.PUSH)
    sub.setsockopt(zmq.RCVHWM, PUBSUB_HWM)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.RCVTIMEO, int(FIRST_MSG_TIMEOUT * 1000))
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    ack.setsockopt(zmq.LINGER, STALL_TIMEOUT_MS)
    ack.setsockopt(zmq.SNDTIMEO, STALL_TIMEOUT_MS)
    me = ident.encode()
    n = 0
    try:
        sub.connect(pub_ep)
        ack.connect(ack_ep)
        sub.recv()  # any message (a "hello") proves the subscription is in force
        ack.send(b"R " + me)
        sub.setsockopt(zmq.RCVTIMEO, STALL_TIMEOUT_MS)
        recv, every = sub.recv, PUBSUB_ACK_EVERY
        while n < count:
            m = recv()
            if m[0] == 1:  # hellos still in flight start with 0
                n += 1
                if n % every == 0:
                    ack.send(b"A %s %d" % (me, n))
        ack.send(b"D %s %d" % (me, n))
    finally:
        sub.close()
        ack.close()
        ctx.term()
    return {"received": n}


CHILD_ROLES["pubsub_sub"] = child_pubsub_sub


def pubsub_transport(nsubs: int) -> str:
    return f"tcp/{nsubs}sub"


def measure_pubsub(
    lib: str, transport: str, size: int, count: int, tmpdir: str, tag: str
) -> dict[str, Any]:
    nsubs = int(transport.split("/")[1][: -len("sub")])
    zmq = load(lib)
    ctx = zmq.Context()
    pub = ctx.socket(zmq.PUB)
    acks = ctx.socket(zmq.PULL)
    pub.setsockopt(zmq.SNDHWM, PUBSUB_HWM)
    pub.setsockopt(zmq.LINGER, 0)
    acks.setsockopt(zmq.LINGER, 0)
    acks.setsockopt(zmq.RCVTIMEO, STALL_TIMEOUT_MS)
    peers: list[_Peer] = []
    ok = False
    try:
        pub_ep = _bind(zmq, pub, "tcp", tmpdir, tag)
        ack_ep = _bind(zmq, acks, "tcp", tmpdir, tag + "-ack")
        for i in range(nsubs):
            proc = spawn("pubsub_sub", lib, f"{pub_ep}|{ack_ep}|{i}", size, count)
            peers.append(_Peer(proc=proc))

        def dead() -> str | None:
            for p in peers:
                d = p.dead()
                if d:
                    return d
            return None

        # join: "hello" until every SUB has said it is ready
        ready: set[bytes] = set()
        deadline = time.monotonic() + FIRST_MSG_TIMEOUT
        while len(ready) < nsubs:
            pub.send(b"\x00hello")
            while acks.poll(10):
                kind, who = acks.recv().split()[:2]
                if kind == b"R":
                    ready.add(who)
            why = dead()
            if why:
                raise BenchError(f"pubsub: a subscriber failed before joining: {why}")
            if time.monotonic() > deadline:
                raise BenchError(f"pubsub: only {len(ready)} of {nsubs} subscribers joined")
        msg = b"\x01" + b"\x00" * (size - 1)
        acked = [0] * nsubs
        done = 0
        sent = 0
        send, recv = pub.send, acks.recv
        t0 = time.perf_counter()
        try:
            while done < nsubs:
                limit = min(count, min(acked) + PUBSUB_WINDOW)
                while sent < limit:
                    send(msg)
                    sent += 1
                kind, who, n = recv().split()
                i, n = int(who), int(n)
                if n > acked[i]:
                    acked[i] = n
                if kind == b"D":
                    if n != count:
                        raise BenchError(f"pubsub: subscriber {i} got {n} of {count}")
                    done += 1
        except zmq.Again:
            raise BenchError(
                f"pubsub: stalled: no ack for {STALL_TIMEOUT_MS / 1000:.0f}s "
                f"(acked {acked}, sent {sent})"
            ) from None
        elapsed = time.perf_counter() - t0
        ok = True
    finally:
        pub.close(linger=0)
        acks.close(linger=0)
        try:
            for p in peers:
                p.finish(ok)
        finally:
            safe_term(ctx)
    total = nsubs * count
    return {
        "count": count,
        "subscribers": nsubs,
        "elapsed_s": elapsed,
        "msg_per_s": total / elapsed,
        "mb_per_s": total * size / elapsed / 1e6,
    }


MEASURE["pubsub"] = measure_pubsub


def pubsub_items(args: argparse.Namespace) -> list[tuple[str, str, int, int]]:
    """The pubsub measurements of a run (tcp only: the subscribers are child processes)."""
    div = 10 if args.quick else 1
    items = []
    for nsubs in PUBSUB_SUBS:
        for size in PUBSUB_SIZES:
            n = args.count or max(2000, PUBSUB_COUNTS[size] // div)
            items.append(("pubsub", pubsub_transport(nsubs), size, n))
    return items


def pubsub_floors(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    floors = []
    for nsubs, limit in PUBSUB_FLOORS.items():
        for size in PUBSUB_SIZES:
            label = f"pubsub {nsubs} sub {fmt_size(size)} ≥ {limit}×"
            row = next(
                (
                    r
                    for r in rows
                    if r["scenario"] == "pubsub"
                    and r["transport"] == pubsub_transport(nsubs)
                    and r["size"] == size
                ),
                None,
            )
            if row is None:
                continue
            v = row["ratio"]
            status = "FAIL" if v is None or v < limit else "PASS"
            floors.append({"floor": label, "status": status, "value": v})
    return floors


def better(scenario: str, a: dict[str, Any] | None, b: dict[str, Any]) -> dict[str, Any]:
    """The best of two samples: highest throughput, lowest latency / idle CPU."""
    if a is None:
        return b
    if scenario in ("thr", "pubsub"):
        return a if a["msg_per_s"] >= b["msg_per_s"] else b
    key = "rtt_us" if scenario == "lat" else "cpu_s"
    return a if a[key] <= b[key] else b


# ============================================================================================
# Formatting
# ============================================================================================


def fmt_size(n: int) -> str:
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} B"


def fmt_rate(r: float) -> str:
    if r >= 1e6:
        return f"{r / 1e6:.2f}M"
    if r >= 1e3:
        return f"{r / 1e3:.1f}k"
    return f"{r:.0f}"


def fmt_figure(scenario: str, res: dict[str, Any] | None, err: str | None) -> str:
    if res is None:
        return "ERROR" if err else "-"
    if scenario in ("thr", "pubsub"):
        return f"{fmt_rate(res['msg_per_s'])} msg/s {res['mb_per_s']:8.1f} MB/s"
    if scenario == "lat":
        return f"{res['rtt_us']:.1f} µs rtt"
    return f"{res['cpu_s'] * 1000:.1f} ms CPU ({res['cpu_pct']:.2f}%)"


def ratio_of(scenario: str, py: dict[str, Any] | None, pure: dict[str, Any] | None) -> float | None:
    if py is None or pure is None:
        return None
    if scenario in ("thr", "pubsub"):
        return pure["msg_per_s"] / py["msg_per_s"]
    if scenario == "lat":
        return pure["rtt_us"] / py["rtt_us"]
    return None  # idle CPU: absolute figures, a ratio of two near-zero numbers says nothing


def fmt_ratio(scenario: str, r: float | None) -> str:
    if r is None:
        return "-"
    return f"{r:.2f}×" + (" (lower is better)" if scenario == "lat" else "")


# ============================================================================================
# asyncio (scenario "asyncio"): zmq.asyncio vs purezmq.asyncio
# ============================================================================================
# The measuring side awaits every call in an asyncio loop (the default loop) in this process.
# thr: PUSH -> PULL, an awaiting PULL here; a blocking PUSH in a child process (or a thread for
# inproc) that stays connected until told everything arrived.
# REQ/REP round trip, an awaiting REQ here against
#   aa: an awaiting REP (a child process running its own loop; inproc: a task on our loop),
#   as: (inproc) the blocking echo REP of "lat", in a thread,
#   al: (tcp, ipc) libzmq's blocking echo REP (pyzmq's "lat" child) whatever the library,
# and for reference
#   ss: no asyncio at all (the "lat" measurement itself),
#   sl: a blocking REQ against libzmq's echo.
# al against sl (as against ss) isolates what awaiting costs over blocking with the very
# same peer; al also compares the two asyncio layers with nothing else different.
# Floors: asyncio thr >= 1.0x zmq.asyncio, asyncio rtt (aa) <= 1.0x zmq.asyncio.

AIO_THR_SIZE = 64
AIO_THR_COUNT = 200_000
AIO_LABEL = {"zmq": "zmq.asyncio", "purezmq": "purezmq.asyncio"}


def child_aio_thr_send(zmq: Any, endpoint: str, size: int, count: int) -> dict[str, Any]:
    """thr_send that stays connected until the receiver says it has everything: libzmq 4.3
    loses the tail of an ipc burst when the sender closes while a slow reader (as awaiting
    ones are) is still behind. ``endpoint`` is "data_ep|done_ep"."""
    data_ep, done_ep = endpoint.split("|")
    ctx = zmq.Context()
    s = ctx.socket(zmq.PUSH)
    done = ctx.socket(zmq.PULL)
    s.setsockopt(zmq.SNDTIMEO, STALL_TIMEOUT_MS)
    done.setsockopt(zmq.RCVTIMEO, STALL_TIMEOUT_MS * 3)
    for sock in (s, done):
        sock.setsockopt(zmq.LINGER, 0)
    try:
        done.connect(done_ep)
        s.connect(data_ep)
        msg = b"\x00" * size
        send = s.send
        for _ in range(count):
            send(msg)
        done.recv()
    finally:
        s.close()
        done.close()
        ctx.term()
    return {"sent": count}


CHILD_ROLES["aio_thr_send"] = child_aio_thr_send


async def _aio_wait(sock: Any, flags: int, peer: _Peer, what: str) -> None:
    """Await ``flags`` on ``sock`` (100 ms polls), failing fast if the peer died."""
    deadline = time.monotonic() + FIRST_MSG_TIMEOUT
    while not await sock.poll(100, flags):
        dead = peer.dead()
        if dead:
            raise BenchError(f"{what}: peer failed before the first message: {dead}")
        if time.monotonic() > deadline:
            raise BenchError(f"{what}: nothing within {FIRST_MSG_TIMEOUT:.0f}s")


def measure_aio_thr(
    lib: str, transport: str, size: int, count: int, tmpdir: str, tag: str
) -> dict[str, Any]:
    import asyncio

    zmq = load(lib)
    ctx = importlib.import_module(f"{lib}.asyncio").Context()
    pull = ctx.socket(zmq.PULL)
    pull.setsockopt(zmq.LINGER, 0)
    pull.setsockopt(zmq.RCVTIMEO, STALL_TIMEOUT_MS)
    done = ctx.socket(zmq.PUSH, socket_class=zmq.Socket)
    done.setsockopt(zmq.LINGER, 1000)
    done.setsockopt(zmq.SNDTIMEO, STALL_TIMEOUT_MS)
    peer: _Peer | None = None
    ok = False
    try:
        ep = _bind(zmq, pull, transport, tmpdir, tag)
        if transport == "inproc":

            def sender() -> None:
                s = ctx.socket(zmq.PUSH, socket_class=zmq.Socket)
                s.setsockopt(zmq.SNDTIMEO, STALL_TIMEOUT_MS)
                s.setsockopt(zmq.LINGER, STALL_TIMEOUT_MS)
                try:
                    s.connect(ep)
                    msg = b"\x00" * size
                    send = s.send
                    for _ in range(count):
                        send(msg)
                finally:
                    s.close()

            peer = _Peer(thread_target=sender)
        else:
            done_ep = _bind(zmq, done, transport, tmpdir, tag + "-done")
            peer = _Peer(proc=spawn("aio_thr_send", lib, f"{ep}|{done_ep}", size, count))

        async def run(peer: _Peer) -> tuple[bytes, bytes, float]:
            await _aio_wait(pull, zmq.POLLIN, peer, "asyncio thr")
            recv = pull.recv
            first = last = await recv()
            t0 = time.perf_counter()
            got = 1
            try:
                for got in range(1, count - 1):  # noqa: B007 - read after the loop on error
                    await recv()
                if count > 1:
                    last = await recv()
            except zmq.Again:
                raise BenchError(
                    f"asyncio thr: stalled: no message for {STALL_TIMEOUT_MS / 1000:.0f}s "
                    f"after {got:,} of {count:,} messages"
                ) from None
            return first, last, time.perf_counter() - t0

        first, last, elapsed = asyncio.run(run(peer))
        if transport != "inproc":
            done.send(b"done")
        if len(first) != size or len(last) != size:
            raise BenchError(f"asyncio thr: message size {len(first)}/{len(last)}, expected {size}")
        ok = True
    finally:
        pull.close(linger=0)
        done.close()
        try:
            if peer is not None:
                peer.finish(ok)
        finally:
            safe_term(ctx)
    elapsed = max(elapsed, 1e-9)
    rate = (count - 1) / elapsed
    return {"count": count, "elapsed_s": elapsed, "msg_per_s": rate, "mb_per_s": rate * size / 1e6}


def child_aio_lat_echo(zmq: Any, endpoint: str, size: int, count: int) -> dict[str, Any]:
    """lat_echo awaiting every call: a REP on the library's asyncio flavour."""
    import asyncio

    ctx = importlib.import_module(f"{zmq.__name__}.asyncio").Context()
    s = ctx.socket(zmq.REP)
    s.setsockopt(zmq.RCVTIMEO, int(FIRST_MSG_TIMEOUT * 1000))
    s.setsockopt(zmq.SNDTIMEO, STALL_TIMEOUT_MS)
    s.setsockopt(zmq.LINGER, 1000)

    async def run() -> None:
        recv, send = s.recv, s.send
        for _ in range(count):
            await send(await recv())

    try:
        s.connect(endpoint)
        asyncio.run(run())
    finally:
        s.close()
        ctx.term()
    return {"echoed": count}


CHILD_ROLES["aio_lat_echo"] = child_aio_lat_echo


def measure_aio_lat(
    lib: str,
    transport: str,
    size: int,
    count: int,
    tmpdir: str,
    tag: str,
    echo: str = "aio",
    blocking: bool = False,
) -> dict[str, Any]:
    """An awaiting REQ (``blocking``: a plain one) against an awaiting REP (``echo="aio"``:
    a child process, or for inproc a task on the same loop), the blocking "lat" echo
    (``"sync"``) or the "lat" echo of libzmq whatever ``lib`` is (``"lz"``)."""
    import asyncio

    zmq = load(lib)
    ctx = importlib.import_module(f"{lib}.asyncio").Context()
    req = ctx.socket(zmq.REQ, socket_class=zmq.Socket) if blocking else ctx.socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    req.setsockopt(zmq.RCVTIMEO, STALL_TIMEOUT_MS)
    req.setsockopt(zmq.SNDTIMEO, STALL_TIMEOUT_MS)
    total = count + LAT_WARMUP
    peer: _Peer | None = None
    ok = False
    try:
        ep = _bind(zmq, req, transport, tmpdir, tag)
        if transport == "inproc" and echo == "sync":

            def echo_thread() -> None:
                s = ctx.socket(zmq.REP, socket_class=zmq.Socket)
                s.setsockopt(zmq.RCVTIMEO, int(FIRST_MSG_TIMEOUT * 1000))
                s.setsockopt(zmq.LINGER, 0)
                try:
                    s.connect(ep)
                    recv, send = s.recv, s.send
                    for _ in range(total):
                        send(recv())
                finally:
                    s.close()

            peer = _Peer(thread_target=echo_thread)
        elif transport == "inproc":
            peer = _Peer()  # the echo is a task on our loop, started in run()
        else:
            role = "aio_lat_echo" if echo == "aio" else "lat_echo"
            peer = _Peer(proc=spawn(role, "zmq" if echo == "lz" else lib, ep, size, total))

        async def echo_task() -> None:
            s = ctx.socket(zmq.REP)
            s.setsockopt(zmq.RCVTIMEO, int(FIRST_MSG_TIMEOUT * 1000))
            s.setsockopt(zmq.LINGER, 0)
            try:
                s.connect(ep)
                recv, send = s.recv, s.send
                for _ in range(total):
                    await send(await recv())
            finally:
                s.close()

        async def run(peer: _Peer) -> float:
            task = None
            if transport == "inproc" and echo == "aio":
                task = asyncio.ensure_future(echo_task())
            msg = b"\x00" * size
            send, recv = req.send, req.recv
            try:
                await _aio_wait(req, zmq.POLLOUT, peer, "asyncio rtt")
                await send(msg)
                await _aio_wait(req, zmq.POLLIN, peer, "asyncio rtt")
                if len(await recv()) != size:
                    raise BenchError("asyncio rtt: reply of the wrong size")
                for _ in range(LAT_WARMUP - 1):
                    await send(msg)
                    await recv()
                t0 = time.perf_counter()
                for _ in range(count):
                    await send(msg)
                    await recv()
                elapsed = time.perf_counter() - t0
            except zmq.Again:
                raise BenchError(
                    f"asyncio rtt: stalled: no reply for {STALL_TIMEOUT_MS / 1000:.0f}s"
                ) from None
            if task is not None:
                await asyncio.wait_for(task, STALL_TIMEOUT_MS / 1000)
            return elapsed

        if blocking:
            elapsed = _blocking_rtt(zmq, req, peer, size, count)
        else:
            elapsed = asyncio.run(run(peer))
        ok = True
    finally:
        req.close(linger=0)
        try:
            if peer is not None:
                peer.finish(ok)
        finally:
            safe_term(ctx)
    return {"count": count, "elapsed_s": elapsed, "rtt_us": elapsed / count * 1e6}


def _blocking_rtt(zmq: Any, req: Any, peer: _Peer, size: int, count: int) -> float:
    """The timed loop of "lat" (for a plain REQ against one of the echoes above)."""
    msg = b"\x00" * size
    send, recv = req.send, req.recv
    try:
        _wait_events(req, zmq.POLLOUT, peer.dead, FIRST_MSG_TIMEOUT, "rtt")
        send(msg)
        _wait_events(req, zmq.POLLIN, peer.dead, FIRST_MSG_TIMEOUT, "rtt")
        if len(recv()) != size:
            raise BenchError("rtt: reply of the wrong size")
        for _ in range(LAT_WARMUP - 1):
            send(msg)
            recv()
        t0 = time.perf_counter()
        for _ in range(count):
            send(msg)
            recv()
        return time.perf_counter() - t0
    except zmq.Again:
        raise BenchError(f"rtt: stalled: no reply for {STALL_TIMEOUT_MS / 1000:.0f}s") from None


def _aio_lat(echo: str, blocking: bool = False) -> Callable[..., dict[str, Any]]:
    def measure(
        lib: str, transport: str, size: int, count: int, tmpdir: str, tag: str
    ) -> dict[str, Any]:
        return measure_aio_lat(lib, transport, size, count, tmpdir, tag, echo, blocking)

    return measure


AIO_MEASURE = {
    "thr": measure_aio_thr,
    "rtt aa": _aio_lat("aio"),
    "rtt ss": measure_lat,
    "rtt as": _aio_lat("sync"),
    "rtt al": _aio_lat("lz"),
    "rtt sl": _aio_lat("lz", blocking=True),
}


def asyncio_items(args: argparse.Namespace) -> list[tuple[str, str, int, int]]:
    """(kind, transport, size, count) of the asyncio section."""
    transports = [t.strip() for t in args.transport.split(",") if t.strip()]
    div = 10 if args.quick else 1
    n_thr = args.count or max(1000, AIO_THR_COUNT // div)
    n_lat = args.count or max(500, LAT_COUNT // div)
    items = []
    for tr in transports:
        items.append(("thr", tr, AIO_THR_SIZE, n_thr))
        # al/sl: libzmq's echo in another process, so inproc has as/ss instead
        kinds = ("rtt aa", "rtt ss") + (("rtt as",) if tr == "inproc" else ("rtt al", "rtt sl"))
        for kind in kinds:
            items.append((kind, tr, LAT_SIZE, n_lat))
    return items


def run_asyncio_section(
    args: argparse.Namespace, libs: dict[str, Any], watchdog: Watchdog
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Measure and print the asyncio section; returns (rows, floors, errors)."""
    print()
    print(
        "asyncio, on the default asyncio loop. thr: an awaiting PULL. REQ/REP rtt, REQ/REP:\n"
        "aa = both awaiting, ss = both blocking (as lat), as = awaiting REQ/blocking REP,\n"
        "al / sl = awaiting / blocking REQ against libzmq's blocking echo (the same peer for both)"
    )
    header = (
        f"{'kind':<9}{'transport':<10}{'size':>7}  {'count':>8}  "
        f"{'zmq.asyncio':>28}  {'purezmq.asyncio':>28}  ratio"
    )
    print(header)
    print("-" * (len(header) + 18))
    tmpdir = tempfile.mkdtemp(prefix="zbench-aio")
    rows: list[dict[str, Any]] = []
    errors = 0
    try:
        for seq, (kind, tr, size, count) in enumerate(asyncio_items(args)):
            sc = "thr" if kind == "thr" else "lat"
            best: dict[str, dict[str, Any] | None] = {"zmq": None, "purezmq": None}
            errs: dict[str, str | None] = {"zmq": None, "purezmq": None}
            for _rep in range(args.repeat):
                for lib in ("zmq", "purezmq"):
                    if libs.get(lib) is None or errs[lib]:
                        continue
                    tag = f"aio-{LIB_LABEL[lib]}-{seq}-{_rep}"
                    watchdog.arm(f"{AIO_LABEL[lib]} {kind} {tr}", MEASURE_DEADLINE)
                    try:
                        res = AIO_MEASURE[kind](lib, tr, size, count, tmpdir, tag)
                    except Exception as e:  # noqa: BLE001 - one failure must not end the run
                        errs[lib] = f"{type(e).__name__}: {e}"
                        res = None
                    finally:
                        watchdog.disarm()
                        kill_all_children()
                    if res is not None:
                        best[lib] = better(sc, best[lib], res)
            ratio = ratio_of(sc, best["zmq"], best["purezmq"])
            rows.append(
                {
                    "scenario": "asyncio",
                    "kind": kind,
                    "transport": tr,
                    "size": size,
                    "count": count,
                    "pyzmq": best["zmq"],
                    "purezmq": best["purezmq"],
                    "ratio": ratio,
                    "errors": {LIB_LABEL[k]: v for k, v in errs.items() if v},
                }
            )
            print(
                f"{kind:<9}{tr:<10}{fmt_size(size):>7}  {count:>8}  "
                f"{fmt_figure(sc, best['zmq'], errs['zmq']):>28}  "
                f"{fmt_figure(sc, best['purezmq'], errs['purezmq']):>28}  "
                f"{fmt_ratio(sc, ratio)}",
                flush=True,
            )
            for k, v in errs.items():
                if v:
                    errors += 1
                    print(f"    ! {AIO_LABEL[k]}: {v}", flush=True)
    finally:
        kill_all_children()
        shutil.rmtree(tmpdir, ignore_errors=True)

    def find(kind: str, tr: str) -> dict[str, Any] | None:
        return next((r for r in rows if r["kind"] == kind and r["transport"] == tr), None)

    floors = []
    notes = []
    for tr in dict.fromkeys(r["transport"] for r in rows):
        for kind, op, limit in (("thr", ">=", 1.0), ("rtt aa", "<=", 1.0)):
            r = find(kind, tr)
            v = r["ratio"] if r else None
            if v is not None:
                okay = v >= limit if op == ">=" else v <= limit
                status = "PASS" if okay else "FAIL"
            else:  # no figure from purezmq is a failure; none from zmq.asyncio, no verdict
                status = "FAIL" if r is None or r["purezmq"] is None else "n/a"
            sign = "≥" if op == ">=" else "≤"
            floors.append(
                {
                    "floor": f"asyncio {tr} {kind} {sign} {limit}× zmq.asyncio",
                    "status": status,
                    "value": v,
                }
            )
        a, s = (
            (find("rtt as", tr), find("rtt ss", tr))
            if tr == "inproc"
            else (
                find("rtt al", tr),
                find("rtt sl", tr),
            )
        )
        if a and s and a["purezmq"] and s["purezmq"]:
            which = "as/ss" if tr == "inproc" else "al/sl"
            ratio = a["purezmq"]["rtt_us"] / s["purezmq"]["rtt_us"]
            notes.append(f"{tr} {ratio:.2f}× ({which})")
    print()
    if notes:
        print("purezmq awaited REQ / blocking REQ, same peer: " + ", ".join(notes))
    print("asyncio " + fmt_floors(floors))
    return rows, floors, errors


# ============================================================================================
# CURVE (scenario "curve"): encrypted PUSH -> PULL throughput and handshakes per second, tcp
# ============================================================================================
# thr: like "thr" over tcp, with the PULL (this process) a CURVE server and the PUSH (a child
#      process) a CURVE client; 64 B and 1 KiB. Figure: msg/s, MB/s.
# hs:  connection set-ups per second: a child process keeps CURVE_HS_WINDOW client DEALERs in
#      flight, each doing TCP connect + ZMTP greeting + CURVE handshake + one round trip
#      through this process's echoing ROUTER (CURVE server), then closing; clocked in the
#      child from the first socket to the last reply. Figure: handshakes/s.
# Both sides run the same library; the keys are libzmq's published test keys (Z85), which
# both libraries accept. Floors: thr 1 KiB >= 0.5x pyzmq, handshakes/s >= 0.5x.

CURVE_SERVER_PUBLIC = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
CURVE_SERVER_SECRET = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
CURVE_CLIENT_PUBLIC = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
CURVE_CLIENT_SECRET = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
CURVE_SIZES = (64, 1024)
CURVE_THR_COUNTS = {64: 200_000, 1024: 100_000}
CURVE_HS_COUNT = 2_000
CURVE_HS_WINDOW = 8
CURVE_FLOORS = (("thr", 1024, 0.5), ("hs", 0, 0.5))


def _curve_as_server(zmq: Any, sock: Any) -> None:
    sock.setsockopt(zmq.CURVE_SERVER, 1)
    sock.setsockopt(zmq.CURVE_SECRETKEY, CURVE_SERVER_SECRET)


def _curve_as_client(zmq: Any, sock: Any) -> None:
    sock.setsockopt(zmq.CURVE_SERVERKEY, CURVE_SERVER_PUBLIC)
    sock.setsockopt(zmq.CURVE_PUBLICKEY, CURVE_CLIENT_PUBLIC)
    sock.setsockopt(zmq.CURVE_SECRETKEY, CURVE_CLIENT_SECRET)


def child_curve_send(zmq: Any, endpoint: str, size: int, count: int) -> dict[str, Any]:
    """remote_thr with CURVE: a client PUSH sends ``count`` messages of ``size`` bytes."""
    ctx = zmq.Context()
    s = ctx.socket(zmq.PUSH)
    s.setsockopt(zmq.SNDTIMEO, STALL_TIMEOUT_MS)
    s.setsockopt(zmq.LINGER, STALL_TIMEOUT_MS)
    _curve_as_client(zmq, s)
    try:
        s.connect(endpoint)
        msg = b"\x00" * size
        send = s.send
        for _ in range(count):
            send(msg)
    finally:
        s.close()
        ctx.term()
    return {"sent": count}


def child_curve_hs(zmq: Any, endpoint: str, size: int, count: int) -> dict[str, Any]:
    """``count`` CURVE client connections, CURVE_HS_WINDOW at a time, each proven by one
    round trip and then closed."""
    ctx = zmq.Context()
    poller = zmq.Poller()
    started = done = 0

    def open_one() -> None:
        s = ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        _curve_as_client(zmq, s)
        s.connect(endpoint)
        s.send(b"hs")
        poller.register(s, zmq.POLLIN)

    try:
        t0 = time.perf_counter()
        while started < min(CURVE_HS_WINDOW, count):
            open_one()
            started += 1
        while done < count:
            ready = poller.poll(STALL_TIMEOUT_MS)
            if not ready:
                raise RuntimeError(f"curve hs: stalled after {done} of {count} handshakes")
            for s, _ev in ready:
                if s.recv() != b"hs":
                    raise RuntimeError("curve hs: wrong reply")
                poller.unregister(s)
                s.close()
                done += 1
                if started < count:
                    open_one()
                    started += 1
        elapsed = time.perf_counter() - t0
    finally:
        ctx.destroy(linger=0)
    return {"handshakes": count, "elapsed_s": elapsed}


CHILD_ROLES["curve_send"] = child_curve_send
CHILD_ROLES["curve_hs"] = child_curve_hs


def measure_curve_thr(lib: str, size: int, count: int, tag: str) -> dict[str, Any]:
    zmq = load(lib)
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    pull.setsockopt(zmq.LINGER, 0)
    pull.setsockopt(zmq.RCVTIMEO, STALL_TIMEOUT_MS)
    _curve_as_server(zmq, pull)
    peer: _Peer | None = None
    ok = False
    try:
        ep = _bind(zmq, pull, "tcp", "", tag)
        peer = _Peer(proc=spawn("curve_send", lib, ep, size, count))
        _wait_events(pull, zmq.POLLIN, peer.dead, FIRST_MSG_TIMEOUT, "curve thr")
        first = last = pull.recv()
        t0 = time.perf_counter()
        recv = pull.recv
        got = 1
        try:
            for got in range(1, count - 1):  # noqa: B007 - read in the except clause
                recv()
            if count > 1:
                last = recv()
        except zmq.Again:
            raise BenchError(
                f"curve thr: stalled: no message for {STALL_TIMEOUT_MS / 1000:.0f}s "
                f"after {got:,} of {count:,} messages"
            ) from None
        elapsed = max(time.perf_counter() - t0, 1e-9)
        if len(first) != size or len(last) != size:
            raise BenchError(f"curve thr: message size {len(first)}/{len(last)}, expected {size}")
        ok = True
    finally:
        pull.close(linger=0)
        try:
            if peer is not None:
                peer.finish(ok)
        finally:
            safe_term(ctx)
    rate = (count - 1) / elapsed
    return {"count": count, "elapsed_s": elapsed, "msg_per_s": rate, "mb_per_s": rate * size / 1e6}


def measure_curve_hs(lib: str, size: int, count: int, tag: str) -> dict[str, Any]:
    zmq = load(lib)
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    router.setsockopt(zmq.RCVTIMEO, 100)
    _curve_as_server(zmq, router)
    proc: subprocess.Popen | None = None
    try:
        ep = _bind(zmq, router, "tcp", "", tag)
        proc = spawn("curve_hs", lib, ep, 0, count)
        echoed = 0
        quiet_since = time.monotonic()
        while proc.poll() is None:
            try:
                router.send_multipart(router.recv_multipart())
                echoed += 1
                quiet_since = time.monotonic()
            except zmq.Again:
                limit = FIRST_MSG_TIMEOUT if echoed == 0 else STALL_TIMEOUT_MS / 1000
                if time.monotonic() - quiet_since > limit:
                    raise BenchError(f"curve hs: stalled after {echoed} of {count}") from None
        rc, out, err = reap(proc, 10)
        if rc != 0:
            raise BenchError(f"curve hs child exited with {rc}: {err[-800:]}")
        try:
            res = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise BenchError(f"curve hs child printed no result: {out!r} {err[-400:]}") from None
    finally:
        router.close(linger=0)
        if proc is not None and proc.poll() is None:
            reap(proc, 2)
        safe_term(ctx)
    elapsed = max(res["elapsed_s"], 1e-9)
    return {"count": count, "elapsed_s": elapsed, "hs_per_s": res["handshakes"] / elapsed}


def curve_items(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    """(kind, size, count) of the curve section."""
    div = 10 if args.quick else 1
    items = [
        ("thr", size, args.count or max(2000, CURVE_THR_COUNTS[size] // div))
        for size in CURVE_SIZES
    ]
    items.append(("hs", 0, args.count or max(200, CURVE_HS_COUNT // div)))
    return items


def run_curve_section(
    args: argparse.Namespace, libs: dict[str, Any], watchdog: Watchdog
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Measure and print the CURVE section; returns (rows, floors, errors)."""
    key = {"thr": "msg_per_s", "hs": "hs_per_s"}

    def figure(kind: str, res: dict[str, Any] | None, err: str | None) -> str:
        if res is None:
            return "ERROR" if err else "-"
        if kind == "thr":
            return fmt_figure("thr", res, err)
        return f"{fmt_rate(res['hs_per_s'])} handshakes/s"

    print()
    print(
        f"curve: CURVE over tcp (PUSH -> PULL; hs = connect + handshake + 1 round trip, "
        f"{CURVE_HS_WINDOW} in flight)"
    )
    header = (
        f"{'kind':<9}{'transport':<10}{'size':>7}  {'count':>8}  "
        f"{'pyzmq':>28}  {'purezmq':>28}  ratio"
    )
    print(header)
    print("-" * (len(header) + 18))
    rows: list[dict[str, Any]] = []
    errors = 0
    try:
        for seq, (kind, size, count) in enumerate(curve_items(args)):
            best: dict[str, dict[str, Any] | None] = {"zmq": None, "purezmq": None}
            errs: dict[str, str | None] = {"zmq": None, "purezmq": None}
            for _rep in range(args.repeat):
                for lib in ("zmq", "purezmq"):
                    if libs.get(lib) is None or errs[lib]:
                        continue
                    watchdog.arm(f"{LIB_LABEL[lib]} curve {kind} {size}", MEASURE_DEADLINE)
                    try:
                        measure = measure_curve_thr if kind == "thr" else measure_curve_hs
                        res = measure(lib, size, count, f"curve-{LIB_LABEL[lib]}-{seq}")
                    except Exception as e:  # noqa: BLE001 - one failure must not end the run
                        errs[lib] = f"{type(e).__name__}: {e}"
                        res = None
                    finally:
                        watchdog.disarm()
                        kill_all_children()
                    if res is not None and (
                        best[lib] is None or res[key[kind]] > best[lib][key[kind]]
                    ):
                        best[lib] = res
            py, pure = best["zmq"], best["purezmq"]
            ratio = pure[key[kind]] / py[key[kind]] if py and pure else None
            rows.append(
                {
                    "scenario": "curve",
                    "kind": kind,
                    "transport": "tcp",
                    "size": size,
                    "count": count,
                    "pyzmq": py,
                    "purezmq": pure,
                    "ratio": ratio,
                    "errors": {LIB_LABEL[k]: v for k, v in errs.items() if v},
                }
            )
            size_s = fmt_size(size) if kind == "thr" else "-"
            print(
                f"{kind:<9}{'tcp':<10}{size_s:>7}  {count:>8}  "
                f"{figure(kind, py, errs['zmq']):>28}  "
                f"{figure(kind, pure, errs['purezmq']):>28}  "
                f"{fmt_ratio('thr', ratio)}",
                flush=True,
            )
            for k, v in errs.items():
                if v:
                    errors += 1
                    print(f"    ! {LIB_LABEL[k]}: {v}", flush=True)
    finally:
        kill_all_children()

    floors = []
    for kind, size, limit in CURVE_FLOORS:
        r = next((r for r in rows if r["kind"] == kind and r["size"] == size), None)
        v = r["ratio"] if r else None
        label = (
            f"curve thr {fmt_size(size)} ≥ {limit}×"
            if kind == "thr"
            else f"curve handshakes/s ≥ {limit}×"
        )
        floors.append(
            {
                "floor": label,
                "status": "PASS" if v is not None and v >= limit else "FAIL",
                "value": v,
            }
        )
    print()
    print("curve " + fmt_floors(floors))
    return rows, floors, errors


# ============================================================================================
# Main
# ============================================================================================


def plan(args: argparse.Namespace) -> list[tuple[str, str, int, int]]:
    scen = ["thr", "lat", "idle", "pubsub"] if args.scenario == "all" else [args.scenario]
    transports = [t.strip() for t in args.transport.split(",") if t.strip()]
    div = 10 if args.quick else 1
    items: list[tuple[str, str, int, int]] = []
    for sc in scen:
        if sc == "thr":
            for tr in transports:
                for size in args.sizes:
                    n = args.count or max(1000, thr_count(size) // div)
                    items.append(("thr", tr, size, n))
        elif sc == "lat":
            for tr in transports:
                n = args.count or max(500, LAT_COUNT // div)
                items.append(("lat", tr, LAT_SIZE, n))
        elif sc == "pubsub":
            items.extend(pubsub_items(args))
        elif sc == "asyncio":
            pass  # its own section: run_asyncio_section
        elif sc == "curve":
            pass  # its own section: run_curve_section
        else:
            items.append(("idle", "tcp", 0, 0))
    return items


def evaluate_floors(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def find(sc: str, tr: str, size: int | None = None) -> dict[str, Any] | None:
        for r in rows:
            if r["scenario"] == sc and r["transport"] == tr and (size is None or r["size"] == size):
                return r
        return None

    floors = []
    for label, sc, tr, size, op, limit in (
        ("tcp 64B thr ≥ 0.35×", "thr", "tcp", 64, ">=", 0.35),
        ("tcp 64KiB thr ≥ 0.8×", "thr", "tcp", 65536, ">=", 0.8),
        ("tcp REQ/REP rtt ≤ 1.5×", "lat", "tcp", None, "<=", 1.5),
        ("inproc 64B thr ≥ 0.5×", "thr", "inproc", 64, ">=", 0.5),
    ):
        r = find(sc, tr, size)
        if r is None:
            floors.append({"floor": label, "status": "n/a", "value": None})
            continue
        v = r["ratio"]
        if v is None:
            floors.append({"floor": label, "status": "FAIL", "value": None})
            continue
        okay = v >= limit if op == ">=" else v <= limit
        floors.append({"floor": label, "status": "PASS" if okay else "FAIL", "value": v})
    r = find("idle", "tcp")
    if r is None:
        floors.append({"floor": "idle CPU ~0", "status": "n/a", "value": None})
    else:
        pure = r["purezmq"]
        if pure is None:
            floors.append({"floor": "idle CPU ~0", "status": "FAIL", "value": None})
        else:
            okay = pure["cpu_s"] <= IDLE_CPU_LIMIT * IDLE_SECONDS / 2.0
            floors.append(
                {
                    "floor": "idle CPU ~0",
                    "status": "PASS" if okay else "FAIL",
                    "value": pure["cpu_s"],
                }
            )
    floors.extend(pubsub_floors(rows))
    return floors


def fmt_floors(floors: list[dict[str, Any]]) -> str:
    parts = []
    for f in floors:
        v = f["value"]
        if v is None:
            shown = ""
        elif f["floor"].startswith("idle"):
            shown = f" {v * 1000:.1f} ms"
        else:
            shown = f" {v:.2f}×"
        parts.append(f"{f['floor']} [{f['status']}{shown}]")
    return "floors: " + ", ".join(parts)


def machine_info(libs: dict[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    for name, mod in libs.items():
        if mod is None:
            info[LIB_LABEL[name]] = None
            continue
        info[LIB_LABEL[name]] = {
            "version": getattr(mod, "__version__", "?"),
            "zmq_version": mod.zmq_version(),
        }
    return info


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--child" in argv:
        return child_main(argv)

    p = argparse.ArgumentParser(description="purezmq vs pyzmq benchmark (ratios purezmq/pyzmq)")
    p.add_argument("--quick", action="store_true", help="counts divided by 10")
    p.add_argument(
        "--scenario",
        default="all",
        choices=["thr", "lat", "idle", "pubsub", "asyncio", "curve", "all"],
    )
    p.add_argument(
        "--transport",
        default="tcp,ipc,inproc",
        help="comma list of tcp, ipc, inproc (default all three)",
    )
    p.add_argument(
        "--sizes", default=None, help="comma list of message sizes in bytes (default 64,1024,65536)"
    )
    p.add_argument(
        "--sweep", action="store_true", help="sizes 64 B…64 KiB: " + ",".join(map(str, SWEEP_SIZES))
    )
    p.add_argument(
        "--count",
        type=int,
        default=0,
        help="messages / round trips per measurement (default: by size)",
    )
    p.add_argument("--repeat", type=int, default=1, help="take the best of N runs")
    p.add_argument("--json", default=None, metavar="OUT.json", help="write results as JSON")
    p.add_argument("--strict", action="store_true", help="exit 1 if a floor fails")
    args = p.parse_args(argv)

    if args.sizes:
        args.sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    else:
        args.sizes = SWEEP_SIZES if args.sweep else DEFAULT_SIZES
    for tr in args.transport.split(","):
        if tr.strip() and tr.strip() not in ("tcp", "ipc", "inproc"):
            p.error(f"unknown transport {tr!r}")
    if args.count < 0 or args.repeat < 1:
        p.error("--count must be >= 0 and --repeat >= 1")
    if args.count == 1:
        args.count = 2

    libs: dict[str, Any] = {}
    for name in ("zmq", "purezmq"):
        try:
            libs[name] = load(name)
        except ImportError as e:
            print(f"note: {LIB_LABEL[name]} not importable ({e}); its column stays empty")
            libs[name] = None

    info = machine_info(libs)
    py_v = info.get("pyzmq")
    pure_v = info.get("purezmq")
    print(
        f"purezmq bench — Python {info['python']} ({info['implementation']}), "
        f"{info['cpus']} CPUs, {info['platform']}"
    )
    print(
        f"  pyzmq {py_v['version']} (libzmq {py_v['zmq_version']})" if py_v else "  pyzmq: -",
        f"| purezmq {pure_v['version']} (ZMQ {pure_v['zmq_version']})"
        if pure_v
        else "| purezmq: -",
    )
    if hasattr(os, "getloadavg"):
        load1 = os.getloadavg()[0]
        busy = "  (machine busy: figures will be noisy; try --repeat 3)" if load1 > 0.5 else ""
        print(f"  load average at start: {load1:.2f}{busy}")
    print(
        f"  runs: pyzmq then purezmq for each measurement, best of {args.repeat}"
        f"{', quick counts' if args.quick else ''}; ratio = purezmq/pyzmq; MB = 10^6 bytes"
    )
    print()

    items = plan(args)
    watchdog = Watchdog()
    tmpdir = tempfile.mkdtemp(prefix="zbench")
    rows: list[dict[str, Any]] = []
    errors = 0
    header = (
        f"{'scenario':<9}{'transport':<10}{'size':>7}  {'count':>8}  "
        f"{'pyzmq':>28}  {'purezmq':>28}  ratio"
    )
    if items:  # (--scenario asyncio / curve: only their own sections below)
        print(header)
        print("-" * (len(header) + 18))
    seq = 0
    try:
        for sc, tr, size, count in items:
            best: dict[str, dict[str, Any] | None] = {"zmq": None, "purezmq": None}
            samples: dict[str, list[dict[str, Any]]] = {"zmq": [], "purezmq": []}
            errs: dict[str, str | None] = {"zmq": None, "purezmq": None}
            for _rep in range(args.repeat):
                for lib in ("zmq", "purezmq"):
                    if libs.get(lib) is None or errs[lib]:
                        continue
                    seq += 1
                    tag = f"{LIB_LABEL[lib]}-{sc}-{seq}"
                    watchdog.arm(f"{LIB_LABEL[lib]} {sc} {tr} {size}", MEASURE_DEADLINE)
                    try:
                        res = MEASURE[sc](lib, tr, size, count, tmpdir, tag)
                    except Exception as e:  # noqa: BLE001 - one failure must not end the run
                        errs[lib] = f"{type(e).__name__}: {e}"
                        res = None
                    finally:
                        watchdog.disarm()
                        kill_all_children()
                    if res is not None:
                        samples[lib].append(res)
                        best[lib] = better(sc, best[lib], res)
            ratio = ratio_of(sc, best["zmq"], best["purezmq"])
            row = {
                "scenario": sc,
                "transport": tr,
                "size": size,
                "count": count,
                "pyzmq": best["zmq"],
                "purezmq": best["purezmq"],
                "ratio": ratio,
                "samples": {LIB_LABEL[k]: v for k, v in samples.items()},
                "errors": {LIB_LABEL[k]: v for k, v in errs.items() if v},
            }
            rows.append(row)
            size_s = fmt_size(size) if sc != "idle" else f"{IDLE_SECONDS:.0f} s"
            count_s = str(count) if sc != "idle" else "-"
            print(
                f"{sc:<9}{tr:<10}{size_s:>7}  {count_s:>8}  "
                f"{fmt_figure(sc, best['zmq'], errs['zmq']):>28}  "
                f"{fmt_figure(sc, best['purezmq'], errs['purezmq']):>28}  "
                f"{fmt_ratio(sc, ratio)}",
                flush=True,
            )
            for k, v in errs.items():
                if v:
                    errors += 1
                    print(f"    ! {LIB_LABEL[k]}: {v}", flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted")
        kill_all_children()
        return 130
    finally:
        kill_all_children()
        shutil.rmtree(tmpdir, ignore_errors=True)

    floors = evaluate_floors(rows)
    print()
    if any(
        r["scenario"] == "thr" and r["transport"] == "inproc" and r["size"] >= 4096 for r in rows
    ):
        print(
            "note: over inproc purezmq hands the sender's bytes object to the receiver "
            "(no copy);\n      pyzmq copies into and out of a zmq_msg_t, so "
            "large-message inproc ratios\n      compare a copy-free path with a "
            "copying one."
        )
    if items:
        print(fmt_floors(floors))
    if args.scenario in ("asyncio", "all"):
        aio_rows, aio_floors, aio_errors = run_asyncio_section(args, libs, watchdog)
        rows.extend(aio_rows)
        floors.extend(aio_floors)
        errors += aio_errors
    if args.scenario in ("curve", "all"):
        c_rows, c_floors, c_errors = run_curve_section(args, libs, watchdog)
        rows.extend(c_rows)
        floors.extend(c_floors)
        errors += c_errors
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "machine": info,
                    "args": {k: v for k, v in vars(args).items()},
                    "results": rows,
                    "floors": floors,
                },
                f,
                indent=2,
            )
        print(f"results written to {args.json}")
    if errors:
        return 2
    if args.strict and any(f["status"] == "FAIL" for f in floors):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
