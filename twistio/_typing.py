"""Type names that the modules under mypy's ``disallow_any_explicit`` share (issue 17).

mypy counts the ``...`` of ``Callable[..., R]`` as an explicit ``Any``. Twisted's model
keeps a callable beside the arguments it will later be called with (``callLater``,
``addCallback``, system event triggers, thread calls): the arguments are stored as
``tuple[object, ...]`` and ``dict[str, object]``, so the callable's parameters cannot be
spelled, and ``Callable[..., R]`` is the honest type. It is written once, here, in a
module outside ``disallow_any_explicit``; where the call and its arguments meet in one
signature, a ``ParamSpec`` is used instead.

``Dispatched`` is the other honest ``Any``: a value that hot code tells apart by comparing a
type it saved once (``kind = type(value)``, then ``if kind is str: ... elif kind is Tag:``).
mypy narrows only a direct ``type(value) is C``, and calling ``type()`` at every test would
slow the template flattener's inner loops; the tests are still made, at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from typing_extensions import TypeAlias

_R = TypeVar("_R")

#: A callable to be called later with arguments kept beside it; its result is not used.
StoredCall: TypeAlias = Callable[..., object]

#: The same, when its result is used: ``StoredCallOf[int]`` returns an ``int``.
StoredCallOf: TypeAlias = Callable[..., _R]

#: A value dispatched on a saved ``type(value)`` (see above): only in such hot loops.
Dispatched: TypeAlias = Any

__all__ = ["Dispatched", "StoredCall", "StoredCallOf"]
