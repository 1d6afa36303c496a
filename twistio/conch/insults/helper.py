"""An in-memory VT102 screen: ``TerminalBuffer`` takes the ``ITerminalTransport`` calls a
program makes (directly, or through an insults ``ClientProtocol`` parsing its output) and
keeps the characters and their attributes, so tests can look at the screen.
``ExpectableBuffer`` adds ``expect(regex)``: a Deferred that fires once the text written
matches.
"""

from __future__ import annotations

import re
import string
from typing import Any

from twistio.conch.insults import insults
from twistio.internet import defer
from twistio.internet import protocol as _protocol
from twistio.internet.interfaces import implementer
from twistio.python.deprecate import deprecated
from twistio.python.versions import Version

__all__ = ["CharacterAttribute", "ExpectableBuffer", "ExpectationTimeout", "TerminalBuffer"]

FOREGROUND = 30
BACKGROUND = 40
BLACK, RED, GREEN, YELLOW, BLUE, MAGENTA, CYAN, WHITE, N_COLORS = range(9)

_ATTRIBUTES = ("charset", "bold", "underline", "blink", "reverseVideo", "foreground",
               "background", "_subtracting")


class _FormattingState:
    """The look of one character: its charset, bold, underline, blink, reverse video and
    colours (``foreground`` 7 and ``background`` 0 by default)."""

    compareAttributes = _ATTRIBUTES
    charset: bytes
    bold: bool
    underline: bool
    blink: bool
    reverseVideo: bool
    foreground: int
    background: int
    _subtracting: bool

    def __init__(self, charset: bytes = insults.G0, bold: bool = False,
                 underline: bool = False, blink: bool = False, reverseVideo: bool = False,
                 foreground: int = WHITE, background: int = BLACK,
                 _subtracting: bool = False) -> None:
        values = (charset, bold, underline, blink, reverseVideo, foreground, background,
                  _subtracting)
        for attribute, value in zip(_ATTRIBUTES, values, strict=True):
            setattr(self, attribute, value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _FormattingState):
            return NotImplemented
        return all(getattr(self, a) == getattr(other, a) for a in _ATTRIBUTES)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]

    @deprecated(Version("Twisted", 13, 1, 0))
    def wantOne(self, **kw: Any) -> _FormattingState:
        """(Deprecated: use ``insults.text``.) A copy with the attributes in ``kw`` changed. When one is changed to an unset
        value (False, colour 0) the copy's SGR sequence starts with a reset (0), as VT102 has
        no code to unset one attribute."""
        return self._changed(kw)

    def _changed(self, kw: dict[str, Any]) -> _FormattingState:
        values = {a: getattr(self, a) for a in _ATTRIBUTES}
        changed = {name: value for name, value in kw.items() if values[name] != value}
        values.update(changed)
        if changed:
            values["_subtracting"] = not all(changed.values())
        return type(self)(**values)

    def _withAttribute(self, name: str, value: object) -> _FormattingState:
        """This state when ``name`` already has ``value``, else a copy with it changed (the
        formatting-state hook of twistio.python._textattributes)."""
        if getattr(self, name) == value:
            return self
        return self._changed({name: value})

    def toVT102(self) -> str:
        """The SGR sequence that selects these attributes ('' for the defaults)."""
        codes = ["0"] if self._subtracting else []
        codes += [str(code) for flag, code in ((self.bold, insults.BOLD),
                                              (self.underline, insults.UNDERLINE),
                                              (self.blink, insults.BLINK),
                                              (self.reverseVideo, insults.REVERSE_VIDEO))
                 if flag]
        if self.foreground != WHITE:
            codes.append(str(FOREGROUND + self.foreground))
        if self.background != BLACK:
            codes.append(str(BACKGROUND + self.background))
        return "\x1b[" + ";".join(codes) + "m" if codes else ""


# Conch's public name for the class (one class, as in Conch).
CharacterAttribute = _FormattingState


def _defaultRendition() -> dict[str, Any]:
    return {"bold": False, "underline": False, "blink": False, "reverseVideo": False,
            "foreground": WHITE, "background": BLACK}


_RENDITION_FLAGS = {insults.BOLD: "bold", insults.UNDERLINE: "underline",
                    insults.BLINK: "blink", insults.REVERSE_VIDEO: "reverseVideo"}
