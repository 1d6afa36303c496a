"""``SelectReactor``: Twisted's select() reactor, installed as twistio's asyncio reactor.

``install()`` installs a ``SelectReactor``, which is twistio's ``AsyncioReactor`` under this name:
the event loop is asyncio's (the event loop policy's, so uvloop's too when installed), which
itself uses the best selector of the platform. Programs that call this module's
``install()`` run unchanged.
"""

from __future__ import annotations

from twistio.internet._reactor import AsyncioReactor
from twistio.internet.main import installReactor

__all__ = ["SelectReactor", "install"]


class SelectReactor(AsyncioReactor):
    """twistio's asyncio reactor, under Twisted's name for the select() reactor."""

    doSelect = AsyncioReactor.doIteration


def install() -> SelectReactor:
    """Install a ``SelectReactor`` as the reactor; ``ReactorAlreadyInstalledError`` if one is."""
    reactor = SelectReactor()
    installReactor(reactor)
    return reactor
