"""twistio.logger's private modules laid out as Twisted's (``_interfaces``, ``_flatten``,
``_legacy``, ``_util``, ``_capture``) and the legacy ``twistio.python.log`` behaviour they
carry; each compared with Twisted where the output is plain data."""

from __future__ import annotations

import calendar
import io
import sys
import time
from datetime import timedelta
from typing import Any

import pytest
from twisted.logger import _flatten as t_flatten
from twisted.logger import _legacy as t_legacy
from twisted.python import _tzhelper as t_tz
from twisted.python import log as t_log

from twistio.logger import Logger, LogLevel, LogPublisher, _capture, _flatten, _legacy, _util
from twistio.logger._interfaces import ILogObserver
from twistio.logger._observer import bitbucketLogObserver
from twistio.python import _tzhelper, log


def test_key_flattener_counts_each_field_occurrence() -> None:
    ours, theirs = _flatten.KeyFlattener(), t_flatten.KeyFlattener()
    calls = [("a", "", None), ("a", "", None), ("a", "x", "r"), ("a", None, None), ("b", "", "s")]
    assert [ours.flatKey(*c) for c in calls] == [theirs.flatKey(*c) for c in calls]


@pytest.mark.parametrize(
    "fmt",
    ["{a} {a!r} {o.x} {o.m()} {a} {c[0]}", "no fields", "{a}{a}{a!s}", "{x.nope} {a}"],
)
def test_flatten_event_keys_match_twisted(fmt: str) -> None:
    class Obj:
        x = 5

        def m(self) -> str:
            return "called"

    def event() -> dict[str, Any]:
        return {"log_format": fmt, "a": "A", "o": Obj(), "c": [9], "x": 1}

    ours, theirs = event(), event()
    _flatten.flattenEvent(ours)
    try:
        t_flatten.flattenEvent(theirs)
    except AttributeError:  # Twisted raises on a field it cannot read; twistio leaves it out
        assert "x.nope!s:" not in ours["log_flattened"]
        return
    assert ours.get("log_flattened") == theirs.get("log_flattened")
    if "log_flattened" in ours:
        assert _flatten.flatFormat(ours) == t_flatten.flatFormat(theirs)


def test_extract_field_does_not_touch_the_event() -> None:
    event: dict[str, Any] = {"log_format": "{n} {n!r}", "n": 7, "other": 1}
    assert _flatten.extractField("n", event) == 7
    assert _flatten.extractField("n!r", event) == "7"
    assert "log_flattened" not in event
    for absent in ("missing", "other"):  # only the fields of the format
        with pytest.raises(KeyError):
            _flatten.extractField(absent, event)


def test_format_trace() -> None:
    seen: list[dict[str, Any]] = []

    def leaf(event: dict[str, Any]) -> None:
        seen.append(event)

    inner = LogPublisher(leaf)
    outer = LogPublisher(inner, bitbucketLogObserver)
    outer.name = "outer"  # type: ignore[attr-defined]
    Logger(observer=outer).info("x", log_trace=[])
    text = _util.formatTrace(seen[0]["log_trace"])
    lines = text.splitlines()
    assert lines[1] == f"  -> {outer} (outer)"
    assert lines[2] == f"    -> {inner}"
    assert lines[3] == f"      -> {leaf}"
    assert lines[4] == f"    -> {bitbucketLogObserver}"
    assert ILogObserver.providedBy(bitbucketLogObserver)  # type: ignore[attr-defined]


def test_captured_logs() -> None:
    with _capture.capturedLogs() as events:
        Logger().info("captured {n}", n=1)
    assert [e["n"] for e in events] == [1]


def _legacy_events(event: dict[str, Any], wrapper: Any) -> dict[str, Any]:
    got: list[dict[str, Any]] = []
    wrapper(got.append)(dict(event))
    return got[0]


