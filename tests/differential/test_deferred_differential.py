"""Programs of Deferred operations run on Twisted and on twistio must leave identical traces.

Set TWISTIO_DIFFERENTIAL_TARGET=twisted to run the harness Twisted-against-Twisted (a check
that traces hold no object identities or other run-to-run noise).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.differential._deferred_programs import (
    Impl,
    Program,
    compare,
    deep_inline,
    deep_returned_chain,
    full_report,
    last_failure,
    programs,
    run_program,
    twisted_impl,
    twistio_impl,
)

TWISTED = twisted_impl()


def _target() -> Impl:
    if os.environ.get("TWISTIO_DIFFERENTIAL_TARGET") == "twisted":
        t = twisted_impl()
        return Impl("twisted (again)", t.defer, t.Failure)
    return twistio_impl()


TARGET = _target()

# No shrink phase: hypothesis shrinks these programs slowly, so a failing program is
# reduced by `minimise` instead (see _run_minimising).
_settings = settings(
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    max_examples=500,
    deadline=None,
    database=None,
    # The same programs on every run: a run of the whole suite once met a random program
    # that kept Twisted's inlineCallbacks busy for minutes (drop this line locally to
    # explore new programs).
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _run_minimising(test: Callable[[], None], strict: bool) -> None:
    """Run a hypothesis test; on failure, add the minimised program and both full traces."""
    last_failure.clear()
    try:
        test()
    except BaseException as e:
        if last_failure:
            report = full_report(last_failure[-1], TWISTED, TARGET, strict)
            raise AssertionError(report) from e
        raise


@_settings
@given(programs)
def _random_programs(program: Program) -> None:
    compare(program, TWISTED, TARGET)


@settings(_settings, max_examples=150)
@given(programs)
def _random_programs_strict(program: Program) -> None:
    compare(program, TWISTED, TARGET, strict=True)


def test_random_programs() -> None:
    _run_minimising(_random_programs, strict=False)


def test_random_programs_strict() -> None:
    """Also compares Deferred reprs and the messages of the library's own exceptions."""
    _run_minimising(_random_programs_strict, strict=True)


@settings(_settings, max_examples=50)
@given(programs)
def test_harness_is_deterministic(program: Program) -> None:
    """Two runs on Twisted agree, so every difference found comes from the implementation."""
    assert run_program(TWISTED, program, strict=True) == run_program(TWISTED, program, strict=True)


def _add(i: int, how: str, cb: tuple, eb: tuple = ("pass",)) -> tuple:
    return ("add", i, how, cb, eb, (), {})


PASS = ("pass",)
RETURN_NEXT = ("deferred", 0)  # the first pool Deferred ranked above the owner

