"""twisted.protocols.haproxy against twistio's: the same headers parse to the same
addresses and errors, and the same sessions through HAProxyWrappingFactory over each side's
StringTransportWithDisconnection give the same events."""

from __future__ import annotations

import socket
import struct
from typing import Any

import pytest

pytest.importorskip("twisted")

import twisted.internet.protocol as t_protocol  # noqa: E402
import twisted.internet.testing as t_testing  # noqa: E402
import twisted.protocols.haproxy._v1parser as t_v1  # noqa: E402
import twisted.protocols.haproxy._v2parser as t_v2  # noqa: E402
import twisted.protocols.haproxy._wrapper as t_wrapper  # noqa: E402

import twistio.internet.protocol as w_protocol  # noqa: E402
import twistio.internet.testing as w_testing  # noqa: E402
import twistio.protocols.haproxy._v1parser as w_v1  # noqa: E402
import twistio.protocols.haproxy._v2parser as w_v2  # noqa: E402
import twistio.protocols.haproxy._wrapper as w_wrapper  # noqa: E402

SIDES = {
    "twisted": (t_v1, t_v2, t_wrapper, t_protocol, t_testing),
    "twistio": (w_v1, w_v2, w_wrapper, w_protocol, w_testing),
}

PREFIX = b"\r\n\r\n\x00\r\nQUIT\n"


def _both(run: Any) -> None:
    results = {name: run(*mods) for name, mods in SIDES.items()}
    assert results["twistio"] == results["twisted"]


def _addr(a: Any) -> Any:
    if a is None:
        return None
    return (type(a).__name__, *(getattr(a, f, None) for f in ("type", "host", "port", "name")))


def _outcome(call: Any) -> Any:
    try:
        info = call()
    except Exception as e:
        return type(e).__name__
    return (info.header, _addr(info.source), _addr(info.destination))


def _v2(vc: int, fam: int, block: bytes) -> bytes:
    return PREFIX + bytes([vc, fam]) + struct.pack("!H", len(block)) + block


IP4 = socket.inet_aton("10.1.2.3") + socket.inet_aton("192.0.2.9") + struct.pack("!HH", 1, 65535)
IP6 = (
    socket.inet_pton(socket.AF_INET6, "fe80::1:2")
    + socket.inet_pton(socket.AF_INET6, "::ffff:1.2.3.4")
    + struct.pack("!HH", 443, 8443)
)
UNIX = b"/tmp/a".ljust(108, b"\0") + b"\0b".ljust(108, b"\0")

V1_LINES = [
    b"PROXY TCP4 1.1.1.1 2.2.2.2 8080 8888\r\n",
    b"PROXY TCP4 1.1.1.1 2.2.2.2 8080 8888",
    b"PROXY TCP6 ::1 2001:db8::2 1 2\r\n",
    b"PROXY UNKNOWN\r\n",
    b"PROXY UNKNOWN 1.1.1.1 2.2.2.2 1 2\r\n",
    b"PROXY TCP4 1.1.1.1 2.2.2.2 8080\r\n",
    b"PROXY TCP4\r\n",
    b"PROXY\r\n",
    b"PROXY UDP4 1.1.1.1 2.2.2.2 1 2\r\n",
    b"NOTPROXY TCP4 1 2 3 4\r\n",
    b"",
    b"PROXY TCP4 1.1.1.1 2.2.2.2 1 2 3\r\n",
    b"PROXY  TCP4 1.1.1.1 2.2.2.2 1 2\r\n",
    b"PROXY tcp4 1.1.1.1 2.2.2.2 1 2\r\n",
]

