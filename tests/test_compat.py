"""``twistio.compat``: ``import twisted...`` served by twistio, and unmodified Twisted programs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.application._proc import ROOT, spawn, terminate, wait_for
from twistio import compat

PROGRAMS = os.path.join(ROOT, "tests", "compat_programs")


@pytest.fixture
def alias() -> Iterator[None]:
    """Install the alias with any real Twisted modules set aside, and put everything back."""
    saved = {n: m for n, m in sys.modules.items() if n == "twisted" or n.startswith("twisted.")}
    for name in saved:
        del sys.modules[name]
    try:
        compat.install()
        yield
    finally:
        compat.uninstall()
        sys.modules.update(saved)


def test_same_module_objects(alias: None) -> None:
    import twisted.internet.defer  # type: ignore[import-not-found,unused-ignore]
    from twisted.python import failure  # type: ignore[import-not-found,unused-ignore]

    import twistio.internet.defer
    import twistio.python.failure

    assert sys.modules["twisted.internet.defer"] is twistio.internet.defer
    assert twisted.internet.defer is twistio.internet.defer
    assert failure is twistio.python.failure
    assert twisted.internet.defer.Deferred is twistio.internet.defer.Deferred


def test_reactor_is_twistios(alias: None) -> None:
    from twisted.internet import reactor  # type: ignore[import-not-found,unused-ignore]

    import twistio.internet.reactor as ours

    assert reactor is ours
    import twisted.internet.reactor  # type: ignore[import-not-found,unused-ignore]  # noqa: F401

    assert sys.modules["twisted.internet.reactor"] is ours


def test_missing_module_names_itself_and_the_docs(alias: None) -> None:
    with pytest.raises(ImportError) as info:
        import twisted.nosuchsubpackage.ethernet  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    message = str(info.value)
    assert "twisted.nosuchsubpackage" in message and "docs/porting.md" in message
    assert info.value.name == "twisted.nosuchsubpackage"


def test_zope_implementer_against_twistio_interfaces(alias: None) -> None:
    zope = pytest.importorskip("zope.interface")
    from twisted.internet.interfaces import IProtocol  # type: ignore[import-not-found,unused-ignore]

    @zope.implementer(IProtocol)
    class P:
        pass

    assert IProtocol.providedBy(P())


def test_refuses_when_real_twisted_is_imported() -> None:
    saved = {n: m for n, m in sys.modules.items() if n == "twisted" or n.startswith("twisted.")}
    sys.modules["twisted"] = types.ModuleType("twisted")
    try:
        with pytest.raises(compat.TwistedAlreadyImported, match="already imported"):
            compat.install()
        assert not compat.installed()
    finally:
        del sys.modules["twisted"]
        sys.modules.update(saved)


def test_refusal_is_one_line_from_the_command() -> None:
    code = "import twisted.internet.defer, sys; from twistio._cli import main; " + (
        f"sys.exit(main(['compat', {os.path.join(PROGRAMS, 'echo_server.py')!r}, '0']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=20, check=False
    )
    assert done.returncode == 1
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "already imported" in lines[0]


def test_echo_program_runs_unmodified() -> None:
    proc = spawn("compat", os.path.join(PROGRAMS, "echo_server.py"), "0")
    port = int(wait_for(proc, r"listening on port (\d+)", "stdout").group(1))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"hello twisted")
        got = b""
        while len(got) < 13:
            chunk = s.recv(100)
            assert chunk
            got += chunk
    assert got == b"hello twisted"
    status, _, err = terminate(proc)
    assert status == 0, err


def test_hello_web_program_answers_curl() -> None:
    proc = spawn("compat", os.path.join(PROGRAMS, "hello_web.py"), "0")
    port = int(wait_for(proc, r"listening on port (\d+)", "stdout").group(1))
    done = subprocess.run(
        ["curl", "-s", "-i", f"http://127.0.0.1:{port}/"],
        capture_output=True,
        timeout=10,
        check=False,
    )
    status, _, err = terminate(proc)
    assert done.stdout.startswith(b"HTTP/1.1 200"), done.stdout
    assert done.stdout.endswith(b"hello, world\n")
    assert status == 0, err


def test_missing_module_from_the_command() -> None:
    proc = spawn("compat", os.path.join(PROGRAMS, "uses_missing.py"))
    _, err = proc.communicate(timeout=20)
    status = proc.returncode
    assert status == 1
    assert b"twisted.nosuchsubpackage" in err and b"docs/porting.md" in err


def test_third_party_twisted_plugins_import(alias: None, tmp_path: Path) -> None:
    folder = tmp_path / "twisted" / "plugins"
    folder.mkdir(parents=True)
    (folder / "my_endpoint_plugin.py").write_text(
        "from twisted.internet.interfaces import IProtocol\nVALUE = IProtocol\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        from twisted.plugins import my_endpoint_plugin  # type: ignore[import-not-found,unused-ignore]

        from twistio.internet.interfaces import IProtocol

        assert my_endpoint_plugin.VALUE is IProtocol
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("twisted.plugins.my_endpoint_plugin", None)
        sys.modules.pop("twistio.plugins.my_endpoint_plugin", None)
        import twistio.plugins

        vars(twistio.plugins).pop("my_endpoint_plugin", None)
