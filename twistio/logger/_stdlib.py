"""The two bridges with the standard library's ``logging``.

``STDLibLogObserver`` turns twistio events into ``logging`` records; ``PublishingHandler``
turns ``logging`` records into twistio events. Each marks what it makes so that the other
passes it by, and each ignores what is logged from inside its own delivery (an observer
that logs, a handler writing to a redirected ``sys.stderr``), so no event goes round.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from twistio.internet.interfaces import implementer
from twistio.logger._format import formatEvent
from twistio.logger._levels import LogLevel
from twistio.logger._logger import _stdlib_logger
from twistio.logger._observer import ILogObserver, LogEvent, LogPublisher, globalLogPublisher
from twistio.python.failure import Failure

__all__ = ["PublishingHandler", "STDLibLogObserver", "observe_stdlib_logging"]


class _State(threading.local):
    forwarding = False
    publishing = False


_guard = _State()


class _Begun:
    """Whether ``globalLogBeginner.beginLoggingTo`` has chosen where logs go."""

    begun = False


_begun = _Begun()


def _has_real_handlers(logger: logging.Logger) -> bool:
    """Whether a record on ``logger`` meets a handler other than a ``PublishingHandler``."""
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            if not isinstance(handler, PublishingHandler):
                return True
        if not current.propagate:
            return False
        current = current.parent
    return False


def _last_resort(record: logging.LogRecord) -> None:
    handler = logging.lastResort
    if handler is not None and record.levelno >= handler.level:
        handler.handle(record)


class _EventMessage:
    """A record's ``msg``: the event, formatted only if a handler asks for the text."""

    __slots__ = ("event", "suffix", "text")

    def __init__(self, event: LogEvent, suffix: str = "") -> None:
        self.event = event
        self.suffix = suffix
        self.text: str | None = None

    def __str__(self) -> str:
        if self.text is None:
            self.text = formatEvent(self.event) + self.suffix
        return self.text


# Frames of the logging machinery itself, which a record's source location skips.
_MACHINERY = (
    os.path.dirname(os.path.abspath(__file__)) + os.sep,
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python", "log.py"),
)


def _caller(depth: int) -> FrameType | None:
    """The frame ``depth`` frames above ``STDLibLogObserver.__call__`` (1: its caller),
    then further out past any frame of the logging machinery."""
    try:
        frame: FrameType | None = sys._getframe(depth + 1)
    except ValueError:
        return None
    while frame is not None and frame.f_code.co_filename.startswith(_MACHINERY):
        frame = frame.f_back
    return frame


@implementer(ILogObserver)
class STDLibLogObserver:
    """An observer that hands each event to ``logging`` as a record.

    Levels map to ``logging``'s (``warn`` is ``WARNING``); ``log_failure`` becomes the
    record's ``exc_info`` (or, for a Failure without a traceback, its text after the
    message). The record carries the event as ``record.log_event``.

    Unlike Twisted, which logs everything to one ``logging`` logger (``"twisted"``), with
    ``name=None`` (the default) each event goes to the logger named by its namespace, so
    ``logging`` configuration per module applies; give ``name`` for Twisted's behaviour.
    A record's ``pathname``, ``lineno`` and ``funcName`` are the caller's ``stackDepth``
    frames up, as in Twisted (the default: whoever called the observer), except that
    twistio goes on past the logging machinery's own frames (publishers, ``Logger``), so
    a record of ``log.info(...)`` points at that call.

    Events that came from ``logging`` (through ``PublishingHandler``) are not sent back.
    """

    _twistio_floor = 0
    defaultStackDepth = 4

    def __init__(self, name: str | None = None, stackDepth: int = defaultStackDepth) -> None:
        self._name = name
        self._stackDepth = stackDepth
        self._default = False
        # Per-namespace forwarding is gated by logging's own levels (see LogPublisher).
        self._twistio_stdlib_gate = name is None

    def __call__(self, event: LogEvent) -> None:
        if "log_stdlib_record" in event or _guard.forwarding:
            return
        level = event.get("log_level")
        levelno = level._stdlib if isinstance(level, LogLevel) else logging.INFO
        name = self._name
        if name is None:
            name = event.get("log_namespace") or ""
        logger = _stdlib_logger(name)
        if not logger.isEnabledFor(levelno):
            return
        exc_info: Any = None
        suffix = ""
        failure = event.get("log_failure")
        if failure is not None:
            value = failure.value if isinstance(failure, Failure) else failure
            tb = failure.tb if isinstance(failure, Failure) else getattr(value, "__traceback__", None)
            if isinstance(value, BaseException) and tb is not None:
                exc_info = (type(value), value, tb)
            elif isinstance(failure, Failure):
                suffix = "\n" + failure.getTraceback()
        caller = _caller(self._stackDepth - 3)
        record = logger.makeRecord(
            logger.name,
            levelno,
            caller.f_code.co_filename if caller is not None else "(twistio.logger)",
            caller.f_lineno if caller is not None else 0,
            _EventMessage(event, suffix),
            (),
            exc_info,
            caller.f_code.co_name if caller is not None else None,
            {"log_event": event},
        )
        when = event.get("log_time")
        if isinstance(when, float):
            record.created = when
            record.msecs = (when - int(when)) * 1000
        _guard.forwarding = True
        try:
            if _has_real_handlers(logger):
                logger.handle(record)
            elif not (self._default and _begun.begun):
                _last_resort(record)
        finally:
            _guard.forwarding = False


