"""``twistio mail``: a mail server of Maildir domains with SMTP in and POP3 / IMAP4 out.

Options follow ``twistd mail``: ``--maildirdbmdomain=DOMAIN=PATH`` (repeatable), ``--user=USER=PASS``
(added to the last domain), ``--smtp``/``--esmtp``, ``--pop3`` and (twistio addition)
``--imap`` strports descriptions, ``--certificate`` (PEM key and certificate: STARTTLS/STLS),
``--auth`` (AUTH PLAIN/LOGIN/CRAM-MD5 on SMTP, checked against the domain users).

``Options`` here is a plain dict filled by ``parseOptions`` (argparse), not
``twisted.python.usage.Options``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

from twistio.application import service, strports
from twistio.cred import checkers, credentials, portal
from twistio.internet import protocol
from twistio.mail import _cred, imap4, mail, maildir, smtp

__all__ = ["Options", "addArguments", "application", "makeService"]


class Options(dict[str, Any]):
    """The options of ``twistio mail``."""

    synopsis = "[options]"

    def __init__(self) -> None:
        super().__init__(domains=[], users=[], smtp=[], pop3=[], imap=[], certificate=None, auth=False,
                         hostname=smtp.DNSNAME.decode("ascii"))

    def parseOptions(self, options: Sequence[str] | None = None) -> None:
        """Fill from a command line; ``SystemExit(2)`` with a message on bad input."""
        parser = argparse.ArgumentParser(prog="twistio mail", description=__doc__.splitlines()[0])
        addArguments(parser)
        args = parser.parse_args(options)
        self.apply(args, parser.error)

    def apply(self, args: argparse.Namespace, error: Any) -> None:
        """Take parsed arguments (as from ``twistio mail``)."""
        for spec in args.maildirdbmdomain:
            name, sep, path = spec.partition("=")
            if not sep or not name or not path:
                error(f"--maildirdbmdomain wants DOMAIN=PATH, not {spec!r}")
            self["domains"].append((name, path))
        for spec in args.user:
            name, sep, password = spec.partition("=")
            if not sep or not name:
                error(f"--user wants USER=PASS, not {spec!r}")
            if not self["domains"]:
                error("--user must follow a --maildirdbmdomain")
            self["users"].append((len(self["domains"]) - 1, name, password))
        if not self["domains"]:
            error("at least one --maildirdbmdomain is needed")
        if args.certificate is not None and not os.path.isfile(args.certificate):
            error(f"--certificate {args.certificate}: no such file")
        self["smtp"] = args.smtp or ["tcp:8025"]
        self["pop3"] = args.pop3 or ["tcp:8110"]
        self["imap"] = args.imap or ["tcp:8143"]
        self["certificate"] = args.certificate
        self["auth"] = args.auth
        if args.hostname:
            self["hostname"] = args.hostname


class _IMAPRealm:
    def __init__(self, domains: dict[str, Any]) -> None:
        self.domains = domains

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        if imap4.IAccount not in interfaces:
            raise NotImplementedError()
        name, _, domain = smtp._b(avatarId).partition(b"@")
        target = self.domains.get(domain.decode("idna")) if domain else next(iter(self.domains.values()))
        if target is None:
            raise NotImplementedError()
        account = imap4.MemoryAccount(avatarId)
        account.addMailbox("INBOX", maildir.MaildirIMAPMailbox(target.userDirectory(name)))
        return imap4.IAccount, account, lambda: None


class _IMAPChecker:
    """Checks ``user`` or ``user@domain`` against the domains' password databases."""

    credentialInterfaces = (credentials.IUsernamePassword,)

    def __init__(self, domains: dict[str, Any]) -> None:
        self.domains = domains

    def requestAvatarId(self, c: Any) -> Any:
        from twistio.cred.error import UnauthorizedLogin
        from twistio.internet import defer

        name, _, domain = smtp._b(c.username).partition(b"@")
        target = self.domains.get(domain.decode("idna")) if domain else next(iter(self.domains.values()))
        if target is None:
            return defer.fail(UnauthorizedLogin())
        plain = credentials.UsernamePassword(name, c.password)
        return target.getCredentialsCheckers()[0].requestAvatarId(plain).addCallback(
            lambda _: name + (b"@" + domain if domain else b""))


