"""An XML-RPC server written as for twisted.web, with only the imports changed.

Run: python examples/xmlrpc_server.py [port]   (port 0 picks a free one; the port is printed)
Call: python -c "import xmlrpc.client as x; print(x.ServerProxy('http://127.0.0.1:7080/').echo('hi'))"
"""

import sys

from twistio.internet import defer, reactor
from twistio.web import server, xmlrpc


class Math(xmlrpc.XMLRPC):
    def xmlrpc_add(self, a, b):
        """Return the sum of a and b."""
        return a + b


class Example(xmlrpc.XMLRPC):
    """An example object to be published."""

    def xmlrpc_echo(self, *args):
        """Return all passed args."""
        return args

    def xmlrpc_hello(self):
        """Return 'hello, world'."""
        return "hello, world!"

    def xmlrpc_later(self, x):
        """Return x, a little later (a Deferred result)."""
        d = defer.Deferred()
        reactor.callLater(0.01, d.callback, x)
        return d

    def xmlrpc_fault(self):
        """Raise a Fault indicating that the procedure should not be used."""
        raise xmlrpc.Fault(123, "The fault procedure is faulty.")


root = Example(allowNone=True)
root.putSubHandler("math", Math())
xmlrpc.addIntrospection(root)
port = reactor.listenTCP(int(sys.argv[1]) if len(sys.argv) > 1 else 7080, server.Site(root), interface="127.0.0.1")
print("XML-RPC server listening on port", port.getHost().port, flush=True)
reactor.run()
