"""``python -m purezmq.demo``: purezmq at work between real processes, in a few seconds.

1. pipeline over tcp: a ventilator process PUSHes work items to two worker processes
   (PULL -> work -> PUSH), whose results a sink PULLs in this process;
2. request-reply over ipc: this process (REQ) against a REP server process;
3. interop: one exchange with a real libzmq peer (pyzmq) if ``zmq`` is importable.

Every process is started with multiprocessing's 'spawn' method, every receive has a timeout,
and a watchdog ends the demo (non-zero exit) if anything overruns; the exit status is 0 only if
every part worked.
"""

from __future__ import annotations

import hashlib
import importlib.util
import multiprocessing as mp
import os
import queue
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from typing import Any

import purezmq as zmq

N_TASKS = 20_000
N_ROUNDTRIPS = 2_000
RECV_TIMEOUT_MS = 5_000  # any single wait longer than this is a failure
STEP_TIMEOUT = 15.0  # s: start-up / shutdown of one process
OVERALL_TIMEOUT = 60.0  # s: the watchdog ends the demo after this


def _work(payload: bytes) -> bytes:
    """The 'work' a worker does on an item: a short digest, checked again by the sink."""
    return hashlib.sha256(payload).hexdigest()[:12].encode()


# ---------------------------------------------------------------------------------------------
# Child processes (top-level functions, so 'spawn' can import them)
# ---------------------------------------------------------------------------------------------


def _ventilator(endpoints: list[str], n_tasks: int, q: Any) -> None:
    ctx = zmq.Context()
    push = ctx.socket(zmq.PUSH)
    push.setsockopt(zmq.SNDTIMEO, RECV_TIMEOUT_MS)
    push.setsockopt(zmq.LINGER, RECV_TIMEOUT_MS)
    try:
        for ep in endpoints:
            push.connect(ep)
        t0 = time.perf_counter()
        for i in range(n_tasks):
            push.send(b"item-%d" % i)
        q.put(("ventilator", os.getpid(), n_tasks, time.perf_counter() - t0))
    finally:
        push.close()
        ctx.term()


def _worker(wid: int, sink_endpoint: str, q: Any, stop: Any) -> None:
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.setsockopt(zmq.RCVTIMEO, 100)
    pull.setsockopt(zmq.LINGER, 0)
    push.setsockopt(zmq.SNDTIMEO, RECV_TIMEOUT_MS)
    push.setsockopt(zmq.LINGER, RECV_TIMEOUT_MS)
    done = 0
    try:
        port = pull.bind_to_random_port("tcp://127.0.0.1")
        push.connect(sink_endpoint)
        q.put(("worker-ready", wid, os.getpid(), f"tcp://127.0.0.1:{port}"))
        deadline = time.monotonic() + OVERALL_TIMEOUT
        tag = b"%d" % wid
        while time.monotonic() < deadline:
            try:
                item = pull.recv()
            except zmq.Again:
                if stop.is_set():
                    break
                continue
            push.send_multipart([tag, item, _work(item)])
            done += 1
        q.put(("worker-done", wid, os.getpid(), done))
    finally:
        pull.close()
        push.close()
        ctx.term()


def _rep_server(endpoint: str, q: Any) -> None:
    ctx = zmq.Context()
    rep = ctx.socket(zmq.REP)
    rep.setsockopt(zmq.RCVTIMEO, RECV_TIMEOUT_MS)
    rep.setsockopt(zmq.LINGER, 1000)
    served = 0
    try:
        rep.bind(endpoint)
        q.put(("rep-ready", os.getpid()))
        pid = b"%d" % os.getpid()
        while True:
            msg = rep.recv()
            if msg == b"bye":
                rep.send(b"bye")
                break
            rep.send(msg.replace(b"ping", b"pong", 1) + b" from pid " + pid)
            served += 1
        q.put(("rep-done", os.getpid(), served))
    finally:
        rep.close()
        ctx.term()


def _libzmq_peer(q: Any) -> None:
    """A REP on pyzmq (libzmq) — the real ZeroMQ peer for the interop check."""
    import zmq as pyzmq  # pyzmq, the C library's binding

    ctx = pyzmq.Context()
    rep = ctx.socket(pyzmq.REP)
    rep.setsockopt(pyzmq.RCVTIMEO, RECV_TIMEOUT_MS)
    rep.setsockopt(pyzmq.LINGER, 1000)
    try:
        port = rep.bind_to_random_port("tcp://127.0.0.1")
        q.put(("libzmq-ready", os.getpid(), port))
        frames = rep.recv_multipart()
        rep.send_multipart(
            [
                b"hello from libzmq " + pyzmq.zmq_version().encode(),
                b"pyzmq " + pyzmq.__version__.encode(),
                b"got %d frames" % len(frames),
            ]
        )
    finally:
        rep.close()
        ctx.term()


