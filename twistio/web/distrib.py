"""Web resources served by another process, over Perspective Broker.

A *publisher* process exposes a ``Site`` as a PB root (``ResourcePublisher``); the front
server mounts a ``ResourceSubscription(host, port)`` (``host`` ``"unix"`` and ``port`` a
socket path for a UNIX socket) where those resources belong. Each request reaching the
subscription is copied to the publisher (method, URI, headers, body, the path walked so
far), rendered there by the publisher's resources as if it had arrived at its own site, and
the copy's response calls (``setResponseCode``, ``setHeader``, ``write``, ``finish``...)
come back over the connection to the real request::

    # the publisher (for example a user's own process, listening on ~/.twistd-web-pb)
    reactor.listenUNIX(path, pb.PBServerFactory(distrib.ResourcePublisher(site)))

    # the front server
    root.putChild(b"app", distrib.ResourceSubscription("unix", path))

``UserDirectory`` maps ``/~user/``-style children to each user's ``public_html`` directory
or, for ``user.twistd``, to the publisher socket ``.twistd-web-pb`` in the user's home.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from io import BytesIO
from typing import TYPE_CHECKING, Protocol, cast

from typing_extensions import TypedDict, Unpack

from twistio._typing import StoredCall
from twistio.internet import reactor as _reactor
from twistio.internet.address import IPv4Address
from twistio.internet.interfaces import (
    IProducer,
    IPushProducer,
    IReactorTCP,
    IReactorUNIX,
)
from twistio.logger import Logger
from twistio.python.failure import Failure
from twistio.python.reflect import qual
from twistio.spread import pb
from twistio.spread.banana import SIZE_LIMIT
from twistio.web import http, pages, resource, server, static
from twistio.web.http_headers import Headers
from twistio.web.iweb import IRequest
from twistio.web.resource import IResource
from twistio.web.server import NOT_DONE_YET

try:
    import pwd
except ImportError:  # not on POSIX
    pwd = None  # type: ignore[assignment]

__all__ = ["Issue", "Request", "ResourcePublisher", "ResourceSubscription", "UserDirectory"]

class _SubscriptionReactor(IReactorTCP, IReactorUNIX, Protocol):
    """What ``ResourceSubscription`` connects through."""


reactor: _SubscriptionReactor = _reactor

# The calls the publisher's copy of a request makes on the real one.
_RESPONSE_CALLS = ("setResponseCode", "setHeader", "addCookie", "setLastModified", "setETag",
                   "finish")


def _addressTuple(address: object) -> tuple[str, str, int] | None:
    host = getattr(address, "host", None)
    if host is None:
        return None
    return ("INET", str(host), int(getattr(address, "port", 0) or 0))


class _ReferenceableProducerWrapper(pb.Referenceable):
    """A producer on the publisher's side, for the front server to pause and resume."""

    def __init__(self, producer: IPushProducer) -> None:
        self.producer = producer  # (a pull producer is never paused)

    def remote_resumeProducing(self) -> None:
        self.producer.resumeProducing()

    def remote_pauseProducing(self) -> None:
        self.producer.pauseProducing()

    def remote_stopProducing(self) -> None:
        self.producer.stopProducing()


class _RemoteProducer:
    """The front server's handle on a publisher's producer (each call goes over PB)."""

    def __init__(self, remote: pb.RemoteReference) -> None:
        self.remote = remote

    def resumeProducing(self) -> None:
        self.remote.callRemote("resumeProducing")

    def pauseProducing(self) -> None:
        self.remote.callRemote("pauseProducing")

    def stopProducing(self) -> None:
        self.remote.callRemote("stopProducing")


class _CookieOptions(TypedDict, total=False):
    """``Request.addCookie``'s keywords."""

    expires: bytes | str | None
    domain: bytes | str | None
    path: bytes | str | None
    max_age: bytes | str | int | None
    comment: bytes | str | None
    secure: bool | None
    httpOnly: bool
    sameSite: bytes | str | None


class _RequestState(TypedDict):
    """A request as the front server copies it to the publisher."""

    method: bytes
    uri: bytes
    path: bytes
    clientproto: bytes
    args: dict[bytes, list[bytes]]
    prepath: list[bytes]
    postpath: list[bytes]
    requestHeaders: list[tuple[bytes, list[bytes]]]  # (each pair a two-item list on the wire)
    client: tuple[str, str, int] | None
    host: tuple[str, str, int] | None
    secure: bool
    content_data: bytes
    remote: pb.RemoteReference


