"""twistio.python.log: Twisted's classic msg/err API and legacy observers, compared with Twisted."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from twisted.python import log as tlog
from twisted.python.failure import Failure as TFailure

from twistio.logger import (
    LogBeginner,
    Logger,
    LogLevel,
    LogPublisher,
    _stdlib,
    formatEvent,
    globalLogPublisher,
)
from twistio.python import log
from twistio.python.failure import Failure


@pytest.fixture
def legacy() -> Any:
    events: list[dict[str, Any]] = []
    log.addObserver(events.append)
    yield events
    log.removeObserver(events.append)


@pytest.fixture
def twisted_legacy() -> Any:
    events: list[dict[str, Any]] = []
    tlog.addObserver(events.append)
    yield events
    tlog.removeObserver(events.append)


_COMMON = (
    "message",
    "system",
    "isError",
    "why",
    "format",
    "log_level",
    "log_namespace",
    "log_system",
)


def _view(event: dict[str, Any]) -> dict[str, Any]:
    view = {k: event[k] for k in _COMMON if k in event}
    if "log_level" in view:
        view["log_level"] = view["log_level"].name
    view["has_failure"] = "failure" in event
    return view


def test_msg_like_twisted(
    legacy: list[dict[str, Any]], twisted_legacy: list[dict[str, Any]]
) -> None:
    for module in (log, tlog):
        module.msg("a", "b", system="S", x=1)
        module.msg(format="%(x)s is %(y)s", x=1, y=2)
        module.msg()
    assert [_view(e) for e in legacy] == [_view(e) for e in twisted_legacy]
    assert [log.textFromEventDict(e) for e in legacy] == ["a b", "1 is 2", None]
    assert [tlog.textFromEventDict(e) for e in twisted_legacy] == ["a b", "1 is 2", None]
    assert legacy[0]["x"] == 1 and isinstance(legacy[0]["time"], float)


def test_err_like_twisted(
    legacy: list[dict[str, Any]],
    twisted_legacy: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.CRITICAL + 1)
    for module, F in ((log, Failure), (tlog, TFailure)):
        try:
            1 / 0
        except ZeroDivisionError:
            module.err(None, "why text")
        module.err(F(ValueError("v")))
        module.err(ValueError("plain"), "w")
        module.err("not an error")
    assert [_view(e) for e in legacy] == [_view(e) for e in twisted_legacy]
    ours = [log.textFromEventDict(e) for e in legacy]
    theirs = [tlog.textFromEventDict(e) for e in twisted_legacy]
    assert [t.splitlines()[0] for t in ours] == [t.splitlines()[0] for t in theirs]  # type: ignore[union-attr]
    assert [t.splitlines()[-1] for t in ours] == [t.splitlines()[-1] for t in theirs]  # type: ignore[union-attr]


def test_err_outside_except_raises() -> None:
    from twistio.python.failure import NoCurrentExceptionError

    with pytest.raises(NoCurrentExceptionError):
        log.err()


def test_err_events_carry_log_failure(caplog: pytest.LogCaptureFixture) -> None:
    """New-style observers (and trial's collector) find the Failure under ``log_failure``."""
    events: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(events.append)
    try:
        log.err(ValueError("x"), "context")
    finally:
        globalLogPublisher.removeObserver(events.append)
    (event,) = events
    assert event["isError"] == 1
    assert isinstance(event["log_failure"], Failure) and event["log_failure"].check(ValueError)
    assert event["log_level"] is LogLevel.critical
    assert formatEvent(event) == "context"
    (record,) = [r for r in caplog.records if r.name == "log_legacy"]
    assert record.levelno == logging.CRITICAL and record.getMessage().startswith("context")


def test_new_events_to_legacy_observer_like_twisted(
    legacy: list[dict[str, Any]],
    twisted_legacy: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from twisted.logger import Logger as TLogger

    caplog.set_level(logging.CRITICAL + 1)
    for L in (Logger, TLogger):
        L(namespace="nsx").info("new {a}", a=1)
        try:
            1 / 0
        except ZeroDivisionError:
            L(namespace="nsx").failure("fail {a}", a=2)
    assert [_view(e) for e in legacy] == [_view(e) for e in twisted_legacy]
    assert log.textFromEventDict(legacy[0]) == "new 1"
    text = log.textFromEventDict(legacy[1])
    assert text is not None and text.startswith("fail 2\nTraceback")
    assert legacy[1]["failure"] is legacy[1]["log_failure"]


def test_textFromEventDict_like_twisted() -> None:
    cases: list[dict[str, Any]] = [
        {"message": (), "isError": 1},
        {"message": ("x", 1), "format": "%(bad)s"},
        {"message": (), "format": "%(bad)s", "isError": 0},
        {"message": (), "format": "%(a)s %(b)d", "a": 1, "b": "x", "isError": 0},
        {"message": (), "isError": 1, "failure": "nope", "why": "w"},
    ]
    for case in cases:
        assert log.textFromEventDict(dict(case)) == tlog.textFromEventDict(dict(case))


def test_context_and_callWithLogger(
    legacy: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL + 1)
    assert log.callWithContext({"system": "ctx"}, lambda: log.msg("in ctx") or 5) == 5
    log.msg("outside")

    class P:
        def logPrefix(self) -> str:
            return "PFX"

    def fails() -> None:
        log.msg("inside")
        raise ValueError("x")

    assert log.callWithLogger(P(), fails) is None
    assert [(e["system"], e["isError"]) for e in legacy] == [
        ("ctx", 0),
        ("-", 0),
        ("PFX", 0),
        ("PFX", 1),
    ]


def test_remove_observer_and_observers_list() -> None:
    events: list[dict[str, Any]] = []
    log.addObserver(events.append)
    log.addObserver(events.append)
    assert log.theLogPublisher.observers.count(events.append) == 1
    log.msg("one")
    log.removeObserver(events.append)
    log.removeObserver(events.append)
    log.msg("two")
    assert [e["message"] for e in events] == [("one",)]


def test_legacy_file_observer_format() -> None:
    out = io.StringIO()
    obs = log.FileLogObserver(out)
    obs.timeFormat = "T"
    obs.emit({"message": ("multi\nline",), "time": 0.0, "system": "S", "isError": 0})
    obs.emit({"message": (), "time": 0.0, "isError": 0})
    assert out.getvalue() == "T [S] multi\n\tline\n"
    theirs = io.StringIO()
    tobs = tlog.FileLogObserver(theirs)
    tobs.timeFormat = "T"
    tobs.emit({"message": ("multi\nline",), "time": 0.0, "system": "S", "isError": 0})
    assert theirs.getvalue() == out.getvalue()


def test_startLogging(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stdio:
        stdout = io.StringIO()
        stderr = io.StringIO()

    class Warnings:
        showwarning = staticmethod(lambda *a: None)

    monkeypatch.setattr(_stdlib._begun, "begun", _stdlib._begun.begun)
    twistio_logger = logging.getLogger("twistio")
    monkeypatch.setattr(twistio_logger, "propagate", twistio_logger.propagate)
    monkeypatch.setattr(twistio_logger, "level", twistio_logger.level)
    beginner = LogBeginner(globalLogPublisher, io.StringIO(), Stdio, Warnings)
    monkeypatch.setattr(log.theLogPublisher, "_logBeginner", beginner)
    out = io.StringIO()
    before = list(globalLogPublisher._observers)
    try:
        log.startLogging(out)
        log.msg("hello")
        Stdio.stdout.write("printed\n")
    finally:
        for observer in list(globalLogPublisher._observers):
            if observer not in before:
                globalLogPublisher.removeObserver(observer)
        for observer in before:
            if observer not in globalLogPublisher._observers:
                globalLogPublisher.addObserver(observer)
    lines = out.getvalue().splitlines()
    assert [line.split(" ", 2)[-1] for line in lines[-3:]] == [
        "[-] Log opened.",
        "[-] hello",
        "[-] printed",
    ]


def test_python_logging_observer(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="legacy.tests")
    obs = log.PythonLoggingObserver("legacy.tests")
    obs.emit({"message": ("hi",), "isError": 0, "time": 0.0})
    obs.emit(
        {"message": (), "isError": 1, "failure": Failure(ValueError("v")), "why": None, "time": 0.0}
    )
    obs.emit({"message": ("lvl",), "isError": 0, "logLevel": logging.WARNING, "time": 0.0})
    records = [
        (r.levelno, r.getMessage().splitlines()[0])
        for r in caplog.records
        if r.name == "legacy.tests"
    ]
    assert records == [
        (logging.INFO, "hi"),
        (logging.ERROR, "Unhandled Error"),
        (logging.WARNING, "lvl"),
    ]
    obs.start()
    obs.stop()


def test_logfile_and_logerr() -> None:
    events: list[dict[str, Any]] = []
    pub = LogPublisher(events.append)
    f = log.LoggingFile(Logger(namespace="t", observer=pub), LogLevel.error)
    f.write("a\nb")
    f.writelines(["c\n"])
    f.close()
    assert [(e["log_io"], e["log_level"].name) for e in events] == [("a", "error"), ("bc", "error")]
    assert log.logerr.level is LogLevel.error and log.logfile.level is LogLevel.info
