"""The web interfaces (Twisted's ``twisted.web.iweb``): requests, rendering, templates, the
HTTP client's bodies, responses, agents and HTTPS policy, and authentication.

Like ``twistio.internet.interfaces``, these are ``typing.Protocol`` classes that also answer
``IFoo.providedBy(obj)`` for classes declared with ``@implementer(IFoo)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import IO, TYPE_CHECKING, Protocol, TypeAlias, TypeVar, overload

from twistio.internet.interfaces import IAddress, IConsumer, Interface, IProtocol, IPushProducer

if TYPE_CHECKING:
    from twistio.cred.credentials import ICredentials
    from twistio.internet.defer import Deferred
    from twistio.internet.interfaces import IStreamClientEndpoint
    from twistio.web._stan import Flattenable, Tag
    from twistio.web.client import URI
    from twistio.web.http import Request, _Channel
    from twistio.web.http_headers import Headers
    from twistio.web.server import Session

_T = TypeVar("_T")

__all__ = [
    "UNKNOWN_LENGTH",
    "IAccessLogFormatter",
    "IAgent",
    "IAgentEndpointFactory",
    "IBodyProducer",
    "IClientRequest",
    "ICredentialFactory",
    "INonQueuedRequestFactory",
    "IPolicyForHTTPS",
    "IRenderable",
    "IRequest",
    "IResponse",
    "ITemplateLoader",
    "IUsernameDigestHash",
]


class IRequest(Interface, Protocol):
    """An HTTP request as a resource sees it: what was asked, and the response being built."""

    method: bytes
    uri: bytes
    path: bytes
    args: dict[bytes, list[bytes]]
    prepath: list[bytes]
    postpath: list[bytes]
    requestHeaders: Headers
    content: IO[bytes] | None
    responseHeaders: Headers

    @overload
    def getHeader(self, key: bytes) -> bytes | None: ...

    @overload
    def getHeader(self, key: str) -> str | None: ...

    def getHeader(self, key: bytes | str) -> bytes | str | None:
        """The last value of request header ``key``, or None."""

    def getCookie(self, key: bytes) -> bytes | None:
        """The value of request cookie ``key``, or None."""

    def getAllHeaders(self) -> dict[bytes, bytes]:
        """Every request header (lower-case name -> last value)."""

    def getRequestHostname(self) -> bytes:
        """The host name the client asked for."""

    def getHost(self) -> IAddress:
        """The local address the request came in on."""

    def getClientAddress(self) -> IAddress:
        """The client's address."""

    def getClientIP(self) -> str | None:
        """The client's IP address, or None."""

    def getUser(self) -> bytes:
        """The HTTP basic authentication user name, or b""."""

    def getPassword(self) -> bytes:
        """The HTTP basic authentication password, or b""."""

    def isSecure(self) -> bool:
        """Whether the request came over TLS."""

    @overload
    def getSession(self, sessionInterface: None = None) -> Session: ...

    @overload
    def getSession(self, sessionInterface: Callable[[Session], _T]) -> _T: ...

    def getSession(self, sessionInterface: Callable[[Session], _T] | None = None) -> object:
        """The client's session; adapted by ``sessionInterface`` when one is given."""

    def URLPath(self) -> object:
        """The request's URL as a ``URLPath``."""

    def prePathURL(self) -> bytes:
        """The URL of the resource at ``prepath``."""

    def rememberRootURL(self) -> None:
        """Remember the URL of the resource tree's root."""

    def getRootURL(self) -> bytes | None:
        """The URL remembered by ``rememberRootURL``."""

    def finish(self) -> None:
        """The response is complete."""

    def write(self, data: bytes) -> None:
        """A piece of the response body."""

    def addCookie(
        self,
        k: bytes | str,
        v: bytes | str,
        expires: bytes | str | None = None,
        domain: bytes | str | None = None,
        path: bytes | str | None = None,
        max_age: bytes | str | int | None = None,
        comment: bytes | str | None = None,
        secure: bool | None = None,
        httpOnly: bool = False,
        sameSite: str | None = None,
    ) -> None:
        """Add a ``Set-Cookie`` header to the response."""

    def setResponseCode(self, code: int, message: bytes | None = None) -> None:
        """Set the response status."""

    def setHeader(self, name: bytes | str, value: bytes | str) -> None:
        """Set a response header."""

    def redirect(self, url: bytes | str) -> None:
        """Answer 302 Found with ``Location: url``."""

    def setLastModified(self, when: float) -> object:
        """Set ``Last-Modified``; ``http.CACHED`` if the client's copy is current."""

    def setETag(self, etag: bytes) -> object:
        """Set ``ETag``; ``http.CACHED`` if the client's copy is current."""

    def setHost(self, host: bytes, port: int, ssl: int = 0) -> None:
        """Pretend the request came to ``host:port``."""


class INonQueuedRequestFactory(Interface, Protocol):
    """Makes a request for a channel: ``factory(channel)``."""

    def __call__(self, channel: _Channel) -> IRequest:
        """A new request on ``channel``."""


