"""A small DOM for XML streams: ``Element`` trees, their serializer, and stream parsers.

An element's name is the pair ``(uri, name)``. ``uri`` None means "whatever namespace the
surrounding document gives" (what a stanza built for a Jabber stream uses), ``''`` the empty
namespace. ``defaultUri`` is the default namespace for the element's children (None: the
inherited one). Serializing writes ``xmlns`` and ``xmlns:prefix`` declarations only where
the namespace actually changes, prefixes ``xn0``, ``xn1``... for namespaces nobody named.

The stream parsers (``elementStream()``) build one element per stanza: the root's start
tag goes to ``DocumentStartEvent(root)``, each complete child of the root to
``ElementEvent(element)``, the root's end tag to ``DocumentEndEvent()``. A stanza larger
than ``maxStanzaSize`` bytes or with more than ``maxElementCount`` elements raises
``ParserError`` (a peer cannot make the parser hold unbounded state).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from twistio.internet.interfaces import Interface, implementer
from twistio.web import sux

__all__ = [
    "Element",
    "ExpatElementStream",
    "IElement",
    "Namespace",
    "ParserError",
    "SerializedXML",
    "SerializerClass",
    "SuxElementStream",
    "elementStream",
    "escapeToXml",
    "generateElementsNamed",
    "generateElementsQNamed",
    "generateOnlyInterface",
    "unescapeFromXml",
]

NS_XML = "http://www.w3.org/XML/1998/namespace"

#: Prefixes every serializer knows from the start (``xml`` needs no declaration).
G_PREFIXES = {NS_XML: "xml"}


def _splitPrefix(name: str) -> tuple[str | None, str]:
    """``"p:local"`` -> ``("p", "local")``; an unprefixed name -> ``(None, name)``."""
    prefix, sep, local = name.rpartition(":")
    return (prefix, local) if sep else (None, name)


def escapeToXml(text: str, isattrib: int | bool = 0) -> str:
    """``text`` with ``&``, ``<`` and ``>`` escaped, and quotes too when ``isattrib``."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if isattrib:
        text = text.replace("'", "&apos;").replace('"', "&quot;")
    return text


_UNESCAPES = (("&lt;", "<"), ("&gt;", ">"), ("&apos;", "'"), ("&quot;", '"'), ("&amp;", "&"))


def unescapeFromXml(text: str) -> str:
    """The reverse of ``escapeToXml`` (the five predefined entities)."""
    for entity, char in _UNESCAPES:
        text = text.replace(entity, char)
    return text


def generateOnlyInterface(list: Iterable[Any], int: Any) -> Iterator[Any]:
    """The items of ``list`` providing the interface ``int``."""
    for item in list:
        if int.providedBy(item):
            yield item


def generateElementsQNamed(list: Iterable[Any], name: str, uri: str | None) -> Iterator[Any]:
    """The elements of ``list`` named ``name`` in namespace ``uri``."""
    for item in list:
        if isinstance(item, Element) and item.name == name and item.uri == uri:
            yield item


def generateElementsNamed(list: Iterable[Any], name: str) -> Iterator[Any]:
    """The elements of ``list`` named ``name``, whatever their namespace."""
    for item in list:
        if isinstance(item, Element) and item.name == name:
            yield item


class SerializedXML(str):
    """Text that is already XML: written out as it is (see ``Element.addRawXml``)."""


class Namespace:
    """``NS.name`` and ``NS["name"]`` give the qualified name ``(uri, name)``."""

    def __init__(self, uri: str) -> None:
        self._uri = uri

    def __getattr__(self, n: str) -> tuple[str, str]:
        if n.startswith("__"):
            raise AttributeError(n)
        return (self._uri, n)

    def __getitem__(self, n: str) -> tuple[str, str]:
        return (self._uri, n)


class IElement(Interface, Protocol):
    """An XML element node."""

    uri: str | None
    name: str
    defaultUri: str | None
    attributes: dict[Any, str]
    children: list[Any]
    parent: Any
    localPrefixes: dict[str, str]

    def toXml(
        self,
        prefixes: dict[str, str] | None = None,
        closeElement: int = 1,
        defaultUri: str = "",
        prefixesInScope: list[str] | None = None,
    ) -> str:
        """The element serialized."""

    def addElement(
        self, name: Any, defaultUri: str | None = None, content: str | None = None
    ) -> Any:
        """Add a child element made from ``name`` and return it."""

    def addChild(self, node: Any) -> Any:
        """Add ``node`` (an element or text) as the last child and return it."""

    def addContent(self, text: str) -> str:
        """Add character data."""


