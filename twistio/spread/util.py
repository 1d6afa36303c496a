"""PB helpers: local objects answering ``callRemote``, and paging large data to a peer."""

from __future__ import annotations

from typing import Any

from twistio.internet import defer
from twistio.protocols import basic
from twistio.python.failure import Failure
from twistio.spread import pb

__all__ = [
    "CallbackPageCollector",
    "FilePager",
    "LocalAsRemote",
    "LocalAsyncForwarder",
    "LocalMethod",
    "Pager",
    "StringPager",
    "getAllPages",
]


class LocalMethod:
    """One method of a ``LocalAsRemote``, callable like a ``RemoteMethod``."""

    def __init__(self, local: Any, name: str) -> None:
        self.local = local
        self.name = name

    def __call__(self, *args: Any, **kw: Any) -> Any:
        return self.local.callRemote(self.name, *args, **kw)


class LocalAsRemote:
    """A local object with ``callRemote``: ``sync_<name>`` methods are called as they are,
    ``async_<name>`` ones have their result (or exception) wrapped in a Deferred."""

    reportAllTracebacks = 1

    def callRemote(self, name: str, *args: Any, **kw: Any) -> Any:
        sync = getattr(self, f"sync_{name}", None)
        if sync is not None:
            return sync(*args, **kw)

        def run() -> Any:
            return getattr(self, f"async_{name}")(*args, **kw)

        result = defer.maybeDeferred(run)
        if self.reportAllTracebacks:
            result.addErrback(_printed)
        return result

    def remoteMethod(self, name: str) -> LocalMethod:
        """``callRemote`` bound to ``name``."""
        return LocalMethod(self, name)


def _printed(f: Failure) -> Failure:
    f.printTraceback()
    return f


def _declares(interfaceClass: Any, name: str) -> bool:
    query = getattr(interfaceClass, "queryDescriptionFor", None)
    if query is not None:
        return query(name) is not None
    return callable(getattr(interfaceClass, name, None))


class LocalAsyncForwarder:
    """Forwards ``callRemote(name, ...)`` to ``forwarded.name(...)`` for the methods of
    ``interfaceClass``; other names give None, or a failure with
    ``failWhenNotImplemented``."""

    def __init__(
        self, forwarded: Any, interfaceClass: Any, failWhenNotImplemented: int = 0
    ) -> None:
        assert interfaceClass.providedBy(forwarded)
        self.forwarded = forwarded
        self.interfaceClass = interfaceClass
        self.failWhenNotImplemented = failWhenNotImplemented

    def _callMethod(self, method: str, *args: Any, **kw: Any) -> Any:
        return getattr(self.forwarded, method)(*args, **kw)

    def callRemote(self, method: str, *args: Any, **kw: Any) -> Any:
        if _declares(self.interfaceClass, method):
            return defer.maybeDeferred(self._callMethod, method, *args, **kw)
        if self.failWhenNotImplemented:
            return defer.fail(
                Failure(NotImplementedError(f"No Such Method in Interface: {method}"))
            )
        return defer.succeed(None)


class Pager:
    """Sends pages to a remote collector (``remote_gotPage``, then ``remote_endedPaging``)
    as the connection is ready for them; subclasses give ``nextPage``."""

    def __init__(self, collector: Any, callback: Any = None, *args: Any, **kw: Any) -> None:
        self.chunks: list[Any] = []
        self.collector = collector
        self.callback = callback
        self.callbackArgs = args
        self.callbackKeyword = kw
        self._stillPaging = 1
        self.collector.broker.registerPageProducer(self)

    def stillPaging(self) -> int:
        """Whether pages remain; when not, tells the collector and calls the callback."""
        if not self._stillPaging:
            self.collector.callRemote("endedPaging", pbanswer=False)
            if self.callback is not None:
                self.callback(*self.callbackArgs, **self.callbackKeyword)
        return self._stillPaging

    def sendNextPage(self) -> None:
        """Send one page."""
        self.collector.callRemote("gotPage", self.nextPage(), pbanswer=False)

    def nextPage(self) -> Any:
        """The next page (``stopPaging()`` once it is the last)."""
        raise NotImplementedError()

    def stopPaging(self) -> None:
        """There are no more pages after this one."""
        self._stillPaging = 0


class StringPager(Pager):
    """Pages a byte string in ``chunkSize`` pieces."""

    def __init__(
        self,
        collector: Any,
        st: bytes,
        chunkSize: int = 8192,
        callback: Any = None,
        *args: Any,
        **kw: Any,
    ) -> None:
        self.string = st
        self.pointer = 0
        self.chunkSize = chunkSize
        Pager.__init__(self, collector, callback, *args, **kw)

    def nextPage(self) -> bytes:
        val = self.string[self.pointer : self.pointer + self.chunkSize]
        self.pointer += self.chunkSize
        if self.pointer >= len(self.string):
            self.stopPaging()
        return val


class FilePager(Pager):
    """Pages the contents of an open file."""

    def __init__(
        self, collector: Any, fd: Any, callback: Any = None, *args: Any, **kw: Any
    ) -> None:
        self.chunks = []
        self.producer: Any = None
        Pager.__init__(self, collector, callback, *args, **kw)
        self.startProducing(fd)

    def startProducing(self, fd: Any) -> None:
        """Read ``fd`` through a ``FileSender``."""
        self.deferred = basic.FileSender().beginFileTransfer(fd, self)
        self.deferred.addBoth(lambda x: self.stopPaging())

    def registerProducer(self, producer: Any, streaming: Any) -> None:
        self.producer = producer
        if not streaming:
            self.producer.resumeProducing()

    def unregisterProducer(self) -> None:
        self.producer = None

    def write(self, chunk: bytes) -> None:
        self.chunks.append(chunk)

    def sendNextPage(self) -> None:
        if not self.chunks:
            return
        val = self.chunks.pop(0)
        if self.producer is not None:
            self.producer.resumeProducing()
        self.collector.callRemote("gotPage", val, pbanswer=False)


class CallbackPageCollector(pb.Referenceable):
    """Collects the pages a pager sends; ``callback(pages)`` at the end."""

    def __init__(self, callback: Any) -> None:
        self.pages: list[Any] = []
        self.callback = callback

    def remote_gotPage(self, page: Any) -> None:
        self.pages.append(page)

    def remote_endedPaging(self) -> None:
        self.callback(self.pages)


def getAllPages(referenceable: Any, methodName: str, *args: Any, **kw: Any) -> defer.Deferred[Any]:
    """Call ``methodName`` with a page collector as its first argument; a Deferred of
    the list of pages."""
    d: defer.Deferred[Any] = defer.Deferred()
    referenceable.callRemote(methodName, CallbackPageCollector(d.callback), *args, **kw)
    return d
