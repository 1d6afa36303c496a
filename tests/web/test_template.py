"""Unit tests for twistio.web.template: the tree, escaping, slots, elements, loaders,
Deferred and coroutine renderers, renderElement, streaming and back-pressure."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from twistio.internet.defer import Deferred, fail
from twistio.logger import capturedLogs
from twistio.python.failure import Failure
from twistio.web import template
from twistio.web.error import (
    FlattenerError,
    MissingRenderMethod,
    MissingTemplateLoader,
    UnexposedMethodError,
    UnfilledSlot,
    UnsupportedType,
)
from twistio.web.server import NOT_DONE_YET
from twistio.web.template import (
    CDATA,
    TEMPLATE_NAMESPACE,
    CharRef,
    Comment,
    Element,
    Tag,
    TagLoader,
    XMLFile,
    XMLString,
    flatten,
    flattenString,
    raw,
    renderElement,
    renderer,
    slot,
    tags,
)
from twistio.web.test.requesthelper import DummyRequest

T = f'xmlns:t="{TEMPLATE_NAMESPACE}"'


def result_of(d: Deferred[Any]) -> Any:
    out: list[Any] = []
    d.addBoth(out.append)
    assert out, "Deferred has not fired"
    if isinstance(out[0], Failure):
        raise out[0].value
    return out[0]


def flat(root: Any) -> bytes:
    return result_of(flattenString(None, root))  # type: ignore[no-any-return]


def flat_error(root: Any) -> BaseException:
    with pytest.raises(FlattenerError) as info:
        flat(root)
    return info.value.args[0]  # type: ignore[no-any-return]


# -- the tree ---------------------------------------------------------------------------


def test_tags_build_tags() -> None:
    tag = tags.div("a", tags.p("b"), id="x", class_="c")
    assert isinstance(tag, Tag)
    assert tag.tagName == "div"
    assert tag.attributes == {"id": "x", "class": "c"}
    assert flat(tag) == b'<div id="x" class="c">a<p>b</p></div>'
    assert tags.del_().tagName == "del"


def test_unknown_tag_name() -> None:
    with pytest.raises(AttributeError):
        tags.blink  # noqa: B018
    assert "div" in template.VALID_HTML_TAG_NAMES


def test_render_keyword_sets_render_method_and_must_be_str() -> None:
    assert tags.p(render="foo").render == "foo"
    with pytest.raises(TypeError):
        tags.p(render=None)


def test_void_elements() -> None:
    assert flat([tags.br(), tags.img(src="a"), tags.hr("x"), tags.div()]) == (
        b'<br /><img src="a" /><hr>x</hr><div></div>'
    )


def test_transparent_renders_only_children() -> None:
    assert flat(tags.transparent("a", tags.b())) == b"a<b></b>"
    assert flat(Tag("")("x")) == b"x"


def test_clone_fill_clear_repr() -> None:
    s = slot("a")
    tag = tags.p(tags.b("x"), s, title="t").fillSlots(a="1")
    copy = tag.clone()
    assert copy.children[0] is not tag.children[0]
    assert copy.children[1] is s
    assert copy.slotData == {"a": "1"} and copy.slotData is not tag.slotData
    shallow = tag.clone(False)
    assert shallow.children[0] is tag.children[0]
    assert tag.clear() is tag and tag.children == []
    assert repr(tags.p("x", id="1")) == "Tag('p', attributes={'id': '1'}, children=['x'])"
    assert repr(Comment("c")) == "Comment('c')" and repr(CharRef(3)) == "CharRef(3)"
    assert repr(CDATA("d")) == "CDATA('d')"
    assert repr(slot("a")).startswith("slot(name='a'")


# -- escaping ---------------------------------------------------------------------------


def test_text_is_escaped() -> None:
    assert flat(tags.div("<a> & \"b\" 'c'")) == b"<div>&lt;a&gt; &amp; \"b\" 'c'</div>"
    assert flat(b"<\xff>") == b"&lt;\xff&gt;"
    assert flat("\u00e9") == "\u00e9".encode()


def test_attribute_values_are_quoted_and_escaped() -> None:
    assert flat(tags.a(href='x"<>&\'')) == b'<a href="x&quot;&lt;&gt;&amp;\'"></a>'


def test_markup_in_attribute_is_escaped_as_text() -> None:
    assert flat(tags.a(href=tags.b("x<"))) == b'<a href="&lt;b&gt;x&amp;lt;&lt;/b&gt;"></a>'
    assert flat(tags.a(href=["a", CharRef(65)])) == b'<a href="a&amp;#65;"></a>'
    assert flat(tags.a(href=tags.transparent("<"))) == b'<a href="&lt;"></a>'


def test_comment_cdata_charref() -> None:
    assert flat(Comment("a-->b")) == b"<!--a--&gt;b-->"
    assert flat(Comment("x-")) == b"<!--x- -->"
    assert flat(CDATA("a]]>b")) == b"<![CDATA[a]]]]><![CDATA[>b]]>"
    assert flat(CharRef(1234)) == b"&#1234;"


def test_raw_is_not_escaped() -> None:
    assert flat(tags.div(raw("<b>&amp;</b>"), title=raw("&quot;"))) == (
        b'<div title="&quot;"><b>&amp;</b></div>'
    )
    assert flat(raw(b"<i>")) == b"<i>"


def test_unsupported_types() -> None:
    for value in (None, 1, 1.5, object(), {"a"}):
        assert isinstance(flat_error(tags.div(value)), UnsupportedType)


def test_sequences_and_generators() -> None:
    assert flat(["a", ("b", ["c"]), (x for x in "de")]) == b"abcde"


# -- slots ------------------------------------------------------------------------------


def test_slots() -> None:
    assert flat(tags.div(slot("x")).fillSlots(x="<y>")) == b"<div>&lt;y&gt;</div>"
    assert flat(tags.div(slot("x", default="d"))) == b"<div>d</div>"
    assert flat(tags.div(title=slot("x")).fillSlots(x='"')) == b'<div title="&quot;"></div>'
    error = flat_error(tags.div(slot("x")))
    assert isinstance(error, UnfilledSlot) and error.args == ("x",)


def test_slot_values_stay_visible_after_the_tag_as_in_twisted() -> None:
    tree = tags.div(tags.span(slot("x")).fillSlots(x="in"), slot("x")).fillSlots(x="out")
    assert flat(tree) == b"<div><span>in</span>in</div>"


# -- elements and renderers -------------------------------------------------------------


class Page(Element):
    loader = XMLString(
        f'<div {T} class="a &amp; b" t:render="main"><t:attr name="title">t<t:slot name="s"/></t:attr>'
        f'<t:slot name="s"/><p t:render="later">x</p><t:transparent t:render="coro"/>'
        f'<t:slot name="missing" default="dflt"/><!--c--><![CDATA[<c>]]></div>'
    )

    def __init__(self) -> None:
        self.pending: Deferred[Any] = Deferred()

    @renderer
    def main(self, request: Any, tag: Tag) -> Any:
        return tag.fillSlots(s="<S>")

    @renderer
    def later(self, request: Any, tag: Tag) -> Any:
        return self.pending.addCallback(lambda v: tag(v))

    @renderer
    async def coro(self, request: Any, tag: Tag) -> Any:
        return tags.b("coro")


def test_element_with_xml_template_and_deferred_renderer() -> None:
    page = Page()
    d = flattenString(None, page)
    assert not d.called
    page.pending.callback("!")
    assert result_of(d) == (
        b'<div class="a &amp; b" title="t&lt;S&gt;">&lt;S&gt;<p>x!</p><b>coro</b>dflt'
        b"<!--c--><![CDATA[<c>]]></div>"
    )


async def test_coroutine_renderer_awaiting_the_loop() -> None:
    class E(Element):
        loader = TagLoader(tags.p(render="r"))

        @renderer
        async def r(self, request: Any, tag: Tag) -> Any:
            await asyncio.sleep(0)
            return tag("done")

    assert await flattenString(None, E()) == b"<p>done</p>"


def test_renderer_lookup() -> None:
    class E(Element):
        @renderer
        def shown(self, request: Any, tag: Tag) -> Tag:
            return tag

        def hidden(self, request: Any, tag: Tag) -> Tag:
            return tag

    e = E()
    assert e.lookupRenderMethod("shown") == e.shown
    with pytest.raises(MissingRenderMethod):
        e.lookupRenderMethod("hidden")
    assert renderer.get(e, "hidden", None) is None
    with pytest.raises(UnexposedMethodError):
        renderer.get(e, "hidden")
    e.loader = TagLoader(tags.p(render="nope"))
    assert isinstance(flat_error(e), MissingRenderMethod)
    assert isinstance(flat_error(Element()), MissingTemplateLoader)
    assert isinstance(flat_error(tags.p(render="r")), ValueError)


def test_nested_elements_and_renderer_generators() -> None:
    class Item(Element):
        loader = XMLString(f'<li {T}><t:slot name="n"/></li>')

    class Items(Element):
        loader = XMLString(f'<ul {T}><t:transparent t:render="items"/></ul>')

        @renderer
        def items(self, request: Any, tag: Tag) -> Any:
            for n in range(3):
                yield tags.transparent(Item()).fillSlots(n=str(n))

    assert flat(Items()) == b"<ul><li>0</li><li>1</li><li>2</li></ul>"


def test_renderer_errors_become_flattener_errors() -> None:
    class E(Element):
        loader = TagLoader(tags.div(tags.p(render="bad")))

        @renderer
        def bad(self, request: Any, tag: Tag) -> Any:
            raise ZeroDivisionError

    error = flat_error(E())
    assert isinstance(error, ZeroDivisionError)
    assert isinstance(flat_error(tags.div(fail(KeyError("k")))), KeyError)


def test_xml_loaders(tmp_path: Path) -> None:
    source = f'<?xml version="1.0"?><html {T} xmlns:x="urn:x"><x:y x:a="1">\u00e9<?pi?></x:y></html>'
    path = tmp_path / "t.xml"
    path.write_text(source, encoding="utf-8")
    expected = '<html xmlns:x="urn:x"><x:y x:a="1">\u00e9</x:y></html>'.encode()
    assert flat(Element(loader=XMLString(source))) == expected
    assert flat(Element(loader=XMLString(source.encode()))) == expected
    assert flat(Element(loader=XMLFile(str(path)))) == expected
    assert flat(Element(loader=XMLFile(path))) == expected

    class FilePathLike:
        def __init__(self, p: Path) -> None:
            self.path = str(p)

        def open(self) -> Any:
            return open(self.path, "rb")

    loader = XMLFile(FilePathLike(path))
    assert loader.load() is loader.load()
    assert flat(Element(loader=loader)) == expected
    loaded = XMLString("<p>x<!--c--></p>").load()
    assert repr(loaded) == "[Tag('p', children=['x', Comment('c')])]"


def test_bad_xml_fails_at_load() -> None:
    with pytest.raises(Exception):
        XMLString("<p>&nbsp;</p>")


# -- flatten: streaming -----------------------------------------------------------------


def big_table(rows: int) -> Tag:
    row = tags.tr(*[tags.td(slot(f"c{n}")) for n in range(5)])
    return tags.table(
        [row.clone().fillSlots(**{f"c{n}": f"<{r}>" for n in range(5)}) for r in range(rows)]
    )


def test_large_page_is_written_in_chunks() -> None:
    writes: list[bytes] = []
    d = flatten(None, big_table(3000), writes.append)
    assert result_of(d) is None
    assert len(writes) > 3
    assert all(len(w) <= 80 * 1024 for w in writes)
    assert all(len(w) >= 16 * 1024 for w in writes[:-1])
    assert b"".join(writes) == flat(big_table(3000))


def test_output_is_written_before_waiting_on_a_deferred() -> None:
    writes: list[bytes] = []
    pending: Deferred[str] = Deferred()
    d = flatten(None, tags.div("before", pending, "after"), writes.append)
    assert writes == [b"<div>before"]
    pending.callback("-")
    assert result_of(d) is None
    assert b"".join(writes) == b"<div>before-after</div>"


# -- renderElement ----------------------------------------------------------------------


class Hello(Element):
    loader = TagLoader(tags.p("hello ", tags.b(render="name")))

    @renderer
    def name(self, request: Any, tag: Tag) -> Tag:
        return tag("<world>")


def test_render_element_writes_and_finishes() -> None:
    request = DummyRequest([b""])
    assert renderElement(request, Hello()) is NOT_DONE_YET
    assert request.written == [b"<!DOCTYPE html>", b"\n", b"<p>hello <b>&lt;world&gt;</b></p>"]
    assert request.finished == 1
    assert request.producer is None

    request = DummyRequest([b""])
    renderElement(request, Hello(), doctype=None)
    assert request.written == [b"<p>hello <b>&lt;world&gt;</b></p>"]


class Broken(Element):
    loader = TagLoader(tags.div(tags.p("partial"), tags.span(render="bad")))

    @renderer
    def bad(self, request: Any, tag: Tag) -> Tag:
        raise ValueError("<secret>")


def test_render_element_error_is_logged_and_not_echoed() -> None:
    request = DummyRequest([b""])
    with capturedLogs() as events:
        renderElement(request, Broken())
    body = b"".join(request.written)
    assert body == (
        b"<!DOCTYPE html>\n"
        b'<div style="font-size:800%;background-color:#FFF;color:#F00">'
        b"An error occurred while rendering the response.</div>"
    )
    assert b"secret" not in body
    assert request.finished == 1
    failures = [e["log_failure"] for e in events if "log_failure" in e]
    assert len(failures) == 1 and failures[0].check(FlattenerError)


def test_render_element_custom_fail_element() -> None:
    class Oops(Element):
        loader = TagLoader(tags.p(render="why"))

        def __init__(self, failure: Failure) -> None:
            self.failure = failure

        @renderer
        def why(self, request: Any, tag: Tag) -> Tag:
            return tag(str(self.failure.value.args[0]))

    request = DummyRequest([b""])
    with capturedLogs():
        renderElement(request, Broken(), _failElement=Oops)
    assert b"".join(request.written) == b"<!DOCTYPE html>\n<p>&lt;secret&gt;</p>"
    assert request.finished == 1


class SlowRequest(DummyRequest):
    """A request whose transport fills up after every write."""

    def write(self, data: bytes) -> None:
        super().write(data)
        if self.producer is not None:
            self.producer.pauseProducing()


def test_render_element_waits_for_the_consumer() -> None:
    request = SlowRequest([b""])
    renderElement(request, Element(loader=TagLoader(big_table(3000))), doctype=None)
    assert len(request.written) == 1 and request.finished == 0
    producer = request.producer
    while not request.finished:
        count = len(request.written)
        producer.resumeProducing()
        assert len(request.written) == count + 1
    assert b"".join(request.written) == flat(big_table(3000))


def test_render_element_stops_when_the_client_leaves() -> None:
    request = SlowRequest([b""])
    renderElement(request, Element(loader=TagLoader(big_table(3000))), doctype=None)
    producer = request.producer
    request.processingFailed(Failure(ConnectionError("gone")))
    producer.resumeProducing()
    assert len(request.written) == 1
    assert request.finished == 0


def test_cloning_a_tag_holding_a_generator_or_coroutine_warns() -> None:
    """As in Twisted: the clone and the original share what can be consumed only once."""
    import pytest as _pytest

    from twistio.web.template import tags as _tags

    with _pytest.deprecated_call(match="contains a generator is unsafe"):
        _tags.p(str(n) for n in range(3)).clone()

    async def work() -> None:
        pass

    coro = work()
    try:
        with _pytest.deprecated_call(match="contains a coroutine is unsafe"):
            _tags.p("a", coro).clone()
    finally:
        coro.close()


def test_flattening_keeps_a_deferreds_result_and_cancels_what_it_waits_on() -> None:
    from twistio.internet.defer import CancelledError, Deferred, succeed
    from twistio.web.error import FlattenerError
    from twistio.web.template import Tag, flattenString

    d = succeed("three")
    for _ in range(2):
        out: list[object] = []
        flattenString(None, d).addBoth(out.append)
        assert out == [b"three"]

    cancelled: list[object] = []
    pending: Deferred[object] = Deferred(cancelled.append)
    results: list[object] = []
    flattening = flattenString(None, pending)
    seen: list[object] = []
    pending.addErrback(seen.append)  # a later errback still sees the failure
    flattening.addBoth(results.append)
    flattening.cancel()
    assert cancelled == [pending] and len(seen) == 1
    failure = results[0]
    assert isinstance(failure.value, FlattenerError)  # type: ignore[attr-defined]
    assert isinstance(failure.value.args[0], CancelledError)  # type: ignore[attr-defined]

    for bad in (Tag("\N{SNOWMAN}"), Tag("p", attributes={"\N{SNOWMAN}": ""})):
        errors: list[object] = []
        flattenString(None, bad).addErrback(errors.append)
        assert isinstance(errors[0].value.args[0], UnicodeEncodeError)  # type: ignore[attr-defined]
