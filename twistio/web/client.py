"""HTTP client: ``Agent`` and its wrappers, the connection pool, ``readBody``.

``agent.request(b"GET", b"https://example.com/")`` fires with a response once its head has
arrived; read its body with ``readBody(response)`` or ``response.deliverBody(protocol)``.
HTTPS verifies the server's certificate chain (system trust store) and host name by default.

Differs from Twisted, on purpose:

- TLS is asyncio's (``ssl.SSLContext``), so a certificate failure is reported as the
  standard library's ``ssl.SSLCertVerificationError`` inside ``ResponseNeverReceived``
  rather than as a pyOpenSSL error;
- a redirect response's body is read and discarded before the redirect is followed, so its
  connection goes back to the pool (Twisted leaves it unread);
- ``Agent`` takes two twistio-only keyword arguments, both off by default as in Twisted:
  ``max_body_size`` (a longer response body fails with ``ResponseFailed([ResponseBodyTooLarge])``
  and the connection is dropped, so an endless body cannot exhaust memory) and
  ``response_timeout`` (seconds from the request to the response head; past it the request
  fails with ``ResponseNeverReceived([TimeoutError])``).
"""

from __future__ import annotations

import http.cookiejar
import logging
import os
import warnings
import zlib
from collections.abc import Callable, Iterator, Sequence
from email.message import Message
from typing import IO, TYPE_CHECKING, Union, cast
from typing import Protocol as _TypingProtocol
from urllib.parse import urljoin, urlsplit
from urllib.parse import urlunparse as urlunparse  # Twisted's client module has it

from twistio.internet import task
from twistio.internet._registry import installed_reactor
from twistio.internet.defer import CancelledError, Deferred, fail, succeed
from twistio.internet.endpoints import HostnameEndpoint, wrapClientTLS
from twistio.internet.interfaces import (
    Binding,
    IAddress,
    IConsumer,
    IDelayedCall,
    IProtocol,
    IProtocolFactory,
    IPushProducer,
    IReactorTCP,
    IReactorTime,
    IStreamClientEndpoint,
    ITransport,
    implementer,
)
from twistio.internet.protocol import Protocol
from twistio.internet.ssl import optionsForClientTLS
from twistio.python.failure import Failure
from twistio.web import error
from twistio.web._newclient import (
    HTTP11ClientProtocol,
    PotentialDataLoss,
    Request,
    ensure_valid_method,
    ensure_valid_uri,
)
from twistio.web._newclient import RequestGenerationFailed as RequestGenerationFailed
from twistio.web._newclient import RequestNotSent as RequestNotSent
from twistio.web._newclient import RequestTransmissionFailed as RequestTransmissionFailed
from twistio.web._newclient import Response as Response
from twistio.web._newclient import ResponseBodyTooLarge as ResponseBodyTooLarge
from twistio.web._newclient import ResponseDone as ResponseDone
from twistio.web._newclient import ResponseFailed as ResponseFailed
from twistio.web._newclient import ResponseNeverReceived as ResponseNeverReceived
from twistio.web.http_headers import Headers
from twistio.web.iweb import (
    UNKNOWN_LENGTH,
    IAgent,
    IAgentEndpointFactory,
    IBodyProducer,
    IPolicyForHTTPS,
)

if TYPE_CHECKING:
    from twistio.web.iweb import IResponse, _RequestBody

#: A pool's key for the connections it keeps: ``(scheme, host, port)`` or a proxy's.
_PoolKey = tuple[object, ...]
#: Where an agent's connections bind: a host alone, ``(host, port)`` or a ``Binding``.
_BindAddress = Union[str, bytes, tuple[str, int], Binding, None]


class _AgentReactor(IReactorTCP, IReactorTime, _TypingProtocol):
    """What an ``Agent`` asks of its reactor: TCP connections and time."""


class _Cooperator(_TypingProtocol):
    """What ``FileBodyProducer`` asks of its cooperator (``task`` itself, by default)."""

    def cooperate(self, iterator: Iterator[None]) -> task.CooperativeTask[Iterator[None]]: ...


__all__ = [
    "URI",
    "Agent",
    "BrowserLikePolicyForHTTPS",
    "BrowserLikeRedirectAgent",
    "ContentDecoderAgent",
    "CookieAgent",
    "FileBodyProducer",
    "GzipDecoder",
    "HTTPConnectionPool",
    "Headers",
    "HostnameCachingHTTPSPolicy",
    "PartialDownloadError",
    "ProxyAgent",
    "RedirectAgent",
    "RequestGenerationFailed",
    "RequestNotSent",
    "RequestTransmissionFailed",
    "Response",
    "ResponseBodyTooLarge",
    "ResponseDone",
    "ResponseFailed",
    "ResponseNeverReceived",
    "readBody",
]

_log = logging.getLogger("twistio.web.client")


_DONE = Failure(ResponseDone())


class PartialDownloadError(error.Error):
    """The body ended without a declared length: ``response`` holds what arrived."""


# -- URIs --------------------------------------------------------------------------------


