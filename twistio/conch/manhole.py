"""A Python prompt on a terminal: ``Manhole`` runs what is typed in a namespace and shows the
results; ``ColoredManhole`` also colours the line as it is typed.

Expressions show their ``repr`` (and become ``_``); what the code prints and its tracebacks
go to the terminal. A Deferred that has not fired yet shows as ``<Deferred #N>``, and when it
fires its result is shown above the prompt: ``Deferred #N called back: ...`` or
``Deferred #N failed: ...``. Ctrl-C drops the line, Ctrl-L redraws the screen, Ctrl-D on an
empty line and Ctrl-\\ close the connection, Ctrl-A and Ctrl-E go home and end.

Anyone who can reach a manhole runs code in your process: serve it only behind a password
(``manhole_tap``) or on a local address.
"""

from __future__ import annotations

import code
import io
import sys
import tokenize
import traceback
from types import TracebackType
from typing import Any

from twistio.conch import recvline
from twistio.internet import defer
from twistio.python.failure import Failure

__all__ = ["ColoredManhole", "FileWrapper", "Manhole", "ManholeInterpreter", "VT102Writer",
           "lastColorizedLine"]

CTRL_A = b"\x01"
CTRL_C = b"\x03"
CTRL_D = b"\x04"
CTRL_E = b"\x05"
CTRL_L = b"\x0c"
CTRL_BACKSLASH = b"\x1c"


class FileWrapper:
    """A write-only file (``sys.stdout`` while code runs) that hands what is written to
    ``o.addOutput``."""

    softspace = 0
    state = "normal"

    def __init__(self, o: Any) -> None:
        self.o = o

    def flush(self) -> None:
        """Nothing is buffered."""

    def write(self, data: str) -> None:
        self.o.addOutput(data.replace("\r\n", "\n"))

    def writelines(self, lines: Any) -> None:
        self.write("".join(lines))


class ManholeInterpreter(code.InteractiveInterpreter):
    """An interactive interpreter whose output goes to ``handler.addOutput``.

    While code runs, ``sys.stdout`` writes to the handler and ``sys.displayhook`` is
    ``self.displayhook``.
    """

    numDeferreds = 0

    def __init__(self, handler: Any, locals: dict[str, Any] | None = None,
                 filename: str = "<console>") -> None:
        super().__init__(locals)
        self._pendingDeferreds: dict[int, tuple[int, defer.Deferred[Any]]] = {}
        self.handler = handler
        self.filename = filename
        self.resetBuffer()

    def resetBuffer(self) -> None:
        """Forget the lines of an unfinished statement."""
        self.buffer: list[str] = []

    def push(self, line: str) -> bool:
        """Add a line; run the statement once complete. True while more lines are needed."""
        self.buffer.append(line)
        more = self.runsource("\n".join(self.buffer), self.filename)
        if not more:
            self.resetBuffer()
        return bool(more)

    def runcode(self, *a: Any, **kw: Any) -> None:
        saved = sys.stdout, sys.displayhook
        sys.stdout, sys.displayhook = FileWrapper(self.handler), self.displayhook
        try:
            code.InteractiveInterpreter.runcode(self, *a, **kw)
        finally:
            sys.stdout, sys.displayhook = saved

    def excepthook(self, excType: type[BaseException], excValue: BaseException,
                   excTraceback: TracebackType | None) -> None:
        """Show an exception as the console does."""
        self.write("".join(traceback.format_exception(excType, excValue, excTraceback)))

    def showtraceback(self) -> None:
        """Show the exception being handled, without the interpreter's own frame, on the
        handler (whatever ``sys.excepthook`` is)."""
        typ, value, tb = sys.exc_info()
        if typ is None or value is None:
            return
        sys.last_type, sys.last_value, sys.last_traceback = typ, value, tb
        shown = tb.tb_next if tb is not None else None
        self.write("".join(traceback.format_exception(typ, value, shown)))

    def displayhook(self, obj: object) -> None:
        """Show ``obj`` (unless None) and keep it as ``_``; watch an unfired Deferred."""
        self.locals["_"] = obj
        if isinstance(obj, defer.Deferred) and not obj.called:
            pending = self._pendingDeferreds.get(id(obj))
            if pending is None:
                number = self.numDeferreds
                self.numDeferreds += 1
                self._pendingDeferreds[id(obj)] = (number, obj)
                obj.addCallbacks(self._cbDisplayDeferred, self._ebDisplayDeferred,
                                 callbackArgs=(number, obj), errbackArgs=(number, obj))
            else:
                number = pending[0]
            self.write(f"<Deferred #{number}>")
        elif obj is not None:
            self.write(repr(obj))

    def _cbDisplayDeferred(self, result: Any, k: int, obj: defer.Deferred[Any]) -> Any:
        self.write(f"Deferred #{k} called back: {result!r}", True)
        self._pendingDeferreds.pop(id(obj), None)
        return result

    def _ebDisplayDeferred(self, failure: Failure, k: int, obj: defer.Deferred[Any]) -> Any:
        self.write(f"Deferred #{k} failed: {failure.getErrorMessage()!r}", True)
        self._pendingDeferreds.pop(id(obj), None)
        return failure

    def write(self, data: str, isAsync: bool | None = None) -> None:
        self.handler.addOutput(data, isAsync)


