"""Template flattening: twistio's ``twistio.web.template`` against Twisted's, in one process.

    python -m benchmarks.template [--quick] [--json PATH]

The page: an ``Element`` loaded from ``XMLString``, a ``<table>`` whose row (a ``<tr>`` with a
render method) is cloned and given 5 slot values per row (one of them in an attribute) for
1,000 rows, the values holding characters that must be escaped. Each implementation
flattens it with ``flattenString``; both outputs are checked to be byte-identical, and also
identical to a bare f-string / ``html.escape`` build of the same HTML (the floor: what no
template engine can beat).

Timing as for ``deferred.py``: contenders interleaved round by round (new random order each
round), ``time.thread_time_ns``, gc collected before and disabled during a round, each
contender's score its fastest round.
"""

from __future__ import annotations

import argparse
import gc
import html
import json
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python benchmarks/template.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS = 1000
GOAL = 5.0

_TEMPLATE = """<html xmlns:t="http://twistedmatrix.com/ns/twisted.web.template/0.1">
<body><table class="data">
<tr t:render="rows"><t:attr name="id"><t:slot name="key" /></t:attr>\
<td class="n"><t:slot name="n" /></td><td><t:slot name="name" /></td>\
<td><t:slot name="email" /></td><td class="note"><t:slot name="note" /></td></tr>
</table></body>
</html>"""


def _data() -> list[dict[str, str]]:
    return [
        {
            "key": f"row-{i}",
            "n": str(i),
            "name": f"User <{i}> & Co",
            "email": f"user{i}@example.com",
            "note": f'"quoted" note number {i} > {i - 1}',
        }
        for i in range(ROWS)
    ]


def _make(template_mod: Any, rows: list[dict[str, str]]) -> Callable[[], bytes]:
    """A flattener of the page built on one implementation's template module."""

    class Page(template_mod.Element):  # type: ignore[misc]
        loader = template_mod.XMLString(_TEMPLATE)

        @template_mod.renderer  # type: ignore[untyped-decorator]
        def rows(self, request: Any, tag: Any) -> Any:
            for row in rows:
                yield tag.clone().fillSlots(**row)

    flattenString = template_mod.flattenString

    def run() -> bytes:
        box: list[Any] = []
        flattenString(None, Page()).addBoth(box.append)
        result = box[0]
        if not isinstance(result, bytes):
            raise RuntimeError(f"flattening failed: {result!r}")
        return result

    return run


def _floor(rows: list[dict[str, str]]) -> Callable[[], bytes]:
    def esc(s: str) -> str:
        return html.escape(s, quote=False)

    def run() -> bytes:
        parts = ['<html>\n<body><table class="data">\n']
        for r in rows:
            parts.append(
                f'<tr id="{html.escape(r["key"])}"><td class="n">{esc(r["n"])}</td>'
                f"<td>{esc(r['name'])}</td><td>{esc(r['email'])}</td>"
                f'<td class="note">{esc(r["note"])}</td></tr>'
            )
        parts.append("\n</table></body>\n</html>")
        return "".join(parts).encode("utf-8")

    return run


def contenders() -> dict[str, Callable[[], bytes]]:
    import twisted.web.template as tw

    import twistio.web.template as ti

    rows = _data()
    return {"twistio": _make(ti, rows), "Twisted": _make(tw, rows), "f-string": _floor(rows)}


def _time(fn: Callable[[], bytes], n: int) -> int:
    gc.collect()
    gc.disable()
    try:
        t0 = time.thread_time_ns()
        for _ in range(n):
            fn()
        return time.thread_time_ns() - t0
    finally:
        gc.enable()


def records(quick: bool = False, rounds: int | None = None) -> dict[str, Any]:
    runs = contenders()
    outputs = {name: fn() for name, fn in runs.items()}
    if outputs["twistio"] != outputs["Twisted"]:
        raise AssertionError("twistio's bytes differ from Twisted's")
    # html.escape(quote=True) also escapes "'" in attributes; the data has none.
    if outputs["f-string"] != outputs["Twisted"]:
        raise AssertionError("the f-string floor's bytes differ from Twisted's")
    rounds = rounds or (5 if quick else 15)
    target_ns = 50_000_000 if quick else 150_000_000
    for fn in runs.values():  # warm-up
        _time(fn, 3)
    # renders per round: about target_ns of CPU each (calibrated once)
    per = {name: max(1, target_ns // max(_time(fn, 3) // 3, 1)) for name, fn in runs.items()}
    best = {name: float("inf") for name in runs}
    order = list(runs)
    for _ in range(rounds):
        random.shuffle(order)
        for name in order:
            n = per[name]
            best[name] = min(best[name], _time(runs[name], n) / n)
    return {
        "rows": ROWS,
        "bytes": len(outputs["Twisted"]),
        "ns_per_render": best,
        "rounds": rounds,
        "python": platform.python_version(),
    }


def _table(rec: dict[str, Any]) -> str:
    ns = rec["ns_per_render"]
    lines = [
        f"{rec['rows']}-row, 5-slot table ({rec['bytes']:,} bytes), best of {rec['rounds']} "
        f"rounds, thread CPU time per render:",
        "",
        "| contender | ms/render | vs Twisted | vs f-string |",
        "|---|---|---|---|",
    ]
    for name in ("twistio", "Twisted", "f-string"):
        lines.append(
            f"| {name} | {ns[name] / 1e6:.2f} | {ns['Twisted'] / ns[name]:.1f}x "
            f"| {ns['f-string'] / ns[name]:.2f}x |"
        )
    speed = ns["Twisted"] / ns["twistio"]
    met = "met" if speed >= GOAL else "NOT met"
    lines += ["", f"twistio is {speed:.1f}x Twisted's speed (goal >= {GOAL:.0f}x: {met})."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="write the raw figures here")
    args = parser.parse_args(argv)
    rec = records(quick=args.quick, rounds=args.rounds)
    print(_table(rec))
    if args.json is not None:
        args.json.write_text(json.dumps(rec, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
