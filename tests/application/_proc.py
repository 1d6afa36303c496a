"""Running twistio commands in subprocesses: start, wait for a line, stop by pid."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from typing import IO

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STARTUP_TIMEOUT = 10.0


def spawn(*args: str, cwd: str | None = None) -> subprocess.Popen[bytes]:
    """``python -m twistio ARGS`` with stdout and stderr piped."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    # A session (and process group) of its own: when it has to be killed, its workers go
    # with it, rather than living on with our pipes open (communicate() would wait for them).
    return subprocess.Popen(
        [sys.executable, "-m", "twistio", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd or ROOT,
        env=env,
        start_new_session=True,
    )


def _kill(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """Kill the process and everything in its group; what it wrote (bounded in time)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    try:
        return proc.communicate(timeout=STARTUP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # Something outside the group still holds the pipes: stop reading them.
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        proc.wait()
        return b"", b""


_pending: dict[tuple[int, str], bytes] = {}


def wait_for(proc: subprocess.Popen[bytes], pattern: str, stream: str = "stderr") -> re.Match[str]:
    """Read ``stream`` line by line until ``pattern`` matches (bounded by STARTUP_TIMEOUT).

    Reads the raw file descriptor (a buffered reader would hide lines from ``select``);
    what follows the matching line is kept for the next call.
    """
    pipe: IO[bytes] | None = proc.stderr if stream == "stderr" else proc.stdout
    assert pipe is not None
    fd = pipe.fileno()
    key = (proc.pid, stream)
    regex = re.compile(pattern)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    seen: list[str] = []
    buffer = _pending.pop(key, b"")
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                text = line.decode(errors="replace")
                seen.append(text)
                found = regex.search(text)
                if found:
                    _pending[key] = buffer
                    return found
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not sel.select(remaining):
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buffer += chunk
    out, err = _kill(proc)
    raise AssertionError(f"{pattern!r} not seen; got {seen!r} {out!r} {err!r}")


def terminate(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> tuple[int, bytes, bytes]:
    """Send ``sig`` to the process we started; its exit status and remaining output."""
    if proc.poll() is None:
        os.kill(proc.pid, sig)
    try:
        out, err = proc.communicate(timeout=STARTUP_TIMEOUT)
    except subprocess.TimeoutExpired:
        out, err = _kill(proc)
    return proc.returncode, out, err