_PRINTABLE = frozenset(string.printable.encode("ascii"))


@implementer(insults.ITerminalTransport)
class TerminalBuffer(_protocol.Protocol):
    """A ``width`` x ``height`` screen of (character, ``CharacterAttribute``) cells.

    Empty cells hold ``void``; ``bytes(buffer)`` is the screen, one line per row with the
    empty cells at the end of each row left out. Writing past the last column wraps, and
    past the last line scrolls.
    """

    width, height = 80, 24
    # What an empty cell holds, and what it shows as.
    void = object()
    fill = b" "
    TAB, BACKSPACE = insults.ServerProtocol.TAB, insults.ServerProtocol.BACKSPACE

    UP_ARROW, DOWN_ARROW, RIGHT_ARROW, LEFT_ARROW = insults.FUNCTION_KEYS[0:4]
    HOME, INSERT, DELETE, END, PGUP, PGDN = insults.FUNCTION_KEYS[4:10]
    F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12 = insults.FUNCTION_KEYS[11:23]

    lines: list[list[tuple[Any, CharacterAttribute]]]
    x: int
    y: int
    activeCharset: bytes
    _shiftedFrom: bytes
    graphicRendition: dict[str, Any]

    def getCharacter(self, x: int, y: int) -> tuple[Any, CharacterAttribute]:
        """The cell at column ``x``, line ``y``: (byte or ``void``, attributes)."""
        return self.lines[y][x]

    def connectionMade(self) -> None:
        self.reset()

    def write(self, data: bytes) -> None:
        """Draw ``data``: ``\\r`` returns, ``\\n`` goes to the next line, other printable
        bytes are drawn; the rest is ignored."""
        for byte in data:
            if byte == 0x0D:
                self.x = 0
            elif byte == 0x0A:
                self.nextLine()
            elif byte in _PRINTABLE:
                self.insertAtCursor(bytes((byte,)))

    def _currentFormattingState(self) -> CharacterAttribute:
        return CharacterAttribute(self.activeCharset, **self.graphicRendition)

    def insertAtCursor(self, b: bytes) -> None:
        """Draw one byte at the cursor (inserting when the IRM mode is set) and advance.

        ``\r`` goes back to the first column and ``\n`` down a line (same column), as a
        terminal does with them.
        """
        if b == b"\r":
            self.x = 0
            return
        if b == b"\n":
            self._scrollDown()
            return
        if self.x >= self.width:
            self.nextLine()
        line = self.lines[self.y]
        cell = (b, self._currentFormattingState())
        if self.modes.get(insults.modes.IRM):
            line.insert(self.x, cell)
            del line[self.width:]
        else:
            line[self.x] = cell
        self.x += 1
        if self.activeCharset in (insults.G2, insults.G3):
            self.activeCharset = self._shiftedFrom
        self._shiftedFrom = self.activeCharset

    def _emptyLine(self, width: int) -> list[tuple[Any, CharacterAttribute]]:
        # One attribute object for the whole line: cells are replaced, never changed.
        return [(self.void, self._currentFormattingState())] * width

    def _scrollDown(self) -> None:
        """Move down a line, scrolling the screen up at the bottom."""
        if self.y + 1 < self.height:
            self.y += 1
            return
        self.lines[:] = [*self.lines[1:], self._emptyLine(self.width)]

    def _scrollUp(self) -> None:
        """Move up a line, scrolling the screen down at the top."""
        if self.y > 0:
            self.y -= 1
            return
        self.y = 0
        self.lines[:] = [self._emptyLine(self.width), *self.lines[:-1]]

    def cursorUp(self, n: int = 1) -> None:
        self.y = max(0, self.y - n)

    def cursorDown(self, n: int = 1) -> None:
        self.y = min(self.height - 1, self.y + n)

    def cursorBackward(self, n: int = 1) -> None:
        self.x = max(0, self.x - n)

    def cursorForward(self, n: int = 1) -> None:
        self.x = min(self.width, self.x + n)

    def cursorPosition(self, column: int, line: int) -> None:
        self.x = column
        self.y = line

    def cursorHome(self) -> None:
        self.x = self.home.x
        self.y = self.home.y

    def index(self) -> None:
        self._scrollDown()

    def reverseIndex(self) -> None:
        self._scrollUp()

    def nextLine(self) -> None:
        """Go to the start of the next line (scrolling at the bottom)."""
        self.x = 0
        self._scrollDown()

    def saveCursor(self) -> None:
        self._savedCursor = (self.x, self.y)

    def restoreCursor(self) -> None:
        self.x, self.y = self._savedCursor
        del self._savedCursor

    def setModes(self, modes: Any) -> None:
        for m in modes:
            self.modes[m] = True

    def resetModes(self, modes: Any) -> None:
        for m in modes:
            self.modes.pop(m, None)

    def setPrivateModes(self, modes: Any) -> None:
        for m in modes:
            self.privateModes[m] = True

    def resetPrivateModes(self, modes: Any) -> None:
        for m in modes:
            self.privateModes.pop(m, None)

    def applicationKeypadMode(self) -> None:
        self.numericKeypad = "app"

    def numericKeypadMode(self) -> None:
        """The keypad sends digits: ``numericKeypad`` becomes ``'num'`` (Conch leaves
        ``'app'``)."""
        self.numericKeypad = "num"

    def selectCharacterSet(self, charSet: bytes, which: bytes) -> None:
        self.charsets[which] = charSet

    def shiftIn(self) -> None:
        self.activeCharset = insults.G0

    def shiftOut(self) -> None:
        self.activeCharset = insults.G1

    def _singleShift(self, charset: bytes) -> None:
        # The next character only; a second shift before it replaces the first.
        if self.activeCharset not in (insults.G2, insults.G3):
            self._shiftedFrom = self.activeCharset
        self.activeCharset = charset

    def singleShift2(self) -> None:
        self._singleShift(insults.G2)

    def singleShift3(self) -> None:
        self._singleShift(insults.G3)

    def selectGraphicRendition(self, *attributes: Any) -> None:
        """Apply SGR codes: 0 resets; 1, 4, 5, 7 set a flag; 30-38 and 40-48 pick colours;
        anything else is ignored."""
        for a in attributes:
            try:
                code = int(a)
            except ValueError:
                continue
            if code == 0:
                self.graphicRendition = _defaultRendition()
            elif code in _RENDITION_FLAGS:
                self.graphicRendition[_RENDITION_FLAGS[code]] = True
            elif FOREGROUND <= code <= FOREGROUND + N_COLORS:
                self.graphicRendition["foreground"] = code - FOREGROUND
            elif BACKGROUND <= code <= BACKGROUND + N_COLORS:
                self.graphicRendition["background"] = code - BACKGROUND

    def _blank(self, y: int, start: int, end: int) -> None:
        line = self.lines[y]
        line[start:end] = [(self.void, self._currentFormattingState())] * max(
            0, min(end, self.width) - start)

    def eraseLine(self) -> None:
        self.lines[self.y] = self._emptyLine(self.width)

    def eraseToLineEnd(self) -> None:
        self._blank(self.y, self.x, self.width)

    def eraseToLineBeginning(self) -> None:
        self._blank(self.y, 0, self.x + 1)

    def eraseDisplay(self) -> None:
        self.lines = [self._emptyLine(self.width) for _ in range(self.height)]

    def eraseToDisplayEnd(self) -> None:
        self.eraseToLineEnd()
        for y in range(self.y + 1, self.height):
            self.lines[y] = self._emptyLine(self.width)

    def eraseToDisplayBeginning(self) -> None:
        self.eraseToLineBeginning()
        for y in range(self.y):
            self.lines[y] = self._emptyLine(self.width)

    def deleteCharacter(self, n: int = 1) -> None:
        line = self.lines[self.y]
        del line[self.x:self.x + n]
        line.extend(self._emptyLine(self.width - len(line)))

    def insertLine(self, n: int = 1) -> None:
        self.lines[self.y:self.y] = [self._emptyLine(self.width) for _ in range(n)]
        del self.lines[self.height:]

    def deleteLine(self, n: int = 1) -> None:
        del self.lines[self.y:self.y + n]
        self.lines.extend(self._emptyLine(self.width) for _ in range(self.height - len(self.lines)))

    def reportCursorPosition(self) -> tuple[int, int]:
        return (self.x, self.y)

    def reset(self) -> None:
        """Clear the screen and every mode, cursor home."""
        self.home = insults.Vector(0, 0)
        self.x = self.y = 0
        self.modes: dict[int, bool] = {}
        self.numericKeypad = "app"
        self.privateModes: dict[int, bool] = {insults.privateModes.AUTO_WRAP: True,
                                              insults.privateModes.CURSOR_MODE: True}
        self.charsets = {insults.G0: insults.CS_US, insults.G1: insults.CS_US,
                         insults.G2: insults.CS_ALTERNATE,
                         insults.G3: insults.CS_ALTERNATE_SPECIAL}
        self.activeCharset = self._shiftedFrom = insults.G0
        self.graphicRendition = _defaultRendition()
        self.eraseDisplay()

    def unhandledControlSequence(self, buf: bytes) -> None:
        """Ignored."""

    def __bytes__(self) -> bytes:
        rows = []
        for line in self.lines:
            end = len(line)
            while end and line[end - 1][0] is self.void:
                end -= 1
            rows.append(b"".join(self.fill if ch is self.void else ch
                                 for ch, _ in line[:end]))
        return b"\n".join(rows)

    def __str__(self) -> str:
        return bytes(self).decode("latin-1")

    def getHost(self) -> None:
        return None

    def getPeer(self) -> None:
        return None

    def loseConnection(self) -> None:
        """Nothing to close."""

    def writeSequence(self, data: Any) -> None:
        for chunk in data:
            self.write(chunk)

    def horizontalTabulationSet(self) -> None:
        """Tab stops are not kept."""

    def tabulationClear(self) -> None:
        """Tab stops are not kept."""

    def tabulationClearAll(self) -> None:
        """Tab stops are not kept."""

    def doubleHeightLine(self, top: bool = True) -> None:
        """Line sizes are not kept."""

    def singleWidthLine(self) -> None:
        """Line sizes are not kept."""

    def doubleWidthLine(self) -> None:
        """Line sizes are not kept."""


