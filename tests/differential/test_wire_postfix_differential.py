"""twisted.protocols.wire and twisted.protocols.postfix against twistio's: the same sessions
over each side's StringTransport give the same bytes, closes and producer registrations."""

from __future__ import annotations

import struct
import time
from typing import Any

import pytest

pytest.importorskip("twisted")

import twisted.internet.defer as t_defer  # noqa: E402
import twisted.internet.task as t_task  # noqa: E402
import twisted.internet.testing as t_testing  # noqa: E402
import twisted.protocols.postfix as t_postfix  # noqa: E402
import twisted.protocols.wire as t_wire  # noqa: E402

import twistio.internet.defer as w_defer  # noqa: E402
import twistio.internet.task as w_task  # noqa: E402
import twistio.internet.testing as w_testing  # noqa: E402
import twistio.protocols.postfix as w_postfix  # noqa: E402
import twistio.protocols.wire as w_wire  # noqa: E402

SIDES = {
    "twisted": (t_wire, t_postfix, t_testing, t_defer, t_task),
    "twistio": (w_wire, w_postfix, w_testing, w_defer, w_task),
}


def _both(run: Any) -> None:
    results = {name: run(*mods) for name, mods in SIDES.items()}
    assert results["twistio"] == results["twisted"]


@pytest.mark.parametrize("name", ["QOTD", "Who", "Echo", "Discard"])
def test_wire_session(name: str) -> None:
    def run(wire: Any, postfix: Any, testing: Any, defer: Any, task: Any) -> Any:
        p = getattr(wire, name)()
        t = testing.StringTransport()
        p.makeConnection(t)
        p.dataReceived(b"some bytes\r\n")
        p.dataReceived(b"more")
        return t.value(), t.disconnecting

    _both(run)


def test_wire_subclass_answers() -> None:
    def run(wire: Any, postfix: Any, testing: Any, defer: Any, task: Any) -> Any:
        class Quote(wire.QOTD):
            def getQuote(self) -> bytes:
                return b"Less is more."

        class Users(wire.Who):
            def getUsers(self) -> bytes:
                return b"alice\r\nbob"

        out = []
        for cls in (Quote, Users):
            t = testing.StringTransport()
            cls().makeConnection(t)
            out.append((t.value(), t.disconnecting))
        return out

    _both(run)


def test_chargen_is_a_pull_producer() -> None:
    def run(wire: Any, postfix: Any, testing: Any, defer: Any, task: Any) -> Any:
        p = wire.Chargen()
        t = testing.StringTransport()
        p.makeConnection(t)
        steps = [(t.producer is p, bool(t.streaming), t.value())]
        for _ in range(3):
            p.resumeProducing()
            steps.append((t.producer is p, bool(t.streaming), t.value()))
        p.pauseProducing()
        p.stopProducing()
        return steps, t.value(), t.disconnecting, wire.Chargen.noise

    _both(run)


def test_time_sends_posix_seconds_as_twisted_does() -> None:
    t = w_testing.StringTransport()
    before = int(time.time())
    w_wire.Time().makeConnection(t)
    (value,) = struct.unpack("!i", t.value())
    assert before <= value <= int(time.time()) and t.disconnecting
    u = t_testing.StringTransport()
    t_wire.Time().makeConnection(u)
    assert abs(struct.unpack("!i", u.value())[0] - value) <= 1


def test_daytime_answers() -> None:
    # Twisted 26.10's Daytime adds str and bytes and raises; twistio sends the line.
    t = w_testing.StringTransport()
    w_wire.Daytime().makeConnection(t)
    line = t.value()
    assert line.endswith(b"\r\n") and t.disconnecting
    time.strptime(line[:-2].decode("ascii"), "%a %b %d %H:%M:%S %Y")


@pytest.mark.parametrize(
    "value",
    [b"plain", b"a b%c\n=+", b"\x00\xff~-_.!*'()/", "text with spaces", b""],
)
def test_quote(value: Any) -> None:
    assert w_postfix.quote(value) == t_postfix.quote(value)


@pytest.mark.parametrize("value", [b"a%20b%25", b"%41%2", "%41", b"no escapes", b"%zz"])
def test_unquote(value: Any) -> None:
    assert w_postfix.unquote(value) == t_postfix.unquote(value)


LINES = [
    b"get foo",
    b"get nope",
    b"get a b",
    b"get a%20b",
    b"get none",
    b"get empty",
    b"get text",
    b"get\tfoo",
    b"get",
    b"put",
    b"put foo bar",
    b"frob x",
    b"",
    b"GET foo",
    b"get a b c",
    b"get a\tb",
    b"get  a",
    b"get ",
    b"put ",
    b"put a",
    b"put  a",
    b"put a ",
    b"put a b c",
    b"put a\tb",
    b" get foo",
    b"get\tfoo bar",
]
DATA = {
    b"a b c": b"3",
    b"a\tb": b"tab",
    b" a": b"sp",
    b"foo bar": b"fb",
    b"foo": b"bar baz",
    b"a b": b"1",
    b"none": None,
    b"empty": b"",
    b"text": "t x",
}


