"""``Resource``: a node of the URL tree that renders requests (Twisted's ``twisted.web.resource``).

``render`` dispatches to ``render_<METHOD>``; a missing method raises ``UnsupportedMethod``
listing the ones the resource has, which ``server.Request`` answers with 405 and ``Allow``.
HEAD falls back to ``render_GET`` (the body is dropped by the server).

Differs from Twisted: twistio's ``server.Request.supportedMethods`` also contains PUT, DELETE,
PATCH and OPTIONS, so those reach ``render_*`` and, when missing, get 405 rather than 501
(Twisted answers 501 for anything but GET, HEAD and POST it was not told about).
"""

from __future__ import annotations

import warnings
from html import escape
from typing import TYPE_CHECKING, Protocol, Union

from twistio.internet.interfaces import Interface, implementer
from twistio.web._responses import FORBIDDEN, NOT_FOUND
from twistio.web.error import UnsupportedMethod

if TYPE_CHECKING:
    from twistio.web.iweb import IRequest

RenderResult = Union[bytes, int]
"""What ``render`` returns: the body, or ``server.NOT_DONE_YET`` (1)."""

__all__ = [
    "EncodingResourceWrapper",
    "ErrorPage",
    "ForbiddenResource",
    "IResource",
    "NoResource",
    "Resource",
    "getChildForRequest",
]


class IResource(Interface, Protocol):
    """A web resource: ``isLeaf``, ``getChildWithDefault``, ``putChild`` and ``render``."""

    @property
    def isLeaf(self) -> bool:
        """Whether the resource serves the rest of the path itself (no child look-up)."""

    def getChildWithDefault(self, name: bytes, request: IRequest) -> IResource:
        """The child for path segment ``name``."""

    def putChild(self, path: bytes, child: IResource) -> None:
        """Add a child at path segment ``path``."""

    def render(self, request: IRequest) -> RenderResult:
        """Render ``request``: bytes, or ``NOT_DONE_YET``."""


def _computeAllowedMethods(resource: object) -> list[bytes]:
    allowed = []
    for name in dir(resource):
        if name.startswith("render_") and callable(getattr(resource, name, None)):
            allowed.append(name[7:].encode("ascii"))
    return allowed


@implementer(IResource)
class Resource:
    """A web resource: children by path segment, and ``render_<METHOD>`` methods."""

    isLeaf: bool = False
    server: object = None

    def __init__(self) -> None:
        self.children: dict[bytes, IResource] = {}

    def listStaticNames(self) -> list[bytes]:
        return list(self.children.keys())

    def listStaticEntities(self) -> list[tuple[bytes, IResource]]:
        return list(self.children.items())

    def listNames(self) -> list[bytes]:
        return self.listStaticNames() + self.listDynamicNames()

    def listEntities(self) -> list[tuple[bytes, IResource]]:
        return self.listStaticEntities() + self.listDynamicEntities()

    def listDynamicNames(self) -> list[bytes]:
        return []

    def listDynamicEntities(self, request: IRequest | None = None) -> list[tuple[bytes, IResource]]:
        return []

    def getStaticEntity(self, name: bytes) -> IResource | None:
        return self.children.get(name)

    def getDynamicEntity(self, name: bytes, request: IRequest) -> IResource | None:
        if name not in self.children:
            return self.getChild(name, request)
        return None

    def delEntity(self, name: bytes) -> None:
        del self.children[name]

    def reallyPutEntity(self, name: bytes, entity: IResource) -> None:
        self.children[name] = entity

    def getChild(self, path: bytes, request: IRequest) -> IResource:
        """The child for a segment not registered with ``putChild``: 404 by default."""
        return unwarned_no_resource()

    def getChildWithDefault(self, path: bytes, request: IRequest) -> IResource:
        """The registered child for ``path``, else ``getChild(path, request)``."""
        children = self.children
        if path in children:
            return children[path]
        return self.getChild(path, request)

    def getChildForRequest(self, request: IRequest) -> IResource:
        return getChildForRequest(self, request)

    def putChild(self, path: bytes, child: IResource) -> None:
        """Serve ``child`` at segment ``path`` (bytes, as in Twisted)."""
        if not isinstance(path, bytes):
            raise TypeError(f"Path segment must be bytes, but {path!r} is {type(path)}")
        self.children[path] = child
        if isinstance(child, Resource):
            child.server = self.server

    def render(self, request: IRequest) -> RenderResult:
        """Dispatch to ``render_<METHOD>``; raise ``UnsupportedMethod`` if there is none."""
        method = request.method
        name = _RENDER_NAMES.get(method)
        if name is None:
            # A str method (test doubles such as DummyRequest('POST') have one) works too.
            name = "render_" + (method if isinstance(method, str) else method.decode("ascii"))
        m = getattr(self, name, None)
        if m is None:
            allowed = getattr(self, "allowedMethods", None)
            if allowed is None:
                allowed = _computeAllowedMethods(self)
            raise UnsupportedMethod(list(allowed))
        result: RenderResult = m(request)
        return result

    def render_HEAD(self, request: IRequest) -> RenderResult:
        """HEAD is GET without the body."""
        render_get = getattr(self, "render_GET", None)
        if render_get is None:
            raise UnsupportedMethod(_computeAllowedMethods(self))
        result: RenderResult = render_get(request)
        return result


