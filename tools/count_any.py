"""Count ``Any`` in twistio's source: total, per 1,000 lines, and per module.

Usage::

    python tools/count_any.py [--modules] [--only MODULE ...] [--checked]

A use is a ``Any`` name token in code (comments and strings are not counted), so
``typing.Any``, ``from typing import Any`` and each annotation naming it all count once.
Lines are the physical lines of the .py files. ``--only`` restricts the count to modules
whose dotted name starts with one of the given prefixes (e.g. ``twistio.internet``);
``--checked`` to the modules pyproject.toml puts under mypy's ``disallow_any_explicit``
(where what is left is ``Any`` reached through other modules' types, with its ignores).
"""

from __future__ import annotations

import argparse
import io
import tokenize
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

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


def checked_modules() -> set[str]:
    """The modules pyproject.toml's mypy overrides put under ``disallow_any_explicit``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names: set[str] = set()
    for override in config["tool"]["mypy"].get("overrides", []):
        if override.get("disallow_any_explicit"):
            module = override["module"]
            names.update([module] if isinstance(module, str) else module)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", action="store_true", help="list each module with an Any")
    parser.add_argument("--only", nargs="*", default=[], help="dotted module prefixes to count")
    parser.add_argument(
        "--checked", action="store_true", help="only the modules under disallow_any_explicit"
    )
    args = parser.parse_args()
    checked = checked_modules() if args.checked else None
    total = lines = 0
    rows = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        if args.only and not any(name == p or name.startswith(p + ".") for p in args.only):
            continue
        if checked is not None and name not in checked:
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
    modules = f" ({len(checked)} modules)" if checked is not None else ""
    print(f"Any: {total} in {lines} lines{modules}: {per_k:.1f} per 1,000 lines")


if __name__ == "__main__":
    main()
