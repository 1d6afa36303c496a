"""Distributed web: one server's resource tree served through another, over Perspective Broker.

A *publisher* process exposes a ``Site`` as a PB root (``ResourcePublisher``); the front
server puts a ``ResourceSubscription`` where that tree should appear. Each request reaching
the subscription is sent by value to the publisher, which renders it there with a
``Request`` whose writes, headers and status come back over the connection. ``UserDirectory``
maps ``/~user/`` style children to each user's ``public_html`` folder or to the publisher
the user runs on the ``~/.twistd-web-pb`` UNIX socket (``twistd web --personal``).

The request travels under ``server.Request``'s qualified name, and the calls back are the
``write``/``finish``/``setHeader``/``setResponseCode``/... a Twisted peer makes.
"""

from __future__ import annotations

import html
import io
import os
from collections.abc import Callable
from typing import Any

from twistio.internet.address import IPv4Address, IPv6Address, UNIXAddress
from twistio.internet.interfaces import IPushProducer, implementer
from twistio.logger import Logger
from twistio.python.failure import Failure
from twistio.python.reflect import qual
from twistio.spread import pb
from twistio.spread.banana import SIZE_LIMIT
from twistio.web import pages, resource, server, static
from twistio.web.http_headers import Headers

__all__ = ["Issue", "Request", "ResourcePublisher", "ResourceSubscription", "UserDirectory"]

NOT_DONE_YET = server.NOT_DONE_YET


# -- addresses on the wire ------------------------------------------------------------------


def _addressToWire(address: Any) -> tuple[Any, ...] | None:
    if isinstance(address, (IPv4Address, IPv6Address)):
        return ("INET", address.host, address.port)
    if isinstance(address, UNIXAddress):
        name = address.name
        return (
            "UNIX",
            name.decode("utf-8", "surrogateescape") if isinstance(name, bytes) else name,
        )
    return None


def _addressFromWire(wire: Any) -> Any:
    if not isinstance(wire, (list, tuple)) or not wire:
        return None
    if wire[0] == "INET":
        host, port = wire[1], wire[2]
        kind = IPv6Address if ":" in host else IPv4Address
        return kind("TCP", host, port)
    if wire[0] == "UNIX":
        return UNIXAddress(wire[1])
    return None


# -- the subscriber's side of a request -----------------------------------------------------


class _RequestViews:
    """What the publisher's ``Request`` calls back: the real request at the front server
    (reached through a ``ViewPoint``, so each call is ``view_<name>(issuer, ...)``)."""

    def __init__(self, request: Any) -> None:
        self.request = request

    def view_write(self, issuer: Any, data: bytes) -> None:
        self.request.write(data)

    def view_finish(self, issuer: Any) -> None:
        self.request.finish()

    def view_setHeader(self, issuer: Any, name: Any, value: Any) -> None:
        self.request.setHeader(name, value)

    def view_addCookie(self, issuer: Any, k: Any, v: Any, **kwargs: Any) -> None:
        self.request.addCookie(k, v, **kwargs)

    def view_setResponseCode(self, issuer: Any, code: int, message: bytes | None = None) -> None:
        self.request.setResponseCode(code, message)

    def view_setLastModified(self, issuer: Any, when: float) -> None:
        self.request.setLastModified(when)

    def view_setETag(self, issuer: Any, tag: bytes) -> None:
        self.request.setETag(tag)

    def view_registerProducer(self, issuer: Any, producer: Any, streaming: bool) -> None:
        self.request.registerProducer(_RemoteProducerWrapper(producer), streaming)

    def view_unregisterProducer(self, issuer: Any) -> None:
        self.request.unregisterProducer()


