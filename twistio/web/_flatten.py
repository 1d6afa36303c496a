"""Turning a template tree into bytes: ``flatten`` and ``flattenString``.

The flattener is one generator per tag (or list, slot, renderable), driven by
``_Driver``. It yields only when it must wait for a Deferred (a renderer's result, a
coroutine) or for the consumer (back-pressure); everything already available is flattened
synchronously, in document order, as Twisted does.

Output is collected in a list of byte strings and handed to ``write`` in chunks of about
``BUFFER_SIZE`` bytes, so a large page is streamed, never held whole in memory. Unwritten
output is also handed over before waiting on a Deferred.

Escaping (as Twisted): text has ``&``, ``<``, ``>`` escaped; attribute values ``"`` too.
In an attribute value a non-empty tag (and a ``Comment``, ``CDATA`` or ``CharRef``) is
flattened as markup and that markup is then escaped as attribute text.

Slots, as Twisted observably does: reaching a tag pushes its ``fillSlots`` values (or
nothing) on one stack for the whole run; a slot takes the value nearest the top. Only a tag
with a render method pops, once its renderer's result is flattened, and it pops whatever is
on top then. So values usually stay visible to what follows the tag (siblings included).
The stack is kept as a depth plus the filled entries, so unfilled tags cost nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from types import CoroutineType, GeneratorType
from typing import TYPE_CHECKING

from twistio._typing import Dispatched
from twistio.internet.defer import Deferred, ensureDeferred
from twistio.python.failure import Failure
from twistio.web._stan import CDATA, CharRef, Comment, Flattenable, Tag, raw, slot
from twistio.web.error import FlattenerError, UnfilledSlot, UnsupportedType

if TYPE_CHECKING:
    from twistio.web.iweb import IRenderable, IRequest

__all__ = ["Driver", "flatten", "flattenString", "start"]

# Elements written as ``<br />`` when they have no children (Twisted's list).
_VOID = frozenset(
    b"area base basefont br col command embed frame hr img input isindex keygen link "
    b"meta param source".split()
)

BUFFER_SIZE = 1 << 16  # bytes per write while streaming
_PIECES = 1024  # list entries before the buffer is measured

_Wait = Generator["Deferred[object]", object, None]
"""A flattening run: yields the Deferreds it waits on, is sent their results."""

#: What a flattening run waits on while its consumer is full (None: nothing).
Backpressure = Callable[[], "Deferred[object] | None"]


def _esc(s: str) -> bytes:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def _esc_b(s: bytes) -> bytes:
    return s.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")


def _attr_esc(s: str) -> bytes:
    return (
        s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .encode("utf-8")
    )


def _attr_esc_b(s: bytes) -> bytes:
    return (
        s.replace(b"&", b"&amp;")
        .replace(b"<", b"&lt;")
        .replace(b">", b"&gt;")
        .replace(b'"', b"&quot;")
    )


def _stext(s: str) -> str:
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    return s


def _sattr(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


_SVOID = frozenset(name.decode("ascii") for name in _VOID)

# Start and end tags (``<td>``, ``</td>``) made once per tag name, up to _NAMES names.
_OPEN: dict[str, str] = {}
_CLOSE: dict[str, str] = {}
_NAMES = 512


def _open_close(sname: str) -> str:
    """``<sname>``, remembering it (and ``</sname>``) while there is room."""
    if not sname.isascii():
        raise _Bail  # the generator path reports it
    if len(_OPEN) < _NAMES:
        _CLOSE[sname] = "</" + sname + ">"
        _OPEN[sname] = "<" + sname + ">"
    return "<" + sname + ">"


def _comment(data: str) -> bytes:
    data = data.replace("-->", "--&gt;")
    if data[-1:] == "-":
        data += " "
    return b"<!--" + data.encode("utf-8") + b"-->"


def _cdata(data: str) -> bytes:
    return b"<![CDATA[" + data.replace("]]>", "]]]]><![CDATA[>").encode("utf-8") + b"]]>"


class _Bail(Exception):
    """The synchronous fast path cannot flatten this; the generator path will."""


def _is_renderable(obj: object) -> bool:
    return callable(getattr(obj, "render", None)) and callable(
        getattr(obj, "lookupRenderMethod", None)
    )


class _Flattener:
    """One flattening run: the request, the output buffer and the consumer."""

    __slots__ = (
        "awaiting",
        "backpressure",
        "depth",
        "filled",
        "main",
        "nosync",
        "request",
        "roots",
        "size",
        "streaming",
        "syncout",
        "write",
    )

    def __init__(
        self,
        request: IRequest | None,
        write: Callable[[bytes], object],
        streaming: bool = True,
        backpressure: Backpressure | None = None,
    ) -> None:
        self.request = request
        self.write = write
        self.streaming = streaming
        self.backpressure = backpressure
        self.awaiting: Deferred[object] | None = None
        """The Deferred of the tree being waited on (cancelling the flattening cancels it)."""
        self.main: list[bytes] = []
        self.roots: list[object] = []
        self.depth = 0
        self.filled: list[tuple[int, dict[str, Flattenable]]] = []
        self.nosync: set[int] = set()
        self.syncout: list[str] | None = None
        self.size = 0  # bytes the fast path added to ``main`` since the last flush

    def run(self, root: Flattenable) -> _Wait:
        """Flatten ``root``, then hand over what is left."""
        yield from self._flat(root, self.main, None, False)
        if self.main:
            data = b"".join(self.main)
            self.main.clear()
            self.write(data)

    def _flush(self, force: bool) -> _Wait:
        """Hand buffered output to ``write`` (when big enough, or ``force``), then wait for
        the consumer if it asks."""
        main = self.main
        self.size = 0
        data = b"".join(main)
        main.clear()
        if not force and len(data) < BUFFER_SIZE:
            main.append(data)
            return
        if data:
            self.write(data)
        if self.backpressure is not None:
            wait = self.backpressure()
            if wait is not None:
                yield wait

    def _wait(self, d: Deferred[object], out: list[bytes]) -> Generator[Deferred[object], object, object]:
        """The result of ``d``, flushing first if it is not there yet."""
        box: list[object] = []

        def keep(result: object) -> object:
            # The result stays the Deferred's (it may be flattened again, or observed by
            # callbacks added later), as with Twisted's flattener.
            box.append(result)
            # (A Deferred as a result would chain if returned: it is not kept.)
            return None if isinstance(result, Deferred) else result

        d.addBoth(keep)
        if not box:
            if self.streaming and out is self.main and self.main:
                yield from self._flush(True)
            waiter: Deferred[object] = Deferred()

            def passOn(result: object) -> object:
                self.awaiting = None
                waiter.callback(box[0])
                return None if isinstance(result, Deferred) else result

            d.addBoth(passOn)
            self.awaiting = d
            result = yield waiter
            return result
        result = box[0]
        if isinstance(result, Failure):
            raise result.value.with_traceback(result.tb)
        return result

    # The synchronous fast path. A tag whose subtree holds only tags without render
    # methods, text, slots, lists and the markup classes is flattened by plain recursion
    # into ``str`` pieces (no generator per node), encoded to UTF-8 once at the end.
    # Anything else (a render method, a Deferred, a coroutine, a generator, a renderable,
    # bytes that are not UTF-8, any error, or more than ``_PIECES`` pieces of output)
    # abandons the attempt: its output is dropped, the slot stack is restored, the tags
    # on the way are remembered as not worth trying again, and the generator path
    # flattens the tag instead, so errors are reported exactly as before. Nothing the
    # fast path does has side effects beyond those it undoes.

    def _try(self, tag: Tag, out: list[bytes], attr: bool) -> bool:
        """Flatten ``tag`` synchronously if it can be; False (and no effect) if not."""
        if self.nosync and id(tag) in self.nosync:
            return False
        depth = self.depth
        nfilled = len(self.filled)
        pieces: list[str] = []
        self.syncout = pieces
        try:
            self._stag(tag, pieces, attr)
            data = "".join(pieces).encode("utf-8")
        except Exception:
            self.depth = depth
            del self.filled[nfilled:]
            return False
        out.append(data)
        if out is self.main:
            self.size += len(data)
        return True

    def _stag(self, tag: Tag, out: list[str], attr: bool, push: bool = True) -> None:
        try:
            if tag.render is not None:
                raise _Bail
            if push:
                if tag.slotData is not None:
                    self.filled.append((self.depth, tag.slotData))
                self.depth += 1
            name = tag.tagName
            child: Dispatched
            if not name:
                for child in tag.children:
                    kind = type(child)
                    if kind is str:
                        out.append(_sattr(child) if attr else _stext(child))
                    elif kind is Tag:
                        self._stag(child, out, attr)
                    else:
                        self._sflat(child, out, attr)
                return
            if attr:
                sub: list[str] = []
                self._stag(tag, sub, False, False)
                out.append(_sattr("".join(sub)))
                return
            sname = name if type(name) is str else name.decode("utf-8")  # type: ignore[union-attr]
            append = out.append
            attributes = tag.attributes
            children = tag.children
            if attributes:
                if not sname.isascii():
                    raise _Bail
                start = "<" + sname
                value: Dispatched
                for key, value in attributes.items():
                    if type(key) is not str:
                        key = key.decode("utf-8")  # type: ignore[union-attr]
                    if not key.isascii():
                        raise _Bail
                    kind = type(value)
                    if kind is str:
                        if '"' in value or "&" in value or "<" in value or ">" in value:
                            value = _sattr(value)
                    elif kind is list and len(value) == 1 and type(value[0]) is slot:
                        # ``t:attr`` holding one slot (the common case): looked up inline.
                        value = self._slot(value[0])
                        if type(value) is str:
                            value = _sattr(value)
                        else:
                            sub = []
                            self._sflat(value, sub, True)
                            value = "".join(sub)
                    else:
                        sub = []
                        self._sflat(value, sub, True)
                        value = "".join(sub)
                    start += " " + key + '="' + value + '"'
                if not children and sname in _SVOID:
                    append(start + " />")
                    return
                append(start + ">")
            else:
                if not children and sname in _SVOID:
                    append("<" + sname + " />")
                    return
                append(_OPEN.get(sname) or _open_close(sname))
            for child in children:
                kind = type(child)
                if kind is str:
                    append(_stext(child))
                elif kind is slot:
                    # A slot, looked up inline (the common case in tables).
                    key = child.name
                    filled = self.filled
                    if filled and key in filled[-1][1]:
                        value = filled[-1][1][key]
                    else:
                        value = self._slot(child)
                    if type(value) is str:
                        if "&" in value or "<" in value or ">" in value:
                            value = _stext(value)
                        append(value)
                    else:
                        self._sflat(value, out, False)
                elif kind is Tag:
                    self._stag(child, out, False)
                else:
                    self._sflat(child, out, False)
            append(_CLOSE.get(sname) or "</" + sname + ">")
            if len(out) > _PIECES and out is self.syncout:
                raise _Bail
        except Exception:
            self.nosync.add(id(tag))
            raise

    def _slot(self, root: slot) -> Flattenable:
        name = root.name
        for _, data in reversed(self.filled):
            if name in data:
                return data[name]
        if root.default is None:
            raise _Bail
        return root.default

    def _sflat(self, root: Dispatched, out: list[str], attr: bool) -> None:
        kind = type(root)
        if kind is str:
            out.append(_sattr(root) if attr else _stext(root))
        elif kind is Tag:
            self._stag(root, out, attr)
        elif kind is slot:
            self._sflat(self._slot(root), out, attr)
        elif kind is bytes:
            text = root.decode("utf-8")
            out.append(_sattr(text) if attr else _stext(text))
        elif kind is list or kind is tuple:
            for item in root:
                if type(item) is str:
                    out.append(_sattr(item) if attr else _stext(item))
                else:
                    self._sflat(item, out, attr)
        elif kind is CharRef:
            sref = f"&#{root.ordinal:d};"
            out.append(_sattr(sref) if attr else sref)
        elif kind is Comment:
            data = _comment(root.data).decode("utf-8")
            out.append(_sattr(data) if attr else data)
        elif kind is CDATA:
            data = _cdata(root.data).decode("utf-8")
            out.append(_sattr(data) if attr else data)
        elif kind is raw and type(root.data) is str:
            out.append(root.data)
        else:
            raise _Bail

    def _tag(
        self,
        tag: Tag,
        out: list[bytes],
        factory: IRenderable | None,
        attr: bool,
        push: bool = True,
        fast: bool = True,
    ) -> _Wait:
        if fast and push and tag.render is None and self._try(tag, out, attr):
            if self.size >= BUFFER_SIZE and out is self.main and self.streaming:
                yield from self._flush(False)
            return
        try:
            if not push:
                pass
            elif tag.slotData is None:
                self.depth += 1
            else:
                self.filled.append((self.depth, tag.slotData))
                self.depth += 1
            render = tag.render
            if render is not None:
                if factory is None:
                    raise ValueError(
                        f'Tag wants to be rendered by method "{render}" '
                        "but is not contained in any IRenderable"
                    )
                method = factory.lookupRenderMethod(render)
                clone = tag.clone(False)
                clone.render = None
                result = method(self.request, clone)
                yield from self._flat(result, out, factory, attr)
                self.depth -= 1
                filled = self.filled
                if filled and filled[-1][0] == self.depth:
                    filled.pop()
                return
            child: Dispatched
            name = tag.tagName
            if not name:
                for child in tag.children:
                    if type(child) is str:
                        out.append(_attr_esc(child) if attr else _esc(child))
                    else:
                        yield from self._flat(child, out, factory, attr)
                return
            if attr:
                sub: list[bytes] = []
                yield from self._tag(tag, sub, factory, False, False)
                out.append(_attr_esc_b(b"".join(sub)))
                return
            # Names are ASCII (UnicodeEncodeError otherwise, as in Twisted); text is UTF-8.
            bname = name.encode("ascii") if type(name) is str else name
            append = out.append
            append(b"<" + bname)  # type: ignore[operator]
            for key, value in tag.attributes.items():
                bkey = key.encode("ascii") if type(key) is str else key
                if type(value) is str:
                    append(b" " + bkey + b'="' + _attr_esc(value) + b'"')  # type: ignore[operator]
                else:
                    sub = []
                    yield from self._flat(value, sub, factory, True)
                    append(b" " + bkey + b'="' + b"".join(sub) + b'"')  # type: ignore[operator]
            children = tag.children
            if not children and bname in _VOID:
                append(b" />")
                return
            append(b">")
            for child in children:
                kind = type(child)
                if kind is str:
                    append(_esc(child))
                elif kind is Tag:
                    if child.render is None and self._try(child, out, False):
                        if self.size >= BUFFER_SIZE and out is self.main and self.streaming:
                            yield from self._flush(False)
                        continue
                    yield from self._tag(child, out, factory, False, True, False)
                else:
                    yield from self._flat(child, out, factory, False)
            append(b"</" + bname + b">")  # type: ignore[operator]
            if out is self.main and len(out) >= _PIECES and self.streaming:
                yield from self._flush(False)
        except Exception:
            self.roots.append(tag)
            raise

    def _flat(
        self,
        root: Dispatched,
        out: list[bytes],
        factory: IRenderable | None,
        attr: bool,
    ) -> _Wait:
        kind = type(root)
        if kind is str:
            out.append(_attr_esc(root) if attr else _esc(root))
        elif kind is bytes:
            out.append(_attr_esc_b(root) if attr else _esc_b(root))
        elif kind is Tag:
            yield from self._tag(root, out, factory, attr)
        elif kind is slot:
            name = root.name
            for _, filled in reversed(self.filled):
                if name in filled:
                    value = filled[name]
                    break
            else:
                if root.default is None:
                    self.roots.append(root)
                    raise UnfilledSlot(name)
                value = root.default
            yield from self._flat(value, out, factory, attr)
        elif kind is list or kind is tuple or kind is GeneratorType:
            for item in root:
                kind = type(item)
                if kind is str:
                    out.append(_attr_esc(item) if attr else _esc(item))
                elif kind is Tag and item.render is None and self._try(item, out, attr):
                    if self.size >= BUFFER_SIZE and out is self.main and self.streaming:
                        yield from self._flush(False)
                else:
                    yield from self._flat(item, out, factory, attr)
        elif isinstance(root, str):
            yield from self._flat(str(root), out, factory, attr)
        elif isinstance(root, bytes):
            yield from self._flat(bytes(root), out, factory, attr)
        elif isinstance(root, Tag):
            yield from self._tag(root, out, factory, attr)
        elif isinstance(root, Deferred):
            result = yield from self._wait(root, out)
            yield from self._flat(result, out, factory, attr)
        elif isinstance(root, CoroutineType):
            result = yield from self._wait(ensureDeferred(root), out)
            yield from self._flat(result, out, factory, attr)
        elif isinstance(root, CharRef):
            ref = b"&#%d;" % (root.ordinal,)
            out.append(_attr_esc_b(ref) if attr else ref)
        elif isinstance(root, Comment):
            data = _comment(root.data)
            out.append(_attr_esc_b(data) if attr else data)
        elif isinstance(root, CDATA):
            data = _cdata(root.data)
            out.append(_attr_esc_b(data) if attr else data)
        elif isinstance(root, raw):
            rawdata = root.data
            out.append(rawdata.encode("utf-8") if isinstance(rawdata, str) else rawdata)
        elif isinstance(root, (list, tuple)):
            yield from self._flat(list(root), out, factory, attr)
        elif _is_renderable(root):
            try:
                result = root.render(self.request)
                yield from self._flat(result, out, root, attr)
            except Exception:
                self.roots.append(root)
                raise
        else:
            raise UnsupportedType(root)


class Driver:
    """Runs a flattening generator, resuming it when the Deferred it waits on fires."""

    __slots__ = ("done", "gen", "result", "sync")

    def __init__(self, gen: _Wait, done: Deferred[None]) -> None:
        self.gen = gen
        self.done = done
        self.sync = False
        self.result: object = Driver

    def step(self, value: object) -> None:
        gen = self.gen
        while True:
            try:
                if isinstance(value, Failure):
                    wait = gen.throw(value.value.with_traceback(value.tb))
                else:
                    wait = gen.send(value)
            except StopIteration:
                self.done.callback(None)
                return
            except Exception as e:
                self.done.errback(Failure(e))
                return
            self.sync = True
            self.result = Driver
            wait.addBoth(self._got)
            self.sync = False
            if self.result is Driver:
                return
            value, self.result = self.result, Driver

    def _got(self, result: object) -> None:
        if self.sync:
            self.result = result
        else:
            self.step(result)

    def stop(self) -> None:
        """Abandon the run (the consumer went away)."""
        self.gen.close()


def _wrap_error(flattener: _Flattener) -> Callable[[Failure], Failure]:
    def wrap(failure: Failure) -> Failure:
        exc = failure.value
        if isinstance(exc, FlattenerError):
            return failure
        roots = list(reversed(flattener.roots))
        import traceback

        tb = traceback.extract_tb(exc.__traceback__)
        error = FlattenerError(exc, roots, tb)
        error.__cause__ = exc
        return Failure(error)

    return wrap


def start(
    request: IRequest | None,
    root: Flattenable,
    write: Callable[[bytes], object],
    streaming: bool,
    backpressure: Backpressure | None = None,
) -> tuple[Deferred[None], Driver]:
    """Start flattening ``root``: the Deferred of the run (as ``flatten``'s) and its
    ``Driver`` (``stop()`` abandons it). ``streaming``: hand output to ``write`` as it is
    made (else all at the end); ``backpressure``: what to wait on while the consumer is
    full. The hook ``template.renderElement`` streams a page through."""
    flattener = _Flattener(request, write, streaming, backpressure)

    def cancel(_: Deferred[None]) -> None:
        # Cancelling the flattening cancels what it waits on; the failure comes back
        # through the tree as a FlattenerError.
        awaiting = flattener.awaiting
        if awaiting is not None:
            awaiting.cancel()

    done: Deferred[None] = Deferred(cancel)
    driver = Driver(flattener.run(root), done)
    driver.step(None)
    done.addErrback(_wrap_error(flattener))
    return done, driver


def flatten(
    request: IRequest | None, root: Flattenable, write: Callable[[bytes], object]
) -> Deferred[None]:
    """Flatten ``root``, calling ``write`` with the bytes as they are produced.

    Returns a Deferred that fires with ``None`` when done, or fails with ``FlattenerError``.
    Output is handed over in chunks (up to 64 KiB) as it is made, and before waiting on a
    Deferred.
    """
    return start(request, root, write, True)[0]


def flattenString(request: IRequest | None, root: Flattenable) -> Deferred[bytes]:
    """Flatten ``root`` to one byte string; a Deferred that fires with it."""
    pieces: list[bytes] = []
    done, _ = start(request, root, pieces.append, False)
    return done.addCallback(lambda _: b"".join(pieces))
