"""Text-mode widgets drawn on an insults terminal (Twisted's ``conch.insults.window``).

A ``Widget`` draws itself in a ``width`` x ``height`` area of a terminal (``draw``: only when
it changed or the area did) and takes keystrokes (``keystrokeReceived``: tab, backspace,
function keys as ``func_<NAME>`` methods, other characters). Containers lay children out and
move the input focus among them with tab; ``TopWindow`` is the root: a change anywhere
below it schedules one repaint.

Widgets: ``TextOutput``/``TextOutputArea`` (text, wrapped or cut), ``TextInput`` and
``PasswordInput`` (a line editor), ``Button``, ``Selection`` (a list with a cursor),
``Canvas``, ``Border``, ``HBox``/``VBox``/``Packer``/``AbsoluteBox`` (layouts),
``ScrolledArea`` (a ``Viewport`` on a larger widget, with ``HorizontalScrollbar`` and
``VerticalScrollbar``). ``cursor``, ``horizontalLine``, ``verticalLine`` and ``rectangle``
draw on any terminal.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from twistio.conch.insults import helper, insults

__all__ = [
    "AbsoluteBox",
    "Border",
    "BoundedTerminalWrapper",
    "Button",
    "Canvas",
    "ContainerWidget",
    "HBox",
    "HorizontalScrollbar",
    "Packer",
    "PasswordInput",
    "ScrolledArea",
    "Selection",
    "TextInput",
    "TextOutput",
    "TextOutputArea",
    "TopWindow",
    "VBox",
    "VerticalScrollbar",
    "Viewport",
    "Widget",
    "YieldFocus",
    "cursor",
    "horizontalLine",
    "rectangle",
    "verticalLine",
]


class YieldFocus(Exception):
    """Raised by a widget that gives up (or will not take) the input focus."""


class BoundedTerminalWrapper:
    """A ``width`` x ``height`` area of ``terminal`` whose top left corner is at
    (``xoff``, ``yoff``): cursor positions are relative to it (and kept inside it); every
    other terminal method is the terminal's."""

    def __init__(self, terminal: Any, width: int, height: int, xoff: int, yoff: int) -> None:
        self.width = width
        self.height = height
        self.xoff = xoff
        self.yoff = yoff
        self.terminal = terminal

    def cursorPosition(self, x: int, y: int) -> None:
        self.terminal.cursorPosition(min(x, self.width) + self.xoff,
                                     min(y, self.height) + self.yoff)

    def cursorHome(self) -> None:
        self.terminal.cursorPosition(self.xoff, self.yoff)

    def write(self, data: bytes) -> None:
        self.terminal.write(data)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.terminal, name)


