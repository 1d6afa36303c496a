"""IMAP4 behaviour pinned to Twisted's, side by side where both run: splitQuoted, the body
structure of a message/rfc822 part, a failing SELECT, the client's timeout, the server's
idle timeout suspended while a command works, and unsolicited mode changes."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

twisted_imap4 = pytest.importorskip("twisted.mail.imap4")


def _mod(root: str, name: str) -> Any:
    return importlib.import_module(f"{root}.{name}")


SPLIT_CASES = [
    b"Hello World", b'Hello "World!"', b'"Hello world" How "are you?"', b'foo bar "baz buz" NIL',
    b'foo "NIL" bar', b'oo \\"oo\\" oo', b'"oo \\"oo\\" oo"', b"oo \t oo", b'"oo \\t oo"', rb"oo \o oo",
    b'"mismatched quote', b'mismatched quote"', b'mismatched"quote', b'"oops here is" another"',
    b'a "b"c', b'"a""b"', b'a\\"b', b"", b'"" x', b"a\\",
]


@pytest.mark.parametrize("case", SPLIT_CASES)
def test_split_quoted_as_twisted(case: bytes) -> None:
    def run(module: Any) -> Any:
        try:
            return module.splitQuoted(case)
        except Exception as e:  # the exception's class is what is compared
            return type(e).__name__

    assert run(_mod("twistio", "mail.imap4")) == run(twisted_imap4)


class _Part:
    def __init__(self, headers: dict[str, str], body: bytes, sub: Any = None) -> None:
        self.headers, self.body, self.sub = headers, body, sub

    def getHeaders(self, negate: bool, *names: str) -> dict[str, str]:
        wanted = {n.lower() for n in names}
        return {k: v for k, v in self.headers.items() if (k.lower() in wanted) != negate}

    def getBodyFile(self) -> Any:
        import io

        return io.BytesIO(self.body)

    def getSize(self) -> int:
        return len(self.body)

    def isMultipart(self) -> bool:
        return self.sub is not None

    def getSubPart(self, part: int) -> Any:
        return self.sub


def test_rfc822_body_structure_as_twisted() -> None:
    inner = _Part({"content-type": "text/plain; charset=us-ascii", "from": "A <a@example.com>",
                   "subject": "inside"}, b"one\ntwo\nthree\n")
    outer = _Part({"content-type": "message/rfc822"}, b"", inner)
    def plain(value: Any) -> Any:  # Twisted's envelope is a tuple, twistio's a list
        return [plain(v) for v in value] if isinstance(value, (list, tuple)) else value

    ours = _mod("twistio", "mail.imap4").getBodyStructure(outer)
    assert plain(ours) == plain(twisted_imap4.getBodyStructure(outer))
    assert ours[:2] == ["message", "rfc822"] and ours[-1] == 3


def _selectFailing(root: str) -> tuple[bytes, list[Any]]:
    imap4, testing, log = (_mod(root, n) for n in ("mail.imap4", "internet.testing", "python.log"))
    logged: list[Any] = []

    def observe(event: dict[str, Any]) -> None:
        if event.get("isError"):
            logged.append(event.get("failure"))

    class Account(imap4.MemoryAccount):
        def select(self, name: Any, rw: Any = 1) -> Any:
            raise imap4.IllegalMailboxEncoding("encoding")

    log.addObserver(observe)
    try:
        server = imap4.IMAP4Server()
        transport = testing.StringTransport()
        server.makeConnection(transport)
        server.account, server.state = Account("u"), "auth"
        transport.clear()
        server.dataReceived(b"a1 SELECT box\r\n")
        server.connectionLost(None)
    finally:
        log.removeObserver(observe)
    return transport.value(), logged


def test_failing_select_as_twisted() -> None:
    ours, logged = _selectFailing("twistio")
    assert ours == _selectFailing("twisted")[0] == b"a1 BAD SELECT failed: Server error\r\n"
    [failure] = logged
    assert type(failure.value).__name__ == "IllegalMailboxEncoding"


@pytest.mark.parametrize("root", ["twistio", "twisted"])
def test_client_timeout_fails_the_command(root: str) -> None:
    imap4, testing, task, error = (_mod(root, n) for n in ("mail.imap4", "internet.testing", "internet.task",
                                                           "internet.error"))
    clock = task.Clock()
    transport = testing.StringTransportWithDisconnection()
    client = imap4.IMAP4Client()
    transport.protocol = client
    client.timeout = 5
    client.callLater = clock.callLater
    client.makeConnection(transport)
    client.lineReceived(b"* OK [CAPABILITY IMAP4rev1] Ready")
    results: list[Any] = []
    client.login(b"u", b"p").addBoth(results.append)
    clock.advance(5)
    [failure] = results
    assert failure.check(error.TimeoutError) and not transport.connected


async def test_server_idle_timeout_waits_for_a_slow_command() -> None:
    import asyncio

    from twistio.internet import defer, task
    from twistio.internet.testing import StringTransport
    from twistio.mail import imap4

    clock = task.Clock()
    pending: defer.Deferred[Any] = defer.Deferred()

    class Box:
        def getFlags(self) -> list[str]:
            return []

        def getMessageCount(self) -> int:
            return 1

        def getRecentCount(self) -> int:
            return 0

        def getUIDValidity(self) -> int:
            return 1

        def isWriteable(self) -> bool:
            return True

        def addListener(self, listener: Any) -> None:
            pass

        def removeListener(self, listener: Any) -> None:
            pass

        def fetch(self, messages: Any, uid: Any) -> Any:
            clock.advance(5)  # time passes while the mailbox works
            return pending

    account = imap4.MemoryAccount("u")
    account.addMailbox("box", Box())
    server = imap4.IMAP4Server()
    server.callLater = clock.callLater
    transport = StringTransport()
    server.makeConnection(transport)
    server.account, server.state = account, "auth"
    server.dataReceived(b"a1 SELECT box\r\n")
    server.setTimeout(1)
    server.dataReceived(b"a2 FETCH 1:* FLAGS\r\n")
    clock.advance(10)
    assert not transport.disconnecting
    pending.callback([])
    for _ in range(1000):  # the server answers over a few turns of the loop
        if transport.value().endswith(b"a2 OK FETCH completed\r\n"):
            break
        await asyncio.sleep(0)
    assert transport.value().endswith(b"a2 OK FETCH completed\r\n")
    clock.advance(1)
    assert transport.disconnecting  # the idle timeout runs again afterwards
    server.connectionLost(None)


@pytest.mark.parametrize("line", [b"* OK [READ-WRITE] mode", b"* [READ-WRITE]", b"* OK [READ-ONLY]"])
def test_client_reports_mode_changes(line: bytes) -> None:
    from twistio.internet.testing import StringTransport
    from twistio.mail import imap4

    seen: list[bool] = []

    class Client(imap4.IMAP4Client):
        def modeChanged(self, writeable: bool) -> None:
            seen.append(writeable)

    client = Client()
    client.makeConnection(StringTransport())
    client.dataReceived(b"* OK [CAPABILITY IMAP4rev1] hi\r\n" + line + b"\r\n")
    assert seen == [b"READ-WRITE" in line]


@pytest.mark.parametrize("root", ["twistio", "twisted"])
def test_starttls_adds_plain_mechanisms_and_refuses_a_second(root: str) -> None:
    from zope.interface import implementer

    imap4, testing, interfaces = (_mod(root, n) for n in ("mail.imap4", "internet.testing", "internet.interfaces"))

    @implementer(interfaces.ITLSTransport)
    class Transport(testing.StringTransport):  # type: ignore[misc, name-defined]
        def startTLS(self, context: Any) -> None:
            self.context = context

    class Context:
        def getContext(self) -> None:
            return None

    server = imap4.IMAP4Server(contextFactory=Context())
    transport = Transport()
    server.makeConnection(transport)
    assert server.capabilities()[b"AUTH"] == []
    transport.clear()
    server.dataReceived(b"a1 STARTTLS\r\n")
    server.dataReceived(b"a2 STARTTLS\r\n")
    assert transport.value() == b"a1 OK Begin TLS negotiation now\r\na2 NO TLS already negotiated\r\n"
    assert sorted(server.capabilities()[b"AUTH"]) == [b"LOGIN", b"PLAIN"]
    assert b"STARTTLS" not in server.capabilities()
    server.connectionLost(None)


def test_authenticate_starts_tls_when_no_mechanism_is_offered() -> None:
    from twistio.internet.testing import StringTransport
    from twistio.mail import imap4

    class Transport(StringTransport):
        def startTLS(self, context: Any) -> None:
            self.tls = context

    client = imap4.IMAP4Client(contextFactory=object())
    transport = Transport()
    client.makeConnection(transport)
    client.registerAuthenticator(imap4.LOGINAuthenticator(b"user"))
    client.dataReceived(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n")
    client.authenticate(b"secret")
    assert transport.value().splitlines()[-1] == b"0001 STARTTLS"
    client.dataReceived(b"0001 OK Begin TLS negotiation now\r\n")
    assert transport.value().splitlines()[-1] == b"0002 CAPABILITY"
    client.dataReceived(b"* CAPABILITY IMAP4rev1 AUTH=LOGIN\r\n0002 OK done\r\n")
    assert transport.value().splitlines()[-1] == b"0003 AUTHENTICATE LOGIN"
