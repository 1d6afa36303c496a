"""twistio.web.error's exceptions: their messages and texts, as Twisted's read."""

from __future__ import annotations

import string
import traceback

import pytest

from twistio.web import _responses, error
from twistio.web.template import Tag


def test_code_to_message() -> None:
    assert error._codeToMessage(b"302") == b"Found"
    assert error._codeToMessage(b"987") is None
    assert error._codeToMessage(b"nope") is None


def test_error_message_and_text() -> None:
    assert error.Error(b"200").message == b"OK"
    assert str(error.Error(200, b"fine")) == "200 fine"
    unknown = error.Error(b"999")
    assert unknown.message is None and str(unknown) == "999"
    with pytest.raises(ValueError):
        error.Error(b"abc")


def test_redirect_messages() -> None:
    assert error.PageRedirect(b"301", location=b"/x").message == b"Moved Permanently to /x"
    assert error.PageRedirect(b"999", location=b"/x").message is None
    assert error.InfiniteRedirection(b"302", b"m").message == b"m"
    e = error.RedirectWithNoLocation(b"302", b"R", b"http://a/")
    assert e.message == b"R to http://a/" and e.uri == b"http://a/"


def test_render_error_texts() -> None:
    assert repr(error.MissingRenderMethod(1, "r")) == (
        "'MissingRenderMethod': 1 had no render method named 'r'"
    )
    assert repr(error.MissingTemplateLoader(2)) == "'MissingTemplateLoader': 2 had no loader"
    assert str(error.UnsupportedMethod([b"GET"])) == "Expected one of [b'GET']"
    with pytest.raises(TypeError):
        error.UnsupportedMethod(5)  # type: ignore[arg-type]


def test_flattener_error_text() -> None:
    try:
        raise RuntimeError("oops")
    except RuntimeError as exc:
        e = error.FlattenerError(exc, ["x" * 50, Tag("p")], traceback.extract_tb(exc.__traceback__))
    text = str(e)
    assert text == repr(e)
    lines = text.splitlines()
    assert lines[0] == "Exception while flattening:"
    assert lines[1] == "  '" + "x" * 20 + "<...>" + "x" * 20 + "'"
    assert lines[2] == "  Tag <p>"
    assert "test_flattener_error_text" in lines[3]
    assert lines[-1] == "RuntimeError: oops"
    tag = Tag("a", filename="t.xml", lineNumber=3, columnNumber=4)
    assert e._formatRoot(tag) == 'File "t.xml", line 3, column 4, in "a"'
    assert e._formatRoot("\N{SNOWMAN}") == "'\\u2603'"


def test_status_constants_are_known_codes() -> None:
    for name in dir(_responses):
        if name != "RESPONSES" and all(c == "_" or c in string.ascii_uppercase for c in name):
            assert getattr(_responses, name) in _responses.RESPONSES, name
