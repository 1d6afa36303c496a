"""``conch.tap`` (``twistd conch``): its options, its checkers, and the SSH server its service
runs (host keys from ``--data``, users checked by ``--auth``)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

pytest.importorskip("cryptography")

from twistio.application.internet import StreamServerEndpointService  # noqa: E402
from twistio.conch import checkers, tap  # noqa: E402
from twistio.conch.openssh_compat.factory import OpenSSHFactory  # noqa: E402
from twistio.cred import credentials, error  # noqa: E402
from twistio.cred.checkers import FilePasswordDB  # noqa: E402

from . import _support as S  # noqa: E402


def test_defaults_are_unix_passwords_and_authorized_keys() -> None:
    options = tap.Options()
    assert options["port"] == "tcp:22" and options["data"] == "/etc"
    assert options["moduli"] is None and options["interface"] == ""
    kinds = [type(c) for c in options["credCheckers"]]
    assert kinds == [checkers.UNIXPasswordDatabase, checkers.SSHPublicKeyChecker]
    assert set(options["credInterfaces"]) == {
        credentials.IUsernamePassword, credentials.ISSHPrivateKey}


def test_auth_replaces_the_defaults(tmp_path: Path) -> None:
    passwd = tmp_path / "passwd"
    passwd.write_bytes(b"alice:secret")
    options = tap.Options()
    options.parseOptions(["--auth", f"file:{passwd}", "--auth", "memory:bob:pw"])
    assert len(options["credCheckers"]) == 2
    checker = options["credCheckers"][0]
    assert isinstance(checker, FilePasswordDB)
    ok = checker.requestAvatarId(credentials.UsernamePassword(b"alice", b"secret"))
    assert ok.result == b"alice"
    bad = checker.requestAvatarId(credentials.UsernamePassword(b"alice", b"nope"))
    failures: list[object] = []
    bad.addErrback(failures.append)
    assert failures and failures[0].check(error.UnauthorizedLogin)  # type: ignore[attr-defined]


def test_make_service() -> None:
    options = tap.Options()
    options.parseOptions(["--port", "tcp:2222", "--data", "/srv/keys", "--moduli", "/srv/m"])
    service = tap.makeService(options)
    assert isinstance(service, StreamServerEndpointService)
    assert service.endpoint._port == 2222  # type: ignore[attr-defined]
    factory = service.factory
    assert isinstance(factory, OpenSSHFactory)
    assert (factory.dataRoot, factory.moduliRoot) == ("/srv/keys", "/srv/m")
    assert set(factory.portal.checkers) == {
        credentials.IUsernamePassword, credentials.ISSHPrivateKey}
    default = tap.makeService(tap.Options()).factory
    assert default.moduliRoot == default.dataRoot == "/etc"


def test_twistd_knows_conch() -> None:
    from twistio.application.service import IServiceMaker
    from twistio.plugin import getPlugins

    makers = {m.tapname: m for m in getPlugins(IServiceMaker)}
    assert makers["conch"].module == "twistio.conch.tap"  # type: ignore[attr-defined]
    assert makers["conch"].options is tap.Options  # type: ignore[attr-defined]


async def test_the_service_serves_ssh_with_the_host_keys_of_data(tmp_path: Path) -> None:
    shutil.copy(S.DATA / "id_ed25519", tmp_path / "ssh_host_ed25519_key")
    shutil.copy(S.DATA / "id_ed25519.pub", tmp_path / "ssh_host_ed25519_key.pub")
    options = tap.Options()
    options.parseOptions(
        ["--port", "tcp:0:interface=127.0.0.1", "--data", str(tmp_path), "--auth",
         "memory:alice:pw"])
    service = tap.makeService(options)
    service.startService()
    try:
        port = await service._waitingForPort  # type: ignore[attr-defined]
        reader, writer = await asyncio.open_connection("127.0.0.1", port.getHost().port)
        try:
            line = await asyncio.wait_for(reader.readline(), 20)
            assert line.startswith(b"SSH-2.0-")
            writer.write(b"SSH-2.0-probe\r\n")
            # The server's KEXINIT offers the host key read from --data.
            data = b""
            while b"ssh-ed25519" not in data and len(data) < 65536:
                chunk = await asyncio.wait_for(reader.read(4096), 20)
                if not chunk:
                    break
                data += chunk
            assert b"ssh-ed25519" in data
        finally:
            writer.close()
    finally:
        await service.stopService()
