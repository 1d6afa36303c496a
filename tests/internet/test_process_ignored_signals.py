"""A child gets the default action for the signals its parent ignores, as Twisted's children
do: a program started under ``nohup`` (SIGHUP ignored) can still end a child with SIGHUP."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import signal, sys
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    from twistio.internet import protocol, reactor

    class Child(protocol.ProcessProtocol):
        out = b""

        def outReceived(self, data):
            self.out += data

        def processEnded(self, reason):
            print(self.out.decode().strip(), type(reason.value).__name__,
                  getattr(reason.value, "signal", None))
            reactor.stop()

    code = ("import signal, sys, time; "
            "print(signal.getsignal(signal.SIGHUP) is signal.SIG_DFL, "
            "signal.getsignal(signal.SIGUSR1) is signal.SIG_DFL, flush=True); "
            "time.sleep(30)")
    child = Child()
    transport = reactor.spawnProcess(child, sys.executable, [sys.executable, "-c", code],
                                     env=None, childFDs={0: "w", 1: "r", 2: 2})

    def hang_up():
        if child.out:
            transport.signalProcess("HUP")
        else:
            reactor.callLater(0.05, hang_up)

    reactor.callLater(0.05, hang_up)
    reactor.run()
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_child_gets_default_action_for_signals_the_parent_ignores() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True True ProcessTerminated 1"
