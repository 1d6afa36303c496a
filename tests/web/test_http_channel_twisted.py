"""HTTPChannel as Twisted's behaves (issue 14): its transport's producer from the connection
on, pipelined requests one at a time with a bounded read-ahead, a bad request line answered
at once, Twisted's channel attributes (maxHeaders), HTTPFactory's access log, HTTPClient's
deprecation, and the h2 switch of the generic channel."""

from __future__ import annotations

import io
import warnings
from typing import Any

import pytest

from twistio.internet.protocol import Protocol
from twistio.internet.task import Clock
from twistio.internet.testing import StringTransport
from twistio.web import http


class Held(http.Request):
    """A request answered only when the test says so."""

    made: list[Held] = []

    def process(self) -> None:
        Held.made.append(self)

    def answer(self) -> None:
        self.setHeader(b"content-length", b"2")
        self.write(b"ok")
        self.finish()


class Producer:
    def __init__(self) -> None:
        self.events: list[str] = []

    def pauseProducing(self) -> None:
        self.events.append("pause")

    def resumeProducing(self) -> None:
        self.events.append("resume")

    def stopProducing(self) -> None:
        self.events.append("stop")


def _channel(factory: Any = Held) -> tuple[http.HTTPChannel, StringTransport]:
    Held.made = []
    channel = http.HTTPChannel()
    channel.requestFactory = factory
    transport = StringTransport()
    channel.makeConnection(transport)
    return channel, transport


GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def test_the_channel_is_its_transports_producer_from_the_start() -> None:
    channel, transport = _channel()
    assert transport.producer is channel and transport.streaming
    channel.loseConnection()
    assert transport.producer is None and transport.disconnecting


def test_write_back_pressure_reaches_a_requests_push_producer() -> None:
    channel, transport = _channel()
    channel.dataReceived(GET)
    [request] = Held.made
    producer = Producer()
    request.registerProducer(producer, True)  # type: ignore[arg-type]
    assert transport.producer is channel  # the channel stays registered
    channel.pauseProducing()
    assert producer.events == ["pause"] and transport.producerState == "paused"
    channel.resumeProducing()
    assert producer.events == ["pause", "resume"] and transport.producerState == "producing"
    request.unregisterProducer()
    channel.pauseProducing()
    assert producer.events == ["pause", "resume"]
    # Registered while the transport is paused: paused at once.
    late = Producer()
    request.registerProducer(late, True)  # type: ignore[arg-type]
    assert late.events == ["pause"]
    channel.stopProducing()
    assert late.events == ["pause", "stop"]


def test_pipelined_requests_are_parsed_one_at_a_time() -> None:
    channel, transport = _channel()
    channel.dataReceived(GET * 3)
    assert len(channel.requests) == 1 and len(Held.made) == 1
    for n in (2, 3):
        Held.made[-1].answer()
        assert len(channel.requests) == 1 and len(Held.made) == n
    Held.made[-1].answer()
    assert channel.requests == []
    assert transport.value().count(b"HTTP/1.1 200 OK\r\n") == 3


def test_reading_pauses_past_the_read_ahead_and_resumes_after_the_answer() -> None:
    channel, transport = _channel()
    channel.dataReceived(GET)
    limit = channel._optimisticEagerReadSize
    assert limit == 16384
    channel.dataReceived(b"x" * limit)  # unparsed: the request is being answered
    assert transport.producerState == "producing"
    channel.dataReceived(b"x")
    assert transport.producerState == "paused"
    channel._optimisticEagerReadSize = 0
    Held.made[0].answer()
    # What was read ahead is parsed now (and refused: an over-long request line).
    assert transport.value().endswith(b"HTTP/1.1 414 Request-URI Too Long\r\n\r\n")


def test_a_small_read_ahead_pauses_until_the_request_is_answered() -> None:
    channel, transport = _channel()
    channel._optimisticEagerReadSize = 0
    channel.dataReceived(GET)
    channel.dataReceived(b"GET ")
    assert transport.producerState == "paused"
    Held.made[0].answer()
    assert transport.producerState == "producing"  # "GET " is the start of a head
    assert not transport.disconnecting


async def test_a_requests_pull_producer_is_driven_by_the_channel() -> None:
    import asyncio

    done: list[bytes] = []

    class Pull:
        def __init__(self, request: http.Request) -> None:
            self.request = request
            self.count = 0

        def resumeProducing(self) -> None:
            self.count += 1
            self.request.write(b"%d" % self.count)
            if self.count == 5:
                self.request.unregisterProducer()
                self.request.finish()
                done.append(b"")

        def stopProducing(self) -> None: ...

    class PullRequest(http.Request):
        def process(self) -> None:
            self.registerProducer(Pull(self), False)  # type: ignore[arg-type]

    channel, transport = _channel(PullRequest)
    channel.dataReceived(GET)
    for _ in range(100):
        if done:
            break
        await asyncio.sleep(0)
    assert done
    assert transport.producer is channel
    body = transport.value().split(b"\r\n\r\n", 1)[1]
    assert body == b"1\r\n1\r\n1\r\n2\r\n1\r\n3\r\n1\r\n4\r\n1\r\n5\r\n0\r\n\r\n"


def test_a_bad_request_line_is_answered_at_once() -> None:
    for line in (b"GET /\r\n", b"GET / HTTP/2.0\r\n", b"G(T / HTTP/1.1\r\n"):
        channel, transport = _channel()
        for i in range(len(line)):
            channel.dataReceived(line[i : i + 1])
        assert transport.value() == b"HTTP/1.1 400 Bad Request\r\n\r\n", line
        assert transport.disconnecting
    # A good request line waits for the rest of the head.
    channel, transport = _channel()
    channel.dataReceived(b"GET / HTTP/1.1\r\n")
    assert transport.value() == b"" and not transport.disconnecting


