"""Manifest of the support layer: every public name of Twisted's module exists in twistio's.

For each module, Twisted's public names are its ``__all__`` plus every public name it
defines itself (classes and functions whose ``__module__`` is the module, and constants),
leaving out what it merely imports and typing artefacts. Each name must exist at the same
path in twistio, or be named in docs/differences.md: a bullet of the "Support layer"
section that mentions both the module (``python.reflect``) and the name in backticks.

Run ``python -m tests.test_manifest_support`` to print the coverage table.
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

#: Twisted module -> twistio module.
MODULES = {
    "twisted": "twistio",
    "twisted.python.reflect": "twistio.python.reflect",
    "twisted.python.compat": "twistio.python.compat",
    "twisted.python.versions": "twistio.python.versions",
    "twisted.python.runtime": "twistio.python.runtime",
    "twisted.python.util": "twistio.python.util",
    "twisted.python.deprecate": "twistio.python.deprecate",
    "twisted.python.procutils": "twistio.python.procutils",
    "twisted.python.monkey": "twistio.python.monkey",
    "twisted.python.text": "twistio.python.text",
    "twisted.python.randbytes": "twistio.python.randbytes",
    "twisted.python.context": "twistio.python.context",
    "twisted.python.threadable": "twistio.python.threadable",
    "twisted.python.components": "twistio.python.components",
    "twisted.python.filepath": "twistio.python.filepath",
    "twisted.python.usage": "twistio.python.usage",
    "twisted.python.logfile": "twistio.python.logfile",
    "twisted.python.lockfile": "twistio.python.lockfile",
    "twisted.python.url": "twistio.python.url",
    "twisted.python.modules": "twistio.python.modules",
    "twisted.python.zippath": "twistio.python.zippath",
    "twisted.python.zipstream": "twistio.python.zipstream",
    "twisted.plugin": "twistio.plugin",
    "twisted.python.win32": "twistio.python.win32",
    "twisted.trial.itrial": "twistio.trial.itrial",
    "twisted.trial.util": "twistio.trial.util",
    "twisted.protocols.loopback": "twistio.protocols.loopback",
}

_TYPING_MODULES = {"typing", "typing_extensions", "__future__", "collections.abc", "abc"}
_ALWAYS_SKIPPED = {"TYPE_CHECKING"}

DIFFERENCES = Path(__file__).resolve().parent.parent / "docs" / "differences.md"


def twisted_public_names(module_name: str) -> set[str]:
    """The public names of one of Twisted's modules (see the module docstring)."""
    module = importlib.import_module(module_name)
    names = set(getattr(module, "__all__", ()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in dir(module):
            if name.startswith("_") or name in _ALWAYS_SKIPPED or name in names:
                continue
            value = getattr(module, name)
            if isinstance(value, types.ModuleType):
                continue
            if inspect.isclass(value) or inspect.isroutine(value):
                if getattr(value, "__module__", None) != module_name:
                    continue
            elif type(value).__module__ in _TYPING_MODULES:
                continue
            names.add(name)
    return names


def documented_omissions() -> dict[str, set[str]]:
    """Module path (``python.reflect``) -> names that the differences file says are missing."""
    text = DIFFERENCES.read_text(encoding="utf-8")
    match = re.search(r"^## Support layer.*?(?=^## |\Z)", text, re.S | re.M)
    found: dict[str, set[str]] = {}
    if match is None:
        return found
    for bullet in re.split(r"\n(?=- )", match.group(0)):
        tokens = set(re.findall(r"`([^`]+)`", bullet))
        for token in tokens:
            for twisted_name in MODULES:
                short = twisted_name.removeprefix("twisted.") or "twisted"
                if token in (short, twisted_name):
                    found.setdefault(short, set()).update(tokens)
    return found


def coverage(twisted_name: str) -> tuple[set[str], set[str]]:
    """(Twisted's public names, those missing from twistio's module)."""
    expected = twisted_public_names(twisted_name)
    ours = importlib.import_module(MODULES[twisted_name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        missing = {name for name in expected if not hasattr(ours, name)}
    return expected, missing


@pytest.mark.parametrize("twisted_name", sorted(MODULES))
def test_every_public_name_exists_or_is_documented(twisted_name: str) -> None:
    expected, missing = coverage(twisted_name)
    short = twisted_name.removeprefix("twisted.") or "twisted"
    documented = documented_omissions().get(short, set())
    undocumented = sorted(missing - documented)
    print(f"{twisted_name}: {len(expected) - len(missing)}/{len(expected)} names")
    assert not undocumented, f"{twisted_name} lacks {undocumented} (not in docs/differences.md)"


def test_the_name_check_sees_a_missing_name() -> None:
    # The check itself: a name that twistio lacks is reported.
    expected, missing = coverage("twisted.python.reflect")
    assert "namedAny" in expected and "namedAny" not in missing
    assert "IOBase" not in expected  # imported, not Twisted's own


def main() -> None:
    total_expected = total_found = 0
    for twisted_name in sorted(MODULES):
        expected, missing = coverage(twisted_name)
        total_expected += len(expected)
        total_found += len(expected) - len(missing)
        extra = f"  missing: {', '.join(sorted(missing))}" if missing else ""
        print(f"{twisted_name:32} {len(expected) - len(missing):4}/{len(expected):<4}{extra}")
    print(f"{'total':32} {total_found:4}/{total_expected:<4}")


if __name__ == "__main__":
    main()
