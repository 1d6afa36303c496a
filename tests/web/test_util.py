"""Tests for twistio.web.util: redirects, DeferredResource, failure formatting."""

from __future__ import annotations

import pytest

from twistio.internet.defer import Deferred
from twistio.python.failure import Failure
from twistio.web import util
from twistio.web.resource import Resource
from twistio.web.static import Data
from twistio.web.test.requesthelper import DummyRequest


def test_redirect_to_sets_302_location_and_escapes_body() -> None:
    request = DummyRequest([b""])
    body = util.redirectTo(b'http://example.com/"><script>x</script>', request)
    assert request.responseCode == 302
    assert request.responseHeaders.getRawHeaders(b"location") == [
        b'http://example.com/"><script>x</script>'
    ]
    assert request.responseHeaders.getRawHeaders(b"content-type") == [b"text/html; charset=utf-8"]
    assert b"<script>" not in body
    assert b"&quot;&gt;&lt;script&gt;" in body
    assert b'<meta http-equiv="refresh" content="0;URL=http://example.com/&quot;' in body


def test_redirect_to_requires_bytes() -> None:
    with pytest.raises(TypeError):
        util.redirectTo("http://example.com/", DummyRequest([b""]))  # type: ignore[arg-type]


def test_redirect_resource_is_leaf_for_every_path() -> None:
    r = util.Redirect(b"http://example.com/")
    assert r.isLeaf
    assert r.getChild(b"x", DummyRequest([b""])) is r
    request = DummyRequest([b""])
    body = r.render(request)
    assert request.responseHeaders.getRawHeaders(b"location") == [b"http://example.com/"]
    assert b"click here" in body


def test_child_redirector_builds_child_urls() -> None:
    r = util.ChildRedirector(b"http://example.com/base")
    child = r.getChild(b"a", DummyRequest([b""]))
    grandchild = child.getChild(b"b", DummyRequest([b""]))
    assert grandchild.url == b"http://example.com/base/a/b"
    with pytest.raises(ValueError):
        util.ChildRedirector(b"relative")


@pytest.mark.parametrize(
    ("prepath", "expected"),
    [
        ([], b"http://dummy/"),
        ([b"foo"], b"http://dummy/"),
        ([b"foo", b"bar"], b"http://dummy/foo/"),
        ([b"foo", b""], b"http://dummy/foo/"),
    ],
)
def test_parent_redirect(prepath: list[bytes], expected: bytes) -> None:
    request = DummyRequest([])
    request.prepath = prepath
    util.ParentRedirect().render(request)
    assert request.responseHeaders.getRawHeaders(b"location") == [expected]


def test_deferred_resource_renders_when_fired() -> None:
    d: Deferred[Resource] = Deferred()
    r = util.DeferredResource(d)
    request = DummyRequest([])
    result = r.render(request)
    assert result == 1  # NOT_DONE_YET
    assert request.written == []
    d.callback(Data(b"later", "text/plain"))
    assert b"".join(request.written) == b"later"
    assert request.finished == 1


def test_deferred_resource_failure_is_processing_failed() -> None:
    d: Deferred[Resource] = Deferred()
    request = DummyRequest([])
    finished = request.notifyFinish()
    errors: list[Failure] = []
    finished.addErrback(errors.append)
    util.DeferredResource(d).render(request)
    d.errback(Failure(ValueError("boom")))
    assert len(errors) == 1 and errors[0].check(ValueError)


def test_format_failure_escapes() -> None:
    try:
        raise ValueError("<b>bad</b>")
    except ValueError:
        f = Failure()
    page = util.formatFailure(f)
    assert b"<b>bad</b>" not in page
    assert b"&lt;b&gt;bad&lt;/b&gt;" in page
    assert b"ValueError" in page


def test_html_indent() -> None:
    assert util.htmlIndent("  a<b") == "&nbsp; a&lt;b"


def _failure() -> Failure:
    def probe() -> None:
        raise ValueError("it <broke> \N{SNOWMAN}")

    try:
        probe()
    except ValueError:
        return Failure()
    raise AssertionError("unreachable")


def _flat(element: object) -> bytes:
    from twistio.web.template import flattenString

    out: list[object] = []
    flattenString(None, element).addBoth(out.append)
    assert isinstance(out[0], bytes), out[0]
    return out[0]


def test_failure_element_renderers() -> None:
    from twistio.web.template import TagLoader, tags

    f = _failure()
    assert _flat(util.FailureElement(f, TagLoader(tags.p(render="type")))) == (
        b"<p>builtins.ValueError</p>"
    )
    value = _flat(util.FailureElement(f, TagLoader(tags.p(render="value"))))
    assert value == "<p>it &lt;broke&gt; \N{SNOWMAN}</p>".encode()
    frame = f.frames[-1]
    out = _flat(util._FrameElement(TagLoader(tags.p(tags.b(render="function"),
                                                     tags.i(render="lineNumber"))), frame))
    assert out == b"<p><b>probe</b><i>%d</i></p>" % frame[2]


def test_source_fragment_marks_the_frame_line() -> None:
    from twistio.web.template import TagLoader, tags

    frame = _failure().frames[-1]
    out = _flat(util._SourceFragmentElement(
        TagLoader(tags.div(tags.span(render="lineNumber"), render="sourceLines")), frame
    )).decode()
    n = frame[2]
    assert out == (
        f'<div class="snippetLine"><span>{n - 1}</span></div>'
        f'<div class="snippetHighlightLine"><span>{n}</span></div>'
        f'<div class="snippetLine"><span>{n + 1}</span></div>'
    )
    line = _flat(util._SourceLineElement(TagLoader(tags.s(render="sourceLine")), 1, "    x  y"))
    assert line == "<s> \N{NO-BREAK SPACE} \N{NO-BREAK SPACE}x \N{NO-BREAK SPACE}y</s>".encode()


def test_format_failure_is_ascii_html_with_the_frames() -> None:
    page = util.formatFailure(_failure())
    assert all(b < 128 for b in page)
    assert b"&#9731;" in page and b"builtins.ValueError" in page
    assert b"probe" in page and b"snippetHighlightLine" in page


def test_format_failure_of_a_non_failure_raises_flattener_error() -> None:
    from twistio.web.error import FlattenerError

    with pytest.raises(FlattenerError):
        util.formatFailure(object())
