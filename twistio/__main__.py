"""``python -m twistio``: the ``twistio`` command."""

import sys

from twistio._cli import main

if __name__ == "__main__":
    sys.exit(main())
