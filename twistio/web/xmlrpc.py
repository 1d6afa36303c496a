"""XML-RPC over HTTP: the ``XMLRPC`` resource and the ``Proxy`` client (Twisted's ``twisted.web.xmlrpc``).

Payloads are encoded and decoded by the standard library's ``xmlrpc.client``.

A call to the resource: the POST body names a procedure (``a.b.c`` walks sub-handlers
registered with ``putSubHandler`` by the prefix before each ``separator``) that resolves to an
``xmlrpc_<name>`` method; its result (a value, a ``Deferred`` or a coroutine) is the response.
A ``Fault`` raised or returned is sent as that fault; an unknown procedure is fault 8001
(``NOT_FOUND``); any other exception is logged and sent as fault 8002 (``FAILURE``, "error").

Differs from Twisted: ``Proxy`` sends its calls with twistio's ``Agent`` (HTTP/1.1, a new
connection per call) rather than a hand-written HTTP/1.0 client; the observable results
(value, ``Fault``, ``ValueError(status, message)`` for a non-200 answer, the transport error)
are the same. ``xmlrpc_*`` methods may also be coroutine functions.
"""

from __future__ import annotations

import base64
import inspect
import logging
import types
import xmlrpc.client as xmlrpclib
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar, cast
from urllib.parse import urlparse
from xml.sax.saxutils import escape as xml_escape

from twistio._typing import StoredCall
from twistio.internet.defer import CancelledError, Deferred, ensureDeferred, maybeDeferred
from twistio.internet.error import ConnectionDone, ConnectionLost
from twistio.internet.interfaces import IConnector, IReactorSSL, IReactorTCP
from twistio.internet.protocol import ClientFactory, connectionDone
from twistio.logger import Logger
from twistio.python.failure import Failure
from twistio.web import resource, server
from twistio.web._httpclient import HTTPClient
from twistio.web.iweb import IRequest

if TYPE_CHECKING:
    from twistio.web.http import Request

__all__ = [
    "XMLRPC", "Binary", "Boolean", "DateTime", "Fault", "Handler", "NoSuchFunction", "Proxy",
    "QueryFactory", "QueryProtocol", "XMLRPCIntrospection", "addIntrospection", "withRequest",
]

_log = logging.getLogger("twistio.web.xmlrpc")
_events = Logger()

Binary = xmlrpclib.Binary
Boolean = bool
DateTime = xmlrpclib.DateTime

_F = TypeVar("_F", bound=StoredCall)


# The standard library's class itself, as in Twisted: a method may raise or return either name.
Fault = xmlrpclib.Fault


class NoSuchFunction(Fault):
    """The procedure asked for does not exist (fault code ``XMLRPC.NOT_FOUND``)."""


class Handler:
    """Twisted's legacy helper: ``run`` computes ``result``, which the resource then sends."""

    def __init__(self, resource: XMLRPC, *args: object) -> None:
        self.resource = resource
        self.result: Deferred[object] = Deferred()
        self.run(*args)

    def run(self, *args: object) -> None:
        """Compute the result; the default is a fault."""
        self.result.callback(Fault(self.resource.FAILURE, "not implemented"))


def withRequest(f: _F) -> _F:
    """Mark an ``xmlrpc_*`` method to be called with the HTTP request as its first argument."""
    f.withRequest = True  # type: ignore[attr-defined]
    return f


NOT_FOUND = 8001
FAILURE = 8002


