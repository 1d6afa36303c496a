"""A TLS echo server in Twisted's style; only the imports say twistio instead of twisted.

Run: python examples/tls_echo_server.py KEY.pem CERT.pem [port]   (default 8443; 0: a free port)
Make a throwaway key and certificate with:
    openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 \
        -subj /CN=localhost
Try: openssl s_client -connect 127.0.0.1:8443
"""

import sys

from twistio.internet import protocol, reactor, ssl


class Echo(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)


key_file, cert_file = sys.argv[1], sys.argv[2]
contextFactory = ssl.DefaultOpenSSLContextFactory(key_file, cert_file)
port = reactor.listenSSL(
    int(sys.argv[3]) if len(sys.argv) > 3 else 8443,
    protocol.Factory.forProtocol(Echo),
    contextFactory,
    interface="127.0.0.1",
)
print(f"TLS echo server on port {port.getHost().port}", flush=True)
reactor.run()
