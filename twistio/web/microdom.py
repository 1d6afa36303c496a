"""A small, forgiving DOM for XML and HTML (Twisted's ``twisted.web.microdom``, deprecated
there since Twisted 23.10.0, and here: importing it warns).

Differs from ``xml.dom.minidom`` on purpose, as Twisted's does: whitespace-only text is dropped
(unless inside ``<pre>``, ``<script>``, ``<style>`` or ``<textarea>``), entity and character
references are kept as written in text and attribute values, tag names compare without
regard to case, and ``parseString(..., beExtremelyLenient=True)`` accepts HTML as browsers
do (unclosed and mis-nested tags, unquoted attribute values). New code: ``xml.dom.minidom``
or ``xml.etree``.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterable, Iterator
from io import StringIO
from typing import IO, Protocol

from typing_extensions import TypedDict, Unpack

from twistio.web.sux import ParseError
from twistio.web.sux import tokens as _sux_tokens

warningString = "twisted.web.microdom was deprecated at Twisted 23.10.0"
warnings.warn(warningString, DeprecationWarning, stacklevel=3)

__all__ = [
    "CDATASection",
    "CharacterData",
    "Comment",
    "Document",
    "Element",
    "EntityReference",
    "MismatchedTags",
    "Node",
    "ParseError",
    "Text",
    "escape",
    "getElementsByTagName",
    "getElementsByTagNameNoCase",
    "parse",
    "parseString",
    "parseXML",
    "parseXMLString",
    "unescape",
]

_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"))
#: What ``escape`` replaces, and ``unescape`` the other way (HTML: no ``&apos;``).
HTML_ESCAPE_CHARS = _ESCAPES
REV_HTML_ESCAPE_CHARS = list(reversed(_ESCAPES))
XML_ESCAPE_CHARS = (*_ESCAPES, ("'", "&apos;"))
REV_XML_ESCAPE_CHARS = list(reversed(XML_ESCAPE_CHARS))


def _prefixes() -> Iterator[str]:
    n = 0
    while True:
        yield f"p{n}"
        n += 1


#: Fresh namespace prefixes: ``next(genprefix)`` is ``"p0"``, then ``"p1"``...
genprefix = _prefixes()


def escape(text: str, chars: Iterable[tuple[str, str]] = _ESCAPES) -> str:
    """``text`` with ``&``, ``<``, ``>`` and ``"`` written as entities."""
    for plain, entity in chars:
        text = text.replace(plain, entity)
    return text


def unescape(text: str, chars: Iterable[tuple[str, str]] = tuple(reversed(_ESCAPES))) -> str:
    """The reverse of ``escape``."""
    for plain, entity in chars:
        text = text.replace(entity, plain)
    return text


class MismatchedTags(Exception):
    """An end tag does not close the element that is open."""

    def __init__(
        self, filename: str, expect: str, got: str, endLine: int, endCol: int,
        begLine: int, begCol: int,
    ) -> None:
        super().__init__(filename, expect, got, endLine, endCol, begLine, begCol)
        self.filename, self.expect, self.got = filename, expect, got
        self.begLine, self.begCol, self.endLine, self.endCol = begLine, begCol, endLine, endCol

    def __str__(self) -> str:
        return (
            f"expected </{self.expect}>, got </{self.got}> line: {self.endLine} "
            f"col: {self.endCol}, began line: {self.begLine} col: {self.begCol}"
        )


class TextSink(Protocol):
    """Where ``writexml`` writes: a text stream (a binary one is written UTF-8)."""

    def write(self, text: str, /) -> object: ...


class _Encoding:
    """A binary stream seen as a text one (UTF-8), for ``writexml``."""

    def __init__(self, stream: io.BufferedIOBase | io.RawIOBase) -> None:
        self.stream = stream

    def write(self, text: str) -> int | None:
        return self.stream.write(text.encode("utf-8"))


def _textual(stream: TextSink) -> TextSink:
    if isinstance(stream, (io.BufferedIOBase, io.RawIOBase)):  # (given one, all the same)
        return _Encoding(stream)
    return stream


def _check(node: object) -> None:
    if not isinstance(node, Node):
        raise TypeError(f"expected a Node, got {node!r}")


