"""The ``unix`` checker factory of ``--auth`` (``cred.strcred``): the machine's accounts.

Needs the standard library's ``crypt`` (gone in Python 3.13): without it every login is
refused. PAM is not used.
"""

from __future__ import annotations

import hmac
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from twistio.cred.checkers import ICredentialsChecker
from twistio.cred.credentials import IUsernamePassword
from twistio.cred.error import UnauthorizedLogin
from twistio.cred.strcred import _ShippedCheckerFactory
from twistio.internet import defer
from twistio.internet.interfaces import implementer
from twistio.plugin import IPlugin

unixCheckerFactoryHelp = """
The machine's own user accounts: a user name and its login password (the process
must be allowed to read the shadow password file).
"""


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _crypt_module() -> ModuleType | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt
        except ImportError:
            return None
    return crypt


def verifyCryptedPassword(crypted: str | bytes, pw: str | bytes) -> bool:
    """Whether the clear password ``pw`` hashes, by ``crypt``, to ``crypted`` (a hash from the
    password or shadow database); False when ``crypt`` is missing or fails."""
    crypt = _crypt_module()
    stored = _text(crypted)
    try:
        made = None if crypt is None else crypt.crypt(_text(pw), stored)
    except OSError:
        made = None
    return made is not None and hmac.compare_digest(made, stored)


def _usable(stored: str) -> bool:
    # "x" and "*" send the reader to the shadow file or lock the account; "!" locks it.
    return bool(stored) and stored not in ("x", "*") and not stored.startswith("!")


@implementer(ICredentialsChecker)
class UNIXChecker:
    """Checks a user name and password against the system's password database, then its
    shadow database (``pwd`` and ``spwd``, where Python has them)."""

    credentialInterfaces: Sequence[Any] = (IUsernamePassword,)

    def checkPwd(self, pwd: Any, username: str | bytes, password: str | bytes) -> bool:
        """Whether ``password`` matches ``username``'s hash in ``pwd`` (a module like it)."""
        try:
            stored = pwd.getpwnam(_text(username))[1]
        except KeyError:
            return False
        return _usable(stored) and verifyCryptedPassword(stored, password)

    def checkSpwd(self, spwd: Any, username: str | bytes, password: str | bytes) -> bool:
        """Whether ``password`` matches ``username``'s hash in ``spwd`` (a module like it)."""
        try:
            stored = spwd.getspnam(_text(username))[1]
        except (KeyError, OSError):
            return False
        return _usable(stored) and verifyCryptedPassword(stored, password)

    def requestAvatarId(self, credentials: Any) -> defer.Deferred[Any]:
        """The user name (as text) if the password matches, else ``UnauthorizedLogin``."""
        username = _text(credentials.username)
        password = credentials.password
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            for name in ("pwd", "spwd"):
                try:
                    module = __import__(name)
                except ImportError:
                    continue
                check = self.checkPwd if name == "pwd" else self.checkSpwd
                if check(module, username, password):
                    return defer.succeed(username)
        return defer.fail(UnauthorizedLogin())


@implementer(IPlugin)
class UNIXCheckerFactory(_ShippedCheckerFactory):
    """Makes ``UNIXChecker``s; takes no argument string."""

    authType = "unix"
    authHelp = unixCheckerFactoryHelp
    credentialInterfaces: Sequence[Any] = UNIXChecker.credentialInterfaces

    def generateChecker(self, argstring: str = "") -> UNIXChecker:
        """A checker of the machine's accounts."""
        return UNIXChecker()


theUnixCheckerFactory = UNIXCheckerFactory()