class Widget:
    """Something drawn in an area of the terminal, which may take the input focus."""

    focused = False
    parent: ContainerWidget | None = None
    dirty = False
    width: int | None = None
    height: int | None = None

    def repaint(self) -> None:
        """Mark this widget (and its parents) as needing to be drawn again."""
        if not self.dirty:
            self.dirty = True
        if self.parent is not None and not self.parent.dirty:
            self.parent.repaint()

    def filthy(self) -> None:
        """Mark this widget as needing to be drawn again, without telling the parents."""
        self.dirty = True

    def redraw(self, width: int, height: int, terminal: Any) -> None:
        """Draw, whether or not anything changed."""
        self.filthy()
        self.draw(width, height, terminal)

    def draw(self, width: int, height: int, terminal: Any) -> None:
        """Draw in a ``width`` x ``height`` area if this widget or the area changed."""
        if (width, height) != (self.width, self.height) or self.dirty:
            self.width = width
            self.height = height
            self.dirty = False
            self.render(width, height, terminal)

    def render(self, width: int, height: int, terminal: Any) -> None:
        """Draw the widget (subclasses do)."""

    def sizeHint(self) -> tuple[int | None, int | None] | None:
        """The (width, height) this widget wants, None (or None in either) for any."""
        return None

    def keystrokeReceived(self, keyID: bytes, modifier: Any) -> None:
        """A key: tab, backspace, a function key or a character, each to its method."""
        if keyID in insults.FUNCTION_KEYS:
            return self.functionKeyReceived(keyID, modifier)
        special: dict[bytes, Callable[[], None]] = {
            b"\t": lambda: self.tabReceived(modifier),
            b"\x7f": self.backspaceReceived,
        }
        handler = special.get(keyID)
        if handler is None:
            return self.characterReceived(keyID, modifier)
        return handler()

    def tabReceived(self, modifier: Any) -> None:
        """Tab gives the focus up (``YieldFocus``)."""
        raise YieldFocus()

    def focusReceived(self) -> None:
        """The widget has the input focus (raise ``YieldFocus`` not to take it)."""
        self.focused = True
        self.repaint()

    def focusLost(self) -> None:
        self.focused = False
        self.repaint()

    def backspaceReceived(self) -> None:
        """Backspace (nothing by default)."""

    def functionKeyReceived(self, keyID: bytes, modifier: Any) -> None:
        """A function key (``ServerProtocol.F1``, ``UP_ARROW``...): to ``func_<NAME>``."""
        handler = getattr(self, "func_" + keyID[1:-1].decode("ascii", "replace"), None)
        if handler is not None:
            handler(modifier)

    def characterReceived(self, keyID: bytes, modifier: Any) -> None:
        """Any other key (nothing by default)."""


class ContainerWidget(Widget):
    """A widget made of others (``children``); ``focusedChild`` has the input focus, and
    tab moves it to the next child that takes it."""

    focusedChild: Widget | None = None
    focused = False

    def __init__(self) -> None:
        Widget.__init__(self)
        self.children: list[Widget] = []

    def addChild(self, child: Widget) -> None:
        """Add ``child``; it gets the focus if no child has it and it takes it."""
        assert child.parent is None, "the widget is in a container already"
        child.parent = self
        self.children.append(child)
        if self.focusedChild is None and self._takesFocus(child):
            self.focusedChild = child
        self.repaint()

    @staticmethod
    def _takesFocus(child: Widget) -> bool:
        """Offer ``child`` the focus: whether it took it."""
        try:
            child.focusReceived()
        except YieldFocus:
            return False
        return True

    def remChild(self, child: Widget) -> None:
        """Remove ``child`` (the focus is then nowhere until tab moves it)."""
        assert child.parent is self, "the widget is not in this container"
        child.parent = None
        self.children.remove(child)
        if self.focusedChild is child:
            self.focusedChild = None
        self.repaint()

    def filthy(self) -> None:
        for child in self.children:
            child.filthy()
        Widget.filthy(self)

    def render(self, width: int, height: int, terminal: Any) -> None:
        for child in self.children:
            child.draw(width, height, terminal)

    def changeFocus(self) -> None:
        """Move the focus to the next child that takes it; ``YieldFocus`` after the last."""
        self.repaint()
        start = 0
        if self.focusedChild is not None:
            previous = self.focusedChild
            previous.focusLost()
            self.focusedChild = None
            try:
                start = self.children.index(previous) + 1
            except ValueError:
                raise YieldFocus() from None
        taker = next((c for c in self.children[start:] if self._takesFocus(c)), None)
        if taker is None:
            raise YieldFocus()
        self.focusedChild = taker

    def focusReceived(self) -> None:
        """The focus goes on to the focused child (or the first that takes it)."""
        if self.focusedChild is None:
            self.changeFocus()
        else:
            self.focusedChild.focusReceived()
        self.focused = True

    def keystrokeReceived(self, keyID: bytes, modifier: Any) -> None:
        """Keys go to the focused child; when it yields, the focus moves on."""
        if self.focusedChild is None:
            Widget.keystrokeReceived(self, keyID, modifier)
            return
        try:
            self.focusedChild.keystrokeReceived(keyID, modifier)
        except YieldFocus:
            self.changeFocus()
            self.repaint()


