"""``twistd xmpp-router``: an XMPP router that external components (XEP-0114) join."""

from __future__ import annotations

from typing import Any

from twistio.application import strports
from twistio.python import usage
from twistio.words.protocols.jabber import component

__all__ = ["Options", "makeService"]


class Options(usage.Options):
    """The command line of the XMPP router."""

    optParameters = [
        ("port", None, "tcp:5347:interface=127.0.0.1", "Port components connect to"),
        ("secret", None, "secret", "Router secret"),
    ]
    optFlags = [("verbose", "v", "Log traffic")]


def makeService(config: Any) -> Any:
    """A router listening for components on ``config["port"]`` with the shared secret."""
    router = component.Router()
    factory = component.XMPPComponentServerFactory(router, config["secret"])
    if config["verbose"]:
        factory.logTraffic = True
    return strports.service(config["port"], factory)
