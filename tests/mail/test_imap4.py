"""twistio.mail.imap4: the server against Python's imaplib (LOGIN, AUTHENTICATE, SELECT,
FETCH, SEARCH, STORE, COPY, EXPUNGE, APPEND, IDLE, STARTTLS with a test CA), IMAP4Client
against the server, literal limits, helpers, and a bounded fuzz of the command parser."""

from __future__ import annotations

import imaplib
import socket
import ssl as stdlib_ssl
from io import BytesIO
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.test_mail_imap4_differential import MSG1, MSG2, MSG3, make
from tests.mail.conftest import Certs, in_thread
from twistio.cred import checkers, credentials, portal
from twistio.internet import defer, protocol
from twistio.internet.interfaces import implementer
from twistio.internet.testing import StringTransport
from twistio.mail import _cred, imap4

_imap4, _defer, Account, Mailbox = make("twistio")


def account() -> Any:
    acct = Account(b"alice")
    acct.addMailbox("INBOX")
    acct.addMailbox("Archive")
    inbox = acct.mailboxes["INBOX"]
    inbox.addMessage(BytesIO(MSG1), [r"\Seen"], "Mon, 07 Dec 2026 01:02:03 +0000")
    inbox.addMessage(BytesIO(MSG2), [], "Tue, 08 Dec 2026 01:02:03 +0000")
    inbox.addMessage(BytesIO(MSG3), [r"\Flagged"], "Wed, 09 Dec 2026 01:02:03 -0500")
    return acct


@implementer(portal.IRealm)
class Realm:
    def __init__(self) -> None:
        self.account = account()

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        return imap4.IAccount, self.account, lambda: None


class Factory(protocol.ServerFactory):
    def __init__(self, realm: Realm, ctx: Any = None) -> None:
        checker = checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"pw")
        self.portal = portal.Portal(realm, [checker])
        self.ctx = ctx

    def buildProtocol(self, addr: Any) -> Any:
        p = imap4.IMAP4Server({b"PLAIN": _cred.PLAINCredentials, b"LOGIN": _cred.LOGINCredentials,
                               b"CRAM-MD5": credentials.CramMD5Credentials}, self.ctx)
        p.portal = self.portal
        p.factory = self
        return p


async def test_imaplib_session(listen: Any) -> None:
    realm = Realm()
    port = listen(Factory(realm))

    def client() -> dict[str, Any]:
        m = imaplib.IMAP4("127.0.0.1", port, timeout=5)
        out: dict[str, Any] = {"caps": m.capabilities}
        with pytest.raises(imaplib.IMAP4.error):
            m.login("alice", "nope")
        m.login("alice", "pw")
        out["select"] = m.select("INBOX")[1][0]
        out["fetch"] = m.fetch("1:3", "(UID FLAGS RFC822.SIZE)")[1]
        out["rfc822"] = m.fetch("1", "(RFC822)")[1][0][1]
        out["peek"] = m.fetch("2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")[1][0][1]
        out["partial"] = m.fetch("2", "(BODY.PEEK[TEXT]<0.4>)")[1][0]
        out["search"] = m.search(None, "FROM", '"alice"')[1]
        out["search_subject"] = m.uid("SEARCH", "SUBJECT", "second")[1]
        out["search_empty"] = m.search(None, "DELETED")[1]
        out["store"] = m.store("2", "+FLAGS", "(\\Deleted)")[1]
        out["copy"] = m.copy("1", "Archive")[0]
        out["append"] = m.append("INBOX", "(\\Seen)", None, b"Subject: new\r\n\r\nappended body\r\n")[0]
        out["expunge"] = m.expunge()[1]
        out["status"] = m.status("Archive", "(MESSAGES UIDNEXT)")[1]
        out["list"] = m.list()[1]
        m.close()
        m.logout()
        return out

    out = await in_thread(client)
    assert b"IDLE" in b" ".join(c.encode() for c in out["caps"]) or "IDLE" in out["caps"]
    assert out["select"] == b"3"
    assert out["fetch"] == [b"1 (UID 1 FLAGS (\\Seen) RFC822.SIZE 241)", b"2 (UID 2 FLAGS () RFC822.SIZE 48)",
                            b"3 (UID 3 FLAGS (\\Flagged) RFC822.SIZE 134)"]
    assert out["rfc822"].endswith(b"\r\n\r\nline one\r\nline two\r\n")
    assert out["peek"] == b"Subject: second\r\n"
    assert out["partial"] == (b"2 (BODY[TEXT]<0> {4}", b"body")
    assert out["search"] == [b"1"] and out["search_subject"] == [b"2"] and out["search_empty"] == [b""]
    assert out["store"] == [b"2 (FLAGS (\\Deleted))"]
    assert out["copy"] == "OK" and out["append"] == "OK"
    assert out["expunge"] == [b"2"]
    assert out["status"] == [b"Archive (MESSAGES 1 UIDNEXT 2)"]
    assert b'(\\Seen \\Answered \\Flagged \\Deleted \\Draft) "/" "INBOX"' in out["list"]
    inbox = realm.account.mailboxes["INBOX"]
    assert [m.data for m in inbox.messages] == [MSG1, MSG3, b"Subject: new\r\n\r\nappended body\r\n"]
    assert realm.account.mailboxes["ARCHIVE"].messages[0].data.endswith(b"line one\r\nline two\r\n")


