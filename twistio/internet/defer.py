"""``Deferred``: Twisted's promise of a result, with its callback chains, bridged to asyncio.

A Deferred holds a chain of (callback, errback) pairs. Once it is fired with ``callback`` or
``errback``, its result runs down the chain: each callback's return value (or the ``Failure``
of what it raised) is the next one's input, and a callback that returns a Deferred pauses the
chain until that one has a result. Chains are run iteratively, so nesting does not recurse.

Bridges to asyncio, both ways: ``await d`` works in any coroutine, whether an asyncio Task or
``ensureDeferred`` drives it; ``d.asFuture(loop)`` and ``Deferred.fromFuture(f)`` convert, and
cancelling either side cancels the other. A Deferred ``CancelledError`` and an
``asyncio.CancelledError`` map onto each other at every bridge.

Where twistio differs from Twisted (docs/differences.md says why):

- a callback runs in the ``contextvars`` context that was current when it was added if the
  Deferred had not fired yet (as asyncio's ``add_done_callback`` does; twisted#9807);
- a coroutine given to ``ensureDeferred`` may await asyncio futures and tasks; at its first
  such await it moves into an asyncio Task, so ``asyncio.current_task()`` works from there on;
- ``returnValue`` works but does not warn.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import threading
import traceback
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable, Sequence
from functools import wraps
from types import CoroutineType, GeneratorType, TracebackType
from typing import (
    TYPE_CHECKING,
    Generic,
    Literal,
    NoReturn,
    Protocol,
    TypeVar,
    Union,
    cast,
    overload,
)

from typing_extensions import Concatenate, ParamSpec, Self

from twistio._typing import StoredCall, StoredCallOf
from twistio.internet._registry import installed_reactor
from twistio.internet.interfaces import IDelayedCall as IDelayedCall
from twistio.internet.interfaces import IReactorTime as IReactorTime
from twistio.python import _spelling
from twistio.python import lockfile as _lockfile
from twistio.python.deprecate import warnAboutFunction
from twistio.python.failure import Failure

if TYPE_CHECKING:
    from twistio.logger import Logger


class _DelayedCall(Protocol):
    def active(self) -> bool: ...
    def cancel(self) -> None: ...


class _Clock(Protocol):
    """What ``addTimeout`` needs of a clock: a reactor, a ``task.Clock``, anything alike."""

    def callLater(self, delay: float, f: Callable[[], object], /) -> _DelayedCall: ...

__all__ = [
    "FAILURE",
    "SUCCESS",
    "AlreadyCalledError",
    "CancelledError",
    "DebugInfo",
    "Deferred",
    "DeferredList",
    "DeferredLock",
    "DeferredQueue",
    "DeferredSemaphore",
    "FailureGroup",
    "FirstError",
    "NotACoroutineError",
    "QueueOverflow",
    "QueueUnderflow",
    "TimeoutError",
    "ensureDeferred",
    "execute",
    "fail",
    "gatherResults",
    "getDebugging",
    "inlineCallbacks",
    "logError",
    "maybeDeferred",
    "passthru",
    "race",
    "returnValue",
    "setDebugging",
    "succeed",
]

_T = TypeVar("_T")
_U = TypeVar("_U")

# What a DeferredList fires with: every (success, result) pair, or with fireOnOneCallback the
# first (result, index). Twisted's own tests import these aliases.
_DeferredListResultListT = list[tuple[bool, _T]]
_DeferredListSingleResultT = tuple[_T, int]
_V = TypeVar("_V")
_DLResult = TypeVar("_DLResult")  # DeferredList's result: one of the two above
_P = ParamSpec("_P")

_log = logging.getLogger("twistio.internet.defer")
_copy_context = contextvars.copy_context
_get_running_loop = asyncio._get_running_loop
_AsyncioCancelledError = asyncio.CancelledError


class AlreadyCalledError(Exception):
    """``callback`` or ``errback`` was called on a Deferred that had already fired."""


class CancelledError(Exception):
    """The Deferred was cancelled."""


class TimeoutError(Exception):
    """The Deferred timed out (see ``Deferred.addTimeout``)."""


class NotACoroutineError(TypeError):
    """A coroutine was expected and something else was given."""


class _HandOff:
    """Marks a link entry: ``(_HANDOFF, None, None, _HANDOFF, None, None, waiter)``.

    A Deferred that a callback returned before it had a result gets such an entry; reaching
    it, the chain engine gives the result to ``waiter`` and runs ``waiter`` on.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "<hand the result on>"

    def __call__(self, *args: object, **kwargs: object) -> NoReturn:
        # Never called: the chain engine recognises the marker first. Being callable, it
        # has the type of what else stands in an entry's function slots.
        raise AssertionError("the hand-off marker is not a callback")


_HANDOFF = _HandOff()


class DebugInfo:
    """What a Deferred keeps for error reports: an unhandled Failure, and debug stacks.

    When it is garbage-collected still holding a Failure (the Deferred's chain ended in an
    error that no errback handled), the error is logged, as in Twisted.
    """

    __slots__ = ("creator", "debug", "failResult", "invoker")

    def __init__(self) -> None:
        self.failResult: Failure | None = None
        self.creator: list[str] | None = None
        self.invoker: list[str] | None = None
        self.debug = False  # this one Deferred records its stacks (``d.debug = True``)

    def _getDebugTracebacks(self) -> str:
        info = ""
        if self.creator is not None:
            info += " C: Deferred was created:\n C:"
            info += "".join(self.creator).rstrip().replace("\n", "\n C:") + "\n"
        if self.invoker is not None:
            info += " I: First Invoker was:\n I:"
            info += "".join(self.invoker).rstrip().replace("\n", "\n I:") + "\n"
        return info

    def __del__(self) -> None:
        failure = self.failResult
        if failure is not None:
            try:
                _reportUnhandled(failure, self._getDebugTracebacks())
            except BaseException:  # pragma: no cover - never raise from a finaliser
                pass


_deferLog: Logger | None = None


def _deferLogger() -> Logger:
    # twistio.logger is imported on first use: it sits above this module.
    global _deferLog
    if _deferLog is None:
        from twistio.logger import Logger

        _deferLog = Logger(namespace=__name__)
    return _deferLog


def _reportUnhandled(failure: Failure, debugInfo: str) -> None:
    """Log an error nobody handled, as Twisted does: two critical events, the heading and
    then the failure (with the debug stacks, if any, as its text)."""
    log = _deferLogger()
    log.critical("Unhandled error in Deferred:", isError=True)
    text = "(debug: {debugInfo})" if debugInfo else ""
    log.failure(text, failure, debugInfo=debugInfo)


def _warnSelfReturn(callback: StoredCall) -> None:
    """Warn, at the callback's own code when it has some, that it returned its Deferred."""
    text = (
        "Callback returned the Deferred it was attached to; this breaks the callback chain "
        "and will raise an exception in the future."
    )
    if hasattr(callback, "__code__") and hasattr(callback, "__globals__"):
        warnAboutFunction(callback, text)
    else:
        warnings.warn(text, DeprecationWarning, stacklevel=4)


