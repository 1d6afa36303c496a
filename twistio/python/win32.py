"""Windows helpers (``twisted.python.win32``): command-line quoting and error texts.

Importable everywhere; ``cmdLineQuote`` follows the Microsoft C runtime's rules.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from twistio.python.deprecate import deprecatedModuleAttribute
from twistio.python.versions import Version

__all__ = [
    "ERROR_DIRECTORY",
    "ERROR_FILE_NOT_FOUND",
    "ERROR_INVALID_NAME",
    "ERROR_PATH_NOT_FOUND",
    "O_BINARY",
    "cmdLineQuote",
    "formatError",
    "quoteArguments",
]

#: ``os.O_BINARY`` where the platform has it (Windows), else 0: safe to OR into any flags.
O_BINARY = getattr(os, "O_BINARY", 0)

# Windows system error codes (winerror.h) that file-path code tests for.
ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND = 2, 3
ERROR_INVALID_NAME, ERROR_DIRECTORY = 123, 267


class FakeWindowsError(OSError):
    """Stood in for ``WindowsError`` off Windows (deprecated: catch ``OSError``)."""


WindowsError = OSError

for _name in ("FakeWindowsError", "WindowsError"):
    deprecatedModuleAttribute(
        Version("Twisted", 21, 2, 0),
        "Catch OSError and check presence of 'winerror' attribute.",
        __name__,
        _name,
    )

# Backslashes, then a quote: the backslashes are doubled and the quote escaped.
_cmdLineQuoteRe = re.compile(r'(\\*)"')
# Backslashes at the end: doubled (they would otherwise escape a closing quote).
_cmdLineQuoteRe2 = re.compile(r"(\\+)\Z")


def cmdLineQuote(s: str) -> str:
    """``s`` as one argument of a Windows command line."""
    escaped = _cmdLineQuoteRe.sub(lambda m: 2 * m.group(1) + '\\"', s)
    escaped = _cmdLineQuoteRe2.sub(lambda m: 2 * m.group(1), escaped)
    if not s or any(c in s for c in ' \t"'):
        return f'"{escaped}"'
    return escaped


def quoteArguments(arguments: Iterable[str]) -> str:
    """A Windows command line from a list of arguments."""
    return " ".join(cmdLineQuote(argument) for argument in arguments)


class _ErrorFormatter:
    """Describes Windows error codes with what the platform offers."""

    def __init__(
        self,
        WinError: Callable[[int], Any] | None,
        FormatMessage: Callable[[int], str] | None,
        errorTab: dict[int, str] | None,
    ) -> None:
        self.winError = WinError
        self.formatMessage = FormatMessage
        self.errorTab = errorTab

    @classmethod
    def fromEnvironment(cls) -> _ErrorFormatter:
        """A formatter using ``ctypes.WinError``, ``win32api.FormatMessage`` and
        ``socket.errorTab`` where they exist."""

        def lookup(module: str, name: str) -> Any:
            try:
                return getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                return None

        return cls(
            lookup("ctypes", "WinError"),
            lookup("win32api", "FormatMessage"),
            lookup("socket", "errorTab"),
        )

    def formatError(self, errorcode: int) -> str:
        """The text for ``errorcode``: the first of ``WinError``, ``FormatMessage`` and
        ``errorTab`` that is there, ``os.strerror`` as the last resort."""
        if self.winError is not None:
            return str(self.winError(errorcode).strerror)
        if self.formatMessage is not None:
            return self.formatMessage(errorcode)
        known = None if self.errorTab is None else self.errorTab.get(errorcode)
        return os.strerror(errorcode) if known is None else known


formatError = _ErrorFormatter.fromEnvironment().formatError
