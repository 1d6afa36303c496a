"""HTTP/1.x on a transport: ``HTTPChannel`` (the protocol), ``Request``, ``HTTPFactory``,
and Twisted's line-era ``HTTPClient``.

The channel contract. A ``Request`` speaks to its ``channel`` only through these calls (what
Twisted's channels offer): ``writeHeaders(version, code, reason, headers)``, ``write``,
``writeSequence``, ``requestDone(request)``, ``registerProducer``/``unregisterProducer``,
``loseConnection``, ``getPeer``, ``getHost``, ``isSecure``, plus twistio's
``pause_reading``/``resume_reading`` (stop reading the client's bytes for this request).
``HTTPChannel`` implements it for HTTP/1 (framing, chunking and persistence are its own
business), an HTTP/2 stream (``twistio.web._http2``) and the ASGI cycle (``twistio.web.asgi``)
implement it too.

``HTTPChannel`` feeds bytes to the sans-IO ``RequestReader`` (``twistio.web._codec``) and turns
its events into ``Request`` objects, answered strictly in order. Calls on a request happen in
this order: ``gotLength``, ``handleContentChunk``*, then ``requestReceived`` (once the body is
complete and every earlier request on the connection has finished), then the application's
``write``*/``finish``, or ``connectionLost`` if the client goes away first.

Bounded buffering: at most ``maxPipelined`` complete requests wait behind the one being
answered, and once the transport's write buffer is over its high-water mark (a client that
pipelines and does not read) nothing more is read or parsed until it drains.

Timeouts: ``timeOut`` (the factory's, ``Site(timeout=...)``) closes a connection idle that long,
as in Twisted (checked lazily: no timer is touched per request). ``headerTimeout`` (30 s)
bounds the time from the first byte of a request head to its end, and so does ``timeOut`` if
shorter; bytes trickling in do not extend it, so a slowloris client gets 408 and is dropped.
A request body that makes no progress for ``timeOut`` (as in Twisted), or for ``bodyTimeout``
when that was set or there is no ``timeOut`` (60 s, nginx's ``client_body_timeout``), gets
408 and the connection closes (not counted while twistio itself stopped reading). A
connection closed for a timeout that has not gone ``abortTimeout`` (15 s) later is aborted,
as in Twisted. A channel made by hand, without a factory, runs no timer.

Malformed requests get the status line alone (Twisted's form) with the status that fits
(400, 408, 413, 414, 431) and the connection closes. A repeated ``Host`` is 400 (Twisted
accepts it); an HTTP/1.1 request without ``Host`` is served, as in Twisted.

HTTP/2: this module sits below ``twistio.web._http2`` and never imports it. A TLS connection
that negotiated ``h2`` is handed to the protocol ``register_http2``'s builder makes:
``twistio.web.server`` registers one that loads ``_http2`` on the first such connection, and
importing ``_http2`` registers it too.
"""

from __future__ import annotations

import calendar
import email.message
import email.parser
import email.policy
import io
import logging
import math
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from email.utils import formatdate
from typing import IO, TYPE_CHECKING, Protocol, TypeVar, Union, cast, overload
from urllib.parse import parse_qs as _std_parse_qs
from urllib.parse import unquote_to_bytes

from twistio.internet import protocol
from twistio.internet._registry import installed_reactor
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import (
    IAddress,
    IConsumer,
    IDelayedCall,
    Interface,
    IProducer,
    IProtocol,
    IPullProducer,
    IPushProducer,
    IReactorTime,
    ISSLTransport,
    ITransport,
    implementer,
)
from twistio.logger import Logger
from twistio.python import _spelling
from twistio.python.failure import Failure
from twistio.web import _codec
from twistio.web._codec import END, LAST_CHUNK, ParseError, RequestHead, RequestReader, parse_query
from twistio.web._httpclient import HTTPClient as _HTTPClient
from twistio.web._responses import *  # noqa: F403
from twistio.web._responses import RESPONSES
from twistio.web.http_headers import Headers

if TYPE_CHECKING:
    from twistio._typing import ConnectionTransport
    from twistio.web.iweb import IAccessLogFormatter

__all__ = [
    "CACHED",
    "H2_ENABLED",
    "NO_BODY_CODES",
    "RESPONSES",
    "HTTPChannel",
    "HTTPClient",
    "HTTPFactory",
    "PotentialDataLoss",
    "Request",
    "StringTransport",
    "combinedLogFormatter",
    "datetimeToLogString",
    "datetimeToString",
    "fromChunk",
    "parseContentRange",
    "parse_qs",
    "proxiedLogFormatter",
    "stringToDatetime",
    "timegm",
    "toChunk",
    "unquote",
    "urlparse",
]

_log = logging.getLogger("twistio.web")
_events = Logger(namespace=__name__)  # events that Twisted code observes



class StringTransport:
    """A ``BytesIO`` standing in for a transport (Twisted's ``http.StringTransport``):
    ``write``/``writeSequence`` append, ``getvalue()`` returns everything written, and the
    rest of ``BytesIO``'s methods are there too."""

    def __init__(self) -> None:
        self.s = io.BytesIO()

    def writeSequence(self, seq: Sequence[bytes]) -> None:
        self.s.write(b"".join(seq))

    def __getattr__(self, attr: str) -> object:
        return getattr(self.__dict__["s"], attr)

responses = RESPONSES
"""Twisted's older name for ``RESPONSES``."""

CACHED = object()
"""Returned by ``Request.setLastModified``/``setETag`` when the client's copy is current."""

NOT_DONE_YET = 1
NO_BODY_CODES = (204, 304)
_CODES = {code: b"%d" % code for code in RESPONSES}
_STATUS_LINES: dict[tuple[bytes, bytes, bytes], bytes] = {}
"""Status lines made, by (version, code, reason): the usual few, made once."""
"""Status codes as the bytes of a status line."""
"""Status codes whose responses never have a body."""
protocol_version = "HTTP/1.1"
maxChunkSizeLineLength = 1024
weekdayname = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
monthname = [None, "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
weekdayname_lower = [name.lower() for name in weekdayname]
monthname_lower = [name and name.lower() for name in monthname]


def _h2_enabled() -> bool:
    try:
        import h2  # noqa: F401
    except ImportError:
        return False
    return True


H2_ENABLED = _h2_enabled()
"""Whether HTTP/2 can be served (the ``h2`` library of the ``http2`` extra is importable)."""


class PotentialDataLoss(Exception):
    """A body ended with its connection and had no declared length: it may be truncated."""


# The HTTP date of the second [_date_from, _date_until) of time.time().
_date_from = _date_until = 0.0
_date_value = b""


def http_date_now() -> bytes:
    """The current HTTP date, formatted at most once a second (twistio's own: the ``Date``
    of ``server.Request`` and ``datetimeToString()``)."""
    global _date_from, _date_until, _date_value
    now = time.time()
    if not _date_from <= now < _date_until:
        second = int(now)
        _date_value = formatdate(second, usegmt=True).encode("ascii")
        _date_from = float(second)
        _date_until = _date_from + 1.0
    return _date_value


def datetimeToString(msSinceEpoch: float | None = None) -> bytes:
    """An HTTP date (RFC 7231) for ``msSinceEpoch`` seconds since the epoch (default now)."""
    if msSinceEpoch is None:
        return http_date_now()
    return formatdate(msSinceEpoch, usegmt=True).encode("ascii")


def datetimeToLogString(msSinceEpoch: float | None = None) -> str:
    """A date for an access log line: ``[07/Dec/2026:01:02:03 +0000]``."""
    if msSinceEpoch is None:
        msSinceEpoch = time.time()
    t = time.gmtime(msSinceEpoch)
    return (
        f"[{t.tm_mday:02d}/{monthname[t.tm_mon]}/{t.tm_year:04d}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000]"
    )


def timegm(year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    """Seconds since the epoch for a UTC date and time."""
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))


def stringToDatetime(dateString: bytes) -> int:
    """Seconds since the epoch for an HTTP date (RFC 1123, RFC 850 or asctime form)."""
    from email.utils import parsedate_tz

    parsed = parsedate_tz(dateString.decode("ascii", "replace"))
    if parsed is None:
        raise ValueError(f"unknown date format: {dateString!r}")
    return int(calendar.timegm((*parsed[:6], 0, 0, 0)))


def toChunk(data: bytes) -> tuple[bytes, ...]:
    """``data`` as one chunk of a chunked body (pieces to join)."""
    return _codec.chunk(data)


def fromChunk(data: bytes) -> tuple[bytes, bytes]:
    """Split the first chunk off a chunked body: (its data, the rest); ValueError if ``data``
    does not start with a whole chunk."""
    size, sep, rest = data.partition(b"\r\n")
    if not sep:
        raise ValueError("no chunk size line")
    text = size.split(b";", 1)[0].strip()
    if not text or text.translate(None, b"0123456789abcdefABCDEF"):
        raise ValueError(f"invalid chunk size {size!r}")
    n = int(text, 16)
    if n < 0 or rest[n : n + 2] != b"\r\n":
        raise ValueError("chunk data not followed by CRLF")
    return rest[:n], rest[n + 2 :]


def parseContentRange(header: bytes) -> tuple[int, int, int | None]:
    """``bytes START-END/TOTAL`` -> (start, end, total or None for ``*``)."""
    kind, _, other = header.strip().partition(b" ")
    if kind.strip() != b"bytes":
        raise ValueError(f"a range of type {kind!r} is not supported")
    startend, _, realLength = other.partition(b"/")
    start, _, end = startend.partition(b"-")
    total = None if realLength.strip() == b"*" else int(realLength)
    return int(start), int(end), total


def unquote(s: bytes) -> bytes:
    """Percent-decode bytes."""
    return unquote_to_bytes(s)


def urlparse(url: bytes) -> tuple[bytes, bytes, bytes, bytes, bytes, bytes]:
    """``urllib.parse.urlparse`` for bytes (``TypeError`` for text, as Twisted's)."""
    from urllib.parse import urlparse as _up

    if isinstance(url, str):
        raise TypeError("url must be bytes, not unicode")

    r = _up(url)
    return (r.scheme, r.netloc, r.path, r.params, r.query, r.fragment)


def parse_qs(
    qs: bytes, keep_blank_values: int = 0, strict_parsing: int = 0
) -> dict[bytes, list[bytes]]:
    """``urllib.parse.parse_qs`` for bytes (names and values stay bytes)."""
    parsed = _std_parse_qs(
        qs.decode("latin-1"), keep_blank_values=bool(keep_blank_values),
        strict_parsing=bool(strict_parsing), encoding="latin-1",
    )
    return {k.encode("latin-1"): [v.encode("latin-1") for v in vs] for k, vs in parsed.items()}


