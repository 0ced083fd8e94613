"""``purezmq perf``: libzmq's perf tools, and a side-by-side run against pyzmq.

The six tools behave and print exactly like libzmq 4.0's ``perf/`` programs (same
positional arguments, same socket types, same output lines and formulas):

=============  =========================================  ==================================
tool           arguments                                  prints
=============  =========================================  ==================================
local_thr      <bind-to> <message-size> <message-count>   message size / message count /
                                                          mean throughput [msg/s] and [Mb/s]
remote_thr     <connect-to> <message-size> <message-count>  nothing
local_lat      <bind-to> <message-size> <roundtrip-count>   nothing
remote_lat     <connect-to> <message-size> <roundtrip-count>  message size / roundtrip count /
                                                          average latency [us]
inproc_thr     <message-size> <message-count>             as local_thr
inproc_lat     <message-size> <roundtrip-count>           as remote_lat
=============  =========================================  ==================================

local_thr starts its clock at the first message; throughput = count / elapsed µs * 10^6
(truncated), Mb/s = throughput * size * 8 / 10^6; latency = elapsed µs / (2 * count).

``perf compare`` runs those very tools in child processes, once on pyzmq (libzmq) and once
on purezmq (``--lib``), interleaved, and prints a table with the ratio purezmq/pyzmq (see
``_perf_compare``).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Any, List, Optional

from ._common import (
    EXIT_CODES_HELP,
    EXIT_OK,
    CLIError,
    add_lib_option,
    attach,
    check_endpoint,
    formatter,
    load_library,
    nonneg_int,
    note,
    positive_int,
    seconds,
    usage_error,
)
from ._perf_compare import run_compare, thr_count

__all__ = ["add_parser", "run_compare", "run_tool", "thr_count"]

DESCRIPTION = """\
libzmq's performance tools (same arguments and output), and a side-by-side comparison.

  terminal 1: purezmq perf local_thr tcp://127.0.0.1:5555 64 100000
  terminal 2: purezmq perf remote_thr tcp://127.0.0.1:5555 64 100000

  terminal 1: purezmq perf local_lat tcp://127.0.0.1:5556 64 10000
  terminal 2: purezmq perf remote_lat tcp://127.0.0.1:5556 64 10000

  purezmq perf inproc_thr 64 100000
  purezmq perf compare --quick          purezmq vs pyzmq (libzmq), as a table

