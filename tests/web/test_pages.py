"""twistio.web.pages: errorPage, notFound, forbidden (byte-identical to Twisted's pages)."""

from __future__ import annotations

from typing import Any

import pytest

from twistio.web import pages
from twistio.web.test.requesthelper import DummyRequest


def render(resource: Any, method: bytes = b"GET") -> DummyRequest:
    request = DummyRequest([b""])
    request.method = method
    request.render(resource)
    return request


def test_error_page_escapes_and_sets_code() -> None:
    request = render(pages.errorPage(418, "Br<ief>", "De&tail\"'"))
    assert request.responseCode == 418
    assert request.responseHeaders.getRawHeaders(b"content-type") == [b"text/html; charset=utf-8"]
    assert b"".join(request.written) == (
        b"<!DOCTYPE html>\n<html><head><title>418 - Br&lt;ief&gt;</title></head>"
        b"<body><h1>Br&lt;ief&gt;</h1><p>De&amp;tail\"'</p></body></html>"
    )
    assert request.finished == 1


@pytest.mark.parametrize(
    ("resource", "code", "text"),
    [
        (pages.notFound(), 404, b"<h1>No Such Resource</h1><p>Sorry. No luck finding that resource.</p>"),
        (pages.notFound("b", "m"), 404, b"<h1>b</h1><p>m</p>"),
        (pages.forbidden(), 403, b"<h1>Forbidden Resource</h1><p>Sorry, resource is forbidden.</p>"),
        (pages.forbidden(message="<no>"), 403, b"<p>&lt;no&gt;</p>"),
    ],
)
def test_not_found_and_forbidden(resource: Any, code: int, text: bytes) -> None:
    request = render(resource)
    assert request.responseCode == code
    assert text in b"".join(request.written)


def test_every_child_is_the_page() -> None:
    page = pages.notFound()
    assert page.getChildWithDefault(b"x", DummyRequest([b""])) is page


def test_same_bytes_as_twisted() -> None:
    twisted_pages = pytest.importorskip("twisted.web.pages")
    from twisted.web.test.requesthelper import DummyRequest as TwistedDummyRequest

    for make in ("errorPage", "notFound", "forbidden"):
        args: tuple[Any, ...] = (500, "<b>", "&d") if make == "errorPage" else ()
        theirs = TwistedDummyRequest([b""])
        getattr(twisted_pages, make)(*args).render(theirs)
        ours = render(getattr(pages, make)(*args))
        assert b"".join(ours.written) == b"".join(theirs.written)
        assert ours.responseCode == theirs.responseCode
