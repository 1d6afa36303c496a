"""Tests for twistio.trial.unittest: SynchronousTestCase and TestCase, run against results."""

from __future__ import annotations

import asyncio
import gc
import io
import os
import unittest as pyunit
import warnings
from typing import Any

import pytest

from twistio.internet import defer, reactor, task
from twistio.internet.defer import Deferred
from twistio.python import log
from twistio.python.failure import Failure
from twistio.trial import unittest
from twistio.trial.reporter import Reporter


def run(case: type[pyunit.TestCase], name: str) -> Reporter:
    result = Reporter(stream=io.StringIO())
    case(name).run(result)
    return result


def outcome(result: Reporter) -> str:
    for kind in ("errors", "failures", "skips", "expectedFailures", "unexpectedSuccesses"):
        if getattr(result, kind):
            return kind
    assert result.successes
    return "successes"


class _Helpers(unittest.SynchronousTestCase):
    def runTest(self) -> None:
        pass


@pytest.fixture
def tc() -> _Helpers:
    return _Helpers()


# -- Deferred inspection ----------------------------------------------------------------------


def test_successResultOf(tc: _Helpers) -> None:
    assert tc.successResultOf(defer.succeed(5)) == 5
    with pytest.raises(unittest.FailTest, match="found no result instead"):
        tc.successResultOf(Deferred())
    d = defer.fail(ZeroDivisionError("z"))
    with pytest.raises(
        unittest.FailTest, match="(?s)found failure result instead:\n.*ZeroDivisionError: z"
    ):
        tc.successResultOf(d)


def test_failureResultOf(tc: _Helpers) -> None:
    d = defer.fail(ZeroDivisionError("z"))
    f = tc.failureResultOf(d, ZeroDivisionError)
    assert isinstance(f, Failure) and f.check(ZeroDivisionError)
    assert d.result is None  # taken: nothing left to be logged as unhandled
    with pytest.raises(
        unittest.FailTest, match=r"Failure of type \(builtins.KeyError or builtins.ValueError\)"
    ):
        tc.failureResultOf(defer.fail(ZeroDivisionError()), KeyError, ValueError)
    with pytest.raises(unittest.FailTest, match=r"found success result \(3\) instead"):
        tc.failureResultOf(defer.succeed(3))
    with pytest.raises(unittest.FailTest, match="found no result instead"):
        tc.failureResultOf(Deferred())


def test_assertNoResult(tc: _Helpers) -> None:
    d: Deferred[int] = Deferred()
    tc.assertNoResult(d)
    d.callback(4)
    assert d.result == 4
    with pytest.raises(unittest.FailTest, match="No result expected on .*, found 4 instead"):
        tc.assertNoResult(d)
    assert d.result == 4  # a success result is left in place
    failed = defer.fail(KeyError("k"))
    with pytest.raises(unittest.FailTest):
        tc.assertNoResult(failed)
    assert failed.result is None  # a failure is taken


# -- assertions ---------------------------------------------------------------------------------


def test_trial_assertions(tc: _Helpers) -> None:
    assert tc.assertApproximates(1.0, 1.005, 0.01) == 1.0
    with pytest.raises(unittest.FailTest, match="1.0 ~== 1.05"):
        tc.assertApproximates(1.0, 1.05, 0.01)
    assert tc.assertSubstring("b", "abc") == "b"
    with pytest.raises(unittest.FailTest, match="'x' not in 'abc'"):
        tc.assertSubstring("x", "abc")
    with pytest.raises(unittest.FailTest, match="'b' in 'abc'"):
        tc.assertNotSubstring("b", "abc")
    with pytest.raises(unittest.FailTest, match="1 is not 2"):
        tc.assertIdentical(1, 2)
    with pytest.raises(unittest.FailTest, match="None is None"):
        tc.assertNotIdentical(None, None)
    with pytest.raises(unittest.FailTest, match="xx"):
        tc.fail("xx")


def test_aliases() -> None:
    S = unittest.SynchronousTestCase
    assert S.failUnlessEqual is S.assertEqual and S.assertEquals is S.assertEqual
    assert (
        S.failUnless is S.assertTrue and S.failIf is S.assertFalse and S.assertNot is S.assertFalse
    )
    assert S.failUnlessIdentical is S.assertIs and S.failIfIdentical is S.assertIsNot
    assert S.failUnlessSubstring is S.assertSubstring and S.failIfSubstring is S.assertNotSubstring
    assert S.failUnlessApproximates is S.assertApproximates
    assert S.failUnlessRaises is S.assertRaises and S.failUnlessWarns is S.assertWarns
    assert unittest.TestCase.failUnlessFailure is unittest.TestCase.assertFailure
    assert issubclass(unittest.FailTest, AssertionError)
    assert unittest.SkipTest is pyunit.SkipTest


