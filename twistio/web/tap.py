"""``twistd web`` (and ``twist web``): a web server on a directory, a WSGI application, a
resource script or a resource class, listening on one or more endpoint descriptions.

``Options`` collects ``ports`` (endpoint descriptions: ``--listen``, repeatable; the old
``--port`` and ``--https`` spellings add to it; ``tcp:8080`` when none is given),
``root`` (the resource to serve) and ``extraHeaders``; ``makeService(options)`` gives a
``MultiService`` with one listening service per description, all serving one ``Site``.
With ``--personal`` the site is published over Perspective Broker instead
(``makePersonalServerFactory``), on ``~/.twistd-web-pb`` unless ``--listen`` says where, for a
front server's ``distrib.UserDirectory`` to serve as ``/user.twistd/``.
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING

from twistio.application import service, strports
from twistio.python import reflect, usage
from twistio.web import demo, resource, script, server, static, twcgi, wsgi
from twistio.web.iweb import IRequest
from twistio.web.resource import IResource

if TYPE_CHECKING:
    from twistio.internet.protocol import ServerFactory
    from twistio.spread.pb import PBServerFactory

__all__ = ["Options", "makePersonalServerFactory", "makeService"]


class Options(usage.Options):
    """The command line of ``twistd web``."""

    synopsis = "[web options]"
    longdesc = (
        "Serves the web. Without --path, --wsgi, --resource-script or --class it serves a "
        "small demonstration page."
    )
    optParameters = [
        ["logfile", "l", None, "write an access log (combined log format) to this file"],
        ["certificate", "c", "server.pem", "(deprecated: use --listen ssl:...) the "
         "certificate for --https"],
        ["privkey", "k", "server.pem", "(deprecated: use --listen ssl:...) the private "
         "key for --https"],
        ["mime-type", "m", None, "content type of static files whose type is unknown"],
    ]
    optFlags = [
        ["personal", "", "publish the site over PB for a front server's distrib.UserDirectory "
         "(on ~/.twistd-web-pb unless --listen is given)"],
        ["notracebacks", "n", "(deprecated: tracebacks are off unless "
         "--display-tracebacks)"],
        ["display-tracebacks", None, "show the traceback of a failed request to the "
         "client: never on a public server"],
    ]

    def __init__(self) -> None:
        super().__init__()
        self.update(ports=[], indexes=[], root=None, extraHeaders=[])

    def opt_listen(self, description: str) -> None:
        """Listen on this endpoint (tcp:8080 unless given; repeatable)."""
        self["ports"].append(description)

    def opt_port(self, description: str) -> None:
        """(deprecated: use --listen) an endpoint description, or a port number."""
        self.opt_listen(description if not description.isdigit() else f"tcp:{description}")

    opt_p = opt_port

    def opt_https(self, port: str) -> None:
        """(deprecated: use --listen ssl:...) HTTPS on this port, --certificate/--privkey."""
        try:
            from twistio.internet import ssl

            ssl.DefaultOpenSSLContextFactory  # noqa: B018 (is TLS there at all?)
        except (ImportError, AttributeError):
            raise usage.UsageError("SSL support not installed") from None
        self.opt_listen(
            f"ssl:port={port}:privateKey={self['privkey']}:certKey={self['certificate']}"
        )

    def opt_index(self, name: str) -> None:
        """Also look for this file name when a directory is asked for (repeatable)."""
        self["indexes"].append(name)

    opt_i = opt_index

    def opt_path(self, path: str) -> None:
        """Serve this directory or file (.rpy, .epy and .cgi files are run, not sent)."""
        self["root"] = _fileResource(path)

    def opt_wsgi(self, name: str) -> None:
        """Serve the WSGI application of this dotted name (package.module.app)."""
        try:
            application = reflect.namedAny(name)
        except (AttributeError, ValueError, reflect.ObjectNotFound):
            raise usage.UsageError(f"No such WSGI application: {name!r}") from None
        from twistio.internet import reactor

        self["root"] = wsgi.WSGIResource(reactor, reactor.getThreadPool(), application)

    def opt_resource_script(self, path: str) -> None:
        """Serve the resource this .rpy file makes."""
        self["root"] = script.ResourceScriptWrapper(path)

    def opt_class(self, name: str) -> None:
        """Serve an instance of this Resource class (dotted name, made with no arguments)."""
        self["root"] = reflect.namedAny(name)()

    def opt_mime_type(self, contentType: str) -> None:
        """Content type of static files whose type is unknown."""
        self["mime-type"] = contentType
        root = self["root"]
        if isinstance(root, static.File):
            root.defaultType = contentType

    opt_m = opt_mime_type

    def opt_allow_ignore_ext(self) -> None:
        """Serve foo.ext when foo is asked for (whatever the extension)."""
        self.opt_ignore_ext("*")

    def opt_ignore_ext(self, ext: str) -> None:
        """Serve foo.EXT when foo is asked for (repeatable; tried in order)."""
        root = self["root"]
        if not isinstance(root, static.File):
            raise usage.UsageError("--ignore-ext needs --path first")
        root.ignoreExt(ext)

    def opt_processor(self, spec: str) -> None:
        """EXT=CLASS: files ending in EXT are served by CLASS(path, registry)."""
        root = self["root"]
        if not isinstance(root, static.File):
            raise usage.UsageError("--processor needs --path first")
        ext, _, name = spec.partition("=")
        root.processors = {**root.processors, ext: reflect.namedAny(name)}

    def opt_add_header(self, header: str) -> None:
        """NAME: VALUE added to every response (repeatable)."""
        name, separator, value = header.partition(":")
        if not separator:
            raise usage.UsageError(f"--add-header {header!r}: expected NAME: VALUE")
        self["extraHeaders"].append((name.strip(), value.strip()))

    def postOptions(self) -> None:
        if not self["ports"]:
            if self["personal"]:
                from twistio.web.distrib import UserDirectory

                path = os.path.expanduser(os.path.join("~", UserDirectory.userSocketName))
                self["ports"] = [f"unix:{path}"]
            else:
                self["ports"] = ["tcp:8080"]
        if self["indexes"] and isinstance(self["root"], static.File):
            self["root"].indexNames = self["indexes"]


def _fileResource(path: str) -> static.File:
    """A ``File`` on ``path`` that runs scripts: .rpy and .epy in this process, .cgi as a
    child process."""
    served = static.File(os.path.abspath(path))
    served.processors = {
        ".epy": script.PythonScript,
        ".rpy": script.ResourceScript,
        ".cgi": twcgi.CGIScript,
    }
    return served


class _AddHeadersResource(resource.Resource):
    """Wraps a resource, adding ``headers`` (name, value pairs) to every response that
    goes through it."""

    def __init__(self, originalResource: IResource, headers: list[tuple[str, str]]) -> None:
        super().__init__()
        self._originalResource = originalResource
        self._headers = headers

    def getChildWithDefault(self, name: bytes, request: IRequest) -> IResource:
        for header, value in self._headers:
            request.responseHeaders.addRawHeader(header, value)
        return self._originalResource.getChildWithDefault(name, request)


def makeService(config: Options) -> service.MultiService:
    """One listening service per description in ``config["ports"]``, sharing one site."""
    if config["notracebacks"]:
        warnings.warn(
            "--notracebacks was deprecated in Twisted 19.7.0", DeprecationWarning, stacklevel=2
        )
    root = config["root"] if config["root"] is not None else demo.Test()
    if config["extraHeaders"]:
        root = _AddHeadersResource(root, config["extraHeaders"])
    site = server.Site(root, logPath=config["logfile"])
    site.displayTracebacks = bool(config["display-tracebacks"])
    factory: ServerFactory = makePersonalServerFactory(site) if config["personal"] else site
    everything = service.MultiService()
    for description in config["ports"]:
        strports.service(description, factory).setServiceParent(everything)
    return everything


def makePersonalServerFactory(site: server.Site) -> PBServerFactory:
    """A PB server factory whose root publishes ``site`` (a ``distrib.ResourcePublisher``)."""
    from twistio.spread import pb
    from twistio.web import distrib

    return pb.PBServerFactory(distrib.ResourcePublisher(site))