def _error_response(code: int, message: str) -> bytes:
    """The answer to a request refused before any application saw it: a status line alone
    (Twisted's form; ``message`` is for the log), and the connection closes after it."""
    return b"HTTP/1.1 %d %s\r\n\r\n" % (code, RESPONSES.get(code, b"Error"))


def extra_info(transport: object, name: str) -> object:
    """Transport extra information (asyncio's ``get_extra_info``), through the transport's
    own ``get_extra_info`` (twistio's connections and TLS transports have one); None for a
    transport without it."""
    getter = getattr(transport, "get_extra_info", None)
    if getter is None:
        return None
    value: object = getter(name)
    return value


_F = TypeVar("_F", bound=Callable[[str, "Request"], str])


def _provides_access_log_formatter(func: _F) -> _F:
    """Declare that the function ``func`` provides ``IAccessLogFormatter``."""
    from twistio.web.iweb import IAccessLogFormatter

    func.__twistio_provides__ = (IAccessLogFormatter,)  # type: ignore[attr-defined]
    return func


def _client_host(request: Request) -> str:
    addr = request.getClientAddress()
    host = getattr(addr, "host", None)
    if host is None:
        return "-"
    return escape_log_field(host.encode("latin-1") if isinstance(host, str) else host)


@_provides_access_log_formatter
def combinedLogFormatter(timestamp: str, request: Request) -> str:
    """An access log line in the combined log format (the client address quoted, and
    bytes outside printable ASCII escaped, as in Twisted)."""
    return _combined(timestamp, request, _client_host(request))


def _combined(timestamp: str, request: Request, host: str) -> str:
    referrer = request.getHeader(b"referer")
    agent = request.getHeader(b"user-agent")
    return (
        f'"{host}" - - {timestamp} '
        f'"{escape_log_field(request.method)} {escape_log_field(request.uri)} '
        f'{escape_log_field(request.clientproto)}" {request.code} {request.sentLength or "-"} '
        f'"{escape_log_field(referrer) if referrer else "-"}" '
        f'"{escape_log_field(agent) if agent else "-"}"'
    )


@_provides_access_log_formatter
def proxiedLogFormatter(timestamp: str, request: Request) -> str:
    """``combinedLogFormatter`` with the client taken from ``X-Forwarded-For`` (its
    left-most address, the original client's)."""
    forwarded = request.getHeader(b"x-forwarded-for")
    if forwarded:
        return _combined(timestamp, request, escape_log_field(forwarded.split(b",")[0].strip()))
    return combinedLogFormatter(timestamp, request)


_PLAIN_FIELDS = {
    b: b.decode("ascii")
    for b in (b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS",
              b"HTTP/1.0", b"HTTP/1.1", b"/")
}


def escape_log_field(b: bytes) -> str:
    """A request field for the access log: decoded latin-1, quotes and controls escaped
    (twistio's own: the formatters here and ``server.Site.log`` use it)."""
    plain = _PLAIN_FIELDS.get(b)
    if plain is not None:
        return plain
    s = b.decode("latin-1")
    if '"' in s or "\\" in s or not s.isprintable():
        s = s.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    return s


class _Channel(Protocol):
    """The channel contract (see the module docstring): what a ``Request`` may call."""

    @property
    def transport(self) -> ITransport | None: ...

    def writeHeaders(self, version: bytes, code: bytes, reason: bytes, headers: Headers) -> None: ...

    def write(self, data: bytes) -> None: ...

    def writeSequence(self, iovec: Sequence[bytes]) -> None: ...

    def requestDone(self, request: Request) -> None: ...

    def registerProducer(self, producer: IProducer, streaming: bool) -> None: ...

    def unregisterProducer(self) -> None: ...

    def loseConnection(self) -> None: ...

    def getPeer(self) -> IAddress: ...

    def getHost(self) -> IAddress: ...

    def isSecure(self) -> bool: ...

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


