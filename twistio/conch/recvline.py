"""Line editing on an insults terminal: ``RecvLine`` (a prompt, cursor keys, insert and
typeover, backspace, delete, tab) and ``HistoricRecvLine`` (plus history on the up and down
arrows). Override ``lineReceived``.
"""

from __future__ import annotations

import itertools
import logging
import os
import string
from collections.abc import Callable
from typing import Any

from twistio.conch.insults import helper, insults
from twistio.internet.interfaces import implementer

__all__ = ["HistoricRecvLine", "LocalTerminalBufferMixin", "Logging", "RecvLine",
           "TransportSequence"]

_log = logging.getLogger("twistio.conch.recvline")


class Logging:
    """Wraps an object and appends the name of each attribute read from it to a file in the
    current directory, named after the object's class (``module.Class-N``)."""

    def __init__(self, original: Any) -> None:
        cls = type(original)
        stem = f"{cls.__module__}.{cls.__qualname__}"
        for i in itertools.count():
            path = f"{stem}-{i}"
            if not os.path.exists(path):
                break
        object.__setattr__(self, "original", original)
        object.__setattr__(self, "_logFile", open(path, "w"))  # noqa: SIM115

    def __getattribute__(self, name: str) -> Any:
        logFile = object.__getattribute__(self, "_logFile")
        logFile.write(name + "\n")
        logFile.flush()
        return getattr(object.__getattribute__(self, "original"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(object.__getattribute__(self, "original"), name, value)

    def __repr__(self) -> str:
        return repr(object.__getattribute__(self, "original"))

    def __str__(self) -> str:
        return str(object.__getattribute__(self, "original"))

    def __del__(self) -> None:
        object.__getattribute__(self, "_logFile").close()


_TERMINAL_METHODS = [
    "cursorUp", "cursorDown", "cursorForward", "cursorBackward", "cursorPosition",
    "cursorHome", "index", "reverseIndex", "nextLine", "saveCursor", "restoreCursor",
    "setModes", "resetModes", "setPrivateModes", "resetPrivateModes",
    "applicationKeypadMode", "numericKeypadMode", "selectCharacterSet", "shiftIn",
    "shiftOut", "singleShift2", "singleShift3", "selectGraphicRendition",
    "horizontalTabulationSet", "tabulationClear", "tabulationClearAll", "doubleHeightLine",
    "singleWidthLine", "doubleWidthLine", "eraseToLineEnd", "eraseToLineBeginning",
    "eraseLine", "eraseToDisplayEnd", "eraseToDisplayBeginning", "eraseDisplay",
    "deleteCharacter", "insertLine", "deleteLine", "reportCursorPosition", "reset",
    "unhandledControlSequence", "write", "writeSequence", "loseConnection", "getPeer",
    "getHost",
]


def _fanOut(name: str) -> Callable[..., None]:
    def call(self: TransportSequence, *args: Any, **kwargs: Any) -> None:
        for transport in self.transports:
            getattr(transport, name)(*args, **kwargs)

    call.__name__ = name
    call.__doc__ = f"Call ``{name}`` on every transport."
    return call


class TransportSequence:
    """An ``ITerminalTransport`` that repeats every call to several terminals."""

    TAB = insults.ServerProtocol.TAB
    BACKSPACE = insults.ServerProtocol.BACKSPACE

    def __init__(self, *transports: Any) -> None:
        assert transports, "TransportSequence needs at least one transport"
        self.transports = transports


for _name in _TERMINAL_METHODS:
    setattr(TransportSequence, _name, _fanOut(_name))
for _key, _value in zip(insults._KEY_NAMES[:23], insults.FUNCTION_KEYS[:23], strict=True):
    setattr(TransportSequence, _key, _value)
implementer(insults.ITerminalTransport)(TransportSequence)


class LocalTerminalBufferMixin:
    """Keeps a copy of the screen in ``terminalCopy`` (a ``helper.TerminalBuffer``) beside
    the real terminal; ``str(self)`` is that screen."""

    terminalCopy: helper.TerminalBuffer

    def makeConnection(self, transport: Any) -> None:
        self.terminalCopy = helper.TerminalBuffer()
        self.terminalCopy.connectionMade()
        super().makeConnection(TransportSequence(transport, self.terminalCopy))  # type: ignore[misc]

    def __str__(self) -> str:
        return str(self.terminalCopy)


class RecvLine(insults.TerminalProtocol):
    """Reads lines with editing; the prompt is ``ps[pn]``.

    ``lineBuffer`` is the line as a list of one-byte strings, ``lineBufferIndex`` the
    cursor in it, ``mode`` ``'insert'`` or ``'typeover'``; keys not in ``keyHandlers`` are
    typed when printable and ignored otherwise.
    """

    ps = (b">>> ", b"... ")
    pn = 0
    _printableChars = string.printable.encode("ascii")
    TABSTOP = 4
    width, height = 80, 24

    lineBuffer: list[bytes]
    lineBufferIndex: int
    mode: str
    keyHandlers: dict[bytes, Callable[[], Any]]

    def connectionMade(self) -> None:
        self.lineBuffer = []
        self.lineBufferIndex = 0
        t = self.terminal
        # Key -> the name after ``handle_``; a subclass adds to ``keyHandlers``.
        names = {b"\r": "RETURN", b"\n": "RETURN", t.TAB: "TAB", t.BACKSPACE: "BACKSPACE",
                 t.LEFT_ARROW: "LEFT", t.RIGHT_ARROW: "RIGHT"}
        names.update((getattr(t, key), key) for key in ("HOME", "END", "INSERT", "DELETE"))
        self.keyHandlers = {key: getattr(self, "handle_" + name) for key, name in names.items()}
        self.initializeScreen()

    def initializeScreen(self) -> None:
        """Reset the terminal and show the prompt, in insert mode."""
        self.terminal.reset()
        self.terminal.write(self.ps[self.pn])
        self.setInsertMode()

    def currentLineBuffer(self) -> tuple[bytes, bytes]:
        """The line before and after the cursor."""
        line = b"".join(self.lineBuffer)
        return line[:self.lineBufferIndex], line[self.lineBufferIndex:]

    def setInsertMode(self) -> None:
        self.mode = "insert"
        self.terminal.setModes([insults.modes.IRM])

    def setTypeoverMode(self) -> None:
        self.mode = "typeover"
        self.terminal.resetModes([insults.modes.IRM])

    def drawInputLine(self) -> None:
        """Write the prompt and the line."""
        self.terminal.write(self.ps[self.pn] + b"".join(self.lineBuffer))

    def terminalSize(self, width: int, height: int) -> None:
        """Redraw the prompt and the line at the top of the cleared, resized screen."""
        self.width, self.height = width, height
        for step in (self.terminal.eraseDisplay, self.terminal.cursorHome, self.drawInputLine):
            step()

    def unhandledControlSequence(self, seq: bytes) -> None:
        """Ignored."""

    def keystrokeReceived(self, keyID: bytes, modifier: bytes | None) -> None:
        bound = self.keyHandlers.get(keyID)
        if bound is None and keyID not in self._printableChars:
            _log.debug("unhandled key %r", keyID)
        elif bound is None:
            self.characterReceived(keyID, False)
        else:
            bound()

    def characterReceived(self, ch: bytes, moreCharactersComing: bool) -> None:
        """Type ``ch`` at the cursor (inserting or overwriting)."""
        self._putCharacter(ch)
        self.terminal.write(ch)

    def _putCharacter(self, ch: bytes) -> None:
        """Put ``ch`` in the line at the cursor, by the mode, and move past it."""
        i = self.lineBufferIndex
        if self.mode == "insert":
            self.lineBuffer.insert(i, ch)
        else:
            self.lineBuffer[i:i + 1] = [ch]
        self.lineBufferIndex = i + 1

    def handle_TAB(self) -> None:
        """Pad the line with spaces up to the next tab stop."""
        n = self.TABSTOP - (len(self.lineBuffer) % self.TABSTOP)
        self.terminal.cursorForward(n)
        self.lineBufferIndex += n
        self.lineBuffer.extend([b" "] * n)

    def _step(self, by: int) -> None:
        """Move the cursor one place (``by`` is -1 or 1) when that stays within the line."""
        target = self.lineBufferIndex + by
        if 0 <= target <= len(self.lineBuffer):
            self.lineBufferIndex = target
            (self.terminal.cursorForward if by > 0 else self.terminal.cursorBackward)()

    def handle_LEFT(self) -> None:
        self._step(-1)

    def handle_RIGHT(self) -> None:
        self._step(1)

    def handle_HOME(self) -> None:
        if self.lineBufferIndex:
            self.terminal.cursorBackward(self.lineBufferIndex)
            self.lineBufferIndex = 0

    def handle_END(self) -> None:
        remaining = len(self.lineBuffer) - self.lineBufferIndex
        if remaining:
            self.terminal.cursorForward(remaining)
            self.lineBufferIndex = len(self.lineBuffer)

    def handle_BACKSPACE(self) -> None:
        """Remove the character before the cursor (step back onto it, then delete it)."""
        if not self.lineBufferIndex:
            return
        self._step(-1)
        self._removeUnderCursor()

    def handle_DELETE(self) -> None:
        """Remove the character under the cursor, if the cursor is on one."""
        if self.lineBufferIndex < len(self.lineBuffer):
            self._removeUnderCursor()

    def _removeUnderCursor(self) -> None:
        at = self.lineBufferIndex
        self.lineBuffer[at : at + 1] = []
        self.terminal.deleteCharacter()

    def handle_RETURN(self) -> None:
        """Hand the line to ``lineReceived`` on a fresh line, with an empty buffer."""
        entered, self.lineBuffer, self.lineBufferIndex = b"".join(self.lineBuffer), [], 0
        self.terminal.nextLine()
        self.lineReceived(entered)

    def handle_INSERT(self) -> None:
        """Switch between insert and typeover."""
        if self.mode == "insert":
            self.setTypeoverMode()
        else:
            self.setInsertMode()

    def lineReceived(self, line: bytes) -> None:
        """A line was entered (override)."""


class HistoricRecvLine(RecvLine):
    """``RecvLine`` with a history of entered lines on the up and down arrows.

    ``historyLines`` holds the lines, ``historyPosition`` the one shown (its length when
    none is). Going up from a line being typed keeps that line in the history.
    """

    historyLines: list[bytes]
    historyPosition: int

    def connectionMade(self) -> None:
        RecvLine.connectionMade(self)
        self.historyLines = []
        self.historyPosition = 0
        t = self.terminal
        self.keyHandlers.update({t.UP_ARROW: self.handle_UP, t.DOWN_ARROW: self.handle_DOWN})

    def currentHistoryBuffer(self) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
        """The history before and from the current position."""
        lines = tuple(self.historyLines)
        return lines[:self.historyPosition], lines[self.historyPosition:]

    def _deliverBuffer(self, buf: bytes) -> None:
        last = len(buf) - 1
        for i in range(len(buf)):
            self.characterReceived(buf[i:i + 1], i < last)

    def _showHistory(self, position: int) -> None:
        self.handle_HOME()
        self.terminal.eraseToLineEnd()
        self.historyPosition = position
        self.lineBuffer = []
        if position < len(self.historyLines):
            self._deliverBuffer(self.historyLines[position])
        else:
            self.lineBufferIndex = 0

    def handle_UP(self) -> None:
        if self.lineBuffer and self.historyPosition == len(self.historyLines):
            self.historyLines.append(b"".join(self.lineBuffer))
        if self.historyPosition > 0:
            self._showHistory(self.historyPosition - 1)

    def handle_DOWN(self) -> None:
        if self.historyPosition < len(self.historyLines) - 1:
            self._showHistory(self.historyPosition + 1)
        else:
            self._showHistory(len(self.historyLines))

    def handle_RETURN(self) -> None:
        if self.lineBuffer:
            self.historyLines.append(b"".join(self.lineBuffer))
        self.historyPosition = len(self.historyLines)
        RecvLine.handle_RETURN(self)
