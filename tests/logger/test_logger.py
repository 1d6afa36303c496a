"""twistio.logger: events, formatting, observers, the beginner, and the bridges to ``logging``.

Where behaviour is simple to compare, the same input goes through Twisted's
``twisted.logger`` and the results must match.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from twisted import logger as tl
from twisted.python.failure import Failure as TFailure

from twistio import logger as L
from twistio.internet.testing import EventLoggingObserver
from twistio.logger import (
    FilteringLogObserver,
    LimitedHistoryLogObserver,
    LogBeginner,
    Logger,
    LogLevel,
    LogLevelFilterPredicate,
    LogPublisher,
    PredicateResult,
    PublishingHandler,
    STDLibLogObserver,
    _stdlib,
    globalLogPublisher,
)
from twistio.python.failure import Failure


def _collect() -> tuple[list[dict[str, Any]], LogPublisher]:
    events: list[dict[str, Any]] = []
    return events, LogPublisher(events.append)


# -- levels ---------------------------------------------------------------------------


def test_levels_like_twisted() -> None:
    ours = [lv.name for lv in LogLevel.iterconstants()]
    theirs = [lv.name for lv in tl.LogLevel.iterconstants()]
    assert ours == theirs
    assert repr(LogLevel.warn) == repr(tl.LogLevel.warn)
    assert LogLevel.debug < LogLevel.info < LogLevel.warn < LogLevel.error < LogLevel.critical
    assert LogLevel.levelWithName("error") is LogLevel.error
    assert LogLevel.lookupByName("info") is LogLevel.info
    with pytest.raises(L.InvalidLogLevelError):
        LogLevel.levelWithName("loud")
    assert isinstance(LogLevel.info, LogLevel)


# -- Logger and events ------------------------------------------------------------------


def test_event_keys_like_twisted() -> None:
    events, pub = _collect()
    Logger(namespace="ns", observer=pub).info("hello {x}", x=1)
    theirs: list[dict[str, Any]] = []
    tl.Logger(namespace="ns", observer=theirs.append).info("hello {x}", x=1)
    assert list(events[0]) == list(theirs[0])
    assert events[0]["log_level"] is LogLevel.info
    assert events[0]["log_namespace"] == "ns"
    assert events[0]["log_source"] is None
    assert events[0]["log_format"] == "hello {x}"
    assert isinstance(events[0]["log_time"], float)


def test_default_namespace_is_calling_module() -> None:
    assert Logger().namespace == __name__
    assert repr(Logger(namespace="a.b")) == "<Logger 'a.b'>"


class _Thing:
    log = Logger()


class _SubThing(_Thing):
    pass


def test_descriptor_namespace_and_source() -> None:
    assert _Thing.log.namespace == f"{__name__}._Thing"
    assert _Thing.log.source is _Thing
    sub = _SubThing()
    assert sub.log.namespace == f"{__name__}._SubThing"
    assert sub.log.source is sub


def test_descriptor_matches_twisted() -> None:
    def make(module: Any) -> tuple[str, bool, bool]:
        class A:
            log = module.Logger()

        a = A()
        return a.log.namespace, a.log.source is a, A.log.source is A

    assert make(L) == make(tl)


def test_levels_methods() -> None:
    events, pub = _collect()
    log = Logger(namespace="n", observer=pub)
    log.debug("d")
    log.info("i")
    log.warn("w")
    log.error("e")
    log.critical("c")
    assert [e["log_level"].name for e in events] == ["debug", "info", "warn", "error", "critical"]


def test_failure_event() -> None:
    events, pub = _collect()
    log = Logger(namespace="n", observer=pub)
    try:
        1 / 0
    except ZeroDivisionError:
        log.failure("oops {a}", a=2)
    event = events[0]
    assert isinstance(event["log_failure"], Failure)
    assert event["log_failure"].check(ZeroDivisionError)
    assert event["log_level"] is LogLevel.critical
    assert event["isError"] == 1
    assert L.formatEvent(event) == "oops 2"


def test_failure_given_and_level() -> None:
    events, pub = _collect()
    f = Failure(ValueError("x"))
    Logger(namespace="n", observer=pub).failure("f", f, LogLevel.error)
    assert events[0]["log_failure"] is f
    assert events[0]["log_level"] is LogLevel.error


def test_invalid_level_logs_failure() -> None:
    events, pub = _collect()
    Logger(namespace="n", observer=pub).emit("loud", "x")  # type: ignore[arg-type]
    assert events[0]["log_level"] is LogLevel.critical
    assert events[0]["log_failure"].check(L.InvalidLogLevelError)
    assert "Got invalid log level 'loud'" in L.formatEvent(events[0])


def test_failures_handled() -> None:
    events, pub = _collect()
    log = Logger(namespace="n", observer=pub)
    with log.failuresHandled("doing {what}", what="x") as op:
        raise ValueError("bad")
    assert op.failed and not op.succeeded
    assert op.failure is not None and op.failure.check(ValueError)
    assert L.formatEvent(events[0]) == "doing x"
    with log.failuresHandled("fine") as op2:
        pass
    assert op2.succeeded
    handler = log.failureHandler("static")
    with handler:
        raise KeyError("k")
    with handler:
        pass
    assert len(events) == 2
    assert events[1]["log_failure"].check(KeyError)


def test_log_trace() -> None:
    events, pub = _collect()
    log = Logger(namespace="n", observer=pub)
    trace: list[Any] = []
    log.info("x", log_trace=trace)
    assert trace == [(log, pub), (pub, events.append)]


# -- the level gate ---------------------------------------------------------------------


class _Boom:
    def __str__(self) -> str:
        raise AssertionError("formatted")


def test_debug_not_built_when_nobody_listens(caplog: pytest.LogCaptureFixture) -> None:
    pub = LogPublisher(STDLibLogObserver())
    log = Logger(namespace="tests.gate", observer=pub)
    logging.getLogger("tests.gate").setLevel(logging.INFO)
    sent: list[Any] = []
    try:
        log.debug("{x}", x=_Boom(), log_trace=sent)
        log.emit(LogLevel.debug, "{x}", x=_Boom(), log_trace=sent)
        assert sent == []
        log.info("shown {x}", x=1, log_trace=sent)
        assert sent
        logging.getLogger("tests.gate").setLevel(logging.DEBUG)
        log.debug("now shown", log_trace=sent)
    finally:
        logging.getLogger("tests.gate").setLevel(logging.NOTSET)
    assert [r.getMessage() for r in caplog.records if r.name == "tests.gate"] == [
        "shown 1",
        "now shown",
    ]


def test_any_plain_observer_gets_debug() -> None:
    events, pub = _collect()
    pub.addObserver(STDLibLogObserver())
    Logger(namespace="tests.gate2", observer=pub).debug("d")
    assert len(events) == 1


def test_empty_publisher_wants_nothing() -> None:
    trace: list[Any] = []
    Logger(namespace="x", observer=LogPublisher()).critical("c", log_trace=trace)
    assert trace == []


# -- formatting -------------------------------------------------------------------------


class _BadStr:
    def __str__(self) -> str:
        raise RuntimeError("nope")

    def __repr__(self) -> str:
        return "BadStr()"


@pytest.mark.parametrize(
    "fmt",
    [
        "plain",
        "{x}",
        "{x!r} and {y!r}",
        "{y:>6}|",
        "{d[k]} {n.real}",
        "{f()}",
        "{{escaped}} {x}",
        "{missing}",
        "{",
        "}",
        "{0}",
        None,
        "",
    ],
)
def test_formatEvent_like_twisted(fmt: str | None) -> None:
    def make() -> dict[str, Any]:
        return {"log_format": fmt, "x": 1, "y": "s", "d": {"k": 5}, "n": 3, "f": _seven}

    assert L.formatEvent(make()) == tl.formatEvent(make())


def _seven() -> int:
    return 7


def test_formatEvent_bytes_and_unformattable() -> None:
    assert L.formatEvent({"log_format": b"b {x}", "x": 1}) == "b 1"
    event = {"log_format": "{x}", "x": _BadStr()}
    assert L.formatEvent(event) == tl.formatEvent(event)
    assert L.formatEvent({}) == "" == tl.formatEvent({})


def test_formatTime_like_twisted() -> None:
    for when in (0.0, 1700000000.5, None):
        assert L.formatTime(when) == tl.formatTime(when)
        assert L.formatTime(when, "%H:%M") == tl.formatTime(when, "%H:%M")
    assert L.formatTime(5.0, None, "x") == "x"


def _events_for_text() -> list[dict[str, Any]]:
    base = {"log_format": "hi {a}", "a": 1, "log_time": 1700000000.5}
    return [
        dict(base, log_namespace="ns", log_level="LEVEL"),
        dict(base, log_system="sys"),
        {"log_format": "a\nb", "log_time": 0.0},
        {"log_format": None},
        dict(base),
    ]


def _fix_level(event: dict[str, Any], module: Any) -> dict[str, Any]:
    if event.get("log_level") == "LEVEL":
        event["log_level"] = module.LogLevel.info
    return event


def test_classic_text_like_twisted() -> None:
    for event in _events_for_text():
        assert L.formatEventAsClassicLogText(_fix_level(dict(event), L)) == (
            tl.formatEventAsClassicLogText(_fix_level(dict(event), tl))
        )
        for kw in ({}, {"includeTimestamp": False}, {"includeSystem": False}):
            assert L.eventAsText(_fix_level(dict(event), L), **kw) == tl.eventAsText(
                _fix_level(dict(event), tl), **kw
            )


def test_text_with_failure_like_twisted() -> None:
    try:
        raise ValueError("v")
    except ValueError:
        ours, theirs = Failure(), TFailure()
    event = {"log_format": "bad", "log_time": 0.0, "log_system": "s"}
    ours_text = L.formatEventAsClassicLogText(dict(event, log_failure=ours))
    theirs_text = tl.formatEventAsClassicLogText(dict(event, log_failure=theirs))
    assert ours_text is not None and theirs_text is not None
    # The frame lines name the same file and function; the source line may differ.
    assert ours_text.splitlines()[0] == theirs_text.splitlines()[0]
    assert ours_text.splitlines()[-2:] == theirs_text.splitlines()[-2:]
    assert "\n\tTraceback (most recent call last):\n" in ours_text


def test_textFileLogObserver() -> None:
    out = io.StringIO()
    obs = L.textFileLogObserver(out, timeFormat=None)
    obs({"log_format": "x {a}", "a": 1, "log_namespace": "n", "log_level": LogLevel.warn})
    obs({"log_format": None})
    assert out.getvalue() == "- [n#warn] x 1\n"
    binary = io.BytesIO()
    L.textFileLogObserver(binary)({"log_format": "é", "log_time": 0.0})
    assert binary.getvalue().decode("utf-8").endswith("] é\n")


# -- JSON -------------------------------------------------------------------------------


def test_json_round_trip() -> None:
    out = io.StringIO()
    obs = L.jsonFileLogObserver(out)
    try:
        1 / 0
    except ZeroDivisionError:
        f = Failure()
    event = {
        "log_format": "{x!r} {o} {n:>4}",
        "x": "s",
        "o": object(),
        "n": 5,
        "log_level": LogLevel.warn,
        "log_failure": f,
        "log_time": 1.5,
        "b": b"by",
    }
    obs(event)
    assert "log_flattened" not in event
    assert out.getvalue().startswith("\x1e")
    (loaded,) = list(L.eventsFromJSONLogFile(io.StringIO(out.getvalue())))
    assert loaded["log_level"] is LogLevel.warn
    assert loaded["o"] == {"unpersistable": True}
    assert loaded["b"] == "by"
    assert L.formatEvent(loaded) == L.formatEvent(event)
    assert isinstance(loaded["log_failure"], Failure)
    assert "ZeroDivisionError: division by zero" in loaded["log_failure"].getTraceback()


def test_json_reads_twisteds_file_and_twisted_reads_ours() -> None:
    theirs = io.StringIO()
    tl.jsonFileLogObserver(theirs)(
        {"log_format": "{a} {o}", "a": 1, "o": object(), "log_level": tl.LogLevel.error}
    )
    (loaded,) = list(L.eventsFromJSONLogFile(io.StringIO(theirs.getvalue())))
    assert loaded["log_level"] is LogLevel.error
    assert L.formatEvent(loaded).startswith("1 <object object at")
    ours = io.StringIO()
    L.jsonFileLogObserver(ours)({"log_format": "{a}", "a": 1, "log_level": LogLevel.info})
    (back,) = list(tl.eventsFromJSONLogFile(io.StringIO(ours.getvalue())))
    assert back["log_level"] is tl.LogLevel.info
    assert tl.formatEvent(back) == "1"


def test_json_reading_separators_and_bad_records() -> None:
    text = '\x1e{"a": 1}\n\x1ebad json\n\x1e{"b": 2}\n'
    events, pub = _collect()
    from twistio.logger import _json

    old = _json.log
    _json.log = Logger(namespace="t", observer=pub)
    try:
        assert list(L.eventsFromJSONLogFile(io.StringIO(text), bufferSize=3)) == [{"a": 1}, {"b": 2}]
    finally:
        _json.log = old
    assert len(events) == 1 and events[0]["log_level"] is LogLevel.error
    assert list(L.eventsFromJSONLogFile(io.StringIO('{"a": 1}\n{"b": 2}\n'))) == [{"a": 1}, {"b": 2}]
    data = '\x1e{"a": "\u00e9"}\n'.encode()
    assert list(L.eventsFromJSONLogFile(io.BytesIO(data), bufferSize=4)) == [{"a": "é"}]


# -- observers --------------------------------------------------------------------------


def test_publisher_add_remove_and_broken_observer() -> None:
    events: list[dict[str, Any]] = []

    def broken(event: dict[str, Any]) -> None:
        raise RuntimeError("observer bug")

    pub = LogPublisher(broken, events.append)
    pub.addObserver(events.append)
    with pytest.raises(TypeError):
        pub.addObserver(3)  # type: ignore[arg-type]
    pub({"log_format": "x"})
    assert events[0] == {"log_format": "x"}
    report = events[1]
    assert report["log_failure"].check(RuntimeError)
    assert "Temporarily disabling observer" in L.formatEvent(report)
    pub.removeObserver(broken)
    pub.removeObserver(broken)
    events.clear()
    pub({"a": 1})
    assert events == [{"a": 1}]


@pytest.mark.parametrize(
    ("level", "namespace"),
    [
        ("debug", "a"),
        ("info", "a"),
        ("error", "a"),
        ("info", "a.b.c"),
        ("debug", "a.b"),
        ("debug", "a.c"),
        ("info", "x"),
        ("debug", "x"),
        ("info", None),
        (None, "a"),
        ("critical", "a.b."),
    ],
)
def test_level_predicate_like_twisted(level: str | None, namespace: str | None) -> None:
    def decide(module: Any) -> str:
        p = module.LogLevelFilterPredicate()
        p.setLogLevelForNamespace("a.b", module.LogLevel.debug)
        p.setLogLevelForNamespace("a", module.LogLevel.error)
        event: dict[str, Any] = {}
        if level is not None:
            event["log_level"] = module.LogLevel.levelWithName(level)
        if namespace is not None:
            event["log_namespace"] = namespace
        return repr(p(event))

    assert decide(L) == decide(tl)


def test_level_predicate_api() -> None:
    p = LogLevelFilterPredicate(LogLevel.warn)
    assert p.logLevelForNamespace("q") is LogLevel.warn
    p.setLogLevelForNamespace("q", LogLevel.debug)
    assert p.logLevelForNamespace("q.r") is LogLevel.debug
    p.clearLogLevels()
    assert p.logLevelForNamespace("q") is LogLevel.warn
    with pytest.raises(L.InvalidLogLevelError):
        p.setLogLevelForNamespace("q", "info")  # type: ignore[arg-type]


def test_filtering_observer_like_twisted() -> None:
    def run(module: Any) -> tuple[list[str], list[str]]:
        yes: list[str] = []
        no: list[str] = []
        R = module.PredicateResult

        def first(e: dict[str, Any]) -> Any:
            return {"y": R.yes, "n": R.no}.get(e["k"], R.maybe)

        def second(e: dict[str, Any]) -> Any:
            return R.no if e["k"] == "m2" else R.maybe

        f = module.FilteringLogObserver(
            lambda e: yes.append(e["k"]), [first, second], lambda e: no.append(e["k"])
        )
        for k in ("y", "n", "m", "m2"):
            f({"k": k})
        return yes, no

    assert run(L) == run(tl)
    with pytest.raises(TypeError):
        FilteringLogObserver(lambda e: None, [lambda e: "bogus"])({})  # type: ignore[list-item]
    assert repr(PredicateResult.maybe) == repr(tl.PredicateResult.maybe)


def test_limited_history() -> None:
    obs = LimitedHistoryLogObserver(3)
    for i in range(5):
        obs({"i": i})
    seen: list[dict[str, Any]] = []
    obs.replayTo(seen.append)
    assert [e["i"] for e in seen] == [2, 3, 4]


def test_captured_logs_and_event_logging_observer() -> None:
    with L.capturedLogs() as events:
        Logger(namespace="cap").critical("c")
    assert [L.formatEvent(e) for e in events] == ["c"]

    class FakeCase:
        cleanups: list[Any] = []

        def addCleanup(self, f: Any, *a: Any) -> None:
            self.cleanups.append((f, a))

    case = FakeCase()
    pub = LogPublisher()
    obs = EventLoggingObserver.createWithCleanup(case, pub)
    Logger(namespace="x", observer=pub).info("one")
    assert len(obs) == 1 and obs[0]["log_format"] == "one"
    assert [e["log_format"] for e in obs] == ["one"]
    f, a = case.cleanups[0]
    f(*a)
    Logger(namespace="x", observer=pub).info("two")
    assert len(obs) == 1


# -- the beginner -----------------------------------------------------------------------


class _Stdio:
    def __init__(self) -> None:
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()


class _Warnings:
    def __init__(self) -> None:
        self.shown: list[Any] = []
        self.showwarning = lambda *a: self.shown.append(a)


def _beginner(size: int | None = None) -> tuple[LogBeginner, LogPublisher, _Stdio, _Warnings]:
    pub = LogPublisher()
    stdio, warn = _Stdio(), _Warnings()
    return LogBeginner(pub, io.StringIO(), stdio, warn, size), pub, stdio, warn


def test_beginner_buffers_and_replays() -> None:
    beginner, pub, stdio, _ = _beginner(2)
    log = Logger(namespace="b", observer=pub)
    log.debug("not kept")
    for i in range(3):
        log.info("early {i}", i=i)
    seen: list[dict[str, Any]] = []
    beginner.beginLoggingTo([seen.append], redirectStandardIO=False)
    log.info("late")
    assert [L.formatEvent(e) for e in seen] == ["early 1", "early 2", "late"]
    assert isinstance(stdio.stdout, io.StringIO)


def test_beginner_discard_twice_stdio_and_warnings() -> None:
    beginner, pub, stdio, warn = _beginner()
    Logger(namespace="b", observer=pub).info("early")
    seen: list[dict[str, Any]] = []
    beginner.beginLoggingTo([seen.append], discardBuffer=True)
    assert seen == []
    assert isinstance(stdio.stdout, L.LoggingFile)
    stdio.stdout.write("printed\npart")
    stdio.stderr.write("bad\n")
    assert [(e["log_namespace"], e["log_io"], e["log_level"].name) for e in seen] == [
        ("stdout", "printed", "info"),
        ("stderr", "bad", "error"),
    ]
    seen.clear()
    warn.showwarning("careful", DeprecationWarning, "f.py", 3)
    assert L.formatEvent(seen[0]) == "f.py:3: builtins.DeprecationWarning: careful"
    out = io.StringIO()
    warn.showwarning("to file", UserWarning, "f.py", 4, out)
    assert len(seen) == 1 and len(warn.shown) == 1
    second: list[dict[str, Any]] = []
    beginner.beginLoggingTo([second.append], redirectStandardIO=False)
    assert "primary log target selected twice" in L.formatEvent(second[-1])


def test_global_publisher_default_observers() -> None:
    from twistio.logger import _global

    assert _global._defaultForwarder in globalLogPublisher._observers
    assert any(isinstance(h, PublishingHandler) for h in logging.getLogger("twistio").handlers)


# -- the bridges with logging -----------------------------------------------------------


def test_events_reach_logging(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="tests.bridge")
    log = Logger(namespace="tests.bridge")
    log.info("n={n}", n=5)
    log.debug("dbg")
    try:
        1 / 0
    except ZeroDivisionError:
        log.failure("failed")
    records = [r for r in caplog.records if r.name == "tests.bridge"]
    assert [(r.levelname, r.getMessage()) for r in records] == [
        ("INFO", "n=5"),
        ("DEBUG", "dbg"),
        ("CRITICAL", "failed"),
    ]
    assert records[2].exc_info is not None and records[2].exc_info[0] is ZeroDivisionError
    assert records[0].log_event["n"] == 5  # type: ignore[attr-defined]


def test_failure_without_traceback_goes_as_text(caplog: pytest.LogCaptureFixture) -> None:
    Logger(namespace="tests.bridge2").failure("f", Failure(ValueError("v")))
    (record,) = [r for r in caplog.records if r.name == "tests.bridge2"]
    assert record.exc_info is None
    assert record.getMessage().startswith("f\nTraceback")
    assert "ValueError: v" in record.getMessage()


def test_named_stdlib_observer(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="twisted")
    pub = LogPublisher(STDLibLogObserver("twisted"))
    Logger(namespace="x.y", observer=pub).info("a {b}", b=1)
    assert [(r.name, r.getMessage()) for r in caplog.records] == [("twisted", "a 1")]


def test_twistio_stdlib_records_reach_observers(caplog: pytest.LogCaptureFixture) -> None:
    obs = EventLoggingObserver()
    globalLogPublisher.addObserver(obs)
    try:
        try:
            raise KeyError("k")
        except KeyError:
            logging.getLogger("twistio.internet.defer").exception("Unhandled error in Deferred:")
        f = Failure(ValueError("given"))
        logging.getLogger("twistio.x").error("with %s", "extra", extra={"log_failure": f})
    finally:
        globalLogPublisher.removeObserver(obs)
    bridged = [e for e in obs if "log_stdlib_record" in e]
    assert len(bridged) == 2
    first, second = bridged
    assert first["log_namespace"] == "twistio.internet.defer"
    assert first["log_level"] is LogLevel.error
    assert first["isError"] == 1 and first["log_failure"].check(KeyError)
    assert L.formatEvent(first) == "Unhandled error in Deferred:"
    assert second["log_failure"] is f and L.formatEvent(second) == "with extra"
    # logging still handled them as usual, once each.
    names = [r.name for r in caplog.records]
    assert names.count("twistio.internet.defer") == 1 and names.count("twistio.x") == 1


def test_no_loops_between_the_two_directions(caplog: pytest.LogCaptureFixture) -> None:
    events, pub = _collect()
    pub.addObserver(STDLibLogObserver())
    handler = L.observe_stdlib_logging("tests.loop", pub)
    try:
        caplog.set_level(logging.INFO, logger="tests.loop")
        Logger(namespace="tests.loop", observer=pub).info("from twistio")
        logging.getLogger("tests.loop").info("from logging")

        def chatty(event: dict[str, Any]) -> None:
            logging.getLogger("tests.loop").warning("observer logs")

        pub.addObserver(chatty)
        logging.getLogger("tests.loop").info("once more")
    finally:
        logging.getLogger("tests.loop").removeHandler(handler)
    assert [L.formatEvent(e) for e in events] == ["from twistio", "from logging", "once more"]
    messages = [r.getMessage() for r in caplog.records if r.name == "tests.loop"]
    assert messages == ["from twistio", "from logging", "observer logs", "once more"]


def test_observe_stdlib_logging_of_asyncio(caplog: pytest.LogCaptureFixture) -> None:
    events, pub = _collect()
    handler = L.observe_stdlib_logging("asyncio", pub)
    try:
        logging.getLogger("asyncio").error("loop trouble %d", 7)
    finally:
        logging.getLogger("asyncio").removeHandler(handler)
    assert [(e["log_namespace"], L.formatEvent(e)) for e in events] == [("asyncio", "loop trouble 7")]


def test_last_resort_kept_for_unconfigured_logging(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With only bridge handlers, ``logging.lastResort`` still shows warnings, until begun."""
    name = "tests.lastresort"
    lg = logging.getLogger(name)
    monkeypatch.setattr(lg, "propagate", False)
    stream = io.StringIO()
    monkeypatch.setattr(logging, "lastResort", logging.StreamHandler(stream))
    logging.lastResort.setLevel(logging.WARNING)  # type: ignore[union-attr]
    events, pub = _collect()
    handler = PublishingHandler(pub)
    lg.addHandler(handler)
    forwarder = STDLibLogObserver()
    forwarder._default = True
    try:
        lg.warning("stdlib warning")
        forwarder({"log_format": "event warning", "log_level": LogLevel.warn, "log_namespace": name})
        forwarder({"log_format": "quiet", "log_level": LogLevel.info, "log_namespace": name})
        monkeypatch.setattr(_stdlib._begun, "begun", True)
        lg.warning("after begin")
        forwarder({"log_format": "after", "log_level": LogLevel.warn, "log_namespace": name})
    finally:
        lg.removeHandler(handler)
    assert stream.getvalue() == "stdlib warning\nevent warning\n"
    assert [L.formatEvent(e) for e in events] == ["stdlib warning", "after begin"]