class PublishingHandler(logging.Handler):
    """A ``logging`` handler publishing each record as a twistio event (twistio-only).

    The event has ``log_format`` ``"{log_text}"`` with the record's message as
    ``log_text``, ``log_namespace`` the logger's name, the mapped ``log_level``,
    ``log_time`` the record's time, ``log_stdlib_record`` the record itself and, when the
    record has ``exc_info`` (or a ``log_failure`` given through ``extra``), ``log_failure``
    and ``isError``.

    A handler changes what ``logging`` does when it is the only one: ``logging.lastResort``
    (the stderr fallback for an unconfigured program) no longer runs. This one keeps that
    fallback working until ``globalLogBeginner.beginLoggingTo`` has chosen where logs go.
    """

    def __init__(
        self,
        publisher: Callable[[LogEvent], object] | None = None,
        level: int = logging.NOTSET,
    ) -> None:
        super().__init__(level)
        self._publisher = publisher

    def handle(self, record: logging.LogRecord) -> Any:
        # No lock: publishing is thread-safe as far as the observers are.
        if getattr(record, "log_event", None) is not None:
            return False
        rv = self.filter(record)
        if rv:
            self.emit(record)
        return rv

    def emit(self, record: logging.LogRecord) -> None:
        publisher = self._publisher if self._publisher is not None else globalLogPublisher
        seen: set[int] | None = getattr(record, "_twistio_published", None)
        first = seen is None
        if seen is None:
            seen = record._twistio_published = set()
        if id(publisher) not in seen:
            seen.add(id(publisher))
            if not _guard.publishing:
                self._publish(publisher, record)
        if first and not _begun.begun and not _has_real_handlers(_stdlib_logger(record.name)):
            _last_resort(record)

    def _publish(self, publisher: Callable[[LogEvent], object], record: logging.LogRecord) -> None:
        level = LogLevel._fromStdlib(record.levelno)
        if type(publisher) is LogPublisher and level._priority < publisher._floor:
            return
        try:
            text = record.getMessage()
        except Exception:
            text = str(record.msg)
        event: LogEvent = {
            "log_format": "{log_text}",
            "log_text": text,
            "log_level": level,
            "log_namespace": record.name,
            "log_source": None,
            "log_time": record.created,
            "log_stdlib_record": record,
        }
        failure = getattr(record, "log_failure", None)
        if failure is None and record.exc_info and record.exc_info[1] is not None:
            typ, value, tb = record.exc_info
            failure = Failure(value, typ, tb)
        if failure is not None:
            event["log_failure"] = failure
            event["isError"] = 1
        _guard.publishing = True
        try:
            publisher(event)
        except Exception:
            self.handleError(record)
        finally:
            _guard.publishing = False


def observe_stdlib_logging(
    name: str = "",
    publisher: Callable[[LogEvent], object] | None = None,
    level: int = logging.NOTSET,
) -> PublishingHandler:
    """Publish the records of ``logging`` logger ``name`` (the root by default) as events.

    Twistio-only. Returns the handler; ``logging.getLogger(name).removeHandler(handler)``
    stops it. Records of twistio's own ``"twistio"`` loggers are already published.
    """
    handler = PublishingHandler(publisher, level)
    logging.getLogger(name or None).addHandler(handler)
    return handler
