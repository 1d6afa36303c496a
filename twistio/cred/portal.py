"""``Portal``: checks credentials with a checker, then asks a realm for the avatar."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from twistio.cred import error
from twistio.cred.checkers import ICredentialsChecker as ICredentialsChecker
from twistio.cred.credentials import ICredentials as ICredentials
from twistio.internet import defer
from twistio.internet.interfaces import Interface
from twistio.python import _spelling

__all__ = ["IRealm", "Portal"]


class IRealm(Interface, Protocol):
    """Where avatars come from, once an avatar id has been authenticated."""

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        """``(interface, avatar, logout)`` for the first of ``interfaces`` the realm
        supports, or a Deferred firing with it."""


class Portal:
    """Credential checkers in front of a realm: ``login`` gives an avatar."""

    def __init__(self, realm: Any, checkers: Iterable[Any] | None = None) -> None:
        self.realm = realm
        self.checkers: dict[Any, Any] = {}
        for checker in checkers or ():
            self.registerChecker(checker)

    def listCredentialsInterfaces(self) -> list[Any]:
        """The credentials interfaces some checker handles."""
        return list(self.checkers)

    def registerChecker(self, checker: Any, *credentialInterfaces: Any) -> None:
        """Use ``checker`` for ``credentialInterfaces`` (default: its ``credentialInterfaces``)."""
        for iface in credentialInterfaces or checker.credentialInterfaces:
            self.checkers[iface] = checker

    def login(self, credentials: Any, mind: Any, *interfaces: Any) -> defer.Deferred[tuple[Any, Any, Callable[[], None]]]:
        """A Deferred of ``(interface, avatar, logout)``; it fails with ``UnauthorizedLogin``
        for refused credentials and ``UnhandledCredentials`` when no checker fits."""
        for iface, checker in self.checkers.items():
            if iface.providedBy(credentials):
                d = defer.maybeDeferred(checker.requestAvatarId, credentials)
                d.addCallback(self.realm.requestAvatar, mind, *interfaces)
                return d
        names = ", ".join(_qual(i) for i in _declared(credentials))
        return defer.fail(error.UnhandledCredentials(f"No checker for {names}"))


def _qual(iface: Any) -> str:
    name = getattr(iface, "__name__", repr(iface))
    return _spelling.spelled(f"{getattr(iface, '__module__', '?')}.{name}")


def _declared(obj: object) -> list[Any]:
    found: list[Any] = list(getattr(type(obj), "__twistio_implements__", ()))
    try:
        from zope.interface import providedBy
    except ImportError:  # pragma: no cover - zope.interface is optional
        return found
    for iface in providedBy(obj):
        if not any(getattr(f, "__name__", None) == iface.__name__ for f in found):
            found.append(iface)
    return found