@pytest.mark.parametrize("factory", ["PostfixTCPMapDictServerFactory",
                                     "PostfixTCPMapDeferringDictServerFactory"])  # fmt: skip
def test_postfix_answers(factory: str) -> None:
    def run(wire: Any, postfix: Any, testing: Any, defer: Any, task: Any) -> Any:
        f = getattr(postfix, factory)(dict(DATA))
        p = f.buildProtocol(None)
        t = testing.StringTransport()
        p.makeConnection(t)
        out = []
        for line in LINES:
            p.dataReceived(line + b"\n")
            out.append(t.value())
            t.clear()
        p.dataReceived(b"get foo\r\n")  # the CR is part of the key
        out.append(t.value())
        p.connectionLost(None)
        return out

    _both(run)


@pytest.mark.parametrize("outcome", ["value", "none", "error", "keyerror"])
def test_postfix_deferred_lookup(outcome: str) -> None:
    def run(wire: Any, postfix: Any, testing: Any, defer: Any, task: Any) -> Any:
        pending = defer.Deferred()

        class Slow(postfix.PostfixTCPMapDeferringDictServerFactory):
            def get(self, key: bytes) -> Any:
                return pending

        p = Slow().buildProtocol(None)
        t = testing.StringTransport()
        p.makeConnection(t)
        p.dataReceived(b"get k\n")
        before = t.value()
        if outcome == "value":
            pending.callback(b"v w")
        elif outcome == "none":
            pending.callback(None)
        elif outcome == "error":
            pending.errback(ValueError("the table is down"))
        else:
            pending.errback(KeyError("k"))
        p.connectionLost(None)
        return before, t.value()

    _both(run)


def test_postfix_idle_timeout() -> None:
    def run(wire: Any, postfix: Any, testing: Any, defer: Any, task: Any) -> Any:
        clock = task.Clock()
        p = postfix.PostfixTCPMapDictServerFactory({b"a": b"1"}).buildProtocol(None)
        p.callLater = clock.callLater
        t = testing.StringTransport()
        p.makeConnection(t)
        seen = []
        clock.advance(599)
        p.dataReceived(b"get a\n")
        clock.advance(599)
        seen.append(t.disconnecting)
        clock.advance(2)
        seen.append(t.disconnecting)
        p.connectionLost(None)
        return seen, t.value(), postfix.PostfixTCPMapServer.timeout

    _both(run)


def test_postfix_overlong_line_closes() -> None:
    def run(wire: Any, postfix: Any, testing: Any, defer: Any, task: Any) -> Any:
        p = postfix.PostfixTCPMapDictServerFactory({}).buildProtocol(None)
        t = testing.StringTransport()
        p.makeConnection(t)
        p.dataReceived(b"x" * 20000)
        p.connectionLost(None)
        return t.value(), t.disconnecting

    _both(run)


def test_portforward_pairs_and_paces_both_ends() -> None:
    import twisted.protocols.portforward as t_pf

    import twistio.protocols.portforward as w_pf

    def run(testing: Any, pf: Any) -> Any:
        reactor = testing.MemoryReactor()
        factory = pf.ProxyFactory("backend.example", 4242)
        server = factory.buildProtocol(None)
        server.reactor = reactor
        st = testing.StringTransport()
        server.makeConnection(st)
        seen: list[Any] = [st.producerState, [c[:2] + (c[3],) for c in reactor.tcpClients]]
        cf = reactor.tcpClients[0][2]
        client = cf.buildProtocol(None)
        seen.append((type(client).__name__, client.peer is server, server.peer is None))
        ct = testing.StringTransport()
        client.makeConnection(ct)
        seen.append((server.peer is client, st.producerState, st.producer is ct))
        seen.append((ct.producer is st, bool(st.streaming), bool(ct.streaming)))
        server.dataReceived(b"up")
        client.dataReceived(b"down")
        seen.append((ct.value(), st.value()))
        client.connectionLost(None)
        seen.append((st.disconnecting, client.peer, server.peer is client))
        server.connectionLost(None)
        seen.append((server.peer, ct.disconnecting))
        # the destination cannot be reached: the accepted connection is closed
        other = factory.buildProtocol(None)
        other.reactor = reactor
        ot = testing.StringTransport()
        other.makeConnection(ot)
        reactor.tcpClients[1][2].clientConnectionFailed(None, None)
        seen.append(ot.disconnecting)
        lone = pf.Proxy()
        lone.connectionLost(None)
        seen.append((lone.peer, pf.Proxy.noisy, pf.ProxyServer.reactor))
        return seen

    assert run(w_testing, w_pf) == run(t_testing, t_pf)
