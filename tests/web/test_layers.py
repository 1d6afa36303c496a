"""The web's layers import one way: codec -> http_headers -> http -> resource -> server. Each
module, imported alone in a fresh interpreter, pulls in none of the layers above it (so
there is no import circle among them)."""

from __future__ import annotations

import subprocess
import sys

import pytest

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
