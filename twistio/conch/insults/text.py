"""Text with terminal attributes, built as a tree and turned into VT102 sequences.

``attributes.bold[...]``, ``attributes.underline``, ``attributes.blink``,
``attributes.reverseVideo``, ``attributes.fg.<colour>``/``attributes.bg.<colour>`` (black,
red, green, yellow, blue, magenta, cyan, white) and ``attributes.normal`` wrap strings and
other attributes; ``-attributes.bold[...]`` turns one off. ``assembleFormattedText(tree)``
is the string to write::

    from twistio.conch.insults.text import assembleFormattedText, attributes as A
    terminal.write(assembleFormattedText(
        A.bold[A.fg.red["error: "], "disk full"]).encode())

Each run of text is preceded by the whole set of attributes in force for it. The tree is the
one of twistio.python._textattributes; the formatting state is
``helper.CharacterAttribute``.
"""

from __future__ import annotations

from twistio.conch.insults import helper
from twistio.python import _textattributes
from twistio.python._textattributes import (
    CharacterAttributesMixin,
    _Attribute,
    _BackgroundColorAttr,
    _ColorAttribute,
    _ForegroundColorAttr,
)
from twistio.python.deprecate import deprecatedModuleAttribute
from twistio.python.versions import Version

__all__ = ["assembleFormattedText", "attributes", "flatten"]

_COLOURS = {
    name: number
    for number, name in enumerate(
        ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"))
}


class _CharacterAttributes(CharacterAttributesMixin):
    """The factory of formatted-text nodes (``attributes``); each access gives a new node."""

    attrs = {"bold": 1, "blink": 5, "underline": 4, "reverseVideo": 7}
    fg = _ColorAttribute(_ForegroundColorAttr, _COLOURS)
    bg = _ColorAttribute(_BackgroundColorAttr, _COLOURS)


attributes = _CharacterAttributes()


def flatten(output: _Attribute, attrs: helper.CharacterAttribute,
            attributeRenderer: str = "toVT102") -> str:
    """The text of ``output`` starting from the attributes ``attrs``, each run preceded by
    ``getattr(its attributes, attributeRenderer)()``."""
    return _textattributes.flatten(output, attrs, attributeRenderer)


def assembleFormattedText(formatted: _Attribute) -> str:
    """The VT102 text of ``formatted``, starting from the default attributes."""
    return _textattributes.flatten(formatted, helper.CharacterAttribute())


deprecatedModuleAttribute(
    Version("Twisted", 13, 1, 0),
    f"Use {__name__}.assembleFormattedText instead.",
    __name__,
    "flatten",
)
