"""Reading an OpenSSH server's files: host keys and the group exchange moduli."""

from __future__ import annotations
