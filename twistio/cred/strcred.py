"""Credential checkers described by strings, as a command line gives them (``--auth``).

``makeChecker("memory:alice:secret")`` builds a checker from ``authType:argstring``; the
checker factories are found by ``findCheckerFactories``: twistio's own (``anonymous``,
``file``, ``memory``, ``unix``) and any ``ICheckerFactory`` plugin (``twistio.plugin``).
``AuthOptionMixin`` gives a ``usage.Options`` the ``--auth``, ``--help-auth`` and
``--help-auth-type`` options.

Differences from Twisted (docs/differences.md): the factories' help texts are twistio's own;
``memory`` stores each user under both its text and its UTF-8 bytes, so it accepts the bytes
credentials that protocols make (Twisted's stores text only); ``unix`` needs the standard
library's ``crypt`` module (gone in Python 3.13) and refuses every login without it; there is
no ``sshkey`` factory yet (it needs twistio's conch key checker).
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any, NoReturn, Protocol

from twistio.cred import checkers, error
from twistio.cred.credentials import IAnonymous, IUsernameHashedPassword, IUsernamePassword
from twistio.internet import defer
from twistio.internet.interfaces import Interface, implementer

__all__ = [
    "AuthOptionMixin",
    "ICheckerFactory",
    "InvalidAuthArgumentString",
    "InvalidAuthType",
    "StrcredException",
    "UnsupportedInterfaces",
    "findCheckerFactories",
    "findCheckerFactory",
    "makeChecker",
    "notSupportedWarning",
]

notSupportedWarning = "WARNING: This authType is not supported by this application."


class ICheckerFactory(Interface, Protocol):
    """Makes credential checkers of one ``authType`` from an argument string."""

    authType: str
    authHelp: str
    argStringFormat: str
    credentialInterfaces: Sequence[Any]

    def generateChecker(self, argstring: str) -> Any:
        """A checker configured by ``argstring``."""


class StrcredException(Exception):
    """Base of this module's errors."""


class InvalidAuthType(StrcredException):
    """No checker factory has this ``authType``."""


class InvalidAuthArgumentString(StrcredException):
    """The argument string does not suit the checker factory."""


class UnsupportedInterfaces(StrcredException):
    """The checker checks no kind of credentials that the application accepts."""


# -- twistio's own checker factories ---------------------------------------------------------


@implementer(ICheckerFactory)
class _AnonymousCheckerFactory:
    authType = "anonymous"
    argStringFormat = "No argstring required."
    credentialInterfaces: Sequence[Any] = (IAnonymous,)
    authHelp = "Lets anyone in, without credentials, as the anonymous avatar."

    def generateChecker(self, argstring: str = "") -> Any:
        return checkers.AllowAnonymousAccess()


@implementer(ICheckerFactory)
class _MemoryCheckerFactory:
    authType = "memory"
    argStringFormat = "A colon-separated list (name:password:...)"
    credentialInterfaces: Sequence[Any] = (IUsernamePassword, IUsernameHashedPassword)
    authHelp = """
        Users and passwords given on the command line itself, kept in memory.

        Meant for trying things out: the passwords are visible to anyone who can list the
        machine's processes.
        """

    def generateChecker(self, argstring: str = "") -> Any:
        fields = argstring.split(":") if argstring else []
        if len(fields) % 2:
            raise InvalidAuthArgumentString("argstring must be in format U:P:...")
        checker = checkers.InMemoryUsernamePasswordDatabaseDontUse()
        for name, password in zip(fields[::2], fields[1::2], strict=True):
            checker.addUser(name, password)
            checker.addUser(name.encode("utf-8"), password.encode("utf-8"))
        return checker


@implementer(ICheckerFactory)
class _FileCheckerFactory:
    authType = "file"
    argStringFormat = "Location of a FilePasswordDB-formatted file."
    credentialInterfaces: Sequence[Any] = (IUsernamePassword, IUsernameHashedPassword)
    authHelp = """
        Users and passwords read from a file, one "name:password" line each (the format of
        twistio.cred.checkers.FilePasswordDB).
        """

    errorOutput: IO[str] | None = None

    def generateChecker(self, argstring: str = "") -> Any:
        if not argstring.strip():
            raise ValueError(f"{self.authType!r} requires a filename")
        if not os.path.isfile(argstring):
            out = self.errorOutput if self.errorOutput is not None else sys.stderr
            out.write(f"Warning: not a valid file: {argstring}\n")
        return checkers.FilePasswordDB(argstring)


@implementer(checkers.ICredentialsChecker)
class UNIXChecker:
    """Checks a user name and password against the system's accounts (passwd and shadow)."""

    credentialInterfaces: Sequence[Any] = (IUsernamePassword,)

    def requestAvatarId(self, credentials: Any) -> defer.Deferred[Any]:
        """The user name if the password matches the account's, else ``UnauthorizedLogin``."""
        name = credentials.username
        text = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
        password = credentials.password
        if isinstance(password, bytes):
            password = password.decode("utf-8", "replace")
        for stored in _storedHashes(text):
            if _cryptMatches(password, stored):
                return defer.succeed(name)
        return defer.fail(error.UnauthorizedLogin())