class XMLRPC(resource.Resource):
    """A resource answering XML-RPC POSTs with its ``xmlrpc_*`` methods and sub-handlers."""

    NOT_FOUND = NOT_FOUND
    FAILURE = FAILURE

    isLeaf = True
    separator = "."
    allowedMethods = (b"POST",)

    def __init__(self, allowNone: bool = False, useDateTime: bool = False) -> None:
        super().__init__()
        self.subHandlers: dict[str, XMLRPC] = {}
        self.allowNone = allowNone
        self.useDateTime = useDateTime

    def putSubHandler(self, prefix: str, handler: XMLRPC) -> None:
        """Serve ``handler``'s procedures as ``prefix<separator>name``."""
        self.subHandlers[prefix] = handler

    def getSubHandler(self, prefix: str) -> XMLRPC | None:
        """The sub-handler registered for ``prefix``, or None."""
        return self.subHandlers.get(prefix, None)

    def getSubHandlerPrefixes(self) -> list[str]:
        """The prefixes of every sub-handler."""
        return list(self.subHandlers.keys())

    def render_POST(self, request: IRequest) -> int:
        """Decode the call, run the procedure, send the result (always ``NOT_DONE_YET``)."""
        if TYPE_CHECKING:  # a Site's request (for the type checker only: no call)
            served = cast(Request, request)
        else:
            served = request
        assert served.content is not None
        served.content.seek(0, 0)
        served.setHeader(b"content-type", b"text/xml; charset=utf-8")
        try:
            args, functionPath = xmlrpclib.loads(served.content.read(), use_datetime=self.useDateTime)
        except Exception as e:
            self._cbRender(Fault(self.FAILURE, f"Can't deserialize input: {e}"), served)
            return server.NOT_DONE_YET
        try:
            function = self.lookupProcedure(functionPath or "")
        except Fault as f:
            self._cbRender(f, served)
            return server.NOT_DONE_YET
        responseFailed: list[Failure] = []
        if getattr(function, "withRequest", False):
            d = maybeDeferred(_call, function, served, *args)
        else:
            d = maybeDeferred(_call, function, *args)
        served.notifyFinish().addErrback(_lost, responseFailed, d)
        d.addErrback(self._ebRender)
        d.addCallback(self._cbRender, served, responseFailed)
        return server.NOT_DONE_YET

    def _cbRender(
        self, result: object, request: Request, responseFailed: list[Failure] | None = None
    ) -> None:
        if responseFailed:  # the client went away while the procedure ran
            return
        try:
            body = self._encodeResponse(result)
            request.setHeader(b"content-length", str(len(body)).encode("ascii"))
            request.write(body)
        except Exception:
            # Even the fault could not be encoded (or written): the request still ends.
            _events.failure("Error writing an XML-RPC response")
        if not (request.finished or getattr(request, "disconnected", False)):
            request.finish()

    def _encodeResponse(self, result: object) -> bytes:
        # A fault is sent as the fault; anything else as the single value of the response.
        if isinstance(result, Handler):
            result = result.result
        params = result if isinstance(result, Fault) else (result,)
        try:
            # (whatever the procedure returned: dumps refuses what it cannot send)
            text = xmlrpclib.dumps(params, methodresponse=True, allow_none=self.allowNone)  # type: ignore[arg-type]
        except Exception as e:
            unsendable = Fault(self.FAILURE, f"Can't serialize output: {e}")
            text = xmlrpclib.dumps(unsendable, methodresponse=True)
        return text.encode("utf-8")

    def _ebRender(self, failure: Failure) -> Fault:
        if isinstance(failure.value, Fault):
            return failure.value
        if not isinstance(failure.value, CancelledError):  # the client left: nothing to report
            _events.failure("Unhandled error in an XML-RPC method", failure)
        return Fault(self.FAILURE, "error")

    def lookupProcedure(self, procedurePath: str) -> StoredCall:
        """The callable for ``procedurePath``; raises ``NoSuchFunction`` if there is none."""
        if self.separator in procedurePath:
            prefix, procedurePath = procedurePath.split(self.separator, 1)
            handler = self.getSubHandler(prefix)
            if handler is None:
                raise NoSuchFunction(self.NOT_FOUND, f"no such subHandler {prefix}")
            return handler.lookupProcedure(procedurePath)
        f = getattr(self, "xmlrpc_" + procedurePath, None)
        if not f:
            raise NoSuchFunction(self.NOT_FOUND, f"procedure {procedurePath} not found")
        if not callable(f):
            raise NoSuchFunction(self.NOT_FOUND, f"procedure {procedurePath} not callable")
        return f  # type: ignore[no-any-return]

    def listProcedures(self) -> list[str]:
        """The names of this handler's own procedures: its class's ``xmlrpc_*`` functions,
        base classes' first, each in definition order (as Twisted lists them)."""
        names: dict[str, None] = {}
        _collect(type(self), names)
        return list(names)


def _collect(klass: type, names: dict[str, None]) -> None:
    for base in klass.__bases__:
        _collect(base, names)
    for name, value in vars(klass).items():
        if name.startswith("xmlrpc_") and len(name) > 7 and isinstance(value, types.FunctionType):
            names.setdefault(name[7:], None)


def _call(function: StoredCall, *args: object) -> object:
    result = function(*args)
    if inspect.iscoroutine(result):
        return ensureDeferred(result)
    return result


def _lost(reason: Failure, responseFailed: list[Failure], d: Deferred[object]) -> None:
    responseFailed.append(reason)
    if not d.called:
        d.cancel()


