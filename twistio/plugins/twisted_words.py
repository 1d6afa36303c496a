"""The words plugins: ``twistd words`` (the chat server) and its IRC front end
(``getPlugins(IProtocolPlugin)``), and ``twistd xmpp-router``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twistio.application.service import ServiceMaker
from twistio.internet.interfaces import implementer
from twistio.plugin import IPlugin
from twistio.words import iwords

__all__: list[str] = []

# (name, module, description, tapname): what ``twistd --help`` lists.
NewTwistedWords = ServiceMaker(
    "New Twisted Words", f"{__package__.rpartition('.')[0]}.words.tap",
    "A modern words server", "words")
TwistedXMPPRouter = ServiceMaker(
    "XMPP Router", f"{__package__.rpartition('.')[0]}.words.xmpproutertap",
    "An XMPP Router server", "xmpp-router")


@implementer(IPlugin, iwords.IProtocolPlugin)
class _ProtocolPlugin:
    """A front end of the words service: its ``name`` and how to build its server factory."""

    def __init__(self, name: str, build: Callable[[Any, Any], Any]) -> None:
        self.name = name
        self._build = build

    def getFactory(self, realm: Any, portal: Any) -> Any:
        """The server factory serving ``realm``, logging in through ``portal``."""
        return self._build(realm, portal)

    def __repr__(self) -> str:
        return f"<words protocol plugin {self.name!r}>"


def _ircFactory(realm: Any, portal: Any) -> Any:
    from twistio.words import service

    return service.IRCFactory(realm, portal)


def _pbFactory(realm: Any, portal: Any) -> Any:
    from twistio.spread import pb

    return pb.PBServerFactory(portal, True)


RelayChatInterface = _ProtocolPlugin("irc", _ircFactory)
PBChatInterface = _ProtocolPlugin("pb", _pbFactory)
