"""A UDP echo server in Twisted's style; only the imports say twistio instead of twisted.

Run: python examples/udp_echo.py [port]   (default 9999; 0 picks a free port)
Try: python -c "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); \
s.sendto(b'hi', ('127.0.0.1', 9999)); print(s.recv(100))"
"""

import sys

from twistio.internet import reactor
from twistio.internet.protocol import DatagramProtocol


class Echo(DatagramProtocol):
    def datagramReceived(self, data, addr):
        self.transport.write(data, addr)


port = reactor.listenUDP(int(sys.argv[1]) if len(sys.argv) > 1 else 9999, Echo(), "127.0.0.1")
print(f"UDP echo server on port {port.getHost().port}", flush=True)
reactor.run()