class _ElementOptions(TypedDict, total=False):
    """``Document.createElement``'s keywords: ``Element``'s."""

    attributes: dict[str, str] | None
    parentNode: Node | None
    filename: str | None
    markpos: tuple[int, int] | None
    caseInsensitive: int
    preserveCase: int
    namespace: str | None


class Node:
    """A node of the tree: ``parentNode``, ``childNodes`` and the tree operations."""

    nodeName = "#node"
    nodeValue: str | None = None
    parentNode: Node | None = None

    def __init__(self, parentNode: Node | None = None) -> None:
        self.parentNode = parentNode
        self.childNodes: list[Node] = []

    def isEqualToNode(self, other: Node) -> bool:
        """The same kind of node with equal children."""
        if type(self) is not type(other) or len(self.childNodes) != len(other.childNodes):
            return False
        return all(a.isEqualToNode(b) for a, b in zip(self.childNodes, other.childNodes, strict=True))

    def writexml(
        self, stream: TextSink, indent: str = "", addindent: str = "", newl: str = "",
        strip: int = 0, nsprefixes: dict[str, str] | None = None, namespace: str = "",
    ) -> None:
        stream = _textual(stream)
        raise NotImplementedError

    def toxml(
        self, indent: str = "", addindent: str = "", newl: str = "", strip: int = 0,
        nsprefixes: dict[str, str] | None = None, namespace: str = "",
    ) -> str:
        """The node written as XML text."""
        out = StringIO()
        self.writexml(out, indent, addindent, newl, strip, nsprefixes, namespace)
        return out.getvalue()

    def writeprettyxml(self, stream: TextSink, indent: str = "", addindent: str = " ",
                       newl: str = "\n", strip: int = 0) -> None:
        self.writexml(stream, indent, addindent, newl, strip)

    def toprettyxml(self, indent: str = "", addindent: str = " ", newl: str = "\n",
                    strip: int = 0) -> str:
        return self.toxml(indent, addindent, newl, strip)

    def cloneNode(self, deep: int = 0, parent: Node | None = None) -> Node:
        raise NotImplementedError

    def hasChildNodes(self) -> bool:
        return bool(self.childNodes)

    def _adopt(self, child: Node) -> None:
        _check(child)
        old = child.parentNode
        if isinstance(old, Node) and old is not self and any(c is child for c in old.childNodes):
            old.removeChild(child)
        child.parentNode = self

    def appendChild(self, child: Node) -> Node:
        """Add ``child`` last (taken from its former parent)."""
        self._adopt(child)
        self.childNodes.append(child)
        return child

    def insertBefore(self, new: Node, ref: Node) -> Node:
        """Add ``new`` just before the child ``ref``."""
        _check(ref)
        self._adopt(new)
        self.childNodes.insert(self._index(ref), new)
        return new

    def _index(self, child: Node) -> int:
        for i, c in enumerate(self.childNodes):
            if c is child:
                return i
        raise ValueError(f"{child!r} is not a child of {self!r}")

    def removeChild(self, child: Node) -> Node:
        """Take ``child`` out."""
        _check(child)
        del self.childNodes[self._index(child)]
        child.parentNode = None
        return child

    def replaceChild(self, new: Node, old: Node) -> Node:
        """Put ``new`` where the child ``old`` is."""
        _check(old)
        self._adopt(new)
        self.childNodes[self._index(old)] = new
        old.parentNode = None
        return old

    def lastChild(self) -> Node:
        return self.childNodes[-1]

    def firstChild(self) -> Node | None:
        return self.childNodes[0] if self.childNodes else None


