"""A small mail server: ESMTP in, POP3 and IMAP4 out, every user's mail in a real Maildir.

Written as a Twisted Mail program would be (``MailService``, ``MaildirDirdbmDomain``,
``ESMTPFactory``, ``POP3Factory``, ``IMAP4Server``); only the imports say twistio, and the
IMAP4 view of the Maildirs (``maildir.MaildirIMAPMailbox``) is a twistio addition.

Run:  python examples/mail_server.py --root /tmp/mailroot --domain example.com \\
          --user alice:secret [--smtp 2525 --pop3 1110 --imap 1143]   (0 picks free ports)
Then: send to alice@example.com over SMTP (AUTH PLAIN/LOGIN/CRAM-MD5 offered), read it over
POP3 or IMAP4 as alice@example.com / secret. The listening ports are printed on one line.
"""

from __future__ import annotations

import argparse
import os

from twistio.cred import credentials, portal
from twistio.internet import defer, protocol, reactor
from twistio.internet.interfaces import implementer
from twistio.mail import _cred, imap4, mail, maildir, smtp


class IMAPRealm:
    """IMAP accounts for the domain's users: their Maildir as INBOX."""

    def __init__(self, domain):
        self.domain = domain

    def requestAvatar(self, avatarId, mind, *interfaces):
        if imap4.IAccount not in interfaces:
            raise NotImplementedError()
        account = imap4.MemoryAccount(avatarId)
        account.addMailbox("INBOX", maildir.MaildirIMAPMailbox(self.domain.userDirectory(avatarId)))
        return imap4.IAccount, account, lambda: None


class IMAPFactory(protocol.ServerFactory):
    def __init__(self, imap_portal):
        self.portal = imap_portal

    def buildProtocol(self, addr):
        p = imap4.IMAP4Server({b"PLAIN": _cred.PLAINCredentials, b"LOGIN": _cred.LOGINCredentials})
        p.portal = self.portal
        p.factory = self
        return p


@implementer(portal.IRealm)
class SMTPRealm:
    """Authenticated senders deliver into the service's domains, as anonymous ones do."""

    def __init__(self, service):
        self.service = service

    def requestAvatar(self, avatarId, mind, *interfaces):
        return self.service.requestAvatar(avatarId, mind, *interfaces)


def build(root, domain_name, users, smtp_port, pop3_port, imap_port, interface="127.0.0.1"):
    service = mail.MailService()
    domain = maildir.MaildirDirdbmDomain(service, os.path.join(root, domain_name))
    for name, password in users:
        domain.addUser(name.encode(), password.encode())
    service.addDomain(domain_name.encode(), domain)
    # POP3 logins without @domain go to this domain.
    service.portals[b""] = service.portals[domain_name.encode()]

    checkers = domain.getCredentialsCheckers()
    esmtp = service.getESMTPFactory()
    esmtp.domain = domain_name.encode()
    esmtp.challengers = {b"PLAIN": _cred.PLAINCredentials, b"LOGIN": smtp.LOGINCredentials,
                         b"CRAM-MD5": credentials.CramMD5Credentials}
    esmtp.portal = portal.Portal(SMTPRealm(service), checkers)
    from twistio.cred.checkers import AllowAnonymousAccess

    esmtp.portal.registerChecker(AllowAnonymousAccess())
    imap_portal = portal.Portal(IMAPRealm(domain), checkers)

    ports = [reactor.listenTCP(smtp_port, esmtp, interface=interface),
             reactor.listenTCP(pop3_port, service.getPOP3Factory(), interface=interface),
             reactor.listenTCP(imap_port, IMAPFactory(imap_portal), interface=interface)]
    return service, ports


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--domain", default="example.com")
    parser.add_argument("--user", action="append", default=[], help="name:password (repeatable)")
    parser.add_argument("--smtp", type=int, default=2525)
    parser.add_argument("--pop3", type=int, default=1110)
    parser.add_argument("--imap", type=int, default=1143)
    args = parser.parse_args(argv)
    users = [tuple(u.split(":", 1)) for u in args.user]
    _service, ports = build(args.root, args.domain, users, args.smtp, args.pop3, args.imap)
    smtp_port, pop3_port, imap_port = (p.getHost().port for p in ports)
    print(f"smtp {smtp_port} pop3 {pop3_port} imap {imap_port}", flush=True)
    reactor.run()


if __name__ == "__main__":
    defer.setDebugging(False)
    main()
