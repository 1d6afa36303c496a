"""Helpers for DOM trees, ``xml.dom.minidom``'s or ``twistio.web.microdom``'s (Twisted's
``twisted.web.domhelpers``, deprecated there since Twisted 23.10.0, and here: importing it
warns). New code: ``xml.etree`` or ``twistio.web.template``."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import IO, Protocol

from typing_extensions import TypeGuard

from twistio.web import microdom
from twistio.web.microdom import escape, unescape

warningString = "twisted.web.domhelpers was deprecated at Twisted 23.10.0"
warnings.warn(warningString, DeprecationWarning, stacklevel=3)

__all__ = [
    "NodeLookupError",
    "clearNode",
    "escape",
    "findElements",
    "findElementsWithAttribute",
    "findElementsWithAttributeShallow",
    "findNodes",
    "findNodesNamed",
    "findNodesShallow",
    "findNodesShallowOnMatch",
    "gatherTextNodes",
    "get",
    "getAndClear",
    "getElementsByTagName",
    "getIfExists",
    "getNodeText",
    "getParents",
    "locateNodes",
    "namedChildren",
    "substitute",
    "superAppendAttribute",
    "superPrependAttribute",
    "superSetAttribute",
    "unescape",
    "writeNodeData",
]

# The helpers take nodes of either DOM (microdom's or minidom's) and look at them by duck
# typing, as Twisted's do: nodes are ``object`` and their attributes read with ``getattr``
# (or after ``hasattr``), which raises the same AttributeError as a plain read would.
_Matcher = Callable[[object], object]


class _TextNode(Protocol):
    data: str


class NodeLookupError(Exception):
    """No node has the id asked for."""


class RawText(microdom.Text):
    """Text written out exactly as given (markup in it is not escaped)."""

    def __init__(self, data: str, parentNode: microdom.Node | None = None, raw: int = 0) -> None:
        super().__init__(data, parentNode, raw=1)

    def writexml(self, stream: microdom.TextSink, indent: str = "", addindent: str = "", newl: str = "",
                 strip: int = 0, nsprefixes: dict[str, str] | None = None,
                 namespace: str = "") -> None:
        stream.write(f"{indent}{self.data}{newl}")


def substitute(request: object, node: object, subs: object) -> None:
    """Fill ``%(name)s`` placeholders in the text children of ``node`` from ``subs``."""
    for child in getattr(node, "childNodes"):  # noqa: B009
        if hasattr(child, "nodeValue") and child.nodeValue:
            child.replaceData(0, len(child.nodeValue), child.nodeValue % subs)
        substitute(request, child, subs)


def _get(node: object, nodeId: str, nodeAttrs: Iterable[str] = ("id", "class", "model", "pattern")) -> object:
    """The first node at or under ``node`` with ``nodeId`` as one of ``nodeAttrs``, or None."""
    if hasattr(node, "hasAttributes") and node.hasAttributes():
        for attr in nodeAttrs:
            if getattr(node, "getAttribute")(attr) == nodeId:  # noqa: B009
                return node
    for child in getattr(node, "childNodes", ()):
        found = _get(child, nodeId, nodeAttrs)
        if found is not None:
            return found
    return None


def get(node: object, nodeId: str) -> object:
    """The node whose ``id``, ``class``, ``model`` or ``pattern`` is ``nodeId``;
    ``NodeLookupError`` if there is none."""
    found = _get(node, nodeId)
    if found is None:
        raise NodeLookupError(nodeId)
    return found


def getIfExists(node: object, nodeId: str) -> object:
    """As ``get``, but None when there is no such node."""
    return _get(node, nodeId)


def getAndClear(node: object, nodeId: str) -> object:
    """As ``get``, with the node's children removed."""
    found = get(node, nodeId)
    clearNode(found)
    return found


def clearNode(node: object) -> None:
    """Remove every child of ``node``."""
    getattr(node, "childNodes")[:] = []  # noqa: B009


def locateNodes(nodeList: object, key: str, value: str, noNesting: int = 1) -> list[object]:
    """Nodes in ``nodeList`` (and under them) whose attribute ``key`` is ``value``; with
    ``noNesting``, not those under a node that matched."""
    found: list[object] = []
    if not isinstance(nodeList, list):
        return locateNodes(getattr(nodeList, "childNodes"), key, value, noNesting)  # noqa: B009
    for child in nodeList:
        if getattr(child, "nodeType", None) not in (None, 1) and not hasattr(child, "getAttribute"):
            continue
        matched = hasattr(child, "getAttribute") and child.getAttribute(key) == value
        if matched:
            found.append(child)
            if noNesting:
                continue
        found.extend(locateNodes(child.childNodes, key, value, noNesting))
    return found


def superSetAttribute(node: object, key: str, value: str) -> None:
    """Set attribute ``key`` on ``node`` and every element under it."""
    if not hasattr(node, "setAttribute"):
        return
    node.setAttribute(key, value)
    for child in getattr(node, "childNodes", ()):
        superSetAttribute(child, key, value)


def superPrependAttribute(node: object, key: str, value: str) -> None:
    """Prefix attribute ``key`` with ``value`` (a ``/`` between) on ``node`` and under it."""
    if not hasattr(node, "setAttribute"):
        return
    old = getattr(node, "getAttribute")(key)  # noqa: B009
    node.setAttribute(key, value + "/" + old if old else value)
    for child in getattr(node, "childNodes", ()):
        superPrependAttribute(child, key, value)


