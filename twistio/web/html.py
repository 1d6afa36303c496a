"""Small HTML helpers (Twisted's ``twisted.web.html``, kept for old code): ``PRE``, ``UL``,
``linkList`` and ``output``."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable
from html import escape

from typing_extensions import ParamSpec

__all__ = ["PRE", "UL", "linkList", "output"]

_log = logging.getLogger("twistio.web")
_P = ParamSpec("_P")


def _warn(name: str) -> None:
    # Twisted's own text, so code (and tests) ported from Twisted see the same warning.
    warnings.warn(
        f"twisted.web.html.{name} was deprecated in Twisted 15.3.0; "
        "please use twisted.web.template instead",
        DeprecationWarning,
        stacklevel=3,
    )


def PRE(text: str) -> str:
    """``text``, escaped, in a ``<pre>`` element (deprecated: use ``twistio.web.template``)."""
    _warn("PRE")
    return "<pre>" + escape(text, quote=False) + "</pre>"


def UL(lst: Iterable[str]) -> str:
    """The items of ``lst`` (HTML, not escaped) as an unordered list (deprecated)."""
    _warn("UL")
    return _ul(lst)


def _ul(lst: Iterable[str]) -> str:
    return "<ul>\n" + "".join(f"<li> {item}</li>\n" for item in lst) + "</ul>"


def linkList(lst: Iterable[tuple[str, str]]) -> str:
    """(href, text) pairs (HTML, not escaped) as a list of links (deprecated)."""
    _warn("linkList")
    return _ul(f'<a href="{href}">{text}</a>' for href, text in lst)


def output(func: Callable[_P, str], *args: _P.args, **kw: _P.kwargs) -> str:
    """``func(*args, **kw)``; if it raises, the error is logged and a short HTML notice
    returned instead (deprecated)."""
    _warn("output")
    try:
        return func(*args, **kw)
    except Exception:
        _log.exception("Unhandled error in %r", func)
        return "<pre>An error occurred.</pre>"
