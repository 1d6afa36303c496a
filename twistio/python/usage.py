"""Command-line option parsing with Twisted's ``usage.Options``.

Subclass ``Options`` and declare ``optFlags`` (``[long, short, doc]``), ``optParameters``
(``[long, short, default, doc, coerce]``), ``opt_<name>`` methods (a method taking a value
is a parameter; ``opt_v = opt_verbose`` makes an alias), ``subCommands``
(``[name, shortcut, OptionsClass, doc]``), ``parseArgs`` for the positional arguments and
``postOptions`` for checks across options. ``parseOptions(argv)`` fills the instance (a
``dict``) and raises ``UsageError``; ``str(options)`` is the ``--help`` text, laid out as
Twisted lays it out (wrapped to ``$COLUMNS``, 80 by default).

The hidden ``--_shell-completion zsh:N`` option writes a zsh completion function for the
command line so far (:mod:`twistio.python._shellcomp`), from the ``Completions``/``Completer``
metadata (``compData``) of the class, and exits.
"""

from __future__ import annotations

import getopt
import inspect
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import Any, cast

from twistio.python import reflect
from twistio.python.util import padTo

__all__ = [
    "CoerceParameter",
    "CompleteDirs",
    "CompleteFiles",
    "CompleteGroups",
    "CompleteHostnames",
    "CompleteList",
    "CompleteMultiList",
    "CompleteNetInterfaces",
    "CompleteUserAtHost",
    "CompleteUsernames",
    "Completer",
    "Completions",
    "Options",
    "UsageError",
    "docMakeChunks",
    "flagFunction",
    "portCoerce",
]


class UsageError(Exception):
    """The command line is wrong; the message says how."""


error = UsageError


class CoerceParameter:
    """Sets an option from its command-line text through ``coerce`` (``UsageError`` when
    ``coerce`` raises ``ValueError``); ``doc`` is ``coerce.coerceDoc`` if it has one."""

    def __init__(self, options: Options, coerce: Callable[[str], Any]) -> None:
        self.options = options
        self.coerce = coerce
        self.doc = getattr(coerce, "coerceDoc", "")

    def dispatch(self, parameterName: str, value: str) -> None:
        """Store ``coerce(value)`` as the option ``parameterName``."""
        self.options.opts[parameterName] = self._convert(parameterName, value)

    def _convert(self, name: str, text: str | None) -> Any:
        # getopt always gives a value; a caller passing None gets a usage error, not a crash.
        failure: str
        if text is not None:
            try:
                return self.coerce(text)
            except ValueError as problem:
                failure = f"Parameter type enforcement failed: {problem}"
        else:
            failure = f"Parameter '{name}' requires an argument."
        raise UsageError(failure)


def portCoerce(value: str) -> int:
    """A TCP port number from text (``ValueError`` outside 0-65535)."""
    number = int(value)
    if not 0 <= number <= 65535:
        raise ValueError(f"Port number not in range: {value}")
    return number


portCoerce.coerceDoc = "Must be an int between 0 and 65535."  # type: ignore[attr-defined]


def flagFunction(method: Callable[..., Any], name: str | None = None) -> bool:
    """Whether the ``opt_`` method is a flag (takes no value) rather than a parameter.

    ``UsageError`` if it takes more than one argument.
    """
    positional = [
        p
        for p in inspect.signature(method).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if len(positional) > 1:
        raise UsageError(f"Invalid Option function for {name or method.__name__}")
    return not positional


def _terminal_width() -> int:
    try:
        return int(os.environ.get("COLUMNS", "80"))
    except ValueError:
        return 80


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, max(width, 1)) or [""]


def docMakeChunks(optList: Sequence[dict[str, Any]], width: int = 80) -> list[str]:
    """The help table: one text per option (each ending in a newline), descriptions wrapped
    to ``width``.

    Each option is a dict with ``long``, ``short``, ``doc``, ``optType`` (``"flag"`` or
    ``"parameter"``), ``default`` and ``dispatch`` (whose ``doc`` is appended).
    """
    names = []
    for option in optList:
        name = "--" + option["long"]
        if option.get("optType") == "parameter":
            name += "="
        names.append(name)
    if not names:
        return []
    column = 6 + max(len(name) for name in names) + 2
    chunks = []
    for option, name in zip(optList, names, strict=True):
        short = option.get("short")
        lead = f"  -{short}, " if short else "      "
        described = (option.get("doc") or "").strip()
        default = option.get("default")
        if option.get("optType") == "parameter" and default is not None:
            described += f" [default: {default}]"
        extra = getattr(option.get("dispatch"), "doc", "")
        if extra:
            described += ". " + extra
        lines = _wrap(described, width - column) if described else [""]
        text = (lead + name).ljust(column) + lines[0] + "\n"
        text += "".join(" " * column + line + "\n" for line in lines[1:])
        chunks.append(text)
    return chunks


