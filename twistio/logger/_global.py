"""The process-wide publisher and beginner, and twistio's default route into ``logging``.

At import, ``globalLogPublisher`` gets two observers: a bounded buffer of early events
(replayed by ``beginLoggingTo``, as in Twisted) and a ``STDLibLogObserver`` sending every
event to ``logging``; and the ``logging`` logger ``"twistio"`` gets a ``PublishingHandler``,
so twistio's own ``logging`` records (a Deferred's unhandled error, say) reach observers.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import IO, Any, TextIO

from twistio.logger._buffer import LimitedHistoryLogObserver
from twistio.logger._format import eventAsText
from twistio.logger._io import LoggingFile
from twistio.logger._levels import LogLevel
from twistio.logger._logger import Logger
from twistio.logger._observer import LogEvent, LogPublisher, globalLogPublisher
from twistio.logger._stdlib import (
    PublishingHandler,
    STDLibLogObserver,
    _begun,
    _has_real_handlers,
)
from twistio.python import _spelling

__all__ = ["MORE_THAN_ONCE_WARNING", "LogBeginner", "globalLogBeginner", "globalLogPublisher"]


def _qual(cls: Any) -> str:
    return _spelling.qualified(cls)


#: The format of the warning ``beginLoggingTo`` logs when called again.
MORE_THAN_ONCE_WARNING = (
    "Warning: primary log target selected twice at <{fileNow}:{lineNow}> - "
    "previously selected at <{fileThen}:{lineThen}>.  Remove one of the calls to "
    "beginLoggingTo."
)


class _CriticalToStream:
    """Writes each critical event's text (with any traceback) to a stream."""

    def __init__(self, stream: IO[Any]) -> None:
        self._stream = stream

    def __call__(self, event: LogEvent) -> None:
        level = event.get("log_level")
        if isinstance(level, LogLevel) and level >= LogLevel.critical:
            text = eventAsText(event, includeTimestamp=False, includeSystem=False)
            self._stream.write(text + "\n")


