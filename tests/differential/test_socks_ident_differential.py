"""twisted.protocols.socks and twisted.protocols.ident against twistio's: the same requests
and queries over each side's StringTransport give the same replies, connections, lookups
and closes."""

from __future__ import annotations

import socket
import struct
from typing import Any

import pytest

pytest.importorskip("twisted")

import twisted.internet.address as t_address  # noqa: E402
import twisted.internet.defer as t_defer  # noqa: E402
import twisted.internet.error as t_error  # noqa: E402
import twisted.internet.testing as t_testing  # noqa: E402
import twisted.protocols.ident as t_ident  # noqa: E402
import twisted.protocols.socks as t_socks  # noqa: E402
import twisted.python.failure as t_failure  # noqa: E402

import twistio.internet.address as w_address  # noqa: E402
import twistio.internet.defer as w_defer  # noqa: E402
import twistio.internet.error as w_error  # noqa: E402
import twistio.internet.testing as w_testing  # noqa: E402
import twistio.protocols.ident as w_ident  # noqa: E402
import twistio.protocols.socks as w_socks  # noqa: E402
import twistio.python.failure as w_failure  # noqa: E402

SIDES = {
    "twisted": (t_socks, t_ident, t_testing, t_address, t_defer, t_error, t_failure),
    "twistio": (w_socks, w_ident, w_testing, w_address, w_defer, w_error, w_failure),
}


def _both(run: Any) -> None:
    results = {name: run(*mods) for name, mods in SIDES.items()}
    assert results["twistio"] == results["twisted"]


def _request(
    code: int, port: int, ip: str, user: bytes = b"fred", host: bytes | None = None
) -> bytes:
    head = struct.pack("!BBH", 4, code, port) + socket.inet_aton(ip) + user + b"\0"
    return head + (host + b"\0" if host is not None else b"")


class _Side:
    """A SOCKSv4 whose destinations are StringTransports, with a fake resolver."""

    def __init__(self, socks: Any, testing: Any, address: Any, defer: Any, error: Any) -> None:
        self.events: list[Any] = []
        events = self.events

        def transport(peer: tuple[str, int], tag: str) -> Any:
            t = testing.StringTransport(
                peerAddress=address.IPv4Address("TCP", *peer),
                hostAddress=address.IPv4Address("TCP", "10.0.0.1", 1080),
            )

            def lose() -> None:
                events.append(("close", tag))
                t.disconnecting = True

            t.loseConnection = lose
            return t

        class Resolver:
            def resolve(self, name: bytes) -> Any:
                events.append(("resolve", name))
                if name == b"localhost":
                    return defer.succeed("127.0.0.1")
                return defer.fail(error.DNSLookupError(name))

        class Driver(socks.SOCKSv4):
            outgoing: Any = None
            listening: Any = None

            def connectClass(self, host: str, port: int, klass: Any, *args: Any) -> Any:
                events.append(("connect", host, port, klass.__name__))
                self.outgoing = klass(*args)
                self.outgoing.makeConnection(transport((host, port), "destination"))
                return defer.succeed(self.outgoing)

            def listenClass(self, port: int, klass: Any, *args: Any) -> Any:
                events.append(("listen", port, klass.__name__, args[1:]))
                self.listening = klass(*args)
                return defer.succeed(("10.0.0.1", 4567))

            def authorize(self, code: int, server: str, port: int, user: bytes) -> bool:
                events.append(("authorize", code, server, port, user))
                return user != b"mallory"

        self.proto = Driver()
        self.proto.reactor = Resolver()
        self.client = transport(("10.0.0.5", 4242), "client")
        self.transport = transport
        self.proto.makeConnection(self.client)

    def feed(self, *chunks: bytes) -> None:
        for chunk in chunks:
            self.proto.dataReceived(chunk)
            self.events.append(("to client", self.client.value()))
            self.client.clear()


