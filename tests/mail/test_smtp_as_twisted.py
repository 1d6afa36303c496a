"""SMTP (and POP3 client) behaviour pinned to Twisted's (run side by side where both can):
unexpected errors of a delivery are logged as failures, a message whose ``eomReceived``
raises ends the session without a reply, a transport declaring ``ISSLTransport`` counts as
secure, and sending a message keeps the client's reply timeout from expiring."""

from __future__ import annotations

import importlib
from typing import Any

import pytest


def _modules(flavour: str) -> tuple[Any, ...]:
    root = "twisted" if flavour == "twisted" else "twistio"
    if root == "twisted":
        pytest.importorskip("twisted.mail.smtp")
    return tuple(importlib.import_module(f"{root}.{name}") for name in (
        "mail.smtp", "internet.defer", "internet.testing", "python.log", "internet.task", "internet.address"))


def _session(flavour: str, mode: str) -> tuple[list[bytes], bool, list[Any]]:
    smtp, defer, testing, log, _, _ = _modules(flavour)
    errors: list[Any] = []

    def observe(event: dict[str, Any]) -> None:
        if event.get("isError"):
            errors.append(event.get("failure"))

    class Message:
        def lineReceived(self, line: bytes) -> None:
            pass

        def eomReceived(self) -> Any:
            if mode == "eom-raises":
                raise RuntimeError("eom")
            if mode == "eom-fails":
                return defer.fail(RuntimeError("eom"))
            return defer.succeed(None)

        def connectionLost(self) -> None:
            pass

    class Delivery:
        def receivedHeader(self, *args: Any) -> bytes:
            return b"X-Test: 1"

        def validateFrom(self, helo: Any, origin: Any) -> Any:
            if mode == "from-raises":
                raise RuntimeError("from")
            return origin

        def validateTo(self, user: Any) -> Any:
            if mode == "to-raises":
                raise RuntimeError("to")
            return Message

    log.addObserver(observe)
    try:
        server = smtp.SMTP()
        server.delivery = Delivery()
        transport = testing.StringTransport()
        server.makeConnection(transport)
        for line in (b"HELO there", b"MAIL FROM:<a@b.example>", b"RCPT TO:<c@d.example>", b"DATA", b"body"):
            server.lineReceived(line)
        try:
            server.lineReceived(b".")
        except RuntimeError:
            errors.append("escaped")
    finally:
        log.removeObserver(observe)
    replies = [line for line in transport.value().split(b"\r\n")[1:] if line]
    return replies, transport.disconnecting, errors


@pytest.mark.parametrize("mode", ["from-raises", "to-raises", "eom-fails"])
def test_unexpected_errors_are_logged_failures(mode: str) -> None:
    replies, disconnecting, errors = _session("twistio", mode)
    [failure] = errors
    assert failure is not None and failure.check(RuntimeError)
    theirs = _session("twisted", mode)[0]
    assert [r[:3] for r in replies] == [r[:3] for r in theirs]


def test_raising_eom_ends_the_session_without_a_reply() -> None:
    replies, disconnecting, errors = _session("twistio", "eom-raises")
    assert replies[-1].startswith(b"354") and disconnecting
    assert len(errors) == 1 and errors[0].check(RuntimeError)
    # Twisted's exception escapes lineReceived (its reactor then drops the connection).
    theirs, _, their_errors = _session("twisted", "eom-raises")
    assert theirs[-1].startswith(b"354") and their_errors == ["escaped"]


@pytest.mark.parametrize("flavour", ["twistio", "twisted"])
def test_ssl_transport_counts_as_secure(flavour: str) -> None:
    smtp, _, testing, _, _, _ = _modules(flavour)
    from zope.interface import directlyProvides

    interfaces = importlib.import_module(("twisted" if flavour == "twisted" else "twistio") + ".internet.interfaces")
    client = smtp.ESMTPClient(b"secret", None, b"me")
    client.requireTransportSecurity = True
    client.getMailFrom = lambda: "a@b.example"
    transport = testing.StringTransport()
    directlyProvides(transport, interfaces.ISSLTransport)
    client.makeConnection(transport)
    client.dataReceived(b"220 hi\r\n")
    transport.clear()
    client.dataReceived(b"250-here\r\n250 STARTTLS\r\n")
    assert transport.value() == b"MAIL FROM:<a@b.example>\r\n"


