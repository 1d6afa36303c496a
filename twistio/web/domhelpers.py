"""Helpers for DOM trees, ``xml.dom.minidom``'s or ``twistio.web.microdom``'s (Twisted's
``twisted.web.domhelpers``, deprecated there since Twisted 23.10.0, and here: importing it
warns). New code: ``xml.etree`` or ``twistio.web.template``."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import IO, Any

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

_Matcher = Callable[[Any], Any]


class NodeLookupError(Exception):
    """No node has the id asked for."""


class RawText(microdom.Text):
    """Text written out exactly as given (markup in it is not escaped)."""

    def __init__(self, data: str, parentNode: Any = None, raw: int = 0) -> None:
        super().__init__(data, parentNode, raw=1)

    def writexml(self, stream: IO[str], indent: str = "", addindent: str = "", newl: str = "",
                 strip: int = 0, nsprefixes: dict[str, str] | None = None,
                 namespace: str = "") -> None:
        stream.write(f"{indent}{self.data}{newl}")


def substitute(request: Any, node: Any, subs: Any) -> None:
    """Fill ``%(name)s`` placeholders in the text children of ``node`` from ``subs``."""
    for child in node.childNodes:
        if hasattr(child, "nodeValue") and child.nodeValue:
            child.replaceData(0, len(child.nodeValue), child.nodeValue % subs)
        substitute(request, child, subs)


def _get(node: Any, nodeId: str, nodeAttrs: Iterable[str] = ("id", "class", "model", "pattern")) -> Any:
    """The first node at or under ``node`` with ``nodeId`` as one of ``nodeAttrs``, or None."""
    if hasattr(node, "hasAttributes") and node.hasAttributes():
        for attr in nodeAttrs:
            if node.getAttribute(attr) == nodeId:
                return node
    for child in getattr(node, "childNodes", ()):
        found = _get(child, nodeId, nodeAttrs)
        if found is not None:
            return found
    return None


def get(node: Any, nodeId: str) -> Any:
    """The node whose ``id``, ``class``, ``model`` or ``pattern`` is ``nodeId``;
    ``NodeLookupError`` if there is none."""
    found = _get(node, nodeId)
    if found is None:
        raise NodeLookupError(nodeId)
    return found


def getIfExists(node: Any, nodeId: str) -> Any:
    """As ``get``, but None when there is no such node."""
    return _get(node, nodeId)


def getAndClear(node: Any, nodeId: str) -> Any:
    """As ``get``, with the node's children removed."""
    found = get(node, nodeId)
    clearNode(found)
    return found


def clearNode(node: Any) -> None:
    """Remove every child of ``node``."""
    node.childNodes[:] = []


def locateNodes(nodeList: Any, key: str, value: str, noNesting: int = 1) -> list[Any]:
    """Nodes in ``nodeList`` (and under them) whose attribute ``key`` is ``value``; with
    ``noNesting``, not those under a node that matched."""
    found: list[Any] = []
    if not isinstance(nodeList, list):
        return locateNodes(nodeList.childNodes, key, value, noNesting)
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


def superSetAttribute(node: Any, key: str, value: str) -> None:
    """Set attribute ``key`` on ``node`` and every element under it."""
    if not hasattr(node, "setAttribute"):
        return
    node.setAttribute(key, value)
    for child in getattr(node, "childNodes", ()):
        superSetAttribute(child, key, value)


def superPrependAttribute(node: Any, key: str, value: str) -> None:
    """Prefix attribute ``key`` with ``value`` (a ``/`` between) on ``node`` and under it."""
    if not hasattr(node, "setAttribute"):
        return
    old = node.getAttribute(key)
    node.setAttribute(key, value + "/" + old if old else value)
    for child in getattr(node, "childNodes", ()):
        superPrependAttribute(child, key, value)


def superAppendAttribute(node: Any, key: str, value: str) -> None:
    """Suffix attribute ``key`` with ``value`` (a ``/`` between) on ``node`` and under it."""
    if not hasattr(node, "setAttribute"):
        return
    old = node.getAttribute(key)
    node.setAttribute(key, old + "/" + value if old else value)
    for child in getattr(node, "childNodes", ()):
        superAppendAttribute(child, key, value)


