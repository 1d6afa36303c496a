"""web._newclient's Twisted-facing pieces: HTTPParser/HTTPClientParser, Response's states,
the body consumers and the protocol's edges (no sockets; StringTransport)."""

from __future__ import annotations

from typing import Any

import pytest

from twistio.internet.defer import CancelledError, Deferred
from twistio.internet.error import ConnectionDone
from twistio.internet.protocol import Protocol
from twistio.internet.testing import StringTransport
from twistio.python.failure import Failure
from twistio.web import _newclient as nc
from twistio.web.http_headers import Headers
from twistio.web.iweb import UNKNOWN_LENGTH

HOST = Headers({b"host": [b"example.com"]})


def outcome(d: Deferred[Any]) -> Any:
    out: list[Any] = []
    d.addBoth(out.append)
    assert out, "Deferred has not fired"
    return out[0]


class Producer:
    stopped = False

    def __init__(self, length: Any) -> None:
        self.length = length

    def startProducing(self, consumer: Any) -> Deferred[None]:
        self.consumer = consumer
        self.cancelled = False

        def cancel(_: Any) -> None:
            self.cancelled = True

        self.finished: Deferred[None] = Deferred(cancel)
        return self.finished

    def stopProducing(self) -> None:
        self.stopped = True

    def pauseProducing(self) -> None:
        pass

    def resumeProducing(self) -> None:
        pass


@pytest.mark.parametrize("sep", [b"\r\n", b"\n"])
def test_http_parser_lines(sep: bytes) -> None:
    seen: list[Any] = []
    parser = nc.HTTPParser()
    parser.statusReceived = seen.append  # type: ignore[method-assign]
    parser.makeConnection(StringTransport())
    assert parser.state == nc.STATUS
    parser.dataReceived(b"HTTP/1.1 200 OK" + sep + b"X-A: one" + sep + b" two" + sep)
    assert seen == [b"HTTP/1.1 200 OK"] and parser.state == nc.HEADER
    parser.dataReceived(b"Connection: close" + sep + sep)
    assert parser.state == nc.BODY
    assert list(parser.headers.getAllRawHeaders()) == [(b"X-A", [b"one two"])]
    assert parser.connHeaders.getRawHeaders(b"connection") == [b"close"]
    with pytest.raises(RuntimeError):
        parser.switchToBodyMode(None)


def client_parser(method: bytes = b"GET") -> tuple[nc.HTTPClientParser, list[bytes], list[bytes], StringTransport]:
    finished: list[bytes] = []
    parser = nc.HTTPClientParser(nc.Request(method, b"/", HOST, None), finished.append)
    transport = StringTransport()
    parser.makeConnection(transport)
    body: list[bytes] = []
    parser.dataReceived(b"HTTP/1.1 200 OK\r\n")
    assert parser.response is not None
    parser.response._bodyDataReceived = body.append  # type: ignore[method-assign]
    return parser, body, finished, transport


def test_client_parser_length_and_rest() -> None:
    parser, body, finished, transport = client_parser()
    parser.dataReceived(b"Content-Length: 1, 001\r\n\r\n")
    assert transport.producerState == "paused"
    assert parser.response is not None and parser.response.length == 1
    parser.dataReceived(b"xextra")
    assert (body, finished, parser.state) == ([b"x"], [b"extra"], nc.DONE)


