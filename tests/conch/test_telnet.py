"""twistio.conch.telnet: what the differential tests cannot compare (Conch fails there), and a
session over a real socket."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from twistio.conch import telnet
from twistio.cred import checkers, portal
from twistio.internet import error, protocol
from twistio.internet.testing import StringTransport
from twistio.python.failure import Failure

IAC, SB, SE = telnet.IAC, telnet.SB, telnet.SE


class Recorder(telnet.Telnet):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[Any] = []

    def applicationDataReceived(self, data: bytes) -> None:
        self.events.append(("data", data))

    def unhandledSubnegotiation(self, command: bytes, data: list[bytes]) -> None:
        self.events.append(("sb", command, data))

    def enableRemote(self, option: bytes) -> bool:
        return True

    def enableLocal(self, option: bytes) -> bool:
        return True

    # A Telnet that accepts options must say how to turn them off (Telnet raises
    # NotImplementedError, as Twisted's does).
    def disableRemote(self, option: bytes) -> None:
        self.events.append(("off-remote", option))

    def disableLocal(self, option: bytes) -> None:
        self.events.append(("off-local", option))


def connected() -> tuple[Recorder, StringTransport]:
    p, tr = Recorder(), StringTransport()
    p.makeConnection(tr)
    return p, tr


def test_empty_subnegotiation_is_ignored() -> None:
    # Conch raises IndexError here.
    p, tr = connected()
    p.dataReceived(IAC + SB + IAC + SE + b"next")
    assert p.events == [("data", b"next")]
    assert not tr.disconnecting


def test_contradicting_peer_is_ignored() -> None:
    # We asked DONT, the peer answers WILL: Conch raises AssertionError; we keep waiting.
    p, tr = connected()
    p.dataReceived(IAC + telnet.WILL + telnet.NAWS)
    results: list[Any] = []
    p.dont(telnet.NAWS).addBoth(results.append)
    p.dataReceived(IAC + telnet.WILL + telnet.NAWS)
    state = p.getOptionState(telnet.NAWS)
    assert (state.him.state, state.him.negotiating, results) == ("yes", True, [])
    p.dataReceived(IAC + telnet.WONT + telnet.NAWS)
    assert results == [True] and state.him.state == "no"
    # The same on our side: WONT pending, DO arrives.
    p.dataReceived(IAC + telnet.DO + telnet.ECHO)
    p.wont(telnet.ECHO).addBoth(results.append)
    p.dataReceived(IAC + telnet.DO + telnet.ECHO + IAC + telnet.DONT + telnet.ECHO)
    assert results == [True, True] and p.getOptionState(telnet.ECHO).us.state == "no"


def test_oversized_subnegotiation_closes() -> None:
    p, tr = connected()
    p.dataReceived(IAC + SB + telnet.NAWS + b"x" * 5000 + IAC + SE + b"ignored")
    assert tr.disconnecting and p.events == []
    p.dataReceived(b"more")
    assert p.events == []


def test_unknown_command_raises_value_error() -> None:
    p, tr = connected()
    try:
        p.dataReceived(b"a" + IAC + b"\x10")
    except ValueError as e:
        assert e.args == ("Stumped", b"\x10")
    else:
        raise AssertionError("no error")


def test_authenticating_logs_out_when_the_connection_is_lost() -> None:
    logouts: list[bytes] = []

    class Realm:
        def requestAvatar(self, avatarId: bytes, mind: Any, *ifaces: Any) -> Any:
            return ifaces[0], telnet.TelnetProtocol(), lambda: logouts.append(avatarId)

    p = portal.Portal(Realm(), [checkers.InMemoryUsernamePasswordDatabaseDontUse(bob=b"x")])
    tt = telnet.TelnetTransport(telnet.AuthenticatingTelnetProtocol, p)
    tt.makeConnection(StringTransport())
    tt.dataReceived(b"bob\r\n" + IAC + telnet.DO + telnet.ECHO + b"x\r\n"
                    + IAC + telnet.DONT + telnet.ECHO)
    assert isinstance(tt.protocol, telnet.TelnetProtocol)
    assert logouts == []
    tt.connectionLost(Failure(error.ConnectionDone()))
    assert logouts == [b"bob"]


class Upper(telnet.TelnetProtocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data.upper())


class Client(telnet.Telnet):
    def __init__(self, done: asyncio.Future[bytes]) -> None:
        super().__init__()
        self.done, self.got = done, b""

    def connectionMade(self) -> None:
        self.transport.write(b"hi \xff\xff there\r\n")

    def enableRemote(self, option: bytes) -> bool:
        return option == telnet.ECHO

    def disableRemote(self, option: bytes) -> None:
        pass

    def applicationDataReceived(self, data: bytes) -> None:
        self.got += data
        if self.got.endswith(b"\n") and not self.done.done():
            self.done.set_result(self.got)


async def test_telnet_transport_over_tcp() -> None:
    from twistio.internet import reactor

    class Echoing(Upper):
        def connectionMade(self) -> None:
            self.transport.will(telnet.ECHO)

        def enableLocal(self, option: bytes) -> bool:
            return option == telnet.ECHO

    factory = protocol.ServerFactory()
    factory.protocol = lambda: telnet.TelnetTransport(Echoing)  # type: ignore[assignment]
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    done: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
    client = protocol.ClientCreator(reactor, Client, done)
    try:
        proto = await client.connectTCP("127.0.0.1", port.getHost().port)
        got = await asyncio.wait_for(done, 10)
        assert got == b"HI \xff THERE\n"
        assert proto.getOptionState(telnet.ECHO).him.state == "yes"
        proto.transport.loseConnection()
    finally:
        await port.stopListening()


def test_accepting_options_without_saying_how_to_drop_them() -> None:
    class Accepting(telnet.Telnet):
        def enableRemote(self, option: bytes) -> bool:
            return True

    p = Accepting()
    p.makeConnection(StringTransport())
    with pytest.raises(NotImplementedError):
        p.disableRemote(telnet.NAWS)
    with pytest.raises(NotImplementedError):
        telnet.Telnet().disableLocal(telnet.ECHO)


def test_subnegotiation_buffer_stops_at_its_limit() -> None:
    p, tr = connected()
    limit = telnet.Telnet._MAX_SUBNEGOTIATION_LENGTH
    p.dataReceived(IAC + SB + b"\x12" + b"A" * (limit * 2))
    assert tr.disconnecting and len(p.commands) == limit
    p.dataReceived(b"A" * 10)
    assert len(p.commands) == limit