class Manhole(recvline.HistoricRecvLine):
    """A Python prompt: lines go to a ``ManholeInterpreter`` over a copy of ``namespace``."""

    namespace: dict[str, Any] | None = None

    def __init__(self, namespace: dict[str, Any] | None = None) -> None:
        if namespace is not None:
            self.namespace = namespace.copy()

    def connectionMade(self) -> None:
        recvline.HistoricRecvLine.connectionMade(self)
        self.interpreter = ManholeInterpreter(self, self.namespace)
        self.keyHandlers.update({CTRL_C: self.handle_INT, CTRL_D: self.handle_EOF,
                                 CTRL_L: self.handle_FF, CTRL_A: self.handle_HOME,
                                 CTRL_E: self.handle_END, CTRL_BACKSLASH: self.handle_QUIT})

    def handle_INT(self) -> None:
        """Ctrl-C: drop the line (and any unfinished statement), new prompt."""
        self.terminal.nextLine()
        self.terminal.write(b"KeyboardInterrupt")
        self.terminal.nextLine()
        self.pn = 0
        self.terminal.write(self.ps[self.pn])
        self.lineBuffer = []
        self.lineBufferIndex = 0
        self.interpreter.resetBuffer()

    def handle_EOF(self) -> None:
        """Ctrl-D: close on an empty line, ring the bell otherwise."""
        if self.lineBuffer:
            self.terminal.write(b"\a")
        else:
            self.handle_QUIT()

    def handle_FF(self) -> None:
        """Ctrl-L: clear the screen and redraw the line."""
        self.terminal.eraseDisplay()
        self.terminal.cursorHome()
        self.drawInputLine()

    def handle_QUIT(self) -> None:
        self.terminal.loseConnection()

    def _needsNewline(self) -> bool:
        last = self.terminal.lastWrite
        return not last.endswith(b"\n") and not last.endswith(b"\x1bE")

    def addOutput(self, data: str | bytes, isAsync: bool | None = None) -> None:
        """Show output; asynchronous output goes above the line being typed."""
        raw = data.encode("utf-8", "backslashreplace") if isinstance(data, str) else data
        if not isAsync:
            self.terminal.write(raw)
            return
        # Wipe the prompt line, show the output there, then draw the prompt and whatever
        # was typed so far again below it.
        prompt = self.ps[self.pn]
        self.terminal.eraseLine()
        self.terminal.cursorBackward(len(self.lineBuffer) + len(prompt))
        self.terminal.write(raw)
        if self._needsNewline():
            self.terminal.nextLine()
        self.terminal.write(prompt)
        typed, self.lineBuffer, self.lineBufferIndex = b"".join(self.lineBuffer), [], 0
        if typed:
            self._deliverBuffer(typed)

    def lineReceived(self, line: bytes) -> None:
        more = self.interpreter.push(line.decode("utf-8", "replace"))
        self.pn = 1 if more else 0
        if self._needsNewline():
            self.terminal.nextLine()
        self.terminal.write(self.ps[self.pn])