# ---------------------------------------------------------------------------------------------
# The demo (main process)
# ---------------------------------------------------------------------------------------------


class _Fail(Exception):
    pass


def _expect(q: Any, kind: str, procs: Sequence[Any] = (), timeout: float = STEP_TIMEOUT) -> tuple:
    """The next report from a child, which must be ``kind``; fails early if a child died."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            msg = q.get(timeout=0.2)
            break
        except queue.Empty:
            pass
        for p in procs:
            if p.exitcode not in (None, 0):
                raise _Fail(
                    f"{p.name} (pid {p.pid}) died with exit code {p.exitcode} "
                    f"before reporting '{kind}'"
                )
        if time.monotonic() > deadline:
            raise _Fail(f"no '{kind}' report from a child process within {timeout:.0f}s")
    if msg[0] != kind:
        raise _Fail(f"expected '{kind}' from a child, got {msg!r}")
    return msg


def _join(procs: list[Any], timeout: float = STEP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    bad = []
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.terminate()
            p.join(2)
            bad.append(f"{p.name} (pid {p.pid}) did not exit; terminated")
        elif p.exitcode != 0:
            bad.append(f"{p.name} (pid {p.pid}) exited with {p.exitcode}")
    if bad:
        raise _Fail("; ".join(bad))


def demo_pipeline(mpc: Any) -> None:
    print(f"[1] pipeline over tcp: ventilator → 2 workers → sink, {N_TASKS:,} work items")
    ctx = zmq.Context()
    sink = ctx.socket(zmq.PULL)
    sink.setsockopt(zmq.RCVTIMEO, RECV_TIMEOUT_MS)
    sink.setsockopt(zmq.LINGER, 0)
    q = mpc.Queue()
    stop = mpc.Event()
    procs: list[Any] = []
    try:
        port = sink.bind_to_random_port("tcp://127.0.0.1")
        sink_ep = f"tcp://127.0.0.1:{port}"
        for wid in (1, 2):
            p = mpc.Process(target=_worker, args=(wid, sink_ep, q, stop), name=f"worker-{wid}")
            p.start()
            procs.append(p)
        workers = {}
        for _ in procs:
            _, wid, pid, ep = _expect(q, "worker-ready", procs)
            workers[wid] = (pid, ep)
        vent = mpc.Process(
            target=_ventilator, name="ventilator", args=([workers[1][1], workers[2][1]], N_TASKS, q)
        )
        vent.start()
        procs.append(vent)
        print(f"    sink       pid {os.getpid():<7} PULL bind    {sink_ep}")
        for wid, (pid, ep) in sorted(workers.items()):
            print(f"    worker {wid}   pid {pid:<7} PULL bind    {ep}  → PUSH connect sink")
        print(f"    ventilator pid {vent.pid:<7} PUSH connect both workers")

        per_worker = {b"1": 0, b"2": 0}
        seen = set()
        t0 = t_last = 0.0
        for n in range(N_TASKS):
            try:
                wid, item, digest = sink.recv_multipart()
            except zmq.Again:
                raise _Fail(
                    f"sink: no result for {RECV_TIMEOUT_MS / 1000:.0f}s after {n} of {N_TASKS}"
                ) from None
            if n == 0:
                t0 = time.perf_counter()
            if digest != _work(item):
                raise _Fail(f"wrong result for {item!r} from worker {wid!r}: {digest!r}")
            if item in seen:
                raise _Fail(f"duplicate result for {item!r}")
            seen.add(item)
            per_worker[wid] = per_worker.get(wid, 0) + 1
            if n < 3:
                print(
                    f"    {item.decode():>9} → worker {wid.decode()} → sink: "
                    f"sha256 {digest.decode()}…  ✓"
                )
            elif n == 3:
                print("    …")
        t_last = time.perf_counter()
        _, _, sent, send_s = _expect(q, "ventilator", procs)
        stop.set()
        done = dict(_expect(q, "worker-done", procs)[1:4:2] for _ in (1, 2))
        _join(procs)
        if sum(done.values()) != N_TASKS:
            raise _Fail(f"workers report {done}, expected {N_TASKS} in all")
        rate = (N_TASKS - 1) / max(t_last - t0, 1e-9)
        split = ", ".join(f"worker {w.decode()}: {c:,}" for w, c in sorted(per_worker.items()))
        print(f"    {N_TASKS:,} items in, {len(seen):,} verified results out ({split})")
        print(
            f"    throughput: {rate:,.0f} items/s through 2 tcp hops "
            f"(ventilator sent {sent:,} in {send_s * 1000:.0f} ms)"
        )
    finally:
        stop.set()
        for p in procs:
            if p.is_alive():
                p.terminate()
        sink.close(linger=0)
        ctx.term()


def demo_reqrep(mpc: Any, tmpdir: str) -> None:
    endpoint = f"ipc://{tmpdir}/reqrep.ipc"
    print(f"[2] request-reply over ipc: {endpoint}")
    q = mpc.Queue()
    server = mpc.Process(target=_rep_server, args=(endpoint, q), name="rep-server")
    server.start()
    ctx = zmq.Context()
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.RCVTIMEO, RECV_TIMEOUT_MS)
    req.setsockopt(zmq.SNDTIMEO, RECV_TIMEOUT_MS)
    req.setsockopt(zmq.LINGER, 0)
    try:
        _, rep_pid = _expect(q, "rep-ready", [server])
        req.connect(endpoint)
        print(f"    REQ pid {os.getpid()} ↔ REP pid {rep_pid}")
        try:
            for i in range(3):
                req.send(b"ping %d" % i)
                print(f"    → ping {i}   ← {req.recv().decode()}")
            times = []
            for i in range(N_ROUNDTRIPS):
                t = time.perf_counter()
                req.send(b"ping %d" % i)
                reply = req.recv()
                times.append(time.perf_counter() - t)
                if not reply.startswith(b"pong %d " % i):
                    raise _Fail(f"unexpected reply {reply!r}")
            req.send(b"bye")
            req.recv()
        except zmq.Again:
            raise _Fail(f"no reply within {RECV_TIMEOUT_MS / 1000:.0f}s") from None
        _, _, served = _expect(q, "rep-done", [server])
        _join([server])
        us = sorted(t * 1e6 for t in times)
        print(
            f"    {N_ROUNDTRIPS:,} round trips: mean {statistics.mean(us):.0f} µs, "
            f"median {us[len(us) // 2]:.0f} µs, p99 {us[int(len(us) * 0.99)]:.0f} µs "
            f"(server answered {served:,})"
        )
    finally:
        if server.is_alive():
            server.terminate()
        req.close(linger=0)
        ctx.term()


def demo_interop(mpc: Any) -> bool | None:
    print("[3] interop with libzmq:", end=" ")
    if importlib.util.find_spec("zmq") is None:
        print("skipped (pyzmq is not installed: pip install pyzmq to try it)")
        return None
    q = mpc.Queue()
    peer = mpc.Process(target=_libzmq_peer, args=(q,), name="libzmq-peer")
    peer.start()
    ctx = zmq.Context()
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.RCVTIMEO, RECV_TIMEOUT_MS)
    req.setsockopt(zmq.SNDTIMEO, RECV_TIMEOUT_MS)
    req.setsockopt(zmq.LINGER, 0)
    try:
        _, pid, port = _expect(q, "libzmq-ready", [peer])
        print(f"pyzmq REP in pid {pid} on tcp://127.0.0.1:{port}")
        req.connect(f"tcp://127.0.0.1:{port}")
        t = time.perf_counter()
        req.send_multipart([b"hello from purezmq " + zmq.__version__.encode(), b"frame 2"])
        try:
            reply = req.recv_multipart()
        except zmq.Again:
            raise _Fail(
                f"libzmq peer did not answer within {RECV_TIMEOUT_MS / 1000:.0f}s"
            ) from None
        ms = (time.perf_counter() - t) * 1000
        _join([peer])
        print(f"    → 'hello from purezmq {zmq.__version__}' (2 frames)")
        print(f"    ← {' | '.join(f.decode() for f in reply)}  ({ms:.1f} ms incl. connect)")
        return True
    finally:
        if peer.is_alive():
            peer.terminate()
        req.close(linger=0)
        ctx.term()


def _watchdog(seconds: float) -> None:
    def fire() -> None:
        sys.stderr.write(f"\ndemo: did not finish within {seconds:.0f}s — aborting\n")
        for p in mp.active_children():
            p.kill()
        sys.stderr.flush()
        os._exit(2)

    t = threading.Timer(seconds, fire)
    t.daemon = True
    t.start()


def main() -> int:
    _watchdog(OVERALL_TIMEOUT)
    t_start = time.perf_counter()
    mpc = mp.get_context("spawn")
    print(
        f"purezmq {zmq.__version__} demo — ZeroMQ {zmq.zmq_version()} in pure Python "
        f"{sys.version.split()[0]}, separate processes, pid {os.getpid()}"
    )
    tmpdir = tempfile.mkdtemp(prefix="purezmq-demo-")
    failures = 0
    try:
        for part in (
            lambda: demo_pipeline(mpc),
            lambda: demo_reqrep(mpc, tmpdir),
            lambda: demo_interop(mpc),
        ):
            try:
                part()
            except (_Fail, zmq.ZMQError, OSError) as e:
                failures += 1
                print(f"    FAILED: {type(e).__name__}: {e}")
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    took = time.perf_counter() - t_start
    if failures:
        print(f"demo FAILED ({failures} part(s)) in {took:.1f} s")
        return 1
    print(f"all done in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
