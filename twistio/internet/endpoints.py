"""Endpoints: where to listen and where to connect, as objects and as strings.

A server endpoint's ``listen(factory)`` returns a Deferred that fires with the listening port
(``CannotListenError`` arrives as a failure, not raised). A client endpoint's
``connect(factory)`` returns a Deferred that fires with the protocol once it is connected;
cancelling it while connecting stops the attempt and fails it with
``ConnectingCancelledError`` (as Twisted does, not ``CancelledError``), and a factory whose
``buildProtocol`` returns None fails it with ``NoProtocol``. Every endpoint takes the reactor
first and only calls its ``listenTCP``/``connectTCP``/... methods, so a ``MemoryReactor``
serves for tests.

``serverFromString`` / ``clientFromString`` read Twisted's description grammar:
``type:positional:...:key=value:...``, with ``\\`` escaping the next character (``:``, ``=``
or ``\\``). Unknown types are looked up among endpoint parser plugins (see
``twistio.plugin``). Every malformed description raises ``ValueError`` naming the problem;
where Twisted raises ``TypeError`` (a missing or unexpected argument) the exception is also a
``TypeError``, so code written against Twisted still catches it.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import os
import socket
import ssl as _stdlib_ssl
import tempfile
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, Union, cast

from twistio._typing import StoredCall, StoredCallOf
from twistio.internet import error
from twistio.internet import ssl as tls
from twistio.internet._registry import ITwistioReactor, TransportRegistry
from twistio.internet._resolver import HostResolution
from twistio.internet.address import HostnameAddress, IPv4Address, IPv6Address
from twistio.internet.defer import Deferred, execute, fail, succeed
from twistio.internet.interfaces import (
    Binding,
    IAddress,
    IConnector,
    IConsumer,
    IDelayedCall,
    IFileDescriptorReceiver,
    IHalfCloseableProtocol,
    IHandshakeListener,
    IHostnameResolver,
    IHostResolution,
    IListeningPort,
    IProcessTransport,
    IProtocol,
    IProtocolFactory,
    IPushProducer,
    IReactorPluggableNameResolver,
    IReactorProcess,
    IReactorSocket,
    IReactorSSL,
    IReactorTCP,
    IReactorTime,
    IReactorUNIX,
    IResolutionReceiver,
    IStreamClientEndpoint,
    IStreamClientEndpointStringParserWithReactor,
    IStreamServerEndpoint,
    IStreamServerEndpointStringParser,
    ITransport,
    _AddressTypes,
    _BindingSpec,
    implementer,
)
from twistio.internet.process import ProcessAddress
from twistio.internet.protocol import ClientFactory, connectionDone
from twistio.internet.protocol import ProcessProtocol as _ProcessProtocolBase
from twistio.internet.protocol import Protocol as _Protocol
from twistio.internet.stdio import PipeAddress, StandardIO
from twistio.internet.threads import deferToThread
from twistio.plugin import getPlugins
from twistio.python import log
from twistio.python.failure import Failure
from twistio.python.reflect import qual
from twistio.python.systemd import ListenFDs

if TYPE_CHECKING:
    from twistio._typing import ConnectionTransport
    from twistio.protocols.tls import TLSMemoryBIOFactory

__all__ = [
    "AdoptedStreamServerEndpoint",
    "HostnameEndpoint",
    "IStreamClientEndpointStringParserWithReactor",
    "IStreamServerEndpointStringParser",
    "ProcessEndpoint",
    "SSL4ClientEndpoint",
    "SSL4ServerEndpoint",
    "StandardErrorBehavior",
    "StandardIOEndpoint",
    "TCP4ClientEndpoint",
    "TCP4ServerEndpoint",
    "TCP6ClientEndpoint",
    "TCP6ServerEndpoint",
    "UNIXClientEndpoint",
    "UNIXServerEndpoint",
    "clientFromString",
    "connectProtocol",
    "quoteStringArgument",
    "serverFromString",
    "wrapClientTLS",
    "wrapServerTLS",
]

_Binding = Union[tuple[str, int], None]
_log = logging.getLogger("twistio")
_Reactor = TypeVar("_Reactor")
_ProtocolT = TypeVar("_ProtocolT", bound=IProtocol)
_T = TypeVar("_T")

#: A socket address ``getaddrinfo`` gives: IPv4's ``(host, port)``, IPv6's ``(host, port,
#: flowinfo, scope_id)``.
_SockAddr = Union[tuple[str, int], tuple[str, int, int, int]]
#: ``getaddrinfo``'s result: ``(family, type, proto, canonname, sockaddr)`` per address.
_GAIResult = Sequence[tuple[int, int, int, str, _SockAddr]]


class _GetAddrInfo(Protocol):
    """``socket.getaddrinfo``, as the endpoints call it (a test may stand in for it)."""

    def __call__(
        self, host: str, port: int, family: int = ..., type: int = ..., /
    ) -> _GAIResult: ...


class _ThreadRunner(Protocol):
    """``deferToThread``, as the endpoints call it: ``getaddrinfo`` in a thread."""

    def __call__(
        self, f: _GetAddrInfo, host: str, port: int, family: int = ..., type: int = ..., /
    ) -> Deferred[_GAIResult]: ...


# typeshed allows an IPv6 sockaddr of (int, bytes), for a Python built without IPv6 support;
# twistio's is (host, port, flowinfo, scope_id).
_getaddrinfo = cast(_GetAddrInfo, socket.getaddrinfo)
_deferToThread: _ThreadRunner = deferToThread


class _HostnameReactor(IReactorTCP, IReactorTime, Protocol):
    """What ``HostnameEndpoint`` asks of its reactor (and its ``nameResolver``, if it has one)."""


#: A client endpoint's ``bindAddress``: a host alone (bound on any port), a pair, or a ``Binding``.
_BindAddress = Union[str, bytes, tuple[str, int], Binding, None]


# -- wrapping a client factory so that connect() can fire a Deferred -------------------------


class _WrappingProtocol(_Protocol):
    """Stands between the transport and the user's protocol; fires the connect Deferred.

    ``dataReceived`` is the wrapped protocol's own bound method (an instance attribute), so
    the data path has no extra call.
    """

    transport: ConnectionTransport

    def __init__(self, connectedDeferred: Deferred[IProtocol], wrappedProtocol: IProtocol) -> None:
        self._connectedDeferred = connectedDeferred
        self._wrappedProtocol = wrappedProtocol
        received = getattr(wrappedProtocol, "dataReceived", None)
        if received is not None:
            self.dataReceived = received  # type: ignore[method-assign]
        # The optional interfaces the wrapped protocol has, this wrapper has too.
        optional = (IHalfCloseableProtocol, IFileDescriptorReceiver, IHandshakeListener)
        provided = tuple(i for i in optional if i.providedBy(wrappedProtocol))
        if provided:
            self.__twistio_provides__ = provided

    def logPrefix(self) -> str:
        prefix = getattr(self._wrappedProtocol, "logPrefix", None)
        if callable(prefix):
            return str(prefix())
        return str(type(self._wrappedProtocol).__name__)

    def connectionMade(self) -> None:
        try:
            self._wrappedProtocol.makeConnection(self.transport)
        except _NoStartTLS:
            self.transport.abortConnection()
            if not self._connectedDeferred.called:
                self._connectedDeferred.errback()
            return
        self._connectedDeferred.callback(self._wrappedProtocol)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._wrappedProtocol.connectionLost(reason)

    def readConnectionLost(self) -> None:
        cast(IHalfCloseableProtocol, self._wrappedProtocol).readConnectionLost()

    def writeConnectionLost(self) -> None:
        cast(IHalfCloseableProtocol, self._wrappedProtocol).writeConnectionLost()

    def fileDescriptorReceived(self, descriptor: int) -> None:
        """Pass a received descriptor to the wrapped protocol."""
        cast(IFileDescriptorReceiver, self._wrappedProtocol).fileDescriptorReceived(descriptor)

    def handshakeCompleted(self) -> None:
        """Tell the wrapped protocol that the TLS handshake is done."""
        cast(IHandshakeListener, self._wrappedProtocol).handshakeCompleted()


class _WrappingFactory(ClientFactory):
    """A ``ClientFactory`` around any protocol factory; ``_onConnection`` is the result."""

    protocol: Callable[[Deferred[IProtocol], IProtocol], _Protocol] = _WrappingProtocol  # type: ignore[assignment]

    def __init__(self, wrappedFactory: IProtocolFactory) -> None:
        self._wrappedFactory = wrappedFactory
        self._connector: IConnector | None = None
        self._onConnection: Deferred[IProtocol] = Deferred(canceller=self._canceller)

    def _canceller(self, d: Deferred[IProtocol]) -> None:
        connector = self._connector
        destination = connector.getDestination() if connector is not None else None
        d.errback(error.ConnectingCancelledError(destination))
        if connector is not None:
            try:
                connector.stopConnecting()
            except error.NotConnectingError:
                pass

    def doStart(self) -> None:
        """Start the wrapped factory (its ``doStart`` counts the ports using it)."""
        self._wrappedFactory.doStart()

    def doStop(self) -> None:
        """Stop the wrapped factory, by way of its own ``doStop``."""
        self._wrappedFactory.doStop()

    def startedConnecting(self, connector: IConnector) -> None:
        self._connector = connector

    def buildProtocol(self, addr: IAddress) -> _Protocol | None:
        try:
            proto = self._wrappedFactory.buildProtocol(addr)
            if proto is None:
                raise error.NoProtocol()
        except BaseException:
            if not self._onConnection.called:
                self._onConnection.errback()
            return None
        return self.protocol(self._onConnection, proto)

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        if not self._onConnection.called:
            self._onConnection.errback(reason)


def _connect_with(
    start: Callable[[_WrappingFactory], object], protocolFactory: IProtocolFactory
) -> Deferred[IProtocol]:
    wf = _WrappingFactory(protocolFactory)
    try:
        start(wf)
    except BaseException:
        return fail()
    return wf._onConnection


# -- server endpoints ------------------------------------------------------------------------


@implementer(IStreamServerEndpoint)
class _PortEndpoint(Generic[_Reactor]):
    """Listens on a port with one of the reactor's ``listen*`` methods (``_start``)."""

    def __init__(self, reactor: _Reactor, port: int, backlog: int, interface: str) -> None:
        self._reactor = reactor
        self._port = port
        self._backlog = backlog
        self._interface = interface

    def _start(self, protocolFactory: IProtocolFactory) -> IListeningPort:
        raise NotImplementedError

    def listen(self, protocolFactory: IProtocolFactory) -> Deferred[IListeningPort]:
        """Listen on the port; fires with the ``IListeningPort``."""
        return execute(self._start, protocolFactory)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._interface or '*'}:{self._port}>"


