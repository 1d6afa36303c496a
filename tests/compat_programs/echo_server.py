"""The classic Twisted echo server, with Twisted's imports, unmodified.

Run: python -m twistio compat echo_server.py PORT   (0 picks a free port)
"""

import sys

from twisted.internet import protocol, reactor


class Echo(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)


class EchoFactory(protocol.Factory):
    def buildProtocol(self, addr):
        return Echo()


port = reactor.listenTCP(int(sys.argv[1]), EchoFactory(), interface="127.0.0.1")
print(f"echo server listening on port {port.getHost().port}", flush=True)
reactor.run()
