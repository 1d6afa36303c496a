"""Abstract Object Trees: objects written as Python source (``jellyToSource``) and read back
(``unjellyFromSource``), identity and cycles included.

The source assigns the tree to ``app``. Its nodes: ``Instance(className, **state)`` (or
``__stateObj__=`` for a state that is not a dict of names), ``Ref(n, obj)`` marking an object
referred to again as ``Deref(n)``, ``Class``, ``Function`` and ``Module`` by dotted name,
``InstanceMethod(name, className, instance)`` and ``Copyreg(loadFunction, args)`` for what
the ``copyreg`` table reduces. Reading source runs it: read only what you trust.
"""

from __future__ import annotations

import copyreg
import keyword
import types
from typing import IO, Any

from twistio.persisted import crefutil
from twistio.python import reflect

__all__ = [
    "AOTJellier",
    "AOTUnjellier",
    "Class",
    "Copyreg",
    "Deref",
    "Function",
    "Instance",
    "InstanceMethod",
    "Module",
    "Ref",
    "jellyToAOT",
    "jellyToSource",
    "unjellyFromAOT",
    "unjellyFromSource",
]

# Values written as their own repr.
_SIMPLE = (
    str, bytes, int, float, complex, bool, type(None), slice, type(Ellipsis),
    type(NotImplemented),
)


