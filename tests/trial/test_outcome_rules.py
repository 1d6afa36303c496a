"""Where trial files an exception: the rules observed on Twisted's trial, pinned here.

A failed assertion in a SynchronousTestCase's setUp or tearDown is a failure, in a cleanup an
error; in a (Deferred-aware) TestCase anything raised outside the test method is an error.
Tests are equal only to themselves but hash as unittest's do; the base result counts
successes.
"""

from __future__ import annotations

from typing import Any

import pytest

from twistio.trial import reporter, unittest


def _outcome(case: Any) -> tuple[list[str], list[str]]:
    result = reporter.TestResult()
    case.run(result)
    return (
        [f.type.__name__ for _, f in result.failures],
        [f.type.__name__ for _, f in result.errors],
    )


def _cases(base: type) -> dict[str, Any]:
    class SetUp(base):  # type: ignore[misc,valid-type]
        __test__ = False

        def setUp(self) -> None:
            self.fail("setUp")

        def test_a(self) -> None:
            pass

    class TearDown(base):  # type: ignore[misc,valid-type]
        __test__ = False

        def tearDown(self) -> None:
            self.fail("tearDown")

        def test_a(self) -> None:
            pass

    class Cleanup(base):  # type: ignore[misc,valid-type]
        __test__ = False

        def test_a(self) -> None:
            self.addCleanup(self.fail, "cleanup")

    class InTest(base):  # type: ignore[misc,valid-type]
        __test__ = False

        def test_a(self) -> None:
            self.fail("test")

    return {"setUp": SetUp, "tearDown": TearDown, "cleanup": Cleanup, "test": InTest}


@pytest.mark.parametrize(
    ("base", "where", "failures", "errors"),
    [
        (unittest.SynchronousTestCase, "setUp", ["FailTest"], []),
        (unittest.SynchronousTestCase, "tearDown", ["FailTest"], []),
        (unittest.SynchronousTestCase, "cleanup", [], ["FailTest"]),
        (unittest.SynchronousTestCase, "test", ["FailTest"], []),
        (unittest.TestCase, "setUp", [], ["FailTest"]),
        (unittest.TestCase, "tearDown", [], ["FailTest"]),
        (unittest.TestCase, "cleanup", [], ["FailTest"]),
        (unittest.TestCase, "test", ["FailTest"], []),
    ],
)
def test_where_an_assertion_fails_decides_its_kind(
    base: type, where: str, failures: list[str], errors: list[str]
) -> None:
    assert _outcome(_cases(base)[where]("test_a")) == (failures, errors)


def test_tests_are_equal_only_to_themselves() -> None:
    Case = _cases(unittest.SynchronousTestCase)["test"]
    a, b = Case("test_a"), Case("test_a")
    assert a == a and a != b and not (a == b)
    assert hash(a) == hash(b)
    assert len({a, b}) == 2


def test_the_base_result_counts() -> None:
    Case = _cases(unittest.SynchronousTestCase)["test"]

    class Passing(unittest.SynchronousTestCase):
        __test__ = False

        def test_a(self) -> None:
            pass

    result = reporter.TestResult()
    Passing("test_a").run(result)
    Case("test_a").run(result)
    assert result.successes == 1
    assert result.testsRun == 2
    assert not result.wasSuccessful()
    result.addExpectedFailure(Passing("test_a"), (ValueError, ValueError(), None))
    result.addUnexpectedSuccess(Passing("test_a"))
    assert result.expectedFailures[0][2].reason == "Test expected to fail"
    assert result.unexpectedSuccesses[0][1].reason == "Test expected to fail"


@pytest.mark.parametrize("base", [unittest.SynchronousTestCase, unittest.TestCase])
def test_cleanups_run_before_tear_down_and_after_a_failed_set_up(base: type) -> None:
    log: list[str] = []

    class Case(base):  # type: ignore[misc,valid-type]
        __test__ = False
        broken = False

        def setUp(self) -> None:
            log.append("setUp")
            self.addCleanup(log.append, "first")
            if self.broken:
                raise RuntimeError("setUp")

        def tearDown(self) -> None:
            log.append("tearDown")

        def test_a(self) -> None:
            log.append("test")
            self.addCleanup(log.append, "second")

    Case("test_a").run(reporter.TestResult())
    assert log == ["setUp", "test", "second", "first", "tearDown"]
    log.clear()
    Case.broken = True
    Case("test_a").run(reporter.TestResult())
    assert log == ["setUp", "first"]


