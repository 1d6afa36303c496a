"""Adapters and components (``twisted.python.components``).

``registerAdapter(factory, ClassOrInterface, IFoo)`` makes ``IFoo(obj)`` return
``factory(obj)`` for objects of that class (or providing that interface). It works for
twistio's interfaces, with or without zope.interface installed, and for real zope
interfaces: when zope.interface is present, a hook in its ``adapter_hooks`` lets
``IZopeThing(obj)`` find adapters registered here, and calling a twistio interface consults
zope's other hooks (``zope.component``'s registry, for one) after this registry.

The registry is twistio's own (``globalRegistry``, an ``AdapterRegistry`` with the zope
methods code uses: ``register``, ``registered``, ``lookup``, ``lookup1``); Twisted's is
zope's ``AdapterRegistry``. Lookup follows zope's order: the object's directly provided
interfaces, then its class and the interfaces it declares, then the bases; for each, an
adapter to the interface asked for, else one to an interface extending it.
"""

from __future__ import annotations

import inspect
import pprint
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from twistio.internet.interfaces import implementer, is_twistio_interface, zope_interface_for
from twistio.python.reflect import namedAny, qual

__all__ = [
    "Adapter",
    "Componentized",
    "ReprableComponentized",
    "getAdapterFactory",
    "getRegistry",
    "proxyForInterface",
    "registerAdapter",
]

#: Whether ``registerAdapter`` may replace an adapter already registered.
ALLOW_DUPLICATES = 0

#: What adaptation raises when nothing adapts (the same class as zope's).
CannotAdapt = TypeError

_MISSING: Any = object()


try:
    import zope.interface as _zope_interface
    from zope.interface.interface import InterfaceClass as _ZopeInterfaceClass
    from zope.interface.interface import adapter_hooks as _zope_adapter_hooks
except ImportError:
    _zope_interface = None
    _ZopeInterfaceClass = None
    _zope_adapter_hooks = None


def _zope() -> Any:
    """The ``zope.interface`` package if it is installed, else None."""
    return _zope_interface


_is_twistio_interface = is_twistio_interface


def _is_zope_interface(obj: object) -> bool:
    return _ZopeInterfaceClass is not None and isinstance(obj, _ZopeInterfaceClass)


def _is_interface(obj: object) -> bool:
    return _is_twistio_interface(obj) or _is_zope_interface(obj)


def _twistio_for(spec: Any) -> Any:
    """The twistio interface a zope stand-in interface stands for, or ``spec`` itself."""
    query = getattr(spec, "queryTaggedValue", None)
    if query is not None:
        ours = query("twistio.interface")
        if ours is not None:
            return ours
    return spec


def _interface_bases(iface: Any) -> list[Any]:
    """``iface`` and the interfaces it extends, most specific first."""
    if _is_twistio_interface(iface):
        return [base for base in iface.__mro__ if _is_twistio_interface(base)]
    sro = getattr(iface, "__iro__", None)
    return list(sro) if sro is not None else [iface]


def _extends(candidate: Any, target: Any) -> bool:
    """Whether interface ``candidate`` is or extends ``target``."""
    if candidate is target:
        return True
    if _is_twistio_interface(candidate):
        return target in candidate.__mro__
    is_or_extends = getattr(candidate, "isOrExtends", None)
    return bool(is_or_extends(target)) if is_or_extends is not None else False


def _class_order(klass: type) -> list[Any]:
    """A class, the interfaces it declares, then the same for its bases."""
    order: list[Any] = []
    for base in klass.__mro__:
        order.append(base)
        for iface in base.__dict__.get("__twistio_implements__", ()):
            order.extend(_interface_bases(iface))
    return order


def _dedupe(items: Iterable[Any]) -> list[Any]:
    seen: set[int] = set()
    result = []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            result.append(item)
    return result


def _resolution_order(obj: object) -> list[Any]:
    """What adapters for ``obj`` may be registered against, most specific first."""
    order: list[Any] = []
    for iface in getattr(obj, "__twistio_provides__", ()):
        order.extend(_interface_bases(iface))
    zope = _zope()
    if zope is not None:
        try:
            sro = zope.providedBy(obj).__sro__
        except Exception:
            sro = ()
        for spec in sro:
            inherit = getattr(spec, "inherit", None)
            if isinstance(inherit, type):
                order.extend(_class_order(inherit)[:1])
                order.extend(
                    _interface_bases(iface)[0]
                    for iface in inherit.__dict__.get("__twistio_implements__", ())
                )
            elif spec is not zope.Interface:
                order.append(_twistio_for(spec))
        order.extend(_class_order(type(obj)))
    else:
        order.extend(_class_order(type(obj)))
    return _dedupe(order)


