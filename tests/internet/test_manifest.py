"""The manifest of ``internet``: every public name of Twisted's ``twisted.internet.*`` module
exists at the same path in twistio, or docs/differences.md names it.

Public names are read from the installed Twisted (the test-only oracle): ``dir()`` of the
module minus private names and minus names it imports from elsewhere (classes, functions and
interfaces defined in another module, typing helpers, constants of the standard library or
of the few Twisted modules that define them). The reactor object is compared the same way,
against Twisted's reactor classes. Coverage per module is printed (``pytest -s`` shows it).
"""

from __future__ import annotations
import __future__

import asyncio
import errno
import functools
import importlib
import inspect
import os
import select
import signal
import socket
import types
import typing
import warnings
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("twisted")
from zope.interface.interface import InterfaceClass  # noqa: E402

DIFFERENCES = (Path(__file__).resolve().parents[2] / "docs" / "differences.md").read_text()

#: twistio's internet modules with a Twisted counterpart, kept to the manifest.
MODULES = [
    "abstract", "address", "asyncioreactor", "base", "default", "endpoints", "epollreactor",
    "error", "fdesc", "inotify", "interfaces", "main", "pollreactor", "posixbase", "process", "protocol",
    "selectreactor", "stdio", "tcp", "testing", "threads", "udp", "unix", "utils",
]
#: Modules of other owners this session: their coverage is printed, not enforced here.
REPORTED_ONLY = ["defer", "task"]
TEST_MODULES = ["iosim", "proto_helpers"]

#: Names Twisted's module has that twistio leaves out on purpose: each is named, with its
#: reason, in docs/differences.md (checked below).
LEFT_OUT: dict[str, set[str]] = {
    "process": {"ProcessReader", "ProcessWriter", "detector"},
    "selectreactor": {"win32select"},
}

_STANDARD = [errno, socket, select, os, typing, signal]
_DEFINING = [
    "twisted.python.runtime",
    "twisted.internet.main",
    "twisted.internet.interfaces",
    "twisted.logger",
]


def _imported_from_elsewhere(module: types.ModuleType, name: str, value: Any) -> bool:
    if value is None:  # an optional import that failed (TLS without pyOpenSSL ...)
        return True
    if isinstance(
        value,
        (types.ModuleType, __future__._Feature, typing.TypeVar, typing.ParamSpec,
         functools.partial, types.GenericAlias),
    ):
        return True
    for std in _STANDARD:
        theirs = getattr(std, name, _MISSING)
        if theirs is value or (isinstance(value, int) and theirs == value):
            return True
    owner = getattr(value, "__module__", None)
    if isinstance(owner, str) and (
        inspect.isclass(value)
        or inspect.isroutine(value)
        or isinstance(value, InterfaceClass)
        or owner in ("typing", "typing_extensions")
    ):
        return owner != module.__name__
    for defining in _DEFINING:
        if defining != module.__name__:
            home = importlib.import_module(defining)
            if getattr(home, name, _MISSING) is value:
                return True
    return False


_MISSING = object()


def twisted_public_names(module_name: str) -> set[str]:
    module = importlib.import_module(module_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # proto_helpers' aliases
        names = {
            name
            for name in dir(module)
            if not name.startswith("_")
            and not _imported_from_elsewhere(module, name, getattr(module, name))
        }
    return names | set(getattr(module, "__all__", ()))


def _coverage(twisted_name: str, twistio_name: str, left_out: set[str]) -> tuple[int, int, list[str]]:
    wanted = twisted_public_names(twisted_name)
    ours = importlib.import_module(twistio_name)
    missing = sorted(n for n in wanted - left_out if not hasattr(ours, n))
    return len(wanted) - len(missing) - len(left_out & wanted), len(wanted), missing


def _report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(line)


@pytest.mark.parametrize("name", MODULES)
def test_internet_module_manifest(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    left_out = LEFT_OUT.get(name, set())
    have, total, missing = _coverage(f"twisted.internet.{name}", f"twistio.internet.{name}", left_out)
    _report(
        capsys,
        f"manifest internet.{name}: {have}/{total} provided, {len(left_out)} left out "
        f"(docs/differences.md)",
    )
    assert missing == [], f"twistio.internet.{name} lacks {missing}"


@pytest.mark.parametrize("name", TEST_MODULES)
def test_test_module_manifest(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    have, total, missing = _coverage(f"twisted.test.{name}", f"twistio.test.{name}", set())
    _report(capsys, f"manifest test.{name}: {have}/{total} provided")
    assert missing == []


@pytest.mark.parametrize("name", REPORTED_ONLY)
def test_other_modules_coverage_is_reported(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    have, total, missing = _coverage(f"twisted.internet.{name}", f"twistio.internet.{name}", set())
    _report(capsys, f"manifest internet.{name} (reported only): {have}/{total}, missing {missing}")


def test_left_out_names_are_documented() -> None:
    for module, names in LEFT_OUT.items():
        for name in names:
            assert f"internet.{module}.{name}" in DIFFERENCES, (module, name)


def test_reactor_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    from twisted.internet import asyncioreactor as t_asyncioreactor
    from twisted.internet import epollreactor as t_epollreactor
    from twisted.internet import pollreactor as t_pollreactor
    from twisted.internet import selectreactor as t_selectreactor

    from twistio.internet import epollreactor, pollreactor, selectreactor
    from twistio.internet.asyncioreactor import AsyncioReactor

    pairs = [
        (lambda: t_epollreactor.EPollReactor(), epollreactor.EPollReactor),
        (lambda: t_pollreactor.PollReactor(), pollreactor.PollReactor),
        (lambda: t_selectreactor.SelectReactor(), selectreactor.SelectReactor),
        (lambda: t_asyncioreactor.AsyncioSelectorReactor(asyncio.new_event_loop()), AsyncioReactor),
    ]
    for make_theirs, ours_class in pairs:
        theirs = make_theirs()
        ours = ours_class(asyncio.new_event_loop())
        wanted = {n for n in dir(theirs) if not n.startswith("_")}
        missing = sorted(n for n in wanted if not hasattr(ours, n))
        _report(
            capsys,
            f"manifest reactor {ours_class.__name__}: {len(wanted) - len(missing)}/{len(wanted)}",
        )
        assert missing == [], (ours_class.__name__, missing)
        ours.loop.close()
