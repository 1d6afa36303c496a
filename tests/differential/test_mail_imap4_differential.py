"""The same IMAP4 server class on Twisted and on twistio answers the same scripted sessions
with the same replies (in memory, each on its own StringTransport, a Cooperator driven by hand)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

pytest.importorskip("twisted.mail.imap4")

from io import BytesIO


def make(pkg):
    imap4 = importlib.import_module(pkg + ".mail.imap4")
    defer = importlib.import_module(pkg + ".internet.defer")
    if pkg == "twisted":
        from zope.interface import implementer
    else:
        from twistio.internet.interfaces import implementer

    @implementer(imap4.IMessage)
    class Message:
        def __init__(self, data, flags, date, uid):
            self.data, self.flags, self.date, self.uid = data, list(flags), date, uid
        def _parsed(self):
            import email
            return email.message_from_bytes(self.data)
        def getHeaders(self, negate, *names):
            head = self.data.split(b"\r\n\r\n", 1)[0].decode()
            out = {}
            import email
            m = email.message_from_string(head + "\r\n\r\n")
            wanted = {n.lower() if isinstance(n, str) else n.decode().lower() for n in names}
            for k, v in m.items():
                if not names or ((k.lower() in wanted) != negate):
                    out[k.lower()] = v
            return out
        def getBodyFile(self):
            return BytesIO(self.data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in self.data else b"")
        def getSize(self): return len(self.data)
        def isMultipart(self): return False
        def getSubPart(self, part): raise TypeError("not multipart")
        def getUID(self): return self.uid
        def getFlags(self): return self.flags
        def getInternalDate(self): return self.date

    @implementer(imap4.IMailbox, imap4.ICloseableMailbox)
    class Mailbox:
        def __init__(self):
            self.messages = []
            self.listeners = []
            self.uidnext = 1
            self.closed = False
        def getFlags(self): return [r"\Seen", r"\Answered", r"\Flagged", r"\Deleted", r"\Draft"]
        def getHierarchicalDelimiter(self): return "/"
        def getUIDValidity(self): return 42
        def getUIDNext(self): return self.uidnext
        def getUID(self, message): return self.messages[message - 1].uid
        def getMessageCount(self): return len(self.messages)
        def getRecentCount(self): return 0
        def getUnseenCount(self): return sum(1 for m in self.messages if r"\Seen" not in m.flags)
        def isWriteable(self): return True
        def destroy(self): pass
        def requestStatus(self, names):
            r = {}
            for n in names:
                r[n] = {"MESSAGES": self.getMessageCount, "RECENT": self.getRecentCount, "UIDNEXT": self.getUIDNext,
                        "UIDVALIDITY": self.getUIDValidity, "UNSEEN": self.getUnseenCount}[n]()
            return r
        def addListener(self, listener):
            self.listeners.append(listener)

        def removeListener(self, listener):
            self.listeners.remove(listener)
        def addMessage(self, message, flags=(), date=None):
            data = message.read()
            self.messages.append(Message(data, flags, date or "Mon, 07 Dec 2026 01:00:00 +0000", self.uidnext))
            self.uidnext += 1
            return defer.succeed(self.uidnext - 1)
        def expunge(self):
            gone = [i for i, m in enumerate(self.messages, 1) if r"\Deleted" in m.flags]
            self.messages = [m for m in self.messages if r"\Deleted" not in m.flags]
            return gone
        def fetch(self, messages, uid):
            out = []
            if uid:
                messages.last = self.uidnext
                for i, m in enumerate(self.messages, 1):
                    if m.uid in messages:
                        out.append((i, m))
            else:
                messages.last = len(self.messages)
                for i in messages:
                    if 1 <= i <= len(self.messages):
                        out.append((i, self.messages[i - 1]))
            return out
        def store(self, messages, flags, mode, uid):
            out = {}
            for i, m in self.fetch(messages, uid):
                if mode == 0:
                    m.flags = list(flags)
                elif mode == 1:
                    m.flags = m.flags + [f for f in flags if f not in m.flags]
                else:
                    m.flags = [f for f in m.flags if f not in flags]
                out[i] = m.flags
            return out
        def close(self): self.closed = True

    class Account(imap4.MemoryAccount):
        mailboxFactory = Mailbox
        def _emptyMailbox(self, name, id):
            return Mailbox()

    return imap4, defer, Account, Mailbox

MSG1 = (b"From: Alice <alice@example.com>\r\nTo: bob@example.org, \"Carol C\" <carol@example.net>\r\n"
        b"Subject: Hello there\r\nDate: Mon, 7 Dec 2026 01:02:03 +0000\r\nMessage-ID: <m1@example.com>\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n\r\nline one\r\nline two\r\n")
MSG2 = b"Subject: second\r\nFrom: x@y.z\r\n\r\nbody of second\r\n"


MSG3 = (b"From: x@y.z\r\nSubject: multi\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<p>hi</p>\r\n")


def run(pkg: str, lines: list[bytes]) -> list[bytes]:
    imap4, defer, Account, Mailbox = make(pkg)
    testing = importlib.import_module(pkg + ".internet.testing")
    task = importlib.import_module(pkg + ".internet.task")
    portal = importlib.import_module(pkg + ".cred.portal")
    checkers = importlib.import_module(pkg + ".cred.checkers")
    acct = Account(b"alice")
    acct.addMailbox("INBOX")
    acct.addMailbox("Archive")
    inbox = acct.mailboxes["INBOX"]
    inbox.addMessage(BytesIO(MSG1), [r"\Seen"], "Mon, 07 Dec 2026 01:02:03 +0000")
    inbox.addMessage(BytesIO(MSG2), [], "Tue, 08 Dec 2026 01:02:03 +0000")
    inbox.addMessage(BytesIO(MSG3), [r"\Flagged"], "Wed, 09 Dec 2026 01:02:03 -0500")

    class Realm:
        def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
            return imap4.IAccount, acct, lambda: None

    pending: list[Any] = []

    class _Call:
        def cancel(self) -> None:
            pass

    coop = task.Cooperator(scheduler=lambda f: pending.append(f) or _Call())
    proto = imap4.IMAP4Server(scheduler=coop.coiterate)
    proto.portal = portal.Portal(Realm(), [checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"pw")])
    transport = testing.StringTransport()
    proto.makeConnection(transport)
    out = [transport.value()]
    transport.clear()
    for line in lines:
        proto.dataReceived(line + b"\r\n")
        for _ in range(1000):
            if pending:
                pending.pop(0)()
            elif getattr(transport, "producer", None) is not None:
                transport.producer.resumeProducing()
            else:
                break
        out.append(transport.value())
        transport.clear()
    return out


LOGIN = [b"a1 LOGIN alice pw", b"a2 SELECT INBOX"]

SESSIONS: dict[str, list[bytes]] = {
    "unauth": [b"a0 NOOP", b"a1 CAPABILITY", b"a2 SELECT INBOX", b"a3 LOGIN alice bad", b"a4 LOGIN alice pw",
               b"a5 LOGIN alice pw", b"a6 LOGOUT"],
    "literal_login": [b'a1 LOGIN "alice" {2}', b"pw", b"a2 NAMESPACE", b"a3 LOGOUT"],
    "select_fetch_simple": LOGIN + [b"f1 FETCH 1:* (FLAGS UID RFC822.SIZE INTERNALDATE)", b"f2 FETCH 2 FAST",
                                    b"f3 FETCH 1 ALL", b"f4 FETCH 3 FULL", b"f5 FETCH 9 FLAGS", b"f6 UID FETCH 2 FLAGS",
                                    b"f7 UID FETCH 1:* (FLAGS)", b"f8 FETCH 1,3 (UID FLAGS)"],
    "fetch_structure": LOGIN + [b"f1 FETCH 1 ENVELOPE", b"f2 FETCH 2 ENVELOPE", b"f3 FETCH 1,3 BODYSTRUCTURE",
                                b"f4 FETCH 1,3 BODY"],
    "fetch_bodies": LOGIN + [b"f1 FETCH 2 BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]", b"f2 FETCH 2 (BODY[TEXT])",
                             b"f3 FETCH 1 RFC822", b"f4 FETCH 2 BODY[]", b"f5 FETCH 2 BODY[1]",
                             b"f6 FETCH 2 BODY[HEADER]", b"f7 FETCH 2 (UID BODY[HEADER.FIELDS.NOT (Subject)])",
                             b"f8 FETCH 1 RFC822.TEXT", b"f9 FETCH 1 (BODY RFC822.HEADER)", b"f10 FETCH 3 RFC822"],
    "search": LOGIN + [b"s1 UID SEARCH ALL", b"s2 SEARCH UNSEEN", b"s3 SEARCH LARGER 100", b"s4 SEARCH SMALLER 100",
                       b"s5 SEARCH FLAGGED", b"s6 SEARCH UID 1:*", b"s7 SEARCH CHARSET UTF-8 ALL", b"s8 SEARCH 2:3",
                       b"s9 SEARCH NOT SEEN", b"s10 SEARCH OR SEEN FLAGGED", b"s11 SEARCH UNFLAGGED UNSEEN"],
    "store_expunge": LOGIN + [b"t1 STORE 2 +FLAGS (\\Deleted)", b"t2 STORE 1 FLAGS.SILENT (\\Seen \\Flagged)",
                              b"t3 UID STORE 1 -FLAGS (\\Flagged)", b"t4 FETCH 1:* FLAGS", b"t5 EXPUNGE",
                              b"t6 FETCH 1:* (UID)", b"t7 CHECK", b"t8 CLOSE", b"t9 FETCH 1 FLAGS"],
    "mailboxes": [b"a1 LOGIN alice pw", b'm1 LIST "" *', b"m2 CREATE foo/bar", b'm3 LIST "" *', b"m4 CREATE INBOX",
                  b"m5 DELETE INBOX", b"m6 RENAME INBOX x", b"m7 SUBSCRIBE INBOX", b'm8 LSUB "" *',
                  b"m9 UNSUBSCRIBE INBOX", b'm10 LSUB "" *', b"m11 STATUS INBOX (MESSAGES UIDNEXT UNSEEN)",
                  b"m12 STATUS nope (MESSAGES)", b"m13 SELECT nonexist", b"m14 EXAMINE INBOX",
                  b"m16 RENAME foo baz", b'm17 LIST "" *', b"m18 DELETE archive"],
    # CREATE makes the missing parents; an existing leaf is refused, an existing level ("x/") is not
    "create_hierarchy": [b"a1 LOGIN alice pw", b"c1 CREATE a/b/c", b"c2 CREATE a/b/c", b"c3 CREATE a/b/",
                         b"c4 CREATE x/", b"c5 CREATE x/", b"c6 CREATE a", b'c7 LIST "" *'],
    "append_copy": LOGIN + [b"c1 APPEND INBOX (\\Seen) {5}", b"hello", b"c2 APPEND INBOX () {3}", b"abc",
                            b"c3 COPY 1:2 Archive", b"c4 UID COPY 1 INBOX", b"c5 STATUS Archive (MESSAGES)",
                            b"c6 NOOP"],
    "idle": LOGIN + [b"i1 IDLE", b"DONE", b"i2 NOOP"],
    "errors": [b"", b"nospace", b"a1 FOO", b"a2 LOGIN alice pw", b"a3 FOO", b"a4 CHECK", b"a5 FETCH 1 FLAGS",
               b"a6 SELECT INBOX", b"a7 FETCH x FLAGS", b"a8 STARTTLS", b"a9 AUTHENTICATE PLAIN"],
}


@pytest.mark.parametrize("name", sorted(SESSIONS))
def test_session(name: str) -> None:
    assert run("twistio", SESSIONS[name]) == run("twisted", SESSIONS[name])
