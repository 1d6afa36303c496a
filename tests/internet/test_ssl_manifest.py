"""Every public name of Twisted's ``internet.ssl`` and ``protocols.tls`` exists in twistio, or
docs/differences.md names it with the reason (checked against the installed Twisted)."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

DIFFERENCES = (Path(__file__).resolve().parents[2] / "docs" / "differences.md").read_text()

# Names documented as absent in docs/differences.md (with the reason there).
ABSENT = {
    "internet.ssl": {
        "Client", "Server", "FlagConstant", "Flags", "Version", "deprecated",
        "deprecatedModuleAttribute", "implementedBy", "implementer_only",
    },
    "protocols.tls": {"Callable", "cast", "directlyProvides", "providedBy"},
}


def _public(module: object) -> list[str]:
    return sorted(
        n for n in dir(module)
        if not n.startswith("_") and not inspect.ismodule(getattr(module, n))
    )


@pytest.mark.parametrize("name", sorted(ABSENT))
def test_manifest(name: str) -> None:
    pytest.importorskip("OpenSSL")
    twisted = importlib.import_module(f"twisted.{name}")
    twistio = importlib.import_module(f"twistio.{name}")
    names = _public(twisted)
    missing = [n for n in names if not hasattr(twistio, n)]
    present = len(names) - len(missing)
    print(f"{name}: {present}/{len(names)} of Twisted's public names present "
          f"({100 * present / len(names):.0f}%); documented as absent: {missing}")
    undocumented = [n for n in missing if n not in ABSENT[name] or f"`{n}`" not in DIFFERENCES]
    assert not undocumented, f"twisted.{name} names missing and not in docs/differences.md"
    # A name documented as absent that twistio now has should leave the list.
    assert not [n for n in ABSENT[name] if hasattr(twistio, n)]


def test_all_lists_are_importable() -> None:
    for name in ABSENT:
        module = importlib.import_module(f"twistio.{name}")
        for n in getattr(module, "__all__", []):
            assert hasattr(module, n), (name, n)
