"""docs/reliability.md cannot drift: every default in its tables is the code's value, and every
Twisted value it quotes with an attribute is the installed Twisted's."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import re
import socket
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "reliability.md"

_UNITS = {
    "bytes": 1,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
    "s": 1,
    "min": 60,
    "h": 3600,
}
_VALUE = re.compile(r"(?P<n>\d+(?:\.\d+)?)(?: (?P<unit>bytes|KiB|MiB|GiB|s|min|h)\b)?")
_TUPLE = re.compile(r"\((?P<items>[\d., ]+)\) s\b")


def _asyncio_high_water() -> int:
    """The high-water mark of an asyncio socket transport left at its default limits."""

    async def measure() -> int:
        a, b = socket.socketpair()
        try:
            loop = asyncio.get_running_loop()
            transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, a)
            high = transport.get_write_buffer_limits()[1]
            transport.close()
            return int(high)
        finally:
            b.close()

    return asyncio.run(measure())


# Settings that are not a Python attribute or parameter default.
_SPECIAL = {"asyncio transport high-water mark": _asyncio_high_water}
# Defaults given in words.
_WORDS: dict[str, Any] = {"off": None, "none": None, "the command timeout": None}


def _rows() -> list[tuple[str, list[str]]]:
    """Every row of the tables whose header starts ``| Limit |``: (limit, cells)."""
    rows = []
    header: list[str] | None = None
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set(line) <= set("|- "):
            continue
        if header[0] == "Limit":
            assert len(cells) == len(header), line
            rows.append((cells[0], cells))
    return rows


def _parse(text: str) -> Any:
    """``"16 KiB"`` -> 16384, ``"12 h"`` -> 43200, ``"(1, 3) s"`` -> (1, 3), ``"off"`` -> None."""
    text = text.strip()
    if text in _WORDS:
        return _WORDS[text]
    m = _TUPLE.match(text)
    if m:
        return tuple(float(x) for x in m.group("items").split(","))
    m = _VALUE.match(text)
    assert m is not None, f"no value in {text!r}"
    return float(m.group("n")) * _UNITS[m.group("unit") or "bytes"]


def _resolve(path: str) -> Any:
    """``pkg.mod.Name.attr`` -> the attribute; ``pkg.mod.Callable(param)`` -> its default."""
    if path in _SPECIAL:
        return _SPECIAL[path]()
    param = None
    m = re.fullmatch(r"(.+)\((\w+)\)", path)
    if m:
        path, param = m.groups()
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name)
        break
    else:  # pragma: no cover - a path that names no module fails the test below
        raise AssertionError(f"cannot import {path}")
    if param is None:
        return obj
    return inspect.signature(obj).parameters[param].default


def _same(code: Any, documented: Any) -> bool:
    if isinstance(code, tuple):
        return tuple(float(x) for x in code) == documented
    if code is None or documented is None:
        return code is documented
    return bool(float(code) == documented)


def _code_path(cell: str) -> str:
    m = re.search(r"`([^`]+)`", cell)
    assert m is not None, f"no setting in {cell!r}"
    return m.group(1)


ROWS = _rows()


def test_the_page_has_every_table() -> None:
    settings = {_code_path(cells[2]) for _, cells in ROWS}
    assert len(ROWS) >= 60
    for expected in (
        "twistio.web._codec.RequestReader(max_request_line)",
        "twistio.web.http.HTTPChannel.headerTimeout",
        "twistio.web.http.HTTPChannel.bodyTimeout",
        "twistio.web.server.Site(timeout)",
        "twistio.internet.ssl.DEFAULT_HANDSHAKE_TIMEOUT",
        "twistio.protocols.basic.LineReceiver.MAX_LENGTH",
        "twistio.web.client.Agent(max_body_size)",
        "twistio.conch.ssh.transport.SSHTransportBase.max_packet_size",
        "twistio.redis.RedisClient(timeout)",
    ):
        assert expected in settings


@pytest.mark.parametrize(("limit", "cells"), ROWS, ids=[r[0][:40] for r in ROWS])
def test_documented_default_is_the_code_default(limit: str, cells: list[str]) -> None:
    default, setting = cells[1], cells[2]
    path = _code_path(setting)
    assert path.startswith(("twistio.", *_SPECIAL)), path
    assert _same(_resolve(path), _parse(default)), f"{limit}: {path} is not {default}"


_TWISTED = [(limit, cells[4]) for limit, cells in ROWS if re.search(r"`twisted\.[^`]+`", cells[4])]


@pytest.mark.parametrize(("limit", "cell"), _TWISTED, ids=[t[0][:40] for t in _TWISTED])
def test_quoted_twisted_value_is_twisted_s(limit: str, cell: str) -> None:
    m = re.fullmatch(r"(?P<value>.+?) (?:per line )?\(`(?P<path>twisted\.[^`]+)`\)", cell)
    assert m is not None, cell
    assert _same(_resolve(m.group("path")), _parse(m.group("value"))), f"{limit}: {cell}"


def test_twisted_values_are_quoted() -> None:
    # The Twisted column is checked wherever Twisted has the setting.
    assert len(_TWISTED) >= 25