def test_assertRaises(tc: _Helpers) -> None:
    e = tc.assertRaises(ValueError, int, "x")
    assert isinstance(e, ValueError)
    with pytest.raises(unittest.FailTest, match=r"ValueError not raised \(3 returned\)"):
        tc.assertRaises(ValueError, int, "3")
    with pytest.raises(
        unittest.FailTest, match="builtins.ZeroDivisionError raised instead of ValueError"
    ):
        tc.assertRaises(ValueError, lambda: 1 / 0)
    with tc.assertRaises(KeyError) as cm:
        {}["k"]
    assert isinstance(cm.exception, KeyError)


def _warner() -> int:
    warnings.warn("hey", DeprecationWarning, stacklevel=1)
    return 7


def test_assertWarns_trial_shape(tc: _Helpers) -> None:
    assert tc.assertWarns(DeprecationWarning, "hey", __file__, _warner) == 7
    with pytest.raises(unittest.FailTest):
        tc.assertWarns(DeprecationWarning, "ho", __file__, _warner)
    with pytest.raises(unittest.FailTest, match="No warnings emitted"):
        tc.assertWarns(DeprecationWarning, "hey", __file__, lambda: 1)
    with tc.assertWarns(DeprecationWarning):  # unittest's shape still works
        _warner()


def test_mktemp(tc: _Helpers) -> None:
    path = tc.mktemp()
    assert os.path.basename(path) == "temp"
    assert os.path.isdir(os.path.dirname(path)) and not os.path.exists(path)
    assert path != tc.mktemp()
    # As short as trial's: 8 random characters, no "tmp" (UNIX socket paths are short).
    assert len(os.path.basename(os.path.dirname(path))) == 8


# -- running: outcomes --------------------------------------------------------------------------


def test_outcomes() -> None:
    class Case(unittest.SynchronousTestCase):
        def test_ok(self) -> None:
            pass

        def test_fail(self) -> None:
            self.assertEqual(1, 2)

        def test_error(self) -> None:
            1 / 0

        def test_assert(self) -> None:
            assert False  # as in trial: an error, not a failure

        def test_skipAttr(self) -> None:
            pass

        test_skipAttr.skip = "not now"  # type: ignore[attr-defined]

        def test_skipRaised(self) -> None:
            raise unittest.SkipTest("dyn")

        def test_todo(self) -> None:
            self.fail("expected")

        test_todo.todo = "later"  # type: ignore[attr-defined]

        def test_todoPasses(self) -> None:
            pass

        test_todoPasses.todo = "surprise"  # type: ignore[attr-defined]

        def test_todoWrongError(self) -> None:
            raise ValueError()

        test_todoWrongError.todo = (KeyError, "ke")  # type: ignore[attr-defined]

    expected = {
        "test_ok": "successes",
        "test_fail": "failures",
        "test_error": "errors",
        "test_assert": "errors",
        "test_skipAttr": "skips",
        "test_skipRaised": "skips",
        "test_todo": "expectedFailures",
        "test_todoPasses": "unexpectedSuccesses",
        "test_todoWrongError": "errors",
    }
    assert {name: outcome(run(Case, name)) for name in expected} == expected
    assert run(Case, "test_skipAttr").skips[0][1] == "not now"


def test_class_skip_and_setUp_failure() -> None:
    calls: list[str] = []

    class Skipped(unittest.SynchronousTestCase):
        skip = "whole class"

        def test_a(self) -> None:
            calls.append("ran")

    class BadSetUp(unittest.SynchronousTestCase):
        def setUp(self) -> None:
            self.addCleanup(calls.append, "cleanup")
            raise ValueError("setup")

        def test_a(self) -> None:
            calls.append("test")

        def tearDown(self) -> None:
            calls.append("tearDown")

    assert outcome(run(Skipped, "test_a")) == "skips"
    assert outcome(run(BadSetUp, "test_a")) == "errors"
    assert calls == ["cleanup"]


def test_patch_undone_at_cleanup() -> None:
    class Target:
        value = 1

    seen: list[int] = []

    class Case(unittest.SynchronousTestCase):
        def test_a(self) -> None:
            self.patch(Target, "value", 2)
            seen.append(Target.value)

    assert outcome(run(Case, "test_a")) == "successes"
    assert seen == [2] and Target.value == 1


