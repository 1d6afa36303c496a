"""Twisted's classic logging API (``msg``, ``err``, ``startLogging``), over ``twistio.logger``.

Events of ``msg`` and ``err`` are ``twistio.logger`` events (namespace ``log_legacy``), so
they also reach the standard library's ``logging`` by default. Legacy observers, added with
``addObserver``, receive the classic event dicts: ``message``, ``time``, ``system``,
``isError`` and, for errors, ``failure`` and ``why``.
"""

from __future__ import annotations

import io
import logging
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from typing import IO, Any, NoReturn, Protocol, TextIO, TypeVar

from twistio.internet.interfaces import Interface
from twistio.logger import (
    LogBeginner,
    LoggingFile,
    LogLevel,
    formatTime,
    globalLogBeginner,
    globalLogPublisher,
)
from twistio.logger import (
    Logger as _NewLogger,
)
from twistio.logger import (
    LogPublisher as _NewPublisher,
)
from twistio.logger._legacy import LegacyLogObserverWrapper, _safeStr, publishToNewObserver
from twistio.logger._stdlib import _guard, _has_real_handlers, _last_resort
from twistio.python import context
from twistio.python.failure import Failure

__all__ = [
    "DefaultObserver",
    "FileLogObserver",
    "ILogContext",
    "ILogObserver",
    "LegacyLogObserverWrapper",
    "LogPublisher",
    "Logger",
    "NullFile",
    "PythonLoggingObserver",
    "StdioOnnaStick",
    "addObserver",
    "callWithContext",
    "callWithLogger",
    "defaultObserver",
    "deferr",
    "err",
    "logerr",
    "logfile",
    "msg",
    "newGlobalLogBeginner",
    "newGlobalLogPublisher",
    "removeObserver",
    "startLogging",
    "startLoggingWithObserver",
    "textFromEventDict",
    "theLogPublisher",
]

EventDict = dict[str, Any]
_T = TypeVar("_T")


class ILogObserver(Interface, Protocol):
    """A classic observer (one ``addObserver`` takes): called with each event as a classic
    event dict (``message``, ``time``, ``system``, ``isError``...). Not the same interface
    as ``twistio.logger.ILogObserver``, whose observers get the new-style events: an
    application's components, for one, can hold one of each."""

    def __call__(self, eventDict: EventDict) -> None: ...


class ILogContext(Interface):
    """The key of the legacy logging context (a dict whose ``system`` ``msg`` uses)."""


context.setDefault(ILogContext, {"system": "-"})


def _currentContext() -> EventDict:
    ctx = context.get(ILogContext)
    return {"system": "-"} if ctx is None else dict(ctx)


def callWithContext(ctx: EventDict, func: Callable[..., _T], *args: Any, **kw: Any) -> _T:
    """Call ``func``, with ``ctx`` added to the log context that ``msg`` draws defaults from
    (``twistio.python.context``'s value for ``ILogContext``; it follows tasks and callbacks
    scheduled inside the call)."""
    merged = _currentContext()
    merged.update(ctx)
    result: _T = context.call({ILogContext: merged}, func, *args, **kw)
    return result


def callWithLogger(logger: Any, func: Callable[..., _T], *args: Any, **kw: Any) -> _T | None:
    """Call ``func`` with ``system`` set to ``logger.logPrefix()``; log (and swallow) its error."""
    buggy = "(buggy logPrefix method)"
    asked: list[Any] = []
    # A logPrefix that raises is logged (under the stand-in name), and the name stands in.
    _reportingErrors(buggy, lambda: asked.append(logger.logPrefix()))
    prefix = asked[0] if asked else buggy
    result: _T | None = _reportingErrors(
        prefix, callWithContext, {"system": prefix}, func, *args, **kw
    )
    return result


