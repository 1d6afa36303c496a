"""Understood failures of twistio.spread under Twisted's tests (see ``classify`` in
__main__.py): test id (or a prefix ending in ".") -> (kind, why)."""

from __future__ import annotations

_NAME = ("name", "the message or repr spells twistio's module path (twistio.x, not twisted.x)")

KNOWN: dict[str, tuple[str, str]] = {
}
