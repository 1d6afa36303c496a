"""``ReactorBase``: the reactor contract without an event loop, and the pieces reactors share.

twistio's reactor (``asyncioreactor.AsyncioReactor``) is a ``ReactorBase`` whose loop is
asyncio's. ``ReactorBase`` itself keeps Twisted's contract for code that subclasses it to
write a reactor of its own: it keeps the timers (``callLater``, ``runUntilCurrent``,
``timeout``), the system events (``startup``, ``shutdown``: three phases each), the calls
queued from other threads (``callFromThread``, then ``wakeUp``) and the thread pool; a
subclass supplies ``installWaker`` and ``doIteration(delay)`` (wait up to ``delay`` seconds
for I/O and handle it), and ``run()`` drives them with ``mainLoop()``.

Also here: the resolvers a reactor can use (``ThreadedResolver``, ``BlockingResolver``),
``PluggableResolverMixin`` (``installResolver``, ``installNameResolver``, ``nameResolver``),
and ``BaseConnector``/``BasePort``, the bases of connectors and ports.
"""

from __future__ import annotations

import builtins
import heapq
import logging
import signal
import socket
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TYPE_CHECKING, cast
from typing import Protocol as Protocol_

from typing_extensions import ParamSpec

from twistio._typing import StoredCall
from twistio.internet import error, main
from twistio.internet._delayedcall import DelayedCall
from twistio.internet._resolver import (
    ComplexResolverSimplifier,
    GAIResolver,
    SimpleResolverComplexifier,
)
from twistio.internet.abstract import FileDescriptor, isIPAddress
from twistio.internet.defer import Deferred, fail, succeed
from twistio.internet.interfaces import (
    IConnector,
    IDelayedCall,
    IReactorCore,
    IReactorFromThreads,
    IReactorInThreads,
    IReactorPluggableNameResolver,
    IReactorPluggableResolver,
    IReactorThreads,
    IReactorTime,
    IResolverSimple,
    _ISupportsExitSignalCapturing,
    implementer,
)
from twistio.internet.protocol import ClientFactory, Protocol
from twistio.internet.threads import deferToThreadPool
from twistio.python.failure import Failure
from twistio.python.threadpool import ThreadPool

if TYPE_CHECKING:
    from twistio.internet.interfaces import (
        IAddress,
        IHostnameResolver,
        IReadDescriptor,
        IWriteDescriptor,
    )

__all__ = [
    "BaseConnector",
    "BasePort",
    "BlockingResolver",
    "DelayedCall",
    "PluggableResolverMixin",
    "ReactorBase",
    "ThreadedResolver",
]

_log = logging.getLogger("twistio")
_P = ParamSpec("_P")
_PHASES = ("before", "during", "after")
_DEFAULT_TIMEOUT = (1, 3, 11, 45)


# -- system events -------------------------------------------------------------------------------


# A trigger as stored and as handed back for removal: (phase, callable, args, kwargs).
_TriggerHandle = tuple[str, StoredCall, tuple[object, ...], dict[str, object]]
_Stored = tuple[StoredCall, tuple[object, ...], dict[str, object]]