class SerializerClass:
    """Writes elements as text, tracking which prefixes are bound to which namespaces.

    ``prefixes`` maps namespace URIs to the prefixes to use for them; it grows as the
    serializer invents prefixes, so one serializer keeps its choices across elements.
    """

    def __init__(
        self,
        prefixes: dict[str, str] | None = None,
        prefixesInScope: Iterable[str] | None = None,
    ) -> None:
        self.writelist: list[str] = []
        self.prefixes: dict[str, str] = dict(G_PREFIXES)
        if prefixes:
            self.prefixes.update(prefixes)
        self.prefixStack: list[Any] = [list(G_PREFIXES.values())]
        if prefixesInScope:
            self.prefixStack.append(list(prefixesInScope))
        self.prefixCounter = 0

    def getValue(self) -> str:
        """Everything serialized so far."""
        return "".join(self.writelist)

    def getPrefix(self, uri: str | None) -> str:
        """The prefix of ``uri``, inventing ``xnN`` if it has none yet."""
        key = str(uri)
        found = self.prefixes.get(key)
        if found is None:
            found = f"xn{self.prefixCounter}"
            self.prefixCounter += 1
            self.prefixes[key] = found
        return found

    def prefixInScope(self, prefix: str) -> bool:
        """Whether ``prefix`` is declared by an enclosing element."""
        return any(prefix in level for level in self.prefixStack)

    def serialize(self, elem: Any, closeElement: int = 1, defaultUri: str | None = "") -> None:
        """Append ``elem`` (an element, text or ``SerializedXML``) to the output.

        ``defaultUri`` is the default namespace in force where ``elem`` is written.
        ``closeElement`` false writes only the start tag (the opening of a stream).
        """
        out = self.writelist.append
        if isinstance(elem, SerializedXML):
            out(elem)
            return
        if isinstance(elem, str):
            out(escapeToXml(elem))
            return

        inherited = defaultUri
        own_default = elem.defaultUri if elem.defaultUri is not None else inherited
        uri = elem.uri if elem.uri is not None else own_default

        declared: list[str] = []
        for prefix, ns in elem.localPrefixes.items():
            self.prefixes[ns] = prefix
        declared.extend(elem.localPrefixes)
        self.prefixStack.append(declared)

        prefix = None
        if uri != own_default or uri in self.prefixes:
            prefix = self.getPrefix(uri)
        parts: list[str] = []
        if prefix is None:
            tag = elem.name
        else:
            tag = f"{prefix}:{elem.name}"
            if not self.prefixInScope(prefix):
                parts.append(f" xmlns:{prefix}='{uri}'")
                declared.append(prefix)
        if own_default != inherited and not (prefix is not None and uri == own_default):
            parts.append(f" xmlns='{own_default}'")
        for lp, ns in elem.localPrefixes.items():
            parts.append(f" xmlns:{lp}='{ns}'")

        for key, value in elem.attributes.items():
            if isinstance(key, tuple):
                attr_uri, attr_name = key
                attr_prefix = self.getPrefix(attr_uri)
                if not self.prefixInScope(attr_prefix):
                    parts.append(f" xmlns:{attr_prefix}='{attr_uri}'")
                    declared.append(attr_prefix)
                key = f"{attr_prefix}:{attr_name}"
            parts.append(f" {key}='{escapeToXml(value, 1)}'")

        out("<" + tag + "".join(parts))
        if not closeElement:
            out(">")
            return
        if elem.children:
            out(">")
            for child in elem.children:
                self.serialize(child, defaultUri=own_default)
            out(f"</{tag}>")
        else:
            out("/>")
        self.prefixStack.pop()


_ListSerializer = SerializerClass


