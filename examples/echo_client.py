"""The classic Twisted echo client; only the imports say twistio instead of twisted.

Run: python examples/echo_client.py [host] [port]   (default localhost 8000)
"""

import sys

from twistio.internet import protocol, reactor


class EchoClient(protocol.Protocol):
    def connectionMade(self):
        self.transport.write(b"hello, world!")

    def dataReceived(self, data):
        print("Server said:", data.decode())
        self.transport.loseConnection()


class EchoFactory(protocol.ClientFactory):
    protocol = EchoClient

    def clientConnectionFailed(self, connector, reason):
        print("Connection failed:", reason.getErrorMessage())
        reactor.stop()

    def clientConnectionLost(self, connector, reason):
        print("Connection lost:", reason.getErrorMessage())
        reactor.stop()


host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 8000
reactor.connectTCP(host, port, EchoFactory())
reactor.run()
