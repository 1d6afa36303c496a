"""``Headers``: an ordered, case-insensitive multi-map of HTTP header names to values.

Names and values may be given as ``bytes`` or ``str``, as in Twisted: ``str`` names are
encoded ISO-8859-1, ``str`` values UTF-8, and a getter returns values of the type of the
name it was asked with. Internally everything is ``bytes`` keyed by the lower-cased name;
the canonical capitalisation (``Content-Type``) is computed only when the names are listed.

Differs from Twisted: a value containing CR or LF, or a name that is not an HTTP token, raises
``ValueError`` instead of being silently rewritten (no header injection, no response
splitting, and the application learns about the bug).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import AnyStr, Final, TypeVar, overload

from twistio.web._codec import TOKEN_CHARS

__all__ = ["Headers", "InvalidHeaderName"]

_T = TypeVar("_T")

_SPECIAL = {
    b"content-md5": b"Content-MD5",
    b"dnt": b"DNT",
    b"etag": b"ETag",
    b"p3p": b"P3P",
    b"te": b"TE",
    b"www-authenticate": b"WWW-Authenticate",
    b"x-xss-protection": b"X-XSS-Protection",
}


class _NameEncoder:
    """Header names to their canonical capitalisation (``content-type`` -> ``Content-Type``,
    with the usual exceptions such as ``ETag``), remembering at most ``_MAX_CACHED_HEADERS``."""

    __slots__ = ("_canonicalHeaderCache",)

    _MAX_CACHED_HEADERS = 10_000

    def __init__(self) -> None:
        self._canonicalHeaderCache: dict[bytes | str, bytes] = {}

    def encode(self, name: bytes | str) -> bytes:
        """The canonical form of ``name`` (``str`` is encoded ISO-8859-1), as ``bytes``."""
        cache = self._canonicalHeaderCache
        done = cache.get(name)
        if done is not None:
            return done
        raw = name.encode("iso-8859-1") if isinstance(name, str) else name
        lower = raw.lower()
        result = _SPECIAL.get(lower)
        if result is None:
            result = b"-".join(part.capitalize() for part in lower.split(b"-"))
        if len(cache) < self._MAX_CACHED_HEADERS:
            cache[name] = result
        return result


_nameEncoder = _NameEncoder()
_canonical = _nameEncoder.encode


@lru_cache(maxsize=1024)
def _line_start(name: bytes) -> bytes:
    """``content-type`` -> ``Content-Type: ``: the start of a head line."""
    return _canonical(name) + b": "


_ZERO_LENGTH: Final = [b"0"]
"""The values of ``Content-Length: 0`` (compared with, never handed out)."""

_LINE_STARTS = {
    name: _line_start(name)
    for name in (
        b"server", b"date", b"content-type", b"content-length", b"connection", b"location",
        b"set-cookie", b"cache-control", b"last-modified", b"etag", b"expires", b"vary",
        b"content-encoding", b"transfer-encoding", b"accept-ranges", b"content-range",
    )
}
"""The start of the head line of the most common response fields, without a call."""


class InvalidHeaderName(ValueError):
    """A header name that is not an HTTP token."""


def _name(name: bytes | str) -> bytes:
    raw = name.encode("iso-8859-1") if isinstance(name, str) else name
    if not raw or raw.translate(None, TOKEN_CHARS):
        raise InvalidHeaderName(f"invalid HTTP header name: {name!r}")
    return raw.lower()


def _value(value: bytes | str) -> bytes:
    raw = value.encode("utf-8") if isinstance(value, str) else value
    # CR, LF, NUL tested as ints: ``b"\\r" in raw`` costs CPython 3.11 a TypeError raised and
    # caught inside (it first tries the operand as an int), several times an int test.
    if 13 in raw or 10 in raw or 0 in raw:
        raise ValueError(f"HTTP header value contains CR, LF or NUL: {value!r}")
    return raw


class Headers:
    """Case-insensitive header names, each with a list of values, in insertion order."""

    __slots__ = ("_rawHeaders",)

    def __init__(
        self,
        rawHeaders: Mapping[bytes | str, Sequence[bytes | str]] | None = None,
    ) -> None:
        self._rawHeaders: dict[bytes, list[bytes]] = {}
        if rawHeaders is not None:
            for name, values in rawHeaders.items():
                self.setRawHeaders(name, values)

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[bytes, bytes]]) -> Headers:
        """Headers from (name, value) pairs already validated by the codec (no checks)."""
        self = cls.__new__(cls)
        raw: dict[bytes, list[bytes]] = {}
        for name, value in pairs:
            key = name.lower()
            values = raw.get(key)
            if values is None:
                raw[key] = [value]
            else:
                values.append(value)
        self._rawHeaders = raw
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({ {_canonical(k): v for k, v in self._rawHeaders.items()}!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self._rawHeaders == other._rawHeaders
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> Headers:
        """An independent copy, of the same class (a subclass's overrides go with it)."""
        new = type(self).__new__(type(self))
        new._rawHeaders = {k: list(v) for k, v in self._rawHeaders.items()}
        return new

    def hasHeader(self, name: bytes | str) -> bool:
        """Whether any value is set for ``name``."""
        return _name(name) in self._rawHeaders

    def removeHeader(self, name: bytes | str) -> None:
        """Remove every value of ``name`` (no error if absent)."""
        self._rawHeaders.pop(_name(name), None)

    def setRawHeaders(self, name: bytes | str, values: Sequence[bytes | str]) -> None:
        """Replace the values of ``name`` with ``values``."""
        if isinstance(values, (bytes, str)):
            raise TypeError("setRawHeaders expects a sequence of values, not a single value")
        self._rawHeaders[_name(name)] = [_value(v) for v in values]

    def addRawHeader(self, name: bytes | str, value: bytes | str) -> None:
        """Append ``value`` to the values of ``name``."""
        self._rawHeaders.setdefault(_name(name), []).append(_value(value))

    @overload
    def getRawHeaders(self, name: AnyStr) -> list[AnyStr] | None: ...

    @overload
    def getRawHeaders(self, name: AnyStr, default: _T) -> list[AnyStr] | _T: ...

    def getRawHeaders(self, name: AnyStr, default: object = None) -> object:
        """The values of ``name`` (as ``str`` if ``name`` is ``str``), or ``default``."""
        values = self._rawHeaders.get(_name(name))
        if values is None:
            return default
        if isinstance(name, str):
            return [v.decode("utf-8") for v in values]
        return list(values)

    def getAllRawHeaders(self) -> Iterator[tuple[bytes, list[bytes]]]:
        """Every (canonical name, values) pair, names as ``bytes``."""
        for key, values in self._rawHeaders.items():
            yield _canonical(key), values

    # -- twistio's fast path: names are lower-case bytes, values already validated -----------

    @classmethod
    def from_trusted(cls, mapping: dict[bytes, list[bytes]]) -> Headers:
        """Headers owning ``mapping`` (lower-case names, valid values), without checks."""
        self = cls.__new__(cls)
        self._rawHeaders = mapping
        return self

    def get_trusted(self, lname: bytes) -> list[bytes] | None:
        """The values of the lower-case ``lname`` (the live list), without checks."""
        return self._rawHeaders.get(lname)

    def set_trusted(self, lname: bytes, values: list[bytes]) -> None:
        """Set the lower-case ``lname`` to ``values`` (known valid), without checks."""
        self._rawHeaders[lname] = values

    def lower_pairs(self) -> list[tuple[bytes, bytes]]:
        """Every (lower-case name, value) pair, in order."""
        return [(k, v) for k, values in self._rawHeaders.items() for v in values]

    def update_trusted(self, mapping: dict[bytes, list[bytes]]) -> None:
        """Set every lower-case name of ``mapping`` to its values (known valid), without
        checks: names already set keep their place, new ones go last, as with ``setRawHeaders``."""
        self._rawHeaders.update(mapping)

    def head_lines(self) -> list[bytes]:
        """``Name: value\\r\\n`` lines for a message head."""
        return [
            _line_start(k) + v + b"\r\n" for k, values in self._rawHeaders.items() for v in values
        ]

    def head_block(self) -> tuple[bytes, list[bytes] | None, bool]:
        """The ``Name: value\\r\\n`` lines for a message head, joined; with what framing
        needs: the values of ``Connection`` (or None) and whether ``Content-Length`` is set."""
        out: list[bytes] = []
        add = out.extend
        starts = _LINE_STARTS
        raw = self._rawHeaders
        for k, values in raw.items():
            start = starts.get(k) or _line_start(k)
            for v in values:
                add((start, v, b"\r\n"))
        return b"".join(out), raw.get(b"connection"), b"content-length" in raw

    def set_default_type(self, content_type: bytes) -> None:
        """Set ``Content-Type`` to ``content_type`` (known valid) unless it is set, or the
        body is declared empty (``Content-Length: 0``)."""
        raw = self._rawHeaders
        if b"content-type" not in raw and raw.get(b"content-length") != _ZERO_LENGTH:
            raw[b"content-type"] = [content_type]
