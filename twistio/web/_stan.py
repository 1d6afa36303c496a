"""The document model of ``twistio.web.template``: ``Tag``, ``slot``, ``Comment``, ``CDATA``,
``CharRef`` and the twistio-only ``raw``.

A tree is built from these, strings, bytes, lists, Deferreds, coroutines and ``Element``s,
and turned into bytes by ``twistio.web._flatten``.
"""

from __future__ import annotations

import warnings
from types import CoroutineType, GeneratorType

from typing_extensions import TypeAlias

__all__ = ["CDATA", "CharRef", "Comment", "Flattenable", "Tag", "raw", "slot"]

Flattenable: TypeAlias = object
"""What the flattener accepts: str, bytes, the classes here, lists/tuples/generators of
them, Deferreds and coroutines resolving to them, and renderables (``Element``); anything
else fails flattening with ``UnsupportedType``. Typed ``object``: a precise union would
reject a ``Deferred[Tag]`` (``Deferred`` is invariant), and the flattener checks at run time."""


class slot:
    """A named hole in a template, filled by ``Tag.fillSlots`` on an enclosing tag.

    If nothing fills it, ``default`` is used; with no default, flattening fails with
    ``UnfilledSlot``.
    """

    __slots__ = ("children", "columnNumber", "default", "filename", "lineNumber", "name")

    def __init__(
        self,
        name: str,
        default: Flattenable | None = None,
        filename: str | None = None,
        lineNumber: int | None = None,
        columnNumber: int | None = None,
    ) -> None:
        self.name = name
        self.children: list[Flattenable] = []
        self.default = default
        self.filename = filename
        self.lineNumber = lineNumber
        self.columnNumber = columnNumber

    def __repr__(self) -> str:
        return (
            f"slot(name={self.name!r}, children={self.children!r}, default={self.default!r}, "
            f"filename={self.filename!r}, lineNumber={self.lineNumber!r}, "
            f"columnNumber={self.columnNumber!r})"
        )


class Tag:
    """An element: ``tagName``, ``attributes``, ``children``, an optional ``render`` method
    name and the slot values given by ``fillSlots``.

    Calling a tag adds children (positional) and attributes (keywords; a trailing ``_`` is
    dropped, so ``class_=`` gives ``class``; ``render=`` names the render method) and
    returns the tag. A tag whose name is empty renders only its children.
    """

    __slots__ = (
        "attributes",
        "children",
        "columnNumber",
        "filename",
        "lineNumber",
        "render",
        "slotData",
        "tagName",
    )

    def __init__(
        self,
        tagName: bytes | str,
        attributes: dict[bytes | str, Flattenable] | None = None,
        children: list[Flattenable] | None = None,
        render: str | None = None,
        filename: str | None = None,
        lineNumber: int | None = None,
        columnNumber: int | None = None,
    ) -> None:
        self.tagName = tagName
        self.attributes: dict[bytes | str, Flattenable] = {} if attributes is None else attributes
        self.children: list[Flattenable] = [] if children is None else children
        self.render = render
        self.filename = filename
        self.lineNumber = lineNumber
        self.columnNumber = columnNumber
        self.slotData: dict[str, Flattenable] | None = None

    def fillSlots(self, **slots: Flattenable) -> Tag:
        """Give values to the slots below this tag; returns the tag."""
        if self.slotData is None:
            self.slotData = slots  # a new dict of this call's own
        else:
            self.slotData.update(slots)
        return self

    def __call__(self, *children: Flattenable, **kw: Flattenable) -> Tag:
        """Add children and attributes; returns the tag."""
        self.children.extend(children)
        attributes = self.attributes
        for name, value in kw.items():
            if name[-1:] == "_":
                name = name[:-1]
            if name == "render":
                if not isinstance(value, str):
                    raise TypeError(f'Value for "render" attribute must be str, got {value!r}')
                self.render = value
            else:
                attributes[name] = value
        return self

    def _clone(self, obj: object, deep: bool) -> object:
        if type(obj) is list:
            return [x if type(x) in _PLAIN else self._clone(x, deep) for x in obj]
        if isinstance(obj, Tag):
            return obj.clone(deep)
        if isinstance(obj, (list, tuple)):
            return [x if type(x) in _PLAIN else self._clone(x, deep) for x in obj]
        if isinstance(obj, (GeneratorType, CoroutineType)):
            # Shared by the copy and the original, yet it can be consumed only once.
            what, once = (
                ("generator", "be consumed") if isinstance(obj, GeneratorType) else ("coroutine", "run")
            )
            warnings.warn(
                f"Cloning a Tag which contains a {what} is unsafe, since the {what} can "
                f"{once} only once; this is deprecated since Twisted 21.7.0 and will raise "
                "an exception in the future",
                DeprecationWarning,
                stacklevel=1,  # Twisted's place: this module
            )
        return obj

    def clone(self, deep: bool = True) -> Tag:
        """A copy of this tag; ``deep`` also copies child tags and lists (not slots)."""
        # Written out (no __init__ call, no per-child method call for the common plain
        # children) since renderers clone a row tag per row of a table.
        new = Tag.__new__(Tag)
        new.tagName = self.tagName
        attributes = self.attributes
        if deep:
            children = self.children
            if len(children) == 1:  # the common case; skips a comprehension
                c = children[0]
                new.children = [c if type(c) in _PLAIN else self._clone(c, True)]
            else:
                new.children = kids = children.copy()
                for i, c in enumerate(children):
                    if type(c) not in _PLAIN:
                        kids[i] = c.clone(True) if type(c) is Tag else self._clone(c, True)
            if attributes:
                new.attributes = copied = attributes.copy()
                for k, v in attributes.items():
                    if type(v) not in _PLAIN:
                        copied[k] = self._clone(v, True)
            else:
                new.attributes = {}
        else:
            new.children = list(self.children)
            new.attributes = dict(attributes)
        new.render = self.render
        new.filename = self.filename
        new.lineNumber = self.lineNumber
        new.columnNumber = self.columnNumber
        data = self.slotData
        new.slotData = None if data is None else dict(data)
        return new

    def clear(self) -> Tag:
        """Drop all children; returns the tag."""
        self.children = []
        return self

    def __repr__(self) -> str:
        parts = [repr(self.tagName)]
        if self.attributes:
            parts.append(f"attributes={self.attributes!r}")
        if self.children:
            parts.append(f"children={self.children!r}")
        return f"Tag({', '.join(parts)})"


# Child types that ``clone`` never copies, checked by exact type first.
_PLAIN = frozenset({str, bytes, slot})


class Comment:
    """An HTML comment; ``-->`` inside is written as ``--&gt;``."""

    __slots__ = ("data",)

    def __init__(self, data: str) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"Comment({self.data!r})"


class CDATA:
    """A CDATA section; ``]]>`` inside is split across two sections."""

    __slots__ = ("data",)

    def __init__(self, data: str) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"CDATA({self.data!r})"


class CharRef:
    """A numeric character reference, written ``&#ordinal;``."""

    __slots__ = ("ordinal",)

    def __init__(self, ordinal: int) -> None:
        self.ordinal = ordinal

    def __repr__(self) -> str:
        return f"CharRef({self.ordinal!r})"


class raw:
    """Markup written exactly as given, never escaped (twistio only; Twisted has no such type).

    Use it only for text that is already valid, trusted HTML: the flattener does not check it,
    in element content or in attribute values. ``str`` is encoded as UTF-8.
    """

    __slots__ = ("data",)

    def __init__(self, data: str | bytes) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"raw({self.data!r})"
