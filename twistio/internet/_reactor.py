"""The reactor: Twisted's reactor API over an asyncio event loop.

Which loop: while an asyncio loop runs in the calling thread (``asyncio.run(main())``, an
aiohttp app, uvloop), every call uses that loop; otherwise the reactor uses the loop given to
``asyncioreactor.install(eventloop)``, or one it makes on first use from the event loop
policy (so ``uvloop.install()`` is honoured), and ``run()`` runs it with ``run_forever``.
Never a second loop, never polling.

Inside a running loop the reactor counts as running: ``callWhenRunning`` calls at once,
``run()`` raises ``ReactorAlreadyRunning`` (it cannot nest, and returning at once would run
the code after it too early), and ``stop()`` fires the shutdown triggers (closing ports,
connections and the thread pool) but leaves the loop to its owner.
"""

from __future__ import annotations

import asyncio
import builtins
import functools
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Union

from twistio.internet import error
from twistio.internet._delayedcall import DelayedCall
from twistio.internet.interfaces import (
    IReactorCore,
    IReactorPluggableResolver,
    IReactorTCP,
    IReactorThreads,
    IReactorTime,
    implementer,
)

if TYPE_CHECKING:
    from twistio.internet._adapter import Connection
    from twistio.internet.defer import Deferred
    from twistio.internet.tcp import Connector, Port
    from twistio.python.threadpool import ThreadPool

__all__ = ["AsyncioReactor", "DelayedCall"]

_log = logging.getLogger("twistio")
_get_running_loop = asyncio._get_running_loop
_PHASES = ("before", "during", "after")


class _ReactorDelayedCall(DelayedCall):
    """A DelayedCall that knows its asyncio timer handle and loop."""

    __slots__ = ("_handle", "_loop")
    _handle: asyncio.TimerHandle
    _loop: asyncio.AbstractEventLoop


class _Trigger:
    __slots__ = ("args", "callable", "kwargs")

    def __init__(self, callable: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]):
        self.callable = callable
        self.args = args
        self.kwargs = kwargs


class _ThreePhaseEvent:
    """A system event's triggers: 'before' ones may return Deferreds that hold the rest."""

    def __init__(self) -> None:
        self.phases: dict[str, list[_Trigger]] = {p: [] for p in _PHASES}
        self.firing = False

    def add(self, phase: str, trigger: _Trigger) -> None:
        if phase not in self.phases:
            raise KeyError(f"invalid phase {phase!r}")
        self.phases[phase].append(trigger)

    def remove(self, phase: str, trigger: _Trigger) -> None:
        try:
            self.phases[phase].remove(trigger)
        except (KeyError, ValueError):
            raise ValueError("removeSystemEventTrigger called with an invalid trigger ID")

    def fire(self) -> None:
        from twistio.internet.defer import Deferred

        self.firing = True
        waiting: list[Deferred[Any]] = []
        before = self.phases["before"]
        while before:
            trigger = before.pop(0)
            try:
                result = trigger.callable(*trigger.args, **trigger.kwargs)
            except BaseException:
                _log.exception("Unhandled error in a 'before' system event trigger")
            else:
                if isinstance(result, Deferred):
                    waiting.append(result)
        if not waiting:
            self._continue()
            return
        remaining = [len(waiting)]

        def one_done(result: Any) -> None:
            remaining[0] -= 1
            if not remaining[0]:
                self._continue()

        def logged(f: Any) -> None:
            _log.error("A 'before' system event trigger failed: %s", f.getErrorMessage())
            one_done(None)

        for d in waiting:
            d.addCallbacks(one_done, logged)

    def _continue(self) -> None:
        for phase in ("during", "after"):
            triggers = self.phases[phase]
            while triggers:
                trigger = triggers.pop(0)
                try:
                    trigger.callable(*trigger.args, **trigger.kwargs)
                except BaseException:
                    _log.exception("Unhandled error in a %r system event trigger", phase)
        self.firing = False


def _is_ip_address(name: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, name)
        except (OSError, ValueError):
            continue
        return True
    return False