Add --lib zmq to run a tool on pyzmq (libzmq) instead of purezmq.
"""

_TOOLS = {
    # name: (endpoint argument or None, count name, help)
    "local_thr": ("bind-to", "message-count", "PULL: receive and report throughput"),
    "remote_thr": ("connect-to", "message-count", "PUSH: send messages for local_thr"),
    "local_lat": ("bind-to", "roundtrip-count", "REP: echo messages for remote_lat"),
    "remote_lat": ("connect-to", "roundtrip-count", "REQ: measure round-trip latency"),
    "inproc_thr": (None, "message-count", "throughput over inproc, in one process"),
    "inproc_lat": (None, "roundtrip-count", "latency over inproc, in one process"),
}

_PROGRESS_EVERY = 1 << 13  # messages between progress checks (a power of two)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "perf",
        help="libzmq's perf tools (thr/lat) and a pyzmq comparison",
        description=DESCRIPTION,
        epilog=EXIT_CODES_HELP,
        formatter_class=formatter,
    )
    tools = p.add_subparsers(dest="tool", metavar="TOOL", parser_class=type(p))
    tools.required = True
    for name, (ep, count, text) in _TOOLS.items():
        t = tools.add_parser(
            name,
            help=text,
            description=f"{name}: {text} (libzmq perf/ semantics and output)",
            epilog=EXIT_CODES_HELP,
            formatter_class=formatter,
        )
        if ep is not None:
            t.add_argument("endpoint", metavar=ep.replace("-", "_"), help=ep)
        t.add_argument(
            "size", metavar="message_size", type=nonneg_int, help="message size in bytes"
        )
        t.add_argument(
            "count",
            metavar=count.replace("-", "_"),
            type=positive_int,
            help=count.replace("-", " "),
        )
        add_lib_option(t)
        t.add_argument(
            "--progress",
            action="store_true",
            default=None,
            help="show progress on stderr (default: when stderr is a terminal)",
        )
        t.add_argument("--no-progress", dest="progress", action="store_false")
        t.add_argument(
            "--timeout",
            type=seconds,
            default=None,
            metavar="SECONDS",
            help="give up (exit 3) when no message arrives for this long",
        )
        t.add_argument("--announce", action="store_true", help=argparse.SUPPRESS)
        t.set_defaults(func=run_tool)
    c = tools.add_parser(
        "compare",
        help="run the tools on pyzmq and purezmq side by side, print a table",
        description="Run local/remote thr and lat (and inproc_thr/inproc_lat) on pyzmq "
        "(libzmq) and purezmq, each in child processes, interleaved; print a table with "
        "the ratio purezmq/pyzmq. Without pyzmq installed, purezmq runs alone.",
        epilog=EXIT_CODES_HELP,
        formatter_class=formatter,
    )
    c.add_argument("--quick", action="store_true", help="smaller counts (~10x faster, noisier)")
    c.add_argument(
        "--transport",
        default="tcp,ipc,inproc",
        help="comma-separated transports (default: tcp,ipc,inproc)",
    )
    c.add_argument(
        "--size",
        default=None,
        help="comma-separated message sizes in bytes (default: 64,1024,65536; "
        "--quick: 64,65536); latency runs use the first size",
    )
    c.add_argument("--test", default="thr,lat", help="thr, lat or thr,lat (default)")
    c.add_argument(
        "--thr-count",
        type=positive_int,
        default=None,
        help="messages per throughput run (default: scaled by size)",
    )
    c.add_argument(
        "--lat-count",
        type=positive_int,
        default=None,
        help="round trips per latency run (default: 10000; --quick: 1000)",
    )
    c.add_argument(
        "--libs", default=None, help="libraries to run (default: zmq,purezmq, or purezmq alone)"
    )
    c.add_argument(
        "--json",
        metavar="FILE",
        default=None,
        help="also write the results as JSON to FILE ('-': stdout, no table)",
    )
    c.add_argument(
        "--progress",
        action="store_true",
        default=None,
        help="show progress on stderr (default: when stderr is a terminal)",
    )
    c.add_argument("--no-progress", dest="progress", action="store_false")
    c.add_argument(
        "--timeout",
        type=seconds,
        default=60.0,
        metavar="SECONDS",
        help="abort a measurement after this long (default: 60)",
    )
    c.set_defaults(func=run_compare)


# ==========================================================================================
# The libzmq tools
# ==========================================================================================
class _Progress:
    """A ``\\r``-updated counter on stderr, refreshed at most 10 times a second."""

    def __init__(self, enabled: Optional[bool], label: str, total: int) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.label = label
        self.total = total
        self._last = 0.0
        self._tty = sys.stderr.isatty()

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done < self.total:
            return
        self._last = now
        pct = 100.0 * done / self.total if self.total else 100.0
        line = f"{self.label}: {done}/{self.total} ({pct:.0f}%)"
        if self._tty:
            sys.stderr.write("\r" + line)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self._tty:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _elapsed_us(t0: float) -> int:
    us = int((time.perf_counter() - t0) * 1_000_000)
    return us if us > 0 else 1


def _print_thr(size: int, count: int, elapsed_us: int) -> None:
    throughput = int(count / elapsed_us * 1_000_000)
    megabits = throughput * size * 8 / 1_000_000
    sys.stdout.write(
        f"message size: {size} [B]\n"
        f"message count: {count}\n"
        f"mean throughput: {throughput} [msg/s]\n"
        f"mean throughput: {megabits:.3f} [Mb/s]\n"
    )
    sys.stdout.flush()


def _recv_loop(
    sock: Any, size: int, count: int, progress: Optional[_Progress] = None, offset: int = 0
) -> None:
    """Receive ``count`` messages of ``size`` bytes (``offset`` already received)."""
    recv = sock.recv
    for i in range(count):
        msg = recv()
        if len(msg) != size:
            raise CLIError("message of incorrect size received")
        if progress is not None and not (i & (_PROGRESS_EVERY - 1)):
            progress.update(offset + i + 1)
    if progress is not None:
        progress.update(offset + count)


def _sender(
    zmq: Any, ctx: Any, endpoint: str, size: int, count: int, errors: List[BaseException]
) -> None:
    try:
        s = ctx.socket(zmq.PUSH)
        s.connect(endpoint)
        msg = bytes(size)
        send = s.send
        for _ in range(count):
            send(msg)
        s.close()
    except BaseException as e:  # reported by the main thread
        errors.append(e)


def _echoer(
    zmq: Any, ctx: Any, endpoint: str, size: int, count: int, errors: List[BaseException]
) -> None:
    try:
        s = ctx.socket(zmq.REP)
        s.connect(endpoint)
        recv, send = s.recv, s.send
        for _ in range(count):
            msg = recv()
            if len(msg) != size:
                raise CLIError("message of incorrect size received")
            send(msg)
        s.close()
    except BaseException as e:
        errors.append(e)


def run_tool(args: argparse.Namespace) -> int:
    zmq = load_library(args.lib)
    tool = args.tool
    size, count = args.size, args.count
    if getattr(args, "endpoint", None) is not None:
        check_endpoint(args.endpoint, allow_inproc=False)
    ctx = zmq.Context(1)
    timeout_ms = -1 if args.timeout is None else max(1, int(args.timeout * 1000))
    progress = _Progress(args.progress, tool, count)
    try:
        try:
            if tool == "local_thr":
                s = ctx.socket(zmq.PULL)
                s.setsockopt(zmq.RCVTIMEO, timeout_ms)
                _bind_announce(zmq, s, args)
                _recv_loop(s, size, 1)
                t0 = time.perf_counter()
                _recv_loop(s, size, count - 1, progress, 1)
                elapsed = _elapsed_us(t0)
                progress.done()
                _print_thr(size, count, elapsed)
            elif tool == "remote_thr":
                s = ctx.socket(zmq.PUSH)
                if args.timeout is not None:
                    s.setsockopt(zmq.SNDTIMEO, timeout_ms)
                    s.setsockopt(zmq.LINGER, timeout_ms)
                attach(zmq, s, [], [args.endpoint])
                msg = bytes(size)
                send = s.send
                for i in range(count):
                    send(msg)
                    if not (i & (_PROGRESS_EVERY - 1)):
                        progress.update(i + 1)
                progress.update(count)
                progress.done()
            elif tool == "local_lat":
                s = ctx.socket(zmq.REP)
                s.setsockopt(zmq.RCVTIMEO, timeout_ms)
                s.setsockopt(zmq.SNDTIMEO, timeout_ms)
                _bind_announce(zmq, s, args)
                recv, send = s.recv, s.send
                for i in range(count):
                    msg = recv()
                    if len(msg) != size:
                        raise CLIError("message of incorrect size received")
                    send(msg)
                    if not (i & (_PROGRESS_EVERY - 1)):
                        progress.update(i + 1)
                progress.update(count)
                progress.done()
            elif tool == "remote_lat":
                s = ctx.socket(zmq.REQ)
                s.setsockopt(zmq.RCVTIMEO, timeout_ms)
                s.setsockopt(zmq.SNDTIMEO, timeout_ms)
                attach(zmq, s, [], [args.endpoint])
                elapsed = _lat_loop(s, size, count, progress)
                progress.done()
                _print_lat(size, count, elapsed)
            elif tool == "inproc_thr":
                s = ctx.socket(zmq.PULL)
                s.setsockopt(zmq.RCVTIMEO, timeout_ms)
                s.bind("inproc://thr_test")
                errors: List[BaseException] = []
                t = threading.Thread(
                    target=_sender,
                    daemon=True,
                    args=(zmq, ctx, "inproc://thr_test", size, count, errors),
                )
                t.start()
                _recv_loop(s, size, 1)
                t0 = time.perf_counter()
                _recv_loop(s, size, count - 1, progress, 1)
                elapsed = _elapsed_us(t0)
                t.join()
                progress.done()
                if errors:
                    raise errors[0]
                _print_thr(size, count, elapsed)
            elif tool == "inproc_lat":
                s = ctx.socket(zmq.REQ)
                s.setsockopt(zmq.RCVTIMEO, timeout_ms)
                s.bind("inproc://lat_test")
                errors = []
                t = threading.Thread(
                    target=_echoer,
                    daemon=True,
                    args=(zmq, ctx, "inproc://lat_test", size, count, errors),
                )
                t.start()
                sys.stdout.write(f"message size: {size} [B]\nroundtrip count: {count}\n")
                sys.stdout.flush()
                elapsed = _lat_loop(s, size, count, progress)
                t.join()
                progress.done()
                if errors:
                    raise errors[0]
                sys.stdout.write(f"average latency: {elapsed / (count * 2):.3f} [us]\n")
                sys.stdout.flush()
            else:  # pragma: no cover - argparse restricts the choices
                raise usage_error(f"unknown tool {tool!r}")
            s.close()
        except zmq.Again:
            from ._common import EXIT_TIMEOUT

            progress.done()
            raise CLIError(f"timeout: no progress for {args.timeout:g} s", EXIT_TIMEOUT) from None
        except zmq.ZMQError as e:
            progress.done()
            raise CLIError(f"error in {tool}: {e}") from None
    finally:
        ctx.destroy(linger=None if tool == "remote_thr" else 0)
    return EXIT_OK


def _bind_announce(zmq: Any, sock: Any, args: argparse.Namespace) -> None:
    bound = attach(zmq, sock, [args.endpoint], [])
    if args.announce:
        note(f"endpoint: {bound[0]}")


def _lat_loop(sock: Any, size: int, count: int, progress: _Progress) -> int:
    msg = bytes(size)
    send, recv = sock.send, sock.recv
    t0 = time.perf_counter()
    for i in range(count):
        send(msg)
        reply = recv()
        if len(reply) != size:
            raise CLIError("message of incorrect size received")
        if not (i & (_PROGRESS_EVERY - 1)):
            progress.update(i + 1)
    elapsed = _elapsed_us(t0)
    progress.update(count)
    return elapsed


def _print_lat(size: int, count: int, elapsed_us: int) -> None:
    sys.stdout.write(
        f"message size: {size} [B]\n"
        f"roundtrip count: {count}\n"
        f"average latency: {elapsed_us / (count * 2):.3f} [us]\n"
    )
    sys.stdout.flush()