def test_logged_errors_fail_the_test_unless_flushed() -> None:
    class Case(unittest.SynchronousTestCase):
        def test_logged(self) -> None:
            log.err(ValueError("oops"))

        def test_flushed(self) -> None:
            log.err(ValueError("oops"))
            assert len(self.flushLoggedErrors(KeyError)) == 0
            assert len(self.flushLoggedErrors(ValueError)) == 1

        def test_unhandledDeferred(self) -> None:
            defer.fail(KeyError("lost"))
            gc.collect()

        def test_unhandledDeferredFlushed(self) -> None:
            defer.fail(KeyError("lost"))
            gc.collect()
            assert [f.type for f in self.flushLoggedErrors(KeyError)] == [KeyError]

    result = run(Case, "test_logged")
    assert outcome(result) == "errors" and result.errors[0][1].check(ValueError)
    assert outcome(run(Case, "test_flushed")) == "successes"
    result = run(Case, "test_unhandledDeferred")
    assert outcome(result) == "errors" and result.errors[0][1].check(KeyError)
    assert outcome(run(Case, "test_unhandledDeferredFlushed")) == "successes"


def test_flushWarnings_and_suppress() -> None:
    class Case(unittest.SynchronousTestCase):
        def test_flush(self) -> None:
            _warner()
            found = self.flushWarnings([_warner])
            assert [w["message"] for w in found] == ["hey"]
            assert found[0]["category"] is DeprecationWarning

        def test_suppressed(self) -> None:
            _warner()
            assert self.flushWarnings() == []

        test_suppressed.suppress = [unittest.suppress(category=DeprecationWarning)]  # type: ignore[attr-defined]

    assert outcome(run(Case, "test_flush")) == "successes"
    assert outcome(run(Case, "test_suppressed")) == "successes"


def test_synchronous_case_rejects_coroutines() -> None:
    class Case(unittest.SynchronousTestCase):
        async def test_a(self) -> None:
            pass

    result = run(Case, "test_a")
    assert outcome(result) == "errors" and result.errors[0][1].check(TypeError)


def test_runs_under_stdlib_unittest() -> None:
    class Case(unittest.TestCase):
        def test_a(self) -> Deferred[None]:
            return task.deferLater(reactor, 0, lambda: None)

        def test_b(self) -> None:
            self.fail("no")

        def test_c(self) -> None:
            pass

        test_c.todo = "x"  # type: ignore[attr-defined]

    suite = pyunit.TestLoader().loadTestsFromTestCase(Case)
    result = pyunit.TextTestRunner(stream=io.StringIO()).run(suite)
    assert (result.testsRun, len(result.failures), len(result.unexpectedSuccesses)) == (3, 1, 1)


# -- TestCase: Deferreds, coroutines, timeouts, the reactor ---------------------------------


def test_deferreds_and_coroutines_on_the_loop() -> None:
    order: list[str] = []

    class Case(unittest.TestCase):
        def setUp(self) -> Deferred[None]:
            return task.deferLater(reactor, 0, order.append, "setUp")

        async def tearDown(self) -> None:
            await asyncio.sleep(0)
            order.append("tearDown")

        def test_deferred(self) -> Deferred[Any]:
            self.addCleanup(lambda: task.deferLater(reactor, 0, order.append, "cleanup"))
            return task.deferLater(reactor, 0, order.append, "test")

        async def test_coroutine(self) -> None:
            loop = asyncio.get_running_loop()
            assert reactor.loop is loop
            order.append(await task.deferLater(reactor, 0, lambda: "test"))
            future = loop.create_future()
            loop.call_soon(future.set_result, None)
            await future

        @defer.inlineCallbacks
        def test_inline(self) -> Any:
            yield task.deferLater(reactor, 0, lambda: None)
            order.append("test")

        def test_failingDeferred(self) -> Deferred[None]:
            return task.deferLater(reactor, 0, lambda: 1 / 0)

    assert outcome(run(Case, "test_deferred")) == "successes"
    assert order == ["setUp", "test", "cleanup", "tearDown"]  # trial: cleanups before tearDown
    del order[:]
    assert outcome(run(Case, "test_coroutine")) == "successes"
    assert outcome(run(Case, "test_inline")) == "successes"
    assert order == ["setUp", "test", "tearDown"] * 2
    result = run(Case, "test_failingDeferred")
    assert outcome(result) == "errors" and result.errors[0][1].check(ZeroDivisionError)


def test_assertFailure() -> None:
    class Case(unittest.TestCase):
        def test_right(self) -> Deferred[Any]:
            return self.assertFailure(defer.fail(KeyError("k")), KeyError).addCallback(
                lambda e: self.assertIsInstance(e, KeyError)
            )

        def test_wrong(self) -> Deferred[Any]:
            return self.assertFailure(defer.fail(KeyError("k")), ValueError)

        def test_none(self) -> Deferred[Any]:
            return self.assertFailure(defer.succeed(3), ValueError)

    assert outcome(run(Case, "test_right")) == "successes"
    result = run(Case, "test_wrong")
    assert outcome(result) == "failures"
    assert "Expected: (<class 'ValueError'>,)" in str(result.failures[0][1].value)
    result = run(Case, "test_none")
    assert str(result.failures[0][1].value) == "did not catch an error, instead got 3"