class XMLRPCIntrospection(XMLRPC):
    """The ``system.*`` procedures: ``listMethods``, ``methodHelp``, ``methodSignature``."""

    def __init__(self, parent: XMLRPC) -> None:
        super().__init__()
        self._xmlrpc_parent = parent

    def xmlrpc_listMethods(self) -> list[str]:
        """Every procedure this server answers, by its full dotted name."""
        # Breadth first, each handler's own procedures in class-definition order (as Twisted).
        found: list[str] = []
        level: list[tuple[str, XMLRPC]] = [("", self._xmlrpc_parent)]
        while level:
            below: list[tuple[str, XMLRPC]] = []
            for prefix, handler in level:
                found += [prefix + name for name in handler.listProcedures()]
                for sub_prefix in handler.getSubHandlerPrefixes():
                    sub = handler.getSubHandler(sub_prefix)
                    if sub is not None:
                        below.append((prefix + sub_prefix + handler.separator, sub))
            level = below
        return found

    xmlrpc_listMethods.signature = [["array"]]  # type: ignore[attr-defined]

    def xmlrpc_methodHelp(self, method: str) -> str:
        """The help of the named procedure: its ``help`` attribute, else its docstring."""
        target = self._xmlrpc_parent.lookupProcedure(method)
        for text in (getattr(target, "help", None), getattr(target, "__doc__", None)):
            if text:
                return str(text)
        return ""

    xmlrpc_methodHelp.signature = [["string", "string"]]  # type: ignore[attr-defined]

    def xmlrpc_methodSignature(self, method: str) -> object:
        """Return a list of type signatures, each a list of the return type then the argument types."""
        function = self._xmlrpc_parent.lookupProcedure(method)
        return getattr(function, "signature", None) or ""

    xmlrpc_methodSignature.signature = [  # type: ignore[attr-defined]
        ["array", "string"], ["string", "string"],
    ]


def addIntrospection(xmlrpc: XMLRPC) -> None:
    """Add the ``system.*`` introspection procedures to ``xmlrpc``."""
    xmlrpc.putSubHandler("system", XMLRPCIntrospection(xmlrpc))


# The body of a call: the method name, then the encoded parameters.
payloadTemplate = """<?xml version="1.0"?>
<methodCall>
<methodName>%s</methodName>
%s
</methodCall>
"""


def _payload(method: str, args: tuple[object, ...], allowNone: bool) -> bytes:
    params = xmlrpclib.dumps(args, allow_none=allowNone)  # type: ignore[arg-type]  # (it checks)
    return (payloadTemplate % (xml_escape(method), params)).encode("utf-8")


