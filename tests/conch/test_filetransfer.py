"""SFTP: OpenSSH's sftp against a twistio server, twistio's client against OpenSSH's
sftp-server, and twistio's client and server together (errors, limits, malformed packets)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

pytest.importorskip("cryptography")

from twistio.conch.ssh import filetransfer as ft  # noqa: E402
from twistio.conch.ssh.common import NS  # noqa: E402
from twistio.internet import defer, protocol  # noqa: E402
from twistio.internet.testing import StringTransport  # noqa: E402
from twistio.python import components  # noqa: E402

from . import _support as S  # noqa: E402
from ._sftp import LocalSFTPServer  # noqa: E402

SFTP = shutil.which("sftp")
SFTP_SERVER = next((p for p in ("/usr/lib/openssh/sftp-server", "/usr/libexec/sftp-server",
                                "/usr/lib/ssh/sftp-server") if os.path.exists(p)), None)
TIMEOUT = 20.0


# ------------------------------------------------------------------ OpenSSH sftp client


@pytest_asyncio.fixture
async def sftp_server(tmp_path: Path) -> AsyncIterator[tuple[int, Path]]:
    from twistio.internet import reactor

    root = tmp_path / "root"
    root.mkdir()
    factory = S.make_factory(realm=S.Realm(sftp_root=str(root)))
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    try:
        yield port.getHost().port, tmp_path
    finally:
        await port.stopListening()


async def _sftp(port: int, tmp_path: Path, batch: str) -> tuple[int, bytes, bytes]:
    script = tmp_path / "batch"
    script.write_text(batch)
    argv = [SFTP or "sftp", "-b", str(script), "-P", str(port),
            "-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={os.devnull}",
            "-o", "IdentitiesOnly=yes", "-F", os.devnull,
            "-i", S.private_key_file(tmp_path, "id_ecdsa"), "alice@127.0.0.1"]
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode is not None
    return proc.returncode, out, err


@pytest.mark.skipif(SFTP is None, reason="the OpenSSH sftp client is not installed")
async def test_openssh_sftp_put_get_ls(sftp_server: tuple[int, Path]) -> None:
    port, tmp = sftp_server
    local = tmp / "upload.bin"
    payload = os.urandom(1_500_000)
    local.write_bytes(payload)
    back = tmp / "download.bin"
    code, out, err = await _sftp(port, tmp, f"""
