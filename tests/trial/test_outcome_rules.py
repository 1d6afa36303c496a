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
