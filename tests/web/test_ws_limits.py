"""A WebSocket frame counts toward ``max_message_size`` as its bytes arrive: a frame that
announces more than the limit is closed with 1009 once the limit is passed, not buffered to
its announced length (docs/reliability.md)."""

from __future__ import annotations

from typing import Any

from tests.fuzz._targets import _HANDSHAKE, _server_frames
from twistio.internet.address import IPv4Address
from twistio.internet.testing import MemoryReactorClock, StringTransport
from twistio.web import server
from twistio.web.websocket import WebSocketResource


class _Sink:
    def __init__(self) -> None:
        self.got: list[Any] = []

    def negotiationStarted(self, transport: Any) -> None:
        pass

    def negotiationFinished(self) -> None:
        pass

    def textMessageReceived(self, message: str) -> None:
        self.got.append(message)

    def bytesMessageReceived(self, data: bytes) -> None:
        self.got.append(data)

    def pongReceived(self, payload: bytes) -> None:
        pass

    def connectionLost(self, reason: Any) -> None:
        self.got.append("lost")


def test_huge_frame_closes_once_past_the_limit() -> None:
    sink = _Sink()

    class Factory:
        def buildProtocol(self, request: Any) -> _Sink:
            return sink

    resource = WebSocketResource(Factory(), max_message_size=1000)  # type: ignore[arg-type]
    site = server.Site(resource, reactor=MemoryReactorClock(), logPath=None)
    protocol = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(_HANDSHAKE)
    transport.clear()
    # A binary frame announcing 1 GB (masked, 64-bit length), then its first bytes.
    protocol.dataReceived(b"\x82\xff" + (10**9).to_bytes(8, "big") + b"\x00" * 4)
    sent = 0
    while not transport.disconnecting and sent < 10_000:
        protocol.dataReceived(b"x" * 100)
        sent += 100
    assert transport.disconnecting and 1000 < sent <= 1100
    assert _server_frames(transport.value()) == [(8, (1009).to_bytes(2, "big"))]
    assert sink.got == []