@pytest.mark.parametrize("flavour", ["twistio", "twisted"])
def test_sending_resets_the_timeout(flavour: str) -> None:
    smtp, defer, testing, _, task, address = _modules(flavour)

    class OneByteAtATime:
        def __init__(self, size: int) -> None:
            self.left = size

        def read(self, n: int = -1) -> bytes:
            if self.left:
                self.left -= 1
                return b"x"
            return b""

    failed: list[Any] = []
    done = defer.Deferred()
    done.addErrback(failed.append)
    factory = smtp.SMTPSenderFactory("a@b.example", "c@d.example", OneByteAtATime(2), done, retries=0, timeout=3)
    factory.domain = b"example.org"
    clock = task.Clock()
    client = factory.buildProtocol(address.IPv4Address("TCP", "192.0.2.1", 25))
    client.callLater = clock.callLater
    transport = testing.StringTransport()
    client.makeConnection(transport)
    client.dataReceived(b"220 Ok\r\n250 Ok\r\n250 Ok\r\n250 Ok\r\n354 Ok\r\n")
    for _ in range(3):
        clock.advance(2)
        transport.producer.resumeProducing()
    client.dataReceived(b"250 Ok\r\n")
    assert failed == []
    assert transport.value().endswith(b"DATA\r\nxx\r\n.\r\nRSET\r\n")


@pytest.mark.parametrize("flavour", ["twistio", "twisted"])
def test_pop3_client_logs_in_over_an_ssl_transport(flavour: str) -> None:
    root = "twisted" if flavour == "twisted" else "twistio"
    if root == "twisted":
        pytest.importorskip("twisted.mail.pop3")
    from zope.interface import directlyProvides

    pop3 = importlib.import_module(root + ".mail.pop3")
    testing = importlib.import_module(root + ".internet.testing")
    interfaces = importlib.import_module(root + ".internet.interfaces")
    client = pop3.AdvancedPOP3Client()
    client._capCache = {}  # known capabilities: no CAPA first
    transport = testing.StringTransport()
    directlyProvides(transport, interfaces.ISSLTransport)
    client.makeConnection(transport)
    client.dataReceived(b"+OK Howdy\r\n")
    client.login(b"user", b"secret")
    assert transport.value() == b"USER user\r\n"


@pytest.mark.parametrize("flavour", ["twistio", "twisted"])
@pytest.mark.parametrize("method", ["clientConnectionLost", "clientConnectionFailed"])
def test_sender_factory_reports_connection_errors(flavour: str, method: str) -> None:
    import io

    smtp, defer, _, _, _, _ = _modules(flavour)
    failure = importlib.import_module(("twisted" if flavour == "twisted" else "twistio") + ".python.failure")

    class Refused(Exception):
        pass

    results: list[Any] = []
    done = defer.Deferred()
    done.addBoth(results.append)
    factory = smtp.ESMTPSenderFactory("u", "p", "a@b.example", "c@d.example", io.BytesIO(b"m"), done, retries=0,
                                      requireAuthentication=False)
    getattr(factory, method)(None, failure.Failure(Refused("no certificate I trust")))
    [outcome] = results
    assert outcome.check(smtp.SMTPConnectError)
    assert str(outcome.value) == "Unable to connect to SMTP server: no certificate I trust"


def test_connection_lost_report_names_the_reason() -> None:
    from twistio.internet.testing import StringTransport
    from twistio.mail import smtp
    from twistio.python.failure import Failure

    errors: list[Any] = []

    class Client(smtp.SMTPClient):
        def sendError(self, exc: Any) -> None:
            errors.append(exc)

    client = Client(b"me")
    client.makeConnection(StringTransport())
    client.dataReceived(b"220 hello\r\n")
    client.connectionLost(Failure(OSError("reset by peer")))
    [exc] = errors
    assert isinstance(exc, smtp.SMTPConnectError)
    assert str(exc).startswith("Connection lost: OSError: reset by peer\n")


def test_tls_mode_is_deprecated() -> None:
    from twistio.mail import smtp

    client = smtp.ESMTPClient(b"secret", None, b"me")
    with pytest.warns(DeprecationWarning, match="tlsMode attribute of twistio.mail.smtp.ESMTPClient is deprecated"):
        assert client.tlsMode is False
    with pytest.warns(DeprecationWarning):
        client.tlsMode = True
    assert client._tlsMode is True
