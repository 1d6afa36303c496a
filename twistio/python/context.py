"""Dynamic scoping: values visible to everything a call makes (``twisted.python.context``).

twistio's ``theContextTracker`` keeps the current context in a ``contextvars.ContextVar``, so
each thread, and each asyncio Task, sees its own (Twisted keeps one per thread).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

__all__ = [
    "ContextTracker",
    "ThreadedContextTracker",
    "call",
    "defaultContextDict",
    "enter_context",
    "get",
    "installContextTracker",
    "setDefault",
    "theContextTracker",
]

_T = TypeVar("_T")

#: Values every context falls back to (``setDefault`` adds to it).
defaultContextDict: dict[Any, Any] = {}

setDefault = defaultContextDict.__setitem__


class _LazyContext(Protocol):
    """What ``enter_context`` also takes instead of a mapping: an object that makes its
    mapping only when a value is asked for (a connection, whose log context is made when
    something logs; nothing is made per connection before that)."""

    def context_mapping(self) -> Mapping[Any, Any]:
        """The mapping this object stands for, made now."""
        ...


def _mapping(base: Mapping[Any, Any] | _LazyContext) -> Mapping[Any, Any]:
    if type(base) is dict:
        return base
    make = getattr(base, "context_mapping", None)
    return make() if make is not None else base  # type: ignore[return-value]


class ContextTracker:
    """A stack of contexts: ``callWithContext`` pushes one for the duration of a call."""

    def __init__(self) -> None:
        self.contexts: list[dict[Any, Any]] = [defaultContextDict]

    def callWithContext(
        self, newContext: dict[Any, Any], func: Callable[..., _T], *args: Any, **kw: Any
    ) -> _T:
        """Call ``func`` with ``newContext``'s keys visible to ``getContext``."""
        merged = dict(self.contexts[-1])
        merged.update(newContext)
        self.contexts.append(merged)
        try:
            return func(*args, **kw)
        finally:
            self.contexts.pop()

    def getContext(self, key: Any, default: Any = None) -> Any:
        """The innermost value for ``key``, or ``default``."""
        for context in reversed(self.contexts):
            if key in context:
                return context[key]
        return default


class ThreadedContextTracker:
    """A context tracker whose state is per thread and per asyncio Task."""

    def __init__(self) -> None:
        self._current: contextvars.ContextVar[tuple[dict[Any, Any], ...]] = contextvars.ContextVar(
            "twistio_context", default=()
        )
        # Below the stack: what enter_context made the base of the rest of a context.
        self._base: contextvars.ContextVar[Mapping[Any, Any] | _LazyContext | None] = (
            contextvars.ContextVar("twistio_context_base", default=None)
        )

    def currentContext(self) -> ContextTracker:
        """A ``ContextTracker`` snapshot of the current context stack."""
        tracker = ContextTracker()
        base = self._base.get()
        if base is not None:
            tracker.contexts.append(dict(_mapping(base)))
        tracker.contexts.extend(self._current.get())
        return tracker

    def callWithContext(
        self, ctx: dict[Any, Any], func: Callable[..., _T], *args: Any, **kw: Any
    ) -> _T:
        """Call ``func`` with ``ctx``'s keys visible to ``getContext``."""
        token = self._current.set((*self._current.get(), dict(ctx)))
        try:
            return func(*args, **kw)
        finally:
            self._current.reset(token)

    def enter_context(self, ctx: Mapping[Any, Any] | _LazyContext) -> None:
        """Make ``ctx`` the base of the rest of the current ``contextvars`` context (see
        the module's ``enter_context``)."""
        self._base.set(ctx)

    def getContext(self, key: Any, default: Any = None) -> Any:
        """The innermost value for ``key`` (the stack, then the base ``enter_context``
        made), then ``defaultContextDict``'s, then ``default``."""
        for context in reversed(self._current.get()):
            if key in context:
                return context[key]
        base = self._base.get()
        if base is not None:
            mapping = _mapping(base)
            if key in mapping:
                return mapping[key]
        return defaultContextDict.get(key, default)


def enter_context(ctx: Mapping[Any, Any] | _LazyContext) -> bool:
    """Make ``ctx``'s keys visible to ``get`` for the rest of the current ``contextvars``
    context: what the running asyncio Task (or callback) runs from now on, and the callbacks
    it schedules, which copy it. It is the base of that context: what ``call`` adds wins
    over it, and entering another replaces it. ``ctx`` may also be a ``_LazyContext``, whose
    mapping is made each time a value is looked up. False if the installed tracker cannot
    (one that is not the default).

    twistio's transports call it where asyncio builds a connection, so that every callback
    of the connection sees its log context at no cost per call (Twisted sets it around
    each call).
    """
    tracker = theContextTracker
    if type(tracker) is ThreadedContextTracker:
        tracker._base.set(ctx)  # what its enter_context does, with one call less
        return True
    if isinstance(tracker, ThreadedContextTracker):
        tracker.enter_context(ctx)
        return True
    return False


def enter_for_now(ctx: Mapping[Any, Any] | _LazyContext) -> contextvars.Token[Any] | None:
    """``enter_context(ctx)`` until ``leave`` is given what this returns (None if the
    installed tracker cannot): for what is scheduled in between, which copies the context
    with ``ctx`` entered (twistio's ports make each accepted connection's transport so)."""
    tracker = theContextTracker
    if isinstance(tracker, ThreadedContextTracker):
        return tracker._base.set(ctx)
    return None


def leave(token: contextvars.Token[Any] | None) -> None:
    """Undo the ``enter_for_now`` that returned ``token``."""
    if token is not None:
        token.var.reset(token)


def installContextTracker(ctr: Any) -> None:
    """Make ``ctr`` the tracker behind ``call`` and ``get``."""
    global theContextTracker, call, get, enter_base
    theContextTracker = ctr
    call = ctr.callWithContext
    get = ctr.getContext
    enter_base = _base_setter(ctr)


def _base_setter(
    tracker: object,
) -> Callable[[Mapping[Any, Any] | _LazyContext], object] | None:
    if type(tracker) is ThreadedContextTracker:
        return tracker._base.set
    if isinstance(tracker, ThreadedContextTracker):
        return tracker.enter_context
    return None


theContextTracker: Any = ThreadedContextTracker()
call = theContextTracker.callWithContext
get = theContextTracker.getContext
#: ``enter_context(ctx)`` without a call of ours (None if the installed tracker cannot): what
#: a connection calls at its first read.
enter_base = _base_setter(theContextTracker)
