"""IMAP4 syntax shared by server and client: tokens, quoting, message sets, dates, UTF-7.

Sans-IO: bytes in, Python values out (and back). Parsers raise ``IllegalClientResponse`` /
``IllegalServerResponse`` subclasses from ``twistio.mail._except`` on bad input; nothing here
touches a transport.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.utils
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from twistio.mail._except import IllegalIdentifierError, MismatchedNesting, MismatchedQuoting

__all__ = [
    "DontQuoteMe", "Literal", "MessageSet", "collapseNestedLists", "collapseStrings", "decoder",
    "encoder", "imap4_utf_7", "modified_base64", "modified_unbase64", "parseIdList",
    "parseNestedParens", "parseTime", "splitOn", "splitQuoted", "unquote", "wildcardToRegexp",
]


class DontQuoteMe:
    """A value written as it is (an atom, a flag) by ``collapseNestedLists``."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __str__(self) -> str:
        return self.value.decode("utf-8") if isinstance(self.value, bytes) else str(self.value)

    def __bytes__(self) -> bytes:
        return self.value if isinstance(self.value, bytes) else str(self.value).encode("utf-8")


class Literal(bytes):
    """A string that arrived as (or must be sent as) an IMAP literal."""


# -- message sets --------------------------------------------------------------------------------


class MessageSet:
    """A set of message numbers or UIDs: ranges, with ``*`` (None) standing for ``last``."""

    _empty: list[Any] = []
    _infinity = float("inf")

    def __init__(self, start: Any = _empty, end: Any = _empty) -> None:
        self._last: int | None = None
        self.ranges: list[tuple[int | None, int | None]] = []
        self.getnext = lambda prev: prev + 1
        if isinstance(start, list):
            self.ranges = list(start)
            self.clean()
        elif start is not self._empty:
            self.add(start, end)

    @property
    def last(self) -> int | None:
        """The number ``*`` stands for (set by the mailbox)."""
        return self._last

    @last.setter
    def last(self, value: int | None) -> None:
        if self._last is not None:
            raise ValueError("last already set")
        self._last = value
        resolved = []
        for pair in self.ranges:
            a, b = (value if x is None else x for x in pair)
            resolved.append((a, b) if a is None or b is None or a <= b else (b, a))
        self.ranges = resolved
        self.clean()

    def add(self, start: Any, end: Any = _empty) -> None:
        """Add ``start`` (or ``start:end``; None is ``*``)."""
        if isinstance(start, MessageSet):
            self.ranges.extend(start.ranges)
            self.clean()
            return
        if end is self._empty and isinstance(start, (tuple, list)):
            start, end = start  # a (start, end) pair
        if end is self._empty:
            end = start
        if self._last is not None:
            start = self._last if start is None else start
            end = self._last if end is None else end
        if start is not None and end is not None and start > end:
            start, end = end, start
        self.ranges.append((start, end))
        self.clean()

    def __add__(self, other: Any) -> MessageSet:
        result = MessageSet()
        result._last = self._last  # ``*`` in what is added means the same message
        result.ranges = self.ranges[:]
        result.add(other)
        return result

    def extend(self, other: Any) -> MessageSet:
        """Add another set or number, in place."""
        if isinstance(other, MessageSet):
            self.ranges.extend(other.ranges)
            self.clean()
        else:
            self.add(other)
        return self

    def clean(self) -> None:
        """Merge overlapping and adjacent ranges."""
        def key(r: tuple[int | None, int | None]) -> tuple[float, float]:
            low = self._infinity if r[0] is None else r[0]
            high = self._infinity if r[1] is None else r[1]
            return (low, high)

        ordered = sorted(self.ranges, key=key)
        merged: list[tuple[int | None, int | None]] = []
        for low, high in ordered:
            if merged:
                plow, phigh = merged[-1]
                if phigh is None:
                    continue
                if low is not None and low <= phigh + 1:
                    merged[-1] = (plow, None if high is None else max(phigh, high))
                    continue
            merged.append((low, high))
        self.ranges = merged

    def _noneInRanges(self) -> bool:
        return any(low is None or high is None for low, high in self.ranges)

    def __contains__(self, value: object) -> bool:
        if self._noneInRanges():
            raise TypeError("Can't tell membership in a MessageSet with '*' before 'last' is set")
        return any(low <= value <= high for low, high in self.ranges)  # type: ignore[operator]

    def _iterator(self) -> Iterator[int]:
        for low, high in self.ranges:
            if low is None or high is None:
                raise TypeError("Can't iterate a MessageSet with '*' before 'last' is set")
            yield from range(low, high + 1)

    def __iter__(self) -> Iterator[int]:
        if self._noneInRanges():
            raise TypeError("Can't iterate a MessageSet with '*' before 'last' is set")
        return self._iterator()

    def __len__(self) -> int:
        total = 0
        for low, high in self.ranges:
            if low is None and high is None:
                total += 1  # ``*`` alone is one message, whichever it turns out to be
            elif low is None or high is None:
                raise TypeError("Can't size a MessageSet with '*' before 'last' is set")
            else:
                total += high - low + 1
        return total

    def __str__(self) -> str:
        parts = []
        for low, high in self.ranges:
            a = "*" if low is None else str(low)
            if low == high:
                parts.append(a)
            else:
                parts.append(a + ":" + ("*" if high is None else str(high)))
        return ",".join(parts)

    def __repr__(self) -> str:
        return f"<MessageSet {self}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MessageSet):
            return self.ranges == other.ranges
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


