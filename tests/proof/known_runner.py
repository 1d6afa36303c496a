"""Understood failures of twistio.runner under Twisted's tests (see ``classify`` in
__main__.py): test id (or a prefix ending in ".") -> (kind, why)."""

from __future__ import annotations

_NAME = ("name", "the logger's namespace spells twistio's module path (twistio.x, not twisted.x)")

KNOWN: dict[str, tuple[str, str]] = {
    f"twisted.runner.test.test_procmon.ProcmonTests.{name}": _NAME
    for name in (
        "test_outputReceivedCompleteLine",
        "test_outputReceivedCompleteErrLine",
        "test_outputReceivedCompleteLineInvalidUTF8",
        "test_outputReceivedPartialLine",
    )
}
