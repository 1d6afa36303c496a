"""Old text-formatting helpers (``twisted.python.text``)."""

from __future__ import annotations

from typing import IO, Any

__all__ = [
    "endsInNewline",
    "greedyWrap",
    "isMultiline",
    "removeLeadingBlanks",
    "removeLeadingTrailingBlanks",
    "splitQuoted",
    "strFile",
    "stringyString",
    "wordWrap",
]


def _prefix_all(text: str, indentation: str) -> list[str]:
    return [indentation + line for line in text.split("\n")]


def _bracketed(lines: list[str], indentation: str, opening: str, closing: str) -> list[str]:
    # Each entry starts with one space after the indentation: that space becomes the opener.
    if not lines:
        lines = [indentation + " "]
    at = len(indentation)
    lines[0] = lines[0][:at] + opening + lines[0][at + 1 :]
    lines[-1] += closing
    return lines


def stringyString(object: Any, indentation: str = "") -> str:
    """A multi-line, indented rendering of nested dicts, lists, tuples and strings."""
    if isinstance(object, dict) and type(object) is dict:
        lines: list[str] = []
        for key, value in object.items():
            rendered = stringyString(value, indentation + "   ")
            if isMultiline(rendered):
                if endsInNewline(rendered):
                    rendered = rendered[:-1]
                lines.append(f"{indentation} {key}:\n{rendered}")
            else:
                lines.append(f"{indentation} {key}: {rendered[len(indentation) + 3 :]}")
        lines = _bracketed(lines, indentation, "{", "}")
    elif type(object) in (list, tuple):
        lines = [stringyString(element, indentation + " ").rstrip() + "," for element in object]
        brackets = "[]" if type(object) is list else "()"
        lines = _bracketed(lines, indentation, brackets[0], brackets[1])
    else:
        lines = _prefix_all(str(object), indentation)
    result = "\n".join(lines)
    if isMultiline(result) and not endsInNewline(result):
        result += "\n"
    return result


def isMultiline(s: str) -> bool:
    """Whether ``s`` contains a newline."""
    return "\n" in s


def endsInNewline(s: str) -> bool:
    """Whether ``s`` ends with a newline."""
    return s.endswith("\n")


def greedyWrap(inString: str, width: int = 80) -> list[str]:
    """Lines of at most ``width`` characters (longer words stand alone), filled greedily.

    Blank-line-separated paragraphs are wrapped separately, each followed by an empty line.
    """
    paragraphs = inString.split("\n\n")
    if len(paragraphs) == 1:
        return _fill(paragraphs[0], width)
    result: list[str] = []
    for paragraph in paragraphs:
        result.extend(_fill(paragraph, width))
        result.append("")
    return result


def _fill(paragraph: str, width: int) -> list[str]:
    lines: list[str] = []
    current: list[str] = []
    length = 0
    for word in paragraph.split():
        added = len(word) + (1 if current else 0)
        if current and length + added > width:
            lines.append(" ".join(current))
            current, length = [], 0
            added = len(word)
        current.append(word)
        length += added
    if current:
        lines.append(" ".join(current))
    return lines


wordWrap = greedyWrap


def removeLeadingBlanks(lines: list[str]) -> list[str]:
    """``lines`` without the blank lines at its start."""
    for index, line in enumerate(lines):
        if line.strip():
            return lines[index:]
    return []


def removeLeadingTrailingBlanks(s: str) -> str:
    """``s`` without blank lines at either end, ending in one newline."""
    lines = s.split("\n")
    kept = [index for index, line in enumerate(lines) if line.strip()]
    if not kept:
        return "\n"
    return "\n".join(lines[kept[0] : kept[-1] + 1]) + "\n"


def splitQuoted(s: str) -> list[str]:
    """Whitespace-separated words, a word opening with ``"`` or ``'`` running to the word that
    closes it. An unclosed quotation is dropped."""
    words: list[str] = []
    quote: str | None = None
    phrase: list[str] = []
    for word in s.split():
        if quote is None:
            if word[0] in "\"'":
                if len(word) > 1 and word[-1] == word[0]:
                    words.append(word[1:-1])
                else:
                    quote = word[0]
                    phrase = [word[1:]]
            else:
                words.append(word)
        else:
            if word.endswith(quote):
                phrase.append(word[:-1])
                words.append(" ".join(phrase))
                quote = None
            else:
                phrase.append(word)
    return words


def strFile(p: Any, f: IO[Any], caseSensitive: bool = True) -> bool:
    """Whether the stream ``f`` (read to its end) contains ``p``."""
    if not p:
        return True
    if not caseSensitive:
        p = p.lower()
    keep = len(p) - 1
    tail = p[:0]
    while True:
        chunk = f.read(max(8192, len(p)))
        if not caseSensitive:
            chunk = chunk.lower()
        window = tail + chunk
        if p in window:
            return True
        if not chunk:
            return False
        tail = window[-keep:] if keep else window[:0]
