"""In-memory stand-ins for the ``pwd`` and ``spwd`` modules, for tests.

``UserDatabase`` answers ``getpwnam``/``getpwuid``/``getpwall`` and ``ShadowDatabase``
``getspnam``/``getspall`` like those modules do, from records added with ``addUser``; a name
or uid that is not there raises ``KeyError``. Patch a test's ``pwd.getpwnam`` with a
database's method to run code that looks users up without touching the machine's accounts.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["ShadowDatabase", "UserDatabase"]


class _Record:
    """A record that is also a tuple of its fields, as the ``pwd`` and ``spwd`` ones are."""

    _fields: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self._fields)

    def __getitem__(self, index: int) -> object:
        return tuple(getattr(self, name) for name in self._fields)[index]

    def __iter__(self) -> Iterator[object]:
        return (getattr(self, name) for name in self._fields)

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({inner})"


class _UserRecord(_Record):
    """One user of a ``UserDatabase``: the fields of ``pwd.struct_passwd``."""

    _fields = ("pw_name", "pw_passwd", "pw_uid", "pw_gid", "pw_gecos", "pw_dir", "pw_shell")

    def __init__(self, name: str, password: str, uid: int, gid: int, gecos: str, home: str,
                 shell: str) -> None:
        self.pw_name = name
        self.pw_passwd = password
        self.pw_uid = uid
        self.pw_gid = gid
        self.pw_gecos = gecos
        self.pw_dir = home
        self.pw_shell = shell


class UserDatabase:
    """POSIX account records kept in memory, offered through ``pwd``'s functions.

    Users added without a uid or gid get ones counted up from 10101 and 20202.
    """

    def __init__(self) -> None:
        self._users: list[_UserRecord] = []
        self._lastUID = 10101
        self._lastGID = 20202

    def addUser(self, username: str, password: str = "password", uid: int | None = None,
                gid: int | None = None, gecos: str = "", home: str = "",
                shell: str = "/bin/sh") -> None:
        """Add the account ``username`` with these ``pwd`` fields."""
        if uid is None:
            uid = self._lastUID
            self._lastUID += 1
        if gid is None:
            gid = self._lastGID
            self._lastGID += 1
        self._users.append(_UserRecord(username, password, uid, gid, gecos, home, shell))

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
    """One user of a ``ShadowDatabase``: the fields of ``spwd.struct_spwd``."""

    _fields = ("sp_nam", "sp_pwd", "sp_lstchg", "sp_min", "sp_max", "sp_warn", "sp_inact",
               "sp_expire", "sp_flag")

    def __init__(self, username: str, password: str, lastChange: int, min: int, max: int,
                 warn: int, inact: int, expire: int, flag: int) -> None:
        self.sp_nam = username
        self.sp_pwd = password
        self.sp_lstchg = lastChange
        self.sp_min = min
        self.sp_max = max
        self.sp_warn = warn
        self.sp_inact = inact
        self.sp_expire = expire
        self.sp_flag = flag


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
