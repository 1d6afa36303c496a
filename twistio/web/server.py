"""``Site`` and ``Request``: serve a ``Resource`` tree over HTTP (Twisted's ``twisted.web.server``).

Rendering: ``Request.process`` walks ``postpath`` from the root (``Site.getResourceFor``),
calls ``resource.render(request)``; bytes are sent with ``Content-Length``; ``NOT_DONE_YET``
leaves the request open for ``write``/``finish`` later (from a Deferred or a coroutine). An
exception becomes a 500 page that shows the traceback only when ``Site.displayTracebacks``.

Access log: on by default, in the combined log format. Each line is formatted directly (no
log event, no publisher) and appended to a buffer flushed once per event-loop turn:
to ``logPath`` when given (opened in append mode, written and flushed once per batch),
otherwise to the stdlib logger ``twistio.web.access`` at INFO, one record per batch (the
lines of every request finished in that loop turn, joined by newlines, so a handler sees
one message of one or more lines), and only when that logger is enabled for INFO (so an
application that configured no logging pays nothing). Twisted instead sends
each line through its log system (``twisted.python.log``), which costs it about a third of
its time per request. Lines use the standard combined format (the client address is not
quoted as in Twisted's).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from html import escape
from typing import IO, TYPE_CHECKING, Protocol, TypeVar, overload
from urllib.parse import quote as quote  # Twisted's namespace

from twistio.internet._registry import installed_reactor
from twistio.internet.interfaces import implementer
from twistio.logger import Logger
from twistio.python.components import Componentized
from twistio.python.failure import Failure
from twistio.python.reflect import safe_repr
from twistio.web import http, resource
from twistio.web._responses import (
    INTERNAL_SERVER_ERROR,
    NOT_ALLOWED,
    NOT_IMPLEMENTED,
    OK,
)
from twistio.web._responses import NO_CONTENT as NO_CONTENT  # Twisted's namespace
from twistio.web._responses import NOT_MODIFIED as NOT_MODIFIED
from twistio.web.error import UnsupportedMethod
from twistio.web.http import escape_log_field
from twistio.web.iweb import IRequest

if TYPE_CHECKING:
    from twistio.internet import protocol
    from twistio.internet.defer import Deferred
    from twistio.internet.interfaces import IAddress, IDelayedCall, IReactorTime
    from twistio.web.iweb import IAccessLogFormatter
    from twistio.web.resource import IResource

_T = TypeVar("_T")

__all__ = [
    "NOT_DONE_YET", "GzipEncoderFactory", "ISessionStore", "Request", "Session", "Site", "date",
    "string_date_time", "version",
]

NOT_DONE_YET = 1
supportedMethods = (b"GET", b"HEAD", b"POST")
"""The methods Twisted's module-level tuple names (``Request.supportedMethods`` has more)."""

try:
    from twistio import __version__ as _tv
except ImportError:  # pragma: no cover
    _tv = "0"
version = b"TwistioWeb/" + str(_tv).encode("ascii")

_log = logging.getLogger("twistio.web")
_access = logging.getLogger("twistio.web.access")
_events = Logger(namespace="twistio.web.server")  # events that Twisted code observes

date = http.datetimeToString
string_date_time = http.datetimeToString
datetimeToString = http.datetimeToString
_httpDate = http.datetimeToString  # to tell whether a test replaced datetimeToString

_FAILED = (
    "<html><head><title>Processing Failed</title></head><body>"
    "<b>Processing Failed</b></body></html>"
)
_LENGTHS = [b"%d" % n for n in range(1024)]
"""``Content-Length`` values of small bodies, made once (formatting one costs more)."""

