"""POP3 and SMTP details Twisted's own tests pin down: the POP3 output buffer, virtual
domain lookup, a FileWrapper transport driving a pull producer, and the SMTP sender's error
reporting."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest

from twistio.internet import defer, error, protocol
from twistio.internet.testing import MemoryReactor, StringTransport
from twistio.mail import pop3, smtp
from twistio.mail import protocols as mail_protocols
from twistio.python import log


def test_iterator_buffer_batches_writes():
    out: list[list[str]] = []
    buffer = pop3._IteratorBuffer(out.append, iter(["012", "345", None, "6", "7"]), 6)
    steps = iter(buffer)
    next(steps)
    next(steps)
    next(steps)
    assert out == []
    next(steps)
    assert out == [["012", "345", "6"]]
    next(steps)
    with pytest.raises(StopIteration):
        next(steps)
    assert out == [["012", "345", "6"], ["7"]]


def test_file_wrapper_check_producer_resumes():
    class Producer:
        resumed = 0

        def resumeProducing(self) -> None:
            self.resumed += 1

        def stopProducing(self) -> None:
            pass

    wrapper = protocol.FileWrapper(BytesIO())
    wrapper._checkProducer()  # nothing registered: nothing to do
    producer = Producer()
    wrapper.registerProducer(producer, False)
    wrapper._checkProducer()
    assert producer.resumed == 2


def test_virtual_pop3_lookup_domain():
    factory = protocol.Factory()
    factory.domains = {b"example.com": object()}  # type: ignore[attr-defined]
    server = mail_protocols.VirtualPOP3()
    server.service = factory
    assert server.lookupDomain(b"alice@example.com") == (b"alice", b"example.com")
    with pytest.raises(pop3.POP3Error) as caught:
        server.lookupDomain(b"bob@elsewhere.org")
    assert caught.value.args[0] == "no such domain elsewhere.org"


def test_pop3_command_errors_are_logged():
    errors: list[Any] = []
    observer = errors.append
    log.addObserver(observer)
    try:
        server = pop3.POP3()
        server.magic = b"<m>"
        transport = StringTransport()
        server.makeConnection(transport)
        server.lineReceived(b"STAT")
    finally:
        log.removeObserver(observer)
        server.connectionLost(None)
    assert b"-ERR bad protocol or server: POP3Error: not authenticated yet: cannot do STAT" in transport.value()
    assert [e for e in errors if e.get("isError")]


class _Client(smtp.SMTPClient):
    error: Any = None

    def getMailFrom(self) -> Any:
        return "a@example.com"

    def getMailTo(self) -> Any:
        return ["b@example.com"]

    def getMailData(self) -> Any:
        return BytesIO(b"body")

    def sendError(self, exc: Any) -> None:
        self.error = exc


def test_stopped_message_transfer_is_a_send_error():
    client = _Client(b"here")
    transport = StringTransport()
    client.makeConnection(transport)
    client.dataReceived(b"220 hi\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n")
    assert transport.producer is not None and not transport.streaming
    transport.producer.stopProducing()
    assert isinstance(client.error, Exception)


def test_sender_logs_only_failed_addresses():
    done: defer.Deferred[Any] = defer.Deferred()
    factory = smtp.SMTPSenderFactory("a@x", "b@y", BytesIO(b"m"), done, retries=0)
    client = factory.buildProtocol(None)
    client.sentMail(550, b"no", 1, [(b"ok@y", 250, b"fine"), (b"bad@y", 550, b"refused")], client.log)
    failures: list[Any] = []
    done.addErrback(failures.append)
    assert failures[0].value.log == b"bad@y: 550 refused\n"


def test_sender_factory_takes_exceptions_as_connection_errors():
    reactor = MemoryReactor()
    factory = smtp.SMTPSenderFactory("a@x", "b@y", BytesIO(b"m"), defer.Deferred())
    connector = reactor.connectTCP("localhost", 25, factory)
    factory.buildProtocol(None)
    factory.clientConnectionLost(connector, error.ConnectionDone("Bye."))
    assert factory.currentProtocol is None


def test_sendmail_passes_esmtp_settings():
    reactor = MemoryReactor()
    smtp.sendmail("localhost", "a@x", "b@y", b"m", reactor=reactor, username="u", password="p",
                  requireTransportSecurity=True, requireAuthentication=True)
    factory = reactor.tcpClients[0][2]
    assert (factory.username, factory.password) == (b"u", b"p")
    assert factory._requireTransportSecurity and factory._requireAuthentication
    client = factory.buildProtocol(None)
    assert client.requireTransportSecurity and client.requireAuthentication and client.heloFallback


def test_pop3_client_negative_greeting_carries_the_text():
    from twistio.mail import _pop3client
    from twistio.mail._except import ServerErrorResponse
    from twistio.python.failure import Failure

    client = pop3.AdvancedPOP3Client()
    client._capCache = {}  # known capabilities: login asks no CAPA first
    client.makeConnection(StringTransport())
    client.allowInsecureLogin = True
    d = client.login(b"user", b"password")
    client.dataReceived(b"-ERR Offline for maintenance\r\n")
    client.connectionLost(Failure(error.ConnectionDone()))
    failures: list[Any] = []
    d.addErrback(failures.append)
    assert failures[0].check(ServerErrorResponse)
    assert failures[0].value.args[0] == b"Offline for maintenance"
    assert _pop3client.__all__ == []


@pytest.mark.parametrize("refuse, text", [(True, b"Sender not acceptable"), (False, b"Unauthenticated senders not allowed")])
def test_smtp_anonymous_sender_refusal_texts(refuse, text):
    from twistio.cred import credentials, portal
    from twistio.cred.error import UnauthorizedLogin

    class Refusing:
        credentialInterfaces = (credentials.IAnonymous,)

        def requestAvatarId(self, c: Any) -> Any:
            return defer.fail(UnauthorizedLogin())

    class Realm:
        def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
            raise AssertionError("not reached")

    server = smtp.SMTP()
    server.portal = portal.Portal(Realm(), [Refusing()] if refuse else [])
    transport = StringTransport()
    server.makeConnection(transport)
    server.dataReceived(b"HELO example.com\r\n")
    transport.clear()
    server.dataReceived(b"MAIL FROM:<alice@example.com>\r\n")
    server.connectionLost(error.ConnectionLost())
    assert transport.value() == b"550 Cannot receive from specified address <alice@example.com>: " + text + b"\r\n"
