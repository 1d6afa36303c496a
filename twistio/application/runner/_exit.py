"""Leaving the program with a status from ``sysexits.h`` and a message."""

from __future__ import annotations

from enum import IntEnum
from sys import exit as sysexit
from sys import stderr, stdout
from typing import NoReturn

__all__ = ["ExitStatus", "exit"]


class ExitStatus(IntEnum):
    """The exit statuses of ``sysexits.h``."""

    EX_OK = 0  # success
    EX_USAGE = 64  # the command was used incorrectly
    EX_DATAERR = 65  # the input data was incorrect
    EX_NOINPUT = 66  # an input file did not exist or was not readable
    EX_NOUSER = 67  # the user given does not exist
    EX_NOHOST = 68  # the host given does not exist
    EX_UNAVAILABLE = 69  # a service is unavailable
    EX_SOFTWARE = 70  # an internal software error
    EX_OSERR = 71  # an operating system error
    EX_OSFILE = 72  # a system file is missing or wrong
    EX_CANTCREAT = 73  # an output file cannot be created
    EX_IOERR = 74  # an error doing I/O on a file
    EX_TEMPFAIL = 75  # a temporary failure: try again later
    EX_PROTOCOL = 76  # the remote system returned something impossible
    EX_NOPERM = 77  # not permitted
    EX_CONFIG = 78  # something is configured wrongly


def exit(status: int | ExitStatus, message: str = "") -> NoReturn:
    """Exit with ``status``, writing ``message`` (and a newline) first: to standard output
    for status 0, else to standard error."""
    code = int(status)
    if message:
        out = stdout if code == 0 else stderr
        out.write(message + "\n")
    sysexit(code)
