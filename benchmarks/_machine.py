"""A description of the machine and the software a benchmark run used, for its JSON file."""

from __future__ import annotations

import datetime
import os
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from typing import Any

PACKAGES = ["twistio", "twisted", "uvloop", "aiohttp", "uvicorn", "httptools", "matplotlib"]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        if package == "twistio":
            try:
                import twistio

                return str(twistio.__version__)
            except ImportError:
                return None
        return None


def wrk_version() -> str | None:
    wrk = shutil.which("wrk")
    if not wrk:
        return None
    try:
        out = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else None


def describe() -> dict[str, Any]:
    """CPU, cores, OS, Python, package versions, load average and the date (UTC)."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": affinity,
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "python_executable": sys.executable,
        "versions": {p: version(p) for p in PACKAGES},
        "wrk": wrk_version(),
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