def _spec_order(spec: Any) -> list[Any]:
    """The resolution order of a registration key (a class, an interface, a zope spec)."""
    if isinstance(spec, type) and not _is_interface(spec):
        return _dedupe(_class_order(spec))
    inherit = getattr(spec, "inherit", None)
    if isinstance(inherit, type):
        return _dedupe(_class_order(inherit))
    return _interface_bases(_twistio_for(spec))


def _key(spec: Any) -> Any:
    """What a registration is stored under: the class for zope's ``implementedBy(cls)``."""
    inherit = getattr(spec, "inherit", None)
    if isinstance(inherit, type):
        return inherit
    return _twistio_for(spec)


class AdapterRegistry:
    """Adapter factories by (what they adapt, the interface they provide, a name)."""

    def __init__(self) -> None:
        self._adapters: dict[Any, dict[tuple[Any, str], Any]] = {}

    def register(self, required: Sequence[Any], provided: Any, name: str, value: Any) -> None:
        """Register ``value`` (None unregisters) adapting ``required[0]`` to ``provided``."""
        (origin,) = required
        table = self._adapters.setdefault(_key(origin), {})
        if value is None:
            table.pop((_key(provided), name), None)
        else:
            table[(_key(provided), name)] = value

    def registered(self, required: Sequence[Any], provided: Any, name: str = "") -> Any:
        """The factory registered for exactly this origin and interface, or None."""
        (origin,) = required
        return self._adapters.get(_key(origin), {}).get((_key(provided), name))

    def _find(self, order: Iterable[Any], provided: Any, name: str) -> Any:
        target = _key(provided)
        for spec in order:
            table = self._adapters.get(spec)
            if not table:
                continue
            exact = table.get((target, name))
            if exact is not None:
                return exact
            for (candidate, candidate_name), factory in table.items():
                if candidate_name == name and _extends(candidate, target):
                    return factory
        return None

    def lookup1(self, required: Any, provided: Any, name: str = "", default: Any = None) -> Any:
        """The factory adapting ``required`` (a class, interface or spec) to ``provided``."""
        found = self._find(_spec_order(required), provided, name)
        return default if found is None else found

    def lookup(
        self, required: Sequence[Any], provided: Any, name: str = "", default: Any = None
    ) -> Any:
        """``lookup1`` for a one-element ``required`` list."""
        (origin,) = required
        return self.lookup1(origin, provided, name, default)

    def adapterFor(self, obj: object, provided: Any, name: str = "") -> Any:
        """The factory that would adapt the object ``obj`` to ``provided``, or None."""
        return self._find(_resolution_order(obj), provided, name)


globalRegistry = AdapterRegistry()


def getRegistry() -> AdapterRegistry:
    """The registry ``registerAdapter`` and adaptation use."""
    return globalRegistry


def _zope_spec(spec: Any) -> Any:
    """What a zope ``AdapterRegistry`` keys ``spec`` by: zope's ``implementedBy`` of a class,
    the zope stand-in of a twistio interface, a zope interface or spec itself."""
    if _is_twistio_interface(spec):
        return zope_interface_for(spec)
    if isinstance(spec, type) and not _is_interface(spec) and _zope_interface is not None:
        return _zope_interface.implementedBy(spec)
    return spec


def _foreign(registry: Any) -> bool:
    """Whether ``registry`` is not twistio's (a zope ``AdapterRegistry`` put in
    ``globalRegistry``, as Twisted's own tests do for isolation)."""
    return not isinstance(registry, AdapterRegistry)


def registerAdapter(adapterFactory: Any, origInterface: Any, *interfaceClasses: Any) -> None:
    """Make ``iface(obj)`` call ``adapterFactory(obj)`` for each interface given, when ``obj``
    is an instance of the class ``origInterface`` (or provides that interface).

    ``ValueError`` if an adapter is already registered for the pair (unless
    ``ALLOW_DUPLICATES``).
    """
    registry = getRegistry()
    key = _zope_spec if _foreign(registry) else (lambda spec: spec)
    if not interfaceClasses:
        raise AssertionError("You need to pass an Interface")
    for interfaceClass in interfaceClasses:
        if not _is_interface(interfaceClass):
            raise TypeError(f"{interfaceClass!r} is not an interface")
        existing = registry.registered([key(origInterface)], key(interfaceClass))
        if existing is not None and not ALLOW_DUPLICATES:
            raise ValueError(f"an adapter ({existing}) was already registered.")
    for interfaceClass in interfaceClasses:
        registry.register([key(origInterface)], key(interfaceClass), "", adapterFactory)


def getAdapterFactory(fromInterface: Any, toInterface: Any, default: Any) -> Any:
    """The factory registered to adapt ``fromInterface`` (a class or interface) to
    ``toInterface``, or ``default``."""
    registry = getRegistry()
    if _foreign(registry):
        return registry.lookup1(_zope_spec(fromInterface), _zope_spec(toInterface), "", default)
    return registry.lookup1(fromInterface, toInterface, "", default)


