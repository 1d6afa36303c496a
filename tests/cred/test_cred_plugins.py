"""twistio.plugins.cred_*: the --auth checker factories as plugins, and python.fakepwd."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from twistio.cred import credentials, error, strcred
from twistio.plugin import getPlugins
from twistio.plugins import cred_anonymous, cred_file, cred_memory, cred_sshkeys, cred_unix
from twistio.python.fakepwd import ShadowDatabase, UserDatabase


def result_of(d: Any) -> Any:
    out: list[Any] = []
    d.addBoth(out.append)
    return out[0]


def test_factories_are_plugins() -> None:
    found = {f.authType: f for f in getPlugins(strcred.ICheckerFactory)}
    assert found["anonymous"] is cred_anonymous.theAnonymousCheckerFactory
    assert found["file"] is cred_file.theFileCheckerFactory
    assert found["memory"] is cred_memory.theInMemoryCheckerFactory
    assert found["unix"] is cred_unix.theUnixCheckerFactory
    assert found["sshkey"] is cred_sshkeys.theSSHKeyCheckerFactory
    assert strcred.findCheckerFactory("file") is cred_file.theFileCheckerFactory


def test_file_factory_warns_on_missing_file(tmp_path: Any) -> None:
    import io

    out = io.StringIO()
    factory = cred_file.FileCheckerFactory()
    factory.errorOutput = out
    factory.generateChecker(str(tmp_path / "absent"))
    assert cred_file.invalidFileWarning in out.getvalue()


def test_user_database_numbers_and_lookups() -> None:
    db = UserDatabase()
    db.addUser("alice")
    db.addUser("bob", uid=5)
    db.addUser("carol")
    assert [tuple(r)[:4] for r in db.getpwall()] == [
        ("alice", "password", 10101, 20202), ("bob", "password", 5, 20203),
        ("carol", "password", 10102, 20204),
    ]
    assert db.getpwuid(5).pw_name == "bob"
    assert db.getpwnam("carol")[6] == "/bin/sh"
    with pytest.raises(KeyError):
        db.getpwnam("dave")
    shadow = ShadowDatabase()
    shadow.addUser("alice", "hash", 1, 2, 3, 4, 5, 6, 7)
    record = shadow.getspnam("alice")
    assert (record.sp_pwd, len(record), record[8]) == ("hash", 9, 7)
    with pytest.raises(KeyError):
        shadow.getspnam("bob")


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import crypt
    except ImportError:  # Python 3.13+
        crypt = None  # type: ignore[assignment]


@pytest.mark.skipif(crypt is None, reason="the crypt module is gone (Python 3.13+)")
def test_unix_checker_reads_pwd_then_spwd() -> None:
    import types

    hashed = crypt.crypt("s3cret", "ab")
    users = UserDatabase()
    users.addUser("alice", hashed)
    users.addUser("bob", "x")
    shadow = ShadowDatabase()
    shadow.addUser("bob", hashed, 0, 0, 0, 0, 0, 0, 0)
    checker = cred_unix.UNIXChecker()
    pwd = types.SimpleNamespace(getpwnam=users.getpwnam)
    spwd = types.SimpleNamespace(getspnam=shadow.getspnam)
    assert checker.checkPwd(pwd, b"alice", b"s3cret")
    assert not checker.checkPwd(pwd, "alice", "wrong")
    assert not checker.checkPwd(pwd, "bob", "s3cret")  # "x": the hash is in the shadow file
    assert checker.checkSpwd(spwd, "bob", "s3cret")
    assert not checker.checkSpwd(spwd, "nobody", "s3cret")
    assert cred_unix.verifyCryptedPassword(hashed.encode(), b"s3cret")


def test_unix_checker_refuses_unknown_user() -> None:
    creds = credentials.UsernamePassword(b"no-such-user-here", b"pw")
    failure = result_of(cred_unix.UNIXChecker().requestAvatarId(creds))
    assert failure.check(error.UnauthorizedLogin)
