"""``twistd``: run a Twisted application from a file (``-y app.tac``, ``-f app.tap``,
``-s app.tas``) or the service of a plugin (``twistd web --port tcp:8080``), as a daemon
on POSIX systems unless ``--nodaemon`` (``-n``) is given.

``run()`` is the program (the ``twistd`` console script, and ``twistio twistd``);
``runApp(config)`` runs parsed options, ending the process by the signal that stopped
the reactor, if one did.
"""

from __future__ import annotations

from typing import Any

from twistio.application import app
from twistio.python.runtime import platformType

__all__ = ["ServerOptions", "run", "runApp"]

if platformType == "posix":
    from twistio.scripts._twistd_unix import ServerOptions
    from twistio.scripts._twistd_unix import UnixApplicationRunner as _SomeApplicationRunner
else:
    ServerOptions = app.ServerOptions  # type: ignore[assignment,misc]

    class _SomeApplicationRunner(app.ApplicationRunner):  # type: ignore[no-redef]
        """Elsewhere: no daemon, no PID file, no change of user."""

        def preApplication(self) -> None:
            import sys

            self.oldstdout, self.oldstderr = sys.stdout, sys.stderr

        def postApplication(self) -> None:
            app.startApplication(self.application, not self.config["no_save"])
            self.startReactor(None, self.oldstdout, self.oldstderr)


def runApp(config: Any) -> None:
    """Run the application ``config`` describes until the reactor stops."""
    runner = _SomeApplicationRunner(config)
    runner.run()
    if runner._exitSignal is not None:
        app._exitWithSignal(runner._exitSignal)


def run() -> None:
    """The ``twistd`` program."""
    app.run(runApp, ServerOptions)


if __name__ == "__main__":
    run()
