"""The classic Twisted echo server; only the imports say twistio instead of twisted.

Run: python examples/echo_server.py [port]   (default 8000; 0 picks a free port)
"""

import sys

from twistio.internet import protocol, reactor


class Echo(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)


class EchoFactory(protocol.Factory):
    def buildProtocol(self, addr):
        return Echo()


port = reactor.listenTCP(int(sys.argv[1]) if len(sys.argv) > 1 else 8000, EchoFactory())
print(f"echo server listening on port {port.getHost().port}", flush=True)
reactor.run()
