"""Watch a :class:`~purezmq.log.handlers.PUBHandler` publisher (pyzmq's ``python -m zmq.log``).

    python -m purezmq.log tcp://127.0.0.1:12345 [--topic T] [--timestamp] [--align] [--color]

prints ``<topic><separator><message>`` for every record until interrupted.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Dict, List, Optional

_COLORS = {
    "DEBUG": "\x1b[96m",
    "INFO": "\x1b[97m",
    "WARNING": "\x1b[33m",
    "ERROR": "\x1b[91m",
    "CRITICAL": "\x1b[91m",
}
_RESET = "\x1b[39m"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser("ZMQ Log Watcher", description=__doc__.split("\n\n")[0])
    p.add_argument("zmq_pub_url", type=str, help="URL to a ZMQ publisher socket.")
    p.add_argument(
        "-t",
        "--topic",
        type=str,
        default="",
        help="Only receive messages that start with this topic.",
    )
    p.add_argument(
        "--timestamp", action="store_true", help="Append local time to the log messages."
    )
    p.add_argument(
        "--separator", type=str, default=" | ", help="String to print between topic and message."
    )
    p.add_argument(
        "--dateformat",
        type=str,
        default="%Y-%d-%m %H:%M",
        help="Set alternative date format for use with --timestamp.",
    )
    p.add_argument(
        "--align",
        action="store_true",
        default=False,
        help="Try to align messages by the width of their topics.",
    )
    p.add_argument(
        "--color",
        action="store_true",
        default=False,
        help="Color the output based on the error level (ANSI escapes).",
    )
    return p


def _aligned(parts: List[str], widths: Dict[int, int]) -> str:
    parts = parts + [" "] * (len(widths) - len(parts))
    out = []
    for i, part in enumerate(parts):
        widths[i] = max(len(part), widths.get(i, 0))
        out.append(part.ljust(widths[i]))
    return ".".join(out)


def main(argv: Optional[List[str]] = None) -> None:
    args = _parser().parse_args(argv)
    import purezmq as zmq

    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.linger = 0
    sub.subscribe(args.topic.encode("utf8"))
    sub.connect(args.zmq_pub_url)
    widths: Dict[int, int] = {}
    try:
        while True:
            if not sub.poll(100, zmq.POLLIN):
                continue
            frames = sub.recv_multipart()
            if len(frames) != 2:
                continue
            topic = frames[0].decode("utf8", "replace").strip()
            parts = topic.split(".")
            level = parts[0] if len(parts) == 1 else parts[1]
            shown = _aligned(parts, widths) if args.align else topic
            stamp = datetime.now().strftime(args.dateformat) + " " if args.timestamp else ""
            color = _COLORS.get(level, "") if args.color else ""
            reset = _RESET if color else ""
            msg = frames[1].decode("utf8", "replace").strip()
            print(f"{stamp}{color}{shown}{args.separator}{msg}{reset}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        sub.close()
        ctx.term()
    if args.color:
        sys.stdout.write(_RESET)


if __name__ == "__main__":
    main()
