"""The HTTP client interfaces: bodies, responses, agents and the HTTPS policy.

Like ``twistio.internet.interfaces``, these are ``typing.Protocol`` classes that also answer
``IFoo.providedBy(obj)`` for classes declared with ``@implementer(IFoo)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from twistio.internet.interfaces import Interface, IPushProducer

if TYPE_CHECKING:
    from twistio.internet.defer import Deferred
    from twistio.web.http_headers import Headers

__all__ = [
    "UNKNOWN_LENGTH",
    "IAgent",
    "IAgentEndpointFactory",
    "IBodyProducer",
    "IPolicyForHTTPS",
    "IResponse",
]

UNKNOWN_LENGTH = "twistio.web.iweb.UNKNOWN_LENGTH"
"""The ``length`` of a body whose size is not known in advance."""


class IBodyProducer(IPushProducer, Protocol):
    """A request body: ``length`` bytes (or ``UNKNOWN_LENGTH``, sent chunked).

    ``startProducing(consumer)`` writes the body to ``consumer`` and returns a Deferred that
    fires when it is all written; ``pauseProducing``/``resumeProducing`` apply back-pressure
    and ``stopProducing`` abandons it (the Deferred then must not fire).
    """

    length: int | str

    def startProducing(self, consumer: Any) -> Deferred[None]:
        """Write the body to ``consumer``; fires when done."""


class IResponse(Interface, Protocol):
    """An HTTP response whose head has arrived; its body comes through ``deliverBody``."""

    version: tuple[bytes, int, int]
    code: int
    phrase: bytes
    headers: Headers
    length: int | str
    request: Any
    previousResponse: IResponse | None

    def deliverBody(self, protocol: Any) -> None:
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
        bodyProducer: IBodyProducer | None = None,
    ) -> Deferred[IResponse]:
        """Request ``uri``; fires with the response once its head has arrived."""


class IPolicyForHTTPS(Interface, Protocol):
    """Chooses the TLS settings for an HTTPS connection to a host."""

    def creatorForNetloc(self, hostname: bytes, port: int) -> Any:
        """TLS client options (for ``wrapClientTLS``) for ``hostname:port``."""


class IAgentEndpointFactory(Interface, Protocol):
    """Chooses the endpoint an ``Agent`` connects through for a URI."""

    def endpointForURI(self, uri: Any) -> Any:
        """A client endpoint for the parsed ``uri`` (a ``client.URI``)."""
