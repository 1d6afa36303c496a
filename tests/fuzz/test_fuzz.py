"""Bounded fuzzing in CI: hostile bytes whole and split give one result, and nothing raises.

The long run of the same targets (a million inputs each) is ``python -m tests.fuzz``; see
docs/reliability.md.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz._mutate import mutate, split
from tests.fuzz._targets import SEEDS, TARGETS


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=False))
def test_whole_and_split_agree(name: str, rng: random.Random) -> None:
    target = TARGETS[name]
    data = mutate(rng, SEEDS[name])
    assert target([data]) == target(split(rng, data))


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seeds_are_accepted(name: str) -> None:
    # The seeds are valid input: the targets must not treat them as errors.
    for seed in SEEDS[name]:
        result = TARGETS[name]([seed])
        assert result == TARGETS[name]([seed[i : i + 1] for i in range(len(seed))])