class _CopiedRequest(pb.Copyable):
    """What the front server sends for a request: its state by value, under the type name
    of ``server.Request`` (so the publisher builds a ``distrib.Request``), and a view on the
    real request for the response calls."""

    def __init__(self, request: server.Request) -> None:
        self.request = request

    def getTypeToCopyFor(self, perspective: object) -> bytes:
        return qual(server.Request).encode("utf-8")

    def getStateToCopyFor(self, perspective: object) -> dict[str, object]:
        request = self.request
        content = getattr(request, "content", None)
        body = b""
        if content is not None:
            content.seek(0)
            body = content.read()
            content.seek(0)
        # What the request has (a test double may lack some of a real request's fields).
        headers = getattr(request, "requestHeaders", None)
        clientAddress = getattr(request, "getClientAddress", None)
        hostAddress = getattr(request, "getHost", None)
        secure = getattr(request, "isSecure", None)
        return {
            "method": getattr(request, "method", b"GET"),
            "uri": getattr(request, "uri", b"/"),
            "path": getattr(request, "path", b"/"),
            "clientproto": getattr(request, "clientproto", b"HTTP/1.0"),
            "args": getattr(request, "args", {}),
            "prepath": list(getattr(request, "prepath", [])),
            "postpath": list(getattr(request, "postpath", [])),
            "requestHeaders": [
                [name, list(values)]
                for name, values in (headers.getAllRawHeaders() if headers is not None else ())
            ],
            "client": _addressTuple(clientAddress() if clientAddress is not None else None),
            "host": _addressTuple(hostAddress() if hostAddress is not None else None),
            "secure": bool(secure()) if secure is not None else False,
            "content_data": body,
            "remote": pb.ViewPoint(perspective, self),
        }

    # -- the publisher's copy calls these on the real request --------------------------

    def view_write(self, issuer: object, data: bytes) -> None:
        self.request.write(data)

    def view_finish(self, issuer: object) -> None:
        self.request.finish()

    def view_addCookie(
        self, issuer: object, k: bytes | str, v: bytes | str, **kwargs: Unpack[_CookieOptions]
    ) -> None:
        self.request.addCookie(k, v, **kwargs)

    def view_setHeader(self, issuer: object, k: bytes | str, v: bytes | str) -> None:
        self.request.setHeader(k, v)

    def view_setLastModified(self, issuer: object, when: float) -> None:
        self.request.setLastModified(when)

    def view_setETag(self, issuer: object, tag: bytes) -> None:
        self.request.setETag(tag)

    def view_setResponseCode(self, issuer: object, code: int, message: bytes | None = None) -> None:
        self.request.setResponseCode(code, message)

    def view_registerProducer(
        self, issuer: object, producer: pb.RemoteReference, streaming: bool
    ) -> None:
        self.request.registerProducer(_RemoteProducer(producer), streaming)

    def view_unregisterProducer(self, issuer: object) -> None:
        self.request.unregisterProducer()


