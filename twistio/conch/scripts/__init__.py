"""The SSH command-line tools (``ckeygen``)."""

from __future__ import annotations
