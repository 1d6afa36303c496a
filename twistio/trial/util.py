"""trial's helpers (``twisted.trial.util``): the ``suppress`` warning filter and defaults.

``suppress(...)`` builds an entry of a test's ``suppress`` list (arguments to
``warnings.filterwarnings``); ``DEFAULT_TIMEOUT_DURATION`` is the seconds a test may run;
``acquireAttribute(objects, name)`` is the first of ``objects`` that has ``name``'s value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from twistio.trial.unittest import DEFAULT_TIMEOUT_DURATION, suppress

__all__ = ["DEFAULT_TIMEOUT_DURATION", "acquireAttribute", "suppress"]

_MISSING: Any = object()


def acquireAttribute(objects: Iterable[Any], attr: str, *default: Any) -> Any:
    """The value of ``attr`` on the first of ``objects`` having it; else ``default[0]``,
    else ``AttributeError``."""
    for obj in objects:
        value = getattr(obj, attr, _MISSING)
        if value is not _MISSING:
            return value
    if default:
        return default[0]
    raise AttributeError(f"attribute {attr!r} not found in {objects!r}")
