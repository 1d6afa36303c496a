"""twistio.mail.smtp: addresses and errors, the server against Python's smtplib, the client
(``sendmail``) against aiosmtpd and against twistio's own server, STARTTLS with a test CA,
AUTH through a cred checker, limits, and a bounded fuzz of the command parser."""

from __future__ import annotations

import hmac
import io
import smtplib
import ssl as stdlib_ssl
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.mail.conftest import Certs, in_thread
from twistio.cred import checkers, credentials, portal
from twistio.internet import defer, task
from twistio.internet.address import IPv4Address
from twistio.internet.interfaces import implementer
from twistio.internet.testing import StringTransport
from twistio.mail import _cred, smtp

# -- in-memory delivery -----------------------------------------------------------------------


class Stored:
    def __init__(self, box: dict[str, list[bytes]], user: smtp.User) -> None:
        self.box = box
        self.user = user
        self.lines: list[bytes] = []

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line)

    def eomReceived(self) -> defer.Deferred[None]:
        self.box.setdefault(str(self.user.dest), []).append(b"\r\n".join(self.lines) + b"\r\n")
        return defer.succeed(None)

    def connectionLost(self) -> None:
        self.box.setdefault("lost", []).append(b"")


@implementer(smtp.IMessageDelivery)
class Delivery:
    def __init__(self, known: tuple[bytes, ...] = (b"alice", b"bob")) -> None:
        self.box: dict[str, list[bytes]] = {}
        self.known = known

    def receivedHeader(self, helo: Any, origin: Any, recipients: Any) -> None:
        return None

    def validateFrom(self, helo: Any, origin: smtp.Address) -> smtp.Address:
        return origin

    def validateTo(self, user: smtp.User) -> Any:
        if user.dest.local not in self.known:
            raise smtp.SMTPBadRcpt(user)
        return lambda: Stored(self.box, user)


class DeliveryFactory(smtp.SMTPFactory):
    def __init__(self, delivery: Delivery, protocol: Any = smtp.ESMTP, **attrs: Any) -> None:
        super().__init__()
        self.delivery = delivery
        self.protocol = protocol
        self.attrs = attrs

    def buildProtocol(self, addr: Any) -> Any:
        p = super().buildProtocol(addr)
        p.delivery = self.delivery
        for k, v in self.attrs.items():
            setattr(p, k, v)
        return p


# -- units -------------------------------------------------------------------------------------


def test_address_forms() -> None:
    assert str(smtp.Address(b"<@r1,@r2:joe@example.com>")) == "joe@example.com"
    a = smtp.Address(b"joe", defaultDomain=b"example.org")
    assert (a.local, a.domain) == (b"joe", b"example.org")
    assert str(smtp.Address(b"<>")) == ""
    assert smtp.Address(b'"a b"@x.y').local == b'"a b"'
    assert repr(smtp.Address(b"x@y")) == "twistio.mail.smtp.Address('x@y')"
    with pytest.raises(smtp.AddressError):
        smtp.Address(b"a@b@c")
    with pytest.raises(smtp.AddressError):
        smtp.Address(b"John <john@example.com>")
    assert smtp.quoteaddr(b"Joe <joe@x.y>") == b"<joe@x.y>"
    assert smtp.quoteaddr(smtp.Address(b"q@r")) == b"<q@r>"


def test_errors_text() -> None:
    assert str(smtp.SMTPBadRcpt(b"a@b")) == "550 <a@b>... Cannot receive for specified address"
    assert str(smtp.SMTPClientError(550, b"no", log=b"L")) == "550 no\nL\n"
    assert bytes(smtp.SMTPClientError(-1, b"gone")) == b"gone"
    assert smtp.SMTPConnectError(1, b"x").isFatal and smtp.SMTPConnectError(1, b"x").retry


def test_xtext_codec() -> None:
    assert "a+b=c\x01".encode("xtext") == b"a+2Bb+3Dc+01"
    assert b"a+2Bb".decode("xtext") == "a+b"


def test_cram_md5_credentials() -> None:
    c = credentials.CramMD5Credentials(b"host")
    chal = c.getChallenge()
    assert chal.startswith(b"<") and chal.endswith(b"@host>")
    c.setResponse(b"alice " + hmac.new(b"pw", chal, "md5").hexdigest().encode())
    assert c.username == b"alice" and c.checkPassword(b"pw") and not c.checkPassword(b"no")