class Document(Node):
    """The whole document: ``documentElement`` and the node factories."""

    nodeName = "#document"

    def __init__(self, documentElement: Element | None = None) -> None:
        super().__init__()
        self.doctype: str | None = None
        if documentElement is not None:
            self.appendChild(documentElement)

    def cloneNode(self, deep: int = 0, parent: Node | None = None) -> Document:
        d = Document()
        d.doctype = self.doctype
        if deep:
            for c in self.childNodes:
                d.appendChild(c.cloneNode(deep, d))
        return d

    def isEqualToNode(self, other: Node) -> bool:
        return (
            isinstance(other, Document) and self.doctype == other.doctype
            and Node.isEqualToNode(self, other)
        )

    isEqualToDocument = isEqualToNode

    @property
    def documentElement(self) -> Node:
        for c in self.childNodes:
            if isinstance(c, Element):
                return c
        return self.childNodes[0]

    def appendChild(self, child: Node) -> Node:
        if self.childNodes:
            raise ValueError("a document has only one child")
        return Node.appendChild(self, child)

    def writexml(self, stream: TextSink, indent: str = "", addindent: str = "", newl: str = "",
                 strip: int = 0, nsprefixes: dict[str, str] | None = None,
                 namespace: str = "") -> None:
        stream = _textual(stream)
        stream.write('<?xml version="1.0"?>' + newl)
        if self.doctype:
            stream.write(f"<!DOCTYPE {self.doctype}>" + newl)
        for c in self.childNodes:
            c.writexml(stream, indent, addindent, newl, strip, nsprefixes, namespace)

    def createElement(self, name: str, **kw: Unpack[_ElementOptions]) -> Element:
        return Element(name, **kw)

    def createTextNode(self, text: str) -> Text:
        return Text(text)

    def createComment(self, text: str) -> Comment:
        return Comment(text)

    def getElementsByTagName(self, name: str) -> list[Element]:
        if self.childNodes and isinstance(self.documentElement, Element):
            caseless = self.documentElement.caseInsensitive
            return (getElementsByTagNameNoCase if caseless else getElementsByTagName)(self, name)
        return []

    def getElementById(self, id: str) -> Element | None:
        for e in _elements(self):
            if e.attributes.get("id") == id:
                return e
        return None


class CharacterData(Node):
    """A node holding text: ``data`` (also ``nodeValue`` and ``value``)."""

    def __init__(self, data: str, parentNode: Node | None = None) -> None:
        super().__init__(parentNode)
        self.value = self.data = self.nodeValue = data

    def isEqualToNode(self, other: Node) -> bool:
        return type(self) is type(other) and self.data == other.data

    isEqualToCharacterData = isEqualToNode


class Comment(CharacterData):
    """``<!-- data -->``."""

    nodeName = "#comment"

    def writexml(self, stream: TextSink, indent: str = "", addindent: str = "", newl: str = "",
                 strip: int = 0, nsprefixes: dict[str, str] | None = None,
                 namespace: str = "") -> None:
        stream = _textual(stream)
        stream.write(f"{indent}<!--{self.data}-->{newl}")

    def cloneNode(self, deep: int = 0, parent: Node | None = None) -> Comment:
        return Comment(self.nodeValue or "", parent)


class Text(CharacterData):
    """Text; ``raw`` text is written as it is, other text escaped."""

    nodeName = "#text"

    def __init__(self, data: str, parentNode: Node | None = None, raw: int = 0) -> None:
        super().__init__(data, parentNode)
        self.raw = raw

    def cloneNode(self, deep: int = 0, parent: Node | None = None) -> Text:
        return Text(self.nodeValue or "", parent, self.raw)

    def isEqualToNode(self, other: Node) -> bool:
        return (
            isinstance(other, Text) and self.data == other.data and bool(self.raw) == bool(other.raw)
        )

    def writexml(self, stream: TextSink, indent: str = "", addindent: str = "", newl: str = "",
                 strip: int = 0, nsprefixes: dict[str, str] | None = None,
                 namespace: str = "") -> None:
        stream = _textual(stream)
        value = self.nodeValue or ""
        if strip:
            value = " ".join(value.split())
        if not self.raw:
            value = escape(value)
        stream.write(value)

    def __repr__(self) -> str:
        return f"Text({self.nodeValue!r})"


class EntityReference(Node):
    """``&name;`` kept as written."""

    nodeName = "#entityref"

    def __init__(self, eref: str, parentNode: Node | None = None) -> None:
        super().__init__(parentNode)
        self.eref = self.nodeValue = self.data = eref

    def isEqualToNode(self, other: Node) -> bool:
        return isinstance(other, EntityReference) and self.eref == other.eref

    isEqualToEntityReference = isEqualToNode

    def writexml(self, stream: TextSink, indent: str = "", addindent: str = "", newl: str = "",
                 strip: int = 0, nsprefixes: dict[str, str] | None = None,
                 namespace: str = "") -> None:
        stream = _textual(stream)
        stream.write(self.nodeValue or "")

    def cloneNode(self, deep: int = 0, parent: Node | None = None) -> EntityReference:
        return EntityReference(self.nodeValue or "", parent)


