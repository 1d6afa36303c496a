"""twistio: Twisted's programming model, natively on asyncio.

``twistio.version`` is the Twisted release whose API twistio follows, so that version checks
in ported code (``from twisted import version``) pass; ``__version__`` is twistio's own.

PYTEST_DONT_REWRITE: twistio registers a pytest plugin, and pytest would warn that this
package was imported before it could rewrite its asserts whenever the ``twisted`` alias is
installed at start-up (it has none to rewrite).
"""

from twistio.python.versions import Version

__version__ = "0.1.0"

#: The Twisted release whose API this twistio follows.
version = Version("Twisted", 26, 10, 0)

__all__ = ["__version__", "version"]
