"""CGI scripts as resources (Twisted's ``twisted.web.twcgi``): ``CGIScript``, ``FilteredScript``,
``CGIDirectory`` and the ``CGIProcessProtocol`` that carries a request to a child process.

The script runs as a child process (``reactor.spawnProcess``) with the RFC 3875 meta-variables
in its environment and the request body on its standard input. Its output is a CGI response:
header lines (``Status: 404 Not Found``, ``Location``, any HTTP header), an empty line, then the
body, which is streamed to the client as it comes. A script whose output ends before its
header block did gets 500.

Differs from Twisted: the header block a script may print is bounded (64 KiB, else 500),
and a script that writes a ``Location`` without a ``Status`` gets 302, as RFC 3875 asks.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, cast
from urllib.parse import unquote

from twistio.internet import protocol
from twistio.internet.interfaces import IPushProducer, IReactorProcess
from twistio.python.failure import Failure
from twistio.web import http, resource, server
from twistio.web.iweb import IRequest
from twistio.web.resource import IResource

if TYPE_CHECKING:
    from twistio.web.static import Registry

__all__ = ["CGIDirectory", "CGIProcessProtocol", "CGIScript", "FilteredScript"]

_log = logging.getLogger("twistio.web.twcgi")

_MAX_HEAD = 65536


def _environment(env: dict[str, str]) -> Mapping[str | bytes, str | bytes]:
    # A str-only environment is one spawnProcess takes (it also takes bytes).
    return cast("Mapping[str | bytes, str | bytes]", env)


class CGIDirectory(resource.Resource):
    """A directory of CGI scripts: each file is a ``CGIScript``, each folder another of these."""

    def __init__(self, pathname: str) -> None:
        super().__init__()
        self.path = pathname

    def getChild(self, path: bytes, request: IRequest) -> IResource:
        name = path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else path
        if not name or "/" in name or name in (".", ".."):
            return resource.unwarned_no_resource()
        fn = os.path.join(self.path, name)
        if os.path.isdir(fn):
            return CGIDirectory(fn)
        if os.path.exists(fn):
            return CGIScript(fn)
        return resource.unwarned_no_resource()

    def render(self, request: IRequest) -> bytes:
        notFound = resource.unwarned_no_resource("CGI directories do not support directory listing.")
        return notFound.render(request)


class CGIScript(resource.Resource):
    """Runs the executable ``filename`` as a CGI script for each request."""

    isLeaf = True

    def __init__(
        self,
        filename: str,
        registry: Registry | None = None,
        reactor: IReactorProcess | None = None,
    ) -> None:
        super().__init__()
        self.filename = filename
        if reactor is None:
            from twistio.internet import reactor as default_reactor

            reactor = cast(IReactorProcess, default_reactor)
        self._reactor = reactor

    def render(self, request: IRequest) -> int:
        """Start the script with the request's CGI environment."""
        # The child's output goes back through what only a site's Request offers.
        served = cast(http.Request, request)
        scriptName = b"/" + b"/".join(served.prepath)
        serverName = served.getRequestHostname().split(b":")[0]
        host = served.getHost()
        client = served.getClientAddress()
        env: dict[str, str] = {
            "SERVER_SOFTWARE": server.version.decode("ascii"),
            "SERVER_NAME": serverName.decode("latin-1"),
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": served.clientproto.decode("ascii"),
            "SERVER_PORT": str(getattr(host, "port", "")),
            "REQUEST_METHOD": served.method.decode("ascii"),
            "SCRIPT_NAME": scriptName.decode("latin-1"),
            "SCRIPT_FILENAME": self.filename,
            "REQUEST_URI": served.uri.decode("latin-1"),
        }
        ip = getattr(client, "host", None)
        if ip is not None:
            env["REMOTE_ADDR"] = str(ip)
        pp = served.postpath
        if pp:
            env["PATH_INFO"] = "/" + "/".join(
                seg.decode("latin-1") if isinstance(seg, bytes) else seg for seg in pp
            )
        q = served.uri.find(b"?")
        env["QUERY_STRING"] = served.uri[q + 1 :].decode("latin-1") if q >= 0 else ""
        for name, values in served.requestHeaders.getAllRawHeaders():
            key = name.decode("latin-1").upper().replace("-", "_")
            value = ", ".join(v.decode("latin-1") for v in values)
            if key == "CONTENT_TYPE":
                env["CONTENT_TYPE"] = value
            elif key == "CONTENT_LENGTH":
                env["CONTENT_LENGTH"] = value
            elif key not in ("AUTHORIZATION", "PROXY"):
                env["HTTP_" + key] = value
        if "CONTENT_LENGTH" not in env and served.content is not None:
            here = served.content.tell()
            size = served.content.seek(0, 2)
            served.content.seek(here)
            env["CONTENT_LENGTH"] = str(size)
        for var in ("PATH", "SYSTEMROOT", "LANG", "TZ"):
            if var in os.environ:
                env.setdefault(var, os.environ[var])
        self.runProcess(env, served)
        done: int = server.NOT_DONE_YET
        return done

    def runProcess(
        self, env: dict[str, str], request: http.Request, qargs: list[str] | None = None
    ) -> None:
        """Spawn the script (subclasses choose another command line)."""
        p = CGIProcessProtocol(request)
        self._reactor.spawnProcess(
            p, self.filename, [self.filename, *(qargs or [])], _environment(env),
            os.path.dirname(self.filename) or None,
        )