class _DebugFlag:
    """``Deferred.debug``: on the class, whether ``setDebugging`` is on; on one Deferred,
    whether it records its stacks (set ``d.debug = True`` to debug that Deferred alone)."""

    def __get__(self, instance: Deferred[_T] | None, owner: type | None = None) -> bool:
        if instance is None:
            return _debugging
        info = instance._debugInfo
        return _debugging or (info is not None and info.debug)

    def __set__(self, instance: Deferred[_T], value: bool) -> None:
        info = instance._debugInfo
        if info is None:
            info = instance._debugInfo = DebugInfo()
        info.debug = bool(value)


# A callback entry is a flat 7-tuple:
#   (callback, args, kwargs, errback, errbackArgs, errbackKwargs, context)
# A None callback or errback is a pass-through (skipped without a call); kwargs are None when
# empty; context is the contextvars.Context to run the user's function in, or None. A link
# entry (see _HandOff) keeps the Deferred waiting for the result in the context slot.
_Entry = tuple[
    Union[StoredCall, None],
    tuple[object, ...],
    Union[dict[str, object], None],
    Union[StoredCall, None],
    tuple[object, ...],
    Union[dict[str, object], None],
    Union[contextvars.Context, None],
]
#: What a Deferred fires with, as the chain engine sees it: a result, a Failure, a Deferred.
_Result = object