@pytest.mark.parametrize("mechanism", ["PLAIN", "CRAM-MD5"])
async def test_imaplib_authenticate(listen: Any, mechanism: str) -> None:
    port = listen(Factory(Realm()))

    def client() -> Any:
        m = imaplib.IMAP4("127.0.0.1", port, timeout=5)
        if mechanism == "PLAIN":
            typ, _ = m.authenticate("PLAIN", lambda challenge: b"\0alice\0pw")
        else:
            typ, _ = m.login_cram_md5("alice", "pw")
        count = m.select("INBOX")[1]
        m.logout()
        return typ, count

    assert await in_thread(client) == ("OK", [b"3"])


async def test_imaplib_starttls_with_test_ca(listen: Any, certs: Certs) -> None:
    port = listen(Factory(Realm(), certs.server_options()))

    def client() -> Any:
        m = imaplib.IMAP4("localhost", port, timeout=5)
        before = m.capabilities
        with pytest.raises(imaplib.IMAP4.error):
            m.login("alice", "pw")
        m.starttls(stdlib_ssl.create_default_context(cafile=certs.ca_path))
        after = m.capabilities
        m.login("alice", "pw")
        m.select("INBOX")
        data = m.fetch("1", "(BODY[])")[1][0][1]
        m.logout()
        return before, after, data

    before, after, data = await in_thread(client)
    assert "STARTTLS" in before and "LOGINDISABLED" in before
    assert "STARTTLS" not in after and "LOGINDISABLED" not in after
    assert data.endswith(b"line one\r\nline two\r\n")


async def test_idle_sees_new_messages(listen: Any) -> None:
    realm = Realm()
    port = listen(Factory(realm))
    inbox = realm.account.mailboxes["INBOX"]

    def notify_on_add(original: Any) -> Any:
        def add(message: Any, flags: Any = (), date: Any = None) -> Any:
            d = original(message, flags, date)
            for listener in inbox.listeners:
                listener.newMessages(len(inbox.messages), None)
            return d
        return add

    inbox.addMessage = notify_on_add(inbox.addMessage)

    def client() -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            f = s.makefile("rwb")
            f.readline()
            for line in (b"a LOGIN alice pw\r\n", b"b SELECT INBOX\r\n", b"c IDLE\r\n"):
                f.write(line)
                f.flush()
                while True:
                    got = f.readline()
                    if got.startswith((b"a ", b"b ", b"+")):
                        break
            with socket.create_connection(("127.0.0.1", port), timeout=5) as other:
                g = other.makefile("rwb")
                g.readline()
                g.write(b"x LOGIN alice pw\r\nx2 APPEND INBOX () {2}\r\n")
                g.flush()
                g.readline()
                g.readline()
                g.write(b"hi\r\n")
                g.flush()
                g.readline()
            update = f.readline()
            f.write(b"DONE\r\n")
            f.flush()
            return update + f.readline()

    out = await in_thread(client)
    assert out == b"* 4 EXISTS\r\nc OK IDLE terminated\r\n"


def _server(**attrs: Any) -> tuple[imap4.IMAP4Server, StringTransport]:
    p = imap4.IMAP4Server(scheduler=_sync)
    for k, v in attrs.items():
        setattr(p, k, v)
    p.portal = portal.Portal(Realm(), [checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"pw")])
    t = StringTransport()
    p.makeConnection(t)
    t.clear()
    return p, t


