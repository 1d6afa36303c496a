"""The benchmark suite (``python -m benchmarks``) end to end on one tiny workload; no timings."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks._suite import summarise

ROOT = Path(__file__).resolve().parent.parent


def test_suite_smoke_writes_table_json_and_chart(tmp_path: Path) -> None:
    pytest.importorskip("twisted")
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "deferred", "--smoke", "--output", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "| benchmark | workload | contender | median |" in out.stdout
    assert "| deferred | create + one callback + fire | twistio |" in out.stdout
    payload = json.loads((tmp_path / "latest.json").read_text())
    assert payload["machine"]["python"] and payload["machine"]["cores"]
    assert "twisted" in payload["machine"]["versions"]
    result = payload["benchmarks"]["deferred"]
    assert result["status"] == "ok"
    contenders = {r["contender"] for r in result["records"]}
    assert contenders == {"twistio", "twisted"}
    for r in result["records"]:
        assert r["samples"] and r["min"] <= r["median"] <= r["max"]
        assert r["vs_twisted"] is not None
    assert list(tmp_path.glob("results-*.json"))
    assert (tmp_path / "latest.md").read_text().startswith("twistio benchmarks")
    if importlib.util.find_spec("matplotlib") is not None:
        assert (tmp_path / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_summarise_ratios_and_generator_mark() -> None:
    records = summarise(
        [
            {
                "workload": "w",
                "contender": "raw-asyncio",
                "unit": "x/s",
                "samples": [10, 30, 20],
                "server_cpu": [1.0, 1.0, 0.9],
            },
            {
                "workload": "w",
                "contender": "twisted-default",
                "unit": "x/s",
                "samples": [5],
                "server_cpu": [0.5],
            },
            {
                "workload": "w",
                "contender": "twistio-asyncio",
                "unit": "x/s",
                "samples": [40],
                "server_cpu": [0.95],
            },
            {
                "workload": "m",
                "contender": "raw-asyncio",
                "unit": "B",
                "samples": [2000],
                "higher_is_better": False,
            },
            {
                "workload": "m",
                "contender": "twistio-asyncio",
                "unit": "B",
                "samples": [1000],
                "higher_is_better": False,
            },
        ]
    )
    raw, twisted, ours, mraw, mours = records
    assert (raw["median"], raw["min"], raw["max"]) == (20, 10, 30)
    assert ours["vs_raw_asyncio"] == 2.0 and ours["vs_twisted"] == 8.0
    assert twisted["generator_limited"] and not ours["generator_limited"]
    assert ours["generator_ceiling"]["from"] == "twistio-asyncio"
    assert mours["vs_raw_asyncio"] == 2.0  # half the memory
    assert mours["vs_twisted"] is None and "generator_limited" not in mraw


def test_no_benchmark_file_shadows_the_standard_library() -> None:
    # Run as `python benchmarks/x.py`, benchmarks/ comes first on sys.path: a file named like a
    # standard module (it once was benchmarks/http.py) would replace that module for everything.
    names = {p.stem for p in (ROOT / "benchmarks").glob("*.py")}
    assert not names & set(sys.stdlib_module_names)


@pytest.mark.parametrize("script", ["deferred.py", "lines.py", "template.py", "http_server.py"])
def test_benchmark_scripts_run_by_path(script: str) -> None:
    pytest.importorskip("twisted")
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "usage" in out.stdout
