"""``python.context.enter_context``: a base context for the rest of a ``contextvars``
context (what twistio's transports give each connection's callbacks)."""

from __future__ import annotations

import asyncio

from twistio.python import context


async def test_entered_context_reaches_what_the_task_schedules() -> None:
    seen: list[object] = []
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    async def connection() -> None:
        assert context.enter_context({"who": "first"})
        seen.append(context.get("who"))
        loop.call_soon(lambda: seen.append(context.get("who")))
        # What call() adds wins over the base.
        seen.append(context.call({"who": "inner"}, context.get, "who"))

    async def other() -> None:
        seen.append(("other", context.get("who", "nobody")))

    await asyncio.get_running_loop().create_task(connection())
    await asyncio.get_running_loop().create_task(other())
    loop.call_soon(done.set_result, None)
    await done
    assert seen == ["first", "inner", "first", ("other", "nobody")]
    # Not in the test's own context either.
    assert context.get("who") is None


def test_snapshot_includes_the_base() -> None:
    import contextvars

    def inside() -> object:
        context.enter_context({"k": 1})
        tracker = context.theContextTracker.currentContext()
        return tracker.getContext("k")

    assert contextvars.copy_context().run(inside) == 1
