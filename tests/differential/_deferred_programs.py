"""Programs of Deferred operations, their hypothesis strategies, and the interpreter.

A program is plain data (`Program`): a few initial Deferreds (the pool) and a list of steps.
`run_program(impl, program)` interprets it against one implementation of
`twisted.internet.defer` + `twisted.python.failure` and returns the trace: every callback and
errback call (what it received, what it returned or raised), every operation's return value or
exception, and the final state of every Deferred in the pool. Traces contain no object
identities: Deferreds become their pool index, Failures and exceptions become
(type name, message).

Steps refer to pool entries by integer, taken modulo the pool size when the step runs, so every
program is valid. The pool only grows. Each entry has a rank, and a Deferred may only *wait* on
one of higher rank (a callback returning a Deferred, chainDeferred, a DeferredList over its
inputs, a coroutine awaiting), so no program builds a cycle of Deferreds waiting on each other.

Messages of exceptions raised by the library itself (AlreadyCalledError, CancelledError,
AssertionError from a lock...) and the repr of Deferreds are compared only with strict=True;
everything else is compared always.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import types
import warnings
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st


class Boom(Exception):
    """A user exception, raised and returned by program callbacks."""


EXC_TYPES: dict[str, type[Exception]] = {
    "Boom": Boom,
    "ValueError": ValueError,
    "TypeError": TypeError,
}
USER_EXCEPTIONS = tuple(EXC_TYPES.values())


@dataclasses.dataclass(frozen=True)
class Impl:
    """One implementation under comparison: its defer module and its Failure class."""

    name: str
    defer: types.ModuleType
    Failure: type


def twisted_impl() -> Impl:
    from twisted.internet import defer
    from twisted.python.failure import Failure

    return Impl("twisted", defer, Failure)


def twistio_impl() -> Impl:
    defer = importlib.import_module("twistio.internet.defer")
    failure = importlib.import_module("twistio.python.failure")
    return Impl("twistio", defer, failure.Failure)


# Callback behaviours (plain tuples):
#   ("pass",)                      return what was received
#   ("value", v)                   return v
#   ("raise", exc, msg)            raise EXC_TYPES[exc](msg)
#   ("failure", exc, msg)          return Failure(EXC_TYPES[exc](msg))
#   ("deferred", j)                return the j-th pool Deferred ranked above the owner
#   ("trap", (exc, ...))           on a Failure: trap those types and return a marker
#   ("inspect",)                   on a Failure: return type/value/getErrorMessage/check results
#   ("effect", op, j, behaviour)   first do op on pool[j] (callback, errback, pause, unpause,
#                                  cancel, add), then behave as `behaviour`
#
# Steps (plain tuples):
#   ("add", i, how, cb, eb, args, kwargs)       how: callback errback both callbacks
#                                                    callbacks_pos callbacks_default
#   ("fire", i, value)                          d.callback(value)
#   ("wait", i, j, value)                       add ("deferred", j), then fire with value
#   ("fail", i, exc, msg, form)                 form: exception failure current via_callback
#   ("pause", i) ("unpause", i) ("cancel", i) ("snapshot", i)
#   ("chain", i, j)                             higher-ranked .chainDeferred(lower-ranked)
#   ("new", canceller)                          a new Deferred(canceller) in the pool
#   ("succeed", v) ("failed", exc, msg, form)   succeed(v), fail(...)
#   ("maybe", behaviour)                        maybeDeferred(f) with f behaving so, or
#                                               returning a coroutine for ("coroutine",)
#   ("ensure", i)                               ensureDeferred(pool[i])
#   ("dlist", idxs, fireOnOneCallback, fireOnOneErrback, consumeErrors)
#   ("gather", idxs, consumeErrors) ("race", idxs)
#   ("lock", "acquire"|"release") ("lock", "run", behaviour)   likewise "sem"
#   ("queue", "put", v) ("queue", "get")
#   ("inline", awaits, end) ("coro", awaits, end, how)
#                       awaits: ((i, catch), ...), i=-1: a plain value (inline) or a coroutine
#                       (coro), i=-2: a coroutine (inline) or succeed() (coro)
#                       end: return returnValue raise fall
#   ("not_a_coroutine", how, value)             ensureDeferred(value) / fromCoroutine(value)
#                       how: ensureDeferred fromCoroutine
# Cancellers: None, "noop", "callback", "errback", "raise".


BEHAVIOURS = frozenset(
    ["pass", "value", "raise", "failure", "deferred", "trap", "inspect", "effect"]
)


@dataclasses.dataclass(frozen=True)
class Program:
    """Initial pool (one canceller kind per Deferred), primitives' sizes, and the steps."""

    bases: tuple[str | None, ...] = (None, None)
    steps: tuple[tuple[Any, ...], ...] = ()
    sem_tokens: int = 1
    queue_size: int | None = None
    queue_backlog: int | None = None


