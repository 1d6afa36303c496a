"""twistio.words.xish: elements and their serialization, the stream parsers, XPath queries,
event dispatching and the XML stream protocol."""

from __future__ import annotations

from typing import Any

import pytest

from twistio.internet.testing import StringTransport
from twistio.python import failure
from twistio.words.xish import domish, utility, xmlstream, xpath, xpathparser

STREAMS = [domish.ExpatElementStream, domish.SuxElementStream]


def parse_all(cls: type[Any], *chunks: bytes) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = []
    stream = cls()
    stream.DocumentStartEvent = lambda root: events.append(("start", root))
    stream.ElementEvent = lambda elem: events.append(("element", elem))
    stream.DocumentEndEvent = lambda: events.append(("end", None))
    for chunk in chunks:
        stream.parse(chunk)
    return events


# -- Element ----------------------------------------------------------------------------


def test_element_names_and_children() -> None:
    root = domish.Element(("urn:a", "root"))
    assert (root.uri, root.name, root.defaultUri) == ("urn:a", "root", "urn:a")
    child = root.addElement("child", content="text")
    assert child.uri == "urn:a" and child.parent is root
    other = root.addElement(("urn:b", "other"))
    assert other.defaultUri == "urn:b"
    assert root.child is child
    assert str(root.child) == "text" and bytes(root.child) == b"text"
    with pytest.raises(AttributeError):
        root.missing  # noqa: B018
    assert list(root.elements()) == [child, other]
    assert list(root.elements("urn:b", "other")) == [other]
    assert root.firstChildElement() is child


def test_attributes() -> None:
    elem = domish.Element((None, "e"))
    elem["a"] = "1"
    elem[("", "b")] = "2"
    elem[("urn:x", "c")] = "3"
    assert elem.attributes == {"a": "1", "b": "2", ("urn:x", "c"): "3"}
    assert elem.getAttribute("missing", "d") == "d"
    assert elem.hasAttribute("b") and elem.compareAttribute("a", "1")
    assert elem.compareAttribute("missing", None)
    elem.swapAttributeValues("a", "b")
    assert (elem["a"], elem["b"]) == ("2", "1")
    del elem["a"]
    assert not elem.hasAttribute("a")


def test_content_joins_and_refuses_bytes() -> None:
    elem = domish.Element((None, "e"))
    assert elem.addContent("a") == "a"
    assert elem.addContent("b") == "ab"
    assert elem.children == ["ab"]
    with pytest.raises(TypeError):
        elem.addContent(b"bytes")  # type: ignore[arg-type]


def test_unique_ids_differ() -> None:
    one, two = domish.Element((None, "a")), domish.Element((None, "a"))
    one.addUniqueId()
    two.addUniqueId()
    assert one["id"] != two["id"]


def test_namespace_object() -> None:
    ns = domish.Namespace("urn:n")
    assert ns.foo == ("urn:n", "foo") and ns["bar"] == ("urn:n", "bar")


def test_escaping_round_trip() -> None:
    text = "<a & 'b' \"c\">"
    assert domish.unescapeFromXml(domish.escapeToXml(text, 1)) == text
    assert domish.escapeToXml(text) == "&lt;a &amp; 'b' \"c\"&gt;"


# -- serialization ----------------------------------------------------------------------


def _documents() -> list[Any]:
    """Element trees built the same way with either domish module."""

    def build(dm: Any) -> list[Any]:
        made = []
        root = dm.Element(("myns", "root"))
        root.addElement("child", content="test")
        made.append(root)
        message = dm.Element((None, "message"))
        message["to"] = "user@example.com"
        message.addElement("body", content="Hi & <bye>")
        envelope = message.addElement(("http://example.com/", "envelope"))
        envelope.addChild(dm.Element(("", "presence")))
        made.append(message)
        pre = dm.Element(("testns", "foo"), localPrefixes={"bar": "testns"})
        pre.addElement(("testns", "baz"))
        pre.addElement(("other", "qux"))["attr"] = "v'"
        made.append(pre)
        attrs = dm.Element(("u", "a"))
        attrs[("urn:p", "k")] = "v"
        attrs[("http://www.w3.org/XML/1998/namespace", "lang")] = "en"
        attrs.addElement(("q", "b"), "r")
        attrs.addRawXml("<raw/>")
        made.append(attrs)
        return made

    return [build]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"prefixes": {"testns": "p", "myns": "m"}},
        {"defaultUri": "testns"},
        {"closeElement": 0},
        {"prefixes": {"testns": "p"}, "prefixesInScope": ["p"]},
    ],
)
def test_serialization_matches_twisted(kwargs: dict[str, Any]) -> None:
    t_domish = pytest.importorskip("twisted.words.xish.domish")
    (build,) = _documents()
    ours = [elem.toXml(**kwargs) for elem in build(domish)]
    theirs = [elem.toXml(**kwargs) for elem in build(t_domish)]
    assert ours == theirs


