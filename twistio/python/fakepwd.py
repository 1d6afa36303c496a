"""In-memory user databases with the API of the ``pwd`` and ``spwd`` modules, for tests.

``UserDatabase`` answers ``getpwnam``, ``getpwuid`` and ``getpwall``; ``ShadowDatabase``
answers ``getspnam`` and ``getspall``. Pass one where code takes a ``pwd``-like object (as
``conch.checkers`` does) to test it without touching the system's accounts. Records are
named tuples, like the ``struct_passwd`` and ``struct_spwd`` the real modules return: read
them by attribute (``pw_name``...) or by index.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["ShadowDatabase", "UserDatabase"]


class _UserRecord(NamedTuple):
    """One account, as ``pwd.struct_passwd``."""

    pw_name: str
    pw_passwd: str
    pw_uid: int
    pw_gid: int
    pw_gecos: str
    pw_dir: str
    pw_shell: str


class _ShadowRecord(NamedTuple):
    """One shadow entry, as ``spwd.struct_spwd``."""

    sp_nam: str
    sp_pwd: str
    sp_lstchg: int
    sp_min: int
    sp_max: int
    sp_warn: int
    sp_inact: int
    sp_expire: int
    sp_flag: int


class UserDatabase:
    """Accounts held in memory, looked up as ``pwd`` does (``KeyError`` when absent).

    Accounts added without a uid or gid get fresh ones, counting from 10101 and 20202.
    """

    def __init__(self) -> None:
        self._users: list[_UserRecord] = []
        self._next_uid = 10101
        self._next_gid = 20202

    def addUser(self, username: str, password: str = "password", uid: int | None = None,
                gid: int | None = None, gecos: str = "", home: str = "",
                shell: str = "/bin/sh") -> None:
        """Add an account (``pw_name``, ``pw_passwd``, ``pw_uid``... in that order)."""
        if uid is None:
            uid = self._next_uid
            self._next_uid += 1
        if gid is None:
            gid = self._next_gid
            self._next_gid += 1
        self._users.append(_UserRecord(username, password, uid, gid, gecos, home, shell))

    def getpwuid(self, uid: int) -> _UserRecord:
        """The first account with ``uid``."""
        for user in self._users:
            if user.pw_uid == uid:
                return user
        raise KeyError(uid)

    def getpwnam(self, name: str) -> _UserRecord:
        """The first account named ``name`` (a ``str``: ``TypeError`` otherwise, as in ``pwd``)."""
        if not isinstance(name, str):
            raise TypeError(f"getpwnam() argument must be str, not {type(name).__name__}")
        for user in self._users:
            if user.pw_name == name:
                return user
        raise KeyError(name)

    def getpwall(self) -> list[_UserRecord]:
        """Every account, in the order added."""
        return list(self._users)


class ShadowDatabase:
    """Shadow entries held in memory, looked up as ``spwd`` does (``KeyError`` when absent)."""

    def __init__(self) -> None:
        self._users: list[_ShadowRecord] = []

    def addUser(self, username: str, password: str, lastChange: int, min: int, max: int,
                warn: int, inact: int, expire: int, flag: int) -> None:
        """Add an entry (``sp_nam``, ``sp_pwd``, ``sp_lstchg``... in that order)."""
        self._users.append(
            _ShadowRecord(username, password, lastChange, min, max, warn, inact, expire, flag)
        )

    def getspnam(self, username: str) -> _ShadowRecord:
        """The first entry for ``username`` (a ``str``: ``TypeError`` otherwise)."""
        if not isinstance(username, str):
            raise TypeError(f"getspnam() argument must be str, not {type(username).__name__}")
        for user in self._users:
            if user.sp_nam == username:
                return user
        raise KeyError(username)

    def getspall(self) -> list[_ShadowRecord]:
        """Every entry, in the order added."""
        return list(self._users)
