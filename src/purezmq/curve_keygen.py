"""Generate a CURVE key pair (pyzmq's ``python -m zmq.curve_keygen``).

    python -m purezmq.curve_keygen [--json] [--secret SECRET]

prints a new key pair in libzmq's ``curve_keygen`` layout, or as JSON with ``--json``;
``--secret`` derives the public key of an existing secret key. ``purezmq keygen`` does the
same and can also write certificate files.
"""

from __future__ import annotations

import sys
from typing import List, Optional


def _main(argv: Optional[List[str]] = None) -> int:
    from ._cli import main

    return main(["keygen", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(_main())
