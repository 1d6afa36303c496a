"""Twisted's line-era HTTP client, ``HTTPClient``.

Twisted deprecated ``twisted.web.http.HTTPClient`` in 24.7; ``twistio.web.http.HTTPClient``
is this class, read with the same warning. twistio's own modules that build on it
(``xmlrpc.QueryProtocol``, ``proxy.ProxyClient``) import it from here, without the warning.
"""

from __future__ import annotations

from twistio.internet import protocol
from twistio.python.failure import Failure
from twistio.web import _codec
from twistio.web._codec import END, ParseError

__all__ = ["HTTPClient"]


class HTTPClient(protocol.Protocol):
    """Twisted's line-era HTTP client (``twisted.web.http.HTTPClient``): write a request with
    ``sendCommand``/``sendHeader``/``endHeaders``, then receive ``handleStatus``,
    ``handleHeader``*, ``handleEndHeaders``, ``handleResponsePart``* and ``handleResponseEnd``.

    The response is read by the shared codec (``ResponseReader``): chunked bodies are decoded
    too (Twisted's HTTPClient speaks HTTP/1.0 and does not), and a malformed response calls
    ``handleBadResponse`` (twistio's hook) and drops the connection. ``length`` is the body
    length still expected (None: until the connection closes).
    """

    length: int | None = None
    firstLine = True
    _ended = False
    _method = b"GET"

    def __init__(self) -> None:
        self._reader = _codec.ResponseReader()
        self._inBody = False

    def sendCommand(self, command: bytes, path: bytes) -> None:
        """Write the request line (HTTP/1.0)."""
        self._method = command
        assert self.transport is not None
        self.transport.write(command + b" " + path + b" HTTP/1.0\r\n")

    def sendHeader(self, name: bytes, value: bytes | int) -> None:
        """Write one request header (an int value is written in decimal, as by Twisted)."""
        if not isinstance(value, bytes):
            value = str(value).encode("ascii")
        if 13 in name + value or 10 in name + value:  # CR, LF
            raise ValueError("header name or value contains CR or LF")
        assert self.transport is not None
        self.transport.write(name + b": " + value + b"\r\n")

    def endHeaders(self) -> None:
        """End the request head."""
        assert self.transport is not None
        self.transport.write(b"\r\n")

    def dataReceived(self, data: bytes) -> None:
        if self._ended:
            return
        reader = self._reader
        if self.firstLine:
            self.firstLine = False
            reader.expect(self._method)
        self._handle(reader.feed(data))

    def _handle(self, events: list[object]) -> None:
        for ev in events:
            if self._ended:
                return
            if type(ev) is bytes:
                if self.length is not None:
                    self.length -= len(ev)
                self.handleResponsePart(ev)
            elif ev is END:
                self._end()
            elif isinstance(ev, _codec.ResponseHead):
                if ev.code < 200 and ev.code != 101:
                    continue
                self.handleStatus(b"HTTP/%d.%d" % ev.version[1:], b"%d" % ev.code, ev.reason)
                for name, value in ev.pairs:
                    self.handleHeader(name, value)
                self.length = ev.content_length
                self._inBody = True
                self._body = []
                self.handleEndHeaders()
            elif isinstance(ev, ParseError):
                self._bad()

    def _bad(self) -> None:
        self._ended = True
        if self.transport is not None:
            self.transport.loseConnection()
        self.handleBadResponse()

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            self.handleResponseEnd()

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        if self._ended:
            return
        if not self._inBody:
            self._ended = True
            self.handleBadResponse()
            return
        events = self._reader.eof()
        if events and events[0] is END:
            self._end()
        else:
            self._ended = True
            self.handleBadResponse()
            self._end()

    _headerLine: bytes | None = None

    def lineReceived(self, line: bytes) -> None:
        """One line of the response head, for code that feeds lines itself (the codec reads
        the head whole and never calls this): the status line, then header lines (a line
        starting with a space or tab continues the one before), then an empty line."""
        if self.firstLine:
            self.firstLine = False
            parts = line.split(None, 2)
            self.handleStatus(parts[0], parts[1], parts[2] if len(parts) > 2 else b"")
            return
        if line[:1] in (b" ", b"\t") and self._headerLine is not None:
            self._headerLine += line
            return
        if self._headerLine is not None:
            name, _, value = self._headerLine.partition(b":")
            value = value.lstrip()
            if name.lower() == b"content-length":
                self.length = int(value)
            self._headerLine = None
            self.handleHeader(name, value)
        if line:
            self._headerLine = line
        else:
            self._inBody = True
            self.handleEndHeaders()

    def handleStatus(self, version: bytes, status: bytes, message: bytes) -> None:
        """The status line arrived."""

    def handleHeader(self, key: bytes, val: bytes) -> None:
        """One response header arrived."""

    def handleEndHeaders(self) -> None:
        """All the response headers arrived."""

    _body: list[bytes] | None = None

    def handleResponsePart(self, data: bytes) -> None:
        """A piece of the response body arrived (kept for ``handleResponse``)."""
        if self._body is not None:
            self._body.append(data)

    def handleResponseEnd(self) -> None:
        """The response is complete: ``handleResponse`` gets the whole body, once."""
        body = self._body
        if body is not None:
            self._body = None
            self.handleResponse(b"".join(body))

    def handleResponse(self, response: bytes) -> None:
        """The whole response body (when ``handleResponsePart`` was not overridden)."""

    def handleBadResponse(self) -> None:
        """The server sent no usable response (twistio hook)."""


# Its name is Twisted's, where Twisted has it (reprs, reflect.qual, pickles).
HTTPClient.__module__ = "twistio.web.http"
