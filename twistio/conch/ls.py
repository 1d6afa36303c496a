"""``lsLine``: a file's ``ls -l`` line, for the long names an SFTP server lists."""

from __future__ import annotations

import stat
import time
from typing import Any

__all__ = ["lsLine"]

# The type letter of each kind of file, as Twisted writes it (a FIFO is ``f``).
_KINDS = [(stat.S_ISDIR, "d"), (stat.S_ISCHR, "c"), (stat.S_ISBLK, "b"), (stat.S_ISREG, "-"),
          (stat.S_ISFIFO, "f"), (stat.S_ISLNK, "l"), (stat.S_ISSOCK, "s")]
# Files changed within this many seconds (or in the future) show the time, others the year.
_RECENT = 182 * 24 * 3600


def _permissions(mode: int) -> str:
    kind = next((letter for test, letter in _KINDS if test(mode)), "?")
    out = [kind]
    for shift, special in ((6, stat.S_ISUID), (3, stat.S_ISGID), (0, 0)):
        bits = (mode >> shift) & 7
        r = "r" if bits & 4 else "-"
        w = "w" if bits & 2 else "-"
        x = "x" if bits & 1 else "-"
        if special and mode & special:
            x = "s" if bits & 1 else "S"
        out.append(r + w + x)
    return "".join(out)


def _when(mtime: float) -> str:
    local = time.localtime(mtime)
    if mtime > time.time() - _RECENT:
        return time.strftime("%b %d %H:%M", local)
    return time.strftime("%b %d  %Y", local)


def lsLine(name: str, s: Any) -> str:
    """The ``ls -l`` line of ``name`` with stat result ``s`` (numeric owner and group)."""
    owner = f"{s.st_uid:<9}{s.st_gid:<9}"
    return f"{_permissions(s.st_mode)}{s.st_nlink:>5} {owner}{s.st_size:>8} {_when(s.st_mtime)} {name}"
