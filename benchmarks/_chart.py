"""The suite's PNG: twistio's ratios to Twisted and to raw asyncio, per workload (matplotlib)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

OURS = ["twistio-asyncio", "twistio-uvloop", "twistio"]
COLOURS = {"twistio-asyncio": "#1f77b4", "twistio-uvloop": "#ff7f0e", "twistio": "#2ca02c"}


def draw(results: dict[str, dict[str, Any]], path: Path) -> bool:
    """Horizontal bars, one group per workload, one panel per reference; a line at 1x."""
    rows: list[tuple[str, dict[str, dict[str, Any]]]] = []
    for name, res in results.items():
        if res["status"] != "ok":
            continue
        workloads: dict[str, dict[str, dict[str, Any]]] = {}
        for r in res["records"]:
            if r["contender"] in OURS:
                workloads.setdefault(r["workload"], {})[r["contender"]] = r
        rows.extend((f"{name}: {w}", by) for w, by in workloads.items())
    if not rows:
        return False
    height = max(3.0, 0.32 * len(rows) * 1.6 + 1.5)
    fig, axes = plt.subplots(1, 2, figsize=(15, height), sharey=True)
    present = [c for c in OURS if any(c in by for _, by in rows)]
    ticks = [0.125, 0.25, 0.5, 1, 2, 4, 8, 16]
    for ax, key, title in (
        (axes[0], "vs_twisted", "twistio / Twisted (default reactor)"),
        (axes[1], "vs_raw_asyncio", "twistio / raw asyncio (in-process: the bare loop)"),
    ):
        values: list[float] = []
        for contender in present:
            ys, xs = [], []
            for i, (_, by) in enumerate(rows):
                here = [c for c in present if c in by]
                r = by.get(contender)
                if r is not None and r.get(key):
                    bar = 0.8 / len(here)
                    ys.append(i + (here.index(contender) - (len(here) - 1) / 2) * bar)
                    xs.append(r[key])
            # Bars grow from 1x, to the right when better, to the left when worse.
            ax.barh(
                ys,
                [x - 1 for x in xs],
                left=1,
                height=0.8 / max(1, len(present)),
                color=COLOURS[contender],
                label=contender,
            )
            values += xs
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xscale("log")
        if values:
            lo, hi = min(*values, 0.9), max(*values, 1.1)
            ax.set_xlim(lo / 1.3, hi * 1.3)
        ax.set_xticks([t for t in ticks if lo / 1.3 <= t <= hi * 1.3] if values else [1])
        ax.set_xticklabels([f"{t:g}x" for t in ax.get_xticks()])
        ax.minorticks_off()
        ax.set_title(title + "\nratio of medians; > 1x is better (memory: less is better)")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(rows)))
    axes[0].set_yticklabels([label for label, _ in rows], fontsize=8)
    axes[0].invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(present), frameon=False)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