class URI:
    """A parsed absolute http(s) URI."""

    __slots__ = ("fragment", "host", "netloc", "params", "path", "port", "query", "scheme")

    def __init__(
        self,
        scheme: bytes,
        netloc: bytes,
        host: bytes,
        port: int,
        path: bytes,
        params: bytes,
        query: bytes,
        fragment: bytes,
    ) -> None:
        # where: scheme://netloc (host and port split out); what: path;params?query#fragment
        self.scheme, self.netloc, self.host, self.port = scheme, netloc, host, port
        self.path, self.params, self.query, self.fragment = path, params, query, fragment

    @classmethod
    def fromBytes(cls, uri: bytes, defaultPort: int | None = None) -> URI:
        """Parse ``uri``; the port defaults to the scheme's (80, 443) or ``defaultPort``."""
        if not isinstance(uri, bytes):
            raise TypeError(f"URI must be bytes, not {type(uri).__name__}")
        uri = uri.strip()
        scheme, sep, rest = uri.partition(b"://")
        if not sep:
            scheme, rest = b"", uri
        scheme = scheme.lower()
        netloc, slash, tail = rest.partition(b"/")
        pathpart = slash + tail
        for mark in (b"?", b"#"):
            if mark in netloc:
                netloc, extra = netloc.split(mark, 1)
                pathpart = mark + extra + pathpart
        path, _, fragment = pathpart.partition(b"#")
        path, _, query = path.partition(b"?")
        path, _, params = path.partition(b";")
        hostport = netloc.rpartition(b"@")[2]
        if defaultPort is None:
            defaultPort = 443 if scheme == b"https" else 80
        port = defaultPort
        if hostport.startswith(b"["):
            end = hostport.find(b"]")
            host = hostport[1:end] if end > 0 else hostport[1:]
            after = hostport[end + 1 :] if end > 0 else b""
            if after.startswith(b":") and after[1:]:
                port = int(after[1:])
        else:
            host, colon, portText = hostport.partition(b":")
            if colon and portText:
                if not portText.isdigit():
                    raise ValueError(f"invalid port in URI {uri!r}")
                port = int(portText)
        return cls(scheme, netloc, host, port, path, params, query, fragment)

    def toBytes(self) -> bytes:
        """The URI as bytes again."""
        out = self.scheme + b"://" + self.netloc + self.path
        if self.params:
            out += b";" + self.params
        if self.query:
            out += b"?" + self.query
        if self.fragment:
            out += b"#" + self.fragment
        return out

    @property
    def originForm(self) -> bytes:
        """The request-target for a request to the origin server: path and query."""
        path = self.path or b"/"
        if self.params:
            path += b";" + self.params
        if self.query:
            path += b"?" + self.query
        return path

    def __repr__(self) -> str:
        return f"URI({self.toBytes()!r})"


def _hostValue(scheme: bytes, host: bytes, port: int) -> bytes:
    if b":" in host:
        host = b"[" + host + b"]"
    if (scheme, port) in ((b"http", 80), (b"https", 443)):
        return host
    return host + b":%d" % port


# -- HTTPS policy ------------------------------------------------------------------------


@implementer(IPolicyForHTTPS)
class BrowserLikePolicyForHTTPS:
    """Verify the server as a browser would: its chain against ``trustRoot`` (the system's
    authorities by default) and its name against the URI's host."""

    def __init__(self, trustRoot: object = None) -> None:
        self._trustRoot = trustRoot

    def creatorForNetloc(self, hostname: bytes, port: int) -> object:
        """Client TLS options for ``hostname``."""
        return optionsForClientTLS(hostname.decode("idna"), trustRoot=self._trustRoot)


@implementer(IPolicyForHTTPS)
class HostnameCachingHTTPSPolicy:
    """Wraps another HTTPS policy and keeps the TLS options it made for the last
    ``cacheSize`` host names (making them is costly)."""

    def __init__(self, policyforHTTPS: IPolicyForHTTPS, cacheSize: int = 20) -> None:
        self._policyForHTTPS = policyforHTTPS
        self._cache: dict[str, object] = {}
        self._cacheSize = cacheSize

    def creatorForNetloc(self, hostname: bytes, port: int) -> object:
        """The wrapped policy's options for ``hostname``, from the cache when there (TLS
        options depend on the name only, so every port shares them)."""
        key = hostname.decode("ascii", "backslashreplace")
        creator = self._cache.pop(key, None)
        if creator is None:
            creator = self._policyForHTTPS.creatorForNetloc(hostname, port)
            if len(self._cache) >= self._cacheSize:
                self._cache.pop(next(iter(self._cache)))
        self._cache[key] = creator
        return creator


class WebClientContextFactory:
    """Twisted's old, deprecated HTTPS policy; twistio's verifies like
    ``BrowserLikePolicyForHTTPS`` (Twisted's did not verify at all)."""

    def __init__(self) -> None:
        self._policy = BrowserLikePolicyForHTTPS()

    def getContext(self, hostname: bytes, port: int) -> object:
        """An ``ssl.SSLContext`` for ``hostname``."""
        return self._policy.creatorForNetloc(hostname, port)

    def creatorForNetloc(self, hostname: bytes, port: int) -> object:
        """TLS client options for ``hostname``."""
        return self._policy.creatorForNetloc(hostname, port)


@implementer(IPolicyForHTTPS)
class _LegacyPolicy:
    """An HTTPS policy from an object that does not declare ``IPolicyForHTTPS``: its own
    ``creatorForNetloc`` when it has one, else its ``getContext(hostname, port)`` (the old
    context-factory protocol ``WebClientContextFactory`` follows)."""

    def __init__(self, legacy: object) -> None:
        self._legacy = legacy

    def creatorForNetloc(self, hostname: bytes, port: int) -> object:
        """What the wrapped object makes for ``hostname``."""
        make = getattr(self._legacy, "creatorForNetloc", None)
        if make is None:
            make = getattr(self._legacy, "getContext")  # noqa: B009
        made: object = make(hostname, port)
        return made


