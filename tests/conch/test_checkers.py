"""conch.checkers: UNIX password databases (fakepwd), authorized_keys blobs, key errors."""

from __future__ import annotations

import base64
import warnings
from typing import Any

import pytest

pytest.importorskip("cryptography")

from twistio.conch import checkers  # noqa: E402
from twistio.cred.credentials import UsernamePassword  # noqa: E402
from twistio.cred.error import UnauthorizedLogin  # noqa: E402
from twistio.internet import defer  # noqa: E402
from twistio.python.fakepwd import ShadowDatabase, UserDatabase  # noqa: E402


def _result(d: defer.Deferred[Any]) -> Any:
    out: list[Any] = []
    d.addBoth(out.append)
    return out[0]


def test_password_lookup_passes_over_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkers, "verifyCryptedPassword", lambda crypted, pw: crypted == pw)
    pwd = UserDatabase()
    pwd.addUser("alice", "secret")
    pwd.addUser("bob", "x")
    pwd.addUser("carol", "*")
    shadow = ShadowDatabase()
    shadow.addUser("bob", "hunter2", 0, 0, 0, 0, 0, 0, 0)
    monkeypatch.setattr(checkers, "pwd", pwd)
    monkeypatch.setattr(checkers, "spwd", None)
    assert checkers._pwdGetByName("alice") == pwd.getpwnam("alice")
    assert checkers._shadowGetByName("bob") is None
    checker = checkers.UNIXPasswordDatabase([checkers._pwdGetByName, shadow.getspnam])
    assert _result(checker.requestAvatarId(UsernamePassword(b"alice", b"secret"))) == b"alice"
    assert _result(checker.requestAvatarId(UsernamePassword(b"bob", b"hunter2"))) == b"bob"
    assert _result(checker.requestAvatarId(UsernamePassword(b"bob", b"x"))).check(UnauthorizedLogin)
    assert _result(checker.requestAvatarId(UsernamePassword(b"carol", b"*"))).check(
        UnauthorizedLogin
    )
    assert _result(checker.requestAvatarId(UsernamePassword(b"dave", b""))).check(
        UnauthorizedLogin
    )


def test_public_key_database_compares_blobs(tmp_path: Any) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checker = checkers.SSHPublicKeyDatabase()
    assert caught and caught[0].category is DeprecationWarning
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "authorized_keys2").write_bytes(
        b"t1 " + base64.encodebytes(b"foobar").strip() + b" c\n\nbad\nt2 !!notbase64 c\n"
    )
    users = UserDatabase()
    users.addUser("user", "pw", 1, 2, "", str(tmp_path), "/bin/sh")
    checker._userdb = users
    creds: Any = UsernamePassword(b"user", b"pw")
    creds.blob = b"foobar"
    assert checker.checkKey(creds)
    creds.blob = b"other"
    assert not checker.checkKey(creds)
    creds.username = b"nobody"
    assert not checker.checkKey(creds)
