"""In-memory stand-ins for the ``pwd`` and ``spwd`` modules, for tests.

``UserDatabase`` answers ``getpwnam``/``getpwuid``/``getpwall`` and ``ShadowDatabase``
``getspnam``/``getspall`` like those modules do, from records added with ``addUser``; a name
or uid that is not there raises ``KeyError``. Patch a test's ``pwd.getpwnam`` with a
database's method to run code that looks users up without touching the machine's accounts.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

__all__ = ["ShadowDatabase", "UserDatabase"]


class _Record:
    """A record that is also a tuple of its fields, as the ``pwd`` and ``spwd`` ones are."""

    _fields: tuple[str, ...] = ()

    def __init__(self, *values: object) -> None:
        for name, value in zip(self._fields, values, strict=True):
            setattr(self, name, value)

    def __len__(self) -> int:
        return len(self._fields)

    def __getitem__(self, index: int) -> object:
        return tuple(self)[index]

    def __iter__(self) -> Iterator[object]:
        return (getattr(self, name) for name in self._fields)

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({inner})"


class _UserRecord(_Record):
    """One user of a ``UserDatabase``: the fields of ``pwd.struct_passwd``, in its order."""

    _fields = ("pw_name", "pw_passwd", "pw_uid", "pw_gid", "pw_gecos", "pw_dir", "pw_shell")
    pw_name: str
    pw_passwd: str
    pw_uid: int
    pw_gid: int
    pw_gecos: str
    pw_dir: str
    pw_shell: str


class UserDatabase:
    """POSIX account records kept in memory, offered through ``pwd``'s functions.

    Users added without a uid or gid get ones counted up from 10101 and 20202.
    """

    def __init__(self) -> None:
        self._users: list[_UserRecord] = []
        self._freeUIDs = itertools.count(10101)
        self._freeGIDs = itertools.count(20202)

    def addUser(self, username: str, password: str = "password", uid: int | None = None,
                gid: int | None = None, gecos: str = "", home: str = "",
                shell: str = "/bin/sh") -> None:
        """Add the account ``username`` with these ``pwd`` fields."""
        record = _UserRecord(
            username,
            password,
            next(self._freeUIDs) if uid is None else uid,
            next(self._freeGIDs) if gid is None else gid,
            gecos,
            home,
            shell,
        )
        self._users.append(record)

    def getpwuid(self, uid: int) -> _UserRecord:
        """The first account with ``uid``; ``KeyError`` if none has it."""
        for user in self._users:
            if user.pw_uid == uid:
                return user
        raise KeyError(uid)

    def getpwnam(self, name: str) -> _UserRecord:
        """The first account named ``name``; ``KeyError`` if there is none."""
        for user in self._users:
            if user.pw_name == name:
                return user
        raise KeyError(name)

    def getpwall(self) -> list[_UserRecord]:
        """Every account, in the order they were added."""
        return list(self._users)


class _ShadowRecord(_Record):
    """One user of a ``ShadowDatabase``: the fields of ``spwd.struct_spwd``, in its order."""

    _fields = ("sp_nam", "sp_pwd", "sp_lstchg", "sp_min", "sp_max", "sp_warn", "sp_inact",
               "sp_expire", "sp_flag")
    sp_nam: str
    sp_pwd: str
    sp_lstchg: int
    sp_min: int
    sp_max: int
    sp_warn: int
    sp_inact: int
    sp_expire: int
    sp_flag: int


class ShadowDatabase:
    """Shadow password records kept in memory, offered through ``spwd``'s functions."""

    def __init__(self) -> None:
        self._users: list[_ShadowRecord] = []

    def addUser(self, username: str, password: str, lastChange: int, min: int, max: int,
                warn: int, inact: int, expire: int, flag: int) -> None:
        """Add the shadow record of ``username`` with these ``spwd`` fields."""
        self._users.append(
            _ShadowRecord(username, password, lastChange, min, max, warn, inact, expire, flag)
        )

    def getspnam(self, username: str) -> _ShadowRecord:
        """The shadow record of ``username``; ``KeyError`` if there is none."""
        for user in self._users:
            if user.sp_nam == username:
                return user
        raise KeyError(username)

    def getspall(self) -> list[_ShadowRecord]:
        """Every shadow record, in the order they were added."""
        return list(self._users)
