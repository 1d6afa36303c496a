"""Internet services: listening and connecting services, timers, ClientService, strports."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from twistio.application import internet, service, strports
from twistio.internet import error
from twistio.internet.defer import CancelledError, Deferred, succeed
from twistio.internet.protocol import ClientFactory, Factory, Protocol
from twistio.internet.task import Clock
from twistio.internet.testing import MemoryReactor, StringTransport
from twistio.python.failure import Failure

TIMEOUT = 2.0


class Echo(Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


async def roundtrip(port: int, payload: bytes = b"ping") -> bytes:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), TIMEOUT)
    writer.write(payload)
    data = await asyncio.wait_for(reader.readexactly(len(payload)), TIMEOUT)
    writer.close()
    return data


async def test_tcp_server_listens_while_running() -> None:
    svc = internet.TCPServer(0, Factory.forProtocol(Echo), interface="127.0.0.1")
    svc.privilegedStartService()
    svc.startService()
    port = svc._port.getHost().port
    assert await roundtrip(port) == b"ping"
    await asyncio.wait_for(asyncio.ensure_future(_maybe(svc.stopService())), TIMEOUT)
    assert not svc.running
    with pytest.raises(OSError):
        await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), TIMEOUT)


async def _maybe(d: Any) -> Any:
    return (await d) if d is not None else None


def test_memory_reactor_servers_and_clients() -> None:
    reactor = MemoryReactor()
    factory = Factory.forProtocol(Echo)
    server = internet.TCPServer(8080, factory, interface="127.0.0.1", reactor=reactor)
    server.startService()
    assert reactor.tcpServers[0][:2] == (8080, factory)
    clientFactory = ClientFactory.forProtocol(Echo)
    client = internet.TCPClient("example.com", 80, clientFactory, reactor=reactor)
    client.startService()
    assert reactor.tcpClients[0][:3] == ("example.com", 80, clientFactory)
    assert client.stopService() is None and not client.running
    unix = internet.UNIXServer("/tmp/x.sock", factory, reactor=reactor)
    unix.startService()
    assert reactor.unixServers[0][:2] == ("/tmp/x.sock", factory)


def test_timer_service_calls_now_then_every_step() -> None:
    clock = Clock()
    calls: list[float] = []
    timer = internet.TimerService(5, lambda: calls.append(clock.seconds()))
    timer.clock = clock
    timer.startService()
    assert calls == [0]
    clock.advance(5)
    clock.advance(5)
    assert calls == [0, 5, 10]
    stopped: list[Any] = []
    timer.stopService().addCallback(stopped.append)
    assert stopped and not timer.running
    clock.advance(5)
    assert calls == [0, 5, 10]


def test_timer_service_stop_waits_for_call_in_progress() -> None:
    clock = Clock()
    pending: Deferred[None] = Deferred()
    timer = internet.TimerService(1, lambda: pending)
    timer.clock = clock
    timer.startService()
    stopped: list[Any] = []
    timer.stopService().addCallback(stopped.append)
    assert not stopped
    pending.callback(None)
    assert stopped


def test_strports_service_raises_for_a_bad_description() -> None:
    with pytest.raises(ValueError):
        strports.service("nonsense:1:2", Factory())


async def test_strports_service_listens_and_stops() -> None:
    svc = strports.service("tcp:0:interface=127.0.0.1", Factory.forProtocol(Echo))
    parent = service.MultiService()
    svc.setServiceParent(parent)
    parent.startService()
    port = await asyncio.wait_for(asyncio.ensure_future(_port_of(svc)), TIMEOUT)
    assert await roundtrip(port.getHost().port, b"hello") == b"hello"
    await asyncio.wait_for(asyncio.ensure_future(_maybe(parent.stopService())), TIMEOUT)
    assert not svc.running


async def _port_of(svc: internet.StreamServerEndpointService) -> Any:
    found: Deferred[Any] = Deferred()
    assert svc._waitingForPort is not None
    svc._waitingForPort.addCallback(lambda p: (found.callback(p), p)[1])
    return await found


async def test_strports_service_raises_when_port_in_use() -> None:
    first = strports.service("tcp:0:interface=127.0.0.1", Factory())
    first.startService()
    port = (await _port_of(first)).getHost().port
    second = strports.service(f"tcp:{port}:interface=127.0.0.1", Factory())
    with pytest.raises(error.CannotListenError):
        second.startService()
    await _maybe(first.stopService())


class FakeEndpoint:
    def __init__(self) -> None:
        self.attempts: list[tuple[Deferred[Any], Any]] = []

    def connect(self, factory: Any) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        self.attempts.append((d, factory))
        return d

    def succeed(self) -> tuple[Protocol, StringTransport]:
        d, factory = self.attempts[-1]
        proto = factory.buildProtocol(None)
        transport = StringTransport()
        proto.makeConnection(transport)
        d.callback(proto)
        return proto, transport


def test_client_service_reconnects_with_clock() -> None:
    clock = Clock()
    endpoint = FakeEndpoint()
    delays: list[int] = []

    def policy(attempt: int) -> float:
        delays.append(attempt)
        return 5.0

    svc = internet.ClientService(endpoint, Factory.forProtocol(Protocol), policy, clock)
    gaveUp = svc.whenConnected(failAfterFailures=2)
    results: list[Any] = []
    gaveUp.addBoth(results.append)
    svc.startService()
    assert len(endpoint.attempts) == 1
    endpoint.attempts[-1][0].errback(ConnectionRefusedError("one"))
    assert delays == [1] and len(endpoint.attempts) == 1
    clock.advance(5)
    assert len(endpoint.attempts) == 2
    endpoint.attempts[-1][0].errback(ConnectionRefusedError("two"))
    assert delays == [1, 2]
    assert isinstance(results[0], Failure) and results[0].check(ConnectionRefusedError)
    clock.advance(5)
    proto, transport = endpoint.succeed()
    connected: list[Any] = []
    svc.whenConnected().addCallback(connected.append)
    assert connected == [proto]
    # Losing the connection starts over after retryPolicy(1).
    proto.connectionLost(Failure(error.ConnectionDone()))
    assert delays == [1, 2, 1]
    later: list[Any] = []
    svc.whenConnected().addCallback(later.append)
    clock.advance(5)
    proto2, transport2 = endpoint.succeed()
    assert later == [proto2]
    # Stopping closes the connection and waits for it to be lost.
    stopped: list[Any] = []
    svc.stopService().addCallback(stopped.append)
    assert transport2.disconnecting and not stopped
    proto2.connectionLost(Failure(error.ConnectionDone()))
    assert stopped == [None]
    after: list[Any] = []
    svc.whenConnected().addErrback(lambda f: after.append(f.type))
    assert after == [CancelledError]


def test_client_service_stop_while_waiting_cancels_waiters() -> None:
    clock = Clock()
    endpoint = FakeEndpoint()
    svc = internet.ClientService(endpoint, Factory.forProtocol(Protocol), lambda n: 1.0, clock)
    svc.startService()
    endpoint.attempts[-1][0].errback(ConnectionRefusedError())
    waiting: list[Any] = []
    svc.whenConnected().addErrback(lambda f: waiting.append(f.type))
    stopped: list[Any] = []
    svc.stopService().addCallback(stopped.append)
    assert stopped == [None] and waiting == [CancelledError]
    assert clock.getDelayedCalls() == []


def test_client_service_prepare_connection() -> None:
    clock = Clock()
    endpoint = FakeEndpoint()
    prepared: list[Any] = []
    gate: Deferred[None] = Deferred()

    def prepare(proto: Any) -> Deferred[None]:
        prepared.append(proto)
        return gate

    svc = internet.ClientService(
        endpoint, Factory.forProtocol(Protocol), clock=clock, prepareConnection=prepare
    )
    svc.startService()
    connected: list[Any] = []
    svc.whenConnected().addCallback(connected.append)
    proto, _ = endpoint.succeed()
    assert prepared == [proto] and connected == []
    gate.callback(None)
    assert connected == [proto]


def test_backoff_policy() -> None:
    policy = internet.backoffPolicy(jitter=lambda: 0)
    assert [policy(i) for i in (0, 1, 2, 3)] == [1.0, 1.5, 2.25, 3.375]
    assert policy(11) == 60.0 and policy(10**6) == 60.0
    assert succeed(None)  # keeps the import used


def _stop_before_start(twisted: bool) -> list[object]:
    if twisted:
        from twisted.application.internet import ClientService as Service
        from twisted.internet import defer as d_module
        from twisted.internet.task import Clock as ClockClass
    else:
        from twistio.application.internet import ClientService as Service  # type: ignore[assignment]
        from twistio.internet import defer as d_module  # type: ignore[no-redef]
        from twistio.internet.task import Clock as ClockClass  # type: ignore[assignment]
    out: list[object] = []

    class Endpoint:
        def connect(self, factory: object) -> object:
            out.append("connect")
            return d_module.Deferred()

    def name(r: object) -> str:
        return type(getattr(r, "value", r)).__name__

    service = Service(Endpoint(), None, clock=ClockClass())
    service.whenConnected(failAfterFailures=1).addBoth(lambda r: out.append(("d1", name(r))))
    service.stopService().addBoth(lambda r: out.append(("stop", r)))
    service.whenConnected().addBoth(lambda r: out.append(("d2", name(r))))
    service.startService()
    service.whenConnected().addBoth(lambda r: out.append(("d3", name(r))))
    service.stopService().addBoth(lambda r: out.append(("stop2", r)))
    return out


def test_client_service_stopped_before_start_keeps_its_waiters() -> None:
    """magic-wormhole stops a ClientService it never started: earlier waiters stay pending
    (until a later start and stop), later ones fail at once, as with Twisted's."""
    ours = _stop_before_start(False)
    assert ours == [
        ("stop", None), ("d2", "CancelledError"), "connect",
        ("d1", "CancelledError"), ("d3", "CancelledError"), ("stop2", None),
    ]
    pytest.importorskip("twisted.application.internet")
    assert ours == _stop_before_start(True)


