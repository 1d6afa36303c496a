"""Adaptation scenarios, run as a script: ``python _adaptation_scenarios.py twisted|twistio [nozope]``.

Prints one line per scenario; tests/differential/test_components_differential.py runs it in
fresh processes (registrations are global) and compares Twisted's lines with twistio's, with
and without zope.interface.
"""
# ruff: noqa
import sys, importlib
pkg = sys.argv[1]
if len(sys.argv) > 2 and sys.argv[2] == 'nozope':
    sys.modules['zope'] = None
c = importlib.import_module(pkg + '.python.components')
if pkg == 'twisted':
    from zope.interface import Interface, implementer, alsoProvides
    def provide(o, i): alsoProvides(o, i)
else:
    from typing import Protocol
    from twistio.internet.interfaces import Interface as _I, implementer
    def provide(o, i): o.__twistio_provides__ = (*getattr(o, '__twistio_provides__', ()), i)
    class Interface(_I, Protocol): pass
out = []
def rec(label, f):
    try: r = f()
    except Exception as e: r = ('EXC', type(e).__name__, str(e.args[0]) if e.args else '')
    if isinstance(r, type): r = r.__name__
    elif not isinstance(r, (str, tuple, bool, type(None), int)): r = type(r).__name__
    out.append((label, r))
from typing import Protocol
if pkg == 'twisted':
    class IFoo(Interface):
        def foo(): pass
    class IBar(IFoo):
        def bar(): pass
    class IOther(Interface): pass
    class IBaz(Interface): pass
else:
    class IFoo(Interface, Protocol):
        def foo(self): ...
    class IBar(IFoo, Protocol):
        def bar(self): ...
    class IOther(Interface, Protocol): pass
    class IBaz(Interface, Protocol): pass
class A: pass
class B(A): pass
def mk(name):
    return type(name, (), {'__init__': lambda self, o: setattr(self, 'o', o)})
AtoBar, BtoFoo, OtherToFoo, DtoFoo, IntFoo, NoneF = [mk(n) for n in ['AtoBar','BtoFoo','OtherToFoo','DtoFoo','IntFoo','NoneF']]
c.registerAdapter(AtoBar, A, IBar)
rec('IFoo(A()) via extendor', lambda: IFoo(A(), None))
rec('IBar(A())', lambda: IBar(A()))
c.registerAdapter(BtoFoo, B, IFoo)
rec('IFoo(B())', lambda: IFoo(B()))
rec('IBar(B())', lambda: IBar(B()))
@implementer(IOther)
class C: pass
c.registerAdapter(OtherToFoo, IOther, IFoo)
rec('IFoo(C())', lambda: IFoo(C()))
class D(C): pass
rec('IFoo(D())', lambda: IFoo(D()))
c.registerAdapter(DtoFoo, D, IFoo)
rec('IFoo(D()) after', lambda: IFoo(D()))
x = A(); provide(x, IOther)
rec('IFoo(x provides IOther)', lambda: IFoo(x))
@implementer(IBar)
class E(A): pass
e = E()
rec('IFoo(E) is e', lambda: IFoo(e) is e)
rec('IBar(E) is e', lambda: IBar(e) is e)
rec('IFoo.providedBy(e)', lambda: IFoo.providedBy(e))
class F:
    def __conform__(self, iface): return 'conformed'
rec('conform', lambda: IFoo(F()))
class G:
    def __conform__(self, iface): return None
rec('conform None', lambda: IFoo(G(), 'alt'))
rec('dup', lambda: c.registerAdapter(BtoFoo, B, IFoo))
rec('dup msg other factory', lambda: c.registerAdapter(DtoFoo, B, IFoo))
c.ALLOW_DUPLICATES = 1
c.registerAdapter(DtoFoo, B, IFoo)
rec('dup allowed', lambda: IFoo(B()))
c.ALLOW_DUPLICATES = 0
c.registerAdapter(IntFoo, int, IFoo)
rec('IFoo(3)', lambda: IFoo(3))
rec('IFoo(True)', lambda: IFoo(True))
rec('IFoo(A) class object', lambda: IFoo(A))
rec('no iface', lambda: c.registerAdapter(BtoFoo, A))
rec('gaf B IFoo', lambda: c.getAdapterFactory(B, IFoo, None))
rec('gaf IOther IFoo', lambda: c.getAdapterFactory(IOther, IFoo, None))
rec('gaf D IFoo', lambda: c.getAdapterFactory(D, IFoo, None))
rec('gaf A IFoo', lambda: c.getAdapterFactory(A, IFoo, 'none'))
rec('gaf A IBar', lambda: c.getAdapterFactory(A, IBar, None))
rec('gaf IFoo IFoo', lambda: c.getAdapterFactory(IFoo, IFoo, 'x'))
rec('gaf E IFoo', lambda: c.getAdapterFactory(E, IFoo, None))
class H: pass
c.registerAdapter(NoneF, H, IBaz)
c.registerAdapter(lambda o: None, H, IOther)
rec('factory None', lambda: IOther(H(), 'alt'))
rec('not adaptable', lambda: IBaz(object(), 'alt'))
rec('not adaptable raise', lambda: IBaz(object()))
class J: pass
c.registerAdapter(BtoFoo, J, IFoo, IBaz)
rec('multi ifaces', lambda: (type(IFoo(J())).__name__, type(IBaz(J())).__name__))
# Componentized
@implementer(IBar)
class BarImpl:
    def __init__(self, orig=None): self.orig = orig
