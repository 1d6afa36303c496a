"""twistio.python.usage on its own (Twisted's outcomes and help texts on many more
scenarios: tests/differential/_usage_scenarios.py)."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from twistio.python import usage


class Serve(usage.Options):
    optFlags = [["verbose", "v", "Talk more"]]
    optParameters = [["port", "p", 8080, "Port to listen on", usage.portCoerce]]

    def opt_define(self, kv: str) -> None:
        """Define key=value."""
        key, value = kv.split("=", 1)
        self.setdefault("defines", {})[key] = value

    opt_D = opt_define

    def parseArgs(self, root: str = ".") -> None:
        self["root"] = root

    def postOptions(self) -> None:
        if self["port"] == 1:
            raise usage.UsageError("port 1 is reserved")


class Main(usage.Options):
    subCommands = [["serve", "s", Serve, "Serve files"]]
    longdesc = "Does things."


def test_parse_flags_parameters_handlers_and_arguments() -> None:
    options = Serve()
    options.parseOptions(["-v", "--port=99", "-Da=1", "--define", "b=2", "docs"])
    assert options["verbose"] == 1 and options["port"] == 99
    assert options["defines"] == {"a": "1", "b": "2"} and options["root"] == "docs"
    assert options.opts is options


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--nope"], "option --nope not recognized"),
        (["--port"], "option --port requires argument"),
        (["--port", "x"], "Parameter type enforcement failed"),
        (["--port", "70000"], "Port number not in range: 70000"),
        (["-p", "1"], "port 1 is reserved"),
        (["a", "b"], "Wrong number of arguments."),
    ],
)
def test_errors(argv: list[str], message: str) -> None:
    with pytest.raises(usage.UsageError, match=message):
        Serve().parseOptions(argv)


def test_sub_commands() -> None:
    main = Main()
    main.parseOptions(["s", "-v", "www"])
    assert main.subCommand == "serve" and main.subOptions["root"] == "www"
    assert main.subOptions.parent is main
    with pytest.raises(usage.UsageError, match="Unknown command: nope"):
        Main().parseOptions(["nope"])


def test_help_text(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(sys, "argv", ["prog.py"])
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(Serve, "longdesc", "Serves the files of ROOT.", raising=False)
    assert str(Serve()) == (
        "Usage: prog [options]\n"
        "Options:\n"
        "  -D, --define=  Define key=value.\n"
        "      --help     Display this help and exit.\n"
        "  -p, --port=    Port to listen on [default: 8080]. Must be an int between 0 and\n"
        "                 65535.\n"
        "  -v, --verbose  Talk more\n"
        "      --version  Display Twisted version and exit.\n"
        "\n"
        "Serves the files of ROOT.\n"
    )
    main = Main()
    assert main.getUsage(80).endswith("\nDoes things.\nCommands:\n    serve      Serve files\n")
    with pytest.raises(SystemExit):
        Serve().parseOptions(["--help"])
    assert capsys.readouterr().out.startswith("Usage: prog [options]\n")


def test_narrow_terminal_does_not_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "5")
    assert "--port=" in str(Serve())


def test_completion_metadata() -> None:
    assert usage.CompleteFiles("*.py")._shellCode("file", "zsh") == ':file (*.py):_files -g "*.py"'
    assert usage.CompleteList(["a", "b"], repeat=True)._shellCode("x", "zsh") == "*:x:(a b)"
    with pytest.raises(NotImplementedError):
        usage.Completer()._shellCode("x", "bash")
    data = usage.Completions(descriptions={"port": "the port"})
    assert data.descriptions == {"port": "the port"} and data.multiUse == []