class Deferred(Generic[_T]):
    """A result that is not there yet, with the chain of callbacks that will process it.

    ``Deferred(canceller)``: ``canceller(d)`` is called by ``d.cancel()`` before it fires;
    if it does not fire ``d``, ``cancel`` errbacks it with ``CancelledError``.
    """

    # Slots, all set in __init__: on CPython 3.11 a slot read is specialised, while reading
    # a class default through an instance is not. __dict__ stays for code that tags
    # Deferreds with attributes of its own.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_callbacks",
        "_canceller",
        "_chainedTo",
        "_debugInfo",
        "_runningCallbacks",
        "called",
        "paused",
        "result",
    )

    #: Whether Deferreds record their creation and firing stacks (``setDebugging``), or
    #: (set on one Deferred) whether that one records its firing stack.
    debug = _DebugFlag()
    _suppressAlreadyCalled = False

    if TYPE_CHECKING:
        #: What the chain holds now: the result, a Failure, or a Deferred being waited on
        #: (the callbacks may change its type as it goes; ``_T`` is what it fires with).
        result: _Result
        called: bool
        paused: int
        _callbacks: list[_Entry] | None
        _canceller: Callable[[Deferred[_T]], None] | None
        _chainedTo: object  # the Deferred it waits on, or None
        _debugInfo: DebugInfo | None
        _runningCallbacks: bool

    def __init__(self, canceller: Callable[[Deferred[_T]], None] | None = None) -> None:
        self._callbacks = None  # a list once something is added
        self._canceller = canceller
        self._chainedTo = None
        self._debugInfo = None
        self._runningCallbacks = False
        self.called = False
        self.paused = 0
        if _debugging:
            info = self._debugInfo = DebugInfo()
            info.creator = traceback.format_stack()[:-1]

    # -- adding callbacks -------------------------------------------------------------

    @overload
    def addCallbacks(
        self,
        callback: Callable[[_T], Deferred[_U] | Failure | _U],
        errback: Callable[[Failure], Deferred[_V] | Failure | _V] | None = None,
    ) -> Deferred[_U | _V]: ...

    @overload
    def addCallbacks(
        self,
        callback: StoredCallOf[Deferred[_U] | Failure | _U],
        errback: StoredCallOf[Deferred[_V] | Failure | _V] | None = None,
        callbackArgs: Sequence[object] = (),
        callbackKeywords: dict[str, object] | None = None,
        errbackArgs: Sequence[object] = (),
        errbackKeywords: dict[str, object] | None = None,
    ) -> Deferred[_U | _V]: ...

    def addCallbacks(
        self,
        callback: StoredCall,
        errback: StoredCall | None = None,
        callbackArgs: Sequence[object] = (),
        callbackKeywords: dict[str, object] | None = None,
        errbackArgs: Sequence[object] = (),
        errbackKeywords: dict[str, object] | None = None,
    ) -> object:
        """Add a callback and an errback at the same place in the chain."""
        self._append((
            callback, tuple(callbackArgs or ()), callbackKeywords or None,
            errback, tuple(errbackArgs or ()), errbackKeywords or None,
            None if self.called and not self.paused else _copy_context(),
        ))
        return self

    # Each of addCallback, addErrback and addBoth is typed by overloads: a function of one
    # argument (what it adds is called with the result alone), or of the result and the
    # extra arguments given; returning a Deferred (whose result is then waited for), or a
    # result (a Failure goes down the errback side).
    @overload
    def addCallback(self, callback: Callable[[_T], Deferred[_U] | Failure]) -> Deferred[_U]: ...

    @overload
    def addCallback(
        self, callback: Callable[[_T], Deferred[_U] | Failure | _U]
    ) -> Deferred[_U]: ...

    @overload
    def addCallback(
        self,
        callback: Callable[Concatenate[_T, _P], Deferred[_U] | Failure],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_U]: ...

    @overload
    def addCallback(
        self,
        callback: Callable[Concatenate[_T, _P], Deferred[_U] | Failure | _U],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_U]: ...

    def addCallback(self, callback: StoredCall, *args: object, **kwargs: object) -> object:
        """Add a callback; failures pass it by."""
        entry = (
            callback, args, kwargs or None, None, (), None,
            None if self.called and not self.paused else _copy_context(),
        )
        # (what _append does, written out: this is the hot path)
        if self._callbacks is None:
            self._callbacks = [entry]
        else:
            self._callbacks.append(entry)
        if self.called:
            self._runCallbacks()
        return self

    @overload
    def addErrback(
        self, errback: Callable[[Failure], Deferred[_U] | Failure]
    ) -> Deferred[_T | _U]: ...

    @overload
    def addErrback(
        self, errback: Callable[[Failure], Deferred[_U] | Failure | _U]
    ) -> Deferred[_T | _U]: ...

    @overload
    def addErrback(
        self,
        errback: Callable[Concatenate[Failure, _P], Deferred[_U] | Failure],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_T | _U]: ...

    @overload
    def addErrback(
        self,
        errback: Callable[Concatenate[Failure, _P], Deferred[_U] | Failure | _U],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_T | _U]: ...

    def addErrback(self, errback: StoredCall, *args: object, **kwargs: object) -> object:
        """Add an errback; results that are not failures pass it by."""
        entry = (
            None, (), None, errback, args, kwargs or None,
            None if self.called and not self.paused else _copy_context(),
        )
        # (what _append does, written out: this is the hot path)
        if self._callbacks is None:
            self._callbacks = [entry]
        else:
            self._callbacks.append(entry)
        if self.called:
            self._runCallbacks()
        return self

    @overload
    def addBoth(
        self, callback: Callable[[Union[_T, Failure]], Deferred[_U] | Failure]
    ) -> Deferred[_U]: ...

    @overload
    def addBoth(
        self, callback: Callable[[Union[_T, Failure]], Deferred[_U] | Failure | _U]
    ) -> Deferred[_U]: ...

    @overload
    def addBoth(
        self,
        callback: Callable[Concatenate[Union[_T, Failure], _P], Deferred[_U] | Failure],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_U]: ...

    @overload
    def addBoth(
        self,
        callback: Callable[Concatenate[Union[_T, Failure], _P], Deferred[_U] | Failure | _U],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_U]: ...

    def addBoth(self, callback: StoredCall, *args: object, **kwargs: object) -> object:
        """Add one function as both callback and errback."""
        kw = kwargs or None
        entry = (
            callback, args, kw, callback, args, kw,
            None if self.called and not self.paused else _copy_context(),
        )
        # (what _append does, written out: this is the hot path)
        if self._callbacks is None:
            self._callbacks = [entry]
        else:
            self._callbacks.append(entry)
        if self.called:
            self._runCallbacks()
        return self

    def _append(self, entry: _Entry) -> None:
        if self._callbacks is None:
            self._callbacks = [entry]
        else:
            self._callbacks.append(entry)
        if self.called:
            self._runCallbacks()

    def _addInternal(
        self, callback: StoredCall, errback: StoredCall, args: tuple[object, ...]
    ) -> None:
        """Add twistio's own pair (same args for both), run in the firing context."""
        self._append((callback, args, None, errback, args, None, None))

    @property
    def callbacks(
        self,
    ) -> list[tuple[tuple[StoredCall, tuple[object, ...], dict[str, object]], ...]]:
        """The pending chain in Twisted's shape: ((cb, args, kw), (eb, args, kw)) pairs
        (deprecated, as in Twisted)."""
        warnings.warn(
            f"{_spelling.spelled(__name__)}.Deferred.callbacks was deprecated in Twisted 25.5.0",
            DeprecationWarning,
            stacklevel=2,
        )
        out: list[tuple[tuple[StoredCall, tuple[object, ...], dict[str, object]], ...]] = []
        for cb, a, k, eb, ea, ek, ctx in self._callbacks or ():
            if cb is _HANDOFF:
                a = ea = (ctx,)
            out.append((
                (passthru if cb is None else cb, a, k or {}),
                (passthru if eb is None else eb, ea, ek or {}),
            ))
        return out

    def addTimeout(
        self,
        timeout: float,
        clock: _Clock,
        onTimeoutCancel: Callable[[_T | Failure, float], _U] | None = None,
    ) -> Deferred[_T | _U]:
        """Cancel this Deferred if it has not fired after ``timeout`` seconds of ``clock``.

        The timeout covers the callbacks added before this call. On time-out the
        ``CancelledError`` becomes ``TimeoutError``, or whatever ``onTimeoutCancel(result,
        timeout)`` returns.
        """
        timedOut = False

        def timeItOut() -> None:
            nonlocal timedOut
            timedOut = True
            self.cancel()

        delayedCall: _DelayedCall = clock.callLater(timeout, timeItOut)

        def convertCancelled(result: _T | Failure) -> _T | _U | Failure:
            if timedOut:
                return (onTimeoutCancel or _cancelledToTimedOutError)(result, timeout)
            return result

        def cancelTimeout(result: _T | _U | Failure) -> _T | _U | Failure:
            if delayedCall.active():
                delayedCall.cancel()
            return result

        converted: Deferred[_T | _U] = self.addBoth(convertCancelled)
        return converted.addBoth(cancelTimeout)

    def chainDeferred(self, d: Deferred[_T]) -> Deferred[None]:
        """Fire ``d`` with this Deferred's result, at this point of the chain."""
        d._chainedTo = self
        self._append((d.callback, (), None, d.errback, (), None, None))
        return self  # type: ignore[return-value]

    # -- firing -----------------------------------------------------------------------

    def callback(self, result: _T | Failure) -> None:
        """Fire with a result (a ``Failure`` goes down the errback side)."""
        if self.called:
            self._alreadyCalled()
            return
        if _debugging or (self._debugInfo is not None and self._debugInfo.debug):
            self._recordInvoker()
        self.called = True
        self._canceller = None
        self.result = result
        self._runCallbacks()

    def errback(self, fail: Failure | BaseException | None = None) -> None:
        """Fire with a failure: a ``Failure``, an exception, or (no argument) the current one."""
        if fail is None:
            fail = Failure(captureVars=_debugging)
        elif not isinstance(fail, Failure):
            fail = (
                Failure._fromException(fail) if isinstance(fail, BaseException) else Failure(fail)
            )
        # What callback() does, written out: this is the path every error takes.
        if self.called:
            self._alreadyCalled()
            return
        if _debugging or (self._debugInfo is not None and self._debugInfo.debug):
            self._recordInvoker()
        self.called = True
        self._canceller = None
        self.result = fail
        self._runCallbacks()

    def _alreadyCalled(self) -> None:
        if self._suppressAlreadyCalled:
            # Cancelled without a canceller: the late firing is expected, and dropped.
            self._suppressAlreadyCalled = False
            return
        if _debugging or (self._debugInfo is not None and self._debugInfo.debug):
            if self._debugInfo is None:
                self._debugInfo = DebugInfo()
            raise AlreadyCalledError("\n" + self._debugInfo._getDebugTracebacks())
        raise AlreadyCalledError()

    def _recordInvoker(self) -> None:
        if self._debugInfo is None:
            self._debugInfo = DebugInfo()
        self._debugInfo.invoker = traceback.format_stack()[:-2]

    def pause(self) -> None:
        """Hold the chain: callbacks wait until as many ``unpause`` calls."""
        self.paused += 1

    def unpause(self) -> None:
        """Undo one ``pause``; the chain runs on once none are left."""
        self.paused -= 1
        if self.called and not self.paused:
            self._runCallbacks()

    def cancel(self) -> None:
        """Ask for the result no longer to be produced.

        Before firing: call the canceller, then errback with ``CancelledError`` unless the
        canceller fired it. While waiting on a Deferred a callback returned: cancel that one.
        """
        if self.called:
            awaited = self.result
            if isinstance(awaited, Deferred):
                awaited.cancel()
            return
        canceller = self._canceller
        if canceller is None:
            # Nothing stops the work: CancelledError wins, and a late firing is dropped.
            self._suppressAlreadyCalled = True
        else:
            canceller(self)
        if not self.called:
            self.errback(Failure(CancelledError()))

    def _runCallbacks(self) -> None:
        # The chain engine; it never recurses. A Deferred that reaches a link entry gives its
        # result to the waiting Deferred, is put aside on `givers`, and the waiter runs; once
        # the waiter can go no further, the giver goes on with its remaining entries (and
        # None). `_runningCallbacks` is up while a Deferred's own entries run, so re-entrant
        # firing only queues. `type(x) in _SPECIAL` is one cheap test for "a Failure or a
        # Deferred, or a subclass of either".
        if self._runningCallbacks:
            return
        givers: list[Deferred[_T]] | None = None
        current = self
        while not current.paused:
            current._chainedTo = None
            result = current.result
            failed = type(result) in _SPECIAL and isinstance(result, Failure)
            entries = current._callbacks
            if entries is not None:
                brokeAt: _Entry | None = None
                receiver: Deferred[_T] | None = None
                current._runningCallbacks = True
                try:
                    for entry in entries:  # also sees entries appended while it runs
                        fn, args, kw, efn, eargs, ekw, ctx = entry
                        if failed:
                            fn, args, kw = efn, eargs, ekw
                        if fn is None:
                            continue
                        try:
                            if ctx is None:
                                if kw is not None:
                                    result = fn(result, *args, **kw)
                                elif args:
                                    result = fn(result, *args)
                                else:
                                    result = fn(result)
                            elif fn is _HANDOFF:
                                receiver = ctx  # type: ignore[assignment]  # a link entry
                                brokeAt = entry
                                break
                            elif kw is not None:
                                result = ctx.run(fn, result, *args, **kw)
                            elif args:
                                result = ctx.run(fn, result, *args)
                            else:
                                result = ctx.run(fn, result)
                        except BaseException:
                            result = Failure._fromCurrent()
                        current.result = result
                        kind = type(result)
                        if kind not in _SPECIAL:
                            failed = False
                            continue
                        if kind is Failure or isinstance(result, Failure):
                            failed = True
                            continue
                        # A Deferred came back: its result becomes this one's.
                        if result is current:
                            try:
                                _warnSelfReturn(fn)
                            except BaseException:  # warnings turned into errors
                                result = current.result = Failure._fromCurrent()
                                failed = True
                                continue
                        inner: Deferred[_T] = result  # type: ignore[assignment]  # see _SPECIAL
                        if inner.called and not inner.paused and not isinstance(inner.result, Deferred):
                            # It has one already: take it, leaving None behind (as Twisted).
                            result = current.result = inner.result
                            inner.result = None
                            innerInfo = inner._debugInfo
                            if innerInfo is not None:
                                innerInfo.failResult = None
                            failed = isinstance(result, Failure)
                            continue
                        # Not yet: pause, and leave a link for it to hand its result over.
                        failed = False
                        current.paused += 1
                        current._chainedTo = inner
                        # (the waiting Deferred in the context slot: see _Entry)
                        link: _Entry = (_HANDOFF, (), None, _HANDOFF, (), None, current)  # type: ignore[assignment]
                        if inner._callbacks is None:
                            inner._callbacks = [link]
                        else:
                            inner._callbacks.append(link)
                        brokeAt = entry
                        break
                    else:
                        current._callbacks = None
                finally:
                    current._runningCallbacks = False
                if brokeAt is not None:
                    # Keep only the entries after the one it stopped at.
                    if entries[-1] is brokeAt:
                        current._callbacks = None
                    else:
                        del entries[: _positionAfter(entries, brokeAt)]
                    if receiver is not None:
                        receiver.result = result
                        current.result = None
                        ownInfo = current._debugInfo
                        if ownInfo is not None:
                            ownInfo.failResult = None
                        receiver.paused -= 1
                        if givers is None:
                            givers = [current]
                        else:
                            givers.append(current)
                        current = receiver
                        continue
            # As far as it goes for now: an error left at the end is reported if the
            # Deferred is collected with it.
            if failed:
                info = current._debugInfo
                if info is None:
                    info = current._debugInfo = DebugInfo()
                info.failResult = result  # type: ignore[assignment]  # failed: a Failure
            elif current._debugInfo is not None:
                current._debugInfo.failResult = None
            if not givers:
                return
            current = givers.pop()

    # -- text -------------------------------------------------------------------------

    def __str__(self) -> str:
        name = type(self).__name__
        if self._chainedTo is not None:
            return f"<{name} at 0x{id(self):x} waiting on Deferred at 0x{id(self._chainedTo):x}>"
        if self.called:
            return f"<{name} at 0x{id(self):x} current result: {self.result!r}>"
        return f"<{name} at 0x{id(self):x}>"

    __repr__ = __str__

    # -- asyncio ----------------------------------------------------------------------

    def __await__(self) -> Generator[object, object, _T]:
        while True:
            if self.called and not self.paused:
                result = self.result
                if type(result) in _SPECIAL and isinstance(result, Failure):
                    info = self._debugInfo
                    if info is not None:
                        info.failResult = None
                    result.raiseException()
                return result  # type: ignore[return-value]  # what it fires with
            loop = _get_running_loop()
            if loop is not None and not _state.driving:
                # An asyncio Task (not ensureDeferred) is awaiting: give it a Future.
                return (yield from self._awaitFromTask(loop))
            yield self

    __iter__ = __await__

    def _awaitFromTask(self, loop: asyncio.AbstractEventLoop) -> Generator[object, object, _T]:
        # Unlike asFuture, this leaves the result in the chain: awaiting twice, or adding
        # callbacks after an await, sees it again (as under ensureDeferred). A failure the
        # awaiting Task has received is no longer reported as unhandled.
        future: asyncio.Future[_T] = loop.create_future()
        delivered: list[Failure] = []
        self._addInternal(_mirrorIntoFuture, _mirrorIntoFuture, (future, delivered))
        future.add_done_callback(self._cancelFromFuture)
        try:
            return (yield from future.__await__())
        except BaseException as raised:
            info = self._debugInfo
            if (
                delivered
                and info is not None
                and info.failResult is delivered[0]
                and _isDelivered(raised, delivered[0])
            ):
                info.failResult = None
            raise

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        _registerSpecialType(cls)

    def asFuture(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[_T]:
        """A Future on ``loop`` that completes with this Deferred's result.

        The result is consumed: this Deferred goes on with ``None``. Cancelling the future
        cancels the Deferred; a Deferred failing with ``CancelledError`` cancels the future.
        """
        future: asyncio.Future[_T] = loop.create_future()
        self._addInternal(_settleFuture, _settleFuture, (future,))
        future.add_done_callback(self._cancelFromFuture)
        return future

    def _cancelFromFuture(self, future: asyncio.Future[_T]) -> None:
        if future.cancelled():
            self.cancel()

    @classmethod
    def fromFuture(cls, future: asyncio.Future[_U]) -> Deferred[_U]:
        """A Deferred that fires with ``future``'s result (a cancelled future: CancelledError).

        Cancelling the Deferred cancels the future and fails the Deferred at once with
        ``CancelledError``; whatever the future does after that is collected and dropped,
        so no "exception was never retrieved" is left behind.
        """

        def cancel(d: Deferred[_U]) -> None:
            future.cancel()

        d: Deferred[_U] = cls(cancel)  # type: ignore[assignment,arg-type]

        def adapt(f: asyncio.Future[_U]) -> None:
            if f.cancelled():
                if not d.called:
                    d.errback(Failure(CancelledError()))
                return
            exc = f.exception()
            if d.called:
                return
            if exc is None:
                d.callback(f.result())
            elif isinstance(exc, _AsyncioCancelledError):
                d.errback(Failure(CancelledError()))
            else:
                d.errback(Failure(exc, type(exc), exc.__traceback__))

        future.add_done_callback(adapt)
        return d

    @classmethod
    def fromCoroutine(
        cls, coro: Coroutine[object, object, _U] | Generator[object, object, _U]
    ) -> Deferred[_U]:
        """Run a coroutine (or generator) now, up to its first wait, as a Deferred.

        It may await Deferreds and asyncio awaitables alike; cancelling the Deferred cancels
        what the coroutine is waiting on.
        """
        # Any Coroutine: async generators' __anext__()/asend() objects too (pytest-twisted).
        if isinstance(coro, (CoroutineType, GeneratorType, Coroutine)) or inspect.iscoroutine(
            coro
        ):
            return _cancellableInlineCallbacks(coro)
        raise NotACoroutineError(f"{coro!r} is not a coroutine")


# The types a callback's result must be looked at for: Failure and Deferred, with their
# subclasses (registered as they are defined).
_SPECIAL: set[type] = {Failure, Deferred}


def _registerSpecialType(cls: type) -> None:
    _SPECIAL.add(cls)


def _allSubclasses(cls: type) -> list[type]:
    out: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_allSubclasses(sub))
    return out