def test_serialization_examples() -> None:
    (build,) = _documents()
    root, message, pre, _ = build(domish)
    assert root.toXml() == "<root xmlns='myns'><child>test</child></root>"
    assert message.toXml() == (
        "<message to='user@example.com'><body>Hi &amp; &lt;bye&gt;</body>"
        "<envelope xmlns='http://example.com/'><presence xmlns=''/></envelope></message>"
    )
    assert pre.toXml().startswith("<bar:foo xmlns:bar='testns'><bar:baz/>")


# -- parsing -----------------------------------------------------------------------------

STREAM = (
    b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'"
    b" to='example.com'>",
    b"<message to='a' xml:lang='en'><body>hi &amp; &lt;</body>",
    b"<x:y xmlns:x='urn:x' x:attr='1'><z/></x:y><w xmlns='urn:w'/></message>",
    b"<iq id='1'/></stream:stream>",
)


@pytest.mark.parametrize("cls", STREAMS)
def test_parse_stream(cls: type[Any]) -> None:
    events = parse_all(cls, *STREAM)
    assert [kind for kind, _ in events] == ["start", "element", "element", "end"]
    root = events[0][1]
    assert (root.uri, root.name, root.defaultUri) == (
        "http://etherx.jabber.org/streams",
        "stream",
        "jabber:client",
    )
    assert root["to"] == "example.com"
    assert root.localPrefixes == {"stream": "http://etherx.jabber.org/streams"}
    message = events[1][1]
    assert message.uri == "jabber:client" and str(message.body) == "hi & <"
    y = message.y
    assert (y.uri, y.defaultUri, y.localPrefixes) == ("urn:x", "jabber:client", {"x": "urn:x"})
    assert y[("urn:x", "attr")] == "1"
    assert y.z.uri == "jabber:client"
    assert message.w.uri == "urn:w"
    assert message.parent is None


@pytest.mark.parametrize("cls", STREAMS)
def test_characters_split_across_chunks(cls: type[Any]) -> None:
    text = "<root><a>é</a>".encode()
    events = parse_all(cls, text[:-6], text[-6:])
    assert str(events[1][1]) == "é"


@pytest.mark.parametrize("cls", STREAMS)
def test_parse_error(cls: type[Any]) -> None:
    with pytest.raises(domish.ParserError):
        parse_all(cls, b"<root>", b"<a></b>")


@pytest.mark.parametrize("cls", STREAMS)
def test_limits(cls: type[Any]) -> None:
    stream = cls()
    stream.maxStanzaSize = 50
    stream.parse(b"<root>")
    stream.parse(b"<a>" + b"x" * 20)
    with pytest.raises(domish.ParserError, match="stanza size"):
        stream.parse(b"x" * 40)
    stream = cls()
    stream.maxElementCount = 3
    stream.parse(b"<root><a><b/><c/></a>")  # three elements: fine
    with pytest.raises(domish.ParserError, match="element count"):
        stream.parse(b"<a><b/><c/><d/></a>")


# -- xpath -------------------------------------------------------------------------------


def _tree() -> domish.Element:
    e = domish.Element(("testns", "foo"))
    e["attrib1"] = "value1"
    bar = e.addElement("bar")
    bar["attrib2"] = "value2"
    bar.addContent("somecontent")
    bar2 = e.addElement("bar")
    bar2["attrib3"] = "v3"
    bar2.addContent("other")
    bar2.addElement("gar").addContent("DEF")
    e.addElement(("ns2", "bar")).addContent("x")
    return e


QUERIES = [
    "/foo",
    "/foo/bar",
    "/foo/*",
    "/*",
    "/foo[@attrib1]",
    "/foo[@attrib1='value1']",
    "/foo/bar[@attrib2='value2']",
    '/foo/bar[@attrib2="value2"]',
    "/foo/bar[@attrib2!='value2']",
    "/foo/bar[text()='other']",
    "/foo/bar[@xmlns='ns2']",
    "/foo/bar[not(@attrib2)]",
    "/foo/bar[@attrib2 or @attrib3]",
    "/foo/bar[(@attrib2='value2')]",
    "/foo/bar[@attrib2='value2' or text()='other']",
    "/foo/bar/gar",
    "/foo/bar[1]",
    "/foo/nothing",
    "/other",
]


@pytest.mark.parametrize("query", QUERIES)
def test_xpath_matches_twisted(query: str) -> None:
    t_xpath = pytest.importorskip("twisted.words.xish.xpath")
    t_domish = pytest.importorskip("twisted.words.xish.domish")
    ours = xpath.XPathQuery(query)
    elem = _tree()
    theirs = t_xpath.XPathQuery(query)
    # the same tree in Twisted's classes: parse our serialization with Twisted's parser
    built: list[Any] = []
    stream = t_domish.ExpatElementStream()
    stream.DocumentStartEvent = lambda root: None
    stream.DocumentEndEvent = lambda: None
    stream.ElementEvent = built.append
    stream.parse(b"<r>" + elem.toXml().encode() + b"</r>")
    t_elem = built[0]

    def nodes(found: Any) -> Any:
        return None if found is None else [n.toXml() for n in found]

    assert bool(ours.matches(elem)) == bool(theirs.matches(t_elem))
    assert ours.queryForString(elem) == theirs.queryForString(t_elem)
    assert ours.queryForStringList(elem) == theirs.queryForStringList(t_elem)
    assert nodes(ours.queryForNodes(elem)) == nodes(theirs.queryForNodes(t_elem))


