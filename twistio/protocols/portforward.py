"""Forward a listening port to another host and port: each accepted connection opens one to
the destination and bytes flow both ways, each side pacing the other (every transport is the
other's producer), until either end closes and takes the other with it.

    reactor.listenTCP(8080, ProxyFactory("backend.example", 80))
"""

from __future__ import annotations

from typing import Any

from twistio.internet import protocol
from twistio.internet.interfaces import IAddress

__all__ = ["Proxy", "ProxyClient", "ProxyClientFactory", "ProxyFactory", "ProxyServer"]


class Proxy(protocol.Protocol):
    """One end of a forwarded connection; ``peer`` is the other end."""

    noisy = True
    peer: Proxy | None = None

    def setPeer(self, peer: Proxy | None) -> None:
        """Pair this end with ``peer``."""
        self.peer = peer

    def dataReceived(self, data: bytes) -> None:
        self.peer.transport.write(data)  # type: ignore[union-attr]

    def connectionLost(self, reason: Any = protocol.connectionDone) -> None:
        other, self.peer = self.peer, None
        if other is not None:
            other.transport.loseConnection()


class ProxyClient(Proxy):
    """The end that connected to the destination."""

    def connectionMade(self) -> None:
        server = self.peer
        assert server is not None
        server.setPeer(self)
        # Each side's transport produces for the other's: a slow reader pauses the other end.
        self.transport.registerProducer(server.transport, True)
        server.transport.registerProducer(self.transport, True)
        server.transport.resumeProducing()  # paused until now by ProxyServer


class ProxyClientFactory(protocol.ClientFactory):
    """Connects a ``ProxyServer``'s connection to the destination."""

    protocol = ProxyClient
    server: ProxyServer

    def setServer(self, server: ProxyServer) -> None:
        """The accepted connection this one forwards."""
        self.server = server

    def buildProtocol(self, addr: IAddress | None) -> ProxyClient:
        client: ProxyClient = self.protocol()
        client.setPeer(self.server)
        return client

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        self.server.transport.loseConnection()


class ProxyServer(Proxy):
    """The accepted end: connects to the factory's ``host`` and ``port``."""

    clientProtocolFactory = ProxyClientFactory
    #: The reactor to connect with (None: the global one).
    reactor: Any = None

    def connectionMade(self) -> None:
        # Nothing is read from the client until the destination answers.
        self.transport.pauseProducing()
        client = self.clientProtocolFactory()
        client.setServer(self)
        reactor = self.reactor
        if reactor is None:
            from twistio.internet import reactor
        reactor.connectTCP(self.factory.host, self.factory.port, client)


class ProxyFactory(protocol.Factory):
    """Serves ``ProxyServer``: every connection is forwarded to ``host``:``port``."""

    protocol = ProxyServer

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
