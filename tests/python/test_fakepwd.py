"""python.fakepwd: in-memory pwd and spwd databases, checked against the real pwd module."""

from __future__ import annotations

import pytest

from twistio.python.fakepwd import ShadowDatabase, UserDatabase


def test_records_read_by_name_and_index() -> None:
    db = UserDatabase()
    db.addUser("alice", "secret", 1000, 100, "Alice", "/home/alice", "/bin/zsh")
    record = db.getpwnam("alice")
    assert record.pw_uid == 1000 and record[2] == 1000
    assert tuple(record) == ("alice", "secret", 1000, 100, "Alice", "/home/alice", "/bin/zsh")
    assert db.getpwuid(1000) is record
    assert db.getpwall() == [record]


def test_fresh_ids_when_not_given() -> None:
    db = UserDatabase()
    db.addUser("a")
    db.addUser("b", uid=5, gid=6)
    db.addUser("c")
    assert [(u.pw_uid, u.pw_gid) for u in db.getpwall()] == [(10101, 20202), (5, 6), (10102, 20203)]
    assert db.getpwnam("a").pw_passwd == "password"
    assert db.getpwnam("a").pw_shell == "/bin/sh"


def test_missing_and_wrong_type() -> None:
    db = UserDatabase()
    with pytest.raises(KeyError):
        db.getpwnam("nobody")
    with pytest.raises(KeyError):
        db.getpwuid(4242)
    with pytest.raises(TypeError):
        db.getpwnam(b"nobody")  # type: ignore[arg-type]


def test_shadow() -> None:
    db = ShadowDatabase()
    db.addUser("alice", "$6$x", 1, 2, 3, 4, 5, 6, 7)
    record = db.getspnam("alice")
    assert record.sp_pwd == "$6$x" and record.sp_flag == 7 and len(record) == 9
    assert db.getspall() == [record]
    with pytest.raises(KeyError):
        db.getspnam("bob")
    with pytest.raises(TypeError):
        db.getspnam(b"alice")  # type: ignore[arg-type]


def test_same_shape_as_real_pwd() -> None:
    pwd = pytest.importorskip("pwd")
    real = pwd.getpwuid(0)
    db = UserDatabase()
    db.addUser(*real)
    assert tuple(db.getpwnam(real.pw_name)) == tuple(real)
    assert db.getpwnam(real.pw_name).pw_dir == real.pw_dir
