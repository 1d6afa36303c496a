"""SIP (RFC 3261) over UDP: messages and their parser, ``Via`` headers and SIP URLs, a
stateless ``Proxy`` and a ``RegisterProxy`` with an in-memory registry.

Messages are text (``str``): headers are kept by lower-case long name (``f`` is ``from``),
each a list of values in arrival order. A datagram may carry several messages; a message
without ``Content-Length`` ends with the datagram.
"""

from __future__ import annotations

import socket
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from typing import Protocol as _TypingProtocol

from twistio.cred import error as cred_error
from twistio.internet import defer, protocol
from twistio.internet.interfaces import Interface, implementer
from twistio.python import log

if TYPE_CHECKING:
    from twistio.internet.interfaces import IUDPTransport

__all__ = [
    "PORT",
    "URL",
    "Base",
    "IAuthorizer",
    "IContact",
    "ILocator",
    "IRegistry",
    "InMemoryRegistry",
    "Message",
    "MessagesParser",
    "Proxy",
    "RegisterProxy",
    "Registration",
    "RegistrationError",
    "Request",
    "Response",
    "SIPError",
    "Via",
    "cleanRequestURL",
    "dashCapitalize",
    "longHeaders",
    "parseAddress",
    "parseURL",
    "parseViaHeader",
    "shortHeaders",
    "specialCases",
    "statusCodes",
    "unq",
]

PORT = 5060

# Compact header names (RFC 3261 section 7.3.3) and their long forms.
shortHeaders = {
    "call-id": "i",
    "contact": "m",
    "content-encoding": "e",
    "content-length": "l",
    "content-type": "c",
    "from": "f",
    "subject": "s",
    "to": "t",
    "via": "v",
}
longHeaders = {short: long for long, short in shortHeaders.items()}

statusCodes = {
    100: "Trying",
    180: "Ringing",
    181: "Call Is Being Forwarded",
    182: "Queued",
    183: "Session Progress",
    200: "OK",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Moved Temporarily",
    303: "See Other",
    305: "Use Proxy",
    380: "Alternative Service",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    413: "Request Entity Too Large",
    414: "Request-URI Too Large",
    415: "Unsupported Media Type",
    416: "Unsupported URI Scheme",
    420: "Bad Extension",
    421: "Extension Required",
    423: "Interval Too Brief",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    482: "Loop Detected",
    483: "Too Many Hops",
    484: "Address Incomplete",
    485: "Ambiguous",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    491: "Request Pending",
    493: "Undecipherable",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Server Time-out",
    505: "SIP Version not supported",
    513: "Message Too Large",
    600: "Busy Everywhere",
    603: "Decline",
    604: "Does not exist anywhere",
    606: "Not Acceptable",
}

# Header names whose spelling dashCapitalize would get wrong.
specialCases = {"cseq": "CSeq", "call-id": "Call-ID", "www-authenticate": "WWW-Authenticate"}


def dashCapitalize(s: str) -> str:
    """``content-length`` -> ``Content-Length``."""
    return "-".join(word.capitalize() for word in s.split("-"))


def unq(s: str) -> str:
    """``s`` without its surrounding double quotes, if it has them."""
    if len(s) >= 2 and s[0] == s[-1] == '"':
        return s[1:-1]
    return s


# -- Via -------------------------------------------------------------------------------------

_absent = object()


