"""Every public name of Twisted Names' modules exists in twistio.names, or
docs/differences.md says why not."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

MODULES = ["dns", "client", "srvconnect", "error", "cache", "hosts", "resolve", "common", "server", "authority",
           "root", "secondary"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "differences.md"


def public_names(module):
    names = set(getattr(module, "__all__", ()))
    for name, value in vars(module).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        home = getattr(value, "__module__", None)
        if inspect.isclass(value) or inspect.isfunction(value):
            if home == module.__name__:
                names.add(name)
        elif isinstance(value, (int, str, dict, tuple)) and not isinstance(value, bool):
            names.add(name)
    return names


@pytest.mark.parametrize("name", MODULES)
def test_names_exist(name):
    theirs = pytest.importorskip(f"twisted.names.{name}")
    ours = importlib.import_module(f"twistio.names.{name}")
    documented = set(re.findall(r"`twisted\.names\.(\w+\.\w+)`", DOCS.read_text()))
    missing = sorted(
        n for n in public_names(theirs) if not hasattr(ours, n) and f"{name}.{n}" not in documented
    )
    assert not missing, f"twisted.names.{name} names missing from twistio.names.{name}: {missing}"