def gatherTextNodes(iNode: Any, dounescape: int = 0, joinWith: str = "") -> str:
    """The text at or under ``iNode``, in document order, joined by ``joinWith``
    (``dounescape``: entities in it turned back into characters)."""
    pieces: list[str] = []

    def visit(node: Any) -> None:
        if _isText(node):
            pieces.append(unescape(node.data) if dounescape else node.data)
        elif isinstance(node, microdom.EntityReference):
            pieces.append(unescape(node.eref) if dounescape else node.eref)
        for child in getattr(node, "childNodes", ()):
            visit(child)

    visit(iNode)
    return joinWith.join(pieces)


def _isText(node: Any) -> bool:
    # A text or CDATA node of either DOM (minidom nodes have nodeType 3 / 4).
    if isinstance(node, (microdom.Text, microdom.CDATASection)):
        return True
    return getattr(node, "nodeType", None) in (3, 4)


def getNodeText(node: Any) -> str:
    """All the text at or under ``node``, concatenated."""
    return gatherTextNodes(node)


def getParents(node: Any) -> list[Any]:
    """``node`` itself, its parent, its parent's parent, and so on up to the root."""
    parents = []
    while node is not None:
        parents.append(node)
        node = getattr(node, "parentNode", None)
    return parents


def getElementsByTagName(iNode: Any, name: str) -> list[Any]:
    """Elements named ``name`` at or under ``iNode`` (a node of either DOM), in document
    order."""
    found = []

    def visit(node: Any) -> None:
        if getattr(node, "nodeName", None) == name and hasattr(node, "tagName"):
            found.append(node)
        for child in getattr(node, "childNodes", ()):
            visit(child)

    visit(iNode)
    return found


def findNodes(parent: Any, matcher: _Matcher, accum: list[Any] | None = None) -> list[Any]:
    """Every node under ``parent`` for which ``matcher(node)`` is true, in document order."""
    if accum is None:
        accum = []
    for child in getattr(parent, "childNodes", ()):
        if matcher(child):
            accum.append(child)
        findNodes(child, matcher, accum)
    return accum


def findNodesShallowOnMatch(
    parent: Any, matcher: _Matcher, recurseMatcher: _Matcher, accum: list[Any] | None = None
) -> list[Any]:
    """As ``findNodes``, going under a matching node only if ``recurseMatcher`` says so."""
    if accum is None:
        accum = []
    for child in getattr(parent, "childNodes", ()):
        if matcher(child):
            accum.append(child)
        if recurseMatcher(child):
            findNodesShallowOnMatch(child, matcher, recurseMatcher, accum)
    return accum


def findNodesShallow(parent: Any, matcher: _Matcher, accum: list[Any] | None = None) -> list[Any]:
    """As ``findNodes``, not going under a node that matched."""
    if accum is None:
        accum = []
    for child in getattr(parent, "childNodes", ()):
        if matcher(child):
            accum.append(child)
        else:
            findNodesShallow(child, matcher, accum)
    return accum


def findElementsWithAttributeShallow(parent: Any, attribute: str) -> list[Any]:
    """Elements under ``parent`` having ``attribute``, not looking under those found."""
    return findNodesShallow(
        parent, lambda n: hasattr(n, "hasAttribute") and n.hasAttribute(attribute)
    )


def findElements(parent: Any, matcher: _Matcher) -> list[Any]:
    """Elements under ``parent`` for which ``matcher(element)`` is true."""
    return findNodes(parent, lambda n: hasattr(n, "tagName") and matcher(n))


def findElementsWithAttribute(parent: Any, attribute: str, value: str | None = None) -> list[Any]:
    """Elements under ``parent`` having ``attribute`` (equal to ``value``, when given)."""
    if value is None:
        return findElements(parent, lambda n: n.hasAttribute(attribute))
    return findElements(
        parent, lambda n: n.hasAttribute(attribute) and n.getAttribute(attribute) == value
    )


def findNodesNamed(parent: Any, name: str) -> list[Any]:
    """Nodes under ``parent`` whose ``nodeName`` is ``name``."""
    return findNodes(parent, lambda n: n.nodeName == name)


def writeNodeData(node: Any, oldio: IO[str]) -> None:
    """Write the text at or under ``node`` to ``oldio``."""
    oldio.write(gatherTextNodes(node))


def namedChildren(parent: Any, nodeName: str) -> list[Any]:
    """The children (not descendants) of ``parent`` named ``nodeName``."""
    return [c for c in parent.childNodes if getattr(c, "nodeName", None) == nodeName]
