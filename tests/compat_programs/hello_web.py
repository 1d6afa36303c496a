"""A Twisted "hello, world" web server, with Twisted's imports, unmodified.

Run: python -m twistio compat hello_web.py PORT   (0 picks a free port)
"""

import sys

from twisted.internet import endpoints, reactor
from twisted.web import resource, server


class Hello(resource.Resource):
    isLeaf = True

    def render_GET(self, request):
        request.setHeader(b"content-type", b"text/plain")
        return b"hello, world\n"


def listening(port):
    print(f"web server listening on port {port.getHost().port}", flush=True)


endpoint = endpoints.TCP4ServerEndpoint(reactor, int(sys.argv[1]), interface="127.0.0.1")
endpoint.listen(server.Site(Hello())).addCallback(listening)
reactor.run()
