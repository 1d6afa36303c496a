"""VT102 terminals: ``ServerProtocol`` (the program's side) and ``ClientProtocol`` (the
terminal's side).

``ServerProtocol`` sits between a byte transport (a telnet or SSH session) and an
``ITerminalProtocol``: the keys the user types arrive as ``keystrokeReceived(key, modifier)``,
where ``key`` is one byte (``b'a'``, ``b'\\r'``, ``b'\\x7f'``) or a function-key constant
(``ServerProtocol.UP_ARROW``, ``F1`` ...), and ``modifier`` is None or ``ALT``/``SHIFT``;
escape sequences it does not know go to ``unhandledControlSequence``. It is the terminal
protocol's ``ITerminalTransport``: ``cursorUp``, ``eraseLine``, ``selectGraphicRendition``...
write the VT102 sequences.

``ClientProtocol`` parses what a program writes and calls the matching ``ITerminalTransport``
method of its ``terminal`` (a ``helper.TerminalBuffer``, say).

Input escape sequences are at most 256 bytes: a longer one goes to
``unhandledControlSequence`` as it stands (Conch buffers without a limit).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from twistio.internet import defer
from twistio.internet import protocol as _protocol
from twistio.internet.interfaces import Interface, ITransport, implementer
from twistio.python.failure import Failure

__all__ = [
    "BLINK",
    "BOLD",
    "CS_ALTERNATE",
    "CS_ALTERNATE_SPECIAL",
    "CS_DRAWING",
    "CS_UK",
    "CS_US",
    "G0",
    "G1",
    "NORMAL",
    "REVERSE_VIDEO",
    "UNDERLINE",
    "ClientProtocol",
    "ITerminalProtocol",
    "ITerminalTransport",
    "ServerProtocol",
    "TerminalProtocol",
    "modes",
    "privateModes",
]

_log = logging.getLogger("twistio.conch.insults")

# The longest input escape sequence kept before it is given up as unhandled.
_MAX_SEQUENCE = 256


def log(s: object) -> None:
    """Debug output of the terminal machinery (to the ``twistio.conch.insults`` logger)."""
    _log.debug("%s", s)


class ITerminalProtocol(Interface, Protocol):
    """What runs on a terminal: it gets keystrokes and the window size."""

    def makeConnection(self, transport: Any) -> None:
        """``transport`` (an ``ITerminalTransport``) is the terminal."""

    def keystrokeReceived(self, keyID: bytes, modifier: bytes | None) -> None:
        """A key: one byte or a function-key constant; ``modifier`` is None, ALT or SHIFT."""

    def terminalSize(self, width: int, height: int) -> None:
        """The terminal is ``width`` columns by ``height`` lines."""

    def unhandledControlSequence(self, seq: bytes) -> None:
        """An escape sequence from the terminal that is not a key."""

    def connectionLost(self, reason: Failure) -> None:
        """The terminal went away."""


class ITerminalTransport(ITransport, Protocol):
    """A VT102 terminal to draw on."""

    def cursorUp(self, n: int = 1) -> None:
        """Move the cursor up ``n`` lines."""

    def cursorDown(self, n: int = 1) -> None:
        """Move the cursor down ``n`` lines."""

    def cursorForward(self, n: int = 1) -> None:
        """Move the cursor right ``n`` columns."""

    def cursorBackward(self, n: int = 1) -> None:
        """Move the cursor left ``n`` columns."""

    def cursorPosition(self, column: int, line: int) -> None:
        """Move the cursor to ``column``, ``line`` (from 0)."""

    def cursorHome(self) -> None:
        """Move the cursor to the top left corner."""

    def index(self) -> None:
        """Move the cursor down a line, scrolling at the bottom."""

    def reverseIndex(self) -> None:
        """Move the cursor up a line, scrolling at the top."""

    def nextLine(self) -> None:
        """Move the cursor to the start of the next line."""

    def saveCursor(self) -> None:
        """Remember the cursor position."""

    def restoreCursor(self) -> None:
        """Go back to the remembered cursor position."""

    def setModes(self, modes: Iterable[int]) -> None:
        """Set ANSI modes (``insults.modes``)."""

    def resetModes(self, mode: Iterable[int]) -> None:
        """Reset ANSI modes."""

    def setPrivateModes(self, modes: Iterable[int]) -> None:
        """Set DEC private modes (``insults.privateModes``)."""

    def resetPrivateModes(self, modes: Iterable[int]) -> None:
        """Reset DEC private modes."""

    def applicationKeypadMode(self) -> None:
        """The keypad sends application sequences."""

    def numericKeypadMode(self) -> None:
        """The keypad sends digits."""

    def selectCharacterSet(self, charSet: bytes, which: bytes) -> None:
        """Make ``charSet`` (``CS_US``, ``CS_DRAWING`` ...) the ``G0`` or ``G1`` set."""

    def shiftIn(self) -> None:
        """Use the G0 set."""

    def shiftOut(self) -> None:
        """Use the G1 set."""

    def singleShift2(self) -> None:
        """The next character comes from G2."""

    def singleShift3(self) -> None:
        """The next character comes from G3."""

    def selectGraphicRendition(self, *attributes: Any) -> None:
        """Set character attributes (``BOLD``, ``UNDERLINE``, colours 30-47 ...)."""

    def horizontalTabulationSet(self) -> None:
        """Set a tab stop at the cursor."""

    def tabulationClear(self) -> None:
        """Clear the tab stop at the cursor."""

    def tabulationClearAll(self) -> None:
        """Clear every tab stop."""

    def doubleHeightLine(self, top: bool = True) -> None:
        """Make this line the top (or bottom) half of a double-height line."""

    def singleWidthLine(self) -> None:
        """Make this line single width."""

    def doubleWidthLine(self) -> None:
        """Make this line double width."""

    def eraseToLineEnd(self) -> None:
        """Erase from the cursor to the end of the line."""

    def eraseToLineBeginning(self) -> None:
        """Erase from the start of the line to the cursor."""

    def eraseLine(self) -> None:
        """Erase the whole line."""

    def eraseToDisplayEnd(self) -> None:
        """Erase from the cursor to the end of the screen."""

    def eraseToDisplayBeginning(self) -> None:
        """Erase from the top of the screen to the cursor."""

    def eraseDisplay(self) -> None:
        """Erase the whole screen."""

    def deleteCharacter(self, n: int = 1) -> None:
        """Delete ``n`` characters at the cursor."""

    def insertLine(self, n: int = 1) -> None:
        """Insert ``n`` blank lines at the cursor."""

    def deleteLine(self, n: int = 1) -> None:
        """Delete ``n`` lines at the cursor."""

    def reportCursorPosition(self) -> Any:
        """Ask where the cursor is: a Deferred of (column, line)."""

    def reset(self) -> None:
        """Reset the terminal."""

    def unhandledControlSequence(self, seq: bytes) -> None:
        """An escape sequence the terminal does not know."""


CSI = b"\x1b"
CST = {b"~": b"tilde"}


# Graphic renditions (SGR codes).
NORMAL, BOLD, UNDERLINE, BLINK, REVERSE_VIDEO = 0, 1, 4, 5, 7

# The four character set slots, and the sets that go in them.
G0, G1, G2, G3 = b"G0", b"G1", b"G2", b"G3"
CS_US, CS_UK, CS_DRAWING = b"CS_US", b"CS_UK", b"CS_DRAWING"
CS_ALTERNATE, CS_ALTERNATE_SPECIAL = b"CS_ALTERNATE", b"CS_ALTERNATE_SPECIAL"


class modes:
    """ANSI modes for ``setModes``/``resetModes``."""

    KEYBOARD_ACTION = KAM = 2
    INSERTION_REPLACEMENT = IRM = 4
    LINEFEED_NEWLINE = LNM = 20


class privateModes:
    """DEC private modes for ``setPrivateModes``/``resetPrivateModes``."""

    # The VT100 set runs 0 to 8 (DECCKM, DECANM, DECCOLM, DECSCLM, DECSCNM, DECOM, DECAWM,
    # DECARM after the error slot); the VT220 adds the printer pair and cursor visibility.
    (ERROR, CURSOR_KEY, ANSI_VT52, COLUMN, SCROLL, SCREEN, ORIGIN, AUTO_WRAP,
     AUTO_REPEAT) = range(9)
    PRINTER_FORM_FEED, PRINTER_EXTENT, CURSOR_MODE = 18, 19, 25


_KEY_NAMES = (
    "UP_ARROW", "DOWN_ARROW", "RIGHT_ARROW", "LEFT_ARROW", "HOME", "INSERT", "DELETE", "END",
    "PGUP", "PGDN", "NUMPAD_MIDDLE", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9",
    "F10", "F11", "F12", "ALT", "SHIFT", "CONTROL",
)
FUNCTION_KEYS = [f"[{key}]".encode("ascii") for key in _KEY_NAMES]
# Conch leaves these two behind at module level; kept for code that reads them.
name = _KEY_NAMES[-1]
const = FUNCTION_KEYS[-1]

_CHARSET_CODES = {CS_UK: b"A", CS_US: b"B", CS_DRAWING: b"0", CS_ALTERNATE: b"1",
                  CS_ALTERNATE_SPECIAL: b"2"}
_CHARSET_NAMES = {code: charset for charset, code in _CHARSET_CODES.items()}
_SLOTS = {G0: b"(", G1: b")"}


class Vector:
    """A column and line pair (``x``, ``y``)."""

    def __init__(self, x: int, y: int) -> None:
        self.x = x
        self.y = y


class TerminalProtocol:
    """A base ``ITerminalProtocol``: keeps its terminal in ``self.terminal``."""

    terminal: Any

    def makeConnection(self, terminal: Any) -> None:
        self.terminal = terminal
        self.connectionMade()

    def connectionMade(self) -> None:
        """The terminal is attached (override)."""

    def keystrokeReceived(self, keyID: bytes, modifier: bytes | None) -> None:
        """A key was pressed (override)."""

    def terminalSize(self, width: int, height: int) -> None:
        """The window size changed (override)."""

    def unhandledControlSequence(self, seq: bytes) -> None:
        """An escape sequence that is not a key (override)."""

    def connectionLost(self, reason: Failure) -> None:
        """The terminal went away (override)."""


implementer(ITerminalProtocol)(TerminalProtocol)

# Sequences after ESC [ that name one key, and numbered ones ending in ~.
_BRACKET_KEYS = {b"A": "UP_ARROW", b"B": "DOWN_ARROW", b"C": "RIGHT_ARROW", b"D": "LEFT_ARROW",
                 b"E": "NUMPAD_MIDDLE", b"F": "END", b"H": "HOME"}
_TILDE_KEYS = {b"1": "HOME", b"2": "INSERT", b"3": "DELETE", b"4": "END", b"5": "PGUP",
               b"6": "PGDN", b"15": "F5", b"17": "F6", b"18": "F7", b"19": "F8", b"20": "F9",
               b"21": "F10", b"23": "F11", b"24": "F12"}
# The C0 controls a client terminal acts on (looked up by name only when they arrive).
_CONTROL_CALLS = {0x08: "cursorBackward", 0x14: "shiftOut", 0x15: "shiftIn"}

_LOW_FUNCTION_KEYS = {b"P": "F1", b"Q": "F2", b"R": "F3", b"S": "F4"}
_ESC, _LBRACKET, _O = 0x1B, ord("["), ord("O")


def _isFinal(byte: int) -> bool:
    """Whether ``byte`` ends an ``ESC [`` sequence (a letter or ``~``)."""
    return 65 <= byte <= 90 or 97 <= byte <= 122 or byte == 126


def _number(text: bytes) -> int | None:
    return int(text) if text.isdigit() else None


@implementer(ITerminalTransport)
class ServerProtocol(_protocol.Protocol):
    """The program's side of a terminal, carrying an ``ITerminalProtocol``.

    ``cursorPos`` follows the relative cursor moves (bounded by ``termSize``, 80x24 unless
    changed); ``lastWrite`` is the last non-empty data written.
    """

    # The keys handed to ``keystrokeReceived``: two plain bytes, then the function keys.
    TAB, BACKSPACE = b"\t", b"\x7f"
    UP_ARROW, DOWN_ARROW, RIGHT_ARROW, LEFT_ARROW = FUNCTION_KEYS[0:4]
    HOME, INSERT, DELETE, END, PGUP, PGDN, NUMPAD_MIDDLE = FUNCTION_KEYS[4:11]
    F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12 = FUNCTION_KEYS[11:23]
    ALT, SHIFT, CONTROL = FUNCTION_KEYS[23:26]

    # What is there before (or without) a connection.
    factory: Any = None
    protocolFactory: Callable[..., Any] | None = None
    terminalProtocol: Any = None
    state, lastWrite = b"data", b""
    termSize, cursorPos = Vector(80, 24), Vector(0, 0)
    scrollRegion = None

    def __init__(self, protocolFactory: Callable[..., Any] | None = None, *a: Any,
                 **kw: Any) -> None:
        if protocolFactory is not None:
            self.protocolFactory = protocolFactory
        self.protocolArgs = a
        self.protocolKwArgs = kw
        self._cursorReports: deque[defer.Deferred[tuple[int, int]]] = deque()
        self._sequence = bytearray()
        # Per connection (Conch shares one cursor between all its ServerProtocols).
        self.termSize = Vector(80, 24)
        self.cursorPos = Vector(0, 0)

    def getHost(self) -> Any:
        return self.transport.getHost()

    def getPeer(self) -> Any:
        return self.transport.getPeer()

    def connectionMade(self) -> None:
        if self.protocolFactory is None:
            return
        self.terminalProtocol = self.protocolFactory(*self.protocolArgs, **self.protocolKwArgs)
        self.terminalProtocol.factory = self.factory
        self.terminalProtocol.makeConnection(self)

    # Input: keys and escape sequences from the terminal.

    def dataReceived(self, data: bytes) -> None:
        """Turn the terminal's bytes into keystrokes."""
        for byte in data:
            state = self.state
            if state == b"data":
                if byte == _ESC:
                    self.state = b"escaped"
                else:
                    self.terminalProtocol.keystrokeReceived(bytes((byte,)), None)
            elif state == b"escaped":
                if byte == _LBRACKET:
                    self.state = b"bracket-escaped"
                    self._sequence.clear()
                elif byte == _O:
                    self.state = b"low-function-escaped"
                else:
                    self.state = b"data"
                    self.terminalProtocol.keystrokeReceived(bytes((byte,)), self.ALT)
            elif state == b"bracket-escaped":
                if byte == _O:
                    self.state = b"low-function-escaped"
                elif _isFinal(byte):
                    self.state = b"data"
                    self._bracketSequence(bytes(self._sequence), bytes((byte,)))
                elif len(self._sequence) >= _MAX_SEQUENCE:
                    self.state = b"data"
                    self.terminalProtocol.unhandledControlSequence(
                        b"\x1b[" + bytes(self._sequence) + bytes((byte,)))
                else:
                    self._sequence.append(byte)
            else:  # low-function-escaped
                self.state = b"data"
                key = _LOW_FUNCTION_KEYS.get(bytes((byte,)))
                if key is None:
                    self.terminalProtocol.unhandledControlSequence(b"\x1b[O" + bytes((byte,)))
                else:
                    self.terminalProtocol.keystrokeReceived(getattr(self, key), None)

    def _bracketSequence(self, params: bytes, final: bytes) -> None:
        terminal = self.terminalProtocol
        if final == b"~":
            key = _TILDE_KEYS.get(params)
        elif params:
            key = None
        elif final == b"Z":
            terminal.keystrokeReceived(self.TAB, self.SHIFT)
            return
        else:
            key = _BRACKET_KEYS.get(final)
        if key is not None:
            terminal.keystrokeReceived(getattr(self, key), None)
            return
        if final == b"R" and self._cursorReports:
            row, _, column = params.partition(b";")
            line, col = _number(row), _number(column)
            if line is not None and col is not None:
                self._cursorReports.popleft().callback((col - 1, line - 1))
                return
        terminal.unhandledControlSequence(b"\x1b[" + params + final)

    def unhandledControlSequence(self, buf: bytes) -> None:
        self.terminalProtocol.unhandledControlSequence(buf)

    # Output: ITerminalTransport.

    def _csi(self, body: str) -> None:
        self.write(b"\x1b[" + body.encode("ascii"))

    @staticmethod
    def _count(n: int) -> int:
        if n < 1:
            raise ValueError(f"a count must be at least 1, not {n}")
        return n

    def cursorUp(self, n: int = 1) -> None:
        self.cursorPos.y = max(self.cursorPos.y - self._count(n), 0)
        self._csi(f"{n}A")

    def cursorDown(self, n: int = 1) -> None:
        self.cursorPos.y = min(self.cursorPos.y + self._count(n), self.termSize.y - 1)
        self._csi(f"{n}B")

    def cursorForward(self, n: int = 1) -> None:
        self.cursorPos.x = min(self.cursorPos.x + self._count(n), self.termSize.x - 1)
        self._csi(f"{n}C")

    def cursorBackward(self, n: int = 1) -> None:
        self.cursorPos.x = max(self.cursorPos.x - self._count(n), 0)
        self._csi(f"{n}D")

    def cursorPosition(self, column: int, line: int) -> None:
        """Move to ``column``, ``line`` (from 0); ``cursorPos`` is left as it was, as in
        Conch."""
        self._csi(f"{line + 1};{column + 1}H")

    def cursorHome(self) -> None:
        self.cursorPos.x = self.cursorPos.y = 0
        self._csi("H")

    def index(self) -> None:
        self.cursorPos.y = min(self.cursorPos.y + 1, self.termSize.y - 1)
        self.write(b"\x1bD")

    def reverseIndex(self) -> None:
        self.cursorPos.y = max(self.cursorPos.y - 1, 0)
        self.write(b"\x1bM")

    def nextLine(self) -> None:
        self.cursorPos.x = 0
        self.cursorPos.y = min(self.cursorPos.y + 1, self.termSize.y - 1)
        self.write(b"\n")

    def saveCursor(self) -> None:
        self._savedCursorPos = Vector(self.cursorPos.x, self.cursorPos.y)
        self.write(b"\x1b7")

    def restoreCursor(self) -> None:
        """Go back to the saved position (home when none was saved; Conch raises)."""
        saved = getattr(self, "_savedCursorPos", None) or Vector(0, 0)
        self.cursorPos = Vector(saved.x, saved.y)
        self.write(b"\x1b8")

    @staticmethod
    def _modeList(modes: Iterable[Any]) -> str:
        return ";".join(str(m) for m in modes)

    def setModes(self, modes: Iterable[int]) -> None:
        self._csi(self._modeList(modes) + "h")

    def setPrivateModes(self, modes: Iterable[int]) -> None:
        self._csi("?" + self._modeList(modes) + "h")

    def resetModes(self, modes: Iterable[int]) -> None:
        self._csi(self._modeList(modes) + "l")

    def resetPrivateModes(self, modes: Iterable[int]) -> None:
        self._csi("?" + self._modeList(modes) + "l")

    def applicationKeypadMode(self) -> None:
        self.write(b"\x1b=")

    def numericKeypadMode(self) -> None:
        self.write(b"\x1b>")

    def selectCharacterSet(self, charSet: bytes, which: bytes) -> None:
        slot = _SLOTS.get(which)
        if slot is None:
            raise ValueError("`which' argument to selectCharacterSet must be G0 or G1")
        code = _CHARSET_CODES.get(charSet)
        if code is None:
            raise ValueError("Invalid `charSet' argument to selectCharacterSet")
        self.write(b"\x1b" + slot + code)

    def shiftIn(self) -> None:
        self.write(b"\x15")

    def shiftOut(self) -> None:
        self.write(b"\x14")

    def singleShift2(self) -> None:
        self.write(b"\x1bN")

    def singleShift3(self) -> None:
        self.write(b"\x1bO")

    def selectGraphicRendition(self, *attributes: Any) -> None:
        """Set attributes: strings like ``'1'``, ``'31'`` (bytes and ints work too)."""
        parts = [a.decode("ascii") if isinstance(a, bytes) else str(a) for a in attributes]
        self._csi(";".join(parts) + "m")

    def horizontalTabulationSet(self) -> None:
        self.write(b"\x1bH")

    def tabulationClear(self) -> None:
        self._csi("q")

    def tabulationClearAll(self) -> None:
        self._csi("3q")

    def doubleHeightLine(self, top: bool = True) -> None:
        self.write(b"\x1b#3" if top else b"\x1b#4")

    def singleWidthLine(self) -> None:
        self.write(b"\x1b#5")

    def doubleWidthLine(self) -> None:
        self.write(b"\x1b#6")

    def eraseToLineEnd(self) -> None:
        self._csi("K")

    def eraseToLineBeginning(self) -> None:
        self._csi("1K")

    def eraseLine(self) -> None:
        self._csi("2K")

    def eraseToDisplayEnd(self) -> None:
        self._csi("J")

    def eraseToDisplayBeginning(self) -> None:
        self._csi("1J")

    def eraseDisplay(self) -> None:
        self._csi("2J")

    def deleteCharacter(self, n: int = 1) -> None:
        self._csi(f"{n}P")

    def insertLine(self, n: int = 1) -> None:
        self._csi(f"{n}L")

    def deleteLine(self, n: int = 1) -> None:
        self._csi(f"{n}M")

    def setScrollRegion(self, first: int | None = None, last: int | None = None) -> None:
        top = "" if first is None else str(first)
        bottom = "" if last is None else str(last)
        self._csi(f"{top};{bottom}r")

    def resetScrollRegion(self) -> None:
        self.setScrollRegion()

    def reportCursorPosition(self) -> defer.Deferred[tuple[int, int]]:
        """Ask the terminal where the cursor is: a Deferred of (column, line) from 0."""
        d: defer.Deferred[tuple[int, int]] = defer.Deferred()
        self._cursorReports.append(d)
        self._csi("6n")
        return d

    def reset(self) -> None:
        self.cursorPos = Vector(0, 0)
        self.__dict__.pop("_savedCursorPos", None)
        self.write(b"\x1bc")

    def write(self, data: bytes) -> None:
        """Write to the terminal, ``\\n`` as ``\\r\\n``."""
        if data:
            self.lastWrite = data
            self.transport.write(data.replace(b"\n", b"\r\n"))

    def writeSequence(self, data: Iterable[bytes]) -> None:
        self.write(b"".join(data))

    def loseConnection(self) -> None:
        self.reset()
        self.transport.loseConnection()

    def connectionLost(self, reason: Failure | None = None) -> None:
        proto, self.terminalProtocol = self.terminalProtocol, None
        if proto is not None:
            proto.connectionLost(reason)


# ClientProtocol: what ESC and ESC [ sequences mean to a terminal.
_SHORT_CALLS = {b"D": "index", b"M": "reverseIndex", b"E": "nextLine", b"7": "saveCursor",
                b"8": "restoreCursor", b"=": "applicationKeypadMode",
                b">": "numericKeypadMode", b"N": "singleShift2", b"O": "singleShift3",
                b"H": "horizontalTabulationSet", b"c": "reset"}
_LONG_STATES = {b"[": b"bracket-escape", b"(": b"select-g0", b")": b"select-g1",
                b"#": b"select-height-width"}
_COUNTED = {b"A": "cursorUp", b"B": "cursorDown", b"C": "cursorForward",
            b"D": "cursorBackward", b"P": "deleteCharacter", b"L": "insertLine",
            b"M": "deleteLine"}
_ERASE = {(b"K", b""): "eraseToLineEnd", (b"K", b"1"): "eraseToLineBeginning",
          (b"K", b"2"): "eraseLine", (b"J", b""): "eraseToDisplayEnd",
          (b"J", b"1"): "eraseToDisplayBeginning", (b"J", b"2"): "eraseDisplay"}
_HEIGHT_WIDTH = {b"3": ("doubleHeightLine", (True,)), b"4": ("doubleHeightLine", (False,)),
                 b"5": ("singleWidthLine", ()), b"6": ("doubleWidthLine", ())}


class ClientProtocol(_protocol.Protocol):
    """The terminal's side: parses a program's output into calls on ``terminal``.

    ``terminal`` is built by ``terminalFactory(*a, **kw)`` and attached with
    ``makeConnection(self)``. Plain text goes to ``terminal.write``; unknown sequences to
    ``terminal.unhandledControlSequence``. Where Conch's parser fails (``ESC [ ? ... l``,
    ``ESC [ line ; column H``), twistio calls ``resetPrivateModes``/``setPrivateModes`` and
    ``cursorPosition``.
    """

    terminalFactory: Callable[..., Any] | None = None
    terminal: Any = None
    state = b"data"
    factory: Any = None

    def __init__(self, terminalFactory: Callable[..., Any] | None = None, *a: Any,
                 **kw: Any) -> None:
        if terminalFactory is not None:
            self.terminalFactory = terminalFactory
        self.terminalArgs = a
        self.terminalKwArgs = kw
        self._escBuf = bytearray()

    def connectionMade(self) -> None:
        if self.terminalFactory is None:
            return
        self.terminal = self.terminalFactory(*self.terminalArgs, **self.terminalKwArgs)
        if self.factory is not None:
            self.terminal.factory = self.factory
        self.terminal.makeConnection(self)

    def connectionLost(self, reason: Failure | None = None) -> None:
        terminal, self.terminal = self.terminal, None
        if terminal is not None:
            terminal.connectionLost(reason)

    def dataReceived(self, data: bytes) -> None:
        """Draw ``data``: runs of text to ``write``, sequences to their methods."""
        terminal = self.terminal
        text = bytearray()
        for byte in data:
            ch = bytes((byte,))
            state = self.state
            if state == b"data":
                if byte == _ESC or byte in (0x08, 0x14, 0x15):
                    if text:
                        terminal.write(bytes(text))
                        text.clear()
                    if byte == _ESC:
                        self.state = b"escaped"
                    else:
                        getattr(terminal, _CONTROL_CALLS[byte])()
                else:
                    text.append(byte)
            elif state == b"escaped":
                self.state = b"data"
                call = _SHORT_CALLS.get(ch)
                if call is not None:
                    getattr(terminal, call)()
                elif ch in _LONG_STATES:
                    self.state = _LONG_STATES[ch]
                    self._escBuf.clear()
                else:
                    terminal.unhandledControlSequence(b"\x1b" + ch)
            elif state in (b"select-g0", b"select-g1"):
                self.state = b"data"
                terminal.selectCharacterSet(_CHARSET_NAMES.get(ch, ch),
                                            G0 if state == b"select-g0" else G1)
            elif state == b"select-height-width":
                self.state = b"data"
                found = _HEIGHT_WIDTH.get(ch)
                if found is None:
                    terminal.unhandledControlSequence(b"\x1b#" + ch)
                else:
                    getattr(terminal, found[0])(*found[1])
            else:  # bracket-escape
                if _isFinal(byte):
                    self.state = b"data"
                    self._bracket(terminal, bytes(self._escBuf), ch)
                elif len(self._escBuf) >= _MAX_SEQUENCE:
                    self.state = b"data"
                    terminal.unhandledControlSequence(b"\x1b[" + bytes(self._escBuf) + ch)
                else:
                    self._escBuf.append(byte)
        if text:
            terminal.write(bytes(text))

    def _bracket(self, terminal: Any, params: bytes, final: bytes) -> None:
        unhandled = b"\x1b[" + params + final
        if final in _COUNTED:
            n = _number(params) if params else 1
            if n is None:
                terminal.unhandledControlSequence(unhandled)
            else:
                getattr(terminal, _COUNTED[final])(n)
        elif final in (b"K", b"J"):
            erase = _ERASE.get((final, params))
            if erase is None:
                terminal.unhandledControlSequence(unhandled)
            else:
                getattr(terminal, erase)()
        elif final == b"H":
            self._position(terminal, params, unhandled)
        elif final in (b"h", b"l"):
            private = params.startswith(b"?")
            numbers = [_number(p) for p in params.lstrip(b"?").split(b";")]
            if None in numbers:
                terminal.unhandledControlSequence(unhandled)
                return
            name = ("set" if final == b"h" else "reset") + ("PrivateModes" if private else
                                                           "Modes")
            getattr(terminal, name)(numbers)
        elif final == b"r":
            parts = params.split(b";")
            if len(parts) != 2:
                terminal.setScrollRegion(None, None)
                return
            terminal.setScrollRegion(*(_number(p) for p in parts))
        elif final == b"m":
            values = [_number(p) if p else 0 for p in (params.split(b";") if params else [b"0"])]
            if None in values:
                terminal.unhandledControlSequence(unhandled)
            else:
                terminal.selectGraphicRendition(*values)
        elif final == b"n" and params == b"6":
            x, y = terminal.reportCursorPosition()
            self.transport.write(b"\x1b[%d;%dR" % (y + 1, x + 1))
        else:
            terminal.unhandledControlSequence(unhandled)

    @staticmethod
    def _position(terminal: Any, params: bytes, unhandled: bytes) -> None:
        if not params:
            terminal.cursorHome()
            return
        row, _, column = params.partition(b";")
        line = _number(row) if row else 1
        col = _number(column) if column else 1
        if line is None or col is None:
            terminal.unhandledControlSequence(unhandled)
        else:
            terminal.cursorPosition(max(col - 1, 0), max(line - 1, 0))
