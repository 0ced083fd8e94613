"""The ``purezmq`` command line (``purezmq ...`` or ``python -m purezmq ...``).

Sub-commands: ``keygen`` (CURVE keys and certificates), ``perf`` (libzmq's perf tools and a
pyzmq comparison), ``send`` / ``recv`` / ``cat`` (lines and files through any socket) and
``monitor`` (a socket's events, live). Each has ``--help``; errors are one line on stderr
and the exit status follows :data:`._common.EXIT_CODES_HELP`.
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional

from ._common import (
    EXIT_CODES_HELP,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CLIError,
    Parser,
    formatter,
)

__all__ = ["main"]

_DESCRIPTION = """\
ZeroMQ from the command line, on purezmq (or on pyzmq/libzmq with --lib zmq).

  purezmq keygen --cert server          CURVE key pair as certificate files
  purezmq perf compare --quick          purezmq vs pyzmq throughput and latency
  seq 5 | purezmq send -c tcp://127.0.0.1:5555
  purezmq recv -b tcp://*:5555 -n 5
  purezmq monitor -b tcp://*:5555       print connection events as they happen

Run 'purezmq COMMAND --help' for the options of a command.
"""


def _parser() -> Parser:
    from . import keygen, monitor, perf, pipe

    p = Parser(
        prog="purezmq", description=_DESCRIPTION, epilog=EXIT_CODES_HELP, formatter_class=formatter
    )
    p.add_argument(
        "--version", action="store_true", help="print the purezmq and ZeroMQ versions and exit"
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    keygen.add_parser(sub)
    perf.add_parser(sub)
    pipe.add_parsers(sub)
    monitor.add_parser(sub)
    return p


def _version() -> str:
    import purezmq

    return f"purezmq {purezmq.__version__} (libzmq {purezmq.zmq_version()} feature set)"


def _quiet_stdout() -> None:
    """After a broken pipe, make the interpreter's final flush of stdout harmless."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


# Options whose value may well start with "-": Z85 keys ("-oR{>2(i<..."), message texts,
# delimiters. argparse would take such a value for an option, so it is glued to its option.
_VALUE_OPTIONS = frozenset(
    {
        "--secret",
        "--curve-secret",
        "--curve-serverkey",
        "--plain-user",
        "--plain-password",
        "--plain-auth",
        "-m",
        "--message",
        "--reply",
        "-d",
        "--delimiter",
        "-s",
        "--subscribe",
        "--identity",
    }
)


def _glue_values(argv: List[str]) -> List[str]:
    out: List[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            out.extend(argv[i:])
            break
        if arg in _VALUE_OPTIONS and i + 1 < len(argv):
            value = argv[i + 1]
            out.append(f"{arg}={value}" if arg.startswith("--") else f"{arg}{value}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; returns the exit status (also for ``--help``/usage errors)."""
    argv = _glue_values(list(sys.argv[1:] if argv is None else argv))
    parser = _parser()
    try:
        args, extra = parser.parse_known_args(argv)
    except SystemExit as e:  # --help, or a usage error already printed by Parser
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    if extra:
        prog = " ".join(
            [
                "purezmq",
                *(x for x in (getattr(args, "command", None), getattr(args, "tool", None)) if x),
            ]
        )
        sys.stderr.write(
            f"{prog}: error: unrecognized arguments: {' '.join(extra)} (see {prog} --help)\n"
        )
        return EXIT_USAGE
    if args.version:
        sys.stdout.write(_version() + "\n")
        return EXIT_OK
    if args.command is None:
        sys.stderr.write(
            "purezmq: error: a command is needed: keygen, perf, send, recv, cat "
            "or monitor (see purezmq --help)\n"
        )
        return EXIT_USAGE
    prog = f"purezmq {args.command}"
    if args.command == "perf" and getattr(args, "tool", None):
        prog += f" {args.tool}"
    try:
        return int(args.func(args) or EXIT_OK)
    except CLIError as e:
        sys.stderr.write(f"{prog}: error: {e}\n")
        return e.code
    except KeyboardInterrupt:
        sys.stderr.write(f"{prog}: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_OK
    except Exception as e:  # a library error we did not anticipate: still one line
        if os.environ.get("PUREZMQ_CLI_DEBUG"):
            raise
        sys.stderr.write(f"{prog}: error: {type(e).__name__}: {e}\n")
        return EXIT_FAILURE
