"""Run a command, relay its output as it comes, then print how it ended; Twisted style.

Run: python examples/process_runner.py COMMAND [ARG ...]
     e.g. python examples/process_runner.py /bin/sh -c 'echo hi; echo oops >&2; exit 3'

The program exits with the child's exit code (128 + the signal number if a signal killed it).
"""

import os
import shutil
import sys

from twistio.internet import error, protocol, reactor


class Relay(protocol.ProcessProtocol):
    exitCode = 0

    def connectionMade(self):
        print(f"started pid {self.transport.pid}", flush=True)
        self.transport.closeStdin()

    def outReceived(self, data):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()

    def errReceived(self, data):
        sys.stderr.buffer.write(data)
        sys.stderr.flush()

    def processEnded(self, reason):
        if reason.check(error.ProcessDone):
            print("exited normally (exit code 0)")
        elif reason.value.signal is not None:
            print(f"killed by signal {reason.value.signal}")
            Relay.exitCode = 128 + reason.value.signal
        else:
            print(f"exited with code {reason.value.exitCode}")
            Relay.exitCode = reason.value.exitCode
        reactor.stop()


if len(sys.argv) < 2:
    sys.exit(__doc__)
executable = shutil.which(sys.argv[1]) or sys.argv[1]
reactor.spawnProcess(Relay(), executable, sys.argv[1:], env=os.environ)
reactor.run()
sys.exit(Relay.exitCode)
