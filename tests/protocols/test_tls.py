"""protocols.tls: TLSMemoryBIOProtocol over fake and real transports.

The differential tests run the same scenario on Twisted's TLSMemoryBIOProtocol (pyOpenSSL
underneath) and on twistio's (the standard library's ssl), over each one's StringTransport,
and compare what the wrapped protocols saw. TLS errors are compared by kind only: Twisted
reports pyOpenSSL's or service_identity's exceptions where twistio reports ssl.SSLError.
"""

from __future__ import annotations

import asyncio
import ssl as stdlib_ssl
from types import SimpleNamespace
from typing import Any

import pytest

from tests.internet.test_ssl import OPENSSL, Certs

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is needed")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return Certs(tmp_path_factory.mktemp("tls-protocol"))


def _twistio(certs: Certs) -> Any:
    from twistio.internet import error, interfaces, protocol, ssl
    from twistio.internet.task import Clock
    from twistio.internet.testing import StringTransport
    from twistio.protocols import tls
    from twistio.python.failure import Failure

    ca = (certs.root / "ca.pem").read_bytes()
    server = ssl.PrivateCertificate.loadPEM(
        (certs.root / "server.key").read_bytes() + (certs.root / "server.pem").read_bytes()
    )
    return SimpleNamespace(
        name="twistio", error=error, interfaces=interfaces, protocol=protocol, ssl=ssl, tls=tls,
        Clock=Clock, StringTransport=StringTransport, Failure=Failure,
        implementer=interfaces.implementer, server_options=lambda **kw: server.options(),
        client_options=lambda host="localhost", **kw: ssl.optionsForClientTLS(
            host, trustRoot=ssl.Certificate.loadPEM(ca), **kw),
        alpn_server=lambda protos: ssl.CertificateOptions(
            privateKey=server.privateKey, certificate=server, acceptableProtocols=protos),
    )


def _twisted(certs: Certs) -> Any:
    pytest.importorskip("OpenSSL")
    pytest.importorskip("service_identity")
    from twisted.internet import error, interfaces, protocol, ssl
    from twisted.internet.task import Clock
    from twisted.internet.testing import StringTransport
    from twisted.protocols import tls
    from twisted.python.failure import Failure
    from zope.interface import implementer

    ca = (certs.root / "ca.pem").read_text()
    server = ssl.PrivateCertificate.loadPEM(
        (certs.root / "server.key").read_text() + (certs.root / "server.pem").read_text()
    )
    return SimpleNamespace(
        name="twisted", error=error, interfaces=interfaces, protocol=protocol, ssl=ssl, tls=tls,
        Clock=Clock, StringTransport=StringTransport, Failure=Failure, implementer=implementer,
        server_options=lambda **kw: server.options(),
        client_options=lambda host="localhost", **kw: ssl.optionsForClientTLS(
            host, trustRoot=ssl.Certificate.loadPEM(ca), **kw),
        alpn_server=lambda protos: ssl.CertificateOptions(
            privateKey=server.privateKey.original, certificate=server.original,
            acceptableProtocols=protos),
    )


TLS_ERRORS = {"Error", "VerificationError", "SSLError", "SSLCertVerificationError",
              "SSLZeroReturnError", "SSLSyscallError"}


def _kind(failure: Any) -> str:
    name = type(failure.value).__name__
    return "TLSError" if name in TLS_ERRORS else name


class Env:
    """Two TLS layers over StringTransports, built from one implementation's pieces."""

    def __init__(self, m: Any, client_proto: Any = None, server_proto: Any = None,
                 client_options: Any = None, server_options: Any = None) -> None:
        self.m = m
        self.clock = m.Clock()
        rec = _recorder(m)
        cf = m.protocol.Factory.forProtocol(client_proto or rec)
        sf = m.protocol.Factory.forProtocol(server_proto or rec)
        self.cfac = m.tls.TLSMemoryBIOFactory(
            client_options or m.client_options(), True, cf, self.clock)
        self.sfac = m.tls.TLSMemoryBIOFactory(
            server_options or m.server_options(), False, sf, self.clock)
        self.c = self.cfac.buildProtocol(None)
        self.s = self.sfac.buildProtocol(None)
        self.cw, self.sw = self.c.wrappedProtocol, self.s.wrappedProtocol
        self.ct, self.st = m.StringTransport(), m.StringTransport()
        self.c.makeConnection(self.ct)
        self.s.makeConnection(self.st)

    def pump(self) -> None:
        for _ in range(20):
            self.clock.advance(0)
            a, b = self.ct.value(), self.st.value()
            self.ct.clear()
            self.st.clear()
            if not a and not b:
                return
            if a:
                self.s.dataReceived(a)
            if b:
                self.c.dataReceived(b)

    def lost(self, side: str, exc: Any = None) -> None:
        proto = self.c if side == "c" else self.s
        proto.connectionLost(self.m.Failure(exc or self.m.error.ConnectionDone()))