_RENDER_NAMES = {
    m: "render_" + m.decode("ascii")
    for m in (b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS")
}


def getChildForRequest(resource: IResource, request: IRequest) -> IResource:
    """Walk ``request.postpath`` down from ``resource`` until a leaf; move segments to prepath."""
    postpath = request.postpath
    prepath = request.prepath
    while postpath and not resource.isLeaf:
        segment = postpath.pop(0)
        prepath.append(segment)
        resource = resource.getChildWithDefault(segment, request)
    return resource


ERROR_PAGE_HTML = (
    "\n<html>\n  <head><title>%s - %s</title></head>\n  <body>\n    <h1>%s</h1>\n"
    "    <p>%s</p>\n  </body>\n</html>\n"
)
"""Twisted's error page: ``% (code, brief, brief, detail)``, the text HTML-escaped by the
caller (``ErrorPage``; ``server`` and ``distrib`` for the pages they write themselves)."""


def _warnDeprecatedPage(name: str, replacement: str) -> None:
    warnings.warn(
        f"twisted.web.resource.{name} was deprecated in Twisted 22.10.0; "
        f"please use twisted.web.pages.{replacement} instead",
        DeprecationWarning,
        stacklevel=3,
    )


class ErrorPage(Resource):
    """Renders an HTML error page with ``code``, ``brief`` and ``detail`` (all escaped).

    Deprecated, as in Twisted: making one warns; use ``twistio.web.pages.errorPage``.
    """

    def __init__(self, status: int, brief: str, detail: str) -> None:
        _warnDeprecatedPage("ErrorPage", "errorPage")
        self._setUp(status, brief, detail)

    def _setUp(self, status: int, brief: str, detail: str) -> None:
        Resource.__init__(self)
        self.code = status
        self.brief = brief
        self.detail = detail

    def render(self, request: IRequest) -> bytes:
        request.setResponseCode(self.code)
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        brief = escape(self.brief, quote=False)
        page = ERROR_PAGE_HTML % (self.code, brief, brief, escape(self.detail, quote=False))
        return page.encode("utf-8")

    def getChild(self, chnam: bytes, request: IRequest) -> IResource:
        return self


class NoResource(ErrorPage):
    """404 No Such Resource (deprecated: use ``twistio.web.pages.notFound``)."""

    def __init__(self, message: str = "Sorry. No luck finding that resource.") -> None:
        _warnDeprecatedPage("NoResource", "notFound")
        self._setUp(NOT_FOUND, "No Such Resource", message)


class ForbiddenResource(ErrorPage):
    """403 Forbidden Resource (deprecated: use ``twistio.web.pages.forbidden``)."""

    def __init__(self, message: str = "Sorry, resource is forbidden.") -> None:
        _warnDeprecatedPage("ForbiddenResource", "forbidden")
        self._setUp(FORBIDDEN, "Forbidden Resource", message)


def unwarned_error_page(status: int, brief: str, detail: str) -> ErrorPage:
    """An ``ErrorPage`` made without the deprecation warning: for twistio's own modules,
    which answer with Twisted's page (as Twisted's own do), unlike ``pages.errorPage``'s."""
    page = ErrorPage.__new__(ErrorPage)
    page._setUp(status, brief, detail)
    return page


def unwarned_no_resource(message: str = "Sorry. No luck finding that resource.") -> NoResource:
    """A ``NoResource`` made without the deprecation warning (see ``unwarned_error_page``)."""
    page = NoResource.__new__(NoResource)
    page._setUp(NOT_FOUND, "No Such Resource", message)
    return page


def unwarned_forbidden_resource(
    message: str = "Sorry, resource is forbidden.",
) -> ForbiddenResource:
    """A ``ForbiddenResource`` made without the deprecation warning (see
    ``unwarned_error_page``)."""
    page = ForbiddenResource.__new__(ForbiddenResource)
    page._setUp(FORBIDDEN, "Forbidden Resource", message)
    return page


# Twisted's older names.
_UnsafeErrorPage = ErrorPage
_UnsafeNoResource = NoResource
_UnsafeForbiddenResource = ForbiddenResource

# Last, so that _encoding (which may import this module) finds everything defined.
from twistio.web._encoding import EncodingResourceWrapper  # noqa: E402