class Request(pb.RemoteCopy, server.Request):
    """The publisher's copy of a front-server request: read it as any request; what is
    written to it goes back to the front server (``write`` in pieces no longer than
    banana's ``SIZE_LIMIT``)."""

    _log = Logger()

    def setCopyableState(self, state: dict[str, object]) -> None:
        if TYPE_CHECKING:  # what _CopiedRequest sent (for the type checker only: no call)
            copied = cast(_RequestState, state)
        else:
            copied = state
        server.Request.__init__(self, None)
        self.method = copied["method"]
        self.uri = copied["uri"]
        self.path = copied["path"]
        self.clientproto = copied["clientproto"]
        self.args = copied["args"]
        self.prepath = copied["prepath"]
        self.postpath = copied["postpath"]
        self.requestHeaders = Headers(dict(copied["requestHeaders"]))
        self.content = BytesIO(copied["content_data"])
        self._secure = copied["secure"]
        for key in ("client", "host"):
            kept = copied[key]
            if kept is not None:
                setattr(self, key, IPv4Address("TCP", kept[1], kept[2]))
        self.remote = copied["remote"]
        for name in _RESPONSE_CALLS:
            setattr(self, name, self._calling(name))

    def _calling(self, name: str) -> StoredCall:
        def call(*args: object, **kwargs: object) -> None:
            self._call(name, *args, **kwargs)

        return call

    def _call(self, name: str, *args: object, **kwargs: object) -> None:
        self.remote.callRemote(name, *args, **kwargs).addErrback(self._callFailed)

    def _callFailed(self, reason: Failure) -> None:
        # The front server went away: nobody is left to answer, and nothing to report.
        if reason.check(pb.PBConnectionLost, pb.DeadReferenceError) is None:
            self.fail(reason)

    def isSecure(self) -> bool:
        return bool(getattr(self, "_secure", False))

    def write(self, data: bytes) -> None:
        for start in range(0, len(data), SIZE_LIMIT):
            self._call("write", data[start:start + SIZE_LIMIT])

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        if TYPE_CHECKING:  # (only a streaming producer is paused: no call at run time)
            producer = cast(IPushProducer, producer)
        self._call("registerProducer", _ReferenceableProducerWrapper(producer), streaming)

    def unregisterProducer(self) -> None:
        self._call("unregisterProducer")

    def fail(self, failure: Failure) -> None:
        """A call to the front server failed: log it."""
        self._log.failure("", failure=failure)


pb.setUnjellyableForClass(server.Request, Request)


class Issue:
    """Puts the publisher's answer for one request into it: a rendered body, or, when the
    call failed, a 500 page saying the connection to the publisher was lost."""

    _log = Logger()

    def __init__(self, request: server.Request) -> None:
        self.request = request

    def finished(self, result: object) -> None:
        """The publisher answered: a body to write, or ``NOT_DONE_YET`` (it writes)."""
        if result is NOT_DONE_YET:
            return
        assert isinstance(result, bytes), "the publisher answered something not bytes"
        self.request.write(result)
        self.request.finish()

    def failed(self, failure: Failure) -> None:
        """The call failed: log the failure's text and answer with a 500 page."""
        text = str(failure)
        self._log.info(text.replace("{", "{{").replace("}", "}}"))
        request = self.request
        request.setResponseCode(http.INTERNAL_SERVER_ERROR)
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        detail = f"Connection to distributed server lost:<pre>{html.escape(text, quote=False)}</pre>"
        brief = "Server Connection Lost"
        request.write((resource.ERROR_PAGE_HTML % (500, brief, brief, detail)).encode("utf-8"))
        request.finish()


class ResourceSubscription(resource.Resource):
    """A resource whose whole subtree is served by the publisher at ``host``:``port``
    (``host`` ``"unix"``: ``port`` is a UNIX socket path). Connects on the first request
    and again after the connection is lost; requests arriving meanwhile wait."""

    isLeaf = True
    waiting = 0
    _log = Logger()

    def __init__(self, host: str, port: int | str) -> None:
        resource.Resource.__init__(self)
        self.host = host
        self.port = port
        self.pending: list[server.Request] = []
        self.publisher: pb.RemoteReference | None = None

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["pending"] = []
        state["waiting"] = 0
        state["publisher"] = None
        return state

    def connected(self, publisher: pb.RemoteReference) -> None:
        """The publisher's root arrived: send it the waiting requests."""
        self._log.info("connected to publisher")
        publisher.broker.notifyOnDisconnect(self.booted)
        self.publisher = publisher
        self.waiting = 0
        pending, self.pending = self.pending, []
        for request in pending:
            self._send(request)

    def notConnected(self, msg: object) -> None:
        """No publisher (the connection failed, or was lost): the waiting requests get an
        error page."""
        self._log.info("could not connect to distributed web service: {msg}", msg=msg)
        self.waiting = 0
        self.publisher = None
        pending, self.pending = self.pending, []
        for request in pending:
            request.write(b"Unable to connect to distributed server.")
            request.finish()

    def booted(self) -> None:
        """The connection to the publisher was lost."""
        self.notConnected("connection dropped")

    def render(self, request: IRequest) -> int:
        """Send ``request`` to the publisher (connecting first if need be)."""
        if TYPE_CHECKING:  # a Site's request (for the type checker only: no call)
            served = cast(server.Request, request)
        else:
            served = request
        self.pending.append(served)
        if self.publisher is not None:
            self.pending.remove(served)
            self._send(served)
        elif not self.waiting:
            self.waiting = 1
            factory = pb.PBClientFactory()
            if self.host == "unix":
                reactor.connectUNIX(cast(str, self.port), factory)
            else:
                reactor.connectTCP(self.host, cast(int, self.port), factory)
            factory.getRootObject().addCallbacks(self.connected, self.notConnected)
        return NOT_DONE_YET

    def _send(self, request: server.Request) -> None:
        issue = Issue(request)
        assert self.publisher is not None  # (connected)
        self.publisher.callRemote("request", _CopiedRequest(request)).addCallbacks(
            issue.finished, issue.failed
        )


