"""zsh completion of usage.Options command lines (twistio.python._shellcomp), compared
with what Twisted writes for the same classes and command lines."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

_PROGRAM = '''
import sys
from io import BytesIO

if sys.argv[1] == "twisted":
    from twisted.python import usage
else:
    from twistio.python import usage


def make():
    # Fresh classes for each command line: Twisted's generator adds to the class's
    # completion data as it writes.
    class Server(usage.Options):
        optFlags = [["public", None, "List the server [publicly]"]]
        optParameters = [["rate", "r", "20", "Updates a second"]]


    class Game(usage.Options):
        optFlags = [
            ["red", "R", "Play red"],
            ["blue", "B", "Play blue"],
            ["verbose", "v", "More output"],
            ["quiet", None, "Less output: it's quieter"],
        ]
        optParameters = [
            ["level", "l", "3", "Difficulty"],
            ["name", None, None, "Your name"],
        ]
        subCommands = [["server", "s", Server, "Run a server"]]
        compData = usage.Completions(
            descriptions={"level": "Difficulty level"},
            multiUse=["verbose"],
            mutuallyExclusive=[["red", "blue"]],
            optActions={"level": usage.CompleteList(["1", "2", "3"], descr="level?")},
            extraActions=[usage.CompleteFiles("*.save", descr="saved game")],
        )

        def opt_seed(self, value):
            """
            Random seed,
            for replays.
            """

        def opt_cheat(self):
            """Cheat."""

        opt_c = opt_cheat
    return Game


for words in (
    ["", "--_shell-completion", "zsh:2"],
    ["--red", "", "--_shell-completion", "zsh:3"],
    ["--re", "--_shell-completion", "zsh:2"],
    ["server", "", "--_shell-completion", "zsh:3"],
    ["-R", "s", "--ra", "--_shell-completion", "zsh:4"],
    ["--nope", "server", "--_shell-completion", "zsh:4"],
    ["other", "--_shell-completion", "zsh:3"],
):
    out = BytesIO()
    usage.Options._shellCompFile = out
    sys.argv = ["game"]
    try:
        make()().parseOptions(words)
    except SystemExit as e:
        print("exit", e.code)
    sys.stdout.write(out.getvalue().decode())
'''


def _run(side: str, tmp_path: Path) -> str:
    script = tmp_path / "game.py"
    script.write_text(_PROGRAM)
    done = subprocess.run([sys.executable, str(script), side], capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout


def test_same_completion_as_twisted(tmp_path: Path) -> None:
    ours = _run("twistio", tmp_path)
    assert ours.count("exit 0") == 7
    assert "'(--blue -B -R)--red[Play red]' \\\n" in ours
    assert "'*-v[More output]' \\\n" in ours
    assert "--level=[Difficulty level]:level?:(1 2 3)" in ours
    assert "'--seed=[Random seed, for replays.]:seed:_files' \\\n" in ours
    assert "'--public[List the server \\[publicly\\]]' \\\n" in ours
    assert '"--quiet[Less output: it\'s quieter]" \\\n' in ours
    assert '"server:Run a server"' in ours
    pytest.importorskip("twisted.python.usage")
    assert ours == _run("twisted", tmp_path)


def test_generator_checks_its_metadata() -> None:
    from twistio.python import _shellcomp, usage

    class Bad(usage.Options):
        optFlags = [["on", None, "On"]]
        compData = usage.Completions(optActions={"off": usage.Completer()})

    with pytest.raises(ValueError):
        _shellcomp.ZshArgumentsGenerator(Bad(), "bad", io.BytesIO())

    class Repeats(usage.Options):
        compData = usage.Completions(
            extraActions=[usage.Completer(repeat=True), usage.Completer()])

    with pytest.raises(ValueError):
        Repeats()._shellCompFile = io.BytesIO()  # type: ignore[misc]
        _shellcomp.ZshArgumentsGenerator(Repeats(), "r", io.BytesIO())
    with pytest.raises(NotImplementedError):
        _shellcomp.SubcommandAction()._shellCode("x", "bash")
    assert _shellcomp.escape("plain") == "'plain'"
    assert _shellcomp.escape("it's $x") == '"it\'s \\$x"'


def test_htmlizer_script(tmp_path: Path) -> None:
    source = tmp_path / "hello.py"
    source.write_text("def hello(name):\n    return 'hi ' + name  # <greet>\n")
    subprocess.run([sys.executable, "-m", "twistio.scripts.htmlizer", "-s", "s.css",
                    str(source)], check=True, timeout=60)
    page = (tmp_path / "hello.py.html").read_text()
    assert '<link rel="stylesheet" href="s.css" type="text/css" />' in page
    assert '<span class="py-src-identifier">hello</span>' in page
    assert '<span class="py-src-parameter">name</span>' in page
    assert "&lt;greet&gt;" in page and page.endswith("</body></html>\n")
    bad = subprocess.run([sys.executable, "-m", "twistio.scripts.htmlizer"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Wrong number of arguments" in bad.stderr