def _sync(iterator: Any) -> defer.Deferred[Any]:
    for _ in iterator:
        pass
    return defer.succeed(None)


def test_literal_limits() -> None:
    p, t = _server(max_append_size=100)
    p.dataReceived(b"a LOGIN alice {5000}\r\n")
    assert t.value() == b"a BAD Literal too long\r\n"
    t.clear()
    p.dataReceived(b"b LOGIN alice pw\r\nc APPEND INBOX {101}\r\n")
    assert t.value() == b"b OK LOGIN succeeded\r\nc BAD Literal too long\r\n"
    t.clear()
    p.dataReceived(b"d APPEND INBOX {5}\r\n")
    assert t.value() == b"+ Ready for 5 octets of data\r\n"
    p.dataReceived(b"ab")
    p.dataReceived(b"cde\r\n")
    assert t.value().endswith(b"d OK APPEND complete\r\n")


def test_long_line_and_bad_syntax() -> None:
    p, t = _server(MAX_LENGTH=200)
    p.dataReceived(b"a " + b"x" * 500 + b"\r\nb NOOP\r\nc LOGIN (alice pw\r\nd LOGIN \"alice pw\r\n")
    assert t.value() == (b"* BAD Line too long\r\nb OK NOOP No operation performed\r\n"
                         b"c BAD Illegal syntax: MismatchedNesting\r\nd BAD Illegal syntax: MismatchedQuoting\r\n")


def test_body_structure_defaults_to_text_plain() -> None:
    p, t = _server()
    p.dataReceived(b"a LOGIN alice pw\r\nb SELECT INBOX\r\n")
    t.clear()
    p.dataReceived(b"c FETCH 2 BODYSTRUCTURE\r\nd SEARCH DELETED\r\ne FETCH 1 (BODY[HEADER.FIELDS (To)] BODY.PEEK[TEXT]<0.4>)\r\n")
    assert t.value() == (b'* 2 FETCH (BODYSTRUCTURE ("text" "plain" NIL NIL NIL NIL 48 1 NIL NIL NIL NIL))\r\n'
                         b"c OK FETCH completed\r\n* SEARCH\r\nd OK SEARCH completed\r\n"
                         b'* 1 FETCH (BODY[HEADER.FIELDS (To)] {52}\r\nTo: bob@example.org, "Carol C" '
                         b"<carol@example.net>\r\n BODY[TEXT]<0> {4}\r\nline)\r\ne OK FETCH completed\r\n")


_IMAP_COMMANDS = [b"LOGIN", b"SELECT", b"FETCH", b"SEARCH", b"STORE", b"COPY", b"UID", b"APPEND", b"LIST",
                  b"STATUS", b"NOOP", b"IDLE", b"EXPUNGE", b"CLOSE", b"AUTHENTICATE", b"CREATE", b"RENAME"]
_IMAP_ARGS = st.lists(st.sampled_from([b"alice", b"pw", b"INBOX", b"1:*", b"(", b")", b'"q', b'"x"', b"{3}",
                                       b"BODY[", b"]", b"<0.5>", b"FLAGS", b"\\Seen", b"NIL", b"*", b"{0}",
                                       b"DONE", b"OR", b"NOT", b"HEADER"]), max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_IMAP_COMMANDS), _IMAP_ARGS, st.binary(max_size=10)), max_size=10),
       st.integers(min_value=1, max_value=50))
def test_fuzz_command_parser(commands: list[tuple[bytes, list[bytes], bytes]], chunk: int) -> None:
    p, t = _server(MAX_LENGTH=120, _literalStringLimit=16, max_append_size=16)
    data = b"".join(b"t%d %s %s%s\r\n" % (i, c, b" ".join(a), junk.replace(b"\n", b""))
                    for i, (c, a, junk) in enumerate([(b"LOGIN", [b"alice", b"pw"], b""), *commands]))
    for i in range(0, len(data), chunk):
        p.dataReceived(data[i : i + chunk])
    p.connectionLost(None)
    for line in t.value().split(b"\r\n")[:-1]:
        assert line[:1] in (b"*", b"+", b"t") or line == b"" or line[:1].isalnum() or line[:1] in b' ")(', line


