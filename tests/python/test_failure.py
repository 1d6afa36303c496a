"""Failure: capture, matching, re-raising, text, pickling."""

from __future__ import annotations

import pickle
import sys
import traceback
from io import StringIO

import pytest

from twistio.python.failure import Failure, NoCurrentExceptionError


class MyError(ValueError):
    pass


def _raise(exc: BaseException) -> Failure:
    try:
        raise exc
    except BaseException:
        return Failure()


def test_from_current_exception() -> None:
    f = _raise(MyError("boom"))
    assert f.type is MyError
    assert isinstance(f.value, MyError)
    assert f.tb is not None
    assert f.getErrorMessage() == "boom"
    assert isinstance(f, BaseException)


def test_no_current_exception() -> None:
    with pytest.raises(NoCurrentExceptionError):
        Failure()


def test_given_exception_keeps_its_traceback() -> None:
    try:
        raise KeyError("k")
    except KeyError as e:
        exc = e
    f = Failure(exc)
    assert f.tb is exc.__traceback__
    bare = Failure(KeyError("x"))
    assert bare.tb is None and bare.frames == []


def test_failure_of_failure_takes_over() -> None:
    f = _raise(MyError("x"))
    g = Failure(f)
    assert g.type is MyError and g.value is f.value and g.tb is f.tb


def test_check_and_trap() -> None:
    f = _raise(MyError("x"))
    assert f.check(KeyError) is None
    assert f.check(KeyError, ValueError) is ValueError
    assert f.check(f"{__name__}.MyError") == f"{__name__}.MyError"
    assert f.check(Exception) is Exception
    # As in Twisted: a BaseException-only class never matches by its base.
    assert f.check(BaseException) is None
    assert f.trap(ValueError) is ValueError
    with pytest.raises(MyError):
        f.trap(KeyError)
    k = Failure(KeyboardInterrupt())
    assert k.check(KeyboardInterrupt) is KeyboardInterrupt
    assert k.check(BaseException) is None


def test_check_matches_by_qualified_name() -> None:
    # A class redefined under the same name (a reloaded module) still matches, as in Twisted.
    f = _raise(MyError("x"))
    Other = type("MyError", (ValueError,), {"__module__": __name__})
    assert f.check(Other) is Other


def test_raise_exception_keeps_original_traceback() -> None:
    f = _raise(MyError("x"))
    with pytest.raises(MyError) as info:
        f.raiseException()
    names = [fr.name for fr in traceback.extract_tb(info.value.__traceback__)]
    assert "_raise" in names


def test_throw_into_generator() -> None:
    seen = []

    def gen():  # type: ignore[no-untyped-def]
        try:
            yield 1
        except MyError as e:
            seen.append(e)
            yield 2

    g = gen()
    next(g)
    f = _raise(MyError("x"))
    assert f.throwExceptionIntoGenerator(g) == 2
    assert seen == [f.value]


def test_frames_are_lazy_and_right() -> None:
    f = _raise(MyError("x"))
    assert f._frames is None
    frames = f.frames
    assert [fr[0] for fr in frames][-1] == "_raise"
    assert frames[-1][1] == __file__
    assert frames[-1][3] == ()


def test_capture_vars() -> None:
    def inner() -> Failure:
        local_thing = 42  # noqa: F841
        try:
            raise MyError("x")
        except MyError:
            return Failure(captureVars=True)

    f = inner()
    assert ("local_thing", 42) in f.frames[-1][3]
    assert "local_thing" in f.getTraceback(detail="verbose")


def test_tracebacks_text() -> None:
    f = _raise(MyError("boom"))
    text = f.getTraceback()
    assert text.startswith("Traceback (most recent call last):\n")
    assert f"{__name__}.MyError: boom" in text
    assert "raise exc" in text
    brief = f.getBriefTraceback()
    assert brief.startswith(f"Traceback: <class '{__name__}.MyError'>: boom")
    out = StringIO()
    f.printTraceback(out)
    assert out.getvalue() == text
    assert repr(f) == f"<twistio.python.failure.Failure {__name__}.MyError: boom>"
    assert str(f).startswith("[Failure instance: Traceback")
    nf = Failure(MyError("bare"))
    assert "Failure: " in nf.getTraceback()


def test_clean_failure_keeps_frames() -> None:
    f = _raise(MyError("x"))
    frames = list(f.frames)
    f.cleanFailure()
    assert f.tb is None and f.value.__traceback__ is None
    assert f.frames == frames
    tb = f.getTracebackObject()
    assert traceback.extract_tb(tb)[-1].name == "_raise"  # type: ignore[arg-type]
    assert f.check(ValueError) is ValueError



def test_cleaned_traceback_stands_in_for_frames_and_code() -> None:
    f = _raise(MyError("x"))
    f.cleanFailure()
    tb = f.getTracebackObject()
    frame = tb.tb_frame
    assert isinstance(frame.f_globals, dict) and isinstance(frame.f_builtins, dict)
    assert frame.f_back is None and frame.f_trace is None and isinstance(frame.f_lasti, int)
    code = frame.f_code
    assert isinstance(code.co_argcount, int) and isinstance(code.co_code, bytes)
    assert code.co_positions() == ()
    names = [entry.name for entry in traceback.extract_tb(tb)]  # type: ignore[arg-type]
    assert names == [entry[0] for entry in f.frames]
    last = tb
    while last.tb_next is not None:
        last = last.tb_next
    stack = traceback.extract_stack(last.tb_frame)  # type: ignore[arg-type]
    assert [entry.name for entry in stack] == names

def test_pickle() -> None:
    f = _raise(MyError("x"))
    g = pickle.loads(pickle.dumps(f))
    assert g.pickled == 1
    assert g.type is MyError
    assert g.check(ValueError) is ValueError
    assert [fr[0] for fr in g.frames] == [fr[0] for fr in f.frames]
    assert g.tb is None


def test_print_default_file_is_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    _raise(MyError("to-stderr")).printTraceback()
    assert "to-stderr" in capsys.readouterr().err


def test_count_increases() -> None:
    a = Failure(MyError())
    b = Failure(MyError())
    assert b.count > a.count
    assert sys.exc_info()[0] is None


def test_failure_state_is_its_dict_as_in_twisted() -> None:
    import pickle

    exc = ZeroDivisionError("hello")
    one = Failure(exc).__dict__.copy()
    two = Failure._withoutTraceback(exc).__dict__.copy()
    assert one.pop("count") + 1 == two.pop("count")
    assert one == two == {"type": ZeroDivisionError, "value": exc, "tb": None}
    try:
        raise ValueError("boo")
    except ValueError:
        f = Failure()
    back = pickle.loads(pickle.dumps(f))
    expected = {**f.__dict__, "pickled": 1, "tb": None}
    got = back.__dict__.copy()
    assert repr(got.pop("value")) == repr(expected.pop("value"))  # exceptions compare by identity
    assert got == expected
    assert back.frames == f.frames and back.count == f.count