@implementer(IElement)
class Element:
    """An XML element: a qualified name, attributes, and children (elements and text).

    ``element.child`` is the first child element named ``child`` (AttributeError when
    there is none); ``element["attr"]`` is an attribute (a namespaced one is keyed by
    ``(uri, name)``); ``str(element)`` is its first piece of text.
    """

    _idCounter = 0

    def __init__(
        self,
        qname: tuple[str | None, str],
        defaultUri: str | None = None,
        attribs: dict[Any, str] | None = None,
        localPrefixes: dict[str, str] | None = None,
    ) -> None:
        self.uri, self.name = qname
        self.localPrefixes: dict[str, str] = {} if localPrefixes is None else localPrefixes
        if defaultUri is None and self.uri not in self.localPrefixes.values():
            # The name's namespace is the children's default, unless a prefix is bound
            # to it (the element is then written prefixed and its children inherit).
            defaultUri = self.uri
        self.defaultUri = defaultUri
        self.attributes: dict[Any, str] = {} if attribs is None else attribs
        self.children: list[Any] = []
        self.parent: Element | None = None

    def __getattr__(self, key: str) -> Element:
        if key.startswith("__"):
            raise AttributeError(key)
        for child in self.__dict__.get("children", ()):
            if isinstance(child, Element) and child.name == key:
                return child
        raise AttributeError(key)

    def __getitem__(self, key: Any) -> str:
        return self.attributes[self._dqa(key)]

    def __delitem__(self, key: Any) -> None:
        del self.attributes[self._dqa(key)]

    def __setitem__(self, key: Any, value: str) -> None:
        self.attributes[self._dqa(key)] = value

    def __str__(self) -> str:
        for child in self.children:
            if isinstance(child, str):
                return str(child)
        return ""

    __unicode__ = __str__

    def __bytes__(self) -> bytes:
        return str(self).encode("utf-8")

    def _dqa(self, attr: Any) -> Any:
        """An attribute key with an empty-namespace pair reduced to the plain name."""
        if isinstance(attr, tuple) and not attr[0]:
            return attr[1]
        return attr

    def getAttribute(self, attribname: Any, default: Any = None) -> Any:
        """The attribute's value, or ``default``."""
        return self.attributes.get(self._dqa(attribname), default)

    def hasAttribute(self, attrib: Any) -> bool:
        """Whether the attribute is set."""
        return self._dqa(attrib) in self.attributes

    def compareAttribute(self, attrib: Any, value: Any) -> bool:
        """Whether the attribute equals ``value`` (an absent one equals None)."""
        return bool(self.attributes.get(self._dqa(attrib)) == value)

    def swapAttributeValues(self, left: Any, right: Any) -> None:
        """Exchange the values of two attributes (``to`` and ``from`` of a reply, say)."""
        attrs = self.attributes
        attrs[left], attrs[right] = attrs[right], attrs[left]

    def addChild(self, node: Any) -> Any:
        """Append ``node`` (an element, or text) and return it."""
        if isinstance(node, Element):
            node.parent = self
        self.children.append(node)
        return node

    def addContent(self, text: str) -> str:
        """Append text, joined to the last child when that is text; the text now there."""
        if not isinstance(text, str):
            raise TypeError(f"element content must be text, not {type(text).__name__}")
        children = self.children
        if (
            children
            and isinstance(children[-1], str)
            and not isinstance(children[-1], SerializedXML)
        ):
            children[-1] += text
        else:
            children.append(text)
        return str(children[-1])

    def addElement(
        self, name: Any, defaultUri: str | None = None, content: str | None = None
    ) -> Element:
        """Add and return a child element.

        ``name`` is a plain name (the child is in this element's default namespace) or a
        ``(uri, name)`` pair; ``content``, if given, becomes the child's text.
        """
        if isinstance(name, tuple):
            child = Element(name, name[0] if defaultUri is None else defaultUri)
        else:
            uri = self.defaultUri if defaultUri is None else defaultUri
            child = Element((uri, name), uri)
        self.addChild(child)
        if content:
            child.addContent(content)
        return child

    def addRawXml(self, rawxmlstring: str) -> None:
        """Append already serialized XML, written out unchanged."""
        self.children.append(SerializedXML(rawxmlstring))

    def addUniqueId(self) -> None:
        """Set an ``id`` attribute unique within this process."""
        self.attributes["id"] = f"H_{Element._idCounter}"
        Element._idCounter += 1

    def elements(self, uri: str | None = None, name: str | None = None) -> Iterator[Element]:
        """The child elements; with ``name``, only those named ``(uri, name)``."""
        if name is None:
            return generateOnlyInterface(self.children, IElement)
        return generateElementsQNamed(self.children, name, uri)

    def firstChildElement(self) -> Element | None:
        """The first child element, or None."""
        for child in self.children:
            if isinstance(child, Element):
                return child
        return None

    def toXml(
        self,
        prefixes: dict[str, str] | None = None,
        closeElement: int = 1,
        defaultUri: str = "",
        prefixesInScope: list[str] | None = None,
    ) -> str:
        """This element and its children as XML text.

        ``prefixes`` maps namespaces to prefixes to use; ``prefixesInScope`` names prefixes
        already declared around the element; ``defaultUri`` is the default namespace in
        force around it; ``closeElement`` false gives the start tag alone.
        """
        writer = SerializerClass(prefixes, prefixesInScope)
        writer.serialize(self, closeElement, defaultUri)
        return writer.getValue()


