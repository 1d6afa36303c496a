"""The real OpenSSH client (ssh, sshpass) against a twistio SSH server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

pytest.importorskip("cryptography")

from . import _support as S  # noqa: E402

SSH = shutil.which("ssh")
SSHPASS = shutil.which("sshpass")
pytestmark = pytest.mark.skipif(SSH is None, reason="the OpenSSH client is not installed")
TIMEOUT = 20.0


class Server:
    def __init__(self, port: int, realm: S.Realm, tmp_path: Path) -> None:
        self.port = port
        self.realm = realm
        self.tmp_path = tmp_path

    def options(self, *extra: str) -> list[str]:
        return ["-p", str(self.port), "-o", "StrictHostKeyChecking=no",
                "-o", f"UserKnownHostsFile={os.devnull}", "-o", "BatchMode=yes",
                "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10", "-F", os.devnull,
                *extra]

    async def ssh(self, *args: str, key: str | None = "id_ecdsa", stdin: bytes = b"",
                  verbose: bool = False) -> tuple[int, bytes, bytes]:
        argv = [SSH or "ssh"]
        if verbose:
            argv.append("-vv")
        opts = self.options()
        if key is not None:
            opts += ["-i", S.private_key_file(self.tmp_path, key)]
        argv += [*opts, *args]
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(stdin), TIMEOUT)
        assert proc.returncode is not None
        return proc.returncode, out, err


@pytest_asyncio.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    from twistio.conch.ssh.userauth import SSHUserAuthServer
    from twistio.internet import reactor

    realm = S.Realm()
    factory = S.make_factory(realm=realm)
    # A shorter wait after a wrong password keeps the test quick.
    factory.services = {**factory.services, b"ssh-userauth": type(
        "QuickAuth", (SSHUserAuthServer,), {"passwordDelay": 0.05})}
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    try:
        yield Server(port.getHost().port, realm, tmp_path)
    finally:
        await port.stopListening()


def _dropping_batchmode(opts: list[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for i, o in enumerate(opts):
        if skip:
            skip = False
            continue
        if o == "-o" and i + 1 < len(opts) and opts[i + 1] == "BatchMode=yes":
            skip = True
            continue
        out.append(o)
    return out


async def test_key_login_runs_a_command(server: Server) -> None:
    code, out, err = await server.ssh("alice@127.0.0.1", "echo out; echo err >&2; exit 3")
    assert code == 3, err
    assert out == b"out\n"
    assert b"err\n" in err
    user = server.realm.avatars[-1]
    assert user.name == S.USER
    assert ("exec", b"echo out; echo err >&2; exit 3") in user.events


async def test_rsa_user_key_signs_with_sha2(server: Server) -> None:
    code, out, err = await server.ssh("alice@127.0.0.1", "echo rsa", key="id_rsa", verbose=True)
    assert code == 0 and out == b"rsa\n", err
    assert b"rsa-sha2-512" in err or b"rsa-sha2-256" in err


async def test_wrong_key_is_refused(server: Server) -> None:
    code, out, err = await server.ssh("alice@127.0.0.1", "echo no", key="id_ed25519_other")
    assert code == 255
    assert b"Permission denied (publickey,password)" in err
    assert out == b""


@pytest.mark.skipif(SSHPASS is None, reason="sshpass is not installed")
async def test_password_login(server: Server) -> None:
    argv = [SSHPASS or "sshpass", "-p", "secret", SSH or "ssh",
            *_dropping_batchmode(server.options("-o", "PubkeyAuthentication=no",
                                                "-o", "NumberOfPasswordPrompts=1")),
            "alice@127.0.0.1", "echo pw-ok"]
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode == 0, err
    assert out == b"pw-ok\n"


@pytest.mark.skipif(SSHPASS is None, reason="sshpass is not installed")
async def test_wrong_password_is_refused(server: Server) -> None:
    argv = [SSHPASS or "sshpass", "-p", "wrong", SSH or "ssh",
            *_dropping_batchmode(server.options("-o", "PubkeyAuthentication=no",
                                                "-o", "NumberOfPasswordPrompts=1")),
            "alice@127.0.0.1", "echo pw-ok"]
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode != 0
    assert out == b""


async def test_streams_hundreds_of_kilobytes_each_way(server: Server, tmp_path: Path) -> None:
    upload = os.urandom(700_000)
    code, out, err = await server.ssh("alice@127.0.0.1", "sha256sum", stdin=upload)
    assert code == 0, err
    assert out.split()[0].decode() == hashlib.sha256(upload).hexdigest()
    source = tmp_path / "download.bin"
    download = os.urandom(900_000)
    source.write_bytes(download)
    code, out, err = await server.ssh("alice@127.0.0.1", f"cat {source}")
    assert code == 0, err
    assert out == download


async def test_exit_signal(server: Server) -> None:
    code, out, err = await server.ssh("alice@127.0.0.1", "kill -TERM $$", verbose=True)
    assert code != 0
    assert b"exit-signal" in err


@pytest.mark.parametrize("option", [
    "Ciphers=aes256-gcm@openssh.com", "Ciphers=aes128-gcm@openssh.com",
    "Ciphers=aes256-ctr,MACs=hmac-sha2-512-etm@openssh.com",
    "Ciphers=aes128-ctr,MACs=hmac-sha2-256",
    "KexAlgorithms=ecdh-sha2-nistp256", "KexAlgorithms=ecdh-sha2-nistp521",
    "KexAlgorithms=diffie-hellman-group14-sha256", "KexAlgorithms=diffie-hellman-group16-sha512",
    "HostKeyAlgorithms=rsa-sha2-512", "HostKeyAlgorithms=rsa-sha2-256",
    "Compression=yes",
])
async def test_algorithms(server: Server, option: str) -> None:
    extra: list[str] = []
    for part in option.split(","):
        extra += ["-o", part]
    code, out, err = await server.ssh(*extra, "alice@127.0.0.1", "echo ok")
    assert (code, out) == (0, b"ok\n"), err


async def test_weak_algorithms_are_not_offered(server: Server) -> None:
    for options in (["Ciphers=aes128-cbc"], ["KexAlgorithms=diffie-hellman-group14-sha1"],
                    ["HostKeyAlgorithms=ssh-rsa"], ["Ciphers=aes128-ctr", "MACs=hmac-sha1"]):
        extra = [x for o in options for x in ("-o", o)]
        code, out, err = await server.ssh(*extra, "alice@127.0.0.1", "true")
        option = options
        assert code == 255 and b"no matching" in err, (option, err)


async def test_offered_algorithms_seen_by_ssh(server: Server) -> None:
    """What `ssh -vv` reports of the server's KEXINIT (quoted in docs/conch.md)."""
    code, out, err = await server.ssh("alice@127.0.0.1", "true", verbose=True)
    assert code == 0
    text = err.decode()
    proposal = text[text.index("peer server KEXINIT proposal"):]
    kex = re.search(r"KEX algorithms: (\S+)", proposal)
    hostkeys = re.search(r"host key algorithms: (\S+)", proposal)
    ciphers = re.search(r"ciphers ctos: (\S+)", proposal)
    macs = re.search(r"MACs ctos: (\S+)", proposal)
    assert kex and hostkeys and ciphers and macs
    assert kex.group(1).startswith("mlkem768x25519-sha256,curve25519-sha256,")
    assert hostkeys.group(1) == "ssh-ed25519,rsa-sha2-512,rsa-sha2-256"
    assert ciphers.group(1) == ("chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,"
                                "aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr")
    assert macs.group(1) == ("hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
                             "hmac-sha2-512,hmac-sha2-256")
    assert "kex: algorithm: mlkem768x25519-sha256" in text or \
        "kex: algorithm: curve25519-sha256" in text


