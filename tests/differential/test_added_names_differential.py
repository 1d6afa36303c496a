"""Names twistio added to match Twisted's modules (defer, logger, python.log, python.failure,
web.xmlrpc, web.static), each run on Twisted and on twistio with the same input."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("twisted")

import twisted.internet.defer as t_defer  # noqa: E402
import twisted.internet.interfaces as t_interfaces  # noqa: E402
import twisted.internet.task as t_task  # noqa: E402
import twisted.internet.testing as t_testing  # noqa: E402
import twisted.logger as t_logger  # noqa: E402
import twisted.python.failure as t_failure  # noqa: E402
import twisted.python.log as t_log  # noqa: E402
import twisted.web.static as t_static  # noqa: E402
import twisted.web.xmlrpc as t_xmlrpc  # noqa: E402

import twistio.internet.defer as o_defer  # noqa: E402
import twistio.internet.interfaces as o_interfaces  # noqa: E402
import twistio.internet.task as o_task  # noqa: E402
import twistio.internet.testing as o_testing  # noqa: E402
import twistio.logger as o_logger  # noqa: E402
import twistio.python.failure as o_failure  # noqa: E402
import twistio.python.log as o_log  # noqa: E402
import twistio.web.static as o_static  # noqa: E402
import twistio.web.xmlrpc as o_xmlrpc  # noqa: E402

TWISTED = SimpleNamespace(
    name="twisted", defer=t_defer, testing=t_testing, task=t_task, interfaces=t_interfaces, logger=t_logger, failure=t_failure,
    log=t_log, static=t_static, xmlrpc=t_xmlrpc,
)
TWISTIO = SimpleNamespace(
    name="twistio", defer=o_defer, testing=o_testing, task=o_task, interfaces=o_interfaces, logger=o_logger, failure=o_failure,
    log=o_log, static=o_static, xmlrpc=o_xmlrpc,
)
ROOT = Path(__file__).resolve().parents[2]


def same(scenario: Any) -> Any:
    theirs, ours = scenario(TWISTED), scenario(TWISTIO)
    assert ours == theirs
    return ours


def _plain(text: str) -> str:
    return text.replace("twisted", "PKG").replace("twistio", "PKG")


# -- internet.defer ---------------------------------------------------------------------------


def test_log_error_is_one_critical_failure_event() -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        events: list[dict[str, Any]] = []
        impl.log.addObserver(events.append)
        try:
            failure = impl.failure.Failure(ValueError("logged"))
            assert impl.defer.logError(failure) is failure
        finally:
            impl.log.removeObserver(events.append)
        return [
            (e["isError"], e["log_level"].name, _plain(e["log_namespace"]), e["log_format"],
             impl.log.textFromEventDict(e).splitlines()[0])
            for e in events
        ]

    assert same(scenario) == [(1, "critical", "PKG.internet.defer", "", "Unhandled Error")]


def test_timeout_is_deprecated_and_fails_the_deferred() -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        d = impl.defer.Deferred()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            impl.defer.timeout(d)
        out: list[Any] = []
        d.addErrback(lambda f: out.append((type(f.value).__name__, str(f.value))))
        return out, [(w.category.__name__, _plain(str(w.message))) for w in caught]

    same(scenario)


def test_deferred_list_class_attributes() -> None:
    same(lambda impl: (impl.defer.DeferredList.fireOnOneCallback,
                       impl.defer.DeferredList.fireOnOneErrback))


# -- logger -----------------------------------------------------------------------------------


class _Thing:
    attr = "value"

    def method(self) -> str:
        return "called"

    def __repr__(self) -> str:
        return "<thing>"


FIELDS = ["n", "thing", "thing.attr", "thing.method()", "d[k][1]", "d[k]", "n!r", "n:>5",
          "thing!s", "missing", "thing.method"]


@pytest.mark.parametrize("field", FIELDS)
def test_extract_field(field: str) -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        event = {"n": 5, "thing": _Thing(), "d": {"k": [10, 20]},
                 "log_format": "{n} {d[k][1]} {thing.attr} {thing.method()} {n!r} {n:>5} "
                               "{thing!s} {d[k]}"}
        try:
            return ("ok", repr(impl.logger.extractField(field, event)))
        except KeyError as e:
            return ("KeyError", str(e))

    same(scenario)


def test_extract_field_needs_a_format() -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        with pytest.raises(KeyError) as caught:
            impl.logger.extractField("n", {"n": 5})
        return str(caught.value)

    assert same(scenario) == "'log_flattened'"


def test_logger_for_predicates_and_logging_file() -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        thing = _Thing()
        log = impl.logger._loggerFor(thing)
        results = impl.logger.PredicateResult
        out: list[Any] = [
            _plain(log.namespace), log.source is thing,
            [r.name for r in results.iterconstants()], results.lookupByName("maybe").name,
            impl.logger.STDLibLogObserver.defaultStackDepth,
            impl.logger.LegacyLogObserverWrapper.__name__,
        ]
        f = impl.logger.LoggingFile(impl.logger.Logger())
        for name in ("next", "xreadlines"):
            try:
                getattr(f, name)()
            except OSError as e:
                out.append((name, str(e)))
        with pytest.raises(ValueError):
            results.lookupByName("nope")
        return out

    same(scenario)


# -- python.log -------------------------------------------------------------------------------


def test_stdio_onna_stick_and_friends() -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        events: list[dict[str, Any]] = []
        impl.log.addObserver(events.append)
        try:
            stick = impl.log.StdioOnnaStick(isError=1)
            stick.write("ab")
            stick.write("c\nde\nf")
            stick.write("g\n")
            stick.writelines(["l1\n", "l2"])
            failures = []
            for name in ("read", "readline", "readlines", "seek", "tell"):
                try:
                    getattr(stick, name)()
                except OSError as e:
                    failures.append(str(e))
            try:
                stick.fileno()
            except io.UnsupportedOperation as e:
                failures.append(str(e))
        finally:
            impl.log.removeObserver(events.append)
        null = impl.log.NullFile()
        return (
            [(e["message"], e["printed"], e["isError"]) for e in events],
            failures,
            (stick.mode, stick.name, stick.closed, stick.encoding,
             impl.log.StdioOnnaStick(encoding="latin-1").encoding),
            (null.read(), null.write("x"), null.flush(), null.close(), null.softspace),
            impl.log.Logger().logPrefix(),
            impl.log.newGlobalLogPublisher is impl.logger.globalLogPublisher,
            impl.log.newGlobalLogBeginner is impl.logger.globalLogBeginner,
        )

    same(scenario)


def test_default_observer_writes_errors_only() -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        observer = impl.log.DefaultObserver()
        observer.stderr = io.StringIO()
        observer.emit({"message": ("fine",), "isError": 0, "time": 0, "system": "-"})
        observer.emit({"message": ("bad",), "isError": 1, "time": 0, "system": "-"})
        failure = impl.failure.Failure(KeyError("k"))
        observer.emit({"message": (), "isError": 1, "failure": failure, "why": "because",
                       "time": 0, "system": "-"})
        return observer.stderr.getvalue(), isinstance(impl.log.defaultObserver,
                                                      impl.log.DefaultObserver)

    same(scenario)


# -- python.failure ---------------------------------------------------------------------------


def test_failure_constants() -> None:
    same(lambda impl: (impl.failure.DO_POST_MORTEM, impl.failure.EXCEPTION_CAUGHT_HERE,
                       impl.failure.traceupLength,
                       issubclass(impl.failure.DefaultException, Exception)))


DEBUG_PROGRAM = r"""
    import sys, pdb
    from importlib import import_module
    pkg = sys.argv[1]
    failure = import_module(pkg + ".python.failure")
    defer = import_module(pkg + ".internet.defer")
    seen = []
    pdb.post_mortem = lambda tb=None: seen.append(tb is not None)
    failure.startDebugMode()
    try:
        1 / 0
    except ZeroDivisionError:
        failure.Failure()
    failure.Failure(ValueError("given, not caught"))
    d = defer.succeed(1)
    d.addCallback(lambda r: 1 / 0)
    d.addErrback(lambda f: None)
    failure.DO_POST_MORTEM = False
    try:
        1 / 0
    except ZeroDivisionError:
        failure.Failure()
    print(seen)
