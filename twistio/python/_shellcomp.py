"""zsh completion for programs whose command line is a ``usage.Options``.

A zsh completion stub runs the program with its words so far followed by
``--_shell-completion zsh:N`` (N being zsh's ``$CURRENT``: the 1-based position of the word
being completed, the program's name being word 1). ``Options.parseOptions`` sees that option
first, hands the words to :func:`shellComplete`, which writes a zsh function body
(``_arguments`` and, for programs with sub-commands, ``_describe``) to
``Options._shellCompFile``, and the program exits.

What each option completes with comes from the ``compData`` (a ``usage.Completions``) of
the Options class and its bases: descriptions, options that may repeat, groups of options that
exclude each other, a ``Completer`` per option and for the positional arguments.
"""

from __future__ import annotations

import getopt
import inspect
from collections.abc import Iterable, Sequence
from typing import IO, Any

from twistio.python import reflect, usage
from twistio.python.util import padTo

__all__ = [
    "SubcommandAction",
    "ZshArgumentsGenerator",
    "ZshBuilder",
    "ZshSubcommandBuilder",
    "escape",
    "shellComplete",
]


def shellComplete(config: usage.Options, cmdName: str, words: Sequence[str],
                  shellCompFile: IO[Any]) -> None:
    """Write the completion of ``words`` (the command line after the program's name, ending
    with ``--_shell-completion zsh:N``) for ``config`` to ``shellCompFile``."""
    shellType, _, current = words[-1].partition(":")
    # zsh's word 1 is the program's name, which ``words`` does not hold.
    position = int(current) - 2
    # (As Twisted's: a position past the words given reads the completion option itself.)
    completing = words[position] if 0 <= position < len(words) else ""
    words = list(words[:-2])
    output = getattr(shellCompFile, "buffer", shellCompFile)
    commands = getattr(config, "subCommands", None)
    if not commands:
        ZshBuilder(config, cmdName, output).write(shellType)
        return
    chosen = _subCommandBefore(config, commands, words[:max(position, 0)])
    if chosen is not None:
        ZshSubcommandBuilder(chosen, config, cmdName, output).write(shellType)
        return
    if completing.startswith("-"):
        # An option is being completed: no sub-command names then.
        ZshBuilder(config, cmdName, output).write(shellType)
    else:
        ZshSubcommandBuilder(None, config, cmdName, output).write(shellType)


def _subCommandBefore(config: usage.Options, commands: Iterable[Sequence[Any]],
                      words: list[str]) -> usage.Options | None:
    """The options of the sub-command the words before the one being completed name, if
    they parse as the program's options followed by a sub-command's name."""
    try:
        _, rest = getopt.getopt(words, config.shortOpt, config.longOpt)
    except getopt.GetoptError:
        return None
    if not rest:
        return None
    for name, shortcut, parser, _doc in (padTo(4, c) for c in commands):
        if rest[0] in (name, shortcut):
            sub: usage.Options = parser()
            sub.parent = config
            return sub
    return None


def escape(text: str) -> str:
    """``text`` quoted for zsh: in single quotes, or in double quotes (with ``$ " \\ ```
    escaped) when it holds a single quote."""
    if "'" not in text:
        return f"'{text}'"
    for special in ("\\", "$", '"', "`"):
        text = text.replace(special, "\\" + special)
    return f'"{text}"'


def _doubleQuoted(text: str) -> str:
    for special in ("\\", "$", '"', "`"):
        text = text.replace(special, "\\" + special)
    return f'"{text}"'


class SubcommandAction(usage.Completer):
    """The ``_arguments`` spec that hands the words from a sub-command's name on to the
    sub-command's own completion."""

    def _shellCode(self, optName: str, shellType: str) -> str:
        if shellType != usage._ZSH:
            raise NotImplementedError(f"Unknown shellType {shellType!r}")
        return "*::subcmd:->subcmd"


class ZshBuilder:
    """The completion function of a program without sub-commands."""

    def __init__(self, options: usage.Options, cmdName: str, file: IO[bytes]) -> None:
        self.options = options
        self.cmdName = cmdName
        self.file = file

    def write(self, shellType: str = usage._ZSH) -> None:
        """Write the ``_arguments`` call for the options."""
        _checkShell(shellType)
        ZshArgumentsGenerator(self.options, self.cmdName, self.file).write()