class CDATASection(CharacterData):
    """``<![CDATA[ data ]]>``."""

    nodeName = "#cdata"

    def cloneNode(self, deep: int = 0, parent: Node | None = None) -> CDATASection:
        return CDATASection(self.nodeValue or "", parent)

    def writexml(self, stream: TextSink, indent: str = "", addindent: str = "", newl: str = "",
                 strip: int = 0, nsprefixes: dict[str, str] | None = None,
                 namespace: str = "") -> None:
        stream = _textual(stream)
        stream.write(f"<![CDATA[{self.nodeValue}]]>")


# Written as <br /> when empty; every other empty element is <x></x> in HTML documents.
_VOID = frozenset(
    ["area", "base", "basefont", "br", "col", "frame", "hr", "img", "input", "isindex", "link", "meta", "param"]
)
_KEEP_SPACE = frozenset({"pre", "script", "style", "textarea", "xmp"})


class Element(Node):
    """An element: ``tagName`` (``nodeName``), ``attributes`` (a dict), children."""

    preserveCase = 0
    caseInsensitive = 1

    def __init__(
        self, tagName: str, attributes: dict[str, str] | None = None,
        parentNode: Node | None = None, filename: str | None = None,
        markpos: tuple[int, int] | None = None, caseInsensitive: int = 1,
        preserveCase: int = 0, namespace: str | None = None,
    ) -> None:
        super().__init__(parentNode)
        self.preserveCase = preserveCase or not caseInsensitive
        self.caseInsensitive = caseInsensitive
        if not self.preserveCase:
            tagName = tagName.lower()
        self.attributes: dict[str, str] = {}
        for k, v in (attributes or {}).items():
            self.attributes[k.lower() if not self.preserveCase else k] = v
        self.endTagName = self.nodeName = self.tagName = tagName
        self._filename = filename
        self._markpos = markpos
        self.namespace = namespace
        self.nsprefixes: dict[str, str] | None = None

    def _name(self, name: str) -> str:
        return name.lower() if self.caseInsensitive else name

    def addPrefixes(self, pfxs: dict[str, str]) -> None:
        if self.nsprefixes is None:
            self.nsprefixes = {}
        self.nsprefixes.update(pfxs)

    def endTag(self, endTagName: str) -> None:
        if not self.preserveCase:
            endTagName = endTagName.lower()
        self.endTagName = endTagName

    def isEqualToNode(self, other: Node) -> bool:
        if not isinstance(other, Element):
            return False
        if self._name(self.tagName) != other._name(other.tagName):
            return False
        if self.attributes != other.attributes or self.namespace != other.namespace:
            return False
        return Node.isEqualToNode(self, other)

    isEqualToElement = isEqualToNode

    def cloneNode(self, deep: int = 0, parent: Node | None = None) -> Element:
        clone = Element(
            self.tagName, dict(self.attributes), parent, self._filename, self._markpos,
            self.caseInsensitive, self.preserveCase, self.namespace,
        )
        clone.endTagName = self.endTagName
        if self.nsprefixes is not None:
            clone.nsprefixes = dict(self.nsprefixes)
        if deep:
            for c in self.childNodes:
                clone.appendChild(c.cloneNode(deep, clone))
        return clone

    def getElementsByTagName(self, name: str) -> list[Element]:
        finder = getElementsByTagNameNoCase if self.caseInsensitive else getElementsByTagName
        return finder(self, name)

    def hasAttributes(self) -> bool:
        return bool(self.attributes)

    def _key(self, name: str) -> str | None:
        if name in self.attributes:
            return name
        if self.caseInsensitive:
            low = name.lower()
            for k in self.attributes:
                if k.lower() == low:
                    return k
        return None

    def getAttribute(self, name: str, default: str | None = None) -> str | None:
        key = self._key(name)
        return self.attributes[key] if key is not None else default

    def getAttributeNS(self, ns: str, name: str, default: str | None = None) -> str | None:
        return self.getAttribute(name, default)

    def getAttributeNode(self, name: str) -> _Attr | None:
        value = self.getAttribute(name)
        return None if value is None else _Attr(value, self)

    def setAttribute(self, name: str, attr: str) -> None:
        key = self._key(name)
        self.attributes[name if key is None else key] = attr

    def removeAttribute(self, name: str) -> None:
        key = self._key(name)
        if key is not None:
            del self.attributes[key]

    def hasAttribute(self, name: str) -> bool:
        return self._key(name) is not None

    def writexml(self, stream: TextSink, indent: str = "", addindent: str = "", newl: str = "",
                 strip: int = 0, nsprefixes: dict[str, str] | None = None,
                 namespace: str = "") -> None:
        stream = _textual(stream)
        attrs = "".join(
            f' {k}="{escape(v)}"' for k, v in self.attributes.items()
        )
        if self.nsprefixes:
            attrs += "".join(f' xmlns:{p}="{ns}"' for ns, p in self.nsprefixes.items())
        if self.namespace and self.namespace != namespace:
            attrs += f' xmlns="{self.namespace}"'
        name = self.tagName
        if not self.childNodes:
            if name.lower() in _VOID:
                stream.write(f"{indent}<{name}{attrs} />{newl}")
            else:
                stream.write(f"{indent}<{name}{attrs}></{self.endTagName}>{newl}")
            return
        stream.write(f"{indent}<{name}{attrs}>")
        pretty = bool(newl) and self._name(name) not in _KEEP_SPACE
        if pretty:
            stream.write(newl)
        for c in self.childNodes:
            if pretty and isinstance(c, Element):
                c.writexml(stream, indent + addindent, addindent, newl, strip,
                           nsprefixes, self.namespace or namespace)
            else:
                c.writexml(stream, "", "", "", strip,
                           nsprefixes, self.namespace or namespace)
        stream.write(f"{indent if pretty else ''}</{self.endTagName}>{newl}")

    def __repr__(self) -> str:
        attrs = "".join(f" {k}={v!r}" for k, v in self.attributes.items())
        return f"Element({self.nodeName!r}{attrs})"

    def __str__(self) -> str:
        return self.toxml()