class ExpectationTimeout(Exception):
    """``expect`` timed out."""


class ExpectableBuffer(TerminalBuffer):
    """A ``TerminalBuffer`` whose ``expect(pattern)`` fires with the match object once the
    screen's text (``bytes(self)``), from the end of the last match on, matches ``pattern``.

    The match is made on that part of the screen, so its positions count from the end of
    the previous match; moving the cursor home starts the search at the top of the screen
    again. The screen is searched at each ``write`` and when ``expect`` is called.
    """

    _mark = 0

    def connectionMade(self) -> None:
        super().connectionMade()
        self._expecting: list[tuple[re.Pattern[bytes], defer.Deferred[re.Match[bytes]],
                                    Any]] = []

    def write(self, data: bytes) -> None:
        super().write(data)
        self._checkExpected()

    def cursorHome(self) -> None:
        super().cursorHome()
        self._mark = 0

    def _timeoutExpected(self, d: defer.Deferred[Any]) -> None:
        for i, (_, pending, _timer) in enumerate(self._expecting):
            if pending is d:
                del self._expecting[i]
                d.errback(ExpectationTimeout())
                # The expectations queued behind it may already be met.
                self._checkExpected()
                return

    def _checkExpected(self) -> None:
        while self._expecting:
            pattern, d, timer = self._expecting[0]
            match = pattern.search(bytes(self)[self._mark :])
            if match is None:
                return
            del self._expecting[0]
            self._mark += match.end()
            if timer is not None and timer.active():
                timer.cancel()
            d.callback(match)

    def expect(self, expression: bytes | str, timeout: float | None = None,
               scheduler: Any = None) -> defer.Deferred[re.Match[bytes]]:
        """A Deferred of the match of ``expression`` in what is written from now on (or
        already waiting), failing with ``ExpectationTimeout`` after ``timeout`` seconds on
        ``scheduler`` (the reactor unless given)."""
        pattern = re.compile(expression.encode() if isinstance(expression, str) else expression)
        d: defer.Deferred[re.Match[bytes]] = defer.Deferred()
        timer = None
        if timeout is not None:
            if scheduler is None:
                from twistio.internet import reactor as scheduler
            timer = scheduler.callLater(timeout, self._timeoutExpected, d)
        self._expecting.append((pattern, d, timer))
        self._checkExpected()
        return d
