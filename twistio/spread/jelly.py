"""Jelly: object graphs as s-expressions, with a security policy on the way back.

``jelly(obj)`` turns an object into nested lists of bytes, ints and floats (what Banana can
send); ``unjelly(sexp)`` turns such lists back into objects. The forms, each a list headed
by a tag:

- bytes, int and float stand for themselves; ``None`` is ``[b"None"]``, a bool
  ``[b"boolean", b"true"|b"false"]``, a str ``[b"unicode", utf8]``;
- containers: ``[b"list", ...]``, ``[b"tuple", ...]``, ``[b"set", ...]``,
  ``[b"frozenset", ...]``, ``[b"dictionary", [key, value], ...]``;
- ``datetime``/``date``/``time``/``timedelta`` as one line of space-separated numbers,
  ``Decimal`` as ``[b"decimal", digits, exponent]``;
- ``[b"class", qualname]``, ``[b"module", name]``, ``[b"function", qualname]``,
  ``[b"method", name, instance, class]``;
- an instance: ``[qualname, state]``, the state being its ``__getstate__()``;
- an object met a second time (or inside itself): the first occurrence becomes
  ``[b"reference", n, form]`` and later ones ``[b"dereference", n]``, so sharing and cycles
  survive the trip.

Unjellying an untrusted s-expression is only as safe as the ``taster``: a
``SecurityOptions`` refuses (``InsecureJelly``) every type, module and class it was not
told to allow. The default ``DummySecurityOptions`` allows everything: use it only on data
you produced yourself.
"""

from __future__ import annotations

import datetime
import decimal
import types
import warnings
from collections.abc import Callable
from typing import Any

from twistio.internet.interfaces import implementer
from twistio.persisted.crefutil import (
    NotKnown,
    _Container,
    _Dereference,
    _DictKeyAndValue,
    _InstanceMethod,
    _Tuple,
)
from twistio.python import _spelling
from twistio.python.deprecate import deprecatedModuleAttribute
from twistio.python.reflect import namedAny, namedObject, qual
from twistio.python.versions import Version
from twistio.spread.interfaces import IJellyable, IUnjellyable

__all__ = [
    "DummySecurityOptions",
    "InsecureJelly",
    "Jellyable",
    "NotKnown",
    "SecurityOptions",
    "Unjellyable",
    "Unpersistable",
    "getInstanceState",
    "globalSecurity",
    "jelly",
    "setInstanceState",
    "setUnjellyableFactoryForClass",
    "setUnjellyableForClass",
    "setUnjellyableForClassTree",
    "unjelly",
    "unjellyableFactoryRegistry",
    "unjellyableRegistry",
]

None_atom = b"None"
class_atom = b"class"
module_atom = b"module"
function_atom = b"function"
dereference_atom = b"dereference"
persistent_atom = b"persistent"
reference_atom = b"reference"
dictionary_atom = b"dictionary"
list_atom = b"list"
set_atom = b"set"
tuple_atom = b"tuple"
instance_atom = b"instance"
frozenset_atom = b"frozenset"
unpersistable_atom = b"unpersistable"

DictTypes = (dict,)

#: Tag (bytes) -> the class (given ``unjellyFor``) or function ``(unjellier, sexp)``
#: that rebuilds objects sent under that tag.
unjellyableRegistry: dict[bytes, Any] = {}
#: Tag -> a factory called with the unjellied state, whose result is the object.
unjellyableFactoryRegistry: dict[bytes, Callable[[Any], Any]] = {}


def _tag(classOrName: Any) -> bytes:
    if isinstance(classOrName, bytes):
        return classOrName
    if isinstance(classOrName, str):
        return classOrName.encode("utf-8")
    return qual(classOrName).encode("utf-8")


def _localTag(tag: Any) -> Any:
    """The tag under which a class was registered before the ``twisted`` alias was installed:
    names are spelled ``twisted.*`` while it is (``qual``), ``twistio.*`` before."""
    if isinstance(tag, bytes):
        return _spelling.local(tag.decode("utf-8", "replace")).encode("utf-8")
    return _spelling.local(tag) if isinstance(tag, str) else tag