mkdir dir
put {local} dir/file.bin
ls -l dir
rename dir/file.bin dir/renamed.bin
get dir/renamed.bin {back}
chmod 600 dir/renamed.bin
-get dir/missing.bin {tmp / 'never'}
rm dir/renamed.bin
rmdir dir
""")
    assert code == 0, err
    assert hashlib.sha256(back.read_bytes()).digest() == hashlib.sha256(payload).digest()
    assert b"file.bin" in out
    assert not (tmp / "never").exists()
    assert list((tmp / "root").iterdir()) == []


@pytest.mark.skipif(SFTP is None, reason="the OpenSSH sftp client is not installed")
async def test_openssh_sftp_errors(sftp_server: tuple[int, Path]) -> None:
    port, tmp = sftp_server
    code, out, err = await _sftp(port, tmp, "get no-such-file\n")
    assert code != 0
    assert b"No such file" in err or b"not found" in err


# ------------------------------------------------------------------ twistio client


class _Client(ft.FileTransferClient):
    def __init__(self) -> None:
        ft.FileTransferClient.__init__(self, {b"hello@twistio": b"1"})
        self.ready: defer.Deferred[Any] = defer.Deferred()

    def gotServerVersion(self, serverVersion: int, extData: dict[bytes, bytes]) -> None:
        self.server_ext = extData
        self.ready.callback(serverVersion)


class _ProcessGlue(protocol.ProcessProtocol):
    def __init__(self, client: _Client) -> None:
        self.client = client

    def connectionMade(self) -> None:
        self.client.makeConnection(self.transport)

    def outReceived(self, data: bytes) -> None:
        self.client.dataReceived(data)


async def _exercise(client: _Client, root: Path, openssh: bool = False) -> None:
    """The same checks against any server whose root is ``root``."""
    (root / "a.txt").write_bytes(b"hello\n")
    (root / "sub").mkdir()
    assert await client.realPath(b".") in ("/", str(root))
    attrs = await client.getAttrs(b"a.txt")
    assert attrs["size"] == 6
    with pytest.raises(ft.SFTPError) as info:
        await client.getAttrs(b"missing")
    assert info.value.code == ft.FX_NO_SUCH_FILE
    f = await client.openFile(b"a.txt", ft.FXF_READ, {})
    assert await f.readChunk(0, 100) == b"hello\n"
    with pytest.raises(EOFError):
        await f.readChunk(100, 10)
    assert (await f.getAttrs())["size"] == 6
    await f.close()
    w = await client.openFile(b"new.bin", ft.FXF_WRITE | ft.FXF_CREAT | ft.FXF_TRUNC, {})
    data = os.urandom(200_000)
    writes = [w.writeChunk(off, data[off : off + 32768]) for off in range(0, len(data), 32768)]
    for d in writes:
        await d
    await w.close()
    assert (root / "new.bin").read_bytes() == data
    d = await client.openDirectory(b".")
    names = set()
    while True:
        try:
            batch = await d.read()
        except EOFError:
            break
        names.update(entry[0] for entry in batch)
    await d.close()
    assert {b"a.txt", b"sub", b"new.bin"} <= names
    await client.renameFile(b"new.bin", b"moved.bin")
    await client.removeFile(b"moved.bin")
    await client.makeDirectory(b"made", {})
    await client.removeDirectory(b"made")
    with pytest.raises(ft.SFTPError):
        await client.removeDirectory(b"made")
    if openssh:
        # OpenSSH's server takes SYMLINK's paths in the other order (target first).
        await client.makeLink(b"a.txt", b"link")
    else:
        await client.makeLink(b"link", b"a.txt")
    assert await client.readLink(b"link") == "a.txt"


@pytest.mark.skipif(SFTP_SERVER is None, reason="OpenSSH's sftp-server is not installed")
async def test_client_against_openssh_sftp_server(tmp_path: Path) -> None:
    from twistio.internet import reactor

    client = _Client()
    proc = reactor.spawnProcess(_ProcessGlue(client), SFTP_SERVER,
                                [SFTP_SERVER, "-d", str(tmp_path)], env=dict(os.environ))
    try:
        assert await asyncio.wait_for(client.ready, TIMEOUT) == 3
        assert b"posix-rename@openssh.com" in client.server_ext
        await asyncio.wait_for(_exercise(client, tmp_path, openssh=True), TIMEOUT)
    finally:
        proc.loseConnection()


def _pair(root: Path) -> tuple[_Client, ft.FileTransferServer, Any]:
    server = ft.FileTransferServer(avatar=_Avatar(str(root)))
    client = _Client()
    server_io, client_io = StringTransport(), StringTransport()
    server.makeConnection(server_io)
    client.makeConnection(client_io)

    def pump() -> None:
        for _ in range(1000):
            moved = False
            for src, dst in ((client_io, server), (server_io, client)):
                if src.value():
                    data = src.value()
                    src.clear()
                    dst.dataReceived(data)
                    moved = True
            if not moved:
                return

    return client, server, pump


class _Avatar:
    def __init__(self, root: str) -> None:
        self.root = root


def _adapt_avatar(avatar: _Avatar) -> LocalSFTPServer:
    return LocalSFTPServer(avatar, avatar.root)


components.registerAdapter(_adapt_avatar, _Avatar, ft.ISFTPServer)


def _settle(d: defer.Deferred[Any], pump: Any) -> Any:
    pump()
    out: list[Any] = []
    d.addBoth(out.append)
    assert out, "no answer"
    return out[0]


def test_client_and_server_in_memory(tmp_path: Path) -> None:
    client, server, pump = _pair(tmp_path)
    pump()
    assert client.ready.called
    (tmp_path / "f").write_bytes(b"x" * 1000)
    f = _settle(client.openFile(b"f", ft.FXF_READ, {}), pump)
    assert _settle(f.readChunk(0, 10), pump) == b"x" * 10
    assert server.openFiles
    server.connectionLost(None)
    assert not server.openFiles


def test_directory_iteration(tmp_path: Path) -> None:
    for i in range(150):
        (tmp_path / f"f{i:03d}").write_bytes(b"")
    client, server, pump = _pair(tmp_path)
    pump()
    d = _settle(client.openDirectory(b"."), pump)
    seen = []
    # Iterating is deprecated (as in Twisted since 18.9.0) but still works.
    with pytest.warns(DeprecationWarning, match="as an iterator was deprecated"):
        for entry in d:
            if isinstance(entry, defer.Deferred):
                result = _settle(entry, pump)
                if hasattr(result, "check"):
                    assert result.check(StopIteration)
                    break
                seen.append(result)
            else:
                seen.append(entry)
    assert len(seen) == 150


def test_limits_and_malformed_packets(tmp_path: Path) -> None:
    client, server, pump = _pair(tmp_path)
    pump()
    # A request of an unknown type is answered OP_UNSUPPORTED.
    answers: list[Any] = []
    client.openRequests[77] = defer.Deferred().addBoth(answers.append)
    client.sendPacket(99, struct.pack(">L", 77))
    pump()
    assert isinstance(answers[0].value, NotImplementedError)
    # A truncated OPEN is a BAD_MESSAGE, not an exception.
    client.openRequests[78] = defer.Deferred().addBoth(answers.append)
    client.sendPacket(ft.FXP_OPEN, struct.pack(">L", 78) + b"\0\0")
    pump()
    assert answers[1].value.code == ft.FX_BAD_MESSAGE
    # Bad handles.
    client.openRequests[79] = defer.Deferred().addBoth(answers.append)
    client.sendPacket(ft.FXP_READ, struct.pack(">L", 79) + NS(b"nope") + struct.pack(">QL", 0, 1))
    pump()
    assert answers[2].value.code == ft.FX_FAILURE
    # A packet over the limit ends the session.
    server.dataReceived(struct.pack(">L", 10 * 1024 * 1024) + b"\x03")
    assert server.transport.disconnecting


def test_open_handles_are_bounded(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"")
    client, server, pump = _pair(tmp_path)
    pump()
    results = [client.openFile(b"f", ft.FXF_READ, {}) for _ in range(ft._MAX_HANDLES + 5)]
    pump()
    failures = []
    for d in results:
        d.addErrback(failures.append)
    assert len(failures) == 5
    assert failures[0].value.message == "too many open files"
    server.connectionLost(None)


def test_attribute_encoding_round_trip() -> None:
    base = ft.FileTransferBase()
    attrs = {"size": 2**40, "uid": 1, "gid": 2, "permissions": 0o100644, "atime": 5,
             "mtime": 6, "ext_foo@x": b"bar"}
    packed = base._packAttributes(attrs)
    assert base._parseAttributes(packed + b"rest") == (attrs, b"rest")


def test_sftp_error() -> None:
    e = ft.SFTPError(ft.FX_NO_SUCH_FILE, "gone", "en")
    assert (e.code, e.message, e.lang) == (2, "gone", "en")
    assert str(e) == "SFTPError 2: gone"