class Via:
    """One ``Via`` header: a hop of the path a request took.

    ``rport`` (RFC 3581): ``rport=None`` asks for it without a value (``rportRequested``),
    a number is the value (``rportValue``); ``rport=True`` is the deprecated way of asking.
    Unknown parameters are kept in ``otherParams`` (None for a name without a value).
    """

    def __init__(
        self,
        host: str,
        port: int = PORT,
        transport: str = "UDP",
        ttl: int | None = None,
        hidden: bool = False,
        received: str | None = None,
        rport: Any = _absent,
        branch: str | None = None,
        maddr: str | None = None,
        **kw: Any,
    ) -> None:
        self.rportRequested = False
        self.rportValue: int | None = None
        if rport is True:
            warnings.warn(
                "rport=True is deprecated since Twisted 9.0.", DeprecationWarning, stacklevel=2
            )
            self.rportRequested = True
        elif rport is None:
            self.rportRequested = True
        elif rport is not _absent:
            self.rportValue = rport
        self.transport, self.host, self.port = transport, host, port
        self.ttl, self.hidden, self.received = ttl, hidden, received
        self.branch, self.maddr = branch, maddr
        self.otherParams = kw

    @property
    def rport(self) -> Any:
        """True when asked for without a value, else the value (or None)."""
        if self.rportRequested:
            return True
        return self.rportValue

    @rport.setter
    def rport(self, value: Any) -> None:
        self.rportValue = value
        self.rportRequested = False

    def toString(self) -> str:
        """The header's value."""
        parts = [f"SIP/2.0/{self.transport} {self.host}:{self.port}"]
        if self.hidden:
            parts.append("hidden")
        for name in ("ttl", "branch", "maddr", "received"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value}")
        if self.rportRequested:
            parts.append("rport")
        elif self.rportValue is not None:
            parts.append(f"rport={self.rportValue}")
        for name, value in self.otherParams.items():
            parts.append(name if value is None else f"{name}={value}")
        return ";".join(parts)


def parseViaHeader(value: str) -> Via:
    """The ``Via`` of a header value (``ValueError`` if it is not SIP/2.0's)."""
    sent, *params = value.split(";")
    protocolInfo, by = sent.split(None, 1)
    name, version, transport = protocolInfo.split("/")
    if (name, version) != ("SIP", "2.0"):
        raise ValueError(f"wrong protocol or version: {value!r}")
    fields: dict[str, Any] = {"transport": transport}
    by = by.strip()
    host, colon, port = by.partition(":")
    fields["host"] = host
    if colon:
        fields["port"] = int(port)
    for param in params:
        # A parameter may be followed by a comment: "branch=x (Example)".
        words = param.strip().split(None, 1)
        if not words:
            continue
        key, equals, raw = words[0].partition("=")
        if key == "hidden":
            fields["hidden"] = True
            continue
        parsed: Any = raw if equals else None
        if key in ("ttl", "rport") and parsed is not None:
            parsed = int(parsed)
        fields[key] = parsed
    return Via(**fields)


# -- URLs and addresses ----------------------------------------------------------------------


