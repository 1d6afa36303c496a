"""Small HTML helpers (Twisted's ``twisted.web.html``, kept for old code): ``PRE``, ``UL``,
``linkList`` and ``output``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from html import escape

__all__ = ["PRE", "UL", "linkList", "output"]

_log = logging.getLogger("twistio.web")


def PRE(text: str) -> str:
    """``text``, escaped, in a ``<pre>`` element."""
    return "<pre>" + escape(text, quote=False) + "</pre>"


def UL(lst: Iterable[str]) -> str:
    """The items of ``lst`` (HTML, not escaped) as an unordered list."""
    return "<ul>\n" + "".join(f"<li> {item}</li>\n" for item in lst) + "</ul>"


def linkList(lst: Iterable[tuple[str, str]]) -> str:
    """(href, text) pairs (HTML, not escaped) as a list of links."""
    return UL(f'<a href="{href}">{text}</a>' for href, text in lst)


def output(func: Callable[..., str], *args: object, **kw: object) -> str:
    """``func(*args, **kw)``; if it raises, the error is logged and a short HTML notice
    returned instead."""
    try:
        return func(*args, **kw)
    except Exception:
        _log.exception("Unhandled error in %r", func)
        return PRE("An error occurred.")
