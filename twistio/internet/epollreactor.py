"""``EPollReactor``: Twisted's epoll reactor, installed as twistio's asyncio reactor.

``install()`` installs an ``EPollReactor``, which is twistio's ``AsyncioReactor`` under this name:
the event loop is asyncio's (the event loop policy's, so uvloop's too when installed), which
itself uses the best selector of the platform. Programs that call this module's
``install()`` run unchanged.
"""

from __future__ import annotations

from twistio.internet._reactor import AsyncioReactor
from twistio.internet.main import installReactor

__all__ = ["EPollReactor", "install"]


class EPollReactor(AsyncioReactor):
    """twistio's asyncio reactor, under Twisted's name for the epoll reactor."""

    doPoll = AsyncioReactor.doIteration


def install() -> EPollReactor:
    """Install an ``EPollReactor`` as the reactor; ``ReactorAlreadyInstalledError`` if one is."""
    reactor = EPollReactor()
    installReactor(reactor)
    return reactor
