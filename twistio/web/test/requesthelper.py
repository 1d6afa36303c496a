"""Fake requests and channels for testing resources without a server: ``DummyRequest``, ``DummyChannel``.

They behave as Twisted's ``twisted.web.test.requesthelper`` ones do; ``DummyChannel``'s
transports are ``StringTransport``s, and ``DummyRequest`` also has ``prePathURL`` (for
redirect helpers), which Twisted's lacks.
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from typing import IO, TYPE_CHECKING, cast

from twistio.internet.address import IPv4Address, IPv6Address
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import (
    IAddress,
    IProducer,
    IPullProducer,
    IPushProducer,
    ISSLTransport,
    implementer,
)
from twistio.internet.testing import StringTransport
from twistio.python.failure import Failure
from twistio.web.http_headers import Headers

if TYPE_CHECKING:
    from twistio.web.iweb import IRequest
    from twistio.web.resource import IResource
    from twistio.web.server import Session, Site

__all__ = [
    "DummyChannel",
    "DummyRequest",
    "NullAddress",
    "bytesLinearWhitespaceComponents",
    "sanitizedBytes",
    "sanitizedText",
    "textLinearWhitespaceComponents",
]

_NOT_DONE_YET = 1


class NullAddress:
    """An address for a request without a client."""

    type: str | None = None


class DummyChannel:
    """A stand-in for an ``HTTPChannel``: what requests write lands in ``transport.written``."""

    class TCP(StringTransport):
        """A TCP ``StringTransport`` with Twisted's dummy's ``written`` buffer and defaults."""

        port = 80
        disconnected = False

        def __init__(self, peer: IAddress | None = None) -> None:
            if peer is None:
                peer = IPv4Address("TCP", "192.168.1.1", 12344)
            super().__init__(IPv4Address("TCP", "10.0.0.1", self.port), peer)
            self._peer = peer
            self.producers: list[tuple[IPushProducer | IPullProducer, bool]] = []

        def registerProducer(
            self, producer: IPushProducer | IPullProducer, streaming: bool
        ) -> None:
            """Record the producer (in ``producers`` too, as Twisted's dummy does)."""
            self.producers.append((producer, streaming))
            self.producer = producer
            self.streaming = streaming

        def unregisterProducer(self) -> None:
            """Forget the current producer."""
            self.producer = None
            self.streaming = None

        def loseConnection(self) -> None:
            """Close: ``disconnected`` becomes true at once (no connection to wait for)."""
            super().loseConnection()
            self.disconnected = True

        def getHost(self) -> IAddress:
            """The server's address: ``10.0.0.1`` at ``port`` (read now, so a test may set it)."""
            return IPv4Address("TCP", "10.0.0.1", self.port)

        @property
        def written(self) -> BytesIO:
            """Everything written (a ``BytesIO``, as in Twisted)."""
            return self.io

        def getPeer(self) -> IAddress:
            """The client's address."""
            return self._peer

        def getTcpKeepAlive(self) -> bool:
            """Always false."""
            return False

        def getTcpNoDelay(self) -> bool:
            """Always false."""
            return False

        def setTcpKeepAlive(self, enabled: bool) -> None:
            """Ignored."""

        def setTcpNoDelay(self, enabled: bool) -> None:
            """Ignored."""

        def getPeerCertificate(self) -> object:
            """No certificate."""
            return None

    @implementer(ISSLTransport)
    class SSL(TCP):
        """The same, standing for a TLS connection (``isSecure`` is true)."""

    requestHeaders: Headers | None = None
    _site: Site | None = None

    def __init__(self, peer: IAddress | None = None) -> None:
        self.transport: DummyChannel.TCP = self.TCP(peer)

    @property
    def site(self) -> Site:
        """A ``Site`` around an empty ``Resource`` (made on first use)."""
        if self._site is None:
            from twistio.web.resource import Resource
            from twistio.web.server import Site

            DummyChannel._site = Site(Resource())
        return self._site  # type: ignore[return-value]  # (made above)

    @site.setter
    def site(self, value: Site) -> None:
        self._site = value

    def requestDone(self, request: object) -> None:
        """Nothing to do."""

    def writeHeaders(
        self, version: bytes, code: bytes, reason: bytes,
        headers: Headers | Iterable[tuple[bytes, bytes]],
    ) -> None:
        """Write a status line and headers (``(name, value)`` pairs or a ``Headers``)."""
        if hasattr(headers, "getAllRawHeaders"):
            pairs = [(k, v) for k, vs in headers.getAllRawHeaders() for v in vs]
        else:
            pairs = list(headers)
        lines = [b"%s %s %s\r\n" % (version, code, reason)]
        lines += [b"%s: %s\r\n" % (k, v) for k, v in pairs]
        lines.append(b"\r\n")
        self.transport.writeSequence(lines)

    def getPeer(self) -> IAddress:
        """The client's address."""
        return self.transport.getPeer()

    def getHost(self) -> IAddress:
        """The server's address."""
        return self.transport.getHost()

    def registerProducer(self, producer: IPushProducer | IPullProducer, streaming: bool) -> None:
        """Register with the transport."""
        self.transport.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        """Unregister from the transport."""
        self.transport.unregisterProducer()

    def write(self, data: bytes) -> None:
        """Write to the transport."""
        self.transport.write(data)

    def writeSequence(self, iovec: list[bytes]) -> None:
        """Write to the transport."""
        self.transport.writeSequence(iovec)

    def loseConnection(self) -> None:
        """Close the transport."""
        self.transport.loseConnection()

    def endRequest(self) -> None:
        """Nothing to do."""

    def isSecure(self) -> bool:
        """Whether the transport stands for TLS."""
        return isinstance(self.transport, self.SSL)

    def abortConnection(self) -> None:
        """Abort the transport."""
        self.transport.abortConnection()

    def getTcpKeepAlive(self) -> bool:
        """Ask the transport."""
        return bool(self.transport.getTcpKeepAlive())

    def getTcpNoDelay(self) -> bool:
        """Ask the transport."""
        return bool(self.transport.getTcpNoDelay())

    def loseWriteConnection(self) -> None:
        """Half-close the transport."""
        self.transport.loseConnection()

    def setTcpKeepAlive(self, enabled: bool = False) -> None:
        """Ignored."""

    def setTcpNoDelay(self, enabled: bool = False) -> None:
        """Ignored."""

    def getPeerCertificate(self) -> object:
        """No certificate."""
        return None


class DummyRequest:
    """A fake request that records what a resource does to it.

    ``written`` is the list of body writes, ``responseCode`` the status set (``None`` if
    none), ``finished`` how many times ``finish`` was called. ``registerProducer`` pulls
    from the producer until it unregisters itself, synchronously.
    """

    uri: bytes = b"http://dummy/"
    method: bytes = b"GET"
    client: IAddress | None = None
    _forceSSL: int = 0

    def __init__(
        self, postpath: list[bytes], session: Session | None = None, client: IAddress | None = None
    ) -> None:
        self.sitepath: list[bytes] = []
        self.written: list[bytes] = []
        self.finished = 0
        self.postpath = postpath
        self.prepath: list[bytes] = []
        self.session: Session | None = None
        self._protoSession = session
        self.args: dict[bytes, list[bytes]] = {}
        self.requestHeaders = Headers()
        self.responseHeaders = Headers()
        self.responseCode: int | None = None
        self.responseMessage: bytes | None = None
        self._finishedDeferreds: list[Deferred[None]] | None = []
        self._serverName = b"dummy"
        self.clientproto = b"HTTP/1.0"
        self.go = 0
        self.producer: IProducer | None = None
        self.content: IO[bytes] | None = BytesIO()
        if client is not None:
            self.client = client

    @property
    def protoSession(self) -> Session:
        """The session ``getSession`` hands out (made on first use)."""
        if self._protoSession is None:
            from twistio.internet.task import Clock
            from twistio.web.server import Session

            self._protoSession = Session(site=None, uid=b"0", reactor=Clock())
        return self._protoSession

    def registerProducer(self, prod: IProducer, s: bool) -> None:
        """Pull from a pull producer until it unregisters; just record a push producer.

        (Twisted's dummy loops on push producers too, which never ends.)
        """
        self.producer = prod
        self.go = 1
        if s:
            return
        pull = cast(IPullProducer, prod)
        while self.go:
            pull.resumeProducing()

    def unregisterProducer(self) -> None:
        """Stop the ``registerProducer`` loop."""
        self.go = 0
        self.producer = None

    def getAllHeaders(self) -> dict[bytes, bytes]:
        """The last value of each request header, by lower-case name."""
        return {k.lower(): v[-1] for k, v in self.requestHeaders.getAllRawHeaders()}

    def getHeader(self, name: bytes) -> bytes | None:
        """The first value of a request header, or ``None``."""
        values = self.requestHeaders.getRawHeaders(name.lower())
        return values[0] if values else None

    def setHeader(self, name: bytes, value: bytes) -> None:
        """Add a response header value (as Twisted's dummy does: it does not replace)."""
        self.responseHeaders.addRawHeader(name, value)

    def getSession(self, sessionInterface: object = None) -> Session:
        """The session (the same one every time)."""
        if self.session:
            return self.session
        assert not self.written, "Session cannot be requested after data has been written."
        self.session = self.protoSession
        return self.session

    def render(self, resource: IResource) -> None:
        """Render ``resource``; write and finish unless it returned ``NOT_DONE_YET``."""
        result = resource.render(cast("IRequest", self))  # (it stands for one)
        if result == _NOT_DONE_YET and not isinstance(result, bytes):
            return
        self.write(result)  # type: ignore[arg-type]  # (write refuses anything but bytes)
        self.finish()

    def write(self, data: bytes) -> None:
        """Record a body write (bytes only)."""
        if not isinstance(data, bytes):
            raise TypeError("write() only accepts bytes")
        self.written.append(data)

    def notifyFinish(self) -> Deferred[None]:
        """A Deferred fired by ``finish`` (or failed by ``processingFailed``)."""
        finished: Deferred[None] = Deferred()
        if self._finishedDeferreds is not None:
            self._finishedDeferreds.append(finished)
        return finished

    def finish(self) -> None:
        """Count the finish and fire ``notifyFinish``'s Deferreds."""
        self.finished += 1
        observers, self._finishedDeferreds = self._finishedDeferreds, None
        for obs in observers or ():
            obs.callback(None)

    def processingFailed(self, reason: Failure) -> None:
        """Fail ``notifyFinish``'s Deferreds."""
        observers, self._finishedDeferreds = self._finishedDeferreds, None
        for obs in observers or ():
            obs.errback(reason)

    def addArg(self, name: bytes, value: bytes) -> None:
        """Set a query argument."""
        self.args[name] = [value]

    def setResponseCode(self, code: int, message: bytes | None = None) -> None:
        """Record the status (before any body write)."""
        assert not self.written, "Response code cannot be set after data has been written."
        self.responseCode = code
        self.responseMessage = message

    def setLastModified(self, when: float) -> None:
        """Accept and ignore (never answers ``CACHED``)."""
        assert not self.written, "Last-Modified cannot be set after data has been written."

    def setETag(self, tag: bytes) -> None:
        """Accept and ignore."""
        assert not self.written, "ETag cannot be set after data has been written."

    def getClientAddress(self) -> IAddress:
        """The client's address, or a ``NullAddress``."""
        if self.client is None:
            return NullAddress()
        return self.client

    def getClientIP(self) -> str | None:
        """The client's IP (deprecated in Twisted)."""
        if isinstance(self.client, (IPv4Address, IPv6Address)):
            return self.client.host
        return None

    def getRequestHostname(self) -> bytes:
        """``b"dummy"``."""
        return self._serverName

    def getHost(self) -> IPv4Address:
        """127.0.0.1 port 80."""
        return IPv4Address("TCP", "127.0.0.1", 80)

    def isSecure(self) -> bool:
        """Whether ``setHost`` was told TLS."""
        return bool(self._forceSSL)

    def setHost(self, host: bytes, port: int, ssl: int = 0) -> None:
        """Pretend the request was for ``host:port`` (sets the ``Host`` header)."""
        self._forceSSL = ssl
        default = 443 if self.isSecure() else 80
        hostHeader = host if port == default else b"%b:%d" % (host, port)
        self.requestHeaders.addRawHeader(b"host", hostHeader)

    def redirect(self, url: bytes) -> None:
        """Set 302 and ``Location``."""
        self.setResponseCode(302)
        self.setHeader(b"location", url)

    def prePathURL(self) -> bytes:
        """The URL of the path consumed so far (a twistio addition, for redirect helpers)."""
        scheme = b"https" if self.isSecure() else b"http"
        path = b"/".join(self.prepath)
        return b"%s://%s/%s" % (scheme, self._serverName, path)


# Header values with linear whitespace (CR, LF, CRLF) in them, and what Twisted's Headers
# make of them (twistio's Headers refuse them instead: see docs/differences.md).
textLinearWhitespaceComponents = [f"Foo{lw}bar" for lw in ("\r", "\n", "\r\n")]
sanitizedText = "Foo bar"
bytesLinearWhitespaceComponents = [c.encode("ascii") for c in textLinearWhitespaceComponents]
sanitizedBytes = sanitizedText.encode("ascii")