def _session(proto: smtp.SMTP, *lines: bytes) -> bytes:
    t = StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 5))
    proto.makeConnection(t)
    for line in lines:
        proto.dataReceived(line + b"\r\n")
    return t.value()


def test_timeout_with_clock() -> None:
    clock = task.Clock()
    p = smtp.SMTP()
    p.clock = clock
    p.host = b"mx"
    t = StringTransport()
    p.makeConnection(t)
    clock.advance(599)
    assert not t.disconnecting
    clock.advance(2)
    assert t.value().endswith(b"421 mx Timeout. Try talking faster next time!\r\n") and t.disconnecting


def test_pipelined_commands_wait_for_async_decisions() -> None:
    waiting: list[defer.Deferred[Any]] = []

    class Slow(Delivery):
        def validateFrom(self, helo: Any, origin: smtp.Address) -> Any:
            d: defer.Deferred[Any] = defer.Deferred()
            waiting.append(d)
            return d.addCallback(lambda _: origin)

    p = smtp.ESMTP()
    p.delivery = Slow()
    t = StringTransport()
    p.makeConnection(t)
    p.dataReceived(b"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<alice@b>\r\nDATA\r\nSubject: s\r\n\r\nhi\r\n.\r\n")
    assert t.value().count(b"\r\n") == 2
    waiting[0].callback(None)
    replies = t.value().split(b"\r\n")
    assert [r[:3] for r in replies[2:-1]] == [b"250", b"250", b"354", b"250"]
    assert p.delivery.box["alice@b"] == [b"Subject: s\r\n\r\nhi\r\n"]


def test_size_limit_and_extensions() -> None:
    p = smtp.ESMTP()
    p.max_message_size = 100
    p.advertise_8bitmime = p.advertise_pipelining = True
    p.delivery = d = Delivery()
    out = _session(p, b"EHLO x", b"MAIL FROM:<a@b> SIZE=500", b"MAIL FROM:<a@b> SIZE=50",
                   b"RCPT TO:<alice@b>", b"DATA", b"Subject: x", b"", b"y" * 200, b".", b"QUIT")
    assert b"250-SIZE 100\r\n250-8BITMIME\r\n250 PIPELINING\r\n" in out
    assert b"552 Message size exceeds fixed maximum message size\r\n250 Sender" in out
    assert out.endswith(b"354 Continue\r\n552 Message size exceeds fixed maximum message size\r\n221 See you later\r\n")
    assert d.box == {"lost": [b""]}


def test_long_line_in_data_refuses_the_message() -> None:
    p = smtp.SMTP()
    p.delivery = d = Delivery()
    out = _session(p, b"HELO x", b"MAIL FROM:<a@b>", b"RCPT TO:<alice@b>", b"DATA", b"x" * 20000, b"tail", b".",
                   b"QUIT")
    assert out.endswith(b"354 Continue\r\n500 Line too long\r\n221 See you later\r\n")
    assert "alice@b" not in d.box


def test_bad_auth_input_gets_replies() -> None:
    p = smtp.ESMTP({b"PLAIN": _cred.PLAINCredentials})
    p.portal = portal.Portal(object(), [checkers.InMemoryUsernamePasswordDatabaseDontUse(a=b"b")])
    out = _session(p, b"EHLO x", b"AUTH", b"AUTH PLAIN !!!", b"AUTH PLAIN", b"bm9udWw=", b"QUIT")
    assert out.endswith(b"501 Syntax error in parameters or arguments\r\n" * 2
                        + b"334 \r\n501 Syntax error in parameters or arguments\r\n221 See you later\r\n")


_COMMANDS = [b"HELO", b"EHLO", b"MAIL FROM:", b"RCPT TO:", b"DATA", b"RSET", b"QUIT", b"AUTH", b"STARTTLS",
             b"NOOP", b"", b".", b"AUTH PLAIN", b"MAIL FROM:<", b"RCPT TO:<>"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_COMMANDS), st.binary(max_size=40)), max_size=12),
       st.integers(min_value=1, max_value=64))
