"""What ``TLSMemoryBIOFactory`` makes of the many kinds of object code hands it as a
"context factory", and the warning for the oldest kinds.

The modern kinds declare an interface: ``IOpenSSLClientConnectionCreator`` (a client),
``IOpenSSLServerConnectionCreator`` (a server) or ``IOpenSSLContextFactory`` (either). An
object declaring none of them, used only for its ``getContext()``, still works but gets
``LegacyContextFactoryWarning``; one without a usable ``getContext()`` is a ``TypeError``.

What a context may be: the standard library's ``ssl.SSLContext`` (twistio's own options make
these), or, when pyOpenSSL is installed, pyOpenSSL's ``OpenSSL.SSL.Context`` (code written for
Twisted makes these; ``protocols.tls`` then drives pyOpenSSL's ``Connection`` itself).
"""

from __future__ import annotations

import ssl
import warnings
from typing import Any

from twistio.internet.interfaces import (
    IOpenSSLClientConnectionCreator,
    IOpenSSLContextFactory,
    IOpenSSLServerConnectionCreator,
)

__all__ = ["LegacyContextFactoryWarning"]


class LegacyContextFactoryWarning(Warning):
    """A TLS context factory declares none of the interfaces that say what it offers; use
    ``twistio.internet.ssl``'s options (or declare ``IOpenSSLContextFactory``)."""


def pyopenssl_context_type() -> type | None:
    """pyOpenSSL's ``Context`` class, or None when pyOpenSSL is not installed."""
    try:
        from OpenSSL.SSL import Context
    except ImportError:
        return None
    return Context


def is_context(obj: object) -> bool:
    """Whether ``obj`` is a TLS context twistio can drive."""
    if isinstance(obj, ssl.SSLContext):
        return True
    kind = pyopenssl_context_type()
    return kind is not None and isinstance(obj, kind)


def legacy_context(contextFactory: Any, isClient: bool, stacklevel: int) -> Any:
    """The context of a factory that declares no connection-creator interface.

    Warns (``stacklevel`` counted from the caller of this function) unless the factory
    declares ``IOpenSSLContextFactory``; raises ``TypeError`` when there is no context to
    be had.
    """
    declared = IOpenSSLClientConnectionCreator if isClient else IOpenSSLServerConnectionCreator
    side = "Client" if isClient else "Server"
    if not IOpenSSLContextFactory.providedBy(contextFactory) and not declared.providedBy(
        contextFactory
    ):
        warnings.warn(
            f"{contextFactory!r} does not explicitly provide any OpenSSL connection-creator "
            f"{side} interface; neither {declared.__name__}, nor IOpenSSLContextFactory.",
            LegacyContextFactoryWarning,
            stacklevel=stacklevel + 1,
        )
    getContext = getattr(contextFactory, "getContext", None)
    if getContext is None:
        raise TypeError(f"{contextFactory!r} does not even have a `getContext` method")
    context = getContext()
    if not is_context(context):
        raise TypeError(f"{contextFactory!r}'s `getContext` method doesn't return a `Context`")
    return context
