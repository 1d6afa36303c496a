"""``twistio.web.distrib``: a site published over PB and served through a subscription."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from twistio.internet.address import IPv4Address
from twistio.spread import pb
from twistio.spread.banana import SIZE_LIMIT
from twistio.test import iosim
from twistio.web import distrib, resource, server, static, tap
from twistio.web.test.requesthelper import DummyRequest


class _Published:
    """A publisher of ``root`` and a subscription connected to it in memory."""

    def __init__(self, root: Any, publisher: Any = None) -> None:
        site = server.Site(root)
        self.serverFactory = pb.PBServerFactory(publisher or distrib.ResourcePublisher(site))
        self.clientFactory = pb.PBClientFactory()
        _, _, self.pump = iosim.connectedServerAndClient(
            lambda: self.serverFactory.buildProtocol(None),
            lambda: self.clientFactory.buildProtocol(None),
        )
        self.pump.flush()
        self.subscription = distrib.ResourceSubscription("127.0.0.1", 0)
        self.clientFactory.getRootObject().addCallback(self.subscription.connected)
        self.pump.flush()
        assert self.subscription.publisher is not None

    def get(self, path: bytes) -> DummyRequest:
        request = DummyRequest(path.split(b"/"))
        request.uri = b"/" + path
        done: list[object] = []
        request.notifyFinish().addBoth(done.append)
        self.subscription.render(request)
        self.pump.flush()
        assert done, "the request did not finish"
        return request


class _Writes(resource.Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> int:
        request.setResponseCode(201, b"Made")
        request.setHeader(b"x-from", b"publisher")
        request.write(b"x" * SIZE_LIMIT + b"y")
        request.finish()
        return server.NOT_DONE_YET


def test_a_published_resource_is_served_through_the_subscription() -> None:
    root = resource.Resource()
    root.putChild(b"there", static.Data(b"root", "text/plain"))
    root.putChild(b"big", static.Data(b"z" * (SIZE_LIMIT * 2 + 1), "text/plain"))
    root.putChild(b"writes", _Writes())
    wire = _Published(root)

    request = wire.get(b"there")
    assert b"".join(request.written) == b"root"

    # A body over PB's size limit comes back in pieces, returned or written.
    assert b"".join(wire.get(b"big").written) == b"z" * (SIZE_LIMIT * 2 + 1)
    request = wire.get(b"writes")
    assert b"".join(request.written) == b"x" * SIZE_LIMIT + b"y"
    assert request.responseCode == 201
    assert request.responseMessage == b"Made"
    assert request.responseHeaders.getRawHeaders(b"x-from") == [b"publisher"]


def test_the_remote_request_reads_like_the_front_one() -> None:
    seen: list[Any] = []

    class Report(resource.Resource):
        isLeaf = True

        def render_POST(self, request: Any) -> bytes:
            seen.append(
                (
                    request.method,
                    request.requestHeaders.getRawHeaders(b"x-a"),
                    request.content.read(),
                    request.getClientAddress(),
                )
            )
            return b"ok"

    wire = _Published(Report())
    request = DummyRequest([b""])
    request.method = b"POST"
    request.requestHeaders.setRawHeaders(b"x-a", [b"1"])
    request.content.write(b"body")
    request.client = IPv4Address("TCP", "10.0.0.5", 1234)
    wire.subscription.render(request)
    wire.pump.flush()
    assert b"".join(request.written) == b"ok"
    [(method, header, body, client)] = seen
    assert (method, header, body) == (b"POST", [b"1"], b"body")
    assert client == IPv4Address("TCP", "10.0.0.5", 1234)


def test_a_peer_that_is_no_publisher_gives_a_500_page() -> None:
    wire = _Published(resource.Resource(), publisher=pb.Root())
    request = wire.get(b"x")
    assert request.responseCode == 500
    page = b"".join(request.written)
    assert b"<title>500 - Server Connection Lost</title>" in page
    assert b"Connection to distributed server lost:<pre>" in page
    assert b"No such method: remote_request" in page


def test_a_dropped_publisher_is_reported() -> None:
    wire = _Published(resource.Resource())
    wire.subscription.booted(wire.subscription.publisher)
    assert wire.subscription.publisher is None


class _Users:
    def __init__(self, users: list[tuple[Any, ...]]) -> None:
        self.users = users

    def getpwall(self) -> list[tuple[Any, ...]]:
        return self.users

    def getpwnam(self, name: str) -> tuple[Any, ...]:
        for user in self.users:
            if user[0] == name:
                return user
        raise KeyError(name)


def test_user_directory(tmp_path: Path) -> None:
    alice = ("alice", "x", 1, 1, "Alice,,,", str(tmp_path / "alice"), "/bin/sh")
    bob = ("bob", "x", 2, 2, "Bob,,,", str(tmp_path / "bob"), "/bin/sh")
    (tmp_path / "alice" / "public_html").mkdir(parents=True)
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / ".twistd-web-pb").write_bytes(b"")
    directory = distrib.UserDirectory(_Users([alice, bob]))

    child = directory.getChild(b"alice", DummyRequest([b"alice"]))
    assert isinstance(child, static.File)
    assert child.path == str(tmp_path / "alice" / "public_html")
    sub = directory.getChild(b"bob.twistd", DummyRequest([b"bob.twistd"]))
    assert isinstance(sub, distrib.ResourceSubscription)
    assert (sub.host, sub.port) == ("unix", str(tmp_path / "bob" / ".twistd-web-pb"))
    missing = directory.getChild(b"carol", DummyRequest([b"carol"]))
    assert not isinstance(missing, (static.File, distrib.ResourceSubscription))

    page = directory.render(DummyRequest([b""]))
    assert b'<a href="alice/">Alice (file)</a>' in page
    assert b'<a href="bob.twistd/">Bob (twistd)</a>' in page


def test_twistd_web_personal() -> None:
    options = tap.Options()
    options.parseOptions(["--personal"])
    expected = os.path.expanduser(os.path.join("~", distrib.UserDirectory.userSocketName))
    assert options["ports"] == [f"unix:{expected}"]
    site = server.Site(static.Data(b"hi", "text/plain"))
    factory = tap.makePersonalServerFactory(site)
    assert isinstance(factory, pb.PBServerFactory)
    assert isinstance(factory.root, distrib.ResourcePublisher)
    assert factory.root.site is site