def parseIdList(s: Any, lastMessageId: int | None = None) -> MessageSet:
    """Parse ``1:3,5,7:*`` into a ``MessageSet``; ``IllegalIdentifierError`` if malformed."""
    if isinstance(s, str):
        s = s.encode("ascii")
    result = MessageSet()
    if not s:
        raise IllegalIdentifierError(s)
    for part in s.split(b","):
        low_text, colon, high_text = part.partition(b":")
        if colon and low_text == high_text == b"*":
            raise IllegalIdentifierError(f"Bad message range {part!r}")  # refused, as Twisted
        try:
            low = _seq_number(low_text, lastMessageId)
            high = _seq_number(high_text, lastMessageId) if colon else low
        except ValueError:
            raise IllegalIdentifierError(f"Bad message number {part!r}") from None
        result.add(low, high)
    if lastMessageId is not None:
        result.last = lastMessageId
    return result


def _seq_number(text: bytes, last: int | None) -> int | None:
    if text == b"*":
        return last
    if not text.isdigit():
        raise ValueError(text)
    value = int(text)
    if value <= 0:
        raise ValueError(text)
    return value


# -- tokens ----------------------------------------------------------------------------------------

_ATOM_SPECIALS = b'(){ %*"\\]'
_QUOTE_NEEDED = re.compile(rb'[\x00-\x1f\x7f-\xff]')


def _quote(value: bytes) -> bytes:
    if _QUOTE_NEEDED.search(value) or len(value) > 1000:
        return b"{%d}\r\n" % len(value) + value
    return b'"' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def collapseNestedLists(items: Sequence[Any]) -> bytes:
    """Write nested lists the IMAP way: strings quoted (or as literals), None as NIL,
    lists in parentheses, ``DontQuoteMe`` values as they are."""
    out: list[bytes] = []
    for item in items:
        if item is None:
            out.append(b"NIL")
        elif isinstance(item, DontQuoteMe):
            out.append(bytes(item))
        elif isinstance(item, int):
            out.append(b"%d" % item)
        elif isinstance(item, (bytes, str)):
            data = item.encode("utf-8") if isinstance(item, str) else item
            out.append(_quote(data))
        elif isinstance(item, (list, tuple)):
            out.append(b"(" + collapseNestedLists(item) + b")")
        elif hasattr(item, "read"):
            data = item.read()  # a file: sent as a literal
            data = data.encode("utf-8") if isinstance(data, str) else data
            out.append(b"{%d}\r\n" % len(data) + data)
        else:
            out.append(bytes(item))
    return b" ".join(out)


def collapseStrings(results: list[Any]) -> list[Any]:
    """Join a list of pieces (single characters or runs) into strings: a ``b" "`` piece
    separates strings, a ``b'"'`` piece opens or closes a quoted string (spaces kept, the
    quotes dropped); sub-lists stand apart, collapsed the same way."""
    out: list[Any] = []
    current: list[bytes] | None = None
    quoted = False

    def flush() -> None:
        nonlocal current
        if current is not None and (quoted or current):
            out.append(b"".join(current))
        current = None

    for item in results:
        if isinstance(item, list):
            flush()
            out.append(collapseStrings(item))
        elif item == b'"':
            flush()
            quoted = not quoted
            current = [] if quoted else None
        elif item == b" " and not quoted:
            flush()
        else:
            if current is None:
                current = []
            current.append(item)
    flush()
    return out


def splitQuoted(s: bytes) -> list[Any]:
    """Split on spaces and tabs, keeping quoted strings (unquoted) together; NIL becomes
    None. ``\\"`` stands for a quote inside or outside quotes, other backslashes stay; a
    quote that neither opens nor closes a quoted string raises ``MismatchedQuoting``."""
    out: list[Any] = []
    size = len(s)
    i = 0
    while i < size:
        if s[i] in b" \t":
            i += 1
            continue
        quoted = s[i] == 0x22
        j = i + 1 if quoted else i
        word = bytearray()
        while True:
            if j >= size:
                if quoted:
                    raise MismatchedQuoting(s)
                break
            char = s[j]
            if char == 0x5C and s[j + 1:j + 2] == b'"':
                word += b'"'
                j += 2
                continue
            if char == 0x22:
                if not quoted:
                    raise MismatchedQuoting(s)
                j += 1
                break
            if not quoted and char in b" \t":
                break
            word.append(char)
            j += 1
        token = bytes(word)
        out.append(None if not quoted and token == b"NIL" else token)
        i = j
    return out


