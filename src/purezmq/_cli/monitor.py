"""``purezmq monitor``: open a socket on an endpoint and print its events as they happen.

Each event is one line on stdout, flushed at once::

    12:03:04.512  LISTENING            tcp://127.0.0.1:5555  value=7
    12:03:05.101  ACCEPTED             tcp://127.0.0.1:5555  value=9
    12:03:05.103  HANDSHAKE_SUCCEEDED  tcp://127.0.0.1:5555  value=0

or, with ``--json``, one JSON object per line. Messages arriving on the socket are received
and dropped (counted with ``-v``) so peers never block on it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, List, Optional, Set

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
    note,
    positive_int,
    seconds,
    socket_type,
    terminate,
    usage_error,
)

DESCRIPTION = """\
Open a socket on an endpoint and print its monitor events as they happen.

  purezmq monitor -b tcp://*:5555                        who connects, and how it goes
  purezmq monitor -t REQ -c tcp://host:5555 -n 3         first three events, then exit
  purezmq monitor -c tcp://host:5555 --until HANDSHAKE_SUCCEEDED --timeout 5
  purezmq monitor -b tcp://*:5555 --curve-server --curve-secret server.key_secret
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "monitor",
        help="watch a socket's connection events",
        description=DESCRIPTION,
        epilog=EXIT_CODES_HELP,
        formatter_class=formatter,
    )
    add_endpoint_options(p)
    p.add_argument(
        "-t",
        "--type",
        default="DEALER",
        metavar="TYPE",
        type=str.upper,
        choices=SOCKET_TYPES,
        help="socket type (default DEALER): " + ", ".join(SOCKET_TYPES),
    )
    p.add_argument(
        "-e",
        "--events",
        default=None,
        metavar="NAMES",
        help="comma-separated event names to show (default: all)",
    )
    p.add_argument(
        "-n", "--count", type=positive_int, default=None, metavar="N", help="exit after N events"
    )
    p.add_argument(
        "--until",
        metavar="EVENT",
        default=None,
        help="exit when this event happens (e.g. ACCEPTED)",
    )
    p.add_argument(
        "--timeout",
        type=seconds,
        default=None,
        metavar="SECONDS",
        help="stop after this long; exit status 3 when -n/--until was not "
        "reached (0 when neither was given)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per event")
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also report endpoints and dropped messages on stderr",
    )
    add_lib_option(p)
    add_security_options(p)
    p.set_defaults(func=run)


def _event_names(zmq: Any) -> List[str]:
    names = [
        n[len("EVENT_") :]
        for n in dir(zmq)
        if n.startswith("EVENT_") and n not in ("EVENT_ALL", "EVENT_ALL_V1", "EVENT_ALL_V2")
    ]
    return sorted(names)


def _parse_names(zmq: Any, text: str, option: str) -> Set[int]:
    known = _event_names(zmq)
    out = set()
    for name in (x.strip().upper() for x in text.split(",")):
        if not name:
            continue
        if name.startswith("EVENT_"):
            name = name[len("EVENT_") :]
        if name not in known:
            raise usage_error(f"{option}: unknown event {name!r} (one of {', '.join(known)})")
        out.add(int(getattr(zmq, "EVENT_" + name)))
    if not out:
        raise usage_error(f"{option}: no event names given")
    return out


def _name(zmq: Any, event: int) -> str:
    try:
        return str(zmq.Event(event).name)
    except (ValueError, AttributeError):
        return f"EVENT_{event}"


def run(args: argparse.Namespace) -> int:
    zmq = load_library(args.lib)
    check_endpoints(args)
    stype = socket_type(zmq, args.type)
    shown: Optional[Set[int]] = _parse_names(zmq, args.events, "--events") if args.events else None
    until: Optional[int] = None
    if args.until:
        (until,) = _parse_names(zmq, args.until, "--until")
    security = Security(zmq, args)
    import importlib

    parse_monitor_message = importlib.import_module(
        zmq.__name__ + ".utils.monitor"
    ).parse_monitor_message
    ctx = zmq.Context()
    sock = mon = None
    seen = 0
    dropped = 0
    try:
        security.start(ctx)
        sock = ctx.socket(stype)
        sock.setsockopt(zmq.LINGER, 0)
        security.apply(sock)
        if args.type == "SUB":
            sock.setsockopt(zmq.SUBSCRIBE, b"")
        mon = sock.get_monitor_socket()
        attach(zmq, sock, args.bind, args.connect, args.verbose)
        poller = zmq.Poller()
        poller.register(mon, zmq.POLLIN)
        if args.type in (
            "PAIR",
            "SUB",
            "REP",
            "DEALER",
            "ROUTER",
            "PULL",
            "XPUB",
            "XSUB",
            "STREAM",
        ):
            poller.register(sock, zmq.POLLIN)
        deadline = None if args.timeout is None else time.monotonic() + args.timeout
        while True:
            wait = 250
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    if args.count is not None or until is not None:
                        raise CLIError(
                            f"timeout after {args.timeout:g} s: {seen} event(s) seen", EXIT_TIMEOUT
                        )
                    return EXIT_OK
                wait = min(wait, max(1, int(left * 1000)))
            events = dict(poller.poll(wait))
            if sock in events:
                dropped += _drain(zmq, sock)
                if args.verbose:
                    note(f"dropped {dropped} message(s) so far")
            if mon not in events:
                continue
            while True:
                try:
                    frames = mon.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                ev = parse_monitor_message(frames)
                event = int(ev["event"])
                if shown is not None and event not in shown:
                    if event != until:
                        continue
                seen += 1
                _print(zmq, ev, args.json)
                if (until is not None and event == until) or (
                    args.count is not None and seen >= args.count
                ):
                    return EXIT_OK
    finally:
        if sock is not None:
            try:
                sock.disable_monitor()
            except Exception:
                pass
        if mon is not None:
            mon.close(0)
        if sock is not None:
            sock.close(0)
        security.stop()
        terminate(ctx, 2.0)


def _drain(zmq: Any, sock: Any) -> int:
    n = 0
    while n < 1000:
        try:
            sock.recv_multipart(zmq.NOBLOCK)
        except zmq.Again:
            break
        except zmq.ZMQError:
            break
        n += 1
    return n


def _print(zmq: Any, ev: Any, as_json: bool) -> None:
    event = int(ev["event"])
    value = int(ev["value"])
    endpoint = ev["endpoint"]
    if isinstance(endpoint, bytes):
        endpoint = endpoint.decode("utf-8", "replace")
    now = time.time()
    name = _name(zmq, event)
    if as_json:
        line = json.dumps(
            {"time": round(now, 6), "event": name, "value": value, "endpoint": endpoint}
        )
    else:
        stamp = time.strftime("%H:%M:%S", time.localtime(now)) + f".{int(now % 1 * 1000):03d}"
        line = f"{stamp}  {name:<27}  {endpoint}  value={value}"
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
