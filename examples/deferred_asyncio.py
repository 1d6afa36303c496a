"""Twisted-style Deferreds and asyncio in one program, on one event loop.

Run: python examples/deferred_asyncio.py
"""

from __future__ import annotations

import asyncio

from twistio.internet.defer import Deferred, DeferredList, ensureDeferred, inlineCallbacks


def slow_double(x: int) -> Deferred[int]:
    """Twisted-style code: returns a Deferred that fires later."""
    d: Deferred[int] = Deferred()
    asyncio.get_running_loop().call_later(0.05, d.callback, x * 2)
    return d


@inlineCallbacks
def add_doubles(a: int, b: int):  # type: ignore[no-untyped-def]
    """Classic inlineCallbacks code, waiting on Deferreds."""
    x = yield slow_double(a)
    y = yield slow_double(b)
    return x + y


async def mixed() -> str:
    """A coroutine run by ensureDeferred that awaits both worlds."""
    await asyncio.sleep(0.01)  # an asyncio awaitable
    total = await add_doubles(1, 2)  # a Deferred
    return f"total={total}"


async def main() -> None:
    # A plain asyncio task awaiting Deferreds, gathered with asyncio.gather.
    results = await asyncio.gather(slow_double(10), add_doubles(3, 4))
    print("gathered:", results)
    print("ensureDeferred:", await ensureDeferred(mixed()))
    outcome = await DeferredList([slow_double(1), slow_double(2)])
    print("DeferredList:", outcome)


if __name__ == "__main__":
    asyncio.run(main())
