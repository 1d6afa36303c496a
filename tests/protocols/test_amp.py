"""twistio.protocols.amp: the wire bytes (compared with Twisted's), commands and their
errors between two connections, protocol switching, and StartTLS over real sockets."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest

from twistio.internet import defer, interfaces
from twistio.internet.protocol import Factory, Protocol
from twistio.internet.testing import StringTransport
from twistio.protocols import amp
from twistio.python.failure import Failure
from twistio.test import iosim


class Sum(amp.Command):
    arguments = [(b"a", amp.Integer()), (b"b", amp.Integer(optional=True))]
    response = [(b"total", amp.Integer())]
    errors = {ZeroDivisionError: b"ZERO"}
    fatalErrors = {KeyError: b"KEY"}


class Hello(amp.Command):
    arguments = [(b"name", amp.Unicode())]
    response = [(b"greeting", amp.Unicode())]


class Calculator(amp.AMP):
    @Sum.responder
    def sum(self, a: int, b: int | None = None) -> dict[str, Any]:
        if a == 0:
            raise ZeroDivisionError("zero")
        if a == 1:
            raise KeyError("fatal")
        if a == 2:
            raise RuntimeError("undeclared")
        return {"total": a + (b or 0)}

    @Hello.responder
    def hello(self, name: str) -> defer.Deferred[dict[str, str]]:
        return defer.succeed({"greeting": f"hello, {name}"})

    def amp_ECHO(self, box: amp.AmpBox) -> amp.AmpBox:
        return amp.AmpBox(echo=box[b"value"])


def test_box_serialization_is_sorted_and_length_prefixed() -> None:
    box = amp.AmpBox(b=b"2", a=b"1")
    assert box.serialize() == b"\x00\x01a\x00\x011\x00\x01b\x00\x012\x00\x00"
    assert amp.parseString(box.serialize() * 2) == [box, box]
    assert isinstance(amp.AmpBox({"k": b"v"}).popitem()[0], bytes)
    with pytest.raises(TypeError):
        amp.AmpBox(a="text").serialize()
    with pytest.raises(amp.TooLong):
        amp.AmpBox({b"k" * 256: b""}).serialize()
    with pytest.raises(amp.TooLong):
        amp.AmpBox(k=b"v" * 65536).serialize()


def test_arguments_round_trip() -> None:
    tz = amp._FixedOffsetTZInfo.fromSignHoursMinutes("-", 3, 30)
    cases: list[tuple[amp.Argument, Any, bytes]] = [
        (amp.Integer(), 2**80, str(2**80).encode()),
        (amp.Float(), 0.5, b"0.5"),
        (amp.Boolean(), True, b"True"),
        (amp.Unicode(), "\u2603", "\u2603".encode()),
        (amp.Decimal(), decimal.Decimal("1.50"), b"1.50"),
        (amp.ListOf(amp.Integer()), [1, 22], b"\x00\x011\x00\x0222"),
        (
            amp.DateTime(),
            datetime.datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=tz),
            b"2020-01-02T03:04:05.000006-03:30",
        ),
    ]
    for argument, value, wire in cases:
        assert argument.toString(value) == wire
        assert argument.fromString(wire) == value
    assert (
        amp.DateTime().toString(datetime.datetime(2020, 1, 1, tzinfo=amp.utc)).endswith(b"-00:00")
    )
    with pytest.raises(ValueError):
        amp.DateTime().toString(datetime.datetime(2020, 1, 1))
    with pytest.raises(TypeError):
        amp.Boolean().fromString(b"yes")
    lst = amp.AmpList([(b"x", amp.Integer())])
    assert lst.fromStringProto(lst.toStringProto([{"x": 1}, {"x": 2}], None), None) == [
        {"x": 1},
        {"x": 2},
    ]


def _their_amp() -> Any:
    return pytest.importorskip("twisted.protocols.amp")


def test_wire_bytes_match_twisted() -> None:
    """The same call and the same answers make the same bytes on Twisted and twistio."""
    tamp = _their_amp()
    from twisted.internet.testing import StringTransport as TStringTransport

    def run(module: Any, transport_class: Any) -> list[bytes]:
        class TSum(module.Command):
            commandName = b"Sum"
            arguments = [(b"a", module.Integer()), (b"b", module.Integer(optional=True))]
            response = [(b"total", module.Integer())]
            errors = {ZeroDivisionError: b"ZERO"}

        class Server(module.AMP):
            @TSum.responder
            def sum(self, a: int, b: int | None = None) -> dict[str, int]:
                if a == 0:
                    raise ZeroDivisionError("zero")
                return {"total": a + (b or 0)}

        out = []
        client = module.AMP()
        transport = transport_class()
        client.makeConnection(transport)
        client.callRemote(TSum, a=3, b=4)
        client.callRemote(TSum, a=5)
        out.append(transport.value())
        server = Server()
        stransport = transport_class()
        server.makeConnection(stransport)
        server.dataReceived(transport.value())
        for box in (
            module.AmpBox(_command=b"Sum", _ask=b"9", a=b"0"),
            module.AmpBox(_command=b"Nope", _ask=b"a"),
        ):
            server.dataReceived(box.serialize())
        out.append(stransport.value())
        return out

    assert run(amp, StringTransport) == run(tamp, TStringTransport)


def _pair() -> tuple[amp.AMP, amp.AMP, iosim.IOPump]:
    """(client, server, pump), as ``connectedServerAndClient`` returns them."""
    return iosim.connectedServerAndClient(ServerClass=Calculator, ClientClass=amp.AMP)


def test_commands_answers_and_errors() -> None:
    client, server, pump = _pair()
    results: list[Any] = []
    client.callRemote(Sum, a=3, b=4).addBoth(results.append)
    client.callRemote(Hello, name="you").addBoth(results.append)
    client.callRemote(Sum, a=0).addBoth(results.append)
    client.callRemoteString(b"ECHO", value=b"x").addBoth(results.append)
    client.callRemoteString(b"MISSING").addBoth(results.append)
    pump.flush()
    assert results[0] == {"total": 7}
    assert results[1] == {"greeting": "hello, you"}
    assert isinstance(results[2], Failure) and results[2].check(ZeroDivisionError)
    assert results[3][b"echo"] == b"x"
    assert results[4].check(amp.UnhandledCommand)
    assert not client.transport.disconnecting
    # An undeclared error is reported as unknown, and closes the connection.
    client.callRemote(Sum, a=2).addBoth(results.append)
    pump.flush()
    assert results[5].check(amp.UnknownRemoteError)
    assert server.transport is None  # closed after the reply
    with pytest.raises(amp.InvalidSignature):
        client.callRemote(Sum, b=1)


def test_fatal_error_and_connection_loss() -> None:
    client, server, pump = _pair()
    results: list[Any] = []
    client.callRemote(Sum, a=1).addBoth(results.append)
    pump.flush()
    assert results[0].check(KeyError)
    assert server.transport is None  # closed after the reply
    # A question outstanding when the connection goes fails with the reason.
    client, server, pump = _pair()
    waiting = client.callRemote(Sum, a=5)
    waiting.addBoth(results.append)
    client.connectionLost(Failure(amp.ConnectionLost("gone")))
    assert results[1].check(amp.ConnectionLost)
    failed: list[Any] = []
    client.callRemote(Sum, a=5).addErrback(failed.append)
    assert failed and failed[0].check(amp.ConnectionLost)


def test_answerless_command_returns_none() -> None:
    class Tell(amp.Command):
        arguments = [(b"what", amp.String())]
        requiresAnswer = False

    heard: list[bytes] = []

    class Listener(amp.AMP):
        @Tell.responder
        def tell(self, what: bytes) -> dict[str, Any]:
            heard.append(what)
            return {}

    client, server, pump = iosim.connectedServerAndClient(ServerClass=Listener, ClientClass=amp.AMP)
    assert client.callRemote(Tell, what=b"news") is None
    pump.flush()
    assert heard == [b"news"]


def test_protocol_switch() -> None:
    class Switch(amp.ProtocolSwitchCommand):
        pass

    class Collect(Protocol):
        def __init__(self) -> None:
            self.data = b""

        def dataReceived(self, data: bytes) -> None:
            self.data += data

    serverInner = Collect()

    class Switcher(amp.AMP):
        @Switch.responder
        def switch(self) -> Protocol:
            return serverInner

    client, server, pump = iosim.connectedServerAndClient(ServerClass=Switcher, ClientClass=amp.AMP)
    factory = Factory.forProtocol(Collect)
    done: list[Any] = []
    client.callRemote(Switch, factory).addCallback(done.append)
    with pytest.raises(amp.ProtocolSwitched):
        client.callRemote(Sum, a=3)
    pump.flush()
    assert done == [{}]
    client.transport.write(b"raw bytes")
    pump.flush()
    assert serverInner.data == b"raw bytes"
    assert isinstance(client.innerProtocol, Collect)


class TLSCalculator(Calculator):
    @Hello.responder
    def hello(self, name: str) -> defer.Deferred[dict[str, str]]:
        tls = interfaces.ISSLTransport.providedBy(self.transport)
        return defer.succeed({"greeting": "tls" if tls else "plain"})


@pytest.mark.asyncio
async def test_start_tls_over_real_sockets() -> None:
    """StartTLS with no certificates (the server presents a throwaway one): the first
    command after it already runs on a TLS transport."""
    pytest.importorskip("cryptography")
    from twistio.internet import reactor
    from twistio.internet.protocol import ClientCreator

    port = reactor.listenTCP(0, Factory.forProtocol(TLSCalculator), interface="127.0.0.1")
    try:
        client = await ClientCreator(reactor, amp.AMP).connectTCP("127.0.0.1", port.getHost().port)
        assert await client.callRemote(Hello, name="x") == {"greeting": "plain"}
        await client.callRemote(amp.StartTLS)
        assert await client.callRemote(Hello, name="x") == {"greeting": "tls"}
        assert await client.callRemote(Sum, a=20, b=22) == {"total": 42}
        with pytest.raises(amp.OnlyOneTLS):
            client.callRemote(amp.StartTLS)
        client.transport.loseConnection()
    finally:
        await port.stopListening()


def test_answer_arriving_while_the_command_is_being_sent() -> None:
    """A transport that delivers at once (both ends in one process) brings the answer back
    before ``callRemote`` returns: the question is already waiting for it."""

    class Pipe:
        disconnecting = False
        peer: Any = None

        def write(self, data: bytes) -> None:
            self.peer.dataReceived(data)

        def getPeer(self) -> str:
            return "pipe"

        getHost = getPeer

        def loseConnection(self) -> None:
            self.disconnecting = True

    client, server = amp.AMP(), Calculator()
    to_server, to_client = Pipe(), Pipe()
    to_server.peer, to_client.peer = server, client
    client.makeConnection(to_server)
    server.makeConnection(to_client)
    results: list[Any] = []
    for a in range(5, 8):
        client.callRemote(Sum, a=a, b=1).addBoth(results.append)
    assert results == [{"total": 6}, {"total": 7}, {"total": 8}]
