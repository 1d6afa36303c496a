"""``URLPath``: a URL with methods that give related URLs (child, sibling, parent, click).

Components are bytes, as in Twisted. Derived URLs drop the fragment, and the query unless
``keepQuery`` is given; path segments passed to ``child`` and ``sibling`` are
percent-encoded except for characters a path segment may hold (and ``%`` itself, so an
already-encoded segment stays as it is).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, quote_from_bytes, unquote_to_bytes, urljoin, urlsplit, urlunsplit

__all__ = ["URLPath"]

_SEGMENT_SAFE = "%!$&'()*+,;=:@~-._"
# What a parsed path and query keep as they are; anything else (spaces, quotes, brackets,
# non-ASCII) is percent-encoded, so ``str(url)`` is always a valid URI.
_PATH_SAFE = _SEGMENT_SAFE + "/"
_QUERY_SAFE = _PATH_SAFE + "?"
_PARTS = frozenset(("scheme", "netloc", "path", "query", "fragment"))


class URLPath:
    """A URL split into ``scheme``, ``netloc``, ``path``, ``query`` and ``fragment`` bytes."""

    def __init__(
        self,
        scheme: bytes = b"",
        netloc: bytes = b"localhost",
        path: bytes = b"",
        query: bytes = b"",
        fragment: bytes = b"",
    ) -> None:
        self.scheme = scheme or b"http"
        self.netloc = netloc
        self.path = path or b"/"
        self.query = query
        self.fragment = fragment

    @classmethod
    def fromString(cls, url: str) -> URLPath:
        """Parse a ``str`` URL (``ValueError`` for anything else)."""
        if not isinstance(url, str):
            raise ValueError("'url' must be a str")
        return cls._fromText(url, "utf-8")

    @classmethod
    def fromBytes(cls, url: bytes) -> URLPath:
        """Parse a ``bytes`` URL (``ValueError`` for anything else)."""
        if not isinstance(url, bytes):
            raise ValueError("'url' must be bytes")
        return cls._fromText(url.decode("ascii", "surrogateescape"), "ascii")

    @classmethod
    def fromRequest(cls, request: Any) -> URLPath:
        """The URL of the resource ``request`` has reached (its ``prePathURL``)."""
        return cls.fromBytes(request.prePathURL())

    @classmethod
    def _fromText(cls, url: str, encoding: str) -> URLPath:
        """Parse ``url``; non-ASCII text (``encoding`` tells how it came: UTF-8 text, or
        bytes decoded with surrogateescape) is percent-encoded in the path and query."""
        parts = urlsplit(url)

        def raw(s: str) -> bytes:
            return s.encode(encoding, "surrogateescape")

        def b(s: str) -> bytes:
            return s.encode("ascii", "surrogateescape")

        return cls(
            b(parts.scheme),
            b(parts.netloc),
            quote_from_bytes(raw(parts.path), safe=_PATH_SAFE).encode("ascii"),
            quote_from_bytes(raw(parts.query), safe=_QUERY_SAFE).encode("ascii"),
            parts.fragment.encode("ascii")
            if parts.fragment.isascii()
            else quote_from_bytes(raw(parts.fragment), safe=_QUERY_SAFE + " ").encode("ascii"),
        )

    def __setattr__(self, name: str, value: Any) -> None:
        # As in Twisted, a component may be set as text: it is kept as ASCII bytes.
        if name in _PARTS and isinstance(value, str):
            value = value.encode("ascii")
        object.__setattr__(self, name, value)

    def _text(self) -> str:
        parts = [
            part.decode("ascii", "surrogateescape")
            for part in (self.scheme, self.netloc, self.path, self.query)
        ]
        parts.append(quote_from_bytes(self.fragment, safe=_QUERY_SAFE))
        return urlunsplit(parts)

    def pathList(self, unquote: bool = False, copy: bool = True) -> list[bytes]:
        """The path's segments (the first is the empty one before the leading ``/``)."""
        segments = self.path.split(b"/")
        if unquote:
            segments = [unquote_to_bytes(s) for s in segments]
        return segments

    def _withSegments(self, segments: list[bytes], keepQuery: bool) -> URLPath:
        return URLPath(
            self.scheme, self.netloc, b"/".join(segments), self.query if keepQuery else b""
        )

    @staticmethod
    def _quote(segment: bytes) -> bytes:
        return quote(segment, safe=_SEGMENT_SAFE).encode("ascii")

    def sibling(self, path: bytes, keepQuery: bool = False) -> URLPath:
        """This URL with its last segment replaced by ``path``."""
        return self._withSegments([*self.pathList()[:-1], self._quote(path)], keepQuery)

    def child(self, path: bytes, keepQuery: bool = False) -> URLPath:
        """The URL of ``path`` under this one (replacing an empty last segment)."""
        segments = self.pathList()
        if segments[-1] == b"":
            segments = segments[:-1]
        return self._withSegments([*segments, self._quote(path)], keepQuery)

    def parent(self, keepQuery: bool = False) -> URLPath:
        """The URL of the folder above this one's folder."""
        return self._withSegments([*self.pathList()[:-2], b""], keepQuery)

    def here(self, keepQuery: bool = False) -> URLPath:
        """The URL of this one's folder."""
        return self._withSegments([*self.pathList()[:-1], b""], keepQuery)

    def click(self, st: bytes) -> URLPath:
        """Resolve the reference ``st`` against this URL, as a browser follows a link."""
        return URLPath.fromString(urljoin(self._text(), st.decode("ascii", "surrogateescape")))

    def __str__(self) -> str:
        return self._text()

    def __repr__(self) -> str:
        return (
            f"URLPath(scheme={self.scheme!r}, netloc={self.netloc!r}, path={self.path!r}, "
            f"query={self.query!r}, fragment={self.fragment!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, URLPath):
            return NotImplemented
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))
