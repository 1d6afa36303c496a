"""Count ``Any`` in twistio's source: total, per 1,000 lines, and per module.

Usage::

    python tools/count_any.py [--modules] [--only MODULE ...]

A use is a ``Any`` name token in code (comments and strings are not counted), so
``typing.Any``, ``from typing import Any`` and each annotation naming it all count once.
Lines are the physical lines of the .py files. ``--only`` restricts the count to modules
whose dotted name starts with one of the given prefixes (e.g. ``twistio.internet``).
"""

from __future__ import annotations

import argparse
import io
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "twistio"


def count_file(path: Path) -> tuple[int, int]:
    """``(Any tokens, lines)`` of one source file."""
    source = path.read_text(encoding="utf-8")
    count = 0
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME and token.string == "Any":
            count += 1
    return count, source.count("\n")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", action="store_true", help="list each module with an Any")
    parser.add_argument("--only", nargs="*", default=[], help="dotted module prefixes to count")
    args = parser.parse_args()
    total = lines = 0
    rows = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        if args.only and not any(name == p or name.startswith(p + ".") for p in args.only):
            continue
        count, n = count_file(path)
        total += count
        lines += n
        if count:
            rows.append((count, name, n))
    if args.modules:
        for count, name, n in sorted(rows, reverse=True):
            print(f"{count:6d} {name} ({n} lines)")
    per_k = 1000 * total / lines if lines else 0.0
    print(f"Any: {total} in {lines} lines: {per_k:.1f} per 1,000 lines")


if __name__ == "__main__":
    main()
