"""The internet support modules run by Twisted and by twistio: the same calls, the same traces.

Covered: ``test.iosim`` (pumping, disconnection order, pretended TLS, producers,
``ConnectionCompleter``), ``abstract.isIPAddress``/``isIPv6Address``, ``fdesc``, the
resolver adapters of ``internet._resolver``, ``protocol.ClientCreator``/``FileWrapper``/the
consumer adapters, and ``internet.testing``'s ``SynchronousResolver``,
``LineSendingProtocol`` and ``FakeDatagramTransport``.
"""

from __future__ import annotations

import importlib
import io
import os
import socket
import types
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("twisted")


class Impl(types.SimpleNamespace):
    name: str


def _impl(root: str) -> Impl:
    def mod(name: str) -> Any:
        return importlib.import_module(f"{root}.{name}")

    return Impl(
        name=root,
        iosim=mod("test.iosim"),
        protocol=mod("internet.protocol"),
        abstract=mod("internet.abstract"),
        fdesc=mod("internet.fdesc"),
        error=mod("internet.error"),
        defer=mod("internet.defer"),
        testing=mod("internet.testing"),
        resolver=mod("internet._resolver"),
        address=mod("internet.address"),
        failure=mod("python.failure"),
        task=mod("internet.task"),
        interfaces=mod("internet.interfaces"),
    )


IMPLS = [_impl("twisted"), _impl("twistio")]


def both(scenario: Callable[[Impl], Any]) -> None:
    theirs, ours = (scenario(impl) for impl in IMPLS)
    assert ours == theirs


def _logger(impl: Impl, log: list[Any]) -> Callable[[str], type]:
    def make(name: str) -> type:
        class P(impl.protocol.Protocol):  # type: ignore[name-defined,misc]
            def connectionMade(self) -> None:
                log.append((name, "made", type(self.transport).__name__))

            def dataReceived(self, data: bytes) -> None:
                log.append((name, "data", data))

            def connectionLost(self, reason: Any) -> None:
                log.append((name, "lost", reason.type.__name__))

        return P

    return make


# ------------------------------------------------------------------------ iosim


def test_iosim_pumping_and_disconnection() -> None:
    def scenario(impl: Impl) -> list[Any]:
        log: list[Any] = []
        make = _logger(impl, log)
        client, server, pump = impl.iosim.connectedServerAndClient(make("S"), make("C"))
        client.transport.write(b"hello")
        server.transport.writeSequence([b"ba", b"ck"])
        log.append(("pump", pump.pump()))
        log.append(("pump", pump.pump()))
        client.transport.write(b"x")
        log.append(("flush", pump.flush()))
        client.transport.loseConnection()
        log.append(("disconnecting", bool(client.transport.disconnecting)))
        log.append(("pump", pump.pump()))
        log.append(("pump", pump.pump()))
        log.append(("pump", pump.pump()))
        client.transport.write(b"after")
        log.append(("out", client.transport.getOutBuffer()))
        return log

    both(scenario)


def test_iosim_no_greeting_and_abort() -> None:
    def scenario(impl: Impl) -> list[Any]:
        log: list[Any] = []
        make = _logger(impl, log)

        class Greeter(make("S")):  # type: ignore[misc]
            def connectionMade(self) -> None:
                super().connectionMade()
                self.transport.write(b"hi")

        client, server, pump = impl.iosim.connectedServerAndClient(
            Greeter, make("C"), greet=False
        )
        log.append("connected")
        pump.flush()
        client.transport.write(b"a")
        server.transport.abortConnection()
        pump.flush()
        t = impl.iosim.FakeTransport(make("Z")(), True)
        t.write(b"1")
        t.writeSequence([b"2", b"3"])
        log.append((t.getOutBuffer(), t.getOutBuffer(), t.logPrefix()))
        log.append(repr(t).split(",")[0] + "," + repr(t).split(",")[2])
        log.append((impl.iosim.makeFakeClient(None).isServer, impl.iosim.makeFakeServer(None).isServer))
        return log

    both(scenario)