class TopWindow(ContainerWidget):
    """The root container: the focus wraps around from the last child to the first, and a
    repaint anywhere schedules one call of ``painter`` through ``scheduler`` (for instance
    ``lambda f: reactor.callLater(0, f)``) however many changes come before it runs."""

    focused = True
    _paintCall: object | None = None

    def __init__(self, painter: Callable[[], object],
                 scheduler: Callable[[Callable[[], object]], object]) -> None:
        ContainerWidget.__init__(self)
        self.painter = painter
        self.scheduler = scheduler

    def repaint(self) -> None:
        if self._paintCall is None:
            self._paintCall = object()
            self.scheduler(self._paint)
        ContainerWidget.repaint(self)

    def _paint(self) -> None:
        self._paintCall = None
        self.painter()

    def changeFocus(self) -> None:
        try:
            ContainerWidget.changeFocus(self)
        except YieldFocus:
            try:  # past the last child: from the first again
                ContainerWidget.changeFocus(self)
            except YieldFocus:
                pass

    def keystrokeReceived(self, keyID: bytes, modifier: Any) -> None:
        try:
            ContainerWidget.keystrokeReceived(self, keyID, modifier)
        except YieldFocus:
            self.changeFocus()


class AbsoluteBox(ContainerWidget):
    """Children drawn at positions of their own (``moveChild``; the top left by default)."""

    def __init__(self) -> None:
        ContainerWidget.__init__(self)
        self._positions: dict[int, tuple[int, int]] = {}

    def moveChild(self, child: Widget, x: int, y: int) -> None:
        """Draw ``child`` with its top left corner at (``x``, ``y``)."""
        if child not in self.children:
            raise ValueError("the widget is not in this box")
        self._positions[id(child)] = (x, y)
        self.repaint()

    def remChild(self, child: Widget) -> None:
        self._positions.pop(id(child), None)
        ContainerWidget.remChild(self, child)

    def render(self, width: int, height: int, terminal: Any) -> None:
        for child in self.children:
            x, y = self._positions.get(id(child), (0, 0))
            w, h = max(0, width - x), max(0, height - y)
            child.draw(w, h, BoundedTerminalWrapper(terminal, w, h, x, y))


class _Box(ContainerWidget):
    """Children side by side (``HBox``) or one above the other (``VBox``): those with a
    size hint get it, the others share what is left."""

    TOP, CENTER, BOTTOM = range(3)
    variableDimension = 0

    def __init__(self, gravity: int = CENTER) -> None:
        ContainerWidget.__init__(self)
        self.gravity = gravity

    def sizeHint(self) -> tuple[int | None, int | None] | None:
        along = self.variableDimension
        sizes: list[int | None] = [0, 0]
        for child in self.children:
            hint = child.sizeHint()
            if hint is None:
                return (None, None)
            for dim in (0, 1):
                value = hint[dim]
                if value is None or sizes[dim] is None:
                    sizes[dim] = None
                elif dim == along:
                    sizes[dim] = sizes[dim] + value  # type: ignore[operator]
                else:
                    sizes[dim] = max(sizes[dim], value)  # type: ignore[type-var]
        return (sizes[0], sizes[1])

    def _sizes(self, total: int) -> list[int]:
        along = self.variableDimension
        wanted: list[int | None] = []
        for child in self.children:
            hint = child.sizeHint()
            wanted.append(None if hint is None else hint[along])
        fixed = sum(w for w in wanted if w is not None)
        free = [i for i, w in enumerate(wanted) if w is None]
        left = max(0, total - fixed)
        sizes = [w if w is not None else 0 for w in wanted]
        if free:
            share, extra = divmod(left, len(free))
            for n, i in enumerate(free):
                sizes[i] = share + (1 if n < extra else 0)
        return sizes

    def render(self, width: int, height: int, terminal: Any) -> None:
        along = self.variableDimension
        sizes = self._sizes(width if along == 0 else height)
        pos = 0
        for child, size in zip(self.children, sizes, strict=True):
            if along == 0:
                child.draw(size, height, BoundedTerminalWrapper(terminal, size, height, pos, 0))
            else:
                child.draw(width, size, BoundedTerminalWrapper(terminal, width, size, 0, pos))
            pos += size