class ZshSubcommandBuilder(ZshBuilder):
    """The completion function of a program with sub-commands: its own options, then either
    the chosen sub-command's options (``subOptions``) or the list of sub-commands."""

    def __init__(self, subOptions: usage.Options | None, *args: Any) -> None:
        super().__init__(*args)
        self.subOptions = subOptions

    def write(self, shellType: str = usage._ZSH) -> None:
        _checkShell(shellType)
        generator = ZshArgumentsGenerator(self.options, self.cmdName, self.file)
        generator.extraActions.insert(0, SubcommandAction())
        generator.write()
        if self.subOptions is not None:
            ZshArgumentsGenerator(self.subOptions, self.cmdName, self.file).write()
            return
        lines = ["local _zsh_subcmds_array", "_zsh_subcmds_array=("]
        for name, _shortcut, _parser, doc in (
            padTo(4, c) for c in getattr(self.options, "subCommands", [])
        ):
            lines.append(_doubleQuoted(f"{name}:{doc or ''}"))
        lines += [")", "", '_describe "sub-command" _zsh_subcmds_array', ""]
        self.file.write("\n".join(lines).encode("utf-8"))


def _checkShell(shellType: str) -> None:
    if shellType != usage._ZSH:
        raise NotImplementedError(f"Unknown shellType {shellType!r}")