def test_iosim_pretended_tls() -> None:
    def scenario(impl: Impl) -> list[Any]:
        log: list[Any] = []
        make = _logger(impl, log)
        ssl_transport = impl.interfaces.ISSLTransport

        class ContextFactory:
            def __init__(self, name: str) -> None:
                self.name = name

            def iosimVerify(self, other: Any) -> bool:
                log.append(("verify", self.name, other.name))
                return True

        client, server, pump = impl.iosim.connectedServerAndClient(make("S"), make("C"))
        client.transport.write(b"plain")
        client.transport.startTLS(ContextFactory("c"))
        client.transport.write(b"early")
        server.transport.startTLS(ContextFactory("s"))
        server.transport.write(b"server early")
        for _ in range(5):
            moved = pump.pump()
            log.append(
                (
                    moved,
                    client.transport.tls is None,
                    server.transport.tls is None,
                    ssl_transport.providedBy(client.transport),
                    ssl_transport.providedBy(server.transport),
                )
            )
        return log

    both(scenario)


def test_iosim_producers_and_clock() -> None:
    def scenario(impl: Impl) -> list[Any]:
        log: list[Any] = []
        make = _logger(impl, log)

        class Producer:
            def resumeProducing(self) -> None:
                log.append("resume")

            def pauseProducing(self) -> None:
                log.append("pause")

            def stopProducing(self) -> None:
                log.append("stop")

        clock = impl.task.Clock()

        class Timed(make("S")):  # type: ignore[misc]
            def connectionMade(self) -> None:
                clock.callLater(0, log.append, "timer 0")
                clock.callLater(1, log.append, "timer 1")

        client, server, pump = impl.iosim.connectedServerAndClient(Timed, make("C"), clock=clock)
        producer = Producer()
        client.transport.registerProducer(producer, False)
        pump.pump()
        pump.pump(advanceClock=False)
        client.transport.unregisterProducer()
        client.transport.registerProducer(producer, True)
        pump.pump()
        client.transport.stopConsuming()
        pump.flush()
        log.append(clock.seconds())
        return log

    both(scenario)


def test_iosim_connection_completer() -> None:
    def scenario(impl: Impl) -> list[Any]:
        log: list[Any] = []
        make = _logger(impl, log)
        endpoint, completer = impl.iosim.connectableEndpoint()
        factory = impl.protocol.Factory.forProtocol(make("C"))
        endpoint.connect(factory).addBoth(lambda r: log.append(("result", type(r).__name__)))
        pump = completer.succeedOnce()
        log.append(type(pump.server).__name__)
        endpoint.connect(factory).addBoth(
            lambda r: log.append(("result", r.type.__name__)) if hasattr(r, "type") else None
        )
        completer.failOnce()
        log.append(completer.succeedOnce())
        reactor = impl.testing.MemoryReactorClock()
        reactor.listenTCP(80, impl.protocol.Factory.forProtocol(make("S")))
        reactor.connectTCP("1.2.3.4", 80, impl.protocol.ClientFactory.forProtocol(make("C2")))
        impl.iosim.ConnectionCompleter(reactor).succeedOnce()
        return log

    both(scenario)


# -------------------------------------------------------------- address checks


ADDRESSES = [
    "1.2.3.4", "1.2.3", "01.2.3.4", "1.2.3.256", " 1.2.3.4", "1.2.3.4 ", "1.2.3.-4",
    "0x1.2.3.4", "", "1.2.3.4.", "::1", "fe80::1%eth0", "fe80::1%", "%eth0", ":::",
    "1::2::3", "::ffff:1.2.3.4", "é", "1.2.3.4\x00", "localhost",
]


def test_is_ip_address() -> None:
    def scenario(impl: Impl) -> list[Any]:
        out = []
        for addr in ADDRESSES:
            out.append(
                (
                    addr,
                    impl.abstract.isIPAddress(addr),
                    impl.abstract.isIPAddress(addr, socket.AF_INET6),
                    impl.abstract.isIPv6Address(addr),
                )
            )
        out.append(impl.abstract.isIPv6Address(b"::1"))
        out.append(impl.abstract.isIPAddress(b"1.2.3.4"))
        try:
            impl.abstract.isIPAddress("1.2.3.4", socket.AF_UNIX)
        except ValueError:
            out.append("ValueError")
        return out

    both(scenario)


# ------------------------------------------------------------------------- fdesc