@pytest.mark.parametrize("base", [unittest.SynchronousTestCase, unittest.TestCase])
def test_a_todo_covers_only_the_test_method(base: type) -> None:
    class Case(base):  # type: ignore[misc,valid-type]
        __test__ = False
        todo = "not yet"

        def setUp(self) -> None:
            if self._testMethodName == "test_setUp":
                raise RuntimeError("setUp")

        def test_setUp(self) -> None:
            pass

        def test_fails(self) -> None:
            raise RuntimeError("expected")

        def test_cleanup(self) -> None:
            self.addCleanup(lambda: 1 / 0)

    for name, errors, expected, unexpected in [
        ("test_setUp", 1, 0, 0),
        ("test_fails", 0, 1, 0),
        ("test_cleanup", 1, 0, 1),  # the method passed: an unexpected success, and the error
    ]:
        result = reporter.TestResult()
        Case(name).run(result)
        assert (len(result.errors), len(result.expectedFailures)) == (errors, expected), name
        assert len(result.unexpectedSuccesses) == unexpected, name


@pytest.mark.parametrize("base", [unittest.SynchronousTestCase, unittest.TestCase])
def test_a_generator_test_method_is_an_error(base: type) -> None:
    class Case(base):  # type: ignore[misc,valid-type]
        __test__ = False

        def test_gen(self) -> Any:
            yield 1

    result = reporter.TestResult()
    Case("test_gen").run(result)
    [(_, failure)] = result.errors
    assert failure.check(TypeError)
    assert "is a generator function and therefore will never run" in str(failure.value)


def test_a_test_without_a_method_passes() -> None:
    result = reporter.TestResult()
    unittest.SynchronousTestCase().run(result)
    assert (result.successes, result.errors) == (1, [])


def test_a_reasonless_skip_is_deprecated_and_pointed_at_the_test() -> None:
    class Case(unittest.SynchronousTestCase):
        __test__ = False

        def test_1(self) -> None:
            raise unittest.SkipTest()

    import warnings

    result = reporter.TestResult()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Case("test_1").run(result)
    assert len(result.skips) == 1
    [warning] = [w for w in caught if w.category is DeprecationWarning]
    assert "Give a reason for skipping tests!" in str(warning.message)
    assert warning.filename == __file__


def test_patch_returns_a_monkey_patcher() -> None:
    class Target:
        value = "original"

    case = _cases(unittest.SynchronousTestCase)["test"]("test_a")
    patcher = case.patch(Target, "value", "patched")
    assert Target.value == "patched"
    patcher.restore()
    assert Target.value == "original"
    patcher.patch()
    assert Target.value == "patched"
    case.doCleanups()
    assert Target.value == "original"


def test_collect_warnings_and_log_observer() -> None:
    import warnings

    from twistio.python.failure import Failure
    from twistio.trial import _synctest

    seen: list[Any] = []

    def warn_twice() -> int:
        warnings.warn("once", DeprecationWarning, stacklevel=1)
        warnings.warn("once", DeprecationWarning, stacklevel=1)
        return 3

    assert _synctest._collectWarnings(seen.append, warn_twice) == 3
    assert [(w.message, w.category) for w in seen] == [("once", DeprecationWarning)] * 2

    observer = _synctest._LogObserver()
    f = Failure(ZeroDivisionError())
    observer.gotEvent({"isError": 1, "failure": f, "message": ()})
    observer.gotEvent({"isError": 0, "message": ("hello",)})
    assert observer.getErrors() == [f]
    observer._ignoreErrors(KeyError)
    observer.gotEvent({"isError": 1, "failure": Failure(KeyError()), "message": ()})
    assert observer.flushErrors(ZeroDivisionError) == [f]
    assert observer.getErrors() == []