@pytest.mark.parametrize(
    "event",
    [
        {"log_format": "Hello, {message}!", "message": "world"},
        {"log_format": "{x}", "x": 1, "message": ("kept",)},
        {"message": ("a", "b")},
        {"log_format": "e", "log_level": LogLevel.error},
        {"log_format": "c", "log_level": LogLevel.critical},
        {"log_format": "w", "log_level": LogLevel.warn, "log_system": "s"},
    ],
)
def test_legacy_wrapper_matches_twisted(event: dict[str, Any]) -> None:
    from twisted.logger import LogLevel as TLevel

    base = {"log_time": 1.0, "log_level": LogLevel.info}
    theirs_event = {**base, **event}
    theirs_event["log_level"] = TLevel.lookupByName(theirs_event["log_level"].name)
    ours = _legacy_events({**base, **event}, _legacy.LegacyLogObserverWrapper)
    theirs = _legacy_events(theirs_event, t_legacy.LegacyLogObserverWrapper)
    for key in ("message", "isError", "system", "format", "time"):
        assert ours.get(key) == theirs.get(key), key
    assert log.textFromEventDict(ours) == t_log.textFromEventDict(theirs)


@pytest.mark.parametrize("level", [30, "WARNING", "Foo!!!", None])
def test_publish_to_new_observer_levels(level: Any) -> None:
    def legacy() -> dict[str, Any]:
        event: dict[str, Any] = {"message": ("m",), "time": time.time(), "isError": 0}
        if level is not None:
            event["logLevel"] = level
        return event

    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    _legacy.publishToNewObserver(ours.append, legacy(), log.textFromEventDict)
    t_legacy.publishToNewObserver(theirs.append, legacy(), t_log.textFromEventDict)
    assert getattr(ours[0].get("log_level"), "name", None) == getattr(
        theirs[0].get("log_level"), "name", None
    )
    assert ours[0]["log_system"] == ours[0]["system"] == "-"
    assert ours[0]["log_namespace"] == "log_legacy"


def test_legacy_publisher_has_its_own_publisher() -> None:
    seen: list[dict[str, Any]] = []
    publisher = log.LogPublisher()
    publisher.addObserver(seen.append)
    Logger().info("to the global publisher")
    assert seen == []
    publisher.msg("to this one")
    assert seen[0]["message"] == ("to this one",)


