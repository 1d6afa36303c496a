"""XPath-like queries over ``domish`` elements: ``XPathQuery("/message[@type='chat']/body")``.

The subset xish understands: ``/name`` (a child, the query's first step being the element
itself), ``//name`` (at any depth), ``*`` for any name, and predicates in brackets: an
attribute (``[@type]``), comparisons with ``=`` and ``!=`` against strings or other values,
``[@xmlns='uri']`` for the element's namespace, ``text()`` (the element's first text),
``not(...)``, ``and``/``or`` (left to right), parentheses, and ``[N]`` (the element's N-th
child node exists and is not empty text).

``queryForNodes`` and ``queryForStringList`` give None rather than an empty list when
nothing matches, as xish's users expect.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

__all__ = [
    "AttribValue",
    "BooleanValue",
    "CompareValue",
    "Function",
    "IndexValue",
    "LiteralValue",
    "XPathQuery",
    "internQuery",
    "matches",
    "queryForNodes",
    "queryForString",
    "queryForStringList",
]


class LiteralValue(str):
    """A quoted string of the query."""

    def value(self, elem: Any) -> str:
        return str(self)


class IndexValue:
    """``[N]``: the element's N-th child node (counting from 1)."""

    def __init__(self, index: int | str) -> None:
        self.index = int(index) - 1

    def value(self, elem: Any) -> Any:
        return elem.children[self.index]


class AttribValue:
    """``@name``: the attribute's value, or None; ``@xmlns`` is the element's namespace."""

    def __init__(self, attribname: str) -> None:
        self.attribname = attribname
        if attribname == "xmlns":
            self.value = self.value_ns  # type: ignore[method-assign]

    def value_ns(self, elem: Any) -> Any:
        return elem.uri

    def value(self, elem: Any) -> Any:
        return elem.attributes.get(self.attribname)


class CompareValue:
    """``lhs = rhs`` or ``lhs != rhs``."""

    def __init__(self, lhs: Any, op: str, rhs: Any) -> None:
        self.lhs = lhs
        self.rhs = rhs
        self.value = self._compareEqual if op == "=" else self._compareNotEqual

    def _compareEqual(self, elem: Any) -> bool:
        return bool(self.lhs.value(elem) == self.rhs.value(elem))

    def _compareNotEqual(self, elem: Any) -> bool:
        return bool(self.lhs.value(elem) != self.rhs.value(elem))


class BooleanValue:
    """``lhs and rhs`` or ``lhs or rhs``."""

    def __init__(self, lhs: Any, op: str, rhs: Any) -> None:
        self.lhs = lhs
        self.rhs = rhs
        self.value = self._booleanAnd if op == "and" else self._booleanOr

    def _booleanAnd(self, elem: Any) -> bool:
        return bool(self.lhs.value(elem) and self.rhs.value(elem))

    def _booleanOr(self, elem: Any) -> bool:
        return bool(self.lhs.value(elem) or self.rhs.value(elem))


class _text_Function:
    """``text()``: the element's first text."""

    def setParams(self) -> None:
        pass

    def value(self, elem: Any) -> str:
        return str(elem)


class _not_Function:
    """``not(expr)``."""

    def __init__(self) -> None:
        self.baseValue: Any = None

    def setParams(self, baseValue: Any) -> None:
        self.baseValue = baseValue

    def value(self, elem: Any) -> bool:
        return not self.baseValue.value(elem)


_FUNCTIONS: dict[str, type[Any]] = {"text": _text_Function, "not": _not_Function}


def Function(fname: str) -> Any:
    """A new instance of the query function ``fname`` (``text`` or ``not``)."""
    try:
        return _FUNCTIONS[fname]()
    except KeyError:
        raise NameError(f"{fname}() is not an xpath function xish knows") from None


def _elements(elem: Any) -> list[Any]:
    from twistio.words.xish.domish import Element

    return [child for child in elem.children if isinstance(child, Element)]


def _texts(elem: Any) -> list[str]:
    from twistio.words.xish.domish import Element

    return [child for child in elem.children if not isinstance(child, Element)]


