"""``python -m twistio``: the ``twistio`` command."""

import sys

from twistio._cli import main

sys.exit(main())
