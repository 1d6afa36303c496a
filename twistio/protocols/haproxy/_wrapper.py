"""Wrapping a server protocol so that it reads a PROXY header before anything else."""

from __future__ import annotations

from typing import Any, Union

from twistio.internet.interfaces import IAddress
from twistio.protocols.haproxy._exceptions import InvalidProxyHeader
from twistio.protocols.haproxy._info import ProxyInfo
from twistio.protocols.haproxy._v1parser import V1Parser
from twistio.protocols.haproxy._v2parser import V2Parser
from twistio.protocols.policies import ProtocolWrapper, WrappingFactory

__all__ = ["HAProxyProtocolWrapper", "HAProxyWrappingFactory"]


class HAProxyProtocolWrapper(ProtocolWrapper):
    """Reads a version 1 or 2 PROXY header from the connection, then passes the rest of the
    bytes on; from then on ``getPeer`` and ``getHost`` give the header's addresses (the
    connection's own where the header has none). A connection that does not start with a
    valid header is closed and the wrapped protocol sees none of its bytes."""

    def __init__(self, factory: WrappingFactory, wrappedProtocol: Any) -> None:
        super().__init__(factory, wrappedProtocol)
        self._proxyInfo: ProxyInfo | None = None
        self._parser: Union[V1Parser, V2Parser] | None = None
        self._refused = False

    def dataReceived(self, data: bytes) -> None:
        if self._proxyInfo is not None:
            self.wrappedProtocol.dataReceived(data)
            return
        if self._refused or not data:
            return
        if self._parser is None:
            # The two versions differ in their first byte: "P" against "\r".
            self._parser = V2Parser() if data[:1] == V2Parser.PREFIX[:1] else V1Parser()
        try:
            info, rest = self._parser.feed(data)
        except InvalidProxyHeader:
            self._refused = True
            self.transport.loseConnection()
            return
        if info is None:
            return
        self._proxyInfo = info
        self._parser = None
        if rest:
            self.wrappedProtocol.dataReceived(rest)

    def getPeer(self) -> IAddress:
        """The header's source address, or the connection's peer when it gave none."""
        if self._proxyInfo is not None and self._proxyInfo.source is not None:
            return self._proxyInfo.source
        return self.transport.getPeer()

    def getHost(self) -> IAddress:
        """The header's destination address, or the connection's own when it gave none."""
        if self._proxyInfo is not None and self._proxyInfo.destination is not None:
            return self._proxyInfo.destination
        return self.transport.getHost()


class HAProxyWrappingFactory(WrappingFactory):
    """Wraps every protocol ``wrappedFactory`` builds in an ``HAProxyProtocolWrapper``."""

    protocol = HAProxyProtocolWrapper

    def logPrefix(self) -> str:
        """The wrapped factory's log prefix, then ``" (PROXY)"``."""
        if hasattr(self.wrappedFactory, "logPrefix"):
            prefix = str(self.wrappedFactory.logPrefix())
        else:
            prefix = type(self.wrappedFactory).__name__
        return f"{prefix} (PROXY)"
