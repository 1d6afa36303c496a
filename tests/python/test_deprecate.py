"""twistio.python.deprecate: warnings, docstrings, deprecated module attributes."""

from __future__ import annotations

import sys
import types
import warnings
from typing import Any

import pytest

from twistio.python import deprecate
from twistio.python.versions import Version

V = Version("Twisted", 1, 2, 3)


def test_deprecated_function_warns_at_caller_and_documents() -> None:
    def old(x: int) -> int:
        """Old thing."""
        return x * 2

    wrapped = deprecate.deprecated(V, "new")(old)
    with pytest.warns(DeprecationWarning) as caught:
        assert wrapped(2) == 4
    assert str(caught[0].message) == (
        f"{__name__}.test_deprecated_function_warns_at_caller_and_documents.<locals>.old "
        "was deprecated in Twisted 1.2.3; please use new instead"
    )
    assert caught[0].filename == __file__
    assert wrapped.__doc__ == "Old thing.\n\nDeprecated in Twisted 1.2.3; please use new instead.\n"
    assert wrapped.deprecatedVersion is V  # type: ignore[attr-defined]


def test_set_warning_method_receives_stacklevel() -> None:
    seen: list[Any] = []
    original = deprecate.getWarningMethod()
    deprecate.setWarningMethod(lambda *a, **k: seen.append((a, k)))
    try:
        deprecate.deprecated(V)(lambda: None)()
    finally:
        deprecate.setWarningMethod(original)
    assert seen[0][1] == {"stacklevel": 2}
    assert seen[0][0][1] is DeprecationWarning
    assert deprecate.getWarningMethod() is warnings.warn


@pytest.fixture
def module() -> types.ModuleType:
    mod = types.ModuleType("twistio_deprecate_sample")
    exec("OLD = 1\nNEW = 2\ndef inside():\n    return OLD\n", mod.__dict__)
    sys.modules[mod.__name__] = mod
    yield mod
    del sys.modules[mod.__name__]


def test_deprecated_module_attribute_keeps_the_module(module: types.ModuleType) -> None:
    deprecate.deprecatedModuleAttribute(V, "use NEW", module.__name__, "OLD")
    assert sys.modules[module.__name__] is module
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert module.OLD == 1  # type: ignore[attr-defined]
        assert module.NEW == 2  # type: ignore[attr-defined]
        assert module.inside() == 1  # type: ignore[attr-defined]  # global use: no warning
        exec(f"from {module.__name__} import OLD", {})
    assert [str(w.message) for w in caught] == [
        "twistio_deprecate_sample.OLD was deprecated in Twisted 1.2.3: use NEW"
    ] * 2
    assert caught[0].filename == __file__
    module.OLD = 5  # type: ignore[attr-defined]
    with pytest.warns(DeprecationWarning):
        assert module.OLD == 5  # type: ignore[attr-defined]


def test_deprecated_missing_module_attribute(module: types.ModuleType) -> None:
    deprecate.deprecatedModuleAttribute(V, "gone", module.__name__, "NOPE")
    with pytest.raises(AttributeError):
        module.NOPE  # type: ignore[attr-defined]  # noqa: B018


def test_deprecated_keyword_parameter() -> None:
    @deprecate.deprecatedKeywordParameter(V, "b", "c")
    def f(a: int, b: int = 0, c: int = 0) -> int:
        return a + b + c

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(1, c=2) == 3
    with pytest.warns(DeprecationWarning, match="The 'b' parameter to .*f was deprecated"):
        assert f(1, 2) == 3
    with pytest.warns(DeprecationWarning, match="please use c instead"):
        f(1, b=2)


def test_warn_about_function_points_at_the_offender() -> None:
    def offender() -> None:
        pass

    with pytest.warns(DeprecationWarning, match="offender is bad") as caught:
        deprecate.warnAboutFunction(offender, "offender is bad")
    assert caught[0].filename == __file__
    assert caught[0].lineno == offender.__code__.co_firstlineno + 1


def test_passed_signature() -> None:
    import inspect

    def g(a: Any, b: Any = 2, *args: Any, c: Any, d: Any = 4, **kw: Any) -> None: ...

    sig = inspect.signature(g)
    assert deprecate._passedSignature(sig, (1,), {"c": 3}) == {
        "a": 1,
        "args": (),
        "c": 3,
        "d": 4,
        "kw": {},
    }
    with pytest.raises(TypeError, match="missing keyword arg c"):
        deprecate._passedSignature(sig, (1,), {})
    with pytest.raises(TypeError, match="Already passed"):
        deprecate._passedSignature(sig, (1,), {"a": 2, "c": 1})
