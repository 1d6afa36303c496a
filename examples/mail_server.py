"""A small mail server: ESMTP in, POP3 and IMAP4 out, every user's mail in a real Maildir.

Written as a Twisted Mail program would be (``MailService``, ``MaildirDirdbmDomain``,
``ESMTPFactory``, ``POP3Factory``, ``IMAP4Server``); only the imports say twistio.

Run:  python examples/mail_server.py --root /tmp/mailroot --domain example.com \\
          --user alice:secret [--smtp 2525 --pop3 1110 --imap 1143]   (0 picks free ports)
Then: send to alice@example.com over SMTP (AUTH PLAIN/LOGIN/CRAM-MD5 offered), read it over
POP3 or IMAP4 as alice@example.com / secret. The listening ports are printed on one line.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import io
import json
import os
import time

from twistio.cred import credentials, portal
from twistio.internet import defer, protocol, reactor
from twistio.internet.interfaces import implementer
from twistio.mail import _cred, imap4, mail, maildir, smtp

FLAG_LETTERS = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen", "T": "\\Deleted"}
LETTER_OF = {v: k for k, v in FLAG_LETTERS.items()}


@implementer(imap4.IMessage, imap4.IMessageFile)
class MaildirIMAPMessage:
    """One Maildir file as an IMAP message (headers and parts parsed with ``email``)."""

    def __init__(self, path, uid, flags):
        self.path = path
        self.uid = uid
        self.flags = flags
        with open(path, "rb") as f:
            self.data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        self.parsed = email.message_from_bytes(self.data, policy=email.policy.compat32)

    def open(self):
        return io.BytesIO(self.data)

    def getHeaders(self, negate, *names):
        wanted = {n.lower() if isinstance(n, str) else n.decode().lower() for n in names}
        return {k.lower(): v for k, v in self.parsed.items() if not names or ((k.lower() in wanted) != negate)}

    def getBodyFile(self):
        return io.BytesIO(self.data.partition(b"\r\n\r\n")[2])

    def getSize(self):
        return len(self.data)

    def isMultipart(self):
        return self.parsed.is_multipart()

    def getSubPart(self, part):
        payload = self.parsed.get_payload()
        if not isinstance(payload, list) or part >= len(payload):
            raise IndexError(part)
        return _Part(payload[part])

    def getUID(self):
        return self.uid

    def getFlags(self):
        return list(self.flags)

    def getInternalDate(self):
        return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(os.path.getmtime(self.path)))


class _Part(MaildirIMAPMessage):
    def __init__(self, message):
        self.parsed = message
        self.data = message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@implementer(imap4.IMailbox)
class MaildirIMAPMailbox:
    """A Maildir as an IMAP mailbox: UIDs kept in a small JSON file, flags in the file names
    (``:2,FRS`` as the Maildir convention says), EXPUNGE removes ``\\Deleted`` files."""

    def __init__(self, path):
        self.path = path
        self.listeners = []
        maildir.initializeMaildir(path)
        self.state_file = os.path.join(path, "twistio-uids.json")

    def _state(self):
        try:
            with open(self.state_file) as f:
                return json.load(f)
        except FileNotFoundError:
            return {"next": 1, "uids": {}}

    def _messages(self):
        """``[(uid, path, flags)]`` sorted by UID; new files get UIDs."""
        state = self._state()
        found = []
        for sub in ("cur", "new"):
            folder = os.path.join(self.path, sub)
            for name in sorted(os.listdir(folder)):
                base, _, info = name.partition(":")
                if base not in state["uids"]:
                    state["uids"][base] = state["next"]
                    state["next"] += 1
                letters = info[2:] if info.startswith("2,") else ""
                flags = [FLAG_LETTERS[c] for c in letters if c in FLAG_LETTERS]
                found.append((state["uids"][base], os.path.join(folder, name), flags))
        with open(self.state_file, "w") as f:
            json.dump(state, f)
        return sorted(found)

    def getFlags(self):
        return list(FLAG_LETTERS.values())

    def getHierarchicalDelimiter(self):
        return "/"

    def getUIDValidity(self):
        return int(os.path.getctime(self.path))

    def getUIDNext(self):
        self._messages()
        return self._state()["next"]

    def getUID(self, message):
        return self._messages()[message - 1][0]

    def getMessageCount(self):
        return len(self._messages())

    def getRecentCount(self):
        return len(os.listdir(os.path.join(self.path, "new")))

    def getUnseenCount(self):
        return sum(1 for _, _, flags in self._messages() if "\\Seen" not in flags)

    def isWriteable(self):
        return True

    def destroy(self):
        raise imap4.MailboxException("Maildirs are not deleted over IMAP")

    def requestStatus(self, names):
        return imap4.statusRequestHelper(self, names)

    def addListener(self, listener):
        self.listeners.append(listener)

    def removeListener(self, listener):
        self.listeners.remove(listener)

    def addMessage(self, message, flags=(), date=None):
        data = message.read().replace(b"\r\n", b"\n")
        box = maildir.MaildirMailbox(self.path)
        d = box.appendMessage(data)
        letters = "".join(sorted(LETTER_OF[f] for f in flags if f in LETTER_OF))
        if letters:
            self._setFlags(box.list[-1], letters)
        return d.addCallback(lambda _: self._messages()[-1][0])

    def _setFlags(self, path, letters):
        base = os.path.basename(path).partition(":")[0]
        target = os.path.join(self.path, "cur", f"{base}:2,{letters}")
        os.rename(path, target)
        return target

    def expunge(self):
        removed = []
        for number, (_uid, path, flags) in enumerate(self._messages(), 1):
            if "\\Deleted" in flags:
                os.remove(path)
                removed.append(number - len(removed))
        return removed

    def fetch(self, messages, uid):
        listed = self._messages()
        messages.last = listed[-1][0] if uid and listed else len(listed)
        out = []
        for number, (message_uid, path, flags) in enumerate(listed, 1):
            if (message_uid if uid else number) in messages:
                out.append((number, MaildirIMAPMessage(path, message_uid, flags)))
        return out

    def store(self, messages, flags, mode, uid):
        result = {}
        for number, msg in self.fetch(messages, uid):
            current = set(msg.flags)
            wanted = set(flags)
            current = wanted if mode == 0 else (current | wanted if mode == 1 else current - wanted)
            letters = "".join(sorted(LETTER_OF[f] for f in current if f in LETTER_OF))
            self._setFlags(msg.path, letters)
            result[number] = sorted(current)
        return result


class IMAPRealm:
    """IMAP accounts for the domain's users: their Maildir as INBOX."""

    def __init__(self, domain):
        self.domain = domain

    def requestAvatar(self, avatarId, mind, *interfaces):
        if imap4.IAccount not in interfaces:
            raise NotImplementedError()
        account = imap4.MemoryAccount(avatarId)
        account.addMailbox("INBOX", MaildirIMAPMailbox(self.domain.userDirectory(avatarId)))
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