@implementer(IAgentEndpointFactory)
class _StandardEndpointFactory:
    def __init__(
        self,
        reactor: _AgentReactor,
        contextFactory: IPolicyForHTTPS,
        connectTimeout: float | None,
        bindAddress: _BindAddress,
    ) -> None:
        self._reactor = reactor
        self._policy = contextFactory
        self._connectTimeout = connectTimeout
        self._bindAddress = bindAddress

    def endpointForURI(self, uri: URI) -> IStreamClientEndpoint:
        try:
            host = uri.host.decode("ascii") if uri.host else ""
        except UnicodeDecodeError:
            raise ValueError(
                f"The host of the provided URI ({uri.host!r}) contains non-ASCII octets, it "
                "should be ASCII decodable."
            ) from None
        timeout = 30 if self._connectTimeout is None else self._connectTimeout  # endpoint's own
        endpoint = HostnameEndpoint(
            self._reactor, host, uri.port, timeout=timeout, bindAddress=self._bindAddress
        )
        if uri.scheme == b"http":
            return endpoint
        if uri.scheme == b"https":
            creator = self._policy.creatorForNetloc(uri.host, uri.port)
            return wrapClientTLS(creator, endpoint)
        raise error.SchemeNotSupported(f"Unsupported scheme: {uri.scheme!r}")


# -- the pool ----------------------------------------------------------------------------


_IDEMPOTENT = frozenset((b"GET", b"HEAD", b"OPTIONS", b"TRACE", b"PUT", b"DELETE"))


class HTTPConnectionPool:
    """Keeps connections open between requests (when ``persistent``), per scheme/host/port.

    At most ``maxPersistentPerHost`` idle connections per key are kept, each for at most
    ``cachedConnectionTimeout`` seconds. With ``retryAutomatically``, an idempotent request
    without a body that fails on a cached connection (the server closed it meanwhile) is
    retried once on a new connection.
    """

    maxPersistentPerHost = 2
    cachedConnectionTimeout = 240
    retryAutomatically = True

    def __init__(self, reactor: IReactorTime, persistent: bool = True) -> None:
        self._reactor = reactor
        self.persistent = persistent
        self._connections: dict[_PoolKey, list[HTTP11ClientProtocol]] = {}
        self._sweeper: IDelayedCall | None = None

    def getConnection(
        self, key: _PoolKey, endpoint: IStreamClientEndpoint
    ) -> Deferred[HTTP11ClientProtocol]:
        """An idle cached connection for ``key``, or a new one from ``endpoint``."""
        proto = self._cached(key)
        if proto is not None:
            return succeed(proto)
        return self._newConnection(key, endpoint)

    def _cached(self, key: _PoolKey) -> HTTP11ClientProtocol | None:
        connections = self._connections.get(key)
        while connections:
            proto = connections.pop()
            proto.idle_lost = None
            if proto.state == "QUIESCENT":
                return proto
        return None

    def _newConnection(
        self, key: _PoolKey, endpoint: IStreamClientEndpoint
    ) -> Deferred[HTTP11ClientProtocol]:
        def quiescent(proto: HTTP11ClientProtocol) -> None:
            self._putConnection(key, proto)

        factory = _HTTP11ClientFactory(quiescent, repr(endpoint))
        # It fires with the protocol the factory built.
        return cast("Deferred[HTTP11ClientProtocol]", endpoint.connect(factory))

    def _putConnection(self, key: _PoolKey, proto: HTTP11ClientProtocol) -> None:
        if not self.persistent or proto.state != "QUIESCENT":
            if proto.transport is not None:
                proto.transport.loseConnection()
            return
        connections = self._connections.setdefault(key, [])
        if len(connections) >= self.maxPersistentPerHost:
            dropped = connections.pop(0)
            dropped.idle_lost = None
            dropped.transport.loseConnection()
        proto.idle_since = self._reactor.seconds()
        proto.idle_lost = lambda p: self._forget(key, p)
        connections.append(proto)
        if self._sweeper is None:
            self._sweeper = self._reactor.callLater(self.cachedConnectionTimeout, self._sweep)

    def _forget(self, key: _PoolKey, proto: HTTP11ClientProtocol) -> None:
        connections = self._connections.get(key)
        if connections and proto in connections:
            connections.remove(proto)

    def _sweep(self) -> None:
        self._sweeper = None
        now = self._reactor.seconds()
        timeout = self.cachedConnectionTimeout
        oldest: float | None = None
        for connections in self._connections.values():
            for proto in list(connections):
                if now - proto.idle_since >= timeout:
                    connections.remove(proto)
                    proto.idle_lost = None
                    proto.transport.loseConnection()
                elif oldest is None or proto.idle_since < oldest:
                    oldest = proto.idle_since
        if oldest is not None:
            self._sweeper = self._reactor.callLater(
                max(0.0, oldest + timeout - now), self._sweep
            )

    def closeCachedConnections(self) -> Deferred[None]:
        """Close every idle connection; fires when all are closed."""
        waits: list[Deferred[None]] = []
        for connections in self._connections.values():
            for proto in connections:
                proto.idle_lost = None
                waits.append(proto.abort())
        self._connections.clear()
        if self._sweeper is not None and self._sweeper.active():
            self._sweeper.cancel()
        self._sweeper = None
        from twistio.internet.defer import gatherResults

        return gatherResults(waits).addCallback(lambda _: None)

    def _request(
        self, key: _PoolKey, endpoint: IStreamClientEndpoint, request: Request
    ) -> Deferred[Response]:
        if type(self).getConnection is not HTTPConnectionPool.getConnection:
            # A subclass choosing connections itself (Twisted's extension point) is asked.
            return self.getConnection(key, endpoint).addCallback(_send, request)
        proto = self._cached(key)
        if proto is None:
            return self._newConnection(key, endpoint).addCallback(_send, request)
        d = proto.request(request)
        if (
            self.retryAutomatically
            and request.method in _IDEMPOTENT
            and request.bodyProducer is None
        ):
            def retry(f: Failure) -> Deferred[Response] | Failure:
                if f.check(RequestNotSent, RequestTransmissionFailed, ResponseNeverReceived) and not (
                    isinstance(f.value, ResponseFailed)
                    and any(r.check(CancelledError) for r in f.value.reasons)
                ):
                    return self._newConnection(key, endpoint).addCallback(_send, request)
                return f

            d.addErrback(retry)
        return d


