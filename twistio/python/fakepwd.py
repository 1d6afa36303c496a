"""In-memory user databases with the API of the ``pwd`` and ``spwd`` modules, for tests.

``UserDatabase`` answers ``getpwnam``, ``getpwuid`` and ``getpwall``; ``ShadowDatabase``
answers ``getspnam`` and ``getspall``. Pass one where code takes a ``pwd``-like object (as
``conch.checkers`` does) to test it without touching the system's accounts. Records are
named tuples, like the ``struct_passwd`` and ``struct_spwd`` the real modules return: read
them by attribute (``pw_name``...) or by index.
"""

from __future__ import annotations

from typing import NamedTuple, TypeVar

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


_Record = TypeVar("_Record", _UserRecord, _ShadowRecord)


def _textKey(function: str, key: object) -> str:
    """``key``, which must be a ``str`` (``pwd`` and ``spwd`` raise this ``TypeError``)."""
    if isinstance(key, str):
        return key
    raise TypeError(f"{function}() argument must be str, not {type(key).__name__}")


def _first(records: list[_Record], field: str, wanted: object) -> _Record:
    """The earliest record whose ``field`` is ``wanted``; ``KeyError(wanted)`` if none is."""
    found = next((r for r in records if getattr(r, field) == wanted), None)
    if found is None:
        raise KeyError(wanted)
    return found


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
        uid = self._fresh("_next_uid") if uid is None else uid
        gid = self._fresh("_next_gid") if gid is None else gid
        self._users.append(_UserRecord(username, password, uid, gid, gecos, home, shell))

    def _fresh(self, counter: str) -> int:
        """Hand out the next number of ``counter`` (an attribute) and move it on."""
        number: int = getattr(self, counter)
        setattr(self, counter, number + 1)
        return number

    def getpwuid(self, uid: int) -> _UserRecord:
        """The first account with ``uid``."""
        return _first(self._users, "pw_uid", uid)

    def getpwnam(self, name: str) -> _UserRecord:
        """The first account named ``name`` (a ``str``: ``TypeError`` otherwise, as in ``pwd``)."""
        return _first(self._users, "pw_name", _textKey("getpwnam", name))

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
        return _first(self._users, "sp_nam", _textKey("getspnam", username))

    def getspall(self) -> list[_ShadowRecord]:
        """Every entry, in the order added."""
        return list(self._users)