class _EvilStr:
    def __str__(self) -> str:
        return str(1 // 0)


class _EvilRepr:
    def __str__(self) -> str:
        return "fine"

    def __repr__(self) -> str:
        return str(1 // 0)


class _EvilBoth(_EvilStr, _EvilRepr):
    pass


@pytest.mark.parametrize(
    "kw",
    [
        {"system": _EvilStr()},
        {"system": [_EvilRepr()]},
        {"format": _EvilBoth(), "blat": 1},
        {"format": "%(blat)s", "blat": _EvilBoth()},
    ],
    ids=["evil-str-system", "evil-repr-system", "evil-format", "evil-value"],
)
def test_file_observer_survives_unprintable_events(kw: dict[str, Any]) -> None:
    def line(module: Any) -> str:
        out = io.StringIO()
        publisher = module.LogPublisher()
        observer = module.FileLogObserver(out)
        observer.getTimezoneOffset = lambda when: 0
        publisher.addObserver(observer.emit)
        publisher.msg("huh", **kw)
        return out.getvalue().split(" ", 2)[2]  # after the time

    assert line(log) == line(t_log)


@pytest.mark.parametrize("west", [18000, -3600, 5400, -5400, 1800, -1800, 0])
def test_file_observer_time_in_its_zone(west: int) -> None:
    when = calendar.timegm((2001, 2, 3, 4, 5, 6, 7, 8, 0))
    ours, theirs = log.FileLogObserver(io.StringIO()), t_log.FileLogObserver(io.StringIO())
    ours.getTimezoneOffset = theirs.getTimezoneOffset = lambda when: west  # type: ignore[method-assign]
    assert ours.formatTime(when) == theirs.formatTime(when)


def test_fixed_offset_time_zones() -> None:
    cases = [timedelta(hours=-5, minutes=-30), timedelta(hours=5, minutes=7), timedelta(0)]
    for offset in cases:
        assert _tzhelper.FixedOffsetTimeZone(offset).tzname(None) == t_tz.FixedOffsetTimeZone(
            offset
        ).tzname(None)
    zone = _tzhelper.FixedOffsetTimeZone.fromSignHoursMinutes("-", 5, 30)
    assert (zone.name, zone.offset) == ("-05:30", timedelta(hours=-5, minutes=-30))
    assert zone.dst(None) == timedelta(0)
    assert _tzhelper.UTC.tzname(None) == t_tz.UTC.tzname(None) == "+00:00"
    for stamp in (0.0, 1e9, 1.7e9):
        assert (
            _tzhelper.FixedOffsetTimeZone.fromLocalTimeStamp(stamp).offset
            == t_tz.FixedOffsetTimeZone.fromLocalTimeStamp(stamp).offset
        )


def test_failure_handlers_swallow_base_exceptions_but_not_cancellation() -> None:
    import asyncio

    events: list[dict[str, Any]] = []
    logger = Logger(observer=events.append)
    handler = logger.failureHandler("handled")
    with handler:
        raise KeyboardInterrupt()
    assert events[-1]["log_failure"].type is KeyboardInterrupt
    with pytest.raises(asyncio.CancelledError), handler:
        raise asyncio.CancelledError()
    with logger.failuresHandled("op") as op:
        assert not op.succeeded and not op.failed  # still running
        raise KeyboardInterrupt()
    assert op.failed and not op.succeeded
    with logger.failuresHandled("op") as op:
        pass
    assert op.succeeded and not op.failed
    with pytest.raises(asyncio.CancelledError), logger.failuresHandled("op"):
        raise asyncio.CancelledError()


def test_subclass_emit_sees_every_level() -> None:
    seen: list[tuple[LogLevel, str | None]] = []

    class Recording(Logger):
        def emit(self, level: LogLevel, format: str | None = None, **kwargs: object) -> None:
            seen.append((level, format))
            super().emit(level, format, **kwargs)

    log_ = Recording(observer=bitbucketLogObserver)
    for level in LogLevel.iterconstants():
        getattr(log_, level.name)("at {name}", name=level.name)
    assert seen == [(level, "at {name}") for level in LogLevel.iterconstants()]


def test_stdlib_records_point_at_the_log_call() -> None:
    import logging

    from twistio.logger import STDLibLogObserver

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    target = logging.getLogger("twistio-test-caller")
    handler = Keep()
    target.addHandler(handler)
    target.setLevel(logging.DEBUG)
    try:
        observer = STDLibLogObserver(name="twistio-test-caller")
        Logger(observer=LogPublisher(observer)).info("from here")
        line = sys._getframe().f_lineno - 1
        observer({"log_format": "direct"})
        direct = sys._getframe().f_lineno - 1
    finally:
        target.removeHandler(handler)
    assert [(r.pathname, r.lineno, r.funcName) for r in records] == [
        (__file__, line, "test_stdlib_records_point_at_the_log_call"),
        (__file__, direct, "test_stdlib_records_point_at_the_log_call"),
    ]


def test_logging_file_is_write_only() -> None:
    import io as _io

    from twistio.logger import LoggingFile

    f = LoggingFile(Logger(observer=bitbucketLogObserver))
    for method in (f.read, f.readline, f.seek, f.tell):
        with pytest.raises(OSError):
            method()
    with pytest.raises(_io.UnsupportedOperation):
        f.fileno()
    with pytest.warns(DeprecationWarning, match="softspace was deprecated in Twisted 21.2.0"):
        assert f.softspace == 0


def test_own_beginner_writes_criticals_until_logging_begins() -> None:
    from twistio.logger import LogBeginner

    class NotSys:
        stdout = object()
        stderr = object()

    import warnings as _warnings

    publisher = LogPublisher()
    stream = io.StringIO()
    beginner = LogBeginner(publisher, stream, NotSys, _warnings)
    log_ = Logger(observer=publisher)
    log_.info("not this")
    log_.critical("a critical {what}", what="thing")
    assert stream.getvalue() == "a critical thing\n"
    beginner.beginLoggingTo([bitbucketLogObserver], redirectStandardIO=False)
    log_.critical("after")
    assert stream.getvalue() == "a critical thing\n"