Failure._subclassHooks.append(_registerSpecialType)
_SPECIAL.update(_allSubclasses(Failure))


def _positionAfter(entries: list[_Entry], entry: _Entry) -> int:
    """How many entries there are up to and including ``entry`` (found by identity)."""
    for count, candidate in enumerate(entries, 1):
        if candidate is entry:
            return count
    return 0  # pragma: no cover - the entry is always in the list


def _settleFuture(result: _T | Failure, future: asyncio.Future[_T]) -> None:
    if future.cancelled():
        return None
    if isinstance(result, Failure):
        value = result.value
        if isinstance(value, (CancelledError, _AsyncioCancelledError)):
            future.cancel()
        elif isinstance(value, StopIteration):
            err = RuntimeError(f"StopIteration raised: {value!r}")
            err.__cause__ = value
            future.set_exception(err)
        else:
            future.set_exception(value.with_traceback(result.tb))
    else:
        future.set_result(result)
    return None


def _mirrorIntoFuture(
    result: _T | Failure, future: asyncio.Future[_T], delivered: list[Failure]
) -> _T | Failure | None:
    """Give ``future`` the result and pass the result on unchanged."""
    if not future.cancelled():
        _settleFuture(result, future)
        if isinstance(result, Failure):
            delivered.append(result)
    elif isinstance(result, Failure) and result.check(CancelledError, _AsyncioCancelledError):
        return None  # the awaiting Task went away and cancelled this: nothing to report
    return result