def test_fuzz_command_parser(commands: list[tuple[bytes, bytes]], chunk: int) -> None:
    p = smtp.ESMTP({b"PLAIN": _cred.PLAINCredentials, b"LOGIN": smtp.LOGINCredentials})
    p.portal = portal.Portal(object(), [checkers.InMemoryUsernamePasswordDatabaseDontUse(a=b"b")])
    p.delivery = Delivery()
    p.MAX_LENGTH = 64
    t = StringTransport()
    p.makeConnection(t)
    data = b"".join(c + a.replace(b"\n", b"") + b"\r\n" for c, a in commands)
    for i in range(0, len(data), chunk):
        p.dataReceived(data[i : i + chunk])
    p.connectionLost(None)
    for line in t.value().split(b"\r\n")[:-1]:
        assert line[:3].isdigit() and line[3:4] in (b" ", b"-"), line


# -- real peers --------------------------------------------------------------------------------

MESSAGE = (b"From: a@example.com\r\nTo: alice@example.com\r\nSubject: dots\r\n\r\n"
           b".leading dot\r\n..two dots\r\n.\r\n. \r\nend\r\n")


async def test_smtplib_delivers_dot_stuffed_lines_byte_exact(listen: Any) -> None:
    delivery = Delivery()
    port = listen(DeliveryFactory(delivery))

    def client() -> dict[str, Any]:
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as s:
            s.ehlo("client.example")
            return s.sendmail("a@example.com", ["alice@example.com", "bob@example.com"], MESSAGE)

    assert await in_thread(client) == {}
    assert delivery.box["alice@example.com"] == [MESSAGE]
    assert delivery.box["bob@example.com"] == [MESSAGE]


async def test_smtplib_one_megabyte_message(listen: Any) -> None:
    delivery = Delivery()
    port = listen(DeliveryFactory(delivery))
    body = b"".join(b"%07d " % i + b"." * (i % 3) + b"x" * 60 + b"\r\n" for i in range(15000))
    message = b"Subject: big\r\n\r\n" + body
    assert len(message) > 1_000_000

    def client() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as s:
            s.sendmail("a@example.com", ["alice@example.com"], message)

    await in_thread(client)
    assert delivery.box["alice@example.com"] == [message]


async def test_smtplib_unknown_recipient_gets_550(listen: Any) -> None:
    port = listen(DeliveryFactory(Delivery()))

    def client() -> Any:
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as s:
            try:
                s.sendmail("a@example.com", ["nobody@example.com"], MESSAGE)
            except smtplib.SMTPRecipientsRefused as e:
                return e.recipients
            with_one = s.sendmail("a@example.com", ["nobody@example.com", "alice@example.com"], MESSAGE)
            return with_one

    refused = await in_thread(client)
    assert refused == {"nobody@example.com": (550, b"Cannot receive for specified address")}


@implementer(portal.IRealm)
class Realm:
    def __init__(self) -> None:
        self.delivery = Delivery()
        self.avatars: list[Any] = []

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        self.avatars.append(avatarId)
        return smtp.IMessageDelivery, self.delivery, lambda: None


def _auth_factory(realm: Realm, context: Any = None) -> smtp.SMTPFactory:
    checker = checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"s3cret")

    class Factory(smtp.SMTPFactory):
        protocol = smtp.ESMTP

        def buildProtocol(self, addr: Any) -> Any:
            p = smtp.ESMTP({b"CRAM-MD5": credentials.CramMD5Credentials, b"PLAIN": _cred.PLAINCredentials,
                            b"LOGIN": smtp.LOGINCredentials}, context)
            p.factory = self
            p.portal = self.portal
            p.host = b"localhost"
            return p

    return Factory(portal.Portal(realm, [checker]))


@pytest.mark.parametrize("mechanism", ["CRAM-MD5", "PLAIN", "LOGIN"])
async def test_smtplib_auth_through_cred_checker(listen: Any, mechanism: str) -> None:
    realm = Realm()
    port = listen(_auth_factory(realm))

    def client() -> tuple[Any, Any]:
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as s:
            s.ehlo()
            s.user, s.password = "alice", "wrong"
            try:
                s.auth(mechanism, getattr(s, "auth_" + mechanism.replace("-", "_").lower()))
                bad: Any = None
            except smtplib.SMTPAuthenticationError as e:
                bad = e.smtp_code
            s.user, s.password = "alice", "s3cret"
            code = s.auth(mechanism, getattr(s, "auth_" + mechanism.replace("-", "_").lower()))[0]
            s.sendmail("a@example.com", ["alice@example.com"], MESSAGE)
            return bad, code

    assert await in_thread(client) == (535, 235)
    assert realm.avatars == [b"alice"]
    assert realm.delivery.box["alice@example.com"] == [MESSAGE]