class VBox(_Box):
    """Children one above the other, top to bottom."""

    variableDimension = 1


class Packer(ContainerWidget):
    """Children one above the other, each as tall as its size hint asks (the last, and those
    without a hint, share the rest)."""

    def render(self, width: int, height: int, terminal: Any) -> None:
        box = VBox()
        box.children = self.children  # the same layout, without taking the children
        top = 0
        for child, size in zip(self.children, box._sizes(height), strict=True):
            child.draw(width, size, BoundedTerminalWrapper(terminal, width, size, 0, top))
            top += size


class HBox(_Box):
    """Children side by side, left to right."""

    variableDimension = 0


class Canvas(Widget):
    """A surface of characters to draw on: ``canvas[x, y] = b"c"``, kept the size of the
    area it is drawn in (``resize`` keeps what fits)."""

    focused = False
    contents: bytearray | None = None

    def __init__(self) -> None:
        Widget.__init__(self)
        self._size = (0, 0)
        self.resize(1, 1)

    def resize(self, width: int, height: int) -> None:
        old_width, old_height = self._size
        contents = bytearray(b" " * (width * height))
        if self.contents is not None:
            for y in range(min(height, old_height)):
                row = self.contents[y * old_width : y * old_width + min(width, old_width)]
                contents[y * width : y * width + len(row)] = row
        self.contents = contents
        self._size = (width, height)
        self.repaint()

    def clear(self) -> None:
        width, height = self._size
        self.contents = bytearray(b" " * (width * height))
        self.repaint()

    def __setitem__(self, position: tuple[int, int], value: bytes) -> None:
        x, y = position
        width, _height = self._size
        assert self.contents is not None
        self.contents[y * width + x] = value[0]
        self.repaint()

    def __getitem__(self, position: tuple[int, int]) -> bytes:
        x, y = position
        assert self.contents is not None
        return bytes(self.contents[y * self._size[0] + x : y * self._size[0] + x + 1])

    def render(self, width: int, height: int, terminal: Any) -> None:
        if (width, height) != self._size:
            self.resize(width, height)
            self.dirty = False
        assert self.contents is not None
        for y in range(height):
            terminal.cursorPosition(0, y)
            terminal.write(bytes(self.contents[y * width : (y + 1) * width]))


def horizontalLine(terminal: Any, y: int, left: int, right: int) -> None:
    """A line drawing characters' horizontal line on row ``y``, from ``left`` to ``right``."""
    terminal.selectCharacterSet(insults.CS_DRAWING, insults.G0)
    terminal.cursorPosition(left, y)
    terminal.write(b"q" * (right - left))
    terminal.selectCharacterSet(insults.CS_US, insults.G0)


def verticalLine(terminal: Any, x: int, top: int, bottom: int) -> None:
    """A vertical line in column ``x``, from row ``top`` to ``bottom`` (excluded)."""
    terminal.selectCharacterSet(insults.CS_DRAWING, insults.G0)
    for row in range(top, bottom):
        terminal.cursorPosition(x, row)
        terminal.write(b"x")
    terminal.selectCharacterSet(insults.CS_US, insults.G0)


def rectangle(terminal: Any, position: tuple[int, int], dimension: tuple[int, int]) -> None:
    """A box of line drawing characters at ``position`` (top, left) of ``dimension``
    (width, height)."""
    top, left = position
    width, height = dimension
    inside = width - 2
    terminal.selectCharacterSet(insults.CS_DRAWING, insults.G0)
    # Where each row starts, then what is drawn on it: the top edge, the sides, the bottom.
    rows: list[tuple[tuple[int, int], list[bytes | int]]] = [
        ((top, left), [b"l", b"q" * inside, b"k"])]
    rows += [((left, top + 1 + n), [b"x", inside, b"x"]) for n in range(height - 2)]
    rows.append(((0, top + height - 1), [b"m", b"q" * inside, b"j"]))
    for (x, y), parts in rows:
        terminal.cursorPosition(x, y)
        for part in parts:
            if isinstance(part, int):
                terminal.cursorForward(part)  # across the inside of the box
            else:
                terminal.write(part)
    terminal.selectCharacterSet(insults.CS_US, insults.G0)