def _isDelivered(raised: BaseException, failure: Failure) -> bool:
    """Whether ``raised`` is what ``_settleFuture`` made of ``failure`` for the future."""
    value = failure.value
    if raised is value or raised.__cause__ is value:
        return True
    return isinstance(raised, _AsyncioCancelledError) and isinstance(
        value, (CancelledError, _AsyncioCancelledError)
    )


def _cancelledToTimedOutError(value: _T, timeout: float) -> _T:
    if isinstance(value, Failure):
        value.trap(CancelledError)
        raise TimeoutError(timeout, "Deferred")
    return value


# -- simple constructors -------------------------------------------------------------------


def succeed(result: _T) -> Deferred[_T]:
    """A Deferred that has already fired with ``result``."""
    d: Deferred[_T] = Deferred()
    d.called = True
    d.result = result
    return d


def fail(result: Failure | BaseException | None = None) -> Deferred[_T]:
    """A Deferred that has already failed with ``result`` (default: the current exception)."""
    d: Deferred[_T] = Deferred()
    d.errback(result)
    return d


def execute(callable: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> Deferred[_T]:
    """Call ``callable`` now; a Deferred of its result or of what it raised."""
    try:
        result = callable(*args, **kwargs)
    except BaseException:
        return fail()
    return succeed(result)


# Typed by overloads: ``f`` returning a coroutine, a Deferred (or a Failure), or a plain
# result, possibly beside a Deferred (``Deferred[X] | None``: a ``Deferred[X | None]``).
@overload
def maybeDeferred(
    f: Callable[_P, Coroutine[object, object, _T]], *args: _P.args, **kwargs: _P.kwargs
) -> Deferred[_T]: ...


@overload
def maybeDeferred(
    f: Callable[_P, Deferred[_T] | Failure], *args: _P.args, **kwargs: _P.kwargs
) -> Deferred[_T]: ...


@overload
def maybeDeferred(
    f: Callable[_P, Deferred[_T] | Failure | _U], *args: _P.args, **kwargs: _P.kwargs
) -> Deferred[_T | _U]: ...


@overload
def maybeDeferred(
    f: Callable[_P, object], *args: _P.args, **kwargs: _P.kwargs
) -> Deferred[object]: ...


def maybeDeferred(f: StoredCall, *args: object, **kwargs: object) -> object:
    """Call ``f`` now and make a Deferred of whatever it gives: a value, a Deferred, a
    Failure, a coroutine, or an exception raised."""
    try:
        result = f(*args, **kwargs)
    except BaseException:
        return fail(Failure(captureVars=_debugging))
    if isinstance(result, Deferred):
        return result
    if isinstance(result, Failure):
        return fail(result)
    if type(result) is CoroutineType:
        return Deferred.fromCoroutine(result)
    return succeed(result)


def passthru(arg: _T) -> _T:
    """Return the argument (the do-nothing callback)."""
    return arg


def logError(err: Failure) -> Failure:
    """Log a failure (a critical event, as Twisted's) and pass it on: an errback."""
    _deferLogger().failure("", err)
    return err


def timeout(deferred: Deferred[_T]) -> None:
    """Errback ``deferred`` with ``TimeoutError`` (deprecated, as in Twisted: ``addTimeout``)."""
    name = _spelling.spelled(__name__)
    warnings.warn(
        f"{name}.timeout was deprecated in Twisted 17.1.0; "
        f"please use {name}.Deferred.addTimeout instead",
        DeprecationWarning,
        stacklevel=2,
    )
    deferred.errback(Failure(TimeoutError("Callback timed out")))


# Read on every Deferred's creation and firing: a module global is the cheapest lookup.
_debugging = False


def setDebugging(on: bool) -> None:
    """Record creation and firing stacks of Deferreds, for ``AlreadyCalledError`` and logs.

    Use this rather than assigning ``Deferred.debug`` on the class, which twistio does not
    watch (``d.debug = True`` on one Deferred does work).
    """
    global _debugging
    _debugging = bool(on)


def getDebugging() -> bool:
    """Whether Deferred debugging is on."""
    return _debugging


# -- many Deferreds ------------------------------------------------------------------------

SUCCESS = True
FAILURE = False


class FirstError(Exception):
    """The first failure among a ``DeferredList``'s with ``fireOnOneErrback``."""

    def __init__(self, failure: Failure, index: int) -> None:
        super().__init__(failure, index)
        self.subFailure = failure
        self.index = index

    def __repr__(self) -> str:
        return f"FirstError[#{self.index}, {self.subFailure.value!r}]"

    def __str__(self) -> str:
        return f"FirstError[#{self.index}, {self.subFailure}]"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FirstError):
            return (self.index, self.subFailure) == (other.index, other.subFailure)
        return False

    def __hash__(self) -> int:
        return hash((self.index, id(self.subFailure)))


