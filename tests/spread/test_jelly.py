"""twistio.spread.jelly: the forms (compared with Twisted's where it is installed),
references and cycles, and the security options."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest

from twistio.spread import jelly


class Thing:
    def __init__(self) -> None:
        self.x = 1
        self.y = [b"a", "b"]


def _values() -> list[Any]:
    shared = [1, 2]
    return [
        1,
        1.5,
        b"bytes",
        "text",
        None,
        True,
        False,
        [1, [2]],
        (1, (2,)),
        {1: "one", "two": [2]},
        {3},
        frozenset([4]),
        datetime.datetime(2020, 1, 2, 3, 4, 5, 6),
        datetime.date(2020, 1, 2),
        datetime.time(1, 2, 3, 4),
        datetime.timedelta(1, 2, 3),
        decimal.Decimal("-1.25"),
        decimal.Decimal("Infinity"),
        [shared, shared, (shared,)],
    ]


@pytest.mark.parametrize("value", _values(), ids=repr)
def test_round_trip(value: Any) -> None:
    assert jelly.unjelly(jelly.jelly(value)) == value


@pytest.mark.parametrize("value", _values(), ids=repr)
def test_forms_match_twisted(value: Any) -> None:
    twisted_jelly = pytest.importorskip("twisted.spread.jelly")
    assert jelly.jelly(value) == twisted_jelly.jelly(value)


def test_instance_form_and_sharing() -> None:
    t = Thing()
    sexp = jelly.jelly([t, t])
    assert sexp == [
        b"list",
        [
            b"reference",
            1,
            [
                b"tests.spread.test_jelly.Thing",
                [
                    b"dictionary",
                    [[b"unicode", b"x"], 1],
                    [[b"unicode", b"y"], [b"list", b"a", [b"unicode", b"b"]]],
                ],
            ],
        ],
        [b"dereference", 1],
    ]
    a, b = jelly.unjelly(sexp)
    assert a is b and a.y == [b"a", "b"]


def test_cycles() -> None:
    loop: list[Any] = []
    loop.append(loop)
    back = jelly.unjelly(jelly.jelly(loop))
    assert back[0] is back
    t: tuple[list[Any]] = ([],)
    t[0].append(t)
    back = jelly.unjelly(jelly.jelly(t))
    assert back[0][0] is back
    thing = Thing()
    thing.me = thing  # type: ignore[attr-defined]
    back = jelly.unjelly(jelly.jelly(thing))
    assert back.me is back


def test_security_refuses() -> None:
    secure = jelly.SecurityOptions()
    with pytest.raises(jelly.InsecureJelly):
        jelly.unjelly(jelly.jelly([1]), secure)
    secure.allowBasicTypes()
    assert jelly.unjelly(jelly.jelly([1, "x", {2: (3,)}]), secure) == [1, "x", {2: (3,)}]
    with pytest.raises(jelly.InsecureJelly, match="not allowed"):
        jelly.unjelly(jelly.jelly(Thing()), secure)
    secure.allowInstancesOf(Thing)
    assert jelly.unjelly(jelly.jelly(Thing()), secure).x == 1


def test_jelly_with_taster_marks_unpersistable() -> None:
    sexp = jelly.jelly([Thing()], jelly.SecurityOptions())
    assert sexp[1][0] == b"unpersistable"
    back = jelly.unjelly(sexp)
    assert isinstance(back[0], jelly.Unpersistable)


def test_registered_unjellyable() -> None:
    class Local(jelly.Unjellyable):
        pass

    jelly.setUnjellyableForClass("tests.spread.fake.Remote", Local)
    back = jelly.unjelly([b"tests.spread.fake.Remote", [b"dictionary", [[b"unicode", b"k"], 5]]])
    assert isinstance(back, Local) and back.k == 5


def test_persistent_store_and_load() -> None:
    sexp = jelly.jelly([Thing(), 2], persistentStore=lambda obj, j: b"ID")
    assert sexp == [b"list", [b"persistent", b"ID"], 2]
    back = jelly.unjelly(sexp, persistentLoad=lambda pid, u: ("loaded", pid))
    assert back == [("loaded", b"ID"), 2]
