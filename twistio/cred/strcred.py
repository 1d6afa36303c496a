"""Credential checkers described by strings, as a command line gives them (``--auth``).

``makeChecker("memory:alice:secret")`` builds a checker from ``authType:argstring``; the
checker factories are the ``ICheckerFactory`` plugins (``twistio.plugin``): twistio's own in
``twistio.plugins.cred_*`` (``anonymous``, ``file``, ``memory``, ``unix``, ``sshkey``) and any
other package's.
``AuthOptionMixin`` gives a ``usage.Options`` the ``--auth``, ``--help-auth`` and
``--help-auth-type`` options.

Differences from Twisted (docs/differences.md): the factories' help texts are twistio's own;
``memory`` stores each user under both its text and its UTF-8 bytes, so it accepts the bytes
credentials that protocols make (Twisted's stores text only); ``unix`` needs the standard
library's ``crypt`` module (gone in Python 3.13) and refuses every login without it.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterable, Sequence
from typing import IO, Any, NoReturn, Protocol

from twistio.internet.interfaces import Interface, implementer
from twistio.python import _spelling

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


@implementer(ICheckerFactory)
class _ShippedCheckerFactory:
    """Base of the checker factories twistio ships (``twistio/plugins/cred_*.py``): each
    sets its ``authType``, ``authHelp`` and ``credentialInterfaces`` and makes its checker
    in ``generateChecker``; one that reads an argument string describes it in
    ``argStringFormat``."""

    authType: str
    authHelp: str
    argStringFormat = "No argstring required."
    credentialInterfaces: Sequence[Any] = ()

    def generateChecker(self, argstring: str = "") -> Any:
        raise NotImplementedError(f"{type(self).__name__} makes no checkers")

    def __repr__(self) -> str:
        return f"<checker factory --auth={self.authType}:...>"


class StrcredException(Exception):
    """Base of this module's errors."""


class InvalidAuthType(StrcredException):
    """No checker factory has this ``authType``."""


class InvalidAuthArgumentString(StrcredException):
    """The argument string does not suit the checker factory."""


class UnsupportedInterfaces(StrcredException):
    """The checker checks no kind of credentials that the application accepts."""


def findCheckerFactories() -> list[Any]:
    """Every ``ICheckerFactory`` plugin: twistio's own (``twistio.plugins.cred_*``), then
    those of ``twisted/plugins`` folders on ``sys.path``."""
    from twistio.plugin import getPlugins

    return list(getPlugins(ICheckerFactory))


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
    return _spelling.qualified(interface)


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