class _SMTPRealm:
    def __init__(self, mailService: mail.MailService) -> None:
        self.service = mailService

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        return self.service.requestAvatar(avatarId, mind, *interfaces)


def makeService(config: dict[str, Any]) -> service.MultiService:
    """The mail service with its SMTP, POP3 and IMAP4 listeners as children."""
    top = mail.MailService()
    domains: dict[str, Any] = {}
    for name, path in config["domains"]:
        domain = maildir.MaildirDirdbmDomain(top, path)
        top.addDomain(name.encode("idna"), domain)
        domains[name] = domain
    names = [name for name, _ in config["domains"]]
    for index, user, password in config["users"]:
        domains[names[index]].addUser(user.encode("utf-8"), password.encode("utf-8"))
    top.portals[b""] = top.portals[names[0].encode("idna")]

    context = None
    if config.get("certificate"):
        from twistio.internet import ssl

        with open(config["certificate"], "rb") as f:
            context = ssl.PrivateCertificate.loadPEM(f.read()).options()

    checker = _IMAPChecker(domains)
    esmtp = top.getESMTPFactory()
    esmtp.domain = config.get("hostname", smtp.DNSNAME.decode("ascii")).encode("idna")
    esmtp.context = context
    if config.get("auth"):
        esmtp.challengers = {b"PLAIN": _cred.PLAINCredentials, b"LOGIN": smtp.LOGINCredentials,
                             b"CRAM-MD5": credentials.CramMD5Credentials}
    esmtp.portal = portal.Portal(_SMTPRealm(top), [checker, checkers.AllowAnonymousAccess()])

    imap_portal = portal.Portal(_IMAPRealm(domains), [checker])

    class IMAPFactory(protocol.ServerFactory):
        def buildProtocol(self, addr: Any) -> Any:
            p = imap4.IMAP4Server({b"PLAIN": _cred.PLAINCredentials, b"LOGIN": _cred.LOGINCredentials}, context)
            p.portal = imap_portal
            p.factory = self
            return p

    pop3 = top.getPOP3Factory()
    if context is not None:
        original = pop3.buildProtocol

        def with_tls(addr: Any) -> Any:
            p = original(addr)
            p.ctx = context
            return p

        pop3.buildProtocol = with_tls

    for description in config["smtp"]:
        strports.service(description, esmtp).setServiceParent(top)
    for description in config["pop3"]:
        strports.service(description, pop3).setServiceParent(top)
    for description in config["imap"]:
        strports.service(description, IMAPFactory()).setServiceParent(top)
    return top


def addArguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``twistio mail``, for the command line's parser."""
    parser.add_argument("--maildirdbmdomain", "-d", action="append", default=[], metavar="DOMAIN=PATH",
                        help="serve DOMAIN from Maildirs under PATH (repeatable)")
    parser.add_argument("--user", "-u", action="append", default=[], metavar="USER=PASS",
                        help="add a user to the last domain (repeatable)")
    parser.add_argument("--smtp", "-s", "--esmtp", action="append", default=[], metavar="DESCRIPTION",
                        help="ESMTP listener, a strports description (default tcp:8025)")
    parser.add_argument("--pop3", "-p", action="append", default=[], metavar="DESCRIPTION",
                        help="POP3 listener (default tcp:8110)")
    parser.add_argument("--imap", action="append", default=[], metavar="DESCRIPTION",
                        help="IMAP4 listener (default tcp:8143)")
    parser.add_argument("--certificate", "-c", metavar="FILE",
                        help="PEM private key and certificate: offer STARTTLS/STLS")
    parser.add_argument("--auth", action="store_true", help="offer SMTP AUTH PLAIN/LOGIN/CRAM-MD5")
    parser.add_argument("--hostname", "-H", help="the name the SMTP server gives itself")


def application(config: dict[str, Any]) -> Any:
    """An ``Application`` running ``makeService(config)``."""
    app = service.Application("twistio mail")
    makeService(config).setServiceParent(service.IServiceCollection(app))  # type: ignore[misc, call-arg]
    return app