@pytest.mark.parametrize(
    "chunks",
    [
        [_request(1, 80, "1.2.3.4")],
        [_request(1, 80, "1.2.3.4")[:5], _request(1, 80, "1.2.3.4")[5:]],
        [_request(1, 80, "1.2.3.4", user=b"")],
        [_request(1, 80, "1.2.3.4", user=b"mallory")],
        [_request(1, 8080, "0.0.0.1", host=b"localhost")],
        [_request(1, 8080, "0.0.0.9", host=b"local"), b"host\0"],
        [_request(1, 8080, "0.0.0.1", host=b"nowhere.invalid")],
        [_request(2, 0, "1.2.3.4")],
        [_request(2, 0, "0.0.0.1", host=b"localhost")],
        [_request(2, 0, "1.2.3.4", user=b"mallory")],
        [b"\x04\x01\x00"],
    ],
)
def test_socks_request(chunks: list[bytes]) -> None:
    def run(
        socks: Any, ident: Any, testing: Any, address: Any, defer: Any, error: Any, failure: Any
    ) -> Any:
        side = _Side(socks, testing, address, defer, error)
        side.feed(*chunks)
        return side.events

    _both(run)


def test_socks_connect_relays_both_ways() -> None:
    def run(
        socks: Any, ident: Any, testing: Any, address: Any, defer: Any, error: Any, failure: Any
    ) -> Any:
        side = _Side(socks, testing, address, defer, error)
        side.feed(_request(1, 80, "1.2.3.4"), b"GET / HTTP/1.0\r\n\r\n")
        out = side.proto.outgoing
        out.dataReceived(b"HTTP/1.0 200 OK\r\n")
        side.events.append(("to client", side.client.value()))
        side.events.append(("to destination", out.transport.value()))
        out.connectionLost(failure.Failure(error.ConnectionDone()))
        side.proto.connectionLost(failure.Failure(error.ConnectionDone()))
        return side.events

    _both(run)


def test_socks_bind_accepts_one_connection_from_the_named_host() -> None:
    def run(
        socks: Any, ident: Any, testing: Any, address: Any, defer: Any, error: Any, failure: Any
    ) -> Any:
        side = _Side(socks, testing, address, defer, error)
        side.feed(_request(2, 0, "1.2.3.4"))
        listening = side.proto.listening
        incoming = listening.buildProtocol(("1.2.3.4", 999))
        incoming.makeConnection(side.transport(("1.2.3.4", 999), "incoming"))
        side.events.append(("accepted", side.proto.otherConn is incoming, side.client.value()))
        side.client.clear()
        side.events.append(("second", listening.buildProtocol(("1.2.3.4", 1000))))
        side.events.append(("stranger", listening.buildProtocol(("6.6.6.6", 999))))
        incoming.dataReceived(b"from the destination")
        side.feed(b"from the client")
        side.events.append(("to destination", incoming.transport.value()))
        incoming.connectionLost(failure.Failure(error.ConnectionDone()))
        return side.events

    _both(run)


def test_socks_bind_refuses_a_stranger() -> None:
    def run(
        socks: Any, ident: Any, testing: Any, address: Any, defer: Any, error: Any, failure: Any
    ) -> Any:
        side = _Side(socks, testing, address, defer, error)
        side.feed(_request(2, 0, "1.2.3.4"))
        listening = side.proto.listening
        side.events.append(("stranger", listening.buildProtocol(("6.6.6.6", 999))))
        side.events.append(("then", listening.buildProtocol(("1.2.3.4", 999))))
        side.events.append(("to client", side.client.value()))
        return side.events

    _both(run)


def test_socks_reply_and_authorize_defaults() -> None:
    def run(
        socks: Any, ident: Any, testing: Any, address: Any, defer: Any, error: Any, failure: Any
    ) -> Any:
        out = []
        for args in [(90,), (91,), (90, 4, 80, "9.8.7.6"), (92, 0, 1, "1.1.1.1")]:
            proto = socks.SOCKSv4(reactor=object())
            transport = testing.StringTransport()
            proto.makeConnection(transport)
            proto.makeReply(*args)
            out.append((transport.value(), transport.disconnecting))
        out.append(bool(socks.SOCKSv4(reactor=object()).authorize(1, "1.2.3.4", 80, b"u")))
        return out

    _both(run)


