"""UDP over real sockets on 127.0.0.1 and ::1: listenUDP, connected UDP, multicast.

Each test runs on every loop in conftest (asyncio's selector loop, where the port reads in
batches; uvloop and a loop without add_reader, where it runs on create_datagram_endpoint).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from twistio.internet import error
from twistio.internet.address import IPv4Address, IPv6Address
from twistio.internet.defer import Deferred
from twistio.internet.protocol import DatagramProtocol

TIMEOUT = 2.0
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(loop_factory: Callable[[], asyncio.AbstractEventLoop],
        body: Callable[[], Awaitable[Any]]) -> Any:
    """Run ``body()`` on a fresh loop from ``loop_factory``, bounded in time."""
    loop = loop_factory()
    try:
        return loop.run_until_complete(asyncio.wait_for(body(), TIMEOUT))
    finally:
        loop.close()


def _has_ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


class Recorder(DatagramProtocol):
    """Records events; ``next()`` gives a Deferred for the next datagram."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.datagrams: list[tuple[bytes, Any]] = []
        self._waiting: list[tuple[int, Deferred[Any]]] = []
        self.refused: Deferred[None] = Deferred()

    def startProtocol(self) -> None:
        self.events.append("start")

    def stopProtocol(self) -> None:
        self.events.append("stop")

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        self.datagrams.append((datagram, addr))
        for item in list(self._waiting):
            count, d = item
            if len(self.datagrams) >= count:
                self._waiting.remove(item)
                d.callback(self.datagrams[:count])

    def received(self, count: int) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        if len(self.datagrams) >= count:
            d.callback(self.datagrams[:count])
        else:
            self._waiting.append((count, d))
        return d

    def connectionRefused(self) -> None:
        self.events.append("refused")
        if not self.refused.called:
            self.refused.callback(None)


class Echo(DatagramProtocol):
    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        self.transport.write(datagram, addr)


def test_echo_ipv4(loop_factory: Any, reactor: Any) -> None:
    async def body() -> None:
        server_proto = Echo()
        server = reactor.listenUDP(0, server_proto, interface="127.0.0.1")
        host = server.getHost()
        assert isinstance(host, IPv4Address)
        assert host.type == "UDP" and host.host == "127.0.0.1" and host.port > 0
        assert server_proto.transport is server
        client_proto = Recorder()
        client = reactor.listenUDP(0, client_proto, interface="127.0.0.1")
        assert client_proto.events == ["start"]  # started inside listenUDP
        client.write(b"one", ("127.0.0.1", host.port))
        client.writeSequence([b"tw", b"o"], ("127.0.0.1", host.port))
        got = await client_proto.received(2)
        assert sorted(d for d, _ in got) == [b"one", b"two"]
        assert {a for _, a in got} == {("127.0.0.1", host.port)}
        d = client.stopListening()
        assert client_proto.events == ["start"]  # stopProtocol comes later, as in Twisted
        assert await d is None
        assert client_proto.events == ["start", "stop"]
        assert client_proto.transport is None
        assert client.socket.fileno() == -1
        await server.stopListening()
        assert await client.stopListening() is None  # not listening: fired at once

    run(loop_factory, body)


@pytest.mark.skipif(not _has_ipv6(), reason="no IPv6 loopback")
def test_echo_ipv6(loop_factory: Any, reactor: Any) -> None:
    async def body() -> None:
        server = reactor.listenUDP(0, Echo(), interface="::1")
        host = server.getHost()
        assert host == IPv6Address("UDP", "::1", host.port)
        client_proto = Recorder()
        client = reactor.listenUDP(0, client_proto, interface="::1")
        client.write(b"six", ("::1", host.port))
        [(data, addr)] = await client_proto.received(1)
        assert data == b"six"
        assert addr == ("::1", host.port)  # (host, port) only, as in Twisted
        with pytest.raises(error.InvalidAddressError):
            client.write(b"x", ("127.0.0.1", host.port))
        await client.stopListening()
        await server.stopListening()

    run(loop_factory, body)


