"""twistio.mail.pop3: the server against Python's poplib (USER/PASS, APOP, UIDL, TOP, STLS
with a test CA), and AdvancedPOP3Client against the server."""

from __future__ import annotations

import poplib
import ssl as stdlib_ssl
from io import BytesIO
from typing import Any

import pytest

from tests.mail.conftest import Certs, in_thread
from twistio.cred import checkers, portal
from twistio.internet import defer, protocol
from twistio.internet.interfaces import implementer
from twistio.internet.testing import StringTransport
from twistio.mail import pop3

MESSAGES = [
    b"Subject: one\n\n.starts with a dot\n..two dots\nplain\n",
    b"Subject: two\r\nX: y\r\n\r\nbody 1\r\nbody 2\r\nbody 3\r\n",
]


@implementer(pop3.IMailbox)
class Box(pop3.Mailbox):
    def __init__(self) -> None:
        self.messages = list(MESSAGES)
        self.deleted: set[int] = set()
        self.synced: list[int] = []

    def listMessages(self, i: int | None = None) -> Any:
        if i is None:
            return [0 if j in self.deleted else len(m) for j, m in enumerate(self.messages)]
        if i >= len(self.messages):
            raise ValueError(i)
        return 0 if i in self.deleted else len(self.messages[i])

    def getMessage(self, i: int) -> Any:
        return BytesIO(self.messages[i])

    def getUidl(self, i: int) -> bytes:
        if i >= len(self.messages):
            raise IndexError(i)
        return b"uid-%d" % i

    def deleteMessage(self, i: int) -> None:
        self.deleted.add(i)

    def undeleteMessages(self) -> None:
        self.deleted.clear()

    def sync(self) -> None:
        self.synced = sorted(self.deleted)


@implementer(portal.IRealm)
class Realm:
    def __init__(self) -> None:
        self.box = Box()

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        return pop3.IMailbox, self.box, lambda: None


class POP3Factory(protocol.ServerFactory):
    def __init__(self, realm: Realm, ctx: Any = None) -> None:
        self.portal = portal.Portal(realm, [checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"pw")])
        self.ctx = ctx

    def buildProtocol(self, addr: Any) -> Any:
        p = pop3.POP3()
        p.factory = self
        p.portal = self.portal
        p.ctx = self.ctx
        return p


def crlf(message: bytes) -> list[bytes]:
    return message.replace(b"\r\n", b"\n").split(b"\n")[:-1]


async def test_poplib_session(listen: Any) -> None:
    realm = Realm()
    port = listen(POP3Factory(realm))

    def client() -> dict[str, Any]:
        p = poplib.POP3("127.0.0.1", port, timeout=5)
        out: dict[str, Any] = {"welcome": p.getwelcome()}
        with pytest.raises(poplib.error_proto):
            p.user("alice")
            p.pass_("wrong")
        p.user("alice")
        p.pass_("pw")
        out["stat"] = p.stat()
        out["list"] = p.list()[1]
        out["uidl"] = p.uidl()[1]
        out["uidl1"] = p.uidl(1)
        out["retr"] = [p.retr(1)[1], p.retr(2)[1]]
        out["top"] = p.top(2, 1)[1]
        p.dele(1)
        out["after_dele"] = p.list()[1]
        out["quit"] = p.quit()
        return out

    out = await in_thread(client)
    assert out["welcome"].startswith(b"+OK <") and out["welcome"].endswith(b">")
    assert out["stat"] == (2, sum(map(len, MESSAGES)))
    assert out["list"] == [b"1 %d" % len(MESSAGES[0]), b"2 %d" % len(MESSAGES[1])]
    assert out["uidl"] == [b"1 uid-0", b"2 uid-1"] and out["uidl1"] == b"+OK uid-0"
    assert out["retr"] == [crlf(MESSAGES[0]), crlf(MESSAGES[1])]
    assert out["top"] == [b"Subject: two", b"X: y", b"", b"body 1"]
    assert out["after_dele"] == [b"1 0", b"2 %d" % len(MESSAGES[1])]
    assert realm.box.synced == [0]


async def test_poplib_apop_and_capa(listen: Any) -> None:
    port = listen(POP3Factory(Realm()))

    def client() -> tuple[Any, Any]:
        p = poplib.POP3("127.0.0.1", port, timeout=5)
        caps = p.capa()
        p.apop("alice", "pw")
        stat = p.stat()
        p.quit()
        return caps, stat

    caps, stat = await in_thread(client)
    assert {"TOP", "USER", "UIDL", "PIPELINE"} <= set(caps) and "STLS" not in caps
    assert stat[0] == 2


