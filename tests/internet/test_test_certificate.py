"""twistio.test ships a certificate of its own, server.pem (a private key and a self-signed
certificate for localhost), where Twisted's tests and helpers look for one:
``twisted/test/server.pem`` beside the package (``twisted.__file__``, ``getModule``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import twistio
from twistio.internet import protocol, ssl
from twistio.internet.task import Clock
from twistio.internet.testing import StringTransport
from twistio.protocols import tls
from twistio.python.filepath import FilePath
from twistio.python.modules import getModule

PEM = Path(twistio.__file__).parent / "test" / "server.pem"


def test_where_twisteds_tests_look() -> None:
    by_module = getModule("twistio.test").filePath.sibling("server.pem")
    by_package = FilePath(twistio.__file__.encode()).sibling(b"test").child(b"server.pem")
    assert by_module.path == str(PEM)
    assert by_package.getContent() == PEM.read_bytes()


def test_it_serves_tls_for_localhost() -> None:
    pem = PEM.read_bytes()
    cert = ssl.PrivateCertificate.load(pem, ssl.KeyPair.load(pem, ssl.FILETYPE_PEM), ssl.FILETYPE_PEM)
    assert cert.getSubject().commonName == b"localhost"
    client_options = ssl.optionsForClientTLS("localhost", trustRoot=ssl.Certificate.loadPEM(pem))
    got: list[bytes] = []

    class Echo(protocol.Protocol):
        def dataReceived(self, data: bytes) -> None:
            got.append(data)

    clock = Clock()
    c = tls.TLSMemoryBIOFactory(
        client_options, True, protocol.Factory.forProtocol(protocol.Protocol), clock
    ).buildProtocol(None)
    s = tls.TLSMemoryBIOFactory(
        cert.options(), False, protocol.Factory.forProtocol(Echo), clock
    ).buildProtocol(None)
    c.makeConnection(StringTransport())
    s.makeConnection(StringTransport())
    c.write(b"verified")
    for _ in range(10):
        clock.advance(0)
        a, b = c.transport.value(), s.transport.value()
        c.transport.clear()
        s.transport.clear()
        if a:
            s.dataReceived(a)
        if b:
            c.dataReceived(b)
    assert b"".join(got) == b"verified"
    assert c.getPeerCertificate() == ssl.Certificate.loadPEM(pem)


async def test_tls_port_logs_start_and_stop_as_twisteds(reactor: Any) -> None:
    from tests.internet.test_tcp import wait
    from twistio.python import log

    events: list[dict[str, Any]] = []
    log.addObserver(events.append)
    try:

        class Named(protocol.Factory):
            def logPrefix(self) -> str:
                return "Crazy Factory"

        pem = PEM.read_bytes()
        cert = ssl.PrivateCertificate.loadPEM(pem)
        port = reactor.listenSSL(0, Named(), cert.options(), interface="127.0.0.1")
        number = port.getHost().port
        said = [e["message"] for e in events if e.get("message")]
        assert said[0] == (f"Crazy Factory (TLS) starting on {number}",)
        del events[:]
        await wait(port.stopListening())
        said = [e["message"] for e in events if e.get("message")]
        assert (f"(TLS Port {number} Closed)",) in said
    finally:
        log.removeObserver(events.append)


async def test_tls_client_callbacks_log_as_their_connection(reactor: Any) -> None:
    """A connectSSL client's callbacks run with its protocol's log prefix as ``system``."""
    from tests.internet.test_tcp import wait
    from twistio.internet.defer import Deferred
    from twistio.python import context, log

    got: Deferred[str] = Deferred()

    class Client(protocol.Protocol):
        def logPrefix(self) -> str:
            return "Custom Client"

        def dataReceived(self, data: bytes) -> None:
            if not got.called:
                got.callback(context.get(log.ILogContext)["system"])

    class Greeter(protocol.Protocol):
        def connectionMade(self) -> None:
            self.transport.write(b"hi")

    cert = ssl.PrivateCertificate.loadPEM(PEM.read_bytes())
    port = reactor.listenSSL(
        0, protocol.Factory.forProtocol(Greeter), cert.options(), interface="127.0.0.1"
    )
    client_factory = protocol.ClientFactory.forProtocol(Client)
    connector = reactor.connectSSL(
        "127.0.0.1", port.getHost().port, client_factory, ssl.CertificateOptions()
    )
    try:
        system = await wait(got)
        assert "Custom Client" in system
    finally:
        connector.disconnect()
        await wait(port.stopListening())
