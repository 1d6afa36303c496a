"""Protocol factories of a ``MailService``: SMTP/ESMTP delivery into its domains, POP3 out."""

from __future__ import annotations

import time
from typing import Any

from twistio.cred.credentials import CramMD5Credentials, UsernamePassword
from twistio.cred.error import UnauthorizedLogin
from twistio.internet import defer
from twistio.internet.interfaces import implementer
from twistio.internet.protocol import ServerFactory
from twistio.mail import pop3, smtp
from twistio.mail.smtp import longversion

_reexported = (CramMD5Credentials, longversion)

__all__ = ["DomainDeliveryBase", "ESMTPDomainDelivery", "ESMTPFactory", "POP3Factory", "SMTPDomainDelivery",
           "SMTPFactory", "VirtualPOP3"]


@implementer(smtp.IMessageDelivery)
class DomainDeliveryBase:
    """Delivers into the service's domains: unknown domains and users get 550."""

    service: Any = None
    protocolName = b"not-implemented-protocol"

    def __init__(self, service: Any, user: Any, host: bytes = smtp.DNSNAME) -> None:
        self.service = service
        self.user = user
        self.host = host

    def receivedHeader(self, helo: Any, origin: Any, recipients: Any) -> bytes:
        """``Received: from HELO ([ip] helo=HELO) by HOST with PROTOCOL for <rcpt>; date``."""
        name, address = (helo or (b"unknown", b"unknown"))[:2]
        for_ = b" ".join(smtp.quoteaddr(r) for r in recipients)
        return (b"Received: from " + name + b" ([" + address + b"] helo=" + name + b")\n\tby " + self.host
                + b" with " + self.protocolName + b" (twistio)\n\tfor " + for_ + b"; "
                + smtp.rfc822date(time.localtime()))

    def validateTo(self, user: smtp.User) -> Any:
        """The domain's message factory for ``user``, or 550."""
        domain = user.dest.domain
        if domain not in self.service.domains:
            raise smtp.SMTPBadRcpt(user)
        return defer.maybeDeferred(self.service.domains[domain].exists, user)

    def validateFrom(self, helo: Any, origin: smtp.Address) -> smtp.Address:
        """Accept any sender after HELO/EHLO."""
        refusal: tuple[int, str] | None = None
        if not helo:
            refusal = (503, "Who are you?  Say HELO first.")
        elif origin.local and not origin.domain:
            refusal = (501, "Sender address must contain domain.")
        if refusal is not None:
            raise smtp.SMTPBadSender(origin, *refusal)
        return origin


class SMTPDomainDelivery(DomainDeliveryBase):
    """Delivery for plain SMTP."""

    protocolName = b"smtp"


class ESMTPDomainDelivery(DomainDeliveryBase):
    """Delivery for ESMTP."""

    protocolName = b"esmtp"


class SMTPFactory(smtp.SMTPFactory):
    """SMTP into a ``MailService``'s domains."""

    protocol: Any = smtp.SMTP
    portal: Any = None

    def __init__(self, service: Any, portal: Any = None) -> None:
        smtp.SMTPFactory.__init__(self, portal)
        self.service = service

    def buildProtocol(self, addr: Any) -> Any:
        p = smtp.SMTPFactory.buildProtocol(self, addr)
        if p.portal is None or not p.portal.checkers:
            p.delivery = SMTPDomainDelivery(self.service, None, p.host)
        return p


class ESMTPFactory(SMTPFactory):
    """ESMTP into a ``MailService``'s domains; ``challengers`` and ``context`` enable AUTH and STARTTLS."""

    protocol: Any = smtp.ESMTP
    context: Any = None

    def __init__(self, *args: Any) -> None:
        SMTPFactory.__init__(self, *args)
        self.challengers: dict[bytes, Any] = {}

    def buildProtocol(self, addr: Any) -> Any:
        p = smtp.ESMTP(self.challengers, self.context)
        p.factory = self
        p.portal = self.portal
        p.host = self.domain
        if p.portal is None or not p.portal.checkers:
            p.delivery = ESMTPDomainDelivery(self.service, None, p.host)
        return p


class VirtualPOP3(pop3.POP3):
    """POP3 for ``user@domain`` logins into a ``MailService``'s domains."""

    service: Any = None
    domainSpecifier = b"@"

    def authenticateUserAPOP(self, user: bytes, digest: bytes) -> Any:
        """APOP against the user's domain portal."""
        name, domain = self.lookupDomain(user)
        try:
            portal = self.service.lookupPortal(domain)
        except KeyError:
            return defer.fail(UnauthorizedLogin())
        return portal.login(pop3.APOPCredentials(self.magic or b"", name, digest), None, pop3.IMailbox)

    def authenticateUserPASS(self, user: bytes, password: bytes) -> defer.Deferred[Any]:
        """USER/PASS against the user's domain portal."""
        name, domain = self.lookupDomain(user)
        try:
            portal = self.service.lookupPortal(domain)
        except KeyError:
            return defer.fail(UnauthorizedLogin())
        return portal.login(UsernamePassword(name, password), None, pop3.IMailbox)  # type: ignore[no-any-return]

    def lookupDomain(self, user: bytes) -> tuple[bytes, bytes]:
        """``(name, domain)`` of ``name@domain`` (the default domain without one)."""
        name, sep, domain = user.partition(self.domainSpecifier)
        if not sep:
            domain = b""
        if domain not in self.service.domains:
            raise pop3.POP3Error("no such domain " + domain.decode("utf-8", "replace"))
        return name, domain


class POP3Factory(ServerFactory):
    """``VirtualPOP3`` over a ``MailService``."""

    protocol: Any = VirtualPOP3
    service: Any = None

    def __init__(self, service: Any) -> None:
        self.service = service

    def buildProtocol(self, addr: Any) -> Any:
        p = ServerFactory.buildProtocol(self, addr)
        if p is not None:
            p.service = self.service  # type: ignore[attr-defined]
        return p
