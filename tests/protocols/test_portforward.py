"""``protocols.portforward``: the same steps as Twisted's on fake transports, and a real
relay over TCP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from types import ModuleType

import pytest

from twistio.protocols import portforward


def _steps(pf: ModuleType, testing: ModuleType, failure: ModuleType) -> list[object]:
    seen: list[object] = []
    reactor = testing.MemoryReactor()
    factory = pf.ProxyFactory("example.com", 1234)
    seen.append((factory.host, factory.port, factory.protocol is pf.ProxyServer))
    server = factory.buildProtocol(None)
    server.reactor = reactor
    st = testing.StringTransport()
    server.makeConnection(st)
    seen.append(st.producerState)
    host, port, cf, timeout, bind = reactor.tcpClients[0]
    seen.append((host, port, cf.server is server, timeout, bind, cf.protocol is pf.ProxyClient))
    client = cf.buildProtocol(None)
    seen.append((client.peer is server, server.peer))
    ct = testing.StringTransport()
    client.makeConnection(ct)
    seen.append((server.peer is client, st.producerState, st.producer is ct, ct.producer is st))
    seen.append((st.streaming, ct.streaming))
    server.dataReceived(b"up")
    client.dataReceived(b"down")
    seen.append((ct.value(), st.value()))
    client.connectionLost(failure.Failure(Exception("x")))
    seen.append((st.disconnecting, client.peer, server.peer is client))
    server.connectionLost(failure.Failure(Exception("y")))
    seen.append(ct.disconnecting)
    other = factory.buildProtocol(None)
    other.reactor = reactor
    other_transport = testing.StringTransport()
    other.makeConnection(other_transport)
    reactor.tcpClients[1][2].clientConnectionFailed(None, failure.Failure(Exception("refused")))
    seen.append(other_transport.disconnecting)
    return seen


def test_steps_match_twisted() -> None:
    from twistio.internet import testing
    from twistio.python import failure

    ours = _steps(portforward, testing, failure)
    assert ours[-1] is True and ours[6] == (b"up", b"down")
    theirs_pf = pytest.importorskip("twisted.protocols.portforward")
    from twisted.internet import testing as ttesting
    from twisted.python import failure as tfailure

    assert ours == _steps(theirs_pf, ttesting, tfailure)


async def test_relays_a_tcp_connection_both_ways() -> None:
    from twistio.internet._reactor import AsyncioReactor
    from twistio.internet.protocol import Factory, Protocol

    reactor = AsyncioReactor()

    class Echo(Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data.upper())

    target = reactor.listenTCP(0, Factory.forProtocol(Echo), interface="127.0.0.1")
    forward = portforward.ProxyFactory("127.0.0.1", target.getHost().port)

    class Server(portforward.ProxyServer):
        pass

    Server.reactor = reactor
    forward.protocol = Server
    relay = reactor.listenTCP(0, forward, interface="127.0.0.1")
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", relay.getHost().port), 5
    )
    writer.write(b"hello relay")
    got = b""
    while len(got) < 11:
        chunk = await asyncio.wait_for(reader.read(100), 5)
        assert chunk
        got += chunk
    assert got == b"HELLO RELAY"
    writer.close()
    assert await asyncio.wait_for(reader.read(), 5) == b""
    await relay.stopListening()
    await target.stopListening()
