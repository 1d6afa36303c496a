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
import functools
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import FrameType
from typing import TYPE_CHECKING, TypeVar, Union, cast

from typing_extensions import ParamSpec

from twistio._typing import StoredCall
from twistio.internet import error, ssl, tcp, udp, unix
from twistio.internet._adapter import Connection, watch_loop
from twistio.internet._delayedcall import DelayedCall
from twistio.internet._registry import TransportRegistry
from twistio.internet._resolver import LoopResolver
from twistio.internet.base import ReactorBase
from twistio.internet.defer import succeed
from twistio.internet.interfaces import (
    Binding,
    IConnector,
    IHalfCloseableDescriptor,
    IListeningPort,
    IProcessProtocol,
    IProtocolFactory,
    IReactorCore,
    IReactorFDSet,
    IReactorMulticast,
    IReactorPluggableNameResolver,
    IReactorPluggableResolver,
    IReactorProcess,
    IReactorSocket,
    IReactorSSL,
    IReactorTCP,
    IReactorThreads,
    IReactorTime,
    IReactorUDP,
    IReactorUNIX,
    IReactorUNIXDatagram,
    IReadDescriptor,
    IWriteDescriptor,
    implementer,
)
from twistio.internet.posixbase import PosixReactorBase
from twistio.internet.process import Process, spawnProcess
from twistio.internet.protocol import ClientFactory, ConnectedDatagramProtocol, DatagramProtocol
from twistio.python import threadable
from twistio.python.failure import Failure

if TYPE_CHECKING:
    from twistio.internet.defer import Deferred
    from twistio.python.threadpool import ThreadPool

__all__ = ["AsyncioReactor", "DelayedCall"]

_log = logging.getLogger("twistio")
_get_running_loop = asyncio._get_running_loop
_P = ParamSpec("_P")
_SignalHandler = Union[Callable[[int, FrameType | None], object], int, signal.Handlers, None]


#: The descriptor number noted for a regular file, polled rather than watched.
_POLLED = -1


def _went_away() -> error.ConnectionFdescWentAway:
    return error.ConnectionFdescWentAway("Filedescriptor went away")


class _ReactorDelayedCall(DelayedCall):
    """A DelayedCall that knows its asyncio timer handle and loop."""

    __slots__ = ("_handle", "_loop")
    _handle: asyncio.TimerHandle
    _loop: asyncio.AbstractEventLoop


def _is_ip_address(name: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, name)
        except (OSError, ValueError):
            continue
        return True
    return False


_Port = TypeVar("_Port", bound=IListeningPort)
_Connector = TypeVar("_Connector", bound=IConnector)


def _listening(port: _Port) -> _Port:
    """``port``, once it listens (bound now: ``CannotListenError`` raises here)."""
    port.startListening()
    return port


def _connecting(connector: _Connector) -> _Connector:
    """``connector``, once its first attempt has started."""
    connector.connect()
    return connector


_NO_FD_SET = (
    "{what} needs an event loop with add_reader/add_writer (asyncio's selector loop or "
    "uvloop); {loop!r} has none (it is Windows' Proactor loop or alike): use twistio's "
    "transports (listenTCP, endpoints ...) instead of watching file descriptors"
)