def cursor(terminal: Any, ch: bytes) -> None:
    """Show ``ch`` in reverse video, as a cursor, and move past it."""
    terminal.saveCursor()
    terminal.selectGraphicRendition(str(insults.REVERSE_VIDEO))
    terminal.write(ch)
    terminal.restoreCursor()
    terminal.cursorForward()


class Border(Widget):
    """A box around another widget (``containee``), which has the focus and the keys."""

    def __init__(self, containee: Widget) -> None:
        Widget.__init__(self)
        self.containee = containee
        containee.parent = self  # type: ignore[assignment]

    def focusReceived(self) -> None:
        return self.containee.focusReceived()

    def focusLost(self) -> None:
        return self.containee.focusLost()

    def keystrokeReceived(self, keyID: bytes, modifier: Any) -> None:
        return self.containee.keystrokeReceived(keyID, modifier)

    def sizeHint(self) -> tuple[int | None, int | None] | None:
        hint = self.containee.sizeHint()
        if hint is None:
            hint = (None, None)
        width, height = hint
        return (None if width is None else width + 2, None if height is None else height + 2)

    def filthy(self) -> None:
        self.containee.filthy()
        Widget.filthy(self)

    def render(self, width: int, height: int, terminal: Any) -> None:
        inside = (width - 2, height - 2)
        colour = b"\x1b[31m" if self.containee.focused else b""
        if colour:
            terminal.write(colour)  # a red frame around the widget with the focus
        rectangle(terminal, (0, 0), (width, height))
        terminal.write(b"\x1b[0m")
        self.containee.draw(*inside, BoundedTerminalWrapper(terminal, *inside, 1, 1))


class Button(Widget):
    """A ``label`` that calls ``onPress()`` on Enter; bold while it has the focus."""

    def __init__(self, label: bytes, onPress: Callable[[], object]) -> None:
        Widget.__init__(self)
        self.label = label
        self.onPress = onPress

    def sizeHint(self) -> tuple[int | None, int | None] | None:
        return (len(self.label), 1)

    def characterReceived(self, keyID: bytes, modifier: Any) -> None:
        if keyID == b"\r":
            self.onPress()

    def render(self, width: int, height: int, terminal: Any) -> None:
        # Bold (SGR 1, then reset) while the button has the focus.
        on, off = (b"\x1b[1m", b"\x1b[0m") if self.focused else (b"", b"")
        terminal.cursorPosition(0, 0)
        terminal.write(on + self.label + off)


class TextInput(Widget):
    """A one-line editor of at most ``maxwidth`` characters; Enter calls
    ``onSubmit(buffer)``."""

    def __init__(self, maxwidth: int, onSubmit: Callable[[bytes], object]) -> None:
        Widget.__init__(self)
        self.onSubmit = onSubmit
        self.maxwidth = maxwidth
        self.buffer = b""
        self.cursor = 0

    def setText(self, text: bytes) -> None:
        """Replace the text (cut to ``maxwidth``); the cursor goes to its end."""
        self.buffer = text[: self.maxwidth]
        self.cursor = len(self.buffer)
        self.repaint()

    def func_LEFT_ARROW(self, modifier: Any) -> None:
        if self.cursor > 0:
            self.cursor -= 1
            self.repaint()

    def func_RIGHT_ARROW(self, modifier: Any) -> None:
        if self.cursor < len(self.buffer):
            self.cursor += 1
            self.repaint()

    def backspaceReceived(self) -> None:
        if self.cursor > 0:
            self.buffer = self.buffer[: self.cursor - 1] + self.buffer[self.cursor :]
            self.cursor -= 1
            self.repaint()

    def characterReceived(self, keyID: bytes, modifier: Any) -> None:
        if keyID == b"\r":
            self.onSubmit(self.buffer)
        elif len(self.buffer) < self.maxwidth:
            self.buffer = self.buffer[: self.cursor] + keyID + self.buffer[self.cursor :]
            self.cursor += 1
            self.repaint()

    def sizeHint(self) -> tuple[int | None, int | None] | None:
        return (self.maxwidth + 1, 1)

    def render(self, width: int, height: int, terminal: Any) -> None:
        shown = self._renderText()
        spare = self.maxwidth - len(shown)
        terminal.cursorPosition(0, 0)
        if not self.focused:
            terminal.write(shown + b"_" * spare)
            return
        at = self.cursor
        before, under, after = shown[:at], shown[at : at + 1], shown[at + 1 :]
        terminal.write(before)
        cursor(terminal, under or b" ")
        for tail in (after, b" " * (spare + 1)):
            terminal.write(tail)

    def _renderText(self) -> bytes:
        """The text as shown."""
        return self.buffer


