"""``insults.window`` on Conch and on twistio: the widgets draw the same terminal calls,
handle keys and move the focus the same way."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest

pytest.importorskip("twisted.conch.insults.window")


class Recorder:
    """A terminal that records every call made to it."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)

        def record(*args: Any) -> None:
            self.calls.append((name, *args))

        return record


def _text(w: Any, cls: str, text: bytes, *args: Any) -> Any:
    widget = getattr(w, cls)(*args)
    widget.setText(text)
    return widget


def _focused(widget: Any) -> Any:
    widget.focused = True
    return widget


def _box(w: Any, cls: str) -> Any:
    box = getattr(w, cls)()
    for text in (b"a", b"b"):
        box.addChild(_text(w, "TextOutput", text))
    return box


def _scrolled(w: Any) -> Any:
    area = w.ScrolledArea(w.TextOutput())
    area._viewport.containee.setText(b"xyz")
    return area


SCENES = {
    "text output": (lambda w: _text(w, "TextOutput", b"hello"), 12, 4),
    "sized text output": (lambda w: w.TextOutput((3, 1)), 12, 4),
    "text input": (lambda w: _text(w, "TextInput", b"abc", 10, None), 12, 1),
    "focused text input": (lambda w: _focused(_text(w, "TextInput", b"abc", 10, None)), 12, 1),
    "long text input": (lambda w: _focused(_text(w, "TextInput", b"abcdefgh", 5, None)), 4, 1),
    "button": (lambda w: w.Button(b"ok", None), 12, 1),
    "focused button": (lambda w: _focused(w.Button(b"ok", None)), 12, 1),
    "selection": (lambda w: w.Selection([b"a", b"bb", b"c"], None), 12, 4),
    "wrapped area": (lambda w: _text(w, "TextOutputArea", b"hello world this is long\nline2"),
                     8, 5),
    "cut area": (lambda w: _text(w, "TextOutputArea", b"hello world this is long\nline2",
                                 None, 1), 8, 5),
    "border": (lambda w: w.Border(_text(w, "TextOutput", b"x")), 6, 3),
    "hbox": (lambda w: _box(w, "HBox"), 6, 2),
    "vbox": (lambda w: _box(w, "VBox"), 6, 4),
    "horizontal scrollbar": (lambda w: w.HorizontalScrollbar(None), 8, 1),
    "vertical scrollbar": (lambda w: w.VerticalScrollbar(None), 1, 5),
    "scrolled area": (_scrolled, 8, 4),
}


def _draw(pkg: str, scene: str) -> Any:
    w = import_module(pkg + ".conch.insults.window")
    make, width, height = SCENES[scene]
    widget = make(w)
    terminal = Recorder()
    widget.draw(width, height, terminal)
    first = terminal.calls
    terminal.calls = []
    widget.draw(width, height, terminal)  # nothing changed: nothing drawn
    return widget.sizeHint(), first, terminal.calls


@pytest.mark.parametrize("scene", sorted(SCENES))
def test_widgets_draw_the_same(scene: str) -> None:
    assert _draw("twistio", scene) == _draw("twisted", scene)


def _keys(pkg: str) -> list[Any]:
    w = import_module(pkg + ".conch.insults.window")
    keys = import_module(pkg + ".conch.insults.insults").ServerProtocol
    out: list[Any] = []
    selection = w.Selection([str(i).encode() for i in range(10)], out.append, minVisible=3)
    selection.height = 4
    for key in [keys.DOWN_ARROW] * 5 + [keys.PGDN, keys.PGDN, keys.UP_ARROW] + [keys.PGUP] * 3:
        selection.keystrokeReceived(key, None)
        out.append((selection.focusedIndex, selection.renderOffset))
    for key in (b"\r", b"\n", b"x"):
        selection.keystrokeReceived(key, None)
    out.append(selection.sizeHint())
    line = w.TextInput(5, lambda text: out.append(("submit", text)))
    for key in [b"a", b"b", b"c", keys.LEFT_ARROW, b"X", keys.RIGHT_ARROW, keys.RIGHT_ARROW,
                b"\x7f", b"d", b"e", b"f", b"\r"]:
        line.keystrokeReceived(key, None)
        out.append((line.buffer, line.cursor))
    button = w.Button(b"go", lambda: out.append("pressed"))
    for key in (b"\r", b" ", b"\n"):
        button.keystrokeReceived(key, None)
    top = w.TopWindow(lambda: out.append("paint"), lambda f: out.append("scheduled"))
    first, second = w.TextInput(3, None), w.TextInput(3, None)
    box = w.VBox()
    box.addChild(first)
    box.addChild(second)
    box.addChild(w.TextOutput())  # never takes the focus
    top.addChild(box)
    for key in (b"q", b"\t", b"r", b"\t", b"s", b"\t", b"t"):
        top.keystrokeReceived(key, None)
        out.append((first.buffer, second.buffer, first.focused, second.focused))
    area = w.ScrolledArea(w.TextOutput())
    for key in (keys.DOWN_ARROW, keys.RIGHT_ARROW, keys.UP_ARROW, keys.UP_ARROW):
        area.keystrokeReceived(key, None)
    out.append((area._viewport.xOffset, area._viewport.yOffset))
    return out


def test_keys_and_focus_the_same() -> None:
    ours = _keys("twistio")
    assert ("submit", b"abXde") in ours and "pressed" in ours
    assert ours == _keys("twisted")
