"""Resources that answer with a small HTML error page (Twisted 22.10+ ``twisted.web.pages``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from twistio.web.iweb import IRequest
from twistio.web.resource import Resource
from twistio.web.template import renderElement, tags

if TYPE_CHECKING:
    from twistio.web._stan import Flattenable, Tag

__all__ = ["errorPage", "forbidden", "notFound"]


class _ErrorPage(Resource):
    """Every request, to any child path, gets ``code`` and a page with ``brief`` and
    ``detail``, HTML-escaped."""

    def __init__(self, code: int, brief: str, detail: str) -> None:
        super().__init__()
        self.code = code
        self.brief = brief
        self.detail = detail

    def render(self, request: IRequest) -> bytes | int:
        """Set the status and content type, then write the page."""
        request.setResponseCode(self.code)
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        page = tags.html(
            tags.head(tags.title(f"{self.code} - {self.brief}")),
            tags.body(tags.h1(self.brief), tags.p(self.detail)),
        )
        return renderElement(request, _Page(page))

    def getChild(self, path: bytes, request: IRequest) -> Resource:
        """This page again, whatever the path."""
        return self


class _Page:
    """A renderable for one fixed tree."""

    def __init__(self, tree: Flattenable) -> None:
        self.tree = tree

    def render(self, request: IRequest | None) -> Flattenable:
        return self.tree

    def lookupRenderMethod(self, name: str) -> Callable[[IRequest | None, Tag], Flattenable]:
        raise KeyError(name)


def errorPage(code: int, brief: str, detail: str) -> _ErrorPage:
    """A resource answering every request with status ``code`` and an HTML page showing
    ``brief`` (title and heading) and ``detail``."""
    return _ErrorPage(code, brief, detail)


def notFound(
    brief: str = "No Such Resource", message: str = "Sorry. No luck finding that resource."
) -> _ErrorPage:
    """A 404 page."""
    return _ErrorPage(404, brief, message)


def forbidden(
    brief: str = "Forbidden Resource", message: str = "Sorry, resource is forbidden."
) -> _ErrorPage:
    """A 403 page."""
    return _ErrorPage(403, brief, message)
