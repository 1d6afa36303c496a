"""``install()``: install the default reactor (twistio has one: the asyncio reactor)."""

from __future__ import annotations

from twistio.internet._reactor import AsyncioReactor
from twistio.internet.asyncioreactor import install as _install

__all__ = ["install"]


def install() -> AsyncioReactor:
    """Install the asyncio reactor on the event loop policy's loop."""
    return _install()
