"""twistio.web.microdom and domhelpers (Twisted's deprecated DOM helpers)."""

from __future__ import annotations

import importlib
import warnings
from xml.dom import minidom

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from twistio.web import domhelpers, microdom


def test_importing_warns() -> None:
    with pytest.deprecated_call(match=r"twisted\.web\.microdom was deprecated"):
        importlib.reload(microdom)
    # (after microdom: domhelpers' classes derive from the reloaded ones)
    with pytest.deprecated_call(match=r"twisted\.web\.domhelpers was deprecated at Twisted 23\.10\.0"):
        importlib.reload(domhelpers)


def test_parse_drops_blank_text_and_keeps_entities() -> None:
    doc = microdom.parseString("<html>\n  <head>\n  </head>\n <body>a &amp; b</body></html>")
    html = doc.documentElement
    assert [c.nodeName for c in html.childNodes] == ["head", "body"]
    assert domhelpers.gatherTextNodes(doc) == "a &amp; b"
    assert domhelpers.gatherTextNodes(doc, dounescape=1) == "a & b"


def test_strict_parsing_refuses_mismatched_tags() -> None:
    with pytest.raises(microdom.MismatchedTags):
        microdom.parseString("<a><b></a></b>")
    with pytest.raises(microdom.MismatchedTags):  # unclosed at the end, as Twisted's
        microdom.parseString("<a>")
    with pytest.raises(microdom.ParseError):
        microdom.parseString("<a>&</a>")  # strict: '&' must start a reference
    with pytest.raises(microdom.ParseError):
        microdom.parseString("")


def test_lenient_top_level_text_is_wrapped() -> None:
    doc = microdom.parseString("Hi<br> there", beExtremelyLenient=1)
    assert doc.firstChild().toxml() == "<html>Hi<br /> there</html>"


def test_entity_references_are_nodes() -> None:
    nodes = microdom.parseString("<b>&amp;&#12AB;</b>").documentElement.childNodes
    assert [type(n) for n in nodes] == [microdom.EntityReference] * 2
    assert [n.data for n in nodes] == ["&amp;", "&#12AB;"]


def test_sux_parser_calls_back_per_token() -> None:
    from twistio.web import sux

    class Collect(sux.XMLParser):
        def __init__(self) -> None:
            self.seen: list[tuple[str, object]] = []

        def gotTagStart(self, name: str, attributes: dict[str, str]) -> None:
            self.seen.append(("start", name))

        def gotText(self, data: str) -> None:
            self.seen.append(("text", data))

        def gotTagEnd(self, name: str) -> None:
            self.seen.append(("end", name))

    p = Collect()
    p.connectionMade()
    for piece in (b"<a x='1'>he", b"llo</a", b"><b/>"):
        p.dataReceived(piece)
    p.connectionLost()
    assert p.seen == [("start", "a"), ("text", "hello"), ("end", "a"), ("start", "b"), ("end", "b")]


def test_lenient_parsing_takes_html_as_browsers_do() -> None:
    doc = microdom.parseString("<p>one<p>two<br>three", beExtremelyLenient=1)
    assert [e.nodeName for e in domhelpers.findNodesNamed(doc, "p")] == ["p", "p"]
    assert domhelpers.gatherTextNodes(doc) == "onetwothree"


def test_xml_keeps_case_and_html_does_not() -> None:
    assert microdom.parseXMLString("<Foo Bar='1'/>").documentElement.tagName == "Foo"
    el = microdom.parseString("<Foo Bar='1'/>").documentElement
    assert el.tagName == "foo" and el.getAttribute("BAR") == "1"


def test_tree_operations_and_output() -> None:
    doc = microdom.Document()
    a = doc.createElement("a")
    b = doc.createElement("b")
    b.setAttribute("x", 'q"t')
    a.appendChild(b)
    a.appendChild(doc.createTextNode("1 < 2"))
    assert a.toxml() == '<a><b x="q&quot;t"></b>1 &lt; 2</a>'
    clone = a.cloneNode(deep=1)
    assert clone.isEqualToNode(a) and clone is not a
    a.removeChild(b)
    assert b.parentNode is None and len(a.childNodes) == 1


@pytest.mark.parametrize("dom", [microdom, minidom], ids=["microdom", "minidom"])
def test_domhelpers_on_either_dom(dom: object) -> None:
    doc = dom.parseString('<a id="r"><b class="x"><c k="v"/></b><c k="v">t</c></a>')  # type: ignore[attr-defined]
    assert domhelpers.get(doc, "x").nodeName == "b"
    assert domhelpers.getIfExists(doc, "nope") is None
    with pytest.raises(domhelpers.NodeLookupError):
        domhelpers.get(doc, "nope")
    assert len(domhelpers.getElementsByTagName(doc, "c")) == 2
    assert len(domhelpers.locateNodes(doc.childNodes, "k", "v")) == 2
    assert [n.nodeName for n in domhelpers.findElementsWithAttribute(doc, "k", "v")] == ["c", "c"]
    c = domhelpers.getElementsByTagName(doc, "c")[0]
    assert [p.nodeName for p in domhelpers.getParents(c)][:3] == ["c", "b", "a"]
    assert domhelpers.getNodeText(doc) == "t"
    domhelpers.clearNode(doc.documentElement)
    assert doc.documentElement.childNodes == []


def test_escape_unescape() -> None:
    text = 'a "b" & <c>'
    assert domhelpers.escape(text) == "a &quot;b&quot; &amp; &lt;c&gt;"
    assert domhelpers.unescape(domhelpers.escape(text)) == text


def test_raw_text_is_written_as_given() -> None:
    el = microdom.Element("p")
    el.appendChild(domhelpers.RawText("<b>bold</b>"))
    assert el.toxml() == "<p><b>bold</b></p>"
    assert next(microdom.genprefix).startswith("p")


def test_lenient_attributes_decoding_and_lmx() -> None:
    doc = microdom.parseString("<body><div al!\n ign='center'>x</div></body>", beExtremelyLenient=1)
    assert doc.documentElement.toxml() == '<body><div al="True" ign="center">x</div></body>'
    text = "<foo><bar>\u221a</bar></foo>"
    assert microdom.parseString(text.encode("utf-16")).isEqualToDocument(microdom.parseString(text))
    p = microdom.Element("p")
    maker = microdom.lmx(p)
    maker.b()["z"] = "1"
    assert p.toxml() == '<p><b z="1"></b></p>'
