"""``FilteringLogObserver`` and the predicates that decide what it lets through."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from twistio.internet.interfaces import Interface, implementer
from twistio.logger._levels import InvalidLogLevelError, LogLevel
from twistio.logger._observer import ILogObserver, LogEvent

__all__ = [
    "FilteringLogObserver",
    "ILogFilterPredicate",
    "LogLevelFilterPredicate",
    "PredicateResult",
    "shouldLogEvent",
]


class _Result:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<PredicateResult={self.name}>"


class PredicateResult:
    """What a filter predicate says: ``yes`` (let it through), ``no``, or ``maybe`` (no view)."""

    yes = _Result("yes")
    no = _Result("no")
    maybe = _Result("maybe")

    @classmethod
    def iterconstants(cls) -> Iterator[_Result]:
        """``yes``, ``no`` and ``maybe``, in that order."""
        return iter((cls.yes, cls.no, cls.maybe))

    @classmethod
    def lookupByName(cls, name: str) -> _Result:
        """The result called ``name``; ``ValueError`` if there is none."""
        for result in cls.iterconstants():
            if result.name == name:
                return result
        raise ValueError(name)


class ILogFilterPredicate(Interface, Protocol):
    """A callable deciding, for an event, a ``PredicateResult``."""

    def __call__(self, event: LogEvent) -> _Result: ...


def shouldLogEvent(predicates: Iterable[Callable[[LogEvent], _Result]], event: LogEvent) -> bool:
    """Whether ``event`` passes: the first ``yes`` or ``no`` decides; all ``maybe`` is yes."""
    for predicate in predicates:
        result = predicate(event)
        if result is PredicateResult.yes:
            return True
        if result is PredicateResult.no:
            return False
        if result is not PredicateResult.maybe:
            raise TypeError(f"Invalid predicate result: {result!r}")
    return True


def _ignore(event: LogEvent) -> None:
    pass


@implementer(ILogObserver)
class FilteringLogObserver:
    """An observer passing events that the predicates accept to ``observer``.

    Rejected events go to ``negativeObserver`` when one is given.
    """

    def __init__(
        self,
        observer: Callable[[LogEvent], object],
        predicates: Iterable[Callable[[LogEvent], _Result]],
        negativeObserver: Callable[[LogEvent], object] = _ignore,
    ) -> None:
        self._observer = observer
        self._shouldLogEvent = list(predicates)
        self._negativeObserver = negativeObserver

    def __call__(self, event: LogEvent) -> None:
        if not shouldLogEvent(self._shouldLogEvent, event):
            self._negativeObserver(event)
            return
        trace = event.get("log_trace")
        if trace is not None:  # someone is tracing where this event goes
            trace.append((self, self._observer))
        self._observer(event)


@implementer(ILogFilterPredicate)
class LogLevelFilterPredicate:
    """Rejects (``no``) events below the level set for their namespace, else ``maybe``.

    An event without ``log_level`` or with no (or an empty) ``log_namespace`` is rejected.

    A namespace without a level of its own takes its nearest dotted parent's, then
    ``defaultLogLevel``.
    """

    def __init__(self, defaultLogLevel: LogLevel = LogLevel.info) -> None:
        self._logLevelsByNamespace: dict[str, LogLevel] = {}
        self.defaultLogLevel = defaultLogLevel
        self.clearLogLevels()

    def logLevelForNamespace(self, namespace: str | None) -> LogLevel:
        """The level for ``namespace``: its own, its nearest parent's, or the default."""
        if not namespace:
            return self._logLevelsByNamespace[""]
        levels = self._logLevelsByNamespace
        if namespace in levels:
            return levels[namespace]
        parts = namespace.split(".")
        while parts:
            parts.pop()
            candidate = ".".join(parts)
            if candidate in levels:
                return levels[candidate]
        return levels[""]

    def setLogLevelForNamespace(self, namespace: str, level: LogLevel) -> None:
        """Set the level for ``namespace`` and the namespaces below it."""
        if not isinstance(level, LogLevel):
            raise InvalidLogLevelError(level)
        self._logLevelsByNamespace[namespace] = level

    def clearLogLevels(self) -> None:
        """Forget every namespace's level: everything is at ``defaultLogLevel``."""
        self._logLevelsByNamespace.clear()
        self._logLevelsByNamespace[""] = self.defaultLogLevel

    def __call__(self, event: LogEvent) -> _Result:
        level = event.get("log_level")
        namespace = event.get("log_namespace")
        if not isinstance(level, LogLevel) or not namespace:
            return PredicateResult.no
        if level._priority < self.logLevelForNamespace(namespace)._priority:
            return PredicateResult.no
        return PredicateResult.maybe