comp = c.Componentized(); b = BarImpl()
comp.setComponent(IFoo, b)
rec('comp get', lambda: comp.getComponent(IFoo) is b)
rec('comp adapt', lambda: IFoo(comp) is b)
rec('comp IBar', lambda: comp.getComponent(IBar))
rec('comp IBaz alt', lambda: IBaz(comp, 'none'))
rec('comp keys', lambda: tuple(sorted(k.split('.')[-1] for k in comp._adapterCache)))
comp2 = c.Componentized()
comp2.addComponent(b); rec('addComponent keys', lambda: tuple(sorted(comp2._adapterCache)))
comp2.addComponent(b, ignoreClass=1); rec('addComponent ignore keys', lambda: tuple(sorted(k.split('.')[-1] for k in comp2._adapterCache)))
rec('removeComponent', lambda: tuple(k.__name__ for k in comp2.removeComponent(b)))
class Cmp(c.Componentized): pass
@implementer(IBaz)
class BazAd(c.Adapter): pass
c.registerAdapter(BazAd, Cmp, IBaz)
cx = Cmp()
rec('cmp adapt cached', lambda: IBaz(cx) is IBaz(cx))
rec('cmp adapter original', lambda: IBaz(cx).original is cx)
class TempAd(c.Adapter):
    temporaryAdapter = 1
c.registerAdapter(TempAd, Cmp, IOther)
rec('temp not cached', lambda: IOther(cx) is IOther(cx))
@implementer(IFoo, IOther)
class MultiAd(c.Adapter):
    multiComponent = 1
class Cmp2(c.Componentized): pass
c.registerAdapter(MultiAd, Cmp2, IFoo)
c.registerAdapter(MultiAd, Cmp2, IOther)
cy = Cmp2()
rec('multiComponent shares', lambda: IFoo(cy) is IOther(cy))
rec('multi keys', lambda: tuple(sorted(k.split('.')[-1] for k in cy._adapterCache)))
rec('locateAdapterClass', lambda: cy.locateAdapterClass(Cmp2, IFoo, 'd').__name__)
w = Cmp(); w.setAdapter(IFoo, MultiAd); rec('setAdapter', lambda: type(w.getComponent(IFoo)).__name__)
w2 = Cmp2(); w2.addAdapter(MultiAd); rec('addAdapter keys', lambda: tuple(sorted(k.split('.')[-1] for k in w2._adapterCache)))
ad = c.Adapter('orig'); rec('adapter conform none', lambda: IFoo(ad, 'none'))
class Conformer:
    def __conform__(self, i): return 'from original'
rec('adapter conform forwards', lambda: IFoo(c.Adapter(Conformer())))
rec('unset', lambda: (comp.unsetComponent(IFoo), comp.getComponent(IFoo))[1])
# proxyForInterface
@implementer(IBar)
class Impl:
    def foo(self): return 'foo'
    def bar(self): return 'bar'
    def extra(self): return 'x'
P = c.proxyForInterface(IBar)
p = P(Impl())
rec('proxy name', lambda: P.__name__.replace('twistio', 'twisted'))
rec('proxy calls', lambda: (p.foo(), p.bar()))
rec('proxy provides', lambda: IBar.providedBy(p))
rec('proxy extra', lambda: hasattr(p, 'extra'))
rec('proxy attr names', lambda: tuple(sorted(k for k in vars(P) if not k.startswith('_'))))
rec('proxy vars', lambda: tuple(vars(p)))
Q = c.proxyForInterface(IFoo, 'wrapped'); q = Q(Impl())
rec('proxy attr', lambda: (tuple(vars(q)), q.foo()))
class Sub(P):
    def foo(self): return 'sub ' + self.original.foo()
rec('proxy sub', lambda: Sub(Impl()).foo())
rec('proxy class method call', lambda: P.foo(p))
for label, r in out:
    print(label, '=>', str(r).replace('twistio', 'twisted'))
