"""Exceptions of twistio.web: ``Error`` (an HTTP status with a message) and friends."""

from __future__ import annotations

from collections.abc import Sequence

from twistio.web._responses import RESPONSES

__all__ = [
    "Error",
    "FlattenerError",
    "InfiniteRedirection",
    "MissingRenderMethod",
    "MissingTemplateLoader",
    "PageRedirect",
    "RedirectWithNoLocation",
    "RenderError",
    "SchemeNotSupported",
    "UnexposedMethodError",
    "UnfilledSlot",
    "UnsupportedMethod",
    "UnsupportedType",
]


def _code(code: int | bytes | str) -> bytes:
    if isinstance(code, int):
        return b"%d" % code
    return code.encode("ascii") if isinstance(code, str) else code


class Error(Exception):
    """An HTTP error: ``status`` (bytes), ``message`` (the reason phrase by default), ``response``."""

    def __init__(
        self,
        code: int | bytes | str,
        message: bytes | None = None,
        response: bytes | None = None,
    ) -> None:
        self.status = _code(code)
        if message is None:
            try:
                message = RESPONSES.get(int(self.status))
            except ValueError:
                message = None
        self.message = message
        self.response = response
        super().__init__(code, message, response)

    def __str__(self) -> str:
        msg = (self.message or b"").decode("ascii", "replace")
        return f"{self.status.decode('ascii', 'replace')} {msg}"


class PageRedirect(Error):
    """A redirect: ``location`` is where to go."""

    def __init__(
        self,
        code: int | bytes | str,
        message: bytes | None = None,
        response: bytes | None = None,
        location: bytes | None = None,
    ) -> None:
        super().__init__(code, message, response)
        if self.message and location:
            self.message = self.message + b" to " + location
        self.location = location


class InfiniteRedirection(Error):
    """A redirect loop was detected."""

    def __init__(
        self,
        code: int | bytes | str,
        message: bytes | None = None,
        response: bytes | None = None,
        location: bytes | None = None,
    ) -> None:
        super().__init__(code, message, response)
        if self.message and location:
            self.message = self.message + b" to " + location
        self.location = location


class RedirectWithNoLocation(Error):
    """A redirect response had no ``Location``."""

    def __init__(self, code: int | bytes | str, message: bytes, uri: bytes) -> None:
        super().__init__(code, message + b" for " + uri)
        self.uri = uri


class UnsupportedMethod(Exception):
    """The resource has no ``render_<METHOD>``; ``allowedMethods`` lists those it has."""

    allowedMethods: Sequence[bytes] = ()

    def __init__(self, allowedMethods: Sequence[bytes], *args: object) -> None:
        super().__init__(allowedMethods, *args)
        self.allowedMethods = allowedMethods
        if not isinstance(allowedMethods, (list, tuple)):
            raise TypeError("allowedMethods must be a sequence of bytes")


class SchemeNotSupported(Exception):
    """The URL scheme is not supported."""


class RenderError(Exception):
    """Base class for rendering errors."""


class MissingRenderMethod(RenderError):
    """A template referred to a render method the element lacks."""

    def __init__(self, element: object, renderName: str) -> None:
        super().__init__(element, renderName)
        self.element = element
        self.renderName = renderName


class MissingTemplateLoader(RenderError):
    """An element has no template loader."""

    def __init__(self, element: object) -> None:
        super().__init__(element)
        self.element = element


class UnexposedMethodError(Exception):
    """A method that is not exposed was asked for."""


class UnfilledSlot(Exception):
    """A template slot was not filled."""


class UnsupportedType(Exception):
    """The flattener met an object of an unsupported type."""


class FlattenerError(Exception):
    """Flattening failed: ``FlattenerError(exception, roots, traceback)``, the exception
    raised, the elements being flattened (outermost first) and the traceback's frames."""

    def __init__(
        self, exception: BaseException, roots: Sequence[object], traceback: Sequence[object]
    ) -> None:
        self._exception = exception
        self._roots = roots
        self._traceback = traceback
        Exception.__init__(self, exception, roots, traceback)


class ExcessiveBufferingError(Exception):
    """More data was buffered than a limit allows (Twisted's name, for code that catches it)."""


class UnsupportedSpecialHeader(Exception):
    """A special header (``Link``...) cannot be handled."""