class VT102Writer:
    """Collects Python tokens with the VT102 colours of their kinds; ``bytes(w)`` is the
    coloured text."""

    typeToColor = {kind: b"\x1b[" + sgr + b"m" for kind, sgr in (
        ("identifier", b"31"), ("keyword", b"32"), ("parameter", b"33"),
        ("variable", b"1;33"), ("string", b"35"), ("number", b"36"), ("op", b"37"))}
    normalColor = b"\x1b[0m"

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def color(self, type: str | None) -> bytes:
        return self.typeToColor.get(type or "", b"")

    def write(self, token: bytes | str, type: str | None = None) -> None:
        """Add ``token`` in the colour of ``type`` (a carriage return is dropped)."""
        if isinstance(token, str):
            token = token.encode("utf-8")
        if not token or token == b"\r":
            return
        colour = self.color(type)
        if colour:
            self.written += (colour, token, self.normalColor)
        else:
            self.written.append(token)

    def __bytes__(self) -> bytes:
        return b"".join(self.written)


def _colorize(source: bytes, writer: VT102Writer) -> None:
    """Write the tokens of ``source`` to ``writer`` with their kinds and the spacing between
    them. A name is a ``variable``, except right after ``def``/``class`` (an
    ``identifier``) and up to the next ``:`` after that (a ``parameter``)."""
    line, column = 1, 0
    afterDefinition = inSignature = False
    for token in tokenize.tokenize(io.BytesIO(source).readline):
        if token.type in (tokenize.ENCODING, tokenize.ENDMARKER):
            continue
        (startLine, startColumn), (endLine, endColumn) = token.start, token.end
        if startLine > line:
            writer.write(b"\n" * (startLine - line))
            line, column = startLine, 0
        writer.write(b" " * (startColumn - column))
        if afterDefinition:
            kind = "identifier"
            inSignature = True
        elif token.type == tokenize.NAME:
            kind = "parameter" if inSignature else "variable"
        else:
            kind = tokenize.tok_name[token.type].lower()
        writer.write(token.string, kind)
        column = endColumn
        line += token.string.count("\n")
        if line != endLine:
            column = 0
        afterDefinition = token.string in ("def", "class")
        if token.string == ":":
            inSignature = False


def lastColorizedLine(source: bytes | str) -> bytes:
    """The last line of ``source`` that is not empty, coloured for a VT102 terminal.

    Raises ``tokenize.TokenError`` while a bracket or string is still open.
    """
    if isinstance(source, str):
        source = source.encode("utf-8")
    writer = VT102Writer()
    _colorize(source, writer)
    return bytes(writer).rstrip(b"\n").split(b"\n")[-1]


class ColoredManhole(Manhole):
    """A ``Manhole`` that redraws the line, coloured, as it is typed."""

    def getSource(self) -> bytes:
        """The unfinished statement so far, with the line being typed."""
        lines = [line.encode("utf-8") for line in self.interpreter.buffer]
        return b"\n".join([*lines, b"".join(self.lineBuffer)])

    def characterReceived(self, ch: bytes, moreCharactersComing: bool) -> None:
        self._putCharacter(ch)
        if moreCharactersComing:
            return
        if ch == b" ":
            self.terminal.write(ch)
            return
        try:
            coloured = lastColorizedLine(self.getSource())
        except tokenize.TokenError:
            self.terminal.write(ch)
            return
        prompt = self.ps[self.pn]
        self.terminal.eraseLine()
        self.terminal.cursorBackward(len(self.lineBuffer) + len(prompt) - 1)
        self.terminal.write(prompt + coloured)
        after = len(self.lineBuffer) - self.lineBufferIndex
        if after:
            self.terminal.cursorBackward(after)

