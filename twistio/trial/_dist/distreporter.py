"""Keeps each test's outcomes until the test is over, so that tests running at the same time
in several workers reach a reporter one whole test at a time."""

from __future__ import annotations

from typing import Any

__all__ = ["DistReporter"]

_HELD = (
    "addSuccess",
    "addError",
    "addFailure",
    "addSkip",
    "addExpectedFailure",
    "addUnexpectedSuccess",
)


class DistReporter:
    """Wraps ``original``: ``startTest`` ... ``stopTest`` of one test reach it together."""

    def __init__(self, original: Any) -> None:
        self.original = original
        self.running: dict[Any, list[tuple[str, tuple[Any, ...]]]] = {}

    def __getattr__(self, name: str) -> Any:
        if name in _HELD:

            def hold(test: Any, *rest: Any) -> None:
                self.running.setdefault(test, []).append((name, (test, *rest)))

            return hold
        return getattr(self.original, name)

    def startTest(self, test: Any) -> None:
        self.running[test] = []

    def stopTest(self, test: Any) -> None:
        held = self.running.pop(test, [])
        self.original.startTest(test)
        for name, args in held:
            getattr(self.original, name)(*args)
        self.original.stopTest(test)