def test_timeout() -> None:
    class Case(unittest.TestCase):
        timeout = 0.01

        def test_hangs(self) -> Deferred[None]:
            d: Deferred[None] = Deferred(lambda d: cancelled.append(True))
            d.addErrback(lambda f: (seen.append(f), f)[1])
            return d

        async def test_hangingCoroutine(self) -> None:
            try:
                await asyncio.get_running_loop().create_future()
            except asyncio.CancelledError:
                cancelled.append(True)
                raise

    cancelled: list[bool] = []
    seen: list[Failure] = []
    assert Case("test_hangs").getTimeout() == 0.01
    assert unittest.TestCase().getTimeout() == unittest.DEFAULT_TIMEOUT_DURATION == 120.0
    result = run(Case, "test_hangs")
    assert outcome(result) == "errors"
    failure = result.errors[0][1]
    assert failure.check(defer.TimeoutError)
    assert "(test_hangs) still running at 0.01 secs" in str(failure.value)
    # As in trial, the test's Deferred fails with the TimeoutError (its errbacks see it) rather
    # than being cancelled; a coroutine of ours is cancelled, so it does not hang on.
    assert cancelled == []
    assert [f.value for f in seen] == [failure.value]
    assert run(Case, "test_hangingCoroutine").errors[0][1].check(defer.TimeoutError)
    assert cancelled == [True]


def test_dirty_reactor() -> None:
    class Case(unittest.TestCase):
        def test_leaves_timer(self) -> None:
            reactor.callLater(100, lambda: None)

    before = set(reactor.getDelayedCalls())
    result = run(Case, "test_leaves_timer")
    assert outcome(result) == "errors"
    assert result.errors[0][1].check(unittest.DirtyReactorAggregateError)
    assert "Reactor was unclean." in str(result.errors[0][1].value)
    assert set(reactor.getDelayedCalls()) == before  # cancelled


async def test_cannot_run_inside_a_running_loop() -> None:
    class Case(unittest.TestCase):
        def test_a(self) -> None:
            pass

    with pytest.raises(RuntimeError, match="asyncio loop is running"):
        run(Case, "test_a")


def test_todo_helpers() -> None:
    assert unittest.makeTodo("r").reason == "r"
    todo = unittest.makeTodo((KeyError, "r"))
    assert todo.expected(Failure(KeyError())) and not todo.expected(Failure(ValueError()))


def test_plain_test_method_may_spin_the_reactor_itself() -> None:
    """As under trial, a plain (not coroutine) method runs with the reactor stopped, so it
    may turn it with ``reactor.iterate()`` (ldaptor's helpers do); what it returns is then
    waited for on the running reactor, and a coroutine method runs on it from the start."""
    seen: list[object] = []

    class Case(unittest.TestCase):
        def setUp(self) -> None:
            seen.append(asyncio._get_running_loop() is None)

        def test_iterates(self) -> None:
            fired: list[int] = []
            reactor.callLater(0, fired.append, 1)
            for _ in range(100):
                if fired:
                    break
                reactor.iterate()
            seen.append(fired)

        def test_returns_deferred(self) -> Deferred[None]:
            return task.deferLater(reactor, 0, seen.append, "later")

        async def test_coroutine(self) -> None:
            seen.append(asyncio._get_running_loop() is not None)
            await task.deferLater(reactor, 0, lambda: None)

    for name in ("test_iterates", "test_returns_deferred", "test_coroutine"):
        assert outcome(run(Case, name)) == "successes", name
    assert seen == [True, [1], True, "later", True, True]


# -- getDeprecatedModuleAttribute ---------------------------------------------------------------


def test_getDeprecatedModuleAttribute(tc: _Helpers, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    from twistio.python.deprecate import deprecatedModuleAttribute
    from twistio.python.versions import Version

    module = types.ModuleType("twistio_fake_deprecating")
    module.OLD = 1  # type: ignore[attr-defined]
    module.KEPT = 2  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    deprecatedModuleAttribute(Version("Twisted", 1, 2, 3), "use KEPT", module.__name__, "OLD")
    v = Version("Twisted", 1, 2, 3)
    assert tc.getDeprecatedModuleAttribute(module.__name__, "OLD", v) == 1
    assert tc.getDeprecatedModuleAttribute(module.__name__, "OLD", v, "use KEPT") == 1
    with pytest.raises(unittest.FailTest, match="to start with"):
        tc.getDeprecatedModuleAttribute(module.__name__, "OLD", v, "use OTHER")
    with pytest.raises(unittest.FailTest, match="to start with"):
        tc.getDeprecatedModuleAttribute(module.__name__, "OLD", Version("Twisted", 1, 2, 4))
    with pytest.raises(unittest.FailTest, match="twistio_fake_deprecating.KEPT is not deprecated"):
        tc.getDeprecatedModuleAttribute(module.__name__, "KEPT", v)
