"""``Twist``: the ``twist`` command: parse the options, make the plugin's service, run it."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from twistio.application.app import _exitWithSignal
from twistio.application.runner._exit import ExitStatus, exit
from twistio.application.runner._runner import Runner
from twistio.application.service import IService, IServiceMaker, _adapt
from twistio.application.twist._options import TwistOptions
from twistio.internet.interfaces import _ISupportsExitSignalCapturing
from twistio.python.usage import UsageError

__all__ = ["Twist"]

# Runner's keyword -> the parsed option that gives it.
_RUNNER_SETTINGS = {
    "reactor": "reactor",
    "defaultLogLevel": "logLevel",
    "logFile": "logFile",
    "fileLogObserverFactory": "fileLogObserverFactory",
}


class Twist:
    """``twist [options] plugin [plugin_options]``."""

    @staticmethod
    def options(argv: Sequence[str]) -> TwistOptions:
        """The parsed command line (``argv[0]`` is the program); a usage error exits
        with ``EX_USAGE``."""
        parsed = TwistOptions()
        arguments = list(argv)[1:]
        try:
            parsed.parseOptions(arguments)
        except UsageError as complaint:
            # The complaint first, then the whole usage text.
            exit(ExitStatus.EX_USAGE, f"Error: {complaint}\n\n{parsed}")
        return parsed

    @staticmethod
    def service(plugin: IServiceMaker, options: Any) -> IService:
        """The service ``plugin`` makes of its ``options``."""
        return _adapt(IService, plugin.makeService(options))  # type: ignore[no-any-return]

    @staticmethod
    def startService(reactor: Any, service: IService) -> None:
        """Start ``service`` now and stop it when the reactor shuts down."""
        service.startService()
        reactor.addSystemEventTrigger("before", "shutdown", service.stopService)

    @staticmethod
    def run(twistOptions: TwistOptions) -> None:
        """Run the reactor, with logging as the options say."""
        settings = {name: twistOptions[key] for name, key in _RUNNER_SETTINGS.items()}
        Runner(**settings).run()
        # Stopped by a signal: end by it too, now that everything has been cleaned up.
        reactor = twistOptions["reactor"]
        if _ISupportsExitSignalCapturing.providedBy(reactor) and reactor._exitSignal is not None:
            _exitWithSignal(reactor._exitSignal)

    @classmethod
    def main(cls, argv: Sequence[str] = sys.argv) -> None:
        """The ``twist`` command."""
        options = cls.options(argv)
        reactor = options["reactor"]
        service = cls.service(
            plugin=options.plugins[str(options.subCommand)], options=options.subOptions
        )
        cls.startService(reactor, service)
        cls.run(options)
