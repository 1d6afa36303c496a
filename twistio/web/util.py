"""Small web helpers: redirects, a resource found later (``DeferredResource``), failure pages."""

from __future__ import annotations

import html
import traceback
from typing import Any

from twistio.web import resource

__all__ = [
    "ChildRedirector",
    "DeferredResource",
    "ParentRedirect",
    "Redirect",
    "formatFailure",
    "htmlIndent",
    "redirectTo",
]

_REDIRECT_PAGE = """
<html>
    <head>
        <meta http-equiv="refresh" content="0;URL=%(url)s">
    </head>
    <body bgcolor="#FFFFFF" text="#000000">
    <a href="%(url)s">click here</a>
    </body>
</html>
"""


def redirectTo(URL: bytes, request: Any) -> bytes:
    """Redirect ``request`` to ``URL`` (302) and return an HTML page that links there.

    The URL is HTML-escaped in the page; ``Location`` carries it as given (the server
    refuses values with CR or LF).
    """
    if not isinstance(URL, bytes):
        raise TypeError("URL must be bytes")
    request.setHeader(b"Content-Type", b"text/html; charset=utf-8")
    request.redirect(URL)
    escaped = html.escape(URL.decode("utf-8", "replace"), quote=True)
    return (_REDIRECT_PAGE % {"url": escaped}).encode("utf-8")


class Redirect(resource.Resource):
    """A leaf resource that redirects every request to one URL."""

    isLeaf = True

    def __init__(self, url: bytes) -> None:
        super().__init__()
        self.url = url

    def render(self, request: Any) -> bytes:
        """The redirect."""
        return redirectTo(self.url, request)

    def getChild(self, name: bytes, request: Any) -> Any:
        """Itself: every path below redirects too."""
        return self


class ChildRedirector(Redirect):
    """Redirects ``.../name`` to ``url/name``: a tree of redirects under one URL."""

    isLeaf = False

    def __init__(self, url: bytes | str) -> None:
        if isinstance(url, str):
            url = url.encode("utf-8")
        if url.find(b"://") == -1 and not url.startswith(b"/"):
            raise ValueError(
                f"It seems you've given me a redirect ({url!r}) that is a child of myself! "
                "That's not good, it'll cause an infinite redirect."
            )
        super().__init__(url)

    def getChild(self, name: bytes, request: Any) -> Any:
        """A redirector for the child URL."""
        newUrl = self.url
        if not newUrl.endswith(b"/"):
            newUrl += b"/"
        return ChildRedirector(newUrl + name)


def _here(url: bytes) -> bytes:
    """The URL of the directory holding ``url`` (query and fragment dropped)."""
    url = url.split(b"#", 1)[0].split(b"?", 1)[0]
    scheme, sep, rest = url.partition(b"://")
    if not sep:
        return url[: url.rfind(b"/") + 1] or b"/"
    host, slash, path = rest.partition(b"/")
    path = slash + path
    return scheme + b"://" + host + (path[: path.rfind(b"/") + 1] or b"/")


class ParentRedirect(resource.Resource):
    """A leaf that redirects to the nearest directory (``/foo/bar?x`` to ``/foo/``), as an absolute URL."""

    isLeaf = True

    def render(self, request: Any) -> bytes:
        """The redirect, whatever the method."""
        return redirectTo(_here(request.prePathURL()), request)


class DeferredResource(resource.Resource):
    """A resource that a Deferred will give: rendering waits for it."""

    isLeaf = True

    def __init__(self, d: Any) -> None:
        super().__init__()
        self.d = d

    def getChild(self, name: bytes, request: Any) -> Any:
        """Itself: the Deferred's resource is asked for the rest of the path."""
        return self

    def render(self, request: Any) -> Any:
        """Wait for the resource, then render it for the rest of the path."""
        from twistio.web.server import NOT_DONE_YET

        self.d.addCallback(self._cbChild, request).addErrback(self._ebChild, request)
        return NOT_DONE_YET

    def _cbChild(self, child: Any, request: Any) -> None:
        request.render(resource.getChildForRequest(child, request))

    def _ebChild(self, reason: Any, request: Any) -> None:
        request.processingFailed(reason)


def htmlIndent(snippetLine: str) -> str:
    """A line of source as HTML: escaped, spaces kept."""
    return html.escape(snippetLine).replace("  ", "&nbsp; ").replace("\t", "&nbsp; &nbsp; ")


def formatFailure(myFailure: Any) -> bytes:
    """An HTML page (bytes) showing a failure's traceback, escaped.

    Twisted renders an elaborate template of frames and source; twistio gives the plain
    traceback in a ``<pre>``, enough to debug with ``displayTracebacks`` on.
    """
    exc = getattr(myFailure, "value", myFailure)
    if isinstance(exc, BaseException):
        tb = getattr(myFailure, "tb", None) or exc.__traceback__
        text = "".join(traceback.format_exception(type(exc), exc, tb))
    elif hasattr(myFailure, "getTraceback"):
        text = myFailure.getTraceback()
    else:
        raise TypeError("formatFailure requires a Failure or an exception")
    body = (
        '<div class="error">\n<div class="error-type">'
        + html.escape(type(exc).__name__ if isinstance(exc, BaseException) else "Error")
        + '</div>\n<pre class="traceback">'
        + html.escape(text)
        + "</pre>\n</div>\n"
    )
    return body.encode("utf-8")
