"""``LoggingFile``: a writable file whose lines become log events (for redirected stdio)."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from typing import AnyStr, NoReturn

from twistio.logger._levels import LogLevel
from twistio.logger._logger import Logger
from twistio.python.deprecate import deprecatedProperty
from twistio.python.versions import Version

__all__ = ["LoggingFile"]


class LoggingFile:
    """A text file that emits each line written to it as an event ``"{log_io}"``.

    A partial line waits for its newline (or ``close``). ``bytes`` are decoded with
    ``encoding`` (the default is ``sys.getdefaultencoding()``).
    """

    @deprecatedProperty(Version("Twisted", 21, 2, 0))
    def softspace(self) -> int:
        """0 (a Python 2 file attribute)."""
        return 0

    def __init__(
        self, logger: Logger, level: LogLevel = LogLevel.info, encoding: str | None = None
    ) -> None:
        self.level = level
        self.log = logger
        self._encoding = encoding or sys.getdefaultencoding()
        self._buffer = ""
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether ``close`` was called."""
        return self._closed

    @property
    def encoding(self) -> str:
        """The encoding used for ``bytes`` written."""
        return self._encoding

    @property
    def mode(self) -> str:
        """Always ``"w"``."""
        return "w"

    @property
    def newlines(self) -> None:
        """Always None."""
        return None

    @property
    def name(self) -> str:
        """A name saying where the lines go."""
        return f"<{type(self).__name__} {self.log.namespace}#{self.level.name}>"

    def close(self) -> None:
        """Emit any partial line, then refuse further writes."""
        if self._buffer:
            self._emit(self._buffer)
            self._buffer = ""
        self._closed = True

    def flush(self) -> None:
        """Nothing: complete lines are emitted at once."""

    def isatty(self) -> bool:
        """False."""
        return False

    def write(self, string: AnyStr) -> None:
        """Emit each complete line of ``string``; keep the rest for the next write."""
        if self._closed:
            raise ValueError("I/O operation on closed file")
        text = string.decode(self._encoding) if isinstance(string, bytes) else string
        lines = (self._buffer + text).split("\n")
        self._buffer = lines.pop()
        for line in lines:
            self._emit(line)

    def writelines(self, lines: Iterable[AnyStr]) -> None:
        """``write`` each of ``lines``."""
        for line in lines:
            self.write(line)

    def _unsupported(self, *args: object) -> NoReturn:
        raise OSError("unsupported operation")

    read = readline = readlines = seek = tell = truncate = next = xreadlines = _unsupported

    def fileno(self) -> NoReturn:
        """There is no file descriptor: ``io.UnsupportedOperation``, as for any stream
        without one."""
        raise io.UnsupportedOperation("a LoggingFile has no file descriptor")

    def _emit(self, line: str) -> None:
        self.log.emit(self.level, format="{log_io}", log_io=line)
