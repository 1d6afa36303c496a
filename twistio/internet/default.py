"""``install()``: install the default reactor, twistio's asyncio reactor.

``install`` is ``asyncioreactor.install`` itself, so tools that find the reactor class
from the module defining it (pytest-twisted) find ``asyncioreactor.AsyncioReactor``.
"""

from __future__ import annotations

from twistio.internet.asyncioreactor import install

__all__ = ["install"]
