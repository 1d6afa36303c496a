"""Host name resolvers: the reactor's ``nameResolver`` and ``resolver`` and the adapters
between Twisted's two resolver interfaces.

``IHostnameResolver.resolveHostName`` reports to a receiver: ``resolutionBegan`` at once,
then ``addressResolved`` for each address, then ``resolutionComplete``, always (a name that
does not resolve completes with no addresses). ``IResolverSimple.getHostByName`` fires with
one IPv4 address string or fails with ``DNSLookupError``. A reactor keeps one of each in
step: installing either kind wraps it as the other.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal, Protocol

from typing_extensions import ParamSpec

from twistio.internet import error
from twistio.internet._idna import _idnaBytes
from twistio.internet.address import IPv4Address, IPv6Address
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import (
    IAddress,
    IHostnameResolver,
    IHostResolution,
    IResolutionReceiver,
    IResolverSimple,
    _AddressTypes,
    implementer,
)
from twistio.internet.threads import deferToThreadPool
from twistio.python.failure import Failure

if TYPE_CHECKING:
    from twistio.python.threadpool import ThreadPool

__all__ = [
    "ComplexResolverSimplifier",
    "FirstOneWins",
    "GAIResolver",
    "HostResolution",
    "LoopResolver",
    "SimpleResolverComplexifier",
]

_log = logging.getLogger("twistio")

_AddrInfo = tuple[int, int, int, str, tuple[object, ...]]
_GetAddrInfo = Callable[[str, int, int, int], Sequence[_AddrInfo]]
_Kind = Literal["TCP", "UDP"]
_P = ParamSpec("_P")
_SOCKET_TYPES = {"TCP": socket.SOCK_STREAM, "UDP": socket.SOCK_DGRAM}
_KINDS: dict[int, _Kind] = {socket.SOCK_STREAM: "TCP", socket.SOCK_DGRAM: "UDP"}
_FAMILIES: dict[type[object], int] = {IPv4Address: socket.AF_INET, IPv6Address: socket.AF_INET6}


class _ThreadsReactor(Protocol):
    def getThreadPool(self) -> ThreadPool: ...

    def callFromThread(
        self, f: Callable[_P, object], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> None: ...


@implementer(IHostResolution)
class HostResolution:
    """A resolution in progress; it cannot be cancelled (``NotImplementedError``), as in Twisted."""

    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        """Not supported."""
        raise NotImplementedError()


def _family_for(addressTypes: _AddressTypes) -> int:
    if not addressTypes:
        return socket.AF_UNSPEC
    families = {_FAMILIES[t] for t in addressTypes if t in _FAMILIES}
    return families.pop() if len(families) == 1 else socket.AF_UNSPEC


def _fields(sockaddr: tuple[object, ...]) -> tuple[str, int, int, int]:
    """Host, port, flow info and scope of an IP socket address (0 where absent)."""
    numbers = [n if isinstance(n, int) else 0 for n in sockaddr[1:4]]
    numbers += [0] * (3 - len(numbers))
    return str(sockaddr[0]), numbers[0], numbers[1], numbers[2]


def _report(receiver: IResolutionReceiver, infos: Sequence[_AddrInfo], semantics: str) -> None:
    default: _Kind = "UDP" if semantics == "UDP" else "TCP"
    for family, socktype, _proto, _name, sockaddr in infos:
        # Each result says its own kind, as in Twisted; the requested one only if it does not.
        kind: _Kind = _KINDS.get(socktype, default)
        host, port, flow, scope = _fields(sockaddr)
        if family == socket.AF_INET6:
            receiver.addressResolved(IPv6Address(kind, host, port, flow, scope))
        elif family == socket.AF_INET:
            receiver.addressResolved(IPv4Address(kind, host, port))
    receiver.resolutionComplete()


@implementer(IHostnameResolver)
class GAIResolver:
    """Resolves with ``getaddrinfo`` in the reactor's thread pool (or ``getThreadPool()``'s)."""

    def __init__(
        self,
        reactor: _ThreadsReactor,
        getThreadPool: Callable[[], ThreadPool] | None = None,
        getaddrinfo: _GetAddrInfo = socket.getaddrinfo,
    ) -> None:
        self._getaddrinfo = getaddrinfo
        self._reactor = reactor
        self._getThreadPool = reactor.getThreadPool if getThreadPool is None else getThreadPool

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: _AddressTypes = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        """Look ``hostName`` up; the receiver hears of every address found."""
        resolution = HostResolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        d = self._lookup(
            hostName,
            portNumber,
            _family_for(addressTypes),
            _SOCKET_TYPES.get(transportSemantics, socket.SOCK_STREAM),
        )

        def found(infos: Sequence[_AddrInfo]) -> None:
            _report(resolutionReceiver, infos, transportSemantics)

        def failed(f: Failure) -> None:
            if not f.check(OSError):
                _log.error("Unexpected error resolving %r: %s", hostName, f.getErrorMessage())
            resolutionReceiver.resolutionComplete()

        d.addCallbacks(found, failed)
        return resolution

    def _lookup(
        self, host: str, port: int, family: int, socktype: int
    ) -> Deferred[Sequence[_AddrInfo]]:
        return deferToThreadPool(
            self._reactor, self._getThreadPool(), self._getaddrinfo, host, port, family, socktype
        )


class _LoopHolder(Protocol):
    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...


class LoopResolver(GAIResolver):
    """The asyncio reactor's default ``nameResolver``: the event loop's ``getaddrinfo``.

    With a ``getaddrinfo`` of its own it runs that in the loop's default executor.
    """

    def __init__(
        self, reactor: _LoopHolder, getaddrinfo: _GetAddrInfo = socket.getaddrinfo
    ) -> None:
        self._loop_holder = reactor
        self._getaddrinfo = getaddrinfo

    def _lookup(
        self, host: str, port: int, family: int, socktype: int
    ) -> Deferred[Sequence[_AddrInfo]]:
        loop = self._loop_holder.loop
        if self._getaddrinfo is socket.getaddrinfo:
            future: asyncio.Future[Sequence[_AddrInfo]] = asyncio.ensure_future(
                loop.getaddrinfo(host, port, family=family, type=socktype), loop=loop
            )
        else:
            future = loop.run_in_executor(None, self._getaddrinfo, host, port, family, socktype)
        return Deferred.fromFuture(future)


def _ascii_name(name: str) -> str:
    """``name`` in ASCII: its IDNA form if it has other characters (as it stands if that
    fails: the resolver reports the name it cannot resolve)."""
    if name.isascii():
        return name
    try:
        return _idnaBytes(name).decode("ascii")
    except (UnicodeError, ValueError):
        return name


@implementer(IHostnameResolver)
class SimpleResolverComplexifier:
    """An ``IHostnameResolver`` over an ``IResolverSimple`` (one address per name).

    The address is an ``IPv6Address`` when the resolver answers with an IPv6 literal, and
    ``addressTypes``/``transportSemantics`` are honoured (Twisted's always reports an
    ``IPv4Address`` of type TCP).
    """

    def __init__(self, simpleResolver: IResolverSimple) -> None:
        self._simpleResolver: IResolverSimple = simpleResolver

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: _AddressTypes = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        """Ask the simple resolver; report its one address, if any."""
        resolution = HostResolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        kind: _Kind = "UDP" if transportSemantics == "UDP" else "TCP"

        def found(address: str) -> None:
            resolved: IPv4Address | IPv6Address
            if ":" in address:
                resolved = IPv6Address(kind, address, portNumber)
            else:
                resolved = IPv4Address(kind, address, portNumber)
            if not addressTypes or type(resolved) in addressTypes:
                resolutionReceiver.addressResolved(resolved)

        def failed(f: Failure) -> None:
            if not f.check(error.DNSLookupError):
                _log.error(
                    "while looking up %s with %r: %s",
                    hostName,
                    self._simpleResolver,
                    f.getErrorMessage(),
                    exc_info=f.value,
                )

        try:
            # As Twisted: a name the resolver gets is ASCII, IDNA-encoded if need be.
            d = self._simpleResolver.getHostByName(_ascii_name(hostName))
        except BaseException:
            d = Deferred()
            d.errback()
        d.addCallbacks(found, failed)
        d.addBoth(lambda _: resolutionReceiver.resolutionComplete())
        return resolution


@implementer(IResolutionReceiver)
class FirstOneWins:
    """Fires a Deferred with the host of the first address resolved (``DNSLookupError``
    if there is none)."""

    def __init__(self, deferred: Deferred[str]) -> None:
        self._deferred = deferred
        self._name = ""
        self._done = False

    def resolutionBegan(self, resolutionInProgress: IHostResolution) -> None:
        """Remember the name, for the error."""
        self._name = resolutionInProgress.name

    def addressResolved(self, address: IAddress) -> None:
        """Fire with the first address."""
        if self._done:
            return
        self._done = True
        self._deferred.callback(str(getattr(address, "host", address)))

    def resolutionComplete(self) -> None:
        """Fail if nothing was found."""
        if not self._done:
            self._done = True
            self._deferred.errback(error.DNSLookupError(self._name))


@implementer(IResolverSimple)
class ComplexResolverSimplifier:
    """An ``IResolverSimple`` over an ``IHostnameResolver``: the first IPv4 address."""

    def __init__(self, nameResolver: IHostnameResolver) -> None:
        self._nameResolver = nameResolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        """The first IPv4 address ``name`` resolves to; ``DNSLookupError`` if none."""
        result: Deferred[str] = Deferred()
        self._nameResolver.resolveHostName(FirstOneWins(result), name, 0, [IPv4Address])
        return result
