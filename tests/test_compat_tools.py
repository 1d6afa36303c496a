"""The alias with the tools around Twisted code: pytest, importlib.metadata, trial, imports.

pytest asks ``importlib.metadata`` for Twisted's version and imports ``twisted.trial.itrial``
when a test module imports trial; ``from twisted.protocols import X`` (X missing) must explain
itself as ``import twisted.protocols.X`` does; ``twistio trial`` runs a Twisted project's tests.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import twistio
from twistio import compat
from twistio.python.failure import Failure
from twistio.trial import itrial, util

ROOT = Path(__file__).resolve().parent.parent

TRIAL_TESTS = textwrap.dedent(
    """
    import twisted
    from twisted.internet import defer, reactor, task
    from twisted.trial import unittest


    class Tests(unittest.TestCase):
        def test_version(self):
            self.assertEqual(twisted.__version__, "26.10.0")

        def test_waits_for_the_reactor(self):
            return task.deferLater(reactor, 0, lambda: None)

        def test_fails(self):
            self.assertEqual(1, 2)

        @defer.inlineCallbacks
        def test_errors(self):
            yield defer.fail(KeyError("k"))
    """
)


@pytest.fixture
def alias() -> Iterator[None]:
    """The alias installed, with any real Twisted modules set aside and put back after."""
    saved = {n: m for n, m in sys.modules.items() if n == "twisted" or n.startswith("twisted.")}
    for name in saved:
        del sys.modules[name]
    try:
        compat.install()
        yield
    finally:
        compat.uninstall()
        sys.modules.update(saved)


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


# -- importlib.metadata and the version ------------------------------------------------------


def test_metadata_sees_a_twisted_distribution_with_the_version_twistio_follows(
    alias: None,
) -> None:
    assert importlib.metadata.version("twisted") == "26.10.0"
    assert importlib.metadata.version("Twisted") == "26.10.0"
    assert importlib.metadata.metadata("twisted")["Name"] == "Twisted"
    assert twistio.version.public() == "26.10.0"


def test_metadata_without_the_alias_is_the_installed_one() -> None:
    assert not compat.installed()
    try:
        found = importlib.metadata.version("twisted")
    except importlib.metadata.PackageNotFoundError:
        return
    import twisted  # the oracle, when installed

    assert found == twisted.__version__


def test_twisted_version_is_twisteds_and_twistio_keeps_its_own(alias: None) -> None:
    import twisted  # type: ignore[import-not-found,unused-ignore]
    from twisted import version  # type: ignore[import-not-found,unused-ignore]
    from twisted.internet import defer  # type: ignore[import-not-found,unused-ignore]

    assert twisted.__version__ == "26.10.0"
    assert version is twistio.version and str(version) == "[Twisted, version 26.10.0]"
    assert twistio.__version__ != "26.10.0"
    # Everything else is twistio's: the subpackages are twistio's very module objects.
    assert twisted.internet.defer is defer and defer is sys.modules["twistio.internet.defer"]
    assert twisted.__path__ == twistio.__path__
    assert "internet" in dir(twisted) and "compat" in dir(twisted)


# -- import messages ------------------------------------------------------------------------


def test_from_import_of_a_missing_subpackage_explains_as_import_does(alias: None) -> None:
    with pytest.raises(ModuleNotFoundError) as plain:
        import twisted.protocols.no_such_module  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    with pytest.raises(ModuleNotFoundError) as from_import:
        from twisted.protocols import no_such_module  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    assert str(from_import.value) == str(plain.value)
    assert from_import.value.name == plain.value.name == "twisted.protocols.no_such_module"
    message = str(plain.value)
    assert "twistio does not provide twistio.protocols.no_such_module" in message
    # It names documentation that ships with the package.
    path = message.split("see ", 1)[1].split(" for ", 1)[0]
    assert path.endswith("porting.md") and os.path.isfile(path)
    assert Path(path).parent.parent == Path(twistio.__file__).parent  # twistio/docs/


def test_from_import_of_existing_names_is_unchanged(alias: None) -> None:
    from twisted.internet import defer, protocol  # type: ignore[import-not-found,unused-ignore]
    from twisted.protocols import basic  # type: ignore[import-not-found,unused-ignore]

    import twistio.protocols.basic

    assert basic is twistio.protocols.basic and defer.Deferred and protocol.Factory
    with pytest.raises(ImportError, match="cannot import name 'Nothing'"):
        from twisted.internet.defer import Nothing  # type: ignore[import-not-found,attr-defined,unused-ignore]  # noqa: F401


# -- trial's interfaces and utilities --------------------------------------------------------


def test_itrial_interfaces_work_with_zope_class_implements(alias: None) -> None:
    zope = pytest.importorskip("zope.interface")
    from twisted.trial.itrial import IReporter, ITestCase  # type: ignore[import-not-found,unused-ignore]

    class Reporter:
        pass

    zope.classImplements(Reporter, IReporter)  # what pytest's unittest plugin does
    assert IReporter.implementedBy(Reporter) and IReporter.providedBy(Reporter())
    assert not ITestCase.providedBy(Reporter())
    assert IReporter is itrial.IReporter


def test_trial_util_matches_trial() -> None:
    real = pytest.importorskip("twisted.trial.util")
    for ours, theirs in [
        (
            util.suppress(category=DeprecationWarning, message="x"),
            real.suppress(category=DeprecationWarning, message="x"),
        )
    ]:
        assert ours == theirs
    assert util.DEFAULT_TIMEOUT_DURATION == real.DEFAULT_TIMEOUT_DURATION
    objects = [object(), ValueError("e"), KeyError("k")]
    assert util.acquireAttribute(objects, "args") == real.acquireAttribute(objects, "args")
    assert util.acquireAttribute(objects, "nope", 5) == 5
    with pytest.raises(AttributeError) as info:
        util.acquireAttribute(objects[:1], "nope")
    assert "'nope'" in str(info.value)
    error = util.DirtyReactorAggregateError(["call 1", "call 2"], ["port"])
    theirs = real.DirtyReactorAggregateError(["call 1", "call 2"], ["port"])
    assert str(error).replace("twistio", "twisted").replace(".base.", ".base.") == str(theirs)
    assert error.args == theirs.args
    assert str(util.DirtyReactorAggregateError([])) == str(real.DirtyReactorAggregateError([]))
    try:
        1 / 0
    except ZeroDivisionError:
        failure = Failure()
    kind, value, tb = util.excInfoOrFailureToExcInfo(failure)
    assert kind is ZeroDivisionError and value is failure.value and tb is not None
    assert util.excInfoOrFailureToExcInfo((1, 2, 3)) == (1, 2, 3)  # type: ignore[arg-type]


# -- pytest and twistio trial on a Twisted project's tests -----------------------------------


def test_pytest_runs_trial_tests_under_the_alias(tmp_path: Path) -> None:
    (tmp_path / "test_project.py").write_text(TRIAL_TESTS)
    code = (
        "import sys, twistio.compat; twistio.compat.install(); import pytest; "
        "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '-o', 'addopts=', "
        "'test_project.py']))"
    )
    done = _run([sys.executable, "-c", code], tmp_path)
    assert "INTERNALERROR" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert "2 failed, 2 passed" in done.stdout, done.stdout
    assert "KeyError" in done.stdout and "1 != 2" in done.stdout


def test_twistio_trial_runs_a_projects_tests(tmp_path: Path) -> None:
    (tmp_path / "test_project.py").write_text(TRIAL_TESTS)
    done = _run(
        [sys.executable, "-m", "twistio", "trial", "--reporter=bwverbose", "test_project"], tmp_path
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = set(done.stdout.splitlines())
    assert "test_project.Tests.test_version ... [OK]" in lines, done.stdout
    assert "test_project.Tests.test_waits_for_the_reactor ... [OK]" in lines
    assert "test_project.Tests.test_fails ... [FAILURE]" in lines  # trial's bwverbose word
    assert "test_project.Tests.test_errors ... [ERROR]" in lines
    assert "FAILED (failures=1, errors=1, successes=2)" in done.stdout

    (tmp_path / "test_passing.py").write_text(
        "from twisted.trial import unittest\n"
        "class T(unittest.SynchronousTestCase):\n"
        "    def test_one(self):\n        pass\n"
    )
    done = _run([sys.executable, "-m", "twistio", "trial", "test_passing"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED (successes=1)" in done.stdout


def test_stand_ins_for_helpers_of_twisteds_test_packages(alias: None) -> None:
    import twisted.web.test.test_web  # type: ignore[import-not-found,unused-ignore]
    from twisted.test import testutils  # type: ignore[import-not-found,unused-ignore]
    from twisted.web.test import test_web  # type: ignore[import-not-found,unused-ignore]

    from twistio.web.test import requesthelper

    assert test_web is twisted.web.test.test_web is requesthelper
    assert test_web.DummyChannel is requesthelper.DummyChannel
    from twisted.internet import protocol  # type: ignore[import-not-found,unused-ignore]

    class Echo(protocol.Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    class Collect(protocol.Protocol):
        got = b""

        def connectionMade(self) -> None:
            self.transport.write(b"ping")

        def dataReceived(self, data: bytes) -> None:
            self.got += data

    client = Collect()
    pump = testutils.returnConnected(Echo(), client)
    assert client.got == b"ping"
    client.transport.write(b"pong")
    assert pump.pump() == 1 and pump.pump() == 1 and pump.pump() == 0
    assert client.got == b"pingpong"


def test_import_twisted_internet_reactor_first_installs_the_reactor(tmp_path: Path) -> None:
    code = (
        "import twistio.compat; twistio.compat.install()\n"
        "import twisted.internet.reactor\n"
        "from twisted.internet import reactor\n"
        "import twistio.internet.reactor as ours\n"
        "assert twisted.internet.reactor is reactor is ours\n"
        "print(type(reactor).__name__)\n"
    )
    done = _run([sys.executable, "-c", code], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "AsyncioReactor"


def test_python_m_twisted_trial_runs_twistio_trial(tmp_path: Path) -> None:
    """``python -m twisted.trial`` (tox files say it) works once the alias is in place."""
    (tmp_path / "test_project.py").write_text(TRIAL_TESTS)
    code = (
        "import runpy, sys, twistio.compat; twistio.compat.install(); "
        "sys.argv = ['trial', '--reporter=bwverbose', 'test_project']; "
        "sys.path.insert(0, '.'); "
        "runpy.run_module('twisted.trial', run_name='__main__', alter_sys=True)"
    )
    done = _run([sys.executable, "-c", code], tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "test_project.Tests.test_version ... [OK]" in done.stdout
    assert "FAILED (failures=1, errors=1, successes=2)" in done.stdout
