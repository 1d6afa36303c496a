"""A page behind HTTP authentication (Basic and Digest), Twisted style.

Users live in an in-memory checker; the realm gives each user a page greeting them.
Run ``python examples/guarded_page.py [port]`` then
``curl --basic -u alice:wonderland http://127.0.0.1:8080/`` (or ``--digest``).
"""

import sys

from zope.interface import implementer

from twistio.cred.checkers import InMemoryUsernamePasswordDatabaseDontUse
from twistio.cred.portal import IRealm, Portal
from twistio.internet import reactor
from twistio.web import guard, resource, server


class Greeting(resource.Resource):
    isLeaf = True

    def __init__(self, user):
        super().__init__()
        self.user = user

    def render_GET(self, request):
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return b"Hello, " + self.user + b"! You are in.\n"


@implementer(IRealm)
class GreetingRealm:
    def requestAvatar(self, avatarId, mind, *interfaces):
        if resource.IResource in interfaces:
            return resource.IResource, Greeting(avatarId), lambda: None
        raise NotImplementedError()


checker = InMemoryUsernamePasswordDatabaseDontUse(alice=b"wonderland", bob=b"builder")
portal = Portal(GreetingRealm(), [checker])
wrapper = guard.HTTPAuthSessionWrapper(portal, [
    guard.BasicCredentialFactory(b"example.com"),
    guard.DigestCredentialFactory(b"md5", b"example.com"),
])
port = reactor.listenTCP(int(sys.argv[1]) if len(sys.argv) > 1 else 8080, server.Site(wrapper),
                         interface="127.0.0.1")
print("listening on", port.getHost().port, flush=True)
reactor.run()
