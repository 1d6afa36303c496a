"""The ``haproxy:`` server endpoint description (``haproxy:tcp:8080``)."""

from __future__ import annotations

from twistio.protocols.haproxy._parser import HAProxyServerParser

haproxyServerParser = HAProxyServerParser()