class _Encoder(Protocol):
    def encode(self, data: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


class _Notifier(Protocol):
    def __call__(self) -> None: ...


HeaderValue = Union[bytes, str]


@implementer(IConsumer)
class Request:
    """One HTTP request and its response (Twisted's ``twisted.web.http.Request`` API).

    The request headers stay as the raw field list from the reader until ``requestHeaders``
    is first read. The response goes out through the channel contract only (see the module
    docstring): ``writeHeaders`` with the first ``write``, then ``write``, then
    ``requestDone`` at ``finish``.
    """

    defaultContentType: bytes | None = None
    method: bytes = b"(no method yet)"
    uri: bytes = b"(no uri yet)"
    path: bytes = b""
    clientproto: bytes = b"(no clientproto yet)"
    # The body (``content``): a bodiless request's is made when first asked for, as most
    # are never read.
    _body_file: IO[bytes] | None = None
    _body_to_make = False
    started = False
    """twistio: True once the request was handed to ``requestReceived`` (or started before
    its body was complete, as ``ASGIRequest`` does); the channel then does not start it."""
    _forceSSL = 0
    _encoder: _Encoder | None = None
    """Set by ``EncodingResourceWrapper``: body writes go through ``encode``, ``finish`` adds
    what its ``finish()`` returns."""
    _lost_reason: Failure | None = None
    # Scalars every request starts with, as class defaults (set on the instance when they
    # change): fewer stores per request.
    code = 200
    code_message = b"OK"
    sentLength = 0
    startedWriting = 0
    finished = 0
    producer: IProducer | None = None
    user: bytes
    """The basic-auth user name, once ``getUser``/``getPassword`` read it."""
    password: bytes
    _received_cookies: dict[bytes, bytes] | None = None
    _head: RequestHead | None = None
    _requestHeaders: Headers | None = None
    _disconnected = False
    _client: IAddress | None = None
    _host: IAddress | None = None

    _parsePOST: bool | None = None
    _queued = False
    """Made with Twisted's deprecated ``queued`` true: the request keeps its channel after
    ``finish`` (as Twisted's does)."""

    def __init__(
        self,
        channel: _Channel | None,
        queued: object = None,
        parsePOSTFormSubmission: bool | None = None,
    ) -> None:
        # Twisted allows None (a request not on a connection yet); typed as the contract.
        self.channel: _Channel = channel  # type: ignore[assignment]
        if queued:
            self._queued = True
        if parsePOSTFormSubmission is not None:
            self._parsePOST = parsePOSTFormSubmission
        self.transport = channel.transport if channel is not None else None
        self.notifications: list[Deferred[None]] = []
        self.args: dict[bytes, list[bytes]] = {}
        self.responseHeaders = Headers()
        self.cookies: list[bytes] = []
        self.prepath: list[bytes] = []
        self.postpath: list[bytes] = []

    @property
    def client(self) -> IAddress | None:
        """The client's address (asked of the channel when first read)."""
        client = self._client
        if client is None:
            source: _Channel | ITransport | None = self.channel
            if source is None:
                source = self.transport  # the request let go of its channel
            if source is not None:
                client = self._client = source.getPeer()
        return client

    @client.setter
    def client(self, value: IAddress | None) -> None:
        self._client = value

    @property
    def host(self) -> IAddress | None:
        """The local address the request came in on (asked of the channel when first read)."""
        host = self._host
        if host is None:
            source: _Channel | ITransport | None = self.channel
            if source is None:
                source = self.transport
            if source is not None:
                host = self._host = source.getHost()
        return host

    @host.setter
    def host(self, value: IAddress | None) -> None:
        self._host = value

    # -- twistio hooks for channels -------------------------------------------------------

    def received_head(self, head: RequestHead) -> None:
        """A channel hands over the request's validated head (before ``gotLength``)."""
        self._head = head
        self.method = head.method
        self.uri = head.target
        self.clientproto = head.version

    def wire_pairs(self) -> list[tuple[bytes, bytes]]:
        """The request's (name, value) header fields as received, in order."""
        head = self._head
        if head is not None:
            return head.pairs
        return [(k, v) for k, vs in self.requestHeaders.getAllRawHeaders() for v in vs]

    def body_complete(self) -> None:
        """The channel received the whole body (twistio hook; ``ASGIRequest`` uses it)."""

    @property
    def disconnected(self) -> bool:
        """twistio: True once the connection went away before the response was finished."""
        return self._disconnected

    # -- request side ---------------------------------------------------------

    @property
    def requestHeaders(self) -> Headers:
        """The request's headers (built from the raw fields on first use)."""
        h = self._requestHeaders
        if h is None:
            head = self._head
            h = self._requestHeaders = Headers.from_pairs(head.pairs if head else [])
        return h

    @requestHeaders.setter
    def requestHeaders(self, value: Headers) -> None:
        self._requestHeaders = value

    def raw_header(self, lname: bytes) -> bytes | None:
        """The last value of the request header ``lname`` (lower-case bytes), or None; without
        building ``requestHeaders`` when possible (twistio's fast path)."""
        head = self._head
        if self._requestHeaders is None and head is not None:
            return head.last_field(lname)
        values = self.requestHeaders.getRawHeaders(lname)
        return values[-1] if values else None

    _inFakeHead = False
    """Rendering GET to answer a HEAD request: what is written is dropped."""

    @property
    def content(self) -> IO[bytes] | None:
        """The request body, as a file (positioned at its start once the request is
        received); None before ``gotLength``."""
        body = self._body_file
        if body is None and self._body_to_make:
            self._body_to_make = False
            body = self._body_file = io.BytesIO()
        return body

    @content.setter
    def content(self, value: IO[bytes] | None) -> None:
        self._body_file = value
        if self._body_to_make:
            self._body_to_make = False

    def gotLength(self, length: int | None) -> None:
        """The body will be ``length`` bytes (None: unknown): choose where to keep it."""
        site = getattr(self.channel, "site", None)
        getContentFile = getattr(site, "getContentFile", None)
        if getContentFile is not None:
            self.content = getContentFile(length)  # the site chooses, as in Twisted
        elif length == 0:
            self._body_to_make = True  # an empty file, made if asked for
        elif length is not None and length < 100000:
            self.content = io.BytesIO()
        else:
            self.content = tempfile.TemporaryFile()  # noqa: SIM115

    def handleContentChunk(self, data: bytes) -> None:
        """A piece of the request body arrived."""
        assert self.content is not None
        self.content.write(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        """The whole request is here: parse the URI, arguments and cookies, then ``process``."""
        self.method = command
        self.uri = path
        self.clientproto = version
        content = self._body_file
        if content is None:
            self._body_to_make = True  # empty: made if asked for
        else:
            content.seek(0, 0)
        q = path.find(b"?")
        if q < 0:
            self.path = path
        else:
            self.path = path[:q]
            self.args = parse_query(path[q + 1 :])
        if command == b"POST":
            head = self._head
            if (
                head.has_field(b"content-type") if head is not None else self._requestHeaders
            ) and self._parsePOSTFormSubmission and not self.parse_form():
                # As Twisted: a bare 400, the connection closed, and no processing.
                sendError = getattr(self.channel, "_sendError", None)
                if sendError is not None:
                    sendError(ParseError(400, "unparseable multipart body"))
                    return
                self.setResponseCode(400)
                self.responseHeaders.set_trusted(b"connection", [b"close"])
        self.process()

    @property
    def _parsePOSTFormSubmission(self) -> bool:
        """Whether a URL-encoded or multipart POST body is parsed into ``args``: as the
        request was made, else as its site says (``Site(parsePOSTFormSubmission=...)``),
        else yes."""
        explicit = self._parsePOST
        if explicit is not None:
            return explicit
        site = getattr(self.channel, "site", None)
        return bool(getattr(site, "_parsePOSTFormSubmission", True))

    def parse_form(self) -> bool:
        """Add a URL-encoded or multipart body's fields to ``args``; False if the body
        cannot be parsed.

        ``requestReceived`` calls it for a POST with a ``Content-Type``; it is the hook for
        code that delivers ``content`` by another way (twistio's ASGI adapter). twistio's
        own, not Twisted's."""
        ctype = self.raw_header(b"content-type")
        if ctype is None or self.content is None:
            return True
        key = ctype.split(b";", 1)[0].strip().lower()
        if key == b"application/x-www-form-urlencoded":
            body = self.content.read()
            self.content.seek(0, 0)
            for k, v in parse_query(body).items():
                self.args.setdefault(k, []).extend(v)
        elif key == b"multipart/form-data":
            body = self.content.read()
            self.content.seek(0, 0)
            try:
                parser = email.parser.BytesFeedParser(policy=email.policy.HTTP)
                parser.feed(b"Content-Type: " + ctype + b"\r\n\r\n" + body)
                msg = parser.close()
                if not msg.is_multipart():
                    raise ValueError("not multipart")
                parts = msg.get_payload()
                if not isinstance(parts, list):
                    raise ValueError("not multipart")
                for part in parts:
                    if not isinstance(part, email.message.Message):
                        continue
                    name = part.get_param("name", header="content-disposition")
                    if not name:
                        continue
                    payload = part.get_payload(decode=True)
                    data = payload if isinstance(payload, bytes) else b""
                    self.args.setdefault(str(name).encode("utf-8"), []).append(data)
            except Exception:
                # Twisted answers 400 for an unparseable multipart body, and closes.
                return False
        return True

    @property
    def received_cookies(self) -> dict[bytes, bytes]:
        """The request's cookies, name -> value (parsed on first use)."""
        cookies = self._received_cookies
        if cookies is None:
            cookies = self._received_cookies = {}
            head = self._head
            if self._requestHeaders is not None or (head is not None and head.has_field(b"cookie")):
                self.parseCookies()
        return cookies

    @received_cookies.setter
    def received_cookies(self, value: dict[bytes, bytes]) -> None:
        self._received_cookies = value

    def parseCookies(self) -> None:
        """Fill ``received_cookies`` from the Cookie headers."""
        if self._received_cookies is None:
            self._received_cookies = {}
        for header in self.requestHeaders.getRawHeaders(b"cookie", []):
            for cook in header.split(b";"):
                cook = cook.lstrip()
                k, sep, v = cook.partition(b"=")
                if sep:
                    self._received_cookies[k] = v

    def process(self) -> None:
        """Answer the request; subclasses override (``server.Request`` renders a resource)."""

    @overload
    def getHeader(self, key: bytes) -> bytes | None: ...

    @overload
    def getHeader(self, key: str) -> str | None: ...

    def getHeader(self, key: bytes | str) -> bytes | str | None:
        """The last value of request header ``key`` (``str`` if ``key`` is), or None."""
        values: Sequence[bytes | str] | None = self.requestHeaders.getRawHeaders(key)
        if values:
            return values[-1]
        return None

    def getAllHeaders(self) -> dict[bytes, bytes]:
        """Every request header (lower-case name -> last value)."""
        return {k.lower(): v[-1] for k, v in self.requestHeaders.getAllRawHeaders()}

    def getCookie(self, key: bytes) -> bytes | None:
        """The value of the request cookie ``key``, or None."""
        return self.received_cookies.get(key)

    def getUser(self) -> bytes:
        """The user name from HTTP basic authentication, or b"" (read once: it and the
        password are then the request's ``user`` and ``password``, as in Twisted)."""
        user = self.__dict__.get("user")
        if user is None:
            user, self.password = self._basicAuth()
            self.user = user
        return user

    def getPassword(self) -> bytes:
        """The password from HTTP basic authentication, or b"" (see ``getUser``)."""
        password = self.__dict__.get("password")
        if password is None:
            self.user, password = self._basicAuth()
            self.password = password
        return password

    def _basicAuth(self) -> tuple[bytes, bytes]:
        import base64
        import binascii

        auth = self.getHeader(b"authorization")
        if not auth:
            return b"", b""
        scheme, _, value = auth.partition(b" ")
        if scheme.lower() != b"basic":
            return b"", b""
        try:
            user, _, pw = base64.b64decode(value).partition(b":")
        except binascii.Error:  # not base64: no credentials
            return b"", b""
        except Exception:
            # Anything else is a bug somewhere: logged, as in Twisted, and no credentials.
            _events.failure("Could not decode the Authorization header")
            return b"", b""
        return user, pw

    def getClientAddress(self) -> IAddress:
        """The peer's address (an ``IPv4Address``/``IPv6Address``/``UNIXAddress``)."""
        client = self.client
        assert client is not None
        return client

    def getClientIP(self) -> str | None:
        """The client's IP address as a string, or None (deprecated, as in Twisted)."""
        import warnings

        warnings.warn(
            f"{_spelling.spelled(__name__)}.Request.getClientIP was deprecated in Twisted "
            "18.4.0; "
            "please use getClientAddress instead",
            DeprecationWarning,
            stacklevel=2,
        )
        addr = self.getClientAddress()
        return getattr(addr, "host", None)

    def noLongerQueued(self) -> None:
        """Does nothing (deprecated, as in Twisted: requests are not queued)."""
        import warnings

        warnings.warn(
            f"{_spelling.spelled(__name__)}.Request.noLongerQueued was deprecated in Twisted "
            "16.3.0",
            DeprecationWarning,
            stacklevel=2,
        )

    def getHost(self) -> IAddress:
        """The local address the request came in on."""
        host = self.host
        assert host is not None
        return host

    def setHost(self, host: bytes, port: int, ssl: int = 0) -> None:
        """Pretend the request came to ``host:port`` (used behind proxies)."""
        from twistio.internet.address import IPv4Address

        self._forceSSL = ssl
        if port == (443 if self.isSecure() else 80):
            self.requestHeaders.setRawHeaders(b"host", [host])
        else:
            self.requestHeaders.setRawHeaders(b"host", [host + b":%d" % port])
        self.host = IPv4Address("TCP", host.decode("ascii"), port)

    def getRequestHostname(self) -> bytes:
        """The host name the client asked for (Host header without port), else the local host."""
        host = self.raw_header(b"host")
        if host:
            if host[:1] == b"[":  # an IPv6 literal: the address without its brackets
                return host[1:].split(b"]", 1)[0]
            return host.rsplit(b":", 1)[0] if host.count(b":") == 1 else host
        return str(getattr(self.getHost(), "host", "")).encode("ascii")

    def isSecure(self) -> bool:
        """Whether the request came over TLS."""
        if self._forceSSL:
            return True
        channel = self.channel
        if channel is None:
            return False
        return channel.isSecure()

    def prePathURL(self) -> bytes:
        """The URL of the resource at ``prepath``."""
        return self._prePathURL(self.prepath)

    def _prePathURL(self, prepath: list[bytes]) -> bytes:
        port: int = getattr(self.getHost(), "port", 0)
        secure = self.isSecure()
        default = 443 if secure else 80
        hostport = b"" if port == default else b":%d" % port
        prefix = b"https://" if secure else b"http://"
        from urllib.parse import quote_from_bytes

        path = b"/".join(quote_from_bytes(seg, safe="").encode("ascii") for seg in prepath)
        return prefix + self.getRequestHostname() + hostport + b"/" + path

    def URLPath(self) -> object:
        """The URL of this request as a ``URLPath``, when twistio.python.urlpath exists."""
        from twistio.python import urlpath  # type: ignore[attr-defined,unused-ignore]

        return urlpath.URLPath.fromRequest(self)

    # -- response side --------------------------------------------------------

    def setResponseCode(self, code: int, message: bytes | None = None) -> None:
        """Set the response status (and optionally its reason phrase)."""
        if not isinstance(code, int):
            raise TypeError("HTTP response code must be int or long")
        self.code = code
        if message is not None:
            if not isinstance(message, bytes) or 13 in message or 10 in message:
                raise ValueError("HTTP response message must be bytes without CR or LF")
            self.code_message = message
        else:
            self.code_message = RESPONSES.get(code, b"Unknown Status")

    def setHeader(self, name: bytes | str, value: bytes | str) -> None:
        """Set a response header, replacing earlier values; ValueError on CR/LF (no splitting)."""
        self.responseHeaders.setRawHeaders(name, [value])

    def redirect(self, url: bytes | str) -> None:
        """Answer 302 Found with ``Location: url``."""
        self.setResponseCode(FOUND)  # noqa: F405
        self.setHeader(b"location", url)

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
        sameSite: bytes | str | None = None,
    ) -> None:
        """Add a ``Set-Cookie`` header to the response; ValueError on CR, LF or ';' in a field.

        ``sameSite`` is ``lax``, ``strict`` or ``none`` (any case; written in lower case, as
        Twisted does); ``none`` needs ``secure``."""

        def enc(x: bytes | str | int, what: str) -> bytes:
            b = str(x).encode("utf-8") if isinstance(x, (str, int)) else x
            if 13 in b or 10 in b or 59 in b:  # CR, LF, ";"
                raise ValueError(f"cookie {what} contains CR, LF or ';': {x!r}")
            return b

        parts = [enc(k, "name") + b"=" + enc(v, "value")]
        if expires is not None:
            parts.append(b"Expires=" + enc(expires, "expires"))
        if domain is not None:
            parts.append(b"Domain=" + enc(domain, "domain"))
        if path is not None:
            parts.append(b"Path=" + enc(path, "path"))
        if max_age is not None:
            parts.append(b"Max-Age=" + enc(max_age, "max_age"))
        if comment is not None:
            parts.append(b"Comment=" + enc(comment, "comment"))
        if secure:
            parts.append(b"Secure")
        if httpOnly:
            parts.append(b"HttpOnly")
        if sameSite:
            same = (sameSite.encode("ascii") if isinstance(sameSite, str) else sameSite).lower()
            if same not in (b"lax", b"strict", b"none"):
                raise ValueError("Invalid value for sameSite: " + repr(same))
            if same == b"none" and not secure:
                raise ValueError(
                    "Invalid value for sameSite: " + repr(same) + '. Missing the "secure" attribute'
                )
            parts.append(b"SameSite=" + same)
        self.cookies.append(b"; ".join(parts))

    lastModified: int | None = None
    """When the resource last changed (seconds): ``Last-Modified`` goes out with the head."""

    def setLastModified(self, when: float) -> object:
        """Note a modification time (the latest of those given is kept, as ``Last-Modified``);
        return ``CACHED`` (and answer 304) if the client's copy is as recent."""
        when = math.ceil(when)
        if not self.lastModified or self.lastModified < when:
            self.lastModified = when
        ims = self.getHeader(b"if-modified-since")
        if ims:
            try:
                since = stringToDatetime(ims.split(b";")[0])
            except ValueError:
                return None
            if since >= self.lastModified:
                self.setResponseCode(NOT_MODIFIED)  # noqa: F405
                return CACHED
        return None

    def setETag(self, etag: bytes) -> object:
        """Set ``ETag`` to ``etag`` as given (include its quotes, as in Twisted); return
        ``CACHED`` (and answer 304/412) if ``If-None-Match`` names it or is ``*``."""
        if etag:
            self.setHeader(b"etag", etag)
        header = self.getHeader(b"if-none-match")
        if header:
            tags = header.split()
            if (etag in tags) or (b"*" in tags):
                self.setResponseCode(
                    NOT_MODIFIED if self.method in (b"GET", b"HEAD") else PRECONDITION_FAILED  # noqa: F405
                )
                return CACHED
        return None

    def write(self, data: bytes) -> None:
        """Send a piece of the response body (the head goes with the first one)."""
        if self.finished:
            raise RuntimeError(
                "Request.write called on a request after Request.finish was called."
            )
        if self._disconnected:
            return
        encoder = self._encoder
        if encoder is not None:
            data = encoder.encode(data)
        channel = self.channel
        if not self.startedWriting:
            # The head, handed to the channel with the first write.
            self.startedWriting = 1
            headers = self.responseHeaders
            code = self.code
            if self.lastModified is not None:
                if headers.get_trusted(b"last-modified") is not None:
                    _events.info(
                        "Warning: last-modified specified both in header list and lastModified "
                        "attribute."
                    )
                else:
                    headers.set_trusted(b"last-modified", [datetimeToString(self.lastModified)])
            content_type = self.defaultContentType
            if content_type and code >= 200 and code != 204 and code != 304:
                headers.set_default_type(content_type)
            if self.cookies:
                headers = headers.copy()
                headers.set_trusted(
                    b"set-cookie", (headers.get_trusted(b"set-cookie") or []) + self.cookies
                )
            channel.writeHeaders(
                self.clientproto, _CODES.get(code) or b"%d" % code, self.code_message, headers
            )
        elif not data:
            return
        if self.method == b"HEAD" or self._inFakeHead:
            return  # a HEAD response has no body, whatever the resource writes
        self.sentLength += len(data)
        channel.write(data)

    def writeSequence(self, data: Sequence[bytes]) -> None:
        """Write several pieces of body."""
        for d in data:
            self.write(d)

    def finish(self) -> None:
        """The response is complete: terminate it and let the connection move on."""
        if self._disconnected:
            raise RuntimeError(
                "Request.finish called on a request after its connection was lost; "
                "use Request.notifyFinish to keep track of this."
            )
        if self.finished:
            _log.warning("Warning! request.finish called twice.")
            return
        encoder = self._encoder
        if encoder is not None:
            self._encoder = None
            tail = encoder.finish()
            if tail or not self.startedWriting:
                self.write(tail)
        if not self.startedWriting:
            self.write(b"")
        self.finished = 1
        self._finished_hook()
        self._cleanup()

    def _cleanup(self) -> None:
        """The response is over: let the channel move on and fire ``notifyFinish``'s Deferreds.

        ``finish`` ends with it; test doubles that replace ``finish`` call it, as they do with
        Twisted's. A producer still registered is an error, logged, and is let go.
        """
        if self.producer is not None:
            from twistio.logger import Logger

            Logger(namespace=__name__).failure(
                "",
                Failure(RuntimeError(f"Producer was not unregistered for {self.uri!r}")),
            )
            self.unregisterProducer()
        self.channel.requestDone(self)
        notifications = self.notifications
        if notifications:
            self.notifications = []
            for d in notifications:
                d.callback(None)
        # The request lets go of its connection, as Twisted's does (addresses stay known
        # through ``transport``).
        if not self._queued:
            self.channel = None  # type: ignore[assignment]

    def _finished_hook(self) -> None:
        """Called in ``finish`` before the channel moves on: the access-log line, by the
        channel's factory (``server.Request`` logs to its site instead)."""
        factory = getattr(self.channel, "factory", None)
        log = getattr(factory, "log", None)
        if log is not None:
            log(self)

    def notifyFinish(self) -> Deferred[None]:
        """A Deferred that fires when the response is finished, or errbacks if the client leaves."""
        d: Deferred[None] = Deferred()
        if self.finished:
            d.callback(None)
        elif self._disconnected:
            assert self._lost_reason is not None
            d.errback(self._lost_reason)
        else:
            self.notifications.append(d)
        return d

    def connectionLost(self, reason: Failure) -> None:
        """The connection went away before the response was finished."""
        self._disconnected = True
        self._lost_reason = reason
        producer, self.producer = self.producer, None
        if producer is not None:
            try:
                producer.stopProducing()
            except Exception:
                _log.exception("error stopping a producer")
        content = self.content
        if content is not None:
            content.close()
        notifications, self.notifications = self.notifications, []
        for d in notifications:
            d.errback(reason)
        self.channel = None  # type: ignore[assignment]

    def loseConnection(self) -> None:
        """Close the connection (after what was written)."""
        if self.channel is not None:
            self.channel.loseConnection()

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Register a producer for the response body (with the channel, as in Twisted)."""
        if self.producer is not None:
            raise ValueError(f"registering producer {producer!r} before previous one was unregistered")
        self.producer = producer
        assert self.channel is not None
        self.channel.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        """Unregister the producer."""
        if self.producer is not None:
            self.producer = None
            if not self._disconnected and self.channel is not None:
                self.channel.unregisterProducer()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} at 0x{id(self):x} method={self.method.decode('ascii', 'replace')}"
            f" uri={self.uri.decode('ascii', 'replace')} clientproto={self.clientproto.decode()}>"
        )


# Request's own ``body_complete`` does nothing: the channel skips calling it.
_NO_BODY_HOOK = Request.body_complete


class _ForeignRequest:
    """What the channel keeps for a request its ``requestFactory`` made that is not a
    ``Request`` (a proxy offering only ``_IDeprecatedHTTPChannelToRequestInterface``, as
    Twisted's channel accepts): the channel's own per-request state lives here, the
    interface's calls go to the object, and any other attribute is the object's."""

    started = False
    finished = 0
    _head: RequestHead | None = None
    method = b""
    uri = b""
    clientproto = b""
    _chunked = False
    _bodyless = False

    def __init__(self, target: object) -> None:
        self._target = cast("_IDeprecatedHTTPChannelToRequestInterface", target)

    @property
    def code(self) -> int:
        original = getattr(self._target, "original", None)
        code: int = getattr(original, "code", 200)
        return code

    def gotLength(self, length: int | None) -> None:
        head = self._head
        if head is not None:
            # The object has no raw-field hook: hand it its headers whole first.
            self._target.requestHeaders = Headers.from_pairs(head.pairs)
        self._target.gotLength(length)

    def handleContentChunk(self, data: bytes) -> None:
        self._target.handleContentChunk(data)

    def body_complete(self) -> None:
        pass

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        self._target.requestReceived(command, path, version)

    def connectionLost(self, reason: Failure) -> None:
        self._target.connectionLost(reason)

    def __getattr__(self, name: str) -> object:
        value: object = getattr(self._target, name)
        return value

    def __eq__(self, other: object) -> bool:
        # The request calls requestDone(itself): a proxy's original stands for the proxy.
        target = self._target
        return (
            other is self or other is target or other is getattr(target, "original", None)
            or bool(target == other)
        )

    def __hash__(self) -> int:
        return hash(self._target)


class _RequestFactory(Protocol):
    """What ``HTTPChannel.requestFactory`` is: ``factory(channel, queued)`` -> a request."""

    def __call__(self, channel: _Channel | None, queued: object = None) -> Request: ...


_CallLater = Callable[[float, Callable[[], object]], IDelayedCall]
_HEADER_TIMEOUT = 30.0
_BODY_TIMEOUT = 60.0

HTTP2Builder = Callable[["HTTPChannel", "_CallLater | None"], protocol.Protocol]
"""``builder(channel, callLater)``: the protocol that serves ``channel``'s connection in
HTTP/2 from now on (its timers on ``callLater``; None: its reactor's)."""

_http2Builder: HTTP2Builder | None = None


def register_http2(builder: HTTP2Builder) -> None:
    """Serve connections that negotiate ``h2`` (TLS ALPN) with ``builder``'s protocol.

    The hook through which the HTTP/2 layer plugs into this one (twistio's own: Twisted's
    ``http`` imports its HTTP/2 support). ``twistio.web.server`` and ``twistio.web._http2``
    register theirs when imported; until one has, a connection that negotiated ``h2`` is
    closed, as it is when the ``h2`` library is missing.
    """
    global _http2Builder
    _http2Builder = builder


@implementer(IPushProducer)
class HTTPChannel(protocol.Protocol):
    """The HTTP/1.x server protocol: parses requests, answers them in order.

    It is also a push producer for its transport (Twisted's channels are): while the
    transport's write buffer is over its high-water mark it reads and parses nothing more.
    """

    requestFactory: _RequestFactory = Request
    maxPipelined = 0
    """Complete requests parsed ahead of the one being answered (0, as in Twisted: a
    pipelined request is parsed once the one before it is answered)."""
    _optimisticEagerReadSize = 0x4000
    """Bytes read ahead, unparsed, while a request is being answered, before reading
    stops (16 KiB, Twisted's figure)."""
    headerTimeout: float | None = _HEADER_TIMEOUT
    """Seconds from a request head's first byte to its end before 408 (Apache: 20-40 s); the
    idle ``timeOut`` applies instead when it is shorter."""
    bodyTimeout: float | None = _BODY_TIMEOUT
    """Seconds a request body may make no progress before 408 and close (nginx's
    ``client_body_timeout``; Twisted has none, its idle timeout of 60 s applies)."""
    timeOut: float | None = None
    """Seconds idle before the connection is closed: none for a channel made by hand, as in
    Twisted; ``HTTPFactory``/``Site`` give theirs (``timeout``, 60 s by default)."""
    parserLimits: dict[str, int | None] = {}
    maxHeaders = 100
    """Header fields allowed in a request head (beyond: 431). Twisted's attribute (its
    limit is 500); ``parserLimits["max_headers"]`` says the same and wins."""
    site: object = None
    factory: HTTPFactory | None = None
    transport: ConnectionTransport
    _closing = False
    _upgraded: protocol.Protocol | None = None
    """The protocol this connection was handed to by ``switch_protocol``."""
    _incoming: Request | None = None
    _error: ParseError | None = None
    _pumping = False
    _paused = False
    _writeBlocked = False
    _readPaused = False
    _registered = False
    _active = False
    _idleCall: IDelayedCall | None = None
    _headerCall: IDelayedCall | None = None
    _bodyCall: IDelayedCall | None = None
    _bodyProgress = False
    abortTimeout: float | None = 15.0
    """Seconds a timed-out connection may take to close before it is aborted (as in
    Twisted); None: never aborted."""
    _abortCall: IDelayedCall | None = None
    _requestProducer: IProducer | None = None
    _requestStreaming = True
    # The response being written: its head (sent with the first body bytes) and framing.
    _out = b""
    _chunked = False
    _bodyless = False
    _persistent = False

    _swept = False
    """Watched by its factory's idle sweeper instead of a timer of its own."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        # A reader with the default limits, which live in its class: made without a call
        # to its __init__ (connectionMade makes another when limits are set).
        self._reader = object.__new__(RequestReader)

    _callLaterOverride: _CallLater | None = None

    @property
    def callLater(self) -> _CallLater:
        """The ``callLater`` the channel's timers use: the factory's reactor's (the global
        reactor's without a factory), unless one was assigned (a ``Clock``'s, in tests)."""
        override = self._callLaterOverride
        if override is not None:
            return override
        factory = self.factory
        if factory is not None:
            return factory._getReactor().callLater
        return cast("_CallLater", installed_reactor().callLater)

    @callLater.setter
    def callLater(self, value: _CallLater) -> None:
        self._callLaterOverride = value

    def _callLater(self, delay: float, f: Callable[[], object]) -> IDelayedCall:
        return self.callLater(delay, f)

    @property
    def _channel(self) -> HTTPChannel:
        """The channel itself: Twisted's factories build a wrapper whose ``_channel`` is the
        ``HTTPChannel``, and code reaches through it (to set ``callLater``, for one)."""
        return self

    def connectionMade(self) -> None:
        transport = self.transport
        # HTTP/2: if TLS negotiated "h2" through ALPN, the registered HTTP/2 protocol serves
        # this connection instead (see register_http2); this channel only forwards.
        # (``extra_info``, inline: once per connection.)
        get_extra_info = getattr(transport, "get_extra_info", None)
        if get_extra_info is not None:
            ssl_object = get_extra_info("ssl_object")
            if ssl_object is not None and self._switchToHTTP2(ssl_object):
                return
        # The channel is its transport's producer for as long as it serves HTTP/1.x, as
        # Twisted's is: it relays write back-pressure to a request's push producer.
        # (A transport that takes no producer, such as http.StringTransport, is fine.)
        register = getattr(transport, "registerProducer", None)
        if register is not None:
            register(self, True)
            self._registered = True
        factory = self.factory
        timeout = self.timeOut
        limits = self.parserLimits
        if factory is not None and factory.parserLimits:
            limits = {**factory.parserLimits, **limits}
        if limits or self.maxHeaders != 100:
            self._reader = RequestReader(**{"max_headers": self.maxHeaders, **limits})  # type: ignore[arg-type]
        if factory is not None and timeout is not None and timeout == factory.timeOut:
            # One sweeper per factory rather than a timer per connection.
            self._swept = True
            self._active = True  # survives the next sweep: a whole period first
            factory._watched.add(self)  # factory._watch(self), inline while its sweeper runs
            if factory._sweeper is None:
                factory._watch(self)
            return
        if timeout is not None:
            self._idleCall = self._callLater(timeout, self._idleCheck)

    # -- the channel contract (what Request calls) ------------------------------------------

    def writeHeaders(
        self, version: bytes, code: bytes, reason: bytes, headers: Headers | Sequence[tuple[bytes, bytes]]
    ) -> None:
        """Build the response head for the request being answered (``code`` as bytes, and
        ``headers`` a ``Headers`` or (name, value) pairs, as in Twisted); it is sent with the
        first body bytes (one ``transport.write``). Framing is decided here: ``Content-Length``
        if the response has one, else chunked on HTTP/1.1, else the end of the connection."""
        if not isinstance(headers, Headers):
            pairs = Headers()
            for name, value in headers:
                pairs.addRawHeader(name, value)
            headers = pairs
        requests = self.requests
        req = requests[0] if requests else None
        if req is not None:
            head = req._head
            status = req.code
            bodyless = status < 200 or status in NO_BODY_CODES or req.method == b"HEAD"
        else:
            head = None
            status = int(code)
            bodyless = status < 200 or status in NO_BODY_CODES
        if version == b"HTTP/1.0":
            persistent = False
        else:
            version = b"HTTP/1.1"
            # A request the channel did not read (made by hand on it) keeps the connection,
            # as HTTP/1.1 does by default.
            persistent = (head is None or head.keep_alive) and not self._closing
        block, conn, has_length = headers.head_block()
        if conn is not None and any(v.lower().find(b"close") >= 0 for v in conn):
            persistent = False
            conn = None
        chunked = False
        if not bodyless and not has_length:
            if version == b"HTTP/1.1":
                chunked = True
            else:
                persistent = False
        first = _STATUS_LINES.get((version, code, reason))
        if first is None:
            first = version + b" " + code + b" " + reason + b"\r\n"
            if len(_STATUS_LINES) < 256:
                _STATUS_LINES[version, code, reason] = first
        # Said after the status line (joined below with the rest, not concatenated first).
        close = b"Connection: close\r\n" if not persistent and conn is None and version == b"HTTP/1.1" else b""
        if chunked:
            tail = b"Transfer-Encoding: chunked\r\n\r\n"
            # What static.File's sendfile path looks at before writing around the channel.
            if req is not None:
                req._chunked = True  # type: ignore[attr-defined]
        else:
            tail = b"\r\n"
        if bodyless and req is not None:
            req._bodyless = True  # type: ignore[attr-defined]
        self._out = b"".join((first, close, block, tail))
        self._chunked = chunked
        self._bodyless = bodyless
        self._persistent = persistent

    def write(self, data: bytes) -> None:
        """Body bytes of the response being answered, framed (the head goes first)."""
        out = self._out
        transport = self.transport
        assert transport is not None
        if out:
            self._out = b""
            if self._bodyless or not data:
                transport.write(out)
            elif self._chunked:
                transport.write(b"".join((out, b"%x\r\n" % len(data), data, b"\r\n")))
            else:
                transport.write(out + data)
        elif data and not self._bodyless:
            if self._chunked:
                transport.writeSequence(_codec.chunk(data))
            else:
                transport.write(data)
        if self._requestProducer is not None and not self._requestStreaming:
            self._schedulePull()

    def writeSequence(self, iovec: Sequence[bytes]) -> None:
        """Several pieces of body."""
        self.write(b"".join(iovec))

    def requestDone(self, request: Request) -> None:
        """``request`` finished: end its body, then close or move on to the next one."""
        transport = self.transport
        assert transport is not None
        out = self._out
        if self._chunked:
            self._chunked = False
            if not self._bodyless:
                out += LAST_CHUNK
        if out:
            self._out = b""
            transport.write(out)
        requests = self.requests
        if requests and requests[0] is request:
            del requests[0]
        elif request in requests:  # pragma: no cover
            requests.remove(request)
        if not self._persistent:
            self._closing = True
            if self._registered:  # _unregisterSelf, inline
                self._registered = False
                transport.unregisterProducer()
            transport.loseConnection()
            return
        self._persistent = False
        head = request._head
        if head is not None and head.upgrade:
            self._reader.resume()
        if self.requests:
            nxt = self.requests[0]
            head = nxt._head
            if head is not None and head.expect_continue and (head.chunked or head.content_length):
                # Sent even if its body is here already (allowed): the same bytes however
                # the request was split.
                head.expect_continue = False
                transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if self._idleSuspended and not self.requests:
            self._resumeIdle()
        if not self._pumping:
            self._run([])

    _idleSuspended = False

    def _suspendIdle(self) -> None:
        """A request is being answered (asynchronously): no idle timer runs meanwhile, as in
        Twisted, whose channel stops its timeout while a request is processed."""
        self._idleSuspended = True
        if self._swept:
            factory = self.factory
            if factory is not None:
                factory._unwatch(self)
        elif self._idleCall is not None:
            if self._idleCall.active():
                self._idleCall.cancel()
            self._idleCall = None

    def _resumeIdle(self) -> None:
        """Every request is answered: the idle timeout runs again, from now."""
        self._idleSuspended = False
        if self._closing:
            return
        self._active = True
        if self._swept:
            factory = self.factory
            if factory is not None:
                factory._watch(self)
        elif self.timeOut is not None and self._idleCall is None:
            self._idleCall = self._callLater(self.timeOut, self._idleCheck)

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """A request's producer; the channel stays its transport's producer, as in Twisted.
        A push producer is paused and resumed as the transport pauses and resumes the
        channel. A pull producer is asked for data now, then again after each write while
        the transport is not paused (as twistio's transports pull their own)."""
        if self._requestProducer is not None:
            raise RuntimeError(
                f"cannot register producer {producer!r}: producer {self._requestProducer!r} is still registered"
            )
        self._requestProducer = producer
        self._requestStreaming = streaming
        if streaming:
            if self._writeBlocked:
                cast("IPushProducer", producer).pauseProducing()
        elif not self._writeBlocked:
            cast("IPullProducer", producer).resumeProducing()

    def unregisterProducer(self) -> None:
        """Let go of the request's producer."""
        self._requestProducer = None

    _pullScheduled = False

    def _schedulePull(self) -> None:
        if self._pullScheduled or self._writeBlocked:
            return
        self._pullScheduled = True
        installed_reactor().callLater(0, self._pull)

    def _pull(self) -> None:
        self._pullScheduled = False
        producer = self._requestProducer
        if producer is not None and not self._requestStreaming and not self._writeBlocked:
            cast("IPullProducer", producer).resumeProducing()

    def _unregisterSelf(self) -> None:
        """No more HTTP on this connection: stop being the transport's producer."""
        if self._registered:
            self._registered = False
            transport = self.transport
            if transport is not None:
                transport.unregisterProducer()

    def checkPersistence(self, request: Request, version: bytes) -> bool:
        """Whether the connection may carry another request after ``request`` (made with
        HTTP ``version``): only HTTP/1.1 without ``Connection: close``, as the channel
        decides; for HTTP/1.1 with it, the response says ``Connection: close`` too."""
        if version != b"HTTP/1.1":
            return False
        tokens = b",".join(request.requestHeaders.getRawHeaders(b"connection") or [])
        if b"close" in [t.strip().lower() for t in tokens.split(b",")]:
            request.responseHeaders.setRawHeaders(b"connection", [b"close"])
            return False
        return True

    def loseConnection(self) -> None:
        """Close the connection once what was written is sent; no further request is read."""
        self._closing = True
        if self.transport is not None:
            self._unregisterSelf()
            self.transport.loseConnection()

    def getPeer(self) -> IAddress:
        """The client's address."""
        return self.transport.getPeer()

    def getHost(self) -> IAddress:
        """The server's address."""
        return self.transport.getHost()

    def isSecure(self) -> bool:
        """Whether the connection is TLS: an asyncio TLS transport, or a transport that
        provides ``ISSLTransport`` (``protocols.tls``, test transports declaring it)."""
        transport = self.transport
        if extra_info(transport, "ssl_object") is not None:
            return True
        return transport is not None and ISSLTransport.providedBy(transport)

    def pause_reading(self) -> None:
        """A request wants no more of the client's bytes for now (twistio hook)."""
        self._readPaused = True
        self._updateReading()

    def resume_reading(self) -> None:
        """Undo ``pause_reading``."""
        self._readPaused = False
        self._updateReading()

    # -- the transport's producer (write back-pressure) -------------------------------------

    def pauseProducing(self) -> None:
        """The transport's write buffer is full: read and parse nothing more until it drains,
        and pause the request's push producer."""
        self._writeBlocked = True
        producer = self._requestProducer
        if producer is not None and self._requestStreaming:
            cast("IPushProducer", producer).pauseProducing()
        self._updateReading()

    def resumeProducing(self) -> None:
        """The write buffer drained: resume the request's push producer, read again, and
        answer what is buffered."""
        self._writeBlocked = False
        producer = self._requestProducer
        if producer is not None:
            if self._requestStreaming:
                cast("IPushProducer", producer).resumeProducing()
            else:
                self._schedulePull()
        self._updateReading()
        if not self._pumping and not self._closing:
            self._run([])

    def stopProducing(self) -> None:
        """The transport is going away (``connectionLost`` follows): a request's producer
        registered through this channel is stopped too."""
        producer = self._requestProducer
        if producer is not None:
            producer.stopProducing()

    # -- reading ----------------------------------------------------------------------------

    def dataReceived(self, data: bytes) -> None:
        self._active = True
        if self._error is not None or self._closing:
            upgraded = self._upgraded
            if upgraded is not None:
                upgraded.dataReceived(data)
            return
        requests = self.requests
        if not requests and not self._pumping:
            # The usual case, one whole bodiless request in one read with nothing queued:
            # what _run does with the reader's [head, END], without the event list.
            head = self._reader.simple_head(data)
            if head is not None:
                headerCall = self._headerCall
                if headerCall is not None:
                    self._headerCall = None
                    headerCall.cancel()
                req = self.requestFactory(self, 0)
                if not isinstance(req, Request):
                    req = _ForeignRequest(req)
                req._head = head
                req.method = head.method
                req.uri = head.target
                req.clientproto = head.version
                requests.append(req)
                req.gotLength(0)
                if type(req).body_complete is not _NO_BODY_HOOK:  # a call less for most
                    req.body_complete()
                if not req.started:
                    req.started = True
                    self._pumping = True
                    try:
                        req.requestReceived(head.method, head.target, head.version)
                    except Exception:
                        self._requestFailed(req)
                    finally:
                        self._pumping = False
                if self.requests or self._paused or self._writeBlocked or self._readPaused:
                    self._run([])  # what _run does after starting a request
                return
        room = self.maxPipelined + 1 - len(requests)
        self._run(self._reader.feed(data, room if room > 0 else 0))

    def _run(self, events: list[object]) -> None:
        """Handle reader events and start whatever request is due (not re-entrant)."""
        if self._pumping:
            for ev in events:
                self._event(ev)
            return
        self._pumping = True
        try:
            while True:
                for ev in events:
                    self._event(ev)
                events = []
                reqs = self.requests
                if self._closing:
                    # Answered a request that ends the connection: whatever came after it
                    # (requests or an error) is not processed, however the bytes were split.
                    break
                if reqs:
                    first = reqs[0]
                    if not first.started and first is not self._incoming:
                        first.started = True
                        head = first._head
                        assert head is not None
                        try:
                            first.requestReceived(head.method, head.target, head.version)
                        except Exception:
                            self._requestFailed(first)
                        continue
                if self._error is not None:
                    if not reqs:
                        self._sendError(self._error)
                    break
                if self._closing or self._writeBlocked or not self._reader.buffered:
                    break
                room = self.maxPipelined + 1 - len(reqs)
                if room <= 0:
                    break
                events = self._reader.feed(b"", room)
                if not events:
                    break
        finally:
            self._pumping = False
        if self.requests and not self._idleSuspended:
            self._suspendIdle()
        if self._closing or self._error is not None:
            return
        reader = self._reader
        if self._paused or self._writeBlocked or self._readPaused or reader.limited:
            self._updateReading()
        # Timers are for served connections: a channel made by hand, with no factory, has
        # none (as in Twisted, whose hand-made channel has no timeout either).
        if self._headerCall is None and reader.buffered and reader.in_head and self.factory:
            timeout = self.headerTimeout
            if self.timeOut is None:
                # No idle timeout (timeout=None): no head timer either, as in Twisted,
                # unless headerTimeout was given a value of its own.
                if timeout == _HEADER_TIMEOUT:
                    timeout = None
            elif timeout is None or self.timeOut < timeout:
                timeout = self.timeOut
            if timeout is not None:
                self._headerCall = self._callLater(timeout, self._headerTimedOut)
        if self._incoming is not None:
            if self._bodyCall is not None:
                self._bodyProgress = True
            elif self.factory:
                limit = self._bodyLimit()
                if limit is not None:
                    self._bodyCall = self._callLater(limit, self._bodyCheck)

    def _updateReading(self) -> None:
        """Pause or resume reading from the transport as the reasons to stop come and go."""
        if self._closing or self._error is not None or self.transport is None:
            return
        reqs = self.requests
        # Bytes of requests pipelined behind the one(s) being answered are kept unparsed up
        # to _optimisticEagerReadSize, as Twisted does; past that, reading stops.
        want = (
            self._writeBlocked or self._readPaused
            or bool(reqs and self._reader.limited and self._reader.buffered_size > self._optimisticEagerReadSize)
        )
        if want != self._paused:
            self._paused = want
            if want:
                self.transport.pauseProducing()
            else:
                self.transport.resumeProducing()

    def _event(self, ev: object) -> None:
        if ev is END:
            req = self._incoming
            assert req is not None
            self._incoming = None
            req.body_complete()
        elif type(ev) is bytes:
            req = self._incoming
            assert req is not None
            req.handleContentChunk(ev)
        elif type(ev) is RequestHead:
            if self._headerCall is not None:
                self._headerCall.cancel()
                self._headerCall = None
            req = self.requestFactory(self, len(self.requests))
            if not isinstance(req, Request):
                req = _ForeignRequest(req)
            # Request.received_head, inlined on the hot path.
            req._head = ev
            req.method = ev.method
            req.uri = ev.target
            req.clientproto = ev.version
            self._incoming = req
            self.requests.append(req)
            if ev.chunked:
                req.gotLength(None)
            else:
                req.gotLength(ev.content_length)
            if ev.expect_continue and (ev.chunked or ev.content_length) and len(self.requests) == 1:
                assert self.transport is not None
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                ev.expect_continue = False
        else:
            assert isinstance(ev, ParseError)
            self._error = ev
            inc = self._incoming
            if inc is not None:
                self._incoming = None
                self.requests.remove(inc)

    def _requestFailed(self, request: Request) -> None:
        """An exception escaped request handling: log it, answer 500 if still possible, close."""
        _log.exception("Unhandled error handling %r", request)
        if self._closing:
            return
        if not request.startedWriting:
            self._sendError(ParseError(500, "internal server error"))
        else:
            self.loseConnection()

    def _sendError(self, err: ParseError) -> None:
        self._closing = True
        assert self.transport is not None
        _log.debug("Refusing a request: %d %s", err.code, err.message)
        self.transport.write(_error_response(err.code, err.message))
        self._unregisterSelf()
        self.transport.loseConnection()

    # -- timers -----------------------------------------------------------------------------

    def _headerTimedOut(self) -> None:
        self._headerCall = None
        if self._closing or self.requests or not self._reader.in_head:
            return
        self._sendError(ParseError(408, "request head not received in time"))

    def _bodyLimit(self) -> float | None:
        """How long a request body may make no progress: the idle ``timeOut`` when there
        is one, as in Twisted, unless ``bodyTimeout`` was set to something of its own."""
        limit = self.bodyTimeout
        timeOut = self.timeOut
        if timeOut is not None and (limit is None or limit == _BODY_TIMEOUT):
            return timeOut
        return limit

    def _bodyCheck(self) -> None:
        self._bodyCall = None
        req = self._incoming
        limit = self._bodyLimit()
        if self._closing or req is None or limit is None:
            return
        if self._bodyProgress or self._paused:
            self._bodyProgress = False
            self._bodyCall = self._callLater(limit, self._bodyCheck)
            return
        _events.info("Timing out client: {peer}", peer=self.getPeer())
        if self.requests == [req] and not req.started:
            self._incoming = None
            self.requests.clear()
            self._sendError(ParseError(408, "request body not received in time"))
        else:
            self.loseConnection()
        self._abortLater()

    def _abortLater(self) -> None:
        """Timed out and closing: if the transport has not gone ``abortTimeout`` seconds
        from now (a peer that reads nothing keeps it flushing), abort it."""
        if self.abortTimeout is not None and self._abortCall is None:
            self._abortCall = self._callLater(self.abortTimeout, self._forciblyTimeOut)

    def _forciblyTimeOut(self) -> None:
        self._abortCall = None
        transport = self.transport
        if transport is not None:
            _events.info("Forcibly timing out client: {peer}", peer=transport.getPeer())
            transport.abortConnection()

    def _idleCheck(self) -> None:
        self._idleCall = None
        if self._closing or self.timeOut is None:
            return
        if self._active or self.requests:
            self._active = False
            self._idleCall = self._callLater(self.timeOut, self._idleCheck)
            return
        self.timeoutConnection()

    def _swept_idle(self) -> bool:
        """The factory's sweeper: True if the connection was idle for a whole period."""
        if self._closing:
            return False
        if self._active or self.requests:
            self._active = False
            return False
        return True

    def timeoutConnection(self) -> None:
        """The connection was idle for ``timeOut`` seconds: close it."""
        assert self.transport is not None
        _events.info("Timing out client: {peer}", peer=self.transport.getPeer())
        self.loseConnection()
        self._abortLater()

    def setTimeout(self, period: float | None) -> float | None:
        """Change the idle timeout (None disables it); return the old one."""
        old, self.timeOut = self.timeOut, period
        if self._swept:
            self._swept = False
            if self.factory is not None:
                self.factory._unwatch(self)
        if self._idleCall is not None:
            self._idleCall.cancel()
            self._idleCall = None
        if period is not None and self.transport is not None:
            self._idleCall = self._callLater(period, self._idleCheck)
        return old

    def resetTimeout(self) -> None:
        """Note activity (the idle timeout restarts)."""
        self._active = True

    def switch_protocol(self, request: Request, newProtocol: protocol.Protocol) -> bool:
        """Hand this connection over to ``newProtocol`` (twistio's upgrade hook; Twisted has none).

        For a resource answering ``101 Switching Protocols`` (WebSockets): call it right after
        the 101 head was written (``request.write(b"")``) and before returning from
        ``render``. HTTP processing stops for good: timers are cancelled, ``request`` leaves the
        queue without being finished (no access-log line, ``notifyFinish`` never fires), and
        ``newProtocol.makeConnection(transport)`` is called, then its ``dataReceived`` with any
        bytes that arrived after the request (a client must wait for the 101, so normally none).
        From then on the transport delivers ``dataReceived`` and ``connectionLost`` straight to
        ``newProtocol`` when it can switch protocols (twistio's TCP, UNIX and TLS transports);
        with other transports this channel forwards them.

        Returns False, changing nothing, when the connection cannot be switched: other
        requests are pipelined behind ``request``, or the channel is closing or has failed.
        """
        if self._closing or self._error is not None or self.requests != [request]:
            return False
        self._closing = True
        del self.requests[0]
        self._cancelTimers()
        leftover = self._reader.unconsumed()  # bytes after the upgrade request, not HTTP
        self._reader = RequestReader()
        self._upgraded = newProtocol
        transport = self.transport
        assert transport is not None
        self._unregisterSelf()
        if isinstance(getattr(type(transport), "protocol", None), property):
            transport.protocol = newProtocol  # type: ignore[attr-defined]  # checked just above
        newProtocol.makeConnection(transport)
        if self._paused:
            self._paused = False
            transport.resumeProducing()
        if leftover:
            newProtocol.dataReceived(leftover)
        return True

    def _switchToHTTP2(self, ssl_object: object) -> bool:
        """Whether TLS negotiated ``h2`` and the connection went to an HTTP/2 protocol (or,
        without HTTP/2 support, was aborted)."""
        if ssl_object.selected_alpn_protocol() != "h2":  # type: ignore[attr-defined]
            return False
        factory = self.factory
        if factory is not None and not getattr(factory, "allowHTTP2", True):
            return False
        builder = _http2Builder
        if builder is None or not H2_ENABLED:  # ALPN offered what cannot be served
            _log.error("TLS negotiated h2 but HTTP/2 is not available (the h2 library, "
                       "twistio.web._http2); closing")
            self.transport.abortConnection()
            return True
        self._handOver(builder(self, None))
        return True

    def _handOver(self, newProtocol: protocol.Protocol) -> None:
        """Give the connection to ``newProtocol`` (HTTP/2), before any request was read:
        this channel's timers stop, it stops being the transport's producer and forwards
        whatever still reaches it."""
        self._closing = True
        self._cancelTimers()
        self._unregisterSelf()
        self._upgraded = newProtocol
        transport = self.transport
        if isinstance(getattr(type(transport), "protocol", None), property):
            transport.protocol = newProtocol  # type: ignore[attr-defined]  # checked just above
        newProtocol.makeConnection(transport)

    def _cancelTimers(self) -> None:
        if self._swept:
            self._swept = False
            if self.factory is not None:
                self.factory._unwatch(self)
        if self._idleCall is None and self._headerCall is None and self._bodyCall is None:
            return
        for call in (self._idleCall, self._headerCall, self._bodyCall):
            if call is not None and call.active():
                call.cancel()
        self._idleCall = self._headerCall = self._bodyCall = None

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        upgraded = self._upgraded
        if upgraded is not None:
            self._upgraded = None
            upgraded.connectionLost(reason)
            return
        self._closing = True
        if self._swept:  # what _cancelTimers does first, inline
            self._swept = False
            factory = self.factory
            if factory is not None:
                watched = factory._watched
                watched.discard(self)  # factory._unwatch(self), inline while others stay
                if not watched:
                    factory._unwatch(self)
        if self._idleCall is not None or self._headerCall is not None or self._bodyCall is not None:
            self._cancelTimers()
        abortCall = self._abortCall
        if abortCall is not None:
            self._abortCall = None
            if abortCall.active():
                abortCall.cancel()
        requests = self.requests
        if requests:
            self.requests = []
            for req in requests:
                if req.started and not req.finished:
                    req.connectionLost(reason)


def _legacyLogFile() -> IO[str]:
    from twistio.python.log import logfile

    return cast("IO[str]", logfile)


class HTTPFactory(protocol.ServerFactory):
    """Builds ``HTTPChannel``s; ``timeout`` closes idle connections, as in Twisted."""

    protocol = HTTPChannel
    timeOut: float | None = 60.0

    def __init__(
        self,
        logPath: str | None = None,
        timeout: float | None = 60.0,
        logFormatter: IAccessLogFormatter | None = None,
        reactor: IReactorTime | None = None,
    ) -> None:
        self.logPath = logPath
        self.timeOut = timeout
        self.reactor = reactor
        self.logFormatter = logFormatter
        self.parserLimits: dict[str, int | None] = {}
        self.headerTimeout: float | None = HTTPChannel.headerTimeout
        self.bodyTimeout: float | None = HTTPChannel.bodyTimeout
        self.maxPipelined = HTTPChannel.maxPipelined
        self._watched: set[HTTPChannel] = set()
        self._sweeper: IDelayedCall | None = None

    # One timer for the idle timeout of all the factory's connections: a connection idle for
    # a whole period between two sweeps is closed (so after one to two ``timeOut``s, as with
    # a lazily re-armed timer per connection), and a connection costs a set entry, not a timer.

    def _watch(self, channel: HTTPChannel) -> None:
        self._watched.add(channel)
        if self._sweeper is None and self.timeOut is not None:
            self._sweeper = self._getReactor().callLater(self.timeOut, self._sweep)

    def _unwatch(self, channel: HTTPChannel) -> None:
        watched = self._watched
        watched.discard(channel)
        if not watched:
            # No connection left to watch: no timer left behind either (Twisted's timers are
            # per connection, so a factory whose connections are all gone has none).
            sweeper, self._sweeper = self._sweeper, None
            if sweeper is not None and sweeper.active():
                sweeper.cancel()

    def _sweep(self) -> None:
        self._sweeper = None
        idle = [ch for ch in self._watched if ch._swept_idle()]
        for channel in idle:
            self._unwatch(channel)
            channel._swept = False
            channel.timeoutConnection()
        if self._watched and self.timeOut is not None:
            self._sweeper = self._getReactor().callLater(self.timeOut, self._sweep)

    def stopFactory(self) -> None:
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None and sweeper.active():
            sweeper.cancel()
        logFile, self._logFile = self._logFile, None
        if logFile is not None and logFile is not _legacyLogFile():
            logFile.close()

    # -- the access log (``logPath``): one line per request, by ``logFormatter`` ----------

    _logFile: IO[str] | None = None
    _factoryStarted = False
    _pinnedLogDateTime: str | None = None
    _logDateCache: tuple[int, str] = (-1, "")

    def startFactory(self) -> None:
        self._factoryStarted = True
        if self._logFile is None:
            if self.logPath is not None:
                self._logFile = self._openLogFile(self.logPath)
            else:
                # No log path: the lines go to the legacy log (twistio.python.log), as in
                # Twisted. (Site sends them to the stdlib logger instead.)
                self._logFile = _legacyLogFile()

    def _openLogFile(self, path: str | bytes) -> IO[str]:
        """The file access-log lines are appended to (override to rotate, for one)."""
        return open(path, "a", encoding="utf-8")

    @property
    def logFile(self) -> IO[str] | None:
        """The access log: the file at ``logPath``, else the legacy log's file-like
        ``twistio.python.log.logfile``, once the factory is started (before that, as in
        Twisted, there is no such attribute). A binary file assigned to it is wrapped in a
        text stream that writes through."""
        if not self._factoryStarted and self._logFile is None:
            raise AttributeError("logFile: the factory is not started")
        return self._logFile

    @logFile.setter
    def logFile(self, value: IO[str] | IO[bytes] | None) -> None:
        if isinstance(value, (io.BufferedIOBase, io.RawIOBase)):
            value = io.TextIOWrapper(value, encoding="utf-8", write_through=True)
        self._logFile = value  # type: ignore[assignment]

    @property
    def _logDateTime(self) -> str:
        """The log timestamp of now (``[13/Feb/2009:23:31:30 +0000]``), by the reactor's
        clock; assigning one pins it."""
        if self._pinnedLogDateTime is not None:
            return self._pinnedLogDateTime
        now = int(self._getReactor().seconds())
        if self._logDateCache[0] != now:
            self._logDateCache = (now, datetimeToLogString(now))
        return self._logDateCache[1]

    @_logDateTime.setter
    def _logDateTime(self, value: str) -> None:
        self._pinnedLogDateTime = value

    @property
    def reactor(self) -> IReactorTime:
        """The reactor for timeouts and log timestamps: the one given, else the global one."""
        if self._reactor is None:
            self._reactor = installed_reactor()
        return self._reactor

    @reactor.setter
    def reactor(self, value: IReactorTime | None) -> None:
        self._reactor = value

    _reactor: IReactorTime | None = None

    def _getReactor(self) -> IReactorTime:
        return self.reactor

    def buildProtocol(self, addr: IAddress) -> HTTPChannel:
        p: HTTPChannel = self.protocol()
        p.factory = self
        # Only what differs from the class defaults: fewer per-connection attributes.
        cls = type(p)
        if self.timeOut != cls.timeOut:
            p.timeOut = self.timeOut
        if self.headerTimeout != cls.headerTimeout:
            p.headerTimeout = self.headerTimeout
        if self.bodyTimeout != cls.bodyTimeout:
            p.bodyTimeout = self.bodyTimeout
        if self.maxPipelined != cls.maxPipelined:
            p.maxPipelined = self.maxPipelined
        return p

    def log(self, request: Request) -> None:
        """Write the access-log line for ``request`` to the log file, if there is one."""
        logFile = self._logFile
        if logFile is None:
            return
        formatter = self.logFormatter or combinedLogFormatter
        logFile.write(formatter(self._logDateTime, request) + "\n")


class _DataLoss(Exception):
    """A body ended before all of it arrived (its length was known: this is data loss,
    not merely ``PotentialDataLoss``)."""


class _MalformedChunkedDataError(Exception):
    """A chunked body broke the chunked coding's grammar."""


class _IdentityTransferDecoder:
    """A body of ``contentLength`` bytes (None: until the connection ends).

    ``dataCallback(bytes)`` gets the body as it arrives; ``finishCallback(extra)`` is
    called once, at its end, with the bytes that followed it. ``noMoreData()`` says the
    input ended: ``_DataLoss`` if bytes were missing, ``PotentialDataLoss`` (after finishing)
    if the length was unknown.
    """

    def __init__(
        self,
        contentLength: int | None,
        dataCallback: Callable[[bytes], object],
        finishCallback: Callable[[bytes], object],
    ) -> None:
        self.contentLength = contentLength
        self.dataCallback: Callable[[bytes], object] | None = dataCallback
        self.finishCallback: Callable[[bytes], object] | None = finishCallback

    def dataReceived(self, data: bytes) -> None:
        if self.dataCallback is None:
            raise RuntimeError("_IdentityTransferDecoder cannot decode data after finishing")
        remaining = self.contentLength
        if remaining is None:
            self.dataCallback(data)
            return
        if len(data) < remaining:
            self.contentLength = remaining - len(data)
            self.dataCallback(data)
            return
        self.contentLength = 0
        finish = self.finishCallback
        self.dataCallback(data[:remaining])
        self.dataCallback = self.finishCallback = None
        assert finish is not None
        finish(data[remaining:])

    def noMoreData(self) -> None:
        finish, self.finishCallback = self.finishCallback, None
        if finish is None:
            return  # finished already
        self.dataCallback = None
        if self.contentLength is None:
            finish(b"")
            raise PotentialDataLoss()
        if self.contentLength:
            raise _DataLoss()


_CHUNK_EXTENSION_BAD = frozenset([*range(0x00, 0x09), *range(0x0A, 0x20), 0x5C, 0x7F])


class _ChunkedTransferDecoder:
    """A body in the chunked coding (RFC 9112 7.1).

    ``dataCallback(bytes)`` gets the decoded data; ``finishCallback(extra)`` is called once,
    after the last chunk and the trailer, with the bytes that followed. ``state`` is one of
    ``CHUNK_LENGTH``, ``BODY``, ``CRLF``, ``TRAILER`` and ``FINISHED``; trailer fields are
    kept, raw, in ``_trailerHeaders`` (at most ``_maxTrailerHeadersSize`` bytes of them).
    Bad input raises ``_MalformedChunkedDataError``; ``noMoreData()`` before the end,
    ``_DataLoss``.
    """

    _maxTrailerHeadersSize = 2**16

    def __init__(
        self, dataCallback: Callable[[bytes], object], finishCallback: Callable[[bytes], object]
    ) -> None:
        self.dataCallback = dataCallback
        self.finishCallback = finishCallback
        self.state = "CHUNK_LENGTH"
        self.length = 0
        self._buffer = b""
        self._start = 0  # where to resume looking for CRLF in _buffer
        self._trailerHeaders: list[bytes] = []
        self._receivedTrailerHeadersSize = 0

    def _chunkLength(self) -> bool:
        buf = self._buffer
        end = buf.find(b"\r\n", self._start)
        if end < 0:
            if len(buf) > maxChunkSizeLineLength:
                raise _MalformedChunkedDataError("Chunk size line too long")
            self._start = max(len(buf) - 1, 0)
            return False
        if end > maxChunkSizeLineLength:
            raise _MalformedChunkedDataError("Chunk size line too long")
        line, self._buffer, self._start = buf[:end], buf[end + 2 :], 0
        size, _, extension = line.partition(b";")
        if any(c in _CHUNK_EXTENSION_BAD for c in extension):
            raise _MalformedChunkedDataError("Invalid characters in chunk extensions")
        if not size or size.strip(b"0123456789abcdefABCDEF"):
            raise _MalformedChunkedDataError("Chunk size is not a hexadecimal number")
        self.length = int(size, 16)
        self.state = "BODY" if self.length else "TRAILER"
        return True

    def _body(self) -> bool:
        buf = self._buffer
        if not buf:
            return False
        piece, self._buffer = buf[: self.length], buf[self.length :]
        self.length -= len(piece)
        if self.length == 0:
            self.state = "CRLF"
        self.dataCallback(piece)
        return True

    def _crlf(self) -> bool:
        buf = self._buffer
        if len(buf) < 2:
            if buf and buf != b"\r":
                raise _MalformedChunkedDataError("Chunk did not end with CRLF")
            return False
        if buf[:2] != b"\r\n":
            raise _MalformedChunkedDataError("Chunk did not end with CRLF")
        self._buffer = buf[2:]
        self.state = "CHUNK_LENGTH"
        return True

    def _trailer(self) -> bool:
        buf = self._buffer
        end = buf.find(b"\r\n", self._start)
        if end < 0:
            if self._receivedTrailerHeadersSize + len(buf) >= self._maxTrailerHeadersSize:
                raise _MalformedChunkedDataError("Trailer headers data is too long.")
            self._start = max(len(buf) - 1, 0)
            return False
        line, self._buffer, self._start = buf[:end], buf[end + 2 :], 0
        if line:
            self._receivedTrailerHeadersSize += len(line) + 2
            if self._receivedTrailerHeadersSize > self._maxTrailerHeadersSize:
                raise _MalformedChunkedDataError("Trailer headers data is too long.")
            self._trailerHeaders.append(line)
            return True
        self.state = "FINISHED"
        extra, self._buffer = self._buffer, b""
        self.finishCallback(extra)
        return False

    def dataReceived(self, data: bytes) -> None:
        """Decode ``data``, the next bytes of the chunked body."""
        if self.state == "FINISHED":
            if not data:
                return
            raise RuntimeError(
                "_ChunkedTransferDecoder.dataReceived called after last chunk was processed"
            )
        self._buffer += data
        steps = {
            "CHUNK_LENGTH": self._chunkLength,
            "BODY": self._body,
            "CRLF": self._crlf,
            "TRAILER": self._trailer,
        }
        while self.state != "FINISHED" and steps[self.state]():
            pass

    def noMoreData(self) -> None:
        """The input ended: ``_DataLoss`` unless the body was complete."""
        if self.state != "FINISHED":
            raise _DataLoss(
                f"Chunked decoder in {self.state!r} state, still expecting more data to get "
                "to 'FINISHED' state."
            )


class _IDeprecatedHTTPChannelToRequestInterface(Interface, Protocol):
    """What ``HTTPChannel`` uses of the requests its ``requestFactory`` makes (Twisted's
    name): the request and response headers, ``gotLength``, ``handleContentChunk``,
    ``requestReceived``, ``parseCookies`` and ``connectionLost``."""

    requestHeaders: Headers
    responseHeaders: Headers

    def connectionLost(self, reason: Failure) -> None:
        """The connection was lost."""

    def gotLength(self, length: int | None) -> None:
        """The body will be ``length`` bytes (None: unknown)."""

    def handleContentChunk(self, data: bytes) -> None:
        """A piece of the body arrived."""

    def parseCookies(self) -> None:
        """Parse the request's cookies."""

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        """The whole request is here."""

    def __eq__(self, other: object) -> bool:
        """Requests compare as themselves."""

    def __ne__(self, other: object) -> bool:
        """Requests compare as themselves."""

    def __hash__(self) -> int:
        """Requests hash as themselves."""


@implementer(IProtocol)
class _GenericHTTPChannelProtocol:
    """The protocol Twisted's ``HTTPFactory`` builds: it picks HTTP/1.1 or HTTP/2 from the
    protocol TLS negotiated (``transport.negotiatedProtocol``) and hands everything to that
    channel (``_channel``); its attributes are the channel's.

    twistio's own ``HTTPFactory`` builds ``HTTPChannel``s directly (which switch to HTTP/2
    themselves); this wrapper is for code that builds one by hand.
    """

    _negotiatedProtocol: bytes | None = None

    def __init__(self, channel: HTTPChannel) -> None:
        self.__dict__["_channel"] = channel

    def __getattr__(self, name: str) -> object:
        return getattr(self.__dict__["_channel"], name)

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("_channel", "_negotiatedProtocol"):
            self.__dict__[name] = value
        else:
            setattr(self.__dict__["_channel"], name, value)

    def makeConnection(self, transport: ITransport) -> None:
        negotiated = getattr(transport, "negotiatedProtocol", None)
        if negotiated is None:
            negotiated = b"http/1.1"
        if negotiated == b"h2":
            if not H2_ENABLED or _http2Builder is None:
                raise ValueError("Negotiated HTTP/2 without support.")
        elif negotiated != b"http/1.1":
            raise AssertionError(f"Unknown protocol {negotiated!r}")
        self.__dict__["_negotiatedProtocol"] = negotiated
        self._inner().makeConnection(transport)

    def _inner(self) -> HTTPChannel:
        channel: HTTPChannel = self.__dict__["_channel"]  # or, after h2, an H2Connection
        return channel

    def dataReceived(self, data: bytes) -> None:
        channel = self._inner()
        if (
            self.__dict__.get("_negotiatedProtocol") == b"h2"
            and isinstance(channel, HTTPChannel)
            and channel._upgraded is None
            and not channel._closing
        ):
            # TLS negotiated h2 (ALPN): the first bytes go to an HTTP/2 connection, which
            # takes over from the HTTP/1.1 channel (its timers, its producer registration).
            builder = _http2Builder
            assert builder is not None  # (makeConnection checked)
            h2 = builder(channel, channel._callLaterOverride)
            channel._handOver(h2)
            self.__dict__["_channel"] = h2  # the connection's protocol from now on
            h2.dataReceived(data)
            return
        channel.dataReceived(data)

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        self._inner().connectionLost(reason)


implementer(_IDeprecatedHTTPChannelToRequestInterface)(Request)


def _genericHTTPChannelProtocolFactory(self: object) -> _GenericHTTPChannelProtocol:
    """A ``_GenericHTTPChannelProtocol`` around a new ``HTTPChannel`` (the argument is
    ignored: Twisted's factory attribute receives one)."""
    return _GenericHTTPChannelProtocol(HTTPChannel())


if TYPE_CHECKING:
    HTTPClient = _HTTPClient  # at run time, through __getattr__ (deprecated)


def __getattr__(name: str) -> object:
    # HTTPClient is deprecated, as in Twisted 24.7: reading it from the module warns.
    # (twistio's own modules import it from twistio.web._httpclient, without the warning.)
    if name == "HTTPClient":
        from twistio.python.deprecate import _getDeprecationWarningString
        from twistio.python.versions import Version

        warnings.warn(
            _getDeprecationWarningString(f"{__name__}.HTTPClient", Version("Twisted", 24, 7, 0))
            + f": Use {_spelling.spelled('twistio.web.client.Agent')} instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return _HTTPClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
