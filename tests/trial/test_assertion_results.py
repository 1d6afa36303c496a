"""trial's assertions return what Twisted's trial returns, callDeprecated checks deprecation,
and the Deferred inspectors take coroutines and generators as Twisted's do."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from twistio.internet.defer import Deferred, fail, succeed
from twistio.python.deprecate import deprecated
from twistio.python.versions import Version
from twistio.trial import unittest


class _Case(unittest.SynchronousTestCase):
    __test__ = False  # driven by the tests below

    def test_nothing(self) -> None:
        pass


@pytest.fixture
def case() -> _Case:
    return _Case("test_nothing")


def test_assertions_return_their_first_argument(case: _Case) -> None:
    marker = object()
    assert case.assertEqual(marker, marker) is marker
    assert case.assertEquals([1], [1]) == [1]
    assert case.failUnlessEqual(2, 2) == 2
    assert case.assertNotEqual(1, 2) == 1
    assert case.failIfEqual("a", "b") == "a"
    assert case.assertTrue(5) == 5
    assert case.failUnless("x") == "x"
    assert case.assertFalse(0) == 0
    assert case.assertNot("") == ""
    assert case.assertIs(marker, marker) is marker
    assert case.assertIdentical(marker, marker) is marker
    assert case.assertIsNot(marker, None) is marker
    assert case.failIfIdentical(marker, None) is marker
    assert case.assertIn(1, [1, 2]) == 1
    assert case.assertNotIn(3, [1, 2]) == 3
    assert case.assertAlmostEqual(1.0, 1.0 + 1e-9) == 1.0
    assert case.failUnlessAlmostEqual(8.000001, 8.0000011, places=5) == 8.000001
    assert case.assertNotAlmostEqual(1.0, 2.0) == 1.0


def test_assertions_still_fail(case: _Case) -> None:
    with pytest.raises(unittest.FailTest):
        case.assertEqual(1, 2)
    with pytest.raises(unittest.FailTest):
        case.assertTrue(0)
    with pytest.raises(unittest.FailTest):
        case.assertIsNot(None, None)
    with pytest.raises(unittest.FailTest):
        case.assertAlmostEqual(1.0, 1.1)
    with pytest.raises(unittest.FailTest):
        case.assertNotIn(1, [1])


@deprecated(Version("Twisted", 1, 2, 3))
def _old(x: int) -> int:
    return x * 2


@deprecated(Version("Twisted", 1, 2, 3), "a replacement")
def _old_with_replacement() -> str:
    return "r"


def _fresh() -> int:
    return 7


class _Deprecation(unittest.SynchronousTestCase):
    __test__ = False  # run by test_call_deprecated, which checks each one's outcome

    def test_calls_and_checks(self) -> None:
        assert self.callDeprecated(Version("Twisted", 1, 2, 3), _old, 4) == 8
        assert self.flushWarnings() == []

    def test_replacement(self) -> None:
        self.callDeprecated((Version("Twisted", 1, 2, 3), "a replacement"), _old_with_replacement)

    def test_not_deprecated(self) -> None:
        self.callDeprecated(Version("Twisted", 1, 2, 3), _fresh)

    def test_wrong_version(self) -> None:
        self.callDeprecated(Version("Twisted", 9, 9, 9), _old, 1)


@pytest.mark.parametrize(
    ("name", "passes"),
    [
        ("test_calls_and_checks", True),
        ("test_replacement", True),
        ("test_not_deprecated", False),
        ("test_wrong_version", False),
    ],
)
def test_call_deprecated(name: str, passes: bool) -> None:
    import unittest as pyunit

    result = pyunit.TestResult()
    _Deprecation(name).run(result)
    assert result.wasSuccessful() is passes, result.failures + result.errors


def test_success_result_of_a_coroutine(case: _Case) -> None:
    async def done() -> int:
        return await succeed(3)

    assert case.successResultOf(done()) == 3


def test_failure_result_of_a_coroutine(case: _Case) -> None:
    async def broken() -> None:
        await fail(ValueError("x"))

    f = case.failureResultOf(broken(), ValueError)
    assert f.check(ValueError)


def test_no_result_of_a_waiting_coroutine_and_generator(case: _Case) -> None:
    waiting: Deferred[int] = Deferred()

    async def wait() -> int:
        return await waiting

    case.assertNoResult(wait())

    def gen() -> Generator[Any, Any, int]:
        value = yield waiting
        return int(value)

    case.assertNoResult(gen())
    with pytest.raises(unittest.FailTest):
        case.successResultOf(wait())
