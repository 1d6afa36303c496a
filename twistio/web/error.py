"""Exceptions of twistio.web: ``Error`` (an HTTP status with a message) and friends."""

from __future__ import annotations

from collections.abc import Sequence
from traceback import format_list

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


def _codeToMessage(code: bytes | str) -> bytes | None:
    """The standard reason phrase of the status ``code`` (``b"302"`` -> ``b"Found"``), or
    ``None`` when the code is not a number or not a known status."""
    try:
        return RESPONSES.get(int(code))
    except (ValueError, TypeError):
        return None


class Error(Exception):
    """An HTTP error: ``status`` (bytes), ``message`` (the reason phrase by default), ``response``.

    ``code`` must be made of digits (``ValueError`` otherwise); an unknown code leaves
    ``message`` ``None``.
    """

    def __init__(
        self,
        code: int | bytes | str,
        message: bytes | None = None,
        response: bytes | None = None,
    ) -> None:
        status = _code(code)
        if not status.isdigit():
            raise ValueError(f"Not a valid HTTP status code: {code!r}")
        self.status = status
        if message is None:
            message = _codeToMessage(status)
        self.message = message
        self.response = response
        super().__init__(status, message, response)

    def __str__(self) -> str:
        status = self.status.decode("ascii", "replace")
        if self.message is None:
            return status
        return f"{status} {self.message.decode('ascii', 'replace')}"


class _WithLocation(Error):
    """An error about a redirect: ``location`` is where it pointed (appended to ``message``
    when both are set)."""

    location: bytes | None

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


class PageRedirect(_WithLocation):
    """A redirect: ``location`` is where to go (appended to ``message`` when both are set)."""


class InfiniteRedirection(_WithLocation):
    """A redirect loop was detected (``location`` as for ``PageRedirect``)."""


class RedirectWithNoLocation(Error):
    """A redirect response had no ``Location``; ``uri`` is the page that sent it."""

    def __init__(self, code: int | bytes | str, message: bytes, uri: bytes) -> None:
        super().__init__(code, message)
        self.message = message + b" to " + uri
        self.uri = uri


class UnsupportedMethod(Exception):
    """The resource has no ``render_<METHOD>``; ``allowedMethods`` lists those it has."""

    allowedMethods: Sequence[bytes] = ()

    def __init__(self, allowedMethods: Sequence[bytes], *args: object) -> None:
        super().__init__(allowedMethods, *args)
        self.allowedMethods = allowedMethods
        if not isinstance(allowedMethods, Sequence):
            raise TypeError(
                "UnsupportedMethod's first argument must be the sequence of allowed methods"
            )

    def __str__(self) -> str:
        return f"Expected one of {self.allowedMethods!r}"


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

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__!r}: {self.element!r} had no render method named "
            f"{self.renderName!r}"
        )


class MissingTemplateLoader(RenderError):
    """An element has no template loader."""

    def __init__(self, element: object) -> None:
        super().__init__(element)
        self.element = element

    def __repr__(self) -> str:
        return f"{type(self).__name__!r}: {self.element!r} had no loader"


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
        self,
        exception: BaseException,
        roots: Sequence[object],
        traceback: Sequence[object] | None,
    ) -> None:
        self._exception = exception
        self._roots = roots
        self._traceback = traceback
        Exception.__init__(self, exception, roots, traceback)

    def _formatRoot(self, obj: object) -> str:
        """One line naming a root: a string's repr (its middle cut out past 40 characters,
        non-ASCII escaped), a tag's name and source position, else ``repr``."""
        from twistio.web._stan import Tag

        if isinstance(obj, bytes):
            return ascii(obj[:20] + b"<...>" + obj[-20:] if len(obj) > 40 else obj)
        if isinstance(obj, str):
            return ascii(obj[:20] + "<...>" + obj[-20:] if len(obj) > 40 else obj)
        if isinstance(obj, Tag):
            name = str(obj.tagName)
            if obj.filename is None:
                return f"Tag <{name}>"
            return (
                f'File "{obj.filename}", line {obj.lineNumber}, column {obj.columnNumber}, '
                f'in "{name}"'
            )
        return repr(obj)

    def __repr__(self) -> str:
        lines = ["Exception while flattening:\n"]
        lines.extend(f"  {self._formatRoot(root)}\n" for root in self._roots)
        if self._traceback:
            lines.extend(format_list(self._traceback))  # type: ignore[arg-type]
        lines.append(f"{type(self._exception).__name__}: {self._exception}\n")
        return "".join(lines)

    __str__ = __repr__


class ExcessiveBufferingError(Exception):
    """More data was buffered than a limit allows (Twisted's name, for code that catches it)."""


class UnsupportedSpecialHeader(Exception):
    """A special header (``Link``...) cannot be handled."""
