"""The server endpoint descriptions Twisted registers as plugins: ``tcp6:``, ``stdio:`` and
``systemd:`` (``serverFromString`` also knows the first two itself)."""

from __future__ import annotations

from twistio.internet.endpoints import _StandardIOParser, _SystemdParser, _TCP6ServerParser

systemdEndpointParser = _SystemdParser()
tcp6ServerEndpointParser = _TCP6ServerParser()
stdioEndpointParser = _StandardIOParser()
