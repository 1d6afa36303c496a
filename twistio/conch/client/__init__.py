"""SSH client support: known_hosts files, ssh-agent access."""

from __future__ import annotations
