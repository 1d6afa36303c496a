"""twistio.python.reflect on its own (behaviour against Twisted: tests/differential)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from twistio.python import reflect


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    pkg = tmp_path / "reflpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "mod.py").write_text("VALUE = 42\nclass K:\n    attr = 'a'\n")
    (pkg / "broken.py").write_text("import refl_missing_dependency\n")
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith("reflpkg")]:
        del sys.modules[name]


def test_named_any_walks_modules_then_attributes(tree: Path) -> None:
    assert reflect.namedAny("reflpkg.mod.VALUE") == 42
    assert reflect.namedAny("reflpkg.mod.K.attr") == "a"
    assert reflect.namedAny("reflpkg.mod") is sys.modules["reflpkg.mod"]
    assert reflect.namedClass("reflpkg.mod.K").__name__ == "K"
    assert reflect.namedModule("reflpkg.mod").VALUE == 42


def test_named_any_errors(tree: Path) -> None:
    with pytest.raises(reflect.InvalidName, match="Empty module name"):
        reflect.namedAny("")
    with pytest.raises(reflect.InvalidName, match="'.'-separated list"):
        reflect.namedAny("a..b")
    with pytest.raises(reflect.ModuleNotFound, match="No module named 'refl_nothing'"):
        reflect.namedAny("refl_nothing")
    with pytest.raises(reflect.ObjectNotFound, match="does not name an object"):
        reflect.namedAny("refl_nothing.x")
    with pytest.raises(AttributeError):
        reflect.namedAny("reflpkg.mod.MISSING")
    # An ImportError raised inside the module is not mistaken for "no such module".
    with pytest.raises(ModuleNotFoundError, match="refl_missing_dependency"):
        reflect.namedAny("reflpkg.broken")
    assert issubclass(reflect.ModuleNotFound, ValueError)
    assert reflect.requireModule("refl_nothing", "fallback") == "fallback"


def test_qual_and_fully_qualified_name() -> None:
    class Local:
        def method(self) -> None:
            pass

    assert reflect.qual(reflect.InvalidName) == "twistio.python.reflect.InvalidName"
    assert reflect.qual(Local) == f"{__name__}.Local"
    assert reflect.fullyQualifiedName(Local.method).endswith("Local.method")
    assert reflect.fullyQualifiedName(Local().method) == reflect.fullyQualifiedName(Local.method)
    assert reflect.fullyQualifiedName(reflect) == "twistio.python.reflect"
    assert reflect.fullFuncName(reflect.qual) == "twistio.python.reflect.qual"


def test_safe_repr_and_safe_str_survive_errors() -> None:
    class Bad:
        def __repr__(self) -> str:
            raise RuntimeError("repr broke")

        __str__ = __repr__

    text = reflect.safe_repr(Bad())
    assert text.startswith("<Bad instance at 0x") and "with repr error" in text
    assert "RuntimeError: repr broke" in text
    assert "with str error" in reflect.safe_str(Bad())
    assert reflect.safe_str(b"caf\xc3\xa9") == "café"
    assert reflect.safe_str(b"\xff") == "b'\\xff'"


def test_queue_method_and_greps() -> None:
    calls: list[object] = []
    reflect.QueueMethod("name", calls)(1, 2)
    assert calls == [("name", (1, 2))]
    data = {"a": ["x", ("target",)]}
    assert reflect.objgrep(data, "target") == ["['a'][1][0]"]
    assert reflect.findInstances(data, tuple) == ["['a'][1]"]
    assert (
        reflect.isSame(data, data) and reflect.isLike([1], [1]) and not reflect.isOfType(True, int)
    )


def test_filename_to_module_name(tree: Path) -> None:
    assert reflect.filenameToModuleName(str(tree / "reflpkg" / "mod.py")) == "reflpkg.mod"
    assert reflect.filenameToModuleName(str(tree / "reflpkg")) == "reflpkg"
    assert reflect.filenameToModuleName(str(tree / "loose.py")) == "loose"
