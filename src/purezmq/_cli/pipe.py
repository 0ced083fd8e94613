"""``purezmq send``, ``purezmq recv`` and ``purezmq cat``: lines and files through any socket.

Theory of operation
-------------------
The three commands are one event loop over the ZeroMQ socket and, when input comes from
stdin, the stdin file descriptor (both in one Poller, so nothing blocks and Ctrl-C, timeouts
and REQ/REP lock-step all work the same way):

* input messages (``-m`` texts, then FILE arguments in order, ``-`` being stdin) are split
  into frames at ``--delimiter`` and queued; a message is sent when the socket is writable
  *and* the socket type allows it now (REQ: not while a reply is awaited; REP: only as the
  reply to a request; PUB: once ``--subscribers`` subscriptions have arrived - the PUB is
  really an XPUB so that the tool can see them);
* received messages are written to stdout (frames joined by the delimiter, a newline after
  each message unless ``--whole``), and flushed at once so pipelines see them live;
* ``send`` reads input and prints only REQ replies; ``recv`` prints what arrives and, as
  REP, answers with ``--reply`` or an echo; ``cat`` does both.

``--timeout`` bounds every wait: when the loop makes no progress (nothing sent, received or
read) for that long while it still has work to do, the command exits with status 3.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from typing import Any, Deque, Iterator, List, Optional

from ._common import (
    EXIT_CODES_HELP,
    EXIT_OK,
    EXIT_TIMEOUT,
    SOCKET_TYPES,
    CLIError,
    Security,
    add_endpoint_options,
    add_lib_option,
    add_security_options,
    attach,
    check_endpoints,
    formatter,
    load_library,
    nonneg_int,
    positive_int,
    seconds,
    socket_type,
    terminate,
    unescape,
    usage_error,
)

_CAN_SEND = {"PAIR", "PUB", "REQ", "DEALER", "ROUTER", "PUSH", "XPUB", "XSUB", "STREAM"}
_CAN_RECV = {"PAIR", "SUB", "REP", "DEALER", "ROUTER", "PULL", "XPUB", "XSUB", "STREAM"}
_DEFAULT_TYPE = {"send": "PUSH", "recv": "PULL", "cat": "PAIR"}

_SEND_DOC = """\
Send messages: each line of the input (stdin, or FILE arguments) is one message.

  seq 3 | purezmq send -c tcp://127.0.0.1:5555              PUSH three messages
  purezmq send -t PUB -b tcp://*:5556 -m "weather 21C"       publish once a SUB is there
  purezmq send -t REQ -c tcp://host:5557 -m ping             prints the reply
  purezmq send -c ipc:///tmp/in -W photo.jpg                 a whole file as one message
  echo 'topic|payload' | purezmq send -d '|' -c ...          two frames
"""

_RECV_DOC = """\
Receive messages and print them, one line each (frames joined by the delimiter).

  purezmq recv -b tcp://*:5555                               PULL and print forever
  purezmq recv -t SUB -c tcp://host:5556 -s weather -n 1     first message on a topic
  purezmq recv -t REP -b tcp://*:5557 --reply pong           answer every request
  purezmq recv -b ipc:///tmp/in -n 1 -W > photo.jpg          a whole message, raw
"""

_CAT_DOC = """\
Send stdin lines and print what arrives, at the same time (a netcat for ZeroMQ).
Exits at the end of the input (after -n messages when given).

  purezmq cat -t DEALER -c tcp://host:5555                   talk to a ROUTER
  purezmq cat -t REP -b tcp://*:5557                         answer each request with a line