def _storedHashes(name: str) -> Iterator[str]:
    """The password hashes the system keeps for ``name``: passwd's, then shadow's."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import pwd

            yield from _usable(pwd.getpwnam(name).pw_passwd)
        except (ImportError, KeyError):
            pass
        try:
            import spwd  # type: ignore[import-not-found,unused-ignore]

            yield from _usable(spwd.getspnam(name).sp_pwdp)
        except (ImportError, KeyError, OSError):
            pass


def _usable(stored: str) -> Iterator[str]:
    # "x" and "*" point elsewhere or lock the account; "!" prefixes a locked one.
    if stored and stored not in ("x", "*") and not stored.startswith("!"):
        yield stored


def _cryptMatches(password: str, stored: str) -> bool:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt
        except ImportError:
            return False
    import hmac

    made = crypt.crypt(password, stored)
    return made is not None and hmac.compare_digest(made, stored)


@implementer(ICheckerFactory)
class _UnixCheckerFactory:
    authType = "unix"
    argStringFormat = "No argstring required."
    credentialInterfaces: Sequence[Any] = UNIXChecker.credentialInterfaces
    authHelp = """
        The machine's own user accounts: a user name and its login password (the process
        must be allowed to read the shadow password file).
        """

    def generateChecker(self, argstring: str = "") -> Any:
        return UNIXChecker()


_BUILT_IN: tuple[Any, ...] = (
    _AnonymousCheckerFactory(),
    _FileCheckerFactory(),
    _MemoryCheckerFactory(),
    _UnixCheckerFactory(),
)


def findCheckerFactories() -> list[Any]:
    """Every checker factory: twistio's own, then those of ``ICheckerFactory`` plugins."""
    from twistio.plugin import getPlugins

    return [*_BUILT_IN, *getPlugins(ICheckerFactory)]


def findCheckerFactory(authType: str) -> Any:
    """The checker factory for ``authType``; ``InvalidAuthType`` if there is none."""
    for factory in findCheckerFactories():
        if factory.authType == authType:
            return factory
    raise InvalidAuthType(authType)


def makeChecker(description: str) -> Any:
    """A checker from ``authType[:argstring]``, e.g. ``"file:/etc/app/users"``."""
    authType, _, argstring = description.partition(":")
    return findCheckerFactory(authType).generateChecker(argstring)


# -- the command-line options ------------------------------------------------------------------


def _usageError(message: str) -> NoReturn:
    from twistio.python.usage import UsageError

    raise UsageError(message)


def _qualName(interface: Any) -> str:
    return f"{interface.__module__}.{interface.__qualname__}"


class AuthOptionMixin:
    """``--auth``, ``--help-auth`` and ``--help-auth-type`` for a ``usage.Options``.

    ``supportedInterfaces`` (None: any) lists the kinds of credentials the application
    accepts. Each ``--auth`` adds a checker to ``self["credCheckers"]`` and, under each
    supported interface it checks, to ``self["credInterfaces"]``. Help goes to
    ``authOutput``.
    """

    supportedInterfaces: Sequence[Any] | None = None
    authOutput: IO[str] = sys.stdout

    def supportsInterface(self, interface: Any) -> bool:
        """Whether the application accepts credentials of ``interface``."""
        return self.supportedInterfaces is None or interface in self.supportedInterfaces

    def supportsCheckerFactory(self, factory: Any) -> bool:
        """Whether ``factory``'s checkers check any credentials the application accepts."""
        return any(self.supportsInterface(i) for i in factory.credentialInterfaces)

    def addChecker(self, checker: Any) -> None:
        """Use ``checker``; ``UnsupportedInterfaces`` if it checks nothing accepted here."""
        accepted = [i for i in checker.credentialInterfaces if self.supportsInterface(i)]
        if not accepted:
            raise UnsupportedInterfaces(tuple(checker.credentialInterfaces))
        options: Any = self
        byInterface = options.setdefault("credInterfaces", {})
        for interface in accepted:
            byInterface.setdefault(interface, []).append(checker)
        options.setdefault("credCheckers", []).append(checker)

    def opt_auth(self, description: str) -> None:
        """Specify an authentication method for the server."""
        try:
            self.addChecker(makeChecker(description))
        except UnsupportedInterfaces as e:
            names = ", ".join(_qualName(i) for i in e.args[0])
            _usageError(f"Auth plugin not supported: {names}")
        except InvalidAuthType as e:
            _usageError(f"Auth plugin not recognized: {e}")
        except Exception as e:
            _usageError(f"Unexpected error: {e}")

    def _checkerFactoriesForOptHelpAuth(self) -> list[Any]:
        # The factories worth listing: those this application can use, by authType.
        usable = [f for f in findCheckerFactories() if self.supportsCheckerFactory(f)]
        return sorted(usable, key=lambda f: f.authType)

    def opt_help_auth(self) -> None:
        """Show all authentication methods available."""
        factories = self._checkerFactoriesForOptHelpAuth()
        width = max((len(f.authType) for f in factories), default=0)
        lines = [
            "Usage: --auth AuthType[:ArgString]",
            "For detailed help: --help-auth-type AuthType",
            "",
            f"  {'AuthType'.ljust(width)}\tArgString format",
            f"  {'========'.ljust(width)}\t================",
            *(f"  {f.authType.ljust(width)}\t{f.argStringFormat}" for f in factories),
            "",
        ]
        self.authOutput.write("\n".join(lines) + "\n")
        raise SystemExit(0)

    def opt_help_auth_type(self, authType: str) -> None:
        """Show help for a particular authentication type."""
        try:
            factory = findCheckerFactory(authType)
        except InvalidAuthType:
            _usageError(f"Invalid auth type: {authType}")
        text = [
            f"Usage: --auth {authType}[:ArgString]",
            f"ArgString format: {factory.argStringFormat}",
            "",
            *_indented(textwrap.dedent(factory.authHelp).strip("\n")),
            "",
        ]
        if not self.supportsCheckerFactory(factory):
            text += [f"  {notSupportedWarning}", ""]
        self.authOutput.write("\n".join(text) + "\n")
        raise SystemExit(0)


def _indented(text: str) -> Iterable[str]:
    return ("  " + line for line in text.split("\n"))
