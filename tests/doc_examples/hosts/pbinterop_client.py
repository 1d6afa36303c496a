"""A PB client for Twisted's pbinterop.py example: calls each remote method and prints answers.

Run by tests/doc_examples (catalogue.py) under ``twistio compat`` (or the real Twisted with
``TWISTIO_DOCEX_ORACLE=twisted``) against the unmodified example on port 8789.
"""

from twisted.internet import defer, reactor
from twisted.spread import pb


class Local(pb.Referenceable):
    def remote_hello(self):
        print("server called hello")
        reactor.callLater(0, finished.callback, None)
        return "hello, world"


finished: defer.Deferred = defer.Deferred()


@defer.inlineCallbacks
def main():
    factory = pb.PBClientFactory()
    reactor.connectTCP("127.0.0.1", 8789, factory)
    root = yield factory.getRootObject()
    for name in ("int", "string", "unicode", "float", "list", "dict"):
        answer = yield root.callRemote(name)
        print(f"{name}: {answer!r}")
    mine = yield root.callRemote("recursive")
    print("recursive: contains itself", mine[0] is mine)
    ref = yield root.callRemote("reference")
    print("reference:", isinstance(ref, pb.RemoteReference))
    answer = yield root.callRemote("receive", [1, 1.5, "hi", "hi", {1: 2}])
    print("receive:", answer)
    answer = yield root.callRemote("self", root)
    print("self:", answer)
    yield root.callRemote("local", Local())
    yield finished
    print("done")


def stop(result):
    if isinstance(result, Exception) or hasattr(result, "getTraceback"):
        print("failed:", result)
    reactor.stop()


main().addBoth(stop)
reactor.run()