def _createBlank(cls: Any) -> Any:
    """An instance of ``cls`` made without calling its ``__init__``."""
    return cls.__new__(cls)


def _newInstance(cls: type, state: Any) -> Any:
    """An instance of ``cls`` without ``__init__``, its ``__dict__`` updated from ``state``
    (or given to ``__setstate__`` when the class has one)."""
    inst = _createBlank(cls)
    setter = getattr(inst, "__setstate__", None)
    if setter is not None:
        setter(state)
    elif state is not None:  # None: what __getstate__ gives for an empty __dict__
        inst.__dict__ = state
    return inst


def _maybeClass(classnamep: Any) -> bytes:
    """The tag for a class or a class name."""
    return _tag(classnamep)


def setUnjellyableForClass(classname: Any, unjellyable: Any) -> None:
    """Rebuild objects sent under ``classname`` (a class, or its tag) with ``unjellyable``:
    a class whose blank instance's ``unjellyFor`` fills it (a ``RemoteCopy``), or a
    function called as ``unjellyable(unjellier, sexp)``."""
    global globalSecurity
    tag = _tag(classname)
    unjellyableRegistry[tag] = unjellyable
    globalSecurity.allowTypes(tag)


def setUnjellyableFactoryForClass(classname: Any, copyFactory: Callable[[Any], Any]) -> None:
    """Rebuild objects sent under ``classname`` as ``copyFactory(state)``."""
    tag = _tag(classname)
    unjellyableFactoryRegistry[tag] = copyFactory
    globalSecurity.allowTypes(tag)


def setUnjellyableForClassTree(module: Any, baseClass: type, prefix: str | None = None) -> None:
    """Register every class of ``module`` deriving from ``baseClass`` (``baseClass``
    excepted) under ``prefix`` + "." + its name (``prefix`` defaults to the module's name;
    an empty prefix registers the bare class names)."""
    if prefix is None:
        prefix = module.__name__
    if prefix:
        prefix = f"{prefix}."
    for name in dir(module):
        obj = getattr(module, name)
        if isinstance(obj, type) and issubclass(obj, baseClass) and obj is not baseClass:
            setUnjellyableForClass(f"{prefix}{name}", obj)


def getInstanceState(inst: Any, jellier: _Jellier) -> Any:
    """The usual form of an instance: ``[qualname, state]`` (state from ``__getstate__``)."""
    getter = getattr(inst, "__getstate__", None)
    state = getter() if getter is not None else inst.__dict__
    sxp = jellier.prepare(inst)
    sxp.extend([qual(inst.__class__).encode("utf-8"), jellier.jelly(state)])
    return jellier.preserve(inst, sxp)


def setInstanceState(inst: Any, unjellier: _Unjellier, jellyList: Any) -> Any:
    """Fill ``inst`` from the state of ``jellyList`` (``__setstate__`` if it has one)."""
    state = unjellier.unjelly(jellyList[1])
    setter = getattr(inst, "__setstate__", None)
    if setter is not None:
        setter(state)
    elif state is not None:
        inst.__dict__ = state
    return inst


@implementer(IJellyable)
class Jellyable:
    """Base for objects that serialize as ``[qualname, getStateFor(jellier)]``."""

    def getStateFor(self, jellier: _Jellier) -> Any:
        """The state to send: ``__dict__`` unless overridden."""
        return self.__dict__

    def jellyFor(self, jellier: _Jellier) -> Any:
        sxp = jellier.prepare(self)
        sxp.extend([qual(self.__class__).encode("utf-8"), jellier.jelly(self.getStateFor(jellier))])
        return jellier.preserve(self, sxp)


@implementer(IUnjellyable)
class Unjellyable:
    """Base for objects rebuilt through ``setStateFor``."""

    def setStateFor(self, unjellier: _Unjellier, state: Any) -> None:
        """Take ``state`` (``__dict__`` unless overridden)."""
        if state is not None:
            self.__dict__ = state

    def unjellyFor(self, unjellier: _Unjellier, jellyList: Any) -> Any:
        state = unjellier.unjelly(jellyList[1])
        self.setStateFor(unjellier, state)
        return self


