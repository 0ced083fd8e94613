"""``python -m purezmq``: the purezmq command line (see ``python -m purezmq --help``)."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
