"""``twist``'s command line: reactor, logging, and the plugin to run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from sys import stderr, stdout
from textwrap import dedent
from typing import Any, cast

from twistio.application.reactors import NoSuchReactor, getReactorTypes, installReactor
from twistio.application.runner._exit import ExitStatus, exit
from twistio.application.service import IServiceMaker
from twistio.copyright import version
from twistio.logger import (
    InvalidLogLevelError,
    LogLevel,
    jsonFileLogObserver,
    textFileLogObserver,
)
from twistio.plugin import getPlugins
from twistio.python.usage import Options, UsageError

__all__ = ["TwistOptions"]

openFile = open


def _optionsMaker(plugin: Any) -> Callable[[], Options]:
    """Makes ``plugin``'s options when its sub-command is parsed."""

    def make() -> Options:
        options: Options = plugin.options()
        return options

    return make


class TwistOptions(Options):
    """The ``twist`` command's options; the sub-command is the plugin's name."""

    defaultReactorName = "default"
    defaultLogLevel = LogLevel.info

    def __init__(self) -> None:
        Options.__init__(self)
        self["reactorName"] = self.defaultReactorName
        self["logLevel"] = self.defaultLogLevel
        self["logFile"] = stdout

    def getSynopsis(self) -> str:
        return f"{Options.getSynopsis(self)} plugin [plugin_options]"

    def opt_version(self) -> None:
        """Print version and exit."""
        exit(ExitStatus.EX_OK, f"{version}")

    def opt_reactor(self, name: str) -> None:
        """The name of the reactor to use (installed at once)."""
        self["reactor"] = self.installReactor(name)
        self["reactorName"] = name

    opt_reactor.__doc__ = dedent(
        """
        The name of the reactor to use.
        (options: {options})
        """
    ).format(options=", ".join(f'"{rt.shortName}"' for rt in getReactorTypes()))

    def installReactor(self, name: str) -> Any:
        """Install the reactor ``name`` (``"default"``: the reactor already in use) and
        return it; ``UsageError`` for an unknown name."""
        if name == self.defaultReactorName:
            from twistio.internet import reactor

            return reactor
        try:
            return installReactor(name)
        except NoSuchReactor:
            raise UsageError(f"Unknown reactor: {name}") from None

    def opt_log_level(self, levelName: str) -> None:
        """Set default log level (debug, info, warn, error, critical; default: info)."""
        try:
            self["logLevel"] = LogLevel.levelWithName(levelName)
        except InvalidLogLevelError:
            raise UsageError(f"Invalid log level: {levelName}") from None

    def opt_log_file(self, fileName: str) -> None:
        """Log to file ("-" for stdout, "+" for stderr; default: "-")."""
        if fileName == "-":
            self["logFile"] = stdout
            return
        if fileName == "+":
            self["logFile"] = stderr
            return
        try:
            self["logFile"] = openFile(fileName, "a")
        except OSError as e:
            exit(ExitStatus.EX_IOERR, f"Unable to open log file {fileName!r}: {e}")

    def opt_log_format(self, format: str) -> None:
        """Log file format (text, json; default: text if the log file is a tty, else
        json)."""
        try:
            self["fileLogObserverFactory"] = {
                "text": textFileLogObserver,
                "json": jsonFileLogObserver,
            }[format]
        except KeyError:
            raise UsageError(f"Invalid log format: {format}") from None
        self["logFormat"] = format

    opt_log_format.__doc__ = dedent(
        """
        Log file format.
        (options: "text", "json"; default: "text" if the log file is a tty,
        otherwise "json")
        """
    )

    def selectDefaultLogObserver(self) -> None:
        """Choose the log format, unless one was asked for: text for a terminal, JSON
        otherwise."""
        if "fileLogObserverFactory" not in self:
            logFile = self["logFile"]
            if hasattr(logFile, "isatty") and logFile.isatty():
                self["fileLogObserverFactory"] = textFileLogObserver
                self["logFormat"] = "text"
            else:
                self["fileLogObserverFactory"] = jsonFileLogObserver
                self["logFormat"] = "json"

    def parseOptions(self, options: Sequence[str] | None = None) -> None:
        self.selectDefaultLogObserver()
        Options.parseOptions(self, options=options)
        if "reactor" not in self:
            self["reactor"] = self.installReactor(self["reactorName"])

    @property
    def plugins(self) -> Mapping[str, Any]:
        """The service makers there are, by name."""
        if "plugins" not in self:
            self["plugins"] = {plugin.tapname: plugin for plugin in getPlugins(IServiceMaker)}
        return cast(Mapping[str, Any], self["plugins"])

    @property
    def subCommands(self) -> Iterable[tuple[str, None, Callable[[], Options], str]]:
        """One sub-command per plugin."""
        plugins = self.plugins
        for name in sorted(plugins):
            plugin = plugins[name]
            yield (plugin.tapname, None, _optionsMaker(plugin), plugin.description)

    def postOptions(self) -> None:
        Options.postOptions(self)
        if self.subCommand is None:
            raise UsageError("No plugin specified.")
