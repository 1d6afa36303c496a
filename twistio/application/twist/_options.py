"""``twist``'s command line: reactor, logging, and the plugin to run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from sys import stderr, stdout
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


_LOG_FORMATS: Mapping[str, Callable[..., Any]] = {
    "text": textFileLogObserver,
    "json": jsonFileLogObserver,
}


class TwistOptions(Options):
    """The ``twist`` command's options; the sub-command is the plugin's name."""

    defaultReactorName = "default"
    defaultLogLevel = LogLevel.info

    def __init__(self) -> None:
        Options.__init__(self)
        self.update(
            reactorName=self.defaultReactorName, logLevel=self.defaultLogLevel, logFile=stdout
        )

    def getSynopsis(self) -> str:
        return f"{Options.getSynopsis(self)} plugin [plugin_options]"

    def opt_version(self) -> None:
        """Show the version, then stop."""
        exit(ExitStatus.EX_OK, f"{version}")

    def opt_reactor(self, name: str) -> None:
        self["reactor"] = self.installReactor(name)
        self["reactorName"] = name

    opt_reactor.__doc__ = "Which reactor runs the plugin; one of: {}.".format(
        ", ".join(repr(kind.shortName) for kind in getReactorTypes())
    )

    def installReactor(self, name: str) -> Any:
        """Install the reactor ``name`` (``"default"``: the reactor already in use) and
        return it; ``UsageError`` for an unknown name."""
        if name != self.defaultReactorName:
            try:
                return installReactor(name)
            except NoSuchReactor:
                raise UsageError(f"Unknown reactor: {name}") from None
        from twistio.internet import reactor

        return reactor

    def opt_log_level(self, levelName: str) -> None:
        """Least severe level logged: debug, info (default), warn, error, critical."""
        try:
            level = LogLevel.levelWithName(levelName)
        except InvalidLogLevelError:
            raise UsageError(f"Invalid log level: {levelName}") from None
        self["logLevel"] = level

    def opt_log_file(self, fileName: str) -> None:
        """Log to this file (appended), "-" standard output (default), "+" standard error."""
        named = {"-": stdout, "+": stderr}
        if fileName in named:
            self["logFile"] = named[fileName]
            return
        try:
            opened = openFile(fileName, "a")
        except OSError as problem:
            exit(ExitStatus.EX_IOERR, f"Unable to open log file {fileName!r}: {problem}")
        else:
            self["logFile"] = opened

    def opt_log_format(self, format: str) -> None:
        """How events are written: text (default on a terminal) or json (elsewhere)."""
        if format not in _LOG_FORMATS:
            raise UsageError(f"Invalid log format: {format}")
        self["fileLogObserverFactory"] = _LOG_FORMATS[format]
        self["logFormat"] = format

    def selectDefaultLogObserver(self) -> None:
        """Choose the log format, unless one was asked for: text for a terminal, JSON
        otherwise."""
        if "fileLogObserverFactory" in self:
            return
        isatty = getattr(self["logFile"], "isatty", None)
        chosen = "text" if isatty is not None and isatty() else "json"
        self["logFormat"] = chosen
        self["fileLogObserverFactory"] = _LOG_FORMATS[chosen]

    def parseOptions(self, options: Sequence[str] | None = None) -> None:
        # The default format is chosen before parsing so that --log-format can override
        # it; the reactor is installed after, if no --reactor did it already.
        self.selectDefaultLogObserver()
        Options.parseOptions(self, options=options)
        if self.get("reactor") is None:
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
        byName = self.plugins
        return [
            (name, None, _optionsMaker(byName[name]), byName[name].description)
            for name in sorted(byName)
        ]

    def postOptions(self) -> None:
        Options.postOptions(self)
        if self.subCommand is None:
            raise UsageError("No plugin specified.")