async def test_smtplib_starttls_with_test_ca(listen: Any, certs: Certs) -> None:
    realm = Realm()
    port = listen(_auth_factory(realm, certs.server_options()))

    def client() -> tuple[bool, bool, Any]:
        context = stdlib_ssl.create_default_context(cafile=certs.ca_path)
        with smtplib.SMTP("localhost", port, timeout=5) as s:
            s.ehlo()
            before = s.has_extn("starttls")
            s.starttls(context=context)
            s.ehlo()
            after = s.has_extn("starttls")
            s.login("alice", "s3cret")
            s.sendmail("a@example.com", ["alice@example.com"], MESSAGE)
            return before, after, s.sock.version()  # type: ignore[union-attr]

    before, after, version = await in_thread(client)
    assert before and not after and version.startswith("TLS")
    assert realm.delivery.box["alice@example.com"] == [MESSAGE]


async def test_sendmail_starttls_and_auth_against_twistio_server(listen: Any, certs: Certs) -> None:
    realm = Realm()
    port = listen(_auth_factory(realm, certs.server_options()))
    d: defer.Deferred[Any] = defer.Deferred()
    factory = smtp.ESMTPSenderFactory(b"alice", b"s3cret", "a@example.com", ["alice@example.com", "nobody@x"],
                                      io.BytesIO(MESSAGE.replace(b"\r\n", b"\n")), d,
                                      contextFactory=certs.client_options(), retries=0)
    from twistio.internet import reactor

    reactor.connectTCP("127.0.0.1", port, factory)  # type: ignore[attr-defined]
    num, addresses = await d
    assert num == 1
    assert addresses[1] == (b"nobody@x", 550, b"Cannot receive for specified address")
    assert realm.delivery.box["alice@example.com"] == [MESSAGE]


async def test_sendmail_requires_tls_when_asked(listen: Any) -> None:
    port = listen(DeliveryFactory(Delivery()))
    with pytest.raises(smtp.TLSRequiredError):
        await smtp.sendmail("127.0.0.1", "a@example.com", ["alice@example.com"], MESSAGE, port=port,
                            requireTransportSecurity=True)


aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")


class _Handler:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("nobody@"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def aiosmtpd_server() -> Any:
    import socket

    handler = _Handler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd_controller.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


async def test_sendmail_to_aiosmtpd_byte_exact(aiosmtpd_server: Any) -> None:
    handler, port = aiosmtpd_server
    body = b"".join(b"." * (i % 3) + b"line %d\r\n" % i for i in range(20000))
    message = b"Subject: big\r\n\r\n" + body
    num, addresses = await smtp.sendmail("127.0.0.1", "a@example.com", ["b@example.com", "nobody@example.com"],
                                         message, port=port)
    assert num == 1
    assert [(a, c) for a, c, _ in addresses] == [(b"b@example.com", 250), (b"nobody@example.com", 550)]
    (envelope,) = handler.envelopes
    assert envelope.mail_from == "a@example.com" and envelope.rcpt_tos == ["b@example.com"]
    assert envelope.original_content == message


async def test_sendmail_lf_message_and_str(aiosmtpd_server: Any) -> None:
    handler, port = aiosmtpd_server
    await smtp.sendmail("127.0.0.1", "a@example.com", "b@example.com", "Subject: s\n\n.dot\nend", port=port)
    assert handler.envelopes[0].original_content == b"Subject: s\r\n\r\n.dot\r\nend\r\n"


async def test_sendmail_all_refused(aiosmtpd_server: Any) -> None:
    _, port = aiosmtpd_server
    with pytest.raises(smtp.SMTPDeliveryError) as info:
        await smtp.sendmail("127.0.0.1", "a@example.com", ["nobody@example.com"], b"x", port=port)
    assert info.value.code == 550


async def test_sendmail_connection_refused(listen: Any) -> None:
    from twistio.internet import reactor

    port = reactor.listenTCP(0, smtp.SMTPFactory(), interface="127.0.0.1")  # type: ignore[attr-defined]
    number = port.getHost().port
    await port.stopListening()
    with pytest.raises(Exception) as info:
        await smtp.sendmail("127.0.0.1", "a@example.com", ["b@example.com"], b"x", port=number)
    assert "refused" in str(info.value).lower() or isinstance(info.value, smtp.SMTPConnectError)
