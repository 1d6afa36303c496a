"""The PROXY protocol (versions 1 and 2) that HAProxy and other load balancers put in front
of a connection to say who the client really is.

``proxyEndpoint(endpoint)`` listens through ``endpoint`` and strips the header from every
accepted connection, so ``transport.getPeer()`` and ``getHost()`` report the addresses the
header names; the ``haproxy:`` endpoint description does the same
(``haproxy:tcp:8080``). ``HAProxyWrappingFactory`` wraps a factory the same way.
"""

from __future__ import annotations

from twistio.protocols.haproxy._parser import proxyEndpoint

__all__ = ["proxyEndpoint"]
