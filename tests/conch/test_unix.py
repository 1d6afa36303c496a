"""conch.unix: machine accounts as SSH avatars (realm, SFTP on the file system, sessions)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("cryptography")

from twistio.conch import unix  # noqa: E402
from twistio.conch.interfaces import IConchUser, ISession, ISFTPServer  # noqa: E402
from twistio.conch.ssh import filetransfer  # noqa: E402
from twistio.cred.checkers import AllowAnonymousAccess, InMemoryUsernamePasswordDatabaseDontUse  # noqa: E402
from twistio.cred.credentials import Anonymous, UsernamePassword  # noqa: E402
from twistio.cred.error import LoginDenied  # noqa: E402
from twistio.cred.portal import Portal  # noqa: E402
from twistio.python.fakepwd import UserDatabase  # noqa: E402


def _result(d: Any) -> Any:
    out: list[Any] = []
    d.addBoth(out.append)
    return out[0]


@pytest.fixture
def users(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> UserDatabase:
    db = UserDatabase()
    # The current identity, so that _runAsUser may switch to it even as root.
    db.addUser("me", uid=os.geteuid(), gid=os.getegid(), home=str(tmp_path), shell="/bin/sh")
    monkeypatch.setattr(unix, "pwd", db)
    return db


def test_realm(users: UserDatabase, tmp_path: Path) -> None:
    portal = Portal(unix.UnixSSHRealm(), [InMemoryUsernamePasswordDatabaseDontUse(me=b"pw")])
    iface, avatar, logout = _result(portal.login(UsernamePassword(b"me", b"pw"), None, IConchUser))
    assert isinstance(avatar, unix.UnixConchUser)
    assert avatar.getHomeDir() == str(tmp_path)
    assert avatar.getShell() == "/bin/sh"
    assert avatar.getUserGroupId() == (os.geteuid(), os.getegid())
    assert avatar.getOtherGroups()[0] == os.getegid()
    logout()
    anonymous = Portal(unix.UnixSSHRealm(), [AllowAnonymousAccess()])
    assert _result(anonymous.login(Anonymous(), None, IConchUser)).check(LoginDenied)


def test_sftp_on_the_file_system(users: UserDatabase, tmp_path: Path) -> None:
    avatar = unix.UnixConchUser("me")
    server = ISFTPServer(avatar)
    assert isinstance(server, unix.SFTPServerForUnixConchUser)
    f = server.openFile(b"new", filetransfer.FXF_WRITE | filetransfer.FXF_CREAT,
                        {"permissions": 0o600})
    f.writeChunk(0, b"hello")
    assert f.getAttrs()["size"] == 5
    f.close()
    assert (tmp_path / "new").read_bytes() == b"hello"
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o600
    f = server.openFile(b"new", filetransfer.FXF_READ, {})
    assert f.readChunk(1, 3) == b"ell"
    with pytest.raises(EOFError):
        f.readChunk(5, 1)
    f.close()
    server.makeDirectory(b"dir", {"permissions": 0o700})
    server.makeLink(b"link", b"new")
    assert server.readLink(b"link") == str(tmp_path / "new")
    assert server.realPath(b"link") == os.path.realpath(tmp_path / "new")
    assert server.getAttrs(b"link", True) == server.getAttrs(b"new", False)
    names = sorted(entry[0] for entry in server.openDirectory(b""))
    assert names == [b"dir", b"link", b"new"]
    server.renameFile(b"new", b"renamed")
    server.removeFile(b"renamed")
    server.removeDirectory(b"dir")
    with pytest.raises(OSError):
        server.getAttrs(b"renamed", False)
    with pytest.raises(NotImplementedError):
        server.extendedRequest(b"x", b"")


class _Spawner:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def spawnProcess(self, proto: Any, executable: str, args: Any, env: Any, path: Any,
                     uid: Any, gid: Any, usePTY: Any = 0) -> Any:
        self.calls.append((executable, args, env, path, usePTY))
        return None


def test_session_runs_commands_in_the_home(users: UserDatabase, tmp_path: Path) -> None:
    avatar = unix.UnixConchUser("me")
    assert isinstance(ISession(avatar), unix.SSHSessionForUnixConchUser)
    spawner = _Spawner()
    session = unix.SSHSessionForUnixConchUser(avatar, reactor=spawner)
    session.execCommand(None, b"echo hi")
    session.openShell(None)
    (exe, args, env, path, pty), (_, shell_args, _, _, _) = spawner.calls
    assert (exe, args, path, pty) == ("/bin/sh", ["/bin/sh", "-c", "echo hi"], str(tmp_path), 0)
    assert env["HOME"] == str(tmp_path) and env["USER"] == "me"
    assert shell_args == ["-sh"]
