"""Text with terminal attributes, built as a tree and turned into VT102 sequences.

``attributes.bold[...]``, ``attributes.underline``, ``attributes.blink``,
``attributes.reverseVideo``, ``attributes.fg.<colour>``/``attributes.bg.<colour>`` (black,
red, green, yellow, blue, magenta, cyan, white) and ``attributes.normal`` wrap strings and
other attributes; ``-attributes.bold[...]`` turns one off. ``assembleFormattedText(tree)``
is the string to write::

    from twistio.conch.insults.text import assembleFormattedText, attributes as A
    terminal.write(assembleFormattedText(
        A.bold[A.fg.red["error: "], "disk full"]).encode())

Each run of text is preceded by the whole set of attributes in force for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twistio.conch.insults import helper
from twistio.python.deprecate import deprecatedModuleAttribute
from twistio.python.versions import Version

__all__ = ["assembleFormattedText", "attributes", "flatten"]

_COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")


class _Attribute:
    """A node of formatted text: children are strings and other nodes."""

    def __init__(self) -> None:
        self.children: list[Any] = []

    def __getitem__(self, item: Any) -> _Attribute:
        if isinstance(item, list | tuple):
            for child in item:
                self[child]
        elif isinstance(item, _Attribute | str):
            self.children.append(item)
        else:
            raise TypeError(f"formatted text holds strings and attributes, not {item!r}")
        return self

    def _state(self, attrs: helper.CharacterAttribute) -> helper.CharacterAttribute:
        return attrs

    def serialize(self, write: Callable[[str], Any], attrs: helper.CharacterAttribute,
                  attributeRenderer: str = "toVT102") -> None:
        """Write each string under this node, each preceded by its attributes rendered."""
        attrs = self._state(attrs)
        for child in self.children:
            if isinstance(child, _Attribute):
                child.serialize(write, attrs, attributeRenderer)
            else:
                write(getattr(attrs, attributeRenderer)())
                write(child)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__dict__!r}>"


class _NormalAttr(_Attribute):
    """Back to the default attributes."""

    def _state(self, attrs: helper.CharacterAttribute) -> helper.CharacterAttribute:
        return helper.CharacterAttribute()


class _OtherAttr(_Attribute):
    """One of bold, underline, blink, reverse video, on or (negated) off."""

    def __init__(self, attrname: str, attrvalue: bool) -> None:
        super().__init__()
        self.attrname = attrname
        self.attrvalue = attrvalue

    def __neg__(self) -> _OtherAttr:
        flipped = _OtherAttr(self.attrname, not self.attrvalue)
        flipped.children.extend(self.children)
        return flipped

    def _state(self, attrs: helper.CharacterAttribute) -> helper.CharacterAttribute:
        if getattr(attrs, self.attrname) == self.attrvalue:
            return attrs
        return attrs.wantOne(**{self.attrname: self.attrvalue})


class _ColorAttr(_Attribute):
    """A foreground or background colour."""

    def __init__(self, color: int, ground: str) -> None:
        super().__init__()
        self.color = color
        self.ground = ground

    def _state(self, attrs: helper.CharacterAttribute) -> helper.CharacterAttribute:
        if getattr(attrs, self.ground) == self.color:
            return attrs
        return attrs.wantOne(**{self.ground: self.color})


class _ForegroundColorAttr(_ColorAttr):
    def __init__(self, color: int) -> None:
        super().__init__(color, "foreground")


class _BackgroundColorAttr(_ColorAttr):
    def __init__(self, color: int) -> None:
        super().__init__(color, "background")


class _ColorAttribute:
    """``fg`` or ``bg``: each colour name gives a new node of that colour."""

    def __init__(self, ground: Callable[[int], _ColorAttr]) -> None:
        self.ground = ground
        self.attrs = {name: number for number, name in enumerate(_COLOURS)}

    def __getattr__(self, name: str) -> _ColorAttr:
        try:
            return self.ground(self.attrs[name])
        except KeyError:
            raise AttributeError(name) from None


class _CharacterAttributes:
    """The factory of formatted-text nodes (``attributes``); each access gives a new node."""

    attrs = {"bold": 1, "blink": 5, "underline": 4, "reverseVideo": 7}
    fg = _ColorAttribute(_ForegroundColorAttr)
    bg = _ColorAttribute(_BackgroundColorAttr)

    def __getattr__(self, name: str) -> _Attribute:
        if name == "normal":
            return _NormalAttr()
        if name in self.attrs:
            return _OtherAttr(name, True)
        raise AttributeError(name)


attributes = _CharacterAttributes()


def flatten(output: _Attribute, attrs: helper.CharacterAttribute,
            attributeRenderer: str = "toVT102") -> str:
    """The text of ``output`` starting from the attributes ``attrs``, each run preceded by
    ``getattr(its attributes, attributeRenderer)()``."""
    pieces: list[str] = []
    output.serialize(pieces.append, attrs, attributeRenderer)
    return "".join(pieces)


def assembleFormattedText(formatted: _Attribute) -> str:
    """The VT102 text of ``formatted``, starting from the default attributes."""
    return flatten(formatted, helper.CharacterAttribute())


deprecatedModuleAttribute(
    Version("Twisted", 13, 1, 0),
    f"Use {__name__}.assembleFormattedText instead.",
    __name__,
    "flatten",
)