def splitOn(sequence: Sequence[Any], predicate: Callable[[Any], bool],
            transformers: Sequence[Callable[[list[Any]], Any]]) -> list[Any]:
    """Split ``sequence`` into runs where ``predicate`` is constant, transforming each run
    with ``transformers[predicate(x)]``."""
    result: list[Any] = []
    run: list[Any] = []
    mode: Any = None
    for item in sequence:
        flag = predicate(item)
        if run and flag != mode:
            result.append(transformers[mode](run))
            run = []
        mode = flag
        run.append(item)
    if run:
        result.append(transformers[mode](run))
    return result


def unquote(s: Any) -> Any:
    """``s`` without surrounding double quotes."""
    if isinstance(s, str) and len(s) >= 2 and s[0] == s[-1] == '"':
        return s[1:-1]
    return s


class _Tokens:
    """A tokenizer of IMAP data: atoms, quoted strings, literals, parenthesised lists, NIL.

    An atom may carry a bracketed section (``BODY[HEADER.FIELDS (A B)]``) and a partial
    (``<0.100>``) without breaking at their spaces.
    """

    def __init__(self, data: bytes, handleLiteral: bool = True, bracketLists: bool = False) -> None:
        self.data = data
        self.pos = 0
        self.handleLiteral = handleLiteral
        self.bracketLists = bracketLists

    def all(self) -> list[Any]:
        items: list[Any] = []
        while True:
            self._skip()
            if self.pos >= len(self.data):
                return items
            items.append(self.value())

    def _skip(self) -> None:
        data = self.data
        while self.pos < len(data) and data[self.pos] in b" \r\n":
            self.pos += 1

    def value(self) -> Any:
        data = self.data
        c = data[self.pos : self.pos + 1]
        if c == b"(" or (c == b"[" and self.bracketLists):
            close = b")" if c == b"(" else b"]"
            self.pos += 1
            items: list[Any] = []
            while True:
                self._skip()
                if self.pos >= len(data):
                    raise MismatchedNesting(data)
                if data[self.pos : self.pos + 1] == close:
                    self.pos += 1
                    return items
                items.append(self.value())
        if c == b")" or (c == b"]" and self.bracketLists):
            raise MismatchedNesting(data)
        if c == b'"':
            return self._quoted()
        if c == b"{" and self.handleLiteral:
            m = re.compile(rb"\{(\d+)\+?\}\r\n").match(data, self.pos)
            if m is None:
                if re.compile(rb"\{-\d+").match(data, self.pos):
                    raise ValueError(f"negative literal size in {data!r}")
                raise MismatchedNesting(data)
            size = int(m.group(1))
            start = m.end()
            if start + size > len(data):
                raise MismatchedNesting(data)
            self.pos = start + size
            return Literal(data[start : start + size])
        return self._atom()

    def _quoted(self) -> bytes:
        data = self.data
        out = bytearray()
        i = self.pos + 1
        while i < len(data):
            ch = data[i]
            if ch == 0x5C and i + 1 < len(data):
                out.append(data[i + 1])
                i += 2
                continue
            if ch == 0x22:
                self.pos = i + 1
                return bytes(out)
            out.append(ch)
            i += 1
        raise MismatchedQuoting(data)

    def _atom(self) -> Any:
        data = self.data
        start = i = self.pos
        depth = 0
        while i < len(data):
            ch = data[i : i + 1]
            if self.bracketLists and ch in (b"[", b"]", b" ", b"(", b")", b"\r", b"\n"):
                break
            if ch == b"[":
                depth += 1
            elif ch == b"]":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and ch in (b" ", b"(", b")", b"\r", b"\n"):
                if ch == b"(" or ch == b")":
                    break
                break
            elif depth == 0 and ch == b"<":
                end = data.find(b">", i)
                if end < 0:
                    raise MismatchedNesting(data)
                i = end
            i += 1
        if depth:
            raise MismatchedNesting(data)
        self.pos = i
        atom = data[start:i]
        if not atom:
            raise MismatchedNesting(data)
        if atom.upper() == b"NIL":
            return None
        return atom


def parseNestedParens(s: bytes, handleLiteral: int = 1) -> list[Any]:
    """Tokenise IMAP data into nested lists (quoted strings unquoted, NIL as None, a bracketed
    section such as ``BODY[HEADER]`` as a sub-list, as in Twisted)."""
    return _Tokens(s, bool(handleLiteral), bracketLists=True).all()