class _ThreePhaseEvent:
    """A system event's triggers, in three lists run in order: ``before`` (a trigger may
    return a Deferred, and ``during`` waits for all of them), ``during``, ``after``.

    Each trigger runs once: firing empties the lists. ``state`` is ``"BEFORE"`` from the
    start of ``fireEvent`` until the ``before`` phase is over, ``"BASE"`` otherwise; while
    it is ``"BEFORE"``, ``finishedBefore`` holds the ``before`` triggers already run, whose
    removal only warns. A trigger that raises (or whose Deferred fails) is logged and the
    rest run.
    """

    def __init__(self) -> None:
        self.before: list[_Stored] = []
        self.during: list[_Stored] = []
        self.after: list[_Stored] = []
        self.state = "BASE"
        self.finishedBefore: list[_Stored] = []

    def _phase(self, phase: str) -> list[_Stored]:
        if phase not in _PHASES:
            raise KeyError(f"invalid phase {phase!r}")
        triggers: list[_Stored] = getattr(self, phase)
        return triggers

    def addTrigger(
        self, phase: str, callable: StoredCall, *args: object, **kwargs: object
    ) -> _TriggerHandle:
        """Add ``callable(*args, **kwargs)`` to ``phase``; the handle ``removeTrigger``
        takes. ``KeyError`` for a phase other than before, during, after."""
        self._phase(phase).append((callable, args, kwargs))
        return (phase, callable, args, kwargs)

    def removeTrigger(self, handle: _TriggerHandle) -> None:
        """Remove the trigger ``addTrigger`` gave ``handle`` for: ``ValueError`` if it is not
        there (removed already, or run already); ``KeyError`` for a handle naming no phase.
        A ``before`` trigger that ran during this firing only warns (DeprecationWarning)."""
        self._remove(handle)

    def _remove(self, handle: _TriggerHandle) -> None:
        """``removeTrigger``, whose warning points at the caller's caller."""
        try:
            phase, callable, args, kwargs = handle
        except (TypeError, ValueError):
            raise ValueError(f"{handle!r} is not a system event trigger handle") from None
        triggers = self._phase(phase)
        stored = (callable, args, kwargs)
        if phase == "before" and self.state == "BEFORE" and stored in self.finishedBefore:
            warnings.warn(
                "Removing already-fired system event triggers will raise an "
                "exception in a future version of Twisted.",
                category=DeprecationWarning,
                stacklevel=3,
            )
            return
        try:
            triggers.remove(stored)
        except ValueError:
            raise ValueError("removeSystemEventTrigger called with an invalid trigger ID")

    def fireEvent(self) -> None:
        """Run the ``before`` triggers, then (once the Deferreds they returned have
        fired) the ``during`` and ``after`` ones."""
        self.state = "BEFORE"
        self.finishedBefore = []
        waiting: list[Deferred[object]] = []
        while self.before:
            stored = self.before.pop(0)
            self.finishedBefore.append(stored)
            callable, args, kwargs = stored
            try:
                result = callable(*args, **kwargs)
            except BaseException:
                _log.exception("Unhandled error in a 'before' system event trigger")
            else:
                if isinstance(result, Deferred):
                    waiting.append(result)
        if not waiting:
            self._continueFiring()
            return
        remaining = [len(waiting)]

        def one_done(result: object) -> None:
            remaining[0] -= 1
            if not remaining[0]:
                self._continueFiring()

        def logged(f: Failure) -> None:
            _log.error("A 'before' system event trigger failed: %s", f.getErrorMessage())
            one_done(None)

        for d in waiting:
            d.addCallbacks(one_done, logged)

    def _continueFiring(self) -> None:
        self.state = "BASE"
        self.finishedBefore = []
        for phase in (self.during, self.after):
            while phase:
                callable, args, kwargs = phase.pop(0)
                try:
                    callable(*args, **kwargs)
                except BaseException:
                    _log.exception("Unhandled error in a system event trigger")


_SystemEventID = tuple[str, _TriggerHandle]


# -- resolvers -----------------------------------------------------------------------------------


def _lookup_error(name: str, why: object = None) -> error.DNSLookupError:
    if why is None:
        return error.DNSLookupError(f"address {name!r} not found")
    return error.DNSLookupError(f"address {name!r} not found: {why}")


@implementer(IResolverSimple)
class ThreadedResolver:
    """Resolves with ``socket.gethostbyname`` in the reactor's thread pool.

    Gives up after ``sum(timeout)`` seconds (``DNSLookupError``: ``timeout error``).
    """

    def __init__(self, reactor: ReactorBase) -> None:
        self.reactor = reactor
        self._runningQueries: dict[Deferred[str], object] = {}

    def getHostByName(self, name: str, timeout: Sequence[int] = _DEFAULT_TIMEOUT) -> Deferred[str]:
        """The IPv4 address of ``name``."""
        result: Deferred[str] = Deferred()
        lookup = deferToThreadPool(
            self.reactor, self.reactor.getThreadPool(), socket.gethostbyname, name
        )
        timer = None
        total = sum(timeout) if timeout else 0
        if total:

            def timed_out() -> None:
                if not result.called:
                    result.errback(_lookup_error(name, "timeout error"))

            timer = self.reactor.callLater(total, timed_out)

        def done(value: object) -> None:
            if timer is not None and timer.active():
                timer.cancel()
            if result.called:
                return
            if isinstance(value, Failure):
                result.errback(_lookup_error(name, value.value))
            else:
                result.callback(str(value))

        lookup.addBoth(done)
        return result