def superAppendAttribute(node: object, key: str, value: str) -> None:
    """Suffix attribute ``key`` with ``value`` (a ``/`` between) on ``node`` and under it."""
    if not hasattr(node, "setAttribute"):
        return
    old = getattr(node, "getAttribute")(key)  # noqa: B009
    node.setAttribute(key, old + "/" + value if old else value)
    for child in getattr(node, "childNodes", ()):
        superAppendAttribute(child, key, value)


def gatherTextNodes(iNode: object, dounescape: int = 0, joinWith: str = "") -> str:
    """The text at or under ``iNode``, in document order, joined by ``joinWith``
    (``dounescape``: entities in it turned back into characters)."""
    pieces: list[str] = []

    def visit(node: object) -> None:
        if _isText(node):
            pieces.append(unescape(node.data) if dounescape else node.data)
        elif isinstance(node, microdom.EntityReference):
            pieces.append(unescape(node.eref) if dounescape else node.eref)
        for child in getattr(node, "childNodes", ()):
            visit(child)

    visit(iNode)
    return joinWith.join(pieces)


def _isText(node: object) -> TypeGuard[_TextNode]:
    # A text or CDATA node of either DOM (minidom nodes have nodeType 3 / 4).
    if isinstance(node, (microdom.Text, microdom.CDATASection)):
        return True
    return getattr(node, "nodeType", None) in (3, 4)


def getNodeText(node: object) -> str:
    """All the text at or under ``node``, concatenated."""
    return gatherTextNodes(node)


def getParents(node: object) -> list[object]:
    """``node`` itself, its parent, its parent's parent, and so on up to the root."""
    parents = []
    while node is not None:
        parents.append(node)
        node = getattr(node, "parentNode", None)
    return parents


def getElementsByTagName(iNode: object, name: str) -> list[object]:
    """Elements named ``name`` at or under ``iNode`` (a node of either DOM), in document
    order."""
    found = []

    def visit(node: object) -> None:
        if getattr(node, "nodeName", None) == name and hasattr(node, "tagName"):
            found.append(node)
        for child in getattr(node, "childNodes", ()):
            visit(child)

    visit(iNode)
    return found


def findNodes(parent: object, matcher: _Matcher, accum: list[object] | None = None) -> list[object]:
    """Every node under ``parent`` for which ``matcher(node)`` is true, in document order."""
    if accum is None:
        accum = []
    for child in getattr(parent, "childNodes", ()):
        if matcher(child):
            accum.append(child)
        findNodes(child, matcher, accum)
    return accum


def findNodesShallowOnMatch(
    parent: object, matcher: _Matcher, recurseMatcher: _Matcher, accum: list[object] | None = None
) -> list[object]:
    """As ``findNodes``, going under a matching node only if ``recurseMatcher`` says so."""
    if accum is None:
        accum = []
    for child in getattr(parent, "childNodes", ()):
        if matcher(child):
            accum.append(child)
        if recurseMatcher(child):
            findNodesShallowOnMatch(child, matcher, recurseMatcher, accum)
    return accum


def findNodesShallow(parent: object, matcher: _Matcher, accum: list[object] | None = None) -> list[object]:
    """As ``findNodes``, not going under a node that matched."""
    if accum is None:
        accum = []
    for child in getattr(parent, "childNodes", ()):
        if matcher(child):
            accum.append(child)
        else:
            findNodesShallow(child, matcher, accum)
    return accum


def findElementsWithAttributeShallow(parent: object, attribute: str) -> list[object]:
    """Elements under ``parent`` having ``attribute``, not looking under those found."""
    return findNodesShallow(
        parent, lambda n: hasattr(n, "hasAttribute") and n.hasAttribute(attribute)
    )


def findElements(parent: object, matcher: _Matcher) -> list[object]:
    """Elements under ``parent`` for which ``matcher(element)`` is true."""
    return findNodes(parent, lambda n: hasattr(n, "tagName") and matcher(n))


def findElementsWithAttribute(parent: object, attribute: str, value: str | None = None) -> list[object]:
    """Elements under ``parent`` having ``attribute`` (equal to ``value``, when given)."""
    if value is None:
        return findElements(parent, lambda n: getattr(n, "hasAttribute")(attribute))  # noqa: B009
    return findElements(
        parent,
        lambda n: getattr(n, "hasAttribute")(attribute)  # noqa: B009
        and getattr(n, "getAttribute")(attribute) == value,  # noqa: B009
    )


def findNodesNamed(parent: object, name: str) -> list[object]:
    """Nodes under ``parent`` whose ``nodeName`` is ``name``."""
    return findNodes(parent, lambda n: getattr(n, "nodeName") == name)  # noqa: B009


def writeNodeData(node: object, oldio: IO[str]) -> None:
    """Write the text at or under ``node`` to ``oldio``."""
    oldio.write(gatherTextNodes(node))


def namedChildren(parent: object, nodeName: str) -> list[object]:
    """The children (not descendants) of ``parent`` named ``nodeName``."""
    children = getattr(parent, "childNodes")  # noqa: B009
    return [c for c in children if getattr(c, "nodeName", None) == nodeName]
