"""``Logger``: emits structured events, with PEP 3101 formats, to an observer."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from time import time
from typing import Any, ContextManager, overload

from twistio.logger._levels import InvalidLogLevelError, LogLevel
from twistio.logger._observer import LogEvent, LogPublisher, globalLogPublisher
from twistio.python import _spelling
from twistio.python.failure import Failure

__all__ = ["Logger", "Operation"]

_getLogger = logging.getLogger
_new = object.__new__
_stdlib_loggers: dict[str, logging.Logger] = {}


def _stdlib_logger(namespace: str) -> logging.Logger:
    logger = _stdlib_loggers.get(namespace)
    if logger is None:
        logger = _stdlib_loggers[namespace] = _getLogger(namespace or None)
    return logger


def _wanted(observer: object, namespace: str, level: LogLevel) -> bool:
    """Whether an event of ``level`` from ``namespace`` would reach anyone through ``observer``."""
    if type(observer) is not LogPublisher or level._priority >= observer._floor:
        return True
    if observer._stdlib:
        logger = _stdlib_loggers.get(namespace)
        if logger is None:
            logger = _stdlib_logger(namespace)
        return logger.isEnabledFor(level._stdlib)
    return False


class Operation:
    """What ``Logger.failuresHandled`` yields: how the code in its block went."""

    __slots__ = ("_done", "failure")

    def __init__(self) -> None:
        self.failure: Failure | None = None
        self._done = False

    @property
    def succeeded(self) -> bool:
        """Whether the block finished without raising (False while it runs)."""
        return self._done and self.failure is None

    @property
    def failed(self) -> bool:
        """Whether the block raised (the error is in ``failure``)."""
        return self.failure is not None


# The keys every emitted event gets, in this order, after the caller's own.
_STAMP = ("log_logger", "log_level", "log_namespace", "log_source", "log_format", "log_time")


# What ``failureHandler`` and ``failuresHandled`` let through rather than log: an asyncio
# task's cancellation (and a generator's close), which are control flow, not failures.
_PASS_THROUGH = (asyncio.CancelledError, GeneratorExit)


class _FailureHandler:
    """A reusable context manager that logs and swallows exceptions."""

    __slots__ = ("_level", "_logger", "_message")

    def __init__(self, logger: Logger, message: str, level: LogLevel) -> None:
        self._logger, self._message, self._level = logger, message, level

    def __enter__(self) -> None:
        return None

    def __exit__(self, *excInfo: Any) -> bool:
        # Any exception is logged and swallowed, KeyboardInterrupt too (as in Twisted); an
        # asyncio task's cancellation goes through.
        excType, excValue, tb = excInfo
        swallow = excValue is not None and not isinstance(excValue, _PASS_THROUGH)
        if swallow:
            self._logger.failure(self._message, Failure(excValue, excType, tb), self._level)
        return swallow


class Logger:
    """Emits log events to an observer (``globalLogPublisher`` unless one is given).

    ``namespace`` defaults to the calling module's ``__name__``. As a class attribute
    (``log = Logger()``) it is a descriptor: ``self.log`` is a logger whose namespace is
    ``module.Class`` and whose ``log_source`` is the instance (the class, via the class).

    A call below the level anyone is listening at returns before building the event (see
    ``LogPublisher``): by default that is the ``logging`` level of the namespace's logger,
    so ``log.debug(...)`` in a hot path costs a level check. Twisted always builds it.
    """

    __slots__ = ("namespace", "observer", "source")

    def __init__(
        self,
        namespace: str | None = None,
        source: object | None = None,
        observer: Callable[[LogEvent], object] | None = None,
    ) -> None:
        if namespace is None:
            namespace = self._namespaceFromCallingContext()
        # twistio's modules are named twisted.* under the alias (python._spelling).
        self.namespace: str = _spelling.spelled(namespace)
        self.source = source
        self.observer: Callable[[LogEvent], object] = (
            globalLogPublisher if observer is None else observer
        )

    @staticmethod
    def _namespaceFromCallingContext() -> str:
        """The ``__name__`` of the module that called ``Logger()``."""
        try:
            return str(sys._getframe(2).f_globals["__name__"])
        except (KeyError, ValueError):
            return "<unknown>"

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Logger: ...

    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> Logger: ...

    def __get__(self, instance: object | None, owner: type[Any] | None = None) -> Logger:
        if owner is None:
            owner = type(instance)
        source = owner if instance is None else instance
        cls = type(self)
        namespace = f"{owner.__module__}.{owner.__name__}"
        if _spelling.active:  # twistio's own classes are twisted.* under the alias
            namespace = _spelling.spelled(namespace)
        if cls is not Logger:
            return cls(namespace, source, self.observer)
        # ``self.log`` may sit in a hot path: skip ``__init__``.
        logger: Logger = _new(cls)
        logger.namespace = namespace
        logger.source = source
        logger.observer = self.observer
        return logger

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.namespace!r}>"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "emit" in cls.__dict__:
            # A subclass that overrides emit sees every event: its level methods go
            # through it (Logger's own take a shorter path).
            for level in LogLevel.iterconstants():
                if level.name not in cls.__dict__:
                    setattr(cls, level.name, _viaEmit(level))

    def emit(self, level: LogLevel, format: str | None = None, **kwargs: object) -> None:
        """Emit an event of ``level``: ``kwargs`` plus the ``log_*`` keys.

        An invalid level is itself logged, as a critical failure, instead of raising.
        """
        if not isinstance(level, LogLevel):
            self.failure(
                "Got invalid log level {invalidLevel!r} in {logger}.",
                Failure(InvalidLogLevelError(level)),
                invalidLevel=level,
                logger=self,
            )
            return
        observer = self.observer
        if not _wanted(observer, self.namespace, level):
            return
        self._send(observer, level, format, kwargs)

    def _send(
        self,
        observer: Callable[[LogEvent], object],
        level: LogLevel,
        format: str | None,
        event: dict[str, Any],
    ) -> None:
        event.update(zip(_STAMP, (self, level, self.namespace, self.source, format, time()), strict=True))
        trace = event.get("log_trace")
        if trace is not None:  # the event's route is being traced: note this hop
            trace.append((self, observer))
        observer(event)

    def failure(
        self, format: str, failure: Failure | None = None, level: LogLevel = LogLevel.critical,
        **kwargs: object,
    ) -> None:
        """Emit ``format`` with ``log_failure``: ``failure``, or the exception being handled.

        The event also carries ``isError: 1`` (in Twisted it appears once a legacy
        ``twisted.python.log`` observer has seen the event), so collectors such as
        trial's ``flushLoggedErrors`` find it either way.
        """
        if failure is None:
            failure = Failure()
        self.emit(level, format, log_failure=failure, isError=1, **kwargs)

    def debug(self, format: str | None = None, **kwargs: object) -> None:
        """Emit a debug event; cheap when nobody listens at debug."""
        observer = self.observer
        if type(observer) is LogPublisher and observer._floor > 0:
            if not observer._stdlib:
                return
            logger = _stdlib_loggers.get(self.namespace)
            if logger is None:
                logger = _stdlib_logger(self.namespace)
            if not logger.isEnabledFor(logging.DEBUG):
                return
        self._send(observer, LogLevel.debug, format, kwargs)

    def info(self, format: str | None = None, **kwargs: object) -> None:
        """Emit an info event."""
        observer = self.observer
        if _wanted(observer, self.namespace, LogLevel.info):
            self._send(observer, LogLevel.info, format, kwargs)

    def warn(self, format: str | None = None, **kwargs: object) -> None:
        """Emit a warning event."""
        self.emit(LogLevel.warn, format, **kwargs)

    def error(self, format: str | None = None, **kwargs: object) -> None:
        """Emit an error event (with no Failure; see ``failure`` for that)."""
        self.emit(LogLevel.error, format, **kwargs)

    def critical(self, format: str | None = None, **kwargs: object) -> None:
        """Emit a critical event."""
        self.emit(LogLevel.critical, format, **kwargs)

    def failuresHandled(
        self, format: str, level: LogLevel = LogLevel.critical, **kwargs: object
    ) -> ContextManager[Operation]:
        """A context manager that logs (with ``failure``) and swallows an exception (any
        ``BaseException`` but ``asyncio.CancelledError``, which goes through).

        It yields an ``Operation`` telling afterwards whether the block succeeded.
        """
        return self._failuresHandled(format, level, kwargs)

    @contextmanager
    def _failuresHandled(
        self, format: str, level: LogLevel, kwargs: dict[str, object]
    ) -> Iterator[Operation]:
        op = Operation()
        try:
            yield op
        except _PASS_THROUGH:
            raise
        except BaseException:
            op.failure = Failure()
            op._done = True
            self.failure(format, op.failure, level, **kwargs)
        else:
            op._done = True

    def failureHandler(
        self, staticMessage: str, level: LogLevel = LogLevel.critical
    ) -> ContextManager[None]:
        """A reusable context manager logging ``staticMessage`` and any exception, then going
        on (``asyncio.CancelledError`` goes through)."""
        return _FailureHandler(self, staticMessage, level)


def _viaEmit(level: LogLevel) -> Callable[..., None]:
    def log(self: Logger, format: str | None = None, **kwargs: object) -> None:
        self.emit(level, format, **kwargs)

    log.__name__ = log.__qualname__ = level.name
    log.__doc__ = f"Emit a {level.name} event."
    return log


def _loggerFor(obj: object) -> Logger:
    """A Logger for ``obj``: namespace its class's dotted name, source ``obj`` itself."""
    return Logger().__get__(obj, type(obj))