REGRESSIONS = {
    "callback returns an already fired Deferred": Program(
        steps=(
            ("fire", 1, 5),
            _add(0, "callback", RETURN_NEXT),
            _add(0, "both", PASS),
            _add(1, "both", PASS),
            ("fire", 0, 1),
            ("snapshot", 0),
            ("snapshot", 1),
        )
    ),
    "callback returns an already failed Deferred": Program(
        steps=(
            ("fail", 1, "Boom", "m", "exception"),
            _add(0, "callback", RETURN_NEXT),
            _add(0, "errback", ("inspect",), ("inspect",)),
            ("fire", 0, 1),
            ("snapshot", 1),
        )
    ),
    "callback returns a paused Deferred": Program(
        steps=(
            ("fire", 1, 5),
            ("pause", 1),
            _add(0, "callback", RETURN_NEXT),
            _add(0, "both", PASS),
            ("fire", 0, 1),
            ("snapshot", 0),
            ("snapshot", 1),
            ("unpause", 1),
            ("snapshot", 0),
            ("snapshot", 1),
        )
    ),
    "callback returns a Deferred that is itself waiting": Program(
        bases=(None, None, None),
        steps=(
            _add(1, "callback", RETURN_NEXT),
            ("fire", 1, 1),
            _add(0, "callback", RETURN_NEXT),
            ("fire", 0, 0),
            ("snapshot", 0),
            ("snapshot", 1),
            ("fire", 2, 2),
            ("snapshot", 0),
        ),
    ),
    "cancel reaches into the Deferred waited on (canceller fires)": Program(
        bases=(None, "callback"),
        steps=(
            _add(0, "callback", RETURN_NEXT),
            ("fire", 0, 0),
            ("cancel", 0),
            ("snapshot", 0),
            ("snapshot", 1),
        ),
    ),
    "cancel reaches into the Deferred waited on (no canceller)": Program(
        bases=(None, None),
        steps=(
            _add(0, "callback", RETURN_NEXT),
            _add(0, "errback", PASS, ("inspect",)),
            ("fire", 0, 0),
            ("cancel", 0),
            ("fire", 1, "late, suppressed"),
            ("fire", 1, "later, AlreadyCalledError"),
        ),
    ),
    "cancel an inlineCallbacks waiting on a Deferred whose canceller does nothing": Program(
        bases=(None, "noop"),
        steps=(
            ("inline", ((1, True), (1, False)), "return"),
            _add(2, "both", PASS),
            ("cancel", 2),
            ("fire", 1, "too late"),
        ),
    ),
    "inlineCallbacks yields the same fired Deferred twice": Program(
        bases=(None,),
        steps=(
            ("fire", 0, 7),
            ("inline", ((0, True), (0, True)), "returnValue"),
            ("snapshot", 0),
            ("coro", ((0, True),), "return", "ensureDeferred"),
        ),
    ),
    "inlineCallbacks yields a Deferred that still has callbacks to run": Program(
        # d0 waits on d1; when d1 fires, it hands its result to d0 (whose callback resumes the
        # generator) and then still has to run cb3. The generator's second yield of d1 must
        # wait for cb3 and receive 42, not read d1's half-processed result.
        bases=(None, None),
        steps=(
            ("wait", 0, 0, 0),
            ("inline", ((0, False), (1, False)), "return"),
            ("add", 1, "callback", ("value", 42), PASS, (), {}),
        ),
    ),
    "double firing and cancel": Program(
        bases=(None, "noop", "raise"),
        steps=(
            ("fire", 0, 1),
            ("fire", 0, 2),
            ("fail", 0, "Boom", "m", "failure"),
            ("cancel", 1),
            ("fire", 1, 3),
            ("fire", 1, 4),
            ("cancel", 2),
            ("cancel", 2),
        ),
    ),
    "DeferredList fireOnOneErrback consumeErrors and cancel": Program(
        bases=(None, None, "callback"),
        steps=(
            ("dlist", (0, 1, 2), False, True, True),
            ("gather", (0, 2), False),
            _add(1, "both", PASS),
            ("fail", 1, "ValueError", "n", "current"),
            ("cancel", 4),
            ("snapshot", 3),
            ("snapshot", 4),
        ),
    ),
    "race whose loser's canceller succeeds": Program(
        bases=("callback", "callback", None),
        steps=(
            ("race", (0, 1, 2)),
            _add(3, "both", PASS),
            ("fire", 2, "winner"),
            ("race", (0, 1)),
        ),
    ),
    "lock, semaphore and queue": Program(
        bases=(None,),
        sem_tokens=1,
        queue_size=1,
        queue_backlog=1,
        steps=(
            ("lock", "acquire"),
            ("lock", "acquire"),
            ("lock", "run", ("value", 3)),
            ("cancel", 2),
            ("lock", "release"),
            ("lock", "release"),
            ("lock", "release"),
            ("sem", "acquire"),
            ("sem", "run", ("deferred", 0)),
            ("sem", "release"),
            ("queue", "get"),
            ("queue", "get"),
            ("queue", "put", 1),
            ("queue", "put", 2),
            ("queue", "put", 3),
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regression(name: str) -> None:
    compare(REGRESSIONS[name], TWISTED, TARGET, strict=False)


STRICT_REGRESSIONS = {
    "repr of a chainDeferred target fired directly": Program(
        # Firing d0 forgets that d1.chainDeferred(d0) made it wait: its repr shows its result.
        bases=(None, None),
        steps=(("chain", 0, 1), ("fire", 0, 5), ("snapshot", 0)),
    ),
    "repr after chainDeferred onto a fired Deferred, then yielded": Program(
        # Running d0's callbacks forgets the chainDeferred link, so its repr shows its result.
        bases=(None, None),
        steps=(
            ("fire", 0, 1),
            ("chain", 0, 1),
            ("inline", ((0, False),), "return"),
            ("snapshot", 0),
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(STRICT_REGRESSIONS))
def test_strict_regression(name: str) -> None:
    compare(STRICT_REGRESSIONS[name], TWISTED, TARGET, strict=True)


@pytest.mark.parametrize("fire_order", ["outer first", "inner first"])
@pytest.mark.parametrize("impl", [TWISTED, TARGET], ids=lambda i: i.name)
def test_chain_10000_deep(impl: Impl, fire_order: str) -> None:
    seen, states = deep_returned_chain(impl, 10_000, fire_order)
    assert seen == ["bottom"]
    assert deep_returned_chain(TWISTED, 10_000, fire_order) == [seen, states]


@pytest.mark.parametrize("impl", [TWISTED, TARGET], ids=lambda i: i.name)
def test_10000_fired_deferreds_awaited(impl: Impl) -> None:
    total = sum(range(10_000))
    assert deep_inline(impl, 10_000) == [total, total]