class ResourcePublisher(pb.Root):
    """The PB root of a publisher: renders the requests it is sent with ``site``'s
    resources, as if they had arrived at ``site``."""

    _log = Logger()

    def __init__(self, site: server.Site) -> None:
        self.site = site

    def getPerspectiveNamed(self, name: str) -> ResourcePublisher:
        return self

    def remote_request(self, request: Request) -> int:
        """Render the copied ``request``; its body comes back through the copy's calls
        (the answer is ``NOT_DONE_YET`` then) or as the answer itself."""
        self._log.info(request)  # type: ignore[arg-type]
        target = self.site.getResourceFor(request)  # sets the request's site and sitepath
        result: bytes | int | str = target.render(request)
        if result is not NOT_DONE_YET:
            if isinstance(result, str):
                result = result.encode("utf-8")
            request.write(result)  # type: ignore[arg-type]  # (any other int fails here, as in Twisted)
            request.finish()
        return NOT_DONE_YET


_Passwd = tuple[str, str, int, int, str, str, str]


class _UserDatabase(Protocol):
    """The ``pwd`` module, or what stands in for it."""

    def getpwall(self) -> Iterable[_Passwd]: ...

    def getpwnam(self, name: str, /) -> _Passwd: ...


class UserDirectory(resource.Resource):
    """The users of the system as children: ``name`` is ``~name/public_html`` (a
    ``static.File``), ``name.twistd`` the publisher listening on ``~name/.twistd-web-pb``;
    the directory itself renders a list of links to those that exist."""

    userDirName = "public_html"
    userSocketName = ".twistd-web-pb"

    def __init__(self, userDatabase: _UserDatabase | None = None) -> None:
        resource.Resource.__init__(self)
        self._pwd = pwd if userDatabase is None else userDatabase

    def _users(self) -> list[tuple[str, str, str]]:
        """``(name, display, link)`` of each user with a directory or a socket."""
        found = []
        for entry in self._pwd.getpwall():
            name, gecos, home = entry[0], entry[4], entry[5]
            display = gecos.split(",")[0] or name
            if os.path.exists(os.path.join(home, self.userDirName)):
                found.append((name, f"{display} (file)", name + "/"))
            elif os.path.exists(os.path.join(home, self.userSocketName)):
                found.append((name, f"{display} (twistd)", name + ".twistd/"))
        return found

    def render_GET(self, request: IRequest) -> bytes:
        """An HTML list of links to the users' pages."""
        items = "".join(
            f'<li><a href="{html.escape(link)}">{html.escape(display)}</a></li>'
            for _, display, link in self._users()
        )
        page = (
            "<html><head><title>twistio user directory</title></head><body>"
            f"<h1>twistio user directory</h1><ul>{items}</ul></body></html>"
        )
        return page.encode("utf-8")

    def getChild(self, name: bytes, request: IRequest) -> IResource:
        text = name.decode("utf-8", "replace") if isinstance(name, bytes) else name
        twistd = text.endswith(".twistd")
        username = text[: -len(".twistd")] if twistd else text
        try:
            entry = self._pwd.getpwnam(username)
        except KeyError:
            return pages.notFound()
        home = entry[5]
        if twistd:
            return ResourceSubscription(
                "unix", os.path.abspath(os.path.join(home, self.userSocketName)))
        public = os.path.join(home, self.userDirName)
        if os.path.exists(public):
            return static.File(public)
        return pages.notFound()
