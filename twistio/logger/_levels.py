"""Log levels: ``LogLevel.debug`` < ``info`` < ``warn`` < ``error`` < ``critical``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import ClassVar

__all__ = ["InvalidLogLevelError", "LogLevel"]


class InvalidLogLevelError(Exception):
    """Something that is not a ``LogLevel`` was used as one."""

    def __init__(self, level: object) -> None:
        super().__init__(str(level))
        self.level = level


class LogLevel:
    """A log level: ``LogLevel.debug`` < ``info`` < ``warn`` < ``error`` < ``critical``.

    The levels are the only instances (Twisted's are ``constantly`` constants, with the
    same ``name``, ordering, ``iterconstants`` and ``lookupByName``). Each also knows its
    ``logging`` counterpart (``warn`` is ``logging.WARNING``), used when events go to, or come
    from, the standard library.
    """

    __slots__ = ("_priority", "_stdlib", "name")

    debug: ClassVar[LogLevel]
    info: ClassVar[LogLevel]
    warn: ClassVar[LogLevel]
    error: ClassVar[LogLevel]
    critical: ClassVar[LogLevel]

    def __init__(self, name: str, priority: int, stdlib: int) -> None:
        self.name = name
        self._priority = priority
        self._stdlib = stdlib

    def __repr__(self) -> str:
        return f"<LogLevel={self.name}>"

    def __lt__(self, other: LogLevel) -> bool:
        if not isinstance(other, LogLevel):
            return NotImplemented
        return self._priority < other._priority

    def __le__(self, other: LogLevel) -> bool:
        if not isinstance(other, LogLevel):
            return NotImplemented
        return self._priority <= other._priority

    def __gt__(self, other: LogLevel) -> bool:
        if not isinstance(other, LogLevel):
            return NotImplemented
        return self._priority > other._priority

    def __ge__(self, other: LogLevel) -> bool:
        if not isinstance(other, LogLevel):
            return NotImplemented
        return self._priority >= other._priority

    def __reduce__(self) -> str:
        return f"LogLevel.{self.name}"

    def __copy__(self) -> LogLevel:
        return self

    def __deepcopy__(self, memo: object) -> LogLevel:
        return self

    @classmethod
    def iterconstants(cls) -> Iterator[LogLevel]:
        """The levels, least severe first."""
        return iter(_LEVELS)

    @classmethod
    def lookupByName(cls, name: str) -> LogLevel:
        """The level called ``name``; ``ValueError`` if there is none."""
        for level in _LEVELS:
            if level.name == name:
                return level
        raise ValueError(name)

    @classmethod
    def levelWithName(cls, name: str) -> LogLevel:
        """The level called ``name``; ``InvalidLogLevelError`` if there is none."""
        try:
            return cls.lookupByName(name)
        except ValueError:
            raise InvalidLogLevelError(name)

    @classmethod
    def _priorityForLevel(cls, level: LogLevel) -> int:
        return level._priority

    @classmethod
    def _fromStdlib(cls, levelno: int) -> LogLevel:
        """The level of a ``logging`` level number (anything below ``INFO`` is ``debug``)."""
        if levelno >= logging.CRITICAL:
            return cls.critical
        if levelno >= logging.ERROR:
            return cls.error
        if levelno >= logging.WARNING:
            return cls.warn
        if levelno >= logging.INFO:
            return cls.info
        return cls.debug


LogLevel.debug = LogLevel("debug", 0, logging.DEBUG)
LogLevel.info = LogLevel("info", 1, logging.INFO)
LogLevel.warn = LogLevel("warn", 2, logging.WARNING)
LogLevel.error = LogLevel("error", 3, logging.ERROR)
LogLevel.critical = LogLevel("critical", 4, logging.CRITICAL)

_LEVELS: tuple[LogLevel, ...] = (
    LogLevel.debug,
    LogLevel.info,
    LogLevel.warn,
    LogLevel.error,
    LogLevel.critical,
)
