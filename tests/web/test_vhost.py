"""twistio.web.vhost: Host-based dispatch over a real socket, escaping of hostile Host
headers, and VHostMonsterResource's rewritten host, port and scheme."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.web._http_support import connect, read_response, serve
from twistio.web import resource
from twistio.web.vhost import NameVirtualHost, VHostMonsterResource, VirtualHostCollection

__all__ = ["serve"]

Serve = Callable[..., tuple[int, Any]]


def leaf(text: bytes) -> resource.Resource:
    class Leaf(resource.Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            return text + b" " + b"/".join(request.postpath)

    return Leaf()


def tree(text: bytes) -> resource.Resource:
    r = resource.Resource()
    r.putChild(b"", leaf(text + b" index"))
    r.putChild(b"page", leaf(text + b" page"))
    return r


async def get(port: int, path: bytes, host: bytes | None) -> Any:
    reader, writer = await connect(port)
    hosthdr = b"Host: " + host + b"\r\n" if host is not None else b""
    proto = b"HTTP/1.1" if host is not None else b"HTTP/1.0"
    writer.write(b"GET " + path + b" " + proto + b"\r\n" + hosthdr + b"Connection: close\r\n\r\n")
    try:
        return await read_response(reader)
    finally:
        writer.close()


async def test_dispatch_by_host(serve: Serve) -> None:
    nvh = NameVirtualHost()
    nvh.addHost(b"a.example", tree(b"A"))
    nvh.addHost(b"b.example", leaf(b"B"))
    port = serve(nvh)[0]
    assert (await get(port, b"/page", b"a.example")).body == b"A page "
    assert (await get(port, b"/", b"A.Example:8080")).body == b"A index "
    assert (await get(port, b"/x/y", b"b.example")).body == b"B x/y"
    assert (await get(port, b"/", b"b.example")).body == b"B "
    missing = await get(port, b"/page", b"c.example")
    assert missing.status == 404
    assert b"host b'c.example' not in vhost map" in missing.body
    assert (await get(port, b"/page", None)).status == 404


async def test_default_and_remove(serve: Serve) -> None:
    nvh = NameVirtualHost()
    nvh.default = tree(b"D")
    nvh.addHost(b"a.example", tree(b"A"))
    port = serve(nvh)[0]
    assert (await get(port, b"/page", b"other")).body == b"D page "
    assert (await get(port, b"/page", None)).body == b"D page "
    nvh.removeHost(b"a.example")
    assert (await get(port, b"/page", b"a.example")).body == b"D page "


async def test_hostile_host_is_escaped(serve: Serve) -> None:
    port = serve(NameVirtualHost())[0]
    resp = await get(port, b"/", b"<script>alert(1)</script>.example")
    assert resp.status == 404
    assert b"<script>" not in resp.body
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;.example" in resp.body


async def test_ipv6_host(serve: Serve) -> None:
    nvh = NameVirtualHost()
    nvh.addHost(b"[::1]", leaf(b"six"))
    port = serve(nvh)[0]
    assert (await get(port, b"/", b"[::1]:8080")).body == b"six "


def test_collection() -> None:
    nvh = NameVirtualHost()
    coll = VirtualHostCollection(nvh)
    page = leaf(b"x")
    coll.reallyPutEntity(b"h", page)
    assert nvh.hosts == {b"h": page}
    assert coll.getStaticEntity(b"h") is page
    assert coll.listStaticEntities() == [(b"h", page)]
    assert nvh.getStaticEntity(b"h") is page
    coll.delEntity(b"h")
    assert nvh.hosts == {}


class Where(resource.Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return b" ".join([request.prePathURL(), request.getRequestHostname(),
                          b"%d" % request.getHost().port, b"%d" % request.isSecure(), request.path])


async def test_vhost_monster(serve: Serve) -> None:
    root = resource.Resource()
    root.putChild(b"vhost", VHostMonsterResource())
    root.putChild(b"app", Where())
    port = serve(root)[0]
    resp = await get(port, b"/vhost/http/public.example:8080/app", b"127.0.0.1")
    assert resp.body == b"http://public.example:8080/app public.example 8080 0 /app"
    resp = await get(port, b"/vhost/https/secure.example:443/app", b"127.0.0.1")
    assert resp.body == b"https://secure.example/app secure.example 443 1 /app"
    resp = await get(port, b"/vhost/http/plain.example/app", b"127.0.0.1")
    assert resp.body == b"http://plain.example/app plain.example 80 0 /app"
    bad = await get(port, b"/vhost/http/x:notaport/app", b"127.0.0.1")
    assert bad.status == 400


def test_host_resource_with_a_request_double_without_path() -> None:
    """_HostResource sets the host and serves the rest of the path even when the request
    (a test double such as Twisted's DummyRequest) has no ``path``."""
    from twistio.web import vhost as _vhost
    from twistio.web.server import Site
    from twistio.web.static import Data
    from twistio.web.test.requesthelper import DummyRequest

    site_root = _vhost.NameVirtualHost()
    site_root.default = Data(b"default", "text/plain")
    leaf = Data(b"leaf", "text/plain")
    host_root = Data(b"host root", "text/plain")
    host_root.putChild(b"x", leaf)
    site_root.addHost(b"baz.com", host_root)
    request = DummyRequest([b"x"])
    request.prepath = [b"vhost", b"http", b"baz.com"]
    request.site = Site(site_root)
    request.isSecure = lambda: False  # type: ignore[method-assign]
    assert not hasattr(request, "path")
    assert _vhost._HostResource().getChild(b"baz.com", request) is leaf
