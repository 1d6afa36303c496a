"""Event dispatching for XML streams: ``EventDispatcher``, ``CallbackList``, ``XmlPipe``.

An event is either *named* (a string starting with the dispatcher's prefix, ``//event/``
by default: ``dispatch(obj, name)`` calls that name's observers with ``obj``) or an *XPath
query* (``dispatch(element)`` calls the observers of every query the element matches).
Observers run highest priority first. Observers added or removed while a dispatch runs
take effect once the outermost dispatch is over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twistio.python import log
from twistio.words.xish import xpath

__all__ = ["CallbackList", "EventDispatcher", "XmlPipe"]


class _MethodWrapper:
    """A callable bound to some arguments: called with more, it passes its own first
    (positionally), and its keyword arguments give way to the call's."""

    def __init__(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.method = method
        self.args = args
        self.kwargs = kwargs

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        merged = {**self.kwargs, **kwargs}
        return self.method(*self.args, *args, **merged)


class CallbackList:
    """Callables to call together, each with its own arguments, some only once.

    ``callbacks`` maps each callable to ``(wrapper, onetime)``. An exception raised by one
    callback is logged and the others still run.
    """

    def __init__(self) -> None:
        self.callbacks: dict[Any, tuple[_MethodWrapper, bool]] = {}

    def addCallback(
        self, onetime: bool, method: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> None:
        """Add ``method`` with arguments of its own (ignored if already in the list)."""
        if method not in self.callbacks:
            self.callbacks[method] = (_MethodWrapper(method, *args, **kwargs), onetime)

    def removeCallback(self, method: Callable[..., Any]) -> None:
        """Remove ``method`` if present."""
        self.callbacks.pop(method, None)

    def callback(self, *args: Any, **kwargs: Any) -> None:
        """Call every callback with these arguments after its own."""
        for key, (wrapper, onetime) in list(self.callbacks.items()):
            try:
                wrapper(*args, **kwargs)
            except BaseException:
                log.err()
            if onetime:
                self.callbacks.pop(key, None)

    def isEmpty(self) -> bool:
        """Whether no callback is left."""
        return not self.callbacks


class EventDispatcher:
    """Calls observers of named events and of XPath queries (see the module)."""

    def __init__(self, eventprefix: str = "//event/") -> None:
        self.prefix = eventprefix
        self._eventObservers: dict[int, dict[Any, CallbackList]] = {}
        self._xpathObservers: dict[int, dict[Any, CallbackList]] = {}
        self._dispatchDepth = 0
        self._updateQueue: list[Callable[[], None]] = []

    def _getEventAndObservers(self, event: Any) -> tuple[Any, dict[int, dict[Any, CallbackList]]]:
        if isinstance(event, xpath.XPathQuery):
            return event, self._xpathObservers
        if event.startswith(self.prefix):
            return event, self._eventObservers
        return xpath.internQuery(event), self._xpathObservers

    def addOnetimeObserver(
        self,
        event: Any,
        observerfn: Callable[..., Any],
        priority: int = 0,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        """Observe ``event`` once (see ``addObserver``)."""
        self._addObserver(True, event, observerfn, priority, *args, **kwargs)

    def addObserver(
        self,
        event: Any,
        observerfn: Callable[..., Any],
        priority: int = 0,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        """Call ``observerfn(*args, obj, **kwargs)`` for each ``obj`` dispatched as ``event``.

        ``event`` is a named event, an XPath query string, or an ``XPathQuery``.
        """
        self._addObserver(False, event, observerfn, priority, *args, **kwargs)

    def _addObserver(
        self,
        onetime: bool,
        event: Any,
        observerfn: Callable[..., Any],
        priority: int,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if self._dispatchDepth > 0:
            self._updateQueue.append(
                lambda: self._addObserver(onetime, event, observerfn, priority, *args, **kwargs)
            )
            return
        key, observers = self._getEventAndObservers(event)
        level = observers.setdefault(priority, {})
        callbacks = level.get(key)
        if callbacks is None:
            callbacks = level[key] = CallbackList()
        callbacks.addCallback(onetime, observerfn, *args, **kwargs)

    def removeObserver(self, event: Any, observerfn: Callable[..., Any]) -> None:
        """Stop calling ``observerfn`` for ``event``, at every priority."""
        if self._dispatchDepth > 0:
            self._updateQueue.append(lambda: self.removeObserver(event, observerfn))
            return
        key, observers = self._getEventAndObservers(event)
        for priority in list(observers):
            level = observers[priority]
            callbacks = level.get(key)
            if callbacks is None:
                continue
            callbacks.removeCallback(observerfn)
            if callbacks.isEmpty():
                del level[key]

    def dispatch(self, obj: Any, event: str | None = None) -> bool:
        """Dispatch ``obj``: as the named ``event``, or (``event`` None) to every XPath
        query it matches. Whether some observer was called."""
        found = False
        self._dispatchDepth += 1
        try:
            if event is None:
                observers = self._xpathObservers

                def matches(key: Any) -> bool:
                    return bool(key.matches(obj))
            else:
                observers = self._eventObservers

                def matches(key: Any) -> bool:
                    return bool(key == event)

            emptied: list[tuple[int, Any]] = []
            for priority in sorted(observers, reverse=True):
                for key, callbacks in list(observers[priority].items()):
                    if matches(key):
                        callbacks.callback(obj)
                        found = True
                        if callbacks.isEmpty():
                            emptied.append((priority, key))
            for priority, key in emptied:
                level = observers.get(priority)
                if level is not None and key in level and level[key].isEmpty():
                    del level[key]
        finally:
            self._dispatchDepth -= 1
        if self._dispatchDepth == 0 and self._updateQueue:
            queued, self._updateQueue = self._updateQueue, []
            for update in queued:
                update()
        return found


class XmlPipe:
    """Two connected ends, ``source`` and ``sink``: what one ``send``s, the other dispatches.

    A stand-in for an XML stream that is always connected and initialised (no connection,
    stream start or stream error events), handy in tests of stanza handlers.
    """

    def __init__(self) -> None:
        self.source = EventDispatcher()
        self.sink = EventDispatcher()
        self.source.send = self.sink.dispatch  # type: ignore[attr-defined]
        self.sink.send = self.source.dispatch  # type: ignore[attr-defined]