async def test_poplib_stls_with_test_ca(listen: Any, certs: Certs) -> None:
    port = listen(POP3Factory(Realm(), certs.server_options()))

    def client() -> tuple[Any, Any, Any]:
        p = poplib.POP3("localhost", port, timeout=5)
        before = p.capa()
        p.stls(stdlib_ssl.create_default_context(cafile=certs.ca_path))
        after = p.capa()
        p.user("alice")
        p.pass_("pw")
        lines = p.retr(1)[1]
        p.quit()
        return before, after, lines

    before, after, lines = await in_thread(client)
    assert "STLS" in before and "STLS" not in after
    assert lines == crlf(MESSAGES[0])


async def _client(port: int, factory_class: type = pop3.AdvancedPOP3Client, **attrs: Any) -> Any:
    from twistio.internet import reactor

    connected: defer.Deferred[Any] = defer.Deferred()

    class Factory(protocol.ClientFactory):
        def buildProtocol(self, addr: Any) -> Any:
            p = factory_class()
            for k, v in attrs.items():
                setattr(p, k, v)
            original = p.serverGreeting

            def greeted(greeting: bytes) -> None:
                original(greeting)
                connected.callback(p)

            p.serverGreeting = greeted
            return p

    reactor.connectTCP("127.0.0.1", port, Factory())  # type: ignore[attr-defined]
    return await connected


async def test_advanced_client_apop_and_commands(listen: Any) -> None:
    realm = Realm()
    port = listen(POP3Factory(realm))
    client = await _client(port)
    assert client.serverChallenge is not None
    await client.login(b"alice", b"pw")
    assert await client.stat() == (2, sum(map(len, MESSAGES)))
    assert await client.listSize() == [len(m) for m in MESSAGES]
    assert await client.listUID() == [b"uid-0", b"uid-1"]
    assert await client.retrieve(0) == crlf(MESSAGES[0])
    assert await client.retrieve(1, lines=0) == [b"Subject: two", b"X: y", b""]
    caps = await client.capabilities()
    assert b"UIDL" in caps
    await client.delete(1)
    with pytest.raises(pop3.ServerErrorResponse):
        await client.retrieve(1)
    await client.reset()
    await client.noop()
    await client.quit()
    assert realm.box.synced == []


async def test_advanced_client_pipelined_commands_in_order(listen: Any) -> None:
    port = listen(POP3Factory(Realm()))
    client = await _client(port)
    d1 = client.user(b"alice")
    d2 = client.password(b"pw")
    d3 = client.stat()
    d4 = client.retrieve(0)
    results = await defer.gatherResults([d1, d2, d3, d4])
    assert results[2][0] == 2 and results[3] == crlf(MESSAGES[0])
    await client.quit()


class NoAPOP(pop3.POP3):
    def connectionMade(self) -> None:
        self.successResponse(b"hello")
        self.setTimeout(self.timeOut)


async def test_advanced_client_refuses_cleartext_then_uses_stls(listen: Any, certs: Certs) -> None:
    class Factory(POP3Factory):
        def buildProtocol(self, addr: Any) -> Any:
            p = NoAPOP()
            p.factory, p.portal, p.ctx = self, self.portal, self.ctx
            return p

    insecure = listen(Factory(Realm()))
    client = await _client(insecure)
    with pytest.raises(pop3.InsecureAuthenticationDisallowed):
        await client.login(b"alice", b"pw")
    await client.quit()

    secure = listen(Factory(Realm(), certs.server_options()))
    client = await _client(secure)
    client._getContextFactory = certs.client_options  # type: ignore[method-assign]
    await client.login(b"alice", b"pw")
    assert client.startedTLS
    assert await client.retrieve(1) == crlf(MESSAGES[1])
    await client.quit()


def test_server_answers_bad_arity_and_long_lines() -> None:
    p = pop3.POP3()
    p.MAX_LENGTH = 100
    p.magic = b"<m>"
    t = StringTransport()
    p.makeConnection(t)
    p.dataReceived(b"USER\r\nAPOP x\r\n" + b"x" * 300 + b"\r\nQUIT\r\n")
    lines = t.value().split(b"\r\n")
    assert lines[1] == b"-ERR bad protocol or server: TypeError: wrong number of arguments for USER"
    assert lines[2] == b"-ERR bad protocol or server: TypeError: wrong number of arguments for APOP"
    assert lines[3] == b"-ERR Line too long"
    assert lines[4] == b"+OK " and t.disconnecting


def test_apop_credentials() -> None:
    import hashlib

    good = hashlib.md5(b"<m>pw").hexdigest().encode()
    assert pop3.APOPCredentials(b"<m>", b"u", good).checkPassword(b"pw")
    assert not pop3.APOPCredentials(b"<m>", b"u", good).checkPassword(b"px")