def test_client_parser_chunked_beats_length() -> None:
    parser, body, finished, _ = client_parser()
    parser.dataReceived(b"Content-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    assert (body, finished) == ([b"abc"], [b""])


@pytest.mark.parametrize("value", [b"1, 2", b"+1", b"-1"])
def test_client_parser_bad_length(value: bytes) -> None:
    parser, _, _, _ = client_parser()
    with pytest.raises(ValueError):
        parser.dataReceived(b"Content-Length: " + value + b"\r\n\r\n")


def test_client_parser_head_keeps_length_and_skips_1xx() -> None:
    finished: list[bytes] = []
    parser = nc.HTTPClientParser(nc.Request(b"HEAD", b"/", HOST, None), finished.append)
    parser.makeConnection(StringTransport())
    parser.dataReceived(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
    assert parser.response is None and parser.state == nc.STATUS
    parser.dataReceived(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nnext")
    response = outcome(parser._responseDeferred) if parser._responseDeferred else parser.response
    assert response.headers.getRawHeaders(b"content-length") == [b"12"]
    assert (response.length, finished, parser.state) == (0, [b"next"], nc.DONE)


def test_client_parser_lost_before_head() -> None:
    parser = nc.HTTPClientParser(nc.Request(b"GET", b"/", HOST, None), None)
    d = parser._responseDeferred
    assert d is not None
    parser.makeConnection(StringTransport())
    parser.connectionLost(Failure(ConnectionDone()))
    assert outcome(d).check(nc.ResponseNeverReceived)


def test_client_parser_parse_version() -> None:
    parser = nc.HTTPClientParser(None, None)
    assert parser.parseVersion(b"CANDY/7.2") == (b"CANDY", 7, 2)
    for bad in (b"foo", b"foo/", b"foo/a.b", b"foo/-1.-1"):
        with pytest.raises(nc.BadResponseVersion):
            parser.parseVersion(bad)


class Collect(Protocol):
    def __init__(self) -> None:
        self.data: list[bytes] = []
        self.reason: Failure | None = None

    def dataReceived(self, data: bytes) -> None:
        self.data.append(data)

    def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
        self.reason = reason


def test_response_states() -> None:
    transport = StringTransport()
    transport.pauseProducing()
    response = nc.Response((b"HTTP", 1, 1), 200, b"OK", HOST, transport)
    assert response._state == "INITIAL"
    response._bodyDataReceived(b"a")
    response._bodyDataFinished()
    assert response._state == "DEFERRED_CLOSE"
    with pytest.raises(RuntimeError):
        response._bodyDataReceived(b"b")
    proto = Collect()
    response.deliverBody(proto)
    assert proto.data == [b"a"] and proto.reason is not None and proto.reason.check(nc.ResponseDone)
    assert response._state == "FINISHED"
    with pytest.raises(RuntimeError):
        response.deliverBody(Collect())
    with pytest.raises(RuntimeError):
        response._bodyDataFinished()


def test_response_resumes_its_transport_once_delivered() -> None:
    transport = StringTransport()
    transport.pauseProducing()
    response = nc.Response((b"HTTP", 1, 1), 200, b"OK", HOST, transport)
    response.deliverBody(Collect())
    assert transport.producerState == "producing"


def test_chunked_encoder() -> None:
    transport = StringTransport()
    encoder = nc.ChunkedEncoder(transport)
    encoder.registerProducer(object(), True)
    encoder.write(b"x" * 16)
    encoder.unregisterProducer()
    assert transport.value() == b"10\r\n" + b"x" * 16 + b"\r\n0\r\n\r\n"
    with pytest.raises(nc.ExcessWrite):
        encoder.write(b"late")


def test_length_enforcing_consumer() -> None:
    done: Deferred[None] = Deferred()
    producer = Producer(3)
    transport = StringTransport()
    consumer = nc.LengthEnforcingConsumer(producer, transport, done)
    consumer.write(b"ab")
    with pytest.raises(nc.WrongBodyLength):
        consumer._noMoreWritesExpected()
    done2: Deferred[None] = Deferred()
    consumer = nc.LengthEnforcingConsumer(producer, transport, done2)
    consumer.write(b"abcd")
    assert producer.stopped and outcome(done2).check(nc.WrongBodyLength)
    assert transport.value() == b"ab"


def test_transport_proxy_producer() -> None:
    transport = StringTransport()
    proxy = nc.TransportProxyProducer(transport)
    proxy.pauseProducing()
    assert transport.producerState == "paused"
    proxy.stopProxying()
    proxy.resumeProducing()
    assert transport.producerState == "paused"


def test_stateful_dispatcher() -> None:
    class Thing:
        _state = "A"

        def go(self) -> str:
            """Go."""
            return ""

        go = nc.makeStatefulDispatcher("go", go)  # type: ignore[assignment]

        def _go_A(self) -> str:
            return "a"

    thing = Thing()
    assert thing.go() == "a"
    thing._state = "B"
    with pytest.raises(RuntimeError):
        thing.go()


def test_request_head_order_and_host() -> None:
    transport = StringTransport()
    nc.Request(b"POST", b"/", HOST, None).writeTo(transport)
    assert transport.value() == (
        b"POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\nHost: example.com\r\n\r\n"
    )
    with pytest.raises(nc.BadHeaders):
        nc.Request(b"GET", b"/", Headers(), None).writeTo(StringTransport())


def connected(callback: Any = lambda p: None) -> tuple[nc.HTTP11ClientProtocol, StringTransport]:
    protocol = nc.HTTP11ClientProtocol(callback)
    transport = StringTransport()
    protocol.makeConnection(transport)
    return protocol, transport


def test_empty_response_is_back_in_the_pool_before_it_fires() -> None:
    order: list[Any] = []
    protocol, _ = connected(lambda p: order.append(p.state))
    d = protocol.request(nc.Request(b"GET", b"/", HOST, None, persistent=True))
    d.addCallback(lambda r: order.append(r.code))
    protocol.dataReceived(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert order == ["QUIESCENT", 200]


def test_cancel_during_body_cancels_production() -> None:
    protocol, transport = connected()
    producer = Producer(10)
    d = protocol.request(nc.Request(b"POST", b"/", HOST, producer))
    producer.consumer.write(b"x" * 5)
    d.cancel()
    failure = outcome(d)
    assert failure.check(nc.RequestGenerationFailed)
    assert failure.value.reasons[0].check(CancelledError)
    assert producer.cancelled and transport.disconnected


def test_abort_reports_connection_aborted() -> None:
    protocol, _ = connected()
    d = protocol.request(nc.Request(b"GET", b"/", HOST, None))
    protocol.abort()
    protocol.connectionLost(Failure(ConnectionDone()))
    failure = outcome(d)
    assert failure.check(nc.ResponseFailed)
    assert failure.value.reasons[0].check(nc.ConnectionAborted)


def test_garbage_status_line_fails_at_once() -> None:
    protocol, transport = connected()
    d = protocol.request(nc.Request(b"GET", b"/", HOST, None))
    protocol.dataReceived(b"unparseable garbage goes here\r\n")
    failure = outcome(d)
    assert failure.check(nc.ResponseFailed)
    reason = failure.value.reasons[0]
    assert reason.check(nc.ParseError) and reason.value.data == b"unparseable garbage goes here"
    assert transport.disconnecting or transport.disconnected


def test_unknown_length_body_ends_with_potential_data_loss() -> None:
    protocol, _ = connected()
    d = protocol.request(nc.Request(b"GET", b"/", HOST, None))
    protocol.dataReceived(b"HTTP/1.1 200 OK\r\n\r\nsome")
    response = outcome(d)
    body = Collect()
    response.deliverBody(body)
    protocol.connectionLost(Failure(ConnectionDone()))
    assert body.data == [b"some"]
    assert body.reason is not None and body.reason.check(nc.PotentialDataLoss)
    assert response.length is UNKNOWN_LENGTH