def test_fdesc_on_pipes() -> None:
    def scenario(impl: Impl) -> list[Any]:
        out: list[Any] = []
        r, w = os.pipe()
        try:
            impl.fdesc.setNonBlocking(r)
            impl.fdesc.setNonBlocking(w)
            out.append(os.get_blocking(r))
            got: list[bytes] = []
            out.append(impl.fdesc.readFromFD(r, got.append))
            out.append(impl.fdesc.writeToFD(w, b"hello"))
            out.append(impl.fdesc.readFromFD(r, got.append))
            out.append(impl.fdesc.writeToFD(w, b""))
            while True:
                written = impl.fdesc.writeToFD(w, b"x" * 65536)
                if written == 0:
                    out.append("full")
                    break
            impl.fdesc.setBlocking(r)
            out.append(os.get_blocking(r))
            impl.fdesc.setNonBlocking(r)
            os.close(w)
            w = -1
            while impl.fdesc.readFromFD(r, lambda data: None) is None:
                pass
            out.append(repr(impl.fdesc.readFromFD(r, got.append)))
            out.append(got)
        finally:
            os.close(r)
            if w != -1:
                os.close(w)
        out.append(repr(impl.fdesc.readFromFD(-1, got.append)))
        out.append(repr(impl.fdesc.writeToFD(-1, b"x")))
        return out

    both(scenario)


# --------------------------------------------------------------------- resolvers


def test_resolver_adapters() -> None:
    def scenario(impl: Impl) -> list[Any]:
        log: list[Any] = []
        defer, error, address = impl.defer, impl.error, impl.address

        class Simple:
            def getHostByName(self, name: str, timeout: Any = ()) -> Any:
                log.append(("simple", name, tuple(timeout)))
                if name == "missing":
                    return defer.fail(error.DNSLookupError(name))
                return defer.succeed("1.2.3.4")

        class Receiver:
            def resolutionBegan(self, resolution: Any) -> None:
                log.append(("began", resolution.name))

            def addressResolved(self, addr: Any) -> None:
                log.append(("address", type(addr).__name__, addr.type, addr.host, addr.port))

            def resolutionComplete(self) -> None:
                log.append("complete")

        complex_ = impl.resolver.SimpleResolverComplexifier(Simple())
        for name in ("example.com", "missing"):
            resolution = complex_.resolveHostName(Receiver(), name, 80)
            log.append(resolution.name)
            try:
                resolution.cancel()
            except NotImplementedError:
                log.append("cannot cancel")

        class Complex:
            def resolveHostName(
                self, receiver: Any, name: str, port: int = 0, addressTypes: Any = None,
                transportSemantics: str = "TCP",
            ) -> None:
                log.append(("complex", name, port, [t.__name__ for t in addressTypes or ()]))
                receiver.resolutionBegan(impl.resolver.HostResolution(name))
                if name != "none":
                    receiver.addressResolved(address.IPv4Address("TCP", "5.6.7.8", port))
                    receiver.addressResolved(address.IPv4Address("TCP", "9.9.9.9", port))
                receiver.resolutionComplete()

        simple = impl.resolver.ComplexResolverSimplifier(Complex())
        simple.getHostByName("a").addBoth(lambda r: log.append(("got", r)))
        simple.getHostByName("none").addBoth(lambda r: log.append(("failed", r.type.__name__)))
        sync = impl.testing.SynchronousResolver()
        sync.resolveHostName(Receiver(), "anything.example", 443)
        reactor = impl.testing.MemoryReactorClock()
        log.append(type(reactor.nameResolver).__name__)
        log.append(reactor.installNameResolver(sync) is not sync)
        log.append(reactor.nameResolver is sync)
        return log

    both(scenario)


# ------------------------------------------------------------- protocol helpers


def test_client_creator_on_memory_reactor() -> None:
    def scenario(impl: Impl) -> list[Any]:
        log: list[Any] = []
        reactor = impl.testing.MemoryReactorClock()

        class P(impl.protocol.Protocol):  # type: ignore[name-defined,misc]
            def __init__(self, tag: str, *, extra: int = 0) -> None:
                self.tag = tag
                self.extra = extra

            def connectionMade(self) -> None:
                log.append(("made", self.tag, self.extra))

        creator = impl.protocol.ClientCreator(reactor, P, "t", extra=7)
        d = creator.connectTCP("example.com", 80, timeout=5)
        d.addBoth(lambda r: log.append(("fired", getattr(r, "tag", None))))
        host, port, factory, timeout, bind = reactor.tcpClients[0]
        log.append((host, port, timeout, bind))
        proto = factory.buildProtocol(None)
        proto.makeConnection(impl.testing.StringTransport())
        log.append("before clock")
        reactor.advance(0)
        d2 = creator.connectUNIX("/tmp/nowhere", timeout=3, checkPID=True)
        d2.addBoth(lambda r: log.append(("unix", r.type.__name__)))
        reactor.unixClients[0][1].clientConnectionFailed(
            None, impl.failure.Failure(impl.error.ConnectionRefusedError())
        )
        log.append("failed")
        reactor.advance(0)
        d3 = creator.connectSSL("h", 443, object())
        d3.addErrback(lambda f: log.append(("cancelled", f.type.__name__)))
        d3.cancel()
        log.append(reactor.connectors[-1]._disconnected)
        return log

    both(scenario)