class URL:
    """A ``sip:`` URL."""

    def __init__(
        self,
        host: str,
        username: str | None = None,
        password: str | None = None,
        port: int | None = None,
        transport: str | None = None,
        usertype: str | None = None,
        method: str | None = None,
        ttl: int | None = None,
        maddr: str | None = None,
        tag: str | None = None,
        other: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.host, self.port, self.username, self.password = host, port, username, password
        self.transport, self.usertype, self.method = transport, usertype, method
        self.tag, self.ttl, self.maddr = tag, ttl, maddr
        self.other = [] if other is None else other
        self.headers = {} if headers is None else headers

    def toString(self) -> str:
        """The URL as text."""
        text = "sip:"
        if self.username is not None:
            text += self.username
            if self.password is not None:
                text += ":" + self.password
            text += "@"
        text += self.host
        if self.port is not None:
            text += f":{self.port}"
        for name, value in (
            ("user", self.usertype),
            ("transport", self.transport),
            ("ttl", self.ttl),
            ("maddr", self.maddr),
            ("method", self.method),
            ("tag", self.tag),
        ):
            if value is not None:
                text += f";{name}={value}"
        for extra in self.other:
            text += ";" + extra
        if self.headers:
            text += "?" + "&".join(f"{dashCapitalize(k)}={v}" for k, v in self.headers.items())
        return text

    def __str__(self) -> str:
        return self.toString()

    def __repr__(self) -> str:
        return f"<URL {self.username}:{self.password}@{self.host}:{self.port}/{self.transport}>"


def parseURL(url: str, host: str | None = None, port: int | None = None) -> URL:
    """The ``URL`` in ``url``; ``host`` and ``port``, when given, replace its own.

    URL headers (``?a=b``) are read after the last parameter only, as in Twisted: without
    parameters they stay part of the host.
    """
    scheme, colon, rest = url.partition(":")
    if not colon or scheme != "sip":
        raise ValueError(f"unsupported scheme: {scheme}")
    userHost, *params = rest.split(";")
    fields: dict[str, Any] = {}
    if "@" in userHost:
        user, userHost = userHost.split("@", 1)
        username, hasPassword, password = user.partition(":")
        fields["username"] = username
        if hasPassword:
            fields["password"] = password
    hostname, hasPort, portText = userHost.partition(":")
    fields["host"] = hostname
    if hasPort:
        fields["port"] = int(portText)
    if params:
        last, hasHeaders, headerText = params[-1].partition("?")
        params[-1] = last
        if hasHeaders:
            fields["headers"] = dict(item.split("=", 1) for item in headerText.split("&"))
    names = {"transport": "transport", "user": "usertype", "method": "method", "tag": "tag",
             "maddr": "maddr", "ttl": "ttl"}  # fmt: skip
    other: list[str] = []
    for param in params:
        key, equals, value = param.partition("=")
        if equals and key in names:
            fields[names[key]] = int(value) if key == "ttl" else value
        else:
            other.append(param)
    fields["other"] = other
    if host is not None:
        fields["host"] = host
    if port is not None:
        fields["port"] = port
    return URL(**fields)


def cleanRequestURL(url: URL) -> None:
    """Drop what a Request-URI must not carry: transport, maddr, ttl and headers."""
    url.transport = url.maddr = url.ttl = None
    url.headers = {}


def parseAddress(
    address: str, host: str | None = None, port: int | None = None, clean: int = 0
) -> tuple[str, URL, dict[str, str]]:
    """(display name, URL, parameters) of a From, To or Contact value; with ``clean``,
    the URL is cleaned as a Request-URI."""
    address = address.strip()
    if address.startswith("sip:"):
        url = parseURL(address, host=host, port=port)
        name = ""
        params: dict[str, str] = {}
    else:
        name, _, rest = address.partition("<")
        inner, _, paramText = rest.partition(">")
        name = unq(name.strip())
        url = parseURL(inner, host=host, port=port)
        params = {}
        for param in paramText.strip().split(";"):
            if param:
                key, _, value = param.partition("=")
                params[key] = value
    if clean:
        cleanRequestURL(url)
    return name, url, params


# -- messages --------------------------------------------------------------------------------


class SIPError(Exception):
    """A SIP failure with its status ``code``."""

    def __init__(self, code: int, phrase: str | None = None) -> None:
        if phrase is None:
            phrase = statusCodes[code]
        super().__init__(f"SIP error ({code}): {phrase}")
        self.code = code
        self.phrase = phrase


class RegistrationError(SIPError):
    """A registration was refused."""


class Message:
    """A SIP message: ``headers`` (lower-case long name -> list of values) and ``body``."""

    length: int | None = None

    def __init__(self) -> None:
        self.headers: OrderedDict[str, list[str]] = OrderedDict()
        self.body = ""
        self.finished = 0

    def addHeader(self, name: str, value: str) -> None:
        """Add one value of the header ``name`` (compact names are expanded)."""
        key = longHeaders.get(name.lower(), name.lower())
        if key == "content-length":
            self.length = int(value)  # a bad number: ValueError, before anything is kept
        self.headers.setdefault(key, []).append(value)

    def bodyDataReceived(self, data: str) -> None:
        self.body += data

    def creationFinished(self) -> None:
        """The message is complete; ``ValueError`` if the body is not ``Content-Length``
        long."""
        if self.length is not None and self.length != len(self.body):
            raise ValueError("wrong body length")
        self.finished = 1

    def toString(self) -> str:
        """The message as text."""
        lines = [self._getHeaderLine()]
        for name, values in self.headers.items():
            spelled = specialCases.get(name) or dashCapitalize(name)
            lines.extend(f"{spelled}: {value}" for value in values)
        return "\r\n".join(lines) + "\r\n\r\n" + self.body

    def _getHeaderLine(self) -> str:
        raise NotImplementedError


class Request(Message):
    """A request: ``method`` and ``uri`` (a ``URL``)."""

    def __init__(self, method: str, uri: URL | str, version: str = "SIP/2.0") -> None:
        super().__init__()
        self.method, self.version = method, version
        if not isinstance(uri, URL):
            uri = parseURL(uri)
            cleanRequestURL(uri)  # a Request-URI of text is cleaned; a URL given is kept
        self.uri = uri

    def __repr__(self) -> str:
        return f"<SIP Request {id(self)}:{self.method} {self.uri.toString()}>"

    def _getHeaderLine(self) -> str:
        return f"{self.method} {self.uri.toString()} {self.version}"


class Response(Message):
    """A response: ``code`` and ``phrase`` (the standard one by default)."""

    def __init__(self, code: int, phrase: str | None = None, version: str = "SIP/2.0") -> None:
        super().__init__()
        self.code = code
        self.phrase = statusCodes[code] if phrase is None else phrase
        self.version = version

    def __repr__(self) -> str:
        return f"<SIP Response {id(self)}:{self.code}>"

    def _getHeaderLine(self) -> str:
        return f"SIP/2.0 {self.code} {self.phrase}"


class MessagesParser:
    """Turns text (or UTF-8 bytes) into messages, handed to ``messageReceivedCallback``.

    Blank lines before a message are skipped; a header line starting with a space or a tab
    continues the previous one; a body is ``Content-Length`` long, or, without that
    header, everything up to ``dataDone()`` (the end of the datagram). A malformed message
    is dropped up to ``dataDone``.
    """

    version = "SIP/2.0"
    acceptResponses = 1
    acceptRequests = 1
    state = "firstline"  # then "headers", "body"; "invalid" drops until dataDone
    debug = 0

    def __init__(self, messageReceivedCallback: Callable[[Message], Any]) -> None:
        self.messageReceived = messageReceivedCallback
        self.reset()

    def reset(self, remainingData: str = "") -> None:
        self.state = "firstline"
        self.length: int | None = None
        self.bodyReceived = 0
        self.message: Message | None = None
        self._header: list[str] | None = None  # [name, value] being read
        self._buffer = ""
        if remainingData:
            self.dataReceived(remainingData)

    def invalidMessage(self) -> None:
        """Drop the message being read, and what follows until ``dataDone``."""
        self.state = "invalid"
        self.message = None
        self._buffer = ""

    def dataDone(self) -> None:
        """The end of the data (a datagram's): a message whose body runs to the end is
        complete."""
        if self.state == "body" and self.length is None:
            self.messageDone()
        elif self.state == "headers" and self.message is not None and self._buffer == "":
            self._endHeaders()
            if self.state == "body" and self.length is None:
                self.messageDone()
        self.reset()

    def dataReceived(self, data: str | bytes) -> None:
        if isinstance(data, bytes):
            data = data.decode("utf-8", "replace")
        self._buffer += data
        while self._buffer and self.state != "invalid":
            if self.state == "body":
                if not self._readBody():
                    return
                continue
            newline = self._buffer.find("\n")
            if newline == -1:
                return
            line = self._buffer[:newline].rstrip("\r")
            self._buffer = self._buffer[newline + 1 :]
            self.lineReceived(line)

    def _readBody(self) -> bool:
        """Take body bytes from the buffer; whether the message completed."""
        message = self.message
        assert message is not None
        if self.length is None:
            message.bodyDataReceived(self._buffer)
            self._buffer = ""
            return False
        wanted = self.length - self.bodyReceived
        chunk, self._buffer = self._buffer[:wanted], self._buffer[wanted:]
        message.bodyDataReceived(chunk)
        self.bodyReceived += len(chunk)
        if self.bodyReceived < self.length:
            return False
        remaining, self._buffer = self._buffer, ""
        self.messageDone(remaining)
        return True

    def handleFirstLine(self, line: str) -> None:
        """Make ``self.message`` from a request or status line."""
        parts = line.split(" ", 2)
        if len(parts) != 3:
            self.invalidMessage()
            return
        if parts[0] == self.version and self.acceptResponses:
            try:
                code = int(parts[1])
            except ValueError:
                self.invalidMessage()
                return
            self.message = Response(code, parts[2])
        elif parts[2] == self.version and self.acceptRequests:
            try:
                self.message = Request(parts[0], parts[1])
            except ValueError:
                self.invalidMessage()
                return
        else:
            self.invalidMessage()
            return
        self.state = "headers"

    def lineLengthExceeded(self, line: str) -> None:
        self.invalidMessage()

    def lineReceived(self, line: str) -> None:
        if self.state == "firstline":
            line = line.strip()
            if line:
                self.handleFirstLine(line)
            return
        assert self.state == "headers"
        if line and line[0] in " \t":
            if self._header is None:
                self.invalidMessage()
            else:
                self._header[1] += line.lstrip()
            return
        self._flushHeader()
        if self.state != "headers":
            return
        if not line:
            self._endHeaders()
            return
        name, colon, value = line.partition(":")
        if not colon:
            self.invalidMessage()
            return
        self._header = [name.strip(), value.strip()]

    def _flushHeader(self) -> None:
        header, self._header = self._header, None
        if header is None:
            return
        assert self.message is not None
        try:
            self.message.addHeader(*header)
        except ValueError:  # a Content-Length that is not a number
            self.invalidMessage()

    def _endHeaders(self) -> None:
        self._flushHeader()
        if self.state != "headers":
            return
        assert self.message is not None
        self.length = self.message.length
        self.state = "body"
        if self.length == 0:
            remaining, self._buffer = self._buffer, ""
            self.messageDone(remaining)

    def messageDone(self, remainingData: str = "") -> None:
        """The message is complete: hand it over, then read on."""
        message = self.message
        assert message is not None
        message.creationFinished()
        self.messageReceived(message)
        self.reset(remainingData)

    def rawDataReceived(self, data: str) -> None:
        self.dataReceived(data)


# -- interfaces ------------------------------------------------------------------------------


class IContact(Interface, _TypingProtocol):
    """A user of a registrar or proxy."""


class Registration:
    """A user's registration: its ``contactURL``, for ``secondsToExpiry`` more seconds."""

    def __init__(self, secondsToExpiry: int, contactURL: Any) -> None:
        self.secondsToExpiry = secondsToExpiry
        self.contactURL = contactURL


class IRegistry(Interface, _TypingProtocol):
    """Registrations of users' addresses."""

    def registerAddress(self, domainURL: URL, logicalURL: URL, physicalURL: URL) -> Any: ...

    def unregisterAddress(self, domainURL: URL, logicalURL: URL, physicalURL: Any) -> Any: ...

    def getRegistrationInfo(self, logicalURL: URL) -> Any: ...


class ILocator(Interface, _TypingProtocol):
    """Finds where a user is."""

    def getAddress(self, logicalURL: URL) -> Any:
        """A Deferred of the user's ``URL``; ``LookupError`` if unknown."""


class IAuthorizer(Interface, _TypingProtocol):
    """An authentication scheme of ``RegisterProxy.authorizers``."""

    def getChallenge(self, peer: Any) -> str | None: ...

    def decode(self, response: str) -> Any: ...


# -- endpoints -------------------------------------------------------------------------------


class Base(protocol.DatagramProtocol):
    """A SIP endpoint on UDP: parses datagrams, calls ``handle_request`` or
    ``handle_response`` for each message. A request's first ``Via`` gets ``received``
    (and ``rport``) when the datagram came from elsewhere than it says (NAT)."""

    transport: IUDPTransport
    PORT = PORT
    debug = False

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.parser = MessagesParser(self.addMessage)

    def addMessage(self, msg: Message) -> None:
        self.messages.append(msg)

    def datagramReceived(self, data: Any, addr: Any) -> None:
        self.parser.dataReceived(data)
        self.parser.dataDone()
        received, self.messages = self.messages, []
        for message in received:
            if self.debug:
                log.msg(f"Received {message.toString()!r} from {addr!r}")
            if isinstance(message, Request):
                self._fixupNAT(message, addr)
                self.handle_request(message, addr)
            elif isinstance(message, Response):
                self.handle_response(message, addr)

    def _fixupNAT(self, message: Message, sourcePeer: Any) -> None:
        vias = message.headers.get("via")
        if not vias:
            return
        host, port = sourcePeer
        via = parseViaHeader(vias[0])
        if via.host != host:
            via.received = host
            if via.port != port:
                via.rport = port
        elif via.rportRequested:
            via.received = host
            via.rport = port
        else:
            return
        vias[0] = via.toString()

    def deliverResponse(self, responseMessage: Message) -> None:
        """Send a response to where its first ``Via`` says."""
        via = parseViaHeader(responseMessage.headers["via"][0])
        host = via.received or via.host
        port = via.rportValue or via.port or self.PORT
        self.sendMessage(URL(host=host, port=port), responseMessage)

    def responseFromRequest(self, code: int, request: Message) -> Response:
        """A response to ``request`` carrying its Via, To, From, Call-ID and CSeq."""
        response = Response(code)
        for name in ("via", "to", "from", "call-id", "cseq"):
            response.headers[name] = list(request.headers.get(name, []))
        return response

    def sendMessage(self, destURL: URL, message: Message) -> None:
        """Send ``message`` to ``destURL`` (UDP only)."""
        if destURL.transport not in ("udp", None):
            raise RuntimeError("only UDP currently supported")
        if self.debug:
            log.msg(f"Sending {message.toString()!r} to {destURL!r}")
        data = message.toString().encode("utf-8")
        self.transport.write(data, (destURL.host, destURL.port or self.PORT))

    def handle_request(self, message: Request, addr: Any) -> Any:
        """Override: a request arrived."""
        raise NotImplementedError

    def handle_response(self, message: Response, addr: Any) -> Any:
        """Override: a response arrived."""
        raise NotImplementedError


class Proxy(Base):
    """A stateless proxy: forwards requests to where ``locator`` finds their To user,
    adding its own ``Via``, and responses back along their ``Via`` path."""

    PORT = PORT
    locator: Any = None

    def __init__(self, host: str | None = None, port: int = PORT) -> None:
        self.host = host or socket.getfqdn()
        self.port = port
        super().__init__()

    def getVia(self) -> Via:
        """This proxy's ``Via``."""
        return Via(host=self.host, port=self.port)

    def handle_request(self, message: Request, addr: Any) -> Any:
        handler = getattr(self, f"handle_{message.method}_request", self.handle_request_default)

        def answer(code: int) -> None:
            self.deliverResponse(self.responseFromRequest(code, message))

        try:
            pending = handler(message, addr)
        except SIPError as refusal:
            answer(refusal.code)
            return
        except BaseException:
            # A bug in the handler: log it and tell the peer it was our fault.
            log.err()
            answer(500)
            return
        if pending is not None:
            pending.addErrback(lambda reason: answer(reason.value.code))

    def handle_request_default(self, message: Request, sourcePeer: Any) -> Any:
        """Forward ``message`` (a loop through this proxy is dropped)."""
        ours = self.getVia().toString()
        vias = message.headers.setdefault("via", [])
        if ours in vias:
            log.msg("Dropping looped message.")
            return None
        vias.insert(0, ours)
        _, uri, _ = parseAddress(message.headers["to"][0], clean=1)
        d = self.locator.getAddress(uri)
        d.addCallback(self.sendMessage, message)
        d.addErrback(self._cantForwardRequest, message)
        return None

    def _cantForwardRequest(self, error: Any, message: Request) -> None:
        error.trap(LookupError)
        del message.headers["via"][0]  # our own
        self.deliverResponse(self.responseFromRequest(404, message))

    def deliverResponse(self, responseMessage: Message) -> None:
        via = parseViaHeader(responseMessage.headers["via"][0])
        host = via.received or via.host
        port = via.rportValue or via.port or self.PORT
        self.sendMessage(URL(host=host, port=port), responseMessage)

    def responseFromRequest(self, code: int, request: Message) -> Response:
        return Base.responseFromRequest(self, code, request)

    def handle_response(self, message: Response, addr: Any) -> None:
        """Pass a response on along its ``Via`` path (``gotResponse`` if it was for us)."""
        vias = message.headers["via"]
        top = parseViaHeader(vias[0])
        if (top.host, top.port) == (self.host, self.port):
            vias.pop(0)
            # Our own Via was the last one: the response answers a request we made.
            if vias:
                self.deliverResponse(message)
            else:
                self.gotResponse(message, addr)
        else:
            log.msg("Dropping incorrectly addressed message")

    def gotResponse(self, message: Response, addr: Any) -> None:
        """Override: a response to a request this proxy made."""


class RegisterProxy(Proxy):
    """A proxy and registrar for one domain (``registry``). With a ``portal``,
    registrations need credentials of one of the ``authorizers`` schemes."""

    portal: Any = None
    registry: Any = None
    authorizers: dict[str, Any] = {}

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.liveChallenges: dict[Any, Any] = {}

    def handle_ACK_request(self, message: Request, host_port: Any) -> None:
        """ACKs get no response."""

    def handle_REGISTER_request(self, message: Request, host_port: Any) -> Any:
        host, port = host_port
        if self.portal is None:
            return self.register(message, host, port)
        if "authorization" not in message.headers:
            return self.unauthorized(message, host, port)
        return self.login(message, host, port)

    def unauthorized(self, message: Request, host: str, port: int) -> None:
        """Answer 401 with a challenge of each authorizer."""
        offers = []
        for scheme, authorizer in self.authorizers.items():
            challenge = authorizer.getChallenge((host, port))
            params = "" if challenge is None else f"{challenge},"
            offers.append(f'{scheme.title()} {params}realm="{self.host}"')
        response = self.responseFromRequest(401, message)
        if offers:
            response.headers.setdefault("www-authenticate", []).extend(offers)
        self.deliverResponse(response)

    def login(self, message: Request, host: str, port: int) -> None:
        scheme, _, rest = message.headers["authorization"][0].partition(" ")
        authorizer = self.authorizers.get(scheme.lower())
        if authorizer is None:
            self.deliverResponse(self.responseFromRequest(501, message))
            return
        try:
            creds = authorizer.decode(rest.strip())
        except SIPError:
            raise
        except BaseException:
            log.err()
            self.deliverResponse(self.responseFromRequest(500, message))
            return
        creds.username += "@" + self.host
        d = self.portal.login(creds, None, IContact)
        d.addCallback(self._cbLogin, message, host, port)
        d.addErrback(self._ebLogin, message, host, port)
        d.addErrback(log.err)

    def _cbLogin(self, i_a_l: Any, message: Request, host: str, port: int) -> None:
        self.register(message, host, port)

    def _ebLogin(self, failure: Any, message: Request, host: str, port: int) -> None:
        failure.trap(cred_error.UnauthorizedLogin)
        self.unauthorized(message, host, port)

    def register(self, message: Request, host: str, port: int) -> None:
        """Register (or, with ``Expires: 0``, unregister) the To user at its Contact."""
        _, toURL, _ = parseAddress(message.headers["to"][0], clean=1)
        contact = message.headers["contact"][0] if "contact" in message.headers else None
        if message.headers.get("expires", [None])[0] == "0":
            self.unregister(message, toURL, contact)
            return
        if contact is None:
            # No Contact: a query of the current binding.
            d = self.registry.getRegistrationInfo(toURL)
        else:
            where = parseAddress(contact, host=host, port=port)[1]
            d = self.registry.registerAddress(message.uri, toURL, where)
        d.addCallbacks(
            self._cbRegister, self._ebRegister, callbackArgs=(message,), errbackArgs=(message,)
        )

    def _cbRegister(self, registration: Registration, message: Request) -> None:
        response = self.responseFromRequest(200, message)
        if registration.contactURL is not None:
            response.addHeader("contact", registration.contactURL.toString())
            response.addHeader("expires", str(registration.secondsToExpiry))
        response.addHeader("content-length", "0")
        self.deliverResponse(response)

    def _ebRegister(self, error: Any, message: Request) -> None:
        # Refused registrations get no answer (as in Twisted).
        error.trap(RegistrationError, LookupError)

    def unregister(self, message: Request, toURL: URL, contact: str | None) -> None:
        try:
            expires = int(message.headers["expires"][0])
        except ValueError:
            self.deliverResponse(self.responseFromRequest(400, message))
            return
        if expires != 0:
            return
        if contact == "*" or contact is None:
            contactURL: Any = "*"
        else:
            _, contactURL, _ = parseAddress(contact)
        d = self.registry.unregisterAddress(message.uri, toURL, contactURL)
        d.addCallback(self._cbUnregister, message)
        d.addErrback(self._ebUnregister, message)

    def _cbUnregister(self, registration: Registration, message: Request) -> None:
        response = self.responseFromRequest(200, message)
        response.headers.setdefault("contact", []).append(registration.contactURL.toString())
        response.addHeader("expires", "0")
        self.deliverResponse(response)

    def _ebUnregister(self, registration: Any, message: Request) -> None:
        pass


@implementer(ILocator, IRegistry)
class InMemoryRegistry:
    """Registrations for ``domain``, each expiring an hour after it was made."""

    def __init__(self, domain: str) -> None:
        self.domain = domain
        self.users: dict[str, tuple[Any, URL]] = {}

    def _user(self, userURI: URL) -> tuple[Any, URL]:
        if userURI.host != self.domain:
            raise LookupError("unknown domain")
        found = self.users.get(userURI.username or "")
        if found is None:
            raise LookupError("no such user")
        return found

    def getAddress(self, userURI: URL) -> defer.Deferred[Any]:
        try:
            _, url = self._user(userURI)
        except LookupError:
            return defer.fail()
        return defer.succeed(url)

    def getRegistrationInfo(self, userURI: URL) -> defer.Deferred[Any]:
        try:
            call, url = self._user(userURI)
        except LookupError:
            return defer.fail()
        return defer.succeed(Registration(int(call.getTime() - time.time()), url))

    def _expireRegistration(self, username: str) -> defer.Deferred[Any]:
        found = self.users.pop(username, None)
        if found is None:
            return defer.fail(LookupError("no such user"))
        call, url = found
        if call.active():
            call.cancel()
        return defer.succeed(Registration(0, url))

    def registerAddress(
        self, domainURL: URL, logicalURL: URL, physicalURL: URL
    ) -> defer.Deferred[Any]:
        if domainURL.host != self.domain or logicalURL.host != self.domain:
            log.msg("Registration for domain we don't handle.")
            return defer.fail(RegistrationError(404))
        username = logicalURL.username or ""
        if username in self.users:
            call, _ = self.users[username]
            call.reset(3600)
        else:
            from twistio.internet import reactor

            call = reactor.callLater(3600, self._expireRegistration, username)
        log.msg(f"Registered {logicalURL.toString()} at {physicalURL.toString()}")
        self.users[username] = (call, physicalURL)
        return defer.succeed(Registration(int(call.getTime() - time.time()), physicalURL))

    def unregisterAddress(
        self, domainURL: URL, logicalURL: URL, physicalURL: Any
    ) -> defer.Deferred[Any]:
        return self._expireRegistration(logicalURL.username or "")
