"""Twisted's support functions and twistio's run on the same inputs; outcomes must match.

An outcome is the returned value or the exception's type name and arguments. The package
name is normalised (``twistio`` reads as ``twisted``), and ``safe_repr``'s traceback text,
which names each implementation's own frames, is compared from its last line only.
"""

from __future__ import annotations

import importlib
import io
import os
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("twisted")

PACKAGES = ("twisted", "twistio")


def module(package: str, name: str) -> Any:
    return importlib.import_module(f"{package}.{name}")


def normalise(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("twistio", "twisted")
    if isinstance(value, (list, tuple)):
        return type(value)(normalise(v) for v in value)
    if isinstance(value, dict):
        return {normalise(k): normalise(v) for k, v in value.items()}
    return value


def outcome(call: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ("ok", normalise(call()))
        except Exception as error:
            return ("raised", type(error).__name__, normalise(error.args))


def same(name: str, function: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``<pkg>.<name>.<function>(*args, **kwargs)`` for both packages; assert equal."""
    results = [
        outcome(lambda p=p: getattr(module(p, name), function)(*args, **kwargs)) for p in PACKAGES
    ]
    assert results[0] == results[1], f"{name}.{function}{args}: {results}"
    return results[0]


# -- reflect ---------------------------------------------------------------------------

PACKAGE_DIR = Path(__file__).parent / "_reflect_pkg"


@pytest.fixture(scope="module")
def importable_tree(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("tree")
    pkg = root / "dtreepkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "good.py").write_text("X = 1\n")
    (pkg / "badimport.py").write_text("import dtree_no_such_module\n")
    (pkg / "badvalue.py").write_text("raise ValueError('from module')\n")
    sys.path.insert(0, str(root))
    yield root
    sys.path.remove(str(root))
    for name in [n for n in sys.modules if n.startswith("dtreepkg")]:
        del sys.modules[name]


NAMES = [
    "",
    "a..b",
    ".a",
    "a.",
    "dtree_nonexistent",
    "dtree_nonexistent.a.b",
    "os",
    "os.path.join",
    "os.nonexistent",
    "os.path.join.nope",
    "dtreepkg",
    "dtreepkg.sub.good.X",
    "dtreepkg.sub.good.X.real",
    "dtreepkg.sub.good.Y",
    "dtreepkg.sub.nope",
    "dtreepkg.sub.nope.X",
    "dtreepkg.badimport",
    "dtreepkg.badimport.X",
    "dtreepkg.badvalue",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("function", ["namedAny", "namedModule", "namedObject", "requireModule"])
def test_named_lookups(importable_tree: Any, function: str, name: str) -> None:
    results = []
    for package in PACKAGES:
        for mod in [n for n in sys.modules if n.startswith("dtreepkg.bad")]:
            del sys.modules[mod]
        reflect = module(package, "python.reflect")
        results.append(outcome(lambda r=reflect: getattr(r, function)(name)))
    assert results[0] == results[1]


class Outer:
    class Inner:
        def method(self) -> None:
            pass

    def method(self) -> None:
        pass

    @staticmethod
    def static() -> None:
        pass


class BrokenRepr:
    def __repr__(self) -> str:
        raise ValueError("no repr")

    def __str__(self) -> str:
        raise ValueError("no str")


QUALIFIABLE = [
    int,
    Outer,
    Outer.Inner,
    Outer.method,
    Outer().method,
    Outer.Inner().method,
    Outer.static,
    len,
    dict.get,
    "".join,
    os,
    os.path.join,
    object.__init__,
]


@pytest.mark.parametrize("obj", QUALIFIABLE, ids=repr)
def test_names_of_objects(obj: Any) -> None:
    same("python.reflect", "fullyQualifiedName", obj)
    if isinstance(obj, type):
        same("python.reflect", "qual", obj)
    same("python.deprecate", "getDeprecationWarningString", obj, _version("twisted"))


def _version(package: str, *args: Any, **kwargs: Any) -> Any:
    return module(package, "python.versions").Version("Twisted", 1, 2, 3, *args, **kwargs)


@pytest.mark.parametrize("obj", [3, "x", b"abc", b"\xff\xfe", BrokenRepr(), [1, "a"]])
def test_safe_repr_and_str(obj: Any) -> None:
    for function in ("safe_repr", "safe_str"):
        texts = [getattr(module(p, "python.reflect"), function)(obj) for p in PACKAGES]
        if "error:" in texts[0]:
            pattern = re.compile(r"<(\w+) instance at 0x[0-9a-f]+ with (\w+) error:\n (.*)>", re.S)
            parsed = [pattern.fullmatch(t) for t in texts]
            assert all(parsed), texts
            assert [m.group(1, 2) for m in parsed] == [parsed[0].group(1, 2)] * 2  # type: ignore[union-attr]
            last = [m.group(3).strip().splitlines()[-1] for m in parsed]  # type: ignore[union-attr]
            assert last[0] == last[1]
        else:
            assert texts[0] == texts[1]


def test_filename_to_module_name(importable_tree: Any) -> None:
    pkg = importable_tree / "dtreepkg"
    for path in [
        pkg / "sub" / "good.py",
        pkg / "sub",
        str(pkg / "sub") + os.sep,
        pkg / "sub" / "good.tar.gz",
        importable_tree / "top.py",
        os.fsencode(pkg / "sub" / "good.py"),
    ]:
        same(
            "python.reflect", "filenameToModuleName", str(path) if isinstance(path, Path) else path
        )


def test_accumulators_and_prefixed_methods() -> None:
    class Z:
        l = [0]  # noqa: E741
        d = {"z": 0}

        def p_z(self) -> None: ...

    class A(Z):
        l = [1]  # noqa: E741
        d = {"a": 1}

        def p_a(self) -> None: ...

    class B(A):
        l = [2]  # noqa: E741
        d = {"b": 2, "a": 3}

        def p_b(self) -> None: ...

        p_c = staticmethod(lambda: 1)
        p_e = lambda self: 1  # noqa: E731

        def p_(self) -> None: ...

    class C(B, Z):
        l = [3]  # noqa: E741

    results = []
    for package in PACKAGES:
        r = module(package, "python.reflect")
        run = []
        for base in (None, Z, A, B):
            lst: list[Any] = []
            r.accumulateClassList(C, "l", lst, base)
            dct: dict[str, Any] = {}
            r.accumulateClassDict(C, "d", dct, base)
            names: dict[str, Any] = {}
            r.addMethodNamesToDict(C, names, "p_", base)
            run.append((lst, dct, sorted(names)))
        run.append(sorted(r.prefixedMethodNames(C, "p_")))
        run.append(sorted(r.prefixedMethodNames(C, "")))
        run.append(sorted(m.__name__ for m in r.prefixedMethods(C(), "p_")))
        found: dict[str, Any] = {}
        r.accumulateMethods(C(), found, "p_", A)
        run.append(sorted(found))
        results.append(run)
    assert results[0] == results[1]


def test_objgrep() -> None:
    class Holder:
        pass

    holder = Holder()
    holder.attr = "target"  # type: ignore[attr-defined]
    holder.items = ["target", ("x", {"k": "target"})]  # type: ignore[attr-defined]
    holder.me = holder  # type: ignore[attr-defined]
    data = {"a": [1, {"b": "target"}], "h": holder, "m": holder.__init__}
    for goal, eq in (("target", "isLike"), (str, "isOfType")):
        results = []
        for package in PACKAGES:
            r = module(package, "python.reflect")
            results.append(
                [
                    sorted(r.objgrep(data, goal, getattr(r, eq)) or []),
                    r.objgrep(data, goal, getattr(r, eq), maxDepth=0),
                    sorted(r.objgrep(data, goal, getattr(r, eq), maxDepth=2) or []),
                    sorted(r.objgrep(holder, goal, getattr(r, eq), path="h") or []),
                ]
            )
        assert results[0] == results[1]


# -- versions, compat, runtime -----------------------------------------------------------


VERSION_ARGS = [
    ((1, 2, 3), {}),
    ((1, 2, 3), {"release_candidate": 1}),
    ((1, 2, 3), {"release_candidate": 0}),
    ((1, 2, 3), {"dev": 4}),
    ((1, 2, 3), {"post": 2}),
    ((1, 2, 3), {"post": 2, "dev": 1}),
    ((1, 2, 3), {"release_candidate": 2, "dev": 1}),
    ((1, 2, 3), {"release_candidate": 1, "post": 1}),
    (("NEXT", 0, 0), {}),
    ((1, 2, 4), {}),
    ((0, 9, 9), {}),
]


def test_versions_print_and_order() -> None:
    results = []
    for package in PACKAGES:
        versions = module(package, "python.versions")
        made = [versions.Version("Pkg", *a, **k) for a, k in VERSION_ARGS]
        texts = [
            (repr(v), str(v), v.base(), v.public(), v.short(), versions.getVersionString(v))
            for v in made
        ]
        order = sorted(range(len(made)), key=lambda i: made[i])
        pairs = [(a < b, a == b, a >= b) for a in made for b in made]
        try:
            _ = made[0] < versions.Version("Other", 1, 0, 0)
            other = None
        except versions.IncomparableVersions as error:
            other = error.args
        results.append((texts, order, pairs, other, made[0] == versions.Version("pkg", 1, 2, 3)))
    assert results[0] == results[1]


@pytest.mark.parametrize(
    "function,args",
    [
        ("nativeString", (b"abc",)),
        ("nativeString", ("abc",)),
        ("nativeString", (b"\xff",)),
        ("nativeString", ("\u1234",)),
        ("nativeString", (3,)),
        ("networkString", ("abc",)),
        ("networkString", ("\u1234",)),
        ("networkString", (b"x",)),
        ("intToBytes", (42,)),
        ("intToBytes", (-7,)),
        ("cmp", (1, 2)),
        ("cmp", ("b", "a")),
        ("cmp", (3, 3)),
        ("items", ({"a": 1},)),
    ],
)
def test_compat_functions(function: str, args: tuple[Any, ...]) -> None:
    same("python.compat", function, *args)


def test_compat_bytes_helpers() -> None:
    for package in PACKAGES:
        compat = module(package, "python.compat")
        assert list(compat.iterbytes(b"ab")) == [b"a", b"b"]
        assert bytes(compat.lazyByteSlice(b"abcdef", 2, 2)) == b"cd"
        assert bytes(compat.lazyByteSlice(b"abcdef", 2)) == b"cdef"


def test_compat_io_type() -> None:
    import codecs

    def samples() -> list[Any]:
        return [
            io.StringIO(),
            io.BytesIO(),
            sys.stdout,
            open(os.devnull, "rb"),  # noqa: SIM115
            open(os.devnull),  # noqa: SIM115
            open(os.devnull, "rb", buffering=0),  # noqa: SIM115
            codecs.getwriter("utf-8")(io.BytesIO()),
            3,
        ]

    results = []
    for package in PACKAGES:
        compat = module(package, "python.compat")
        objs = samples()
        results.append([compat.ioType(o) for o in objs] + [compat.ioType(3, bytes)])
        for o in objs:
            if hasattr(o, "close") and o is not sys.stdout:
                o.close()
    assert results[0] == results[1]


def test_compat_deprecated_aliases_warn_alike() -> None:
    names = ["unicode", "xrange", "NativeStringIO", "FileType", "urlquote", "reduce"]
    results = []
    for package in PACKAGES:
        compat = module(package, "python.compat")
        texts = []
        for name in names:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                getattr(compat, name)
            texts.append([normalise(str(w.message)) for w in caught])
        results.append(texts)
    assert results[0] == results[1]


def test_runtime_platform_questions() -> None:
    results = []
    for package in PACKAGES:
        runtime = module(package, "python.runtime")
        answers = [runtime.platformType, runtime.shortPythonVersion(), runtime.knownPlatforms]
        for args in [
            (),
            ("posix", "darwin"),
            ("nt", "win32"),
            ("win32", "win32"),
            (None, "cygwin"),
        ]:
            p = runtime.Platform(*args)
            answers.append(
                (p.getType(), p.isKnown(), p.isWindows(), p.isLinux(), p.isMacOSX(), p.isVista())
            )
        results.append(answers)
    assert results[0] == results[1]


# -- deprecate ----------------------------------------------------------------------------

DOCSTRINGS = [
    "\n    Summary.\n\n    Body.\n    ",
    "\tTabbed.\n\tmore\n\t",
    "A\n  B\n",
    "A\n  B",
    "",
    None,
    "   ",
    "\n",
    "A\n\n    ",
    "one",
    "A\n    B\n  C\n      ",
    "\tA\n  B\n\t",
    "A\n\t  B\n\t  ",
]


@pytest.mark.parametrize("doc", DOCSTRINGS)
@pytest.mark.parametrize("replacement", [None, "other.thing", os.path.join])
def test_deprecated_docstrings(doc: str | None, replacement: Any) -> None:
    docs = []
    for package in PACKAGES:
        deprecate = module(package, "python.deprecate")

        def f() -> None:
            pass

        f.__doc__ = doc
        docs.append(deprecate.deprecated(_version(package), replacement)(f).__doc__)
    assert docs[0] == docs[1]


def _record(call: Callable[[], Any]) -> list[tuple[str, str, int]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [(w.category.__name__, normalise(str(w.message)), w.lineno) for w in caught]


def test_deprecated_calls_warn_alike() -> None:
    def target(a: int, b: int = 0, c: int = 0) -> int:
        return a

    class Klass:
        pass

    results = []
    for package in PACKAGES:
        deprecate = module(package, "python.deprecate")
        v = _version(package)
        dep = deprecate.deprecated(v, "replacement")(target)
        dep_class = deprecate.deprecated(v)(Klass)
        kw = deprecate.deprecatedKeywordParameter(v, "b")(target)
        kw2 = deprecate.deprecatedKeywordParameter(v, "c", "b")(target)
        record = [
            _record(lambda: dep(1)),
            _record(lambda: dep_class()),
            _record(lambda: kw(1)),
            _record(lambda: kw(1, 2)),
            _record(lambda: kw(1, b=2)),
            _record(lambda: kw2(1, 2, 3)),
            kw.__doc__,
            kw2.__doc__,
            dep.__name__,
            dep.deprecatedVersion.short(),
            dep.__wrapped__ is target,
        ]
        results.append(normalise(record))
    assert results[0] == results[1]


def test_deprecated_property_warns_alike() -> None:
    results = []
    for package in PACKAGES:
        deprecate = module(package, "python.deprecate")
        v = _version(package)

        class Holder:
            @deprecate.deprecatedProperty(v)
            def value(self) -> int:
                """The value."""
                return 7

            @value.setter
            def value(self, new: int) -> None:
                self._value = new

        h = Holder()
        results.append(
            (
                _record(lambda h=h: h.value),
                _record(lambda h=h: setattr(h, "value", 3)),
                Holder.__dict__["value"].__doc__,
            )
        )
    assert normalise(results[0]) == normalise(results[1])


def test_mutually_exclusive_arguments() -> None:
    results = []
    for package in PACKAGES:
        deprecate = module(package, "python.deprecate")

        @deprecate._mutuallyExclusiveArguments([("a", "b"), ("c", "d")])
        def f(x: Any, a: Any = None, b: Any = None, c: Any = None, d: Any = None) -> Any:
            return (x, a, b, c, d)

        results.append(
            [
                outcome(lambda f=f: f(1, a=2)),
                outcome(lambda f=f: f(1, 2, c=3)),
                outcome(lambda f=f: f(1, a=1, b=2)),
                outcome(lambda f=f: f(1, 2, 3)),
                outcome(lambda f=f: f(1, c=1, d=2)),
            ]
        )
    assert results[0] == results[1]


# -- util, text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "fooBarBaz",
        "foo_bar",
        "FooBar",
        "fooBARBaz",
        "x",
        "",
        "fooBar2Baz",
        "HTTPServer",
        "aB2C",
        "ABC",
        "a_B",
        "_foo",
        "aBCd",
        "foo bar",
    ],
)
def test_name_to_label(name: str) -> None:
    same("python.util", "nameToLabel", name)


def test_util_small_functions(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "marker").write_text("")
    same("python.util", "uniquify", [1, 2, 1, 3, 2])
    same("python.util", "padTo", 5, [1, 2])
    same("python.util", "padTo", 5, [1, 2], "x")
    same("python.util", "padTo", 1, [1, 2])
    same("python.util", "sibpath", "/a/b/c.py", "d.txt")
    same("python.util", "sibpath", b"/a/b", b"c")
    same("python.util", "searchupwards", str(tmp_path / "a" / "b"), files=["marker"], dirs=["a"])
    same("python.util", "searchupwards", str(tmp_path / "a" / "b"), files=["nope"])
    same("python.util", "raises", ValueError, int, "x")
    same("python.util", "raises", ValueError, int, "3")
    same("python.util", "uidFromString", "0")
    same("python.util", "uidFromString", "no_such_user_here")
    same("python.util", "gidFromString", "no_such_group_here")


def test_stat_bars() -> None:
    results = []
    for package in PACKAGES:
        util = module(package, "python.util")
        run = []
        for width, maximum in ((10, 100), (4, 3), (1, 10)):
            bar = util.makeStatBar(width, maximum)
            run.append([bar(p) for p in (0, 0, 5, 10, 50, 99, 100, 150, -10)])
            run.append(bar(50, 1))
        results.append(run)
    assert results[0] == results[1]


def test_interval_differential() -> None:
    results = []
    for package in PACKAGES:
        util = module(package, "python.util")
        i = iter(util.IntervalDifferential([3, 5], 10))
        run = [next(i) for _ in range(2)]
        i.addInterval(2)
        run += [next(i) for _ in range(5)]
        i.removeInterval(3)
        run += [next(i) for _ in range(5)]
        run.append(outcome(lambda i=i: i.removeInterval(99)))
        j = iter(util.IntervalDifferential([1, 4], 10))
        run += [next(j) for _ in range(8)]
        k = iter(util.IntervalDifferential([], 7))
        run += [next(k) for _ in range(2)]
        results.append(run)
    assert results[0] == results[1]


def test_insensitive_dict() -> None:
    results = []
    for package in PACKAGES:
        util = module(package, "python.util")
        d = util.InsensitiveDict({"Foo": 1})
        run = [d["foo"], repr(d), d.keys(), list(d.items()), d.get("FOO"), "fOo" in d]
        d["fOO"] = 2
        run += [d.keys(), d.values(), len(d), d.has_key("FOO")]
        del d["FOO"]
        run.append(len(d))
        d2 = util.InsensitiveDict({"Foo": 1, 3: "x"}, preserve=0)
        run += [sorted(map(str, d2.keys())), repr(d2.copy()), d2[3]]
        results.append(run)
    assert results[0] == results[1]


def test_fancy_mixins() -> None:
    results = []
    for package in PACKAGES:
        util = module(package, "python.util")

        class Shown(util.FancyStrMixin):
            showAttributes = ("a", ("b", lambda v: "B" + str(v)), ("c", "C", "%.2f"))
            a, b, c = 1, 2, 3.14159

        class Named(util.FancyStrMixin):
            fancybasename = "Base"
            showAttributes = ("a",)
            a = "x"

        class Eq(util.FancyEqMixin):
            compareAttributes = ("a", "b")

            def __init__(self, a: Any, b: Any) -> None:
                self.a, self.b = a, b

        class EqSub(Eq):
            pass

        class Plain(util.FancyEqMixin):
            pass

        p = Plain()
        results.append(
            [
                str(Shown()).replace(type(Shown()).__name__, "Shown"),
                repr(Named()),
                Eq(1, 2) == Eq(1, 2),
                Eq(1, 2) != Eq(1, 3),
                Eq(1, 2) == 3,
                Eq(1, 2).__eq__(3),
                Eq(1, 2) == EqSub(1, 2),
                EqSub(1, 2) == Eq(1, 2),
                p == p,
                p == Plain(),
                p != Plain(),
            ]
        )
    assert results[0] == results[1]


def test_line_log_and_merge_metadata() -> None:
    results = []
    for package in PACKAGES:
        util = module(package, "python.util")
        log = util.LineLog(3)
        for line in (b"1", b"2", b"3", b"4"):
            log.append(line)
        run = [log.str(), bytes(log), log.log]
        log.clear()
        run.append(log.log)

        def f(a: Any) -> Any:
            """doc of f"""
            return a

        f.attr = 1  # type: ignore[attr-defined]

        def g(*a: Any) -> str:
            return "g"

        g.other = 2  # type: ignore[attr-defined]
        merged = util.mergeFunctionMetadata(f, g)
        run += [merged is g, merged.__name__, merged.__doc__, dict(merged.__dict__), merged()]
        results.append(run)
    assert results[0] == results[1]


TEXTS = [
    "the quick brown fox jumps over the lazy dog",
    "aaaaaaaaaaaaaaaaa bb\n\ncc dd",
    "a\nb c",
    "",
    "  lead  trail  ",
    "x\n\n\ny",
    "one two\n\n",
    "\n\nfoo",
    "a  b\tc",
]


@pytest.mark.parametrize("s", TEXTS)
def test_text_wrapping(s: str) -> None:
    for width in (5, 10, 80):
        same("python.text", "greedyWrap", s, width)
    same("python.text", "removeLeadingTrailingBlanks", s)
    same("python.text", "isMultiline", s)
    same("python.text", "endsInNewline", s)


@pytest.mark.parametrize(
    "s",
    [
        'a "b c" d\'e f\' "g',
        '"a b"c d',
        "",
        "a b",
        '"a b" "c d"',
        "'x y'",
        '"a',
        'a"b c"',
        '"" x',
        '"a  b"  c',
    ],
)
def test_split_quoted(s: str) -> None:
    same("python.text", "splitQuoted", s)


@pytest.mark.parametrize(
    "obj",
    [
        {"a": [1, 2], "b": "x\ny"},
        [1, "a", (2, 3)],
        "s",
        3,
        {"a": {"b": 1}},
        [],
        {},
        (),
        [[]],
        {"k": []},
        "a\nb",
        ["a\nb", "c"],
        {"a": "x\n"},
        [1],
        (1,),
        {"x": 1, "y": 2},
        [{"a": 1}, {"b": [1, 2]}],
    ],
    ids=repr,
)
def test_stringy_string(obj: Any) -> None:
    same("python.text", "stringyString", obj)
    same("python.text", "stringyString", obj, "  ")


def test_str_file() -> None:
    for pattern, content, sensitive in [
        ("ab", "xxaByy", False),
        ("ab", "xxaByy", True),
        ("b", "a" * 20000 + "b", True),
        ("", "abc", True),
        ("abc", "ab", True),
    ]:
        results = [
            module(p, "python.text").strFile(pattern, io.StringIO(content), sensitive)
            for p in PACKAGES
        ]
        assert results[0] == results[1]


def test_monkey_patcher() -> None:
    results = []
    for package in PACKAGES:
        monkey = module(package, "python.monkey")

        class Target:
            a = 1
            b = 0

        patcher = monkey.MonkeyPatcher((Target, "a", 2))
        patcher.addPatch(Target, "b", 3)
        patcher.addPatch(Target, "a", 4)
        run = [patcher.runWithPatches(lambda T=Target: (T.a, T.b)), Target.a, Target.b]
        patcher.patch()
        patcher.patch()
        run.append((Target.a, Target.b))
        patcher.restore()
        run.append((Target.a, Target.b))
        run.append(outcome(lambda T=Target: monkey.MonkeyPatcher((T, "missing", 1)).patch()))
        results.append(run)
    assert results[0] == results[1]


def test_context_calls() -> None:
    results = []
    for package in PACKAGES:
        context = module(package, "python.context")
        tracker = context.ContextTracker()
        run = [
            tracker.callWithContext(
                {"a": 1},
                lambda t=tracker: (
                    t.getContext("a"),
                    t.callWithContext({"b": 2}, lambda: (t.getContext("a"), t.getContext("b"))),
                ),
            ),
            tracker.getContext("a"),
            tracker.getContext("a", 5),
            context.call({"k": 1}, context.get, "k"),
            context.call({"k": 1}, lambda **kw: kw, x=1),
            context.get("k", "none"),
        ]
        results.append(run)
    assert results[0] == results[1]
