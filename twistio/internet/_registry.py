"""What a reactor lends the transports it makes, and where the installed reactor is found.

Imports run one way in ``twistio.internet``: the reactor imports the transports (tcp, udp,
unix, ssl, process, stdio), never the reverse. A transport gets from its reactor, through
``reactor.transport_registry``, the one thing it needs that the reactor interfaces do not
offer: a ``TransportRegistry``, which knows the loop to run on and keeps the open
connections and listening ports that the reactor closes when it shuts down. A transport
registers once when it opens and deregisters once when it closes; nothing here runs per read
or write.

``installed_reactor()`` is what the modules below the reactor call where Twisted's code says
``from twisted.internet import reactor``: the one reach upwards, made when called (never on
import), to the process-wide reactor ``twistio.internet.reactor`` installs.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Protocol, cast

from twistio.internet.interfaces import (
    IReactorCore,
    IReactorFDSet,
    IReactorFromThreads,
    IReactorInThreads,
    IReactorMulticast,
    IReactorProcess,
    IReactorSocket,
    IReactorSSL,
    IReactorTCP,
    IReactorTime,
    IReactorUDP,
    IReactorUNIX,
    IReactorUNIXDatagram,
)

if TYPE_CHECKING:
    from twistio.python.threadpool import ThreadPool

__all__ = ["ITwistioReactor", "Shutdownable", "TransportRegistry", "installed_reactor"]


class Shutdownable(Protocol):
    """A connection or port the reactor closes at shutdown."""

    def shutdown_now(self) -> None:
        """Close at once and tell its protocol or factory now (the loop is stopping)."""


class TransportRegistry:
    """A reactor's loop and its open connections and ports, lent to the transports it makes.

    ``ports`` is a plain set and ``connections`` a dict whose values are None (an entry
    takes about half the memory of a set's, and there is one per open connection): a
    transport adds itself when it opens and removes itself when it closes.
    """

    __slots__ = ("connections", "get_loop", "ports", "reactor")

    def __init__(
        self, reactor: ITwistioReactor, get_loop: Callable[[], asyncio.AbstractEventLoop]
    ) -> None:
        self.reactor = reactor
        #: The loop a transport made now runs on (the running one, else the reactor's).
        self.get_loop = get_loop
        self.connections: dict[Shutdownable, None] = {}
        self.ports: set[Shutdownable] = set()

    def shutdown_all(self) -> None:
        """Close every port, then every connection, at once (reactor shutdown)."""
        for port in list(self.ports):
            port.shutdown_now()
        for conn in list(self.connections):
            conn.shutdown_now()


class ITwistioReactor(
    IReactorCore,
    IReactorTime,
    IReactorFromThreads,
    IReactorInThreads,
    IReactorTCP,
    IReactorUDP,
    IReactorMulticast,
    IReactorUNIX,
    IReactorUNIXDatagram,
    IReactorSSL,
    IReactorSocket,
    IReactorProcess,
    IReactorFDSet,
    Protocol,
):
    """twistio's reactor as the modules below it see it: the interfaces they call, and the
    registry its transports share."""

    @property
    def transport_registry(self) -> TransportRegistry:
        """The loop and the open connections and ports of this reactor."""

    def getThreadPool(self) -> ThreadPool:
        """The reactor's thread pool."""


def installed_reactor() -> ITwistioReactor:
    """The installed reactor, the default one installed first if none is: what
    ``from twistio.internet import reactor`` gives."""
    # Under the ``twisted`` alias, code written for Twisted swaps the reactor through
    # sys.modules["twisted.internet.reactor"] (and puts the old one back there): that entry,
    # when it holds a reactor, is the installed one.
    compat = sys.modules.get("twistio.compat")
    if compat is not None and compat.installed():
        aliased = sys.modules.get("twisted.internet.reactor")
        if aliased is not None and not isinstance(aliased, ModuleType):
            return cast(ITwistioReactor, aliased)
    # twistio.internet.reactor replaces itself in sys.modules by the reactor object.
    return cast(ITwistioReactor, importlib.import_module("twistio.internet.reactor"))
