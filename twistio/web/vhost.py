"""Virtual hosting: dispatch on the Host header (Twisted's ``twisted.web.vhost``).

``NameVirtualHost`` picks a resource by the request's host name (case-insensitive, port
ignored), else ``default``, else a 404 page naming the host (HTML-escaped, as every error
page is). ``VHostMonsterResource`` lets a reverse proxy in front pass the public scheme,
host and port in the URL: ``/vhost/http/example.com:80/rest`` serves ``/rest`` as if asked
of ``http://example.com:80/``.

Differs from Twisted: a bracketed IPv6 Host (``[::1]:8080``) keeps its address (Twisted cuts
at the first colon), and a non-numeric port in a ``VHostMonsterResource`` URL is a 400 page
(Twisted raises, giving a 500); ``/https/host`` without a port means port 443 (Twisted
uses 80 for both schemes, which makes ``https://host:80/`` URLs).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from twistio.web import resource
from twistio.web.iweb import IRequest
from twistio.web.resource import IResource, RenderResult

if TYPE_CHECKING:
    from twistio.web.server import Request as _SiteRequest

__all__ = ["NameVirtualHost", "VHostMonsterResource", "VirtualHostCollection"]


def _hostname(host: bytes) -> bytes:
    host = host.strip().lower()
    if host.startswith(b"["):
        end = host.find(b"]")
        return host[: end + 1] if end > 0 else host
    return host.split(b":", 1)[0]


class VirtualHostCollection(resource.Resource):
    """The hosts of a ``NameVirtualHost``, as static entities."""

    def __init__(self, nvh: NameVirtualHost) -> None:
        super().__init__()
        self.nvh = nvh

    def listStaticEntities(self) -> list[tuple[bytes, IResource]]:
        return list(self.nvh.hosts.items())

    def getStaticEntity(self, name: bytes) -> IResource | None:
        return self.nvh.hosts.get(name)

    def reallyPutEntity(self, name: bytes, entity: IResource) -> None:
        self.nvh.addHost(name, entity)

    def delEntity(self, name: bytes) -> None:
        self.nvh.removeHost(name)


class NameVirtualHost(resource.Resource):
    """Serves a different resource for each host name in the request's Host header."""

    default: IResource | None = None

    def __init__(self) -> None:
        super().__init__()
        self.hosts: dict[bytes, IResource] = {}

    def listStaticEntities(self) -> Iterable[tuple[bytes, IResource]]:  # type: ignore[override]
        return list(self.hosts.items()) + list(super().listStaticEntities())

    def getStaticEntity(self, name: bytes) -> IResource | None:
        if name in self.hosts:
            return self.hosts[name]
        return super().getStaticEntity(name)

    def addHost(self, name: bytes, resrc: IResource) -> None:
        """Serve ``resrc`` for host ``name`` (lower case, without a port)."""
        self.hosts[name] = resrc

    def removeHost(self, name: bytes) -> None:
        """Stop serving host ``name``."""
        del self.hosts[name]

    def _getResourceForRequest(self, request: IRequest) -> IResource:
        host = request.getHeader(b"host")
        if host is None:
            return self.default or resource.unwarned_no_resource()
        name = _hostname(host)
        found = self.hosts.get(name, self.default)
        if found:
            return found
        # ErrorPage escapes its text, so a hostile Host header stays text.
        return resource.unwarned_no_resource(f"host {name!r} not in vhost map")

    def render(self, request: IRequest) -> RenderResult:
        return self._getResourceForRequest(request).render(request)

    def getChild(self, path: bytes, request: IRequest) -> IResource:
        resrc = self._getResourceForRequest(request)
        if resrc.isLeaf:
            request.postpath.insert(0, request.prepath.pop(-1))
            return resrc
        return resrc.getChildWithDefault(path, request)


class _HostResource(resource.Resource):
    def getChild(self, path: bytes, request: IRequest) -> IResource:
        host, sep, port_text = path.partition(b":")
        if sep:
            if not port_text.isdigit():
                return resource.unwarned_error_page(400, "Bad Request", "Bad port in the virtual host URL.")
            port = int(port_text)
        else:
            port = 443 if request.isSecure() else 80
        request.setHost(host, port, 1 if request.isSecure() else 0)
        # Drop ".../<vhost>/<scheme>/<host:port>" from the path the application sees.
        # (A request double without ``path``, such as Twisted's DummyRequest, has none to fix.)
        seen: bytes | None = getattr(request, "path", None)
        if seen is not None:
            consumed = b"/" + b"/".join(request.prepath)
            if seen.startswith(consumed):
                seen = seen[len(consumed):] or b"/"
            if not seen.startswith(b"/"):
                seen = b"/" + seen
            request.path = seen
        del request.prepath[:]
        # A site's request (the resource tree is found again from the site's root).
        served = cast("_SiteRequest", request)
        return served.site.getResourceFor(served)  # type: ignore[union-attr]  # (served: set)


class VHostMonsterResource(resource.Resource):
    """Takes the public scheme, host and port from the next two path segments.

    Mount it at the top of the tree (``root.putChild(b"vhost", VHostMonsterResource())``) and
    have the proxy in front forward ``/path`` as ``/vhost/http/public.host:80/path``.
    """

    def getChild(self, path: bytes, request: IRequest) -> IResource:
        # As Twisted does: the request says what the proxy in front was asked over.
        if path == b"http":
            request.isSecure = lambda: False  # type: ignore[method-assign]
        elif path == b"https":
            request.isSecure = lambda: True  # type: ignore[method-assign]
        return _HostResource()
