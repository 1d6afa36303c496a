"""Loaders (``TagLoader``, ``XMLString``, ``XMLFile``), ``Element`` and ``renderer``,
the ``tags`` factory and ``renderElement``."""

from __future__ import annotations

import io
import os
import warnings
import xml.sax
import xml.sax.handler
from collections.abc import Callable
from typing import IO, Protocol, TypeVar, Union, cast
from xml.sax.xmlreader import AttributesNSImpl, Locator

from twistio._typing import StoredCall
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import implementer
from twistio.logger import Logger
from twistio.python.failure import Failure
from twistio.web._flatten import Driver, start
from twistio.web._stan import CDATA, Comment, Flattenable, Tag, slot
from twistio.web.error import MissingRenderMethod, MissingTemplateLoader, UnexposedMethodError
from twistio.web.iweb import IRenderable, IRequest, ITemplateLoader

__all__ = [
    "TEMPLATE_NAMESPACE",
    "VALID_HTML_TAG_NAMES",
    "Element",
    "TagLoader",
    "XMLFile",
    "XMLString",
    "renderElement",
    "renderer",
    "tags",
]

TEMPLATE_NAMESPACE = "http://twistedmatrix.com/ns/twisted.web.template/0.1"

# The tag names ``tags`` knows (the same as Twisted's); ``tags.transparent`` is extra.
_TAG_NAMES = """a abbr acronym address applet area article aside audio b base basefont bdi bdo big
    blockquote body br button canvas caption center cite code col colgroup command datalist
    dd del details dfn dir div dl dt em embed fieldset figcaption figure font footer form
    frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins
    isindex kbd keygen label legend li link map mark menu meta meter nav noframes noscript
    object ol optgroup option output p param pre progress q rp rt ruby s samp script section
    select small source span strike strong style sub summary sup table tbody td textarea
    tfoot th thead time title tr tt u ul var video wbr"""
VALID_HTML_TAG_NAMES = frozenset(_TAG_NAMES.split())

_log = Logger()
_F = TypeVar("_F", bound=StoredCall)
_D = TypeVar("_D")


class _TagFactory:
    """``tags.div`` is a new, empty ``Tag('div')``; unknown names raise ``AttributeError``."""

    def __getattr__(self, tagName: str) -> Tag:
        # "transparent" is the tag that renders only its children; a trailing "_" lets
        # Python keywords through ("del_", "object_").
        name = "" if tagName == "transparent" else tagName.rstrip("_")
        if name not in VALID_HTML_TAG_NAMES and tagName != "transparent":
            raise AttributeError(f"unknown tag {tagName!r}")
        return Tag(name)


tags = _TagFactory()


class Expose:
    """A decorator that marks methods as reachable by name through ``get``."""

    def __init__(self, doc: str = "") -> None:
        self.__doc__ = doc

    def __call__(self, f: _F, *funcObjs: _F) -> _F:
        """Mark each function; returns the last one."""
        funcObjs = (f, *funcObjs)
        for fn in funcObjs:
            exposed = list(getattr(fn, "exposedThrough", []))
            exposed.append(self)
            fn.exposedThrough = exposed  # type: ignore[attr-defined]
        return funcObjs[-1]

    _nodefault = object()

    def get(self, instance: object, methodName: str, default: _D = _nodefault) -> StoredCall | _D:  # type: ignore[assignment]
        """``instance``'s method ``methodName`` if this marker exposed it, else ``default``
        (or ``UnexposedMethodError`` without one)."""
        method: StoredCall | None = getattr(instance, methodName, None)
        if self not in getattr(method, "exposedThrough", ()):
            if default is self._nodefault:
                raise UnexposedMethodError(self, methodName)
            return default
        assert method is not None  # (it was marked)
        return method


renderer = Expose("Decorate an ``Element`` method to make it a render method.")


@implementer(IRenderable)
class Element:
    """A renderable: its ``loader`` gives the template, its ``@renderer`` methods fill it."""

    loader: ITemplateLoader | None = None

    def __init__(self, loader: ITemplateLoader | None = None) -> None:
        if loader is not None:
            self.loader = loader

    def lookupRenderMethod(self, name: str) -> Callable[[IRequest | None, Tag], Flattenable]:
        """The ``@renderer`` method called ``name``; ``MissingRenderMethod`` if none."""
        method = renderer.get(self, name, None)
        if method is None:
            raise MissingRenderMethod(self, name)
        return method

    def render(self, request: IRequest | None) -> Flattenable:
        """The loaded template (``MissingTemplateLoader`` without a loader)."""
        loader = self.loader
        if loader is None:
            raise MissingTemplateLoader(self)
        return loader.load()


@implementer(ITemplateLoader)
class TagLoader:
    """A loader whose template is one ``Tag`` (or other flattenable)."""

    def __init__(self, tag: Flattenable) -> None:
        self.tag = tag

    def load(self) -> list[Flattenable]:
        """The template."""
        return [self.tag]


