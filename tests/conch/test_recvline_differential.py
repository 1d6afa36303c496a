"""Line editing on Conch and on twistio: the same keys give the same screen bytes, lines and
history (``RecvLine``, ``HistoricRecvLine`` over an insults ``ServerProtocol``)."""

from __future__ import annotations

import random
from importlib import import_module
from typing import Any

import pytest

pytest.importorskip("twisted.conch.recvline")

UP, DOWN, RIGHT, LEFT = b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D"
HOME, INSERT, DELETE, END, PGUP = b"\x1b[1~", b"\x1b[2~", b"\x1b[3~", b"\x1b[4~", b"\x1b[5~"
F1, ALT_Q, SHIFT_TAB = b"\x1bOP", b"\x1bq", b"\x1b[Z"


def session(pkg: str, chunks: list[bytes], historic: bool = True) -> list[Any]:
    recvline = import_module(pkg + ".conch.recvline")
    insults = import_module(pkg + ".conch.insults.insults")
    testing = import_module(pkg + ".internet.testing")
    ev: list[Any] = []
    base = recvline.HistoricRecvLine if historic else recvline.RecvLine

    class Lines(base):  # type: ignore[misc, valid-type]
        def lineReceived(self, line: bytes) -> None:
            ev.append(("line", line))
            self.pn = 1 - self.pn if line.endswith(b":") else 0
            self.terminal.write(b"= " + line[::-1] + b"\n")
            self.drawInputLine()

    sp = insults.ServerProtocol(Lines)
    tr = testing.StringTransport()
    sp.makeConnection(tr)
    sp.cursorPos = insults.Vector(0, 0)
    p = sp.terminalProtocol
    ev.append(("start", tr.value()))
    tr.clear()
    for chunk in chunks:
        sp.dataReceived(chunk)
        ev.append((chunk, tr.value(), p.lineBuffer, p.lineBufferIndex, p.mode,
                   p.currentLineBuffer(), sp.cursorPos.x, sp.cursorPos.y,
                   getattr(p, "historyLines", None), getattr(p, "historyPosition", None)))
        tr.clear()
    p.terminalSize(100, 30)
    ev.append(("resize", tr.value(), p.width, p.height))
    if historic:
        ev.append(p.currentHistoryBuffer())
    return ev


SCRIPTS = [
    [b"a", b"b", b"c", LEFT, LEFT, b"X", HOME, b"Y", END, b"Z", b"\x7f", LEFT, DELETE, INSERT,
     b"Q", INSERT, b"\t", b"\r"],
    [b"one\r", b"abcd", LEFT, LEFT, b"\t", INSERT, b"Z", b"W", HOME, b"\x7f", b"\x08", UP, DOWN,
     DOWN, ALT_Q, SHIFT_TAB, RIGHT, END, RIGHT, b"\x1b\x1b", PGUP, F1, b"\r"],
    [b"first\r", b"second\r", b"third\r", UP, UP, UP, UP, DOWN, b"!", b"\r", UP, DOWN, DOWN,
     DOWN, b"\n"],
    [b"def f():\r", b"  pass\r", b"\r", b"abcdefg", LEFT, LEFT, LEFT, b"\t", INSERT, b"xyz12",
     HOME, INSERT, b"\x7f", DELETE, DELETE, END, b"\x7f" * 3, b"\r"],
    [b"\xc3\xa9 caf\xc3\xa9\r", b"\x00\x01\x02\x1b[99~\x1b[?1h", b"ok\r"],
]


@pytest.mark.parametrize("script", SCRIPTS, ids=range(len(SCRIPTS)))
@pytest.mark.parametrize("historic", [True, False])
def test_line_editing(script: list[bytes], historic: bool) -> None:
    assert session("twistio", script, historic) == session("twisted", script, historic)


_KEYS = [b"a", b"b", b"Z", b" ", b"\t", b"\r", b"\x7f", UP, DOWN, LEFT, RIGHT, HOME, END,
         INSERT, DELETE, b":"]


def test_editing_fuzz() -> None:
    rng = random.Random(22)
    for _ in range(60):
        keys = [rng.choice(_KEYS) for _ in range(rng.randrange(1, 50))]
        assert session("twistio", keys) == session("twisted", keys), keys
