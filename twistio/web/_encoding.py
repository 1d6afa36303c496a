"""Response content encoding: ``EncodingResourceWrapper`` with ``GzipEncoderFactory``.

The contract with ``server.Request``: ``EncodingResourceWrapper.render`` sets
``request._encoder``; the request passes every body write through ``encoder.encode`` and, at
``finish``, writes what ``encoder.finish()`` returns. Compression streams: each write is
compressed as it comes, nothing is held beyond zlib's window.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from twistio.internet.interfaces import implementer
from twistio.web.iweb import IRequest, _IRequestEncoder, _IRequestEncoderFactory

if TYPE_CHECKING:
    from twistio.web.resource import IResource, RenderResult

__all__ = ["EncodingResourceWrapper", "GzipEncoderFactory"]

_gzipCheckRegex = re.compile(rb"(?:^|[\s,])gzip(?:$|[\s,;])", re.IGNORECASE)


class _Encoder(Protocol):
    def encode(self, data: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


class _EncoderFactory(Protocol):
    def encoderForRequest(self, request: IRequest) -> _Encoder | None: ...


def _refuses_gzip(accept: bytes) -> bool:
    """Whether ``Accept-Encoding`` lists gzip only with ``q=0``."""
    for item in accept.split(b","):
        coding, _, params = item.partition(b";")
        if coding.strip().lower() != b"gzip":
            continue
        for param in params.split(b";"):
            key, _, value = param.partition(b"=")
            if key.strip().lower() == b"q":
                try:
                    return float(value.strip()) == 0.0
                except ValueError:
                    return False
        return False
    return False


@implementer(_IRequestEncoderFactory)
class GzipEncoderFactory:
    """Makes a gzip encoder for requests whose ``Accept-Encoding`` allows gzip.

    twistio also honours ``gzip;q=0`` as a refusal, which Twisted ignores.
    """

    compressLevel = 9

    def __init__(self, compressLevel: int = 9) -> None:
        self.compressLevel = compressLevel

    def encoderForRequest(self, request: IRequest) -> _GzipEncoder | None:
        """An encoder if the client accepts gzip (adding gzip to ``Content-Encoding``), else None."""
        accept = b",".join(request.requestHeaders.getRawHeaders(b"accept-encoding", []))
        if not _gzipCheckRegex.search(accept) or _refuses_gzip(accept):
            return None
        encoding = request.responseHeaders.getRawHeaders(b"content-encoding")
        value = b",".join([*encoding, b"gzip"]) if encoding else b"gzip"
        request.responseHeaders.setRawHeaders(b"content-encoding", [value])
        return _GzipEncoder(self.compressLevel, request)


@implementer(_IRequestEncoder)
class _GzipEncoder:
    """Compresses one response body, piece by piece."""

    def __init__(self, compressLevel: int, request: IRequest) -> None:
        self._zlibCompressor: zlib._Compress = zlib.compressobj(
            compressLevel, zlib.DEFLATED, 16 + zlib.MAX_WBITS
        )
        self._request = request

    def encode(self, data: bytes) -> bytes:
        """Compress a piece; the length is no longer known, so ``Content-Length`` goes."""
        self._request.responseHeaders.removeHeader(b"content-length")
        out: bytes = self._zlibCompressor.compress(data)
        return out

    def finish(self) -> bytes:
        """The rest of the compressed stream."""
        remainder: bytes = self._zlibCompressor.flush()
        self._zlibCompressor = None  # type: ignore[assignment]  # (finished: no more use)
        return remainder


class EncodingResourceWrapper:
    """Wraps a resource so that its responses are encoded by the first encoder that applies.

    Like Twisted's, it proxies ``isLeaf``, ``getChildWithDefault`` and ``putChild`` to the
    wrapped resource: children are not wrapped.
    """

    def __init__(self, original: IResource, encoders: Iterable[_EncoderFactory]) -> None:
        self._original = original
        self._encoders = list(encoders)

    @property
    def isLeaf(self) -> bool:
        """The wrapped resource's ``isLeaf``."""
        return self._original.isLeaf

    def getChildWithDefault(self, name: bytes, request: IRequest) -> IResource:
        """The wrapped resource's child."""
        return self._original.getChildWithDefault(name, request)

    def putChild(self, path: bytes, child: IResource) -> None:
        """Add a child to the wrapped resource."""
        self._original.putChild(path, child)

    def render(self, request: IRequest) -> RenderResult:
        """Pick an encoder for the request, then render the wrapped resource."""
        for factory in self._encoders:
            encoder = factory.encoderForRequest(request)
            if encoder is not None:
                # The contract with server.Request (as in Twisted), not part of IRequest.
                request._encoder = encoder  # type: ignore[attr-defined]
                break
        return self._original.render(request)
