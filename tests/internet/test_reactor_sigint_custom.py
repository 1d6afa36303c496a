"""As Twisted's, ``reactor.run()`` takes SIGINT only from Python's default handler: a handler
the program installed (pytest-twisted installs one) or SIG_IGN stays in place; SIGTERM is
the reactor's either way."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from twistio.internet import reactor
    got = []
    if sys.argv[1] == "custom":
        signal.signal(signal.SIGINT, lambda s, f: got.append("custom"))
    elif sys.argv[1] == "ignore":
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    def check():
        os.kill(os.getpid(), signal.SIGINT)
        reactor.callLater(0.1, reactor.stop)
    reactor.callWhenRunning(check)
    reactor.run()
    print(got, signal.getsignal(signal.SIGINT) is signal.SIG_IGN)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(
    ("mode", "expected"), [("custom", "['custom'] False"), ("ignore", "[] True")]
)
def test_program_sigint_handler_is_kept(mode: str, expected: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
