"""A port forwarder: ``ProxyFactory(host, port)`` serves connections by relaying each one
to ``host:port``, both ways, with flow control between the two connections.

The building blocks are also used on their own (txtorcon relays SOCKS streams with
``ProxyClient``): a ``Proxy`` writes what it receives to its ``peer``'s transport and closes
the peer's connection when its own is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twistio.internet import protocol

# Twisted's module has these names too (code imports them from here).
from twistio.internet.interfaces import (  # noqa: F401
    IAddress,
    IConsumer,
    IPushProducer,
    IStreamServerEndpoint,
    ITransport,
)

if TYPE_CHECKING:
    from twistio._typing import ConnectionTransport

__all__ = ["Proxy", "ProxyClient", "ProxyClientFactory", "ProxyFactory", "ProxyServer"]


class Proxy(protocol.Protocol):
    """One side of a relay: data in goes out on ``peer``'s transport."""

    transport: ConnectionTransport
    noisy = True
    peer: Proxy | None = None

    def setPeer(self, peer: Proxy | None) -> None:
        self.peer = peer

    def connectionLost(self, reason: Any = protocol.connectionDone) -> None:
        peer = self.peer
        if peer is not None:
            self.peer = None
            peer.transport.loseConnection()

    def dataReceived(self, data: bytes) -> None:
        assert self.peer is not None
        self.peer.transport.write(data)


class ProxyClient(Proxy):
    """The outgoing side: once connected, it pairs with the server side, each transport
    becoming the other's (streaming) producer, and lets the server side read again."""

    def connectionMade(self) -> None:
        peer = self.peer
        assert peer is not None
        peer.setPeer(self)
        self.transport.registerProducer(peer.transport, True)
        peer.transport.registerProducer(self.transport, True)
        peer.transport.resumeProducing()


class ProxyClientFactory(protocol.ClientFactory):
    """Makes the ``ProxyClient`` for one server-side connection (``setServer``)."""

    protocol = ProxyClient
    server: Proxy | None = None

    def setServer(self, server: Proxy) -> None:
        self.server = server

    def buildProtocol(self, addr: Any) -> ProxyClient:
        client: ProxyClient = self.protocol()
        client.setPeer(self.server)
        return client

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        assert self.server is not None
        self.server.transport.loseConnection()


class ProxyServer(Proxy):
    """The incoming side: stops reading and connects to the factory's ``host:port``."""

    factory: ProxyFactory
    clientProtocolFactory = ProxyClientFactory
    reactor: Any = None

    def connectionMade(self) -> None:
        # Nothing is read from this side until the destination answers (ProxyClient resumes).
        self.transport.pauseProducing()
        outgoing = self.clientProtocolFactory()
        outgoing.setServer(self)
        if self.reactor is None:  # the global reactor, remembered on the instance
            from twistio.internet import reactor as default

            self.reactor = default
        factory = self.factory
        self.reactor.connectTCP(factory.host, factory.port, outgoing)


class ProxyFactory(protocol.Factory):
    """Forwards every connection it serves to ``host:port``."""

    protocol = ProxyServer

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