def _adapt_by_registry(iface: Any, obj: object) -> Any:
    registry = getRegistry()
    if _foreign(registry):
        if _zope_interface is None:
            return None
        factory = registry.lookup1(_zope_interface.providedBy(obj), _zope_spec(iface))
    else:
        factory = registry.adapterFor(obj, iface)
    return None if factory is None else factory(obj)


def _zope_hook(iface: Any, obj: object) -> Any:
    """zope.interface adapter hook: adapters registered here serve zope interfaces too."""
    return _adapt_by_registry(_twistio_for(iface), obj)


def _install_zope_hook() -> None:
    if _zope_adapter_hooks is not None and _zope_hook not in _zope_adapter_hooks:
        _zope_adapter_hooks.append(_zope_hook)


_install_zope_hook()


def _addHook(registry: Any) -> Callable[[Any, object], Any]:
    """Let the zope ``AdapterRegistry`` ``registry`` adapt too, until ``_removeHook``.

    Private in Twisted, but libraries use it (tubes activates registries this way); it needs
    zope.interface, as the registry is zope's. The hook it installs is returned.
    """
    if _zope_interface is None or _zope_adapter_hooks is None:
        raise ImportError("twisted.python.components._addHook needs zope.interface")
    provided_by = _zope_interface.providedBy

    def hook(iface: Any, obj: object) -> Any:
        factory = registry.lookup1(provided_by(obj), iface)
        return None if factory is None else factory(obj)

    _zope_adapter_hooks.append(hook)
    return hook


def _removeHook(hook: Callable[[Any, object], Any]) -> None:
    """Undo ``_addHook``."""
    if _zope_adapter_hooks is not None:
        _zope_adapter_hooks.remove(hook)


def adaptTo(iface: Any, obj: object) -> Any:
    """``iface.__adapt__(obj)`` for a twistio interface: ``obj`` itself if it provides
    ``iface``, else a registered adapter's result, else one from zope's other adapter hooks;
    None when nothing adapts."""
    if iface.providedBy(obj):
        return obj
    adapted = _adapt_by_registry(iface, obj)
    if adapted is not None:
        return adapted
    if _zope_adapter_hooks is not None:
        shadow = zope_interface_for(iface)
        if shadow is not None:
            for hook in list(_zope_adapter_hooks):
                if hook is _zope_hook:
                    continue
                adapted = hook(shadow, obj)
                if adapted is not None:
                    return adapted
    return None


def adapt(iface: Any, obj: object, alternate: Any = _MISSING) -> Any:
    """``iface(obj[, alternate])`` for a twistio interface, with zope's semantics.

    ``obj.__conform__(iface)`` first, then ``adaptTo``; ``alternate`` when nothing adapts,
    ``TypeError('Could not adapt', obj, iface)`` without one.
    """
    if not isinstance(obj, type):
        conform = getattr(obj, "__conform__", None)
        if conform is not None:
            adapted = conform(iface)
            if adapted is not None:
                return adapted
    adapted = adaptTo(iface, obj)
    if adapted is not None:
        return adapted
    if alternate is not _MISSING:
        return alternate
    raise TypeError("Could not adapt", obj, iface)


def _provided_interfaces(component: object) -> list[Any]:
    """The interfaces ``component`` declares (not their bases)."""
    found: list[Any] = list(getattr(component, "__twistio_provides__", ()))
    for klass in type(component).__mro__:
        found.extend(klass.__dict__.get("__twistio_implements__", ()))
    zope = _zope()
    if zope is not None:
        found.extend(_twistio_for(spec) for spec in zope.providedBy(component))
    return _dedupe(found)