def test_connected_udp_and_refusal(loop_factory: Any, reactor: Any) -> None:
    async def body() -> None:
        server_proto = Recorder()
        server = reactor.listenUDP(0, server_proto, interface="127.0.0.1")
        proto = Recorder()
        port = reactor.listenUDP(0, proto, interface="127.0.0.1")
        port.connect("127.0.0.1", server.getHost().port)
        port.write(b"connected")
        [(data, addr)] = await server_proto.received(1)
        assert data == b"connected" and addr[1] == port.getHost().port
        with pytest.raises(RuntimeError):
            port.connect("127.0.0.1", 1)
        await server.stopListening()
        # Nobody listens now: the ICMP refusal reaches connectionRefused.
        port.write(b"anyone?")
        port.write(b"anyone?")
        await proto.refused
        assert "refused" in proto.events
        await port.stopListening()

    run(loop_factory, body)


def test_bad_addresses(loop_factory: Any, reactor: Any) -> None:
    async def body() -> None:
        port = reactor.listenUDP(0, Recorder(), interface="127.0.0.1")
        with pytest.raises(error.InvalidAddressError):
            port.write(b"x", ("localhost", 9))
        with pytest.raises(error.InvalidAddressError):
            port.write(b"x", ("::1", 9))
        with pytest.raises(error.InvalidAddressError):
            port.connect("localhost", 9)
        with pytest.raises(error.MessageLengthError):
            port.write(b"x" * 70000, ("127.0.0.1", 9))
        await port.stopListening()
        with pytest.raises(error.InvalidAddressError):
            reactor.listenUDP(0, Recorder(), interface="localhost")

    run(loop_factory, body)


def test_cannot_listen(loop_factory: Any, reactor: Any) -> None:
    async def body() -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
            taken.bind(("127.0.0.1", 0))
            number = taken.getsockname()[1]
            proto = Recorder()
            with pytest.raises(error.CannotListenError) as info:
                reactor.listenUDP(number, proto, interface="127.0.0.1")
            assert info.value.port == number
            assert proto.events == []

    run(loop_factory, body)


def test_error_in_datagram_received_is_logged(
    loop_factory: Any, reactor: Any, caplog: pytest.LogCaptureFixture
) -> None:
    class Fragile(Recorder):
        def datagramReceived(self, datagram: bytes, addr: Any) -> None:
            super().datagramReceived(datagram, addr)
            if datagram == b"boom":
                raise ValueError("boom")

    async def body() -> None:
        proto = Fragile()
        port = reactor.listenUDP(0, proto, interface="127.0.0.1")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"boom", ("127.0.0.1", port.getHost().port))
            s.sendto(b"after", ("127.0.0.1", port.getHost().port))
            got = await proto.received(2)
        assert [d for d, _ in got] == [b"boom", b"after"]
        await port.stopListening()

    with caplog.at_level(logging.ERROR):
        run(loop_factory, body)
    assert "boom" in caplog.text or "ValueError" in caplog.text


def test_batched_reader_bounded_per_wakeup(reactor: Any) -> None:
    """On a selector loop one readiness event reads at most maxDatagramsPerRead datagrams."""

    async def body() -> None:
        proto = Recorder()
        port = reactor.listenUDP(0, proto, interface="127.0.0.1")
        assert port._batched
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for i in range(100):
                s.sendto(b"%d" % i, ("127.0.0.1", port.getHost().port))
        port._read_ready()
        assert len(proto.datagrams) == port.maxDatagramsPerRead == 64
        got = await proto.received(100)
        assert [d for d, _ in got] == [b"%d" % i for i in range(100)]
        await port.stopListening()

    run(asyncio.SelectorEventLoop, body)


def test_stop_listening_inside_datagram_received(loop_factory: Any, reactor: Any) -> None:
    class StopAtOnce(Recorder):
        def datagramReceived(self, datagram: bytes, addr: Any) -> None:
            super().datagramReceived(datagram, addr)
            self.stopped = self.transport.stopListening()

    async def body() -> None:
        proto = StopAtOnce()
        port = reactor.listenUDP(0, proto, interface="127.0.0.1")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for _ in range(5):
                s.sendto(b"x", ("127.0.0.1", port.getHost().port))
            await proto.received(1)
        await proto.stopped
        assert proto.events == ["start", "stop"]
        # Twisted delivers the rest of the batch it is reading; twistio may too (uvloop).
        assert 1 <= len(proto.datagrams) <= 5

    run(loop_factory, body)


