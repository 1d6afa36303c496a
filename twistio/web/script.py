"""Resources written as Python files (Twisted's ``twisted.web.script``): ``.rpy`` resource
scripts and ``PythonScript`` pages.

A resource script is a Python file run with ``__file__``, ``registry`` (the ``static.Registry``
of the ``File`` serving it) and ``cache`` in its namespace; it assigns the resource to serve
to ``resource``. Calling ``cache()`` keeps that resource in the registry, so the script is
run once rather than on every request. ``static.File`` runs them for ``.rpy`` files when
``File.processors`` maps ``".rpy"`` to ``ResourceScript``.

Differs from Twisted: ``ResourceTemplate`` (``.trp`` Quixote PTL templates) answers 500 with
a message, since the Quixote library it needs is long gone from PyPI's supported releases.
"""

from __future__ import annotations

import os
import traceback
from html import escape
from typing import TYPE_CHECKING, cast

from twistio.web import http, resource, server
from twistio.web.iweb import IRequest
from twistio.web.resource import IResource, RenderResult

if TYPE_CHECKING:
    from twistio.web.static import Registry

__all__ = [
    "AlreadyCached",
    "CacheScanner",
    "PythonScript",
    "ResourceScript",
    "ResourceScriptDirectory",
    "ResourceScriptWrapper",
    "ResourceTemplate",
    "rpyNoResource",
]

rpyNoResource = """<p>You forgot to assign to the variable "resource" in your script. For example:</p>
<pre>
# MyCoolWebApp.rpy

import mygreatresource

resource = mygreatresource.MyGreatResource()
</pre>
"""


class AlreadyCached(Exception):
    """Raised by ``cache()`` in a resource script whose resource is cached already."""


class CacheScanner:
    """The ``cache`` a resource script calls: stop if the registry has the resource already,
    else remember to cache it once the script has run."""

    def __init__(self, path: str, registry: Registry) -> None:
        self.path = path
        self.registry = registry
        self.doCache = 0

    def cache(self) -> None:
        """Cache this script's resource (raises ``AlreadyCached`` if it is cached)."""
        cached = self.registry.getCachedPath(self.path)
        if cached is not None:
            raise AlreadyCached(cached)
        self.recache()

    def recache(self) -> None:
        """Cache the resource this run of the script makes."""
        self.doCache = 1


noRsrc = resource.unwarned_error_page(500, "Whoops! Internal Error", rpyNoResource)


def _registry(registry: Registry | None) -> Registry:
    if registry is None:
        from twistio.web.static import Registry

        registry = Registry()
    return registry


def ResourceScript(path: str, registry: Registry | None) -> IResource:
    """Run the resource script at ``path``; the resource it assigns to ``resource``."""
    registry = _registry(registry)
    scanner = CacheScanner(path, registry)
    # The script's globals: what it may call (cache, recache) and read, and the ``resource``
    # it is to replace (left as noRsrc, it yields the "you forgot" page).
    namespace: dict[str, object] = {"__file__": path, "registry": registry, "resource": noRsrc}
    namespace.update(cache=scanner.cache, recache=scanner.recache)
    with open(path, "rb") as source:
        program = compile(source.read(), path, "exec")
    try:
        exec(program, namespace, namespace)
    except AlreadyCached as already:
        (cached,) = already.args
        return cast(IResource, cached)
    # What the script assigned: a resource, as the script's author promises.
    made = cast(IResource, namespace["resource"])
    if made is not noRsrc and scanner.doCache:
        registry.cachePath(path, made)
    return made


def ResourceTemplate(path: str, registry: Registry | None) -> IResource:
    """A Quixote PTL template (``.trp``): not supported, answers 500 (see the module docstring)."""
    return resource.unwarned_error_page(
        500, "Templates not supported", "PTL templates need Quixote, which twistio does not support."
    )


class ResourceScriptWrapper(resource.Resource):
    """A resource that runs the script at ``path`` on each request and delegates to its resource."""

    def __init__(self, path: str, registry: Registry | None = None) -> None:
        super().__init__()
        self.path = path
        self.registry = _registry(registry)

    def render(self, request: IRequest) -> RenderResult:
        res = ResourceScript(self.path, self.registry)
        return res.render(request)

    def getChildWithDefault(self, path: bytes, request: IRequest) -> IResource:
        res = ResourceScript(self.path, self.registry)
        return res.getChildWithDefault(path, request)


class ResourceScriptDirectory(resource.Resource):
    """A directory whose files are resource scripts and whose subdirectories are more of it."""

    def __init__(self, pathname: str | bytes, registry: Registry | None = None) -> None:
        super().__init__()
        self.path = pathname
        self.registry = _registry(registry)

    def getChild(self, path: bytes | str, request: IRequest) -> IResource:
        # Names and the directory may be bytes or text (Twisted takes either).
        name = os.fsdecode(path)
        if not name or "/" in name or name in (".", ".."):
            return resource.unwarned_no_resource()
        target = os.path.join(os.fsdecode(self.path), name)
        if not os.path.exists(target):
            return resource.unwarned_no_resource()
        # a subdirectory is served the same way; any other file is a resource script
        kind = ResourceScriptDirectory if os.path.isdir(target) else ResourceScript
        return kind(target, self.registry)

    def render(self, request: IRequest) -> bytes:
        return resource.unwarned_no_resource().render(request)


class PythonScript(resource.Resource):
    """A page made by running a Python file per request, with ``request`` in its namespace.

    The file writes the response with ``request.write``; the request is finished after it
    runs. An exception gives 500 with its traceback (escaped) in the page.
    """

    isLeaf = True

    def __init__(self, filename: str, registry: Registry | None) -> None:
        super().__init__()
        self.filename = filename
        self.registry = registry

    def render(self, request: IRequest) -> int:
        # The page is written through what only a site's Request offers (finish).
        served = cast(http.Request, request)
        namespace: dict[str, object] = {
            "request": request,
            "__file__": self.filename,
            "registry": self.registry,
        }
        try:
            with open(self.filename, "rb") as f:
                code = compile(f.read(), self.filename, "exec")
            exec(code, namespace, namespace)
        except OSError as e:
            if e.errno == 2:  # ENOENT
                served.setResponseCode(http.NOT_FOUND)
                served.write(resource.unwarned_no_resource("File not found.").render(request))
        except Exception:
            served.setResponseCode(http.INTERNAL_SERVER_ERROR)
            served.write(
                b"<pre>" + escape(traceback.format_exc()).encode("utf-8") + b"</pre>"
            )
        served.finish()
        return server.NOT_DONE_YET
