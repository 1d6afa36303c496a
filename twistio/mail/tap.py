"""Mail servers from the command line.

``Options`` and ``makeService`` are ``twistd mail``'s, as in Twisted: ``--maildirdbmdomain
NAME=PATH`` (repeatable), ``--user USER=PASS`` for the last domain, ``--aliases FILE`` (an
aliases(5) file for the last domain, reloaded when it changes), ``--default``,
``--bounce-to-postmaster``, ``--pop3``/``--smtp`` endpoint descriptions (TCP 8110 and 8025 by
default, ``--no-pop3``/``--no-smtp``), ``--esmtp`` with ``--hostname``, ``--relay QUEUEDIR``,
``--auth`` and ``--disable-anonymous``.

``twistio mail`` (twistio's own command) takes its options with argparse (``addArguments``
into ``_CLIConfig``): Maildir domains with SMTP in and POP3 and IMAP4 out, ``--imap``,
``--certificate`` (STARTTLS/STLS) and ``--auth`` (AUTH PLAIN/LOGIN/CRAM-MD5 against the
domain users).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

from twistio.application import internet, service, strports
from twistio.cred import checkers, credentials, portal, strcred
from twistio.internet import endpoints, protocol
from twistio.mail import _cred, alias, imap4, mail, maildir, relay, relaymanager, smtp
from twistio.mail.interfaces import IAliasableDomain
from twistio.python import usage

__all__ = ["AliasUpdater", "Options", "addArguments", "application", "makeService"]


def _reactor() -> Any:
    from twistio.internet import reactor

    return reactor


class AliasUpdater:
    """Called with the name of a changed aliases(5) file: loads it as ``domain``'s aliases."""

    def __init__(self, domains: Any, domain: Any) -> None:
        self.domains = domains
        self.domain = domain

    def __call__(self, new: Any) -> None:
        self.domain.setAliasGroup(alias.loadAliasFile(self.domains, new))