def _send(proto: HTTP11ClientProtocol, request: Request) -> Deferred[Response]:
    return proto.request(request)


class _HTTP11ClientFactory:
    """Builds one ``HTTP11ClientProtocol`` per connection for the pool; ``metadata``
    (the endpoint, as text) appears in its ``repr`` and log lines."""

    def __init__(
        self, quiescentCallback: Callable[[HTTP11ClientProtocol], None], metadata: object
    ) -> None:
        self._quiescentCallback = quiescentCallback
        self._metadata = metadata

    def __repr__(self) -> str:
        return f"_HTTP11ClientFactory({self._quiescentCallback!r}, {self._metadata!r})"

    def doStart(self) -> None:
        pass

    def doStop(self) -> None:
        pass

    def buildProtocol(self, addr: IAddress) -> HTTP11ClientProtocol:
        return HTTP11ClientProtocol(self._quiescentCallback)


# -- agents ------------------------------------------------------------------------------


class _AgentBase:
    _pool: HTTPConnectionPool
    _maxBodySize: int | None = None

    def _computeHostValue(self, scheme: bytes, host: bytes, port: int) -> bytes:
        return _hostValue(scheme, host, port)

    def _requestWithEndpoint(
        self,
        key: _PoolKey,
        endpoint: IStreamClientEndpoint,
        method: bytes,
        parsedURI: URI,
        headers: Headers | None,
        bodyProducer: _RequestBody,
        requestPath: bytes,
    ) -> Deferred[Response]:
        if headers is None:
            headers = Headers()
        else:
            headers = headers.copy()
        if not headers.hasHeader(b"host"):
            headers.addRawHeader(
                b"host", self._computeHostValue(parsedURI.scheme, parsedURI.host, parsedURI.port)
            )
        request = Request(
            method, requestPath, headers, bodyProducer, self._pool.persistent, parsedURI=parsedURI
        )
        request.max_body_size = self._maxBodySize
        pool = self._pool
        if isinstance(pool, HTTPConnectionPool):
            return pool._request(key, endpoint, request)
        # Any other object with a pool's getConnection.
        return pool.getConnection(key, endpoint).addCallback(_send, request)


class _LazyEndpoint:
    """Makes the real endpoint only if the pool has to open a connection."""

    __slots__ = ("_factory", "_uri")

    def __init__(self, factory: IAgentEndpointFactory, uri: URI) -> None:
        self._factory = factory
        self._uri = uri

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        try:
            endpoint = self._factory.endpointForURI(self._uri)
        except Exception:
            return fail(Failure())
        return endpoint.connect(protocolFactory)