# -- dates -----------------------------------------------------------------------------------------

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def parseTime(s: Any) -> time.struct_time:
    """Parse an IMAP date (``1-Jan-2020``) into a ``time.struct_time``."""
    if isinstance(s, bytes):
        s = s.decode("ascii", "replace")
    m = re.fullmatch(r"\s*(\d{1,2})-([A-Za-z]{3})-(\d{4})\s*", s)
    if m is None:
        raise ValueError(f"Cannot parse time string {s!r}")
    day, month, year = int(m.group(1)), m.group(2).lower(), int(m.group(3))
    if month not in _MONTHS:
        raise ValueError(f"Cannot parse time string {s!r}")
    return time.struct_time((year, _MONTHS.index(month) + 1, day, 0, 0, 0, -1, -1, -1))


def _internal_date(value: Any) -> bytes:
    """``DD-Mon-YYYY HH:MM:SS +ZZZZ`` for a date header value."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    parsed = email.utils.parsedate_tz(value) if value else None
    if parsed is None:
        return b"01-Jan-1970 00:00:00 +0000"
    offset = parsed[9] or 0
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset) // 60, 60)
    month = _MONTHS[parsed[1] - 1].capitalize()
    return (f"{parsed[2]:02d}-{month}-{parsed[0]:04d} {parsed[3]:02d}:{parsed[4]:02d}:{parsed[5]:02d}"
            f" {sign}{hours:02d}{minutes:02d}").encode("ascii")


# -- modified UTF-7 (RFC 3501 5.1.3) ---------------------------------------------------------------


def modified_base64(s: str) -> bytes:
    """``s`` as UTF-16BE in base64 with ``,`` for ``/`` and no padding."""
    return base64.b64encode(s.encode("utf-16be")).rstrip(b"=").replace(b"/", b",")


def modified_unbase64(s: bytes) -> str:
    """The inverse of ``modified_base64``."""
    data = s.replace(b",", b"/")
    data += b"=" * (-len(data) % 4)
    return base64.b64decode(data).decode("utf-16be")


def encoder(s: str, errors: Any = None) -> tuple[bytes, int]:
    """Encode mailbox names as modified UTF-7."""
    out = bytearray()
    pending: list[str] = []

    def flush() -> None:
        if pending:
            out.extend(b"&" + modified_base64("".join(pending)) + b"-")
            pending.clear()

    for ch in s:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.extend(b"&-" if ch == "&" else ch.encode("ascii"))
        else:
            pending.append(ch)
    flush()
    return bytes(out), len(s)


def decoder(s: Any, errors: Any = None) -> tuple[str, int]:
    """Decode modified UTF-7."""
    data = bytes(s)
    out: list[str] = []
    i = 0
    while i < len(data):
        if data[i : i + 1] == b"&":
            end = data.find(b"-", i + 1)
            if end < 0:
                end = len(data)  # no shift back to ASCII at the very end: tolerated, as Twisted
            chunk = data[i + 1 : end]
            if chunk:
                try:
                    out.append(modified_unbase64(chunk))
                except (binascii.Error, UnicodeDecodeError, ValueError):
                    raise UnicodeDecodeError("imap4-utf-7", data, i, end, "bad base64") from None
            else:
                out.append("&")
            i = end + 1
        else:
            out.append(chr(data[i]))
            i += 1
    return "".join(out), len(data)


class _StreamReader(codecs.StreamReader):
    def decode(self, s: Any, errors: str = "strict") -> tuple[str, int]:
        return decoder(s)


class _StreamWriter(codecs.StreamWriter):
    def encode(self, s: Any, errors: str = "strict") -> tuple[bytes, int]:
        return encoder(s)


def imap4_utf_7(name: str) -> codecs.CodecInfo | None:
    """The ``imap4-utf-7`` codec for ``codecs.register``."""
    if name.replace("_", "-") == "imap4-utf-7":
        return codecs.CodecInfo(encoder, decoder, _StreamReader, _StreamWriter, name="imap4-utf-7")
    return None


codecs.register(imap4_utf_7)


def wildcardToRegexp(wildcard: str, delim: str | None = None) -> re.Pattern[str]:
    """A regexp for a LIST pattern: ``*`` matches anything, ``%`` anything but ``delim``."""
    if isinstance(wildcard, bytes):
        wildcard = wildcard.decode("imap4-utf-7")
    parts = []
    for ch in wildcard:
        if ch == "*":
            parts.append("(?:.*?)")
        elif ch == "%":
            parts.append(f"(?:(?:[^{re.escape(delim)}])*?)" if delim else "(?:.*?)")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), re.I)
