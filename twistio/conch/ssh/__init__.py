"""The SSH protocol in Conch's layers: transport, userauth, connection, channels, sessions."""

from __future__ import annotations
