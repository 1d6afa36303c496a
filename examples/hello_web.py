"""The seed's twisted.web server, with only the imports changed (port from argv allowed)."""

import sys

from twistio.internet import reactor
from twistio.web import resource, server


class Hello(resource.Resource):
    isLeaf = True

    def render_GET(self, request):
        return b"Hello, world!"


site = server.Site(Hello())
reactor.listenTCP(int(sys.argv[1]) if len(sys.argv) > 1 else 8080, site)
reactor.run()
