"""The options a worker takes: the part of trial's command line that changes how tests run."""

from __future__ import annotations

import gc
import sys
from typing import Any

from twistio.python import usage

__all__ = ["WorkerOptions"]


class WorkerOptions(usage.Options):
    """``--disablegc``, ``--force-gc``, ``--coverage``, ``--recursionlimit``, ``--reactor``,
    ``--without-module``, as given to the manager."""

    optFlags = [
        ["disablegc", None, "run the tests with the garbage collector disabled"],
        ["force-gc", None, "collect garbage before and after each test"],
        ["coverage", None, "accepted for trial's sake; coverage is not collected in workers"],
    ]
    optParameters = [
        ["recursionlimit", None, None, "the interpreter's recursion limit", int],
        ["reactor", None, None, "accepted for trial's sake: twistio has one reactor"],
        ["without-module", None, None, "comma-separated modules to make unimportable"],
    ]

    def postOptions(self) -> None:
        if self["disablegc"]:
            gc.disable()
        if self["recursionlimit"] is not None:
            sys.setrecursionlimit(self["recursionlimit"])
        for name in (self["without-module"] or "").split(","):
            if name.strip():
                sys.modules[name.strip()] = None  # type: ignore[assignment]

    def apply(self, test: Any) -> Any:
        """``test`` decorated as these options say."""
        if self["force-gc"]:
            from twistio.trial._asyncrunner import _ForceGarbageCollectionDecorator, decorate

            return decorate(test, _ForceGarbageCollectionDecorator)
        return test