class PasswordInput(TextInput):
    """A ``TextInput`` that shows ``*`` for each character."""

    def _renderText(self) -> bytes:
        return b"*" * len(self.buffer)


class TextOutput(Widget):
    """A line of ``text`` (``setText``); it does not take the focus."""

    text = b""

    def __init__(self, size: tuple[int, int] | None = None) -> None:
        Widget.__init__(self)
        self.size = size

    def sizeHint(self) -> tuple[int | None, int | None] | None:
        return self.size

    def render(self, width: int, height: int, terminal: Any) -> None:
        terminal.cursorPosition(0, 0)
        text = self.text[:width]
        terminal.write(text + b" " * (width - len(text)))

    def setText(self, text: bytes) -> None:
        self.text = text
        self.repaint()

    def focusReceived(self) -> None:
        raise YieldFocus()


class TextOutputArea(TextOutput):
    """Several lines of text: lines longer than the area are wrapped at spaces (``WRAP``)
    or cut (``TRUNCATE``)."""

    WRAP, TRUNCATE = range(2)

    def __init__(self, size: tuple[int, int] | None = None, longLines: int = WRAP) -> None:
        TextOutput.__init__(self, size)
        self.longLines = longLines

    def render(self, width: int, height: int, terminal: Any) -> None:
        lines: list[bytes] = []
        for paragraph in self.text.split(b"\n"):
            if self.longLines == self.WRAP:
                wrapped = textwrap.wrap(paragraph.decode("latin-1"), max(1, width))
                lines.extend(part.encode("latin-1") for part in wrapped or [""])
            else:
                lines.append(paragraph[:width])
        for row, line in enumerate(lines[:height]):
            terminal.cursorPosition(0, row)
            terminal.write(line)


class Viewport(Widget):
    """A window on a larger widget (``containee``, drawn ``_width`` x ``_height``): the
    part from (``xOffset``, ``yOffset``) is shown."""

    _xOffset = 0
    _yOffset = 0
    _width = 160
    _height = 24

    def __init__(self, containee: Widget) -> None:
        Widget.__init__(self)
        self.containee = containee
        containee.parent = self  # type: ignore[assignment]

    @property
    def xOffset(self) -> int:
        return self._xOffset

    @xOffset.setter
    def xOffset(self, value: int) -> None:
        if self._xOffset != value:
            self._xOffset = value
            self.repaint()

    @property
    def yOffset(self) -> int:
        return self._yOffset

    @yOffset.setter
    def yOffset(self, value: int) -> None:
        if self._yOffset != value:
            self._yOffset = value
            self.repaint()

    def filthy(self) -> None:
        Widget.filthy(self)
        self.containee.filthy()

    def render(self, width: int, height: int, terminal: Any) -> None:
        screen = helper.TerminalBuffer()
        screen.width = self._width
        screen.height = self._height
        screen.connectionMade()
        self.containee.draw(self._width, self._height, screen)
        rows = screen.lines[self._yOffset : self._yOffset + height]
        for row, line in enumerate(rows):
            terminal.cursorPosition(0, row)
            shown = 0
            for ch, _attributes in line[self._xOffset : self._xOffset + width]:
                terminal.write(b" " if ch is screen.void else ch)
                shown += 1
            terminal.write(b" " * (width - shown))


