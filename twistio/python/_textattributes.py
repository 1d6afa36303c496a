"""Formatted text as a tree of attribute nodes, rendered by a formatting state.

A node (``attributes.bold[...]``, ``attributes.fg.red[...]``, ``attributes.normal[...]``)
holds strings and other nodes. Flattening walks the tree with a *formatting state*: each
node derives the state for its children (turning one attribute on or off, setting a
colour, or going back to the default state) and each string is written after the state's
rendering (``getattr(state, attributeRenderer)()``). A protocol supplies the state class
and the renderer: IRC renders mIRC control codes, a terminal VT102 sequences.

Nodes compare equal when they have the same kind, settings and children, so a parsed
text can be checked against one built by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from twistio.python.util import FancyEqMixin

__all__ = ["CharacterAttributesMixin", "DefaultFormattingState", "flatten"]


class _Attribute(FancyEqMixin):
    """A node of formatted text: its children are strings and other nodes."""

    compareAttributes: ClassVar[tuple[str, ...]] = ("children",)

    def __init__(self) -> None:
        self.children: list[Any] = []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__dict__!r}>"

    def __getitem__(self, item: Any) -> _Attribute:
        if isinstance(item, list | tuple):
            for child in item:
                self[child]
        elif isinstance(item, _Attribute | str):
            self.children.append(item)
        else:
            raise TypeError(f"formatted text holds strings and attributes, not {item!r}")
        return self

    def _derive(self, attrs: Any) -> Any:
        return attrs

    def serialize(self, write: Callable[[str], Any], attrs: Any = None,
                  attributeRenderer: str = "toVT102") -> None:
        """Write every string below this node, each after its state rendered."""
        if attrs is None:
            attrs = DefaultFormattingState()
        state = self._derive(attrs)
        for child in self.children:
            if isinstance(child, _Attribute):
                child.serialize(write, state, attributeRenderer)
            else:
                write(getattr(state, attributeRenderer)())
                write(child)


class _NormalAttr(_Attribute):
    """Back to the default state."""

    def _derive(self, attrs: Any) -> Any:
        return type(attrs)()


class _OtherAttr(_Attribute):
    """One attribute (bold, underline ...) switched on or, negated, off."""

    compareAttributes = ("attrname", "attrvalue", "children")

    def __init__(self, attrname: str, attrvalue: Any) -> None:
        super().__init__()
        self.attrname = attrname
        self.attrvalue = attrvalue

    def __neg__(self) -> _OtherAttr:
        opposite = _OtherAttr(self.attrname, not self.attrvalue)
        opposite.children.extend(self.children)
        return opposite

    def _derive(self, attrs: Any) -> Any:
        return attrs._withAttribute(self.attrname, self.attrvalue)


class _ColorAttr(_Attribute):
    """A colour for the foreground or the background."""

    compareAttributes = ("color", "ground", "children")

    def __init__(self, color: Any, ground: str) -> None:
        super().__init__()
        self.color = color
        self.ground = ground

    def _derive(self, attrs: Any) -> Any:
        return attrs._withAttribute(self.ground, self.color)


class _ForegroundColorAttr(_ColorAttr):
    """A foreground colour."""

    def __init__(self, color: Any) -> None:
        super().__init__(color, "foreground")


class _BackgroundColorAttr(_ColorAttr):
    """A background colour."""

    def __init__(self, color: Any) -> None:
        super().__init__(color, "background")


class _ColorAttribute:
    """``fg`` or ``bg``: each colour name gives a fresh node of that colour."""

    def __init__(self, ground: Callable[[Any], _ColorAttr], attrs: Mapping[str, Any]) -> None:
        self.ground = ground
        self.attrs = attrs

    def __getattr__(self, name: str) -> _ColorAttr:
        try:
            return self.ground(self.attrs[name])
        except KeyError:
            raise AttributeError(name) from None


class CharacterAttributesMixin:
    """The node factory: ``normal``, the names in ``attrs``, and (set by subclasses) ``fg``
    and ``bg``; every access gives a new node."""

    attrs: ClassVar[Mapping[str, Any]] = {}

    def __getattr__(self, name: str) -> _Attribute:
        if name in self.attrs:
            return _OtherAttr(name, True)
        if name != "normal":
            raise AttributeError(name)
        return _NormalAttr()


class DefaultFormattingState(FancyEqMixin):
    """A formatting state that renders to nothing; protocols subclass it."""

    compareAttributes: ClassVar[tuple[str, ...]] = ("_dummy",)
    _dummy = 0

    def copy(self) -> DefaultFormattingState:
        """This state (it has nothing to change)."""
        return self

    def _withAttribute(self, name: str, value: Any) -> DefaultFormattingState:
        return self

    def toVT102(self) -> str:
        """Nothing: plain text."""
        return ""


class _FormattingStateMixin(DefaultFormattingState):
    """A state whose attributes are instance attributes, copied on each change."""

    def copy(self) -> _FormattingStateMixin:
        """A new state with the same attributes."""
        other = type(self)()
        other.__dict__.update(self.__dict__)
        return other

    def _withAttribute(self, name: str, value: Any) -> _FormattingStateMixin:
        if getattr(self, name) == value:
            return self
        other = self.copy()
        setattr(other, name, value)
        return other


def flatten(output: _Attribute, attrs: Any, attributeRenderer: str = "toVT102") -> str:
    """The text of ``output`` from the state ``attrs`` on, each string after its state
    rendered with ``attributeRenderer``."""
    pieces: list[str] = []
    output.serialize(pieces.append, attrs, attributeRenderer)
    return "".join(pieces)