def test_xpath_any_depth() -> None:
    e = _tree()
    assert xpath.matches("//gar", e)
    assert [n.name for n in xpath.queryForNodes("//bar", e) or []] == ["bar", "bar", "bar"]
    assert xpath.queryForNodes("//nothing", e) is None
    with pytest.raises(NotImplementedError):
        xpath.queryForString("//bar", e)


@pytest.mark.parametrize("bad", ["foo", "/foo[", "/foo[@a=]", "/", "/foo bar", ""])
def test_xpath_syntax_errors(bad: str) -> None:
    with pytest.raises(xpathparser.SyntaxError) as caught:
        xpath.XPathQuery(bad)
    assert str(caught.value.msg).startswith("Trying to find one of")


def test_intern_query() -> None:
    assert xpath.internQuery("/a") is xpath.internQuery("/a")
    assert hash(xpath.XPathQuery("/a")) == hash("/a")


# -- utility -----------------------------------------------------------------------------


def test_callback_list_arguments_and_onetime() -> None:
    calls: list[Any] = []
    callbacks = utility.CallbackList()
    callbacks.addCallback(True, lambda *a, **k: calls.append((a, k)), 1, x=1, z=0)
    callbacks.callback(2, x=2)
    callbacks.callback(3)
    assert calls == [((1, 2), {"x": 2, "z": 0})]
    assert callbacks.isEmpty()


def test_callback_errors_are_logged_and_others_run() -> None:
    calls: list[int] = []
    callbacks = utility.CallbackList()

    def boom(_: int) -> None:
        raise ValueError("boom")

    callbacks.addCallback(False, boom)
    callbacks.addCallback(False, calls.append)
    callbacks.callback(1)
    assert calls == [1]


def test_dispatcher_named_and_xpath_events_in_priority_order() -> None:
    seen: list[Any] = []
    d = utility.EventDispatcher()
    d.addObserver("/message", lambda e: seen.append("low"), -1)
    d.addObserver("/message", lambda e: seen.append("high"), 10)
    d.addOnetimeObserver("//event/ping", lambda o: seen.append(o))
    assert d.dispatch(domish.Element((None, "message")))
    assert not d.dispatch(domish.Element((None, "iq")))
    assert d.dispatch("x", "//event/ping")
    assert not d.dispatch("y", "//event/ping")
    assert seen == ["high", "low", "x"]


def test_dispatcher_defers_changes_made_while_dispatching() -> None:
    d = utility.EventDispatcher()
    seen: list[str] = []

    def first(obj: Any) -> None:
        seen.append("first")
        d.addObserver("//event/e", lambda o: seen.append("added"))
        d.removeObserver("//event/e", first)

    d.addObserver("//event/e", first)
    d.dispatch(None, "//event/e")
    d.dispatch(None, "//event/e")
    assert seen == ["first", "added"]


def test_xml_pipe() -> None:
    pipe = utility.XmlPipe()
    got: list[Any] = []
    pipe.sink.addObserver("/x", got.append)
    elem = domish.Element((None, "x"))
    pipe.source.send(elem)  # type: ignore[attr-defined]
    assert got == [elem]


# -- xmlstream ---------------------------------------------------------------------------


def test_xmlstream_events_and_send() -> None:
    events: list[str] = []
    factory = xmlstream.XmlStreamFactory()
    factory.addBootstrap(xmlstream.STREAM_CONNECTED_EVENT, lambda xs: events.append("connected"))
    factory.addBootstrap(xmlstream.STREAM_START_EVENT, lambda xs: events.append("start"))
    factory.addBootstrap("/message", lambda e: events.append(str(e.body)))
    factory.addBootstrap(xmlstream.STREAM_END_EVENT, lambda r: events.append("end"))
    xs = factory.buildProtocol(None)
    transport = StringTransport()
    xs.makeConnection(transport)
    xs.dataReceived(b"<stream><message><body>hi</body></message>")
    xs.send(domish.Element(("", "reply")))
    xs.send("<text/>")
    assert transport.value() == b"<reply/><text/>"
    xs.dataReceived(b"</stream>")
    assert transport.disconnecting
    xs.connectionLost(failure.Failure(ConnectionError()))
    assert events == ["connected", "start", "hi", "end"]


def test_xmlstream_parse_error_drops_the_connection() -> None:
    errors: list[Any] = []
    xs = xmlstream.XmlStream()
    xs.addObserver(xmlstream.STREAM_ERROR_EVENT, errors.append)
    transport = StringTransport()
    xs.makeConnection(transport)
    xs.dataReceived(b"<root><<")
    assert errors and errors[0].check(domish.ParserError)
    assert transport.disconnecting