class _RequestCopy(pb.Copyable):
    """A front-server request sent by value to the publisher, under ``server.Request``'s
    name (the class a publisher registers its ``Request`` for)."""

    def __init__(self, request: Any) -> None:
        self.request = request

    def getTypeToCopyFor(self, perspective: Any) -> bytes:
        return qual(server.Request).encode("utf-8")

    def getStateToCopyFor(self, perspective: Any) -> dict[str, Any]:
        request = self.request
        content = getattr(request, "content", None)
        data = b""
        if content is not None:
            content.seek(0, 0)
            data = content.read()
        headers = getattr(request, "requestHeaders", None)
        secure = getattr(request, "isSecure", None)
        state: dict[str, Any] = {
            "method": getattr(request, "method", b"GET"),
            "uri": getattr(request, "uri", b"/"),
            "path": getattr(request, "path", getattr(request, "uri", b"/")),
            "args": dict(getattr(request, "args", None) or {}),
            "clientproto": getattr(request, "clientproto", b"HTTP/1.0"),
            "prepath": list(getattr(request, "prepath", None) or []),
            "postpath": list(getattr(request, "postpath", None) or []),
            "received_cookies": dict(getattr(request, "received_cookies", None) or {}),
            "requestHeaders": list(headers.getAllRawHeaders()) if headers is not None else [],
            "host": _addressToWire(_call(request, "getHost")),
            "client": _addressToWire(_call(request, "getClientAddress")),
            "secure": bool(secure()) if callable(secure) else False,
            "content_data": data,
            "remote": pb.ViewPoint(perspective, _RequestViews(request)),
        }
        return state


def _call(obj: Any, name: str) -> Any:
    method = getattr(obj, name, None)
    if method is None:
        return None
    try:
        return method()
    except Exception:
        return None


class Issue:
    """One request sent to a publisher: ``finished`` takes what its ``render`` returned,
    ``failed`` answers 500 when the call failed (the publisher is gone, or is no
    ``ResourcePublisher``)."""

    _log = Logger()

    def __init__(self, request: Any) -> None:
        self.request = request

    def finished(self, result: Any) -> None:
        """The remote render's result: a body to send now, or ``NOT_DONE_YET``."""
        if result != NOT_DONE_YET:
            if isinstance(result, str):
                result = result.encode("utf-8")
            if not isinstance(result, bytes):
                raise TypeError(f"distributed render returned {result!r}, not bytes")
            self.request.write(result)
            self.request.finish()

    def failed(self, failure: Failure) -> None:
        """Log the failure's text and answer with a 500 page naming it."""
        text = str(failure)
        self._log.info(text.replace("{", "{{").replace("}", "}}"))
        detail = f"Connection to distributed server lost:<pre>{html.escape(text, False)}</pre>"
        page = resource._PAGE % (500, "Server Connection Lost", "Server Connection Lost", detail)
        self.request.setResponseCode(500)
        self.request.write(page.encode("utf-8"))
        self.request.finish()


class ResourceSubscription(resource.Resource):
    """A leaf standing for the tree a publisher serves at ``host``:``port`` (``host``
    ``"unix"``: ``port`` is the path of a UNIX socket)."""

    isLeaf = True
    waiting = 0
    _log = Logger()

    def __init__(self, host: str, port: Any) -> None:
        super().__init__()
        self.host = host
        self.port = port
        self.pending: list[Any] = []
        self.publisher: Any = None

    def __getstate__(self) -> dict[str, Any]:
        """Persisted without the connection and what waits on it."""
        state = self.__dict__.copy()
        state["pending"] = []
        state["waiting"] = 0
        state["publisher"] = None
        return state

    def connected(self, publisher: Any) -> None:
        """The publisher's root arrived: send every request waiting for it."""
        publisher.notifyOnDisconnect(self.booted)
        self._log.info("connected to publisher")
        self.publisher = publisher
        self.waiting = 0
        pending, self.pending = self.pending, []
        for request in pending:
            self.render(request)

    def notConnected(self, msg: Any) -> None:
        """No publisher (or it went away): the waiting requests are told so."""
        self._log.info("could not connect to distributed web service: {msg}", msg=msg)
        self.waiting = 0
        self.publisher = None
        pending, self.pending = self.pending, []
        for request in pending:
            request.write(b"Unable to connect to distributed server.")
            request.finish()

    def booted(self, publisher: Any = None) -> None:
        """The connection to the publisher dropped (called with its reference)."""
        self.notConnected("connection dropped")

    def render(self, request: Any) -> int:
        """Send ``request`` to the publisher (connecting first when needed)."""
        if self.publisher is None:
            self.pending.append(request)
            if not self.waiting:
                self.waiting = 1
                from twistio.internet import reactor

                factory = pb.PBClientFactory()
                if self.host == "unix":
                    reactor.connectUNIX(self.port, factory, timeout=10)
                else:
                    reactor.connectTCP(self.host, self.port, factory, timeout=10)
                factory.getRootObject().addCallbacks(self.connected, self.notConnected)
        else:
            issue = Issue(request)
            self.publisher.callRemote("request", _RequestCopy(request)).addCallbacks(
                issue.finished, issue.failed
            )
        return NOT_DONE_YET


