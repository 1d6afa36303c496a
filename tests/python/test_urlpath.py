"""URLPath against Twisted's, on the same URLs and operations."""

from __future__ import annotations

from typing import Any

import pytest
from twisted.python.urlpath import URLPath as TwistedURLPath

from twistio.python.urlpath import URLPath

URLS = [
    "http://example.com/foo/bar?x=1#frag",
    "http://example.com/foo/bar/",
    "http://example.com",
    "http://example.com/",
    "https://h:8443/a%20b/c?q=a&r=b",
]
OPS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("child", (b"baz",), {}),
    ("child", (b"baz",), {"keepQuery": True}),
    ("child", (b"a b",), {}),
    ("child", (b"a/b",), {}),
    ("child", (b"%41",), {}),
    ("sibling", (b"qux",), {}),
    ("sibling", (b"a?b",), {"keepQuery": True}),
    ("parent", (), {}),
    ("here", (), {}),
    ("here", (), {"keepQuery": True}),
    ("click", (b"../a?b=2",), {}),
    ("click", (b"/z",), {}),
    ("click", (b"http://other/",), {}),
    ("click", (b"?q=2",), {}),
    ("click", (b"#f",), {}),
    ("click", (b"",), {}),
    ("click", (b"x",), {}),
]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("op", OPS, ids=lambda op: f"{op[0]}{op[1]}{op[2]}")
def test_same_as_twisted(url: str, op: tuple[str, tuple[Any, ...], dict[str, Any]]) -> None:
    name, args, kwargs = op
    ours = getattr(URLPath.fromString(url), name)(*args, **kwargs)
    theirs = getattr(TwistedURLPath.fromString(url), name)(*args, **kwargs)
    assert str(ours) == str(theirs)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("url", URLS)
def test_parts_and_path_list(url: str) -> None:
    ours, theirs = URLPath.fromString(url), TwistedURLPath.fromString(url)
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)
    assert ours.pathList() == theirs.pathList()
    assert ours.pathList(unquote=True) == theirs.pathList(unquote=True)
    assert URLPath.fromBytes(url.encode()) == ours


def test_type_errors_and_defaults() -> None:
    with pytest.raises(ValueError):
        URLPath.fromString(b"http://x/")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        URLPath.fromBytes("http://x/")  # type: ignore[arg-type]
    assert repr(URLPath()) == repr(TwistedURLPath())


def test_from_request() -> None:
    class R:
        def prePathURL(self) -> bytes:
            return b"http://example.com/a/b"

    assert str(URLPath.fromRequest(R()).child(b"c")) == "http://example.com/a/b/c"


@pytest.mark.parametrize(
    "raw",
    [
        b"http://example.com/\xff\x00",
        b"http://example.com/a b/c?q=\xe9 z",
        b'http://example.com/a"b<c>d\\e^f`g{h|i}j[k]l%m?a"b<c>[d]%m #x y<',
        b"http://example.com/a%zz/%41?x=%ff",
    ],
)
def test_unsafe_characters_are_percent_encoded(raw: bytes) -> None:
    ours, theirs = URLPath.fromBytes(raw), TwistedURLPath.fromBytes(raw)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    text = raw.decode("latin-1").replace("#x y<", "")  # (Twisted refuses non-ASCII fragments)
    ours, theirs = URLPath.fromString(text), TwistedURLPath.fromString(text)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)


def test_parts_set_as_text_are_bytes() -> None:
    url = URLPath.fromString("http://example.com/foo?yes=no#footer")
    url.scheme = "https"  # type: ignore[assignment]
    url.path = "/hello"  # type: ignore[assignment]
    assert url.scheme == b"https" and url.path == b"/hello"
    assert str(url) == "https://example.com/hello?yes=no#footer"
