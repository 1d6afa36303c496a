"""A twisted.web page rendered from a template Element, with only the imports changed
(port from argv allowed)."""

import sys

from twistio.internet import defer, reactor
from twistio.web import resource, server
from twistio.web.template import Element, XMLString, renderElement, renderer

TEMPLATE = """\
<html xmlns:t="http://twistedmatrix.com/ns/twisted.web.template/0.1">
  <head><title t:render="title" /></head>
  <body>
    <h1 t:render="title" />
    <ul><li t:render="items"><t:slot name="name" />: <t:slot name="price" /></li></ul>
    <p>Rendered for <t:transparent t:render="client" />.</p>
  </body>
</html>
"""

MENU = [("Spam & eggs", "3.50"), ("<Lobster> thermidor", "12.00"), ("Baked beans", "1.20")]


class MenuPage(Element):
    loader = XMLString(TEMPLATE)

    @renderer
    def title(self, request, tag):
        return tag("Today's menu")

    @renderer
    def items(self, request, tag):
        # A Deferred, as a database query would give.
        return defer.succeed(
            [tag.clone().fillSlots(name=name, price=price) for name, price in MENU]
        )

    @renderer
    async def client(self, request, tag):
        return request.getClientAddress().host


class Menu(resource.Resource):
    isLeaf = True

    def render_GET(self, request):
        return renderElement(request, MenuPage())


site = server.Site(Menu())
reactor.listenTCP(int(sys.argv[1]) if len(sys.argv) > 1 else 8080, site)
reactor.run()