class _TCPServerEndpoint(_PortEndpoint[IReactorTCP]):
    """Listens with ``reactor.listenTCP``."""

    def _start(self, protocolFactory: IProtocolFactory) -> IListeningPort:
        return self._reactor.listenTCP(
            self._port, protocolFactory, backlog=self._backlog, interface=self._interface
        )


class TCP4ServerEndpoint(_TCPServerEndpoint):
    """TCP over IPv4: ``interface`` '' means every IPv4 address."""

    def __init__(
        self, reactor: IReactorTCP, port: int, backlog: int = 50, interface: str = ""
    ) -> None:
        super().__init__(reactor, port, backlog, interface)


class TCP6ServerEndpoint(_TCPServerEndpoint):
    """TCP over IPv6: ``interface`` '::' means every IPv6 address."""

    def __init__(
        self, reactor: IReactorTCP, port: int, backlog: int = 50, interface: str = "::"
    ) -> None:
        super().__init__(reactor, port, backlog, interface)


class SSL4ServerEndpoint(_PortEndpoint[IReactorSSL]):
    """TLS over TCP/IPv4; ``sslContextFactory`` is what ``reactor.listenSSL`` accepts
    (an ``ssl.SSLContext`` or twistio's context factories)."""

    def __init__(
        self,
        reactor: IReactorSSL,
        port: int,
        sslContextFactory: object,
        backlog: int = 50,
        interface: str = "",
    ) -> None:
        super().__init__(reactor, port, backlog, interface)
        self._sslContextFactory = sslContextFactory

    def _start(self, protocolFactory: IProtocolFactory) -> IListeningPort:
        return self._reactor.listenSSL(
            self._port,
            protocolFactory,
            self._sslContextFactory,
            backlog=self._backlog,
            interface=self._interface,
        )


def offerALPN(endpoint: SSL4ServerEndpoint, protocols: Sequence[str]) -> None:
    """Have ``endpoint``'s TLS connections offer ``protocols`` through ALPN, most preferred
    first (``["h2", "http/1.1"]`` lets an HTTP channel switch to HTTP/2).

    A twistio addition used by ``twistio web --http2``: Twisted's ``ssl:`` descriptions
    have no ALPN option. Works on endpoints whose context is an ``ssl.SSLContext`` (what
    ``serverFromString`` makes) or a context factory with ``getContext()``.
    """
    if not isinstance(endpoint, SSL4ServerEndpoint):
        raise TypeError(f"ALPN needs a TLS server endpoint, not {endpoint!r}")
    factory = endpoint._sslContextFactory
    if isinstance(factory, _stdlib_ssl.SSLContext):
        context: object = factory
    else:
        get_context = getattr(factory, "getContext", None)
        context = get_context() if get_context is not None else None
    if not isinstance(context, _stdlib_ssl.SSLContext):
        raise TypeError(f"cannot set ALPN on {factory!r}")
    context.set_alpn_protocols(list(protocols))


@implementer(IStreamServerEndpoint)
class UNIXServerEndpoint:
    """A UNIX socket at ``address``, with file ``mode``; ``wantPID`` makes a lock file."""

    def __init__(
        self,
        reactor: IReactorUNIX,
        address: str,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: int = 0,
    ) -> None:
        self._reactor, self._address = reactor, address
        self._backlog, self._mode, self._wantPID = backlog, mode, wantPID

    def listen(self, protocolFactory: IProtocolFactory) -> Deferred[IListeningPort]:
        """Listen on the socket file; fires with the ``IListeningPort``."""
        # listenUNIX(address, factory, backlog, mode, wantPID), all by position.
        settings = (self._backlog, self._mode, self._wantPID)
        return execute(self._reactor.listenUNIX, self._address, protocolFactory, *settings)


@implementer(IStreamServerEndpoint)
class AdoptedStreamServerEndpoint:
    """A listening socket made elsewhere (``fileno``), served with
    ``reactor.adoptStreamPort``; the descriptor is closed once adopted.

    It can listen once: a second ``listen`` fails with ``AlreadyListened``.
    """

    def __init__(self, reactor: IReactorSocket, fileno: int, addressFamily: int) -> None:
        self.reactor = reactor
        self.fileno = fileno
        self.addressFamily = addressFamily
        self._used = False

    # The two system calls, as attributes so that tests can run without a real descriptor.
    @staticmethod
    def _setNonBlocking(fd: int) -> None:
        os.set_blocking(fd, False)

    _close = staticmethod(os.close)

    def listen(self, factory: IProtocolFactory) -> Deferred[IListeningPort]:
        """Serve the socket; fires with the ``IListeningPort``."""
        if self._used:
            return fail(error.AlreadyListened())
        self._used = True
        try:
            self._setNonBlocking(self.fileno)
            port = self.reactor.adoptStreamPort(self.fileno, self.addressFamily, factory)
            self._close(self.fileno)
        except BaseException:
            return fail()
        return succeed(port)


@implementer(IStreamServerEndpoint)
class StandardIOEndpoint:
    """The process's own stdin and stdout, as one connection (``stdio.StandardIO``)."""

    _stdio = StandardIO  # what listen() makes: StandardIO(protocol, reactor=...)

    def __init__(self, reactor: ITwistioReactor) -> None:
        self._reactor = reactor

    def listen(self, stdioProtocolFactory: IProtocolFactory) -> Deferred[StandardIO]:
        """Connect a protocol from the factory to stdin/stdout; fires with the transport."""
        return execute(
            lambda: self._stdio(
                # None (no protocol) fails in StandardIO, as in Twisted.
                stdioProtocolFactory.buildProtocol(PipeAddress()),  # type: ignore[arg-type]
                reactor=self._reactor,
            )
        )


# -- client endpoints ------------------------------------------------------------------------


def _client_binding(bindAddress: _BindAddress) -> tuple[str, int] | Binding | None:
    """A ``bindAddress`` as ``connectTCP`` takes it: a bare host becomes ``(host, 0)``."""
    if isinstance(bindAddress, bytes):
        return (bindAddress.decode("ascii"), 0)
    if isinstance(bindAddress, str):
        return (bindAddress, 0)
    return bindAddress


