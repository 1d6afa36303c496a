"""The long fuzz run: ``python -m tests.fuzz [TARGET ...] [--inputs N] [--seed S]``.

Each input is a mutated seed (or random bytes) fed whole and split at random points; a run
fails on the first input whose two results differ or that raises, and prints it so that it
can be replayed. Bounded by ``--inputs`` per target (default 1,000,000) and ``--minutes``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback

from tests.fuzz._mutate import mutate, split
from tests.fuzz._targets import SEEDS, TARGETS


def run(name: str, inputs: int, seed: int, deadline: float) -> bool:
    target = TARGETS[name]
    rng = random.Random(f"{seed}:{name}")
    start = time.monotonic()
    done = 0
    for done in range(1, inputs + 1):
        data = mutate(rng, SEEDS[name])
        parts = split(rng, data)
        try:
            whole, pieces = target([data]), target(parts)
        except Exception:
            print(f"{name}: input {done} raised\n  data={data!r}\n  split={parts!r}")
            traceback.print_exc()
            return False
        if whole != pieces:
            print(
                f"{name}: input {done}: whole and split disagree\n  data={data!r}\n"
                f"  split={parts!r}\n  whole={whole!r}\n  split={pieces!r}"
            )
            return False
        if time.monotonic() > deadline:
            break
    took = time.monotonic() - start
    print(f"{name}: {done:,} inputs, no failure, {took:.0f} s ({done / took:,.0f}/s)", flush=True)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", choices=[[], *sorted(TARGETS)], default=[])
    parser.add_argument("--inputs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--minutes", type=float, default=60.0, help="per target")
    options = parser.parse_args()
    ok = True
    for name in options.targets or sorted(TARGETS):
        deadline = time.monotonic() + options.minutes * 60
        ok = run(name, options.inputs, options.seed, deadline) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
