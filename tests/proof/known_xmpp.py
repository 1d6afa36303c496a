"""Understood failures of twistio.words' XMPP half under Twisted's tests (see ``classify`` in
__main__.py): test id -> (kind, why)."""

from __future__ import annotations

_NAME = ("name", "the message or repr spells twistio's module path (twistio.x, not twisted.x)")

KNOWN: dict[str, tuple[str, str]] = {
}