def _recorder(m: Any) -> Any:
    @m.implementer(m.interfaces.IHandshakeListener)
    class Rec(m.protocol.Protocol):
        def __init__(self) -> None:
            self.events: list[Any] = []

        def connectionMade(self) -> None:
            self.events.append("made")

        def handshakeCompleted(self) -> None:
            self.events.append(("handshake", self.transport.negotiatedProtocol))

        def dataReceived(self, data: bytes) -> None:
            if self.events and isinstance(self.events[-1], tuple) and self.events[-1][0] == "data":
                self.events[-1] = ("data", self.events[-1][1] + data)
            else:
                self.events.append(("data", data))

        def connectionLost(self, reason: Any) -> None:
            self.events.append(("lost", _kind(reason)))

    return Rec


def _scenario_clean_close(m: Any) -> list[Any]:
    e = Env(m)
    out = [e.c.getPeerCertificate() is None, e.c.negotiatedProtocol]
    e.cw.transport.write(b"early")
    e.pump()
    e.sw.transport.write(b"reply")
    e.cw.transport.writeSequence([b"a", b"b"])
    e.pump()
    e.cw.transport.loseConnection()
    out += [e.c.disconnecting, e.ct.disconnecting]
    e.pump()
    out += [e.ct.disconnecting, e.st.disconnecting, e.c.getPeerCertificate() is not None]
    e.lost("c")
    e.lost("s")
    return [*out, e.cw.events, e.sw.events]


def _scenario_garbage(m: Any) -> list[Any]:
    e = Env(m)
    e.s.dataReceived(b"GET / HTTP/1.1\r\n\r\n")
    out = [e.st.disconnecting]
    e.lost("s")
    return [*out, e.sw.events]


def _scenario_wrong_name(m: Any) -> list[Any]:
    e = Env(m, client_options=m.client_options("example.com"))
    e.pump()
    out = [e.ct.disconnecting]
    e.lost("c")
    e.lost("s")
    return [*out, e.cw.events, e.sw.events]


def _scenario_unclean(m: Any) -> list[Any]:
    e = Env(m)
    e.pump()
    e.lost("s")
    e.lost("c", m.error.ConnectionLost("boom"))
    before = Env(m)
    before.lost("c")
    return [e.cw.events, e.sw.events, before.cw.events]


def _scenario_abort(m: Any) -> list[Any]:
    e = Env(m)
    e.pump()
    e.c.write(b"dropped")
    e.c.abortConnection()
    out = [e.ct.disconnecting]
    e.lost("c", m.error.ConnectionAborted())
    return [*out, e.cw.events]


def _scenario_lose_before_handshake(m: Any) -> list[Any]:
    e = Env(m)
    e.c.write(b"hello")
    e.c.loseConnection()
    out = [e.ct.disconnecting]
    e.pump()
    out += [e.ct.disconnecting, e.st.disconnecting]
    e.c.write(b"late")
    out.append(e.ct.value())
    return [*out, e.sw.events]


def _scenario_producers(m: Any) -> list[Any]:
    @m.implementer(m.interfaces.IPushProducer)
    class P:
        def __init__(self) -> None:
            self.ev: list[str] = []

        def pauseProducing(self) -> None:
            self.ev.append("pause")

        def resumeProducing(self) -> None:
            self.ev.append("resume")

        def stopProducing(self) -> None:
            self.ev.append("stop")

    e = Env(m)
    p = P()
    e.c.registerProducer(p, True)
    e.c.write(b"x")
    out: list[Any] = [list(p.ev), e.ct.streaming]
    e.ct.producer.pauseProducing()
    e.pump()
    out.append(list(p.ev))
    e.ct.producer.resumeProducing()
    out.append(list(p.ev))
    e.c.loseConnection()
    out.append(len(e.ct.value()))
    e.c.unregisterProducer()
    out += [e.ct.producer, len(e.ct.value()) > 0]
    return out


