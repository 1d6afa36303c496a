"""Twisted's reactor modules (select, poll, epoll, default, asyncio): each ``install()``
installs twistio's asyncio reactor, so programs that pick one run unchanged; tools that find
the reactor class from ``default.install`` (pytest-twisted) find it."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from twistio.internet import (
    asyncioreactor,
    default,
    epollreactor,
    pollreactor,
    selectreactor,
)
from twistio.internet._reactor import AsyncioReactor


def run_script(source: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


ECHO_PROGRAM = """
    from twisted.internet import reactor, protocol

    class Echo(protocol.Protocol):
        def dataReceived(self, data):
            self.transport.write(data)

    class Client(protocol.Protocol):
        def connectionMade(self):
            self.transport.write(b"hi")
        def dataReceived(self, data):
            print(data.decode(), type(reactor).__name__)
            reactor.stop()

    port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
    reactor.connectTCP("127.0.0.1", port.getHost().port, protocol.ClientFactory.forProtocol(Client))
    reactor.callLater(5, reactor.stop)
    reactor.run()
"""


@pytest.mark.parametrize(
    ("module", "klass"),
    [
        ("epollreactor", "EPollReactor"),
        ("pollreactor", "PollReactor"),
        ("selectreactor", "SelectReactor"),
        ("asyncioreactor", "AsyncioReactor"),
        ("default", "AsyncioReactor"),
        ("_threadedselect", "ThreadedSelectReactor"),
    ],
)
def test_install_then_run_through_the_alias(module: str, klass: str) -> None:
    prelude = f"""
        import twistio.compat
        twistio.compat.install()
        from twisted.internet import {module}
        {module}.install()
        """
    out = run_script(textwrap.dedent(prelude) + textwrap.dedent(ECHO_PROGRAM))
    assert out.split() == ["hi", klass]


def test_reactor_classes() -> None:
    for klass in (
        selectreactor.SelectReactor,
        pollreactor.PollReactor,
        epollreactor.EPollReactor,
        asyncioreactor.AsyncioSelectorReactor,
    ):
        assert issubclass(klass, AsyncioReactor)
    assert default.install is asyncioreactor.install
    assert inspect.signature(asyncioreactor.install).parameters.keys() == {"eventloop"}
    for module in (selectreactor, pollreactor, epollreactor):
        assert list(inspect.signature(module.install).parameters) == []


def test_pytest_twisteds_reactor_lookup() -> None:
    # pytest-twisted: the reactor class is the one name of the module defining
    # default.install whose lower case is the module's last name.
    module = inspect.getmodule(default.install)
    assert module is not None
    name = module.__name__.split(".")[-1]
    (found,) = [x for x in dir(module) if x.lower() == name]
    out = run_script(
        f"""
        import twistio.compat
        twistio.compat.install()
        import twisted.internet.default
        from twisted.internet import {name}
        from twisted.internet.error import ReactorAlreadyInstalledError
        twisted.internet.default.install()
        try:
            twisted.internet.default.install()
        except ReactorAlreadyInstalledError:
            pass
        import twisted.internet.reactor
        print(isinstance(twisted.internet.reactor, {name}.{found}))
        """
    )
    assert out.strip() == "True"


def test_swapping_reactors_by_deleting_the_module_entry() -> None:
    # What test suites (Synapse's, for one) do to get a fresh reactor under Twisted.
    out = run_script(
        """
        import sys
        import twistio.compat
        twistio.compat.install()
        from twisted.internet.epollreactor import EPollReactor
        from twisted.internet.main import installReactor
        from twisted.internet import reactor as first
        fresh = EPollReactor()
        if "twisted.internet.reactor" in sys.modules:
            del sys.modules["twisted.internet.reactor"]
        installReactor(fresh)
        from twisted.internet import reactor
        import twisted.internet
        print(reactor is fresh, twisted.internet.reactor is fresh, first is not fresh)
        """
    )
    assert out.split() == ["True", "True", "True"]


def test_install_twice_fails() -> None:
    out = run_script(
        """
        from twistio.internet import epollreactor, selectreactor
        from twistio.internet.error import ReactorAlreadyInstalledError
        r = epollreactor.install()
        try:
            selectreactor.install()
        except ReactorAlreadyInstalledError:
            print("refused")
        from twistio.internet import reactor
        print(reactor is r)
        """
    )
    assert out.split() == ["refused", "True"]


def test_pytest_twisted_runs_on_twistios_reactor(tmp_path: Any) -> None:
    # Not in the test extra: installed, pytest-twisted loads into every pytest run (pytester's
    # too) and installs Twisted's own reactor there. Checked by hand with it installed.
    pytest.importorskip("pytest_twisted")
    (tmp_path / "test_with_pytest_twisted.py").write_text(
        textwrap.dedent(
            """
            import pytest_twisted
            from twisted.internet import defer, reactor, task

            @pytest_twisted.inlineCallbacks
            def test_inline_callbacks():
                yield task.deferLater(reactor, 0.01, lambda: None)
                assert reactor.running

            @pytest_twisted.ensureDeferred
            async def test_coroutine():
                d = defer.Deferred()
                reactor.callLater(0, d.callback, 5)
                assert await d == 5

            def test_the_reactor_is_twistios():
                assert type(reactor).__module__.startswith("twistio.")
            """
        )
    )
    run = (
        "import sys, twistio.compat; twistio.compat.install(); import pytest; "
        "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', "
        "'test_with_pytest_twisted.py']))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", run], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout


def test_default_install_function_is_asyncio_on_every_platform() -> None:
    from twistio.internet import asyncioreactor, default
    from twistio.python.runtime import Platform

    for name, kind in (("posix", "linux"), ("posix", "darwin"), ("nt", "win32"), ("posix", "x")):
        assert default._getInstallFunction(Platform(name, kind)) is asyncioreactor.install
    assert default.install is asyncioreactor.install
