"""twistio.web._abnf against Twisted's (the test-only oracle) on hostile and ordinary inputs."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twistio.web import _abnf

theirs = pytest.importorskip("twisted.web._abnf")

SAMPLES = [
    b"",
    b"0",
    b"12",
    b" 12\t",
    b"+1",
    b"-1",
    b"1_0",
    b"0x1f",
    b"1f",
    b"FF",
    b"ff",
    b" ",
    b"\xd9\xa1",
    b"1 2",
    b"\x0b1",
    b"1\n",
    b"token",
    b"to ken",
    b"a;b",
    b"!#$%&'*+-.^_`|~",
]


def outcome(f: Any, value: bytes) -> Any:
    try:
        return ("ok", f(value))
    except ValueError:
        return ("ValueError",)


@pytest.mark.parametrize("name", ["_decint", "_hexint", "_ishexdigits", "_istoken"])
@pytest.mark.parametrize("value", SAMPLES)
def test_same_answers_as_twisted(name: str, value: bytes) -> None:
    assert outcome(getattr(_abnf, name), value) == outcome(getattr(theirs, name), value)


@given(st.binary(max_size=8))
def test_same_answers_on_any_bytes(value: bytes) -> None:
    for name in ("_decint", "_hexint", "_ishexdigits", "_istoken"):
        assert outcome(getattr(_abnf, name), value) == outcome(getattr(theirs, name), value)
