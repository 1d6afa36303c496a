"""HTTP proxies: a forward proxy channel and a reverse-proxy resource (Twisted's ``twisted.web.proxy``).

Each proxied request opens one HTTP/1.0 connection upstream (``Connection: close``) with
``http.HTTPClient`` (the shared HTTP/1 codec reads the response), sends
the method, path, headers and body, and streams the upstream status, headers and body back
to the client as they arrive (the upstream connection is the response's producer, so a slow
client slows the upstream read instead of filling memory). ``ReverseProxyResource`` sets the
Host header to the upstream ``host[:port]``, as Twisted does.

Differs from Twisted:
- an upstream that cannot be reached, or that closes before sending a status line, gets
  ``502 Bad Gateway`` (Twisted answers ``501 Gateway error`` to a failed connection and an
  empty ``200`` to a silent upstream); the body is Twisted's ``<H1>Could not connect</H1>``;
- hop-by-hop headers of the upstream response (``Connection``, ``Keep-Alive``) are not copied:
  they describe the upstream connection, not the client's;
- a forward-proxy request for a scheme other than http, or an unparsable target, gets 400
  (Twisted raises inside the request, closing the connection);
- a client that goes away closes the upstream connection.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol, cast
from urllib.parse import quote as urlquote
from urllib.parse import urlparse, urlunparse

from twistio.internet import protocol
from twistio.internet._registry import installed_reactor
from twistio.internet.interfaces import IAddress, IConnector, IReactorTCP
from twistio.python.failure import Failure
from twistio.web import http, resource, server
from twistio.web._httpclient import HTTPClient
from twistio.web.iweb import IRequest

if TYPE_CHECKING:
    from twistio._typing import ConnectionTransport
    from twistio.web.http import _Channel

NOT_DONE_YET = server.NOT_DONE_YET

__all__ = [
    "Proxy", "ProxyClient", "ProxyClientFactory", "ProxyRequest", "ReverseProxy",
    "ReverseProxyRequest", "ReverseProxyResource",
]

_log = logging.getLogger("twistio.web.proxy")

_HOP_BY_HOP = frozenset((b"connection", b"keep-alive", b"transfer-encoding", b"proxy-connection"))


def _gone(father: http.Request) -> bool:
    """Whether the client's request needs no answer any more (finished, or its client left)."""
    return bool(father.finished or getattr(father, "disconnected", False))


def _badGateway(father: http.Request) -> None:
    if _gone(father):
        return
    if getattr(father, "startedWriting", False):
        father.loseConnection()
        return
    father.setResponseCode(502, b"Bad Gateway")
    father.responseHeaders.setRawHeaders(b"content-type", [b"text/html"])
    father.responseHeaders.removeHeader(b"content-length")
    father.write(b"<H1>Could not connect</H1>")
    father.finish()


class ProxyClient(HTTPClient):
    """Sends one request upstream and copies the response into ``father`` (the client's request)."""

    transport: ConnectionTransport
    _finished = False
    _status = 0

    def __init__(
        self, command: bytes, rest: bytes, version: bytes, headers: dict[bytes, bytes],
        data: bytes, father: http.Request,
    ) -> None:
        super().__init__()
        self.father = father
        self.command = command
        self.rest = rest
        headers = dict(headers)
        headers.pop(b"proxy-connection", None)
        headers.pop(b"keep-alive", None)
        headers[b"connection"] = b"close"
        self.headers = headers
        self.data = data

    def connectionMade(self) -> None:
        father = self.father
        if father is not None and _gone(father):
            self.transport.loseConnection()
            return
        self.sendCommand(self.command, self.rest)
        for header, value in self.headers.items():
            self.sendHeader(header, value)
        self.endHeaders()
        self.transport.write(self.data)
        if father is not None and getattr(father, "producer", None) is None:
            father.registerProducer(self.transport, True)

    def handleStatus(self, version: bytes, code: bytes, message: bytes) -> None:
        try:
            status = int(code)
        except ValueError:
            self._bad()
            return
        self._status = status
        self.father.setResponseCode(status, message)

    def handleEndHeaders(self) -> None:
        if self.command == b"HEAD" or self._status in (204, 304):
            self.length = 0

    def handleHeader(self, key: bytes, value: bytes) -> None:
        lkey = key.lower()
        if lkey in _HOP_BY_HOP:
            return
        if lkey in (b"server", b"date", b"content-type"):
            self.father.responseHeaders.setRawHeaders(key, [value])
        else:
            self.father.responseHeaders.addRawHeader(key, value)

    def handleResponsePart(self, buffer: bytes) -> None:
        self.father.write(buffer)

    def handleResponseEnd(self) -> None:
        if not self._finished:
            self._finished = True
            father = self.father
            if not _gone(father):
                father.finish()
            self.transport.loseConnection()

    def handleBadResponse(self) -> None:
        self._finished = True
        _badGateway(self.father)


class ProxyClientFactory(protocol.ClientFactory):
    """Builds the ``ProxyClient`` for one proxied request."""

    protocol = ProxyClient  # type: ignore[assignment]

    def __init__(
        self, command: bytes, rest: bytes, version: bytes, headers: dict[bytes, bytes],
        data: bytes, father: http.Request,
    ) -> None:
        # the request to pass on (its parts as ProxyClient takes them) and who asked for it
        self.command, self.rest, self.version = command, rest, version
        self.headers, self.data = headers, data
        self.father = father

    def buildProtocol(self, addr: IAddress) -> ProxyClient:
        return self.protocol(
            self.command, self.rest, self.version, self.headers, self.data, self.father,
        )

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        """The upstream could not be reached: 502."""
        _badGateway(self.father)