class QueryProtocol(HTTPClient):
    """Twisted's HTTP/1.0 client for one XML-RPC call, for code that connects a
    ``QueryFactory`` itself (twistio's ``Proxy`` goes through ``Agent`` instead).

    It sends the factory's call when connected; a status other than 200 is the factory's
    ``badStatus`` (and the connection is dropped). Once the body is complete the connection
    is closed, and when it has closed cleanly the body goes to the factory's
    ``parseResponse``; a connection lost with any other error fails the call with it.
    """

    factory: QueryFactory

    def connectionMade(self) -> None:
        """Send the call: request line, headers, body."""
        factory = self.factory
        self._body: list[bytes] = []
        self._complete: bytes | None = None
        self.sendCommand(b"POST", factory.path)
        headers = [
            (b"User-Agent", b"Twisted/XMLRPClib"),
            (b"Host", factory.host),
            (b"Content-type", b"text/xml; charset=utf-8"),
            (b"Content-length", str(len(factory.payload)).encode("ascii")),
        ]
        if factory.user is not None:
            secret = factory.user + b":" + (factory.password or b"")
            headers.append((b"Authorization", b"Basic " + base64.b64encode(secret)))
        for name, value in headers:
            self.sendHeader(name, value)
        self.endHeaders()
        assert self.transport is not None
        self.transport.write(factory.payload)

    def handleStatus(self, version: bytes, status: bytes, message: bytes) -> None:
        """Anything but 200 fails the call."""
        if status != b"200":
            self.factory.badStatus(status, message)
            if self.transport is not None:
                self.transport.loseConnection()

    def handleResponsePart(self, data: bytes) -> None:
        """Keep the body until it is complete."""
        self._body.append(data)

    def handleResponseEnd(self) -> None:
        """The whole body: keep it for when the connection has closed, and close it."""
        self._complete = b"".join(self._body)
        if self.transport is not None:
            self.transport.loseConnection()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Deliver the body after a clean close; fail the call on any other error."""
        HTTPClient.connectionLost(self, reason)
        if reason.check(ConnectionDone, ConnectionLost) is None:
            self.factory.clientConnectionLost(None, reason)
        elif self._complete is not None:
            self.handleResponse(self._complete)

    def handleResponse(self, contents: bytes) -> None:
        """Give the body to the factory, unless the call is decided already."""
        if self.factory._pending() is not None:
            self.factory.parseResponse(contents)


class QueryFactory(ClientFactory):
    """One XML-RPC call: its parameters, its result ``deferred`` and its protocol."""

    protocol = QueryProtocol
    deferred: Deferred[object] = None  # type: ignore[assignment]  # set per call in __init__

    def __init__(
        self, path: bytes, host: bytes, method: str, user: bytes | None = None,
        password: bytes | None = None, allowNone: bool = False, args: tuple[object, ...] = (),
        canceller: Callable[[Deferred[object]], None] | None = None, useDateTime: bool = False,
    ) -> None:
        self.path = path
        self.host = host
        self.user = user
        self.password = password
        self.payload = _payload(method, args, allowNone)
        self.deferred: Deferred[object] = Deferred(canceller)
        self.useDateTime = useDateTime

    def _pending(self) -> Deferred[object] | None:
        # The call's Deferred while it waits for its answer (None once cancelled).
        d = self.deferred
        return None if d is None or d.called else d

    def parseResponse(self, contents: bytes) -> None:
        """Fire ``deferred`` with the decoded response (or errback with its ``Fault``)."""
        d = self._pending()
        if d is None:
            return
        try:
            response = xmlrpclib.loads(contents, use_datetime=self.useDateTime)[0][0]
        except BaseException:
            d.errback(Failure())
        else:
            d.callback(response)

    def badStatus(self, status: bytes, message: bytes) -> None:
        """The server answered something else than 200."""
        d = self._pending()
        if d is not None:
            d.errback(ValueError(status, message))

    def clientConnectionLost(self, connector: IConnector | None, reason: Failure) -> None:
        """The connection ended before the call was answered: fail it with ``reason``."""
        d = self._pending()
        if d is not None:
            d.errback(reason)

    clientConnectionFailed = clientConnectionLost


class _ProxyReactor(IReactorTCP, IReactorSSL, Protocol):
    """What ``Proxy`` connects through."""


class Proxy:
    """An XML-RPC client for the server at ``url`` (bytes): ``callRemote(method, *args)`` -> Deferred.

    User name and password may be given in the URL (``http://user:pass@host/``) or as
    arguments (which win); they are sent with basic authentication.
    """

    queryFactory = QueryFactory

    def __init__(
        self, url: bytes, user: bytes | None = None, password: bytes | None = None,
        allowNone: bool = False, useDateTime: bool = False, connectTimeout: float = 30.0,
        reactor: _ProxyReactor | None = None,
    ) -> None:
        parts = urlparse(url)
        self.secure = parts.scheme == b"https"
        credentials, _, hostport = parts.netloc.rpartition(b"@")
        url_user, has_password, url_password = credentials.partition(b":")
        self.host, self.port = _split_hostport(hostport, 443 if self.secure else 80)
        target = parts.path or b"/"
        for mark, extra in ((b";", parts.params), (b"?", parts.query)):
            if extra:
                target += mark + extra
        self.path = target
        self.user = user if user is not None else (url_user if credentials else None)
        self.password = password if password is not None else (
            url_password if has_password else None
        )
        self.allowNone, self.useDateTime = allowNone, useDateTime
        self.connectTimeout = connectTimeout
        if reactor is None:
            from twistio.internet import reactor as global_reactor

            reactor = global_reactor
        self._reactor = reactor

    def callRemote(self, method: str, *args: object) -> Deferred[object]:
        """Call ``method`` on the server; fires with its result, or fails with its ``Fault``.

        As in Twisted, each call is one HTTP/1.0 connection made by ``queryFactory`` (a
        ``QueryFactory``) through the reactor's ``connectTCP``, or ``connectSSL`` for
        ``https`` (where, unlike Twisted's, the server's certificate is verified against
        the host name). Cancelling the call drops its connection.
        """
        connector: IConnector | None = None

        def cancel(d: Deferred[object]) -> None:
            # The factory lets go of the call (what the dropped connection reports is nobody's
            # business) and the Deferred fails with CancelledError.
            factory.deferred = None  # type: ignore[assignment]
            if connector is not None:
                connector.disconnect()

        factory = self.queryFactory(
            self.path, self.host, method, self.user, self.password, self.allowNone, args,
            cancel, self.useDateTime,
        )
        result = factory.deferred
        host = self.host.decode("idna")
        if self.secure:
            from twistio.internet.ssl import optionsForClientTLS

            connector = self._reactor.connectSSL(
                host, self.port, factory, optionsForClientTLS(host), timeout=self.connectTimeout
            )
        else:
            connector = self._reactor.connectTCP(
                host, self.port, factory, timeout=self.connectTimeout
            )
        return result


def _split_hostport(hostport: bytes, default: int) -> tuple[bytes, int]:
    if hostport.startswith(b"["):
        host, _, rest = hostport[1:].partition(b"]")
        return host, int(rest[1:]) if rest.startswith(b":") else default
    host, sep, port = hostport.partition(b":")
    return host, int(port) if sep and port else default