@implementer(IAgent)
class Agent(_AgentBase):
    """Makes HTTP and HTTPS requests, through ``pool`` (a non-persistent one by default)."""

    def __init__(
        self,
        reactor: _AgentReactor,
        contextFactory: IPolicyForHTTPS | None = None,
        connectTimeout: float | None = None,
        bindAddress: _BindAddress = None,
        pool: HTTPConnectionPool | None = None,
        *,
        max_body_size: int | None = None,
        response_timeout: float | None = None,
    ) -> None:
        if contextFactory is None:
            contextFactory = BrowserLikePolicyForHTTPS()
        elif not IPolicyForHTTPS.providedBy(contextFactory):
            warnings.warn(
                f"{contextFactory!r} was passed as the HTTPS policy for an Agent, but it does "
                "not provide IPolicyForHTTPS.  Since Twisted 14.0, you must pass a provider of "
                "IPolicyForHTTPS.",
                DeprecationWarning,
                stacklevel=2,
            )
            contextFactory = _LegacyPolicy(contextFactory)
        self._init(
            reactor,
            _StandardEndpointFactory(reactor, contextFactory, connectTimeout, bindAddress),
            pool,
            max_body_size,
            response_timeout,
        )

    def _init(
        self,
        reactor: IReactorTime,
        endpointFactory: IAgentEndpointFactory,
        pool: HTTPConnectionPool | None,
        max_body_size: int | None = None,
        response_timeout: float | None = None,
    ) -> None:
        self._reactor = reactor
        self._endpointFactory = endpointFactory
        self._pool = pool if pool is not None else HTTPConnectionPool(reactor, persistent=False)
        self._maxBodySize = max_body_size
        self._responseTimeout = response_timeout

    @classmethod
    def usingEndpointFactory(
        cls,
        reactor: IReactorTime,
        endpointFactory: IAgentEndpointFactory,
        pool: HTTPConnectionPool | None = None,
        *,
        max_body_size: int | None = None,
        response_timeout: float | None = None,
    ) -> Agent:
        """An agent that connects through ``endpointFactory.endpointForURI(uri)``."""
        agent = cls.__new__(cls)
        agent._init(reactor, endpointFactory, pool, max_body_size, response_timeout)
        return agent

    def request(
        self,
        method: bytes,
        uri: bytes,
        headers: Headers | None = None,
        bodyProducer: _RequestBody = None,
    ) -> Deferred[IResponse]:
        """Request ``uri``; fires with the response once its head has arrived. A method or
        URI that could inject anything into the request head raises ``ValueError``."""
        ensure_valid_method(method)
        ensure_valid_uri(uri)
        parsedURI = URI.fromBytes(uri)
        if parsedURI.scheme not in (b"http", b"https") and isinstance(
            self._endpointFactory, _StandardEndpointFactory
        ):
            return fail(error.SchemeNotSupported(f"Unsupported scheme: {parsedURI.scheme!r}"))
        key = (parsedURI.scheme, parsedURI.host, parsedURI.port)
        endpoint: IStreamClientEndpoint
        if "_getEndpoint" in self.__dict__ or type(self)._getEndpoint is not Agent._getEndpoint:
            # Code (Twisted's tests among it) choosing endpoints itself is asked at once.
            try:
                endpoint = self._getEndpoint(parsedURI)
            except error.SchemeNotSupported:
                return fail(Failure())
        else:
            endpoint = _LazyEndpoint(self._endpointFactory, parsedURI)
        target = parsedURI.originForm  # the path (and query) the request line names
        d = self._requestWithEndpoint(
            key, endpoint, method, parsedURI, headers, bodyProducer, target
        )
        if self._responseTimeout is not None:
            d = _withTimeout(d, self._reactor, self._responseTimeout)
        return d  # type: ignore[return-value]

    def _getEndpoint(self, uri: URI) -> IStreamClientEndpoint:
        """The endpoint to connect to for ``uri`` (made only when a connection is needed,
        unless this method is replaced)."""
        return self._endpointFactory.endpointForURI(uri)


def _withTimeout(d: Deferred[Response], reactor: IReactorTime, timeout: float) -> Deferred[Response]:
    """``d``, failing with ``ResponseNeverReceived([TimeoutError])`` after ``timeout`` seconds."""
    from twistio.internet.error import TimeoutError as _Timeout

    timedOut: list[bool] = []

    def expire() -> None:
        timedOut.append(True)
        d.cancel()

    call = reactor.callLater(timeout, expire)

    def done(result: Response | Failure) -> Response | Failure:
        if call.active():
            call.cancel()
        if timedOut and isinstance(result, Failure) and result.check(
            CancelledError, ResponseNeverReceived
        ):
            return Failure(ResponseNeverReceived(
                [Failure(_Timeout(f"no response within {timeout} seconds"))]
            ))
        return result

    return d.addBoth(done)


@implementer(IAgent)
class ProxyAgent(_AgentBase):
    """Sends every request to the HTTP proxy at ``endpoint``, with the absolute URI."""

    def __init__(
        self,
        endpoint: IStreamClientEndpoint,
        reactor: IReactorTime | None = None,
        pool: HTTPConnectionPool | None = None,
    ) -> None:
        if reactor is None:
            reactor = installed_reactor()
        self._proxyEndpoint = endpoint
        self._pool = pool if pool is not None else HTTPConnectionPool(reactor, persistent=False)

    def request(
        self,
        method: bytes,
        uri: bytes,
        headers: Headers | None = None,
        bodyProducer: _RequestBody = None,
    ) -> Deferred[IResponse]:
        """Request ``uri`` through the proxy."""
        key = ("http-proxy", self._proxyEndpoint)
        parsedURI = URI.fromBytes(uri)
        return self._requestWithEndpoint(  # type: ignore[return-value]
            key, self._proxyEndpoint, method, parsedURI, headers, bodyProducer, uri
        )


# -- bodies ------------------------------------------------------------------------------


class _ReadBodyProtocol(Protocol):
    def __init__(self, status: int, message: bytes, deferred: Deferred[bytes]) -> None:
        self.deferred = deferred
        self.status = status
        self.message = message
        self.dataBuffer: list[bytes] = []
        self.cancelled = False

    def dataReceived(self, data: bytes) -> None:
        self.dataBuffer.append(data)

    def connectionLost(self, reason: Failure = _DONE) -> None:
        if self.deferred.called or self.cancelled:
            return
        value = reason.value
        if isinstance(value, ResponseDone):
            self.deferred.callback(b"".join(self.dataBuffer))
        elif isinstance(value, PotentialDataLoss):
            self.deferred.errback(
                PartialDownloadError(self.status, self.message, b"".join(self.dataBuffer))
            )
        else:
            self.deferred.errback(reason)