class _Attr(CharacterData):
    """An attribute value as a node (``getAttributeNode``)."""

    nodeName = "#attribute"


def _elements(node: Node) -> Iterable[Element]:
    for c in node.childNodes:
        if isinstance(c, Element):
            yield c
        yield from _elements(c)


def getElementsByTagName(iNode: Node, name: str) -> list[Element]:
    """Elements named ``name`` at or under ``iNode``, in document order."""
    found = [iNode] if isinstance(iNode, Element) and iNode.nodeName == name else []
    return found + [e for e in _elements(iNode) if e.nodeName == name]


def getElementsByTagNameNoCase(iNode: Node, name: str) -> list[Element]:
    """As ``getElementsByTagName``, comparing names without regard to case."""
    low = name.lower()
    found = [iNode] if isinstance(iNode, Element) and iNode.nodeName.lower() == low else []
    return found + [e for e in _elements(iNode) if e.nodeName.lower() == low]


# -- the parser ---------------------------------------------------------------------------

_ATTR = re.compile(
    r"""([-\w:.]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?"""
)

# HTML elements that end when the next of these (or their parent) starts.
_SOON_CLOSERS = {"p": {"p", "div", "ul", "ol", "dl", "dt", "dd", "li", "table", "h1", "h2",
                       "h3", "h4", "h5", "h6"},
                 "li": {"li"}, "option": {"option"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"},
                 "tr": {"tr"}, "td": {"td", "th", "tr"}, "th": {"td", "th", "tr"}}


class _Parser:
    def __init__(self, text: str, lenient: bool, caseInsensitive: int, preserveCase: int,
                 filename: str) -> None:
        self.text = text
        self.lenient = lenient
        self.caseInsensitive = caseInsensitive
        self.preserveCase = preserveCase
        self.filename = filename
        self.roots: list[Node] = []
        self.stack: list[Element] = []
        self.doctype: str | None = None

    def _pos(self, offset: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - (self.text.rfind("\n", 0, offset) + 1)

    def _fail(self, offset: int, message: str) -> ParseError:
        line, col = self._pos(offset)
        return ParseError(self.filename, line, col, message)

    def _add(self, node: Node) -> None:
        if self.stack:
            self.stack[-1].appendChild(node)
        elif self.lenient or not isinstance(node, (Text, EntityReference)):
            self.roots.append(node)
        elif isinstance(node, EntityReference) or node.data.strip():
            raise self._fail(0, "text outside the document element")

    def _text(self, data: str) -> None:
        if not data:
            return
        if "&" in data and not self.lenient:
            raise self._fail(0, "'&' that starts no entity reference")
        keep = any(e._name(e.tagName) in _KEEP_SPACE for e in self.stack)
        if not data.strip() and not keep:
            return
        siblings = self.stack[-1].childNodes if self.stack else self.roots
        if siblings and type(siblings[-1]) is Text:
            last = siblings[-1]
            assert isinstance(last, Text)
            last.data = last.nodeValue = last.value = last.data + data
            return
        self._add(Text(data, raw=0))

    def _same(self, a: str, b: str) -> bool:
        return a.lower() == b.lower() if self.caseInsensitive else a == b

    def run(self) -> None:
        text = self.text
        for kind, item, offset in _sux_tokens(text, True):
            if isinstance(item, str):
                if "<" in item and not self.lenient:
                    raise self._fail(offset + item.index("<"), "unexpected '<'")
                self._text(item)
                continue
            m = item
            if kind == "comment":
                self._add(Comment(m.group("comment")))
            elif kind == "cdata":
                self._add(CDATASection(m.group("cdata")))
            elif kind == "decl":
                decl = m.group("decl")
                if decl.upper().startswith("DOCTYPE"):
                    self.doctype = decl[7:].strip()
            elif kind == "pi":
                pass
            elif kind == "entity":
                self._entity(m.group("entity"))
            elif kind == "start":
                self._start(m)
            elif m.group("end") is not None:
                self._end(m.group("end"), m.start())
        if self.stack and not self.lenient:
            top = self.stack[-1]
            begLine, begCol = top._markpos or (0, 0)
            endLine, endCol = self._pos(len(text))
            raise MismatchedTags(self.filename, top.tagName, "EOF", endLine, endCol,
                                 begLine, begCol)
        self.stack.clear()

    def _entity(self, ref: str) -> None:
        # Kept as written, as a node of its own.
        self._add(EntityReference(ref))

    def _text_keep(self, data: str) -> None:
        parent = self.stack[-1]
        if parent.childNodes and isinstance(parent.childNodes[-1], Text):
            last = parent.childNodes[-1]
            assert isinstance(last, Text)
            last.data = last.nodeValue = last.value = last.data + data
        else:
            parent.appendChild(Text(data))

    def _start(self, m: re.Match[str]) -> None:
        name = m.group("start")
        attrs: dict[str, str] = {}
        for a in _ATTR.finditer(m.group("attrs")):
            key, dq, sq, bare = a.groups()
            if dq is None and sq is None and bare is None:
                if not self.lenient:
                    raise self._fail(m.start(), f"attribute {key!r} has no value")
                value = "True"  # a bare attribute, as Twisted reads it
            elif bare is not None and not self.lenient:
                raise self._fail(m.start(), f"unquoted value of attribute {key!r}")
            else:
                value = dq if dq is not None else sq if sq is not None else bare or ""
            attrs[key] = value
        if self.lenient and self.stack:
            closers = _SOON_CLOSERS.get(self.stack[-1].tagName.lower())
            if closers and name.lower() in closers:
                self.stack.pop()
        el = Element(name, attrs, None, self.filename, self._pos(m.start()),
                     self.caseInsensitive, self.preserveCase)
        self._add(el)
        if m.group("empty"):
            return
        if self.lenient and name.lower() in _VOID:
            return
        self.stack.append(el)

    def _end(self, name: str, offset: int) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self._same(self.stack[i].tagName, name):
                if i != len(self.stack) - 1 and not self.lenient:
                    top = self.stack[-1]
                    begLine, begCol = top._markpos or (0, 0)
                    endLine, endCol = self._pos(offset)
                    raise MismatchedTags(self.filename, top.tagName, name, endLine, endCol,
                                         begLine, begCol)
                self.stack[i].endTag(name)
                del self.stack[i:]
                return
        if not self.lenient:
            if not self.stack:
                line, col = self._pos(offset)
                raise MismatchedTags(self.filename, "NOTHING", name, line, col, line, col)
            top = self.stack[-1]
            begLine, begCol = top._markpos or (0, 0)
            endLine, endCol = self._pos(offset)
            raise MismatchedTags(self.filename, top.tagName, name, endLine, endCol,
                                 begLine, begCol)


_DECLARED = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([-\w.]+)["']""")


def _decode(data: bytes) -> str:
    """Text from bytes: by a UTF-16 byte-order mark, else the XML declaration's encoding
    (UCS-2 read as UTF-16), else UTF-8."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", "replace")
    m = _DECLARED.match(data)
    encoding = m.group(1).decode("ascii").lower() if m else "utf-8"
    if encoding in ("ucs-2", "ucs2"):
        encoding = "utf-16"
    try:
        return data.decode(encoding, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def parse(
    readable: IO[bytes] | IO[str] | str, escapeAttributes: int = 1, beExtremelyLenient: int = 0,
    caseInsensitive: int = 1, preserveCase: int = 0, *args: object, **kwargs: object,
) -> Document:
    """Parse a file (an open file or a path); see ``parseString``."""
    data: str | bytes
    if isinstance(readable, str):
        with open(readable, "rb") as f:
            data = f.read()
    else:
        data = readable.read()
    return parseString(
        data, escapeAttributes, beExtremelyLenient, caseInsensitive, preserveCase, *args, **kwargs
    )


def parseString(
    st: str | bytes, escapeAttributes: int = 1, beExtremelyLenient: int = 0,
    caseInsensitive: int = 1, preserveCase: int = 0, *args: object, **kw: object,
) -> Document:
    """A ``Document`` from ``st``: XML, or HTML as browsers take it with
    ``beExtremelyLenient``; ``MismatchedTags`` or ``ParseError`` if it is not well formed."""
    if isinstance(st, bytes):
        st = _decode(st)
    p = _Parser(st, bool(beExtremelyLenient), caseInsensitive, preserveCase,
                str(kw.get("filename", "<xmlfile />")))
    p.run()
    elements = [n for n in p.roots if isinstance(n, Element)]
    loose = any(isinstance(n, (Text, EntityReference)) for n in p.roots)
    if not elements and not (beExtremelyLenient and loose):
        raise ParseError(p.filename, 0, 0, "no elements found")
    if len(elements) > 1 or loose:
        if not beExtremelyLenient:
            raise ParseError(p.filename, 0, 0, "more than one document element")
        wrapper = Element("html", None, None, p.filename, (0, 0), caseInsensitive, preserveCase)
        for n in p.roots:
            wrapper.appendChild(n)
        p.roots = [wrapper]
    d = Document()
    d.doctype = p.doctype
    for n in p.roots:
        Node.appendChild(d, n)
    return d


def parseXML(readable: IO[bytes] | IO[str] | str) -> Document:
    """Parse XML strictly, names kept as written."""
    return parse(readable, caseInsensitive=0, preserveCase=1)


def parseXMLString(st: str | bytes) -> Document:
    """``parseString`` for XML: strict, names kept as written."""
    return parseString(st, caseInsensitive=0, preserveCase=1)


class _AddChild(Protocol):
    """``lmx(node).tagname``: called with the new child's attributes."""

    def __call__(self, **kw: str) -> lmx: ...


class lmx:
    """A terse way to build elements: ``lmx(node).tagname(attr=value)`` adds a child."""

    def __init__(self, node: Element | str = "div") -> None:
        if isinstance(node, str):
            node = Element(node)
        self.node = node

    def __getattr__(self, name: str) -> _AddChild:
        if name.startswith("_"):
            raise AttributeError(name)

        def add(**kw: str) -> lmx:
            return self.add(name, **kw)

        return add

    def __setitem__(self, key: str, value: str) -> None:
        self.node.setAttribute(key, value)

    def __getitem__(self, key: str) -> str | None:
        return self.node.getAttribute(key)

    def text(self, txt: str, raw: int = 0) -> lmx:
        self.node.appendChild(Text(txt, raw=raw))
        return self

    def add(self, tagName: str, **kw: str) -> lmx:
        el = Element(tagName, {k.rstrip("_"): v for k, v in kw.items()})
        self.node.appendChild(el)
        return lmx(el)
