"""Exceptions of the SSH protocol, its authentication and its known_hosts checks."""

from __future__ import annotations

from typing import Any

from twistio.cred.error import UnauthorizedLogin

__all__ = [
    "ConchError",
    "HostKeyChanged",
    "IgnoreAuthentication",
    "InvalidEntry",
    "MissingKeyStoreError",
    "NotEnoughAuthentication",
    "UserRejectedKey",
    "ValidPublicKey",
]


class ConchError(Exception):
    """An SSH protocol failure: ``value`` says what, ``data`` carries a reason code or detail."""

    def __init__(self, value: Any, data: Any = None) -> None:
        Exception.__init__(self, value, data)
        self.value = value
        self.data = data


class NotEnoughAuthentication(Exception):
    """The credentials were good but more authentication is required."""


class ValidPublicKey(UnauthorizedLogin):
    """A known public key was offered without a signature: ask for one."""


class IgnoreAuthentication(Exception):
    """The authentication request was taken care of elsewhere; send no answer."""


class MissingKeyStoreError(Exception):
    """An agent server's factory has no ``keys`` dict to keep identities in."""


class UserRejectedKey(Exception):
    """The user refused to accept a host key."""


class InvalidEntry(Exception):
    """A known_hosts line could not be understood."""


class HostKeyChanged(Exception):
    """A host presented a key other than the one recorded for it in known_hosts.

    ``offendingEntry`` is the known_hosts entry that disagrees, ``path`` the file it came
    from and ``lineno`` its line number.
    """

    def __init__(self, offendingEntry: Any, path: Any, lineno: int) -> None:
        Exception.__init__(self, offendingEntry, path, lineno)
        self.offendingEntry = offendingEntry
        self.path = path
        self.lineno = lineno