class _Scrollbar(Widget):
    """A scroll bar: ``smaller``/``bigger`` call ``onScroll(-1 or 1)``, which gives the new
    position (0.0 to 1.0)."""

    def __init__(self, onScroll: Callable[[int], float]) -> None:
        Widget.__init__(self)
        self.onScroll = onScroll
        self.percent = 0.0

    def smaller(self) -> None:
        self.percent = min(1.0, max(0.0, self.onScroll(-1)))
        self.repaint()

    def bigger(self) -> None:
        self.percent = min(1.0, max(0.0, self.onScroll(+1)))
        self.repaint()


class HorizontalScrollbar(_Scrollbar):
    """A one-row scroll bar; left and right arrows scroll."""

    _left = "\N{BLACK LEFT-POINTING TRIANGLE}"
    _right = "\N{BLACK RIGHT-POINTING TRIANGLE}"
    _bar = "\N{LIGHT SHADE}"
    _slider = "\N{DARK SHADE}"

    def sizeHint(self) -> tuple[int | None, int | None] | None:
        return (None, 1)

    def func_LEFT_ARROW(self, modifier: Any) -> None:
        self.smaller()

    def func_RIGHT_ARROW(self, modifier: Any) -> None:
        self.bigger()

    def render(self, width: int, height: int, terminal: Any) -> None:
        terminal.cursorPosition(0, 0)
        room = max(0, width - 3)
        before = int(room * self.percent)
        after = room - before
        bar = self._left + self._bar * before + self._slider + self._bar * after + self._right
        terminal.write(bar.encode("utf-8"))


class VerticalScrollbar(_Scrollbar):
    """A one-column scroll bar; up and down arrows scroll."""

    _up = "\N{BLACK UP-POINTING TRIANGLE}"
    _down = "\N{BLACK DOWN-POINTING TRIANGLE}"
    _bar = "\N{LIGHT SHADE}"
    _slider = "\N{DARK SHADE}"

    def sizeHint(self) -> tuple[int | None, int | None] | None:
        return (1, None)

    def func_UP_ARROW(self, modifier: Any) -> None:
        self.smaller()

    def func_DOWN_ARROW(self, modifier: Any) -> None:
        self.bigger()

    def render(self, width: int, height: int, terminal: Any) -> None:
        room = max(0, height - 3)
        before = int(room * self.percent)
        after = room - before
        cells = [self._up, *[self._bar] * before, self._slider, *[self._bar] * after, self._down]
        for row, cell in enumerate(cells):
            terminal.cursorPosition(0, row)
            terminal.write(cell.encode("utf-8"))