@implementer(IResolverSimple)
class BlockingResolver:
    """Resolves with ``socket.gethostbyname`` at once, blocking the caller."""

    def getHostByName(self, name: str, timeout: Sequence[int] = _DEFAULT_TIMEOUT) -> Deferred[str]:
        """The IPv4 address of ``name`` (already fired)."""
        try:
            address = socket.gethostbyname(name)
        except OSError:
            return fail(_lookup_error(name))
        return succeed(address)


@implementer(IReactorPluggableNameResolver)
class PluggableResolverMixin:
    """``installResolver``/``installNameResolver``: installing either kind of resolver
    installs it wrapped as the other, so ``resolve()`` and host name endpoints agree."""

    resolver: IResolverSimple = BlockingResolver()
    _nameResolver: IHostnameResolver = SimpleResolverComplexifier(resolver)

    def installResolver(self, resolver: IResolverSimple) -> IResolverSimple:
        """Use ``resolver`` (an ``IResolverSimple``) from now on; return the previous one.

        ``AssertionError`` for an object with no ``getHostByName`` (Twisted's asserts that it
        declares ``IResolverSimple``; twistio also takes an undeclared one).
        """
        if not (
            IResolverSimple.providedBy(resolver)
            or builtins.callable(getattr(resolver, "getHostByName", None))
        ):
            raise AssertionError(f"{resolver!r} does not provide IResolverSimple")
        old = self.resolver
        self.resolver = resolver
        self._nameResolver = SimpleResolverComplexifier(resolver)
        return old

    def installNameResolver(self, resolver: IHostnameResolver) -> IHostnameResolver:
        """Use ``resolver`` (an ``IHostnameResolver``) from now on; return the previous one."""
        previous, self._nameResolver = self._nameResolver, resolver
        self.resolver = ComplexResolverSimplifier(resolver)  # the simple face of the same one
        return previous

    @property
    def nameResolver(self) -> IHostnameResolver:
        """The ``IHostnameResolver`` in use (read-only: use ``installNameResolver``)."""
        return self._nameResolver


# -- the reactor base ----------------------------------------------------------------------------