class _ToStan(xml.sax.handler.ContentHandler, xml.sax.handler.LexicalHandler):
    """SAX events to a tree: ``t:`` directives become slots, attributes, render names."""

    def __init__(self, sourceFilename: str | None) -> None:
        super().__init__()
        self.sourceFilename = sourceFilename
        self.prefixMap: list[dict[str, str | None]] = [{}]
        self.document: list[Flattenable] = []
        self.stack: list[list[Flattenable]] = [self.document]
        self.nodes: list[slot | Tag | list[Flattenable]] = []
        self.pending: list[tuple[str | None, str]] = []
        self.inCDATA: list[str] | None = None
        self.locator: Locator | None = None

    def setDocumentLocator(self, locator: Locator) -> None:
        self.locator = locator

    def _where(self) -> tuple[int | None, int | None]:
        if self.locator is None:
            return None, None
        return self.locator.getLineNumber(), self.locator.getColumnNumber()

    def startPrefixMapping(self, prefix: str | None, uri: str) -> None:
        self.prefixMap.append(dict(self.prefixMap[-1]))
        self.prefixMap[-1][uri] = prefix
        if uri != TEMPLATE_NAMESPACE:
            self.pending.append((prefix, uri))

    def endPrefixMapping(self, prefix: str | None) -> None:
        self.prefixMap.pop()

    def _qname(self, ns: str | None, local: str) -> str:
        if ns is None:
            return local
        prefix = self.prefixMap[-1].get(ns)
        return local if not prefix else f"{prefix}:{local}"

    def startElementNS(
        self, name: tuple[str | None, str], qname: str | None, attrs: AttributesNSImpl
    ) -> None:
        ns, local = name
        line, column = self._where()
        children = self.stack[-1]
        if ns == TEMPLATE_NAMESPACE:
            if local == "slot":
                default = attrs.get((None, "default"))
                node = slot(
                    attrs[(None, "name")], default, self.sourceFilename, line, column
                )
                children.append(node)
                self.nodes.append(node)
                self.stack.append(node.children)
                self.pending = []
                return
            if local == "attr":
                parent = self.nodes[-1] if self.nodes else None
                if not isinstance(parent, Tag):
                    raise AssertionError(f"<{{{TEMPLATE_NAMESPACE}}}attr> usage not valid here")
                if (None, "name") not in attrs:
                    raise AssertionError(
                        f"<{{{TEMPLATE_NAMESPACE}}}attr> requires a name attribute"
                    )
                value: list[Flattenable] = []
                parent.attributes[attrs[(None, "name")]] = value
                self.nodes.append(value)
                self.stack.append(value)
                self.pending = []
                return
            # Any other element of the template namespace is an ordinary tag of that
            # name (Twisted's too), usually replaced by its render method.
            tagName = "" if local == "transparent" else local
        else:
            tagName = self._qname(ns, local)
        render: str | None = None
        attributes: dict[bytes | str, Flattenable] = {}
        for (ans, alocal), value_ in attrs.items():
            if ans == TEMPLATE_NAMESPACE:
                if alocal == "render":
                    render = value_
                    continue
                raise AssertionError(f"Unknown template attribute: {alocal}")
            attributes[self._qname(ans, alocal)] = value_
        for prefix, uri in self.pending:
            attributes["xmlns" if not prefix else f"xmlns:{prefix}"] = uri
        self.pending = []
        tag = Tag(tagName, attributes, [], render, self.sourceFilename, line, column)
        children.append(tag)
        self.nodes.append(tag)
        self.stack.append(tag.children)

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:
        self.nodes.pop()
        self.stack.pop()

    def characters(self, content: str) -> None:
        if self.inCDATA is not None:
            self.inCDATA.append(content)
            return
        children = self.stack[-1]
        if children and type(children[-1]) is str:
            children[-1] += content
        else:
            children.append(content)

    def ignorableWhitespace(self, whitespace: str) -> None:
        self.characters(whitespace)

    def comment(self, content: str) -> None:
        self.stack[-1].append(Comment(content))

    def startCDATA(self) -> None:
        self.inCDATA = []

    def endCDATA(self) -> None:
        data = "".join(self.inCDATA or ())
        self.inCDATA = None
        self.stack[-1].append(CDATA(data))

    def startDTD(self, name: str, public_id: str | None, system_id: str | None) -> None:
        pass

    def endDTD(self) -> None:
        pass


def _parse(source: IO[str] | IO[bytes], filename: str | None) -> list[Flattenable]:
    parser = xml.sax.make_parser()
    handler = _ToStan(filename)
    parser.setFeature(xml.sax.handler.feature_namespaces, True)
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setContentHandler(handler)
    parser.setProperty(xml.sax.handler.property_lexical_handler, handler)
    parser.parse(source)
    return handler.document


@implementer(ITemplateLoader)
class XMLString:
    """A loader for a template given as an XML string (parsed at once)."""

    def __init__(self, s: str | bytes) -> None:
        if isinstance(s, bytes):
            s = s.decode("utf-8")
        self._loadedTemplate = _parse(io.StringIO(s), None)

    def load(self) -> list[Flattenable]:
        """The parsed template."""
        return self._loadedTemplate


