"""Structured logging with Twisted's ``twisted.logger`` API, routed to ``logging`` by default.

Everything logged here reaches the standard library's ``logging`` module, under a logger
named by the event's namespace, with no handler of twistio's own: an asyncio application's
logging configuration shows twistio's logs as it shows its own. Twisted's way (observers on
``globalLogPublisher``, ``globalLogBeginner.beginLoggingTo``) works as in Twisted, and
``logging``'s records can be observed too: twistio's own (logger ``"twistio"``) always are,
any others with ``observe_stdlib_logging``.
"""

from twistio.logger._buffer import LimitedHistoryLogObserver as LimitedHistoryLogObserver
from twistio.logger._capture import capturedLogs as capturedLogs
from twistio.logger._file import FileLogObserver as FileLogObserver
from twistio.logger._file import textFileLogObserver as textFileLogObserver
from twistio.logger._filter import FilteringLogObserver as FilteringLogObserver
from twistio.logger._filter import ILogFilterPredicate as ILogFilterPredicate
from twistio.logger._filter import LogLevelFilterPredicate as LogLevelFilterPredicate
from twistio.logger._filter import PredicateResult as PredicateResult
from twistio.logger._flatten import extractField as extractField
from twistio.logger._format import eventAsText as eventAsText
from twistio.logger._format import formatEvent as formatEvent
from twistio.logger._format import formatEventAsClassicLogText as formatEventAsClassicLogText
from twistio.logger._format import formatTime as formatTime
from twistio.logger._format import timeFormatRFC3339 as timeFormatRFC3339
from twistio.logger._global import LogBeginner as LogBeginner
from twistio.logger._global import globalLogBeginner as globalLogBeginner
from twistio.logger._global import globalLogPublisher as globalLogPublisher
from twistio.logger._io import LoggingFile as LoggingFile
from twistio.logger._json import eventAsJSON as eventAsJSON
from twistio.logger._json import eventFromJSON as eventFromJSON
from twistio.logger._json import eventsFromJSONLogFile as eventsFromJSONLogFile
from twistio.logger._json import jsonFileLogObserver as jsonFileLogObserver
from twistio.logger._levels import InvalidLogLevelError as InvalidLogLevelError
from twistio.logger._levels import LogLevel as LogLevel
from twistio.logger._logger import Logger as Logger
from twistio.logger._logger import Operation as Operation
from twistio.logger._logger import _loggerFor as _loggerFor
from twistio.logger._observer import ILogObserver as ILogObserver
from twistio.logger._observer import LogEvent as LogEvent
from twistio.logger._observer import LogPublisher as LogPublisher
from twistio.logger._stdlib import PublishingHandler as PublishingHandler
from twistio.logger._stdlib import STDLibLogObserver as STDLibLogObserver
from twistio.logger._stdlib import observe_stdlib_logging as observe_stdlib_logging

__all__ = [
    "FileLogObserver",
    "FilteringLogObserver",
    "ILogFilterPredicate",
    "ILogObserver",
    "InvalidLogLevelError",
    "LegacyLogObserverWrapper",
    "LimitedHistoryLogObserver",
    "LogBeginner",
    "LogEvent",
    "LogLevel",
    "LogLevelFilterPredicate",
    "LogPublisher",
    "Logger",
    "LoggingFile",
    "Operation",
    "PredicateResult",
    "PublishingHandler",
    "STDLibLogObserver",
    "capturedLogs",
    "eventAsJSON",
    "eventAsText",
    "eventFromJSON",
    "eventsFromJSONLogFile",
    "extractField",
    "formatEvent",
    "formatEventAsClassicLogText",
    "formatTime",
    "globalLogBeginner",
    "globalLogPublisher",
    "jsonFileLogObserver",
    "observe_stdlib_logging",
    "textFileLogObserver",
    "timeFormatRFC3339",
]


def __getattr__(name: str) -> object:
    # Defined with the legacy API (which is built on this package): fetched on first use.
    if name == "LegacyLogObserverWrapper":
        from twistio.logger._legacy import LegacyLogObserverWrapper

        return LegacyLogObserverWrapper
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