def _scenario_alpn(m: Any) -> list[Any]:
    e = Env(m, server_options=m.alpn_server([b"h2", b"http/1.1"]),
            client_options=m.client_options(acceptableProtocols=[b"h2"]))
    e.pump()
    return [e.c.negotiatedProtocol, e.s.negotiatedProtocol, e.cw.events, e.sw.events]


def _scenario_buffering(m: Any) -> list[Any]:
    e = Env(m)
    e.pump()
    e.ct.clear()
    e.c.write(b"a")
    e.c.write(b"b" * 60000)
    out = [len(e.ct.value())]
    e.c.write(b"c" * 10000)
    out.append(len(e.ct.value()) > 70000)
    e.c.write(b"d")
    out.append(len(e.ct.value()) > 70000)
    e.pump()
    out.append(len(e.sw.events[-1][1]))
    return out


def _scenario_misc(m: Any) -> list[Any]:
    e = Env(m)
    out: list[Any] = [e.c.logPrefix(), e.cfac.logPrefix(), type(e.c).__name__]
    try:
        e.c.write("text")  # type: ignore[arg-type]
    except TypeError:
        out.append("TypeError")
    out.append(m.interfaces.ISSLTransport.providedBy(e.c))
    out.append(m.interfaces.INegotiated.providedBy(e.c))
    out.append(m.interfaces.ISystemHandle.providedBy(e.c))
    out.append(e.c.getHandle() is not None)
    e.lost("c")
    out.append(e.c.wrappedProtocol)
    return out


