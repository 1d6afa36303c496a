"""``components._addHook``/``_removeHook``: a zope adapter registry made active for a while
(tubes does this; Klein uses tubes), behaving as under Twisted."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROGRAM = textwrap.dedent(
    """
    import sys
    from importlib import import_module
    from zope.interface import Interface, implementer
    from zope.interface.adapter import AdapterRegistry
    components = import_module(sys.argv[1] + ".python.components")

    class IFrom(Interface):
        pass

    class ITo(Interface):
        pass

    @implementer(IFrom)
    class Thing:
        pass

    registry = AdapterRegistry()
    registry.register([IFrom], ITo, "", lambda obj: ("adapted", type(obj).__name__))
    thing = Thing()
    out = [ITo(thing, None)]
    hook = components._addHook(registry)
    out.append(ITo(thing, None))
    out.append(ITo(object(), None))
    components._removeHook(hook)
    out.append(ITo(thing, None))
    print(out)
    """
)


def run(pkg: str) -> str:
    done = subprocess.run([sys.executable, "-c", PROGRAM, pkg], capture_output=True,
                          timeout=30, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode().strip()


def test_add_and_remove_hook_as_in_twisted() -> None:
    pytest.importorskip("zope.interface")
    pytest.importorskip("twisted.python.components")
    ours = run("twistio")
    assert ours == run("twisted")
    assert ours == "[None, ('adapted', 'Thing'), None, None]"
