"""``FileLogObserver`` and ``textFileLogObserver``: events written to a file as text."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, Any

from twistio.internet.interfaces import implementer
from twistio.logger._format import formatEventAsClassicLogText, formatTime, timeFormatRFC3339
from twistio.logger._observer import ILogObserver, LogEvent

__all__ = ["FileLogObserver", "textFileLogObserver"]


def _isBinary(outFile: IO[Any]) -> bool:
    if isinstance(outFile, (io.RawIOBase, io.BufferedIOBase)):
        return True
    return "b" in str(getattr(outFile, "mode", ""))


@implementer(ILogObserver)
class FileLogObserver:
    """An observer writing ``formatEvent(event)`` to ``outFile``, then flushing it.

    Events formatted as None or ``""`` are skipped. A binary file gets UTF-8.
    """

    def __init__(self, outFile: IO[Any], formatEvent: Callable[[LogEvent], str | None]) -> None:
        self._outFile = outFile
        self.formatEvent = formatEvent
        #: What text is encoded to before writing: UTF-8 for a binary file, else None.
        self._encoding = "utf-8" if _isBinary(outFile) else None

    def __call__(self, event: LogEvent) -> None:
        text = self.formatEvent(event)
        if text:
            out = self._outFile
            out.write(text.encode(self._encoding) if self._encoding else text)
            out.flush()


def textFileLogObserver(
    outFile: IO[Any], timeFormat: str | None = timeFormatRFC3339
) -> FileLogObserver:
    """A ``FileLogObserver`` writing classic log lines: ``time [system] text``."""

    def formatTimeAs(when: float | None) -> str:
        return formatTime(when, timeFormat)

    def format(event: LogEvent) -> str | None:
        return formatEventAsClassicLogText(event, formatTime=formatTimeAs)

    return FileLogObserver(outFile, format)