def readBody(response: IResponse) -> Deferred[bytes]:
    """The whole body of ``response``; cancelling it drops the connection."""

    def cancel(d: Deferred[bytes]) -> None:
        # The Deferred fails with CancelledError, as in Twisted; the dropped connection's
        # ResponseFailed is then nobody's business.
        protocol.cancelled = True
        transport = getattr(protocol, "transport", None)
        if transport is None:
            return
        abort = getattr(transport, "abortConnection", None)
        if callable(abort):
            abort()
        else:
            transport.stopProducing()

    d: Deferred[bytes] = Deferred(cancel)
    protocol = _ReadBodyProtocol(response.code, response.phrase, d)
    response.deliverBody(protocol)
    transport = getattr(protocol, "transport", None)
    if transport is not None and not callable(getattr(transport, "abortConnection", None)):
        warnings.warn(
            "Using readBody with a transport that does not have an abortConnection method",
            category=DeprecationWarning,
            stacklevel=2,
        )
    return d


@implementer(IBodyProducer)
class FileBodyProducer:
    """A request body read from a file object, ``readSize`` bytes at a time."""

    def __init__(
        self, inputFile: IO[bytes], cooperator: _Cooperator = task, readSize: int = 2**16
    ) -> None:
        self._inputFile = inputFile
        self._cooperate = cooperator.cooperate
        self._readSize = readSize
        self.length: int | str = self._determineLength(inputFile)
        self._task: task.CooperativeTask[Iterator[None]] | None = None

    def _determineLength(self, fObj: IO[bytes]) -> int | str:
        """The bytes from the current position to the end, found by seeking there and back;
        ``UNKNOWN_LENGTH`` for a file that cannot seek."""
        seek, tell = getattr(fObj, "seek", None), getattr(fObj, "tell", None)
        if seek is None or tell is None:
            return UNKNOWN_LENGTH
        try:
            start = tell()
            seek(0, os.SEEK_END)
            length: int = tell() - start
            seek(start, os.SEEK_SET)
        except (OSError, ValueError):
            return UNKNOWN_LENGTH
        return length

    def stopProducing(self) -> None:
        """Stop reading and close the file."""
        self._inputFile.close()
        if self._task is not None:
            try:
                self._task.stop()
            except Exception:
                pass

    def startProducing(self, consumer: IConsumer) -> Deferred[None]:
        """Write the file to ``consumer``; fires when all of it is written."""
        self._task = self._cooperate(self._writeloop(consumer))
        finished = self._task.whenDone()

        def done(_: object) -> None:
            self._inputFile.close()

        def stopped(f: Failure) -> Deferred[None] | Failure:
            from twistio.internet.task import TaskStopped

            if f.check(CancelledError):
                # Cancelled: stop reading and close the file; as after stopProducing, the
                # Deferred never fires (as in Twisted).
                self.stopProducing()
                return Deferred()
            if f.check(TaskStopped):
                return Deferred()  # abandoned: never fires, as in Twisted
            return f

        return finished.addCallbacks(done, stopped)

    def _writeloop(self, consumer: IConsumer) -> Iterator[None]:
        """One read-and-write a step for the cooperator; the file is closed at its end."""
        source, size = self._inputFile, self._readSize
        piece = source.read(size)
        while piece:
            consumer.write(piece)
            yield None
            piece = source.read(size)
        source.close()

    def pauseProducing(self) -> None:
        """Pause reading."""
        if self._task is not None:
            self._task.pause()

    def resumeProducing(self) -> None:
        """Resume reading."""
        if self._task is not None:
            self._task.resume()


# -- redirects ---------------------------------------------------------------------------


class _Discard(Protocol):
    def __init__(self) -> None:
        self.done: Deferred[None] = Deferred()

    def dataReceived(self, data: bytes) -> None:
        pass

    def connectionLost(self, reason: Failure = _DONE) -> None:
        self.done.callback(None)


def _urljoin(base: bytes, url: bytes) -> bytes:
    """``url`` resolved against ``base``; it keeps its own fragment, else ``base``'s (RFC 9110
    10.2.2: a redirect without a fragment inherits the request's); an empty one is dropped."""
    base, _, baseFragment = base.partition(b"#")
    url, _, fragment = url.partition(b"#")
    resolved = urljoin(base.decode("latin-1"), url.decode("latin-1")).encode("latin-1")
    fragment = fragment or baseFragment
    return resolved + b"#" + fragment if fragment else resolved


_REDIRECT_BODY_WAIT = 65536
"""The longest redirect body read to its end before following (to reuse its connection)."""

_SENSITIVE = (b"authorization", b"cookie", b"cookie2", b"proxy-authorization", b"www-authenticate")


