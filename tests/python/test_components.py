"""Adaptation (``IFoo(obj)``) and twistio.python.components, including zope.interface interplay.

Twisted's behaviour on the same scenarios: tests/differential/test_components_differential.py.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any, Protocol

import pytest

from twistio.internet import reactor
from twistio.internet.interfaces import (
    Interface,
    IReactorTime,
    implementer,
    zope_interface_for,
)
from twistio.python import components


class IThing(Interface, Protocol):
    def thing(self) -> str: ...


class ISpecialThing(IThing, Protocol):
    def special(self) -> str: ...


class Plain:
    pass


class ThingAdapter(components.Adapter):
    def thing(self) -> str:
        return "adapted"


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> components.AdapterRegistry:
    fresh = components.AdapterRegistry()
    monkeypatch.setattr(components, "globalRegistry", fresh)
    return fresh


def test_calling_an_interface_adapts() -> None:
    assert IReactorTime(reactor) is reactor
    with pytest.raises(TypeError) as info:
        IReactorTime(3)
    assert info.value.args == ("Could not adapt", 3, IReactorTime)
    assert IReactorTime(3, None) is None
    assert IReactorTime(3, alternate="x") == "x"
    assert components.CannotAdapt is TypeError


def test_registered_adapter(registry: components.AdapterRegistry) -> None:
    components.registerAdapter(ThingAdapter, Plain, IThing)
    obj = Plain()
    adapted = IThing(obj)
    assert isinstance(adapted, ThingAdapter) and adapted.original is obj
    assert components.getAdapterFactory(Plain, IThing, None) is ThingAdapter
    assert components.getAdapterFactory(Plain, ISpecialThing, "none") == "none"
    with pytest.raises(ValueError, match="already registered"):
        components.registerAdapter(ThingAdapter, Plain, IThing)
    with pytest.raises(AssertionError, match="You need to pass an Interface"):
        components.registerAdapter(ThingAdapter, Plain)


def test_subinterface_declarations_provide_the_base(registry: Any) -> None:
    @implementer(ISpecialThing)
    class Special:
        pass

    special = Special()
    assert IThing.providedBy(special) and IThing(special) is special
    assert IThing.implementedBy(Special)


def test_concrete_subclass_of_an_interface_still_instantiates() -> None:
    class Concrete(IThing):
        def thing(self) -> str:
            return "made"

    assert Concrete().thing() == "made"


def test_conform_comes_first(registry: Any) -> None:
    class Conforming:
        def __conform__(self, iface: Any) -> Any:
            return ("conformed", iface)

    assert IThing(Conforming()) == ("conformed", IThing)


def test_componentized(registry: Any) -> None:
    @implementer(IThing)
    class Cached(components.Adapter):
        def thing(self) -> str:
            return "cached"

    class Holder(components.Componentized):
        pass

    components.registerAdapter(Cached, Holder, IThing)
    holder = Holder()
    first = IThing(holder)
    assert IThing(holder) is first and first.original is holder
    assert holder.removeComponent(first) == [IThing]
    holder.setComponent(ISpecialThing, "value")
    assert ISpecialThing(holder) == "value"
    reprable = components.ReprableComponentized()
    reprable.setComponent(IThing, "c")
    assert repr(reprable) == repr({f"{__name__}.IThing": "c"})


def test_proxy_for_interface() -> None:
    @implementer(ISpecialThing)
    class Real:
        def thing(self) -> str:
            return "thing"

        def special(self) -> str:
            return "special"

        def hidden(self) -> str:
            return "hidden"

    Proxy = components.proxyForInterface(ISpecialThing)
    proxy = Proxy(Real())
    assert (proxy.thing(), proxy.special()) == ("thing", "special")
    assert not hasattr(proxy, "hidden")
    assert ISpecialThing.providedBy(proxy)
    assert Proxy.__name__ == f"(Proxy for {__name__}.ISpecialThing)"


def test_zope_interfaces_and_registries(registry: Any) -> None:
    zope = pytest.importorskip("zope.interface")
    from zope.interface.adapter import AdapterRegistry
    from zope.interface.interface import adapter_hooks

    class IZope(zope.Interface):
        pass

    class Adapted:
        def __init__(self, original: Any) -> None:
            self.original = original

    # A zope interface registered here is adapted by zope's own __call__.
    components.registerAdapter(Adapted, Plain, IZope)
    assert isinstance(IZope(Plain()), Adapted)

    # An object declaring a zope interface adapts to a twistio one.
    @zope.implementer(IZope)
    class Declares:
        pass

    components.registerAdapter(Adapted, IZope, IThing)
    assert isinstance(IThing(Declares()), Adapted)

    # Adapters in zope's registries (through their hooks) serve twistio interfaces.
    zope_registry = AdapterRegistry()

    class Elsewhere:
        pass

    zope_registry.register([zope.implementedBy(Elsewhere)], zope_interface_for(IThing), "", Adapted)

    def hook(provided: Any, obj: Any) -> Any:
        factory = zope_registry.lookup1(zope.providedBy(obj), provided, "")
        return None if factory is None else factory(obj)

    adapter_hooks.append(hook)
    try:
        assert isinstance(IThing(Elsewhere()), Adapted)
    finally:
        adapter_hooks.remove(hook)


def test_adaptation_without_zope_interface() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["zope"] = None
        from typing import Protocol
        from twistio.internet.interfaces import Interface, implementer
        from twistio.python import components

        class IA(Interface, Protocol): pass
        class IB(IA, Protocol): pass
        class X: pass
        components.registerAdapter(lambda o: ("adapted", type(o).__name__), X, IB)
        @implementer(IB)
        class Y: pass
        y = Y()
        print(IA(X()), IA(y) is y, IA(3, "alt"))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "('adapted', 'X') True alt", done.stderr
