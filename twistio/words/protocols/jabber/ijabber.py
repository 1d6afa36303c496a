"""Interfaces of the Jabber/XMPP implementation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from twistio.internet.interfaces import Interface

__all__ = [
    "IIQResponseTracker",
    "IInitializer",
    "IInitiatingInitializer",
    "IService",
    "IXMPPHandler",
    "IXMPPHandlerCollection",
]


class IInitializer(Interface, Protocol):
    """One step of setting up an XML stream (TLS, authentication, binding...)."""


class IInitiatingInitializer(IInitializer, Protocol):
    """An initialization step run by the initiating entity."""

    xmlstream: Any

    def initialize(self) -> Any:
        """Start the step: a value, or a Deferred that fires when it is done."""


class IIQResponseTracker(Interface, Protocol):
    """Tracks the Deferreds of IQ requests awaiting their response."""

    iqDeferreds: dict[str, Any]


class IXMPPHandler(Interface, Protocol):
    """A handler of one XMPP feature, living on a stream manager."""

    parent: Any
    xmlstream: Any

    def setHandlerParent(self, parent: Any) -> None:
        """Make ``parent`` (a handler collection) this handler's parent."""

    def disownHandlerParent(self, parent: Any) -> None:
        """Leave ``parent``."""

    def makeConnection(self, xs: Any) -> None:
        """A connection was made for ``xs``: remember it and call ``connectionMade``."""

    def connectionMade(self) -> None:
        """The connection is up (the stream is not initialised yet)."""

    def connectionInitialized(self) -> None:
        """The stream is initialised: stanzas can flow."""

    def connectionLost(self, reason: Any) -> None:
        """The stream is closed."""


class IXMPPHandlerCollection(Interface, Protocol):
    """A collection of ``IXMPPHandler``s."""

    def __iter__(self) -> Iterator[Any]:
        """The handlers."""

    def addHandler(self, handler: Any) -> None:
        """Add ``handler``."""

    def removeHandler(self, handler: Any) -> None:
        """Remove ``handler``."""


class IService(Interface, Protocol):
    """A server-side component's service (see ``component.ServiceManager``)."""

    def componentConnected(self, xs: Any) -> None:
        """The component's stream is authenticated."""

    def componentDisconnected(self) -> None:
        """The component lost its connection to the server."""

    def transportConnected(self, xs: Any) -> None:
        """The component connected (before authenticating)."""
