"""A response body protocol that stops the download from inside ``dataReceived``
(``transport.loseConnection()`` or ``stopProducing()``, as treq's ``collect`` does when its
collector raises) hears ``connectionLost`` afterwards, not from inside the call, with the
same reasons as under Twisted."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROGRAM = textwrap.dedent(
    r"""
    import json, sys
    from importlib import import_module
    PKG, METHOD = sys.argv[1], sys.argv[2]
    reactor = import_module(PKG + ".internet.reactor")
    if not hasattr(reactor, "run"):
        from twisted.internet import reactor
    protocol = import_module(PKG + ".internet.protocol")
    server = import_module(PKG + ".web.server")
    resource = import_module(PKG + ".web.resource")
    client = import_module(PKG + ".web.client")

    class Unfinished(resource.Resource):
        isLeaf = True
        def render_GET(self, request):
            request.write(b"HELLO")
            return server.NOT_DONE_YET

    events = []

    class Body(protocol.Protocol):
        def dataReceived(self, data):
            events.append("data")
            getattr(self.transport, METHOD)()
            events.append("returned")
        def connectionLost(self, reason):
            names = sorted(type(f.value).__name__ for f in getattr(reason.value, "reasons", []))
            events.append(["lost", type(reason.value).__name__, names])
            reactor.stop()

    port = reactor.listenTCP(0, server.Site(Unfinished()), interface="127.0.0.1")
    url = b"http://127.0.0.1:%d/" % port.getHost().port
    client.Agent(reactor).request(b"GET", url).addCallback(lambda r: r.deliverBody(Body()))
    reactor.callLater(10, reactor.stop)
    reactor.run()
    print(json.dumps(events))
    """
)


def run(pkg: str, method: str) -> str:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", PROGRAM, pkg, method], cwd=root,
                          capture_output=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode().strip().splitlines()[-1]


@pytest.mark.parametrize("method", ["loseConnection", "stopProducing"])
def test_body_protocol_stops_download(method: str) -> None:
    pytest.importorskip("twisted.web.client")
    ours = run("twistio", method)
    assert ours == run("twisted", method)
    assert ours.startswith('["data", "returned", ["lost", "ResponseFailed"')
