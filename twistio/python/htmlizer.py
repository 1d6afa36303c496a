"""Python source as HTML: each token in a ``<span class="py-src-KIND">`` (``keyword`` and
plain names are ``variable``, the name a ``class``/``def`` introduces is ``identifier``, the
names in its parentheses ``parameter``; the rest by their ``tokenize`` type)."""

from __future__ import annotations

import html
import keyword
import sys
import tokenize
from collections.abc import Callable
from typing import IO, Any

__all__ = ["HTMLWriter", "SmallerHTMLWriter", "TokenPrinter", "filter", "main"]


class TokenPrinter:
    """Feeds ``tokenize``'s tokens to ``writer(text, kind)``, keeping the source's spacing."""

    currentCol, currentLine = 0, 1
    lastIdentifier = parameters = 0
    encoding = "utf-8"

    def __init__(self, writer: Callable[..., object]) -> None:
        self.writer = writer

    def printtoken(
        self, type: int, token: str | bytes, sCoordinates: tuple[int, int],
        eCoordinates: tuple[int, int], line: str,
    ) -> None:
        """Write one token, after the line breaks and spaces before it."""
        if type == tokenize.ENCODING:
            self.encoding = str(token)
            return
        text = token.encode(self.encoding) if isinstance(token, str) else token
        (row, column), ending = sCoordinates, eCoordinates[1]
        # Reproduce the layout: blank lines first, then the indentation or spacing.
        skipped = row - self.currentLine
        if skipped > 0:
            self.writer(b"\n" * skipped)
            self.currentLine, self.currentCol = row, 0
        self.writer(b" " * (column - self.currentCol))
        kind = self._kindOf(type, text)
        self.writer(text, kind)
        self.currentLine += text.count(b"\n")
        self.currentCol = 0 if text.endswith(b"\n") else ending

    def _kindOf(self, type: int, text: bytes) -> str:
        """The class a token gets: the name after ``def``/``class`` is an identifier,
        names up to the next ":" after it are parameters (keywords aside), other names
        variables; anything else is named after its token type."""
        if self.lastIdentifier:
            self.lastIdentifier, self.parameters = 0, 1
            return "identifier"
        if type != tokenize.NAME:
            if type == tokenize.OP and text == b":":
                self.parameters = 0
            return tokenize.tok_name[type].lower()
        word = text.decode(self.encoding)
        if word in ("class", "def"):
            self.lastIdentifier = 1
        elif self.parameters and not keyword.iskeyword(word):
            return "parameter"
        return "variable"


class HTMLWriter:
    """Writes escaped tokens to ``writer``, each in a span of its kind (except the kinds
    in ``noSpan``)."""

    noSpan: list[str] = []

    def __init__(self, writer: Callable[[bytes], object]) -> None:
        self.writer = writer
        self.noSpan = list(type(self).noSpan)

    def write(self, token: bytes, type: str | None = None) -> None:
        """Write ``token`` (in a span when ``type`` is given and not in ``noSpan``)."""
        text = html.escape(token.decode("utf-8", "surrogateescape")).encode(
            "utf-8", "surrogateescape"
        )
        if type is None or type in self.noSpan:
            self.writer(text)
        else:
            self.writer(b'<span class="py-src-' + type.encode("ascii") + b'">' + text + b"</span>")


class SmallerHTMLWriter(HTMLWriter):
    """An ``HTMLWriter`` leaving operators, line breaks and indentation out of spans."""

    noSpan = ["endmarker", "indent", "dedent", "op", "newline", "nl"]


def filter(inp: IO[bytes], out: IO[bytes], writer: Any = HTMLWriter) -> None:
    """Write the Python source read from ``inp`` to ``out`` as HTML, in a ``<pre>``."""
    out.write(b"<pre>")
    printer = TokenPrinter(writer(out.write).write).printtoken
    try:
        for token in tokenize.tokenize(inp.readline):
            printer(*token)
    except tokenize.TokenError:
        pass
    out.write(b"</pre>\n")


def main() -> None:
    """``python -m twistio.python.htmlizer FILE``: the file as HTML on stdout."""
    with open(sys.argv[1], "rb") as source:
        filter(source, sys.stdout.buffer)


if __name__ == "__main__":
    main()