# -- the publisher's side -------------------------------------------------------------------


@implementer(IPushProducer)
class _ReferenceableProducerWrapper(pb.Referenceable):
    """A producer on the publisher, driven by the front server's connection."""

    def __init__(self, producer: Any) -> None:
        self.producer = producer

    def remote_resumeProducing(self) -> None:
        self.producer.resumeProducing()

    def remote_pauseProducing(self) -> None:
        self.producer.pauseProducing()

    def remote_stopProducing(self) -> None:
        self.producer.stopProducing()


@implementer(IPushProducer)
class _RemoteProducerWrapper:
    """The front server's stand-in for a producer on the publisher."""

    def __init__(self, remote: Any) -> None:
        self.resumeProducing: Callable[[], Any] = lambda: remote.callRemote("resumeProducing")
        self.pauseProducing: Callable[[], Any] = lambda: remote.callRemote("pauseProducing")
        self.stopProducing: Callable[[], Any] = lambda: remote.callRemote("stopProducing")


class Request(pb.RemoteCopy, server.Request):
    """A request rendered on the publisher: it reads like the front server's request, and
    what the resource writes or sets goes back to it (``remote``, a ``ViewPoint``)."""

    _log = Logger()
    remote: Any = None

    def setCopyableState(self, state: dict[str, Any]) -> None:
        server.Request.__init__(self, None)
        state = dict(state)
        self.host = _addressFromWire(state.pop("host", None))
        self.client = _addressFromWire(state.pop("client", None))
        headers = Headers()
        for name, values in state.pop("requestHeaders", None) or []:
            headers.setRawHeaders(name, list(values))
        self.requestHeaders = headers
        self._secure = bool(state.pop("secure", False))
        self.content = io.BytesIO(state.pop("content_data", b"") or b"")
        for key, value in state.items():
            setattr(self, key, value)

    def isSecure(self) -> bool:
        """Whether the front server's request came over TLS."""
        return bool(getattr(self, "_secure", False)) or server.Request.isSecure(self)

    def getClientAddress(self) -> Any:
        """The client's address, as the front server saw it."""
        return self.client

    def getHost(self) -> Any:
        """The front server's address."""
        return self.host

    def write(self, data: bytes) -> None:
        """Send ``data`` to the front server, in pieces PB can carry."""
        if not isinstance(data, bytes):
            raise TypeError(f"Data must not be string, but {type(data).__name__}")
        for start in range(0, len(data), SIZE_LIMIT):
            self.remote.callRemote("write", data[start : start + SIZE_LIMIT])

    def finish(self) -> None:
        """The response is complete."""
        self.remote.callRemote("finish")

    def setHeader(self, name: Any, value: Any) -> None:
        """Set a response header at the front server."""
        self.remote.callRemote("setHeader", name, value)

    def addCookie(self, k: Any, v: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Add a cookie to the front server's response."""
        self.remote.callRemote("addCookie", k, v, **kwargs)

    def setResponseCode(self, code: int, message: bytes | None = None) -> None:
        """Set the status of the front server's response."""
        self.remote.callRemote("setResponseCode", code, message)

    def setLastModified(self, when: float) -> Any:
        """Set Last-Modified at the front server."""
        self.remote.callRemote("setLastModified", when)

    def setETag(self, etag: bytes) -> Any:
        """Set the ETag at the front server."""
        self.remote.callRemote("setETag", etag)

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Let the front server's connection drive ``producer``."""
        self.remote.callRemote(
            "registerProducer", _ReferenceableProducerWrapper(producer), streaming
        ).addErrback(self.fail)

    def unregisterProducer(self) -> None:
        """Stop the front server driving the producer."""
        self.remote.callRemote("unregisterProducer").addErrback(self.fail)

    def fail(self, failure: Failure) -> None:
        """Log a failure of a call back to the front server."""
        self._log.failure("", failure=failure)


pb.setUnjellyableForClass(server.Request, Request)


class ResourcePublisher(pb.Root):
    """The PB root a publisher serves: renders each request it is sent with ``site``."""

    _log = Logger()

    def __init__(self, site: server.Site) -> None:
        self.site = site

    def getPerspectiveNamed(self, name: Any) -> Any:
        """Every perspective is this publisher."""
        return self

    def remote_request(self, request: Request) -> Any:
        """Render ``request`` with the site's resource for it (bytes returned are written
        back in pieces, so large bodies pass the PB size limit)."""
        request.site = self.site
        request.sitepath = list(request.prepath)  # type: ignore[attr-defined]
        self._log.info(request)  # type: ignore[arg-type]  # the request itself, as Twisted logs it
        found: Any = self.site.getResourceFor(request)
        result = found.render(request)
        if isinstance(result, str):  # tolerated, as Twisted's publisher does
            result = result.encode("utf-8")
        if isinstance(result, bytes):
            request.write(result)
            request.finish()
            return NOT_DONE_YET
        return result


# -- /~user/ --------------------------------------------------------------------------------


class UserDirectory(resource.Resource):
    """Children named after the system's users: ``name`` serves the user's ``public_html``,
    ``name.twistd`` the publisher they run on ``~/.twistd-web-pb`` (``twistd web
    --personal``). Rendered, it lists them."""

    userDirName = "public_html"
    userSocketName = ".twistd-web-pb"

    def __init__(self, userDatabase: Any = None) -> None:
        super().__init__()
        if userDatabase is None:
            import pwd

            userDatabase = pwd
        self._pwd = userDatabase

    def _users(self) -> list[dict[str, Any]]:
        found = []
        for entry in self._pwd.getpwall():
            name, home = entry[0], entry[5]
            gecos = entry[4].split(",", 1)[0] if entry[4] else ""
            if os.path.exists(os.path.join(home, self.userDirName)):
                found.append({"href": f"{name}/", "text": f"{gecos} (file)"})
            if os.path.exists(os.path.join(home, self.userSocketName)):
                found.append({"href": f"{name}.twistd/", "text": f"{gecos} (twistd)"})
        return found

    def render_GET(self, request: Any) -> bytes:
        """A page with a link to each user's site."""
        items = "".join(
            f'<li><a href="{html.escape(user["href"])}">{html.escape(user["text"])}</a></li>'
            for user in self._users()
        )
        page = (
            "<html><head><title>twisted.web.distrib.UserDirectory</title></head>"
            f"<body><h1>twisted.web.distrib.UserDirectory</h1><ul>{items}</ul></body></html>"
        )
        return page.encode("utf-8")

    def getChild(self, name: bytes | str, request: Any) -> Any:
        """The site of the user ``name`` (``name.twistd``: their publisher)."""
        text = name.decode("utf-8", "replace") if isinstance(name, bytes) else name
        username, dot, suffix = text.partition(".")
        try:
            entry = self._pwd.getpwnam(username)
        except KeyError:
            return pages.notFound()
        home = entry[5]
        if dot and suffix == "twistd":
            socket = os.path.join(home, self.userSocketName)
            return ResourceSubscription("unix", os.path.abspath(socket))
        if not dot:
            public = os.path.join(home, self.userDirName)
            if os.path.exists(public):
                return static.File(public)
        return pages.notFound()
