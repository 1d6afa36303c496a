"""Manifest of the core modules (defer, task, policies, logger, python.log, python.failure,
enterprise.adbapi, web.xmlrpc, web.static, cred): every public name of Twisted's module, and
every public member of its classes, exists in twistio's, or docs/differences.md names it.

Public names are counted as in tests/test_manifest_support.py. A missing name is documented
by a bullet of docs/differences.md that mentions, in backticks, both the module (``web.static``)
and the name (``File``, or ``File.walk`` for a member; ``File.*`` for every member of a class).

Run ``python -m tests.test_manifest_core`` to print the coverage table.
"""

from __future__ import annotations

import importlib
import inspect
import re
import warnings
from pathlib import Path

import pytest

pytest.importorskip("twisted")

from tests.test_manifest_support import twisted_public_names  # noqa: E402

MODULES = [
    "internet.defer",
    "internet.task",
    "protocols.policies",
    "protocols.portforward",
    "logger",
    "python.log",
    "python.failure",
    "enterprise.adbapi",
    "web.xmlrpc",
    "web.static",
    "cred.checkers",
    "cred.credentials",
    "cred.error",
    "cred.portal",
    "cred.strcred",
    "spread.banana",
    "spread.jelly",
    "spread.flavors",
    "spread.pb",
    "spread.util",
    "spread.interfaces",
    "spread.publish",
    "positioning.base",
    "positioning.nmea",
    "positioning.ipositioning",
    "pair.raw",
    "pair.ethernet",
    "pair.ip",
    "pair.rawudp",
    "pair.tuntap",
    "pair.testing",
]

#: Names other helpers add to these modules this session (owner in the comment); they are
#: checked once they exist.
PENDING = {
    ("internet.defer", "AlreadyTryingToLockError"),  # support: with DeferredFilesystemLock
    ("internet.defer", "DeferredFilesystemLock"),  # support
    ("cred.credentials", "CramMD5Credentials"),  # mail
    ("cred.credentials", "ISSHPrivateKey"),  # ssh
    ("cred.credentials", "SSHPrivateKey"),  # ssh
}

#: Members every twisted.web resource has from web.resource.Resource (the web helper's).
RESOURCE_MEMBERS = {"entityType"}

DIFFERENCES = Path(__file__).resolve().parent.parent / "docs" / "differences.md"


def documented() -> set[tuple[str, str]]:
    """(module, name) pairs that a bullet of docs/differences.md names together."""
    text = DIFFERENCES.read_text(encoding="utf-8")
    found: set[tuple[str, str]] = set()
    for bullet in re.split(r"\n(?=- |#)", text):
        tokens = set(re.findall(r"`([^`]+)`", bullet))
        for module in MODULES:
            if module in tokens or f"twisted.{module}" in tokens:
                found.update((module, token) for token in tokens)
    return found


def _classes(module_name: str) -> list[str]:
    theirs = importlib.import_module("twisted." + module_name)
    return sorted(
        name for name in twisted_public_names("twisted." + module_name)
        if inspect.isclass(getattr(theirs, name, None))
    )


def missing_names(module: str) -> tuple[set[str], set[str]]:
    """(Twisted's public names, those twistio's module lacks)."""
    expected = twisted_public_names("twisted." + module)
    try:
        ours = importlib.import_module("twistio." + module)
    except ImportError:
        return expected, set(expected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return expected, {name for name in expected if not hasattr(ours, name)}


def missing_members(module: str) -> dict[str, set[str]]:
    """Class name -> public members of Twisted's class that twistio's lacks."""
    theirs = importlib.import_module("twisted." + module)
    ours = importlib.import_module("twistio." + module)
    out: dict[str, set[str]] = {}
    for name in _classes(module):
        mine = getattr(ours, name, None)
        if not inspect.isclass(mine):
            continue
        wanted = {m for m in dir(getattr(theirs, name)) if not m.startswith("_")}
        lacking = {m for m in wanted if not hasattr(mine, m)} - RESOURCE_MEMBERS
        if lacking:
            out[name] = lacking
    return out


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_exists_or_is_documented(module: str) -> None:
    expected, missing = missing_names(module)
    waived = documented()
    undocumented = sorted(
        name for name in missing
        if (module, name) not in waived and (module, name) not in PENDING
    )
    print(f"twisted.{module}: {len(expected) - len(missing)}/{len(expected)} names")
    assert not undocumented, f"twistio.{module} lacks {undocumented}"


@pytest.mark.parametrize("module", MODULES)
def test_every_public_member_exists_or_is_documented(module: str) -> None:
    waived = documented()
    undocumented = {
        cls: sorted(
            m for m in members
            if (module, f"{cls}.{m}") not in waived and (module, f"{cls}.*") not in waived
        )
        for cls, members in missing_members(module).items()
    }
    undocumented = {cls: ms for cls, ms in undocumented.items() if ms}
    assert not undocumented, f"twistio.{module} classes lack {undocumented}"


def test_the_check_sees_a_missing_name() -> None:
    expected, missing = missing_names("internet.task")
    assert "LoopingCall" in expected and "LoopingCall" not in missing
    assert ("web.xmlrpc", "QueryProtocol.*") in documented()


def main() -> None:
    total = found = 0
    for module in MODULES:
        expected, missing = missing_names(module)
        total += len(expected)
        found += len(expected) - len(missing)
        extra = f"  missing: {', '.join(sorted(missing))}" if missing else ""
        print(f"twisted.{module:22} {len(expected) - len(missing):4}/{len(expected):<4}{extra}")
    print(f"{'all':30} {found:4}/{total:<4} ({100 * found / max(total, 1):.1f}%)")


if __name__ == "__main__":
    main()
