"""Suites and decorators of trial's tests, under the module name Twisted's tools import.

``TestSuite`` runs its tests in order against one result until the result asks to stop (as
trial's does: no ``setUpClass``/``setUpModule`` of its own); ``TestDecorator`` wraps a test so
that what it reports is reported as the decorator; ``decorate`` wraps every test of a suite,
nested suites included, in place.
"""

from __future__ import annotations

import gc
import unittest
from collections.abc import Callable, Iterator
from typing import Any

from twistio.internet.interfaces import implementer
from twistio.trial.itrial import ITestCase

__all__ = ["TestDecorator", "TestSuite", "decorate"]


class TestSuite(unittest.TestSuite):
    """Runs each test in turn with the result, stopping early when ``result.shouldStop``."""

    def run(self, result: Any, debug: bool = False) -> Any:
        for test in self._tests:
            if result.shouldStop:
                break
            test(result)
        return result


@implementer(ITestCase)
class TestDecorator:
    """Stands for ``original``: attributes come from it, and running it runs ``original``
    with the results reported against the decorator."""

    def __init__(self, original: Any) -> None:
        self._originalTest = original

    def __getattr__(self, name: str) -> Any:
        if name == "_originalTest":
            raise AttributeError(name)
        return getattr(self._originalTest, name)

    def __call__(self, result: Any) -> Any:
        return self.run(result)

    def run(self, result: Any) -> Any:
        from twistio.trial.reporter import _AdaptedReporter

        return self._originalTest.run(_AdaptedReporter(result, self.__class__))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._originalTest!r}>"


def _clearSuite(suite: unittest.TestSuite) -> None:
    """Empty ``suite`` of its tests."""
    suite._tests = []


def decorate(test: Any, decorator: Callable[[Any], Any]) -> Any:
    """``test`` with each test in it wrapped by ``decorator``: a suite is refilled in place
    (nested suites too) and returned; a single test comes back decorated."""
    if not hasattr(type(test), "__iter__"):
        return decorator(test)
    members = [decorate(member, decorator) for member in list(test)]
    _clearSuite(test)
    test.addTests(members)
    return test


def _iterateTests(testSuiteOrCase: Any) -> Iterator[Any]:
    """Every test of a suite, nested suites flattened; a single test yields itself."""
    try:
        members = iter(testSuiteOrCase)
    except TypeError:
        yield testSuiteOrCase
        return
    for member in members:
        yield from _iterateTests(member)


class _ForceGarbageCollectionDecorator(TestDecorator):
    """Collects garbage before and after the test, and reports as errors of the test what
    was logged while collecting (unhandled errors in Deferreds that died with it)."""

    def run(self, result: Any) -> Any:
        from twistio.trial._synctest import _logObserver

        gc.collect()
        outcome = TestDecorator.run(self, result)
        _logObserver._add()
        try:
            gc.collect()
            for error in _logObserver.getErrors():
                result.addError(self, error)
            _logObserver.flushErrors()
        finally:
            _logObserver._remove()
        return outcome


class _PyUnitTestCaseAdapter(TestDecorator):
    """A plain ``unittest.TestCase`` seen as a trial test (``ITestCase(case)``)."""


def _register_adapters() -> None:
    from twistio.python.components import registerAdapter

    try:
        registerAdapter(_PyUnitTestCaseAdapter, unittest.TestCase, ITestCase)
    except ValueError:
        pass  # already registered (this module reloaded)


_register_adapters()
