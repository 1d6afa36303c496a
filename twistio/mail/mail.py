"""A mail service: domains of users, with portals for POP3 and SMTP (``MailService``),
and ``FileMessage``, a message written to a temporary file and renamed into place."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import IO, Any, NoReturn

from twistio.application import service
from twistio.cred import portal as cred_portal
from twistio.cred.error import UnauthorizedLogin
from twistio.cred.portal import IRealm, Portal
from twistio.internet import defer
from twistio.internet.interfaces import implementer
from twistio.mail import smtp
from twistio.mail.interfaces import IAlias, IAliasableDomain, IDomain, IMessageSMTP

_reexported = (IRealm, Portal, IAlias)

__all__ = ["BounceDomain", "DomainWithDefaultDict", "FileMessage", "MailService"]


class DomainWithDefaultDict:
    """A dict of domains that answers ``default`` for any name it lacks."""

    def __init__(self, domains: dict[Any, Any], default: Any) -> None:
        self.domains = domains
        self.default = default

    def setDefaultDomain(self, domain: Any) -> None:
        """Use ``domain`` for unknown names."""
        self.default = domain

    def has_key(self, name: Any) -> bool:
        """Always true: every name has a domain."""
        return True

    def __contains__(self, name: Any) -> bool:
        return True

    def __getitem__(self, name: Any) -> Any:
        return self.domains.get(name, self.default)

    def __setitem__(self, name: Any, value: Any) -> None:
        self.domains[name] = value

    def __delitem__(self, name: Any) -> None:
        del self.domains[name]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.domains)

    def __len__(self) -> int:
        return len(self.domains)

    @classmethod
    def fromkeys(cls, keys: Any, default: Any = None) -> DomainWithDefaultDict:
        """A dict mapping ``keys`` to ``default``, defaulting to ``default``."""
        return cls(dict.fromkeys(keys, default), default)

    def get(self, key: Any, default: Any = None) -> Any:
        """The domain for ``key``."""
        return self.domains.get(key, default)

    def copy(self) -> DomainWithDefaultDict:
        """A shallow copy."""
        return DomainWithDefaultDict(dict(self.domains), self.default)

    def iteritems(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.domains.items())

    def iterkeys(self) -> Iterator[Any]:
        return iter(self.domains.keys())

    def itervalues(self) -> Iterator[Any]:
        return iter(self.domains.values())

    def keys(self) -> Any:
        return self.domains.keys()

    def values(self) -> Any:
        return self.domains.values()

    def items(self) -> Any:
        return self.domains.items()

    def popitem(self) -> tuple[Any, Any]:
        return self.domains.popitem()

    def update(self, other: Any) -> None:
        self.domains.update(other)

    def clear(self) -> None:
        self.domains.clear()

    def setdefault(self, key: Any, default: Any) -> Any:
        return self.domains.setdefault(key, default)


@implementer(IDomain)
class BounceDomain:
    """The domain of unknown names: every recipient is refused."""

    def exists(self, user: Any) -> NoReturn:
        """Refuse with ``SMTPBadRcpt``."""
        raise smtp.SMTPBadRcpt(user)

    def willRelay(self, user: Any, protocol: Any) -> bool:
        """Never relay."""
        return False

    def addUser(self, user: Any, password: Any) -> None:
        """Ignore."""

    def getCredentialsCheckers(self) -> list[Any]:
        """None."""
        return []

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> NoReturn:
        """No avatars here."""
        raise NotImplementedError()


@implementer(IMessageSMTP)
class FileMessage:
    """A message written line by line (LF line ends) to ``name``, renamed to ``finalName`` at the end."""

    def __init__(self, fp: IO[bytes], name: str, finalName: str) -> None:
        self.fp = fp
        self.name = name
        self.finalName = finalName

    def lineReceived(self, line: bytes) -> None:
        """Write one line."""
        self.fp.write(line + b"\n")

    def eomReceived(self) -> defer.Deferred[str]:
        """Close and rename into place; the Deferred fires with the final name."""
        self.fp.close()
        os.rename(self.name, self.finalName)
        return defer.succeed(self.finalName)

    def connectionLost(self) -> None:
        """Abandon the message: close and remove the temporary file."""
        self.fp.close()
        try:
            os.remove(self.name)
        except FileNotFoundError:
            pass


class MailService(service.MultiService):
    """Mail domains and their portals; ``getPOP3Factory``/``getSMTPFactory``/``getESMTPFactory``."""

    queue: Any = None
    aliases: Any = None
    smartbounce: Any = None

    def __init__(self) -> None:
        service.MultiService.__init__(self)
        self.domains = DomainWithDefaultDict({}, BounceDomain())
        self.portals: dict[Any, cred_portal.Portal] = {}
        self.monitor: Any = None

    def getPOP3Factory(self) -> Any:
        """A POP3 factory serving these domains."""
        from twistio.mail.protocols import POP3Factory

        return POP3Factory(self)

    def getSMTPFactory(self) -> Any:
        """An SMTP factory delivering into these domains."""
        from twistio.mail.protocols import SMTPFactory

        return SMTPFactory(self, self.portals.get(b"") or self.defaultPortal())

    def getESMTPFactory(self) -> Any:
        """An ESMTP factory delivering into these domains."""
        from twistio.mail.protocols import ESMTPFactory

        return ESMTPFactory(self, self.portals.get(b"") or self.defaultPortal())

    def addDomain(self, name: bytes, domain: Any) -> None:
        """Serve ``domain`` for ``name``, with a portal of its checkers."""
        key = name.encode("idna") if isinstance(name, str) else name
        portal = cred_portal.Portal(domain)
        for checker in domain.getCredentialsCheckers():
            portal.registerChecker(checker)
        self.domains[key] = domain
        self.portals[key] = portal
        if self.aliases is not None and IAliasableDomain.providedBy(domain):
            domain.setAliasGroup(self.aliases)

    def setQueue(self, queue: Any) -> None:
        """Use ``queue`` for relaying."""
        self.queue = queue

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> tuple[Any, Any, Callable[[], None]]:
        """An SMTP delivery avatar for anonymous and authenticated senders alike."""
        from twistio.mail.protocols import ESMTPDomainDelivery

        if smtp.IMessageDelivery in interfaces:
            return smtp.IMessageDelivery, ESMTPDomainDelivery(self, avatarId), lambda: None
        raise NotImplementedError()

    def lookupPortal(self, name: Any) -> cred_portal.Portal:
        """The portal of domain ``name``."""
        key = name.encode("idna") if isinstance(name, str) else name
        return self.portals[key]

    def defaultPortal(self) -> cred_portal.Portal:
        """The portal of the default domain (or one refusing everyone)."""
        return self.portals.get(b"") or cred_portal.Portal(_Refusing())


class _Refusing:
    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> NoReturn:
        raise UnauthorizedLogin()