class ParserError(Exception):
    """The stream is not well-formed XML, or exceeds the parser's limits."""


def _no_op(*args: object) -> None:
    pass


class _StanzaBuilder:
    """What both stream parsers share: the open element, the limits, the events."""

    maxStanzaSize = 10485760
    maxElementCount = 100000

    def __init__(self) -> None:
        self.DocumentStartEvent: Callable[[Element], object] = _no_op
        self.ElementEvent: Callable[[Element], object] = _no_op
        self.DocumentEndEvent: Callable[[], object] = _no_op
        self.currElem: Element | None = None
        self.documentStarted = False
        self.elementCount = 0
        self.stanzaSize = 0

    def _count_input(self, size: int) -> None:
        self.stanzaSize += size

    def _check_size(self) -> None:
        if self.currElem is not None and self.stanzaSize > self.maxStanzaSize:
            raise ParserError("Maximum stanza size exceeded")

    def _open(self, elem: Element) -> None:
        if not self.documentStarted:
            self.documentStarted = True
            self.DocumentStartEvent(elem)
            return
        self.elementCount += 1
        if self.elementCount > self.maxElementCount:
            raise ParserError("Maximum element count exceeded")
        if self.currElem is not None:
            self.currElem.addChild(elem)
        self.currElem = elem

    def _close(self) -> None:
        elem = self.currElem
        if elem is None:
            self.DocumentEndEvent()
            return
        parent = elem.parent
        if parent is None:
            self.currElem = None
            self.elementCount = 0
            self.stanzaSize = 0
            self.ElementEvent(elem)
        else:
            self.currElem = parent

    def _text(self, data: str) -> None:
        if self.currElem is not None:
            self.currElem.addContent(data)


class ExpatElementStream(_StanzaBuilder):
    """The stream parser over the standard library's expat (``xml.parsers.expat``)."""

    def __init__(self) -> None:
        super().__init__()
        import xml.parsers.expat as expat

        self._expat = expat
        parser = expat.ParserCreate("UTF-8", " ")
        parser.StartElementHandler = self._onStartElement
        parser.EndElementHandler = self._onEndElement
        parser.CharacterDataHandler = self._onCdata
        parser.StartNamespaceDeclHandler = self._onStartNamespace
        parser.EndNamespaceDeclHandler = self._onEndNamespace
        parser.buffer_text = True
        self.parser = parser
        self.defaultNsStack: list[str] = [""]
        self.localPrefixes: dict[str, str] = {}
        self._default_changes: list[bool] = []
        self._pending_default: str | None = None

    def parse(self, buffer: bytes | str) -> None:
        """Feed the next piece of the stream; ``ParserError`` when it is not XML."""
        if isinstance(buffer, str):
            buffer = buffer.encode("utf-8")
        self._count_input(len(buffer))
        try:
            self.parser.Parse(buffer)
        except self._expat.error as e:
            raise ParserError(str(e)) from e
        self._check_size()

    def _onStartNamespace(self, prefix: str | None, uri: str | None) -> None:
        if prefix is None:
            self._pending_default = uri or ""
        else:
            self.localPrefixes[prefix] = uri or ""

    def _onEndNamespace(self, prefix: str | None) -> None:
        pass

    def _onStartElement(self, name: str, attrs: dict[str, str]) -> None:
        uri, _, local = name.rpartition(" ")
        changed = self._pending_default is not None
        if self._pending_default is not None:
            self.defaultNsStack.append(self._pending_default)
            self._pending_default = None
        self._default_changes.append(changed)
        attributes: dict[Any, str] = {}
        for key, value in attrs.items():
            attr_uri, space, attr_name = key.rpartition(" ")
            attributes[(attr_uri, attr_name) if space else key] = value
        elem = Element((uri, local), self.defaultNsStack[-1], attributes, self.localPrefixes)
        self.localPrefixes = {}
        self._open(elem)

    def _onEndElement(self, _: str) -> None:
        if self._default_changes.pop():
            self.defaultNsStack.pop()
        self._close()

    def _onCdata(self, data: str) -> None:
        self._text(data)


