"""protocols.tls with what code written for Twisted hands it: pyOpenSSL contexts and
connections, context factories declaring no interface, pull producers, small writes.

Where pyOpenSSL is installed (the test extra), a pyOpenSSL context drives pyOpenSSL's own
Connection under the TLS layer; without it those tests skip.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from tests.internet.test_ssl import OPENSSL, Certs
from twistio.internet import error, interfaces, protocol
from twistio.internet.task import Clock
from twistio.internet.testing import StringTransport
from twistio.protocols import tls
from twistio.protocols._tls_legacy import LegacyContextFactoryWarning
from twistio.python.failure import Failure

needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is needed")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return Certs(tmp_path_factory.mktemp("tls-compat"))


class Rec(protocol.Protocol):
    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.reason: Any = None

    def dataReceived(self, data: bytes) -> None:
        self.received.append(data)

    def connectionLost(self, reason: Any = None) -> None:
        self.reason = reason


def _pair(client_cf: Any, server_cf: Any, clock: Clock) -> tuple[Any, Any, Any, Any]:
    cp, sp = Rec(), Rec()
    c = tls.TLSMemoryBIOFactory(client_cf, True, protocol.Factory.forProtocol(lambda: cp), clock)
    s = tls.TLSMemoryBIOFactory(server_cf, False, protocol.Factory.forProtocol(lambda: sp), clock)
    ct, st = c.buildProtocol(None), s.buildProtocol(None)
    ct.makeConnection(StringTransport())
    st.makeConnection(StringTransport())
    return ct, st, cp, sp


def _pump(c: Any, s: Any, clock: Clock) -> None:
    for _ in range(20):
        clock.advance(0)
        a, b = c.transport.value(), s.transport.value()
        c.transport.clear()
        s.transport.clear()
        if not a and not b:
            return
        if a:
            s.dataReceived(a)
        if b:
            c.dataReceived(b)


# -- pyOpenSSL ---------------------------------------------------------------------------


@needs_openssl
def test_pyopenssl_context_drives_pyopenssl_connection(certs: Certs) -> None:
    SSL = pytest.importorskip("OpenSSL.SSL")

    @interfaces.implementer(interfaces.IOpenSSLContextFactory)
    class PyClient:
        def getContext(self) -> Any:
            return SSL.Context(SSL.TLS_METHOD)

    clock = Clock()
    c, s, cp, sp = _pair(PyClient(), certs.server.options(), clock)
    _pump(c, s, clock)
    assert isinstance(c.getHandle(), SSL.Connection)
    # The peer's certificate is pyOpenSSL's X509 there, twistio's Certificate here.
    peer = c.getPeerCertificate()
    assert peer.to_cryptography().subject.rfc4514_string() == "CN=localhost"
    assert s.getPeerCertificate() is None
    c.write(b"hello ")
    c.write(b"there")
    s.write(b"back")
    _pump(c, s, clock)
    assert b"".join(sp.received) == b"hello there"
    assert b"".join(cp.received) == b"back"
    c.loseConnection()
    _pump(c, s, clock)
    assert c.transport.disconnecting and s.transport.disconnecting
    c.connectionLost(Failure(error.ConnectionDone()))
    s.connectionLost(Failure(error.ConnectionDone()))
    assert cp.reason.check(error.ConnectionDone)
    assert sp.reason.check(error.ConnectionDone)


@needs_openssl
def test_pyopenssl_errors_are_pyopenssls(certs: Certs) -> None:
    SSL = pytest.importorskip("OpenSSL.SSL")

    @interfaces.implementer(interfaces.IOpenSSLContextFactory)
    class PyClient:
        def getContext(self) -> Any:
            return SSL.Context(SSL.TLS_METHOD)

    clock = Clock()
    c, s, cp, sp = _pair(PyClient(), certs.server.options(), clock)
    _pump(c, s, clock)
    c.dataReceived(b"\x17\x03\x03\x00\x10" + b"x" * 16)  # a record that does not decrypt
    assert c.transport.disconnecting
    c.connectionLost(Failure(error.ConnectionDone()))
    assert cp.reason.check(SSL.Error)


def test_connection_creator_giving_a_connection_like_object() -> None:
    """A creator's connection is used as pyOpenSSL's would be: a send that must wait for
    the peer pauses the producer until bytes arrive, and the rest is sent then."""
    SSL = pytest.importorskip("OpenSSL.SSL")

    class Fake:
        def __init__(self) -> None:
            self.sent: list[bytes] = []
            self.blocked = False

        def do_handshake(self) -> None:
            pass

        def bio_write(self, data: bytes) -> None:
            self.blocked = False

        def bio_read(self, size: int) -> bytes:
            raise SSL.WantReadError()

        def recv(self, size: int) -> bytes:
            raise SSL.WantReadError()

        def send(self, data: Any) -> int:
            if self.blocked:
                raise SSL.WantReadError()
            self.sent.append(bytes(data))
            return len(data)

    fake = Fake()

    @interfaces.implementer(interfaces.IOpenSSLClientConnectionCreator)
    class Creator:
        def clientConnectionForTLS(self, tlsProtocol: Any) -> Any:
            return fake

    events: list[str] = []

    @interfaces.implementer(interfaces.IPushProducer)
    class Producer:
        def pauseProducing(self) -> None:
            events.append("pause")

        def resumeProducing(self) -> None:
            events.append("resume")

        def stopProducing(self) -> None:
            events.append("stop")

    factory = tls.TLSMemoryBIOFactory(Creator(), True, protocol.Factory.forProtocol(Rec), Clock())
    p = factory.buildProtocol(None)
    p.makeConnection(StringTransport())
    p.registerProducer(Producer(), True)
    fake.blocked = True
    tls.TLSMemoryBIOProtocol.write(p, b"one")
    tls.TLSMemoryBIOProtocol.write(p, b"two")
    assert fake.sent == [] and events == ["pause"]
    p.dataReceived(b"from the peer")
    assert b"".join(fake.sent) == b"onetwo"
    assert events == ["pause", "resume"]


# -- context factories -------------------------------------------------------------------


def test_legacy_context_factory_warns_and_broken_ones_raise() -> None:
    class NoInterface:
        def __repr__(self) -> str:
            return "plain factory"

        def getContext(self) -> Any:
            return None

    class Nothing:
        def __repr__(self) -> str:
            return "nothing"

    wrapped = protocol.Factory.forProtocol(protocol.Protocol)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError) as e:
            tls.TLSMemoryBIOFactory(NoInterface(), True, wrapped)
    assert str(e.value) == "plain factory's `getContext` method doesn't return a `Context`"
    assert [w.category for w in caught] == [LegacyContextFactoryWarning]
    assert str(caught[0].message) == (
        "plain factory does not explicitly provide any OpenSSL connection-creator Client "
        "interface; neither IOpenSSLClientConnectionCreator, nor IOpenSSLContextFactory."
    )
    assert caught[0].filename == __file__
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError, match="nothing does not even have a `getContext` method"):
            tls.TLSMemoryBIOFactory(Nothing(), False, wrapped)
    assert "Server interface; neither IOpenSSLServerConnectionCreator" in str(caught[0].message)


def test_declared_context_factory_does_not_warn() -> None:
    import ssl

    @interfaces.implementer(interfaces.IOpenSSLContextFactory)
    class Declared:
        def getContext(self) -> ssl.SSLContext:
            return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tls.TLSMemoryBIOFactory(Declared(), True, protocol.Factory.forProtocol(protocol.Protocol))


# -- producers and writes ----------------------------------------------------------------


def test_aggregate_small_writes() -> None:
    out: list[bytes] = []
    clock = Clock()
    agg = tls._AggregateSmallWrites(out.append, clock)
    agg.write(b"a")
    agg.write(b"b")
    assert out == []
    clock.advance(0)
    assert out == [b"ab"]
    agg.write(b"c")
    agg.write(b"x" * agg.MAX_BUFFER_SIZE)  # past the limit: everything goes at once
    assert out == [b"ab", b"c" + b"x" * agg.MAX_BUFFER_SIZE]
    clock.advance(0)
    assert len(out) == 2
    agg.write(b"d")
    agg.flush()
    assert out[-1] == b"d"
    assert not clock.getDelayedCalls()


def test_pull_to_push_unregisters_a_producer_that_raises() -> None:
    from twistio.python import log

    logged: list[dict[str, Any]] = []
    log.addObserver(logged.append)
    try:
        consumer = StringTransport()

        @interfaces.implementer(interfaces.IPullProducer)
        class Raising:
            calls = 0

            def resumeProducing(self) -> None:
                self.calls += 1
                if self.calls == 2:
                    raise ZeroDivisionError()
                consumer.write(b"x")

            def stopProducing(self) -> None:
                pass

        from twistio.internet.task import Cooperator

        steps: list[Any] = []
        pusher = tls._PullToPush(Raising(), consumer)
        pusher._cooperator = Cooperator(scheduler=steps.append)
        consumer.registerProducer(pusher, True)
        pusher.startStreaming()
        task = pusher._coopTask
        for _ in range(10):
            if not steps:
                break
            steps.pop(0)()
        assert pusher._finished
        assert consumer.producer is None
        assert consumer.value() == b"x"
        assert any("while calling resumeProducing on" in str(e.get("why")) for e in logged)
        pusher.stopStreaming()  # again: nothing happens
        del task
    finally:
        log.removeObserver(logged.append)


@needs_openssl
def test_writes_after_lose_connection_go_through_while_a_producer_is_registered(
    certs: Certs,
) -> None:
    from twistio.internet import ssl

    clock = Clock()
    client = ssl.optionsForClientTLS("localhost", trustRoot=certs.ca)
    c, s, cp, sp = _pair(client, certs.server.options(), clock)
    _pump(c, s, clock)

    @interfaces.implementer(interfaces.IPushProducer)
    class Producer:
        def pauseProducing(self) -> None:
            pass

        def resumeProducing(self) -> None:
            pass

        def stopProducing(self) -> None:
            pass

    c.registerProducer(Producer(), True)
    c.write(b"x ")
    c.loseConnection()
    _pump(c, s, clock)
    assert not c.transport.disconnecting
    c.write(b"hello")
    c.unregisterProducer()
    c.write(b"dropped")
    _pump(c, s, clock)
    assert c.transport.disconnecting
    assert b"".join(sp.received) == b"x hello"


def test_zope_declared_transport_interfaces_are_kept() -> None:
    zi = pytest.importorskip("zope.interface")
    import ssl as stdlib_ssl

    class IThing(zi.Interface):
        pass

    class Transport(StringTransport):
        pass

    transport = Transport()
    zi.directlyProvides(transport, IThing)
    context = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = stdlib_ssl.CERT_NONE
    factory = tls.TLSMemoryBIOFactory(context, True, protocol.Factory.forProtocol(Rec), Clock())
    p = factory.buildProtocol(None)
    p.makeConnection(transport)
    assert IThing.providedBy(p)