class ScrolledArea(Widget):
    """A widget shown through a ``Viewport`` with scroll bars; the arrow keys scroll it."""

    def __init__(self, containee: Widget) -> None:
        Widget.__init__(self)
        self._viewport = Viewport(containee)
        self._horiz = HorizontalScrollbar(self._horizScroll)
        self._vert = VerticalScrollbar(self._vertScroll)
        for part in (self._viewport, self._horiz, self._vert):
            part.parent = self  # type: ignore[assignment]

    def _horizScroll(self, n: int) -> float:
        self._viewport.xOffset = max(0, self._viewport.xOffset + n)
        return self._viewport.xOffset / float(self._viewport._width)

    def _vertScroll(self, n: int) -> float:
        self._viewport.yOffset = max(0, self._viewport.yOffset + n)
        return self._viewport.yOffset / float(self._viewport._height)

    def func_UP_ARROW(self, modifier: Any) -> None:
        self._vert.smaller()

    def func_DOWN_ARROW(self, modifier: Any) -> None:
        self._vert.bigger()

    def func_LEFT_ARROW(self, modifier: Any) -> None:
        self._horiz.smaller()

    def func_RIGHT_ARROW(self, modifier: Any) -> None:
        self._horiz.bigger()

    def filthy(self) -> None:
        self._viewport.filthy()
        self._horiz.filthy()
        self._vert.filthy()
        Widget.filthy(self)

    def render(self, width: int, height: int, terminal: Any) -> None:
        inside = (width - 2, height - 2)
        self._viewport.draw(*inside, BoundedTerminalWrapper(terminal, *inside, 1, 1))
        frame = b"\x1b[31m" if self.focused else b""
        if frame:
            terminal.write(frame)
        # The frame: a line along the top and one down the left side.
        horizontalLine(terminal, 0, 1, width - 1)
        verticalLine(terminal, 0, 1, height - 1)
        self._vert.draw(1, height - 1,
                        BoundedTerminalWrapper(terminal, 1, height - 1, width - 1, 0))
        self._horiz.draw(width, 1, BoundedTerminalWrapper(terminal, width, 1, 0, height - 1))
        terminal.write(b"\x1b[0m")


class Selection(Widget):
    """A list of ``sequence`` items, one of them (``focusedIndex``) highlighted; the
    arrows and page keys move it, Enter calls ``onSelect(item)``. ``renderOffset`` is the
    highlighted item's row in the area."""

    focusedIndex = 0
    renderOffset = 0

    def __init__(self, sequence: Sequence[bytes], onSelect: Callable[[bytes], object] | None,
                 minVisible: int | None = None) -> None:
        Widget.__init__(self)
        self.sequence = sequence
        self.onSelect = onSelect
        self.minVisible = minVisible
        if minVisible is not None:
            self._width = max(map(len, sequence)) if sequence else 0

    def sizeHint(self) -> tuple[int | None, int | None] | None:
        if self.minVisible is not None:
            return (self._width, self.minVisible)
        return None

    def _rows(self) -> int:
        return self.height or 1

    def func_UP_ARROW(self, modifier: Any) -> None:
        if self.focusedIndex > 0:
            self.focusedIndex -= 1
            if self.renderOffset > 0:
                self.renderOffset -= 1
            self.repaint()

    def func_PGUP(self, modifier: Any) -> None:
        if self.renderOffset != 0:
            self.focusedIndex -= self.renderOffset
            self.renderOffset = 0
        else:
            self.focusedIndex = max(0, self.focusedIndex - self._rows())
        self.repaint()

    def func_DOWN_ARROW(self, modifier: Any) -> None:
        if self.focusedIndex < len(self.sequence) - 1:
            self.focusedIndex += 1
            if self.renderOffset < self._rows() - 1:
                self.renderOffset += 1
            self.repaint()

    def func_PGDN(self, modifier: Any) -> None:
        last = len(self.sequence) - 1
        rows = self._rows()
        if self.renderOffset != rows - 1:
            step = rows - 1 - self.renderOffset
            self.focusedIndex = min(last, self.focusedIndex + step)
            self.renderOffset = min(rows - 1, self.renderOffset + step)
        else:
            self.focusedIndex = min(last, self.focusedIndex + rows)
        self.repaint()

    def characterReceived(self, keyID: bytes, modifier: Any) -> None:
        if keyID == b"\r" and self.onSelect is not None:
            self.onSelect(self.sequence[self.focusedIndex])

    def render(self, width: int, height: int, terminal: Any) -> None:
        top = self.focusedIndex - self.renderOffset
        for row, item in enumerate(self.sequence[top : top + height]):
            terminal.cursorPosition(0, row)
            mark = row == self.renderOffset
            if mark:
                terminal.saveCursor()
                modes = [str(insults.REVERSE_VIDEO)]
                if self.focused:
                    modes.append(str(insults.BOLD))
                terminal.selectGraphicRendition(*modes)
            text = item[:width]
            terminal.write(text + b" " * (width - len(text)))
            if mark:
                terminal.restoreCursor()
