"""Where PUB→SUB fan-out time goes: CPU per message on each side, purezmq vs pyzmq.

``bench.py --scenario pubsub`` measures delivered messages per second, everything at once.
This program splits that figure by side, always with libzmq (pyzmq) on the other side, so
that only one side changes between the two columns:

  sub  one SUB of the library under test receives N messages from a pyzmq PUB; printed:
       the SUB process's CPU time (user + system, all its threads) per message.
  pub  a PUB of the library under test sends N messages to K pyzmq SUBs in child
       processes; printed: the PUB process's CPU time per *delivered* message (N x K),
       from the first send until every subscriber has all N.

Nothing is dropped (HWMs are unlimited), so every figure is for exactly N (or N x K)
messages. Ratios are purezmq / pyzmq: lower is better here (CPU per message).

    .venv/bin/python bench/pubsub_cost.py [--count N] [--subs K] [--size BYTES]
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import time
from typing import Any, List, Tuple

HELLO = b"\x00hello"


def _lib(name: str) -> Any:
    return __import__(name)


def child_sub(lib: str, endpoint: str, count: int) -> None:
    """A SUB: says ``ready`` once subscribed, receives ``count`` messages, prints CPU/msg."""
    zmq = _lib(lib)
    ctx = zmq.Context()
    s = ctx.socket(zmq.SUB)
    s.setsockopt(zmq.RCVHWM, 0)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, 30000)
    s.setsockopt(zmq.SUBSCRIBE, b"")
    s.connect(endpoint)
    s.recv()  # a hello: the subscription is in force
    print("ready", flush=True)
    recv = s.recv
    n = 0
    c0 = time.process_time()
    while n < count:
        if recv()[0] == 1:  # hellos still in flight start with 0
            n += 1
    cpu = time.process_time() - c0
    print(json.dumps({"cpu_us": cpu / count * 1e6}), flush=True)
    s.close()
    ctx.term()


def _spawn_subs(lib: str, endpoint: str, count: int, k: int) -> List[subprocess.Popen]:
    return [
        subprocess.Popen(
            [sys.executable, __file__, "--child", lib, endpoint, str(count)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(k)
    ]


def _join(pub: Any, procs: List[subprocess.Popen], timeout: float = 30.0) -> None:
    """Send hellos until every child SUB has said ``ready``."""
    waiting = {p.stdout for p in procs}
    deadline = time.monotonic() + timeout
    while waiting:
        pub.send(HELLO)
        ready, _, _ = select.select(list(waiting), [], [], 0.01)
        for f in ready:
            if f.readline().strip() != "ready":
                raise RuntimeError("a subscriber failed to start")
            waiting.discard(f)
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(waiting)} subscriber(s) never joined")


def _finish(procs: List[subprocess.Popen]) -> List[float]:
    out = []
    for p in procs:
        assert p.stdout is not None
        line = p.stdout.readline()
        p.wait(30)
        if not line:
            raise RuntimeError(f"a subscriber exited with {p.returncode} before finishing")
        out.append(json.loads(line)["cpu_us"])
    return out


def fan_out(pub_lib: str, sub_lib: str, count: int, size: int, k: int) -> Tuple[List[float], float]:
    """A ``pub_lib`` PUB sends ``count`` messages to ``k`` ``sub_lib`` SUBs in child
    processes: returns each SUB's CPU µs per message and the PUB's CPU µs per delivered
    message (from the first send until every SUB has all of them: the I/O thread's writing
    counts)."""
    zmq = _lib(pub_lib)
    ctx = zmq.Context()
    pub = ctx.socket(zmq.PUB)
    pub.setsockopt(zmq.SNDHWM, 0)
    pub.setsockopt(zmq.LINGER, 0)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    procs = _spawn_subs(sub_lib, f"tcp://127.0.0.1:{port}", count, k)
    try:
        _join(pub, procs)
        msg = b"\x01" + b"\x00" * (size - 1)
        send = pub.send
        c0 = time.process_time()
        for _ in range(count):
            send(msg)
        subs = _finish(procs)
        cpu = time.process_time() - c0
        return subs, cpu / (count * k) * 1e6
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        pub.close()
        ctx.term()


def measure_sub(lib: str, count: int, size: int) -> float:
    """CPU µs per message of one ``lib`` SUB fed by a pyzmq PUB."""
    return fan_out("zmq", lib, count, size, 1)[0][0]


def measure_pub(lib: str, count: int, size: int, k: int) -> float:
    """CPU µs per delivered message of a ``lib`` PUB fanning out to ``k`` pyzmq SUBs."""
    return fan_out(lib, "zmq", count, size, k)[1]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_sub(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=200_000, help="messages (default 200000)")
    ap.add_argument("--subs", type=int, default=10, help="subscribers for 'pub' (default 10)")
    ap.add_argument("--size", type=int, default=64, help="message size in bytes (default 64)")
    args = ap.parse_args()
    if args.size < 1:
        ap.error("--size must be at least 1")
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    print(
        f"PUB→SUB CPU per message, {args.size} B, {args.count} messages, tcp; "
        "the other side is always pyzmq (libzmq)"
    )
    print(f"{'side':<34}{'pyzmq':>12}{'purezmq':>12}{'ratio':>8}")
    rows = [
        ("sub: 1 SUB (µs/msg)", lambda lib: measure_sub(lib, args.count, args.size)),
        (
            f"pub: PUB to {args.subs} SUBs (µs/delivered)",
            lambda lib: measure_pub(lib, args.count, args.size, args.subs),
        ),
    ]
    for label, fn in rows:
        base = fn("zmq")
        ours = fn("purezmq")
        print(f"{label:<34}{base:>12.3f}{ours:>12.3f}{ours / base:>7.2f}×", flush=True)


if __name__ == "__main__":
    main()