class Options(dict[str, Any]):
    """Options parsed from a command line, kept as the items of this dictionary.

    ``opts`` is the dictionary itself; flags default to 0 and are 1 when given; parameters
    hold their (coerced) values.
    """

    subCommand: str | None = None
    defaultSubCommand: str | None = None
    parent: Options | None = None
    completionData: Completions | None = None
    _shellCompFile = sys.stdout

    def __init__(self) -> None:
        super().__init__()
        self.opts = self
        self.defaults: dict[str, Any] = {}
        self.longOpt: list[str] = []
        self.shortOpt = ""
        self.docs: dict[str, Any] = {}
        self.synonyms: dict[str, str] = {}
        self._dispatch: dict[str, Any] = {}
        for gather in (self._gather_flags, self._gather_parameters, self._gather_handlers):
            longOpt, shortOpt, docs, settings, synonyms, dispatch = gather()
            self.longOpt.extend(longOpt)
            self.shortOpt += shortOpt
            self.docs.update(docs)
            self.defaults.update(settings)
            self.synonyms.update(synonyms)
            self._dispatch.update(dispatch)
        self.opts.update(self.defaults)

    def __hash__(self) -> int:  # type: ignore[override]
        # Options are used as keys (by identity), though they are dictionaries.
        return id(self)

    # -- declarations ----------------------------------------------------------------------

    def _gather_flags(self) -> tuple[Any, ...]:
        declared: list[Any] = []
        reflect.accumulateClassList(self.__class__, "optFlags", declared)
        longOpt: list[str] = []
        shortOpt = ""
        docs: dict[str, Any] = {}
        settings: dict[str, Any] = {}
        synonyms: dict[str, str] = {}
        dispatch: dict[str, Any] = {}
        for entry in declared:
            long, short, doc = padTo(3, entry)
            if not long:
                raise ValueError("A flag cannot be without a name.")
            docs[long] = doc
            settings[long] = 0
            synonyms[long] = long
            if short:
                shortOpt += short
                synonyms[short] = long
            if long not in longOpt:
                longOpt.append(long)
            dispatch[long] = self._generic_flag
        return longOpt, shortOpt, docs, settings, synonyms, dispatch

    def _gather_parameters(self) -> tuple[Any, ...]:
        declared: list[Any] = []
        reflect.accumulateClassList(self.__class__, "optParameters", declared)
        longOpt: list[str] = []
        shortOpt = ""
        docs: dict[str, Any] = {}
        settings: dict[str, Any] = {}
        synonyms: dict[str, str] = {}
        dispatch: dict[str, Any] = {}
        for entry in declared:
            long, short, default, doc, coerce = padTo(5, entry)
            if not long:
                raise ValueError("A parameter cannot be without a name.")
            docs[long] = doc
            settings[long] = default
            synonyms[long] = long
            if short:
                shortOpt += short + ":"
                synonyms[short] = long
            if long + "=" not in longOpt:
                longOpt.append(long + "=")
            dispatch[long] = CoerceParameter(self, coerce if coerce is not None else str)
        return longOpt, shortOpt, docs, settings, synonyms, dispatch

    def _gather_handlers(self) -> tuple[Any, ...]:
        methods: dict[str, Any] = {}
        reflect.accumulateMethods(self, methods, "opt_")
        # Aliases share one function; the longest of their names is the option's name.
        groups: dict[Any, list[str]] = {}
        for name, method in methods.items():
            groups.setdefault(getattr(method, "__func__", method), []).append(name)
        longOpt: list[str] = []
        shortOpt = ""
        docs: dict[str, Any] = {}
        synonyms: dict[str, str] = {}
        dispatch: dict[str, Any] = {}
        for name, method in methods.items():
            takesValue = not flagFunction(method, name)
            canonical = max(groups[getattr(method, "__func__", method)], key=len)
            pretty = canonical.replace("_", "-")
            if len(name) == 1:
                shortOpt += name + (":" if takesValue else "")
                synonyms[name] = pretty
            else:
                longOpt.append(name.replace("_", "-") + ("=" if takesValue else ""))
                synonyms[name.replace("_", "-")] = pretty
            docs[pretty] = method.__doc__
            dispatch[pretty] = _handler(method, takesValue)
        return longOpt, shortOpt, docs, {}, synonyms, dispatch

    def _generic_flag(self, flagName: str, value: Any = None) -> None:
        if value not in ("", None):
            raise UsageError(f"Flag '{flagName}' takes no argument. Not even \"{value}\".")
        self.opts[flagName] = 1

    # -- parsing ---------------------------------------------------------------------------

    def parseOptions(self, options: Sequence[str] | None = None) -> None:
        """Parse ``options`` (``sys.argv[1:]`` by default), then the sub-command or
        ``parseArgs``, then ``postOptions``; ``UsageError`` for a bad command line."""
        if options is None:
            options = sys.argv[1:]
        if "--_shell-completion" in options:
            # A zsh completion stub asking what may come next (twistio.python._shellcomp).
            from twistio.python import _shellcomp

            cmdName = os.path.basename(sys.argv[0])
            _shellcomp.shellComplete(self, cmdName, list(options), self._shellCompFile)
            sys.exit(0)
        try:
            given, rest = getopt.getopt(list(options), self.shortOpt, self.longOpt)
        except getopt.GetoptError as failure:
            raise UsageError(str(failure))
        for option, value in given:
            name = option[2:] if option.startswith("--") else option[1:]
            canonical = self.synonyms.get(name)
            if canonical is None:
                raise UsageError(f"No such option '{name}'")
            handler = self._dispatch[canonical]
            if isinstance(handler, CoerceParameter):
                handler.dispatch(canonical, value)
            else:
                handler(canonical, value)
        commands = getattr(self, "subCommands", None)
        if commands and (rest or self.defaultSubCommand is not None):
            self._parse_sub_command(commands, rest or [cast(str, self.defaultSubCommand)])
        else:
            try:
                inspect.signature(self.parseArgs).bind(*rest)
            except TypeError:
                raise UsageError("Wrong number of arguments.")
            self.parseArgs(*rest)
        self.postOptions()

    def _parse_sub_command(self, commands: Sequence[Any], args: list[str]) -> None:
        wanted, remaining = args[0], args[1:]
        found = next((c for c in commands if wanted in (c[0], c[1])), None)
        if found is None:
            raise UsageError(f"Unknown command: {wanted}")
        sub = found[2]()
        self.subCommand, self.subOptions = found[0], sub
        sub.parent = self
        sub.parseOptions(remaining)

    def postOptions(self) -> None:
        """Called after everything is parsed: override to check combinations of options."""

    def parseArgs(self) -> None:
        """Called with the positional arguments: override to accept some."""

    def opt_help(self) -> None:
        """
        Display this help and exit.
        """
        print(self.__str__())
        sys.exit(0)

    def opt_version(self) -> None:
        """
        Display Twisted version and exit.
        """
        from twistio import version

        print("Twisted version:", version.short())
        sys.exit(0)

    # -- help ------------------------------------------------------------------------------

    def getSynopsis(self) -> str:
        """The first line of the help: ``Usage: prog [options]`` (or ``synopsis``), after the
        parent's synopsis and sub-command for a sub-command's options."""
        own = getattr(self, "synopsis", None)
        if own is None:
            options = " [options]" if self.longOpt else ""
            if self.parent is None:
                program = os.path.splitext(os.path.basename(sys.argv[0]))[0]
                own = f"Usage: {program}{options}"
            else:
                own = options.strip()
        if self.parent is not None:
            own = f"{self.parent.getSynopsis()} {self.parent.subCommand} {own}"
        return own.rstrip()

    def getUsage(self, width: int | None = None) -> str:
        """The help text after the synopsis: the options table, ``longdesc`` (by default the
        ``__main__`` module's docstring), the commands."""
        if width is None:
            width = _terminal_width()
        text = "Options:\n" + "".join(docMakeChunks(self._help_entries(), width))
        longdesc = getattr(self, "longdesc", None)
        if longdesc is None:  # as in Twisted: the running program's docstring
            longdesc = getattr(sys.modules.get("__main__"), "__doc__", None)
        if longdesc:
            text += "\n" + "\n".join(textwrap.wrap(longdesc, max(width, 1))) + "\n"
        commands = getattr(self, "subCommands", None)
        if commands:
            text += "Commands:\n" + "".join(_command_chunks(commands, width))
        return text

    def _help_entries(self) -> list[dict[str, Any]]:
        shorts: dict[str, str] = {}
        for name, long in self.synonyms.items():
            if len(name) == 1 and name != long:
                shorts[long] = name
        flags: dict[str, Any] = {}
        for entry in self.longOpt:
            long = entry.rstrip("=")
            canonical = self.synonyms.get(long, long)
            if canonical != long:
                continue
            flags.setdefault(long, "parameter" if entry.endswith("=") else "flag")
        entries = [
            {
                "long": long,
                "short": shorts.get(long),
                "doc": self.docs.get(long),
                "optType": kind,
                "default": self.defaults.get(long),
                "dispatch": self._dispatch.get(long),
            }
            for long, kind in flags.items()
        ]
        entries.sort(key=lambda e: e["short"] or e["long"])
        return entries

    def __str__(self) -> str:
        return self.getSynopsis() + "\n" + self.getUsage(width=None)