@implementer(IStreamClientEndpoint)
class _HostEndpoint(Generic[_Reactor]):
    """Connects to ``host:port`` with one of the reactor's ``connect*`` methods (``_start``)."""

    def __init__(
        self,
        reactor: _Reactor,
        host: str,
        port: int,
        timeout: float = 30,
        bindAddress: _BindAddress = None,
    ) -> None:
        self._reactor = reactor
        self._host = host
        self._port = port
        self._timeout = timeout
        self._bindAddress = _client_binding(bindAddress)

    def _start(self, host: str, factory: _WrappingFactory) -> IConnector:
        raise NotImplementedError

    def _connect_to(self, host: str, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        return _connect_with(lambda wf: self._start(host, wf), protocolFactory)

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        """Connect; fires with the protocol ``protocolFactory`` built."""
        return self._connect_to(self._host, protocolFactory)

    def __repr__(self) -> str:
        host = f"[{self._host}]" if _is_ipv6(self._host) else self._host
        return f"<{type(self).__name__} {host}:{self._port}>"


class _TCPClientEndpoint(_HostEndpoint[IReactorTCP]):
    """Connects with ``reactor.connectTCP``."""

    def _start(self, host: str, factory: _WrappingFactory) -> IConnector:
        return self._reactor.connectTCP(
            host, self._port, factory, timeout=self._timeout, bindAddress=self._bindAddress
        )


class TCP4ClientEndpoint(_TCPClientEndpoint):
    """TCP to ``host:port``; a host name is resolved to IPv4 by the reactor."""


class TCP6ClientEndpoint(_TCPClientEndpoint):
    """TCP over IPv6 to ``host:port``; a host name is first looked up for its IPv6
    addresses (``DNSLookupError`` if it has none) and the first one is used.

    The lookup is ``_nameResolution(host)``: by default ``getaddrinfo`` run with
    ``deferToThread`` (the reactor's thread pool), as in Twisted; ``_getaddrinfo`` and
    ``_deferToThread`` may be replaced, on the class or an instance.
    """

    _getaddrinfo: _GetAddrInfo = staticmethod(_getaddrinfo)
    _deferToThread: _ThreadRunner = staticmethod(_deferToThread)

    def _nameResolution(self, host: str) -> Deferred[_GAIResult]:
        return self._deferToThread(self._getaddrinfo, host, 0, socket.AF_INET6)

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        """Resolve (unless an IPv6 literal), then connect; fires with the protocol."""
        if _is_ipv6(self._host):
            return self._connect_to(self._host, protocolFactory)
        try:
            d = self._nameResolution(self._host)
        except BaseException:
            return fail()

        def got(results: _GAIResult) -> Deferred[IProtocol]:
            addresses = [r[4][0] for r in results if r[0] == socket.AF_INET6]
            if not addresses:
                raise error.DNSLookupError(f"no IPv6 address for {self._host!r}")
            return self._connect_to(addresses[0], protocolFactory)

        return d.addCallback(got)


class SSL4ClientEndpoint(_HostEndpoint[IReactorSSL]):
    """TLS over TCP/IPv4 to ``host:port`` with ``reactor.connectSSL``."""

    def __init__(
        self,
        reactor: IReactorSSL,
        host: str,
        port: int,
        sslContextFactory: object,
        timeout: float = 30,
        bindAddress: _BindAddress = None,
    ) -> None:
        super().__init__(reactor, host, port, timeout, bindAddress)
        self._sslContextFactory = sslContextFactory

    def _start(self, host: str, factory: _WrappingFactory) -> IConnector:
        return self._reactor.connectSSL(
            host,
            self._port,
            factory,
            self._sslContextFactory,
            timeout=self._timeout,
            bindAddress=self._bindAddress,
        )


@implementer(IStreamClientEndpoint)
class UNIXClientEndpoint:
    """A UNIX socket at ``path``; ``checkPID`` refuses a socket whose lock file is stale."""

    def __init__(
        self, reactor: IReactorUNIX, path: str, timeout: float = 30, checkPID: int = 0
    ) -> None:
        self._reactor = reactor
        self._path = path
        self._timeout = timeout
        self._checkPID = checkPID

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        """Connect; fires with the protocol ``protocolFactory`` built."""
        return _connect_with(
            lambda wf: self._reactor.connectUNIX(
                self._path, wf, timeout=self._timeout, checkPID=self._checkPID
            ),
            protocolFactory,
        )


class StandardErrorBehavior:
    """What ``ProcessEndpoint`` does with the child's stderr: ``LOG`` it or ``DROP`` it."""

    LOG: StandardErrorBehavior
    DROP: StandardErrorBehavior

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<StandardErrorBehavior={self.name}>"

    @classmethod
    def lookupByName(cls, name: str) -> StandardErrorBehavior:
        """The constant called ``name``; ``ValueError`` if none."""
        constant = {"LOG": cls.LOG, "DROP": cls.DROP}.get(name)
        if constant is None:
            raise ValueError(name)
        return constant

    @classmethod
    def iterconstants(cls) -> Iterator[StandardErrorBehavior]:
        """``LOG`` then ``DROP``."""
        return iter((cls.LOG, cls.DROP))


StandardErrorBehavior.LOG = StandardErrorBehavior("LOG")
StandardErrorBehavior.DROP = StandardErrorBehavior("DROP")


@implementer(ITransport, IConsumer, IPushProducer)
class _ProcessEndpointTransport:
    """A child process seen as a stream transport: writes go to its stdin.

    It offers what ``IProcessTransport``, ``IConsumer`` and ``IPushProducer`` name, and
    nothing else of the process object (such as ``pipes``), as in Twisted.
    """

    _PROCESS_NAMES = frozenset(
        {"closeChildFD", "closeStderr", "closeStdin", "closeStdout"}
        | {"pid", "signalProcess", "writeToChild"}
    )

    def __init__(self, process: IProcessTransport) -> None:
        self._process = process

    def __getattr__(self, name: str) -> object:
        if name in self._PROCESS_NAMES:
            return getattr(self._process, name)
        raise AttributeError(name)

    def write(self, data: bytes) -> None:
        """Write to the child's stdin."""
        self._process.write(data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Write each of ``data`` to the child's stdin."""
        self._process.writeSequence(data)

    def loseConnection(self) -> None:
        """Close the child's pipes."""
        self._process.loseConnection()

    def getHost(self) -> IAddress:
        """The process's address (``_ProcessAddress``)."""
        return self._process.getHost()

    def getPeer(self) -> IAddress:
        """The process's address (``_ProcessAddress``)."""
        return self._process.getPeer()

    def registerProducer(self, producer: object, streaming: bool) -> None:
        """Register a producer with the process (for its stdin)."""
        cast(IConsumer, self._process).registerProducer(producer, streaming)  # type: ignore[arg-type]

    def unregisterProducer(self) -> None:
        """Unregister the process's producer."""
        cast(IConsumer, self._process).unregisterProducer()

    def pauseProducing(self) -> None:
        """Stop reading the child's output for now."""
        cast(IPushProducer, self._process).pauseProducing()

    def resumeProducing(self) -> None:
        """Read the child's output again."""
        cast(IPushProducer, self._process).resumeProducing()

    def stopProducing(self) -> None:
        """Stop reading the child's output for good."""
        cast(IPushProducer, self._process).stopProducing()


class _WrapIProtocol(_ProcessProtocolBase):
    """Runs a stream protocol over a child process: its stdout is the data received, its
    end the protocol's ``connectionLost`` (``ConnectionDone`` for exit status 0, else
    ``ConnectionLost``); stderr is logged or dropped as ``errFlag`` says."""

    def __init__(
        self, proto: IProtocol, executable: object, errFlag: StandardErrorBehavior
    ) -> None:
        self.protocol = proto
        self.executable = executable
        self.errFlag = errFlag

    def makeConnection(self, process: ITransport) -> None:
        # spawnProcess connects it to the child's transport.
        # It offers IProcessTransport's names (through __getattr__).
        self.transport = cast(
            IProcessTransport, _ProcessEndpointTransport(cast(IProcessTransport, process))
        )
        self.protocol.makeConnection(self.transport)

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        if childFD == 1:
            self.protocol.dataReceived(data)
        elif childFD == 2 and self.errFlag is StandardErrorBehavior.LOG:
            log.msg(
                format="Process %(executable)r wrote stderr unhandled by %(protocol)s: %(data)r",
                executable=self.executable,
                data=data,
                protocol=self.protocol,
            )

    def processEnded(self, reason: Failure) -> None:
        value = reason.value
        if isinstance(value, error.ProcessDone) and value.status == 0:
            self.protocol.connectionLost(Failure(error.ConnectionDone()))
        else:
            self.protocol.connectionLost(Failure(error.ConnectionLost()))


@implementer(IStreamClientEndpoint)
class ProcessEndpoint:
    """A child process as a connection: the protocol's writes go to its stdin and its
    stdout is what the protocol receives; ``connectionLost`` comes once it ends.

    The arguments are ``spawnProcess``'s; ``errFlag`` says what to do with stderr.
    """

    _executable: str | bytes

    def __init__(
        self,
        reactor: IReactorProcess,
        executable: str | bytes,
        args: Sequence[str | bytes] = (),
        env: Mapping[str | bytes, str | bytes] | None = {},
        path: str | bytes | None = None,
        uid: int | None = None,
        gid: int | None = None,
        usePTY: bool = False,
        childFDs: Mapping[int, int | str] | None = None,
        errFlag: StandardErrorBehavior = StandardErrorBehavior.LOG,
    ) -> None:
        self._reactor = reactor
        self._errFlag = errFlag
        # spawnProcess's arguments, in its order; each is also kept as ``_<name>``.
        self._spawnArguments = {
            "executable": executable,
            "args": args,
            "env": env,
            "path": path,
            "uid": uid,
            "gid": gid,
            "usePTY": usePTY,
            "childFDs": childFDs,
        }
        for name, value in self._spawnArguments.items():
            setattr(self, f"_{name}", value)
        self._spawnProcess = reactor.spawnProcess

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        """Start the child; fires with the protocol once it is connected to it."""
        try:
            proto = protocolFactory.buildProtocol(ProcessAddress())
            # (None fails in makeConnection, caught below, as in Twisted.)
            wrapper = _WrapIProtocol(proto, self._executable, self._errFlag)  # type: ignore[arg-type]
            # The arguments in spawnProcess's order, read back from their attributes.
            spawn = cast(StoredCall, self._spawnProcess)
            spawn(wrapper, *(getattr(self, f"_{name}") for name in self._spawnArguments))
        except BaseException:
            return fail()
        return succeed(proto)  # type: ignore[arg-type]  # not None: it connected


# -- name resolution -------------------------------------------------------------------------


def _is_ipv6(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6, host.split("%", 1)[0])
    except (OSError, ValueError):
        return False
    return True


def _is_ipv4(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET, host)
    except (OSError, ValueError):
        return False
    return True


def _unique(infos: _GAIResult, families: tuple[int, ...]) -> list[tuple[int, str]]:
    seen: list[tuple[int, str]] = []
    for family, *_rest, sockaddr in infos:
        entry = (int(family), str(sockaddr[0]))
        if family in families and entry not in seen:
            seen.append(entry)
    return seen


class _Receiver:
    """An ``IResolutionReceiver`` collecting the addresses a Twisted-style resolver finds."""

    def __init__(self, d: Deferred[list[tuple[int, str]]], families: tuple[int, ...]) -> None:
        self._d = d
        self._families = families
        self._found: list[tuple[int, str]] = []

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        pass

    def addressResolved(self, address: IAddress) -> None:
        if not isinstance(address, (IPv4Address, IPv6Address)):
            return  # no address to connect TCP to (Twisted ignores them too)
        host = str(address.host)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        if family in self._families and (family, host) not in self._found:
            self._found.append((family, host))

    def resolutionComplete(self) -> None:
        self._d.callback(self._found)


@implementer(IHostnameResolver)
class _SimpleHostnameResolver:
    """An ``IHostnameResolver`` over ``nameResolution(host, port)``: a callable whose
    Deferred fires with ``getaddrinfo``-shaped tuples.

    A failed lookup is logged (with the name and the callable) and completes with no
    addresses. ``addressTypes`` and ``transportSemantics`` are not used: every result is
    reported, as a TCP address.
    """

    def __init__(self, nameResolution: Callable[[str, int], Deferred[_GAIResult]]) -> None:
        self._lookup = nameResolution  # (host, port) -> Deferred of getaddrinfo tuples

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: _AddressTypes = None,  # every family is reported
        transportSemantics: object = "TCP",  # always reported as TCP
    ) -> HostResolution:
        """Start the lookup; the receiver hears of it as each step happens."""
        lookup = self._lookup
        resolution = HostResolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        d = lookup(hostName, portNumber)

        def report(results: _GAIResult) -> None:
            for family, _type, _proto, _name, sockaddr in results:
                if family == socket.AF_INET6:
                    resolutionReceiver.addressResolved(IPv6Address("TCP", *sockaddr))
                elif family == socket.AF_INET:
                    resolutionReceiver.addressResolved(IPv4Address("TCP", *sockaddr))

        def failed(f: Failure) -> None:
            log.err(
                f, f"while looking up {hostName} with {lookup!r}", name=hostName, callable=lookup
            )

        d.addCallbacks(report, failed)
        d.addBoth(lambda _: resolutionReceiver.resolutionComplete())
        return resolution


def _resolve(
    reactor: object,
    host: str,
    port: int,
    families: tuple[int, ...],
    fallback: Callable[[str, int], Deferred[_GAIResult]] | None = None,
) -> Deferred[list[tuple[int, str]]]:
    """The ``(family, address)`` pairs for ``host``, in the resolver's order.

    Uses the reactor's ``nameResolver`` (Twisted's ``IHostnameResolver``) if it has one, else
    the event loop's ``getaddrinfo`` (a real twistio reactor), else ``fallback`` (a lookup
    giving ``getaddrinfo``'s tuples) if given, else a blocking ``getaddrinfo``.
    """
    if _is_ipv4(host):
        return succeed([(socket.AF_INET, host)] if socket.AF_INET in families else [])
    if _is_ipv6(host):
        return succeed([(socket.AF_INET6, host)] if socket.AF_INET6 in families else [])
    resolver = getattr(reactor, "nameResolver", None)
    if resolver is not None and hasattr(resolver, "resolveHostName"):
        d: Deferred[list[tuple[int, str]]] = Deferred()
        resolver.resolveHostName(_Receiver(d, families), host, port)
        return d
    registry = getattr(reactor, "transport_registry", None)
    if isinstance(registry, TransportRegistry):
        loop = registry.get_loop()
        future = asyncio.ensure_future(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), loop=loop
        )
        # (typeshed allows an IPv6 sockaddr of (int, bytes): see _getaddrinfo)
        looked: Deferred[_GAIResult] = Deferred.fromFuture(
            cast("asyncio.Future[_GAIResult]", future)
        )
        return looked.addCallback(_unique, families).addErrback(_lookup_failed, host)
    if fallback is not None:
        found: Deferred[list[tuple[int, str]]] = Deferred()
        _SimpleHostnameResolver(fallback).resolveHostName(_Receiver(found, families), host, port)
        return found
    try:
        infos = cast(_GAIResult, socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
    except OSError as e:
        return fail(error.DNSLookupError(f"{host}: {e}"))
    return succeed(_unique(infos, families))


def _lookup_failed(f: Failure, host: str) -> Failure:
    if f.check(OSError) and not f.check(error.DNSLookupError):
        return Failure(error.DNSLookupError(f"{host}: {f.value}"))
    return f


# -- HostnameEndpoint ------------------------------------------------------------------------


class _IDNA(Protocol):
    """What is used of the ``idna`` package."""

    def encode(self, s: str) -> bytes: ...

    def decode(self, s: bytes) -> str: ...


def _idna_module() -> _IDNA | None:
    """The ``idna`` package (IDNA 2008, what Twisted uses) if installed, else None."""
    try:
        return cast(_IDNA, importlib.import_module("idna"))
    except ImportError:
        return None


def _idna_host(host: Union[str, bytes]) -> tuple[bytes, str, bool]:
    """``(hostBytes, hostText, bad)`` for a host name given as text or bytes.

    Uses the ``idna`` package when installed (as Twisted does), else Python's IDNA 2003
    codec, which accepts a few names (with spaces, say) that ``idna`` rejects.
    """
    idna = _idna_module()
    if isinstance(host, bytes):
        literal = host.decode("ascii", "backslashreplace")
        if _is_ipv4(literal) or _is_ipv6(literal):
            return host, literal, False
        try:
            text = idna.decode(host) if idna is not None else host.decode("idna")
        except (UnicodeError, ValueError):
            return literal.encode("ascii"), literal, True
        return host, str(text), False
    if _is_ipv4(host) or _is_ipv6(host):
        return host.encode("ascii"), host, False
    host = unicodedata.normalize("NFC", host)  # one spelling of each name (IDNA wants NFC)
    try:
        encoded = idna.encode(host) if idna is not None else host.encode("idna")
    except (UnicodeError, ValueError):
        escaped = host.encode("ascii", "backslashreplace")
        return escaped, escaped.decode("ascii"), True
    return bytes(encoded), host, False


def _normalise_binding(bindAddress: _BindAddress) -> Binding | tuple[str, int] | None:
    if bindAddress is None or isinstance(bindAddress, _BindingSpec):
        return bindAddress
    if isinstance(bindAddress, bytes):
        return (bindAddress.decode("ascii"), 0)
    if isinstance(bindAddress, str):
        return (bindAddress, 0)
    host, port = bindAddress[0], bindAddress[1]
    if isinstance(host, bytes):
        host = host.decode("ascii")
    return (str(host), int(port))


class _Attempts:
    """One HostnameEndpoint.connect: staggered attempts, the first connection wins."""

    def __init__(self, endpoint: HostnameEndpoint, protocolFactory: IProtocolFactory) -> None:
        self._endpoint = endpoint
        self._factory = protocolFactory
        self._pending: list[Deferred[IProtocol]] = []
        self._remaining: list[tuple[int, str]] = []
        self._failure: Failure | None = None
        self._timer: IDelayedCall | None = None
        self._resolution: Deferred[list[tuple[int, str]]] | None = None
        self._won = False
        self._done = False
        self.result: Deferred[IProtocol] = Deferred(canceller=self._cancel)

    def start(self) -> Deferred[IProtocol]:
        ep = self._endpoint
        families = (socket.AF_INET6, socket.AF_INET)
        d = _resolve(ep._reactor, ep._hostText, ep._port, families, ep._fallbackNameResolution)
        self._resolution = d
        d.addCallbacks(self._resolved, self._resolution_failed)
        return self.result

    def _resolution_failed(self, f: Failure) -> None:
        self._resolution = None
        if self._done:
            return
        if not f.check(error.DNSLookupError):
            f = Failure(error.DNSLookupError(f"{self._endpoint._hostText}: {f.getErrorMessage()}"))
        self._finish(f)

    def _resolved(self, addresses: list[tuple[int, str]]) -> None:
        self._resolution = None
        if self._done:
            return
        if not addresses:
            self._finish(
                Failure(
                    error.DNSLookupError(
                        f"no results for hostname lookup: {self._endpoint._hostText}"
                    )
                )
            )
            return
        self._remaining = list(addresses)
        self._next()

    def _next(self) -> None:
        self._timer = None
        if self._done or not self._remaining:
            return
        family, host = self._remaining.pop(0)
        ep = self._endpoint
        if self._remaining:
            # set before connecting: an attempt that fails at once replaces it
            self._timer = ep._reactor.callLater(ep._attemptDelay, self._next)
        cls = TCP6ClientEndpoint if family == socket.AF_INET6 else TCP4ClientEndpoint
        attempt = cls(ep._reactor, host, ep._port, ep._timeout, ep._bindAddress)
        d = attempt.connect(_OnlyFirst(self, self._factory))
        self._pending.append(d)
        d.addCallbacks(self._connected, self._attempt_failed, errbackArgs=(d,))

    def _attempt_failed(self, f: Failure, d: Deferred[IProtocol]) -> None:
        if d in self._pending:
            self._pending.remove(d)
        if self._done:
            return
        self._failure = f
        if self._remaining:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._next()
        elif not self._pending and self._timer is None:
            self._finish(f)

    def _connected(self, proto: IProtocol) -> None:
        self._finish(proto)

    def _stop_all(self) -> None:
        self._done = True
        self._remaining = []
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending, self._pending = self._pending, []
        for d in pending:
            if not d.called:
                d.cancel()
        for d in pending:
            d.addErrback(lambda f: None)

    def _finish(self, result: IProtocol | Failure) -> None:
        if self._done:
            return
        self._stop_all()
        if isinstance(result, Failure):
            self.result.errback(result)
        else:
            self.result.callback(result)

    def _cancel(self, d: Deferred[IProtocol]) -> None:
        if self._done:
            return
        self._stop_all()
        resolution, self._resolution = self._resolution, None
        if resolution is not None:
            resolution.cancel()
        ep = self._endpoint
        d.errback(error.ConnectingCancelledError(HostnameAddress(ep._hostBytes, ep._port)))


class _OnlyFirst:
    """A protocol factory for one attempt: builds nothing once another attempt has won."""

    def __init__(self, attempts: _Attempts, factory: IProtocolFactory) -> None:
        self._attempts = attempts
        self._factory = factory

    def doStart(self) -> None:
        self._factory.doStart()

    def doStop(self) -> None:
        self._factory.doStop()

    def buildProtocol(self, addr: IAddress) -> IProtocol | None:
        if self._attempts._won or self._attempts._done:
            return None
        self._attempts._won = True
        return self._factory.buildProtocol(addr)


@implementer(IStreamClientEndpoint)
class HostnameEndpoint:
    """TCP to a host name: every address it resolves to (IPv6 and IPv4) is tried.

    Attempts start ``attemptDelay`` seconds apart (0.3 by default, as in Twisted), or at once
    when the previous one failed; the first to connect wins and the others are cancelled.
    ``timeout`` applies to each attempt. If all fail, the last failure is the result; a name
    that resolves to nothing is ``DNSLookupError``.
    """

    _DEFAULT_ATTEMPT_DELAY = 0.3
    # The lookup for a reactor without a name resolver: ``getaddrinfo`` in a thread.
    _getaddrinfo: _GetAddrInfo = staticmethod(_getaddrinfo)
    _deferToThread: _ThreadRunner = staticmethod(_deferToThread)

    def __init__(
        self,
        reactor: _HostnameReactor,
        host: Union[str, bytes],
        port: int,
        timeout: float = 30,
        bindAddress: _BindAddress = None,
        attemptDelay: float | None = None,
    ) -> None:
        self._reactor = reactor
        self._hostBytes, self._hostText, self._badHostname = _idna_host(host)
        self._port = port
        self._timeout = timeout
        self._bindAddress = _normalise_binding(bindAddress)
        self._attemptDelay = self._DEFAULT_ATTEMPT_DELAY if attemptDelay is None else attemptDelay
        if not (
            IReactorPluggableNameResolver.providedBy(reactor) or hasattr(reactor, "nameResolver")
        ):
            warnings.warn(
                "Passing HostnameEndpoint a reactor that does not provide "
                f"IReactorPluggableNameResolver ({qual(type(reactor))}) was deprecated in "
                "Twisted 17.5.0; please use a reactor that provides "
                "IReactorPluggableNameResolver instead",
                DeprecationWarning,
                stacklevel=2,
            )

    def _fallbackNameResolution(self, host: str, port: int) -> Deferred[_GAIResult]:
        """``getaddrinfo(host, port)`` for stream sockets, run in a thread: how names are
        looked up when the reactor has no ``nameResolver``."""
        return self._deferToThread(self._getaddrinfo, host, port, 0, socket.SOCK_STREAM)

    def __repr__(self) -> str:
        if self._badHostname:
            host = self._hostText
        elif _is_ipv6(self._hostText):
            host = f"[{self._hostText}]"
        else:
            host = self._hostBytes.decode("ascii", "replace")
        return f"<HostnameEndpoint {host}:{self._port}>"

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        """Resolve the name and connect to the first address that answers."""
        if self._badHostname:
            return fail(ValueError(f"invalid hostname: {self._hostText}"))
        return _Attempts(self, protocolFactory).start()


# -- connectProtocol and TLS -----------------------------------------------------------------


class _SingleProtocolFactory(ClientFactory):
    def __init__(self, protocol: IProtocol) -> None:
        self._protocol = protocol

    def buildProtocol(self, addr: IAddress) -> _Protocol:
        return self._protocol  # type: ignore[return-value]  # any IProtocol, as in Twisted


def connectProtocol(endpoint: IStreamClientEndpoint, protocol: _ProtocolT) -> Deferred[_ProtocolT]:
    """Connect ``protocol`` (an instance) through ``endpoint``; fires with it."""
    return cast("Deferred[_ProtocolT]", endpoint.connect(_SingleProtocolFactory(protocol)))


class _NoStartTLS(NotImplementedError):
    """The connection's transport cannot start TLS."""


class _TLSFactory:
    """Builds the wrapped factory's protocols, each starting TLS when connected."""

    def __init__(self, connectionCreator: object, wrappedFactory: IProtocolFactory) -> None:
        self._creator = connectionCreator
        self._wrappedFactory = wrappedFactory

    def doStart(self) -> None:
        self._wrappedFactory.doStart()

    def doStop(self) -> None:
        self._wrappedFactory.doStop()

    def buildProtocol(self, addr: IAddress) -> _TLSProtoHolder | None:
        proto = self._wrappedFactory.buildProtocol(addr)
        if proto is None:
            return None
        return _TLSProtoHolder(self._creator, proto)


class _TLSProtoHolder(_Protocol):
    """The protocol a TLS-wrapped connection runs: starts TLS, then hands over."""

    def __init__(self, creator: object, wrapped: IProtocol) -> None:
        self._creator = creator
        self.wrappedProtocol = wrapped

    def dataReceived(self, data: bytes) -> None:
        # Looked up at each read, as Twisted's TLS wrapper does: the application may replace
        # ``dataReceived`` on its protocol once connected.
        self.wrappedProtocol.dataReceived(data)

    def makeConnection(self, transport: ITransport) -> None:
        self.transport = transport
        self.connected = 1
        start_tls = getattr(transport, "startTLS", None)
        if start_tls is None:
            raise _NoStartTLS(f"{type(transport).__name__} has no startTLS: cannot wrap in TLS")
        start_tls(self._creator)
        self.wrappedProtocol.makeConnection(transport)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.connected = 0
        self.wrappedProtocol.connectionLost(reason)


def _unwrapped(proto: IProtocol) -> IProtocol:
    """The protocol a wrapping protocol (``policies.ProtocolWrapper``, TLS's) wraps."""
    inner: IProtocol = getattr(proto, "wrappedProtocol", proto)
    return inner


@implementer(IStreamClientEndpoint)
class _WrapperEndpoint:
    """An endpoint that connects through another with a wrapping protocol factory."""

    def __init__(
        self,
        wrappedEndpoint: IStreamClientEndpoint,
        wrapperFactory: Callable[[IProtocolFactory], IProtocolFactory],
    ) -> None:
        self._wrappedEndpoint = wrappedEndpoint
        self._wrapperFactory = wrapperFactory

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        """Connect the wrapped endpoint; fires with the user's protocol: the wrapper
        protocol's ``wrappedProtocol``."""
        d = self._wrappedEndpoint.connect(self._wrapperFactory(protocolFactory))
        return d.addCallback(_unwrapped)


def wrapClientTLS(
    connectionCreator: object, wrappedEndpoint: IStreamClientEndpoint, clock: object = None
) -> IStreamClientEndpoint:
    """An endpoint that speaks TLS (configured by ``connectionCreator``, e.g. the result of
    ``optionsForClientTLS``) over the connections ``wrappedEndpoint`` makes.

    Built on the transport's ``startTLS`` (asyncio's ``start_tls``), called before the
    protocol's ``connectionMade``, rather than on a memory-BIO TLS protocol as in Twisted;
    ``clock`` is accepted for Twisted's signature and not needed.
    """
    return _WrapperEndpoint(
        wrappedEndpoint, lambda factory: _TLSFactory(connectionCreator, factory)
    )


@implementer(IStreamServerEndpoint)
class _WrapperServerEndpoint:
    """A server endpoint that listens through another with a wrapping protocol factory."""

    def __init__(
        self,
        wrappedEndpoint: IStreamServerEndpoint,
        wrapperFactory: Callable[[IProtocolFactory], IProtocolFactory],
    ) -> None:
        self._wrappedEndpoint = wrappedEndpoint
        self._wrapperFactory = wrapperFactory

    def listen(self, protocolFactory: IProtocolFactory) -> Deferred[IListeningPort]:
        """Listen with the wrapped endpoint; fires with its port."""
        return self._wrappedEndpoint.listen(self._wrapperFactory(protocolFactory))


def wrapServerTLS(
    connectionCreator: object, wrappedEndpoint: IStreamServerEndpoint, clock: object = None
) -> IStreamServerEndpoint:
    """A server endpoint that speaks TLS (configured by ``connectionCreator``, e.g. a
    ``CertificateOptions``) on the connections ``wrappedEndpoint`` accepts.

    Built on the transport's ``startTLS`` (asyncio's ``start_tls``), as ``wrapClientTLS``
    is; ``clock`` is accepted for Twisted's signature and not needed.
    """
    return _WrapperServerEndpoint(
        wrappedEndpoint, lambda factory: _TLSFactory(connectionCreator, factory)
    )


# -- the description grammar -----------------------------------------------------------------


class _DescriptionError(ValueError, TypeError):
    """A malformed endpoint description (a ``TypeError`` too, where Twisted raises one)."""


def quoteStringArgument(argument: str) -> str:
    """Escape ``argument`` so that it reads back as one value: ``\\`` and ``:`` get a ``\\``."""
    return argument.replace("\\", "\\\\").replace(":", "\\:")


def _segments(description: str) -> list[list[str]]:
    """The arguments of a description, each split at its unescaped ``=`` signs.

    Unescaped ``:`` separates arguments; ``\\`` makes the next character literal.
    """
    segments: list[list[str]] = [[]]
    current: list[str] = []
    chars = iter(description)
    for ch in chars:
        if ch == "\\":
            escaped = next(chars, None)
            if escaped is None:
                raise _DescriptionError(
                    f"endpoint description {description!r} ends with an unfinished '\\' escape"
                )
            current.append(escaped)
        elif ch == "=":
            segments[-1].append("".join(current))
            current = []
        elif ch == ":":
            segments[-1].append("".join(current))
            current = []
            segments.append([])
        else:
            current.append(ch)
    segments[-1].append("".join(current))
    return segments


def _parse(description: str) -> tuple[list[str], dict[str, str]]:
    """Split a description into positional and keyword arguments (the type is ``args[0]``).

    In each argument the first unescaped ``=`` makes it ``key=value``; later ones belong to
    the value. A repeated key keeps its last value.
    """
    args: list[str] = []
    kw: dict[str, str] = {}
    for pieces in _segments(description):
        if len(pieces) == 1:
            args.append(pieces[0])
        else:
            kw[pieces[0]] = "=".join(pieces[1:])
    return args, kw


def _int(value: str | int, what: str, kind: str, base: int = 10) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(value, base)
    except (TypeError, ValueError):
        raise _DescriptionError(f"{kind}: {what} must be an integer, not {value!r}")


def _bind(kind: str, parser: StoredCall, args: list[object], kw: Mapping[str, object]) -> None:
    """Check the arguments against ``parser``'s signature; name what is wrong."""
    try:
        inspect.signature(parser).bind(*args, **kw)
    except TypeError as e:
        raise _DescriptionError(f"bad {kind!r} endpoint description: {e}")


def _parse_tcp_server(
    reactor: IReactorTCP, port: str, interface: str = "", backlog: str | int = 50
) -> TCP4ServerEndpoint:
    return TCP4ServerEndpoint(
        reactor, _int(port, "port", "tcp"), _int(backlog, "backlog", "tcp"), interface
    )


def _parse_tcp6_server(
    reactor: IReactorTCP, port: str, backlog: str | int = 50, interface: str = "::"
) -> TCP6ServerEndpoint:
    return TCP6ServerEndpoint(
        reactor, _int(port, "port", "tcp6"), _int(backlog, "backlog", "tcp6"), interface
    )


def _parse_unix_server(
    reactor: IReactorUNIX,
    address: str,
    mode: str = "666",
    backlog: str | int = 50,
    lockfile: str | int = True,
) -> UNIXServerEndpoint:
    return UNIXServerEndpoint(
        reactor,
        address,
        _int(backlog, "backlog", "unix"),
        _int(mode, "mode", "unix", 8),
        bool(_int(lockfile, "lockfile", "unix")),
    )


def _read_pem(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ValueError(f"ssl: cannot read {what} {path!r}: {e.strerror or e}") from e


_METHODS = {
    "SSLv23_METHOD": None,
    "TLS_METHOD": None,
    "TLSv1_METHOD": _stdlib_ssl.TLSVersion.TLSv1,
    "TLSv1_1_METHOD": _stdlib_ssl.TLSVersion.TLSv1_1,
    "TLSv1_2_METHOD": _stdlib_ssl.TLSVersion.TLSv1_2,
}


def _apply_method(ctx: _stdlib_ssl.SSLContext, sslmethod: str | None) -> None:
    if sslmethod is None:
        return
    if sslmethod not in _METHODS:
        raise _DescriptionError(f"ssl: unknown sslmethod {sslmethod!r}")
    version = _METHODS[sslmethod]
    if version is not None:
        ctx.minimum_version = version
        ctx.maximum_version = version


def _load_chain(
    ctx: _stdlib_ssl.SSLContext, certKey: str, privateKey: str, extraCertChain: str | None
) -> None:
    _read_pem(privateKey, "privateKey")
    cert = _read_pem(certKey, "certKey")
    if extraCertChain is not None:
        cert = cert.rstrip(b"\n") + b"\n" + _read_pem(extraCertChain, "extraCertChain")
    fd, combined = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(cert)
        ctx.load_cert_chain(combined, privateKey)
    except _stdlib_ssl.SSLError as e:
        raise ValueError(f"ssl: cannot load the certificate and key: {e}") from e
    finally:
        os.unlink(combined)


def _parse_ssl_server(
    reactor: IReactorSSL,
    port: str,
    privateKey: str = "server.pem",
    certKey: str | None = None,
    sslmethod: str | None = None,
    interface: str = "",
    backlog: str | int = 50,
    extraCertChain: str | None = None,
    dhParameters: str | None = None,
) -> SSL4ServerEndpoint:
    portNumber = _int(port, "port", "ssl")
    backlogNumber = _int(backlog, "backlog", "ssl")
    ctx = _stdlib_ssl.SSLContext(_stdlib_ssl.PROTOCOL_TLS_SERVER)
    _apply_method(ctx, sslmethod)
    _load_chain(ctx, certKey or privateKey, privateKey, extraCertChain)
    if dhParameters is not None:
        _read_pem(dhParameters, "dhParameters")
        ctx.load_dh_params(dhParameters)
    return SSL4ServerEndpoint(reactor, portNumber, ctx, backlogNumber, interface)


def _parse_stdio_server(reactor: ITwistioReactor, *args: str, **kw: str) -> StandardIOEndpoint:
    # Twisted ignores any argument given to stdio.
    return StandardIOEndpoint(reactor)


class _FromEnvironment:
    # The systemd parser's ``_sddaemon``: read from the environment on first use (not at
    # import, which would strip LISTEN_PID from the environment of every program importing
    # endpoints); an instance may set its own.
    def __get__(self, obj: object, owner: type) -> ListenFDs:
        found = ListenFDs.fromEnvironment()
        owner._sddaemon = found  # type: ignore[attr-defined]
        return found


@implementer(IStreamServerEndpointStringParser)
class _SystemdParser:
    """``systemd:domain=INET:index=0`` (or ``name=`` for ``FileDescriptorName=``): a socket
    systemd opened and passed to this process (socket activation)."""

    prefix = "systemd"
    _sddaemon: ListenFDs = _FromEnvironment()  # type: ignore[assignment]

    _families = {"INET": socket.AF_INET, "INET6": socket.AF_INET6, "UNIX": socket.AF_UNIX}

    def parseStreamServer(
        self, reactor: IReactorSocket, *args: str, **kwargs: str
    ) -> AdoptedStreamServerEndpoint:
        """The endpoint serving the inherited socket picked by ``index`` or ``name``."""
        _bind(self.prefix, self._parse, [reactor, *args], kwargs)
        return self._parse(reactor, *args, **kwargs)

    def _parse(
        self,
        reactor: IReactorSocket,
        domain: str,
        index: str | int | None = None,
        name: str | None = None,
    ) -> AdoptedStreamServerEndpoint:
        if (index is None) == (name is None):
            raise ValueError("a systemd endpoint takes one of index= and name=")
        if name is not None:
            fileno = self._sddaemon.inheritedNamedDescriptors()[name]
        else:
            assert index is not None
            fileno = self._sddaemon.inheritedDescriptors()[int(index)]
        return AdoptedStreamServerEndpoint(reactor, fileno, self._families[domain])


@implementer(IStreamServerEndpointStringParser)
class _TCP6ServerParser:
    """``tcp6:port:backlog=50:interface=::``."""

    prefix = "tcp6"

    def parseStreamServer(self, reactor: IReactorTCP, *args: str, **kw: str) -> TCP6ServerEndpoint:
        """The ``TCP6ServerEndpoint`` the description names."""
        _bind(self.prefix, _parse_tcp6_server, [reactor, *args], kw)
        return _parse_tcp6_server(reactor, *args, **kw)


@implementer(IStreamServerEndpointStringParser)
class _StandardIOParser:
    """``stdio:``: the process's stdin and stdout (arguments are ignored, as in Twisted)."""

    prefix = "stdio"

    def parseStreamServer(
        self, reactor: ITwistioReactor, *args: str, **kw: str
    ) -> StandardIOEndpoint:
        """A ``StandardIOEndpoint`` on ``reactor``."""
        return _parse_stdio_server(reactor, *args, **kw)


_SERVER_PARSERS: dict[str, StoredCall] = {
    "stdio": _parse_stdio_server,
    "tcp": _parse_tcp_server,
    "tcp6": _parse_tcp6_server,
    "unix": _parse_unix_server,
    "ssl": _parse_ssl_server,
}


def _host_and_port(kind: str, args: list[str], kw: dict[str, object]) -> None:
    """Twisted's rule: two positionals are host and port; one is the port if ``host=`` was
    given, else the host; three or more are ignored (as by Twisted)."""
    if len(args) == 2:
        kw["host"], kw["port"] = args
    elif len(args) == 1:
        if "host" in kw:
            kw["port"] = args[0]
        else:
            kw["host"] = args[0]
    for name in ("host", "port"):
        if name not in kw:
            raise _DescriptionError(f"bad {kind!r} endpoint description: no {name} given")


def _client_common(kind: str, kw: dict[str, object]) -> None:
    if "port" in kw:
        kw["port"] = _int(cast(str, kw["port"]), "port", kind)
    if "timeout" in kw:
        kw["timeout"] = _int(cast(str, kw["timeout"]), "timeout", kind)
    if "bindAddress" in kw:
        kw["bindAddress"] = (kw["bindAddress"], 0)


def _make(kind: str, cls: StoredCallOf[_T], reactor: object, kw: dict[str, object]) -> _T:
    """``cls(reactor, **kw)``, once ``kw`` (from a description) fits its signature."""
    _bind(kind, cls, [reactor], kw)
    return cls(reactor, **kw)


def _parse_tcp_client(reactor: IReactorTCP, *args: str, **strings: str) -> TCP4ClientEndpoint:
    kw: dict[str, object] = dict(strings)
    _host_and_port("tcp", list(args), kw)
    _client_common("tcp", kw)
    return _make("tcp", TCP4ClientEndpoint, reactor, kw)


def _parse_unix_client(reactor: IReactorUNIX, *args: str, **strings: str) -> UNIXClientEndpoint:
    kw: dict[str, object] = dict(strings)
    if len(args) == 1:
        kw["path"] = args[0]
    if "timeout" in strings:
        kw["timeout"] = _int(strings["timeout"], "timeout", "unix")
    if "lockfile" in strings:
        del kw["lockfile"]
        kw["checkPID"] = bool(_int(strings["lockfile"], "lockfile", "unix"))
    return _make("unix", UNIXClientEndpoint, reactor, kw)


def _parse_ssl_client(reactor: IReactorSSL, *args: str, **strings: str) -> SSL4ClientEndpoint:
    certKey = strings.pop("certKey", None)
    privateKey = strings.pop("privateKey", None)
    caCertsDir = strings.pop("caCertsDir", None)
    sslmethod = strings.pop("sslmethod", None)
    kw: dict[str, object] = dict(strings)
    _host_and_port("ssl", list(args), kw)
    _client_common("ssl", kw)
    ctx = _stdlib_ssl.SSLContext(_stdlib_ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = _stdlib_ssl.CERT_NONE
    _apply_method(ctx, sslmethod)
    if certKey is not None:
        _load_chain(ctx, certKey, privateKey or certKey, None)
    if caCertsDir is not None:
        ctx.verify_mode = _stdlib_ssl.CERT_REQUIRED
        try:
            names = sorted(os.listdir(caCertsDir))
        except OSError as e:
            raise ValueError(f"ssl: cannot read caCertsDir {caCertsDir!r}: {e}") from e
        for name in names:
            try:
                ctx.load_verify_locations(cafile=os.path.join(caCertsDir, name))
            except (OSError, _stdlib_ssl.SSLError):
                continue  # not a certificate: skipped, as Twisted does
    kw["sslContextFactory"] = ctx
    return _make("ssl", SSL4ClientEndpoint, reactor, kw)


def _parse_tls_client(
    reactor: _HostnameReactor,
    host: str,
    port: str,
    timeout: str | int = "30",
    bindAddress: str | None = None,
    certificate: str | None = None,
    privateKey: str | None = None,
    trustRoots: str | None = None,
    endpoint: str | None = None,
) -> IStreamClientEndpoint:
    portNumber = _int(port, "port", "tls")
    try:
        timeoutSeconds = float(timeout)
    except ValueError:
        raise _DescriptionError(f"tls: timeout must be a number, not {timeout!r}")
    trustRoot: object = None
    if trustRoots is not None:
        trustRoot = tls.trustRootFromCertificates(_certificates_in(trustRoots))
    clientCertificate = None
    if certificate is not None:
        certPEM = _read_pem(certificate, "certificate")
        keyPEM = _read_pem(privateKey, "privateKey") if privateKey is not None else certPEM
        try:
            clientCertificate = tls.PrivateCertificate.fromCertificateAndKeyPair(
                tls.Certificate.loadPEM(certPEM), tls.KeyPair.load(keyPEM)
            )
        except ValueError as e:
            raise ValueError(f"tls: cannot load the client certificate: {e}") from e
    creator = tls.optionsForClientTLS(
        host, trustRoot=trustRoot, clientCertificate=clientCertificate
    )
    wrapped: IStreamClientEndpoint
    if endpoint is not None:
        wrapped = clientFromString(reactor, endpoint)
    else:
        wrapped = HostnameEndpoint(
            reactor,
            host,
            portNumber,
            timeoutSeconds,
            None if bindAddress is None else (bindAddress, 0),
        )
    return wrapClientTLS(creator, wrapped)


def _certificates_in(folder: str) -> list[tls.Certificate]:
    """The PEM certificates in the files of ``folder`` (other files are skipped)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError as e:
        raise ValueError(f"tls: cannot read trustRoots {folder!r}: {e.strerror or e}") from e
    found = []
    for name in names:
        path = os.path.join(folder, name)
        try:
            with open(path, "rb") as f:
                found.append(tls.Certificate.loadPEM(f.read()))
        except (OSError, ValueError):
            continue
    return found


_CLIENT_PARSERS: dict[str, StoredCallOf[IStreamClientEndpoint]] = {
    "tcp": _parse_tcp_client,
    "unix": _parse_unix_client,
    "ssl": _parse_ssl_client,
    "tls": _parse_tls_client,
}


def _find_plugin(interface: object, endpointType: str) -> object:
    """The plugin providing ``interface`` whose ``prefix`` is ``endpointType``."""
    wanted = endpointType.lower()
    for plugin in getPlugins(interface):
        prefix = plugin.prefix
        if isinstance(prefix, bytes):
            prefix = prefix.decode("ascii", "replace")
        if prefix.lower() == wanted:
            return plugin
    raise ValueError(f"Unknown endpoint type: {endpointType!r}")


def _split(description: str) -> tuple[str, list[str], dict[str, str]]:
    args, kw = _parse(description)
    if not args:
        raise _DescriptionError(f"endpoint description {description!r} names no endpoint type")
    return args[0], args[1:], kw


def _call_builtin(
    kind: str, parser: StoredCall, reactor: object, args: list[str], kw: dict[str, str]
) -> object:
    sig = inspect.signature(parser)
    if not any(p.kind is p.VAR_POSITIONAL for p in sig.parameters.values()):
        _bind(kind, parser, [reactor, *args], kw)
    return parser(reactor, *args, **kw)


def _tcp_port_args(
    factory: object, port: str, interface: str = "", backlog: str | int = 50
) -> tuple[str, tuple[object, ...], dict[str, object]]:
    return (
        "TCP",
        (_int(port, "port", "tcp"), factory),
        {"interface": interface, "backlog": _int(backlog, "backlog", "tcp")},
    )


def _unix_port_args(
    factory: object,
    address: str,
    mode: str = "666",
    backlog: str | int = 50,
    lockfile: str | int = True,
) -> tuple[str, tuple[object, ...], dict[str, object]]:
    return (
        "UNIX",
        (address, factory),
        {
            "mode": _int(mode, "mode", "unix", 8),
            "backlog": _int(backlog, "backlog", "unix"),
            "wantPID": bool(_int(lockfile, "lockfile", "unix")),
        },
    )


_PORT_ARGS: dict[str, StoredCallOf[tuple[str, tuple[object, ...], dict[str, object]]]] = {
    "tcp": _tcp_port_args,
    "unix": _unix_port_args,
}


def _parseServer(
    description: str, factory: object
) -> tuple[object, Sequence[object], dict[str, object]]:
    """What a server description asks for, before any endpoint is made (Twisted's strports
    layer reads it): ``("TCP", (port, factory), {"interface", "backlog"})`` or ``("UNIX",
    (address, factory), {"mode", "backlog", "wantPID"})``; for a type a plugin parses,
    ``(plugin, args, kwargs)`` as written. ``ValueError`` for an unknown type."""
    endpointType, args, kw = _split(description)
    build = _PORT_ARGS.get(endpointType)
    if build is not None:
        return build(factory, *args, **kw)
    return (_find_plugin(IStreamServerEndpointStringParser, endpointType), args, dict(kw))


def serverFromString(reactor: object, description: str) -> IStreamServerEndpoint:
    """The server endpoint a description such as ``tcp:8080:interface=127.0.0.1`` names.

    Built in: ``tcp`` (port, interface, backlog), ``tcp6`` (port, backlog, interface),
    ``stdio`` (the process's stdin and stdout),
    ``unix`` (address, mode, backlog, lockfile) and ``ssl`` (port, privateKey, certKey,
    sslmethod, interface, backlog, extraCertChain, dhParameters; the files are read now and
    the endpoint gets an ``ssl.SSLContext``); any other type comes from an
    ``IStreamServerEndpointStringParser`` plugin, ``systemd`` (domain, index or name: a
    socket systemd passed in) among them. A bare port number is an error, as in
    Twisted 26 (older Twisted read it as ``tcp:``).
    """
    endpointType, args, kw = _split(description)
    parser = _SERVER_PARSERS.get(endpointType)
    if parser is not None:
        return cast(IStreamServerEndpoint, _call_builtin(endpointType, parser, reactor, args, kw))
    plugin = cast(
        IStreamServerEndpointStringParser,
        _find_plugin(IStreamServerEndpointStringParser, endpointType),
    )
    return plugin.parseStreamServer(reactor, *args, **kw)


def clientFromString(reactor: object, description: str) -> IStreamClientEndpoint:
    """The client endpoint a description such as ``tcp:host=example.com:port=80`` names.

    Built in: ``tcp`` (host, port, timeout, bindAddress), ``unix`` (path, timeout, checkPID,
    lockfile), ``ssl`` (host, port, certKey, privateKey, caCertsDir, ...) and ``tls`` (host,
    port, timeout, bindAddress, certificate, privateKey, trustRoots, endpoint: a
    ``HostnameEndpoint`` wrapped with ``wrapClientTLS``); any other type comes from an
    ``IStreamClientEndpointStringParserWithReactor`` plugin.
    """
    endpointType, args, kw = _split(description)
    parser = _CLIENT_PARSERS.get(endpointType)
    if parser is not None:
        return cast(IStreamClientEndpoint, _call_builtin(endpointType, parser, reactor, args, kw))
    plugin = cast(
        IStreamClientEndpointStringParserWithReactor,
        _find_plugin(IStreamClientEndpointStringParserWithReactor, endpointType),
    )
    return plugin.parseStreamClient(reactor, *args, **kw)


def __getattr__(name: str) -> type[TLSMemoryBIOFactory]:
    # Twisted's endpoints module re-exports protocols.tls's factory; import it on demand.
    if name == "TLSMemoryBIOFactory":
        from twistio.protocols.tls import (  # type: ignore[import-not-found,unused-ignore]
            TLSMemoryBIOFactory,
        )

        return TLSMemoryBIOFactory
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
