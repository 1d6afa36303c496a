"""Tables twistio builds its own way (ranges, derived tuples, grouped assignments) but whose
values are Twisted's API: each is compared with the installed Twisted's.

Plain module constants (upper-case names whose values are numbers, bytes, strings or
containers of them) are compared for every name both modules define; the record classes'
comparison and display tables, the terminal modes and the TLS version order are compared
one by one."""

from __future__ import annotations

import importlib
import re
from http import HTTPStatus
from typing import Any

import pytest

pytest.importorskip("twisted")

_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")


def _plain(value: Any) -> bool:
    if isinstance(value, (bool, int, bytes, str)):
        return True
    if isinstance(value, (tuple, list, frozenset, set)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return False


# Module -> constants that differ on purpose (each named in docs/differences.md).
MODULES: dict[str, set[str]] = {
    "names.dns": set(),
    "conch.ssh.transport": set(),
    "conch.ssh.connection": set(),
    "conch.ssh.userauth": set(),
    "conch.ssh.filetransfer": set(),
    "conch.ssh.agent": set(),
    "conch.insults.insults": set(),
    "conch.telnet": set(),
    "mail.smtp": set(),
    "mail.pop3": set(),
    # RESPONSES: checked below; H2_ENABLED says whether h2 is installed here; CACHED is a
    # sentinel compared by identity (Twisted's happens to be a string, ours an object).
    "web._responses": {"RESPONSES"},
    "web.http": {"RESPONSES", "H2_ENABLED", "CACHED"},
}


def _constants(module: Any) -> dict[str, Any]:
    return {n: v for n, v in vars(module).items() if _CONSTANT.fullmatch(n) and _plain(v)}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_constants_equal_twisteds(name: str) -> None:
    theirs = _constants(importlib.import_module("twisted." + name))
    ours = importlib.import_module("twistio." + name)
    shared = {n for n in theirs if hasattr(ours, n)} - MODULES[name]
    assert shared, f"no constants of {name} to compare"
    assert {n: getattr(ours, n) for n in shared} == {n: theirs[n] for n in shared}


def _spec(entry: Any) -> Any:
    """A ``showAttributes`` entry with its formatting function reduced to a marker."""
    if isinstance(entry, tuple) and len(entry) == 2 and callable(entry[1]):
        return (entry[0], "<function>")
    return entry


def _tables(root: str, names: list[str]) -> dict[str, Any]:
    dns = importlib.import_module(root + ".names.dns")
    out: dict[str, Any] = {}
    for name in names:
        cls = getattr(dns, name)
        shown = getattr(cls, "showAttributes", None)
        out[name] = (
            tuple(cls.compareAttributes),
            None if shown is None else [_spec(e) for e in shown],
            getattr(cls, "fancybasename", None),
        )
    return out


def test_dns_comparison_and_display_tables() -> None:
    twisted = importlib.import_module("twisted.names.dns")
    classes = [n for n, c in vars(twisted).items()
               if isinstance(c, type) and "compareAttributes" in vars(c)]
    assert len(classes) > 20
    theirs = _tables("twisted", classes)
    ours = _tables("twistio", classes)
    # Where Twisted's class has no display table (it writes its own __str__), ours may
    # inherit an empty one: only the tables Twisted has are compared. Our _OPTHeader writes
    # its repr itself: that repr is compared instead.
    for name, (_, shown, base) in theirs.items():
        if shown is None or name == "_OPTHeader":
            theirs[name] = (theirs[name][0], None, theirs[name][2])
            ours[name] = (ours[name][0], None, ours[name][2])
        if base is None:
            ours[name] = (*ours[name][:2], None)
    assert ours == theirs
    reprs = []
    for root in ("twistio", "twisted"):
        dns = importlib.import_module(root + ".names.dns")
        option = dns._OPTVariableOption(3, b"ab")
        reprs.append(repr(dns._OPTHeader(1234, 1, 0, True, [option])))
    assert reprs[0] == reprs[1]


def _modes(root: str) -> dict[str, dict[str, int]]:
    insults = importlib.import_module(root + ".conch.insults.insults")
    return {
        kind: {n: v for n, v in vars(getattr(insults, kind)).items() if not n.startswith("_")}
        for kind in ("modes", "privateModes")
    }


def test_terminal_modes() -> None:
    assert _modes("twistio") == _modes("twisted")


def test_tls_version_order() -> None:
    names = [
        [c.name for c in importlib.import_module(root + ".internet.ssl").TLSVersion.iterconstants()]
        for root in ("twistio", "twisted")
    ]
    assert names[0] == names[1]


# Reason phrases where twistio differs: the standard library's http.HTTPStatus (RFC 9110
# wording) for five, and Twisted's 416 phrase with title-case words.
_MODERN_PHRASES = {205, 408, 504, 505, 507}


def test_status_phrases() -> None:
    theirs = importlib.import_module("twisted.web._responses").RESPONSES
    ours = importlib.import_module("twistio.web._responses").RESPONSES
    assert set(theirs) <= set(ours)
    differ = {code for code in theirs if ours[code] != theirs[code]}
    assert differ == _MODERN_PHRASES | {416}
    assert ours[416] == theirs[416].replace(b"not satisfiable", b"Not Satisfiable")
    for code in _MODERN_PHRASES:
        assert ours[code] == HTTPStatus(code).phrase.encode("ascii")
