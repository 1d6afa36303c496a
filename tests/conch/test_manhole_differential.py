"""Manhole on Conch and on twistio: the same typing gives the same screen bytes
(``Manhole`` and ``ColoredManhole`` over an insults ``ServerProtocol``), results of Deferreds
included, and ``lastColorizedLine`` colours the same source the same way."""

from __future__ import annotations

import gc
import sys
from importlib import import_module
from typing import Any

import pytest

pytest.importorskip("twisted.conch.manhole")

LINES = [
    b"1 + 1", b"x = 5", b"x", b"print('hi')", b"def f(a, b=2):", b"  return a * b", b"",
    b"f(3)", b"1/0", b"d = defer.Deferred()", b"d", b"d", b"d.callback(5)", b"d.called", b"_",
    b"e = defer.Deferred()", b"e", b"e.addErrback(lambda f: None) and None",
    b"e.errback(ValueError('bad'))", b"'a\\nb'", b"None", b"(1,", b"2)", b"_",
    b"if 1:", b"  raise KeyError(3)", b"", b"import sys; sys.stdout.write('out\\n')",
    b"syntax error here", b'""" open', b'close"""', b"class A(object): pass", b"A.__name__",
    b"[i * i for i in range(4)]", b"{'k': [1, 2.5, None]}", b"(lambda: 0)()",
    b"print(1, 2, sep='-', end='')", b"for i in range(2): print(i)", b"",
]


def session(pkg: str, cls_name: str, keys: list[bytes]) -> list[Any]:
    manhole = import_module(pkg + ".conch.manhole")
    insults = import_module(pkg + ".conch.insults.insults")
    testing = import_module(pkg + ".internet.testing")
    defer = import_module(pkg + ".internet.defer")
    sp = insults.ServerProtocol(getattr(manhole, cls_name), {"defer": defer})
    tr = testing.StringTransport()
    sp.makeConnection(tr)
    sp.cursorPos = insults.Vector(0, 0)
    out = [tr.value()]
    tr.clear()
    for chunk in keys:
        sp.dataReceived(chunk)
        out.append((chunk, tr.value(), tr.disconnecting))
        tr.clear()
    return out


def _typed(lines: list[bytes]) -> list[bytes]:
    return [line + b"\r" for line in lines]


@pytest.mark.parametrize("cls_name", ["Manhole", "ColoredManhole"])
@pytest.mark.parametrize("by_char", [False, True])
def test_python_session(cls_name: str, by_char: bool) -> None:
    keys = _typed(LINES)
    if by_char:
        keys = [bytes([b]) for k in keys for b in k]
    ours = session("twistio", cls_name, keys)
    theirs = session("twisted", cls_name, keys)
    gc.collect()
    assert ours == theirs


CONTROL = [
    b"abc", b"\x03", b"def g():\r", b"\x03", b"x = 1\r", b"xy", b"\x01", b"Z", b"\x05", b"W",
    b"\x0c", b"\x04", b"\x1b[A", b"\x1b[A", b"\x1b[B", b"\r", b"\x7f\x7f\x7f", b"\x04",
]


@pytest.mark.parametrize("cls_name", ["Manhole", "ColoredManhole"])
def test_control_keys(cls_name: str) -> None:
    assert session("twistio", cls_name, CONTROL) == session("twisted", cls_name, CONTROL)


def deferred_output(pkg: str) -> list[Any]:
    """Results arriving later are drawn above the prompt (Conch fails when part of a line is
    typed by then: that case is pinned in test_manhole.py)."""
    manhole = import_module(pkg + ".conch.manhole")
    insults = import_module(pkg + ".conch.insults.insults")
    testing = import_module(pkg + ".internet.testing")
    defer = import_module(pkg + ".internet.defer")
    waiting: defer.Deferred[Any] = defer.Deferred()
    # (Conch's ColoredManhole fails here; twistio's is pinned in test_manhole.py.)
    sp = insults.ServerProtocol(manhole.Manhole, {"waiting": waiting})
    tr = testing.StringTransport()
    sp.makeConnection(tr)
    sp.cursorPos = insults.Vector(0, 0)
    tr.clear()
    sp.dataReceived(b"waiting\rwaiting\r")
    out = [tr.value()]
    tr.clear()
    waiting.callback([1, "two"])
    out.append(tr.value())
    tr.clear()
    sp.dataReceived(b"print(12)\r")
    out.append(tr.value())
    return out


def test_deferred_fires_while_typing() -> None:
    assert deferred_output("twistio") == deferred_output("twisted")


SOURCES = [
    "def f(x): return 'a' + 1 # c", "x = 1\ny = 'two'", "class A(B): pass",
    "def g(a, b=2): return a", "lambda q: q", "if x: y", "  foo", "f(x) # hi",
    "1.5e3 + 0x1f", "a\\\nb", "b'x' r'y'", "for i in range(3): print(i)",
    "@dec\ndef h(): pass", "async def k(): await j", "x = [1,\n 2]", "a.b.c(d=e)",
    "def f(\n  a,\n  b): pass", b"z = 3",
]


@pytest.mark.parametrize("source", SOURCES, ids=range(len(SOURCES)))
def test_last_colorized_line(source: str | bytes) -> None:
    theirs = import_module("twisted.conch.manhole").lastColorizedLine(source)
    assert import_module("twistio.conch.manhole").lastColorizedLine(source) == theirs


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="f-strings tokenize differently")
def test_last_colorized_fstring() -> None:
    source = "f'{z}' + x"
    theirs = import_module("twisted.conch.manhole").lastColorizedLine(source)
    assert import_module("twistio.conch.manhole").lastColorizedLine(source) == theirs


def _with_custom_excepthook(pkg: str) -> list[bytes]:
    manhole = import_module(pkg + ".conch.manhole")
    insults = import_module(pkg + ".conch.insults.insults")
    testing = import_module(pkg + ".internet.testing")
    sp = insults.ServerProtocol(manhole.Manhole)
    tr = testing.StringTransport()
    sp.makeConnection(tr)
    out = []
    saved = sys.excepthook
    sys.excepthook = lambda *args: None
    try:
        for line in (b"1/0", b"raise KeyError('a')", b"def f(:", b"x = (", b"]"):
            tr.clear()
            sp.dataReceived(line + b"\r")
            out.append(tr.value())
    finally:
        sys.excepthook = saved
    return out


def test_exceptions_are_shown_whatever_the_excepthook() -> None:
    """A replaced ``sys.excepthook`` does not hide a traceback from the manhole's user
    (syntax errors go to the hook, as in Python's console and Conch)."""
    ours = _with_custom_excepthook("twistio")
    assert b"ZeroDivisionError: division by zero" in ours[0]
    assert b"KeyError: 'a'" in ours[1]
    assert ours == _with_custom_excepthook("twisted")