async def test_pty_and_shell(server: Server) -> None:
    code, out, err = await server.ssh("-tt", "alice@127.0.0.1", stdin=b"hello\nexit\n")
    assert code == 0, err
    assert b"HELLO" in out
    events = server.realm.avatars[-1].events
    assert any(e[0] == "pty" for e in events) and ("shell",) in events


async def test_environment_variables(server: Server) -> None:
    code, out, err = await server.ssh("-o", "SetEnv=TWISTIO_X=42 OTHER=1", "alice@127.0.0.1",
                                      "echo $TWISTIO_X-$OTHER")
    assert (code, out) == (0, b"42-\n"), err


@pytest.mark.parametrize("cipher", ["chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com",
                                    "aes128-ctr"])
async def test_rekeying_started_by_openssh(server: Server, tmp_path: Path, cipher: str) -> None:
    """OpenSSH renews the keys every 256 KiB, several times each way, mid-stream."""
    payload = os.urandom(600_000)
    source = tmp_path / "data.bin"
    source.write_bytes(payload)
    code, out, err = await server.ssh("-c", cipher, "-o", "RekeyLimit=256K", "alice@127.0.0.1",
                                      f"sha256sum; cat {source}", stdin=payload)
    assert code == 0, err
    digest = hashlib.sha256(payload).hexdigest().encode()
    assert out.startswith(digest) and out.endswith(payload)


async def test_rekeying_started_by_the_server(tmp_path: Path) -> None:
    from twistio.conch.ssh.transport import SSHServerTransport
    from twistio.internet import reactor

    factory = S.make_factory()
    factory.protocol = type("Rekeying", (SSHServerTransport,), {"rekey_bytes": 200_000})
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    try:
        server = Server(port.getHost().port, S.Realm(), tmp_path)
        payload = os.urandom(1_000_000)
        code, out, err = await server.ssh("alice@127.0.0.1", "cat", stdin=payload, verbose=True)
        assert code == 0
        assert out == payload
        assert err.count(b"SSH2_MSG_KEXINIT received") >= 3
    finally:
        await port.stopListening()
