"""web.proxy's ProxyClient driven directly (no sockets): the status it read decides whether
a body follows; a request without ``disconnected``/``startedWriting`` attributes works."""

from __future__ import annotations

from twistio.internet.testing import StringTransportWithDisconnection
from twistio.web import proxy
from twistio.web.test.requesthelper import DummyRequest


def test_not_modified_has_no_body_and_finishes_the_request() -> None:
    father = DummyRequest([b""])
    client = proxy.ProxyClient(b"GET", b"/", b"HTTP/1.0", {b"accept": b"*/*"}, b"", father)
    transport = StringTransportWithDisconnection()
    transport.protocol = client
    client.makeConnection(transport)
    assert transport.value().startswith(b"GET / HTTP/1.0\r\n")
    client.dataReceived(b"HTTP/1.0 304 Not Modified\r\nETag: x\r\n\r\n")
    assert father.responseCode == 304 and father.finished


def test_reverse_proxy_request_prefers_its_own_factory() -> None:
    from twistio.internet.testing import MemoryReactorClock
    from twistio.web.test.requesthelper import DummyChannel

    class Upstream:
        host, port = "example.com", 1234

    reactor = MemoryReactorClock()
    request = proxy.ReverseProxyRequest(DummyChannel(), False, reactor)
    request.factory = Upstream()  # type: ignore[attr-defined]
    request.gotLength(0)
    request.requestReceived(b"GET", b"/x", b"HTTP/1.0")
    assert reactor.tcpClients[0][:2] == ("example.com", 1234)