V2_HEADERS = [
    _v2(0x21, 0x11, IP4),
    _v2(0x21, 0x12, IP4),
    _v2(0x21, 0x21, IP6),
    _v2(0x21, 0x22, IP6),
    _v2(0x21, 0x31, UNIX),
    _v2(0x21, 0x32, UNIX),
    _v2(0x20, 0x11, IP4),
    _v2(0x21, 0x00, b""),
    _v2(0x21, 0x10, IP4),
    _v2(0x21, 0x01, IP4),
    _v2(0x21, 0x11, IP4 + b"\x03\x00\x01x"),
    _v2(0x21, 0x13, IP4),
    _v2(0x21, 0x41, IP4),
    _v2(0x22, 0x11, IP4),
    _v2(0x11, 0x11, IP4),
    _v2(0x21, 0x11, IP4[:8]),
    _v2(0x21, 0x21, IP4),
    b"\r\n\r\n\x00\r\nQUIX\n" + _v2(0x21, 0x11, IP4)[12:],
]


@pytest.mark.parametrize("line", V1_LINES)
def test_v1_parse(line: bytes) -> None:
    _both(lambda v1, v2, wrapper, protocol, testing: _outcome(lambda: v1.V1Parser.parse(line)))


@pytest.mark.parametrize("header", V2_HEADERS)
def test_v2_parse(header: bytes) -> None:
    _both(lambda v1, v2, wrapper, protocol, testing: _outcome(lambda: v2.V2Parser.parse(header)))


def test_v2_address_text() -> None:
    def run(v1: Any, v2: Any, wrapper: Any, protocol: Any, testing: Any) -> Any:
        return [
            (v2.V2Parser._bytesToIPv4(socket.inet_aton(a)),)
            for a in ("0.0.0.0", "255.255.255.255", "10.0.0.1")
        ] + [
            v2.V2Parser._bytesToIPv6(socket.inet_pton(socket.AF_INET6, a))
            for a in ("::", "::1", "2001:db8::ff00:42:8329", "fe80::a:b:c:d")
        ]

    _both(run)


FEEDS = [
    [b"PROXY TCP4 1.1.1.1 2.2.2.2 8080 8888\r\nHELLO"],
    [b"PROXY TCP4 1.1.1.1 ", b"2.2.2.2 8080 8888\r", b"\nHELLO", b"more"],
    [b"PROXY UNKNOWN x\r\nabc"],
    [b"PROXY TCP4 1.1.1.1 2.2.2.2 8080 8888\r\n", b"", b"after"],
    [_v2(0x21, 0x11, IP4) + b"DATA"],
    [_v2(0x21, 0x21, IP6)[:20], _v2(0x21, 0x21, IP6)[20:] + b"X", b"Y"],
    [_v2(0x20, 0x00, b"") + b"local"],
    [_v2(0x21, 0x31, UNIX), b"unix"],
    [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"],
    [b"PROXY UNKNOWN\r\n"],
    [b"PROXY TCP4 1.1.1.1 2.2.2.2 8080\r\nhello"],
    [_v2(0x21, 0x41, IP4) + b"x"],
]


@pytest.mark.parametrize("chunks", FEEDS)
def test_wrapper_session(chunks: list[bytes]) -> None:
    def run(v1: Any, v2: Any, wrapper: Any, protocol: Any, testing: Any) -> Any:
        events: list[Any] = []

        class Recorder(protocol.Protocol):
            def connectionMade(self) -> None:
                t = self.transport
                events.append(("made", _addr(t.getPeer()), _addr(t.getHost())))

            def dataReceived(self, data: bytes) -> None:
                t = self.transport
                events.append(("data", data, _addr(t.getPeer()), _addr(t.getHost())))

            def connectionLost(self, reason: Any) -> None:
                events.append(("lost", reason.type.__name__))

        factory = wrapper.HAProxyWrappingFactory(protocol.Factory.forProtocol(Recorder))
        proto = factory.buildProtocol(None)
        transport = testing.StringTransportWithDisconnection()
        transport.protocol = proto
        proto.makeConnection(transport)
        for chunk in chunks:
            proto.dataReceived(chunk)
            events.append(("connected", transport.connected))
        return events, factory.logPrefix()

    _both(run)
