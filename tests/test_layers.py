"""twistio.internet's modules import one way: each layer only from the layers below it.

error, address, interfaces -> defer -> protocol -> adapter -> transports -> reactor
(docs: ARCHITECTURE.md, "Layers"). Two checks: the imports written in the source (at module
level and inside functions, not those under ``TYPE_CHECKING``) never go up a layer and make
no circle; and, in a fresh interpreter, importing each module in layer order never loads a
module of a higher layer.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "twistio" / "internet"

#: Lowest first. A module may import modules of its own layer or of a lower one.
LAYERS: list[list[str]] = [
    # errors, addresses, interfaces, and what the reactor lends its transports
    ["error", "address", "interfaces", "main", "fdesc", "_delayedcall", "_registry", "_idna"],
    ["defer"],
    # protocols and the pieces built on Deferreds only
    ["protocol", "threads", "task", "_sslverify", "_resolver", "abstract", "_baseprocess"],
    # one object per connection: asyncio protocol outside, Twisted transport inside
    ["_adapter"],
    # the transports, and the reactor bases they do not need
    ["tcp", "udp", "unix", "ssl", "process", "stdio", "base", "posixbase",
     "inotify"],
    # the reactor
    ["_reactor", "asyncioreactor", "selectreactor", "pollreactor", "epollreactor", "default",
     "_threadedselect"],
    # above the reactor: what installs it, and what is written against any reactor
    ["reactor", "endpoints", "utils", "testing"],
]

LAYER_OF = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _internet_modules() -> set[str]:
    return {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}


def _type_checking_only(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.Module, prefix: str = "twistio.internet") -> list[tuple[int, str]]:
    """``(line, module)`` for each module of the package ``prefix`` imported (at module level
    or inside functions), TYPE_CHECKING aside."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(prefix + "."):
                    found.append((node.lineno, alias.name.split(".")[2]))
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            if node.module == prefix:
                found.extend((node.lineno, alias.name) for alias in node.names)
            elif node.module.startswith(prefix + "."):
                found.append((node.lineno, node.module.split(".")[2]))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, list[tuple[int, str]]]:
    modules = _internet_modules()
    graph = {}
    for name in sorted(modules):
        tree = ast.parse((PACKAGE / f"{name}.py").read_text())
        graph[name] = [(line, dep) for line, dep in _imports(tree) if dep in modules and dep != name]
    return graph


def test_every_module_has_a_layer() -> None:
    assert sorted(_internet_modules() - set(LAYER_OF)) == []
    assert sorted(set(LAYER_OF) - _internet_modules()) == []


def test_no_import_goes_up_a_layer() -> None:
    upward = [
        f"twistio/internet/{name}.py:{line} imports {dep} (layer {LAYER_OF[dep]} > {LAYER_OF[name]})"
        for name, deps in _graph().items()
        for line, dep in deps
        if LAYER_OF[dep] > LAYER_OF[name]
    ]
    assert upward == []


def _circles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each import circle of ``graph`` (module -> the modules it imports), as the path
    around it."""
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(name: str) -> None:
        state[name] = 1
        path.append(name)
        for dep in graph[name]:
            if state.get(dep) == 1:
                circles.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                walk(dep)
        path.pop()
        state[name] = 2

    for name in graph:
        if name not in state:
            walk(name)
    return circles


def test_no_import_circle() -> None:
    assert _circles({name: sorted({dep for _, dep in deps}) for name, deps in _graph().items()}) == []


_FRESH_IMPORTS = """
import importlib, json, sys
layers, package = json.loads(sys.argv[1]), sys.argv[2]
layer_of = {name: i for i, layer in enumerate(layers) for name in layer}
bad = []
for i, layer in enumerate(layers):
    for name in layer:
        importlib.import_module(package + "." + name)
        loaded = {m.split(".")[2] for m in sys.modules if m.startswith(package + ".")}
        above = sorted(m for m in loaded if layer_of.get(m, -1) > i)
        if above:
            bad.append(f"importing {name} (layer {i}) loaded {above}")
print(json.dumps(bad))
"""


def _layer_order_violations(package: str, layers: list[list[str]]) -> list[str]:
    """Importing ``package``'s modules layer by layer in a fresh interpreter: each time a
    module of a higher layer got loaded."""
    import json

    result = subprocess.run(
        [sys.executable, "-c", _FRESH_IMPORTS, json.dumps(layers), package],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    bad: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return bad


def test_importing_in_layer_order_never_loads_a_higher_layer() -> None:
    assert _layer_order_violations("twistio.internet", LAYERS) == []


@pytest.mark.parametrize("name", ["tcp", "udp", "unix", "ssl", "process", "stdio", "_adapter"])
def test_a_transport_alone_does_not_load_the_reactor(name: str) -> None:
    code = (
        f"import sys, twistio.internet.{name}\n"
        "print(sorted(m for m in sys.modules if m in "
        "('twistio.internet._reactor', 'twistio.internet.reactor')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