class _FilePathLike(Protocol):
    """A ``FilePath``: what ``XMLFile`` wants."""

    @property
    def path(self) -> str | bytes: ...

    def open(self, mode: str = "r") -> IO[bytes]: ...


#: What ``XMLFile`` takes: a ``FilePath``, or (deprecated) a path or an open file.
_TemplatePath = Union[_FilePathLike, str, bytes, "os.PathLike[str]", "os.PathLike[bytes]", IO[bytes], IO[str]]


@implementer(ITemplateLoader)
class XMLFile:
    """A loader for a template in an XML file, parsed on first ``load``.

    ``path`` is a ``FilePath``-like object (with ``.path`` and ``.open()``); a ``str`` or
    ``os.PathLike`` path or an open file also work, with Twisted's deprecation warning.
    """

    def __init__(self, path: _TemplatePath) -> None:
        if not (hasattr(path, "path") and hasattr(path, "open")):
            warnings.warn(
                "Passing filenames or file objects to XMLFile is deprecated since "
                "Twisted 12.1.  Pass a FilePath instead.",
                DeprecationWarning,
                stacklevel=2,
            )
        self._path = path
        self._loadedTemplate: list[Flattenable] | None = None

    def _filename(self) -> str:
        path = self._path
        inner = getattr(path, "path", None)
        if isinstance(inner, (str, bytes)):
            return os.fsdecode(inner)
        return os.fsdecode(cast("str | bytes | os.PathLike[str] | os.PathLike[bytes]", path))

    def load(self) -> list[Flattenable]:
        """The parsed template."""
        if self._loadedTemplate is None and hasattr(self._path, "read"):
            self._loadedTemplate = _parse(
                cast("IO[str] | IO[bytes]", self._path), getattr(self._path, "name", None)
            )
        if self._loadedTemplate is None:
            filename = self._filename()
            opener = getattr(self._path, "open", None)
            if callable(opener) and not isinstance(self._path, (str, os.PathLike)):
                with opener() as f:
                    self._loadedTemplate = _parse(f, filename)
            else:
                with open(filename, "rb") as fb:
                    self._loadedTemplate = _parse(fb, filename)
        return self._loadedTemplate

    def __repr__(self) -> str:
        return f"<XMLFile of {self._path!r}>"


_ERROR_DIV = (
    b'<div style="font-size:800%;background-color:#FFF;color:#F00">'
    b"An error occurred while rendering the response.</div>"
)


class _Backpressure:
    """A push producer on the request: the flattener waits while the transport is full."""

    def __init__(self) -> None:
        self.paused: Deferred[object] | None = None
        self.stopped = False
        self.driver: Driver | None = None

    def pauseProducing(self) -> None:
        if self.paused is None:
            self.paused = Deferred()

    def resumeProducing(self) -> None:
        paused, self.paused = self.paused, None
        if paused is not None:
            paused.callback(None)

    def stopProducing(self) -> None:
        self.stopped = True
        if self.driver is not None:
            try:
                self.driver.stop()
            except ValueError:  # stopped from inside one of our own writes
                pass

    def wait(self) -> Deferred[object] | None:
        return self.paused


def renderElement(
    request: IRequest,
    element: Flattenable,
    doctype: bytes | None = b"<!DOCTYPE html>",
    _failElement: Callable[[Failure], Flattenable] | None = None,
) -> int:
    """Write ``element`` (after ``doctype`` and a newline) to ``request`` and finish it.

    Returns ``NOT_DONE_YET``. A rendering error is logged and the page ends with a short
    error message (no details), or with ``_failElement(failure)`` flattened if given.

    twistio additions: the page is streamed with back-pressure (a push producer is
    registered on the request while it renders, if none is); if the client goes away
    rendering stops and ``finish`` is not called (Twisted calls it and gets an error).
    """
    from twistio.web.server import NOT_DONE_YET

    if doctype is not None:
        request.write(doctype)
        request.write(b"\n")

    producer = _Backpressure()
    registered = False
    try:  # (an IRequest need not be a consumer: then it just is not one)
        getattr(request, "registerProducer")(producer, True)  # noqa: B009
        registered = True
    except Exception:
        pass

    def gone(reason: object) -> None:
        producer.stopProducing()

    def write(data: bytes) -> None:
        if not producer.stopped:
            request.write(data)

    def backpressure() -> Deferred[object] | None:
        return producer.wait()

    done, producer.driver = start(request, element, write, True, backpressure)

    def failed(failure: Failure) -> Deferred[None] | None:
        _log.failure("An error occurred while rendering the response.", failure=failure)
        if producer.stopped:
            return None
        if _failElement is None:
            request.write(_ERROR_DIV)
            return None
        return start(request, _failElement(failure), write, True)[0]

    def finish(result: object) -> object:
        if registered:
            try:
                getattr(request, "unregisterProducer")()  # noqa: B009
            except Exception:
                pass
        if producer.stopped or getattr(request, "disconnected", False):
            return None
        request.finish()
        return None

    if not done.called:
        notify = getattr(request, "notifyFinish", None)
        if notify is not None:
            notify().addErrback(gone)
    done.addErrback(failed)
    done.addBoth(finish)
    return NOT_DONE_YET
