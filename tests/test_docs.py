"""The short commands and code that README.md and docs/ show work as shown.

Commands are checked without starting servers: every ``twistio ...`` line is parsed by the
command's own parser, every ``python -m benchmarks...`` / ``python benchmarks/x.py`` names a
module that exists and answers ``--help``, every Python block compiles, and the blocks that
finish by themselves (no server) are run and must exit 0.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from twistio._cli import _parser

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks/README.md"]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def _blocks(kind: str) -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for lang, body in FENCE.findall(page.read_text(encoding="utf-8")):
            if lang == kind:
                found.append((f"{page.relative_to(ROOT)}", body))
    return found


def _commands() -> list[tuple[str, list[str]]]:
    """Every shell command of the sh blocks, split on ``&&``, comments dropped."""
    commands = []
    for where, body in _blocks("sh"):
        for line in body.splitlines():
            for part in line.split("#", 1)[0].split("&&"):
                words = shlex.split(part)
                if words:
                    commands.append((where, words))
    return commands


def _twistio_commands() -> list[tuple[str, list[str]]]:
    return [(w, c) for w, c in _commands() if Path(c[0]).name == "twistio"]


def _benchmark_commands() -> list[tuple[str, list[str]]]:
    found = []
    for where, words in _commands():
        if Path(words[0]).name.startswith("python") and len(words) > 1:
            if words[1] == "-m" and words[2].startswith("benchmarks"):
                found.append((where, words[1:3]))
            elif words[1].startswith("benchmarks/"):
                found.append((where, words[1:2]))
    return found


def test_the_pages_show_commands() -> None:
    assert len(_twistio_commands()) >= 5 and len(_benchmark_commands()) >= 10


@pytest.mark.parametrize(
    ("where", "words"), _twistio_commands(), ids=lambda v: " ".join(v) if isinstance(v, list) else v
)
def test_twistio_command_lines_parse(where: str, words: list[str]) -> None:
    try:
        options = _parser().parse_args(words[1:])
    except SystemExit as e:
        assert e.code == 0, f"{where}: {' '.join(words)} is refused by the parser"
        return
    assert options.command is not None, f"{where}: {' '.join(words)} names no command"


@pytest.mark.parametrize(
    ("where", "words"),
    sorted({(w, tuple(c)) for w, c in _benchmark_commands()}),
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else v,
)
def test_benchmark_commands_exist(where: str, words: tuple[str, ...]) -> None:
    out = subprocess.run(
        [sys.executable, *words, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, f"{where}: {' '.join(words)} --help failed: {out.stderr[-500:]}"


_SERVES = ("reactor.run()", "listenTCP(", "uvicorn", "as_asgi_app(root)")


@pytest.mark.parametrize(("where", "code"), _blocks("python"), ids=lambda v: v[:30])
def test_python_blocks(where: str, code: str, tmp_path: Path) -> None:
    compile(code, where, "exec")
    if any(marker in code for marker in _SERVES):
        return  # a server: compiling is what can be checked without a port of its own
    script = tmp_path / "block.py"
    script.write_text(code)
    out = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, f"{where}: {out.stderr[-1000:]}"


def test_readme_asyncio_example_prints_what_it_says() -> None:
    (first, code), *_ = _blocks("python")
    assert first == "README.md" and "asyncio.run(main())" in code
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.split("\n")[:2] == ["[20, 14]", "6"], out.stdout + out.stderr
