"""trial's loader: custom module suites, sorting with ``sorter``, the errors it raises, and
``filenameToModule`` (rules observed on Twisted's trial)."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

from twistio.python.reflect import ModuleNotFound
from twistio.trial import itrial, runner, unittest


class _Alphabet(unittest.SynchronousTestCase):
    __test__ = False

    def test_a(self) -> None:
        pass

    def test_b(self) -> None:
        pass

    def test_c(self) -> None:
        pass


def test_load_class_sorts_tests_with_the_sorter() -> None:
    loader = runner.TestLoader()
    assert [t._testMethodName for t in loader.loadClass(_Alphabet)] == [
        "test_a",
        "test_b",
        "test_c",
    ]
    order = {"test_b": 0, "test_c": 1, "test_a": 2}
    loader.sorter = lambda test: order[test._testMethodName]  # type: ignore[method-assign]
    assert [t._testMethodName for t in loader.loadClass(_Alphabet)] == [
        "test_b",
        "test_c",
        "test_a",
    ]


def test_wrong_kinds_are_type_errors() -> None:
    loader = runner.TestLoader()
    with pytest.raises(TypeError):
        loader.loadClass(sys)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        loader.loadModule(_Alphabet)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        loader.loadPackage(sys)
    with pytest.raises(ModuleNotFound):
        loader.findByName("surely_not_a_module_here")
    with pytest.raises(ValueError):
        loader.findByName("/no/such/file.py")


def test_a_module_may_make_its_own_suite() -> None:
    module = types.ModuleType("custom_suite_module")
    marker = unittest.TestSuite()
    module.testSuite = lambda: marker  # type: ignore[attr-defined]
    module.test_suite = lambda: None  # type: ignore[attr-defined]
    assert runner.TestLoader().loadModule(module) is marker


def test_load_anything_with_a_parent_finds_a_renamed_method() -> None:
    def renamed() -> None:
        pass

    test = runner.TestLoader().loadAnything(
        renamed, parent=_Alphabet, qualName=["m", "_Alphabet", "test_b"]
    )
    assert test._testMethodName == "test_b"


def test_tests_and_holders_are_itestcases() -> None:
    import unittest as pyunit

    class Plain(pyunit.TestCase):
        def test_x(self) -> None:
            pass

    assert itrial.ITestCase.providedBy(_Alphabet("test_a"))
    assert itrial.ITestCase(Plain("test_x")) is not None
    holder = runner.ErrorHolder("x", runner.Failure(ValueError()))
    assert itrial.ITestCase.providedBy(holder)


def test_filename_to_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(ValueError, match="is not a package directory"):
        runner.filenameToModule(str(tmp_path / "empty_dir"))
    (tmp_path / "notpython").write_text("This isn't python")
    with pytest.raises(SyntaxError):
        runner.filenameToModule(str(tmp_path / "notpython"))
    package = tmp_path / "twin_name"
    package.mkdir()
    (package / "__init__.py").write_text("")
    module_file = tmp_path / "twin_name.py"
    module_file.write_text("VALUE = 3\n")
    try:
        module: Any = runner.filenameToModule(str(module_file))
        assert module.__file__ == str(module_file)
        assert module.VALUE == 3
    finally:
        sys.modules.pop("twin_name", None)