@implementer(
    IReactorCore,
    IReactorTime,
    IReactorThreads,
    IReactorFromThreads,
    IReactorInThreads,
    IReactorPluggableResolver,
    IReactorPluggableNameResolver,
    _ISupportsExitSignalCapturing,
)
class ReactorBase(PluggableResolverMixin):
    """Twisted's reactor contract, for a subclass that supplies ``installWaker`` and
    ``doIteration``.

    ``running`` is true between the end of startup and the start of shutdown. ``run()`` is
    ``startRunning()`` then ``mainLoop()``: run due timers and calls from threads
    (``runUntilCurrent``), then ``doIteration(timeout())``, until ``stop()`` or ``crash()``.
    """

    installed = False
    usingThreads = False
    threadpool: ThreadPool | None = None
    threadpoolShutdownID: _SystemEventID | None = None
    waker: object = None
    _exitSignal: int | None = None
    _stopped = True
    _installSignalHandlers = False
    seconds = staticmethod(time.time)

    def __init__(self) -> None:
        self.threadCallQueue: list[tuple[StoredCall, tuple[object, ...], dict[str, object]]] = []
        self._eventTriggers: dict[str, _ThreePhaseEvent] = {}
        # run state: running (between startRunning and stop/crash), stopping, ever run
        self.running = self._started = self._justStopped = self._startedBefore = False
        # timed calls: a heap of scheduled ones, the ones added since the last pass, and
        # how many were cancelled (the heap is rebuilt when that grows large)
        self._pendingTimedCalls: list[DelayedCall] = []
        self._newTimedCalls: list[DelayedCall] = []
        self._cancellations = 0
        self._threadpoolSize = 10
        self._oldSignals: dict[int, object] = {}
        self._setupResolvers()
        self.usingThreads = True
        self.addSystemEventTrigger("during", "startup", self._reallyStartRunning)
        self.addSystemEventTrigger("during", "shutdown", self.crash)
        self.addSystemEventTrigger("during", "shutdown", self.disconnectAll)
        self.installWaker()

    def _setupResolvers(self) -> None:
        name_resolver = GAIResolver(self)
        self._nameResolver = name_resolver
        self.resolver = ComplexResolverSimplifier(name_resolver)

    # -- what a subclass supplies -----------------------------------------------------------------

    def installWaker(self) -> None:
        """Set ``waker``: what ``wakeUp`` pokes so ``doIteration`` returns early."""
        raise NotImplementedError(f"{type(self).__name__} did not implement installWaker")

    def doIteration(self, delay: float | None) -> None:
        """Wait up to ``delay`` seconds (None: no limit) for I/O and handle it."""
        raise NotImplementedError(f"{type(self).__name__} did not implement doIteration")

    def wakeUp(self) -> None:
        """Make a ``doIteration`` in progress return soon (from any thread)."""
        waker = self.waker
        wake = getattr(waker, "wakeUp", None)
        if wake is not None:
            wake()

    # -- running ----------------------------------------------------------------------------------

    def run(self, installSignalHandlers: bool = True) -> None:
        """Start, then loop until stopped."""
        self.startRunning(installSignalHandlers=installSignalHandlers)
        self.mainLoop()

    def startRunning(self, installSignalHandlers: bool = True) -> None:
        """Fire the startup event; ``ReactorAlreadyRunning``/``ReactorNotRestartable`` if
        the reactor runs or has run."""
        if self._started:
            raise error.ReactorAlreadyRunning()
        if self._startedBefore:
            raise error.ReactorNotRestartable()
        self._started = True
        self._stopped = False
        self._installSignalHandlers = installSignalHandlers
        self.fireSystemEvent("startup")

    def _reallyStartRunning(self) -> None:
        self.running = True
        if self._installSignalHandlers:
            self._handleSignals()

    def mainLoop(self) -> None:
        """Alternate ``runUntilCurrent`` and ``doIteration`` while started."""
        try:
            while self._started:
                try:
                    while self._started:
                        self.runUntilCurrent()
                        delay = self.timeout()
                        self.doIteration(delay if self.running else 0)
                except BaseException:
                    _log.exception("Unexpected error in main loop.")
                else:
                    break
        finally:
            self._restoreSignals()

    def stop(self) -> None:
        """Fire the shutdown event soon; ``ReactorNotRunning`` if not running."""
        if self._stopped:
            raise error.ReactorNotRunning("Can't stop reactor that isn't running.")
        self._stopped = True
        self._justStopped = True
        self._startedBefore = True
        self.callLater(0, self.fireSystemEvent, "shutdown")

    def crash(self) -> None:
        """Stop the main loop now, without the shutdown event."""
        self._started = False
        self.running = False
        self.addSystemEventTrigger("during", "startup", self._reallyStartRunning)

    def iterate(self, delay: float = 0) -> None:
        """Run due calls, then one ``doIteration(delay)``."""
        self.runUntilCurrent()
        self.doIteration(delay)

    def disconnectAll(self) -> None:
        """Drop every watched descriptor, telling each ``connectionLost``."""
        for selectable in self.removeAll():
            try:
                selectable.connectionLost(Failure(main.CONNECTION_LOST))
            except BaseException:
                _log.exception("Error disconnecting %r", selectable)

    # -- signals ----------------------------------------------------------------------------------

    def _handleSignals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        wanted: list[tuple[int, Callable[[int, FrameType | None], None]]] = [
            (signal.SIGINT, self.sigInt),
            (signal.SIGTERM, self.sigTerm),
        ]
        if hasattr(signal, "SIGBREAK"):
            wanted.append((signal.SIGBREAK, self.sigBreak))
        for sig, handler in wanted:
            try:
                self._oldSignals[sig] = signal.signal(sig, handler)
            except (OSError, ValueError):
                pass

    def _restoreSignals(self) -> None:
        for sig, old in self._oldSignals.items():
            if old is not None:
                try:
                    signal.signal(sig, old)  # type: ignore[arg-type]
                except (OSError, ValueError):
                    pass
        self._oldSignals.clear()

    def _uninstallHandler(self) -> None:
        """Put back the signal handlers the reactor replaced (tests that build reactors
        call it when they are done with one)."""
        self._restoreSignals()

    def _signalled(self, number: int) -> None:
        _log.info("Received %s, shutting down.", signal.Signals(number).name)
        self._exitSignal = number
        if not self._stopped:
            self.callFromThread(self.stop)

    def sigInt(self, number: int, frame: FrameType | None = None) -> None:
        """SIGINT: stop."""
        self._signalled(number)

    def sigTerm(self, number: int, frame: FrameType | None = None) -> None:
        """SIGTERM: stop."""
        self._signalled(number)

    def sigBreak(self, number: int, frame: FrameType | None = None) -> None:
        """SIGBREAK (Windows): stop."""
        self._signalled(number)

    # -- system events ----------------------------------------------------------------------------

    def addSystemEventTrigger(
        self,
        phase: str,
        eventType: str,
        callable: Callable[_P, object],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _SystemEventID:
        """Call ``callable`` in ``phase`` of ``eventType``; returns an ID for removal."""
        if not builtins.callable(callable):
            raise AssertionError(f"{callable} is not callable")
        event = self._eventTriggers.get(eventType)
        if event is None:
            event = self._eventTriggers[eventType] = _ThreePhaseEvent()
        return (eventType, event.addTrigger(phase, callable, *args, **kwargs))

    def removeSystemEventTrigger(self, triggerID: object) -> None:
        """Remove a trigger: ``ValueError`` if the ID is of one removed or run already,
        ``TypeError`` or ``KeyError`` for something that is no trigger ID."""
        eventType, handle = cast(_SystemEventID, triggerID)
        self._eventTriggers[eventType]._remove(handle)

    def fireSystemEvent(self, eventType: str) -> None:
        """Run the triggers of ``eventType``, phase by phase."""
        event = self._eventTriggers.get(eventType)
        if event is not None:
            event.fireEvent()

    def callWhenRunning(
        self, callable: Callable[_P, object], *args: _P.args, **kwargs: _P.kwargs
    ) -> _SystemEventID | None:
        """Call now if running; else once startup is done (returns the trigger ID)."""
        if self.running:
            callable(*args, **kwargs)
            return None
        return self.addSystemEventTrigger("after", "startup", callable, *args, **kwargs)

    # -- time -------------------------------------------------------------------------------------

    def callLater(
        self, delay: float, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        """Call ``callable(*args, **kw)`` in ``delay`` seconds."""
        if delay < 0:
            raise ValueError(f"{delay} is not greater than or equal to 0 seconds")
        due = self.seconds() + delay
        call = DelayedCall(
            due, callable, args, kw, self._timerCancelled, self._timerSooner, seconds=self.seconds
        )
        self._newTimedCalls.append(call)
        return call

    def _timerSooner(self, call: DelayedCall) -> None:
        heap = self._pendingTimedCalls
        if call in heap:
            heap.remove(call)
            heapq.heapify(heap)
            heapq.heappush(heap, call)

    def _timerCancelled(self, call: DelayedCall) -> None:
        self._cancellations += 1

    def getDelayedCalls(self) -> list[DelayedCall]:
        """The calls neither run nor cancelled."""
        return [
            c for c in self._pendingTimedCalls + self._newTimedCalls if not c.cancelled
        ]

    def _insertNewDelayedCalls(self) -> None:
        for call in self._newTimedCalls:
            if not call.cancelled:
                heapq.heappush(self._pendingTimedCalls, call)
        self._newTimedCalls = []

    def timeout(self) -> float | None:
        """Seconds until the next call is due (0 if calls from threads wait; None if
        nothing is scheduled)."""
        self._insertNewDelayedCalls()
        if self.threadCallQueue:
            return 0.0
        heap = self._pendingTimedCalls
        while heap and heap[0].cancelled:
            heapq.heappop(heap)
            self._cancellations -= 1
        if not heap:
            return None
        return max(0.0, heap[0].time - self.seconds())

    def runUntilCurrent(self) -> None:
        """Run the calls queued from threads and the timed calls now due."""
        if self.threadCallQueue:
            queued, self.threadCallQueue = self.threadCallQueue, []
            for f, a, kw in queued:
                try:
                    f(*a, **kw)
                except BaseException:
                    _log.exception("Unhandled error in a call from a thread")
        self._insertNewDelayedCalls()
        now = self.seconds()
        heap = self._pendingTimedCalls
        while heap and heap[0].time <= now:
            call = heapq.heappop(heap)
            if call.cancelled:
                self._cancellations -= 1
                continue
            if call.delayed_time > 0:
                call.activate_delay()
                heapq.heappush(heap, call)
                continue
            try:
                call.run()
            except BaseException:
                _log.exception("Unhandled error in a DelayedCall")
        if self._cancellations > 50 and self._cancellations > len(heap) >> 1:
            self._cancellations = 0
            self._pendingTimedCalls = [c for c in heap if not c.cancelled]
            heapq.heapify(self._pendingTimedCalls)
        if self._justStopped:
            self._justStopped = False

    # -- threads ----------------------------------------------------------------------------------

    def callFromThread(
        self, f: Callable[_P, object], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> None:
        """Queue ``f`` for the reactor thread and wake the loop; safe from any thread."""
        if not builtins.callable(f):
            raise AssertionError(f"{f!r} is not callable")
        self.threadCallQueue.append((f, args, kwargs))
        self.wakeUp()

    def getThreadPool(self) -> ThreadPool:
        """The thread pool (``threadpool``): made on first use, started once the reactor
        runs (at once if it does), stopped during shutdown."""
        pool = self.threadpool
        if pool is None:
            pool = self.threadpool = ThreadPool(0, self._threadpoolSize, "twistio reactor")
            self.callWhenRunning(self._startThreadPool)
            self.threadpoolShutdownID = self.addSystemEventTrigger(
                "during", "shutdown", self._stopThreadPool
            )
        return pool

    def _startThreadPool(self) -> None:
        pool = self.threadpool
        if pool is not None and not pool.started:
            pool.start()

    def _stopThreadPool(self) -> None:
        # Also trial's clean-up after each test: a later getThreadPool() makes a fresh pool of
        # the default size, as Twisted's reactor does.
        if self.threadpoolShutdownID is not None:
            try:
                self.removeSystemEventTrigger(self.threadpoolShutdownID)
            except ValueError:  # called as that very trigger, during shutdown
                pass
        self.threadpoolShutdownID = None
        self._threadpoolSize = 10
        pool, self.threadpool = self.threadpool, None
        if pool is not None:
            pool.stop()

    def callInThread(
        self, _callable: Callable[_P, object], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> None:
        """Run ``_callable`` in a pool thread."""
        self.getThreadPool().callInThread(_callable, *args, **kwargs)

    def suggestThreadPoolSize(self, size: int) -> None:
        """Set the most threads the pool may run (making the pool if there is none yet)."""
        self._threadpoolSize = size
        self.getThreadPool().adjustPoolsize(maxthreads=size)

    # -- names ------------------------------------------------------------------------------------

    def resolve(
        self, name: str | bytes, timeout: Sequence[int] = _DEFAULT_TIMEOUT
    ) -> Deferred[str]:
        """The IPv4 address of ``name`` (an address literal or '' answers at once); ASCII
        bytes are taken too, as in Twisted."""
        if isinstance(name, bytes):
            name = name.decode("ascii", "replace")
        if not name:
            return succeed("0.0.0.0")
        if isIPAddress(name):
            return succeed(name)
        return self.resolver.getHostByName(name, timeout)

    # -- descriptors (a subclass with an I/O loop provides them) ----------------------------------

    def addReader(self, reader: IReadDescriptor) -> None:
        """Watch ``reader`` (a subclass provides it)."""
        raise NotImplementedError(f"{type(self).__name__} cannot watch file descriptors")

    def addWriter(self, writer: IWriteDescriptor) -> None:
        """Watch ``writer`` (a subclass provides it)."""
        raise NotImplementedError(f"{type(self).__name__} cannot watch file descriptors")

    def removeReader(self, reader: IReadDescriptor) -> None:
        """Stop watching ``reader`` (a subclass provides it)."""
        raise NotImplementedError(f"{type(self).__name__} cannot watch file descriptors")

    def removeWriter(self, writer: IWriteDescriptor) -> None:
        """Stop watching ``writer`` (a subclass provides it)."""
        raise NotImplementedError(f"{type(self).__name__} cannot watch file descriptors")

    def removeAll(self) -> list[IReadDescriptor | IWriteDescriptor]:
        """Stop watching everything; what was watched (none here)."""
        return []

    def getReaders(self) -> list[IReadDescriptor]:
        """The readers watched (none here)."""
        return []

    def getWriters(self) -> list[IWriteDescriptor]:
        """The writers watched (none here)."""
        return []


# -- connectors and ports --------------------------------------------------------------------------


class _ConnectingTransport(Protocol_):
    """What a ``BaseConnector`` asks of the transport its ``_makeTransport`` starts."""

    def failIfNotConnected(self, err: BaseException) -> None: ...

    def loseConnection(self) -> None: ...


@implementer(IConnector)
class BaseConnector:
    """The state machine of an outgoing connection: ``'disconnected'``, ``'connecting'``,
    ``'connected'``.

    A subclass supplies ``_makeTransport()`` (start connecting; the transport calls back
    ``buildProtocol``, ``connectionFailed`` or ``connectionLost``, and has
    ``failIfNotConnected(err)``) and ``getDestination()``.
    """

    timeoutID: IDelayedCall | None = None
    factoryStarted = 0

    def __init__(
        self, factory: ClientFactory, timeout: float | None, reactor: IReactorTime
    ) -> None:
        self.state = "disconnected"
        self.reactor = reactor
        self.factory = factory
        self.timeout = timeout
        self.transport: _ConnectingTransport | None = None

    def disconnect(self) -> None:
        """Stop connecting, or close the connection."""
        if self.state == "connecting":
            self.stopConnecting()
        elif self.state == "connected" and self.transport is not None:
            self.transport.loseConnection()

    def connect(self) -> None:
        """Start connecting; ``RuntimeError`` unless disconnected."""
        if self.state != "disconnected":
            raise RuntimeError("can't connect in this state")
        self.state = "connecting"
        self._startFactoryOnce()
        self.transport = transport = self._makeTransport()
        if self.timeout is not None:
            self.timeoutID = self.reactor.callLater(
                self.timeout, transport.failIfNotConnected, error.TimeoutError()
            )
        self.factory.startedConnecting(self)

    def _startFactoryOnce(self) -> None:
        # The factory is started by the first connect() and stays started across retries
        # until an attempt ends without the factory connecting again (see _ended).
        if self.factoryStarted:
            return
        self.factory.doStart()
        self.factoryStarted = 1

    def _makeTransport(self) -> _ConnectingTransport:
        raise NotImplementedError(f"{type(self).__name__} did not implement _makeTransport")

    def stopConnecting(self) -> None:
        """Abandon the attempt (the factory sees ``UserError``); ``NotConnectingError`` if
        not connecting."""
        if self.state != "connecting":
            raise error.NotConnectingError("we're not trying to connect")
        self.state = "disconnected"
        transport = self.transport
        if transport is not None:  # always, while connecting
            transport.failIfNotConnected(error.UserError())
        self.transport = None

    def cancelTimeout(self) -> None:
        """Cancel the connection timeout."""
        timer, self.timeoutID = self.timeoutID, None
        if timer is not None and timer.active():
            timer.cancel()

    def buildProtocol(self, addr: IAddress) -> Protocol | None:
        """Connected: the factory's protocol for ``addr``."""
        self.cancelTimeout()
        self.state = "connected"
        return self.factory.buildProtocol(addr)

    def _ended(self, tell: Callable[[IConnector, Failure], object], reason: Failure) -> None:
        # The factory hears how it ended and may connect() again from there; if it did
        # not, this connector is done with it.
        self.state = "disconnected"
        tell(self, reason)
        if self.state == "disconnected" and self.factoryStarted:
            self.factoryStarted = 0
            self.factory.doStop()

    def connectionFailed(self, reason: Failure) -> None:
        """The attempt failed: tell the factory (which may ``connect()`` again)."""
        self.cancelTimeout()
        self.transport = None
        self._ended(self.factory.clientConnectionFailed, reason)

    def connectionLost(self, reason: Failure) -> None:
        """The connection closed: tell the factory (which may ``connect()`` again)."""
        self._ended(self.factory.clientConnectionLost, reason)

    def getDestination(self) -> IAddress:
        """Where this connects to (a subclass provides it)."""
        raise NotImplementedError(f"{type(self).__name__} did not implement getDestination")


class BasePort(FileDescriptor):
    """A listening socket as a descriptor: it reads (accepts) and never writes."""

    addressFamily: int = socket.AF_INET
    socketType: int = socket.SOCK_STREAM

    def createInternetSocket(self) -> socket.socket:
        """A non-blocking, close-on-exec socket of this port's family and type."""
        sock = socket.socket(self.addressFamily, self.socketType)
        sock.setblocking(False)
        sock.set_inheritable(False)
        return sock

    def doWrite(self) -> object:
        """A port never writes: ``RuntimeError``."""
        raise RuntimeError(f"doWrite called on a {type(self).__module__}.{type(self).__name__}")
