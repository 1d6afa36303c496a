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
        (srow, scol), (_erow, ecol) = sCoordinates, eCoordinates
        if self.currentLine < srow:
            self.writer(b"\n" * (srow - self.currentLine))
            self.currentLine, self.currentCol = srow, 0
        self.writer(b" " * (scol - self.currentCol))
        if self.lastIdentifier:
            kind = "identifier"
            self.lastIdentifier = 0
            self.parameters = 1
        elif type == tokenize.NAME:
            word = text.decode(self.encoding)
            if word in ("class", "def"):
                self.lastIdentifier = 1
                kind = "variable"
            elif self.parameters and not keyword.iskeyword(word):
                kind = "parameter"
            else:
                kind = "variable"
        else:
            kind = tokenize.tok_name[type].lower()
            if type == tokenize.OP and text == b":":
                self.parameters = 0
        self.writer(text, kind)
        self.currentLine += text.count(b"\n")
        self.currentCol = 0 if text.endswith(b"\n") else ecol


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
