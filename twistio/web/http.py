"""HTTP/1.x on a transport: ``HTTPChannel`` (the protocol), ``Request``, ``HTTPFactory``.

``HTTPChannel`` feeds bytes to the sans-IO ``RequestParser`` and turns its events into
``Request`` objects, answered strictly in order. Calls on a request happen in this order:
``gotLength``, ``handleContentChunk``*, then ``requestReceived`` (once the body is complete
and every earlier request on the connection has finished), then the application's
``write``*/``finish``, or ``connectionLost`` if the client goes away first.

Bounded buffering: at most ``maxPipelined`` complete requests wait behind the one being
answered; past that the channel stops reading from the transport (``pauseProducing``) and
parses nothing more until an answer finishes.

Timeouts: ``timeOut`` (the factory's, ``Site(timeout=...)``) closes a connection idle that
long, as in Twisted (checked lazily: no timer is touched per request). ``headerTimeout``
bounds the time from the first byte of a request head to its end; unlike Twisted, bytes
trickling in do not extend it, so a slowloris client gets 408 and is dropped.

Differs from Twisted: HTTP/1.0 requests get HTTP/1.0 answers and the connection closes after
each, as in Twisted; malformed requests get a short ``text/plain`` body naming the problem
and ``Connection: close``, where Twisted sends a bare status line.
"""

from __future__ import annotations

import calendar
import email.parser
import email.policy
import io
import logging
import tempfile
import time
from collections.abc import Callable
from email.utils import formatdate
from typing import IO, Any
from urllib.parse import parse_qs, unquote_to_bytes

from twistio.internet import protocol
from twistio.internet.defer import Deferred
from twistio.python.failure import Failure
from twistio.web._parser import END, ParseError, RequestHead, RequestParser
from twistio.web._responses import *  # noqa: F403
from twistio.web._responses import RESPONSES
from twistio.web.http_headers import Headers

__all__ = [
    "CACHED",
    "RESPONSES",
    "HTTPChannel",
    "HTTPFactory",
    "Request",
    "datetimeToString",
    "parse_qs",
    "stringToDatetime",
    "unquote",
    "urlparse",
]

_log = logging.getLogger("twistio.web")

CACHED = object()
"""Returned by ``Request.setLastModified``/``setETag`` when the client's copy is current."""

NOT_DONE_YET = 1

_date_cache: tuple[int, bytes] = (0, b"")


def _now_date() -> bytes:
    """The current HTTP date, formatted at most once a second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True).encode("ascii"))
    return _date_cache[1]


def datetimeToString(msSinceEpoch: float | None = None) -> bytes:
    """An HTTP date (RFC 7231) for ``msSinceEpoch`` seconds since the epoch (default now)."""
    if msSinceEpoch is None:
        return _now_date()
    return formatdate(msSinceEpoch, usegmt=True).encode("ascii")


def stringToDatetime(dateString: bytes) -> int:
    """Seconds since the epoch for an HTTP date (RFC 1123, RFC 850 or asctime form)."""
    from email.utils import parsedate_tz

    parsed = parsedate_tz(dateString.decode("ascii", "replace"))
    if parsed is None:
        raise ValueError(f"unknown date format: {dateString!r}")
    return int(calendar.timegm((*parsed[:6], 0, 0, 0)))


def unquote(s: bytes) -> bytes:
    """Percent-decode bytes."""
    return unquote_to_bytes(s)


def urlparse(url: bytes) -> tuple[bytes, bytes, bytes, bytes, bytes, bytes]:
    """``urllib.parse.urlparse`` for bytes."""
    from urllib.parse import urlparse as _up

    r = _up(url)
    return (r.scheme, r.netloc, r.path, r.params, r.query, r.fragment)


def _parse_qs(qs: bytes) -> dict[bytes, list[bytes]]:
    """``name=value&...`` -> {name: [values]}, percent- and ``+``-decoded, blanks kept, bytes."""
    out: dict[bytes, list[bytes]] = {}
    for field in qs.split(b"&"):
        if not field:
            continue
        k, _, v = field.partition(b"=")
        if b"%" in k or b"+" in k:
            k = unquote_to_bytes(k.replace(b"+", b" "))
        if b"%" in v or b"+" in v:
            v = unquote_to_bytes(v.replace(b"+", b" "))
        values = out.get(k)
        if values is None:
            out[k] = [v]
        else:
            values.append(v)
    return out


def _error_response(code: int, message: str) -> bytes:
    body = f"{code} {RESPONSES.get(code, b'Error').decode()}: {message}\n".encode()
    return b"".join((
        b"HTTP/1.1 %d " % code, RESPONSES.get(code, b"Error"), b"\r\n",
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n" % len(body),
        b"Connection: close\r\n\r\n", body,
    ))


class _NoHeaders:
    """Placeholder until a request's header block is known."""