class Options(usage.Options, strcred.AuthOptionMixin):
    """The options of ``twistd mail``: they build ``self.service``, a ``MailService``, as
    they are parsed; ``makeService`` adds the listeners (and the relay)."""

    synopsis = "[options]"

    optParameters = [
        ["relay", "R", None, "Relay mail for other domains, queued in this directory, to the mail "
         "exchange of each recipient's domain."],
        ["hostname", "H", None, "The name this server gives itself."],
    ]
    optFlags = [
        ["esmtp", "E", "Speak ESMTP (RFC 1869 extensions); needs --hostname."],
        ["disable-anonymous", None, "Refuse SMTP senders that did not authenticate."],
        ["no-pop3", None, "No POP3 server on the default port."],
        ["no-smtp", None, "No SMTP server on the default port."],
    ]

    _protoDefaults = {"pop3": 8110, "smtp": 8025}

    longdesc = """A mail server for twistd: SMTP in, POP3 out, messages kept in Maildirs.

    twistd mail --maildirdbmdomain=example.com=/var/mail/example.com --user=joe=secret
        takes mail for joe@example.com over SMTP (port 8025) and serves it over POP3
        (port 8110) to joe@example.com, password secret.

    twistd mail --relay=/var/spool/mailq
        takes mail for any address and relays it on, queued in /var/spool/mailq.
    """

    def __init__(self) -> None:
        usage.Options.__init__(self)
        self.service = mail.MailService()
        self.last_domain: Any = None
        for name in self._protoDefaults:
            self[name] = []

    def addEndpoint(self, service: str, description: str) -> None:
        """Listen for ``service`` (``"pop3"`` or ``"smtp"``) at the endpoint ``description``."""
        self[service].append(endpoints.serverFromString(_reactor(), description))

    def opt_pop3(self, description: str) -> None:
        """Serve POP3 at this endpoint (repeatable)."""
        self.addEndpoint("pop3", description)

    opt_p = opt_pop3

    def opt_smtp(self, description: str) -> None:
        """Serve SMTP at this endpoint (repeatable)."""
        self.addEndpoint("smtp", description)

    opt_s = opt_smtp

    def opt_default(self) -> None:
        """Make the last domain the default domain."""
        if self.last_domain is None:
            raise usage.UsageError("Specify a domain before specifying using --default")
        self.service.addDomain("", self.last_domain)

    opt_D = opt_default

    def opt_maildirdbmdomain(self, domain: str) -> None:
        """Serve a domain from Maildirs: NAME=PATH (NAME the DNS domain, PATH the directory
        holding a Maildir per user). [Example: example.com=/var/mail/example.com]"""
        name, sep, path = domain.partition("=")
        if not sep:
            raise usage.UsageError("Argument to --maildirdbmdomain must be of the form 'name=path'")
        self.last_domain = maildir.MaildirDirdbmDomain(self.service, os.path.abspath(path))
        self.service.addDomain(name, self.last_domain)

    opt_d = opt_maildirdbmdomain

    def opt_user(self, user_pass: str) -> None:
        """Add USER=PASSWORD to the last domain."""
        user, sep, password = user_pass.partition("=")
        if not sep:
            raise usage.UsageError("Argument to --user must be of the form 'user=password'")
        if self.last_domain is None:
            raise usage.UsageError("Specify a domain before specifying users")
        self.last_domain.addUser(user.encode("utf-8"), password.encode("utf-8"))

    opt_u = opt_user

    def opt_bounce_to_postmaster(self) -> None:
        """Deliver mail for unknown users of the last domain to its postmaster."""
        if self.last_domain is None:
            raise usage.UsageError("Specify a domain before specifying --bounce-to-postmaster")
        self.last_domain.postmaster = 1

    opt_b = opt_bounce_to_postmaster

    def opt_aliases(self, filename: str) -> None:
        """Use this aliases(5) file for the last domain."""
        if self.last_domain is None:
            raise usage.UsageError("Specify a domain before specifying aliases")
        if not IAliasableDomain.providedBy(self.last_domain):
            raise usage.UsageError(f"{type(self.last_domain).__name__} does not support alias files")
        self.last_domain.setAliasGroup(alias.loadAliasFile(self.service.domains, filename))
        self.service.monitor.monitorFile(filename, AliasUpdater(self.service.domains, self.last_domain))

    opt_A = opt_aliases

    def _getEndpoints(self, reactor: Any, service: str) -> list[Any]:
        """The endpoints of ``service``: those given, none with ``--no-SERVICE``, else TCP on
        its default port."""
        if self[service]:
            return list(self[service])
        if self["no-" + service]:
            return []
        return [endpoints.TCP4ServerEndpoint(reactor, self._protoDefaults[service])]

    def postOptions(self) -> None:
        """Check the combination, and set up SMTP authentication."""
        for name in self._protoDefaults:
            self[name] = self._getEndpoints(_reactor(), name)
        if not (self["pop3"] or self["smtp"]):
            raise usage.UsageError("You cannot disable all protocols")
        if self["esmtp"] and self["hostname"] is None:
            raise usage.UsageError("--esmtp requires --hostname")
        for checker in self.get("credCheckers", ()):
            self.service.smtpPortal.registerChecker(checker)
        if not self["disable-anonymous"]:
            self.service.smtpPortal.registerChecker(checkers.AllowAnonymousAccess())


def makeService(config: Any) -> service.MultiService:
    """The mail service of ``config`` (``Options``) with its POP3 and SMTP listeners and,
    with ``relay``, the queue and the smart host that empties it."""
    if isinstance(config, _CLIConfig):
        return _makeCLIService(config)
    top = config.service
    esmtp = bool(config["esmtp"])
    hostname = config["hostname"]
    if config["relay"]:
        queueDir = config["relay"]
        if not os.path.isdir(queueDir):
            os.mkdir(queueDir)
        top.setQueue(relaymanager.Queue(queueDir))
        managerType = (relaymanager.SmartHostESMTPRelayingManager if esmtp
                       else relaymanager.SmartHostSMTPRelayingManager)
        manager = managerType(top.queue)
        manager.fArgs += ((None, None) if esmtp else ()) + (hostname,)
        relaymanager.RelayStateHelper(manager, 1).setServiceParent(top)
        top.domains.setDefaultDomain(relay.DomainQueuer(top))
    if config["pop3"]:
        pop3Factory = top.getPOP3Factory()
        for endpoint in config["pop3"]:
            internet.StreamServerEndpointService(endpoint, pop3Factory).setServiceParent(top)
    if config["smtp"]:
        smtpFactory = top.getESMTPFactory() if esmtp else top.getSMTPFactory()
        if hostname:
            smtpFactory.domain = hostname.encode("idna") if isinstance(hostname, str) else hostname
        for endpoint in config["smtp"]:
            internet.StreamServerEndpointService(endpoint, smtpFactory).setServiceParent(top)
    return top  # type: ignore[no-any-return]


class _CLIConfig(dict[str, Any]):
    """The options of ``twistio mail`` (argparse)."""

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


def _makeCLIService(config: dict[str, Any]) -> service.MultiService:
    """``twistio mail``'s service: SMTP, POP3 and IMAP4 listeners as children."""
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
