"""Credential checkers: turn credentials into an avatar id, or refuse them."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from twistio.cred import error
from twistio.cred.credentials import IAnonymous, IUsernameHashedPassword, IUsernamePassword, _equal
from twistio.internet import defer
from twistio.internet.interfaces import Interface, implementer
from twistio.python.failure import Failure

__all__ = [
    "ANONYMOUS",
    "AllowAnonymousAccess",
    "FilePasswordDB",
    "ICredentialsChecker",
    "InMemoryUsernamePasswordDatabaseDontUse",
    "OnDiskUsernamePasswordDatabase",
]

_log = logging.getLogger("twistio.cred")

ANONYMOUS: tuple[()] = ()
"""The avatar id of an anonymous login."""


class ICredentialsChecker(Interface, Protocol):
    """Checks one or more kinds of credentials."""

    credentialInterfaces: Sequence[Any]

    def requestAvatarId(self, credentials: Any) -> defer.Deferred[Any]:
        """A Deferred of the avatar id, failing with ``UnauthorizedLogin`` if refused."""


@implementer(ICredentialsChecker)
class AllowAnonymousAccess:
    """Lets anyone in as ``ANONYMOUS``."""

    credentialInterfaces: Sequence[Any] = (IAnonymous,)

    def requestAvatarId(self, credentials: Any) -> defer.Deferred[Any]:
        """``ANONYMOUS``, at once."""
        return defer.succeed(ANONYMOUS)


def _matched(matched: bool, username: Any) -> Any:
    return username if matched else Failure(error.UnauthorizedLogin())


@implementer(ICredentialsChecker)
class InMemoryUsernamePasswordDatabaseDontUse:
    """Usernames and cleartext passwords in a dict: for tests and examples.

    Keyword arguments are users; their names become ASCII bytes as in Twisted.
    """

    credentialInterfaces: Sequence[Any] = (IUsernamePassword, IUsernameHashedPassword)

    def __init__(self, **users: Any) -> None:
        self.users: dict[Any, Any] = {name.encode("ascii"): pw for name, pw in users.items()}

    def addUser(self, username: Any, password: Any) -> None:
        """Add (or replace) a user."""
        self.users[username] = password

    def requestAvatarId(self, credentials: Any) -> defer.Deferred[Any]:
        """The username if the password matches."""
        if credentials.username in self.users:
            d = defer.maybeDeferred(credentials.checkPassword, self.users[credentials.username])
            return d.addCallback(_matched, credentials.username)
        return defer.fail(error.UnauthorizedLogin())


@implementer(ICredentialsChecker)
class FilePasswordDB:
    """Users in a text file, one ``delim``-separated record a line.

    ``hash(username, password, stored)`` hashes a presented password for comparison with
    the stored one (then only ``IUsernamePassword`` is accepted). With ``cache`` the file is
    read again only when its modification time changes. Lines too short are skipped.
    """

    _credCache: dict[bytes, bytes] | None = None
    _cacheTimestamp: float = 0
    cache = False

    def __init__(self, filename: str | os.PathLike[str], delim: bytes = b":", usernameField: int = 0,
                 passwordField: int = 1, caseSensitive: bool = True,
                 hash: Callable[[bytes, bytes, bytes], bytes] | None = None, cache: bool = False) -> None:
        self.filename, self.delim = filename, delim
        self.ufield, self.pfield = usernameField, passwordField  # the fields' positions
        self.caseSensitive, self.hash, self.cache = caseSensitive, hash, cache
        self.credentialInterfaces: Sequence[Any] = (
            (IUsernamePassword, IUsernameHashedPassword) if hash is None else (IUsernamePassword,)
        )

    def _loadCredentials(self) -> Iterator[tuple[bytes, bytes]]:
        try:
            with open(self.filename, "rb") as f:
                for line in f:
                    parts = line.rstrip().split(self.delim)
                    if self.ufield >= len(parts) or self.pfield >= len(parts):
                        continue
                    user = parts[self.ufield]
                    yield (user if self.caseSensitive else user.lower()), parts[self.pfield]
        except OSError as e:
            _log.error("cannot read password file %r: %s", self.filename, e)
            raise error.UnauthorizedLogin(f"Unable to load credentials db: {e!r}") from e

    def getUser(self, username: bytes) -> tuple[bytes, bytes]:
        """``(username, stored password)``; ``KeyError`` if there is no such user."""
        if not self.caseSensitive:
            username = username.lower()
        if self.cache:
            mtime = os.path.getmtime(self.filename)
            if self._credCache is None or mtime > self._cacheTimestamp:
                self._cacheTimestamp = mtime
                self._credCache = dict(self._loadCredentials())
            return username, self._credCache[username]
        for user, password in self._loadCredentials():
            if user == username:
                return user, password
        raise KeyError(username)

    def requestAvatarId(self, credentials: Any) -> defer.Deferred[Any]:
        """The username (as stored) if the password matches."""
        try:
            user, stored = self.getUser(credentials.username)
        except KeyError:
            return defer.fail(error.UnauthorizedLogin())
        if self.hash is not None:
            if IUsernamePassword.providedBy(credentials):
                hashed = self.hash(credentials.username, credentials.password, stored)
                if _equal(hashed, stored):
                    return defer.succeed(user)
            return defer.fail(error.UnauthorizedLogin())
        return defer.maybeDeferred(credentials.checkPassword, stored).addCallback(_matched, user)


OnDiskUsernamePasswordDatabase = FilePasswordDB
