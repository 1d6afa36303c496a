"""Type names that the modules under mypy's ``disallow_any_explicit`` share (issue 17).

mypy counts the ``...`` of ``Callable[..., R]`` as an explicit ``Any``. Twisted's model
keeps a callable beside the arguments it will later be called with (``callLater``,
``addCallback``, system event triggers, thread calls): the arguments are stored as
``tuple[object, ...]`` and ``dict[str, object]``, so the callable's parameters cannot be
spelled, and ``Callable[..., R]`` is the honest type. It is written once, here, in a
module outside ``disallow_any_explicit``; where the call and its arguments meet in one
signature, a ``ParamSpec`` is used instead.

``ConnectionTransport`` exists for type checking only (import it under
``TYPE_CHECKING``): the transport a protocol on one of twistio's stream connections (TCP,
UNIX, TLS) is given. ``Protocol.transport`` is typed ``ITransport``, what every transport
offers; a protocol that also uses the rest (producer and consumer methods,
``abortConnection``, ``disconnecting``) declares ``transport: ConnectionTransport``.

``Dispatched`` is the other honest ``Any``: a value that hot code tells apart by comparing a
type it saved once (``kind = type(value)``, then ``if kind is str: ... elif kind is Tag:``).
mypy narrows only a direct ``type(value) is C``, and calling ``type()`` at every test would
slow the template flattener's inner loops; the tests are still made, at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from typing_extensions import TypeAlias

if TYPE_CHECKING:
    from twistio.internet.interfaces import IConsumer, IPushProducer, ITLSTransport

    class ConnectionTransport(ITLSTransport, IConsumer, IPushProducer, Protocol):
        """A stream connection's transport: a TCP transport (that can start TLS) which is
        also a consumer (of a producer's data) and a push producer (of the data it reads)."""

        #: True (1) while connected.
        connected: int
        #: True once ``loseConnection`` (or ``abortConnection``) was called.
        disconnecting: bool


_R = TypeVar("_R")

#: A callable to be called later with arguments kept beside it; its result is not used.
StoredCall: TypeAlias = Callable[..., object]

#: The same, when its result is used: ``StoredCallOf[int]`` returns an ``int``.
StoredCallOf: TypeAlias = Callable[..., _R]

#: A value dispatched on a saved ``type(value)`` (see above): only in such hot loops.
Dispatched: TypeAlias = Any

__all__ = ["Dispatched", "StoredCall", "StoredCallOf"]
