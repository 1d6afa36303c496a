"""Logging seen from outside, Twisted beside twistio (each in a subprocess, so the global log
state of one run cannot leak into another):

- an unhandled error in a garbage-collected Deferred reaches legacy observers
  (``python.log.addObserver``) as the same two critical events, with and without debugging;
- ``globalLogBeginner.beginLoggingTo([textFileLogObserver(...)])`` writes one line per event,
  also when the program has configured the standard library's ``logging``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("twisted")

ROOT = Path(__file__).resolve().parents[2]


def _run(program: str, pkg: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(program), pkg, *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


GC_PROGRAM = r"""
    import gc, json, sys
    from importlib import import_module
    pkg, debug = sys.argv[1], sys.argv[2] == "1"
    log = import_module(pkg + ".python.log")
    defer = import_module(pkg + ".internet.defer")
    events = []
    log.addObserver(events.append)
    defer.setDebugging(debug)

    def lose():
        d = defer.Deferred()
        d.errback(ValueError("lost"))

    lose()
    gc.collect()
    log.removeObserver(events.append)

    def plain(value):
        text = value if isinstance(value, str) else repr(value)
        return text.replace("twisted", "PKG").replace("twistio", "PKG")

    out = []
    for e in events:
        kept = {k: plain(e[k]) for k in e if k not in ("time", "log_time", "log_legacy", "log_logger")}
        kept["failure"] = type(e["failure"].value).__name__ if "failure" in e else None
        kept["log_failure"] = kept["failure"]
        kept["text"] = plain(log.textFromEventDict(e))
        out.append(kept)
    print(json.dumps(out))
"""


@pytest.mark.parametrize("debug", ["0", "1"])
def test_unhandled_error_in_collected_deferred_reaches_legacy_observers(debug: str) -> None:
    got = {}
    for pkg in ("twisted", "twistio"):
        done = _run(GC_PROGRAM, pkg, debug)
        assert done.returncode == 0, done.stderr
        got[pkg] = json.loads(done.stdout)
    assert got["twistio"] == got["twisted"]
    heading, failure = got["twistio"]
    assert heading["log_format"] == "Unhandled error in Deferred:"
    assert heading["log_level"] == failure["log_level"] == "<LogLevel=critical>"
    assert failure["failure"] == "ValueError"
    assert "Traceback" in failure["text"]
    assert failure["text"].startswith("(debug: ") == (debug == "1")


LINES_PROGRAM = r"""
    import logging, sys
    from importlib import import_module
    pkg, configure = sys.argv[1], sys.argv[2] == "1"
    logger = import_module(pkg + ".logger")
    log = import_module(pkg + ".python.log")
    if configure:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    logger.globalLogBeginner.beginLoggingTo(
        [logger.textFileLogObserver(sys.stdout)], redirectStandardIO=False
    )
    logger.Logger(namespace="app").info("info {what}", what="event")
    logger.Logger(namespace="app").error("error event")
    log.msg("legacy event")
    log.err(ValueError("legacy error"), "legacy why")
    print("--end--", file=sys.stderr)
"""


def _lines(text: str) -> list[str]:
    # Drop the timestamp (the first word); keep the rest of each line.
    return [line.split(" ", 1)[1] if " " in line else line for line in text.splitlines()]


@pytest.mark.parametrize("configured", ["0", "1"], ids=["logging-unconfigured", "basicConfig"])
def test_text_observer_writes_one_line_per_event(configured: str) -> None:
    outs: dict[str, Any] = {}
    for pkg in ("twisted", "twistio"):
        done = _run(LINES_PROGRAM, pkg, configured)
        assert done.returncode == 0, done.stderr
        outs[pkg] = (_lines(done.stdout), done.stderr)
    lines, stderr = outs["twistio"]
    assert lines == outs["twisted"][0]
    assert [line for line in lines if not line.startswith("\t")][:4] == [
        "[app#info] info event",
        "[app#error] error event",
        "[-] legacy event",
        "[-] legacy why",
    ]
    # Nothing went to logging's handlers a second time.
    assert stderr == outs["twisted"][1] == "--end--\n"


def test_twistio_records_reach_the_observers_once() -> None:
    """twistio's own ``logging`` records (Twisted's log events) appear once, in the text log."""
    program = r"""
        import logging, sys
        from twistio.logger import globalLogBeginner, textFileLogObserver
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
        globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stdout)], redirectStandardIO=False)
        logging.getLogger("twistio.example").info("from twistio's own logging")
        print("--end--", file=sys.stderr)
    """
    done = _run(program, "twistio")
    assert done.returncode == 0, done.stderr
    assert _lines(done.stdout) == ["[twistio.example#info] from twistio's own logging"]
    assert done.stderr == "--end--\n"
