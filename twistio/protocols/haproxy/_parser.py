"""The ``haproxy:`` server endpoint description and ``proxyEndpoint``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twistio.internet.endpoints import _WrapperServerEndpoint, serverFromString
from twistio.internet.interfaces import IStreamServerEndpointStringParser, implementer
from twistio.plugin import IPlugin
from twistio.protocols.haproxy._wrapper import HAProxyWrappingFactory

__all__ = ["HAProxyServerParser", "proxyEndpoint", "unparseEndpoint"]


def proxyEndpoint(wrappedEndpoint: Any) -> _WrapperServerEndpoint:
    """A server endpoint listening through ``wrappedEndpoint`` whose connections each start
    with a PROXY header; their transports' ``getPeer`` and ``getHost`` report what it says."""
    return _WrapperServerEndpoint(wrappedEndpoint, HAProxyWrappingFactory)


def _quote(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace(":", "\\:")


def unparseEndpoint(args: tuple[object, ...], kwargs: Mapping[str, object]) -> str:
    """Write parsed positional and keyword arguments back as an endpoint description,
    ``:``-separated, keywords as ``name=value`` in name order (``:`` and ``\\`` escaped)."""
    parts = [_quote(arg) for arg in args]
    parts.extend(f"{_quote(name)}={_quote(kwargs[name])}" for name in sorted(kwargs))
    return ":".join(parts)


@implementer(IPlugin, IStreamServerEndpointStringParser)
class HAProxyServerParser:
    """Parses ``haproxy:<any server endpoint description>``."""

    prefix = "haproxy"

    def parseStreamServer(
        self, reactor: Any, *args: object, **kwargs: object
    ) -> _WrapperServerEndpoint:
        """The endpoint the rest of the description names, wrapped by ``proxyEndpoint``."""
        return proxyEndpoint(serverFromString(reactor, unparseEndpoint(args, kwargs)))
