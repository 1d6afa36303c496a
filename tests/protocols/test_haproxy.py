"""twistio.protocols.haproxy over real TCP: a raw socket sends a PROXY header (version 1 and
2) and the wrapped server sees the header's addresses; a connection without one is closed;
the ``haproxy:`` endpoint description; the parsers on their own."""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any

import pytest

from twistio.internet import address
from twistio.internet._reactor import AsyncioReactor
from twistio.internet.endpoints import TCP4ServerEndpoint, serverFromString
from twistio.internet.protocol import Factory, Protocol
from twistio.protocols.haproxy import proxyEndpoint
from twistio.protocols.haproxy._exceptions import (
    InvalidNetworkProtocol,
    InvalidProxyHeader,
    MissingAddressData,
)
from twistio.protocols.haproxy._v1parser import V1Parser
from twistio.protocols.haproxy._v2parser import V2Parser
from twistio.protocols.haproxy._wrapper import HAProxyWrappingFactory


class Report(Protocol):
    """Answers the first bytes it gets with the addresses its transport reports."""

    def dataReceived(self, data: bytes) -> None:
        peer, host = self.transport.getPeer(), self.transport.getHost()
        self.transport.write(
            b"%s %s:%d %s:%d\n"
            % (data, peer.host.encode(), peer.port, host.host.encode(), host.port)
        )
        self.transport.loseConnection()


def _v2(source: str, destination: str, sport: int, dport: int) -> bytes:
    block = (
        socket.inet_pton(socket.AF_INET6, source)
        + socket.inet_pton(socket.AF_INET6, destination)
        + struct.pack("!HH", sport, dport)
    )
    return V2Parser.PREFIX + b"\x21\x21" + struct.pack("!H", len(block)) + block


async def _exchange(port: int, chunks: list[bytes]) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for chunk in chunks:
        writer.write(chunk)
        await writer.drain()
        await asyncio.sleep(0)
    got = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return got


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        (
            [b"PROXY TCP4 203.0.113.7 198.51.100.1 40000 443\r\nhello"],
            b"hello 203.0.113.7:40000 198.51.100.1:443\n",
        ),
        (
            [b"PROXY TCP4 203.0.1", b"13.7 198.51.100.1 40000 443\r", b"\nhello"],
            b"hello 203.0.113.7:40000 198.51.100.1:443\n",
        ),
        (
            [_v2("2001:db8::1", "2001:db8::2", 5000, 80), b"hi"],
            b"hi 2001:db8:0:0:0:0:0:1:5000 2001:db8:0:0:0:0:0:2:80\n",
        ),
        (
            [_v2("2001:db8::1", "2001:db8::2", 5000, 80)[:7], _v2("::1", "::2", 1, 2)[7:] + b"x"],
            b"x 0:0:0:0:0:0:0:1:1 0:0:0:0:0:0:0:2:2\n",
        ),
        ([b"GET / HTTP/1.0\r\n\r\n"], b""),
        ([b"PROXY TCP4 1.2.3.4\r\nhello"], b""),
    ],
)
async def test_proxy_endpoint_over_tcp(chunks: list[bytes], expected: bytes) -> None:
    reactor: Any = AsyncioReactor()
    endpoint = proxyEndpoint(TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1"))
    port = await endpoint.listen(Factory.forProtocol(Report))
    try:
        assert await _exchange(port.getHost().port, chunks) == expected
    finally:
        await port.stopListening()


async def test_unknown_header_keeps_the_real_addresses() -> None:
    reactor: Any = AsyncioReactor()
    endpoint = serverFromString(reactor, "haproxy:tcp:0:interface=127.0.0.1")
    port = await endpoint.listen(Factory.forProtocol(Report))
    try:
        got = await _exchange(port.getHost().port, [b"PROXY UNKNOWN ignored\r\nraw"])
        words = got.split()
        assert words[0] == b"raw"
        assert words[1].startswith(b"127.0.0.1:")
        assert words[2] == b"127.0.0.1:%d" % port.getHost().port
    finally:
        await port.stopListening()


def test_wrapping_factory_log_prefix() -> None:
    assert HAProxyWrappingFactory(Factory()).logPrefix() == "Factory (PROXY)"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (b"HELLO TCP4 1.1.1.1 2.2.2.2 1 2", InvalidProxyHeader),
        (b"PROXY UDP4 1.1.1.1 2.2.2.2 1 2", InvalidNetworkProtocol),
        (b"PROXY TCP4 1.1.1.1 2.2.2.2 1", MissingAddressData),
        (b"PROXY TCP4 1.1.1.1 2.2.2.2 one 2", MissingAddressData),
        (b"PROXY TCP4 1.1.1.1 2.2.2.2 1 70000", MissingAddressData),
    ],
)
def test_v1_errors(line: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        V1Parser.parse(line)


def test_v1_feed_refuses_early_and_bounds_the_line() -> None:
    with pytest.raises(InvalidProxyHeader):
        V1Parser().feed(b"GET")
    parser = V1Parser()
    assert parser.feed(b"PROXY " + b"1" * 101) == (None, None)
    with pytest.raises(InvalidProxyHeader):
        parser.feed(b"1")


def test_v2_unix_and_local() -> None:
    block = b"/run/a.sock".ljust(108, b"\0") + b"/run/b.sock".ljust(108, b"\0")
    header = V2Parser.PREFIX + b"\x21\x31" + struct.pack("!H", len(block)) + block
    info, rest = V2Parser().feed(header + b"tail")
    assert info is not None and rest == b"tail"
    assert info.source == address.UNIXAddress(b"/run/a.sock")
    assert info.destination == address.UNIXAddress(b"/run/b.sock")
    local = V2Parser.parse(V2Parser.PREFIX + b"\x20\x00\x00\x00")
    assert (local.source, local.destination) == (None, None)
    with pytest.raises(InvalidProxyHeader):
        V2Parser().feed(b"\r\n\r\nX")