def _reportingErrors(system: str, f: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """``f(*args, **kw)``; what it raises (but KeyboardInterrupt) is logged and gives None."""
    try:
        return f(*args, **kw)
    except KeyboardInterrupt:
        raise
    except BaseException:
        err(system=system)
    return None


def _safeFormat(fmtString: str, fmtDict: EventDict) -> str:
    """``fmtString % fmtDict``, or, when that fails, the best account of the message that
    can still be written (as Twisted words it)."""
    try:
        return fmtString % fmtDict
    except BaseException:
        pass
    try:
        return (
            "Invalid format string or unformattable object in log message: "
            f"{fmtString!r}, {fmtDict}"
        )
    except BaseException:
        pass
    try:
        return f"UNFORMATTABLE OBJECT WRITTEN TO LOG with fmt {fmtString!r}, MESSAGE LOST"
    except BaseException:
        return "PATHOLOGICAL ERROR IN BOTH FORMAT STRING AND MESSAGE DETAILS, MESSAGE LOST"


def textFromEventDict(eventDict: EventDict) -> str | None:
    """The text of a legacy event dict: its message, its error and traceback, or its format.

    None when it has none of these.
    """
    message = eventDict.get("message")
    if message:
        return " ".join(_safeStr(m) for m in message)
    if eventDict.get("isError") and "failure" in eventDict:
        why = eventDict.get("why")
        whyText = _safeStr(why) if why else "Unhandled Error"
        try:
            traceback = eventDict["failure"].getTraceback()
        except Exception as e:
            traceback = f"(unable to obtain traceback): {e}"
        return f"{whyText}\n{traceback}"
    if "format" in eventDict:
        return _safeFormat(eventDict["format"], eventDict)
    return None


class LogPublisher:
    """The legacy publisher: ``msg`` and legacy observers, on a ``twistio.logger`` publisher.

    ``LogPublisher()`` has a publisher of its own; ``theLogPublisher``, behind the module's
    ``msg``, ``addObserver`` and ``removeObserver``, is on ``globalLogPublisher`` and begins
    logging with ``globalLogBeginner``.
    """

    synchronized = ["msg"]

    def __init__(
        self,
        observerPublisher: _NewPublisher | None = None,
        publishPublisher: Callable[[EventDict], object] | None = None,
        logBeginner: LogBeginner | None = None,
        warningsModule: Any = warnings,
    ) -> None:
        self._observerPublisher = _NewPublisher() if observerPublisher is None else observerPublisher
        self._publishPublisher = (
            self._observerPublisher if publishPublisher is None else publishPublisher
        )
        if logBeginner is None:
            logBeginner = (
                globalLogBeginner
                if self._observerPublisher is globalLogPublisher
                else LogBeginner(self._observerPublisher, sys.stderr, sys, warningsModule)
            )
        self._logBeginner = logBeginner
        self._warningsModule = warningsModule
        self._oldshowwarning = warningsModule.showwarning
        self._legacyObservers: list[LegacyLogObserverWrapper] = []

    def _startLogging(self, other: Callable[[EventDict], object], setStdout: int) -> None:
        """Begin logging to the legacy observer ``other`` (``startLoggingWithObserver``)."""
        self._oldshowwarning = self._warningsModule.showwarning
        self._logBeginner.beginLoggingTo(
            [LegacyLogObserverWrapper(other)],
            discardBuffer=True,
            redirectStandardIO=bool(setStdout),
        )

    def _stopLogging(self) -> None:
        """Give ``warnings`` back the ``showwarning`` it had before ``_startLogging``."""
        self._warningsModule.showwarning = self._oldshowwarning

    @property
    def observers(self) -> list[Callable[[EventDict], object]]:
        """The legacy observers added with ``addObserver``."""
        return [w.legacyObserver for w in self._legacyObservers]

    def addObserver(self, other: Callable[[EventDict], object]) -> None:
        """Add a legacy observer (called with legacy event dicts)."""
        wrapped = LegacyLogObserverWrapper(other)
        if wrapped not in self._legacyObservers:
            self._legacyObservers.append(wrapped)
        self._observerPublisher.addObserver(wrapped)

    def removeObserver(self, other: Callable[[EventDict], object]) -> None:
        """Remove a legacy observer; a no-op if it is not there."""
        wrapped = LegacyLogObserverWrapper(other)
        try:
            self._legacyObservers.remove(wrapped)
        except ValueError:
            pass
        self._observerPublisher.removeObserver(wrapped)

    def msg(self, *message: object, **kw: Any) -> None:
        """Log ``message`` (joined by spaces), with ``kw`` as extra keys.

        ``system`` comes from the context of ``callWithContext`` unless given; ``format``
        with ``%``-style keys may replace ``message``; ``isError=1`` marks an error.
        """
        event: EventDict = {"isError": 0, **_currentContext(), **kw}
        event.update(message=message, time=time.time())
        publishToNewObserver(self._publishPublisher, event, textFromEventDict)

    def showwarning(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        """Log a warning as ``warnings.showwarning`` would show it."""
        self._logBeginner.showwarning(message, category, filename, lineno, file, line)


theLogPublisher = LogPublisher(globalLogPublisher)
"""The legacy publisher behind ``msg``, ``addObserver`` and ``removeObserver``."""

msg = theLogPublisher.msg
addObserver = theLogPublisher.addObserver
removeObserver = theLogPublisher.removeObserver
showwarning = theLogPublisher.showwarning


def err(_stuff: object = None, _why: str | None = None, **kw: Any) -> None:
    """Log an error: ``_stuff`` (a Failure, an exception, or the one being handled) and ``_why``.

    Anything else as ``_stuff`` is logged by its ``repr``. The event carries
    ``isError=1``, ``failure``/``log_failure`` and ``why``.
    """
    if _stuff is None:
        _stuff = Failure()
    if isinstance(_stuff, Failure):
        msg(failure=_stuff, why=_why, isError=1, **kw)
    elif isinstance(_stuff, BaseException):
        msg(failure=Failure(_stuff), why=_why, isError=1, **kw)
    else:
        msg(repr(_stuff), why=_why, isError=1, **kw)


deferr = err

logfile = LoggingFile(_NewLogger(namespace="twistio.python.log"), LogLevel.info)
"""A file whose lines are logged at info."""
logerr = LoggingFile(_NewLogger(namespace="twistio.python.log"), LogLevel.error)
"""A file whose lines are logged at error."""


class FileLogObserver:
    """A legacy observer writing ``time [system] text`` lines to a file.

    Its time format is ``%Y-%m-%d %H:%M:%S%z`` (``timeFormat`` changes it).
    """

    timeFormat: str | None = None

    def __init__(self, f: IO[str]) -> None:
        self.write = f.write
        self.flush = f.flush

    def getTimezoneOffset(self, when: float) -> int:
        """Seconds west of UTC of local time at ``when``."""
        from datetime import datetime

        offset = datetime.fromtimestamp(when).astimezone().utcoffset()
        return -int(offset.total_seconds()) if offset is not None else 0

    def formatTime(self, when: float) -> str:
        """``when`` as text: in ``timeFormat`` if set, else ``YYYY-MM-DD HH:MM:SS+HHMM`` in
        the zone ``getTimezoneOffset`` gives."""
        if self.timeFormat is not None:
            return formatTime(when, self.timeFormat)
        from datetime import datetime, timedelta, timezone

        east = -self.getTimezoneOffset(when)
        local = datetime.fromtimestamp(when, timezone(timedelta(seconds=east)))
        sign = "-" if east < 0 else "+"
        hours, minutes = divmod(abs(east) // 60, 60)
        return f"{local:%Y-%m-%d %H:%M:%S}{sign}{hours:02d}{minutes:02d}"

    def emit(self, eventDict: EventDict) -> None:
        """Write the event, if it has any text."""
        text = textFromEventDict(eventDict)
        if text is None:
            return
        timeStr = self.formatTime(eventDict["time"])
        fields = {"system": eventDict.get("system", "-"), "text": text.replace("\n", "\n\t")}
        self.write(f"{timeStr} {_safeFormat('[%(system)s] %(text)s' + chr(10), fields)}")
        self.flush()

    def start(self) -> None:
        """Add this observer."""
        addObserver(self.emit)

    def stop(self) -> None:
        """Remove this observer."""
        removeObserver(self.emit)


class PythonLoggingObserver:
    """A legacy observer sending events to ``logging`` logger ``loggerName``.

    twistio already sends every event to ``logging`` by default (see ``twistio.logger``);
    this one is for code that asks for Twisted's single-logger behaviour. The level is the
    event's ``logLevel``, else ``ERROR`` for errors and ``INFO`` otherwise.
    """

    def __init__(self, loggerName: str = "twisted") -> None:
        self.logger = logging.getLogger(loggerName)

    def emit(self, eventDict: EventDict) -> None:
        """Log the event's text."""
        if "log_stdlib_record" in eventDict or _guard.forwarding:
            return
        if "logLevel" in eventDict:
            level = eventDict["logLevel"]
        elif isinstance(eventDict.get("log_level"), LogLevel):
            level = eventDict["log_level"]._stdlib
        elif eventDict.get("isError"):
            level = logging.ERROR
        else:
            level = logging.INFO
        if not self.logger.isEnabledFor(level):
            return
        text = textFromEventDict(eventDict)
        if text is None:
            return
        record = self.logger.makeRecord(
            self.logger.name,
            level,
            "(twistio.python.log)",
            0,
            text,
            (),
            None,
            None,
            {"log_event": eventDict},
        )
        _guard.forwarding = True
        try:
            if _has_real_handlers(self.logger):
                self.logger.handle(record)
            else:
                _last_resort(record)
        finally:
            _guard.forwarding = False

    def start(self) -> None:
        """Add this observer (``addObserver(self.emit)``)."""
        addObserver(self.emit)

    def stop(self) -> None:
        """Remove this observer."""
        removeObserver(self.emit)


def startLoggingWithObserver(observer: Callable[[EventDict], object], setStdout: int = 1) -> None:
    """Begin logging (``theLogPublisher``'s beginner's ``beginLoggingTo``) to a legacy
    observer.

    With ``setStdout``, ``sys.stdout`` and ``sys.stderr`` are redirected into the log.
    Unlike ``beginLoggingTo`` itself, events logged before are not replayed, as in Twisted.
    """
    theLogPublisher._startLogging(observer, setStdout)
    msg("Log opened.")


def startLogging(file: IO[str], *a: Any, **kw: Any) -> FileLogObserver | None:
    """Begin logging to ``file`` as Twisted's classic text log (``setStdout`` as above);
    returns the ``FileLogObserver`` (None when ``file`` is a log-redirected stream already)."""
    if isinstance(file, LoggingFile):
        return None
    observer = FileLogObserver(file)
    startLoggingWithObserver(observer.emit, *a, **kw)
    return observer


def discardLogs() -> None:
    """Begin logging to nowhere."""
    globalLogBeginner.beginLoggingTo([lambda event: None], redirectStandardIO=False)


newGlobalLogPublisher = globalLogPublisher
"""``twistio.logger``'s global publisher, under the name Twisted gives it here."""
newGlobalLogBeginner = globalLogBeginner
"""``twistio.logger``'s global beginner, under the name Twisted gives it here."""


class Logger:
    """Something that owns a log: subclasses say how their messages are prefixed."""

    def logPrefix(self) -> str:
        """The prefix (``system``) of this object's messages; ``-`` by default."""
        return "-"


class NullFile:
    """A file that keeps nothing: writes vanish, reads give nothing."""

    softspace = 0

    def read(self) -> None:
        """Nothing."""

    def write(self, bytes: object) -> None:
        """Drop it."""

    def flush(self) -> None:
        """Nothing to do."""

    def close(self) -> None:
        """Nothing to do."""


class DefaultObserver:
    """A legacy observer writing error events (their text) to ``stderr``; others it ignores.

    ``start()`` adds it to the legacy observers and ``stop()`` removes it. twistio does not
    start ``defaultObserver`` (Twisted did, until logging began): before logging begins,
    errors reach ``stderr`` through ``logging`` already.
    """

    stderr: IO[str] = sys.stderr

    def emit(self, eventDict: EventDict) -> None:
        """Write an error event's text to ``stderr``."""
        if not eventDict.get("isError"):
            return
        text = textFromEventDict(eventDict)
        if text is not None:
            self.stderr.write(text)
            self.stderr.flush()

    def start(self) -> None:
        """Begin observing."""
        addObserver(self.emit)

    def stop(self) -> None:
        """Stop observing."""
        removeObserver(self.emit)


defaultObserver = DefaultObserver()


class StdioOnnaStick:
    """A write-only file whose lines become legacy log messages (``printed=1``).

    ``write`` logs each completed line (the newline dropped) and keeps the rest for later;
    ``writelines`` logs each item as it is. Reading raises ``OSError``.
    """

    closed = 0
    softspace = 0
    mode = "wb"
    name = "<stdio (log)>"

    def __init__(self, isError: int = 0, encoding: str | None = None) -> None:
        self.isError = isError
        self.encoding = encoding or "utf-8"
        self.buf = ""

    def close(self) -> None:
        """Nothing to do."""

    def fileno(self) -> NoReturn:
        """There is none."""
        raise io.UnsupportedOperation("StdioOnnaStick has no file descriptor.")

    def flush(self) -> None:
        """Nothing to do: lines are logged as they end."""

    def _cannotRead(self, *args: object) -> NoReturn:
        raise OSError("can't read from the log!")

    read = readline = readlines = seek = tell = _cannotRead

    def _text(self, data: str | bytes) -> str:
        return data.decode(self.encoding, "replace") if isinstance(data, bytes) else data

    def write(self, data: str | bytes) -> None:
        """Log every line that ``data`` completes."""
        *complete, self.buf = (self.buf + self._text(data)).split("\n")
        for line in complete:
            msg(line, printed=1, isError=self.isError)

    def writelines(self, lines: Iterable[str | bytes]) -> None:
        """Log each item as one message."""
        for line in lines:
            msg(self._text(line), printed=1, isError=self.isError)