class DeferredList(Deferred[_DLResult]):
    """A Deferred of the results of several: a list of ``(success, result)`` pairs.

    ``fireOnOneCallback``: fire with ``(result, index)`` of the first success.
    ``fireOnOneErrback``: fail with ``FirstError`` at the first failure.
    ``consumeErrors``: the listed Deferreds go on with None after a failure.
    """

    # Class defaults, as Twisted's (each DeferredList sets its own in __init__).
    fireOnOneCallback = fireOnOneErrback = False

    # A failed Deferred's pair holds its Failure: (False, failure).
    @overload
    def __init__(
        self: DeferredList[_DeferredListResultListT[_T]],
        deferredList: Iterable[Deferred[_T]],
        fireOnOneCallback: Literal[False] = False,
        fireOnOneErrback: bool = False,
        consumeErrors: bool = False,
    ) -> None: ...

    @overload
    def __init__(
        self: DeferredList[_DeferredListSingleResultT[_T]],
        deferredList: Iterable[Deferred[_T]],
        fireOnOneCallback: Literal[True],
        fireOnOneErrback: bool = False,
        consumeErrors: bool = False,
    ) -> None: ...

    @overload
    def __init__(
        self: DeferredList[_DeferredListResultListT[_T] | tuple[_T, int]],
        deferredList: Iterable[Deferred[_T]],
        fireOnOneCallback: bool = False,
        fireOnOneErrback: bool = False,
        consumeErrors: bool = False,
    ) -> None: ...

    def __init__(
        self,
        deferredList: Iterable[Deferred[_T]],
        fireOnOneCallback: bool = False,
        fireOnOneErrback: bool = False,
        consumeErrors: bool = False,
    ) -> None:
        Deferred.__init__(self)
        watched = self._deferredList = list(deferredList)
        self.resultList: list[tuple[bool, object] | None] = [None] * len(watched)
        self.finishedCount = 0
        self.fireOnOneCallback, self.fireOnOneErrback = fireOnOneCallback, fireOnOneErrback
        self.consumeErrors = consumeErrors
        if not watched and not fireOnOneCallback:
            self.callback([])  # type: ignore[arg-type]  # no pairs
        note = self._cbDeferred
        for index, each in enumerate(watched):
            each._append((note, (index, SUCCESS), None, note, (index, FAILURE), None, None))

    def _cbDeferred(self, result: _V, index: int, succeeded: bool) -> _V | None:
        self.resultList[index] = (succeeded, result)
        self.finishedCount += 1
        if self.called:
            pass  # decided already (by a first result, or by cancellation)
        elif self.fireOnOneCallback if succeeded else self.fireOnOneErrback:
            # The first of its kind decides, with where it came from.
            if succeeded:
                self.callback((result, index))  # type: ignore[arg-type]  # fireOnOneCallback's
            else:
                self.errback(Failure(FirstError(result, index)))  # type: ignore[arg-type]
        elif self.finishedCount == len(self.resultList):
            self.callback(self.resultList)  # type: ignore[arg-type]  # every pair is set
        # The listed Deferred goes on with its result, or with None once consumed.
        return None if self.consumeErrors and not succeeded else result

    def cancel(self) -> None:
        """Before it fires, cancel every listed Deferred; afterwards, nothing."""
        if self.called:
            return
        for listed in self._deferredList:
            _cancelAndLog(listed)


def _cancelAndLog(d: Deferred[_T]) -> None:
    # One canceller failing must not keep the others from running.
    try:
        d.cancel()
    except BaseException:
        _log.exception("Exception raised from user supplied canceller")


def _parseDeferredListResult(resultList: list[tuple[bool, _T]], *_: object) -> list[_T]:
    return [value for _ok, value in resultList]


def gatherResults(deferredList: Iterable[Deferred[_T]], consumeErrors: bool = False) -> Deferred[list[_T]]:
    """A Deferred of the list of results, or failing with ``FirstError`` at the first failure."""
    d = DeferredList(deferredList, fireOnOneErrback=True, consumeErrors=consumeErrors)
    d._append((_parseDeferredListResult, (), None, None, (), None, None))
    # (every pair a success: it fails at the first failure)
    return d  # type: ignore[return-value]  # the list of results, from here on


class FailureGroup(Exception):
    """Every one of several Deferreds failed; ``failures`` lists them in order."""

    def __init__(self, failures: Sequence[Failure]) -> None:
        super().__init__()
        self.failures = failures


def race(ds: Sequence[Deferred[_T]]) -> Deferred[tuple[int, _T]]:
    """The ``(index, result)`` of the first to succeed, the others cancelled; ``FailureGroup``
    if all fail. Cancelling it cancels them all."""
    contenders = list(ds)
    errors: dict[int, Failure] = {}
    decided: list[int] = []  # the winner's index, once there is one

    def cancelAll(_: Deferred[tuple[int, _T]]) -> None:
        for each in contenders:
            each.cancel()

    outcome: Deferred[tuple[int, _T]] = Deferred(canceller=cancelAll)

    def won(value: _T, index: int) -> None:
        if decided:
            return
        decided.append(index)
        for position, loser in enumerate(contenders):
            if position != index:
                loser.cancel()
        outcome.callback((index, value))

    def lost(reason: Failure, index: int) -> None:
        errors[index] = reason
        if len(errors) == len(contenders):
            outcome.errback(FailureGroup([errors[i] for i in sorted(errors)]))

    for index, each in enumerate(contenders):
        each._addInternal(won, lost, (index,))
    return outcome


# -- generators and coroutines -------------------------------------------------------------


class _DefGen_Return(BaseException):
    def __init__(self, value: object) -> None:
        self.value = value


def returnValue(val: object) -> NoReturn:
    """Return ``val`` from an ``inlineCallbacks`` generator (a plain ``return`` also works)."""
    raise _DefGen_Return(val)


class _Cancellable(Protocol):
    def cancel(self) -> object: ...


#: What inlineCallbacks and ensureDeferred run: a generator or a coroutine.
_Gen = Union[Generator[object, object, object], Coroutine[object, object, object]]


class _Status:
    """What an ``inlineCallbacks`` or coroutine run is doing: its Deferred and its wait."""

    __slots__ = ("deferred", "waitingOn")

    deferred: Deferred[object]
    waitingOn: _Cancellable | None

    def __call__(self, d: Deferred[object]) -> None:
        """The canceller of the run's Deferred."""
        _cancelInline(d, self)


class _DriverState(threading.local):
    # `driving` is true while twistio's driver is stepping a coroutine in this thread:
    # `await d` then yields `d` itself to the driver. Otherwise (an asyncio Task is
    # stepping it) `await d` goes through a Future.
    driving = False


_state = _DriverState()


class _NoState:
    __slots__ = ("driving",)

    def __init__(self) -> None:
        self.driving = False


_noState = _NoState()  # written and never read: for drivers with no loop running