def test_a_request_made_by_hand_on_a_channel_keeps_the_connection() -> None:
    channel, transport = _channel()
    request = http.Request(channel, False)
    request.clientproto = b"HTTP/1.1"
    request.write(b"Hello")
    head, body = transport.value().split(b"\r\n\r\n", 1)
    assert b"Transfer-Encoding: chunked" in head and b"Connection: close" not in head
    assert body == b"5\r\nHello\r\n"


def test_max_headers_is_the_channels_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http.HTTPChannel, "maxHeaders", 1)
    channel, transport = _channel()
    channel.dataReceived(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    Held.made[0].answer()
    channel.dataReceived(b"GET / HTTP/1.1\r\nHost: x\r\nX: y\r\n\r\n")
    assert transport.value().endswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n")


def test_no_head_timer_without_a_timeout() -> None:
    clock = Clock()
    factory = http.HTTPFactory(timeout=None, reactor=clock)
    channel = factory.buildProtocol(None)
    channel.makeConnection(StringTransport())
    channel.dataReceived(b"GET / HT")
    assert clock.getDelayedCalls() == []
    factory = http.HTTPFactory(timeout=None, reactor=clock)
    factory.headerTimeout = 5
    channel = factory.buildProtocol(None)
    channel.makeConnection(StringTransport())
    channel.dataReceived(b"GET / HT")
    assert len(clock.getDelayedCalls()) == 1


def test_http_factory_access_log_as_in_twisted() -> None:
    from twistio.python.log import logfile

    factory = http.HTTPFactory()
    factory.timeOut = None
    factory._logDateTime = "sometime"
    with pytest.raises(AttributeError):
        factory.logFile  # noqa: B018
    factory.startFactory()
    assert factory.logFile is logfile
    sink = io.BytesIO()
    factory.logFile = sink  # type: ignore[assignment]
    wrapped = factory.logFile
    assert isinstance(wrapped, io.TextIOWrapper) and wrapped.buffer is sink
    channel = factory.buildProtocol(None)
    channel.makeConnection(StringTransport())
    channel.dataReceived(b"GET /path HTTP/1.1\r\n\r\n")
    channel.requests[0].finish()
    assert b'sometime "GET /path HTTP/1.1"' in sink.getvalue()
    factory.stopFactory()


def test_http_client_is_deprecated() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cls = http.HTTPClient  # type: ignore[attr-defined]
    assert cls is http._HTTPClient and cls.__name__ == "HTTPClient"
    [w] = caught
    assert issubclass(w.category, DeprecationWarning)
    assert str(w.message).startswith("twistio.web.http.HTTPClient was deprecated in Twisted 24.7.0")


def test_generic_channel_switches_to_h2_on_its_first_bytes() -> None:
    pytest.importorskip("h2")
    import twistio.web._http2  # noqa: F401 - registers HTTP/2 with twistio.web.http

    clock = Clock()
    generic = http._genericHTTPChannelProtocolFactory(b"")
    generic.timeOut = 100
    generic.callLater = clock.callLater
    transport = StringTransport()
    transport.negotiatedProtocol = b"h2"  # type: ignore[attr-defined]
    generic.makeConnection(transport)
    original = generic._channel
    assert transport.producer is original
    [h11] = clock.getDelayedCalls()
    generic.dataReceived(b"")
    assert h11.cancelled
    assert transport.producer is generic._channel is not original
    assert len(clock.getDelayedCalls()) == 1  # the HTTP/2 connection's own timer


class _ALPN:
    def __init__(self, protocol: str) -> None:
        self.protocol = protocol

    def selected_alpn_protocol(self) -> str:
        return self.protocol


class _TLSTransport(StringTransport):
    """A transport whose TLS negotiated ``protocol`` (ALPN)."""

    def __init__(self, protocol: str) -> None:
        super().__init__()
        self.ssl_object = _ALPN(protocol)
        self.aborted = False

    def get_extra_info(self, name: str, default: object = None) -> object:
        return self.ssl_object if name == "ssl_object" else default

    def abortConnection(self) -> None:
        self.aborted = True


def test_h2_goes_to_the_registered_http2_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[tuple[object, object]] = []

    class Taker(Protocol):
        pass

    taker = Taker()

    def builder(channel: http.HTTPChannel, callLater: object) -> Protocol:
        built.append((channel, callLater))
        return taker

    monkeypatch.setattr(http, "H2_ENABLED", True)
    monkeypatch.setattr(http, "_http2Builder", None)
    http.register_http2(builder)
    channel = http.HTTPChannel()
    transport = _TLSTransport("h2")
    channel.makeConnection(transport)
    assert built == [(channel, None)]
    assert taker.transport is transport
    channel.dataReceived(b"PRI * HTTP/2.0\r\n")  # forwarded, not parsed
    assert transport.value() == b""
    # HTTP/1.1 through ALPN stays on the channel
    other = http.HTTPChannel()
    other.makeConnection(_TLSTransport("http/1.1"))
    assert len(built) == 1


def test_h2_without_a_registered_http2_protocol_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "_http2Builder", None)
    channel = http.HTTPChannel()
    transport = _TLSTransport("h2")
    channel.makeConnection(transport)
    assert transport.aborted


def test_a_transport_that_takes_no_producer_is_fine() -> None:
    transport = http.StringTransport()
    channel = http.HTTPChannel()
    channel.requestFactory = Held
    Held.made = []
    channel.makeConnection(transport)
    channel.dataReceived(GET)
    Held.made[0].answer()
    assert transport.getvalue().startswith(b"HTTP/1.1 200 OK\r\n")
    channel.loseConnection = lambda: None  # type: ignore[method-assign]
    channel.connectionLost(None)  # type: ignore[arg-type]
