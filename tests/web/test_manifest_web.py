"""Every public name of Twisted's twisted.web modules that twistio provides exists in twistio's
module, or docs/differences.md says why not (xmlrpc and static are checked by their owners'
tests)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types
import warnings
from pathlib import Path

import pytest

twisted_web = pytest.importorskip("twisted.web")

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "differences.md").read_text()

SKIPPED = {"xmlrpc", "static", "test", "newsfragments"}
# Modules twistio does not provide: each is named in docs/differences.md with its reason.
NOT_PROVIDED = {"rewrite"}
# Names twistio does not provide: each is named in docs/differences.md with its reason.
WAIVED = {("client", "SSL"), ("microdom", "MicroDOMParser")} | {
    ("sux", n) for n in "BEGIN_HANDLER DO_HANDLER END_HANDLER identChars lenientIdentChars nop prefixedMethodClassDict prefixedMethodObjDict unionlist zipfndict".split()
}


def _public(module: types.ModuleType) -> set[str]:
    """``__all__``, plus the classes and functions the module defines, plus its constants."""
    names = {n for n in getattr(module, "__all__", ()) or () if not n.startswith("_")}
    for n in dir(module):
        if n.startswith("_") or n == "TYPE_CHECKING":
            continue
        v = getattr(module, n)
        if isinstance(v, types.ModuleType):
            continue
        if inspect.isclass(v) or inspect.isfunction(v):
            if v.__module__ == module.__name__:
                names.add(n)
        elif not callable(v) and type(v).__module__ == "builtins":
            names.add(n)
    return names


def _modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules(twisted_web.__path__)
        if not m.name.startswith("_") and m.name not in SKIPPED
    )


@pytest.mark.parametrize("name", _modules())
def test_web_module_names(name: str) -> None:
    if name in NOT_PROVIDED:
        assert f"`twisted.web.{name}`" in DOCS, f"docs/differences.md must say why {name} is missing"
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = importlib.import_module("twisted.web." + name)
    ours = importlib.import_module("twistio.web." + name)
    missing = sorted(n for n in _public(theirs) if not hasattr(ours, n) and (name, n) not in WAIVED)
    assert not missing, f"twistio.web.{name} lacks {missing}"


@pytest.mark.parametrize(("module", "name"), sorted(WAIVED))
def test_waived_names_are_documented(module: str, name: str) -> None:
    assert f"`{module}.{name}`" in DOCS
