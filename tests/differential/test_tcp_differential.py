"""The same Protocol/Factory program on Twisted's reactor and on twistio: same events, same bytes.

The program below is run twice in subprocesses, once with ``PKG = "twisted"`` (Twisted's
default reactor) and once with ``PKG = "twistio"``; each scenario records what each side saw,
and the two records must be equal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

PROGRAM = textwrap.dedent(
    r'''
    import importlib, json, sys
    PKG = sys.argv[1]
    LOOP = sys.argv[2] if len(sys.argv) > 2 else "default"
    if PKG == "twistio" and LOOP == "uvloop":
        import uvloop
        importlib.import_module(PKG + ".internet.asyncioreactor").install(uvloop.new_event_loop())
    reactor = importlib.import_module(PKG + ".internet.reactor")
    from importlib import import_module
    reactor = import_module(PKG + ".internet").reactor
    protocol = import_module(PKG + ".internet.protocol")
    error = import_module(PKG + ".internet.error")
    defer = import_module(PKG + ".internet.defer")
    if PKG == "twisted":
        from zope.interface import implementer
        from twisted.internet.interfaces import IHalfCloseableProtocol
    else:
        from twistio.internet.interfaces import implementer, IHalfCloseableProtocol

    results = {}

    def name(reason):
        return reason.type.__name__

    class Rec(protocol.Protocol):
        """Records its events into log; finished() fires its factory's waiter."""
        def __init__(self, log, done):
            self.log, self.done = log, done
        def connectionMade(self):
            self.log.append("made")
            self.onMade()
        def onMade(self):
            pass
        def dataReceived(self, data):
            self.log.append(["data", data.decode("latin-1")])
            self.onData(data)
        def onData(self, data):
            pass
        def connectionLost(self, reason):
            self.log.append(["lost", name(reason)])
            self.done()

    def scenario(title, server_cls, client_cls, expected_ends, server_factory_cls=protocol.Factory,
                 client_factory_cls=protocol.ClientFactory, connect_to=None):
        d = defer.Deferred()
        server_log, client_log, factory_log = [], [], []
        results[title] = {"server": server_log, "client": client_log, "factory": factory_log}
        count = [0]
        def one_end():
            count[0] += 1
            if count[0] == expected_ends:
                reactor.callLater(0, finish)
        def finish():
            port.stopListening()
            d.callback(None)
        class SF(server_factory_cls):
            noisy = False
            def buildProtocol(self, addr):
                if server_cls is None:
                    server_log.append("refused")
                    return None
                return server_cls(server_log, one_end)
        class CF(client_factory_cls):
            noisy = False
            def startedConnecting(self, connector):
                factory_log.append("startedConnecting")
                self.onStarted(connector)
            def onStarted(self, connector):
                pass
            def buildProtocol(self, addr):
                factory_log.append("buildProtocol")
                if client_cls is None:
                    return None
                return client_cls(client_log, one_end)
            def clientConnectionFailed(self, connector, reason):
                factory_log.append(["failed", name(reason)])
                one_end()
            def clientConnectionLost(self, connector, reason):
                factory_log.append(["clientLost", name(reason)])
                one_end()
        if hasattr(client_factory_cls, "onStarted"):
            CF.onStarted = client_factory_cls.onStarted
        port = reactor.listenTCP(0, SF(), interface="127.0.0.1")
        number = port.getHost().port if connect_to is None else connect_to
        reactor.connectTCP("127.0.0.1", number, CF())
        return d

    # -- the scenarios ---------------------------------------------------------------------

    class Echo(Rec):
        def onData(self, data):
            self.transport.write(data)

    class SayHelloThenClose(Rec):
        def onMade(self):
            self.transport.write(b"hello")
        def onData(self, data):
            self.transport.loseConnection()

    class Greeter(Rec):
        def onMade(self):
            self.transport.write(b"greeting")
            self.transport.loseConnection()

    class Quiet(Rec):
        pass

    big = b"0123456789abcdef" * 65536

    class BigSender(Rec):
        def onMade(self):
            self.transport.write(big)
            self.transport.loseConnection()

    class Counter(Rec):
        def __init__(self, log, done):
            Rec.__init__(self, log, done)
            self.n = 0
        def dataReceived(self, data):
            self.n += len(data)
        def connectionLost(self, reason):
            self.log.append(["received", self.n, self.n == len(big)])
            Rec.connectionLost(self, reason)

    @implementer(IHalfCloseableProtocol)
    class HalfClient(Rec):
        def onMade(self):
            self.transport.write(b"question")
            self.transport.loseWriteConnection()
        def readConnectionLost(self):
            self.log.append("readConnectionLost")
            self.transport.loseConnection()
        def writeConnectionLost(self):
            self.log.append("writeConnectionLost")

    @implementer(IHalfCloseableProtocol)
    class HalfServer(Rec):
        def readConnectionLost(self):
            self.log.append("readConnectionLost")
            self.transport.write(b"answer")
            self.transport.loseConnection()
        def writeConnectionLost(self):
            self.log.append("writeConnectionLost")

    class NotHalf(Rec):
        pass

    class Boom(Rec):
        def onData(self, data):
            raise ZeroDivisionError("boom")

    class Aborter(Rec):
        def onData(self, data):
            self.transport.abortConnection()

    class StrWriter(Rec):
        def onMade(self):
            try:
                self.transport.write("text")
            except TypeError:
                self.log.append("TypeError")
            self.transport.loseConnection()

    class Impatient(protocol.ClientFactory):
        def onStarted(self, connector):
            connector.stopConnecting()

    def closed_port():
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        n = s.getsockname()[1]
        s.close()
        return n

    @defer.inlineCallbacks
    def main():
        yield scenario("echo", Echo, SayHelloThenClose, 3)
        yield scenario("greeting", Greeter, Quiet, 3)
        yield scenario("big write then close", BigSender, Counter, 3)
        yield scenario("half close", HalfServer, HalfClient, 3)
        yield scenario("peer half close, not half-closeable", NotHalf, HalfClient, 3)
        yield scenario("server refuses", None, Quiet, 2)
        yield scenario("client refuses", Quiet, None, 2)
        yield scenario("exception in dataReceived", Boom, SayHelloThenClose, 3)
        yield scenario("abortConnection", Aborter, SayHelloThenClose, 3)
        yield scenario("str write", StrWriter, Quiet, 3)
        yield scenario("refused", Quiet, Quiet, 1, connect_to=closed_port())
        yield scenario("stopConnecting", Quiet, Quiet, 1, client_factory_cls=Impatient)
        # Timers.
        log = []
        results["timers"] = log
        calls = [reactor.callLater(0.02, log.append, "b"), reactor.callLater(0.01, log.append, "a")]
        c = reactor.callLater(0.01, log.append, "never")
        c.cancel()
        try:
            c.cancel()
        except error.AlreadyCancelled:
            log.append("AlreadyCancelled")
        calls[0].reset(0.03)
        d = defer.Deferred()
        reactor.callLater(0.05, d.callback, None)
        yield d
        try:
            calls[1].cancel()
        except error.AlreadyCalled:
            log.append("AlreadyCalled")
        log.append(calls[0].active())

    events = []
    results["system events"] = events
    reactor.addSystemEventTrigger("before", "startup", events.append, "before startup")
    reactor.addSystemEventTrigger("after", "startup", events.append, "after startup")
    reactor.addSystemEventTrigger("before", "shutdown", events.append, "before shutdown")
    reactor.addSystemEventTrigger("during", "shutdown", events.append, "during shutdown")
    reactor.addSystemEventTrigger("after", "shutdown", events.append, "after shutdown")

    def start():
        events.append(["running", reactor.running])
        d = main()
        def done(result):
            if isinstance(result, Exception) or hasattr(result, "getTraceback"):
                results["error"] = str(result)
            reactor.stop()
        d.addBoth(done)

    reactor.callWhenRunning(start)
    def too_long():
        results["error"] = "timed out"
        reactor.stop()

    reactor.callLater(10, too_long)
    reactor.run()
    print(json.dumps(results))
    '''
)


def run_program(pkg: str, loop: str = "default") -> dict[str, Any]:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.run(
        [sys.executable, "-c", PROGRAM, pkg, loop],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "error" not in result, result["error"]
    return result


@pytest.fixture(scope="module")
def twisted_result() -> dict[str, Any]:
    pytest.importorskip("twisted")
    return run_program("twisted")


@pytest.mark.parametrize("loop", ["default", "uvloop"])
def test_same_events_and_bytes(twisted_result: dict[str, Any], loop: str) -> None:
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    ours = run_program("twistio", loop)
    assert set(ours) == set(twisted_result)
    for title in twisted_result:
        assert ours[title] == twisted_result[title], title