class Componentized:
    """An object made of components, one per interface: ``IFoo(obj)`` finds obj's IFoo
    component, first creating it with the adapter registered for obj's class if needed."""

    persistenceVersion = 1

    def __init__(self) -> None:
        self._adapterCache: dict[str, Any] = {}

    def _remember(self, interface: Any, component: Any) -> None:
        key = qual(interface)
        self._adapterCache[key] = component
        self.__dict__.setdefault("_twistio_interfaces", {})[key] = interface

    def locateAdapterClass(self, klass: type, interfaceClass: Any, default: Any) -> Any:
        """The adapter factory registered from ``klass`` to ``interfaceClass``."""
        return getAdapterFactory(klass, interfaceClass, default)

    def setAdapter(self, interfaceClass: Any, adapterClass: Callable[[Any], Any]) -> None:
        """Make ``adapterClass(self)`` my component for ``interfaceClass``."""
        self.setComponent(interfaceClass, adapterClass(self))

    def addAdapter(self, adapterClass: Callable[[Any], Any], ignoreClass: int = 0) -> None:
        """``addComponent(adapterClass(self), ignoreClass)``."""
        self.addComponent(adapterClass(self), ignoreClass)

    def setComponent(self, interfaceClass: Any, component: Any) -> None:
        """Make ``component`` my component for ``interfaceClass``."""
        self._remember(interfaceClass, component)

    def addComponent(self, component: Any, ignoreClass: int = 0) -> None:
        """Make ``component`` my component for the interfaces it declares: all of them with
        ``ignoreClass``, otherwise those for which its class is my class's registered
        adapter."""
        for iface in _provided_interfaces(component):
            if ignoreClass or (
                self.locateAdapterClass(self.__class__, iface, None) == component.__class__
            ):
                self._remember(iface, component)

    def unsetComponent(self, interfaceClass: Any) -> None:
        """Forget my component for ``interfaceClass``."""
        del self._adapterCache[qual(interfaceClass)]

    def removeComponent(self, component: Any) -> list[Any]:
        """Forget ``component`` under every interface; the interfaces it was removed from."""
        known = self.__dict__.get("_twistio_interfaces", {})
        removed = []
        for key in [k for k, value in self._adapterCache.items() if value is component]:
            del self._adapterCache[key]
            removed.append(known[key] if key in known else namedAny(key))
        return removed

    def getComponent(self, interface: Any, default: Any = None) -> Any:
        """My component for ``interface``, made by its adapter (and kept, unless it is a
        ``temporaryAdapter``) on first use; ``default`` when there is none."""
        key = qual(interface)
        if key in self._adapterCache:
            return self._adapterCache[key]
        adapter = interface.__adapt__(self)
        if adapter is not None and not getattr(adapter, "temporaryAdapter", False):
            self._remember(interface, adapter)
            if getattr(adapter, "multiComponent", False):
                self.addComponent(adapter)
        return default if adapter is None else adapter

    def __conform__(self, interface: Any) -> Any:
        return self.getComponent(interface)


class ReprableComponentized(Componentized):
    """A ``Componentized`` whose repr lists its components."""

    def __repr__(self) -> str:
        return pprint.pformat(self._adapterCache)


class Adapter:
    """Base class for adapters: keeps the adapted object as ``original``."""

    temporaryAdapter = 0
    multiComponent = 1

    def __init__(self, original: Any) -> None:
        self.original = original

    def __conform__(self, interface: Any) -> Any:
        conform = getattr(self.original, "__conform__", None)
        return None if conform is None else conform(interface)

    def isuper(self, iface: Any, adapter: Any) -> Any:
        """Forwarded to the original object."""
        return self.original.isuper(iface, adapter)


def _interface_names(iface: Any) -> list[str]:
    """The public attribute and method names an interface (and its bases) declares."""
    if not _is_twistio_interface(iface):
        return list(iface.names(all=True))
    names: list[str] = []
    for base in _interface_bases(iface):
        for name in (*inspect.get_annotations(base), *vars(base)):
            if not name.startswith("_") and name not in names:
                names.append(name)
    return names


class _ProxiedClassMethod:
    """What a proxy class's method looks like on the class: calls the original's method."""

    def __init__(self, methodName: str, originalAttribute: str) -> None:
        self.methodName = self.__name__ = methodName
        self.originalAttribute = originalAttribute

    def __call__(self, oself: Any, *args: Any, **kw: Any) -> Any:
        original = getattr(oself, self.originalAttribute)
        return getattr(original, self.methodName)(*args, **kw)


class _ProxyDescriptor:
    """An attribute of a proxy class read, set and deleted on the original object."""

    def __init__(self, attributeName: str, originalAttribute: str) -> None:
        self.attributeName = attributeName
        self.originalAttribute = originalAttribute

    def __get__(self, oself: Any, type: Any = None) -> Any:
        if oself is None:
            return _ProxiedClassMethod(self.attributeName, self.originalAttribute)
        return getattr(getattr(oself, self.originalAttribute), self.attributeName)

    def __set__(self, oself: Any, value: Any) -> None:
        setattr(getattr(oself, self.originalAttribute), self.attributeName, value)

    def __delete__(self, oself: Any) -> None:
        delattr(getattr(oself, self.originalAttribute), self.attributeName)


def proxyForInterface(iface: Any, originalAttribute: str = "original") -> type:
    """A class whose instances wrap an object (``Proxy(obj)``, kept as ``originalAttribute``)
    and provide ``iface`` by forwarding its every attribute and method to it.

    Subclass it to override some of them.
    """

    def __init__(self: Any, original: Any) -> None:
        setattr(self, originalAttribute, original)

    namespace: dict[str, Any] = {"__init__": __init__, "__module__": __name__}
    for name in _interface_names(iface):
        namespace[name] = _ProxyDescriptor(name, originalAttribute)
    proxy = type(f"(Proxy for {qual(iface)})", (object,), namespace)
    return implementer(iface)(proxy)
