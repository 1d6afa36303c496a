"""A mail service: domains of users, with portals for POP3 and SMTP (``MailService``),
and ``FileMessage``, a message written to a temporary file and renamed into place."""

from __future__ import annotations

import os
import warnings
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
from twistio.python import log

_reexported = (IRealm, Portal, IAlias)

__all__ = ["BounceDomain", "DomainWithDefaultDict", "FileMessage", "FileMonitoringService", "MailService"]


class DomainWithDefaultDict:
    """A dict of domains that answers ``default`` for any name it lacks."""

    def __init__(self, domains: dict[Any, Any], default: Any) -> None:
        self.domains = domains
        self.default = default

    def setDefaultDomain(self, domain: Any) -> None:
        """Use ``domain`` for unknown names."""
        self.default = domain

    def has_key(self, name: Any) -> bool:
        """Always true: every name has a domain (deprecated: use ``in``)."""
        warnings.warn(f"{__name__}.DomainWithDefaultDict.has_key was deprecated in Twisted 16.3.0. "
                      "Use the `in` keyword instead.", DeprecationWarning, stacklevel=2)
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.domains!r})"

    __str__ = __repr__

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


class FileMonitoringService(service.Service):
    """Watches files for changes: ``monitorFile(name, callback, interval)`` calls
    ``callback(name)`` when the file's modification time has changed, checking every
    ``interval`` seconds while the service runs. ``files`` holds ``[interval, name,
    callback, last modification time]`` per file."""

    def __init__(self) -> None:
        self.files: list[list[Any]] = []
        self._calls: dict[int, Any] = {}

    @staticmethod
    def _mtime(name: Any) -> float:
        try:
            return os.path.getmtime(name)
        except OSError:
            return 0.0

    def monitorFile(self, name: Any, callback: Callable[[Any], Any], interval: float = 10) -> None:
        """Watch ``name``."""
        entry = [interval, name, callback, self._mtime(name)]
        self.files.append(entry)
        if self.running:
            self._schedule(entry)

    def unmonitorFile(self, name: Any) -> None:
        """Stop watching ``name``."""
        for entry in [e for e in self.files if e[1] == name]:
            self.files.remove(entry)
            call = self._calls.pop(id(entry), None)
            if call is not None and call.active():
                call.cancel()

    def _schedule(self, entry: list[Any]) -> None:
        from twistio.internet import reactor

        self._calls[id(entry)] = reactor.callLater(entry[0], self._check, entry)

    def _check(self, entry: list[Any]) -> None:
        self._calls.pop(id(entry), None)
        if entry not in self.files:
            return
        now = self._mtime(entry[1])
        if now != entry[3]:
            entry[3] = now
            try:
                entry[2](entry[1])
            except Exception:
                log.err(None, f"Error in the change callback of {entry[1]!r}")
        if self.running:
            self._schedule(entry)

    def startService(self) -> None:
        """Start checking."""
        service.Service.startService(self)
        for entry in self.files:
            self._schedule(entry)

    def stopService(self) -> Any:
        """Stop checking."""
        for call in self._calls.values():
            if call.active():
                call.cancel()
        self._calls.clear()
        return service.Service.stopService(self)


class MailService(service.MultiService):
    """Mail domains and their portals; ``getPOP3Factory``/``getSMTPFactory``/``getESMTPFactory``."""

    queue: Any = None
    aliases: Any = None
    smartbounce: Any = None

    def __init__(self) -> None:
        service.MultiService.__init__(self)
        self.domains = DomainWithDefaultDict({}, BounceDomain())
        self.portals: dict[Any, cred_portal.Portal] = {}
        self.monitor = FileMonitoringService()
        self.monitor.setServiceParent(self)
        self.smtpPortal = cred_portal.Portal(self)

    def getPOP3Factory(self) -> Any:
        """A POP3 factory serving these domains."""
        from twistio.mail.protocols import POP3Factory

        return POP3Factory(self)

    def getSMTPFactory(self) -> Any:
        """An SMTP factory delivering into these domains."""
        from twistio.mail.protocols import SMTPFactory

        return SMTPFactory(self, self._smtpFactoryPortal())

    def getESMTPFactory(self) -> Any:
        """An ESMTP factory delivering into these domains."""
        from twistio.mail.protocols import ESMTPFactory

        return ESMTPFactory(self, self._smtpFactoryPortal())

    def _smtpFactoryPortal(self) -> cred_portal.Portal:
        if self.smtpPortal.checkers:
            return self.smtpPortal
        return self.defaultPortal()

    def addDomain(self, name: bytes | str, domain: Any) -> None:
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
        """The portal of domain ``name`` (text or bytes)."""
        if name in self.portals:
            return self.portals[name]
        key = name.encode("idna") if isinstance(name, str) else name.decode("idna")
        return self.portals[key]

    def defaultPortal(self) -> cred_portal.Portal:
        """The portal of the default domain (``b""`` or ``""``; else one refusing everyone)."""
        for key in (b"", ""):
            if key in self.portals:
                return self.portals[key]
        return cred_portal.Portal(_Refusing())


class _Refusing:
    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> NoReturn:
        raise UnauthorizedLogin()