class Request:
    """One HTTP request and its response (Twisted's ``twisted.web.http.Request`` API).

    The request headers stay as the raw field list from the parser until
    ``requestHeaders`` is first read; the response head is built with one join and sent with
    the first ``write`` (with the first chunk of body, in one ``transport.write``).
    """

    defaultContentType: bytes | None = None
    method: bytes = b"GET"
    uri: bytes = b""
    path: bytes = b""
    clientproto: bytes = b"HTTP/1.0"
    content: IO[bytes] | None = None
    _forceSSL = 0
    _encoder: Any = None
    """Set by ``EncodingResourceWrapper``: body writes go through ``encode``, ``finish`` adds
    what its ``finish()`` returns."""

    def __init__(self, channel: Any, queued: object = None) -> None:
        self.channel = channel
        self.transport = channel.transport if channel is not None else None
        self.notifications: list[Deferred[None]] = []
        self.args: dict[bytes, list[bytes]] = {}
        self.code = 200
        self.code_message = b"OK"
        self.sentLength = 0
        self.startedWriting = 0
        self.finished = 0
        self.responseHeaders = Headers()
        self.cookies: list[bytes] = []
        self._received_cookies: dict[bytes, bytes] | None = None
        self.prepath: list[bytes] = []
        self.postpath: list[bytes] = []
        self.host: Any = None
        self.client: Any = None
        self._head: RequestHead | None = None
        self._requestHeaders: Headers | None = None
        self._chunked = False
        self._persistent = False
        self._disconnected = False
        self._ready = False
        self._dispatched = False
        self._bodyless = False
        self._producer: Any = None

    # -- request side ---------------------------------------------------------

    @property
    def requestHeaders(self) -> Headers:
        """The request's headers (built from the raw fields on first use)."""
        h = self._requestHeaders
        if h is None:
            head = self._head
            h = self._requestHeaders = Headers._fromPairs(head.pairs if head else [])
        return h

    @requestHeaders.setter
    def requestHeaders(self, value: Headers) -> None:
        self._requestHeaders = value

    def _rawHeader(self, lname: bytes) -> bytes | None:
        """A request header value without building ``requestHeaders`` when possible."""
        head = self._head
        if self._requestHeaders is None and head is not None:
            return head.last_field(lname)
        values = self.requestHeaders.getRawHeaders(lname)
        return values[-1] if values else None

    def gotLength(self, length: int | None) -> None:
        """The body will be ``length`` bytes (None: unknown): choose where to keep it."""
        if length is not None and length < 100000:
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
        content = self.content
        if content is None:
            content = self.content = io.BytesIO()
        else:
            content.seek(0, 0)
        q = path.find(b"?")
        if q < 0:
            self.path = path
        else:
            self.path = path[:q]
            self.args = _parse_qs(path[q + 1 :])
        head = self._head
        if head is not None and command == b"POST" and b"\r\ncontent-type:" in head.lowered:
            self._parseForm()
        transport = self.channel.transport
        self.client = transport.getPeer()
        self.host = transport.getHost()
        self.process()

    def _parseForm(self) -> None:
        ctype = self._rawHeader(b"content-type")
        if ctype is None or self.content is None:
            return
        key = ctype.split(b";", 1)[0].strip().lower()
        if key == b"application/x-www-form-urlencoded":
            body = self.content.read()
            self.content.seek(0, 0)
            for k, v in _parse_qs(body).items():
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
                parts: Any = msg.get_payload()
                for part in parts:
                    name = part.get_param("name", header="content-disposition")
                    if not name:
                        continue
                    payload = part.get_payload(decode=True) or b""
                    self.args.setdefault(str(name).encode("utf-8"), []).append(bytes(payload))
            except Exception:
                # Twisted answers 400 for an unparseable multipart body.
                self.setResponseCode(400)
                self.channel._malformedBody = True

    @property
    def received_cookies(self) -> dict[bytes, bytes]:
        """The request's cookies, name -> value (parsed on first use)."""
        cookies = self._received_cookies
        if cookies is None:
            cookies = self._received_cookies = {}
            head = self._head
            if self._requestHeaders is not None or (head is not None and b"\r\ncookie:" in head.lowered):
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

    def getHeader(self, key: bytes | str) -> Any:
        """The last value of request header ``key`` (``str`` if ``key`` is), or None."""
        values = self.requestHeaders.getRawHeaders(key)
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
        """The user name from HTTP basic authentication, or b""."""
        return self._basicAuth()[0]

    def getPassword(self) -> bytes:
        """The password from HTTP basic authentication, or b""."""
        return self._basicAuth()[1]

    def _basicAuth(self) -> tuple[bytes, bytes]:
        import binascii

        auth = self.getHeader(b"authorization")
        if not auth:
            return b"", b""
        scheme, _, value = auth.partition(b" ")
        if scheme.lower() != b"basic":
            return b"", b""
        try:
            user, _, pw = binascii.a2b_base64(value).partition(b":")
        except binascii.Error:
            return b"", b""
        return user, pw

    def getClientAddress(self) -> Any:
        """The peer's address (an ``IPv4Address``/``IPv6Address``/``UNIXAddress``)."""
        if self.client is None and self.channel is not None:
            return self.channel.transport.getPeer()
        return self.client

    def getClientIP(self) -> str | None:
        """The client's IP address as a string, or None (deprecated in Twisted)."""
        addr = self.getClientAddress()
        return getattr(addr, "host", None)

    def getHost(self) -> Any:
        """The local address the request came in on."""
        if self.host is None and self.channel is not None:
            return self.channel.transport.getHost()
        return self.host

    def setHost(self, host: bytes, port: int, ssl: int = 0) -> None:
        """Pretend the request came to ``host:port`` (used behind proxies)."""
        from twistio.internet.address import IPv4Address

        self._forceSSL = ssl
        if (port == 443 and ssl) or (port == 80 and not ssl):
            self.requestHeaders.setRawHeaders(b"host", [host])
        else:
            self.requestHeaders.setRawHeaders(b"host", [host + b":%d" % port])
        self.host = IPv4Address("TCP", host.decode("ascii"), port)

    def getRequestHostname(self) -> bytes:
        """The host name the client asked for (Host header without port), else the local host."""
        host = self._rawHeader(b"host")
        if host:
            if host[:1] == b"[":
                return host.split(b"]", 1)[0] + b"]"
            return host.rsplit(b":", 1)[0] if host.count(b":") == 1 else host
        return str(self.getHost().host).encode("ascii")

    def isSecure(self) -> bool:
        """Whether the request came over TLS."""
        if self._forceSSL:
            return True
        channel = self.channel
        if channel is None:
            return False
        return bool(getattr(channel, "_isSecure", lambda: False)())

    def prePathURL(self) -> bytes:
        """The URL of the resource at ``prepath``."""
        return self._prePathURL(self.prepath)

    def _prePathURL(self, prepath: list[bytes]) -> bytes:
        port = self.getHost().port
        secure = self.isSecure()
        default = 443 if secure else 80
        hostport = b"" if port == default else b":%d" % port
        prefix = b"https://" if secure else b"http://"
        from urllib.parse import quote_from_bytes

        path = b"/".join(quote_from_bytes(seg, safe="").encode("ascii") for seg in prepath)
        return prefix + self.getRequestHostname() + hostport + b"/" + path

    def URLPath(self) -> Any:
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
            if not isinstance(message, bytes) or b"\r" in message or b"\n" in message:
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
        sameSite: str | None = None,
    ) -> None:
        """Add a ``Set-Cookie`` header to the response; ValueError on CR, LF or ';' in a field."""

        def enc(x: bytes | str | int, what: str) -> bytes:
            b = str(x).encode("utf-8") if isinstance(x, (str, int)) else x
            if b"\r" in b or b"\n" in b or b";" in b:
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
            if sameSite.lower() not in ("lax", "strict", "none"):
                raise ValueError("Invalid value for sameSite: " + repr(sameSite))
            parts.append(b"SameSite=" + sameSite.encode("ascii"))
        self.cookies.append(b"; ".join(parts))

    def setLastModified(self, when: float) -> object:
        """Set ``Last-Modified``; return ``CACHED`` (and answer 304) if the client is current."""
        when = int(when)
        self.lastModified = when
        self.setHeader(b"last-modified", datetimeToString(when))
        ims = self.getHeader(b"if-modified-since")
        if ims:
            try:
                since = stringToDatetime(ims.split(b";")[0])
            except ValueError:
                return None
            if since >= when:
                self.setResponseCode(NOT_MODIFIED)  # noqa: F405
                return CACHED
        return None

    def setETag(self, etag: bytes) -> object:
        """Set ``ETag``; return ``CACHED`` (and answer 304/412) if the client's matches."""
        if etag:
            self.setHeader(b"etag", b'"' + etag + b'"')
        tags = self.getHeader(b"if-none-match")
        if tags:
            tags = tags.split()
            if (b'"' + etag + b'"' in tags) or (b"*" in tags):
                self.setResponseCode(
                    NOT_MODIFIED if self.method in (b"GET", b"HEAD") else PRECONDITION_FAILED  # noqa: F405
                )
                return CACHED
        return None

    def _head_bytes(self) -> bytes:
        """Decide framing and build the status line and headers."""
        code = self.code
        raw = self.responseHeaders._rawHeaders
        version = self.clientproto if self.clientproto == b"HTTP/1.0" else b"HTTP/1.1"
        head = self._head
        persistent = version == b"HTTP/1.1" and head is not None and head.keep_alive
        bodyless = self.method == b"HEAD" or code in (204, 304) or 100 <= code < 200
        self._bodyless = bodyless
        lines = [version, b" %d " % code, self.code_message, b"\r\n"]
        if (
            code not in (204, 304) and code >= 200 and b"content-type" not in raw
            and self.defaultContentType and raw.get(b"content-length") != [b"0"]
        ):
            raw[b"content-type"] = [self.defaultContentType]
        if b"content-length" not in raw and not bodyless and code not in (204, 304):
            if version == b"HTTP/1.1":
                self._chunked = True
            else:
                persistent = False
        if persistent and getattr(self.channel, "_closing", False):
            persistent = False
        if not persistent and version == b"HTTP/1.1":
            lines.append(b"Connection: close\r\n")
        self._persistent = persistent
        lines.extend(self.responseHeaders._headBytes())
        for cookie in self.cookies:
            lines.append(b"Set-Cookie: " + cookie + b"\r\n")
        if self._chunked:
            lines.append(b"Transfer-Encoding: chunked\r\n")
        lines.append(b"\r\n")
        return b"".join(lines)

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
        transport = self.channel.transport
        if not self.startedWriting:
            self.startedWriting = 1
            head = self._head_bytes()
            if self._bodyless:
                self.sentLength += len(data)
                transport.write(head)
                return
            if self._chunked and data:
                transport.write(b"".join((head, b"%x\r\n" % len(data), data, b"\r\n")))
            else:
                transport.write(head + data)
            self.sentLength += len(data)
            return
        if not data:
            return
        self.sentLength += len(data)
        if self._bodyless:
            return
        if self._chunked:
            transport.writeSequence((b"%x\r\n" % len(data), data, b"\r\n"))
        else:
            transport.write(data)

    def writeSequence(self, data: list[bytes]) -> None:
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
        if self._chunked and not self._bodyless:
            self.channel.transport.write(b"0\r\n\r\n")
        self.finished = 1
        if self._producer is not None:
            self.unregisterProducer()
        self._finished_hook()
        self.channel.requestDone(self)
        notifications, self.notifications = self.notifications, []
        for d in notifications:
            d.callback(None)

    def _finished_hook(self) -> None:
        """Called in ``finish`` before the channel moves on (``server.Request`` logs here)."""

    def notifyFinish(self) -> Deferred[None]:
        """A Deferred that fires when the response is finished, or errbacks if the client leaves."""
        d: Deferred[None] = Deferred()
        if self.finished:
            d.callback(None)
        elif self._disconnected:
            d.errback(self._lost_reason)
        else:
            self.notifications.append(d)
        return d

    def connectionLost(self, reason: Failure) -> None:
        """The connection went away before the response was finished."""
        self._disconnected = True
        self._lost_reason = reason
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.stopProducing()
            except Exception:
                _log.exception("error stopping a producer")
        notifications, self.notifications = self.notifications, []
        for d in notifications:
            d.errback(reason)

    def loseConnection(self) -> None:
        """Close the connection (after what was written)."""
        self.channel.transport.loseConnection()

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Register a producer for the response body (on the transport, as in Twisted)."""
        if self._producer is not None:
            raise ValueError(f"registering producer {producer!r} before previous one was unregistered")
        self._producer = producer
        self.channel.transport.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        """Unregister the producer."""
        if self._producer is not None:
            self._producer = None
            if not self._disconnected:
                self.channel.transport.unregisterProducer()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} at 0x{id(self):x} method={self.method.decode('ascii', 'replace')}"
            f" uri={self.uri.decode('ascii', 'replace')} clientproto={self.clientproto.decode()}>"
        )


class HTTPChannel(protocol.Protocol):
    """The HTTP/1.x server protocol: parses requests, answers them in order."""

    requestFactory: Callable[..., Request] = Request
    maxPipelined = 4
    """Complete requests allowed to wait behind the one being answered before reading stops."""
    headerTimeout: float | None = 30.0
    """Seconds from a request head's first byte to its end before 408 (Apache: 20-40 s)."""
    timeOut: float | None = 60 * 60 * 12
    parserLimits: dict[str, Any] = {}
    site: Any = None
    factory: Any = None
    _closing = False
    _malformedBody = False
    _upgraded: Any = None
    """The protocol this connection was handed to by ``switch_protocol``."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._parser = RequestParser()
        self._incoming: Request | None = None
        self._error: ParseError | None = None
        self._pumping = False
        self._paused = False
        self._active = False
        self._idleCall: Any = None
        self._headerCall: Any = None
        self._heads = 0
        self._callLater: Any = None

    def connectionMade(self) -> None:
        # HTTP/2: if TLS negotiated "h2" through ALPN, an H2Connection (twistio.web._http2,
        # needs the h2 library) serves this connection instead; this channel only forwards.
        t = getattr(self.transport, "_transport", None)
        if t is not None and t.get_extra_info("ssl_object") is not None:
            from twistio.web._http2 import switchToH2

            if switchToH2(self):
                return
        factory = self.factory
        if factory is not None:
            if self.parserLimits or getattr(factory, "parserLimits", None):
                self._parser = RequestParser(**{**getattr(factory, "parserLimits", {}), **self.parserLimits})
            self._callLater = factory._reactor().callLater
        else:
            from twistio.internet import reactor

            self._callLater = reactor.callLater
        if self.timeOut is not None:
            self._idleCall = self._callLater(self.timeOut, self._idleCheck)

    def _isSecure(self) -> bool:
        t = getattr(self.transport, "_transport", None)
        return t is not None and t.get_extra_info("ssl_object") is not None

    def dataReceived(self, data: bytes) -> None:
        self._active = True
        if self._error is not None or self._closing:
            upgraded = self._upgraded
            if upgraded is not None:
                upgraded.dataReceived(data)
            return
        room = self.maxPipelined + 1 - len(self.requests)
        self._run(self._parser.feed(data, room) if room > 0 else self._parser.feed(data, 0))

    def _run(self, events: list[object]) -> None:
        """Handle parser events and dispatch whatever request is due (not re-entrant)."""
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
                if reqs:
                    first = reqs[0]
                    if first._ready and not first._dispatched:
                        first._dispatched = True
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
                if self._closing or not self._parser.buffered:
                    break
                room = self.maxPipelined + 1 - len(reqs)
                if room <= 0:
                    break
                events = self._parser.feed(b"", room)
                if not events:
                    break
        finally:
            self._pumping = False
        if self._closing or self._error is not None:
            return
        if len(self.requests) > self.maxPipelined or (
            self.requests and self._parser.buffered and self._parser.limited
        ):
            if not self._paused:
                self._paused = True
                self.transport.pauseProducing()
        elif self._paused:
            self._paused = False
            self.transport.resumeProducing()
        if self._headerCall is None and self.headerTimeout is not None and self._parser.in_head:
            self._headerCall = self._callLater(self.headerTimeout, self._headerTimedOut)

    def _event(self, ev: object) -> None:
        if ev is END:
            req = self._incoming
            assert req is not None
            self._incoming = None
            req._ready = True
        elif type(ev) is bytes:
            req = self._incoming
            assert req is not None
            req.handleContentChunk(ev)
        elif type(ev) is RequestHead:
            self._heads += 1
            if self._headerCall is not None:
                self._headerCall.cancel()
                self._headerCall = None
            req = self.requestFactory(self, len(self.requests))
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
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                ev.expect_continue = False
        else:
            assert isinstance(ev, ParseError)
            self._error = ev
            inc = self._incoming
            if inc is not None:
                self._incoming = None
                self.requests.remove(inc)

    def requestDone(self, request: Request) -> None:
        """``request`` finished: close or move on to the next one."""
        if self.requests and self.requests[0] is request:
            del self.requests[0]
        elif request in self.requests:  # pragma: no cover
            self.requests.remove(request)
        if not request._persistent or self._malformedBody:
            self._closing = True
            self.transport.loseConnection()
            return
        if self.requests:
            nxt = self.requests[0]
            head = nxt._head
            if head is not None and head.expect_continue and not nxt._ready:
                head.expect_continue = False
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if not self._pumping:
            self._run([])

    def _requestFailed(self, request: Request) -> None:
        """An exception escaped request handling: log it, answer 500 if still possible, close."""
        _log.exception("Unhandled error handling %r", request)
        if self._closing:
            return
        if not request.startedWriting:
            self._sendError(ParseError(500, "internal server error"))
        else:
            self._closing = True
            self.transport.loseConnection()

    def _sendError(self, err: ParseError) -> None:
        self._closing = True
        self.transport.write(_error_response(err.code, err.message))
        self.transport.loseConnection()

    def _headerTimedOut(self) -> None:
        self._headerCall = None
        if self._closing or self.requests or not self._parser.in_head:
            return
        self._sendError(ParseError(408, "request head not received in time"))

    def _idleCheck(self) -> None:
        self._idleCall = None
        if self._closing or self.timeOut is None:
            return
        if self._active or self.requests:
            self._active = False
            self._idleCall = self._callLater(self.timeOut, self._idleCheck)
            return
        self.timeoutConnection()

    def timeoutConnection(self) -> None:
        """The connection was idle for ``timeOut`` seconds: close it."""
        _log.info("Timing out client: %s", self.transport.getPeer())
        self._closing = True
        self.transport.loseConnection()

    def setTimeout(self, period: float | None) -> float | None:
        """Change the idle timeout (None disables it); return the old one."""
        old, self.timeOut = self.timeOut, period
        if self._idleCall is not None:
            self._idleCall.cancel()
            self._idleCall = None
        if period is not None and self._callLater is not None:
            self._idleCall = self._callLater(period, self._idleCheck)
        return old

    def switch_protocol(self, request: Request, newProtocol: Any) -> bool:
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
        for call in (self._idleCall, self._headerCall):
            if call is not None and call.active():
                call.cancel()
        self._idleCall = self._headerCall = None
        leftover = self._parser._buf  # bytes after the upgrade request, not parsed as HTTP
        self._parser = RequestParser()
        self._upgraded = newProtocol
        transport = self.transport
        if isinstance(getattr(type(transport), "protocol", None), property):
            transport.protocol = newProtocol
        newProtocol.makeConnection(transport)
        if self._paused:
            self._paused = False
            transport.resumeProducing()
        if leftover:
            newProtocol.dataReceived(leftover)
        return True

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        upgraded = self._upgraded
        if upgraded is not None:
            self._upgraded = None
            upgraded.connectionLost(reason)
            return
        self._closing = True
        for call in (self._idleCall, self._headerCall):
            if call is not None and call.active():
                call.cancel()
        self._idleCall = self._headerCall = None
        requests, self.requests = self.requests, []
        for req in requests:
            if req._dispatched and not req.finished:
                req.connectionLost(reason)


class HTTPFactory(protocol.ServerFactory):
    """Builds ``HTTPChannel``s; ``timeout`` closes idle connections, as in Twisted."""

    protocol = HTTPChannel
    timeOut: float | None = 60 * 60 * 12

    def __init__(
        self,
        logPath: str | None = None,
        timeout: float | None = 60 * 60 * 12,
        logFormatter: Callable[..., str] | None = None,
        reactor: Any = None,
    ) -> None:
        self.logPath = logPath
        self.timeOut = timeout
        self.reactor = reactor
        self.logFormatter = logFormatter
        self.parserLimits: dict[str, Any] = {}
        self.headerTimeout: float | None = HTTPChannel.headerTimeout
        self.maxPipelined = HTTPChannel.maxPipelined

    def _reactor(self) -> Any:
        if self.reactor is None:
            from twistio.internet import reactor

            self.reactor = reactor
        return self.reactor

    def buildProtocol(self, addr: Any) -> Any:
        p: HTTPChannel = self.protocol()
        p.factory = self
        p.timeOut = self.timeOut
        p.headerTimeout = self.headerTimeout
        p.maxPipelined = self.maxPipelined
        return p

    def log(self, request: Request) -> None:
        """Write the access-log line for ``request`` (``server.Site`` implements this)."""
