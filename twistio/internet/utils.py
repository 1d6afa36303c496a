"""Run a child process and get its output or exit code as a Deferred."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping, Sequence
from io import BytesIO
from typing import TypeVar, Union, cast

from typing_extensions import ParamSpec

from twistio.internet import error, protocol
from twistio.internet._registry import ITwistioReactor, installed_reactor
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import IReactorProcess
from twistio.internet.process import spawnProcess
from twistio.python.failure import Failure

_T = TypeVar("_T")
_P = ParamSpec("_P")
#: The child's environment: names and values are str or bytes.
_Env = Mapping[Union[str, bytes], Union[str, bytes]]

__all__ = [
    "getProcessOutput",
    "getProcessOutputAndValue",
    "getProcessValue",
    "runWithWarningsSuppressed",
    "suppressWarnings",
]


def _spawn(
    make: Callable[[Deferred[_T]], protocol.ProcessProtocol],
    executable: str | bytes,
    args: Sequence[str | bytes],
    env: _Env | None,
    path: str | bytes | None,
    reactor: IReactorProcess | None,
) -> Deferred[_T]:
    if reactor is None:
        reactor = installed_reactor()
    d: Deferred[_T] = Deferred()
    proto = make(d)
    argv = (executable, *args)
    spawn = getattr(reactor, "spawnProcess", None)
    if spawn is not None:
        spawn(proto, executable, argv, env, path)
    else:
        spawnProcess(cast(ITwistioReactor, reactor), proto, executable, argv, env, path)
    return d


class _UnexpectedErrorOutput(IOError):
    """``getProcessOutput``'s child wrote to stderr.

    ``processEnded`` is a Deferred that fails with the child's end reason (a ``ProcessDone``
    too) once it has ended.
    """

    def __init__(self, text: bytes, processEnded: Deferred[None]) -> None:
        IOError.__init__(self, f"got stderr: {text!r}")
        self.processEnded = processEnded


class _BackRelay(protocol.ProcessProtocol):
    """Collects stdout; stderr is an error unless ``errortoo``, then it is collected too."""

    def __init__(self, deferred: Deferred[bytes], errortoo: bool = False) -> None:
        self.deferred: Deferred[bytes] | None = deferred
        self.s = BytesIO()
        self.onProcessEnded: Deferred[None] | None = None
        if errortoo:
            self.errReceived = self.errReceivedIsGood  # type: ignore[method-assign]

    def errReceived(self, data: bytes) -> None:
        if self.deferred is not None:
            self.onProcessEnded = Deferred()
            d, self.deferred = self.deferred, None
            d.errback(_UnexpectedErrorOutput(data, self.onProcessEnded))

    def errReceivedIsGood(self, data: bytes) -> None:
        self.s.write(data)

    def outReceived(self, data: bytes) -> None:
        self.s.write(data)

    def processEnded(self, reason: Failure) -> None:
        if self.deferred is not None:
            d, self.deferred = self.deferred, None
            d.callback(self.s.getvalue())
        elif self.onProcessEnded is not None:
            self.onProcessEnded.errback(reason)


def getProcessOutput(
    executable: str | bytes,
    args: Sequence[str | bytes] = (),
    env: _Env | None = {},  # noqa: B006 - Twisted's default (an empty environment), never mutated
    path: str | bytes | None = None,
    reactor: IReactorProcess | None = None,
    errortoo: bool = False,
) -> Deferred[bytes]:
    """The child's stdout, once it has ended (whatever its exit code or signal).

    Anything on stderr fails the Deferred at once with an ``IOError`` whose ``processEnded``
    Deferred fails with the end reason later; with ``errortoo``, stderr is collected with
    stdout instead. ``env={}`` (the default) is an empty environment, as in Twisted.
    """
    return _spawn(lambda d: _BackRelay(d, errortoo), executable, args, env, path, reactor)


class _ValueGetter(protocol.ProcessProtocol):
    def __init__(self, deferred: Deferred[int | None]) -> None:
        self.deferred = deferred

    def processEnded(self, reason: Failure) -> None:
        self.deferred.callback(reason.value.exitCode)


def getProcessValue(
    executable: str | bytes,
    args: Sequence[str | bytes] = (),
    env: _Env | None = {},  # noqa: B006 - Twisted's default (an empty environment), never mutated
    path: str | bytes | None = None,
    reactor: IReactorProcess | None = None,
) -> Deferred[int | None]:
    """The child's exit code (``None`` if a signal ended it)."""
    return _spawn(_ValueGetter, executable, args, env, path, reactor)