class Unpersistable:
    """What comes back in place of something that could not be serialized."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unpersistable({self.reason!r})"


class InsecureJelly(Exception):
    """The s-expression holds a type, module or class the security options refuse."""


# -- jellying -------------------------------------------------------------------------


def _isJellyable(obj: Any) -> bool:
    return isinstance(obj, Jellyable) or (not isinstance(obj, type) and IJellyable.providedBy(obj))


def _dateNumbers(*numbers: int) -> bytes:
    return " ".join(map(str, numbers)).encode()


def _noTimezone(value: Any) -> None:
    if value.tzinfo is not None:
        raise NotImplementedError("Currently can't jelly datetime objects with tzinfo")


def _form_datetime(jellier: _Jellier, d: datetime.datetime) -> list[Any]:
    _noTimezone(d)
    fields = (d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond)
    return [b"datetime", _dateNumbers(*fields)]


def _form_time(jellier: _Jellier, t: datetime.time) -> list[Any]:
    _noTimezone(t)
    return [b"time", _dateNumbers(t.hour, t.minute, t.second, t.microsecond)]


def _form_method(jellier: _Jellier, m: Any) -> list[Any]:
    owner = m.__self__
    return [b"method", m.__func__.__name__, jellier.jelly(owner), jellier.jelly(owner.__class__)]


#: Types whose values are their own form.
_SELF_FORMS = frozenset({bytes, int, float})

#: Type -> the form of a value that is never shared (no reference is made for it).
_IMMUTABLE_FORMS: dict[type, Callable[[Any, Any], list[Any]]] = {
    str: lambda j, s: [b"unicode", s.encode("utf-8")],
    type(None): lambda j, n: [None_atom],
    bool: lambda j, b: [b"boolean", b"true" if b else b"false"],
    types.MethodType: _form_method,
    types.ModuleType: lambda j, m: [module_atom, _spelling.spelled(m.__name__)],
    types.FunctionType: lambda j, f: [function_atom, _spelling.qualified(f)],
    datetime.datetime: _form_datetime,
    datetime.time: _form_time,
    datetime.date: lambda j, d: [b"date", _dateNumbers(d.year, d.month, d.day)],
    datetime.timedelta: lambda j, d: [
        b"timedelta",
        _dateNumbers(d.days, d.seconds, d.microseconds),
    ],
    decimal.Decimal: lambda j, d: j.jelly_decimal(d),
}

#: Sequence type -> its atom.
_SEQUENCE_ATOMS: dict[type, bytes] = {
    list: list_atom,
    tuple: tuple_atom,
    set: set_atom,
    frozenset: frozenset_atom,
}


class _Jellier:
    """One serialization: remembers the objects seen, so shared ones become references."""

    def __init__(self, taster: Any, persistentStore: Any, invoker: Any) -> None:
        self.taster = taster
        # id -> the s-expression list made for the object (changed in place when it turns
        # out to be shared), and id -> its dereference form once it is.
        self.preserved: dict[int, list[Any]] = {}
        self.cooked: dict[int, list[Any]] = {}
        # The objects seen, kept alive so their ids stay theirs during the run.
        self._kept: list[Any] = []
        self._ref_id = 1
        self.persistentStore = persistentStore
        self.invoker = invoker

    def _cook(self, object: Any) -> list[Any]:
        """Turn the form made for ``object`` into a reference; return that form."""
        aList = self.preserved[id(object)]
        newList = list(aList)
        refid = self._ref_id
        self._ref_id += 1
        aList[:] = [reference_atom, refid, newList]
        self.cooked[id(object)] = [dereference_atom, refid]
        return aList

    def prepare(self, object: Any) -> list[Any]:
        """Start the form of ``object``: an empty list the caller fills, then passes to
        ``preserve``."""
        self._kept.append(object)
        # The placeholder stays in ``preserved`` until ``preserve``: if the object turns
        # out to contain itself, the placeholder becomes its reference form.
        self.preserved[id(object)] = []
        return []

    def preserve(self, object: Any, sexp: list[Any]) -> list[Any]:
        """Finish the form of ``object``; return what to put in the output."""
        key = id(object)
        if key in self.cooked:
            self.preserved[key][2] = sexp
            return self.preserved[key]
        self.preserved[key] = sexp
        return sexp

    def _checkMutable(self, obj: Any) -> list[Any] | None:
        key = id(obj)
        if key in self.preserved and key not in self.cooked:
            self._cook(obj)  # met a second time: its first form becomes a reference
        return self.cooked.get(key)

    def jelly(self, obj: Any) -> Any:
        if _isJellyable(obj):
            return self._checkMutable(obj) or obj.jellyFor(self)
        kind = type(obj)
        if kind in _SELF_FORMS:
            return obj
        immutable = _IMMUTABLE_FORMS.get(kind)
        if immutable is not None:
            return immutable(self, obj)
        if isinstance(obj, type):
            return [class_atom, qual(obj).encode("utf-8")]
        return self._checkMutable(obj) or self._jellyShared(obj, kind)

    def _jellyShared(self, obj: Any, kind: type) -> list[Any]:
        """The form of an object that may be met again (a container or an instance)."""
        form = self.prepare(obj)
        atom = _SEQUENCE_ATOMS.get(kind)
        if atom is not None:
            form.append(atom)
            form.extend(self.jelly(item) for item in obj)
        elif kind in DictTypes:
            form.append(dictionary_atom)
            form.extend([self.jelly(k), self.jelly(v)] for k, v in obj.items())
        else:
            stored = self.persistentStore(obj, self) if self.persistentStore else None
            if stored is not None:
                form += [persistent_atom, stored]
            elif not self.taster.isClassAllowed(obj.__class__):
                why = f"instance of class {qual(obj.__class__)} deemed insecure"
                self.unpersistable(why, form)
            else:
                getter = getattr(obj, "__getstate__", None)
                form.append(qual(obj.__class__).encode("utf-8"))
                form.append(self.jelly(obj.__dict__ if getter is None else getter()))
        return self.preserve(obj, form)

    def _jellyIterable(self, atom: bytes, obj: Any) -> Any:
        yield atom
        for item in obj:
            yield self.jelly(item)

    def jelly_decimal(self, d: decimal.Decimal) -> list[Any]:
        """``[b"decimal", signed digits, exponent]`` (the exponent is a letter for the
        infinities and NaNs)."""
        sign, guts, exponent = d.as_tuple()
        value = 0
        for digit in guts:
            value = value * 10 + digit
        if sign:
            value = -value
        return [b"decimal", value, exponent]

    def unpersistable(self, reason: str, sxp: list[Any] | None = None) -> list[Any]:
        """Mark ``sxp`` (a new list when omitted) as standing for something not sent."""
        if sxp is None:
            sxp = []
        sxp.append(unpersistable_atom)
        sxp.append(reason.encode("utf-8"))
        return sxp


# -- unjellying -----------------------------------------------------------------------


class _Unjellier:
    """One deserialization, checked against ``taster``."""

    def __init__(self, taster: Any, persistentLoad: Any, invoker: Any) -> None:
        self.taster = taster
        self.persistentLoad = persistentLoad
        self.references: dict[Any, Any] = {}
        self.postCallbacks: list[Callable[[], Any]] = []
        self.invoker = invoker

    def unjellyFull(self, obj: Any) -> Any:
        """Rebuild ``obj``, then run the ``postUnjelly`` hooks of what was rebuilt."""
        o = self.unjelly(obj)
        for m in self.postCallbacks:
            m()
        return o

    def _maybePostUnjelly(self, unjellied: Any) -> Any:
        post = getattr(unjellied, "postUnjelly", None)
        if post is not None:
            self.postCallbacks.append(post)
        return unjellied

    def unjelly(self, obj: Any) -> Any:
        if type(obj) is not list:
            return obj  # bytes, numbers: their own form
        tag = obj[0]
        if not self.taster.isTypeAllowed(tag):
            raise InsecureJelly(tag)
        registered = unjellyableRegistry.get(tag)
        if registered is None and _spelling.active:
            registered = unjellyableRegistry.get(_localTag(tag))
        if registered is not None:
            # A class rebuilds into a blank instance of itself; a function is the rebuilder.
            rebuild = (
                _createBlank(registered).unjellyFor if isinstance(registered, type) else registered
            )
            return self._maybePostUnjelly(rebuild(self, obj))
        factory = unjellyableFactoryRegistry.get(tag)
        if factory is None and _spelling.active:
            factory = unjellyableFactoryRegistry.get(_localTag(tag))
        if factory is not None:
            return self._maybePostUnjelly(factory(self.unjelly(obj[1])))
        jelTypeBytes = tag
        jelType = jelTypeBytes.decode("utf-8") if isinstance(jelTypeBytes, bytes) else jelTypeBytes
        thisMethod = getattr(self, f"_unjelly_{jelType}", None)
        if thisMethod is not None:
            return thisMethod(obj[1:])
        nameSplit = jelType.split(".")
        modName = ".".join(nameSplit[:-1])
        if not self.taster.isModuleAllowed(modName):
            raise InsecureJelly(f"Module {modName} not allowed (in type {jelType}).")
        clz = namedObject(jelType)
        if not self.taster.isClassAllowed(clz):
            raise InsecureJelly(f"Class {jelType} not allowed.")
        return self._genericUnjelly(clz, obj[1])

    def _genericUnjelly(self, cls: type, state: Any) -> Any:
        return self._maybePostUnjelly(_newInstance(cls, self.unjelly(state)))

    def _unjelly_None(self, exp: Any) -> None:
        return None

    def _unjelly_unicode(self, exp: Any) -> str:
        return exp[0].decode("utf-8")  # type: ignore[no-any-return]

    def _unjelly_decimal(self, exp: Any) -> decimal.Decimal:
        value, exponent = exp[0], exp[1]
        sign = 1 if value < 0 else 0
        digits = tuple(int(c) for c in str(abs(value)))
        return decimal.Decimal((sign, digits, exponent))

    def _unjelly_boolean(self, exp: Any) -> bool:
        assert exp[0] in (b"true", b"false")
        return bool(exp[0] == b"true")

    def _unjelly_datetime(self, exp: Any) -> datetime.datetime:
        y, mo, d, h, mi, s, us = (int(x) for x in exp[0].split())
        return datetime.datetime(y, mo, d, h, mi, s, us)

    def _unjelly_date(self, exp: Any) -> datetime.date:
        return datetime.date(*map(int, exp[0].split()))

    def _unjelly_time(self, exp: Any) -> datetime.time:
        h, m, s, us = (int(x) for x in exp[0].split())
        return datetime.time(h, m, s, us)

    def _unjelly_timedelta(self, exp: Any) -> datetime.timedelta:
        days, seconds, microseconds = map(int, exp[0].split())
        return datetime.timedelta(days=days, seconds=seconds, microseconds=microseconds)

    def unjellyInto(self, obj: Any, loc: Any, jel: Any) -> Any:
        """Rebuild ``jel`` into ``obj[loc]`` (now, or once it is known)."""
        o = self.unjelly(jel)
        if isinstance(o, NotKnown):
            o.addDependant(obj, loc)
        obj[loc] = o
        return o

    def _unjelly_dereference(self, lst: Any) -> Any:
        refid = lst[0]
        x = self.references.get(refid)
        if x is not None:
            if isinstance(x, NotKnown) and x.resolved:
                return x.resolvedObject
            return x
        der = _Dereference(refid)
        self.references[refid] = der
        return der

    def _unjelly_reference(self, lst: Any) -> Any:
        refid, form = lst[0], lst[1]
        value = self.unjelly(form)
        earlier = self.references.setdefault(refid, value)
        if earlier is not value:
            if not isinstance(earlier, NotKnown):
                raise InsecureJelly(f"Multiple references with the same ID: {refid!r}")
            # Met through a dereference before now: fill in where it was awaited.
            self.references[refid] = value
            earlier.resolveDependants(value)
        return value

    def _unjelly_tuple(self, lst: Any) -> Any:
        items = list(range(len(lst)))
        finished = 1
        for elem in range(len(lst)):
            if isinstance(self.unjellyInto(items, elem, lst[elem]), NotKnown):
                finished = 0
        if finished:
            return tuple(items)
        return _Tuple(items)

    def _unjelly_list(self, lst: Any) -> list[Any]:
        items = list(range(len(lst)))
        for elem in range(len(lst)):
            self.unjellyInto(items, elem, lst[elem])
        return items

    def _unjellySetOrFrozenset(self, lst: Any, containerType: Callable[[Any], Any]) -> Any:
        items = list(range(len(lst)))
        finished = True
        for elem in range(len(lst)):
            data = self.unjellyInto(items, elem, lst[elem])
            if isinstance(data, NotKnown):
                finished = False
        if not finished:
            return _Container(items, containerType)
        return containerType(items)

    def _unjelly_set(self, lst: Any) -> Any:
        return self._unjellySetOrFrozenset(lst, set)

    def _unjelly_frozenset(self, lst: Any) -> Any:
        return self._unjellySetOrFrozenset(lst, frozenset)

    def _unjelly_dictionary(self, lst: Any) -> dict[Any, Any]:
        d: dict[Any, Any] = {}
        for k, v in lst:
            kvd = _DictKeyAndValue(d)
            self.unjellyInto(kvd, 0, k)
            self.unjellyInto(kvd, 1, v)
        return d

    def _unjelly_module(self, rest: Any) -> types.ModuleType:
        moduleName = rest[0]
        if isinstance(moduleName, bytes):
            moduleName = moduleName.decode("utf-8")
        if type(moduleName) is not str:
            raise InsecureJelly("Attempted to unjelly a module with a non-string name.")
        if not self.taster.isModuleAllowed(moduleName):
            raise InsecureJelly(f"Attempted to unjelly module named {moduleName!r}")
        return __import__(moduleName, {}, {}, "x")

    def _unjelly_class(self, rest: Any) -> type:
        cname = rest[0].decode("utf-8") if isinstance(rest[0], bytes) else rest[0]
        modName = ".".join(cname.split(".")[:-1])
        if not self.taster.isModuleAllowed(modName):
            raise InsecureJelly(f"module {modName} not allowed")
        klaus = namedObject(cname)
        if not isinstance(klaus, type):
            raise InsecureJelly(
                f"class {cname!r} unjellied to something that isn't a class: {klaus!r}"
            )
        if not self.taster.isClassAllowed(klaus):
            raise InsecureJelly(f"class not allowed: {qual(klaus)}")
        return klaus

    def _unjelly_function(self, rest: Any) -> Any:
        fname = rest[0].decode("utf-8") if isinstance(rest[0], bytes) else rest[0]
        modName = ".".join(fname.split(".")[:-1])
        if not self.taster.isModuleAllowed(modName):
            raise InsecureJelly(f"Module not allowed: {modName}")
        return namedAny(fname)

    def _unjelly_persistent(self, rest: Any) -> Any:
        if self.persistentLoad:
            pload = self.persistentLoad(rest[0], self)
            return pload
        return Unpersistable("Persistent callback not found")

    def _unjelly_instance(self, rest: Any) -> Any:
        # The form of Python 2's old-style instances: [b"instance", class form, state].
        warnings.warn(
            "Unjelly support for the instance atom is deprecated since Twisted 15.0.0.  "
            "Upgrade peer for modern instance support.",
            category=DeprecationWarning,
            stacklevel=2,
        )
        clz = self.unjelly(rest[0])
        return self._genericUnjelly(clz, rest[1])

    def _unjelly_unpersistable(self, rest: Any) -> Unpersistable:
        return Unpersistable(f"Unpersistable data: {rest[0]}")

    def _unjelly_method(self, rest: Any) -> Any:
        im_name = rest[0]
        if isinstance(im_name, bytes):
            im_name = im_name.decode("utf-8")
        im_self = self.unjelly(rest[1])
        im_class = self.unjelly(rest[2])
        if not isinstance(im_class, type):
            raise InsecureJelly("Method found with non-class class.")
        if im_name in im_class.__dict__ or hasattr(im_class, im_name):
            if im_self is None:
                return getattr(im_class, im_name)
            if isinstance(im_self, NotKnown):
                return _InstanceMethod(im_name, im_self, im_class)
            return types.MethodType(getattr(im_class, im_name), im_self)
        raise TypeError("instance method changed")


# -- security -------------------------------------------------------------------------


def _asBytes(name: Any) -> bytes:
    if isinstance(name, bytes):
        return name
    if isinstance(name, str):
        return name.encode("utf-8")
    if isinstance(name, types.ModuleType):
        return _spelling.spelled(name.__name__).encode("utf-8")
    return qual(name).encode("utf-8")


class DummySecurityOptions:
    """Security options that allow everything."""

    def isModuleAllowed(self, moduleName: Any) -> int:
        """Always 1."""
        return 1

    def isClassAllowed(self, klass: Any) -> int:
        """Always 1."""
        return 1

    def isTypeAllowed(self, typeName: Any) -> int:
        """Always 1."""
        return 1


class SecurityOptions:
    """What unjelly accepts: nothing but the plain values until told more."""

    # Containers and references, then the rest (the last three are Python 2 names).
    basicTypes = ["dictionary", "list", "tuple", "reference", "dereference"]
    basicTypes += ["unpersistable", "persistent", "long_int", "long", "dict"]

    def __init__(self) -> None:
        # The forms that need no class, module or container: always allowed.
        plain = b"None bool boolean string str int float datetime time date timedelta"
        self.allowedTypes: dict[bytes, int] = dict.fromkeys(
            plain.split() + b"NoneType unicode decimal set frozenset".split(), 1
        )
        self.allowedModules: dict[bytes, int] = {}
        self.allowedClasses: dict[Any, int] = {}

    def allowBasicTypes(self) -> None:
        """Allow the containers, references and the persistent and unpersistable forms."""
        self.allowTypes(*self.basicTypes)

    def allowTypes(self, *types: Any) -> None:
        """Allow the forms named (strings, bytes, or classes by their qualified name)."""
        for typ in types:
            self.allowedTypes[_asBytes(typ)] = 1

    def allowInstancesOf(self, *classes: type) -> None:
        """Allow instances of ``classes`` (and with them the basic types, classes and their
        modules)."""
        self.allowBasicTypes()
        self.allowTypes("instance", "class", "classobj", "module", *map(qual, classes))
        self.allowModules(*{_spelling.spelled(klass.__module__) for klass in classes})
        self.allowedClasses.update(dict.fromkeys(classes, 1))

    def allowModules(self, *modules: Any) -> None:
        """Allow modules, by object or name (and the module form with them)."""
        for module in modules:
            self.allowedModules[_asBytes(module)] = 1

    def isModuleAllowed(self, moduleName: Any) -> int:
        """Whether the module named ``moduleName`` may be rebuilt."""
        return int(_asBytes(moduleName) in self.allowedModules)

    def isClassAllowed(self, klass: Any) -> int:
        """Whether instances of ``klass`` may be sent or rebuilt."""
        return int(klass in self.allowedClasses)

    def isTypeAllowed(self, typeName: Any) -> int:
        """Whether the form ``typeName`` may be rebuilt (a dotted name passes here and is
        checked as a module and a class)."""
        name = _asBytes(typeName)
        return int(name in self.allowedTypes or b"." in name)


deprecatedModuleAttribute(
    Version("Twisted", 15, 0, 0),
    "instance_atom is unused within Twisted.",
    __name__,
    "instance_atom",
)

_DUMMY_SECURITY = DummySecurityOptions()

globalSecurity = SecurityOptions()
globalSecurity.allowBasicTypes()


def jelly(
    object: Any,
    taster: Any = _DUMMY_SECURITY,
    persistentStore: Any = None,
    invoker: Any = None,
) -> Any:
    """Serialize ``object`` to an s-expression.

    ``taster`` (a ``SecurityOptions``) turns instances of classes it does not allow into
    ``unpersistable`` forms; ``persistentStore(obj, jellier)``, when it returns other than
    None, replaces an instance by ``[b"persistent", result]``.
    """
    return _Jellier(taster, persistentStore, invoker).jelly(object)


def unjelly(
    sexp: Any,
    taster: Any = _DUMMY_SECURITY,
    persistentLoad: Any = None,
    invoker: Any = None,
) -> Any:
    """Rebuild an object from an s-expression ``jelly`` made.

    With a ``SecurityOptions`` as ``taster``, ``InsecureJelly`` is raised for any type,
    module or class it does not allow.
    """
    return _Unjellier(taster, persistentLoad, invoker).unjellyFull(sexp)