"""


def add_parsers(sub: Any) -> None:
    for mode, doc, text in (
        ("send", _SEND_DOC, "send lines or files through a socket"),
        ("recv", _RECV_DOC, "receive messages and print them"),
        ("cat", _CAT_DOC, "send stdin and print replies (both ways)"),
    ):
        p = sub.add_parser(
            mode, help=text, description=doc, epilog=EXIT_CODES_HELP, formatter_class=formatter
        )
        add_endpoint_options(p)
        p.add_argument(
            "-t",
            "--type",
            default=_DEFAULT_TYPE[mode],
            metavar="TYPE",
            type=str.upper,
            choices=SOCKET_TYPES,
            help=f"socket type (default {_DEFAULT_TYPE[mode]}): " + ", ".join(SOCKET_TYPES),
        )
        p.add_argument(
            "-d",
            "--delimiter",
            metavar="SEP",
            default=None,
            help="frame separator inside a message (backslash escapes allowed, "
            "e.g. '\\t'); output default: tab",
        )
        p.add_argument(
            "-W",
            "--whole",
            action="store_true",
            help="input: each FILE (or all of stdin) is one message; "
            "output: write messages raw, without a newline",
        )
        if mode in ("send", "cat"):
            p.add_argument(
                "files",
                nargs="*",
                metavar="FILE",
                help="read messages from FILEs ('-' is stdin) instead of stdin",
            )
            p.add_argument(
                "-m",
                "--message",
                action="append",
                default=[],
                metavar="TEXT",
                help="send TEXT (repeatable); stdin is not read unless '-' is given",
            )
            p.add_argument(
                "--subscribers",
                type=nonneg_int,
                default=1,
                metavar="N",
                help="PUB: wait until N subscriptions arrived before sending "
                "(default 1; 0 sends at once)",
            )
            p.add_argument(
                "--delay",
                type=seconds,
                default=0.0,
                metavar="SECONDS",
                help="wait this long before sending the first message",
            )
            p.add_argument(
                "--interval",
                type=seconds,
                default=0.0,
                metavar="SECONDS",
                help="pause between messages",
            )
        if mode in ("recv", "cat"):
            p.add_argument(
                "-n",
                "--count",
                type=positive_int,
                default=None,
                metavar="N",
                help="exit after receiving N messages",
            )
            p.add_argument(
                "-s",
                "--subscribe",
                action="append",
                default=None,
                metavar="TOPIC",
                help="SUB/XSUB topic prefix (repeatable; default: everything)",
            )
        if mode == "recv":
            p.add_argument(
                "--reply",
                default=None,
                metavar="TEXT",
                help="REP: answer each request with TEXT (default: echo it)",
            )
        p.add_argument(
            "--timeout",
            type=seconds,
            default=None,
            metavar="SECONDS",
            help="exit with status 3 when nothing happens for this long while "
            "the command still waits (for a peer, a reply, a message)",
        )
        p.add_argument("--identity", metavar="ID", help="socket identity (routing id)")
        p.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            help="report bound/connected endpoints on stderr",
        )
        add_lib_option(p)
        add_security_options(p)
        p.set_defaults(func=run, mode=mode)


# -- input -----------------------------------------------------------------------------------
class _LineSplitter:
    """Bytes in (as they arrive from a pipe), messages out (lines, or one whole message)."""

    def __init__(self, whole: bool) -> None:
        self.whole = whole
        self.buf = bytearray()

    def feed(self, data: bytes) -> List[bytes]:
        self.buf += data
        if self.whole:
            return []
        out = []
        start = 0
        while True:
            nl = self.buf.find(b"\n", start)
            if nl < 0:
                break
            out.append(_strip_cr(bytes(self.buf[start:nl])))
            start = nl + 1
        del self.buf[:start]
        return out

    def eof(self) -> List[bytes]:
        if self.whole:
            return [bytes(self.buf)]
        if self.buf:
            return [_strip_cr(bytes(self.buf))]
        return []


def _strip_cr(line: bytes) -> bytes:
    return line[:-1] if line.endswith(b"\r") else line


def _file_messages(f: Any, whole: bool) -> Iterator[bytes]:
    with f:
        if whole:
            yield f.read()
            return
        for line in f:
            if line.endswith(b"\n"):
                line = line[:-1]
            yield _strip_cr(line)


class _Input:
    """The queue of messages to send, fed from -m texts, files and stdin, in order."""

    def __init__(self, args: argparse.Namespace, stdin_fd: Optional[int]) -> None:
        self.whole = args.whole
        self.items: List[Any] = [m.encode("utf-8", "surrogateescape") for m in args.message]
        files = args.files if args.files else ([] if args.message else ["-"])
        self.sources: Deque[Any] = collections.deque()
        for name in files:
            if name == "-":
                self.sources.append("-")
                continue
            try:
                f = open(name, "rb")
            except OSError as e:
                raise usage_error(f"cannot read {name}: {e.strerror}") from None
            self.sources.append(_file_messages(f, args.whole))
        self.ready: Deque[bytes] = collections.deque(self.items)
        self.stdin_fd = stdin_fd
        self.splitter = _LineSplitter(args.whole)
        self.reading_stdin = False
        self._advance()

    def _advance(self) -> None:
        """Move on to the next source when the current one is finished."""
        while not self.reading_stdin and self.sources and len(self.ready) < 64:
            src = self.sources[0]
            if src == "-":
                self.sources.popleft()
                self.reading_stdin = True
                return
            try:
                self.ready.append(next(src))
            except StopIteration:
                self.sources.popleft()

    def wants_stdin(self) -> bool:
        return self.reading_stdin

    def read_stdin(self) -> bool:
        """Read what stdin has (it is readable); False at EOF."""
        assert self.stdin_fd is not None
        try:
            data = os.read(self.stdin_fd, 1 << 16)
        except BlockingIOError:
            return True
        if data:
            self.ready.extend(self.splitter.feed(data))
            return True
        self.ready.extend(self.splitter.eof())
        self.reading_stdin = False
        self._advance()
        return False

    def pop(self) -> Optional[bytes]:
        if not self.ready:
            self._advance()
        msg = self.ready.popleft() if self.ready else None
        if len(self.ready) < 16:
            self._advance()
        return msg

    def peek_empty(self) -> bool:
        if not self.ready:
            self._advance()
        return not self.ready

    def exhausted(self) -> bool:
        return self.peek_empty() and not self.reading_stdin and not self.sources


# -- the loop --------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    mode = args.mode
    zmq = load_library(args.lib)
    stype_name = args.type
    check_endpoints(args)
    if mode == "send" and stype_name not in _CAN_SEND:
        hint = (
            "REP answers requests: use 'purezmq recv -t REP' or 'purezmq cat -t REP'"
            if stype_name == "REP"
            else f"use 'purezmq recv -t {stype_name}'"
        )
        raise usage_error(f"a {stype_name} socket cannot send: {hint}")
    if mode == "recv" and stype_name not in _CAN_RECV:
        hint = (
            "REQ sends first: use 'purezmq send -t REQ' (it prints the replies)"
            if stype_name == "REQ"
            else f"use 'purezmq send -t {stype_name}'"
        )
        raise usage_error(f"a {stype_name} socket cannot receive: {hint}")
    delim = unescape(args.delimiter)
    if delim == b"":
        raise usage_error("--delimiter must not be empty")
    subscribers = getattr(args, "subscribers", 0)
    as_xpub = stype_name == "PUB" and mode in ("send", "cat") and subscribers > 0
    stype = socket_type(zmq, "XPUB" if as_xpub else stype_name)
    security = Security(zmq, args)
    uses_input = mode in ("send", "cat")
    inp: Optional[_Input] = None
    stdin_fd: Optional[int] = None
    if uses_input:
        try:
            stdin_fd = sys.stdin.fileno()
        except (AttributeError, OSError, ValueError):
            stdin_fd = None
        inp = _Input(args, stdin_fd)
        if inp.reading_stdin or "-" in inp.sources:
            if stdin_fd is None:
                raise usage_error("stdin is not available; give FILEs or -m TEXT")
    ctx = zmq.Context()
    sock = None
    if args.timeout is not None:
        linger = int(args.timeout * 1000)
    elif mode == "recv":
        linger = 2000  # only REP replies can be pending: never wait forever for them
    else:
        linger = -1  # libzmq's default: deliver everything that was sent
    try:
        security.start(ctx)
        sock = ctx.socket(stype)
        sock.setsockopt(zmq.LINGER, linger)
        if args.timeout is not None and mode in ("send", "cat"):
            sock.setsockopt(zmq.IMMEDIATE, 1)  # "no peer" shows up as a send that waits
        if as_xpub:
            sock.setsockopt(zmq.XPUB_VERBOSE, 1)
        if args.identity:
            sock.setsockopt(zmq.IDENTITY, args.identity.encode("utf-8", "surrogateescape"))
        security.apply(sock)
        topics = getattr(args, "subscribe", None)
        if stype_name == "SUB":
            for t in topics if topics is not None else [""]:
                sock.setsockopt(zmq.SUBSCRIBE, t.encode("utf-8", "surrogateescape"))
        attach(zmq, sock, args.bind, args.connect, args.verbose)
        if stype_name == "XSUB" and mode in ("recv", "cat"):
            for t in topics if topics is not None else [""]:
                sock.send(b"\x01" + t.encode("utf-8", "surrogateescape"))
        loop = _Loop(zmq, sock, args, mode, stype_name, as_xpub, delim, inp, stdin_fd)
        loop.run()
    except KeyboardInterrupt:
        if sock is not None:
            sock.setsockopt(zmq.LINGER, 0)
        linger = 0
        raise
    finally:
        if sock is not None:
            sock.close()
        security.stop()
        # LINGER already bounds delivery; never hang past it (see _common.terminate)
        terminate(ctx, None if linger < 0 else linger / 1000 + 2.0)
    return EXIT_OK


class _Loop:
    def __init__(
        self,
        zmq: Any,
        sock: Any,
        args: argparse.Namespace,
        mode: str,
        stype: str,
        as_xpub: bool,
        delim: Optional[bytes],
        inp: Optional[_Input],
        stdin_fd: Optional[int],
    ) -> None:
        self.zmq = zmq
        self.sock = sock
        self.args = args
        self.mode = mode
        self.stype = stype
        self.as_xpub = as_xpub
        self.delim = delim
        self.inp = inp
        self.stdin_fd = stdin_fd
        self.out = sys.stdout.buffer
        self.count = getattr(args, "count", None)
        self.received = 0
        self.subs_seen = 0
        self.subs_needed = getattr(args, "subscribers", 0) if as_xpub else 0
        self.awaiting_reply = False  # REQ: a request is out
        self.requests = 0  # REP: requests not yet answered
        self.sent = 0
        self.next_send_at = time.monotonic() + getattr(args, "delay", 0.0)
        self.interval = getattr(args, "interval", 0.0)
        self.pending: Optional[List[bytes]] = None  # a message that could not go yet
        self.replies: Deque[List[bytes]] = collections.deque()  # recv -t REP answers
        self.stdin_open = True

    # -- what may happen now --------------------------------------------------------------
    def _print_received(self) -> bool:
        if self.mode == "send":
            return self.stype == "REQ"
        return not self.as_xpub

    def _gate_open(self) -> bool:
        """Whether the socket type allows sending now."""
        if self.stype == "REQ":
            return not self.awaiting_reply
        if self.stype == "REP":
            return self.requests > 0
        if self.as_xpub:
            return self.subs_seen >= self.subs_needed
        return True

    def _recv_open(self) -> bool:
        """Whether the socket type allows receiving now."""
        if self.stype == "REQ":
            return self.awaiting_reply
        if self.stype == "REP":
            return self.requests == 0
        return self.as_xpub or self.stype in _CAN_RECV

    def _next_message(self) -> Optional[List[bytes]]:
        if self.pending is not None:
            return self.pending
        if self.replies:
            self.pending = self.replies.popleft()
        elif self.inp is not None:
            raw = self.inp.pop()
            if raw is not None:
                self.pending = self._split(raw)
        return self.pending

    def _split(self, raw: bytes) -> List[bytes]:
        return raw.split(self.delim) if self.delim else [raw]

    def _input_done(self) -> bool:
        return self.inp is None or self.inp.exhausted()

    def _finished(self) -> bool:
        if self.pending is not None or self.replies:
            return False
        if self.mode == "recv":
            return self.count is not None and self.received >= self.count
        # send / cat
        if not self._input_done():
            return False
        if self.awaiting_reply:
            return False
        if self.mode == "cat" and self.count is not None:
            return self.received >= self.count
        return True

    # -- I/O ------------------------------------------------------------------------------
    def _write(self, frames: List[bytes]) -> None:
        if self.args.whole:
            data = (self.delim or b"").join(frames)
        else:
            data = (self.delim or b"\t").join(frames) + b"\n"
        self.out.write(data)
        self.out.flush()

    def _on_message(self, frames: List[bytes]) -> None:
        if self.as_xpub:
            if frames and frames[0][:1] == b"\x01":
                self.subs_seen += 1
            return
        if self.stype == "REQ":
            self.awaiting_reply = False
        if self.stype == "REP":
            self.requests += 1
            if self.mode == "recv":
                reply = self.args.reply
                self.replies.append(
                    [reply.encode("utf-8", "surrogateescape")] if reply is not None else frames
                )
        if self._print_received():
            self.received += 1
            self._write(frames)

    def _try_recv(self) -> bool:
        zmq = self.zmq
        progressed = False
        while self._recv_open() and not (
            self.mode == "recv" and self.count is not None and self.received >= self.count
        ):
            try:
                frames = self.sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            progressed = True
            self._on_message(frames)
            if self.stype in ("REQ", "REP"):
                break  # lock-step: answer before taking the next one
        return progressed

    def _try_send(self) -> bool:
        zmq = self.zmq
        progressed = False
        while self._gate_open() and time.monotonic() >= self.next_send_at:
            msg = self._next_message()
            if msg is None:
                break
            try:
                self.sock.send_multipart(msg, zmq.NOBLOCK)
            except zmq.Again:
                break
            except zmq.ZMQError as e:
                raise CLIError(f"send failed: {e}") from None
            self.pending = None
            self.sent += 1
            progressed = True
            if self.stype == "REQ":
                self.awaiting_reply = True
            elif self.stype == "REP":
                self.requests -= 1
            if self.interval:
                self.next_send_at = time.monotonic() + self.interval
                break
        return progressed

    def run(self) -> None:
        zmq = self.zmq
        timeout = self.args.timeout
        last_progress = time.monotonic()
        while True:
            progressed = self._try_recv() | self._try_send()
            if self._finished():
                return
            want = zmq.POLLIN if self._recv_open() else 0
            if self._gate_open() and (
                self.pending is not None
                or self.replies
                or (self.inp is not None and not self.inp.peek_empty())
            ):
                want |= zmq.POLLOUT
            poller = zmq.Poller()
            poller.register(self.sock, want)
            stdin_wanted = self.inp is not None and self.inp.wants_stdin()
            if stdin_wanted:
                poller.register(self.stdin_fd, zmq.POLLIN)
            now = time.monotonic()
            if progressed:
                last_progress = now
            wait = 0.25
            if self.next_send_at > now:
                wait = min(wait, self.next_send_at - now)
            if timeout is not None:
                left = last_progress + timeout - now
                if left <= 0:
                    raise CLIError(self._timeout_message(timeout), EXIT_TIMEOUT)
                wait = min(wait, left)
            events = dict(poller.poll(max(0, int(wait * 1000))))
            if stdin_wanted and self.stdin_fd in events:
                assert self.inp is not None
                self.inp.read_stdin()
                last_progress = time.monotonic()

    def _timeout_message(self, timeout: float) -> str:
        if self.as_xpub and self.subs_seen < self.subs_needed:
            what = (
                f"{self.subs_seen} of {self.subs_needed} subscriber(s) arrived (see --subscribers)"
            )
        elif self.awaiting_reply:
            what = "no reply"
        elif self.pending is not None:
            what = f"no peer took the message ({self.sent} sent)"
        elif self.mode == "recv" or (self.mode == "cat" and self._input_done()):
            what = f"no message ({self.received} received)"
        else:
            what = "no input"
        return f"timeout after {timeout:g} s: {what}"
