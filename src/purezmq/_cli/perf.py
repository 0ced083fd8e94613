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
on purezmq (``--lib``), interleaved, and prints a table with the ratio purezmq/pyzmq.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

from ._common import (
    EXIT_CODES_HELP,
    EXIT_FAILURE,
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


# ==========================================================================================
# perf compare
# ==========================================================================================
_THR_RE = re.compile(r"^mean throughput: (\d+) \[msg/s\]$", re.M)
_MB_RE = re.compile(r"^mean throughput: ([0-9.]+) \[Mb/s\]$", re.M)
_LAT_RE = re.compile(r"^average latency: ([0-9.]+) \[us\]$", re.M)
_LABEL = {"zmq": "pyzmq", "purezmq": "purezmq"}


def thr_count(size: int, quick: bool) -> int:
    """Messages for one throughput run: ~1-2 s of purezmq on a small machine."""
    n = 200_000 if size <= 256 else max(5_000, min(200_000, 51_200_000 // max(size, 1)))
    if quick:
        n //= 10
    return max(1_000, n)


def _child_env() -> Dict[str, str]:
    env = dict(os.environ)
    # the children must import this very purezmq, however the parent found it
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    env.pop("PYTHONSTARTUP", None)
    return env


class _Child:
    """A ``python -m purezmq perf ...`` child with its stderr read by a thread."""

    def __init__(self, argv: List[str], env: Dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "purezmq", "perf", *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        self.lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self.err: List[str] = []
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def announced(self, deadline: float) -> str:
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError("the receiver did not start in time") from None
            if line is None:
                raise RuntimeError(self.error() or "the receiver exited early")
            if line.startswith("endpoint: "):
                return line[len("endpoint: ") :].strip()

    def finish(self, deadline: float) -> str:
        try:
            out, _ = self.proc.communicate(timeout=max(0.01, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
            raise RuntimeError("timed out") from None
        self._reader.join(1)
        if self.proc.returncode != 0:
            raise RuntimeError(self.error() or f"exit status {self.proc.returncode}")
        return out

    def error(self) -> str:
        lines = [ln.strip() for ln in self.err if ln.strip()]
        return lines[-1] if lines else ""

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.communicate(timeout=5)
        except Exception:
            pass


def _measure(
    lib: str,
    test: str,
    transport: str,
    size: int,
    count: int,
    timeout: float,
    tmpdir: str,
    env: Dict[str, str],
) -> Dict[str, float]:
    """One measurement through the real tools; {'msgs': .., 'mbps': ..} or {'lat_us': ..}."""
    deadline = time.monotonic() + timeout
    tmo = ["--timeout", f"{timeout:g}", "--lib", lib, "--no-progress"]
    if transport == "inproc":
        child = _Child([f"inproc_{test}", str(size), str(count), *tmo], env)
        try:
            out = child.finish(deadline)
        finally:
            child.kill()
    else:
        if transport == "tcp":
            bind = "tcp://127.0.0.1:*"
        else:
            bind = "ipc://" + os.path.join(tmpdir, f"{lib}-{test}-{size}")
        local = _Child([f"local_{test}", "--announce", bind, str(size), str(count), *tmo], env)
        remote = None
        try:
            endpoint = local.announced(deadline)
            remote = _Child([f"remote_{test}", endpoint, str(size), str(count), *tmo], env)
            rout = remote.finish(deadline)
            lout = local.finish(deadline)
        finally:
            local.kill()
            if remote is not None:
                remote.kill()
        out = lout if test == "thr" else rout
    if test == "thr":
        m1, m2 = _THR_RE.search(out), _MB_RE.search(out)
        if not (m1 and m2):
            raise RuntimeError(f"unexpected output: {out.strip()!r}")
        return {"msgs": float(m1.group(1)), "mbps": float(m2.group(1))}
    m = _LAT_RE.search(out)
    if not m:
        raise RuntimeError(f"unexpected output: {out.strip()!r}")
    return {"lat_us": float(m.group(1))}


def _split(text: str, what: str) -> List[str]:
    items = [x.strip() for x in text.split(",") if x.strip()]
    if not items:
        raise usage_error(f"--{what}: nothing given")
    return items


def run_compare(args: argparse.Namespace) -> int:
    transports = _split(args.transport, "transport")
    for t in transports:
        if t not in ("tcp", "ipc", "inproc"):
            raise usage_error(f"--transport: unknown transport {t!r} (tcp, ipc, inproc)")
    tests = _split(args.test, "test")
    for t in tests:
        if t not in ("thr", "lat"):
            raise usage_error(f"--test: unknown test {t!r} (thr, lat)")
    size_text = args.size or ("64,65536" if args.quick else "64,1024,65536")
    try:
        sizes = [int(s) for s in _split(size_text, "size")]
    except ValueError:
        raise usage_error(f"--size: expected comma-separated integers, got {size_text!r}") from None
    if any(s < 0 for s in sizes):
        raise usage_error("--size: sizes must be >= 0")
    pyzmq = _pyzmq_info()
    if args.libs:
        libs = [{"pyzmq": "zmq"}.get(x, x) for x in _split(args.libs, "libs")]
        for lib in libs:
            if lib not in ("zmq", "purezmq"):
                raise usage_error(f"--libs: unknown library {lib!r} (zmq, purezmq)")
        if "zmq" in libs and pyzmq is None:
            raise CLIError("pyzmq is not installed (pip install pyzmq)")
    else:
        libs = ["zmq", "purezmq"] if pyzmq is not None else ["purezmq"]
        if pyzmq is None:
            note("pyzmq is not installed: measuring purezmq alone (pip install pyzmq to compare)")
    lat_count = args.lat_count or (1_000 if args.quick else 10_000)

    plan: List[Tuple[str, str, int, int]] = []
    for test in ("thr", "lat"):
        if test not in tests:
            continue
        for transport in transports:
            for size in sizes if test == "thr" else sizes[:1]:
                count = (
                    (args.thr_count or thr_count(size, args.quick)) if test == "thr" else lat_count
                )
                plan.append((test, transport, size, count))
    total = len(plan) * len(libs)
    show = sys.stderr.isatty() if args.progress is None else args.progress
    tty = sys.stderr.isatty()
    env = _child_env()
    tmpdir = tempfile.mkdtemp(prefix="pzperf-")
    results: List[Dict[str, Any]] = []
    failures = 0
    step = 0
    t_start = time.monotonic()
    try:
        for test, transport, size, count in plan:
            row: Dict[str, Any] = {
                "test": test,
                "transport": transport,
                "size": size,
                "count": count,
            }
            for lib in libs:
                step += 1
                if show:
                    msg = (
                        f"[{step}/{total}] {'throughput' if test == 'thr' else 'latency'}"
                        f" {transport} {_fmt_size(size)} x {count} on {_LABEL[lib]}"
                        f" ({time.monotonic() - t_start:.0f} s)"
                    )
                    sys.stderr.write(("\r\x1b[K" + msg) if tty else msg + "\n")
                    sys.stderr.flush()
                try:
                    row[lib] = _measure(
                        lib, test, transport, size, count, args.timeout, tmpdir, env
                    )
                except RuntimeError as e:
                    failures += 1
                    row[lib] = {"error": str(e)}
                    note(
                        f"purezmq perf compare: {_LABEL[lib]} {test} {transport} {size} B "
                        f"failed: {e}"
                    )
            results.append(row)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
        if show and tty:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
    header = _header(pyzmq)
    doc = {"header": header, "libs": [_LABEL[x] for x in libs], "results": results}
    if args.json == "-":
        json.dump(doc, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(_table(header, libs, results))
        sys.stdout.flush()
        if args.json:
            try:
                with open(args.json, "w") as f:
                    json.dump(doc, f, indent=1)
                    f.write("\n")
            except OSError as e:
                raise CLIError(f"cannot write {args.json}: {e.strerror}") from None
    return EXIT_FAILURE if failures else EXIT_OK


def _pyzmq_info() -> Optional[Tuple[str, str]]:
    """(pyzmq version, libzmq version) without importing pyzmq in this process."""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - Python < 3.8
        return None
    try:
        pyzmq_version = version("pyzmq")
    except PackageNotFoundError:
        return None
    try:
        out = subprocess.run(
            [sys.executable, "-c", "import zmq; print(zmq.zmq_version())"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return pyzmq_version, out.stdout.strip()


def _header(pyzmq: Optional[Tuple[str, str]]) -> str:
    from .. import __version__

    libs = f"purezmq {__version__}"
    if pyzmq is not None:
        libs += f" vs pyzmq {pyzmq[0]} (libzmq {pyzmq[1]})"
    try:
        load = " load %.2f" % os.getloadavg()[0]
    except (OSError, AttributeError):
        load = ""
    return (
        f"{libs}; {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs,{load}"
    )


def _fmt_size(size: int) -> str:
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} B"


def _cell(test: str, result: Optional[Dict[str, Any]]) -> str:
    if result is None:
        return "-"
    if "error" in result:
        return "failed"
    if test == "thr":
        return f"{int(result['msgs']):>11,} msg/s {result['mbps']:>8,.0f} Mb/s"
    return f"{result['lat_us']:,.1f} us"


def _ratio(test: str, row: Dict[str, Any]) -> str:
    a, b = row.get("zmq"), row.get("purezmq")
    if not a or not b or "error" in a or "error" in b:
        return "-"
    if test == "thr":
        return f"{b['msgs'] / a['msgs']:.2f}x" if a["msgs"] else "-"
    return f"{b['lat_us'] / a['lat_us']:.2f}x" if a["lat_us"] else "-"


def _table(header: str, libs: List[str], results: List[Dict[str, Any]]) -> str:
    cols = ["test", "transport", "size"] + [_LABEL[x] for x in libs]
    both = len(libs) == 2
    if both:
        cols.append("purezmq/pyzmq")
    rows = []
    for r in results:
        name = "throughput" if r["test"] == "thr" else "latency (rtt/2)"
        cells = [name, r["transport"], _fmt_size(r["size"])]
        cells += [_cell(r["test"], r.get(x)) for x in libs]
        if both:
            cells.append(_ratio(r["test"], r))
        rows.append(cells)
    widths = [
        max(len(c), *(len(row[i]) for row in rows)) if rows else len(c) for i, c in enumerate(cols)
    ]
    right = {2} | set(range(3, len(cols)))

    def line(cells: List[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    out = [header, "", line(cols), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    notes = []
    if both:
        notes.append(
            "purezmq/pyzmq: throughput ratio (higher is better); latency ratio (lower is better)"
        )
    if any(r["transport"] == "inproc" and r["test"] == "thr" for r in results):
        notes.append(
            "inproc: purezmq hands the sender's bytes object over without copying, "
            "libzmq copies; large-message\ninproc ratios are not like-for-like"
        )
    if notes:
        out += ["", *notes]
    return "\n".join(out) + "\n"
