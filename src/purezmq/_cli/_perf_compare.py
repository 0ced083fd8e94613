"""``purezmq perf compare``: the perf tools on pyzmq and purezmq side by side.

Each measurement runs the real tools (``python -m purezmq perf local_thr ...``) in child
processes, once per library and interleaved, parses their libzmq-format output and prints a
table with the ratio purezmq/pyzmq (or writes JSON). The tools themselves are in ``perf``.
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
    EXIT_FAILURE,
    EXIT_OK,
    CLIError,
    note,
    usage_error,
)

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