def _resumeInline(
    result: object, waiting: list[object], gen: _Gen, status: _Status, context: contextvars.Context
) -> None:
    if waiting[0]:
        waiting[0] = False
        waiting[1] = result
        return None
    _inlineCallbacks(result, gen, status, context)
    return None


def _inlineCallbacks(
    result: object, gen: _Gen, status: _Status, context: contextvars.Context
) -> None:
    """Step ``gen`` until it waits on a Deferred that has not fired, or ends."""
    # The driving flag only matters to an `await d` that finds an asyncio loop running.
    state: _DriverState | _NoState = _state if _get_running_loop() is not None else _noState
    previous = state.driving
    state.driving = True
    try:
        waiting: list[object] = [True, None]
        while True:
            try:
                if isinstance(result, Failure):
                    result = context.run(result.throwExceptionIntoGenerator, gen)
                else:
                    result = context.run(gen.send, result)
            except StopIteration as e:
                result = e.value
                break
            except _DefGen_Return as e:
                result = e.value
                break
            except _AsyncioCancelledError:
                result = Failure(CancelledError())
                break
            except BaseException:
                result = Failure._fromCurrent()
                break

            if not isinstance(result, Deferred):
                if getattr(result, "_asyncio_future_blocking", None):
                    # The coroutine awaits an asyncio future: hand it to an asyncio Task.
                    _adoptIntoTask(gen, cast("asyncio.Future[object]", result), status, context)
                    return
                if isinstance(result, (CoroutineType, GeneratorType)):
                    result = _cancellableInlineCallbacks(result)
                elif isinstance(result, asyncio.Future):
                    result = Deferred.fromFuture(result)
                else:
                    continue  # a plain value is sent straight back, as in Twisted
            d = result
            if d.called and not d.paused and d._callbacks is None and not d._runningCallbacks:
                # Already fired and idle: read its result now, leaving None behind as the
                # callback that Twisted adds here would.
                d._chainedTo = None
                result = d.result
                d.result = None
                if d._debugInfo is not None:
                    d._debugInfo.failResult = None
                continue
            d._addInternal(_resumeInline, _resumeInline, (waiting, gen, status, context))
            if waiting[0]:
                waiting[0] = False
                status.waitingOn = d
                return
            result = waiting[1]
            waiting[0] = True
            waiting[1] = None
    finally:
        state.driving = previous
    # The generator ended (`result` is its return value or its Failure).
    status.waitingOn = None
    status.deferred.callback(result)


class _Adopted(Coroutine[object, object, object]):
    """A started coroutine given to an asyncio Task, waiting first on the future it yielded."""

    __slots__ = ("_first", "_gen")

    def __init__(self, gen: _Gen, first: object) -> None:
        self._gen = gen
        self._first: object = first

    def send(self, value: object) -> object:
        first = self._first
        if first is not None:
            self._first = None
            return first
        return self._gen.send(value)

    def throw(
        self,
        typ: type[BaseException] | BaseException,
        val: object = None,
        tb: TracebackType | None = None,
    ) -> object:
        self._first = None
        if val is None and tb is None:
            if isinstance(typ, BaseException):
                return self._gen.throw(typ)
            return self._gen.throw(typ)
        # (old-style throw: a type and its value)
        return self._gen.throw(typ, val, tb)  # type: ignore[arg-type]  # pragma: no cover

    def close(self) -> None:
        self._gen.close()

    def __await__(self) -> Generator[object, None, object]:  # pragma: no cover
        raise TypeError("an adopted coroutine is driven by its Task")


def _adoptIntoTask(
    gen: _Gen, future: asyncio.Future[object], status: _Status, context: contextvars.Context
) -> None:
    loop = future.get_loop()
    adopted = _Adopted(gen, future)
    try:
        task = loop.create_task(adopted, context=context)  # type: ignore[call-arg]  # 3.11
    except TypeError:  # Python 3.10: no context argument
        task = context.run(loop.create_task, adopted)
    status.waitingOn = task

    def done(t: asyncio.Task[object]) -> None:
        status.waitingOn = None
        d = status.deferred
        if t.cancelled():
            d.errback(Failure(CancelledError()))
            return
        exc = t.exception()
        if exc is None:
            d.callback(t.result())
        elif isinstance(exc, _AsyncioCancelledError):
            d.errback(Failure(CancelledError()))
        else:
            d.errback(Failure(exc, type(exc), exc.__traceback__))

    task.add_done_callback(done)


def _returnValueCancel(ignored: object, status: _Status) -> Deferred[object]:
    # Cancelling a running generator: what it waits on is cancelled, and the original
    # Deferred now waits on a fresh one that the generator will fire when it ends (it may
    # catch the cancellation and go on).
    status.deferred = Deferred(status)
    awaited = status.waitingOn
    if awaited is not None:
        awaited.cancel()
    return status.deferred


def _cancelInline(d: Deferred[object], status: _Status) -> None:
    d._callbacks = [(_returnValueCancel, (status,), None, None, (), None, None), *(d._callbacks or ())]
    d.callback(None)


def _cancellableInlineCallbacks(
    gen: Generator[object, object, _T] | Coroutine[object, object, _T],
) -> Deferred[_T]:
    status = _Status()
    status.waitingOn = None
    deferred: Deferred[object] = Deferred(status)
    status.deferred = deferred
    _inlineCallbacks(None, gen, status, _copy_context())
    return deferred  # type: ignore[return-value]  # it fires with what gen returns


def inlineCallbacks(
    f: Callable[_P, Generator[object, object, _T]],
) -> Callable[_P, Deferred[_T]]:
    """Decorate a generator function so it runs as a Deferred: each ``yield d`` waits for
    ``d``'s result (or raises its failure), and the return value fires the Deferred."""

    @wraps(f)
    def unwindGenerator(*args: _P.args, **kwargs: _P.kwargs) -> Deferred[_T]:
        try:
            gen = f(*args, **kwargs)
        except _DefGen_Return:
            instead = "caught returnValue being used in a non-generator"
        else:
            if isinstance(gen, GeneratorType):
                return _cancellableInlineCallbacks(gen)
            instead = f"got {gen!r}"
        raise TypeError(f"inlineCallbacks requires {f!r} to produce a generator; instead {instead}")

    return unwindGenerator


def ensureDeferred(coro: Awaitable[_T] | Deferred[_T]) -> Deferred[_T]:
    """A Deferred for a coroutine (run now, up to its first wait), a Deferred (returned as
    it is) or an asyncio future (twistio also accepts these)."""
    if type(coro) is CoroutineType:
        return _cancellableInlineCallbacks(coro)
    if isinstance(coro, Deferred):
        return coro
    if isinstance(coro, asyncio.Future):
        return Deferred.fromFuture(coro)
    try:
        return Deferred.fromCoroutine(coro)  # type: ignore[arg-type]
    except NotACoroutineError:
        raise NotACoroutineError(f"{coro!r} is not a coroutine or a Deferred") from None


# -- locks and queues ----------------------------------------------------------------------


