"""web.client's Twisted-facing seams: Agent._getEndpoint, injection checks, redirects,
readBody's cancel, the HTTPS policy cache and the cookie jar wrappers (no sockets)."""

from __future__ import annotations

import warnings
from http.cookiejar import CookieJar
from typing import Any

import pytest

from twistio.internet._idna import _idnaBytes, _idnaText
from twistio.internet.defer import CancelledError, Deferred, succeed
from twistio.internet.task import Clock
from twistio.internet.testing import StringTransport
from twistio.web import client
from twistio.web._newclient import HTTP11ClientProtocol, Response
from twistio.web.http_headers import Headers


def outcome(d: Deferred[Any]) -> Any:
    out: list[Any] = []
    d.addBoth(out.append)
    return out[0] if out else None


class RecordingEndpoint:
    def __init__(self) -> None:
        self.protocols: list[HTTP11ClientProtocol] = []

    def connect(self, factory: Any) -> Deferred[Any]:
        protocol = factory.buildProtocol(None)
        protocol.makeConnection(StringTransport())
        self.protocols.append(protocol)
        return succeed(protocol)


def test_replaced_get_endpoint_is_asked_at_request_time() -> None:
    agent = client.Agent(Clock())  # type: ignore[arg-type]
    endpoint = RecordingEndpoint()
    asked: list[bytes] = []

    def getEndpoint(uri: client.URI) -> RecordingEndpoint:
        asked.append(uri.toBytes())
        return endpoint

    agent._getEndpoint = getEndpoint  # type: ignore[method-assign]
    agent.request(b"GET", b"http://example.com/a")
    assert asked == [b"http://example.com/a"]
    assert endpoint.protocols[0].transport.value().startswith(b"GET /a HTTP/1.1\r\n")


@pytest.mark.parametrize(
    ("method", "uri"),
    [(b"GET\r\nX: y", b"http://example.com/"), (b"GET", b"http://example.com/\xe2"),
     (b"GET", b"http://exa mple.com/")],
)
def test_injection_is_refused_at_once(method: bytes, uri: bytes) -> None:
    agent = client.Agent(Clock())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^Invalid"):
        agent.request(method, uri)


def test_request_attributes_are_checked_when_set() -> None:
    request = client.Request(b"GET", b"/", Headers({b"host": [b"x"]}), None)
    with pytest.raises(ValueError):
        request.method = b"G T"
    with pytest.raises(ValueError):
        request.uri = b"/\n"


def test_non_ascii_host_message() -> None:
    agent = client.Agent(Clock())  # type: ignore[arg-type]
    uri = client.URI.fromBytes(b"http://example.com:80")
    uri.host = "\u2603.com".encode()
    with pytest.raises(ValueError, match="non-ASCII octets"):
        agent._getEndpoint(uri)


def test_redirect_keeps_the_fragment() -> None:
    agent = client.RedirectAgent(object())
    assert agent._resolveLocation(b"http://e.com/a/b#top", b"/c?x") == b"http://e.com/c?x#top"
    assert agent._resolveLocation(b"http://e.com/a/b#top", b"c#new") == b"http://e.com/a/c#new"


class Pool:
    """Not an HTTPConnectionPool: only getConnection."""

    def __init__(self) -> None:
        self.endpoint = RecordingEndpoint()
        self.persistent = False
        self.keys: list[Any] = []

    def getConnection(self, key: Any, endpoint: Any) -> Deferred[Any]:
        self.keys.append(key)
        return self.endpoint.connect(client._HTTP11ClientFactory(lambda p: None, "x"))


def test_any_pool_with_get_connection() -> None:
    pool = Pool()
    agent = client.Agent(Clock(), pool=pool)  # type: ignore[arg-type]
    agent.request(b"GET", b"http://example.com/")
    assert pool.keys == [(b"http", b"example.com", 80)]


def test_read_body_cancel_aborts() -> None:
    transport = StringTransport()
    response = Response((b"HTTP", 1, 1), 200, b"OK", Headers(), transport)
    aborted: list[bool] = []
    transport.abortConnection = lambda: aborted.append(True)  # type: ignore[method-assign]
    d = client.readBody(response)
    d.cancel()
    assert outcome(d).check(CancelledError) and aborted == [True]


def test_read_body_warns_without_abort() -> None:
    class Bare:
        def pauseProducing(self) -> None: ...
        def resumeProducing(self) -> None: ...
        def stopProducing(self) -> None: ...

    response = Response((b"HTTP", 1, 1), 200, b"OK", Headers(), Bare())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.readBody(response)
    assert any("abortConnection" in str(w.message) for w in caught)


def test_hostname_cache_is_per_name() -> None:
    made: list[tuple[bytes, int]] = []

    class Policy:
        def creatorForNetloc(self, hostname: bytes, port: int) -> object:
            made.append((hostname, port))
            return object()

    policy = client.HostnameCachingHTTPSPolicy(Policy(), cacheSize=2)  # type: ignore[arg-type]
    first = policy.creatorForNetloc(b"a", 443)
    assert policy.creatorForNetloc(b"a", 8443) is first
    policy.creatorForNetloc(b"b", 1)
    policy.creatorForNetloc(b"c", 1)
    assert list(policy._cache) == ["b", "c"] and len(made) == 3


def test_cookie_wrappers() -> None:
    jar = CookieJar()
    response = client._FakeStdlibResponse(
        Response((b"HTTP", 1, 1), 200, b"OK", Headers({b"set-cookie": [b"a=1"]}), None)
    )
    request = client._FakeStdlibRequest(b"http://example.com/")
    jar.extract_cookies(response, request)  # type: ignore[arg-type]
    later = client._FakeStdlibRequest(b"http://example.com/x")
    jar.add_cookie_header(later)  # type: ignore[arg-type]
    assert list(later._twistedHeaders.getAllRawHeaders()) == [(b"Cookie", [b"a=1"])]


def test_idna() -> None:
    assert _idnaBytes("b\u00fccher.example") == b"xn--bcher-kva.example"
    assert _idnaText(b"xn--bcher-kva.example") == "b\u00fccher.example"


@pytest.mark.parametrize(
    ("base", "url", "joined"),
    [(b"http://a.com/b", b"/q", b"http://a.com/q"), (b"http://a.com/b#", b"/q", b"http://a.com/q"),
     (b"http://a.com/b", b"/q#", b"http://a.com/q"), (b"http://a.com/b#f", b"q", b"http://a.com/q#f"),
     (b"http://a.com/b#f", b"/q#g", b"http://a.com/q#g")],
)
def test_urljoin(base: bytes, url: bytes, joined: bytes) -> None:
    assert client._urljoin(base, url) == joined
