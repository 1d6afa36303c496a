"""``install(eventloop=None)``: install the asyncio reactor, optionally bound to a given loop."""

from __future__ import annotations

import asyncio

from twistio.internet._reactor import AsyncioReactor
from twistio.internet.main import installReactor

__all__ = ["AsyncioReactor", "AsyncioSelectorReactor", "install"]

#: Twisted's name for the same thing.
AsyncioSelectorReactor = AsyncioReactor


def install(eventloop: asyncio.AbstractEventLoop | None = None) -> AsyncioReactor:
    """Install the reactor; ``reactor.run()`` will run ``eventloop`` (uvloop's too) if given.

    While another loop is running in the calling thread, reactor calls still use that one.
    ``ReactorAlreadyInstalledError`` if a reactor is already installed.
    """
    reactor = AsyncioReactor(eventloop)
    installReactor(reactor)
    return reactor