def test_helpers() -> None:
    m = imap4.parseIdList(b"1:3,5,7:*")
    assert str(m) == "1:3,5,7:*"
    with pytest.raises(TypeError):  # membership needs ``*`` resolved, as in Twisted
        _ = 100 in m
    m.last = 9
    assert 9 in m and 4 not in m
    assert list(m) == [1, 2, 3, 5, 7, 8, 9] and len(m) == 7
    assert imap4.parseNestedParens(b'(a b (c d) "q s" {3}\r\nabc NIL) x') == \
        [[b"a", b"b", [b"c", b"d"], b"q s", b"abc", None], b"x"]
    assert imap4.parseNestedParens(b"(BODY[TEXT] \"x\" BODY[]<0> \"y\" FLAGS (\\Seen))") == \
        [[b"BODY", [b"TEXT"], b"x", b"BODY", [], b"<0>", b"y", b"FLAGS", [b"\\Seen"]]]
    assert imap4.collapseNestedLists([b"a", [b"b", b"c d", None], 1, imap4.DontQuoteMe(b"X")]) == \
        b'"a" ("b" "c d" NIL) 1 X'
    assert imap4.Query(flagged=1) == "FLAGGED"
    assert imap4.Or("SEEN", "DELETED") == "(OR SEEN DELETED)" and imap4.Not("SEEN") == "(NOT SEEN)"
    assert "x&y ä".encode("imap4-utf-7") == b"x&-y &AOQ-" and b"&AOQ-".decode("imap4-utf-7") == "ä"
    with pytest.raises(imap4.IllegalIdentifierError):
        imap4.parseIdList(b"1:x")


async def _client(port: int) -> Any:
    from twistio.internet import reactor

    greeted: defer.Deferred[Any] = defer.Deferred()

    class Client(imap4.IMAP4Client):
        def serverGreeting(self, caps: Any) -> None:
            greeted.callback(self)

    factory = protocol.ClientFactory()
    factory.protocol = Client
    reactor.connectTCP("127.0.0.1", port, factory)  # type: ignore[attr-defined]
    return await greeted


async def test_imap4client_against_server(listen: Any) -> None:
    realm = Realm()
    port = listen(Factory(realm))
    c = await _client(port)
    caps = await c.getCapabilities()
    assert b"IDLE" in caps and caps[b"AUTH"] == [b"PLAIN", b"LOGIN", b"CRAM-MD5"]
    await c.login(b"alice", b"pw")
    info = await c.select("INBOX")
    assert info["EXISTS"] == 3 and info["UIDVALIDITY"] == 42 and info["READ-WRITE"] is True
    assert await c.fetchFlags("1:*") == {1: {"FLAGS": ["\\Seen"]}, 2: {"FLAGS": []}, 3: {"FLAGS": ["\\Flagged"]}}
    assert (await c.fetchUID("2"))[2]["UID"] == "2"
    assert (await c.fetchMessage("2"))[2]["RFC822"] == MSG2.decode()
    envelope = (await c.fetchEnvelope("1"))[1]["ENVELOPE"]
    assert envelope[1] == "Hello there" and envelope[2] == [["Alice", None, "alice", "example.com"]]
    assert await c.search(imap4.Query(unseen=1)) == [2, 3]
    assert await c.search(imap4.Query(flagged=1), uid=1) == [3]
    assert await c.addFlags("2", ["\\Deleted"], silent=0) == {2: {"FLAGS": ["\\Deleted"]}}
    assert await c.expunge() == [2]
    d1 = c.noop()
    d2 = c.fetchSize("1:*")
    assert (await d2) == {1: {"RFC822.SIZE": "241"}, 2: {"RFC822.SIZE": "134"}}
    await d1
    await c.append("Archive", BytesIO(b"Subject: a\r\n\r\nb\r\n"), ["\\Seen"])
    assert (await c.status("Archive", "MESSAGES")) == {"MESSAGES": 1}
    assert [name for _, _, name in await c.list("", "*")] == ["INBOX", "ARCHIVE"]
    await c.logout()


async def test_imap4client_starttls_then_login(listen: Any, certs: Certs) -> None:
    port = listen(Factory(Realm(), certs.server_options()))
    c = await _client(port)
    c.context = certs.client_options()
    caps = await c.getCapabilities()
    assert b"LOGINDISABLED" in caps
    await c.login(b"alice", b"pw")
    assert c.startedTLS
    assert (await c.select("INBOX"))["EXISTS"] == 3
    assert (await c.fetchSpecific("2", headerType="TEXT", peek=True))[2] == [["BODY", ["TEXT"], "body of second\r\n"]]
    await c.logout()