_MONTHS = (None, "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class _LazyComponents:
    """``Request._adapterCache``, made on first use (nothing per request until then)."""

    def __get__(self, obj: object, owner: type | None = None) -> dict[str, object]:
        if obj is None:
            return {}
        cache: dict[str, object] = {}
        obj.__dict__["_adapterCache"] = cache
        return cache


@implementer(IRequest)
class Request(http.Request, Componentized):
    """An HTTP request served by a ``Site``: resource traversal, rendering, sessions.

    As in Twisted it is ``Componentized`` (``getComponent``/``setComponent``: Klein keeps
    its session state there).
    """

    _adapterCache = _LazyComponents()

    defaultContentType: bytes | None = b"text/html"
    site: Site | None = None
    appRootURL: bytes | None = None
    prepath: list[bytes]
    postpath: list[bytes]
    supportedMethods: tuple[bytes, ...] = (
        b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS",
    )
    _secureSession: Session | None = None
    _insecureSession: Session | None = None

    def process(self) -> None:
        """Find the resource for the request and render it."""
        try:
            site = self.site = self.channel.site  # type: ignore[attr-defined]
        except AttributeError:  # a channel without a site
            site = self.site = None
        # Headers set before processing (by a test or a subclass) are kept, as in Twisted.
        if datetimeToString is _httpDate:
            now = http.http_date_now()
        else:  # replaced (a test making the date deterministic, as Twisted's tests do)
            value = datetimeToString()
            now = value.encode("ascii") if isinstance(value, str) else value
        self.responseHeaders.update_trusted({b"server": [version], b"date": [now]})
        self.prepath = []
        path = self.path
        if path == b"*":
            self._handleStar()
            return
        if 37 in path:  # b"%" (an int test: see http_headers._value)
            self.postpath = [http.unquote(seg) for seg in path[1:].split(b"/")]
        else:
            self.postpath = path[1:].split(b"/")
        if site is not None:
            store = site.sessionStore
            if store is not None:
                loading = store.prepareRequest(self)
                if loading is not None:
                    loading.addCallback(self._dispatch)
                    return
            # _dispatch, inlined on the hot path.
            try:
                self.render(site.getResourceFor(self))
            except Exception:
                self.processingFailed(Failure())
            return
        self._dispatch()

    def _handleStar(self) -> None:
        """``OPTIONS *`` asks about the server, not a resource: 200, empty; any other method
        on ``*`` is 405, allowing only OPTIONS."""
        if self.method == b"OPTIONS":
            self.setResponseCode(OK)
        else:
            self.setResponseCode(NOT_ALLOWED)
            self.setHeader(b"allow", b"OPTIONS")
        self.setHeader(b"content-length", b"0")
        self.finish()

    @property
    def session(self) -> Session | None:
        """The session ``getSession`` made or found for this request (the secure one on a
        secure request), or None before that."""
        return self._secureSession if self.isSecure() else self._insecureSession

    def _dispatch(self, go: bool = True) -> None:
        if not go:
            return
        try:
            site = self.site
            assert site is not None, "a server.Request needs a Site"
            resrc = site.getResourceFor(self)
            self.render(resrc)
        except Exception:
            self.processingFailed(Failure())

    def render(self, resrc: IResource) -> None:
        """Render ``resrc`` and send what it returns (unless ``NOT_DONE_YET``)."""
        try:
            body = resrc.render(self)
        except UnsupportedMethod as e:
            allowed = e.allowedMethods
            if self.method == b"HEAD" and b"GET" in allowed:
                # HEAD must work (RFC 9110 9.3.2): render GET and send only the head.
                _events.info("Using GET to fake a HEAD request for {resrc}", resrc=resrc)
                self.method = b"GET"
                self._inFakeHead = True
                try:
                    body = resrc.render(self)
                finally:
                    self.method = b"HEAD"
                if body is NOT_DONE_YET or (type(body) is int and body == NOT_DONE_YET):
                    _events.info(
                        "Tried to fake a HEAD request for {resrc}, but it got away from me.",
                        resrc=resrc,
                    )
                    return  # what it writes later is dropped; no Content-Length
                self._inFakeHead = False
                if isinstance(body, bytes):
                    self.responseHeaders.set_trusted(b"content-length", [b"%d" % len(body)])
                    self.write(b"")
                    self.finish()
                    return
            elif self.method in self.supportedMethods:
                self.setHeader(b"Allow", b", ".join(allowed))
                epage = resource.unwarned_error_page(
                    NOT_ALLOWED, "Method Not Allowed",
                    "Your browser approached me (at {}) with the method \"{}\".  "
                    "I only allow the method{} {} here.".format(
                        self.uri.decode("latin-1"), self.method.decode("latin-1"),
                        "s" if len(allowed) > 1 else "",
                        ", ".join(m.decode("latin-1") for m in allowed),
                    ),
                )
                body = epage.render(self)
            else:
                epage = resource.unwarned_error_page(
                    NOT_IMPLEMENTED, "Huh?",
                    f"I don't know how to treat a {self.method.decode('latin-1')} request.",
                )
                body = epage.render(self)
        if type(body) is bytes:
            pass  # the usual answer: checked once
        elif body is NOT_DONE_YET or (type(body) is int and body == NOT_DONE_YET):
            return
        elif not isinstance(body, bytes):
            _log.error("%r rendered %r, not bytes", resrc, type(body))
            body = _notBytesPage(self, resrc, body)
        if self.method == b"HEAD":
            if body:
                _events.info(
                    "Warning: HEAD request {slf} for resource {resrc} is returning a message "
                    "body. I think I'll eat it.",
                    slf=self,
                    resrc=resrc,
                )
                self.responseHeaders.set_trusted(b"content-length", [b"%d" % len(body)])
            self.write(b"")
        else:
            n = len(body)
            self.responseHeaders.set_trusted(
                b"content-length", [_LENGTHS[n] if n < 1024 else b"%d" % n]
            )
            self.write(body)
        self.finish()

    def processingFailed(self, reason: Failure) -> Failure:
        """Answer 500; the traceback goes to the log, and to the client only if
        ``site.displayTracebacks``."""
        _events.failure(
            "Exception rendering {method} {uri}",
            failure=reason,
            method=self.method.decode("latin-1"),
            uri=self.uri.decode("latin-1"),
        )
        if self._disconnected or self.finished:
            return reason
        if self.startedWriting:
            # The head is gone; the only honest thing left is to cut the response short.
            self.loseConnection()
            self.finished = 1
            return reason
        if self.site is not None and self.site.displayTracebacks:
            body = (
                "<html><head><title>web.Server Traceback (most recent call last)</title></head>"
                "<body><b>web.Server Traceback (most recent call last):</b>\n\n<pre>"
                + escape(reason.getTraceback()) + "</pre></body></html>"
            ).encode("ascii", "xmlcharrefreplace")
        else:
            body = _FAILED.encode("ascii")
        self.setResponseCode(INTERNAL_SERVER_ERROR)
        self.setHeader(b"content-type", b"text/html")
        self.setHeader(b"content-length", b"%d" % len(body))
        self.write(body)
        self.finish()
        return reason

    def _finished_hook(self) -> None:
        site = self.site
        if site is not None:
            site.log(self)

    # -- sessions ---------------------------------------------------------------

    sessionCookieBaseName = b"TWISTED_SESSION"

    @overload
    def getSession(self, sessionInterface: None = None, forceNotSecure: bool = False) -> Session: ...

    @overload
    def getSession(
        self, sessionInterface: Callable[[Session], _T], forceNotSecure: bool = False
    ) -> _T: ...

    def getSession(
        self, sessionInterface: Callable[[Session], object] | None = None, forceNotSecure: bool = False
    ) -> object:
        """The session for this client (created, with a cookie, if there is none)."""
        secure = self.isSecure() and not forceNotSecure
        if secure:
            cookie_name = b"TWISTED_SECURE_SESSION"
            attr = "_secureSession"
        else:
            cookie_name = self.sessionCookieBaseName
            attr = "_insecureSession"
        session: Session | None = getattr(self, attr)
        if session is not None and session._expired:
            session = None  # it expired since: a new one
        if session is not None:
            try:
                session.touch()
                return session if sessionInterface is None else sessionInterface(session)
            except KeyError:
                session = None
        site = self.site
        assert site is not None
        cookie = self.getCookie(cookie_name)
        if cookie:
            try:
                session = site.getSession(cookie)
            except KeyError:
                session = None
        if session is None:
            session = site.makeSession()
            self.addCookie(
                cookie_name, session.uid, path=b"/", secure=secure,
                httpOnly=getattr(site, "sessionCookieHttpOnly", True),
                sameSite=getattr(site, "sessionCookieSameSite", "Lax"),
            )
        setattr(self, attr, session)
        session.touch()
        store = site.sessionStore
        if store is not None:
            store.sessionUsed(self, session)
        return session if sessionInterface is None else sessionInterface(session)

    def rememberRootURL(self) -> None:
        """Remember the URL of the resource tree's root (see ``getRootURL``)."""
        url = self._prePathURL(self.prepath[:-1])
        self.appRootURL = url

    def getRootURL(self) -> bytes | None:
        return self.appRootURL

    def childLink(self, name: bytes) -> bytes:
        """A link to the child ``name`` of the resource rendering, relative to the URL."""
        remaining = len(self.postpath)
        if remaining:  # the URL goes past the resource: climb back to it, then down
            return b"../" * (remaining - 1) + name
        # At the resource itself: relative to its own last segment (none after a slash).
        here = self.prepath[-1] if self.prepath else b""
        return here + b"/" + name if here else name

    def sibLink(self, name: bytes) -> bytes:
        """A link to the sibling ``name`` of the resource rendering, relative to the URL."""
        return b"../" * len(self.postpath) + name


def _notBytesPage(request: Request, resrc: object, value: object) -> bytes:
    """The 500 page for a render that returned something other than bytes: the request, the
    resource and the value, each escaped inside ``<pre>``, as Twisted shows them."""
    brief = "Request did not return bytes"
    detail = "<br />".join(
        f"{label}: <pre>{escape(safe_repr(obj), quote=False)}</pre>"
        for label, obj in (("Request", request), ("Resource", resrc), ("Value", value))
    )
    request.setResponseCode(INTERNAL_SERVER_ERROR)
    request.setHeader(b"content-type", b"text/html; charset=utf-8")
    return (resource.ERROR_PAGE_HTML % (INTERNAL_SERVER_ERROR, brief, brief, detail)).encode("utf-8")


class ISessionStore(Protocol):
    """Where a ``Site`` keeps its sessions when not in its own memory (twistio; see
    ``twistio.web.redissession``).

    ``Request.process`` calls ``prepareRequest`` first: a Deferred it returns delays rendering
    until it fires (so the session named by the request's cookie is in ``Site.sessions`` when
    ``getSession`` looks, which must answer at once); ``getSession`` then calls
    ``sessionUsed`` with the session it hands out.
    """

    def prepareRequest(self, request: Request) -> Deferred[bool] | None:
        """Get ready for ``request``: None or a Deferred firing True to render it, or False
        when the store has answered the request itself (an error page)."""

    def sessionUsed(self, request: Request, session: Session) -> None:
        """``request.getSession()`` handed out ``session``."""


class Session(Componentized):
    """Server-side state for one client, expiring after ``sessionTimeout`` idle seconds."""

    sessionTimeout = 900
    _expireCall: IDelayedCall | None = None

    def __init__(self, site: Site | None, uid: bytes, reactor: IReactorTime | None = None) -> None:
        if reactor is None:
            reactor = getattr(site, "reactor", None)  # a Site's: the one given or the global
        if reactor is None:
            reactor = installed_reactor()
        Componentized.__init__(self)
        self._reactor: IReactorTime = reactor
        self.site = site
        self.uid = uid
        self.expireCallbacks: list[Callable[[], object]] = []
        self.touch()
        self.sessionNamespaces: dict[str, object] = {}

    def startCheckingExpiration(self) -> None:
        """Start the expiry timer."""
        self._expireCall = self._reactor.callLater(self.sessionTimeout, self.expire)

    def notifyOnExpire(self, callback: Callable[[], object]) -> None:
        """Call ``callback()`` when the session expires."""
        self.expireCallbacks.append(callback)

    _expired = False

    def expire(self) -> None:
        """Expire now: forget the session and run the expiry callbacks."""
        self._expired = True
        if self.site is not None:
            self.site.sessions.pop(self.uid, None)
        callbacks, self.expireCallbacks = self.expireCallbacks, []
        for c in callbacks:
            c()
        if self._expireCall is not None and self._expireCall.active():
            self._expireCall.cancel()
        self._expireCall = None

    def touch(self) -> None:
        """Note activity: the expiry clock restarts."""
        self.lastModified = self._reactor.seconds()
        if self._expireCall is not None:
            self._expireCall.reset(self.sessionTimeout)


class Site(http.HTTPFactory):
    """Serves a resource tree: ``Site(resource, requestFactory=None, timeout=..., logPath=None)``."""

    counter = 0
    requestFactory: type[Request] = Request
    displayTracebacks = False
    sessionFactory: type[Session] = Session
    sessionCheckTime = 1800
    sessionCookieHttpOnly = True
    """twistio: the session cookie carries ``HttpOnly`` (scripts cannot read it)."""
    sessionCookieSameSite: str | None = "Lax"
    """twistio: the session cookie's ``SameSite`` (``"Lax"``, ``"Strict"``, ``"None"``, or
    None to leave it out, as Twisted does)."""

    def __init__(
        self,
        resource: IResource,
        requestFactory: type[Request] | None = None,
        logPath: str | None = None,
        timeout: float | None = 60.0,
        logFormatter: IAccessLogFormatter | None = None,
        reactor: IReactorTime | None = None,
        sessionStore: ISessionStore | None = None,
        *,
        parsePOSTFormSubmission: bool = True,
    ) -> None:
        super().__init__(logPath, timeout, logFormatter, reactor)
        self._parsePOSTFormSubmission = parsePOSTFormSubmission
        """Whether requests parse URL-encoded and multipart POST bodies into ``args`` (a
        request may say otherwise: ``Request(..., parsePOSTFormSubmission=...)``)."""
        self.sessions: dict[bytes, Session] = {}
        self.sessionStore = sessionStore
        """twistio: None keeps sessions in this process (as Twisted does); an
        ``ISessionStore`` (``twistio.web.redissession.RedisSessionStore``) keeps them
        elsewhere, shared by every process that serves the site."""
        if sessionStore is not None and self.sessionFactory is Session:
            factory = getattr(sessionStore, "sessionFactory", None)
            if isinstance(factory, type) and issubclass(factory, Session):
                self.sessionFactory = factory
        self.resource = resource
        if requestFactory is not None:
            self.requestFactory = requestFactory
        self._logBuffer: list[str] = []
        self._logFile: IO[str] | None = None
        self._flushScheduled = False
        self._logDate: tuple[int, str] = (0, "")

    def buildProtocol(self, addr: IAddress) -> http.HTTPChannel:
        channel = http.HTTPFactory.buildProtocol(self, addr)
        channel.requestFactory = self.requestFactory
        channel.site = self
        return channel

    def startFactory(self) -> None:
        self._factoryStarted = True
        if self.logPath is not None:
            self._logFile = open(self.logPath, "a", buffering=65536, encoding="utf-8")  # noqa: SIM115

    def stopFactory(self) -> None:
        self._flushLog()
        super().stopFactory()  # closes the log file

    # -- access log ---------------------------------------------------------------

    def _logTime(self) -> str:
        now = int(time.time())
        if self._logDate[0] != now:
            t = time.gmtime(now)
            stamp = (
                f"[{t.tm_mday:02d}/{_MONTHS[t.tm_mon]}/{t.tm_year:04d}:"
                f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000]"
            )
            self._logDate = (now, stamp)
        return self._logDate[1]

    def log(self, request: http.Request) -> None:
        """Append the combined-log-format line for ``request`` to the access log."""
        if self._logFile is None and not _access.isEnabledFor(logging.INFO):
            return
        if self.logFormatter is not None:
            line = self.logFormatter(self._logTime(), request)
        else:
            addr = request.getClientAddress()
            referrer = request.raw_header(b"referer")
            agent = request.raw_header(b"user-agent")
            line = (
                f'{getattr(addr, "host", "-")} - - {self._logTime()} '
                f'"{escape_log_field(request.method)} {escape_log_field(request.uri)} '
                f'{escape_log_field(request.clientproto)}" {request.code} {request.sentLength or "-"} '
                f'"{escape_log_field(referrer) if referrer else "-"}" '
                f'"{escape_log_field(agent) if agent else "-"}"'
            )
        self._logBuffer.append(line)
        if not self._flushScheduled:
            self._flushScheduled = True
            self._getReactor().callLater(0, self._flushLog)

    def _flushLog(self) -> None:
        self._flushScheduled = False
        lines, self._logBuffer = self._logBuffer, []
        if not lines:
            return
        if self._logFile is not None:
            self._logFile.write("\n".join(lines) + "\n")
            self._logFile.flush()
        else:
            # One record for the whole batch: a LogRecord, a handler lock and a flush per
            # request would cost more than the rest of a small request together.
            _access.info("\n".join(lines))

    # -- sessions -----------------------------------------------------------------

    def _mkuid(self) -> bytes:
        return os.urandom(32).hex().encode("ascii")

    def makeSession(self) -> Session:
        """A new session, registered and expiring."""
        uid = self._mkuid()
        session = self.sessions[uid] = self.sessionFactory(self, uid)
        session.startCheckingExpiration()
        return session

    def getSession(self, uid: bytes) -> Session:
        """The live session ``uid``; KeyError if there is none."""
        return self.sessions[uid]

    # -- resources ----------------------------------------------------------------

    def getResourceFor(self, request: Request) -> IResource:
        """The resource ``request`` addresses (walks ``request.postpath``)."""
        request.site = self
        request.sitepath = request.prepath[:]  # type: ignore[attr-defined]
        root = self.resource
        if root.isLeaf or not request.postpath:
            return root  # nothing to walk (a leaf root: WSGI, Klein, a single page)
        return resource.getChildForRequest(root, request)


def _http2Connection(
    channel: http.HTTPChannel, callLater: Callable[[float, Callable[[], object]], IDelayedCall] | None
) -> protocol.Protocol:
    """A site's connection that negotiated ``h2`` goes to HTTP/2 (``twistio.web._http2``,
    loaded on the first such connection: most sites never need it)."""
    from twistio.web._http2 import build_h2_connection

    return build_h2_connection(channel, callLater)


http.register_http2(_http2Connection)

# Last, so that _encoding (which may import this module) finds everything defined.
from twistio.web._encoding import GzipEncoderFactory  # noqa: E402
