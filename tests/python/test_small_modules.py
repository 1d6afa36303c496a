"""twistio.python's smaller modules (syslog, roots, htmlizer, formmethod), compared with
Twisted's where their output is plain data."""

from __future__ import annotations

import io
import syslog as stdsyslog
from typing import Any

import pytest
from twisted.python import formmethod as t_formmethod
from twisted.python import htmlizer as t_htmlizer

from twistio.python import formmethod, htmlizer, roots
from twistio.python import syslog as tsyslog
from twistio.python.failure import Failure


def test_syslog_observer(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tsyslog.SyslogObserver, "openlog", lambda *a: calls.append(("open", *a[1:])))
    monkeypatch.setattr(tsyslog.SyslogObserver, "syslog", lambda *a: calls.append(a[1:]))
    observer = tsyslog.SyslogObserver("prefix")
    observer.emit({"message": ("two\nlines\n\n",), "isError": False, "system": "sys"})
    observer.emit({"message": (), "isError": False, "system": "-"})
    observer.emit({"message": ("bad",), "isError": True, "system": "-",
                   "failure": Failure(ValueError()), "syslogFacility": stdsyslog.LOG_CRON})
    assert calls == [
        ("open", "prefix", tsyslog.DEFAULT_OPTIONS, tsyslog.DEFAULT_FACILITY),
        (stdsyslog.LOG_INFO, "[sys] two"),
        (stdsyslog.LOG_INFO, "[sys] \tlines"),
        (stdsyslog.LOG_ALERT | stdsyslog.LOG_CRON, "[-] bad"),
    ]


def test_roots_collections() -> None:
    collection = roots.Collection()
    collection.putEntity("x", 1)
    assert collection.getEntity("x", None) == 1 and collection.listNames(None) == ["x"]
    assert collection.listEntities(None) == [("x", 1)]
    with pytest.raises(NotImplementedError):
        collection.storeEntity("y", None)
    locked = roots.Locked()
    locked.putEntity("a", 1)
    locked.lock()
    with pytest.raises(roots.ConstraintViolation):
        locked.putEntity("b", 2)
    typed = roots.Homogenous()
    typed.entityType = int
    with pytest.raises(roots.ConstraintViolation):
        typed.putEntity("s", "text")
    assert typed.getEntityType() == "int"


SOURCE = b'''# a <comment>
class A(B):
    def f(self, x=1):
        return "s&" + x.y  # t
        s = """two
lines"""; t = 'q'
@dec
def g(): pass
'''


@pytest.mark.parametrize("writer", ["HTMLWriter", "SmallerHTMLWriter"])
def test_htmlizer_matches_twisted(writer: str) -> None:
    ours, theirs = io.BytesIO(), io.BytesIO()
    htmlizer.filter(io.BytesIO(SOURCE), ours, getattr(htmlizer, writer))
    t_htmlizer.filter(io.BytesIO(SOURCE), theirs, getattr(t_htmlizer, writer))
    assert ours.getvalue() == theirs.getvalue()


@pytest.mark.parametrize(
    ("kind", "args", "kwargs", "inputs"),
    [
        ("String", (), {"min": 2, "max": 3}, ["ab", "abc", "a", "abcd", 12]),
        ("Integer", (), {}, ["3", "", " -2 ", "x", "2.5"]),
        ("Integer", (), {"allowNone": 0}, ["", "4"]),
        ("IntegerRange", (0, 12), {}, ["0", "12", "13", "-1", ""]),
        ("Float", (), {}, ["2.5", "", "2.5z"]),
        ("Boolean", (), {}, ["yes", "", "False", "no", "0", "1"]),
        ("Date", (), {}, [("2002", "12", "21"), ("", "", ""), ("2002", "2", "29"), ("1", "2")]),
        ("Choice", (), {"choices": [("a", "apple", "")]}, ["a", "b"]),
        ("Flags", (), {"flags": [("a", "apple", ""), ("b", "banana", "")]}, [["b", "a"], ["c"]]),
        ("VerifiedPassword", (), {"min": 2}, [("ab", "ab"), ("ab", "a"), ("a", "a")]),
    ],
)
def test_formmethod_coerce_matches_twisted(kind: str, args: tuple[Any, ...],
                                           kwargs: dict[str, Any], inputs: list[Any]) -> None:
    def outcome(module: Any, value: Any) -> Any:
        try:
            return ("ok", getattr(module, kind)("name", *args, **kwargs).coerce(value))
        except module.InputError:
            return ("InputError",)

    for value in inputs:
        assert outcome(formmethod, value) == outcome(t_formmethod, value), value


def test_formmethod_signature() -> None:
    signature = formmethod.MethodSignature(formmethod.Integer("a"), formmethod.String("b"))
    method = signature.method(lambda a, b: f"{a}{b}")
    assert [arg.name for arg in method.getArgs()] == ["a", "b"]
    assert signature.getArgument("b") is method.getArgs()[1]
    assert method.call(1, "x") == "1x"
    assert formmethod.Integer("count").getShortDescription() == "Count"
