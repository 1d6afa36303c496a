"""Manifest of twistio.conch: every public name of Twisted's module exists in twistio's.

Twisted's public names of a module are its ``__all__`` plus every public name it defines
itself (classes and functions whose ``__module__`` is the module, and constants), leaving
out what it imports. Each must exist in twistio's module, or be named (in backticks) in a
bullet of the "SSH" section of docs/differences.md that also names the module
(``conch.ssh.transport``).

``python -m tests.conch.test_manifest_conch`` prints the coverage table.
"""

from __future__ import annotations

import importlib
import inspect
import re
import types
import warnings
from pathlib import Path

import pytest

pytest.importorskip("twisted")
pytest.importorskip("cryptography")

MODULES = {
    "twisted.conch.error": "twistio.conch.error",
    "twisted.conch.ls": "twistio.conch.ls",
    "twisted.conch.openssh_compat.factory": "twistio.conch.openssh_compat.factory",
    "twisted.conch.openssh_compat.primes": "twistio.conch.openssh_compat.primes",
    "twisted.conch.interfaces": "twistio.conch.interfaces",
    "twisted.conch.avatar": "twistio.conch.avatar",
    "twisted.conch.checkers": "twistio.conch.checkers",
    "twisted.conch.ssh.common": "twistio.conch.ssh.common",
    "twisted.conch.ssh.keys": "twistio.conch.ssh.keys",
    "twisted.conch.ssh.sexpy": "twistio.conch.ssh.sexpy",
    "twisted.conch.ssh.address": "twistio.conch.ssh.address",
    "twisted.conch.ssh.service": "twistio.conch.ssh.service",
    "twisted.conch.ssh.transport": "twistio.conch.ssh.transport",
    "twisted.conch.ssh.userauth": "twistio.conch.ssh.userauth",
    "twisted.conch.ssh.connection": "twistio.conch.ssh.connection",
    "twisted.conch.ssh.channel": "twistio.conch.ssh.channel",
    "twisted.conch.ssh.session": "twistio.conch.ssh.session",
    "twisted.conch.ssh.factory": "twistio.conch.ssh.factory",
    "twisted.conch.ssh.agent": "twistio.conch.ssh.agent",
    "twisted.conch.endpoints": "twistio.conch.endpoints",
    "twisted.conch.client.knownhosts": "twistio.conch.client.knownhosts",
    "twisted.conch.client.agent": "twistio.conch.client.agent",
    "twisted.conch.client.default": "twistio.conch.client.default",
    "twisted.conch.client.options": "twistio.conch.client.options",
    "twisted.conch.ssh.filetransfer": "twistio.conch.ssh.filetransfer",
    "twisted.conch.ssh.forwarding": "twistio.conch.ssh.forwarding",
    "twisted.conch.telnet": "twistio.conch.telnet",
    "twisted.conch.insults.insults": "twistio.conch.insults.insults",
    "twisted.conch.recvline": "twistio.conch.recvline",
    "twisted.conch.insults.helper": "twistio.conch.insults.helper",
    "twisted.conch.insults.text": "twistio.conch.insults.text",
    "twisted.conch.manhole": "twistio.conch.manhole",
    "twisted.conch.manhole_ssh": "twistio.conch.manhole_ssh",
    "twisted.conch.manhole_tap": "twistio.conch.manhole_tap",
    "twisted.conch.unix": "twistio.conch.unix",
    "twisted.conch.mixin": "twistio.conch.mixin",
    "twisted.conch.scripts.ckeygen": "twistio.conch.scripts.ckeygen",
    "twisted.conch.stdio": "twistio.conch.stdio",
    "twisted.conch.tap": "twistio.conch.tap",
    "twisted.conch.insults.window": "twistio.conch.insults.window",
}

_TYPING_MODULES = {"typing", "typing_extensions", "__future__", "collections.abc", "abc"}
_ALWAYS_SKIPPED = {"TYPE_CHECKING"}
DIFFERENCES = Path(__file__).resolve().parents[2] / "docs" / "differences.md"


def twisted_public_names(module_name: str) -> set[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = importlib.import_module(module_name)
        names = set(getattr(module, "__all__", ()))
        for name in dir(module):
            if name.startswith("_") or name in _ALWAYS_SKIPPED or name in names:
                continue
            value = getattr(module, name)
            if isinstance(value, types.ModuleType):
                continue
            if inspect.isclass(value) or inspect.isroutine(value) or \
                    type(value).__name__ == "InterfaceClass":
                if getattr(value, "__module__", None) != module_name:
                    continue
            elif type(value).__module__ in _TYPING_MODULES or \
                    type(value).__module__.startswith(("twisted.logger", "twisted.internet",
                                                       "zope")):
                continue
            names.add(name)
    return names


def documented_omissions() -> dict[str, set[str]]:
    text = DIFFERENCES.read_text(encoding="utf-8")
    match = re.search(r"^## SSH.*?(?=^## |\Z)", text, re.S | re.M)
    found: dict[str, set[str]] = {}
    if match is None:
        return found
    for bullet in re.split(r"\n(?=- )", match.group(0)):
        tokens = set(re.findall(r"`([^`]+)`", bullet))
        for token in tokens:
            for twisted_name in MODULES:
                short = twisted_name.removeprefix("twisted.")
                if token in (short, twisted_name):
                    found.setdefault(short, set()).update(tokens)
    return found


def coverage(twisted_name: str) -> tuple[set[str], set[str]]:
    expected = twisted_public_names(twisted_name)
    ours = importlib.import_module(MODULES[twisted_name])
    return expected, {name for name in expected if not hasattr(ours, name)}


@pytest.mark.parametrize("twisted_name", sorted(MODULES))
def test_every_public_name_exists_or_is_documented(twisted_name: str) -> None:
    expected, missing = coverage(twisted_name)
    short = twisted_name.removeprefix("twisted.")
    undocumented = sorted(missing - documented_omissions().get(short, set()))
    assert not undocumented, f"{twisted_name} lacks {undocumented} (not in docs/differences.md)"


def test_the_check_sees_names() -> None:
    expected, missing = coverage("twisted.conch.ssh.transport")
    assert "SSHServerTransport" in expected and "SSHServerTransport" not in missing
    assert "Cipher" not in expected  # imported from cryptography, not Twisted's own


def main() -> None:
    total = found = 0
    for name in sorted(MODULES):
        expected, missing = coverage(name)
        total += len(expected)
        found += len(expected) - len(missing)
        extra = f"  missing: {', '.join(sorted(missing))}" if missing else ""
        print(f"{name:36} {len(expected) - len(missing):4}/{len(expected):<4}{extra}")
    print(f"{'total':36} {found:4}/{total:<4}")


if __name__ == "__main__":
    main()