"""


def test_start_debug_mode_opens_the_debugger_on_caught_exceptions() -> None:
    outs = {}
    for pkg in ("twisted", "twistio"):
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(DEBUG_PROGRAM), pkg],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        outs[pkg] = done.stdout
    assert outs["twistio"] == outs["twisted"]
    assert outs["twistio"].count("Jumping into debugger for post-mortem of exception") == 2


# -- web.xmlrpc and web.static ----------------------------------------------------------------


RESPONSE = (
    b"<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
    b"<value><int>3</int></value>\n</param>\n</params>\n</methodResponse>\n"
)


@pytest.mark.parametrize(
    "reply",
    [
        [b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n", RESPONSE],
        [b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(RESPONSE), RESPONSE],
        [b"HTTP/1.0 500 Internal Error\r\n\r\noops"],
        [],
    ],
    ids=["until-close", "content-length", "bad-status", "no-answer"],
)
@pytest.mark.parametrize("user", [None, b"u"])
def test_query_protocol(reply: list[bytes], user: bytes | None) -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        factory = impl.xmlrpc.QueryFactory(
            b"/RPC2", b"example.com", "add", user=user, password=b"p", args=(1, 2)
        )
        got: list[Any] = []
        factory.deferred.addBoth(got.append)
        proto = factory.buildProtocol(None)
        transport = impl.testing.StringTransport()
        proto.makeConnection(transport)
        for chunk in reply:
            proto.dataReceived(chunk)
        failure = impl.failure.Failure(Exception("lost"))
        proto.connectionLost(failure)
        factory.clientConnectionLost(None, failure)
        result = got[0]
        shown = repr(result.value) if isinstance(result, impl.failure.Failure) else repr(result)
        return transport.value(), transport.disconnecting, shown

    same(scenario)


def test_query_factory_connection_failed() -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        factory = impl.xmlrpc.QueryFactory(b"/", b"h", "m")
        got: list[Any] = []
        factory.deferred.addErrback(lambda f: got.append(str(f.value)))
        factory.clientConnectionFailed(None, impl.failure.Failure(OSError("refused")))
        return got, factory.protocol.__name__, impl.xmlrpc.XMLRPC.allowedMethods

    same(scenario)


@pytest.mark.parametrize("uri", [b"/a", b"/a?x=1", b"/a/b?x=1&y=2", b"/"])
def test_add_slash(uri: bytes) -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        request = SimpleNamespace(uri=uri)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = impl.static.addSlash(request)
        return result, [w.category.__name__ for w in caught], impl.static.platformType

    same(scenario)


# -- deprecations and declarations found by running Twisted's own test modules -----------------


def _circular(impl: SimpleNamespace) -> Any:
    d = impl.defer.Deferred()

    def returnsItsOwnDeferred(result: object) -> Any:
        return d

    d.addCallback(returnsItsOwnDeferred)
    return d, returnsItsOwnDeferred


def test_callback_returning_its_own_deferred_is_warned_at_the_callback() -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        d, callback = _circular(impl)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            d.callback(1)
        (warning,) = caught
        code = callback.__code__
        return (warning.category.__name__, str(warning.message),
                warning.filename == code.co_filename, warning.lineno > code.co_firstlineno)

    assert same(scenario)[2:] == (True, True)


def test_that_warning_as_an_error_fails_the_chain() -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        d, _ = _circular(impl)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            d.callback(1)
        got: list[str] = []
        d.addErrback(lambda f: got.append(f.type.__name__))
        return got

    assert same(scenario) == ["DeprecationWarning"]


def test_deprecated_attributes_warn() -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        loop = impl.task.LoopingCall(lambda: None)
        failure = impl.failure.Failure(KeyError("k"))
        out = []
        for read in (lambda: impl.defer.Deferred().callbacks, lambda: loop.deferred,
                     lambda: failure.stack):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                read()
            out.append([(w.category.__name__, _plain(str(w.message))) for w in caught])
        return out

    same(scenario)


def test_clock_and_its_calls_provide_the_interfaces() -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        clock = impl.task.Clock()
        call = clock.callLater(1, lambda: None)
        return (impl.interfaces.IReactorTime.providedBy(clock),
                impl.interfaces.IDelayedCall.providedBy(call))

    assert same(scenario) == (True, True)