class IAccessLogFormatter(Interface, Protocol):
    """Formats an access log line: ``formatter(timestamp, request)``."""

    def __call__(self, timestamp: str, request: Request) -> str:
        """The line for ``request`` (``timestamp`` already formatted)."""


class IRenderable(Interface, Protocol):
    """Something a template can render: ``render(request)`` and renderer look-up."""

    def lookupRenderMethod(self, name: str) -> Callable[[IRequest | None, Tag], Flattenable]:
        """The renderer called ``name``."""

    def render(self, request: IRequest | None) -> Flattenable:
        """What to flatten for ``request``."""


class ITemplateLoader(Interface, Protocol):
    """Loads a template: ``load()`` gives the flattenable tags."""

    def load(self) -> list[Flattenable]:
        """The template's document."""


class IClientRequest(Interface, Protocol):
    """A request the HTTP client sends: ``method``, ``absoluteURI`` and ``headers``."""

    @property
    def method(self) -> bytes:
        """The method, as sent."""

    @property
    def absoluteURI(self) -> bytes | None:
        """The full URI the request was made for, if known."""

    @property
    def headers(self) -> Headers:
        """The request's headers."""


class ICredentialFactory(Interface, Protocol):
    """An HTTP authentication scheme (Basic, Digest) for ``guard``."""

    scheme: bytes

    def getChallenge(self, request: IRequest) -> Mapping[str, bytes | str]:
        """The challenge's parameters for ``request``."""

    def decode(self, response: bytes, request: IRequest) -> ICredentials:
        """Credentials from the client's ``Authorization`` ``response``."""


class IUsernameDigestHash(Interface, Protocol):
    """Credentials checked against a stored digest hash."""

    username: bytes

    def checkHash(self, digestHash: bytes) -> bool:
        """Whether ``digestHash`` matches these credentials."""


class _IRequestEncoder(Interface, Protocol):
    """Encodes a response body (``EncodingResourceWrapper``)."""

    def encode(self, data: bytes) -> bytes:
        """Encoded ``data``."""

    def finish(self) -> bytes:
        """The encoding's last bytes."""


class _IRequestEncoderFactory(Interface, Protocol):
    """Makes an encoder for a request, or None."""

    def encoderForRequest(self, request: IRequest) -> _IRequestEncoder | None:
        """An encoder for ``request``'s response, or None."""

UNKNOWN_LENGTH = "twistio.web.iweb.UNKNOWN_LENGTH"
"""The ``length`` of a body whose size is not known in advance."""


class IBodyProducer(IPushProducer, Protocol):
    """A request body: ``length`` bytes (or ``UNKNOWN_LENGTH``, sent chunked).

    ``startProducing(consumer)`` writes the body to ``consumer`` and returns a Deferred that
    fires when it is all written; ``pauseProducing``/``resumeProducing`` apply back-pressure
    and ``stopProducing`` abandons it (the Deferred then must not fire).
    """

    length: int | str

    def startProducing(self, consumer: IConsumer) -> Deferred[None]:
        """Write the body to ``consumer``; fires when done."""


#: A request's body as ``IAgent.request`` takes it: ``None`` for a request without one.
_RequestBody: TypeAlias = "IBodyProducer | None"


class IResponse(Interface, Protocol):
    """An HTTP response whose head has arrived; its body comes through ``deliverBody``."""

    version: tuple[bytes, int, int]
    code: int
    phrase: bytes
    headers: Headers
    length: int | str
    previousResponse: IResponse | None

    @property
    def request(self) -> IClientRequest | None:
        """The request this responds to (None for a response read without one)."""

    def deliverBody(self, protocol: IProtocol) -> None:
        """Stream the body to ``protocol``: ``makeConnection``, ``dataReceived``*, then
        ``connectionLost`` with ``ResponseDone``, ``PotentialDataLoss`` or ``ResponseFailed``."""

    def setPreviousResponse(self, response: IResponse) -> None:
        """Record the response (a redirect) that led to this one."""


class IAgent(Interface, Protocol):
    """Something that makes HTTP requests."""

    def request(
        self,
        method: bytes,
        uri: bytes,
        headers: Headers | None = None,
        bodyProducer: _RequestBody = None,
    ) -> Deferred[IResponse]:
        """Request ``uri``; fires with the response once its head has arrived."""


class IPolicyForHTTPS(Interface, Protocol):
    """Chooses the TLS settings for an HTTPS connection to a host."""

    def creatorForNetloc(self, hostname: bytes, port: int) -> object:
        """TLS client options (for ``wrapClientTLS``) for ``hostname:port``."""


class IAgentEndpointFactory(Interface, Protocol):
    """Chooses the endpoint an ``Agent`` connects through for a URI."""

    def endpointForURI(self, uri: URI) -> IStreamClientEndpoint:
        """A client endpoint for the parsed ``uri`` (a ``client.URI``)."""