@implementer(IReactorCore, IReactorTime, IReactorTCP, IReactorThreads, IReactorPluggableResolver)
class AsyncioReactor:
    """The reactor: ``run``/``stop``, timers, TCP and threads, on an asyncio loop."""

    seconds = staticmethod(time.time)

    def __init__(self, eventloop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = eventloop
        self._io_loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()
        self._running = False
        self._started = False
        self._stopped = False
        self._startedBefore = False
        self._run_loop: asyncio.AbstractEventLoop | None = None
        self._triggers: dict[str, _ThreePhaseEvent] = {}
        self._delayed: set[_ReactorDelayedCall] = set()
        self._conns: set[Connection] = set()
        self._ports: set[Port] = set()
        self._threadpool: ThreadPool | None = None
        self._threadpool_max = 10
        self._installSignals = True
        self._old_signals: dict[int, Any] = {}
        self._loop_signals: list[int] = []
        self._exitSignal: int | None = None
        self.resolver: Any = None
        self.addSystemEventTrigger("during", "startup", self._reallyStartRunning)
        self.addSystemEventTrigger("during", "shutdown", self._shutdown_during)

    # -- the loop --------------------------------------------------------------------------

    def _get_loop(self) -> asyncio.AbstractEventLoop:
        """The running loop of this thread, else the reactor's own (made on first use)."""
        loop = _get_running_loop()
        if loop is not None:
            self._io_loop = loop
            return loop
        loop = self._loop
        if loop is None or loop.is_closed():
            with self._loop_lock:  # a pool thread may get here first (callFromThread)
                loop = self._loop
                if loop is None or loop.is_closed():
                    loop = self._loop = asyncio.get_event_loop_policy().new_event_loop()
        return loop

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The asyncio loop reactor calls made now would use."""
        return self._get_loop()

    @property
    def running(self) -> bool:
        """Whether ``run()`` is running (after startup), or an asyncio loop is running here
        and ``stop()`` was not called."""
        if self._running:
            return True
        return not self._started and not self._stopped and _get_running_loop() is not None

    @running.setter
    def running(self, value: bool) -> None:
        self._running = value

    def run(self, installSignalHandlers: bool = True) -> None:
        """Fire startup, run the loop until ``stop()`` (or ``crash()``), then return.

        Raises ``ReactorAlreadyRunning`` if an asyncio loop already runs in this thread.
        """
        if _get_running_loop() is not None:
            raise error.ReactorAlreadyRunning(
                "an asyncio event loop is already running in this thread, and the reactor "
                "runs on it: do not call reactor.run() there (await a Deferred instead)"
            )
        if self._started:
            raise error.ReactorAlreadyRunning()
        if self._startedBefore:
            raise error.ReactorNotRestartable()
        self._started = True
        self._stopped = False
        self._installSignals = installSignalHandlers
        loop = self._get_loop()
        self._run_loop = loop
        loop.call_soon(self.fireSystemEvent, "startup")
        try:
            loop.run_forever()
        finally:
            self._remove_signal_handlers()
            self._run_loop = None
            self._running = False
            self._started = False

    startRunning = run

    def stop(self) -> None:
        """Fire the shutdown event (ports and connections close), then stop the loop.

        ``ReactorNotRunning`` if it is not running or already stopping.
        """
        if self._stopped or not (self._started or _get_running_loop() is not None):
            raise error.ReactorNotRunning("Can't stop reactor that isn't running.")
        self._stopped = True
        self._startedBefore = True
        self._get_loop().call_soon(self.fireSystemEvent, "shutdown")

    def crash(self) -> None:
        """Stop the loop at once, without the shutdown event; ``run()`` may be called again."""
        self._running = False
        self._started = False
        loop = self._run_loop
        if loop is not None:
            loop.stop()
        self.addSystemEventTrigger("during", "startup", self._reallyStartRunning)

    def iterate(self, delay: float = 0) -> None:
        """Run one pass of the loop's ready callbacks (tests only; not inside a running loop)."""
        loop = self._get_loop()
        if loop.is_running():
            raise RuntimeError("iterate() cannot be called while the loop is running")
        loop.call_soon(loop.stop)
        loop.run_forever()

    def _reallyStartRunning(self) -> None:
        self._running = True
        if self._installSignals:
            self._install_signal_handlers()

    def _shutdown_during(self) -> None:
        self._disconnect_all()
        if self._run_loop is not None:
            # Stops after this pass of callbacks, so 'after shutdown' triggers still run.
            self._running = False
            self._run_loop.stop()

    def _disconnect_all(self) -> None:
        for port in list(self._ports):
            port._shutdown()
        for conn in list(self._conns):
            conn._shutdown()

    def _track(self, conn: Connection) -> None:
        self._conns.add(conn)

    def _untrack(self, conn: Connection) -> None:
        self._conns.discard(conn)

    def _track_port(self, port: Port) -> None:
        self._ports.add(port)

    def _untrack_port(self, port: Port) -> None:
        self._ports.discard(port)

    def wakeUp(self) -> None:
        """Nothing to do: asyncio wakes itself."""

    # -- system events ------------------------------------------------------------------------

    def addSystemEventTrigger(
        self,
        phase: str,
        eventType: str,
        callable: Callable[..., Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """Call ``callable`` in ``phase`` of ``eventType``; returns an ID for removal."""
        if not (builtins.callable(callable)):
            raise AssertionError(f"{callable} is not callable")
        event = self._triggers.get(eventType)
        if event is None:
            event = self._triggers[eventType] = _ThreePhaseEvent()
        trigger = _Trigger(callable, args, kwargs)
        event.add(phase, trigger)
        return (eventType, phase, trigger)

    def removeSystemEventTrigger(self, triggerID: Any) -> None:
        """Remove a trigger; ``ValueError`` if the ID is unknown or already fired."""
        try:
            eventType, phase, trigger = triggerID
            event = self._triggers[eventType]
        except (TypeError, ValueError, KeyError):
            raise ValueError("removeSystemEventTrigger called with an invalid trigger ID")
        event.remove(phase, trigger)

    def fireSystemEvent(self, eventType: str) -> None:
        """Run the triggers of ``eventType``, phase by phase."""
        event = self._triggers.get(eventType)
        if event is not None:
            event.fire()

    def callWhenRunning(self, callable: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call now if running; else once startup is done (returns the trigger ID)."""
        if self.running:
            callable(*args, **kwargs)
            return None
        return self.addSystemEventTrigger("after", "startup", callable, *args, **kwargs)

    # -- signals ------------------------------------------------------------------------------

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        loop = self._get_loop()
        wanted = [signal.SIGINT, signal.SIGTERM]
        if hasattr(signal, "SIGBREAK"):
            wanted.append(signal.SIGBREAK)
        for sig in wanted:
            previous = signal.getsignal(sig)
            try:
                loop.add_signal_handler(sig, self._on_signal, sig)
                self._loop_signals.append(sig)
                self._old_signals[sig] = previous
            except (NotImplementedError, RuntimeError, ValueError):
                try:
                    self._old_signals[sig] = signal.signal(
                        sig, lambda s, frame: self.callFromThread(self._on_signal, s)
                    )
                except (OSError, ValueError):
                    pass

    def _remove_signal_handlers(self) -> None:
        loop = self._run_loop
        for sig in self._loop_signals:
            if loop is not None and not loop.is_closed():
                loop.remove_signal_handler(sig)
        self._loop_signals.clear()
        for sig, old in self._old_signals.items():
            if old is not None:
                signal.signal(sig, old)
        self._old_signals.clear()

    def _on_signal(self, sig: int) -> None:
        _log.info("Received %s, shutting down.", signal.Signals(sig).name)
        self._exitSignal = sig
        if not self._stopped:
            self.stop()

    sigInt = sigTerm = sigBreak = _on_signal

    # -- time ---------------------------------------------------------------------------------

    def callLater(
        self, delay: float, callable: Callable[..., Any], *args: Any, **kw: Any
    ) -> DelayedCall:
        """Call ``callable(*args, **kw)`` in ``delay`` seconds, in the caller's context.

        ``getTime()`` is in epoch seconds (``seconds()``) whatever clock the loop keeps.
        """
        if delay < 0:
            raise ValueError(f"{delay} is not greater than or equal to 0 seconds")
        loop = self._get_loop()
        call = _ReactorDelayedCall(
            time.time() + delay, callable, args, kw, self._cancel_call, self._reset_call
        )
        call._loop = loop
        call._handle = loop.call_at(loop.time() + delay, self._run_call, call, context=call.context)
        self._delayed.add(call)
        return call

    def _run_call(self, call: _ReactorDelayedCall) -> None:
        # Runs in call.context already (given to call_at).
        if call.delayed_time:
            call.activate_delay()
            self._schedule(call)
            return
        self._delayed.discard(call)
        call.called = 1
        call.func(*call.args, **call.kw)

    def _schedule(self, call: _ReactorDelayedCall) -> None:
        loop = call._loop
        delay = max(0.0, call.time - time.time())
        call._handle = loop.call_at(loop.time() + delay, self._run_call, call, context=call.context)

    def _cancel_call(self, call: DelayedCall) -> None:
        assert isinstance(call, _ReactorDelayedCall)
        call._handle.cancel()
        self._delayed.discard(call)

    def _reset_call(self, call: DelayedCall) -> None:
        assert isinstance(call, _ReactorDelayedCall)
        call._handle.cancel()
        self._schedule(call)

    def getDelayedCalls(self) -> list[DelayedCall]:
        """The calls scheduled and neither run nor cancelled."""
        return list(self._delayed)

    # -- threads ------------------------------------------------------------------------------

    def _get_io_loop(self) -> asyncio.AbstractEventLoop:
        loop = _get_running_loop()
        if loop is not None:
            return loop
        io_loop = self._io_loop
        if io_loop is not None and io_loop.is_running():
            return io_loop
        return self._get_loop()

    def callFromThread(self, callable: Callable[..., Any], *args: Any, **kw: Any) -> None:
        """Call ``callable`` soon on the reactor's loop; safe from any thread."""
        if kw:
            callable = functools.partial(callable, **kw)
        self._get_io_loop().call_soon_threadsafe(callable, *args)

    def getThreadPool(self) -> ThreadPool:
        """The reactor's thread pool: started on first use, stopped during shutdown."""
        # Remember, in this thread, the loop that pool threads will call back into.
        self._get_loop()
        pool = self._threadpool
        if pool is None:
            from twistio.python.threadpool import ThreadPool

            pool = self._threadpool = ThreadPool(0, self._threadpool_max, "twistio reactor")
            pool.start()
            self.addSystemEventTrigger("during", "shutdown", self._stop_threadpool)
        return pool

    def _stop_threadpool(self) -> None:
        pool = self._threadpool
        self._threadpool = None
        if pool is not None:
            pool.stop()

    def callInThread(self, callable: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Call ``callable`` in a pool thread; an exception it raises is logged."""
        loop = _get_running_loop()
        if loop is not None:
            # Remember the loop callFromThread should go back to.
            self._io_loop = loop
        self.getThreadPool().callInThread(callable, *args, **kwargs)

    def callMultipleInThread(
        self, tupleList: Sequence[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]
    ) -> None:
        """Run each ``(f, args, kwargs)`` in turn, in one pool thread."""

        def run_all() -> None:
            for f, a, kw in tupleList:
                f(*a, **kw)

        self.callInThread(run_all)

    def suggestThreadPoolSize(self, size: int) -> None:
        """Set the maximum number of pool threads."""
        self._threadpool_max = size
        if self._threadpool is not None:
            self._threadpool.adjustPoolsize(maxthreads=size)

    # -- names --------------------------------------------------------------------------------

    def installResolver(self, resolver: Any) -> Any:
        """Use ``resolver.getHostByName`` for ``resolve``; returns the previous resolver."""
        old, self.resolver = self.resolver, resolver
        return old

    def resolve(self, name: str, timeout: Sequence[int] = (1, 3, 11, 45)) -> Deferred[str]:
        """Resolve ``name`` to an IPv4 address string (on the loop's resolver).

        Fails with ``DNSLookupError``.
        """
        from twistio.internet.defer import Deferred, succeed

        if self.resolver is not None:
            result: Deferred[str] = self.resolver.getHostByName(name, timeout)
            return result
        if not name:
            return succeed("0.0.0.0")
        if _is_ip_address(name):
            return succeed(name)
        loop = self._get_loop()
        future = asyncio.ensure_future(
            loop.getaddrinfo(name, None, family=socket.AF_INET, type=socket.SOCK_STREAM),
            loop=loop,
        )
        d: Deferred[Any] = Deferred.fromFuture(future)

        def first(infos: list[Any]) -> str:
            if not infos:
                raise error.DNSLookupError(f"address {name!r} not found")
            return str(infos[0][4][0])

        def failed(f: Any) -> Any:
            if f.check(OSError) and not f.check(error.DNSLookupError):
                raise error.DNSLookupError(f"address {name!r} not found: {f.value}")
            return f

        return d.addCallback(first).addErrback(failed)

    # -- TCP ----------------------------------------------------------------------------------

    def listenTCP(
        self, port: int, factory: Any, backlog: int = 50, interface: str = ""
    ) -> Port:
        """Listen on ``port`` now (0: any free port); ``CannotListenError`` if that fails."""
        from twistio.internet.tcp import Port

        p = Port(port, factory, backlog, interface, self)
        p.startListening()
        return p

    def connectTCP(
        self,
        host: str,
        port: Union[int, str],
        factory: Any,
        timeout: float | None = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> Connector:
        """Connect to ``host:port`` with a ``ClientFactory``; returns the connector."""
        from twistio.internet.tcp import Connector

        c = Connector(host, port, factory, timeout, bindAddress, self)
        c.connect()
        return c

    # -- UDP, UNIX, TLS (twistio.internet.udp, .unix, .ssl) ------------------------------------

    def listenUDP(
        self, port: int, protocol: Any, interface: str = "", maxPacketSize: int = 8192
    ) -> Any:
        """Bind a UDP port now (0: any free port) for a ``DatagramProtocol``."""
        from twistio.internet.udp import Port as UDPPort

        p = UDPPort(port, protocol, interface, maxPacketSize, self)
        p.startListening()
        return p

    def listenMulticast(
        self,
        port: int,
        protocol: Any,
        interface: str = "",
        maxPacketSize: int = 8192,
        listenMultiple: bool = False,
    ) -> Any:
        """Bind a UDP port that can join multicast groups."""
        from twistio.internet.udp import MulticastPort

        p = MulticastPort(port, protocol, interface, maxPacketSize, self, listenMultiple)
        p.startListening()
        return p

    def listenUNIX(
        self,
        address: Union[str, bytes],
        factory: Any,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: int = 0,
    ) -> Any:
        """Listen on a UNIX socket path (or a Linux abstract name starting with NUL)."""
        from twistio.internet.unix import Port as UNIXPort

        p = UNIXPort(address, factory, backlog, mode, self, wantPID)
        p.startListening()
        return p

    def connectUNIX(
        self, address: Union[str, bytes], factory: Any, timeout: float | None = 30, checkPID: int = 0
    ) -> Any:
        """Connect to a UNIX socket with a ``ClientFactory``; returns the connector."""
        from twistio.internet.unix import Connector as UNIXConnector

        c = UNIXConnector(address, factory, timeout, self, checkPID)
        c.connect()
        return c

    def listenSSL(
        self,
        port: int,
        factory: Any,
        contextFactory: Any,
        backlog: int = 50,
        interface: str = "",
        *,
        handshakeTimeout: float | None = 60.0,
    ) -> Any:
        """Listen for TLS on ``port``; ``contextFactory`` is an ``SSLContext`` or gives one.

        ``handshakeTimeout`` (twistio's; None for none) drops a client whose handshake takes
        longer than that many seconds."""
        from twistio.internet.ssl import Port as SSLPort

        p = SSLPort(port, factory, contextFactory, backlog, interface, self, handshakeTimeout)
        p.startListening()
        return p

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: Any,
        contextFactory: Any,
        timeout: float | None = 30,
        bindAddress: tuple[str, int] | None = None,
        *,
        handshakeTimeout: float | None = 60.0,
    ) -> Any:
        """Connect over TLS to ``host:port`` with a ``ClientFactory``.

        ``handshakeTimeout`` (twistio's; None for none) gives up on a handshake that takes
        longer than that many seconds (``clientConnectionFailed`` with ``TimeoutError``)."""
        from twistio.internet.ssl import Connector as SSLConnector

        c = SSLConnector(
            host, port, factory, contextFactory, timeout, bindAddress, self, handshakeTimeout
        )
        c.connect()
        return c

    def spawnProcess(
        self,
        processProtocol: Any,
        executable: Any,
        args: Sequence[Any] = (),
        env: dict[Any, Any] | None = {},  # noqa: B006 - Twisted's default: an empty environment
        path: Any = None,
        uid: int | None = None,
        gid: int | None = None,
        usePTY: Any = 0,
        childFDs: dict[int, Any] | None = None,
    ) -> Any:
        """Start a child process connected to ``processProtocol``; returns its transport."""
        from twistio.internet.process import spawnProcess

        return spawnProcess(
            self, processProtocol, executable, args, env, path, uid, gid, usePTY, childFDs
        )

    def __repr__(self) -> str:
        return f"<twistio AsyncioReactor running={self.running}>"