@implementer(
    IReactorCore,
    IReactorTime,
    IReactorThreads,
    IReactorPluggableResolver,
    IReactorPluggableNameResolver,
    IReactorTCP,
    IReactorUDP,
    IReactorMulticast,
    IReactorUNIX,
    IReactorUNIXDatagram,
    IReactorSSL,
    IReactorSocket,
    IReactorProcess,
    IReactorFDSet,
)
class AsyncioReactor(PosixReactorBase):
    """The reactor: ``run``/``stop``, timers, TCP, UDP, UNIX, TLS, processes and threads, on
    an asyncio loop.

    ``doIteration``, ``mainLoop``, ``runUntilCurrent`` and ``timeout`` exist for code that
    drives a reactor by hand; here they run passes of the asyncio loop. ``addReader`` and
    the rest of ``IReactorFDSet`` need a loop with ``add_reader`` (not Windows' Proactor).
    """

    seconds = staticmethod(time.time)

    def __init__(self, eventloop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = eventloop
        self._io_loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()
        self._running = False
        self._stopped = False
        self._run_loop: asyncio.AbstractEventLoop | None = None
        self._delayed: set[_ReactorDelayedCall] = set()
        #: The loop and the open connections and ports, lent to the transports made here.
        self.transport_registry = TransportRegistry(self, self._get_loop)
        self._installSignals = True
        self._old_signals: dict[int, _SignalHandler] = {}
        self._loop_signals: list[int] = []
        self._readers: dict[IReadDescriptor, tuple[asyncio.AbstractEventLoop, int]] = {}
        self._writers: dict[IWriteDescriptor, tuple[asyncio.AbstractEventLoop, int]] = {}
        self._polling = False
        ReactorBase.__init__(self)

    def _setupResolvers(self) -> None:
        self.installNameResolver(LoopResolver(self))

    def installWaker(self) -> None:
        """Nothing to install: asyncio wakes itself (``waker`` stays None)."""

    # -- the loop --------------------------------------------------------------------------

    def _get_loop(self) -> asyncio.AbstractEventLoop:
        """The running loop of this thread, else the reactor's own (made on first use)."""
        loop = _get_running_loop()
        if loop is not None:
            if loop is not self._io_loop:
                self._io_loop = loop
                watch_loop(loop)
            return loop
        loop = self._loop
        if loop is None or loop.is_closed():
            with self._loop_lock:  # a pool thread may get here first (callFromThread)
                loop = self._loop
                if loop is None or loop.is_closed():
                    loop = self._loop = self._new_loop()
                    watch_loop(loop)
        return loop

    def _new_loop(self) -> asyncio.AbstractEventLoop:
        """The reactor's own loop, made on first use: the event loop policy's."""
        return asyncio.get_event_loop_policy().new_event_loop()

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
        self.startRunning(installSignalHandlers)
        self.mainLoop()

    def startRunning(self, installSignalHandlers: bool = True) -> None:
        """Get ready to run: the startup event fires on the loop's next pass (``mainLoop``
        or ``iterate``)."""
        if self._startedBefore:
            # Stopped (maybe still running its shutdown triggers): never again.
            raise error.ReactorNotRestartable()
        if _get_running_loop() is not None:
            raise error.ReactorAlreadyRunning(
                "an asyncio event loop is already running in this thread, and the reactor "
                "runs on it: do not call reactor.run() there (await a Deferred instead)"
            )
        if self._started:
            raise error.ReactorAlreadyRunning()
        self._started = True
        self._stopped = False
        self._installSignals = installSignalHandlers
        threadable.registerAsIOThread()
        loop = self._get_loop()
        self._run_loop = loop
        loop.call_soon(self.fireSystemEvent, "startup")

    def mainLoop(self) -> None:
        """Run the loop until ``stop()`` or ``crash()``."""
        loop = self._run_loop or self._get_loop()
        try:
            if self._started:
                loop.run_forever()
        finally:
            self._remove_signal_handlers()
            self._run_loop = None
            self._running = False
            self._started = False

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
        """Stop the loop after this pass, without the shutdown event; ``run()`` may be
        called again."""
        self._running = False
        self._started = False
        loop = self._run_loop
        if loop is not None:
            # Stops after this pass of callbacks, so 'after shutdown' triggers still run.
            loop.stop()
        self.addSystemEventTrigger("during", "startup", self._reallyStartRunning)

    def iterate(self, delay: float = 0) -> None:
        """Run one pass of the loop's ready callbacks (tests only; not inside a running loop).

        Unlike Twisted's, it does not wait ``delay`` seconds for I/O.
        """
        loop = self._get_loop()
        if loop.is_running():
            raise RuntimeError("iterate() cannot be called while the loop is running")
        loop.call_soon(loop.stop)
        loop.run_forever()

    def doIteration(self, delay: float | None) -> None:
        """One pass of the loop (``iterate``)."""
        self.iterate(delay or 0)

    def runUntilCurrent(self) -> None:
        """Run what is due now: one pass of the loop, unless it is running already (then
        the loop runs it)."""
        loop = self._get_loop()
        if not loop.is_running():
            self.iterate(0)

    def timeout(self) -> float | None:
        """Seconds until the next ``callLater`` call is due (None if none is scheduled)."""
        pending = [c.getTime() for c in self._delayed if c.active()]
        if not pending:
            return None
        return max(0.0, min(pending) - self.seconds())

    def _reallyStartRunning(self) -> None:
        self._running = True
        if self._installSignals:
            self._install_signal_handlers()

    def disconnectAll(self) -> None:
        """Close every port and connection at once, and drop every watched descriptor
        (reactor shutdown)."""
        self.transport_registry.shutdown_all()
        ReactorBase.disconnectAll(self)

    def wakeUp(self) -> None:
        """Nothing to do: asyncio wakes itself."""

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
            if sig == signal.SIGINT and previous is not signal.default_int_handler:
                continue  # as Twisted: a SIGINT handler the program set (or SIG_IGN) stays
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

    def _uninstallHandler(self) -> None:
        """Put back the signal handlers ``run()`` replaced (tests that build reactors call
        it when they are done with one)."""
        self._remove_signal_handlers()

    def _on_signal(self, number: int, frame: FrameType | None = None) -> None:
        _log.info("Received %s, shutting down.", signal.Signals(number).name)
        self._exitSignal = number
        if not self._stopped:
            self.stop()

    sigInt = sigTerm = sigBreak = _on_signal

    # -- time ---------------------------------------------------------------------------------

    def callLater(
        self, delay: float, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        """Call ``callable(*args, **kw)`` in ``delay`` seconds, in the caller's context.

        ``getTime()`` is in epoch seconds (``seconds()``) whatever clock the loop keeps.
        """
        if delay < 0:
            raise ValueError(f"{delay} is not greater than or equal to 0 seconds")
        loop = self._get_loop()
        seconds = self.seconds  # an instance may have its own clock (as in Twisted)
        call = _ReactorDelayedCall(
            seconds() + delay, callable, args, kw, self._cancel_call, self._reset_call, seconds
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
        delay = max(0.0, call.time - call.seconds())
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

    def callFromThread(
        self, f: Callable[_P, object], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> None:
        """Call ``f`` soon on the reactor's loop; safe from any thread."""
        if kwargs:
            self._get_io_loop().call_soon_threadsafe(functools.partial(f, *args, **kwargs))
        else:
            self._get_io_loop().call_soon_threadsafe(f, *args)

    def getThreadPool(self) -> ThreadPool:
        """The reactor's thread pool (``threadpool``): started once the loop runs (at once
        if it does), stopped during shutdown."""
        # Remember, in this thread, the loop that pool threads will call back into.
        self._get_loop()
        pool = ReactorBase.getThreadPool(self)
        if not pool.started:
            if _get_running_loop() is not None:
                self._startThreadPool()
            else:
                # Started as soon as the loop runs: by reactor.run() as in Twisted, but also
                # by whatever else runs it (trial waiting on a test's Deferred, iterate()).
                self._get_loop().call_soon(self._startThreadPool)
        return pool

    def callInThread(
        self, _callable: Callable[_P, object], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> None:
        """Call ``_callable`` in a pool thread; an exception it raises is logged."""
        loop = _get_running_loop()
        if loop is not None and loop is not self._io_loop:
            # Remember the loop callFromThread should go back to.
            self._io_loop = loop
            watch_loop(loop)
        self.getThreadPool().callInThread(_callable, *args, **kwargs)

    def callMultipleInThread(
        self,
        tupleList: Sequence[tuple[StoredCall, tuple[object, ...], dict[str, object]]],
    ) -> None:
        """Run each ``(f, args, kwargs)`` in turn, in one pool thread."""

        def run_all() -> None:
            for f, a, kw in tupleList:
                f(*a, **kw)

        self.callInThread(run_all)

    # -- names --------------------------------------------------------------------------------

    def resolve(
        self, name: str | bytes, timeout: Sequence[int] = (1, 3, 11, 45)
    ) -> Deferred[str]:
        """Resolve ``name`` (text, or ASCII bytes as Twisted also takes) to an IPv4 address
        string with ``resolver`` (by default the loop's ``getaddrinfo``); an address
        literal, IPv6 too, answers itself.

        Fails with ``DNSLookupError``.
        """
        if isinstance(name, bytes):
            name = name.decode("ascii", "replace")
        if name and _is_ip_address(name):
            return succeed(name)
        return ReactorBase.resolve(self, name, timeout)

    # -- descriptors (IReactorFDSet) ------------------------------------------------------------

    def _fd_loop(self, what: str) -> asyncio.AbstractEventLoop:
        loop = self._get_loop()
        if not hasattr(loop, "add_reader"):
            raise NotImplementedError(_NO_FD_SET.format(what=what, loop=loop))
        return loop

    def addReader(self, reader: IReadDescriptor) -> None:
        """Call ``reader.doRead()`` whenever its descriptor is readable (selector loops and
        uvloop; ``NotImplementedError`` on a loop without ``add_reader``). One of twistio's
        own connections reads again (see ``removeReader``)."""
        if isinstance(reader, Connection):
            reader.rejoin_reactor()
            return
        if reader in self._readers:
            return
        loop = self._fd_loop("addReader")
        fd = reader.fileno()
        if fd == -1:
            self._lose_descriptor(reader, error.ConnectionFdescWentAway("Filedescriptor went away"))
            return
        try:
            loop.add_reader(fd, self._do_read, reader)
        except NotImplementedError as e:
            raise NotImplementedError(_NO_FD_SET.format(what="addReader", loop=loop)) from e
        except PermissionError:
            # A regular file, which epoll cannot watch (and which is always ready): read
            # at each pass of the loop instead, as Twisted's epoll reactor does.
            fd = _POLLED
            self._poll_soon(loop)
        self._readers[reader] = (loop, fd)

    def addWriter(self, writer: IWriteDescriptor) -> None:
        """Call ``writer.doWrite()`` whenever its descriptor is writable (as ``addReader``)."""
        if writer in self._writers:
            return
        loop = self._fd_loop("addWriter")
        fd = writer.fileno()
        if fd == -1:
            self._lose_descriptor(writer, error.ConnectionFdescWentAway("Filedescriptor went away"))
            return
        try:
            loop.add_writer(fd, self._do_write, writer)
        except NotImplementedError as e:
            raise NotImplementedError(_NO_FD_SET.format(what="addWriter", loop=loop)) from e
        except PermissionError:
            fd = _POLLED  # a regular file: written at each pass of the loop
            self._poll_soon(loop)
        self._writers[writer] = (loop, fd)

    def removeReader(self, reader: IReadDescriptor) -> None:
        """Stop watching ``reader`` (nothing if it is not watched). One of twistio's own
        connections (asyncio's transport underneath) stops reading, and lets its descriptor
        go quietly if its ``socket`` is then closed, as Twisted code does that hands the
        descriptor to ``adoptStreamConnection``."""
        if isinstance(reader, Connection):
            reader.leave_reactor(reading=True)
            return
        entry = self._readers.pop(reader, None)
        if entry is not None:
            loop, fd = entry
            if fd != _POLLED and not loop.is_closed():
                loop.remove_reader(fd)

    def removeWriter(self, writer: IWriteDescriptor) -> None:
        """Stop watching ``writer`` (nothing if it is not watched; one of twistio's own
        connections still sends what it buffered: see ``removeReader``)."""
        if isinstance(writer, Connection):
            writer.leave_reactor(reading=False)
            return
        entry = self._writers.pop(writer, None)
        if entry is not None:
            loop, fd = entry
            if fd != _POLLED and not loop.is_closed():
                loop.remove_writer(fd)

    def _poll_soon(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._polling:
            self._polling = True
            loop.call_soon(self._poll)

    def _poll(self) -> None:
        """One pass over the regular files being watched: each is ready."""
        self._polling = False
        again: asyncio.AbstractEventLoop | None = None
        for reader, (loop, fd) in list(self._readers.items()):
            if fd == _POLLED and self._readers.get(reader, (None, 0))[1] == _POLLED:
                self._do_read(reader)
                again = loop
        for writer, (loop, fd) in list(self._writers.items()):
            if fd == _POLLED and self._writers.get(writer, (None, 0))[1] == _POLLED:
                self._do_write(writer)
                again = loop
        if again is not None and not again.is_closed():
            self._poll_soon(again)

    def getReaders(self) -> list[IReadDescriptor]:
        """The descriptors watched with ``addReader`` (twistio's own transports run on
        asyncio's and are not among them)."""
        return list(self._readers)

    def getWriters(self) -> list[IWriteDescriptor]:
        """The descriptors watched with ``addWriter``."""
        return list(self._writers)

    def removeAll(self) -> list[IReadDescriptor | IWriteDescriptor]:
        """Stop watching every descriptor; return them (each once)."""
        everything: list[IReadDescriptor | IWriteDescriptor] = list(self._readers)
        readers: set[object] = set(self._readers)
        everything += [w for w in self._writers if w not in readers]
        for reader in list(self._readers):
            self.removeReader(reader)
        for writer in list(self._writers):
            self.removeWriter(writer)
        return everything

    def _do_read(self, reader: IReadDescriptor) -> None:
        try:
            # As Twisted's reactors: a descriptor whose fileno() is -1 now went away.
            why = _went_away() if reader.fileno() == -1 else reader.doRead()
        except BaseException as e:
            _log.exception("Unhandled error in %r.doRead", reader)
            why = e
        if why is not None:
            self._lose_descriptor(reader, why, reading=True)

    def _do_write(self, writer: IWriteDescriptor) -> None:
        try:
            why = _went_away() if writer.fileno() == -1 else writer.doWrite()
        except BaseException as e:
            _log.exception("Unhandled error in %r.doWrite", writer)
            why = e
        if why is not None:
            self._lose_descriptor(writer, why)

    def _lose_descriptor(
        self, selectable: IReadDescriptor | IWriteDescriptor, why: object, reading: bool = False
    ) -> None:
        """Stop watching a descriptor whose ``doRead``/``doWrite`` returned ``why`` and
        tell it: a clean end of input only half-closes an ``IHalfCloseableDescriptor``."""
        if isinstance(why, Failure):
            reason = why
        elif isinstance(why, BaseException):
            reason = Failure(why)
        else:
            reason = Failure(error.ConnectionLost(f"{selectable!r} returned {why!r}"))
        # Either kind: removing one not watched does nothing.
        self.removeReader(cast(IReadDescriptor, selectable))
        if (
            reading
            and isinstance(reason.value, error.ConnectionDone)
            and IHalfCloseableDescriptor.providedBy(selectable)
        ):
            cast(IHalfCloseableDescriptor, selectable).readConnectionLost(reason)
            return
        self.removeWriter(cast(IWriteDescriptor, selectable))
        try:
            selectable.connectionLost(reason)
        except BaseException:
            _log.exception("Unhandled error in %r.connectionLost", selectable)

    # -- TCP ----------------------------------------------------------------------------------

    def listenTCP(
        self, port: int, factory: IProtocolFactory, backlog: int = 50, interface: str = ""
    ) -> tcp.Port:
        """Listen on ``port`` now (0: any free port); ``CannotListenError`` if that fails."""
        return _listening(tcp.Port(port, factory, backlog, interface, self))

    def connectTCP(
        self,
        host: str,
        port: Union[int, str],
        factory: ClientFactory,
        timeout: float | None = 30,
        bindAddress: tuple[str, int] | Binding | None = None,
    ) -> tcp.Connector:
        """Connect to ``host:port`` with a ``ClientFactory``; returns the connector."""
        return _connecting(tcp.Connector(host, port, factory, timeout, bindAddress, self))

    # -- UDP, UNIX, TLS (twistio.internet.udp, .unix, .ssl) ------------------------------------

    def listenUDP(
        self, port: int, protocol: DatagramProtocol, interface: str = "", maxPacketSize: int = 8192
    ) -> udp.Port:
        """Bind a UDP port now (0: any free port) for a ``DatagramProtocol``."""
        return _listening(udp.Port(port, protocol, interface, maxPacketSize, self))

    def listenMulticast(
        self,
        port: int,
        protocol: DatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
        listenMultiple: bool = False,
    ) -> udp.MulticastPort:
        """Bind a UDP port that can join multicast groups."""
        return _listening(
            udp.MulticastPort(port, protocol, interface, maxPacketSize, self, listenMultiple)
        )

    def listenUNIX(
        self,
        address: Union[str, bytes],
        factory: IProtocolFactory,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: int = 0,
    ) -> unix.Port:
        """Listen on a UNIX socket path (or a Linux abstract name starting with NUL)."""
        return _listening(unix.Port(address, factory, backlog, mode, self, wantPID))

    def connectUNIX(
        self,
        address: Union[str, bytes],
        factory: ClientFactory,
        timeout: float | None = 30,
        checkPID: int = 0,
    ) -> unix.Connector:
        """Connect to a UNIX socket with a ``ClientFactory``; returns the connector."""
        return _connecting(unix.Connector(address, factory, timeout, self, checkPID))

    def listenSSL(
        self,
        port: int,
        factory: IProtocolFactory,
        contextFactory: object,
        backlog: int = 50,
        interface: str = "",
        *,
        handshakeTimeout: float | None = 60.0,
    ) -> ssl.Port:
        """Listen for TLS on ``port``; ``contextFactory`` is an ``SSLContext`` or gives one.

        ``handshakeTimeout`` (twistio's; None for none) drops a client whose handshake takes
        longer than that many seconds."""
        return _listening(ssl.Port(port, factory, contextFactory, backlog, interface, self, handshakeTimeout))

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: ClientFactory,
        contextFactory: object,
        timeout: float | None = 30,
        bindAddress: tuple[str, int] | Binding | None = None,
        *,
        handshakeTimeout: float | None = 60.0,
    ) -> ssl.Connector:
        """Connect over TLS to ``host:port`` with a ``ClientFactory``.

        ``handshakeTimeout`` (twistio's; None for none) gives up on a handshake that takes
        longer than that many seconds (``clientConnectionFailed`` with ``TimeoutError``)."""
        return _connecting(ssl.Connector(
            host, port, factory, contextFactory, timeout, bindAddress, self, handshakeTimeout
        ))

    # -- sockets made elsewhere (IReactorSocket) -------------------------------------------------

    def adoptStreamPort(
        self, fileDescriptor: int, addressFamily: int, factory: IProtocolFactory
    ) -> tcp.Port:
        """Serve a listening TCP or UNIX socket made elsewhere (a duplicate: close yours
        when you like).

        ``UnsupportedAddressFamily`` for other than AF_INET/AF_INET6/AF_UNIX.
        """
        if addressFamily == getattr(socket, "AF_UNIX", None):
            return unix.Port.from_listening_descriptor(self, fileDescriptor, addressFamily, factory)
        return tcp.Port.from_listening_descriptor(self, fileDescriptor, addressFamily, factory)

    def adoptStreamConnection(
        self, fileDescriptor: int, addressFamily: int, factory: IProtocolFactory
    ) -> None:
        """Run ``factory``'s protocol on a connected TCP socket made elsewhere (a duplicate).

        As in Twisted, the factory's ``doStart``/``doStop`` are not called.
        """
        tcp.adopt_connection(self, fileDescriptor, addressFamily, factory)

    def adoptDatagramPort(
        self,
        fileDescriptor: int,
        addressFamily: int,
        protocol: DatagramProtocol,
        maxPacketSize: int = 8192,
    ) -> udp.Port:
        """Serve a bound UDP socket made elsewhere (a duplicate) with a ``DatagramProtocol``."""
        return udp.Port.from_listening_descriptor(
            self, fileDescriptor, addressFamily, protocol, maxPacketSize
        )

    def listenUNIXDatagram(
        self,
        address: Union[str, bytes],
        protocol: DatagramProtocol,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
    ) -> unix.DatagramPort:
        """Bind a UNIX datagram socket at ``address`` for a ``DatagramProtocol``."""
        return _listening(unix.DatagramPort(address, protocol, maxPacketSize, mode, self))

    def connectUNIXDatagram(
        self,
        address: Union[str, bytes],
        protocol: ConnectedDatagramProtocol,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
        bindAddress: Union[str, bytes, None] = None,
    ) -> unix.ConnectedDatagramPort:
        """Connect a ``ConnectedDatagramProtocol`` to the UNIX datagram socket at ``address``."""
        return _listening(unix.ConnectedDatagramPort(address, protocol, maxPacketSize, mode, bindAddress, self))

    def spawnProcess(
        self,
        processProtocol: IProcessProtocol,
        executable: str | bytes,
        args: Sequence[str | bytes] = (),
        env: Mapping[str | bytes, str | bytes] | None = {},
        path: str | bytes | None = None,
        uid: int | None = None,
        gid: int | None = None,
        usePTY: bool | tuple[int, int, str] = False,
        childFDs: Mapping[int, int | str] | None = None,
    ) -> Process:
        """Start a child process connected to ``processProtocol``; returns its transport."""
        return spawnProcess(
            self, processProtocol, executable, args, env, path, uid, gid, usePTY, childFDs
        )

    def __repr__(self) -> str:
        return f"<twistio AsyncioReactor running={self.running}>"
