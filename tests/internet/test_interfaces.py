"""Every interface of Twisted's ``internet.interfaces``, and who provides which, as in Twisted."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from twistio.internet import interfaces, protocol
from twistio.internet._reactor import AsyncioReactor
from twistio.internet.interfaces import (
    IConnector,
    IConsumer,
    IListeningPort,
    IMulticastTransport,
    IProcessProtocol,
    IProtocol,
    IPushProducer,
    IReactorCore,
    IReactorFDSet,
    IReactorPluggableNameResolver,
    IReactorTCP,
    ITCPTransport,
    ITLSTransport,
    ITransport,
    IUDPTransport,
    IUNIXTransport,
)

tw_interfaces = pytest.importorskip("twisted.internet.interfaces")
zope_interface = pytest.importorskip("zope.interface")
from zope.interface.interface import InterfaceClass, Method  # noqa: E402
from zope.interface.verify import verifyObject  # noqa: E402

TWISTED_INTERFACES = sorted(
    name
    for name, value in vars(tw_interfaces).items()
    if isinstance(value, InterfaceClass)
    and value.__module__ == tw_interfaces.__name__
    and not name.startswith("_")
)


def test_every_twisted_interface_exists() -> None:
    missing = [name for name in TWISTED_INTERFACES if not hasattr(interfaces, name)]
    assert missing == []
    assert len(TWISTED_INTERFACES) > 60


@pytest.mark.parametrize("name", TWISTED_INTERFACES)
def test_interface_names_and_signatures_match(name: str) -> None:
    theirs = getattr(tw_interfaces, name)
    ours = getattr(interfaces, name)
    assert ours.__name__ == name
    assert sorted(ours.names(all=True)) == sorted(theirs.names(all=True))
    for member in theirs.names(all=True):
        description = theirs[member]
        if isinstance(description, Method):
            theirs_params = list(description.getSignatureInfo()["positional"])
            ours_params = list(ours.get(member).getSignatureInfo()["positional"])
            # Same leading parameter names, so keyword calls written for Twisted work.
            assert ours_params[: len(theirs_params)] == theirs_params, member


def test_base_interfaces_match() -> None:
    for name in TWISTED_INTERFACES:
        theirs = {b.getName() for b in getattr(tw_interfaces, name).__bases__}
        ours = {b.__name__ for b in getattr(interfaces, name).__bases__}
        assert theirs - {"Interface"} <= ours, name


def test_binding_is_a_new_type() -> None:
    from twistio.internet.tcp import makeBinding

    binding = makeBinding("127.0.0.1", 0, reusePort=True)
    assert binding == makeBinding("127.0.0.1", 0, reusePort=True)
    assert hash(binding) == hash(makeBinding("127.0.0.1", 0, reusePort=True))
    assert binding != makeBinding("127.0.0.1", 0)
    assert interfaces.Binding.__supertype__ is type(binding)  # type: ignore[attr-defined]
    assert list(inspect.signature(makeBinding).parameters) == [
        "interface", "port", "reuseAddress", "reusePort"
    ]


# -------------------------------------------------------- who provides what


def _twisted_reactor_interfaces() -> set[str]:
    from twisted.internet.base import ReactorBase
    from twisted.internet.posixbase import PosixReactorBase

    names: set[str] = set()
    for klass in (ReactorBase, PosixReactorBase):
        names |= {
            i.getName()
            for i in zope_interface.implementedBy(klass).flattened()
            if not i.getName().startswith("_")
        }
    return names


def test_reactor_provides_what_twisteds_does() -> None:
    reactor = AsyncioReactor(asyncio.new_event_loop())
    try:
        expected = _twisted_reactor_interfaces() | {
            "IReactorTCP", "IReactorUDP", "IReactorUNIX", "IReactorUNIXDatagram",
            "IReactorMulticast", "IReactorProcess", "IReactorSocket", "IReactorFDSet",
            "IReactorSSL",
        }
        expected.discard("Interface")
        for name in sorted(expected):
            iface = getattr(interfaces, name)
            assert iface.providedBy(reactor), name
            assert verifyObject(iface, reactor), name
    finally:
        reactor.loop.close()


def test_memory_reactor_provides_what_twisteds_does() -> None:
    from twisted.internet.testing import MemoryReactorClock as TwistedMRC

    from twistio.internet.testing import MemoryReactorClock

    reactor = MemoryReactorClock()
    for iface in zope_interface.implementedBy(TwistedMRC).flattened():
        name = iface.getName()
        if name == "Interface":
            continue
        ours = getattr(interfaces, name)
        assert ours.providedBy(reactor), name
        assert verifyObject(ours, reactor), name


def test_base_classes_declare_their_interfaces() -> None:
    assert IProtocol.implementedBy(protocol.Protocol)
    assert IProcessProtocol.implementedBy(protocol.ProcessProtocol)
    assert verifyObject(IProcessProtocol, protocol.ProcessProtocol())
    from twistio.internet import tcp, udp, unix

    for klass in (tcp.Server, tcp.Client, unix.Server, unix.Client):
        for iface in (ITCPTransport, ITransport, IConsumer, IPushProducer, ITLSTransport):
            assert iface.implementedBy(klass), (klass, iface)
    # UNIX connections pass descriptors (on a transport of twistio's own); TCP ones do not.
    assert IUNIXTransport.implementedBy(unix.Server) and IUNIXTransport.implementedBy(unix.Client)
    assert not IUNIXTransport.implementedBy(tcp.Server)
    assert IListeningPort.implementedBy(tcp.Port) and IListeningPort.implementedBy(unix.Port)
    assert IConnector.implementedBy(tcp.Connector) and IConnector.implementedBy(unix.Connector)
    assert IUDPTransport.implementedBy(udp.Port) and IListeningPort.implementedBy(udp.Port)
    assert IMulticastTransport.implementedBy(udp.MulticastPort)


async def test_live_transports_verify(reactor: Any) -> None:
    from twistio.internet.defer import Deferred

    made: Deferred[Any] = Deferred()

    class Server(protocol.Protocol):
        def connectionMade(self) -> None:
            made.callback(self.transport)

    port = reactor.listenTCP(0, protocol.Factory.forProtocol(Server), interface="127.0.0.1")
    connector = reactor.connectTCP(
        "127.0.0.1", port.getHost().port, protocol.ClientFactory.forProtocol(protocol.Protocol)
    )
    try:
        transport = await asyncio.wait_for(_await(made), 2)
        for iface in (ITCPTransport, IConsumer, IPushProducer, ITLSTransport):
            assert verifyObject(iface, transport)
        assert verifyObject(IListeningPort, port)
        assert verifyObject(IConnector, connector)
        assert IReactorCore.providedBy(reactor) and IReactorTCP.providedBy(reactor)
        assert IReactorFDSet.providedBy(reactor)
        assert IReactorPluggableNameResolver.providedBy(reactor)
    finally:
        connector.disconnect()
        await _await(port.stopListening())


async def _await(d: Any) -> Any:
    return await d