class _Users:
    """A lookup answering by client port."""

    def __call__(self, ident: Any, defer: Any) -> Any:
        class Server(ident.IdentServer):
            def lookup(self, server: Any, client: Any) -> Any:
                self.asked = (server, client)
                answers = {
                    1: ident.NoUser,
                    2: ident.HiddenUser,
                    3: ident.InvalidPort,
                    6: ident.IdentError,
                }
                if client[1] in answers:
                    raise answers[client[1]]()
                if client[1] == 5:
                    return defer.succeed(("UNIX", "alice"))
                return ("LINUX", "bob")

        return Server


QUERIES = [
    "123, 456", "123,456", " 123 , 456 ", "1, 1", "1, 2", "1, 3", "1, 5", "1,6", "0, 5",
    "65536, 5", "65535, 5", "-1, 5", "5, 0", "abc", "1 2", "1,2,3", "", "1.5, 2",
]  # fmt: skip


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("custom", [False, True])
def test_ident_server_query(query: str, custom: bool) -> None:
    def run(
        socks: Any, ident: Any, testing: Any, address: Any, defer: Any, error: Any, failure: Any
    ) -> Any:
        cls = _Users()(ident, defer) if custom else ident.IdentServer
        server = cls()
        transport = testing.StringTransport(
            hostAddress=address.IPv4Address("TCP", "10.0.0.1", 113),
            peerAddress=address.IPv4Address("TCP", "10.0.0.9", 5000),
        )
        server.makeConnection(transport)
        sent: list[Any] = []
        server.sendLine = sent.append
        server.lineReceived(query)
        return sent, getattr(server, "asked", None), bool(transport.disconnecting)

    _both(run)


def test_ident_client_queues_and_parses() -> None:
    def run(
        socks: Any, ident: Any, testing: Any, address: Any, defer: Any, error: Any, failure: Any
    ) -> Any:
        client = ident.IdentClient()
        client.makeConnection(testing.StringTransport())
        sent: list[Any] = []
        client.sendLine = sent.append
        results = []
        for ports in [(6191, 23), (1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12)]:
            out: list[Any] = []
            client.lookup(*ports).addCallbacks(
                out.append, lambda f, out=out: out.append((f.type.__name__, str(f.value)))
            )
            results.append(out)
        steps = [list(sent)]
        for line in [
            "6191, 23 : USERID : UNIX : stjohns",
            "1,2:ERROR:NO-USER",
            "3 , 4 : ERROR : HIDDEN-USER",
            "5,6:ERROR:SOMETHING-ELSE",
            "7,8 : USERID : OTHER,US-ASCII : x y : z",
            "9,10: garbage",
        ]:
            client.lineReceived(line)
            steps.append((list(sent), len(client.queries)))
        client.connectionLost(failure.Failure(error.ConnectionDone()))
        return steps, results, client.queries

    _both(run)


def test_ident_proc_parsing() -> None:
    def run(
        socks: Any, ident: Any, testing: Any, address: Any, defer: Any, error: Any, failure: Any
    ) -> Any:
        class Table(ident.ProcServerMixin):
            def entries(self) -> Any:
                return iter(
                    [
                        "  0: 0100007F:0050 0900000A:1388 01 00000000:00000000 00:00000000"
                        " 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0",
                    ]
                )

            def getUsername(self, uid: int, getpwuid: Any = None) -> str:
                return f"user{uid}"

        table = Table()
        out: list[Any] = [
            table.unpackAddress("0100007F:0050"),
            table.dottedQuadFromHexString("0900000A"),
        ]
        for server, client in [
            (("127.0.0.1", 80), ("10.0.0.9", 5000)),
            (("10.9.9.9", 80), ("10.0.0.9", 5000)),
            (("127.0.0.1", 81), ("10.0.0.9", 5000)),
            (("127.0.0.1", 80), ("10.0.0.8", 5000)),
        ]:
            try:
                out.append(table.lookup(server, client))
            except ident.NoUser:
                out.append("NoUser")
        return out

    _both(run)
