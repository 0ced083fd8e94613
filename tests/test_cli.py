"""The ``purezmq`` command line, run for real in subprocesses (``python -m purezmq ...``).

Covers keygen (certificates readable by load_certificate, pyzmq's too), send | recv round
trips over tcp and ipc with and without CURVE/PLAIN and against a libzmq peer (the same
CLI on pyzmq, ``--lib zmq``), perf's libzmq output format and the comparison table,
monitor, and bad arguments (non-zero exit status, one line on stderr).

No test sleeps to synchronise: a receiver binds a wildcard/ipc endpoint and reports it on
stderr (``-v``), and the sender is started once that line is read.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import pytest

import purezmq as zmq
from purezmq._cli import main as cli_main

pytestmark = pytest.mark.timeout(30)

PZ = [sys.executable, "-m", "purezmq"]
T = 15  # seconds: subprocess deadline (never reached when things work)

try:
    import zmq as _pyzmq  # noqa: F401

    HAVE_PYZMQ = True
except ImportError:  # pragma: no cover
    HAVE_PYZMQ = False

needs_pyzmq = pytest.mark.skipif(not HAVE_PYZMQ, reason="pyzmq (libzmq peer) not installed")
needs_curve = pytest.mark.skipif(not zmq.has("curve"), reason="CURVE needs PyNaCl")


@pytest.fixture(scope="module")
def tmp():
    d = tempfile.mkdtemp(prefix="pzcli-", dir="/tmp" if os.path.isdir("/tmp") else None)
    yield d
    shutil.rmtree(d, ignore_errors=True)


_n = [0]


def ipc(tmp):
    _n[0] += 1
    return "ipc://" + os.path.join(tmp, f"s{_n[0]}")


def run(*args, input=None, timeout=T):
    """Run a command to completion; bytes in, bytes out."""
    return subprocess.run([*PZ, *args], input=input, capture_output=True, timeout=timeout)


_live_procs: list = []


@pytest.fixture(autouse=True)
def _kill_leftover_procs():
    """A failing test must not leave its background commands running."""
    yield
    while _live_procs:
        _live_procs.pop().kill()


class Proc:
    """A background command whose stdout and stderr lines are collected by threads."""

    def __init__(self, *args, stdin=subprocess.DEVNULL):
        _live_procs.append(self)
        self.p = subprocess.Popen(
            [*PZ, *args], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.out_q: "queue.Queue" = queue.Queue()
        self.err_q: "queue.Queue" = queue.Queue()
        self.out: list = []
        self.err: list = []
        self._threads = [
            threading.Thread(target=self._pump, args=(s, q, acc), daemon=True)
            for s, q, acc in (
                (self.p.stdout, self.out_q, self.out),
                (self.p.stderr, self.err_q, self.err),
            )
        ]
        for t in self._threads:
            t.start()

    @staticmethod
    def _pump(stream, q, acc):
        for line in iter(stream.readline, b""):
            acc.append(line)
            q.put(line)
        q.put(None)

    def wait_line(self, pattern, stream="err", timeout=T):
        """The first new line matching ``pattern`` (regex on text)."""
        q = self.err_q if stream == "err" else self.out_q
        end = time.monotonic() + timeout
        while True:
            try:
                line = q.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                raise AssertionError(
                    f"no line matching {pattern!r}; stderr={b''.join(self.err)!r}"
                ) from None
            if line is None:
                raise AssertionError(
                    f"process ended before {pattern!r}: "
                    f"rc={self.p.wait()} stderr={b''.join(self.err)!r}"
                )
            m = re.search(pattern, line.decode(errors="replace"))
            if m:
                return m

    def bound(self):
        return self.wait_line(r"^bound to (\S+)").group(1)

    def finish(self, timeout=T):
        try:
            rc = self.p.wait(timeout)
        finally:
            self.kill()
        for t in self._threads:
            t.join(5)
        return rc, b"".join(self.out), b"".join(self.err)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(5)


def one_error_line(stderr: bytes, prog: str = "purezmq") -> str:
    lines = stderr.decode().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    assert lines[0].startswith(prog) and "error:" in lines[0], lines[0]
    return lines[0]


# -- general -----------------------------------------------------------------------------
def test_help_and_version():
    r = run("--help")
    assert r.returncode == 0
    text = r.stdout.decode()
    for cmd in ("keygen", "perf", "send", "recv", "cat", "monitor", "exit status"):
        assert cmd in text
    r = run("--version")
    assert r.returncode == 0 and r.stdout.decode().startswith("purezmq ")
    r = run("send", "--help")
    assert r.returncode == 0 and b"--curve-serverkey" in r.stdout


@pytest.mark.parametrize(
    "argv",
    [
        ["keygen"],
        ["perf"],
        ["perf", "local_thr"],
        ["perf", "remote_lat"],
        ["perf", "inproc_thr"],
        ["perf", "compare"],
        ["send"],
        ["recv"],
        ["cat"],
        ["monitor"],
    ],
)
def test_every_subcommand_has_help(argv, capsys):
    assert cli_main([*argv, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: purezmq") and "exit status" in out


def test_no_command_is_a_usage_error():
    r = run()
    assert r.returncode == 2
    one_error_line(r.stderr)


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["frobnicate"], "invalid choice"),
        (["send", "-m", "x"], "an endpoint is needed"),
        (["send", "-c", "localhost:5555", "-m", "x"], "invalid endpoint"),
        (["recv", "-b", "tcp://127.0.0.1"], "tcp needs host:port"),
        (["recv", "-b", "foo://bar"], "unknown transport"),
        (["send", "-c", "inproc://x", "-m", "x"], "inproc only"),
        (
            ["send", "-c", "tcp://127.0.0.1:9", "--curve-serverkey", "~" * 40, "-m", "x"],
            "not a CURVE public key",
        ),
        (["keygen", "--secret", "short"], "not a CURVE secret key"),
        (["perf", "local_thr", "tcp://127.0.0.1:9", "big", "10"], "expected an integer"),
        (["recv", "-t", "PUSH", "-b", "tcp://127.0.0.1:9"], "cannot receive"),
        (["send", "-t", "BOGUS", "-c", "tcp://127.0.0.1:9"], "invalid choice"),
        (["send", "-c", "tcp://127.0.0.1:9", "/nonexistent/file"], "cannot read"),
        (["monitor", "-b", "tcp://127.0.0.1:9", "--until", "NOPE"], "unknown event"),
        (["keygen", "--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, needle):
    r = run(*argv)
    assert r.returncode == 2, r.stderr
    line = one_error_line(r.stderr)
    assert needle in line
    assert r.stdout == b""


def test_address_in_use_is_a_runtime_failure(ctx):
    s = ctx.socket(zmq.PULL)
    s.linger = 0
    port = s.bind_to_random_port("tcp://127.0.0.1")
    r = run("recv", "-b", f"tcp://127.0.0.1:{port}")
    assert r.returncode == 1
    assert "Address already in use" in one_error_line(r.stderr)


def test_recv_timeout_exits_3(tmp):
    r = run("recv", "-b", ipc(tmp), "--timeout", "0.3")
    assert r.returncode == 3
    assert "timeout" in one_error_line(r.stderr)


# -- keygen ------------------------------------------------------------------------------
@needs_curve
def test_keygen_prints_a_key_pair():
    r = run("keygen")
    assert r.returncode == 0
    lines = r.stdout.decode().splitlines()
    assert lines[0] == "== CURVE PUBLIC KEY ==" and lines[2] == ""
    assert lines[3] == "== CURVE SECRET KEY ==" and len(lines) == 5
    public, secret = lines[1], lines[4]
    assert len(public) == len(secret) == 40
    assert zmq.curve_public(secret.encode()) == public.encode()
    r = run("keygen", "--json", "--secret", secret)
    assert r.returncode == 0
    assert json.loads(r.stdout) == {"public": public, "secret": secret}


@needs_curve
def test_values_starting_with_a_dash():
    """Z85 keys and message texts may start with '-': still taken as values."""
    secret = "-oR{>2(i<%qW%?jr(YBe[>e>/.tpC/QXhSE5#ewA"
    r = run("keygen", "--json", "--secret", secret)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["public"] == zmq.curve_public(secret.encode()).decode()


@needs_curve
def test_keygen_certificates_load_everywhere(tmp):
    out = os.path.join(tmp, "certs")
    r = run("keygen", "--cert", "server", "-o", out, "--meta", "name=alice", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    from purezmq.auth.certs import load_certificate

    public, secret = load_certificate(info["secret_file"])
    assert public.decode() == info["public"] and zmq.curve_public(secret) == public
    assert load_certificate(info["public_file"]) == (public, None)
    assert oct(os.stat(info["secret_file"]).st_mode & 0o777) == "0o600"
    if HAVE_PYZMQ:
        import zmq.auth as pyauth

        assert pyauth.load_certificate(info["secret_file"]) == (public, secret)
        assert pyauth.load_certificate(info["public_file"]) == (public, None)
    with open(info["public_file"]) as f:
        assert 'name = "alice"' in f.read()
    # existing files are kept unless --force
    r = run("keygen", "--cert", "server", "-o", out)
    assert r.returncode == 1 and "exists" in one_error_line(r.stderr)
    assert load_certificate(info["secret_file"]) == (public, secret)
    r = run("keygen", "--cert", "server", "-o", out, "--force")
    assert r.returncode == 0
    assert load_certificate(info["secret_file"])[0] != public
    # a secret certificate file works wherever a key is expected
    r = run("keygen", "--secret", info["secret_file"])
    assert r.returncode == 0


# -- send | recv -------------------------------------------------------------------------
def test_send_recv_tcp_lines():
    recv = Proc("recv", "-b", "tcp://127.0.0.1:*", "-v", "-n", "3", "--timeout", "10")
    ep = recv.bound()
    assert ep.startswith("tcp://127.0.0.1:")
    s = run("send", "-c", ep, "--timeout", "10", input=b"one\ntwo\nthree\n")
    assert s.returncode == 0, s.stderr
    rc, out, err = recv.finish()
    assert rc == 0, err
    assert out == b"one\ntwo\nthree\n"


def test_send_recv_ipc_multipart(tmp):
    ep = ipc(tmp)
    recv = Proc("recv", "-b", ep, "-v", "-n", "3", "-d", "|", "--timeout", "10")
    recv.bound()
    # -m texts go first, then "-" (stdin); values may start with a dash
    s = run("send", "-c", ep, "-d", "|", "-m", "-dash|-", "-", input=b"topic|a|b\nx|\n")
    assert s.returncode == 0, s.stderr
    rc, out, err = recv.finish()
    assert rc == 0, err
    assert out == b"-dash|-\ntopic|a|b\nx|\n"


def test_pipeline_recv_into_send(tmp):
    """``recv -b A | send -c B``: a relay built from two commands and a shell pipe."""
    a, b = ipc(tmp), ipc(tmp)
    final = Proc("recv", "-b", b, "-v", "-n", "3", "--timeout", "10")
    final.bound()
    relay_in = Proc("recv", "-b", a, "-v", "-n", "3", "--timeout", "10")
    relay_in.bound()
    # feed the relay's output into a sender while it runs
    sender_input = subprocess.Popen(
        [*PZ, "send", "-c", b, "--timeout", "10"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = run("send", "-c", a, "-m", "alpha", "-m", "beta", "-m", "gamma")
    assert first.returncode == 0, first.stderr
    rc, relayed, err = relay_in.finish()
    assert rc == 0, err
    out, err2 = sender_input.communicate(relayed, timeout=T)
    assert sender_input.returncode == 0, err2
    rc, out, err = final.finish()
    assert rc == 0, err
    assert out == b"alpha\nbeta\ngamma\n"


def test_whole_binary_file_round_trip(tmp):
    data = os.urandom(100_000) + b"\n\r\n\x00end"
    path = os.path.join(tmp, "blob.bin")
    with open(path, "wb") as f:
        f.write(data)
    ep = ipc(tmp)
    recv = Proc("recv", "-b", ep, "-v", "-n", "1", "-W", "--timeout", "10")
    recv.bound()
    s = run("send", "-c", ep, "-W", path)
    assert s.returncode == 0, s.stderr
    rc, out, err = recv.finish()
    assert rc == 0, err
    assert out == data


def test_req_rep(tmp):
    ep = ipc(tmp)
    rep = Proc("recv", "-t", "REP", "-b", ep, "-v", "-n", "2", "--reply", "pong", "--timeout", "10")
    rep.bound()
    req = run("send", "-t", "REQ", "-c", ep, "-m", "ping1", "-m", "ping2", "--timeout", "10")
    assert req.returncode == 0, req.stderr
    assert req.stdout == b"pong\npong\n"
    rc, out, err = rep.finish()
    assert rc == 0 and out == b"ping1\nping2\n", err


def test_cat_rep_answers_with_stdin_lines(tmp):
    ep = ipc(tmp)
    rep = Proc("cat", "-t", "REP", "-b", ep, "-v", "--timeout", "10", stdin=subprocess.PIPE)
    rep.bound()
    rep.p.stdin.write(b"answer-1\nanswer-2\n")
    rep.p.stdin.close()
    req = run("send", "-t", "REQ", "-c", ep, "-m", "q1", "-m", "q2", "--timeout", "10")
    assert req.returncode == 0, req.stderr
    assert req.stdout == b"answer-1\nanswer-2\n"
    rc, out, err = rep.finish()
    assert rc == 0, err
    assert out == b"q1\nq2\n"


def test_pub_waits_for_a_subscriber():
    pub = Proc(
        "send",
        "-t",
        "PUB",
        "-b",
        "tcp://127.0.0.1:*",
        "-v",
        "-m",
        "weather sunny",
        "-m",
        "sports none",
        "--timeout",
        "10",
    )
    ep = pub.bound()
    sub = run("recv", "-t", "SUB", "-c", ep, "-s", "weather", "-n", "1", "--timeout", "10")
    assert sub.returncode == 0, sub.stderr
    assert sub.stdout == b"weather sunny\n"
    rc, out, err = pub.finish()
    assert rc == 0, err


@needs_curve
def test_curve_round_trip_and_rejected_client(tmp):
    d = os.path.join(tmp, "curve")
    for name in ("server", "client", "stranger"):
        assert run("keygen", "--cert", name, "-o", d).returncode == 0
    allowed = os.path.join(d, "allowed")
    os.makedirs(allowed)
    shutil.copy(os.path.join(d, "client.key"), allowed)
    server = [
        "--curve-server",
        "--curve-secret",
        os.path.join(d, "server.key_secret"),
        "--curve-allow",
        allowed,
    ]
    recv = Proc("recv", "-b", "tcp://127.0.0.1:*", "-v", "-n", "2", "--timeout", "10", *server)
    ep = recv.bound()
    s = run(
        "send",
        "-c",
        ep,
        "--curve-serverkey",
        os.path.join(d, "server.key"),
        "--curve-secret",
        os.path.join(d, "client.key_secret"),
        "--timeout",
        "10",
        input=b"secret one\nsecret two\n",
    )
    assert s.returncode == 0, s.stderr
    rc, out, err = recv.finish()
    assert rc == 0, err
    assert out == b"secret one\nsecret two\n"
    # a client whose key is not in the allowed directory never gets through
    ep2 = ipc(tmp)
    recv = Proc("recv", "-b", ep2, "-v", "-n", "1", "--timeout", "0.6", *server)
    recv.bound()
    s = run(
        "send",
        "-c",
        ep2,
        "--curve-serverkey",
        os.path.join(d, "server.key"),
        "--curve-secret",
        os.path.join(d, "stranger.key_secret"),
        "--timeout",
        "0.5",
        "-m",
        "let me in",
    )
    assert s.returncode == 3, s.stderr
    rc, out, err = recv.finish()
    assert rc == 3 and out == b""


@needs_pyzmq
@needs_curve
def test_curve_to_libzmq_receiver(tmp):
    d = os.path.join(tmp, "curve-lz")
    assert run("keygen", "--cert", "server", "-o", d).returncode == 0
    recv = Proc(
        "recv",
        "--lib",
        "zmq",
        "-b",
        "tcp://127.0.0.1:*",
        "-v",
        "-n",
        "2",
        "--timeout",
        "10",
        "--curve-server",
        "--curve-secret",
        os.path.join(d, "server.key_secret"),
    )
    ep = recv.bound()
    s = run(
        "send",
        "-c",
        ep,
        "-d",
        "|",
        "--curve-serverkey",
        os.path.join(d, "server.key"),
        "--timeout",
        "10",
        input=b"to|libzmq\nover curve\n",
    )
    assert s.returncode == 0, s.stderr
    rc, out, err = recv.finish()
    assert rc == 0, err
    assert out == b"to\tlibzmq\nover curve\n"


@needs_pyzmq
def test_libzmq_sender_plain_auth(tmp):
    ep = ipc(tmp)
    recv = Proc(
        "recv", "-b", ep, "-v", "-n", "2", "--timeout", "10", "--plain-auth", "admin:s3cret"
    )
    recv.bound()
    s = run(
        "send",
        "--lib",
        "zmq",
        "-c",
        ep,
        "--plain-user",
        "admin",
        "--plain-password",
        "s3cret",
        "--timeout",
        "10",
        input=b"from\nlibzmq\n",
    )
    assert s.returncode == 0, s.stderr
    rc, out, err = recv.finish()
    assert rc == 0, err
    assert out == b"from\nlibzmq\n"


@pytest.mark.parametrize("lib", ["purezmq", pytest.param("zmq", marks=needs_pyzmq)])
def test_bare_plain_server_accepts_any_user(tmp, lib):
    """--plain-server without --plain-auth accepts everyone, on libzmq 4.3 too (which,
    unlike 4.0, refuses PLAIN when no ZAP handler runs)."""
    ep = ipc(tmp)
    recv = Proc(
        "recv", "--lib", lib, "-b", ep, "-v", "-n", "1", "--timeout", "10", "--plain-server"
    )
    recv.bound()
    s = run(
        "send",
        "-c",
        ep,
        "--plain-user",
        "anyone",
        "--plain-password",
        "x",
        "--timeout",
        "10",
        "-m",
        "hello",
    )
    assert s.returncode == 0, s.stderr
    rc, out, err = recv.finish()
    assert rc == 0 and out == b"hello\n", err


# -- perf --------------------------------------------------------------------------------
THR_LINES = [
    r"message size: 64 \[B\]",
    r"message count: 3000",
    r"mean throughput: \d+ \[msg/s\]",
    r"mean throughput: \d+\.\d{3} \[Mb/s\]",
]
LAT_LINES = [
    r"message size: 32 \[B\]",
    r"roundtrip count: 300",
    r"average latency: \d+\.\d{3} \[us\]",
]


def _match_lines(out: bytes, patterns):
    lines = out.decode().splitlines()
    assert len(lines) == len(patterns), lines
    for line, pat in zip(lines, patterns):
        assert re.fullmatch(pat, line), (line, pat)


def test_perf_local_remote_thr_output(tmp):
    ep = ipc(tmp)
    local = Proc("perf", "local_thr", "--announce", ep, "64", "3000", "--timeout", "10")
    local.wait_line(r"^endpoint: ")
    remote = run("perf", "remote_thr", ep, "64", "3000", "--timeout", "10")
    assert remote.returncode == 0 and remote.stdout == b"", remote.stderr
    rc, out, err = local.finish()
    assert rc == 0, err
    _match_lines(out, THR_LINES)


def test_perf_local_remote_lat_output(tmp):
    ep = ipc(tmp)
    local = Proc("perf", "local_lat", "--announce", ep, "32", "300", "--timeout", "10")
    local.wait_line(r"^endpoint: ")
    remote = run("perf", "remote_lat", ep, "32", "300", "--timeout", "10")
    assert remote.returncode == 0, remote.stderr
    _match_lines(remote.stdout, LAT_LINES)
    rc, out, err = local.finish()
    assert rc == 0 and out == b"", err


def test_perf_inproc_tools_in_process(capsys):
    assert cli_main(["perf", "inproc_lat", "32", "300"]) == 0
    _match_lines(capsys.readouterr().out.encode(), LAT_LINES)
    assert cli_main(["perf", "inproc_thr", "64", "3000", "--progress"]) == 0
    cap = capsys.readouterr()
    _match_lines(cap.out.encode(), THR_LINES)
    assert "inproc_thr: 3000/3000 (100%)" in cap.err


def test_perf_compare_prints_a_table():
    args = [
        "perf",
        "compare",
        "--transport",
        "tcp",
        "--size",
        "64",
        "--thr-count",
        "3000",
        "--lat-count",
        "300",
        "--progress",
        "--timeout",
        "20",
    ]
    r = run(*args, timeout=60)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    lines = out.splitlines()
    assert lines[0].startswith("purezmq ")
    header = next(ln for ln in lines if ln.startswith("test "))
    assert "transport" in header and "purezmq" in header
    rows = [ln for ln in lines if ln.startswith(("throughput", "latency"))]
    assert len(rows) == 2
    assert re.search(r"tcp\s+64 B\s+[\d,]+ msg/s\s+[\d,]+ Mb/s", rows[0])
    assert re.search(r"[\d,.]+ us", rows[1])
    if HAVE_PYZMQ:
        assert "pyzmq" in header and "purezmq/pyzmq" in header
        assert re.search(r"\d+\.\d\dx$", rows[0]) and re.search(r"\d+\.\d\dx$", rows[1])
    err = r.stderr.decode()
    assert "[1/" in err and "throughput tcp 64 B" in err  # the progress indicator


def test_perf_compare_json_purezmq_only():
    r = run(
        "perf",
        "compare",
        "--libs",
        "purezmq",
        "--transport",
        "inproc",
        "--test",
        "thr",
        "--size",
        "64",
        "--thr-count",
        "2000",
        "--json",
        "-",
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["libs"] == ["purezmq"]
    (row,) = doc["results"]
    assert row["test"] == "thr" and row["transport"] == "inproc" and row["size"] == 64
    assert row["purezmq"]["msgs"] > 0


# -- monitor -----------------------------------------------------------------------------
def test_monitor_prints_events_live(tmp, ctx):
    ep = ipc(tmp)
    mon = Proc("monitor", "-b", ep, "--until", "ACCEPTED", "--timeout", "10")
    mon.wait_line(r"\bLISTENING\b", stream="out")
    s = ctx.socket(zmq.DEALER)
    s.linger = 0
    s.connect(ep)
    mon.wait_line(r"\bACCEPTED\b", stream="out")
    s.close()
    rc, out, err = mon.finish()
    assert rc == 0, err
    lines = out.decode().splitlines()
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}\s+LISTENING\s+ipc://\S+\s+value=-?\d+", lines[0])
    assert "ACCEPTED" in lines[-1]


def test_monitor_json_and_count(tmp):
    port = _free_port()
    r = run("monitor", "-c", f"tcp://127.0.0.1:{port}", "-n", "2", "--json", "--timeout", "10")
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert len(events) == 2
    assert all(set(e) == {"time", "event", "value", "endpoint"} for e in events)
    assert events[0]["event"] == "CONNECT_DELAYED"


def test_monitor_timeout_without_goal_is_success(tmp):
    r = run("monitor", "-b", ipc(tmp), "--events", "ACCEPTED", "--timeout", "0.3")
    assert r.returncode == 0, r.stderr
    assert r.stdout == b""
    r = run("monitor", "-b", ipc(tmp), "--until", "ACCEPTED", "--timeout", "0.3")
    assert r.returncode == 3
    one_error_line(r.stderr)


def _free_port():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# -- packaging ---------------------------------------------------------------------------
def test_console_script_declared_and_working():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "pyproject.toml"), "rb") as f:
        text = f.read().decode()
    assert re.search(r'^\[project\.scripts\]\s*\npurezmq = "purezmq\._cli:main"', text, re.M)
    script = shutil.which("purezmq", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("console script not installed (reinstall the package to get it)")
    r = subprocess.run([script, "--version"], capture_output=True, timeout=T)
    assert r.returncode == 0 and r.stdout.startswith(b"purezmq ")