def test_broadcast_option(loop_factory: Any, reactor: Any) -> None:
    async def body() -> None:
        port = reactor.listenUDP(0, Recorder(), interface="127.0.0.1")
        assert port.getBroadcastAllowed() is False
        port.setBroadcastAllowed(True)
        assert port.getBroadcastAllowed() is True
        await port.stopListening()

    run(loop_factory, body)


def test_one_protocol_on_two_ports(loop_factory: Any, reactor: Any) -> None:
    """startProtocol once for the first port, stopProtocol once after the last."""

    async def body() -> None:
        proto = Recorder()
        a = reactor.listenUDP(0, proto, interface="127.0.0.1")
        proto.transport = None  # Twisted's protocols hold one transport: let go of it
        b = reactor.listenUDP(0, proto, interface="127.0.0.1")
        assert proto.numPorts == 2 and proto.events == ["start"]
        await a.stopListening()
        assert proto.events == ["start"]
        await b.stopListening()
        assert proto.events == ["start", "stop"]

    run(loop_factory, body)


def test_reactor_shutdown_stops_ports(loop_factory: Any) -> None:
    from twistio.internet._reactor import AsyncioReactor

    reactor = AsyncioReactor(loop_factory())
    proto = Recorder()
    port = reactor.listenUDP(0, proto, interface="127.0.0.1")
    reactor.callWhenRunning(reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert proto.events == ["start", "stop"]
    assert not port.connected
    reactor.loop.close()


# ---------------------------------------------------------------------------- multicast


def test_multicast(loop_factory: Any, reactor: Any) -> None:
    async def body() -> None:
        group = "239.255.77.77"
        a_proto, b_proto = Recorder(), Recorder()
        a = reactor.listenMulticast(0, a_proto, listenMultiple=True)
        number = a.getHost().port
        b = reactor.listenMulticast(number, b_proto, listenMultiple=True)
        assert b.getHost().port == number
        assert a.getLoopbackMode()
        a.setLoopbackMode(False)
        assert not a.getLoopbackMode()
        a.setLoopbackMode(True)
        a.setTTL(3)
        assert a.getTTL() == 3
        assert await a.setOutgoingInterface("127.0.0.1") == 1
        assert a.getOutgoingInterface() == "127.0.0.1"
        try:
            await a.joinGroup(group, "127.0.0.1")
            await b.joinGroup(group, "127.0.0.1")
        except error.MulticastJoinError as e:  # pragma: no cover - host without multicast
            pytest.skip(f"multicast not available here: {e}")
        a.write(b"to the group", (group, number))
        assert (await a_proto.received(1))[0][0] == b"to the group"
        assert (await b_proto.received(1))[0][0] == b"to the group"
        await b.leaveGroup(group, "127.0.0.1")
        with pytest.raises(error.MulticastJoinError):
            await b.leaveGroup(group, "127.0.0.1")  # not a member any more
        await a.stopListening()
        await b.stopListening()

    run(loop_factory, body)


def test_multicast_join_bad_literal(loop_factory: Any, reactor: Any) -> None:
    async def body() -> None:
        port = reactor.listenMulticast(0, Recorder())
        with pytest.raises(error.MulticastJoinError):
            await port.joinGroup("127.0.0.1", "1.2.3")
        await port.stopListening()

    run(loop_factory, body)


# ---------------------------------------------------------------------------- the example


def test_example_udp_echo() -> None:
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "udp_echo.py"), "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(EXAMPLES.parent),
    )
    try:
        assert proc.stdout is not None
        number = int(proc.stdout.readline().rsplit(" ", 1)[1])
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(TIMEOUT)
            for message in (b"hello", b"x" * 1000):
                s.sendto(message, ("127.0.0.1", number))
                assert s.recvfrom(2048) == (message, ("127.0.0.1", number))
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0, proc.stderr.read() if proc.stderr else ""