class ZshArgumentsGenerator:
    """The ``_arguments`` call completing one Options class's options.

    Gathers the options (``optFlags``, ``optParameters`` and ``opt_`` methods, as
    ``flagNameToDefinition``/``paramNameToDefinition``/``allOptionsNameToDefinition``, each
    long name to ``[short, doc]`` or ``[short, default, doc, coerce]``) and the ``compData``
    of the class and its bases (``descriptions``, ``multiUse``, ``mutuallyExclusive``,
    ``optActions``, ``extraActions``); ``excludes`` maps each option of an exclusive group to
    the names (long and short) of the others. A name in ``compData`` that is no option raises
    ``ValueError``.
    """

    def __init__(self, options: usage.Options, cmdName: str, file: IO[bytes] | None) -> None:
        self.options = options
        self.cmdName = cmdName
        self.file = file
        self.descriptions: dict[str, str] = {}
        self.multiUse: set[str] = set()
        self.mutuallyExclusive: list[Sequence[str]] = []
        self.optActions: dict[str, Any] = {}
        self.extraActions: list[usage.Completer] = []
        for cls in reversed(type(options).__mro__):
            data = cls.__dict__.get("compData")
            if not isinstance(data, usage.Completions):
                continue
            self.descriptions.update(data.descriptions)
            self.multiUse.update(data.multiUse)
            self.mutuallyExclusive.extend(data.mutuallyExclusive)
            self.optActions.update(data.optActions)
            self.extraActions.extend(data.extraActions)
        self.flagNameToDefinition: dict[str, list[Any]] = {}
        self.paramNameToDefinition: dict[str, list[Any]] = {}
        self._gatherDeclared()
        self._gatherMethods()
        self.allOptionsNameToDefinition = {
            **self.flagNameToDefinition, **self.paramNameToDefinition}
        self._checkNames()
        self.excludes = self.makeExcludesDict()

    # -- gathering --------------------------------------------------------------------------

    def _gatherDeclared(self) -> None:
        flags: list[Any] = []
        params: list[Any] = []
        cls = type(self.options)
        reflect.accumulateClassList(cls, "optFlags", flags)
        reflect.accumulateClassList(cls, "optParameters", params)
        for entry in flags:
            long, short, doc = padTo(3, entry)
            self.flagNameToDefinition[long] = [short, doc]
        for entry in params:
            long, short, default, doc, coerce = padTo(5, entry)
            self.paramNameToDefinition[long] = [short, default, doc, coerce]

    def _gatherMethods(self) -> None:
        methods: dict[str, Any] = {}
        reflect.accumulateMethods(self.options, methods, "opt_")
        byFunction: dict[Any, list[str]] = {}
        for name, method in methods.items():
            byFunction.setdefault(getattr(method, "__func__", method), []).append(name)
        for name, method in methods.items():
            long = name.replace("_", "-")
            if len(name) == 1 or long in self.flagNameToDefinition or (
                long in self.paramNameToDefinition
            ):
                continue
            shorts = [n for n in byFunction[getattr(method, "__func__", method)] if len(n) == 1]
            short = shorts[0] if shorts else None
            doc = _methodDescription(method)
            if usage.flagFunction(method, name):
                self.flagNameToDefinition[long] = [short, doc]
            else:
                self.paramNameToDefinition[long] = [short, None, doc, None]

    def _checkNames(self) -> None:
        known = self.allOptionsNameToDefinition
        named = [*self.descriptions, *self.multiUse, *self.optActions]
        named += [name for group in self.mutuallyExclusive for name in group]
        for name in named:
            if name not in known:
                raise ValueError(f"Unknown option name {name!r} in the completion data of "
                                 f"{type(self.options).__name__}")
        for action in self.extraActions[:-1]:
            if getattr(action, "_repeat", False):
                raise ValueError("a Completer with repeat=True must be the last of "
                                 "extraActions")

    def makeExcludesDict(self) -> dict[str, set[str]]:
        """Each option of a mutually exclusive group to the long and short names of the
        other options of its groups."""
        shortOf = {long: d[0] for long, d in self.allOptionsNameToDefinition.items()}
        excludes: dict[str, set[str]] = {}
        for group in self.mutuallyExclusive:
            for name in group:
                others = excludes.setdefault(name, set())
                for other in group:
                    if other == name:
                        continue
                    others.add(other)
                    if shortOf.get(other):
                        others.add(shortOf[other])
        return excludes

    # -- writing ----------------------------------------------------------------------------

    def getDescription(self, longName: str) -> str:
        """What zsh shows for the option: its ``compData`` description, else its declared
        doc, else its name."""
        if longName in self.descriptions:
            return self.descriptions[longName]
        definition = self.allOptionsNameToDefinition.get(longName)
        doc = None
        if definition is not None:
            doc = definition[1] if longName in self.flagNameToDefinition else definition[2]
        return doc if doc else longName

    def getAction(self, longName: str) -> str:
        """The completion of a parameter's value (files when nothing says otherwise)."""
        action = self.optActions.get(longName)
        if action is None:
            return f":{longName}:_files"
        if not isinstance(action, usage.Completer):
            action = action()
        return str(action._shellCode(longName, usage._ZSH))

    def getShortOption(self, longName: str) -> str | None:
        """The single-letter form of the option, if it has one."""
        short = self.allOptionsNameToDefinition[longName][0]
        return str(short) if short else None

    def writeOpt(self, longName: str) -> list[str]:
        """The ``_arguments`` specs of one option: its short form (if any), then its long."""
        short = self.getShortOption(longName)
        isParam = longName in self.paramNameToDefinition
        description = "[" + self.getDescription(longName).replace("[", "\\[").replace(
            "]", "\\]") + "]"
        action = self.getAction(longName) if isParam else ""
        forms = [f"-{short}"] if short else []
        forms.append(f"--{longName}")
        specs = []
        for form in forms:
            if longName in self.multiUse:
                prefix = "*"
            else:
                excluded = {_dashed(n) for n in self.excludes.get(longName, ())}
                excluded.update(f for f in forms if f != form)
                prefix = f"({' '.join(sorted(excluded))})" if excluded else ""
            equals = "=" if isParam and form.startswith("--") else ""
            specs.append(escape(f"{prefix}{form}{equals}{description}{action}"))
        return specs

    def write(self) -> None:
        """Write the ``_arguments`` call to the file."""
        assert self.file is not None
        lines = [f"#compdef {self.cmdName}", "", '_arguments -s -A "-*" \\']
        for number, action in enumerate(self.extraActions):
            lines.append(escape(action._shellCode(f"extra_{number}", usage._ZSH)) + " \\")
        for longName in sorted(self.allOptionsNameToDefinition):
            if len(longName) == 1:
                continue  # a single-letter opt_ method has no long form to complete
            lines.extend(spec + " \\" for spec in self.writeOpt(longName))
        lines += ["&& return 0", ""]
        self.file.write("\n".join(lines).encode("utf-8"))


def _dashed(name: str) -> str:
    return f"-{name}" if len(name) == 1 else f"--{name}"


def _methodDescription(method: Any) -> str | None:
    doc = inspect.getdoc(method) if method.__doc__ else None
    if not doc:
        return None
    return " ".join(line.strip() for line in doc.splitlines() if line.strip()) or None
