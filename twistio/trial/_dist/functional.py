"""Small combinators the distributed runner is written with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import TypeVar

_A = TypeVar("_A")
_B = TypeVar("_B")
_C = TypeVar("_C")

__all__ = [
    "compose",
    "countingCalls",
    "flip",
    "fromOptional",
    "iterateWhile",
    "sequence",
    "takeWhile",
]


def fromOptional(default: _A, optional: _A | None) -> _A:
    """``optional`` unless it is None, else ``default``."""
    return default if optional is None else optional


def takeWhile(condition: Callable[[_A], bool], xs: Iterable[_A]) -> Iterable[_A]:
    """The leading items of ``xs`` for which ``condition`` holds."""

    def leading() -> Iterator[_A]:
        for x in xs:
            if not condition(x):
                return
            yield x

    return leading()


async def sequence(a: Awaitable[_A], b: Awaitable[_B]) -> _B:
    """Wait for ``a``, then for ``b``; ``b``'s result."""
    await a
    return await b


def flip(f: Callable[[_A, _B], _C]) -> Callable[[_B, _A], _C]:
    """``f`` taking its first two arguments the other way round."""

    def flipped(b: _B, a: _A) -> _C:
        return f(a, b)

    return flipped


def compose(fx: Callable[[_B], _C], fy: Callable[[_A], _B]) -> Callable[[_A], _C]:
    """``x -> fx(fy(x))``."""

    def composed(x: _A) -> _C:
        return fx(fy(x))

    return composed


async def iterateWhile(predicate: Callable[[_A], bool], action: Callable[[], Awaitable[_A]]) -> _A:
    """Await ``action()`` again and again while its result satisfies ``predicate``."""
    while True:
        value = await action()
        if not predicate(value):
            return value


def countingCalls(f: Callable[[int], _A]) -> Callable[[], _A]:
    """A no-argument function calling ``f(0)``, then ``f(1)``, ``f(2)``..."""
    calls = iter(range(1 << 62))

    def counted() -> _A:
        return f(next(calls))

    return counted
