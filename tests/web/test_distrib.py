"""twistio.web.distrib: a front server forwarding a subtree to a publisher over PB (TCP and
UNIX sockets), each in a fresh interpreter with the real reactor; UserDirectory with a
password database of the test's own; and the HTTP client reporting a response before its
body (which distrib's front server relies on no more than any Twisted program does)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

_FRONT_AND_PUBLISHER = r'''
import json, sys, tempfile, os
from twistio.internet import reactor, defer
from twistio.logger import globalLogPublisher
from twistio.spread import pb
from twistio.spread.banana import SIZE_LIMIT
from twistio.web import client, distrib, resource, server
from twistio.web.http_headers import Headers

seen = {}
logs = []
globalLogPublisher.addObserver(lambda e: logs.append(str(e.get("log_format"))))

class Echo(resource.Resource):
    isLeaf = True
    def render_POST(self, request):
        seen["path"] = [[p.decode() for p in part] for part in (request.prepath, request.postpath, request.sitepath)]
        seen["header"] = request.getHeader(b"x-test").decode()
        seen["body"] = request.content.read().decode()
        seen["client"] = request.getClientAddress().host
        request.setResponseCode(201, b"Made")
        request.setHeader(b"x-answer", b"42")
        request.addCookie(b"c", b"v")
        return b"posted " + seen["body"].encode()

class Big(resource.Resource):
    isLeaf = True
    def render_GET(self, request):
        request.write(b"x" * SIZE_LIMIT)
        reactor.callLater(0, lambda: (request.write(b"y"), request.finish()))
        return server.NOT_DONE_YET

inner = resource.Resource()
inner.putChild(b"echo", Echo())
inner.putChild(b"big", Big())
publisher = pb.PBServerFactory(distrib.ResourcePublisher(server.Site(inner)))
if sys.argv[1] == "unix":
    path = os.path.join(tempfile.mkdtemp(), "web-pb")
    reactor.listenUNIX(path, publisher)
    sub = distrib.ResourceSubscription("unix", path)
else:
    port = reactor.listenTCP(0, publisher, interface="127.0.0.1")
    sub = distrib.ResourceSubscription("127.0.0.1", port.getHost().port)
root = resource.Resource()
root.putChild(b"app", sub)
front = reactor.listenTCP(0, server.Site(root), interface="127.0.0.1")
base = b"http://127.0.0.1:%d/app/" % front.getHost().port

async def main():
    agent = client.Agent(reactor)
    out = {}
    r = await agent.request(b"POST", base + b"echo/more", Headers({b"x-test": [b"yes"]}),
                            client.FileBodyProducer(__import__("io").BytesIO(b"hello")))
    out["post"] = [r.code, r.phrase.decode(), [v.decode() for v in r.headers.getRawHeaders(b"x-answer")],
                   bool(r.headers.getRawHeaders(b"set-cookie")), (await client.readBody(r)).decode()]
    r = await agent.request(b"GET", base + b"big")
    body = await client.readBody(r)
    out["big"] = [r.code, len(body), body[-2:].decode()]
    r = await agent.request(b"GET", base + b"missing")
    out["missing"] = r.code
    out["seen"] = seen
    out["logged"] = "connected to publisher" in logs
    print(json.dumps(out))

def done(_):
    reactor.stop()
def failed(f):
    print(f.getTraceback(), file=sys.stderr)
    reactor.stop()
reactor.callWhenRunning(lambda: defer.ensureDeferred(main()).addCallbacks(done, failed))
reactor.callLater(20, reactor.stop)
reactor.run()
'''


def _run(program: str, *args: str) -> Any:
    done = subprocess.run([sys.executable, "-c", program, *args], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout + done.stderr
    return json.loads(lines[-1])


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_front_server_forwards_to_publisher(transport: str) -> None:
    out = _run(_FRONT_AND_PUBLISHER, transport)
    assert out["post"] == [201, "Made", ["42"], True, "posted hello"]
    assert out["seen"]["path"] == [["app", "echo"], ["more"], ["app"]]
    assert out["seen"]["header"] == "yes" and out["seen"]["body"] == "hello"
    assert out["seen"]["client"] == "127.0.0.1"
    assert out["big"] == [200, 640 * 1024 + 1, "xy"]  # more than banana's SIZE_LIMIT
    assert out["missing"] == 404
    assert out["logged"]


_NO_PUBLISHER = r'''
import json
from twistio.internet import reactor, defer
from twistio.spread import pb
from twistio.web import distrib
from twistio.web.test.requesthelper import DummyRequest

port = reactor.listenTCP(0, pb.PBServerFactory(pb.Root()), interface="127.0.0.1")
sub = distrib.ResourceSubscription("127.0.0.1", port.getHost().port)
request = DummyRequest([b""])

def check(_):
    page = b"".join(request.written).decode()
    print(json.dumps({"r": [request.responseCode, "Server Connection Lost" in page,
                            "No such method: remote_request" in page]}))
    reactor.stop()
def start():
    request.notifyFinish().addBoth(check)
    sub.render(request)
reactor.callWhenRunning(start)
reactor.callLater(20, reactor.stop)
reactor.run()
'''


def test_publisher_refusing_the_call_gives_a_500_page() -> None:
    assert _run(_NO_PUBLISHER)["r"] == [500, True, True]


class _Passwords:
    def __init__(self, users: list[tuple[Any, ...]]) -> None:
        self.users = users

    def getpwall(self) -> Any:
        return iter(self.users)

    def getpwnam(self, name: str) -> tuple[Any, ...]:
        for user in self.users:
            if user[0] == name:
                return user
        raise KeyError(name)


def test_user_directory(tmp_path: Path) -> None:
    from twistio.web import distrib, static
    from twistio.web.test.requesthelper import DummyRequest

    ann = ("ann", "x", 1, 1, "Ann Smith,,,", str(tmp_path / "ann"), "/bin/sh")
    bo = ("bo", "x", 2, 2, "", str(tmp_path / "bo"), "/bin/sh")
    (tmp_path / "ann" / "public_html").mkdir(parents=True)
    (tmp_path / "bo").mkdir()
    (tmp_path / "bo" / ".twistd-web-pb").write_bytes(b"")
    directory = distrib.UserDirectory(_Passwords([ann, bo]))
    page = directory.render_GET(DummyRequest([b""])).decode()
    assert '<a href="ann/">Ann Smith (file)</a>' in page
    assert '<a href="bo.twistd/">bo (twistd)</a>' in page
    child = directory.getChild(b"ann", DummyRequest([b"ann"]))
    assert isinstance(child, static.File) and child.path == str(tmp_path / "ann" / "public_html")
    sub = directory.getChild(b"bo.twistd", DummyRequest([b"bo.twistd"]))
    assert isinstance(sub, distrib.ResourceSubscription)
    assert (sub.host, sub.port) == ("unix", str(tmp_path / "bo" / ".twistd-web-pb"))
    for name in (b"nobody", b"bo"):
        request = DummyRequest([name])
        missing = directory.getChild(name, request)
        missing.render(request)
        assert request.responseCode == 404


_CLIENT_ORDER = r'''
import sys
if sys.argv[1] == "twisted":
    from twisted.internet import reactor, defer
    from twisted.web import resource, server, client
    from twisted.internet.testing import AccumulatingProtocol
else:
    from twistio.internet import reactor, defer
    from twistio.web import resource, server, client
    from twistio.internet.testing import AccumulatingProtocol

class R(resource.Resource):
    isLeaf = True
    def render(self, request):
        if request.path == b"/late":
            reactor.callLater(0.01, request.finish)
            return server.NOT_DONE_YET
        if request.path == b"/empty":
            return b""
        return b"body"

port = reactor.listenTCP(0, server.Site(R()), interface="127.0.0.1")
out = []

async def one(path, method=b"GET"):
    url = b"http://127.0.0.1:%d%s" % (port.getHost().port, path)
    response = await client.Agent(reactor).request(method, url)
    protocol = AccumulatingProtocol()
    response.deliverBody(protocol)
    out.append((path.decode(), method.decode(), bool(getattr(protocol, "closed", 0))))

async def main():
    for path in (b"/late", b"/plain", b"/empty"):
        await one(path)
    await one(b"/plain", b"HEAD")
    print({"r": out})
    reactor.stop()

reactor.callWhenRunning(lambda: defer.ensureDeferred(main()))
reactor.callLater(20, reactor.stop)
reactor.run()
'''


def _order(side: str) -> Any:
    program = _CLIENT_ORDER.replace('print({"r": out})', 'import json; print(json.dumps({"r": out}))')
    return _run(program, side)["r"]


def test_client_reports_a_response_before_its_body_ends() -> None:
    """A response with a body is reported before the body is handled, even when the whole
    response came in one read (so ``deliverBody``'s protocol hears ``connectionLost``
    later); a response without a body is reported complete. As with Twisted's client."""
    ours = _order("twistio")
    assert ours == [["/late", "GET", False], ["/plain", "GET", False],
                    ["/empty", "GET", True], ["/plain", "HEAD", True]]
    pytest.importorskip("twisted.web.client")
    assert ours == _order("twisted")
