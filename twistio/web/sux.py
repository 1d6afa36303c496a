"""A forgiving, event-driven XML/HTML tokenizer (Twisted's ``twisted.web.sux``): feed it
bytes with ``dataReceived`` and it calls ``gotTagStart``, ``gotText``, ``gotTagEnd``,
``gotComment``, ``gotCData``, ``gotEntityReference`` and ``gotDoctype`` as whole tokens
arrive. ``twistio.web.microdom`` builds its trees from the same tokens.

New code: ``xml.sax``, ``xml.etree.ElementTree.XMLPullParser`` or ``html.parser``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["ParseError", "XMLParser"]


class ParseError(Exception):
    """The document could not be parsed: ``(filename, line, column, message)``."""

    filename: str
    line: int
    col: int
    message: str

    def __init__(self, filename: str, line: int, col: int, message: str) -> None:
        super().__init__(filename, line, col, message)
        vars(self).update(filename=filename, line=line, col=col, message=message)

    def __str__(self) -> str:
        where = ":".join(str(part) for part in self.args[:3])
        return f"{where}: {self.message}"


# One token at a time: markup, or a run of text, or an entity reference.
TOKEN = re.compile(
    r"<!--(?P<comment>.*?)-->"
    r"|<!\[CDATA\[(?P<cdata>.*?)\]\]>"
    r"|<!(?P<decl>[^>]*)>"
    r"|<\?(?P<pi>.*?)\?>"
    r"|</\s*(?P<end>[^\s>]*)\s*>"
    r"|<(?P<start>[A-Za-z_:][-\w:.]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(?P<empty>/?)>"
    r"|(?P<entity>&(?:#[0-9A-Za-z]+|[A-Za-z_][\w.-]*);)",
    re.S,
)
ATTRIBUTE = re.compile(r"""([^\s=/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")


def tokens(text: str, final: bool) -> Iterator[tuple[str, re.Match[str] | str, int]]:
    """``(kind, match or text, offset)`` for each whole token of ``text``; with ``final``
    false, a trailing piece that may still grow (an unfinished tag or text) is left: the
    last item is then ``("rest", text, offset)``."""
    pos = 0
    for m in TOKEN.finditer(text):
        if m.start() > pos:
            yield "text", text[pos : m.start()], pos
        pos = m.end()
        kind = "start" if m.group("start") is not None else m.lastgroup or ""
        if kind not in ("comment", "cdata", "decl", "pi", "entity", "start"):
            kind = "end"
        yield kind, m, m.start()
    rest = text[pos:]
    if rest:
        if final:
            yield "text", rest, pos
        else:
            yield "rest", rest, pos


def attributes(source: str) -> list[tuple[str, str | None, bool]]:
    """``(name, value, quoted)`` for each attribute of a start tag (value None: bare)."""
    found = []
    for a in ATTRIBUTE.finditer(source):
        name, dq, sq, bare = a.groups()
        if dq is not None or sq is not None:
            found.append((name, dq if dq is not None else sq, True))
        else:
            found.append((name, bare, False))
    return found


class XMLParser:
    """Call ``dataReceived`` with the document's bytes (or text); the ``got*`` methods are
    called for each token. ``beExtremelyLenient``: attributes without quotes or values are
    taken as HTML has them, instead of ``ParseError``."""

    beExtremelyLenient = 0
    filename = "<xmlfile />"
    encoding = "utf-8"
    _buffer = ""
    _done = 0

    def connectionMade(self) -> None:
        self._buffer = ""
        self._done = 0

    def makeConnection(self, transport: object) -> None:
        self.transport = transport
        self.connectionMade()

    def saveMark(self) -> tuple[int, int]:
        """The (line, column) where the next token starts."""
        return self._position(len(self._buffer))

    def _position(self, offset: int) -> tuple[int, int]:
        seen = self._seen + self._buffer[:offset]
        return seen.count("\n") + 1, len(seen) - (seen.rfind("\n") + 1)

    _seen = ""

    def _fail(self, offset: int, message: str) -> ParseError:
        line, col = self._position(offset)
        return ParseError(self.filename, line, col, message)

    def dataReceived(self, data: bytes | str) -> None:
        if isinstance(data, bytes):
            data = data.decode(self.encoding, "replace")
        self._buffer += data
        self._run(final=False)

    def connectionLost(self, reason: object = None) -> None:
        self._run(final=True)

    def _run(self, final: bool) -> None:
        text = self._buffer
        consumed = len(text)
        for kind, item, offset in tokens(text, final):
            if kind == "rest":
                consumed = offset
                break
            self._dispatch(kind, item, offset)
        self._seen += text[:consumed]
        self._buffer = text[consumed:]

    def _dispatch(self, kind: str, item: re.Match[str] | str, offset: int) -> None:
        if isinstance(item, str):
            self.gotText(item)
            return
        if kind == "comment":
            self.gotComment(item.group("comment"))
        elif kind == "cdata":
            self.gotCData(item.group("cdata"))
        elif kind == "decl":
            decl = item.group("decl")
            if decl[:7].upper() == "DOCTYPE":
                self.gotDoctype(decl[7:].strip())
        elif kind == "entity":
            self.gotEntityReference(item.group("entity")[1:-1])
        elif kind == "start":
            attrs: dict[str, str] = {}
            for name, value, quoted in attributes(item.group("attrs")):
                if not quoted and not self.beExtremelyLenient:
                    raise self._fail(offset, f"unquoted or missing value of {name!r}")
                attrs[name] = name if value is None else value
            self.gotTagStart(item.group("start"), attrs)
            if item.group("empty"):
                self.gotTagEnd(item.group("start"))
        elif kind == "end":
            self.gotTagEnd(item.group("end"))

    # -- what subclasses override -------------------------------------------------------

    def gotTagStart(self, name: str, attributes: dict[str, str]) -> None:
        """A start tag (an empty-element tag gives ``gotTagEnd`` right after)."""

    def gotText(self, data: str) -> None:
        """Text between tags (entity references arrive on their own)."""

    def gotEntityReference(self, entityRef: str) -> None:
        """``&name;`` (``name`` given without ``&`` and ``;``)."""

    def gotComment(self, comment: str) -> None:
        """``<!-- comment -->``."""

    def gotCData(self, cdata: str) -> None:
        """``<![CDATA[ cdata ]]>``."""

    def gotDoctype(self, doctype: str) -> None:
        """``<!DOCTYPE doctype>``."""

    def gotTagEnd(self, name: str) -> None:
        """An end tag."""
