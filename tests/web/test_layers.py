"""The HTTP modules of twistio.web import one way, each layer only from the layers below it:

codec (and the interfaces) -> headers -> http -> HTTP/2 and the client's protocol -> resource
-> server and client -> websocket and proxy -> asgi

(issue 17). Three checks: each module, imported alone in a fresh interpreter, pulls in none
of the layers above it; importing them all in layer order never loads a module of a higher
layer; and the imports written in the source (at module level and inside functions, not
those under ``TYPE_CHECKING``) never go up a layer and make no circle. (HTTP/2 plugs into
``http`` through ``http.register_http2``, called by ``server`` and ``_http2``.)
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_layers import _circles, _imports, _layer_order_violations

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = ROOT / "twistio" / "web"

#: Lowest first. A module may import modules of its own layer or of a lower one.
LAYERS: list[list[str]] = [
    # the sans-IO codec, status phrases, the interfaces, the stan tags error messages use
    ["_codec", "_responses", "iweb", "_stan"],
    ["_abnf", "http_headers", "error", "_encoding", "_httpclient"],
    ["http"],
    ["_http2", "_newclient"],
    ["resource"],
    ["server", "client"],
    ["websocket", "proxy"],
    ["asgi"],
]

LAYER_OF = {name: i for i, layer in enumerate(LAYERS) for name in layer}

ORDER = ["_codec", "http_headers", "http", "resource", "server"]


@pytest.mark.parametrize("module", ORDER)
def test_web_layer_imports_nothing_above_it(module: str) -> None:
    above = ORDER[ORDER.index(module) + 1 :]
    code = (
        "import sys, importlib\n"
        f"importlib.import_module('twistio.web.{module}')\n"
        f"print([m for m in {above!r} if 'twistio.web.' + m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    assert out == "[]", f"twistio.web.{module} imports layers above it: {out}"


def _graph() -> dict[str, list[tuple[int, str]]]:
    graph = {}
    for name in LAYER_OF:
        tree = ast.parse((PACKAGE / f"{name}.py").read_text())
        graph[name] = [
            (line, dep)
            for line, dep in _imports(tree, "twistio.web")
            if dep in LAYER_OF and dep != name
        ]
    return graph


def test_every_layered_module_exists() -> None:
    assert sorted(n for n in LAYER_OF if not (PACKAGE / f"{n}.py").exists()) == []


def test_no_import_goes_up_a_layer() -> None:
    upward = [
        f"twistio/web/{name}.py:{line} imports {dep} (layer {LAYER_OF[dep]} > {LAYER_OF[name]})"
        for name, deps in _graph().items()
        for line, dep in deps
        if LAYER_OF[dep] > LAYER_OF[name]
    ]
    assert upward == []


def test_no_import_circle() -> None:
    graph = {name: sorted({dep for _, dep in deps}) for name, deps in _graph().items()}
    assert _circles(graph) == []


def test_importing_in_layer_order_never_loads_a_higher_layer() -> None:
    assert _layer_order_violations("twistio.web", LAYERS) == []


def test_server_registers_http2_without_loading_it() -> None:
    # A Site serves h2 (http.register_http2), but _http2 and the h2 library load only on
    # the first connection that negotiates it.
    code = (
        "import sys\n"
        "from twistio.web import http, server\n"
        "print(http._http2Builder is server._http2Connection,"
        " 'twistio.web._http2' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    assert out == "True False"