class _ConcurrencyPrimitive:
    """What ``DeferredLock`` and ``DeferredSemaphore`` share: waiters served in order.

    ``acquire`` queues a Deferred in ``waiting``; ``_grant`` hands out what is free to the
    oldest waiters. Cancelling a queued Deferred takes it out of the queue.
    """

    def __init__(self) -> None:
        self.waiting: list[Deferred[Self]] = []

    def _available(self) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def _take(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _grant(self: Self) -> None:
        # A waiter's callbacks may release (and so grant) again: each pass re-checks.
        while self.waiting and self._available():
            self._take()
            self.waiting.pop(0).callback(self)

    def _cancelAcquire(self, d: Deferred[Self]) -> None:
        self.waiting.remove(d)

    def acquire(self) -> Deferred[Self]:
        """A Deferred that fires with this object once it is ours (waiters in order)."""
        ticket: Deferred[Self] = Deferred(canceller=self._cancelAcquire)
        self.waiting.append(ticket)
        self._grant()
        return ticket

    def release(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _releaseAndReturn(self, r: _T) -> _T:
        self.release()
        return r

    def run(
        self,
        f: Callable[_P, Deferred[_T] | Coroutine[object, object, _T] | _T],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_T]:
        """Acquire, call ``f`` (waiting on what it returns), release; a Deferred of its result."""
        held = self.acquire().addCallback(self._callHolding, f, args, kwargs)
        return held  # type: ignore[return-value]  # f's result: see maybeDeferred

    def _callHolding(
        self, _: object, f: StoredCall, args: tuple[object, ...], kwargs: dict[str, object]
    ) -> Deferred[object]:
        return maybeDeferred(f, *args, **kwargs).addBoth(self._releaseAndReturn)

    def __aenter__(self) -> Deferred[Self]:
        return self.acquire()

    def __aexit__(self, *exc_info: object) -> Deferred[Literal[False]]:
        # Whatever the block raised (exc_info), the lock is released and the exception
        # goes on: the Deferred's False says it was not handled.
        self.release()
        return succeed(False)


class DeferredLock(_ConcurrencyPrimitive):
    """A lock for event-driven code: ``acquire()`` is a Deferred that fires with the lock."""

    locked = False

    def _available(self) -> bool:
        return not self.locked

    def _take(self) -> None:
        self.locked = True

    def release(self) -> None:
        """Release the lock, handing it to the first waiter if any."""
        if not self.locked:
            raise AssertionError("Tried to release an unlocked lock")
        self.locked = False
        self._grant()


class DeferredSemaphore(_ConcurrencyPrimitive):
    """A semaphore of ``tokens`` for event-driven code."""

    def __init__(self, tokens: int) -> None:
        if tokens < 1:
            raise ValueError("DeferredSemaphore requires tokens >= 1")
        super().__init__()
        self.limit = self.tokens = tokens

    def _available(self) -> bool:
        return self.tokens > 0

    def _take(self) -> None:
        self.tokens -= 1

    def acquire(self) -> Deferred[Self]:
        """A Deferred firing with this semaphore once a token is ours."""
        if self.tokens < 0:
            raise AssertionError("Internal inconsistency??  tokens should never be negative")
        return super().acquire()

    def release(self) -> None:
        """Give a token back, handing it to the first waiter if any."""
        if self.tokens >= self.limit:
            raise AssertionError("Someone released me too many times: too many tokens!")
        self.tokens += 1
        self._grant()


class QueueOverflow(Exception):
    """``DeferredQueue.put`` beyond its ``size``."""


class QueueUnderflow(Exception):
    """``DeferredQueue.get`` beyond its ``backlog`` of waiting gets."""


class DeferredQueue(Generic[_T]):
    """A queue whose ``get`` is a Deferred; ``size`` bounds the items, ``backlog`` the waiters.

    ``pending`` holds the items nobody has asked for yet, ``waiting`` the gets no item has
    come for yet; one of them is always empty.
    """

    def __init__(self, size: int | None = None, backlog: int | None = None) -> None:
        self.size, self.backlog = size, backlog
        self.pending: list[_T] = []
        self.waiting: list[Deferred[_T]] = []

    def _cancelGet(self, d: Deferred[_T]) -> None:
        self.waiting.remove(d)

    def put(self, obj: _T) -> None:
        """Add an item (to the first waiting get, if any); ``QueueOverflow`` when full."""
        if self.waiting:
            self.waiting.pop(0).callback(obj)
            return
        if self.size is not None and len(self.pending) >= self.size:
            raise QueueOverflow()
        self.pending.append(obj)

    def get(self) -> Deferred[_T]:
        """A Deferred of the next item; ``QueueUnderflow`` when too many gets wait."""
        if self.pending:
            return succeed(self.pending.pop(0))
        if self.backlog is not None and len(self.waiting) >= self.backlog:
            raise QueueUnderflow()
        ticket: Deferred[_T] = Deferred(canceller=self._cancelGet)
        self.waiting.append(ticket)
        return ticket


# -- DeferredFilesystemLock (twisted.internet.defer's, on twistio.python.lockfile) ----------

class AlreadyTryingToLockError(Exception):
    """``deferUntilLocked`` was called while an earlier call still waits for the lock."""


class DeferredFilesystemLock(_lockfile.FilesystemLock):
    """A ``FilesystemLock`` with ``deferUntilLocked()``: a Deferred firing once the lock is
    acquired, trying again every ``_interval`` seconds on ``scheduler`` (the reactor by
    default)."""

    _interval = 1
    _tryLockCall: IDelayedCall | None = None
    _timeoutCall: IDelayedCall | None = None

    def __init__(self, name: str, scheduler: IReactorTime | None = None) -> None:
        super().__init__(name)
        if scheduler is None:
            scheduler = installed_reactor()
        self._scheduler = scheduler

    def deferUntilLocked(self, timeout: float | None = None) -> Deferred[None]:
        """A Deferred firing (with None) when the lock is ours; ``TimeoutError`` after
        ``timeout`` seconds, ``CancelledError`` when cancelled, ``AlreadyTryingToLockError``
        while another call waits."""
        if self._tryLockCall is not None:
            return fail(AlreadyTryingToLockError("deferUntilLocked isn't safe for concurrent use."))

        def stop_trying() -> None:
            for name in ("_tryLockCall", "_timeoutCall"):
                call = getattr(self, name)
                setattr(self, name, None)
                if call is not None and call.active():
                    call.cancel()

        def canceller(d: Deferred[None]) -> None:
            stop_trying()

        result: Deferred[None] = Deferred(canceller)

        def attempt() -> None:
            self._tryLockCall = None
            if self.lock():
                stop_trying()
                result.callback(None)
            else:
                self._tryLockCall = self._scheduler.callLater(self._interval, attempt)

        def give_up() -> None:
            self._timeoutCall = None
            stop_trying()
            result.errback(
                TimeoutError(f"Timed out acquiring lock: {self.name} after {timeout:f}s")
            )

        attempt()
        if not result.called and timeout is not None:
            self._timeoutCall = self._scheduler.callLater(timeout, give_up)
        return result


__all__ += ["AlreadyTryingToLockError", "DeferredFilesystemLock"]
