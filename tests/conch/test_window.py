"""``insults.window``: the widgets whose Conch versions do not run (``PasswordInput``,
``AbsoluteBox.moveChild``, ``Canvas``, ``Packer``), repaint scheduling, and a window drawn on
a real terminal buffer."""

from __future__ import annotations

from collections.abc import Callable

from twistio.conch.insults import helper, insults, window


def _screen() -> helper.TerminalBuffer:
    screen = helper.TerminalBuffer()
    screen.connectionMade()
    return screen


def _rows(screen: helper.TerminalBuffer, n: int) -> list[bytes]:
    return bytes(screen).split(b"\n")[:n]


def test_password_input_shows_stars() -> None:
    entry = window.PasswordInput(6, None)  # type: ignore[arg-type]
    entry.setText(b"secret!")
    screen = _screen()
    entry.draw(8, 1, screen)
    assert entry.buffer == b"secret" and _rows(screen, 1) == [b"******"]


def test_absolute_box_places_children() -> None:
    box = window.AbsoluteBox()
    label = window.TextOutput()
    label.setText(b"hi")
    box.addChild(label)
    box.moveChild(label, 3, 1)
    screen = _screen()
    box.draw(8, 3, screen)
    assert _rows(screen, 2) == [b"", b"   hi   "]


def test_canvas_keeps_what_is_drawn_on_it() -> None:
    canvas = window.Canvas()
    screen = _screen()
    canvas.draw(4, 2, screen)
    canvas[1, 1] = b"*"
    canvas.draw(4, 2, screen)
    assert _rows(screen, 2) == [b"    ", b" *  "]
    canvas.resize(2, 2)
    assert canvas[1, 1] == b"*"
    canvas.clear()
    assert canvas[1, 1] == b" "


def test_packer_gives_hinted_heights() -> None:
    packer = window.Packer()
    fixed = window.TextOutput((4, 1))
    fixed.setText(b"top")
    rest = window.TextOutput()
    rest.setText(b"rest")
    packer.addChild(fixed)
    packer.addChild(rest)
    screen = _screen()
    packer.draw(6, 4, screen)
    assert _rows(screen, 2) == [b"top   ", b"rest  "]


def test_one_paint_for_many_changes() -> None:
    painted: list[int] = []
    scheduled: list[Callable[[], object]] = []
    screen = _screen()

    def paint() -> None:
        painted.append(1)
        top.draw(10, 2, screen)  # drawing is what makes the widgets clean again

    top = window.TopWindow(paint, scheduled.append)
    entry = window.TextInput(5, None)  # type: ignore[arg-type]
    top.addChild(entry)
    scheduled.pop()()
    for key in (b"a", b"b", insults.ServerProtocol.LEFT_ARROW):
        top.keystrokeReceived(key, None)
    assert len(scheduled) == 1 and painted == [1]
    scheduled.pop()()
    assert painted == [1, 1] and entry.buffer == b"ab" and entry.cursor == 1
    assert _rows(screen, 1)[0].rstrip() == b"ab"


def test_a_window_on_a_terminal() -> None:
    screen = _screen()
    pending: list[Callable[[], object]] = []
    top = window.TopWindow(lambda: top.draw(20, 5, screen), pending.append)
    box = window.VBox()
    entry = window.TextInput(8, None)  # type: ignore[arg-type]
    box.addChild(window.Border(entry))
    box.addChild(window.Button(b"OK", lambda: None))
    top.addChild(box)
    for key in b"hi":
        top.keystrokeReceived(bytes([key]), None)
    while pending:
        pending.pop()()
    rows = _rows(screen, 5)
    assert b"hi" in rows[1] and rows[3].startswith(b"OK")