class SuxElementStream(_StanzaBuilder, sux.XMLParser):
    """The stream parser over twistio's own lenient tokenizer (``twisted.web.sux``)."""

    entities = {"amp": "&", "lt": "<", "gt": ">", "apos": "'", "quot": '"'}

    def __init__(self) -> None:
        _StanzaBuilder.__init__(self)
        self.connectionMade()
        self._scopes: list[tuple[dict[str, str], str]] = [({"xml": NS_XML}, "")]
        self._names: list[str] = []
        # A character may arrive split over two pieces: decode across them.
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def parse(self, buffer: bytes | str) -> None:
        """Feed the next piece of the stream; ``ParserError`` when it is not XML."""
        self._count_input(len(buffer))
        text = self._decoder.decode(buffer) if isinstance(buffer, bytes) else buffer
        try:
            self.dataReceived(text)
        except sux.ParseError as e:
            raise ParserError(str(e)) from e
        self._check_size()

    def findUri(self, prefix: str | None) -> str | None:
        """The namespace bound to ``prefix`` where the parser is."""
        if prefix is None:
            return self._scopes[-1][1]
        for bindings, _ in reversed(self._scopes):
            if prefix in bindings:
                return bindings[prefix]
        return None

    def gotTagStart(self, name: str, attributes: dict[str, str]) -> None:
        bindings: dict[str, str] = {}
        default = self._scopes[-1][1]
        plain: dict[str, str] = {}
        for key, value in attributes.items():
            if key == "xmlns":
                default = value
            elif key.startswith("xmlns:"):
                bindings[key[6:]] = value
            else:
                plain[key] = value
        self._scopes.append((bindings, default))
        self._names.append(name)
        attrs: dict[Any, str] = {}
        for key, value in plain.items():
            attr_prefix, attr_name = _splitPrefix(key)
            if attr_prefix is None:
                attrs[key] = value
            else:
                attrs[(self.findUri(attr_prefix), attr_name)] = value
        prefix, local = _splitPrefix(name)
        uri = self.findUri(prefix)
        if uri is None:
            raise ParserError(f"unbound namespace prefix {prefix!r}")
        self._open(Element((uri, local), default, attrs, bindings))

    def gotText(self, data: str) -> None:
        self._text(unescapeFromXml(data))

    def gotCData(self, data: str) -> None:
        self._text(data)

    def gotComment(self, data: str) -> None:
        pass

    def gotEntityReference(self, entityRef: str) -> None:
        if entityRef in self.entities:
            self._text(self.entities[entityRef])
        elif entityRef.startswith("#"):
            code = entityRef[1:]
            self._text(chr(int(code[1:], 16) if code[:1] in "xX" and code else int(code)))

    def gotTagEnd(self, name: str) -> None:
        if not self._names or self._names[-1] != name:
            raise ParserError(f"mismatched end tag {name!r}")
        self._names.pop()
        self._scopes.pop()
        self._close()


def elementStream() -> _StanzaBuilder:
    """A stream parser: expat's when the standard library has it, else the sux one."""
    try:
        return ExpatElementStream()
    except ImportError:
        return SuxElementStream()
