"""AMP boxes over a pair of byte streams, read the same way blocking or with asyncio."""

from __future__ import annotations

import struct
from collections.abc import Awaitable, Callable

from twistio.protocols.amp import AmpBox

__all__ = ["readBox", "readBoxAsync"]


def _decodeLength(two: bytes) -> int:
    (length,) = struct.unpack("!H", two)
    return int(length)


def readBox(readExactly: Callable[[int], bytes]) -> AmpBox | None:
    """The next box, or None at a clean end of the stream (``readExactly`` returns less than
    asked only at the end)."""
    box = AmpBox()
    while True:
        head = readExactly(2)
        if len(head) < 2:
            if not box and not head:
                return None
            raise EOFError("the stream ended inside an AMP box")
        size = _decodeLength(head)
        if size == 0:
            return box
        key = readExactly(size)
        valueSize = readExactly(2)
        if len(key) < size or len(valueSize) < 2:
            raise EOFError("the stream ended inside an AMP box")
        value = readExactly(_decodeLength(valueSize))
        box[key] = value


async def readBoxAsync(readExactly: Callable[[int], Awaitable[bytes]]) -> AmpBox | None:
    """:func:`readBox` for an asyncio stream's ``readexactly`` (None at a clean end)."""
    import asyncio

    box = AmpBox()
    try:
        while True:
            size = _decodeLength(await readExactly(2))
            if size == 0:
                return box
            key = await readExactly(size)
            box[key] = await readExactly(_decodeLength(await readExactly(2)))
    except asyncio.IncompleteReadError as e:
        if not box and not e.partial:
            return None
        raise EOFError("the stream ended inside an AMP box") from None
