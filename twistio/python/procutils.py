"""Finding programs on ``PATH`` (``twisted.python.procutils``)."""

from __future__ import annotations

import os

__all__ = ["which"]


def which(name: str, flags: int = os.X_OK) -> list[str]:
    """Every path on ``PATH`` where ``name`` exists with access ``flags``, in ``PATH`` order.

    On Windows each extension of ``PATHEXT`` is tried as well.
    """
    suffixes = ["", *filter(None, os.environ.get("PATHEXT", "").split(os.pathsep))]
    candidates = (
        os.path.join(folder, name) + suffix
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        for suffix in suffixes
    )
    return [path for path in candidates if os.access(path, flags)]
