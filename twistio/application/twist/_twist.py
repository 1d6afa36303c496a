"""``Twist``: the ``twist`` command: parse the options, make the plugin's service, run it."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from twistio.application.runner._exit import ExitStatus, exit
from twistio.application.runner._runner import Runner
from twistio.application.service import IService, IServiceMaker, _adapt
from twistio.application.twist._options import TwistOptions
from twistio.python.usage import UsageError

__all__ = ["Twist"]


class Twist:
    """``twist [options] plugin [plugin_options]``."""

    @staticmethod
    def options(argv: Sequence[str]) -> TwistOptions:
        """The parsed command line (``argv[0]`` is the program); a usage error exits
        with ``EX_USAGE``."""
        options = TwistOptions()
        try:
            options.parseOptions(argv[1:])
        except UsageError as e:
            exit(ExitStatus.EX_USAGE, f"Error: {e}\n\n{options}")
        return options

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
        runner = Runner(
            reactor=twistOptions["reactor"],
            defaultLogLevel=twistOptions["logLevel"],
            logFile=twistOptions["logFile"],
            fileLogObserverFactory=twistOptions["fileLogObserverFactory"],
        )
        runner.run()

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