class LogBeginner:
    """Chooses, once, where logs go: ``beginLoggingTo(observers)``.

    Until then the events are kept in a bounded buffer and replayed to the chosen
    observers. twistio's buffer keeps the last 1024 events of level ``info`` and above
    (Twisted's keeps 65536 of any level): twistio's events already reach ``logging``
    before logging begins, and an asyncio application that never calls ``beginLoggingTo``
    should not hold many events (and the objects in them) for nothing.

    The global beginner also, on ``beginLoggingTo``: drops the default forwarder into
    ``logging`` (the chosen observers are where events go now, as in Twisted, so a
    configured ``logging`` does not print each event a second time); unless the observers
    include a ``STDLibLogObserver``, stops twistio's own ``logging`` records (logger
    ``"twistio"`` and below) propagating to the root's handlers, since they reach the
    observers already; and, if ``logging`` is not configured for ``"twistio"``, lets its
    records of level ``INFO`` through (Twisted prints "Starting factory" and the like once
    logging has begun). Events published before ``beginLoggingTo`` went to ``logging`` as
    well as into the buffer that is replayed to the observers.

    A beginner of another publisher writes, until ``beginLoggingTo``, the text of each
    critical event to ``errorStream``, as Twisted's does.
    """

    _DEFAULT_BUFFER_SIZE = 1024

    def __init__(
        self,
        publisher: LogPublisher,
        errorStream: IO[Any],
        stdio: Any,
        warningsModule: Any,
        initialBufferSize: int | None = None,
    ) -> None:
        if initialBufferSize is None:
            initialBufferSize = self._DEFAULT_BUFFER_SIZE
        self._publisher = publisher
        self._errorStream = errorStream
        self._stdio = stdio
        self._warningsModule = warningsModule
        self._oldshowwarning: Callable[..., Any] = warningsModule.showwarning
        self._log = Logger(namespace=__name__, observer=publisher)
        self._initialBuffer = LimitedHistoryLogObserver(initialBufferSize)
        self._initialBuffer._twistio_floor = LogLevel.info._priority  # type: ignore[attr-defined]
        self._temporaryObserver: LimitedHistoryLogObserver | None = self._initialBuffer
        publisher.addObserver(self._initialBuffer)
        # Until logging begins, a publisher of its own (not the global one, whose events go
        # to ``logging`` meanwhile) writes its critical events to the error stream.
        self._criticalObserver: _CriticalToStream | None = None
        if publisher is not globalLogPublisher:
            self._criticalObserver = _CriticalToStream(errorStream)
            publisher.addObserver(self._criticalObserver)
        self._previousBegin: tuple[str, int] = ("", 0)

    def beginLoggingTo(
        self,
        observers: Iterable[Callable[[LogEvent], object]],
        discardBuffer: bool = False,
        redirectStandardIO: bool = True,
    ) -> None:
        """Add ``observers`` to the publisher and replay the buffered events to them.

        Also routes ``warnings`` into the log, and with ``redirectStandardIO`` replaces
        ``sys.stdout`` and ``sys.stderr`` by ``LoggingFile`` s (namespaces ``stdout`` at
        info, ``stderr`` at error). Calling it twice adds the observers and logs a warning.
        """
        observers = list(observers)
        caller = sys._getframe(1)
        here = (caller.f_code.co_filename, caller.f_lineno)
        buffered, self._temporaryObserver = self._temporaryObserver, None
        if self._criticalObserver is not None:
            self._publisher.removeObserver(self._criticalObserver)
            self._criticalObserver = None
        for observer in observers:
            self._publisher.addObserver(observer)
        if buffered is None:
            self._warnBeganTwice(here)
        else:
            self._handOver(buffered, observers, discardBuffer)
        self._previousBegin = here
        if redirectStandardIO:
            self._redirectStandardIO()
        if self._publisher is globalLogPublisher:
            self._becameGlobal(observers)

    def _handOver(
        self,
        buffered: LimitedHistoryLogObserver,
        observers: list[Callable[[LogEvent], object]],
        discardBuffer: bool,
    ) -> None:
        """The first begin: the buffer stops collecting and (unless discarded) replays what it
        kept to the new observers, except those writing to ``logging``, which saw it already;
        warnings go into the log from now on."""
        self._publisher.removeObserver(buffered)
        replayTo = [] if discardBuffer else observers
        for observer in replayTo:
            if not isinstance(observer, STDLibLogObserver):
                buffered.replayTo(observer)
        self._warningsModule.showwarning = self.showwarning

    def _warnBeganTwice(self, here: tuple[str, int]) -> None:
        fileThen, lineThen = self._previousBegin
        self._log.warn(
            MORE_THAN_ONCE_WARNING,
            fileNow=here[0], lineNow=here[1], fileThen=fileThen, lineThen=lineThen,
        )

    def _redirectStandardIO(self) -> None:
        # print() and writes to stderr become log events, in the namespace of the stream.
        for stream, level in (("stdout", LogLevel.info), ("stderr", LogLevel.error)):
            encoding = getattr(getattr(self._stdio, stream), "encoding", None) or "utf-8"
            logger = Logger(namespace=stream, observer=self._publisher)
            setattr(self._stdio, stream, LoggingFile(logger, level, encoding))

    def _becameGlobal(self, observers: list[Callable[[LogEvent], object]]) -> None:
        _begun.begun = True
        # The chosen observers are where events go now (as in Twisted): the default route
        # into ``logging`` closes, so a configured ``logging`` does not print them again.
        self._publisher.removeObserver(_defaultForwarder)
        twistioLogger = logging.getLogger("twistio")
        if twistioLogger.level == logging.NOTSET and not _has_real_handlers(twistioLogger):
            twistioLogger.setLevel(logging.INFO)
        if not any(isinstance(o, STDLibLogObserver) for o in observers):
            # twistio's own ``logging`` records are Twisted's log events: they reach the
            # chosen observers (through the PublishingHandler), not the root's handlers too.
            twistioLogger.propagate = False

    def showwarning(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        """Log a warning (``warnings.showwarning`` once logging has begun).

        A warning sent to a given ``file`` goes there, as ``warnings`` would have done.
        """
        if file is not None:
            # Meant for a particular file: it goes there, as ``warnings`` would have sent it.
            if getattr(self._oldshowwarning, "__module__", None) != "warnings":
                self._oldshowwarning(message, category, filename, lineno, file, line)
                return
            # (The stdlib's own: write what it would, without its hook, which a test
            # runner's ``catch_warnings(record=True)`` may have replaced by a recorder.)
            text = warnings.formatwarning(message, category, filename, lineno, line)
            try:
                file.write(text)
            except OSError:
                pass  # (as warnings.showwarning: the file went away)
            return
        fields = {"filename": filename, "lineno": lineno, "category": _qual(category)}
        self._log.warn("{filename}:{lineno}: {category}: {warning}", warning=message, **fields)


globalLogBeginner = LogBeginner(globalLogPublisher, sys.stderr, sys, warnings)
"""The beginner of ``globalLogPublisher``."""

_defaultForwarder = STDLibLogObserver()
_defaultForwarder._default = True
globalLogPublisher.addObserver(_defaultForwarder)

_twistioHandler = PublishingHandler()
logging.getLogger("twistio").addHandler(_twistioHandler)