@dataclasses.dataclass
class Entry:
    d: Any
    rank: float
    base: bool


_HEX = re.compile(r"0x[0-9a-fA-F]+")
_PACKAGE = re.compile(r"\btwist(?:ed|io)\.")  # module paths in reprs name the package
_FRAME = re.compile(r"\n[^\n]*\.py:\d+:[^\n]*")  # a frame line in a Failure's str


class _Run:
    def __init__(self, impl: Impl, program: Program, strict: bool) -> None:
        self.impl = impl
        self.defer = impl.defer
        self.Deferred = impl.defer.Deferred
        self.Failure = impl.Failure
        self.program = program
        self.strict = strict
        self.trace: list[tuple[Any, ...]] = []
        self.pool: list[Entry] = []
        self.by_id: dict[int, int] = {}
        self.our_pauses: dict[int, int] = {}
        self.next_rank = 0.0
        self.names = 0
        self.lock = self.defer.DeferredLock()
        self.sem = self.defer.DeferredSemaphore(program.sem_tokens)
        self.queue = self.defer.DeferredQueue(program.queue_size, program.queue_backlog)

    # --- bookkeeping -------------------------------------------------------------------

    def record(self, *event: Any) -> None:
        self.trace.append(event)

    def new_name(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def fresh_rank(self) -> float:
        self.next_rank += 10
        return self.next_rank

    def add_entry(self, d: Any, rank: float, base: bool = False) -> int:
        idx = len(self.pool)
        self.pool.append(Entry(d, rank, base))
        self.by_id.setdefault(id(d), idx)
        return idx

    def entry(self, i: int) -> Entry:
        return self.pool[i % len(self.pool)]

    def index(self, i: int) -> int:
        return i % len(self.pool)

    def above(self, rank: float, j: int) -> Entry | None:
        """The j-th entry ranked above `rank`: even j among plain Deferreds only, if any."""
        candidates = [e for e in self.pool if e.rank > rank]
        if j % 2 == 0 and any(e.base for e in candidates):
            candidates = [e for e in candidates if e.base]
        return candidates[j // 2 % len(candidates)] if candidates else None

    # --- normalisation -------------------------------------------------------------------

    def norm(self, x: Any) -> Any:
        if isinstance(x, self.Failure):
            return ("Failure", *self.norm_exc(x.value))
        if isinstance(x, self.Deferred):
            return ("Deferred", self.by_id.get(id(x), "?"))
        if isinstance(x, BaseException):
            return ("exception", *self.norm_exc(x))
        if x is None or isinstance(x, (bool, int, str, float)):
            return x
        if isinstance(x, (list, tuple)):
            return (type(x).__name__, *(self.norm(v) for v in x))
        if isinstance(x, dict):
            return ("dict", *sorted((k, self.norm(v)) for k, v in x.items()))
        if x is self.lock:
            return "<the lock>"
        if x is self.sem:
            return "<the semaphore>"
        if isinstance(x, type):
            return ("class", x.__name__)
        return ("object", type(x).__name__)

    def norm_exc(self, e: BaseException) -> tuple[Any, ...]:
        name = type(e).__name__
        if name == "FirstError":
            return (name, getattr(e, "index", "?"), self.norm(getattr(e, "subFailure", None)))
        if name == "FailureGroup":
            return (name, *(self.norm(f) for f in getattr(e, "failures", ())))
        if isinstance(e, USER_EXCEPTIONS) or self.strict:
            return (name, self.norm_text(str(e)))
        return (name,)

    def norm_text(self, text: str) -> str:
        def sub(m: re.Match[str]) -> str:
            idx = self.by_id.get(int(m.group(0), 16))
            return "0x?" if idx is None else f"#{idx}"

        return _PACKAGE.sub("twist*.", _FRAME.sub("", _HEX.sub(sub, text)))

    def state(self, d: Any) -> tuple[Any, ...]:
        has_result = hasattr(d, "result") if self.strict else d.called
        result = self.norm(d.result) if has_result else "<no result>"
        st = (
            "called",
            bool(d.called),
            "paused",
            d.paused,
            "result",
            result,
            "failed",
            isinstance(getattr(d, "result", None), self.Failure),
        )
        if self.strict:
            st += ("repr", self.norm_text(repr(d)))
        return st

    # --- callbacks ---------------------------------------------------------------------

    def make_callback(self, owner_rank: float, behaviour: tuple[Any, ...], prefix: str) -> Any:
        name = self.new_name(prefix)

        def callback(result: Any, *args: Any, **kwargs: Any) -> Any:
            self.record("call", name, self.norm(result), self.norm(args), self.norm(kwargs))
            try:
                out = self.behave(behaviour, result, owner_rank, name)
            except BaseException as e:
                self.record("raised", name, self.norm_exc(e))
                raise
            self.record("returned", name, self.norm(out))
            return out

        return callback

    def make_exc(self, exc: str, msg: str) -> Exception:
        return EXC_TYPES[exc](msg)

    def behave(self, b: tuple[Any, ...], arg: Any, owner_rank: float, name: str) -> Any:
        kind = b[0]
        if kind == "pass":
            return arg
        if kind == "value":
            return b[1]
        if kind == "raise":
            raise self.make_exc(b[1], b[2])
        if kind == "failure":
            return self.Failure(self.make_exc(b[1], b[2]))
        if kind == "deferred":
            target = self.above(owner_rank, b[1])
            return "no deferred ranked above" if target is None else target.d
        if kind == "trap":
            if isinstance(arg, self.Failure):
                trapped = arg.trap(*(EXC_TYPES[t] for t in b[1]))
                return ("trapped", self.norm(trapped))
            return arg
        if kind == "inspect":
            if isinstance(arg, self.Failure):
                return (
                    "inspected",
                    arg.type.__name__,
                    arg.value is not None and type(arg.value) is arg.type,
                    self.norm_text(arg.getErrorMessage())
                    if self.strict or isinstance(arg.value, USER_EXCEPTIONS)
                    else "",
                    self.norm(arg.check(Boom, ValueError)),
                    self.norm(arg.check(Exception)),
                    self.norm(arg.check(KeyError)),
                )
            return arg
        if kind == "effect":
            self.effect(b[1], b[2], name)
            return self.behave(b[3], arg, owner_rank, name)
        raise AssertionError(f"unknown behaviour {b!r}")

    def effect(self, op: str, j: int, name: str) -> None:
        idx = self.index(j)
        d = self.pool[idx].d
        self.record("effect", name, op, idx)
        if op == "callback":
            d.callback(("from", name))
        elif op == "errback":
            d.errback(Boom(f"from {name}"))
        elif op == "pause":
            self.pause(idx)
        elif op == "unpause":
            self.unpause(idx)
        elif op == "cancel":
            d.cancel()
        elif op == "add":
            d.addBoth(self.make_callback(self.pool[idx].rank, ("pass",), "added"))
        else:
            raise AssertionError(op)

    def pause(self, idx: int) -> None:
        self.our_pauses[idx] = self.our_pauses.get(idx, 0) + 1
        self.pool[idx].d.pause()

    def unpause(self, idx: int) -> None:
        # Only undo pauses the program made itself: unbalanced unpause is not compared.
        if self.our_pauses.get(idx, 0) > 0:
            self.our_pauses[idx] -= 1
            self.pool[idx].d.unpause()
        else:
            self.record("unpause skipped", idx)

    def canceller(self, kind: str | None) -> Any:
        if kind is None:
            return None

        def cancel(d: Any) -> None:
            self.record("canceller", kind, self.norm(d))
            if kind == "callback":
                d.callback("cancel-callback")
            elif kind == "errback":
                d.errback(Boom("cancel-errback"))
            elif kind == "raise":
                raise Boom("canceller raised")

        return cancel

    # --- steps -------------------------------------------------------------------------

    def run(self) -> list[tuple[Any, ...]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for kind in self.program.bases:
                self.new_base(kind)
            for n, step in enumerate(self.program.steps):
                try:
                    out = self.step(step)
                except BaseException as e:
                    self.record("step raised", n, self.norm_exc(e))
                else:
                    self.record("step returned", n, self.norm(out))
            self.finish()
        return self.trace

    def new_base(self, kind: str | None) -> Any:
        d = self.Deferred(self.canceller(kind))
        self.add_entry(d, self.fresh_rank(), base=True)
        return d

    def step(self, s: tuple[Any, ...]) -> Any:
        kind = s[0]
        D = self.defer
        if kind == "add":
            _, i, how, cb, eb, args, kwargs = s
            e = self.entry(i)
            if how == "callback":
                return e.d.addCallback(self.make_callback(e.rank, cb, "cb"), *args, **kwargs)
            if how == "errback":
                return e.d.addErrback(self.make_callback(e.rank, eb, "eb"), *args, **kwargs)
            if how == "both":
                return e.d.addBoth(self.make_callback(e.rank, cb, "both"), *args, **kwargs)
            c = self.make_callback(e.rank, cb, "cb")
            if how == "callbacks_default":
                return e.d.addCallbacks(c, callbackArgs=args, callbackKeywords=kwargs)
            f = self.make_callback(e.rank, eb, "eb")
            if how == "callbacks_pos":
                return e.d.addCallbacks(c, f)
            return e.d.addCallbacks(
                c,
                f,
                callbackArgs=args,
                callbackKeywords=kwargs,
                errbackArgs=args[::-1],
                errbackKeywords={k + "e": v for k, v in kwargs.items()},
            )
        if kind == "fire":
            return self.entry(s[1]).d.callback(s[2])
        if kind == "wait":
            e = self.entry(s[1])
            e.d.addCallback(self.make_callback(e.rank, ("deferred", s[2]), "cb"))
            return e.d.callback(s[3])
        if kind == "fail":
            _, i, exc, msg, form = s
            d = self.entry(i).d
            if form == "exception":
                return d.errback(self.make_exc(exc, msg))
            if form == "failure":
                return d.errback(self.Failure(self.make_exc(exc, msg)))
            if form == "via_callback":
                return d.callback(self.Failure(self.make_exc(exc, msg)))
            if form == "no_current_exception":
                return d.errback()
            try:
                raise self.make_exc(exc, msg)
            except Exception:
                return d.errback()
        if kind == "pause":
            return self.pause(self.index(s[1]))
        if kind == "unpause":
            return self.unpause(self.index(s[1]))
        if kind == "cancel":
            return self.entry(s[1]).d.cancel()
        if kind == "snapshot":
            idx = self.index(s[1])
            self.record("snapshot", idx, self.state(self.pool[idx].d))
            return None
        if kind == "chain":
            a, b = self.entry(s[1]), self.entry(s[2])
            if a.rank == b.rank:
                return "same rank"
            src, dst = (a, b) if a.rank > b.rank else (b, a)
            self.record("chain", self.norm(src.d), self.norm(dst.d))
            return src.d.chainDeferred(dst.d)
        if kind == "new":
            return self.new_base(s[1])
        if kind == "succeed":
            d = D.succeed(s[1])
            self.add_entry(d, self.fresh_rank())
            return d
        if kind == "failed":
            _, exc, msg, form = s
            if form == "exception":
                d = D.fail(self.make_exc(exc, msg))
            elif form == "failure":
                d = D.fail(self.Failure(self.make_exc(exc, msg)))
            else:
                try:
                    raise self.make_exc(exc, msg)
                except Exception:
                    d = D.fail()
            self.add_entry(d, self.fresh_rank())
            return d
        if kind == "maybe":
            return self.maybe(s[1])
        if kind == "not_a_coroutine":
            if s[1] == "ensureDeferred":
                return D.ensureDeferred(s[2])
            return self.Deferred.fromCoroutine(s[2])
        if kind == "ensure":
            e = self.entry(s[1])
            d = D.ensureDeferred(e.d)
            self.record("ensureDeferred returned the same Deferred", d is e.d)
            return d
        if kind in ("dlist", "gather", "race"):
            entries = [self.entry(i) for i in s[1]]
            rank = min(e.rank for e in entries) - 1 if entries else self.fresh_rank()
            ds = [e.d for e in entries]
            if kind == "dlist":
                d = D.DeferredList(
                    ds, fireOnOneCallback=s[2], fireOnOneErrback=s[3], consumeErrors=s[4]
                )
            elif kind == "gather":
                d = D.gatherResults(ds, consumeErrors=s[2])
            else:
                d = D.race(ds)
            self.add_entry(d, rank)
            return d
        if kind in ("lock", "sem"):
            prim = self.lock if kind == "lock" else self.sem
            if s[1] == "acquire":
                d = prim.acquire()
                self.add_entry(d, self.fresh_rank())
                return d
            if s[1] == "release":
                return prim.release()
            return self.locked_run(prim, s[2])
        if kind == "queue":
            if s[1] == "put":
                return self.queue.put(s[2])
            d = self.queue.get()
            self.add_entry(d, self.fresh_rank())
            return d
        if kind == "inline":
            return self.inline(s[1], s[2])
        if kind == "coro":
            return self.coro(s[1], s[2], s[3])
        raise AssertionError(f"unknown step {s!r}")

    def maybe(self, b: tuple[Any, ...]) -> Any:
        name = self.new_name("maybe")
        target = self.above(-1e9, b[1]) if b[0] == "deferred" else None

        def f(*args: Any) -> Any:
            self.record("call", name, self.norm(args))
            if target is not None:
                return target.d
            if b[0] == "coroutine":
                return self.nested(name, 0)
            return self.behave(b, None, -1e9, name)

        d = self.defer.maybeDeferred(f, 1, 2)
        self.add_entry(d, target.rank if target is not None else self.fresh_rank())
        return d

    def locked_run(self, prim: Any, b: tuple[Any, ...]) -> Any:
        name = self.new_name("run")
        target = self.above(-1e9, b[1]) if b[0] == "deferred" else None

        def f(x: Any) -> Any:
            self.record("call", name, self.norm(x))
            if target is not None:
                return target.d
            return self.behave(b, None, -1e9, name)

        d = prim.run(f, "arg")
        self.add_entry(d, target.rank - 0.5 if target is not None else self.fresh_rank())
        return d

    def awaited(self, awaits: tuple[tuple[int, bool], ...]) -> tuple[list[tuple[Any, bool]], float]:
        """Pool Deferreds to wait on (-1: a plain value, -2: a coroutine), and a rank below."""
        entries = [(self.entry(i) if i >= 0 else i, catch) for i, catch in awaits]
        ranks = [e.rank for e, _ in entries if isinstance(e, Entry)]
        rank = min(ranks) - 1 if ranks else self.fresh_rank()
        return [(e.d if isinstance(e, Entry) else e, catch) for e, catch in entries], rank

    def nested(self, name: str, k: int) -> Any:
        async def nested() -> Any:
            self.record("nested coroutine runs", name, k)
            return ("nested", k)

        return nested()

    def inline(self, awaits: tuple[tuple[int, bool], ...], end: str) -> Any:
        ds, rank = self.awaited(awaits)
        name = self.new_name("gen")
        run = self
        returnValue = self.defer.returnValue

        def gen() -> Iterator[Any]:
            run.record("started", name)
            for k, (d, catch) in enumerate(ds):
                try:
                    if isinstance(d, int) and d == -1:
                        got = yield ("plain", k)
                    elif isinstance(d, int):
                        got = yield run.nested(name, k)
                    else:
                        got = yield d
                except Exception as e:
                    run.record("caught" if catch else "propagating", name, k, run.norm_exc(e))
                    if not catch:
                        raise
                else:
                    run.record("got", name, k, run.norm(got))
            run.record("ending", name, end)
            if end == "returnValue":
                returnValue(("returned", name))
            if end == "raise":
                raise Boom(f"{name} raised")
            if end == "return":
                return ("returned", name)

        d = self.defer.inlineCallbacks(gen)()
        self.add_entry(d, rank)
        return d

    def coro(self, awaits: tuple[tuple[int, bool], ...], end: str, how: str) -> Any:
        ds, rank = self.awaited(awaits)
        name = self.new_name("coro")
        run = self

        async def body() -> Any:
            run.record("started", name)
            caught_from: list[Any] = []
            for k, (d, catch) in enumerate(ds):
                if any(d is c for c in caught_from) or (
                    getattr(d, "_runningCallbacks", False)
                    and isinstance(getattr(d, "result", None), run.impl.Failure)
                ):
                    # Twisted raises an AssertionError of its own when a coroutine awaits a
                    # Deferred whose failure is still running down its callbacks
                    # (Deferred.__await__ asserts on _debugInfo): a Twisted bug, not
                    # behaviour to copy.
                    run.record("not awaiting again after catching from it", name, k)
                    continue
                if catch:
                    caught_from.append(d)
                try:
                    if isinstance(d, int) and d == -1:
                        got = await run.nested(name, k)
                    elif isinstance(d, int):
                        got = await run.defer.succeed(("succeed", k))
                    else:
                        got = await d
                except Exception as e:
                    run.record("caught" if catch else "propagating", name, k, run.norm_exc(e))
                    if not catch:
                        raise
                else:
                    run.record("got", name, k, run.norm(got))
            run.record("ending", name, end)
            if end == "raise":
                raise Boom(f"{name} raised")
            if end == "fall":
                return None
            return ("returned", name)

        if how == "fromCoroutine":
            d = self.Deferred.fromCoroutine(body())
        else:
            d = self.defer.ensureDeferred(body())
        self.add_entry(d, rank)
        return d

    # --- the end -------------------------------------------------------------------------

    def finish(self) -> None:
        self.record("finishing")
        for idx in sorted(self.our_pauses):
            while self.our_pauses[idx] > 0:
                self.unpause(idx)
                self.record("final unpause", idx)
        for idx, e in enumerate(self.pool):
            if e.base:
                try:
                    e.d.callback(("end", idx))
                except BaseException as exc:
                    self.record("final fire raised", idx, self.norm_exc(exc))
                else:
                    self.record("final fire", idx)
        for idx, e in enumerate(self.pool):
            self.record("final", idx, self.state(e.d))
        self.record(
            "lock", getattr(self.lock, "locked", "?"), len(getattr(self.lock, "waiting", ()))
        )
        self.record(
            "semaphore", getattr(self.sem, "tokens", "?"), len(getattr(self.sem, "waiting", ()))
        )
        self.record(
            "queue",
            self.norm(list(getattr(self.queue, "pending", ["?"]))),
            len(getattr(self.queue, "waiting", ())),
        )


def consume(impl: Impl, trace_owner: _Run) -> None:
    """Handle every pool Deferred's remaining failure so none is logged when collected."""
    for e in trace_owner.pool:
        try:
            e.d.addErrback(lambda f: None)
        except BaseException:
            pass


def run_program(impl: Impl, program: Program, strict: bool = False) -> list[tuple[Any, ...]]:
    """Interpret `program` against `impl`, returning its trace."""
    r = _Run(impl, program, strict)
    try:
        return r.run()
    finally:
        consume(impl, r)


def describe_difference(
    a_name: str, a: list[tuple[Any, ...]], b_name: str, b: list[tuple[Any, ...]]
) -> str:
    """Where two traces part, with some context, for an assertion message."""
    n = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    lo = max(0, n - 8)
    lines = [f"traces differ at event {n} (lengths {len(a)} and {len(b)})"]
    for name, t in ((a_name, a), (b_name, b)):
        lines.append(f"--- {name}:")
        for k in range(lo, min(len(t), n + 6)):
            lines.append(f"{'>>' if k == n else '  '} {k:4d} {t[k]!r}")
    return "\n".join(lines)


last_failure: list[Program] = []


def compare(program: Program, a: Impl, b: Impl, strict: bool = False) -> None:
    """Run `program` on both implementations; fail with both traces if they differ."""
    ta = run_program(a, program, strict)
    tb = run_program(b, program, strict)
    if ta != tb:
        last_failure[:] = [program]
        raise AssertionError(f"{program!r}\n" + describe_difference(a.name, ta, b.name, tb))


def _simpler(x: Any) -> Iterator[Any]:
    """Candidate simplifications of a piece of program data (some of them malformed)."""
    if isinstance(x, bool):
        if x:
            yield False
    elif isinstance(x, int):
        if x > 0:
            yield 0
        if x > 1:
            yield x - 1
    elif isinstance(x, tuple):
        tagged = bool(x) and isinstance(x[0], str)  # a step or a behaviour: fixed arity
        for i in range(0 if tagged else len(x)):
            yield x[:i] + x[i + 1 :]
        for i, item in enumerate(x):
            if isinstance(item, tuple) and item and item[0] in BEHAVIOURS and item != ("pass",):
                yield (*x[:i], ("pass",), *x[i + 1 :])
            for simpler in _simpler(item):
                yield (*x[:i], simpler, *x[i + 1 :])
    elif isinstance(x, dict):
        for k in x:
            yield {j: v for j, v in x.items() if j != k}


def minimise(program: Program, a: Impl, b: Impl, strict: bool = False) -> Program:
    """Delete and simplify steps of a differing program for as long as it still differs."""

    def differs(p: Program) -> bool:
        try:
            return run_program(a, p, strict) != run_program(b, p, strict)
        except Exception:  # a malformed candidate
            return False

    changed = True
    while changed:
        changed = False
        for field in ("steps", "bases"):
            seq = getattr(program, field)
            k = len(seq) - 1
            while k >= 0 and len(seq) > (1 if field == "bases" else 0):
                candidate = dataclasses.replace(program, **{field: seq[:k] + seq[k + 1 :]})
                if differs(candidate):
                    program, seq, changed = candidate, getattr(candidate, field), True
                k -= 1
        for k in range(len(program.steps)):
            progress = True
            while progress:
                progress = False
                for simpler in _simpler(program.steps[k]):
                    if not simpler or not isinstance(simpler[0], str):
                        continue
                    steps = (*program.steps[:k], simpler, *program.steps[k + 1 :])
                    candidate = dataclasses.replace(program, steps=steps)
                    if differs(candidate):
                        program, progress, changed = candidate, True, True
                        break
    for field, plain in (("sem_tokens", 1), ("queue_size", None), ("queue_backlog", None)):
        candidate = dataclasses.replace(program, **{field: plain})
        if differs(candidate):
            program = candidate
    return program


def full_report(program: Program, a: Impl, b: Impl, strict: bool = False) -> str:
    """The minimised program and both complete traces, side by side."""
    program = minimise(program, a, b, strict)
    ta = run_program(a, program, strict)
    tb = run_program(b, program, strict)
    lines = [f"minimised: {program!r}", describe_difference(a.name, ta, b.name, tb)]
    for name, t in ((a.name, ta), (b.name, tb)):
        lines.append(f"=== full trace on {name}:")
        lines.extend(f"  {k:4d} {e!r}" for k, e in enumerate(t))
    return "\n".join(lines)


# --- hypothesis strategies ---------------------------------------------------------------

indices = st.integers(0, 9)
values = st.integers(0, 99)
exc_names = st.sampled_from(sorted(EXC_TYPES))
messages = st.sampled_from(["m", "n", ""])
cancellers = st.sampled_from([None, None, "noop", "callback", "errback", "raise"])


def _weighted(choices: dict[str, tuple[st.SearchStrategy[Any], int]]) -> st.SearchStrategy[Any]:
    """Draw from one of `choices`, each as often as its weight (first ones shrink best)."""
    names = [k for k, (_, w) in choices.items() for _ in range(w)]
    return st.sampled_from(names).flatmap(lambda k: choices[k][0])


trap_types = st.lists(exc_names, min_size=1, max_size=2).map(tuple)
simple_behaviours = _weighted(
    {
        "pass": (st.just(("pass",)), 2),
        "value": (st.tuples(st.just("value"), values), 2),
        "raise": (st.tuples(st.just("raise"), exc_names, messages), 2),
        "failure": (st.tuples(st.just("failure"), exc_names, messages), 1),
        "deferred": (st.tuples(st.just("deferred"), indices), 4),
        "trap": (st.tuples(st.just("trap"), trap_types), 1),
        "inspect": (st.just(("inspect",)), 1),
    }
)
effects = st.tuples(
    st.just("effect"),
    st.sampled_from(["callback", "errback", "pause", "unpause", "cancel", "add"]),
    indices,
    simple_behaviours,
)
behaviours = _weighted({"simple": (simple_behaviours, 4), "effect": (effects, 1)})
errback_behaviours = _weighted(
    {
        "pass": (st.just(("pass",)), 1),
        "trap": (st.tuples(st.just("trap"), trap_types), 1),
        "any": (behaviours, 2),
    }
)
extra_args = st.lists(values, max_size=2).map(tuple)
extra_kwargs = st.dictionaries(st.sampled_from(["k", "m"]), values, max_size=2)
index_lists = st.lists(indices, max_size=4).map(tuple)
awaits = st.lists(st.tuples(st.integers(-2, 9), st.booleans()), max_size=3).map(tuple)
ends = st.sampled_from(["return", "returnValue", "raise", "fall"])

add_steps = st.tuples(
    st.just("add"),
    indices,
    st.sampled_from(
        ["callback", "errback", "both", "callbacks", "callbacks_pos", "callbacks_default"]
    ),
    behaviours,
    errback_behaviours,
    extra_args,
    extra_kwargs,
)
fire_steps = st.one_of(
    st.tuples(st.just("fire"), indices, values),
    st.tuples(st.just("wait"), indices, indices, values),
    st.tuples(
        st.just("fail"),
        indices,
        exc_names,
        messages,
        st.sampled_from(
            ["exception", "failure", "current", "via_callback", "no_current_exception"]
        ),
    ),
)
control_steps = st.tuples(
    st.sampled_from(["pause", "unpause", "cancel", "cancel", "snapshot"]), indices
)
composite_steps = st.one_of(
    st.tuples(st.just("dlist"), index_lists, st.booleans(), st.booleans(), st.booleans()),
    st.tuples(st.just("gather"), index_lists, st.booleans()),
    st.tuples(st.just("race"), index_lists),
    st.tuples(st.just("inline"), awaits, ends),
    st.tuples(
        st.just("coro"),
        awaits,
        st.sampled_from(["return", "raise", "fall"]),
        st.sampled_from(["ensureDeferred", "fromCoroutine"]),
    ),
)
other_steps = st.one_of(
    st.tuples(st.just("ensure"), indices),
    st.tuples(st.just("chain"), indices, indices),
    st.tuples(st.just("new"), cancellers),
    st.tuples(st.just("succeed"), values),
    st.tuples(
        st.just("failed"), exc_names, messages, st.sampled_from(["exception", "failure", "current"])
    ),
    st.tuples(st.just("maybe"), st.one_of(simple_behaviours, st.just(("coroutine",)))),
    st.tuples(
        st.just("not_a_coroutine"),
        st.sampled_from(["ensureDeferred", "fromCoroutine"]),
        st.sampled_from([None, 1, "x"]),
    ),
    st.tuples(st.sampled_from(["lock", "sem"]), st.sampled_from(["acquire", "release"])),
    st.tuples(st.sampled_from(["lock", "sem"]), st.just("run"), simple_behaviours),
    st.tuples(st.just("queue"), st.just("put"), values),
    st.tuples(st.just("queue"), st.just("get")),
)
_STEP_KINDS = {
    "add": (add_steps, 8),
    "fire": (fire_steps, 4),
    "control": (control_steps, 4),
    "composite": (composite_steps, 3),
    "other": (other_steps, 3),
}
steps = _weighted(_STEP_KINDS)

programs = st.builds(
    Program,
    bases=st.lists(cancellers, min_size=1, max_size=4).map(tuple),
    steps=st.lists(steps, min_size=6, max_size=30).map(tuple),
    sem_tokens=st.integers(1, 2),
    queue_size=st.sampled_from([None, 1, 2]),
    queue_backlog=st.sampled_from([None, 1, 2]),
)


# --- deep chains: built directly, not interpreted, to stay linear in their length --------


def deep_returned_chain(impl: Impl, depth: int, fire_order: str) -> list[Any]:
    """d[k]'s callback returns d[k+1]; fire them all (innermost last); return what d[0] saw."""
    D = impl.defer.Deferred
    ds = [D() for _ in range(depth + 1)]
    for k in range(depth):
        ds[k].addCallback(lambda _, nxt=ds[k + 1]: nxt)
    seen: list[Any] = []
    ds[0].addBoth(lambda r: seen.append(r if not isinstance(r, impl.Failure) else r.type.__name__))
    order = range(depth) if fire_order == "outer first" else range(depth - 1, -1, -1)
    for k in order:
        ds[k].callback(k)
    ds[depth].callback("bottom")
    states = (
        sum(bool(d.paused) for d in ds),
        sum(d.called for d in ds),
        ds[depth].result,
        ds[1].result,
    )
    return [seen, states]


def deep_inline(impl: Impl, count: int) -> list[Any]:
    """An inlineCallbacks generator and a coroutine, each over `count` fired Deferreds."""
    defer = impl.defer

    def gen() -> Iterator[Any]:
        total = 0
        for k in range(count):
            total += yield defer.succeed(k)
        return total

    async def body() -> int:
        total = 0
        for k in range(count):
            total += await defer.succeed(k)
        return total

    out: list[Any] = []
    for d in (defer.inlineCallbacks(gen)(), defer.ensureDeferred(body())):
        d.addBoth(lambda r: out.append(r if not isinstance(r, impl.Failure) else r.type.__name__))
    return out
