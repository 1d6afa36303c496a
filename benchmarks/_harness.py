"""What the benchmarks share about their server processes, once: pin a process to a core,
read its CPU time, start a server that announces its port, stop it (bounded in time)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pin(cpu: int, pid: int = 0) -> None:
    """Pin process ``pid`` (0: this one) to core ``cpu``, where the machine has it."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > cpu:
        os.sched_setaffinity(pid, {cpu})


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` (Linux /proc; NaN if gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(
    command: Sequence[str], what: str, cpu: int | None = None
) -> tuple[subprocess.Popen[str], int]:
    """Run ``command`` (from the repository root) and read the port it prints as its first
    line; the process is pinned to ``cpu`` if given. RuntimeError if it prints nothing."""
    proc = subprocess.Popen(
        list(command), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT
    )
    assert proc.stdout is not None
    if cpu is not None:
        pin(cpu, proc.pid)
    line = proc.stdout.readline()
    if not line.strip():
        proc.kill()
        proc.wait(timeout=5)
        raise RuntimeError(f"{what} server did not start")
    return proc, int(line)


def stop_server(proc: subprocess.Popen[str] | subprocess.Popen[bytes], timeout: float = 5) -> None:
    """SIGTERM, then SIGKILL if it is still there after ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
