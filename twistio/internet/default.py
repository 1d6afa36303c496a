"""``install()``: install the default reactor, twistio's asyncio reactor.

``install`` is ``asyncioreactor.install`` itself, so tools that find the reactor class
from the module defining it (pytest-twisted) find ``asyncioreactor.AsyncioReactor``.
"""

from __future__ import annotations

from collections.abc import Callable

from twistio.internet.asyncioreactor import install
from twistio.python.runtime import Platform

__all__ = ["install"]


def _getInstallFunction(platform: Platform) -> Callable[[], object]:
    """The function that installs the default reactor on ``platform``.

    Twisted picks epoll, poll or select by platform; twistio's reactor is asyncio's on
    every platform (the loop chooses the best selector itself), so it is always
    ``asyncioreactor.install``, this module's ``install``.
    """
    return install
