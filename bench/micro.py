"""Per-call costs of the hot paths, purezmq beside pyzmq, in one process (no I/O threads
involved): what a change to send/recv or the frame decoder does, before the noisier
end-to-end ``bench.py`` figures.

  send     PUSH.send of a 64 B message over inproc into an unlimited pipe
  recv     PULL.recv of a queued 64 B message over inproc
  decode   ZMTP frame decoding of 64 B single-frame messages fed in 256 KiB chunks
           (purezmq's V3Decoder; pyzmq has no Python-level equivalent)

Each figure is the best of ``--rounds`` rounds of ``--count`` calls, in nanoseconds.

    .venv/bin/python bench/micro.py [--count N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any, Callable, Dict

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
if os.path.isdir(os.path.join(SRC, "purezmq")) and SRC not in sys.path:
    sys.path.insert(0, SRC)


def _best(rounds: int, count: int, setup: Callable[[], Any], run: Callable[[Any], None]) -> float:
    best = float("inf")
    for _ in range(rounds):
        state = setup()
        t0 = time.perf_counter()
        run(state)
        best = min(best, (time.perf_counter() - t0) / count * 1e9)
    return best


def socket_costs(zmq: Any, count: int, rounds: int) -> Dict[str, float]:
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    try:
        pull.setsockopt(zmq.RCVHWM, 0)
        push.setsockopt(zmq.SNDHWM, 0)
        pull.bind("inproc://micro")
        push.connect("inproc://micro")
        msg = b"x" * 64
        send, recv = push.send, pull.recv

        queued = [0]

        def drain(_: Any = None) -> None:
            for _ in range(queued[0]):
                recv()
            queued[0] = 0

        def fill(_: Any = None) -> None:
            for _ in range(count):
                send(msg)
            queued[0] = count

        out = {"send": _best(rounds, count, drain, fill)}
        out["recv"] = _best(rounds, count, fill, drain)
        drain()
        return out
    finally:
        pull.close(linger=0)
        push.close(linger=0)
        ctx.term()


def decode_cost(count: int, rounds: int) -> float:
    from purezmq.zmtp._frames import V3Decoder

    frame = b"\x00\x40" + b"\x01" * 64
    per_chunk = 256 * 1024 // len(frame)
    data = frame * per_chunk
    chunks = max(1, count // per_chunk)

    def run(dec: Any) -> None:
        for _ in range(chunks):
            dec.feed(data)

    return _best(rounds, chunks * per_chunk, V3Decoder, run)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=200_000, help="calls per round (200000)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds, best taken (5)")
    args = ap.parse_args()
    import zmq

    import purezmq

    theirs = socket_costs(zmq, args.count, args.rounds)
    ours = socket_costs(purezmq, args.count, args.rounds)
    print(f"{'per call, ns':<12}{'pyzmq':>10}{'purezmq':>10}{'ratio':>8}")
    for name in ("send", "recv"):
        a, b = theirs[name], ours[name]
        print(f"{name:<12}{a:>10.0f}{b:>10.0f}{b / a:>7.2f}×")
    print(f"{'decode':<12}{'-':>10}{decode_cost(args.count, args.rounds):>10.0f}")


if __name__ == "__main__":
    main()