@implementer(IAgent)
class RedirectAgent:
    """Follows 301, 302, 307 and 308 for GET and HEAD, and 303 always (as GET), up to
    ``redirectLimit`` times; other methods get ``ResponseFailed([PageRedirect])``."""

    _redirectResponses: Sequence[int] = (301, 302, 307, 308)
    _seeOtherResponses: Sequence[int] = (303,)

    def __init__(
        self,
        agent: IAgent,
        redirectLimit: int = 20,
        sensitiveHeaderNames: Sequence[bytes] = (),
    ) -> None:
        self._agent = agent
        self._redirectLimit = redirectLimit
        self._sensitive = frozenset(_SENSITIVE) | {h.lower() for h in sensitiveHeaderNames}

    def request(
        self,
        method: bytes,
        uri: bytes,
        headers: Headers | None = None,
        bodyProducer: _RequestBody = None,
    ) -> Deferred[IResponse]:
        """Request ``uri``, following redirects."""
        d = self._agent.request(method, uri, headers, bodyProducer)
        return d.addCallback(self._handleResponse, method, uri, headers, 0)

    def _resolveLocation(self, requestURI: bytes, location: bytes) -> bytes:
        return _urljoin(requestURI, location)

    def _handleRedirect(
        self,
        response: IResponse,
        method: bytes,
        uri: bytes,
        headers: Headers | None,
        redirectCount: int,
        origin: bytes | None = None,
    ) -> Deferred[IResponse]:
        """Follow ``response``'s redirect from ``uri``; ``origin`` is the URI first asked for
        (named by ``InfiniteRedirection`` when the limit is reached, as in Twisted)."""

        def failed(reason: Exception) -> ResponseFailed:
            return ResponseFailed([Failure(reason)], response)

        if origin is None:
            origin = uri
        if redirectCount >= self._redirectLimit:
            raise failed(
                error.InfiniteRedirection(
                    response.code, b"Infinite redirection detected", location=origin
                )
            )
        target = next(iter(response.headers.getRawHeaders(b"location") or ()), None)
        if target is None:
            raise failed(
                error.RedirectWithNoLocation(response.code, b"No location header field", uri)
            )
        location = self._resolveLocation(uri, target)
        discard = _Discard()
        response.deliverBody(discard)
        if headers is not None:
            old, new = urlsplit(uri), urlsplit(location)
            if (old.scheme, old.hostname, old.port) != (new.scheme, new.hostname, new.port):
                headers = headers.copy()
                for name in self._sensitive:
                    headers.removeHeader(name)
        # A short body of known length is read and dropped first, so that its connection can
        # serve the next request; otherwise (no length, or a long one: its connection would
        # be busy for long or is closing anyway) the redirect is followed at once, as in
        # Twisted, while the old body drains.
        length = response.length
        if isinstance(length, int) and length <= _REDIRECT_BODY_WAIT:
            d = discard.done.addCallback(lambda _: self._agent.request(method, location, headers))
        else:
            d = self._agent.request(method, location, headers)

        def chain(newResponse: IResponse) -> IResponse:
            newResponse.setPreviousResponse(response)
            return newResponse

        d.addCallback(chain)
        return d.addCallback(
            self._handleResponse, method, location, headers, redirectCount + 1, origin
        )

    def _handleResponse(
        self,
        response: IResponse,
        method: bytes,
        uri: bytes,
        headers: Headers | None,
        redirectCount: int,
        origin: bytes | None = None,
    ) -> IResponse | Deferred[IResponse]:
        again = self._repeatWith(response.code, method)
        if again is None:
            return response
        if again == b"":
            raise ResponseFailed(
                [Failure(error.PageRedirect(response.code, location=uri))], response
            )
        return self._handleRedirect(response, again, uri, headers, redirectCount, origin)

    def _repeatWith(self, code: int, method: bytes) -> bytes | None:
        """The method to follow a ``code`` answer to ``method`` with: None when ``code`` is
        no redirect to follow, ``b""`` when the method may not be repeated elsewhere."""
        safe = method in (b"GET", b"HEAD")
        if code in self._redirectResponses:
            return method if safe else b""
        if code in self._seeOtherResponses:
            return b"HEAD" if method == b"HEAD" else b"GET"
        return None


class BrowserLikeRedirectAgent(RedirectAgent):
    """Like a browser: 301, 302 and 303 are followed with GET for any method; 307 and 308
    keep the method (GET and HEAD only)."""

    _redirectResponses = (307, 308)
    _seeOtherResponses = (301, 302, 303)


# -- content decoding --------------------------------------------------------------------


class _ResponseProxy:
    """A response that forwards everything to another."""

    def __init__(self, original: IResponse) -> None:
        self.original = original

    def __getattr__(self, name: str) -> object:
        return getattr(self.original, name)

    def __setattr__(self, name: str, value: object) -> None:
        if name == "original":
            object.__setattr__(self, name, value)
        else:
            setattr(self.original, name, value)


_MAX_DECODED_PIECE = 1 << 20


class _GzipProtocol(Protocol):
    def __init__(self, protocol: IProtocol, response: IResponse) -> None:
        self.original = protocol
        self._response = response
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._failed = False

    def makeConnection(self, transport: ITransport) -> None:
        self.transport = transport
        self.original.makeConnection(transport)

    def dataReceived(self, data: bytes) -> None:
        if self._failed:
            return
        try:
            while data:
                out = self._zlib.decompress(data, _MAX_DECODED_PIECE)
                data = self._zlib.unconsumed_tail
                if out:
                    self.original.dataReceived(out)
        except zlib.error:
            self._failed = True
            f = Failure()
            if self.transport is not None:
                cast(IPushProducer, self.transport).stopProducing()  # a response body's
            self.original.connectionLost(Failure(ResponseFailed([f], self._response)))

    def connectionLost(self, reason: Failure = _DONE) -> None:
        if self._failed:
            return
        try:
            rest = self._zlib.flush()
        except zlib.error:
            self.original.connectionLost(Failure(ResponseFailed([reason, Failure()], self._response)))
            return
        if rest:
            self.original.dataReceived(rest)
        self.original.connectionLost(reason)


