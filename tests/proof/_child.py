"""Run one of Twisted's test modules in this process and write each test's outcome.

    python -m tests.proof._child --sdist SRC --out FILE [--oracle] [--timeout S] MODULE

``SRC`` is the ``src`` folder of Twisted's unpacked sdist. Without ``--oracle`` the alias is
installed first (``twistio.compat.install()``), so ``twisted.*`` is twistio, and a second
finder, ahead of the alias, gives a module of a ``test`` package (``twisted.test.test_defer``,
``twisted.web.test._util``, ``twisted.python.test``) from the sdist when twistio has no module
of that name: Twisted's tests and their own support modules come from Twisted, everything else
(trial, ``internet.testing``, ``test.iosim``, ``web.test.requesthelper``...) from twistio. With
``--oracle`` the same module runs on the real Twisted, as installed.

``FILE`` receives one JSON object per test as it finishes (so a run that hangs still leaves
the outcomes so far): ``{"id", "status", "error", "where"}`` where ``status`` is one of
``ok``, ``skip``, ``todo``, ``fail``, ``error``, ``unexpected``.
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType
from typing import Any

# Tests that change the modes of system files when run as root (the brief forbids them).
SKIP_AS_ROOT = {
    "twisted.test.test_logfile.LogFileTests.test_cantChangeFileMode",
}

# Test classes that open real devices and change the machine's network when run as root
# (a TUN/TAP device is created for as long as the test holds it): skipped as a whole.
_REAL_TAP = "creates a real TAP device when run as root"
SKIP_CLASSES_AS_ROOT = {
    "twisted.pair.test.test_tuntap.RealDeviceWithProtocolInformationTests": _REAL_TAP,
    "twisted.pair.test.test_tuntap.RealDeviceWithoutProtocolInformationTests": _REAL_TAP,
}

_RANK = {"ok": 0, "skip": 1, "todo": 2, "unexpected": 3, "fail": 4, "error": 5}


class SdistTestFinder(importlib.abc.MetaPathFinder):
    """``twisted.<...>.test[.<...>]`` from the sdist when twistio has no such module."""

    def __init__(self, src: str) -> None:
        self.src = src

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        parts = fullname.split(".")
        if parts[0] != "twisted":
            return None
        if "test" not in parts[1:]:
            return self._shell(fullname, parts)
        ours = "twistio" + fullname[len("twisted") :]
        try:
            if ours in sys.modules or importlib.util.find_spec(ours) is not None:
                return None  # twistio's own helper: the alias gives it
        except ImportError:
            pass
        base = os.path.join(self.src, *parts)
        if os.path.isfile(os.path.join(base, "__init__.py")):
            return importlib.util.spec_from_file_location(
                fullname, os.path.join(base, "__init__.py"), submodule_search_locations=[base]
            )
        if os.path.isfile(base + ".py"):
            return importlib.util.spec_from_file_location(fullname, base + ".py")
        return None

    def _shell(self, fullname: str, parts: list[str]) -> importlib.machinery.ModuleSpec | None:
        """An empty package standing for a private package twistio lacks (``twisted.trial.
        _dist``) whose ``test`` subpackage holds helpers other tests import: nothing of the
        package itself is loaded, so only its ``test`` modules (from the sdist) resolve."""
        if not parts[-1].startswith("_") or len(parts) < 3:
            return None
        if not os.path.isfile(os.path.join(self.src, *parts, "test", "__init__.py")):
            return None
        ours = "twistio" + fullname[len("twisted") :]
        try:
            if importlib.util.find_spec(ours) is not None:
                return None
        except ImportError:
            pass
        spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
        spec.submodule_search_locations = []
        return spec


def _describe(err: Any) -> tuple[str, str]:
    """``(one-line error, innermost frames)`` of a Failure or an exc_info tuple."""
    try:
        if isinstance(err, tuple):
            typ, value, tb = err
        else:
            typ, value = err.type, err.value
            tb = err.getTracebackObject() if hasattr(err, "getTracebackObject") else None
        line = "".join(traceback.format_exception_only(typ, value)).strip()
        where = ""
        if tb is not None:
            frames = traceback.extract_tb(tb)[-3:]
            where = " <- ".join(
                f"{os.path.basename(f.filename)}:{f.lineno} {f.name}" for f in reversed(frames)
            )
        elif hasattr(err, "frames") and err.frames:
            where = " <- ".join(
                f"{os.path.basename(f[1])}:{f[2]} {f[0]}" for f in reversed(err.frames[-3:])
            )
        return line[:600], where
    except Exception as e:  # pragma: no cover - describing must never break the run
        return f"<undescribable error: {e!r}>", ""


def make_reporter(base: type, out: Any) -> type:
    class Recorder(base):  # type: ignore[misc, valid-type]
        """trial's Reporter (twistio's or Twisted's) that also records each outcome."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._current: dict[str, Any] | None = None

        def _note(self, test: Any, status: str, err: Any = None) -> None:
            record = self._current
            lone = record is None or record["id"] != test.id()
            if lone:
                record = {"id": test.id(), "status": "ok", "error": "", "where": ""}
            assert record is not None
            if _RANK[status] >= _RANK[record["status"]]:
                record["status"] = status
                if err is not None:
                    record["error"], record["where"] = (
                        (str(err), "") if isinstance(err, str) else _describe(err)
                    )
            if lone:
                self._flush(record)

        def _flush(self, record: dict[str, Any]) -> None:
            out.write(json.dumps(record) + "\n")
            out.flush()

        def startTest(self, test: Any) -> None:
            super().startTest(test)
            self._current = {"id": test.id(), "status": "ok", "error": "", "where": ""}

        def stopTest(self, test: Any) -> None:
            super().stopTest(test)
            if self._current is not None:
                self._flush(self._current)
            self._current = None

        def addSuccess(self, test: Any) -> None:
            super().addSuccess(test)
            self._note(test, "ok")

        def addFailure(self, test: Any, err: Any) -> None:
            super().addFailure(test, err)
            self._note(test, "fail", err)

        def addError(self, test: Any, err: Any) -> None:
            super().addError(test, err)
            self._note(test, "error", err)

        def addSkip(self, test: Any, reason: Any) -> None:
            super().addSkip(test, reason)
            self._note(test, "skip", str(reason))

        def addExpectedFailure(self, test: Any, err: Any, todo: Any = None) -> None:
            super().addExpectedFailure(test, err, todo)
            self._note(test, "todo")

        def addUnexpectedSuccess(self, test: Any, todo: Any = None) -> None:
            super().addUnexpectedSuccess(test, todo)
            self._note(test, "unexpected", "unexpected success")

    return Recorder


