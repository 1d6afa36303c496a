"""Small web helpers: redirects, a resource found later (``DeferredResource``), failure pages."""

from __future__ import annotations

import html
import linecache
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from twistio.internet.defer import Deferred
from twistio.python.failure import Failure
from twistio.python.reflect import fullyQualifiedName
from twistio.web import resource
from twistio.web._flatten import flattenString
from twistio.web._stan import Tag
from twistio.web._template_util import Element, TagLoader, XMLString, renderer
from twistio.web.iweb import IRequest, ITemplateLoader
from twistio.web.resource import IResource

if TYPE_CHECKING:
    from twistio.web.server import Request as _SiteRequest

#: A ``Failure.frames`` entry: function, file name, line number, locals, globals.
_Frame = tuple[str, str, int, object, object]

__all__ = [
    "ChildRedirector",
    "DeferredResource",
    "FailureElement",
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


def redirectTo(URL: bytes, request: IRequest) -> bytes:
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

    def render(self, request: IRequest) -> bytes:
        """The redirect."""
        return redirectTo(self.url, request)

    def getChild(self, name: bytes, request: IRequest) -> IResource:
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

    def getChild(self, name: bytes, request: IRequest) -> IResource:
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

    def render(self, request: IRequest) -> bytes:
        """The redirect, whatever the method."""
        return redirectTo(_here(request.prePathURL()), request)


class DeferredResource(resource.Resource):
    """A resource that a Deferred will give: rendering waits for it."""

    isLeaf = True

    def __init__(self, d: Deferred[IResource]) -> None:
        super().__init__()
        self.d = d

    def getChild(self, name: bytes, request: IRequest) -> IResource:
        """Itself: the Deferred's resource is asked for the rest of the path."""
        return self

    def render(self, request: IRequest) -> int:
        """Wait for the resource, then render it for the rest of the path."""
        from twistio.web.server import NOT_DONE_YET

        self.d.addCallback(self._cbChild, request).addErrback(self._ebChild, request)
        return NOT_DONE_YET

    # A site's request: rendering resumes, or fails, through what server.Request offers.
    def _cbChild(self, child: IResource, request: IRequest) -> None:
        cast("_SiteRequest", request).render(resource.getChildForRequest(child, request))

    def _ebChild(self, reason: Failure, request: IRequest) -> None:
        cast("_SiteRequest", request).processingFailed(reason)


def htmlIndent(snippetLine: str) -> str:
    """A line of source as HTML: escaped, spaces kept."""
    return html.escape(snippetLine).replace("  ", "&nbsp; ").replace("\t", "&nbsp; &nbsp; ")


def _spaced(line: str) -> str:
    # Runs of spaces survive HTML's whitespace folding: every second space of a pair becomes
    # a no-break space.
    return line.replace("  ", " \N{NO-BREAK SPACE}")


class _SourceLineElement(Element):
    """One numbered line of source: renderers ``lineNumber`` and ``sourceLine``."""

    def __init__(self, loader: ITemplateLoader | None, number: int, source: str) -> None:
        super().__init__(loader)
        self.number = number
        self.source = source

    @renderer
    def sourceLine(self, request: IRequest | None, tag: Tag) -> Tag:
        return tag(_spaced(self.source))

    @renderer
    def lineNumber(self, request: IRequest | None, tag: Tag) -> Tag:
        return tag(str(self.number))


class _SourceFragmentElement(Element):
    """The line a frame stopped at with one line either side: the ``sourceLines`` renderer
    repeats its tag per line, class ``snippetHighlightLine`` on the frame's own line and
    ``snippetLine`` on the others, each filled by a ``_SourceLineElement``."""

    def __init__(self, loader: ITemplateLoader | None, frame: _Frame) -> None:
        super().__init__(loader)
        self.frame = frame

    @renderer
    def sourceLines(self, request: IRequest | None, tag: Tag) -> list[_SourceLineElement]:
        filename, current = self.frame[1], self.frame[2]
        lines = []
        for number in range(current - 1, current + 2):
            text = linecache.getline(filename, number).rstrip()
            kind = "snippetHighlightLine" if number == current else "snippetLine"
            line = tag.clone()
            line(class_=kind)
            lines.append(_SourceLineElement(TagLoader(line), number, text))
        return lines


class _FrameElement(Element):
    """One stack frame (a ``Failure.frames`` item): renderers ``filename``, ``lineNumber``,
    ``function`` and ``source`` (a ``_SourceFragmentElement``)."""

    def __init__(self, loader: ITemplateLoader | None, frame: _Frame) -> None:
        super().__init__(loader)
        self.frame = frame

    @renderer
    def filename(self, request: IRequest | None, tag: Tag) -> Tag:
        return tag(self.frame[1])

    @renderer
    def lineNumber(self, request: IRequest | None, tag: Tag) -> Tag:
        return tag(str(self.frame[2]))

    @renderer
    def function(self, request: IRequest | None, tag: Tag) -> Tag:
        return tag(self.frame[0])

    @renderer
    def source(self, request: IRequest | None, tag: Tag) -> _SourceFragmentElement:
        return _SourceFragmentElement(TagLoader(tag), self.frame)


class _StackElement(Element):
    """A list of frames: the ``frames`` renderer gives a ``_FrameElement`` per frame, each
    on its own copy of the tag."""

    def __init__(self, loader: ITemplateLoader | None, stackFrames: Sequence[_Frame]) -> None:
        super().__init__(loader)
        self.stackFrames = stackFrames

    @renderer
    def frames(self, request: IRequest | None, tag: Tag) -> list[_FrameElement]:
        return [_FrameElement(TagLoader(tag.clone()), frame) for frame in self.stackFrames]


_FAILURE_TEMPLATE = """\
<section xmlns:t="http://twistedmatrix.com/ns/twisted.web.template/0.1" class="failure">
<style>
  section.failure { font-family: sans-serif; }
  section.failure h2 { color: #a00; font-size: 1.2em; }
  section.failure ol { padding: 0; list-style: none; }
  section.failure li { border-top: 1px solid #ccc; padding: 0.5em 0; }
  section.failure code { font-family: monospace; }
  section.failure .snippetLine, section.failure .snippetHighlightLine {
    font-family: monospace; white-space: pre-wrap; margin-left: 1em; }
  section.failure .snippetHighlightLine { background: #fee; color: #a00; }
  section.failure .lineno { display: inline-block; min-width: 4em; color: #888; }
</style>
<h2 class="error"><code t:render="type" />: <span t:render="value" /></h2>
<ol class="stackTrace" t:render="traceback">
<li t:render="frames" class="frame">
<div class="location"><span t:render="filename" />, line <span t:render="lineNumber" />,
in <code class="function" t:render="function" /></div>
<div t:render="source"><div t:render="sourceLines"><span class="lineno" \
t:render="lineNumber" /><code t:render="sourceLine" /></div></div>
</li>
</ol>
</section>
"""


class FailureElement(Element):
    """A ``Failure`` as HTML: renderers ``type`` (the exception class's dotted name),
    ``value`` (the exception as text) and ``traceback`` (a ``_StackElement`` of its frames).
    ``loader`` defaults to twistio's own page fragment."""

    def __init__(self, failure: Failure, loader: ITemplateLoader | None = None) -> None:
        if loader is None:
            loader = XMLString(_FAILURE_TEMPLATE)
        super().__init__(loader)
        self.failure = failure

    @renderer
    def type(self, request: IRequest | None, tag: Tag) -> Tag:
        return tag(fullyQualifiedName(self.failure.type))

    @renderer
    def value(self, request: IRequest | None, tag: Tag) -> Tag:
        return tag(str(self.failure.value))

    @renderer
    def traceback(self, request: IRequest | None, tag: Tag) -> _StackElement:
        return _StackElement(TagLoader(tag), self.failure.frames)


def formatFailure(myFailure: Failure) -> bytes:
    """``myFailure`` (a ``Failure``) as an HTML fragment (ASCII bytes; other characters as
    numeric references) rendered by ``FailureElement``; ``FlattenerError`` if it cannot be
    rendered."""
    results: list[bytes | Failure] = []
    flattenString(None, FailureElement(myFailure)).addBoth(results.append)
    result = results[0]
    if isinstance(result, Failure):
        result.raiseException()
    text: str = result.decode("utf-8")
    return text.encode("ascii", "xmlcharrefreplace")