class _EverythingGetter(protocol.ProcessProtocol):
    def __init__(
        self, deferred: Deferred[tuple[bytes, bytes, int]], stdinBytes: bytes | None = None
    ) -> None:
        self.deferred = deferred
        self._stdin = stdinBytes
        self.outBuf = BytesIO()
        self.errBuf = BytesIO()
        self.outReceived = self.outBuf.write  # type: ignore[assignment,method-assign]
        self.errReceived = self.errBuf.write  # type: ignore[assignment,method-assign]

    def connectionMade(self) -> None:
        if self._stdin is not None:
            self.transport.write(self._stdin)
            self.transport.closeStdin()

    def processEnded(self, reason: Failure) -> None:
        out = self.outBuf.getvalue()
        err = self.errBuf.getvalue()
        value = reason.value
        if isinstance(value, error.ProcessTerminated) and value.signal is not None:
            self.deferred.errback(Failure((out, err, value.signal)))
        else:
            self.deferred.callback((out, err, value.exitCode))


def getProcessOutputAndValue(
    executable: str | bytes,
    args: Sequence[str | bytes] = (),
    env: _Env | None = {},  # noqa: B006 - Twisted's default (an empty environment), never mutated
    path: str | bytes | None = None,
    reactor: IReactorProcess | None = None,
    stdinBytes: bytes | None = None,
) -> Deferred[tuple[bytes, bytes, int]]:
    """``(stdout, stderr, exitCode)`` once the child has ended.

    ``stdinBytes``, if given, is written to the child's stdin, which is then closed. If a
    signal ended the child, the Deferred fails instead, and the failure's ``value`` is the
    tuple ``(stdout, stderr, signalNumber)`` (not an exception), as in Twisted.
    """
    return _spawn(lambda d: _EverythingGetter(d, stdinBytes), executable, args, env, path, reactor)


_Suppression = tuple[Sequence[object], Mapping[str, object]]


def _add_filters(suppressedWarnings: Sequence[_Suppression]) -> list[object]:
    added: list[object] = []
    for args, kwargs in suppressedWarnings:
        warnings.filterwarnings(*args, **kwargs)  # type: ignore[arg-type]  # filterwarnings' own
        added.append(warnings.filters[0])
    return added


def _remove_filters(added: list[object]) -> None:
    filters: list[object] = warnings.filters  # type: ignore[assignment]
    for entry in added:
        try:
            filters.remove(entry)
        except ValueError:
            pass
    warnings._filters_mutated()  # type: ignore[attr-defined]


def runWithWarningsSuppressed(
    suppressedWarnings: Sequence[_Suppression], f: Callable[_P, _T], *a: _P.args, **kw: _P.kwargs
) -> _T:
    """Call ``f(*a, **kw)`` with the warnings filters ``(args, kwargs)`` of
    ``suppressedWarnings`` added (``warnings.filterwarnings(*args, **kwargs)``).

    The filters are removed when ``f`` returns, or, if it returns a Deferred, once that
    fires. Filters are process-wide: other threads see them meanwhile.
    """
    added = _add_filters(suppressedWarnings)
    try:
        result = f(*a, **kw)
    except BaseException:
        _remove_filters(added)
        raise
    if isinstance(result, Deferred):

        def restore(value: object) -> object:
            _remove_filters(added)
            return value

        result.addBoth(restore)
    else:
        _remove_filters(added)
    return result


def suppressWarnings(f: Callable[_P, _T], *suppressedWarnings: _Suppression) -> Callable[_P, _T]:
    """``f`` wrapped to run with ``suppressedWarnings`` (see ``runWithWarningsSuppressed``)."""

    @functools.wraps(f)
    def wrapper(*a: _P.args, **kw: _P.kwargs) -> _T:
        return runWithWarningsSuppressed(suppressedWarnings, f, *a, **kw)

    return wrapper