class GzipDecoder(_ResponseProxy):
    """A response whose gzip-encoded body is delivered decoded (its length then unknown)."""

    def __init__(self, response: IResponse) -> None:
        super().__init__(response)

    @property
    def length(self) -> str:
        return UNKNOWN_LENGTH

    def deliverBody(self, protocol: IProtocol) -> None:
        """Deliver the decoded body to ``protocol``."""
        self.original.deliverBody(_GzipProtocol(protocol, self.original))


@implementer(IAgent)
class ContentDecoderAgent:
    """Asks for the encodings in ``decoders`` (``[(b"gzip", GzipDecoder)]``) and decodes
    responses that use them."""

    def __init__(
        self, agent: IAgent, decoders: Sequence[tuple[bytes, Callable[[IResponse], IResponse]]]
    ) -> None:
        self._agent = agent
        self._decoders = dict(decoders)
        self._supported = b",".join([name for name, _ in decoders])

    def request(
        self,
        method: bytes,
        uri: bytes,
        headers: Headers | None = None,
        bodyProducer: _RequestBody = None,
    ) -> Deferred[IResponse]:
        """Request ``uri`` with ``Accept-Encoding``; decode the response."""
        headers = Headers() if headers is None else headers.copy()
        headers.addRawHeader(b"accept-encoding", self._supported)
        d = self._agent.request(method, uri, headers, bodyProducer)
        return d.addCallback(self._handleResponse)

    def _handleResponse(self, response: IResponse) -> IResponse:
        values = response.headers.getRawHeaders(b"content-encoding", [])
        encodings = [e.strip().lower() for v in values for e in v.split(b",") if e.strip()]
        newResponse = response
        while encodings:
            decoder = self._decoders.get(encodings[-1])
            if decoder is None:
                break
            encodings.pop()
            newResponse = decoder(newResponse)
        if encodings:
            response.headers.setRawHeaders(b"content-encoding", [b",".join(encodings)])
        else:
            response.headers.removeHeader(b"content-encoding")
        return newResponse


# -- cookies -----------------------------------------------------------------------------


class _FakeStdlibRequest:
    """A request as ``http.cookiejar`` reads it: the URI's parts, and headers kept (as text
    for the jar, as bytes in ``_twistedHeaders`` for the agent)."""

    def __init__(self, uri: bytes) -> None:
        self.uri = uri.decode("latin-1")
        parts = urlsplit(self.uri)
        self.type = parts.scheme
        self.host = parts.netloc
        self._twistedHeaders = Headers()
        self.unverifiable = False
        self.origin_req_host = parts.hostname or ""

    def get_full_url(self) -> str:
        return self.uri

    def get_host(self) -> str:
        return self.host

    def get_type(self) -> str:
        return self.type

    def get_origin_req_host(self) -> str:
        return self.origin_req_host

    def has_header(self, header: str) -> bool:
        return self._twistedHeaders.hasHeader(header)

    def get_header(self, header: str, default: str | None = None) -> str | None:
        values = self._twistedHeaders.getRawHeaders(header)
        return values[0] if values else default

    def header_items(self) -> list[tuple[str, str]]:
        return [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, values in self._twistedHeaders.getAllRawHeaders()
            for value in values
        ]

    def add_unredirected_header(self, header: str, value: str) -> None:
        self._twistedHeaders.addRawHeader(header, value)

    def is_unverifiable(self) -> bool:
        return self.unverifiable


class _FakeStdlibResponse:
    """A response as ``http.cookiejar`` reads it: its headers as an ``email.message.Message``."""

    def __init__(self, response: IResponse) -> None:
        self._message = Message()
        for name, values in response.headers.getAllRawHeaders():
            for v in values:
                self._message[name.decode("latin-1")] = v.decode("latin-1")

    def info(self) -> Message:
        return self._message


@implementer(IAgent)
class CookieAgent:
    """Sends the cookies ``cookieJar`` (an ``http.cookiejar.CookieJar``) has for each URI and
    stores those the responses set."""

    def __init__(self, agent: IAgent, cookieJar: http.cookiejar.CookieJar) -> None:
        self._agent, self.cookieJar = agent, cookieJar

    def request(
        self,
        method: bytes,
        uri: bytes,
        headers: Headers | None = None,
        bodyProducer: _RequestBody = None,
    ) -> Deferred[IResponse]:
        """Request ``uri`` with the jar's cookies (unless the caller set a Cookie header)."""
        asked = _FakeStdlibRequest(uri)  # what the jar reads, and where it writes its header
        sending = Headers() if headers is None else headers
        if not sending.hasHeader(b"cookie"):
            self.cookieJar.add_cookie_header(asked)  # type: ignore[arg-type]
            fromJar = asked.get_header("Cookie")
            if fromJar is not None:
                sending = sending.copy()  # the caller's Headers stay as they were
                sending.addRawHeader(b"cookie", fromJar.encode("latin-1"))

        def remember(response: IResponse) -> IResponse:
            seen = _FakeStdlibResponse(response)
            self.cookieJar.extract_cookies(seen, asked)  # type: ignore[arg-type]
            return response

        sent = self._agent.request(method, uri, sending, bodyProducer)
        return sent.addCallback(remember)

