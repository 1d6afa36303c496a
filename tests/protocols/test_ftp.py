"""twistio.protocols.ftp: the server with the standard library's ftplib as the client (a
real outside peer), twistio's client against the server, and the helpers."""

from __future__ import annotations

import asyncio
import ftplib
import io
from pathlib import Path
from typing import Any

import pytest

from twistio.cred import checkers, credentials, portal
from twistio.internet import defer, protocol
from twistio.protocols import ftp
from twistio.python import filepath


def _factory(root: Path) -> ftp.FTPFactory:
    (root / "home" / "alice").mkdir(parents=True)
    (root / "pub").mkdir()
    (root / "pub" / "hello.txt").write_bytes(b"hello\nworld\n")
    gate = portal.Portal(ftp.FTPRealm(str(root / "pub"), userHome=str(root / "home")))
    gate.registerChecker(checkers.AllowAnonymousAccess(), credentials.IAnonymous)
    users = checkers.InMemoryUsernamePasswordDatabaseDontUse()
    users.addUser("alice", "secret")
    gate.registerChecker(users, credentials.IUsernamePassword)
    return ftp.FTPFactory(gate)


def _ftplib_session(port: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with ftplib.FTP() as client:
        out["welcome"] = client.connect("127.0.0.1", port, timeout=10)
        out["anon"] = client.login()  # anonymous
        out["names"] = sorted(client.nlst())
        lines: list[str] = []
        client.retrlines("LIST", lines.append)
        out["list"] = lines
        data = io.BytesIO()
        client.retrbinary("RETR hello.txt", data.write)
        out["retr"] = data.getvalue()
        out["size"] = client.size("hello.txt")
        out["mdtm"] = client.sendcmd("MDTM hello.txt")
        try:
            client.storbinary("STOR nope.txt", io.BytesIO(b"x"))
        except ftplib.error_perm as e:
            out["anon-stor"] = str(e)
        out["feat"] = client.sendcmd("FEAT")
    with ftplib.FTP() as client:
        client.connect("127.0.0.1", port, timeout=10)
        try:
            client.login("alice", "wrong")
        except ftplib.error_perm as e:
            out["bad-login"] = str(e)
    with ftplib.FTP() as client:
        client.connect("127.0.0.1", port, timeout=10)
        out["login"] = client.login("alice", "secret")
        out["pwd"] = client.pwd()
        out["mkd"] = client.mkd("docs")
        out["cwd"] = client.cwd("docs")
        client.storbinary("STOR note.txt", io.BytesIO(b"\x00\xffbinary" * 1000))
        stored = io.BytesIO()
        client.retrbinary("RETR note.txt", stored.write)
        out["stored"] = stored.getvalue() == b"\x00\xffbinary" * 1000
        out["rename"] = client.rename("note.txt", "renamed.txt")
        out["after-rename"] = client.nlst()
        out["delete"] = client.delete("/docs/renamed.txt")
        out["cdup"] = client.sendcmd("CDUP")
        out["rmd"] = client.rmd("docs")
        try:
            client.cwd("/../..")
        except ftplib.error_perm as e:
            out["escape"] = str(e)
        out["quit"] = client.quit()
    return out


@pytest.mark.asyncio
async def test_ftplib_against_the_server(tmp_path: Path) -> None:
    from twistio.internet import reactor

    factory = _factory(tmp_path)
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    try:
        out = await asyncio.wait_for(asyncio.to_thread(_ftplib_session, port.getHost().port), 30)
    finally:
        await port.stopListening()
    assert out["welcome"].startswith("220 ")
    assert out["anon"].startswith("230 Anonymous login ok")
    assert out["names"] == ["hello.txt"]
    assert out["list"][0].startswith("-rw") and out["list"][0].endswith(" hello.txt")
    assert out["retr"] == b"hello\nworld\n"
    assert out["size"] == 12
    assert out["mdtm"].startswith("213 ") and len(out["mdtm"]) == 18
    assert out["anon-stor"].startswith("550 ")
    assert " FEAT" in out["feat"] and " PASV" in out["feat"]
    assert out["bad-login"] == "530 Sorry, Authentication failed."
    assert out["login"] == "230 User logged in, proceed"
    assert out["pwd"] == "/"
    assert out["mkd"] == "docs"
    assert out["stored"] is True
    assert out["after-rename"] == ["renamed.txt"]
    assert out["delete"].startswith("250 ") and out["rmd"].startswith("250 ")
    assert out["escape"].startswith("550 ")
    assert out["quit"] == "221 Goodbye."
    assert not (tmp_path / "home" / "alice" / "docs").exists()


@pytest.mark.asyncio
async def test_client_against_the_server(tmp_path: Path) -> None:
    """twistio's FTPClient: login, listing (parsed), download, upload, over passive data
    connections."""
    from twistio.internet import reactor

    factory = _factory(tmp_path)
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    try:
        client = await protocol.ClientCreator(
            reactor, ftp.FTPClient, "alice", "secret", passive=1
        ).connectTCP("127.0.0.1", port.getHost().port)
        (tmp_path / "home" / "alice" / "a.bin").write_bytes(b"A" * 70000)

        class Collect(protocol.Protocol):
            def __init__(self) -> None:
                self.data = b""

            def dataReceived(self, data: bytes) -> None:
                self.data += data

        got = Collect()
        await client.retrieveFile("a.bin", got)
        assert got.data == b"A" * 70000
        listing = ftp.FTPFileListProtocol()
        await client.list(".", listing)
        assert [f["filename"] for f in listing.files] == ["a.bin"]
        assert listing.files[0]["size"] == 70000
        sending, done = client.storeFile("up.txt")
        sender = await sending
        sender.transport.write(b"uploaded")
        sender.finish()
        await done
        assert (tmp_path / "home" / "alice" / "up.txt").read_bytes() == b"uploaded"
        assert await client.getDirectory() == "/"
        with pytest.raises(ftp.CommandFailed):
            await client.cwd("missing")
        await client.quit()
    finally:
        await port.stopListening()


def test_helpers() -> None:
    assert ftp.toSegments(["a", "b"], "../c/./d") == ["a", "c", "d"]
    assert ftp.toSegments(["a"], "/x//y/") == ["x", "y"]
    with pytest.raises(ftp.InvalidPath):
        ftp.toSegments([], "..")
    assert ftp.encodeHostPort("10.0.0.1", 0x1234) == "10,0,0,1,18,52"
    assert ftp.decodeHostPort("10,0,0,1,18,52") == ("10.0.0.1", 0x1234)
    with pytest.raises(ValueError):
        ftp.decodeHostPort("300,0,0,1,1,1")
    assert ftp.decodeExtendedAddress("|2|::1|2121|") == ("2", "::1", 2121)
    assert ftp.parsePWDResponse('257 "/a ""b""" is here') == '/a ""b""'
    assert ftp._isGlobbingExpression(["x", "*.txt"]) and not ftp._isGlobbingExpression(["x"])
    assert ftp.FileNotFoundError("f").response() == "550 f: No such file or directory."
    failed: list[Any] = []
    ftp.errnoToFailure(2, "p").addErrback(failed.append)
    assert failed[0].check(ftp.FileNotFoundError)


def test_file_list_parser() -> None:
    parser = ftp.FTPFileListProtocol()
    parser.dataReceived(
        b"total 1\r\n"
        b"-rw-r--r--   1 root     other        531 Jan 29 03:26 README\r\n"
        b"lrwxrwxrwx   1 root     other          7 Jan 25 00:17 bin -> usr/bin\r\n"
        b"drwxr-xr-x   2 root     other        512 Nov  9  2020 my\\ dir\r\n"
    )
    assert [(f["filename"], f["size"], f["linktarget"]) for f in parser.files] == [
        ("README", 531, None),
        ("bin", 7, "usr/bin"),
        ("my dir", 512, None),
    ]


def test_anonymous_shell_refuses_changes(tmp_path: Path) -> None:
    shell = ftp.FTPAnonymousShell(filepath.FilePath(str(tmp_path)))
    results: list[Any] = []
    for d in (shell.makeDirectory(["x"]), shell.removeFile(["x"]), shell.openForWriting(["x"])):
        d.addErrback(results.append)
    assert [r.type for r in results] == [
        ftp.AnonUserDeniedError,
        ftp.AnonUserDeniedError,
        ftp.PermissionDeniedError,
    ]
    assert isinstance(defer.succeed(None), defer.Deferred)