def test_file_wrapper_and_adapters() -> None:
    def scenario(impl: Impl) -> list[Any]:
        log: list[Any] = []
        f = io.BytesIO()
        wrapper = impl.protocol.FileWrapper(f)

        class Producer:
            def resumeProducing(self) -> None:
                log.append("resume")

            def stopProducing(self) -> None:
                log.append("stop")

        wrapper.write(b"abc")
        wrapper.writeSequence([b"d", b"e"])
        log.append((f.getvalue(), wrapper.getPeer(), wrapper.getHost()))
        wrapper.registerProducer(Producer(), False)
        wrapper.unregisterProducer()
        wrapper.registerProducer(Producer(), True)
        wrapper.loseConnection()
        log.append((wrapper.closed, f.closed))

        class BadFile:
            def write(self, data: bytes) -> None:
                raise OSError("disk full")

            def close(self) -> None:
                pass

        impl.protocol.FileWrapper(BadFile()).write(b"swallowed")

        class Consumer:
            def write(self, data: bytes) -> None:
                log.append(("consumer", data))

        adapter = impl.protocol.ConsumerToProtocolAdapter(Consumer())
        adapter.makeConnection(None)
        adapter.connectionMade()
        adapter.dataReceived(b"zz")
        adapter.connectionLost(None)

        class Proto:
            def dataReceived(self, data: bytes) -> None:
                log.append(("protocol", data))

        other = impl.protocol.ProtocolToConsumerAdapter(Proto())
        other.write(b"q")
        other.registerProducer(None, True)
        other.unregisterProducer()
        return log

    both(scenario)


def test_testing_helpers() -> None:
    def scenario(impl: Impl) -> list[Any]:
        out: list[Any] = []
        t = impl.testing.FakeDatagramTransport()
        t.write(b"x", ("1.2.3.4", 5))
        t.write(b"y")
        out.append([(p, a if isinstance(a, tuple) else "noAddr") for p, a in t.written])
        out.append(t.written[1][1] is t.noAddr)
        p = impl.testing.LineSendingProtocol([b"a", b"b"])
        st = impl.testing.StringTransport()
        p.makeConnection(st)
        p.dataReceived(b"one\r\ntwo\r\n")
        p.connectionLost(impl.failure.Failure(impl.error.ConnectionDone()))
        out.append((st.value(), p.response, p.lostConn))
        later = impl.testing.LineSendingProtocol([b"a"], start=False)
        st2 = impl.testing.StringTransport()
        later.makeConnection(st2)
        out.append(st2.value())
        later.dataReceived(b"go\r\n")
        out.append(st2.value())
        return out

    both(scenario)


def test_warnings_suppression() -> None:
    import warnings

    def scenario(impl: Impl) -> list[Any]:
        utils = importlib.import_module(f"{impl.name}.internet.utils")
        suppress = [(("ignore",), {"category": DeprecationWarning})]

        def warn(x: Any) -> Any:
            warnings.warn("old", DeprecationWarning, stacklevel=1)
            return x

        def later() -> Any:
            warnings.warn("old", DeprecationWarning, stacklevel=1)
            return d

        out: list[Any] = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out.append(utils.runWithWarningsSuppressed(suppress, warn, 3))
            wrapped = utils.suppressWarnings(warn, *suppress)
            out.append((wrapped(4), wrapped.__name__))
            d = impl.defer.Deferred()
            out.append(utils.runWithWarningsSuppressed(suppress, later) is d)
            out.append(len(caught))
            d.addCallback(warn)
            d.callback(5)
            out.append([str(w.message) for w in caught])
            out.append(warn(6))
            out.append(len(caught))
        return out

    both(scenario)
