"""The parser of xish's XPath subset (see ``twistio.words.xish.xpath``).

A tokenizer and a recursive-descent parser written for twistio. The grammar::

    query     := step+ END
    step      := ("/" | "//") (NAME | "*") ("[" predicate "]")*
    predicate := INDEX | expr
    expr      := factor (("and" | "or") factor)*       (left to right, no precedence)
    factor    := "(" expr ")" | term
    term      := value (("=" | "!=") value)?
    value     := "@" NAME | FUNCTION "(" [expr ("," expr)*] ")" | 'string' | "string"

``parse("XPATH", text)`` gives the first location of the query; ``SyntaxError`` tells
where the text stops making sense.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["SyntaxError", "XPathParser", "parse"]

_TOKENS = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<dslash>//)
  | (?P<slash>/)
  | (?P<lbracket>\[)
  | (?P<rbracket>\])
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<ne>!=)
  | (?P<eq>=)
  | (?P<attribute>@[a-zA-Z][a-zA-Z0-9_\-]*)
  | (?P<index>[0-9]+)
  | (?P<wildcard>\*)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<name>[a-zA-Z][a-zA-Z0-9_\-]*)
    """,
    re.VERBOSE,
)


class SyntaxError(Exception):
    """The query is not in the grammar: ``pos`` is where parsing stopped."""

    def __init__(self, pos: int | None = None, msg: str = "Bad Token", context: Any = None) -> None:
        super().__init__(pos, msg)
        self.pos = pos
        self.msg = msg
        self.context = context

    def __str__(self) -> str:
        where = "?" if self.pos is None else str(self.pos)
        return f"SyntaxError@{where}({self.msg})"


class _Token:
    __slots__ = ("kind", "pos", "text")

    def __init__(self, kind: str, text: str, pos: int) -> None:
        self.kind = kind
        self.text = text
        self.pos = pos


def _tokenize(text: str) -> list[_Token]:
    found: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKENS.match(text, pos)
        if m is None:
            raise SyntaxError(pos, f"unexpected character {text[pos]!r}")
        kind = m.lastgroup or ""
        if kind != "space":
            found.append(_Token(kind, m.group(), pos))
        pos = m.end()
    found.append(_Token("end", "", len(text)))
    return found


class XPathParser:
    """Parses one query text into xpath location and value objects."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.at = 0

    # -- token handling ------------------------------------------------------------

    def _peek(self) -> _Token:
        return self.tokens[self.at]

    def _take(self, *kinds: str) -> _Token:
        token = self.tokens[self.at]
        if token.kind not in kinds:
            wanted = ", ".join(kinds)
            raise SyntaxError(token.pos, f"Trying to find one of {wanted}")
        self.at += 1
        return token

    # -- the rules -------------------------------------------------------------------

    def XPATH(self) -> Any:
        """The whole query: its first location, the others chained as its children."""
        first = last = self.PATH()
        while self._peek().kind in ("slash", "dslash"):
            step = self.PATH()
            last.childLocation = step
            last = step
        self._take("end")
        return first

    def PATH(self) -> Any:
        from twistio.words.xish import xpath

        sep = self._take("slash", "dslash")
        location = xpath._Location() if sep.kind == "slash" else xpath._AnyLocation()
        name = self._take("name", "wildcard")
        if name.kind == "name":
            location.elementName = name.text
        while self._peek().kind == "lbracket":
            location.predicates.append(self.PREDICATE())
        return location

    def PREDICATE(self) -> Any:
        from twistio.words.xish import xpath

        self._take("lbracket")
        if self._peek().kind == "index":
            value: Any = xpath.IndexValue(self._take("index").text)
        else:
            value = self.EXPR()
        self._take("rbracket")
        return value

    def EXPR(self) -> Any:
        from twistio.words.xish import xpath

        value = self.FACTOR()
        while self._peek().kind == "name" and self._peek().text in ("and", "or"):
            op = self._take("name").text
            value = xpath.BooleanValue(value, op, self.FACTOR())
        return value

    def FACTOR(self) -> Any:
        if self._peek().kind == "lparen":
            self._take("lparen")
            value = self.EXPR()
            self._take("rparen")
            return value
        return self.TERM()

    def TERM(self) -> Any:
        from twistio.words.xish import xpath

        value = self.VALUE()
        if self._peek().kind in ("eq", "ne"):
            op = self._take("eq", "ne").text
            value = xpath.CompareValue(value, op, self.VALUE())
        return value

    def VALUE(self) -> Any:
        from twistio.words.xish import xpath

        token = self._take("attribute", "name", "string")
        if token.kind == "attribute":
            return xpath.AttribValue(token.text[1:])
        if token.kind == "string":
            return xpath.LiteralValue(token.text[1:-1])
        function = xpath.Function(token.text)
        self._take("lparen")
        params: list[Any] = []
        if self._peek().kind != "rparen":
            params.append(self.EXPR())
            while self._peek().kind == "comma":
                self._take("comma")
                params.append(self.EXPR())
        self._take("rparen")
        function.setParams(*params)
        return function


def parse(rule: str, text: str) -> Any:
    """Parse ``text`` with the grammar rule ``rule`` (``"XPATH"`` for a whole query)."""
    return getattr(XPathParser(text), rule)()