def test_decorate_reports_against_the_decorator() -> None:
    from twistio.trial._asyncrunner import _iterateTests

    Passing = _cases(unittest.SynchronousTestCase)["tearDown"]
    suite = unittest.TestSuite([Passing("test_a"), unittest.TestSuite([Passing("test_a")])])
    decorated = unittest.decorate(suite, unittest.TestDecorator)
    assert decorated is suite
    tests = list(_iterateTests(suite))
    assert len(tests) == 2 and all(isinstance(t, unittest.TestDecorator) for t in tests)
    result = reporter.TestResult()
    suite.run(result)
    assert [type(t) for t, _ in result.failures] == [unittest.TestDecorator] * 2


def test_a_port_left_open_is_an_error_besides_the_success() -> None:
    from twistio.internet import protocol, reactor

    class Case(unittest.TestCase):
        __test__ = False

        def test_leaves_a_port(self) -> None:
            factory = protocol.Factory()
            factory.protocol = protocol.Protocol
            reactor.listenTCP(0, factory, interface="127.0.0.1")

    result = reporter.TestResult()
    Case("test_leaves_a_port").run(result)
    assert result.successes == 1
    [(_, failure)] = result.errors
    assert failure.check(unittest.DirtyReactorAggregateError)
    assert failure.value.selectables and not failure.value.delayedCalls
    assert not reactor.transport_registry.ports  # closed by the cleanup


def test_short_description_falls_back_to_the_method_name() -> None:
    class Case(unittest.SynchronousTestCase):
        __test__ = False

        def test_documented(self) -> None:
            """First line.

            More."""

        def test_bare(self) -> None:
            pass

    assert Case("test_documented").shortDescription() == "First line."
    assert Case("test_bare").shortDescription() == "test_bare"


def test_destructive_suite_lets_go_of_tests() -> None:
    from twistio.trial import runner

    Case = _cases(unittest.SynchronousTestCase)["test"]
    suite = runner.DestructiveTestSuite([Case("test_a"), Case("test_a")])
    result = reporter.TestResult()
    suite.run(result)
    assert result.testsRun == 2
    assert list(suite) == []


def test_reporters_print_as_trial_does() -> None:
    import io

    class Case(unittest.SynchronousTestCase):
        __test__ = False

        def test_a(self) -> None:
            pass

        def test_b(self) -> None:
            self.fail("x")

    stream = io.StringIO()
    verbose = reporter.VerboseTextReporter(stream)
    for name in ("test_a", "test_b"):
        Case(name).run(verbose)
    verbose.done()
    text = stream.getvalue()
    assert ".Case.test_b ... [FAILURE]\n" in text
    assert "\n[FAIL]\nTraceback (most recent call last):\n" in text
    # The traceback ends in the test, not inside trial's assertion methods.
    assert "in test_b\n" in text and "in fail\n" not in text
    assert text.endswith("FAILED (failures=1, successes=1)\n")

    stream = io.StringIO()
    minimal = reporter.MinimalReporter(stream)
    Case("test_a").run(minimal)
    minimal.done()
    assert stream.getvalue().splitlines()[-1].split(" ")[1:] == ["1", "1", "0", "0", "0"]

    stream = io.StringIO()
    text_reporter = reporter.TextReporter(stream)
    Case("test_a").run(text_reporter)
    Case("test_b").run(text_reporter)
    text_reporter.done()
    assert stream.getvalue().startswith(".F\n=====")


def test_reporter_prints_logged_warnings_once_per_test() -> None:
    import io

    from twistio.python import log

    publisher = log.LogPublisher()
    stream = io.StringIO()
    result = reporter.Reporter(stream, publisher=publisher)
    for _ in range(2):
        publisher.msg(
            warning=RuntimeWarning("careful"),
            category="builtins.RuntimeWarning",
            filename="a/b.py",
            lineno=7,
        )
    assert stream.getvalue() == "a/b.py:7: RuntimeWarning: careful\n"
    result.done()
    stream.truncate(0)
    stream.seek(0)
    publisher.msg(warning=RuntimeWarning("late"), category="x.Y", filename="f", lineno=1)
    assert "late" not in stream.getvalue()


def test_result_refuses_what_is_not_an_error() -> None:
    with pytest.raises(TypeError):
        reporter.TestResult().addError(object(), "an error")  # type: ignore[arg-type]