def _handler(method: Callable[..., Any], takesValue: bool) -> Callable[..., Any]:
    """The dispatcher for an ``opt_`` method: called with the option's name and value."""

    def withValue(name: str, value: Any) -> Any:
        return method(value)

    def withoutValue(name: str, value: Any = None) -> Any:
        return method()

    return withValue if takesValue else withoutValue


def _command_chunks(commands: Sequence[Any], width: int) -> list[str]:
    entries = sorted(padTo(4, command) for command in commands)
    if not entries:
        return []
    column = 10 + max(len(entry[0]) for entry in entries)
    chunks = []
    for name, _shortcut, _parser, doc in entries:
        lines = _wrap(doc, width - column) if doc else [""]
        text = ("    " + name).ljust(column) + lines[0] + "\n"
        text += "".join(" " * column + line + "\n" for line in lines[1:])
        chunks.append(text)
    return chunks


# -- shell completion metadata --------------------------------------------------------------


class Completions:
    """Completion metadata for an ``Options`` class (its ``compData``/``completionData``)."""

    def __init__(
        self,
        descriptions: dict[str, str] = {},  # noqa: B006
        multiUse: list[str] = [],  # noqa: B006
        mutuallyExclusive: list[Sequence[str]] = [],  # noqa: B006
        optActions: dict[str, Completer] = {},  # noqa: B006
        extraActions: list[Completer] = [],  # noqa: B006
    ) -> None:
        self.descriptions = descriptions
        self.multiUse = multiUse
        self.mutuallyExclusive = mutuallyExclusive
        self.optActions = optActions
        self.extraActions = extraActions


