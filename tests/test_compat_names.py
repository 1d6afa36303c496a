"""Names twistio computes from module paths, with and without the ``twisted`` alias.

While ``twistio.compat`` is installed the program imports twistio's modules as ``twisted.*``,
and every name twistio builds for it (``qual``, ``fullyQualifiedName``, deprecation texts,
``Failure`` reprs, logger namespaces, jelly's class names) is spelled that way; without the
alias nothing changes. See docs/differences.md, "Names under the alias".
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from tests.application._proc import ROOT
from twistio import compat
from twistio.internet import defer, task
from twistio.logger import Logger
from twistio.python import _spelling, deprecate, failure, reflect
from twistio.python.versions import Version
from twistio.spread import jelly


@pytest.fixture
def alias() -> Iterator[None]:
    """The alias installed (real Twisted modules set aside), everything put back after."""
    saved = {n: m for n, m in sys.modules.items() if n == "twisted" or n.startswith("twisted.")}
    for name in saved:
        del sys.modules[name]
    try:
        compat.install()
        yield
    finally:
        compat.uninstall()
        sys.modules.update(saved)


@deprecate.deprecated(Version("Twisted", 1, 2, 3), replacement=defer.Deferred.addTimeout)
def _decoratedBeforeTheAlias() -> int:
    return 7


class _Owner:
    log = Logger()


def _warningsFrom(call: Any) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught]


def _boom() -> failure.Failure:
    try:
        raise defer.CancelledError("gone")
    except defer.CancelledError:
        return failure.Failure()


# -- without the alias: twistio's own names ---------------------------------------------------


def test_names_without_the_alias_are_twistios() -> None:
    assert not _spelling.active
    assert reflect.qual(defer.Deferred) == "twistio.internet.defer.Deferred"
    assert reflect.fullyQualifiedName(reflect.qual) == "twistio.python.reflect.qual"
    assert reflect.fullyQualifiedName(reflect) == "twistio.python.reflect"
    assert reflect.fullyQualifiedName(_Owner) == f"{__name__}._Owner"
    assert repr(_boom()).startswith(
        "<twistio.python.failure.Failure twistio.internet.defer.CancelledError: gone>"
    )
    assert _Owner.log.namespace == f"{__name__}._Owner"
    assert _warningsFrom(_decoratedBeforeTheAlias) == [
        "tests.test_compat_names._decoratedBeforeTheAlias was deprecated in Twisted 1.2.3; "
        "please use twistio.internet.defer.Deferred.addTimeout instead"
    ]
    assert _spelling.spelled("twistio.x") == "twistio.x"
    assert _spelling.local("twisted.x") == "twisted.x"


# -- with the alias: spelled as the program imports them -------------------------------------


def test_qualified_names_read_twisted(alias: None) -> None:
    assert reflect.qual(defer.Deferred) == "twisted.internet.defer.Deferred"
    assert reflect.fullyQualifiedName(reflect.qual) == "twisted.python.reflect.qual"
    assert reflect.fullyQualifiedName(reflect) == "twisted.python.reflect"
    import twistio.python

    assert reflect.fullyQualifiedName(twistio.python) == "twisted.python"
    assert (
        reflect.fullyQualifiedName(defer.Deferred().addCallback)
        == "twisted.internet.defer.Deferred.addCallback"
    )
    assert reflect.fullFuncName(reflect.namedAny) == "twisted.python.reflect.namedAny"
    # Only twistio's own paths: the program's names and the standard library's stay.
    assert reflect.qual(_Owner) == f"{__name__}._Owner"
    assert reflect.qual(ValueError) == "builtins.ValueError"
    assert _spelling.spelled("twistiox.y") == "twistiox.y"
    assert _spelling.local("twisted.web") == "twistio.web"


def test_names_find_their_objects_again(alias: None) -> None:
    for obj in (defer.Deferred, reflect.qual, reflect, task.LoopingCall, failure.Failure):
        assert reflect.namedAny(reflect.fullyQualifiedName(obj)) is obj
    assert reflect.namedAny(reflect.qual(defer.Deferred)) is defer.Deferred
    assert reflect.namedAny(reflect.fullyQualifiedName(defer.Deferred.addCallback)) is (
        defer.Deferred.addCallback
    )


def test_failure_repr_and_parents(alias: None) -> None:
    f = _boom()
    assert repr(f) == (
        "<twisted.python.failure.Failure twisted.internet.defer.CancelledError: gone>"
    )
    assert "twisted.internet.defer.CancelledError" in f.parents
    assert f.check(defer.CancelledError) is defer.CancelledError
    assert f.check("twisted.internet.defer.CancelledError") == (
        "twisted.internet.defer.CancelledError"
    )
    assert "twisted.internet.defer.CancelledError: gone" in f.getTraceback()


def test_deprecation_texts(alias: None) -> None:
    # Decorated before the alias was installed: the text is built when it warns.
    assert _warningsFrom(_decoratedBeforeTheAlias) == [
        "tests.test_compat_names._decoratedBeforeTheAlias was deprecated in Twisted 1.2.3; "
        "please use twisted.internet.defer.Deferred.addTimeout instead"
    ]
    assert _warningsFrom(lambda: defer.timeout(defer.Deferred().addErrback(lambda f: None))) == [
        "twisted.internet.defer.timeout was deprecated in Twisted 17.1.0; "
        "please use twisted.internet.defer.Deferred.addTimeout instead"
    ]
    assert _warningsFrom(lambda: defer.Deferred().callbacks)[0].startswith(
        "twisted.internet.defer.Deferred.callbacks was deprecated"
    )
    assert deprecate.getDeprecationWarningString(reflect.qual, Version("Twisted", 1, 0, 0)) == (
        "twisted.python.reflect.qual was deprecated in Twisted 1.0.0"
    )
    with pytest.warns(DeprecationWarning) as caught:
        _ = jelly.instance_atom
    assert str(caught[0].message).startswith("twisted.spread.jelly.instance_atom was deprecated")


def test_deprecated_module_attribute_texts(alias: None) -> None:
    from twistio.cred import credentials

    with pytest.warns(DeprecationWarning) as caught:
        _ = credentials.UsernameHashedPassword
    assert str(caught[0].message) == (
        "twisted.cred.credentials.UsernameHashedPassword was deprecated in Twisted 21.2.0: "
        "Use twisted.cred.credentials.UsernamePassword instead."
    )
    # trial's helper expects the same text, whichever name the test gives the module.
    from twistio.trial import unittest

    case = unittest.TestCase()
    for module in ("twisted.cred.credentials", "twistio.cred.credentials"):
        case.getDeprecatedModuleAttribute(
            module,
            "UsernameHashedPassword",
            Version("Twisted", 21, 2, 0),
            "Use twisted.cred.credentials.UsernamePassword instead.",
        )


def test_messages_only_respell_module_paths() -> None:
    assert _spelling.spelledText("use twistio.web.x") == "use twistio.web.x"  # no alias
    _spelling._install("twisted")
    try:
        assert _spelling.spelledText(
            "use twistio.web.x, not xtwistio.a, a.twistio.b, twistio."
        ) == ("use twisted.web.x, not xtwistio.a, a.twistio.b, twistio.")
    finally:
        _spelling._install(None)


def test_trial_texts(alias: None) -> None:
    from twistio.trial import util

    text = str(util.DirtyReactorAggregateError(["call"]))
    assert "(set twisted.internet.base.DelayedCall.debug = True to debug)" in text


def test_logger_namespaces(alias: None) -> None:
    from twistio.runner.procmon import ProcessMonitor

    assert ProcessMonitor.log.namespace == "twisted.runner.procmon.ProcessMonitor"
    assert ProcessMonitor().log.namespace == "twisted.runner.procmon.ProcessMonitor"
    assert Logger(namespace="twistio.web.http").namespace == "twisted.web.http"
    assert _Owner.log.namespace == f"{__name__}._Owner"


def test_jelly_names_and_round_trip(alias: None) -> None:
    v = Version("Twisted", 1, 2, 3)
    sexp = jelly.jelly(v)
    assert sexp[0] == b"twisted.python.versions.Version"
    assert jelly.unjelly(sexp) == v
    sexp = jelly.jelly([reflect.qual, reflect])
    assert [b"function", "twisted.python.reflect.qual"] in sexp[1:]
    assert [b"module", "twisted.python.reflect"] in sexp[1:]
    assert jelly.unjelly(sexp) == [reflect.qual, reflect]
    # A restricted taster allowing a class allows it under the name on the wire.
    taster = jelly.SecurityOptions()
    taster.allowInstancesOf(Version)
    assert jelly.unjelly(jelly.jelly(v), taster) == v


def test_registry_tags_made_before_the_alias_still_match() -> None:
    class Copy:
        def unjellyFor(self, unjellier: Any, sexp: Any) -> Copy:
            self.state = unjellier.unjelly(sexp[1])
            return self

    jelly.setUnjellyableForClass("twistio.python.versions.Version", Copy)
    try:
        saved = {n: m for n, m in sys.modules.items() if n.startswith("twisted")}
        for name in saved:
            del sys.modules[name]
        compat.install()
        try:
            got = jelly.unjelly(jelly.jelly(Version("Twisted", 1, 2, 3)))
        finally:
            compat.uninstall()
            sys.modules.update(saved)
        assert isinstance(got, Copy)
    finally:
        del jelly.unjellyableRegistry[b"twistio.python.versions.Version"]


def test_uninstall_puts_twistios_names_back(alias: None) -> None:
    assert reflect.qual(defer.Deferred).startswith("twisted.")
    compat.uninstall()
    try:
        assert reflect.qual(defer.Deferred) == "twistio.internet.defer.Deferred"
        assert _warningsFrom(_decoratedBeforeTheAlias)[0].endswith(
            "please use twistio.internet.defer.Deferred.addTimeout instead"
        )
    finally:
        compat.install()


# -- a program run through the alias, beside the same program on Twisted ---------------------

_PROGRAM = textwrap.dedent(
    """
    import json, sys, warnings
    if sys.argv[1] == "alias":
        from twistio import compat
        compat.install()
    from twisted.internet import defer, task
    from twisted.python import failure, reflect
    from twisted.web import http
    from twisted.spread import jelly
    from twisted.python.components import Componentized
    import twisted.python

    def warned(call):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        return [str(w.message) for w in caught]

    try:
        1 / 0
    except ZeroDivisionError:
        f = failure.Failure()
    out = {
        "qual": reflect.qual(defer.Deferred),
        "fqn function": reflect.fullyQualifiedName(reflect.fullyQualifiedName),
        "fqn module": reflect.fullyQualifiedName(reflect),
        "fqn package": reflect.fullyQualifiedName(twisted.python),
        "fqn method": reflect.fullyQualifiedName(task.LoopingCall.start),
        "round trip": reflect.namedAny(reflect.qual(task.LoopingCall)) is task.LoopingCall,
        "failure": repr(f),
        "timeout": warned(lambda: defer.timeout(defer.Deferred().addErrback(lambda _: None))),
        "noLongerQueued": warned(lambda: http.Request.noLongerQueued(None)),
        "jelly": jelly.jelly(Componentized())[0].decode(),
    }
    print(json.dumps(out))
    """
)


def _run(side: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, side],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    result: dict[str, Any] = json.loads(done.stdout.decode().splitlines()[-1])
    return result


def test_a_program_under_the_alias_sees_twisteds_names() -> None:
    ours = _run("alias")
    assert ours["qual"] == "twisted.internet.defer.Deferred"
    assert ours["fqn package"] == "twisted.python"
    assert ours["round trip"] is True
    assert ours["jelly"] == "twisted.python.components.Componentized"
    pytest.importorskip("twisted")
    theirs = _run("twisted")
    assert ours == theirs