class Named:
    """A node naming something importable."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Class(Named):
    """A class, by dotted name."""

    def getSource(self) -> str:
        return repr(self)


class Function(Named):
    """A function, by dotted name."""

    def getSource(self) -> str:
        return repr(self)


class Module(Named):
    """A module, by name."""

    def getSource(self) -> str:
        return repr(self)


class InstanceMethod:
    """The method ``name`` of ``instance`` (of class ``klass``, by dotted name)."""

    def __init__(self, name: str, klass: str, inst: Any) -> None:
        if not isinstance(inst, (Ref, Instance, Deref)):
            raise TypeError(f"{inst!r} is not an instance node")
        self.name = name
        self.klass = klass
        self.instance = inst

    def getSource(self) -> str:
        return f"InstanceMethod({self.name!r}, {self.klass!r}, \n\0{prettify(self.instance)})"


class _NoStateObj:
    pass


NoStateObj = _NoStateObj()


class Instance:
    """An instance of class ``className``: its state is the keyword arguments, or
    ``__stateObj__``."""

    def __init__(self, className: str, __stateObj__: Any = NoStateObj, **state: Any) -> None:
        if not isinstance(className, str):
            raise TypeError(f"{className!r} is not a class name")
        self.klass = className
        # Keyword state is an attribute dictionary; a state object is taken as it is.
        keywords = __stateObj__ is NoStateObj
        self.stateIsDict = int(keywords)
        self.state = state if keywords else __stateObj__

    def getSource(self) -> str:
        if self.stateIsDict:
            if all(isinstance(k, str) and k.isidentifier() and not keyword.iskeyword(k)
                   for k in self.state):
                if not self.state:
                    return f"Instance({self.klass!r})"
                fields = "".join(f"\n\0{k}={prettify(v)}," for k, v in self.state.items())
                return f"Instance({self.klass!r},{fields}\n\0)"
            return f"Instance({self.klass!r}, __stateObj__={prettify(self.state)})"
        return f"Instance({self.klass!r}, {prettify(self.state)})"


class Ref:
    """An object referred to elsewhere by ``Deref(refnum)``; ``Ref(n, obj)`` or ``Ref()``
    then ``setRef``/``setObj``."""

    def __init__(self, *args: Any) -> None:
        if len(args) == 2:
            self.refnum: int | None = args[0]
            self.obj: Any = args[1]
        elif not args:
            self.refnum = None
            self.obj = None
        else:
            raise TypeError("Ref takes a number and an object, or nothing")

    def setRef(self, num: int) -> None:
        """Number this reference."""
        if self.refnum:
            raise ValueError(f"Error setting id {num}, I already have {self.refnum}")
        self.refnum = num

    def setObj(self, obj: Any) -> None:
        """Set the object referred to."""
        if self.obj is not None:
            raise ValueError(f"Error setting obj {obj}, I already have {self.obj}")
        self.obj = obj

    def getSource(self) -> str:
        if self.obj is None:
            raise RuntimeError("Don't try to display me before setting an object on me!")
        if self.refnum:
            return f"Ref({self.refnum}, \n\0{prettify(self.obj)})"
        return prettify(self.obj)


class Deref:
    """A reference to the object of ``Ref(num, ...)``."""

    def __init__(self, num: int) -> None:
        self.refnum = num

    def getSource(self) -> str:
        return f"Deref({self.refnum})"

    __repr__ = getSource


class Copyreg:
    """What ``loadfunc(*state)`` returns (the ``copyreg`` table's reduction of an object)."""

    def __init__(self, loadfunc: str, state: Any) -> None:
        self.loadfunc = loadfunc
        self.state = state

    def getSource(self) -> str:
        return f"Copyreg({self.loadfunc!r}, {prettify(self.state)})"


def prettify(obj: Any) -> str:
    """Source for ``obj`` (a node or a plain value); ``\\0`` marks where indentation goes."""
    if hasattr(obj, "getSource"):
        return str(obj.getSource())
    t = type(obj)
    if t in _SIMPLE:
        return repr(obj)
    if t is dict:
        if not obj:
            return "{}"
        items = "".join(f"\n\0{prettify(k)}:{prettify(v)}," for k, v in obj.items())
        return "{" + items + "\n\0}"
    if t is list:
        if not obj:
            return "[]"
        return "[" + "".join(f"\n\0{prettify(x)}," for x in obj) + "\n\0]"
    if t is tuple:
        if not obj:
            return "()"
        return "(" + "".join(f"\n\0{prettify(x)}," for x in obj) + "\n\0)"
    raise TypeError(f"Unsupported type {reflect.qual(t)} when trying to prettify {obj!r}")


def indentify(s: str) -> str:
    """Turn ``prettify``'s markers into indentation: two spaces per open bracket (a
    closing bracket sits at the level of the lines it closes)."""
    out = []
    depth = 0
    quote: str | None = None
    i = 0
    while i < len(s):
        ch = s[i]
        if quote is not None:
            out.append(ch)
            if ch == "\\":
                out.append(s[i + 1])
                i += 1
            elif s.startswith(quote, i):
                out.append(s[i + 1 : i + len(quote)])
                i += len(quote) - 1
                quote = None
        elif ch in "'\"":
            quote = s[i : i + 3] if s[i : i + 3] in ("'''", '"""') else ch
            out.append(quote)
            i += len(quote) - 1
        elif ch in "([{":
            depth += 1
            out.append(ch)
        elif ch in ")]}":
            depth -= 1
            out.append(ch)
        elif ch == "\0":
            out.append("  " * depth)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def jellyToSource(obj: Any, file: IO[str] | None = None) -> str | None:
    """``obj`` as Python source assigning it to ``app``: returned, or written to ``file``."""
    source = "app=" + indentify(prettify(jellyToAOT(obj)))
    if file is None:
        return source
    file.write(source)
    return None


def _selfOfMethod(methodObject: types.MethodType) -> Any:
    return methodObject.__self__


def _classOfMethod(methodObject: types.MethodType) -> type:
    return type(methodObject.__self__)


def _funcOfMethod(methodObject: types.MethodType) -> Any:
    return methodObject.__func__


class AOTJellier:
    """Turns objects into trees of nodes (``jellyToAO``), noting shared objects."""

    def __init__(self) -> None:
        self.prepared: dict[int, Ref] = {}
        self._ref_id = 0
        self._keep: list[Any] = []  # what ``prepared`` refers to by id stays alive

    def jellyToAO(self, obj: Any) -> Any:
        """The node (or plain value) for ``obj``."""
        t = type(obj)
        if t in _SIMPLE:
            return obj
        if isinstance(obj, types.MethodType):
            return InstanceMethod(
                obj.__func__.__name__, reflect.qual(type(obj.__self__)), self.jellyToAO(obj.__self__)
            )
        if isinstance(obj, types.ModuleType):
            return Module(obj.__name__)
        if isinstance(obj, type):
            return Class(reflect.qual(obj))
        if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
            return Function(reflect.fullyQualifiedName(obj))
        known = self.prepared.get(id(obj))
        if known is not None:
            if not known.refnum:
                self._ref_id += 1
                known.setRef(self._ref_id)
            return Deref(known.refnum)  # type: ignore[arg-type]
        ref = Ref()
        self.prepared[id(obj)] = ref
        self._keep.append(obj)
        ref.setObj(self._jellyNew(obj, t))
        return ref

    def _jellyNew(self, obj: Any, t: type) -> Any:
        if t is list:
            return [self.jellyToAO(x) for x in obj]
        if t is tuple:
            return tuple(self.jellyToAO(x) for x in obj)
        if t is dict:
            return {self.jellyToAO(k): self.jellyToAO(v) for k, v in obj.items()}
        reducer = copyreg.dispatch_table.get(t)
        if reducer is not None:
            reduced: Any = reducer(obj)
            loadfunc, args = reduced[:2]
            return Copyreg(reflect.fullyQualifiedName(loadfunc), self.jellyToAO(args))
        try:
            getstate = obj.__getstate__
        except AttributeError:
            getstate = None
        if getstate is not None:
            state = getstate()
        else:
            try:
                state = obj.__dict__
            except AttributeError:
                raise TypeError(f"Unsupported type: {reflect.qual(t)}") from None
        if state is None:
            return Instance(reflect.qual(t))
        if type(state) is dict:
            return Instance(reflect.qual(t), **{k: self.jellyToAO(v) for k, v in state.items()})
        return Instance(reflect.qual(t), self.jellyToAO(state))

    def jelly(self, obj: Any) -> Any:
        """The tree for ``obj``."""
        try:
            return self.jellyToAO(obj)
        finally:
            self._keep = []


def jellyToAOT(obj: Any) -> Any:
    """``obj`` as a tree of nodes."""
    return AOTJellier().jelly(obj)


class AOTUnjellier:
    """Builds objects back from trees of nodes, resolving references (cycles through
    tuples included) with ``crefutil``'s placeholders."""

    def __init__(self) -> None:
        self.references: dict[int, Any] = {}
        self.stack: list[Any] = []
        self.afterUnjelly: list[tuple[Any, Any]] = []

    def unjellyLater(self, node: Any) -> crefutil._Defer:
        """A placeholder for ``node``, built at the end (``callAfter``)."""
        d = crefutil._Defer()
        self.unjellyInto(d, 0, node)
        return d

    def unjellyInto(self, obj: Any, loc: Any, ao: Any) -> Any:
        """Set ``obj[loc]`` to what ``ao`` builds, now or once it is known."""
        o = self.unjellyAO(ao)
        obj[loc] = o
        if isinstance(o, crefutil.NotKnown):
            o.addDependant(obj, loc)
        return o

    def callAfter(self, callable: Any, result: Any) -> None:
        """Call ``callable(result)`` at the end, once ``result`` is known."""
        slot: list[Any] = [result]
        if isinstance(result, crefutil.NotKnown):
            # Filled in when the value becomes known (before the calls at the end).
            slot[0] = None
            result.addDependant(slot, 0)
        self.afterUnjelly.append((callable, slot))

    def unjellyAttribute(self, instance: Any, attrName: str, ao: Any) -> None:
        """Set ``instance.attrName`` to what ``ao`` builds, now or once it is known."""
        self.unjellyInto(_AttributeSetter(instance), attrName, ao)

    def unjellyAO(self, ao: Any, refnum: int | None = None) -> Any:
        """The object ``ao`` describes (or a ``NotKnown`` standing for it)."""
        t = type(ao)
        if t in _SIMPLE:
            return ao
        if t is Ref:
            return self._ref(ao)
        if t is Deref:
            known = self.references.get(ao.refnum)
            if known is None:
                known = self.references[ao.refnum] = crefutil._Defer()
            if isinstance(known, crefutil.NotKnown) and known.resolved:
                return known.resolvedObject
            return known
        if t is list:
            result: list[Any] = []
            self._register(refnum, result)
            for i, x in enumerate(ao):
                result.append(None)
                self.unjellyInto(result, i, x)
            return result
        if t is dict:
            d: dict[Any, Any] = {}
            self._register(refnum, d)
            for k, v in ao.items():
                entry = crefutil._DictKeyAndValue(d)
                self.unjellyInto(entry, 0, k)
                self.unjellyInto(entry, 1, v)
            return d
        if t is tuple:
            items: list[Any] = [None] * len(ao)
            for i, x in enumerate(ao):
                self.unjellyInto(items, i, x)
            if any(isinstance(x, crefutil.NotKnown) for x in items):
                return crefutil._Tuple(items)
            return tuple(items)
        if t is Class or t is Function:
            return reflect.namedObject(ao.name)
        if t is Module:
            return reflect.namedModule(ao.name)
        if t is InstanceMethod:
            return self._method(ao)
        if t is Instance:
            return self._instance(ao, refnum)
        if t is Copyreg:
            loadfunc = reflect.namedObject(ao.loadfunc)
            args = self.unjellyAO(ao.state)
            if isinstance(args, crefutil.NotKnown):
                raise TypeError("copyreg arguments refer to an object not built yet")
            return loadfunc(*args)
        raise TypeError(f"Unsupported AOT node: {t}")

    def _register(self, refnum: int | None, obj: Any) -> None:
        if refnum is None:
            return
        waiting = self.references.get(refnum)
        self.references[refnum] = obj
        if isinstance(waiting, crefutil._Defer) and not waiting.resolved:
            waiting[0] = obj

    def _ref(self, ao: Ref) -> Any:
        refnum = ao.refnum
        if not refnum:
            return self.unjellyAO(ao.obj)
        if refnum not in self.references:
            self.references[refnum] = crefutil._Defer()
        placeholder: crefutil._Defer = self.references[refnum]
        o = self.unjellyAO(ao.obj, refnum)
        if self.references.get(refnum) is placeholder:
            # Not registered while being built (a tuple, a copyreg'd object): now it is.
            if isinstance(o, crefutil.NotKnown):
                o.addDependant(placeholder, 0)
            else:
                self.references[refnum] = o
                placeholder[0] = o
        return o

    def _method(self, ao: InstanceMethod) -> Any:
        im_class = reflect.namedObject(ao.klass)
        im_self = self.unjellyAO(ao.instance)
        if ao.name not in dir(im_class):
            raise TypeError(f"instance method changed: {ao.klass}.{ao.name} is gone")
        if isinstance(im_self, crefutil.NotKnown):
            return crefutil._InstanceMethod(ao.name, im_self, im_class)
        function = getattr(im_class, ao.name)
        return types.MethodType(getattr(function, "__func__", function), im_self)

    def _instance(self, ao: Instance, refnum: int | None) -> Any:
        klass = reflect.namedObject(ao.klass)
        inst = klass.__new__(klass)
        self._register(refnum, inst)
        state = self.unjellyAO(ao.state)
        setstate = getattr(inst, "__setstate__", None)

        def apply(state: Any) -> None:
            if setstate is not None:
                setstate(state)
            elif isinstance(state, dict):
                inst.__dict__.update(state)
            elif state is not None:
                raise TypeError(f"cannot restore {ao.klass} from {state!r}")

        if isinstance(state, crefutil.NotKnown):
            self.callAfter(apply, state)
        else:
            apply(state)
        return inst

    def unjelly(self, ao: Any) -> Any:
        """The object the tree ``ao`` describes."""
        try:
            result = self.unjellyAO(ao)
            for callable, holder in self.afterUnjelly:
                callable(holder[0])
            if isinstance(result, crefutil.NotKnown):
                if not result.resolved:
                    raise ValueError("the tree refers to objects it never builds")
                result = result.resolvedObject
            return result
        finally:
            self.afterUnjelly = []


class _AttributeSetter:
    """``setter[name] = value`` sets an attribute (for ``unjellyAttribute``)."""

    def __init__(self, instance: Any) -> None:
        self.instance = instance

    def __setitem__(self, name: str, value: Any) -> None:
        setattr(self.instance, name, value)


def unjellyFromAOT(aot: Any) -> Any:
    """The object a tree of nodes describes."""
    return AOTUnjellier().unjelly(aot)


def unjellyFromSource(stringOrFile: str | IO[str]) -> Any:
    """Run source written by ``jellyToSource`` and build its ``app`` (``ValueError`` when
    the source sets none)."""
    # The names jellyToSource writes, and nothing else.
    namespace: dict[str, Any] = {
        kind.__name__: kind
        for kind in (Class, Copyreg, Deref, Function, Instance, InstanceMethod, Module, Ref)
    }
    source = stringOrFile if isinstance(stringOrFile, str) else stringOrFile.read()
    exec(source, namespace)  # (the format is Python source, by design)
    if "app" not in namespace:
        raise ValueError(f"{stringOrFile!r} needs to define an 'app', it didn't!")
    return unjellyFromAOT(namespace["app"])