_ZSH = "zsh"


class Completer:
    """How to complete an option's value; the base completes nothing in particular."""

    _descr: str | None = None

    def __init__(self, descr: str | None = None, repeat: bool = False) -> None:
        if descr is not None:
            self._descr = descr
        self._repeat = repeat

    @property
    def _repeatFlag(self) -> str:
        return "*" if self._repeat else ""

    def _description(self, optName: str) -> str:
        return self._descr if self._descr is not None else optName

    def _shellCode(self, optName: str, shellType: str) -> str:
        if shellType != _ZSH:
            raise NotImplementedError(f"Unknown shellType {shellType!r}")
        return f"{self._repeatFlag}:{self._description(optName)}:{self._zshAction()}"

    def _zshAction(self) -> str:
        return ""


class CompleteFiles(Completer):
    """Complete file names matching ``globPattern``."""

    def __init__(self, globPattern: str = "*", **kw: Any) -> None:
        super().__init__(**kw)
        self._globPattern = globPattern

    def _description(self, optName: str) -> str:
        return f"{super()._description(optName)} ({self._globPattern})"

    def _zshAction(self) -> str:
        return f'_files -g "{self._globPattern}"'


class CompleteDirs(Completer):
    """Complete directory names."""

    def _zshAction(self) -> str:
        return "_directories"


class CompleteList(Completer):
    """Complete one of a fixed list of words."""

    def __init__(self, items: Sequence[str], **kw: Any) -> None:
        super().__init__(**kw)
        self._items = items

    def _zshAction(self) -> str:
        return "(" + " ".join(self._items) + ")"


class CompleteMultiList(Completer):
    """Complete a comma-separated list of words from a fixed list."""

    def __init__(self, items: Sequence[str], **kw: Any) -> None:
        super().__init__(**kw)
        self._items = items

    def _shellCode(self, optName: str, shellType: str) -> str:
        if shellType != _ZSH:
            raise NotImplementedError(f"Unknown shellType {shellType!r}")
        described = self._description(optName)
        words = " ".join(self._items)
        return f"{self._repeatFlag}:{described}:_values -s , '{described}' {words}"


class CompleteUsernames(Completer):
    """Complete user names."""

    def _zshAction(self) -> str:
        return "_users"


class CompleteGroups(Completer):
    """Complete group names."""

    _descr = "group"

    def _zshAction(self) -> str:
        return "_groups"


class CompleteHostnames(Completer):
    """Complete host names."""

    def _zshAction(self) -> str:
        return "_hosts"


class CompleteUserAtHost(Completer):
    """Complete ``host`` or ``user@host``."""

    _descr = "host | user@host"

    def _zshAction(self) -> str:
        return (
            '{_ssh;if compset -P "*@"; then _wanted hosts expl "remote host name" '
            '_ssh_hosts && ret=0 elif compset -S "@*"; then _wanted users expl "login name" '
            '_ssh_users -S "" && ret=0 else if (( $+opt_args[-l] )); then tmp=() else tmp=( '
            '"users:login name:_ssh_users -qS@" ) fi; _alternative "hosts:remote host name:'
            '_ssh_hosts" "$tmp[@]" && ret=0 fi}'
        )


class CompleteNetInterfaces(Completer):
    """Complete network interface names."""

    def _zshAction(self) -> str:
        return "_net_interfaces"
