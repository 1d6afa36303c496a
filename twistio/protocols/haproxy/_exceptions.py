"""What a malformed PROXY header raises."""

from __future__ import annotations

from collections.abc import Callable, Generator
from contextlib import contextmanager


class InvalidProxyHeader(Exception):
    """The bytes are not a PROXY protocol header."""


class InvalidNetworkProtocol(InvalidProxyHeader):
    """The header names a network protocol or address family this parser does not know."""


class MissingAddressData(InvalidProxyHeader):
    """The header's addresses or ports are missing or cut short."""


@contextmanager
def convertError(
    sourceType: type[BaseException], targetType: Callable[[], BaseException]
) -> Generator[None, None, None]:
    """Within the block, an exception of ``sourceType`` becomes ``targetType()``, raised from
    the original."""
    try:
        yield
    except sourceType as original:
        raise targetType() from original