class _Location:
    """One ``/name[...]`` step: tests an element, then hands its children to the next."""

    def __init__(self) -> None:
        self.predicates: list[Any] = []
        self.elementName: str | None = None
        self.childLocation: Any = None

    def matchesPredicates(self, elem: Any) -> bool:
        if self.elementName is not None and self.elementName != elem.name:
            return False
        return all(predicate.value(elem) for predicate in self.predicates)

    def matches(self, elem: Any) -> bool:
        if not self.matchesPredicates(elem):
            return False
        if self.childLocation is None:
            return True
        return any(self.childLocation.matches(child) for child in _elements(elem))

    def queryForString(self, elem: Any, resultbuf: StringIO) -> None:
        if not self.matchesPredicates(elem):
            return
        if self.childLocation is None:
            resultbuf.write(str(elem))
            return
        for child in _elements(elem):
            self.childLocation.queryForString(child, resultbuf)

    def queryForNodes(self, elem: Any, resultlist: list[Any]) -> None:
        if not self.matchesPredicates(elem):
            return
        if self.childLocation is None:
            resultlist.append(elem)
            return
        for child in _elements(elem):
            self.childLocation.queryForNodes(child, resultlist)

    def queryForStringList(self, elem: Any, resultlist: list[str]) -> None:
        if not self.matchesPredicates(elem):
            return
        if self.childLocation is None:
            resultlist.extend(_texts(elem))
            return
        for child in _elements(elem):
            self.childLocation.queryForStringList(child, resultlist)


class _AnyLocation(_Location):
    """A ``//name[...]`` step: the element or any element below it."""

    def _walk(self, elem: Any) -> list[Any]:
        found: list[Any] = []
        pending = [elem]
        while pending:
            node = pending.pop()
            found.append(node)
            pending.extend(reversed(_elements(node)))
        return found

    def listParents(self, elem: Any, parentlist: list[Any]) -> None:
        parent = elem.parent
        while parent is not None:
            parentlist.append(parent.name)
            parent = parent.parent

    def isRootMatch(self, elem: Any) -> bool:
        return self.matchesPredicates(elem) and (
            self.childLocation is None
            or any(self.childLocation.matches(child) for child in _elements(elem))
        )

    def findFirstRootMatch(self, elem: Any) -> Any:
        for node in self._walk(elem):
            if self.isRootMatch(node):
                return node
        return None

    def matches(self, elem: Any) -> bool:
        return self.findFirstRootMatch(elem) is not None

    def queryForString(self, elem: Any, resultbuf: StringIO) -> None:
        raise NotImplementedError("queryForString is not implemented for any location")

    def queryForNodes(self, elem: Any, resultlist: list[Any]) -> None:
        for node in self._walk(elem):
            if not self.matchesPredicates(node):
                continue
            if self.childLocation is None:
                resultlist.append(node)
            else:
                for child in _elements(node):
                    self.childLocation.queryForNodes(child, resultlist)

    def queryForStringList(self, elem: Any, resultlist: list[str]) -> None:
        for node in self._walk(elem):
            if not self.matchesPredicates(node):
                continue
            if self.childLocation is None:
                resultlist.extend(_texts(node))
            else:
                for child in _elements(node):
                    self.childLocation.queryForStringList(child, resultlist)


class XPathQuery:
    """A compiled query (``xpathparser.SyntaxError`` when the text is not one)."""

    def __init__(self, queryStr: str) -> None:
        from twistio.words.xish import xpathparser

        self.queryStr = queryStr
        self.baseLocation = xpathparser.parse("XPATH", queryStr)

    def __hash__(self) -> int:
        return hash(self.queryStr)

    def matches(self, elem: Any) -> bool:
        """Whether ``elem`` matches the query."""
        return bool(self.baseLocation.matches(elem))

    def queryForString(self, elem: Any) -> str:
        """The first text of every element the query selects, joined."""
        buf = StringIO()
        self.baseLocation.queryForString(elem, buf)
        return buf.getvalue()

    def queryForNodes(self, elem: Any) -> list[Any] | None:
        """The elements the query selects, or None."""
        found: list[Any] = []
        self.baseLocation.queryForNodes(elem, found)
        return found or None

    def queryForStringList(self, elem: Any) -> list[str] | None:
        """Every text child of the elements the query selects, or None."""
        found: list[str] = []
        self.baseLocation.queryForStringList(elem, found)
        return found or None


__internedQueries: dict[str, XPathQuery] = {}


def internQuery(queryString: str) -> XPathQuery:
    """The one compiled ``XPathQuery`` for ``queryString`` (compiled on first use)."""
    query = __internedQueries.get(queryString)
    if query is None:
        query = __internedQueries[queryString] = XPathQuery(queryString)
    return query


def matches(xpathstr: str, elem: Any) -> bool:
    """Whether ``elem`` matches the query ``xpathstr``."""
    return internQuery(xpathstr).matches(elem)


def queryForStringList(xpathstr: str, elem: Any) -> list[str] | None:
    return internQuery(xpathstr).queryForStringList(elem)


def queryForString(xpathstr: str, elem: Any) -> str:
    return internQuery(xpathstr).queryForString(elem)


def queryForNodes(xpathstr: str, elem: Any) -> list[Any] | None:
    return internQuery(xpathstr).queryForNodes(elem)
