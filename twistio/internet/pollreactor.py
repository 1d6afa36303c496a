"""``PollReactor``: Twisted's poll() reactor, installed as twistio's asyncio reactor.

``install()`` installs a ``PollReactor``, which is twistio's ``AsyncioReactor`` under this name:
the event loop is asyncio's (the event loop policy's, so uvloop's too when installed), which
itself uses the best selector of the platform. Programs that call this module's
``install()`` run unchanged.
"""

from __future__ import annotations

from twistio.internet._reactor import AsyncioReactor
from twistio.internet.main import installReactor

__all__ = ["PollReactor", "install"]


class PollReactor(AsyncioReactor):
    """twistio's asyncio reactor, under Twisted's name for the poll() reactor."""

    doPoll = AsyncioReactor.doIteration


def install() -> PollReactor:
    """Install a ``PollReactor`` as the reactor; ``ReactorAlreadyInstalledError`` if one is."""
    reactor = PollReactor()
    installReactor(reactor)
    return reactor