class FilteredScript(CGIScript):
    """A script run through an interpreter: ``filter`` (a path) gets the file as argument."""

    filter = "/usr/bin/cat"

    def runProcess(
        self, env: dict[str, str], request: http.Request, qargs: list[str] | None = None
    ) -> None:
        p = CGIProcessProtocol(request)
        self._reactor.spawnProcess(
            p, self.filter, [self.filter, self.filename, *(qargs or [])], _environment(env),
            os.path.dirname(self.filename) or None,
        )


class CGIProcessProtocol(protocol.ProcessProtocol):
    """Carries one request to a CGI child process and its CGI response back."""

    handling_headers = 1
    headers_written = 0
    headertext = b""
    errortext = b""

    def __init__(self, request: http.Request) -> None:
        self.request = request
        self._requestGone = False
        request.notifyFinish().addErrback(self._gone)

    def _gone(self, reason: Failure) -> None:
        self._requestGone = True
        transport = self.transport
        if transport is not None:
            try:
                transport.signalProcess("KILL")
            except Exception:
                pass

    # The process's output back-pressure follows the client's: producer methods.
    def resumeProducing(self) -> None:
        cast(IPushProducer, self.transport).resumeProducing()

    def pauseProducing(self) -> None:
        cast(IPushProducer, self.transport).pauseProducing()

    def stopProducing(self) -> None:
        self._gone(Failure(Exception("stopped")))

    def connectionMade(self) -> None:
        self.request.registerProducer(self, True)
        content = self.request.content
        if content is not None:
            content.seek(0, 0)
            data = content.read()
            if data:
                self.transport.write(data)
        self.transport.closeStdin()

    def errReceived(self, error: bytes) -> None:
        self.errortext += error

    def outReceived(self, output: bytes) -> None:
        if self._requestGone:
            return
        if not self.handling_headers:
            self.request.write(output)
            return
        text = self.headertext + output
        end = -1
        for sep in (b"\r\n\r\n", b"\n\n", b"\r\r"):
            i = text.find(sep)
            if i >= 0 and (end < 0 or i < end):
                end, seplen = i, len(sep)
        if end < 0:
            if len(text) > _MAX_HEAD:
                self._fail("CGI script header block too long")
            else:
                self.headertext = text
            return
        head, body = text[:end], text[end + seplen :]
        self.headertext = b""
        self.handling_headers = 0
        self._applyHeaders(head)
        self.headers_written = 1
        if body:
            self.request.write(body)

    def _applyHeaders(self, head: bytes) -> None:
        request = self.request
        status = None
        location = False
        for line in head.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n"):
            if not line:
                continue
            name, sep, value = line.partition(b":")
            if not sep:
                _log.error("ignoring malformed CGI header: %r", line)
                continue
            value = value.strip()
            lname = name.strip().lower()
            if lname in (b"server", b"date"):
                # The server's own: a script does not replace them (as in Twisted).
                continue
            if lname == b"status":
                status = value
            elif lname == b"location":
                location = True
                request.setHeader(b"location", value)
            else:
                request.responseHeaders.addRawHeader(name.strip(), value)
        if status is not None:
            code, _, reason = status.partition(b" ")
            try:
                request.setResponseCode(int(code), reason or None)
            except ValueError:
                _log.error("CGI script %r sent a bad status: %r", request.uri, status)
        elif location:
            request.setResponseCode(http.FOUND)

    def _fail(self, message: str) -> None:
        _log.error("%s: %s", self.request.uri, message)
        self._requestGone = True
        request = self.request
        if not getattr(request, "startedWriting", False):
            request.setResponseCode(http.INTERNAL_SERVER_ERROR)
            request.write(b"<html><head><title>CGI Error</title></head><body>CGI Error</body></html>")
        request.unregisterProducer()
        request.finish()
        try:
            self.transport.signalProcess("KILL")
        except Exception:
            pass

    def processEnded(self, reason: Failure) -> None:
        if self.errortext:
            _log.error("Errors from CGI %s: %s", unquote(self.request.uri.decode("latin-1")),
                       self.errortext.decode("utf-8", "replace"))
        if self._requestGone:
            return
        if self.handling_headers:
            self._fail("premature end of script headers")
            return
        self.request.unregisterProducer()
        self.request.finish()
