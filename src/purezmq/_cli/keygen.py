"""``purezmq keygen``: CURVE key pairs, printed or written as certificate files.

Printed output has the layout of libzmq's ``curve_keygen`` (without its disclaimer, like
pyzmq's ``python -m zmq.curve_keygen``); ``--json`` prints ``{"public": ..., "secret": ...}``.
``--cert NAME`` writes ``NAME.key`` (public) and ``NAME.key_secret`` (secret, mode 0600) in
the czmq/pyzmq certificate format that ``zmq.auth.load_certificate`` reads.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any, Dict, Union

from ._common import (
    EXIT_CODES_HELP,
    EXIT_OK,
    CLIError,
    formatter,
    load_key,
    usage_error,
)

DESCRIPTION = """\
Generate a CURVE key pair (Z85, 40 characters each).

  purezmq keygen                        print a new key pair
  purezmq keygen --json                 ... as a JSON object
  purezmq keygen --secret KEY           print the public key of an existing secret key
  purezmq keygen --cert server -o DIR   write DIR/server.key and DIR/server.key_secret
"""

_NAME = re.compile(r"^[A-Za-z0-9_.@+-]+$")


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "keygen",
        help="generate CURVE keys and certificate files",
        description=DESCRIPTION,
        epilog=EXIT_CODES_HELP,
        formatter_class=formatter,
    )
    p.add_argument("--json", action="store_true", help="print the keys as a JSON object")
    p.add_argument(
        "--secret",
        metavar="KEY|CERT",
        help="derive the public key from this secret key (Z85 or a .key_secret "
        "file) instead of making a new pair",
    )
    p.add_argument(
        "--cert", metavar="NAME", help="write certificate files NAME.key and NAME.key_secret"
    )
    p.add_argument(
        "-o",
        "--output-dir",
        metavar="DIR",
        default=".",
        help="directory for --cert files (default: current directory)",
    )
    p.add_argument(
        "-m",
        "--meta",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="metadata to store in the certificates (repeatable)",
    )
    p.add_argument(
        "-f", "--force", action="store_true", help="overwrite existing certificate files"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import purezmq as zmq

    if not zmq.has("curve"):
        raise CLIError("CURVE needs PyNaCl (libsodium): pip install pynacl")
    if args.cert is not None:
        return _write_certs(zmq, args)
    if args.meta:
        raise usage_error("--meta only applies with --cert")
    if args.secret is not None:
        public, secret = load_key(zmq, args.secret, "--secret", secret=True)
    else:
        public, secret = zmq.curve_keypair()
    assert secret is not None
    _print_keys(public.decode("ascii"), secret.decode("ascii"), args.json)
    return EXIT_OK


def _print_keys(public: str, secret: str, as_json: bool) -> None:
    if as_json:
        json.dump({"public": public, "secret": secret}, sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(f"== CURVE PUBLIC KEY ==\n{public}\n\n== CURVE SECRET KEY ==\n{secret}\n")
    sys.stdout.flush()


def _write_certs(zmq: Any, args: argparse.Namespace) -> int:
    from ..auth.certs import create_certificates, load_certificate

    if args.secret is not None:
        raise usage_error(
            "--secret cannot be combined with --cert (certificates get a new key pair)"
        )
    name = args.cert
    if not _NAME.match(name):
        raise usage_error(f"--cert: invalid name {name!r} (letters, digits, _ . @ + -)")
    metadata: Dict[Union[str, bytes], Union[str, bytes]] = {}
    for item in args.meta:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise usage_error(f"--meta: expected KEY=VALUE, got {item!r}")
        metadata[key] = value
    out = args.output_dir
    if not os.path.isdir(out):
        try:
            os.makedirs(out)
        except OSError as e:
            raise CLIError(f"cannot create {out}: {e.strerror}") from None
    base = os.path.join(out, name)
    existing = [p for p in (base + ".key", base + ".key_secret") if os.path.exists(p)]
    if existing and not args.force:
        raise CLIError(f"{existing[0]} exists (use --force to overwrite)")
    try:
        public_file, secret_file = create_certificates(out, name, metadata=metadata or None)
    except ValueError as e:
        raise usage_error(f"--meta: {e}") from None
    except OSError as e:
        raise CLIError(f"cannot write certificates in {out}: {e.strerror or e}") from None
    public, secret = load_certificate(secret_file)
    if args.json:
        json.dump(
            {"public": public.decode(), "public_file": public_file, "secret_file": secret_file},
            sys.stdout,
            indent=1,
            sort_keys=True,
        )
        sys.stdout.write("\n")
    else:
        sys.stdout.write(
            f"public certificate: {public_file}\n"
            f"secret certificate: {secret_file}\n"
            f"public key: {public.decode()}\n"
        )
    sys.stdout.flush()
    return EXIT_OK