def _reactorFor(channel: object, reactor: IReactorTCP | None) -> IReactorTCP:
    if reactor is not None:
        return reactor
    found: IReactorTCP | None = getattr(getattr(channel, "factory", None), "reactor", None)
    return found if found is not None else installed_reactor()


class ProxyRequest(http.Request):
    """A request to a forward proxy: the target is an absolute ``http://host[:port]/path`` URL."""

    protocols: dict[bytes, type[ProxyClientFactory]] = {b"http": ProxyClientFactory}
    ports: dict[bytes, int] = {b"http": 80}

    def __init__(
        self, channel: _Channel | None, queued: object = None, reactor: IReactorTCP | None = None
    ) -> None:
        super().__init__(channel, queued)
        self.reactor = _reactorFor(channel, reactor)

    def process(self) -> None:
        try:
            parsed = urlparse(self.uri)
            scheme = parsed[0]
            host = parsed[1].decode("ascii")
            port = self.ports[scheme]
            if ":" in host:
                host, port_text = host.rsplit(":", 1)
                port = int(port_text)
            if not host:
                raise ValueError("no host")
        except (KeyError, ValueError, UnicodeDecodeError):
            self.setResponseCode(400, b"Bad Request")
            self.setHeader(b"content-type", b"text/html")
            self.write(b"<H1>Bad proxy request</H1>")
            self.finish()
            return
        rest = urlunparse((b"", b"", parsed[2], parsed[3], parsed[4], parsed[5]))
        if not rest:
            rest = rest + b"/"
        headers = self.getAllHeaders().copy()
        if b"host" not in headers:
            headers[b"host"] = host.encode("ascii")
        assert self.content is not None
        self.content.seek(0, 0)
        s = self.content.read()
        clientFactory = self.protocols[scheme](self.method, rest, self.clientproto, headers, s, self)
        self.reactor.connectTCP(host, port, clientFactory)


class Proxy(http.HTTPChannel):
    """A forward HTTP proxy: serve it with ``HTTPFactory`` and ``factory.protocol = Proxy``."""

    requestFactory = ProxyRequest


class ReverseProxyRequest(http.Request):
    """A request passed to the fixed upstream ``channel.factory.host``/``.port`` as it came."""

    proxyClientFactoryClass = ProxyClientFactory

    def __init__(
        self, channel: _Channel | None, queued: object = None, reactor: IReactorTCP | None = None
    ) -> None:
        super().__init__(channel, queued)
        self.reactor = _reactorFor(channel, reactor)

    def process(self) -> None:
        # The upstream: the request's own ``factory`` when given one, else its channel's.
        factory: _Upstream = getattr(self, "factory", None) or getattr(
            self.channel, "factory", None
        )  # type: ignore[assignment]  # (None: the AttributeError below says so)
        self.requestHeaders.setRawHeaders(b"host", [factory.host.encode("ascii")])
        assert self.content is not None
        clientFactory = self.proxyClientFactoryClass(
            self.method, self.uri, self.clientproto, self.getAllHeaders(), self.content.read(), self,
        )
        self.reactor.connectTCP(factory.host, factory.port, clientFactory)


class _Upstream(Protocol):
    """A reverse proxy's factory: where requests go."""

    host: str
    port: int


class ReverseProxy(http.HTTPChannel):
    """A channel passing every request to ``factory.host:factory.port``."""

    requestFactory = ReverseProxyRequest


class ReverseProxyResource(resource.Resource):
    """Serves its subtree from ``host:port`` under ``path`` (bytes): ``/a/b`` -> ``path/a/b``."""

    proxyClientFactoryClass = ProxyClientFactory

    def __init__(
        self, host: str, port: int, path: bytes, reactor: IReactorTCP | None = None
    ) -> None:
        super().__init__()
        self.host = host
        self.port = port
        self.path = path
        if reactor is None:
            reactor = installed_reactor()
        self.reactor = reactor

    def getChild(self, path: bytes, request: IRequest) -> ReverseProxyResource:
        return ReverseProxyResource(
            self.host, self.port, self.path + b"/" + urlquote(path, safe=b"").encode("utf-8"),
            self.reactor,
        )

    def render(self, request: IRequest) -> int:
        # The response is streamed back through what only http.Request offers (producers).
        father = cast(http.Request, request)
        if self.port == 80:
            host = self.host
        else:
            host = f"{self.host}:{self.port}"
        father.requestHeaders.setRawHeaders(b"host", [host.encode("ascii")])
        content = father.content
        assert content is not None
        content.seek(0, 0)
        qs = urlparse(father.uri)[4]
        rest = self.path + b"?" + qs if qs else self.path
        clientFactory = self.proxyClientFactoryClass(
            father.method, rest, father.clientproto, father.getAllHeaders(),
            content.read(), father,
        )
        self.reactor.connectTCP(self.host, self.port, clientFactory)
        return server.NOT_DONE_YET