def _restart_while_stopping(twisted: bool) -> list[object]:
    """A connected service stopped, started again before its connection has closed, and
    stopped again: the log of what the endpoint and the Deferreds saw."""
    if twisted:
        from twisted.application.internet import ClientService as Service
        from twisted.internet import defer as d_module
        from twisted.internet.protocol import Factory as FactoryClass
        from twisted.internet.task import Clock as ClockClass
        from twisted.internet.testing import StringTransport as Transport
    else:
        from twistio.application.internet import ClientService as Service  # type: ignore[assignment]
        from twistio.internet import defer as d_module  # type: ignore[no-redef]
        from twistio.internet.protocol import Factory as FactoryClass  # type: ignore[assignment]
        from twistio.internet.task import Clock as ClockClass  # type: ignore[assignment]
        from twistio.internet.testing import StringTransport as Transport  # type: ignore[assignment]
    out: list[object] = []
    built: list[Any] = []

    class Endpoint:
        def connect(self, factory: Any) -> object:
            out.append("connect")
            proto = factory.buildProtocol(None)
            proto.makeConnection(Transport())
            built.append(proto)
            return d_module.succeed(proto)

    def lose(n: int) -> None:
        built[n].connectionLost(Failure(error.ConnectionDone()))
        out.append(f"lost {n}")

    def note(tag: str) -> Callable[[object], None]:
        return lambda r: out.append((tag, type(getattr(r, "value", r)).__name__))

    service = Service(Endpoint(), FactoryClass.forProtocol(Protocol), clock=ClockClass())
    service.startService()
    service.stopService().addBoth(note("stop1"))
    service.whenConnected().addBoth(note("waiter"))
    service.startService()  # before the first connection has closed: no connect yet
    out.append(("closing", built[0].transport.disconnecting))
    service.stopService().addBoth(note("stop2"))
    service.startService()
    lose(0)  # both stops fire, then the service connects again
    service.stopService().addBoth(note("stop3"))
    lose(1)
    service.whenConnected().addBoth(note("after"))
    return out


def test_client_service_restarted_while_stopping() -> None:
    """Started again while a stop waits for the connection to close, a ClientService
    connects only once it has closed, and the stops' Deferreds all fire then (just after the
    new attempt starts); a waiter
    from the stopping time gets the new connection (as with Twisted's)."""
    ours = _restart_while_stopping(False)
    assert ours == [
        "connect", ("closing", True), "connect", ("stop1", "NoneType"), ("stop2", "NoneType"),
        ("waiter", "Protocol"), "lost 0", ("stop3", "NoneType"), "lost 1",
        ("after", "CancelledError"),
    ]
    pytest.importorskip("twisted.application.internet")
    assert ours == _restart_while_stopping(True)
