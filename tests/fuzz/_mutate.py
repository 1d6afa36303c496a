"""Input generation shared by the bounded CI fuzz and the long run (``python -m tests.fuzz``)."""

from __future__ import annotations

import random
from collections.abc import Sequence

# Bytes that mean something to the protocols under test, drawn more often than the rest.
_INTERESTING = b"\r\n:, \t0123456789abcdefABCDEF;=-/.\x00\x7f\x80\xff"
_TOKENS = [
    b"\r\n",
    b"\r\n\r\n",
    b"\n",
    b"\r",
    b"HTTP/1.1",
    b"HTTP/1.0",
    b"Content-Length: ",
    b"Transfer-Encoding: chunked",
    b"Host: ",
    b"Connection: close",
    b"0\r\n\r\n",
    b"Expect: 100-continue",
    b"GET ",
    b"POST ",
    b"\x00\x00\x00",
    b"\xff\xff",
    b"99999999",
]


def mutate(rng: random.Random, seeds: Sequence[bytes], size: int = 400) -> bytes:
    """A seed changed by a few random edits, or random bytes (a tenth of the time)."""
    if rng.random() < 0.1:
        return bytes(
            rng.choice(_INTERESTING) if rng.random() < 0.5 else rng.randrange(256)
            for _ in range(rng.randrange(size))
        )
    data = bytearray(rng.choice(seeds))
    for _ in range(rng.randrange(1, 6)):
        op = rng.randrange(7)
        at = rng.randrange(len(data) + 1)
        if op == 0 and data:  # flip a byte
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif op == 1:  # insert an interesting byte
            data[at:at] = bytes([rng.choice(_INTERESTING)])
        elif op == 2:  # insert a token
            data[at:at] = rng.choice(_TOKENS)
        elif op == 3 and data:  # delete a run
            del data[at : at + rng.randrange(1, 8)]
        elif op == 4:  # duplicate a run
            run = data[at : at + rng.randrange(1, 40)]
            data[at:at] = run * rng.randrange(1, 4)
        elif op == 5:  # splice another seed in
            data[at:at] = rng.choice(seeds)
        else:  # a long run of one byte
            data[at:at] = bytes([rng.choice(_INTERESTING)]) * rng.randrange(1, 300)
    return bytes(data[: size * 4])


def split(rng: random.Random, data: bytes) -> list[bytes]:
    """``data`` cut at random points (sometimes into single bytes)."""
    if len(data) < 2:
        return [data]
    if rng.random() < 0.1:
        return [data[i : i + 1] for i in range(len(data))]
    cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randrange(1, 12))))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
