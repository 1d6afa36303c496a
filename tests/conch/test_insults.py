"""twistio.conch.insults where it deliberately differs from Conch, what Conch's own tests
expect of it, and a bounded fuzz of the input parser (no exception, whole and split input
give the same events, bounded memory)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from twistio.conch.insults import helper, insults
from twistio.internet.testing import StringTransport


class Keys(insults.TerminalProtocol):
    def __init__(self) -> None:
        self.events: list[Any] = []

    def keystrokeReceived(self, keyID: bytes, modifier: bytes | None) -> None:
        self.events.append((keyID, modifier))

    def unhandledControlSequence(self, seq: bytes) -> None:
        self.events.append(("unhandled", seq))


def server() -> tuple[insults.ServerProtocol, Keys, StringTransport]:
    sp = insults.ServerProtocol(Keys)
    tr = StringTransport()
    sp.makeConnection(tr)
    return sp, sp.terminalProtocol, tr


def test_each_server_protocol_has_its_own_cursor() -> None:
    a, _, _ = server()
    b, _, _ = server()
    a.cursorDown(3)
    assert (a.cursorPos.y, b.cursorPos.y) == (3, 0)


def test_restore_without_save_goes_home() -> None:
    sp, _, tr = server()
    sp.cursorDown(2)
    sp.restoreCursor()
    assert (sp.cursorPos.x, sp.cursorPos.y, tr.value()) == (0, 0, b"\x1b[2B\x1b8")


def test_graphic_rendition_takes_ints_and_bytes() -> None:
    sp, _, tr = server()
    sp.selectGraphicRendition(insults.BOLD, b"31", "4")
    assert tr.value() == b"\x1b[1;31;4m"


def test_long_escape_sequence_is_bounded() -> None:
    sp, keys, _ = server()
    sp.dataReceived(b"\x1b[" + b"1" * 1000 + b"A")
    assert keys.events[0] == ("unhandled", b"\x1b[" + b"1" * 257)
    assert len(keys.events) == 1 + 1000 - 257 + 1
    assert keys.events[-1] == (b"A", None)


def test_client_protocol_fixes() -> None:
    """Conch's ClientProtocol fails on ESC [ ? l, ignores ESC [ ? h, sends every
    ESC [ l ; c H to cursorHome and answers a cursor report with column first."""
    tb = helper.TerminalBuffer()
    cp = insults.ClientProtocol(lambda: tb)
    tr = StringTransport()
    cp.makeConnection(tr)
    cp.dataReceived(b"\x1b[?3h\x1b[?25l\x1b[5;10Hx\x1b[6n")
    assert tb.privateModes == {insults.privateModes.AUTO_WRAP: True,
                               insults.privateModes.COLUMN: True}
    assert tb.getCharacter(9, 4)[0] == b"x"
    assert tr.value() == b"\x1b[5;11R"


def test_terminal_buffer_delete_line_keeps_the_height() -> None:
    tb = helper.TerminalBuffer()
    tb.connectionMade()
    tb.cursorPosition(0, 22)
    tb.deleteLine(5)
    assert len(tb.lines) == tb.height
    tb.numericKeypadMode()
    assert tb.numericKeypad == "num"


async def test_expectable_buffer() -> None:
    from twistio.internet.task import Clock

    buffer = helper.ExpectableBuffer()
    buffer.connectionMade()
    found = buffer.expect(rb"wor+ld")
    buffer.write(b"hello world")
    match = await found
    assert match.group() == b"world"
    clock = Clock()
    late = buffer.expect(b"never", timeout=5, scheduler=clock)
    clock.advance(5)
    failures: list[Any] = []
    late.addErrback(failures.append)
    assert failures[0].check(helper.ExpectationTimeout)


_ALPHABET = [b"\x1b", b"\x1b", b"[", b"O", b"~", b";", b"1", b"2", b"5", b"A", b"Z", b"P",
             b"R", b"x", b"\r", b"\x7f", b"?", b"\xff", b"\x00", b"#", b"("]


def test_fuzz_server_and_client_parsers() -> None:
    rng = random.Random(24)
    for _ in range(200):
        data = b"".join(rng.choice(_ALPHABET) for _ in range(rng.randrange(1, 80)))
        cuts = sorted(rng.sample(range(len(data) + 1), min(4, len(data) + 1)))
        pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        results = []
        for chunks in ([data], pieces):
            sp, keys, _ = server()
            sp.reportCursorPosition()
            for chunk in chunks:
                sp.dataReceived(chunk)
            tb = helper.TerminalBuffer()
            cp = insults.ClientProtocol(lambda tb=tb: tb)
            cp.makeConnection(StringTransport())
            for chunk in chunks:
                cp.dataReceived(chunk)
            results.append((keys.events, sp.state, bytes(tb), tb.x, tb.y, cp.state))
        assert results[0] == results[1], data


def test_client_controls_touch_only_the_method_they_call() -> None:
    # A terminal whose attribute lookups are recorded: a C0 control looks up its own
    # method and nothing else (as Conch does).
    from twistio.conch.insults import insults as _insults
    from twistio.internet.testing import StringTransport as _StringTransport

    looked_up: list[str] = []

    class Terminal:
        def makeConnection(self, transport: object) -> None:
            pass

        def __getattr__(self, name: str) -> object:
            looked_up.append(name)
            return lambda *a: None

    client = _insults.ClientProtocol(Terminal)
    client.makeConnection(_StringTransport())
    looked_up.clear()
    client.dataReceived(b"\x15")
    assert looked_up == ["shiftIn"]


def test_buffer_carriage_return_linefeed_and_queued_expectations() -> None:
    from twistio.conch.insults import helper as _helper
    from twistio.internet import task as _task

    term = _helper.ExpectableBuffer()
    term.connectionMade()
    term.cursorForward(5)
    term.cursorDown(3)
    term.insertAtCursor(b"\r")
    assert term.reportCursorPosition() == (0, 3)
    term.cursorForward(4)
    term.insertAtCursor(b"\n")
    assert term.reportCursorPosition() == (4, 4)
    # An expectation queued behind one that times out is met from what is already there.
    clock = _task.Clock()
    term.write(b"not zoomtastic")
    failed: list[object] = []
    matched: list[bytes] = []
    term.expect(b"hello world", timeout=1, scheduler=clock).addErrback(failed.append)
    term.expect(b"zoom").addCallback(lambda m: matched.append(m.group()))
    clock.advance(1)
    assert len(failed) == 1 and matched == [b"zoom"]


def test_text_flatten_is_deprecated() -> None:
    from twistio.conch.insults import text as _text

    with pytest.warns(DeprecationWarning, match="flatten was deprecated in Twisted 13.1.0"):
        flatten = _text.flatten
    assert flatten(_text.attributes.bold["x"], _text.helper.CharacterAttribute()) == \
        _text.assembleFormattedText(_text.attributes.bold["x"])


def test_want_one_is_deprecated_and_character_attribute_is_the_formatting_state() -> None:
    from twistio.conch.insults import helper as _helper

    assert _helper.CharacterAttribute is _helper._FormattingState
    with pytest.warns(DeprecationWarning, match=r"_FormattingState\.wantOne was deprecated in "
                                                r"Twisted 13\.1\.0"):
        bold = _helper._FormattingState().wantOne(bold=True)
    assert bold.bold and bold.toVT102() == "\x1b[1m"
