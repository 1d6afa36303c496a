"""TLS: options that make ``ssl.SSLContext`` objects, and ``listenSSL``/``connectSSL``.

Twisted builds pyOpenSSL contexts; twistio builds the standard library's ``ssl.SSLContext``.
Wherever Twisted takes a context factory, twistio takes a plain ``ssl.SSLContext`` too, or any
object whose ``getContext()`` returns one. The certificates, options and the TLS link live in
``twistio.internet._sslverify`` (below the transports); this module adds the TLS ``Port`` and
``Connector``.

Differences from Twisted: a TLS connection's ``connectionMade`` is called once the handshake is
done (so ``getPeerCertificate`` and the ALPN choice already work there), and a failed handshake
is ``clientConnectionFailed`` with ``error.SSLError`` (its ``__cause__`` the ``ssl.SSLError``)
rather than a ``connectionLost`` after ``connectionMade``; a server never builds a protocol
for a client that failed its handshake. ``TLSMemoryBIOFactory`` (``twistio.protocols.tls``)
keeps Twisted's order. Certificates are ``Certificate`` objects holding DER bytes, not
pyOpenSSL ``X509`` objects.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import TYPE_CHECKING, Union

from twistio.internet import tcp
from twistio.internet._adapter import Connection
from twistio.internet._registry import ITwistioReactor
from twistio.internet._sslverify import (
    DEFAULT_HANDSHAKE_TIMEOUT,
    DN,
    FILETYPE_ASN1,
    FILETYPE_PEM,
    TYPE_DSA,
    TYPE_RSA,
    AcceptableCiphers,
    Certificate,
    CertificateError,
    CertificateOptions,
    CertificateRequest,
    ClientContextFactory,
    ClientTLSOptions,
    ContextFactory,
    DefaultOpenSSLContextFactory,
    DiffieHellmanParameters,
    DistinguishedName,
    KeyPair,
    OpenSSLDefaultPaths,
    PrivateCertificate,
    ProtocolNegotiationSupport,
    PublicKey,
    TLSTransport,
    TLSVersion,
    VerificationError,
    VerifyError,
    client_hostname,
    handshake_error,
    optionsForClientTLS,
    platformTrust,
    protocolNegotiationMechanisms,
    stdlib_context,
    supported,
    trustRootFromCertificates,
)
from twistio.internet.interfaces import Binding, IAddress, IProtocol, IProtocolFactory
from twistio.internet.interfaces import implementer as implementer
from twistio.internet.protocol import ClientFactory, Protocol
from twistio.internet.tcp import log_prefix
from twistio.python.deprecate import deprecatedModuleAttribute as _deprecatedModuleAttribute
from twistio.python.versions import Version as _Version

if TYPE_CHECKING:
    from twistio.protocols.tls import TLSMemoryBIOFactory

__all__ = [
    "DEFAULT_HANDSHAKE_TIMEOUT",
    "DN",
    "FILETYPE_ASN1",
    "FILETYPE_PEM",
    "TYPE_DSA",
    "TYPE_RSA",
    "AcceptableCiphers",
    "Certificate",
    "CertificateError",
    "CertificateOptions",
    "CertificateRequest",
    "ClientContextFactory",
    "ClientTLSOptions",
    "Connector",
    "ContextFactory",
    "DefaultOpenSSLContextFactory",
    "DiffieHellmanParameters",
    "DistinguishedName",
    "KeyPair",
    "OpenSSLDefaultPaths",
    "Port",
    "PrivateCertificate",
    "ProtocolNegotiationSupport",
    "PublicKey",
    "TLSVersion",
    "VerificationError",
    "VerifyError",
    "optionsForClientTLS",
    "platformTrust",
    "protocolNegotiationMechanisms",
    "supported",
    "trustRootFromCertificates",
]


class Port(tcp.Port):
    """A listening TCP socket whose connections speak TLS.

    A connection's protocol is built, and its ``connectionMade`` called, once the handshake
    is done; a client that fails it, or takes longer than ``handshakeTimeout`` seconds, is
    dropped without a protocol ever being built.
    """

    def __init__(
        self,
        port: int,
        factory: IProtocolFactory,
        contextFactory: object,
        backlog: int = 50,
        interface: str = "",
        reactor: ITwistioReactor | None = None,
        handshakeTimeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
    ) -> None:
        super().__init__(port, factory, backlog, interface, reactor)
        self.ctxFactory = contextFactory
        self.handshakeTimeout = handshakeTimeout
        self._context = stdlib_context(contextFactory, True)
        # A context factory driving pyOpenSSL: each connection is a TLSMemoryBIOProtocol
        # around the factory's protocol, over plain TCP, as in Twisted.
        self._tlsFactory = (
            None if self._context is not None
            else _memory_bio_factory(contextFactory, False, factory, self.reactor, handshakeTimeout)
        )

    def _buildProtocol(self, addr: IAddress) -> IProtocol | None:
        protocol = self.factory.buildProtocol(addr)
        tls = self._tlsFactory
        if tls is None or protocol is None:
            return protocol
        wrapper: IProtocol = tls.protocol(tls, protocol)
        return wrapper

    def _started_message(self) -> str:
        return f"{log_prefix(self.factory)} (TLS) starting on {self._realPortNumber}"

    def _closed_message(self) -> str:
        return f"(TLS Port {self._realPortNumber} Closed)"

    def _tls_connection(self) -> TLSTransport:
        context = self._context
        assert context is not None
        return TLSTransport(self._connection(), context, True, None, self.handshakeTimeout)

    @property
    def _accepts_itself(self) -> bool:  # type: ignore[override]
        # With a pyOpenSSL context factory the TLS layer runs over plain TCP; asyncio's own
        # TLS needs create_server.
        return self._tlsFactory is not None

    async def _create_server(
        self, loop: asyncio.AbstractEventLoop, sock: socket.socket
    ) -> asyncio.AbstractServer:
        if self._tlsFactory is not None:
            return await super()._create_server(loop, sock)
        return await loop.create_server(
            self._tls_connection, sock=sock, backlog=self.backlog, start_serving=False
        )


class Connector(tcp.Connector):
    """An outgoing TLS connection for a ``ClientFactory``.

    The protocol is built once the handshake is done; a failed handshake is
    ``clientConnectionFailed`` with ``error.SSLError`` (``error.TimeoutError`` after
    ``handshakeTimeout`` seconds, and after ``timeout`` for connecting and handshaking together).
    """

    def __init__(
        self,
        host: str,
        port: Union[int, str],
        factory: ClientFactory,
        contextFactory: object,
        timeout: float | None = 30,
        bindAddress: tuple[str, int] | Binding | None = None,
        reactor: ITwistioReactor | None = None,
        handshakeTimeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
    ) -> None:
        super().__init__(host, port, factory, timeout, bindAddress, reactor)
        self.contextFactory = contextFactory
        self.handshakeTimeout = handshakeTimeout
        self._context = stdlib_context(contextFactory, False)
        # A context factory driving pyOpenSSL: the connection is a TLSMemoryBIOProtocol
        # around the factory's protocol, over plain TCP, as in Twisted.
        self._tlsFactory = (
            None if self._context is not None
            else _memory_bio_factory(contextFactory, True, factory, self.reactor, handshakeTimeout)
        )

    def _prepare(self, conn: Connection) -> None:
        if self._tlsFactory is not None:
            self._make_socket(conn)

    def _build_protocol(self, addr: IAddress) -> Protocol | None:
        protocol = super()._build_protocol(addr)
        tls = self._tlsFactory
        if tls is None or protocol is None:
            return protocol
        wrapper: Protocol = tls.protocol(tls, protocol)
        return wrapper

    async def _open(self, loop: asyncio.AbstractEventLoop, conn: Connection) -> object:
        if self._context is None:
            return await super()._open(loop, conn)
        family = socket.AF_INET6 if tcp.isIPv6Address(self.host) else socket.AF_INET
        context = self._context
        assert context is not None
        hostname = client_hostname(self.contextFactory, context, self.host)
        waiter: asyncio.Future[object] = loop.create_future()
        link = TLSTransport(
            conn, context, False, hostname or None, self.handshakeTimeout, True, waiter
        )

        def protocol() -> TLSTransport:
            conn.enter_log_context()  # the connection's callbacks log as it (system)
            return link

        try:
            await loop.create_connection(
                protocol, self.host, self.port, family=family, local_addr=self.bindAddress
            )
            return await waiter
        except (ssl.SSLError, TimeoutError) as e:
            raise handshake_error(e) from e
        except BaseException:
            link.abort()
            raise


def _memory_bio_factory(
    contextFactory: object,
    isClient: bool,
    factory: object,
    reactor: object,
    handshakeTimeout: float | None,
) -> TLSMemoryBIOFactory:
    """The ``TLSMemoryBIOFactory`` whose protocols wrap ``factory``'s (its ``protocol``
    class and connection making; the port or connector builds ``factory``'s protocols and
    keeps talking to ``factory`` itself)."""
    from twistio.protocols.tls import TLSMemoryBIOFactory

    return TLSMemoryBIOFactory(
        contextFactory, isClient, factory, reactor, handshakeTimeout=handshakeTimeout
    )


_deprecatedModuleAttribute(
    _Version("Twisted", 26, 10, 0),
    "All supported TLS backends provide ALPN. There is no need to check for support.",
    __name__,
    "ProtocolNegotiationSupport",
)