def _skip_as_root(module: str) -> None:
    if os.geteuid() != 0:
        return
    for name in SKIP_AS_ROOT:
        modname, cls, method = name.rsplit(".", 2)
        if modname != module:
            continue
        mod = importlib.import_module(modname)
        func = getattr(getattr(mod, cls), method)
        func.skip = "changes the mode of a system file when run as root"
    for name, reason in SKIP_CLASSES_AS_ROOT.items():
        modname, cls = name.rsplit(".", 1)
        if modname == module:
            getattr(importlib.import_module(modname), cls).skip = reason


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sdist", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--oracle", action="store_true")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("module")
    options = parser.parse_args(argv)
    if not options.oracle:
        import twistio.compat

        twistio.compat.install()
        sys.meta_path.insert(0, SdistTestFinder(options.sdist))
    from twisted.trial import reporter, runner, util

    # trial's default of 120 s per test makes a hang expensive; Twisted's tests take < 1 s.
    # (Its default, not a class attribute: tests that lower the default must still win.)
    util.DEFAULT_TIMEOUT_DURATION = options.timeout
    with open(options.out, "w", encoding="utf-8") as out:
        try:
            _skip_as_root(options.module)
        except Exception:
            pass  # the import error is reported by the loader below
        suite = runner.TestLoader().loadByNames([options.module])
        trial = runner.TrialRunner(
            make_reporter(reporter.Reporter, out),
            stream=open(os.devnull, "w"),  # noqa: SIM115 - the reporter's own text is not wanted
            workingDirectory="_trial_temp",
        )
        trial.run(suite)
    return 0


if __name__ == "__main__":
    sys.exit(main())
