"""``insults.text`` on Conch and on twistio: the same formatted-text trees give the same
VT102 strings."""

from __future__ import annotations

import warnings
from importlib import import_module
from typing import Any

import pytest

pytest.importorskip("twisted.conch.insults.text")

TREES = [
    "A.bold[A.fg.red['Hello', A.underline[' there']], ' world']", "A.normal['plain']",
    "A.bg.blue[A.blink['b'], A.reverseVideo['r']]", "A.fg.green['g', A.fg.yellow['y'], 'g2']",
    "A.bold['b', -A.bold['nb'], 'b2']", "A.underline['u', A.normal['n'], 'u2']",
    "A.fg.red[A.bg.green['x'], A.fg.blue['y']]", "A.bold['a', 'b']", "A.bold['a', A.bold['b']]",
    "A.bold[['a', 'b']]", "A.bold[('a', A.underline['b'])]", "A.fg.red[A.fg.blue['b'], 'r']",
    "A.bg.white['w']", "A.fg.black['k']", "-A.bold['x']", "-A.bold[A.underline['x']]",
    "A.bold[-A.underline['x']]", "A.normal[A.bold['x'], 'y']", "A.bold['']",
    "A.bold[A.bold[A.bold['deep']]]", "A.bold[A.underline['bu', -A.bold['u']]]",
    "A.fg.red['r', A.bg.red['rr']]", "A.bg.black['k']", "A.fg.white['w']",
    "A.bold[A.fg.black['x']]", "-A.underline[A.bold['x']]",
    "A.fg.magenta[A.bg.cyan[A.reverseVideo[A.blink['all']]]]",
]


def render(pkg: str, tree: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = import_module(pkg + ".conch.insults.text")
        helper = import_module(pkg + ".conch.insults.helper")
        value = eval(tree, {"A": text.attributes})
        start = helper.CharacterAttribute(bold=True, foreground=2)
        return (text.assembleFormattedText(value),
                text.flatten(eval(tree, {"A": text.attributes}), start))


@pytest.mark.parametrize("tree", TREES)
def test_formatted_text(tree: str) -> None:
    assert render("twistio", tree) == render("twisted", tree)


def test_want_one() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = import_module("twisted.conch.insults.helper").CharacterAttribute
        ours = import_module("twistio.conch.insults.helper").CharacterAttribute
        for kw in [{"bold": False}, {"foreground": 0}, {"foreground": 3},
                   {"underline": False}, {"background": 0}, {"blink": True}]:
            for base in ({"bold": True}, {"bold": True, "_subtracting": True}, {}):
                a, b = ours(**base).wantOne(**kw), theirs(**base).wantOne(**kw)
                assert (a._subtracting, a.toVT102()) == (b._subtracting, b.toVT102())


def test_bad_child_is_a_type_error() -> None:
    from twistio.conch.insults.text import attributes

    with pytest.raises(TypeError):
        attributes.bold[3]
    with pytest.raises(AttributeError):
        attributes.fg.purple
