"""URL objects (``twisted.python.url``): hyperlink's ``URL``, as in Twisted.

Needs the ``hyperlink`` package (``pip install 'twistio[url]'``); without it, importing this
module raises ``ImportError`` saying so. Twisted deprecated this module in 17.5.0 in favour of
``hyperlink`` itself, and importing it warns the same way here.
"""

from __future__ import annotations

try:
    from hyperlink import URL
except ImportError as error:  # pragma: no cover - hyperlink is in the test extra
    raise ImportError(
        "twistio.python.url is hyperlink's URL; install hyperlink "
        "(pip install 'twistio[url]') to use it"
    ) from error

__all__ = ["URL"]