SCENARIOS = {
    f.__name__.removeprefix("_scenario_"): f
    for f in (_scenario_clean_close, _scenario_garbage, _scenario_wrong_name, _scenario_unclean,
              _scenario_abort, _scenario_lose_before_handshake, _scenario_producers,
              _scenario_alpn, _scenario_buffering, _scenario_misc)
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_as_twisted(name: str, certs: Certs) -> None:
    scenario = SCENARIOS[name]
    expected = scenario(_twisted(certs))
    got = scenario(_twistio(certs))
    assert got == expected


# -- twistio only ---------------------------------------------------------------------------


def test_errors_are_the_standard_librarys(certs: Certs) -> None:
    m = _twistio(certs)
    assert m.tls.Error is stdlib_ssl.SSLError
    e = Env(m, client_options=m.client_options("example.com"))
    reasons: list[Any] = []
    e.cw.connectionLost = reasons.append
    e.pump()
    e.lost("c")
    assert isinstance(reasons[0].value, stdlib_ssl.SSLCertVerificationError)
    assert isinstance(e.c.getHandle(), stdlib_ssl.SSLObject)


def test_handshake_timeout(certs: Certs) -> None:
    m = _twistio(certs)
    clock = m.Clock()
    factory = m.tls.TLSMemoryBIOFactory(
        m.server_options(), False, m.protocol.Factory.forProtocol(_recorder(m)), clock,
        handshakeTimeout=5)
    proto = factory.buildProtocol(None)
    t = m.StringTransport()
    proto.makeConnection(t)
    wrapped = proto.wrappedProtocol
    clock.advance(4.9)
    assert not t.disconnecting
    clock.advance(0.2)
    assert t.disconnected
    proto.connectionLost(m.Failure(m.error.ConnectionAborted()))
    assert wrapped.events[-1] == ("lost", "TimeoutError")


def test_no_handshake_timeout_by_default(certs: Certs) -> None:
    m = _twistio(certs)
    clock = m.Clock()
    factory = m.tls.TLSMemoryBIOFactory(
        m.server_options(), False, m.protocol.Factory.forProtocol(_recorder(m)), clock)
    factory.buildProtocol(None).makeConnection(m.StringTransport())
    assert clock.getDelayedCalls() == []


def test_half_close(certs: Certs) -> None:
    m = _twistio(certs)
    Rec = _recorder(m)

    @m.implementer(m.interfaces.IHalfCloseableProtocol)
    class Half(Rec):  # type: ignore[misc, valid-type]
        def readConnectionLost(self) -> None:
            self.events.append("readLost")

        def writeConnectionLost(self) -> None:
            self.events.append("writeLost")

    e = Env(m, client_proto=Half, server_proto=Half)
    e.pump()
    e.cw.transport.write(b"request")
    e.clock.advance(0)
    e.cw.transport.loseWriteConnection()
    e.pump()
    assert e.cw.events[-1] == "writeLost"
    assert e.sw.events[-2:] == [("data", b"request"), "readLost"]
    assert not e.st.disconnecting
    e.sw.transport.write(b"response")
    e.sw.transport.loseConnection()
    e.pump()
    assert ("data", b"response") in e.cw.events
    assert e.st.disconnecting and e.ct.disconnecting
    e.lost("c")
    e.lost("s")
    assert e.cw.events[-1] == ("lost", "ConnectionDone")
    assert e.sw.events[-1] == ("lost", "ConnectionDone")


async def test_pull_producer(certs: Certs) -> None:
    from twistio.internet.defer import Deferred

    m = _twistio(certs)
    e = Env(m)
    e.pump()
    three: Deferred[None] = Deferred()

    class Pull:
        calls = 0
        stopped = False

        def resumeProducing(self) -> None:
            self.calls += 1
            e.c.write(b"chunk")
            if self.calls == 3:
                e.ct.producer.pauseProducing()
                three.callback(None)

        def stopProducing(self) -> None:
            self.stopped = True

    p = Pull()
    e.c.registerProducer(p, False)
    assert e.ct.streaming is True
    await asyncio.wait_for(three.asFuture(asyncio.get_running_loop()), 2)
    for _ in range(5):
        await asyncio.sleep(0)  # turns of the loop: a paused producer is not pulled
    assert p.calls == 3
    e.c.unregisterProducer()
    e.ct.producer = None
    assert not p.stopped
    e.pump()
    assert e.sw.events[-1] == ("data", b"chunk" * 3)


def test_context_factory_kinds(certs: Certs) -> None:
    m = _twistio(certs)
    server_ctx = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(certs.path("server.pem"), certs.path("server.key"))
    client_ctx = stdlib_ssl.create_default_context(cafile=certs.path("ca.pem"))
    client_ctx.check_hostname = False
    for client, server in [
        (client_ctx, server_ctx),
        (m.ssl.ClientContextFactory(), m.server_options()),
        (m.ssl.CertificateOptions(), m.ssl.DefaultOpenSSLContextFactory(
            certs.path("server.key"), certs.path("server.pem"))),
    ]:
        e = Env(m, client_options=client, server_options=server)
        e.cw.transport.write(b"hi")
        e.pump()
        assert e.sw.events[-1] == ("data", b"hi"), (client, server)


def test_connection_creator_hook(certs: Certs) -> None:
    # twistio's hook for a connection creator on the standard library's engine: an
    # ssl.SSLObject over the protocol's own memory BIOs.
    m = _twistio(certs)
    client_ctx = stdlib_ssl.create_default_context(cafile=certs.path("ca.pem"))
    made: list[Any] = []

    @m.implementer(m.interfaces.IOpenSSLClientConnectionCreator)
    class Creator:
        def clientConnectionForTLS(self, tlsProtocol: Any) -> Any:
            sslobj = tlsProtocol.wrapBIOHook(client_ctx, False, "localhost")
            made.append(sslobj)
            return sslobj

    e = Env(m, client_options=Creator())
    e.cw.transport.write(b"hi")
    e.pump()
    assert e.sw.events[-1] == ("data", b"hi")
    assert isinstance(made[0], stdlib_ssl.SSLObject)
    assert made[0].server_hostname == "localhost" and not made[0].server_side
    assert e.c.get_extra_info("ssl_object") is made[0]


# -- over real sockets ----------------------------------------------------------------------


async def test_over_tcp_both_ways(reactor: Any, certs: Certs) -> None:
    from twistio.internet import protocol
    from twistio.internet.defer import Deferred
    from twistio.protocols.tls import TLSMemoryBIOFactory

    m = _twistio(certs)
    lost: Deferred[Any] = Deferred()

    class EchoP(protocol.Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

        def connectionLost(self, reason: Any) -> None:
            lost.callback(_kind(reason))

    got: Deferred[bytes] = Deferred()
    client_lost: Deferred[Any] = Deferred()

    class Client(protocol.Protocol):
        def connectionMade(self) -> None:
            self.transport.write(b"ping")

        def dataReceived(self, data: bytes) -> None:
            got.callback(data)

        def connectionLost(self, reason: Any) -> None:
            client_lost.callback(_kind(reason))

    server = TLSMemoryBIOFactory(m.server_options(), False, protocol.Factory.forProtocol(EchoP),
                                 reactor)
    port = reactor.listenTCP(0, server, interface="127.0.0.1")
    client = TLSMemoryBIOFactory(m.client_options(), True,
                                 protocol.ClientFactory.forProtocol(Client), reactor)
    reactor.connectTCP("127.0.0.1", port.getHost().port, client)
    assert await asyncio.wait_for(got.asFuture(asyncio.get_running_loop()), 2) == b"ping"
    proto = next(iter(client.protocols))
    assert proto.getPeerCertificate() == m.ssl.Certificate.loadPEM(
        (certs.root / "server.pem").read_bytes())
    proto.loseConnection()
    assert await asyncio.wait_for(client_lost.asFuture(asyncio.get_running_loop()), 2) == \
        "ConnectionDone"
    assert await asyncio.wait_for(lost.asFuture(asyncio.get_running_loop()), 2) == \
        "ConnectionDone"
    await port.stopListening()


async def test_tls_over_tls_and_interop_with_listen_ssl(reactor: Any, certs: Certs) -> None:
    from twistio.internet import protocol
    from twistio.internet.defer import Deferred
    from twistio.protocols.tls import TLSMemoryBIOFactory

    m = _twistio(certs)

    class EchoP(protocol.Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    # The server: TLS (listenSSL), and inside it TLS again (TLSMemoryBIOFactory).
    inner_server = TLSMemoryBIOFactory(m.server_options(), False,
                                       protocol.Factory.forProtocol(EchoP), reactor)
    port = reactor.listenSSL(0, inner_server, m.server_options(), interface="127.0.0.1")
    got: Deferred[bytes] = Deferred()

    class Client(protocol.Protocol):
        def connectionMade(self) -> None:
            self.transport.write(b"onion")

        def dataReceived(self, data: bytes) -> None:
            got.callback(data)
            self.transport.loseConnection()

    inner = TLSMemoryBIOFactory(m.client_options(), True,
                                protocol.ClientFactory.forProtocol(Client), reactor)
    outer = TLSMemoryBIOFactory(m.client_options(), True, inner, reactor)
    reactor.connectTCP("127.0.0.1", port.getHost().port, outer)
    assert await asyncio.wait_for(got.asFuture(asyncio.get_running_loop()), 2) == b"onion"
    await port.stopListening()


async def test_over_unix_socket(reactor: Any, certs: Certs, tmp_path: Any) -> None:
    from twistio.internet import protocol
    from twistio.internet.defer import Deferred
    from twistio.protocols.tls import TLSMemoryBIOFactory

    m = _twistio(certs)

    class EchoP(protocol.Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    got: Deferred[bytes] = Deferred()

    class Client(protocol.Protocol):
        def connectionMade(self) -> None:
            self.transport.write(b"over unix")

        def dataReceived(self, data: bytes) -> None:
            got.callback(data)
            self.transport.loseConnection()

    path = str(tmp_path / "tls.sock")
    port = reactor.listenUNIX(path, TLSMemoryBIOFactory(
        m.server_options(), False, protocol.Factory.forProtocol(EchoP), reactor))
    client_options = m.ssl.CertificateOptions(trustRoot=m.ssl.Certificate.loadPEM(
        (certs.root / "ca.pem").read_bytes()))
    reactor.connectUNIX(path, TLSMemoryBIOFactory(
        client_options, True, protocol.ClientFactory.forProtocol(Client), reactor))
    assert await asyncio.wait_for(got.asFuture(asyncio.get_running_loop()), 2) == b"over unix"
    await port.stopListening()
