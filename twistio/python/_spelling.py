"""How the names twistio computes from module paths are spelled.

twistio's modules live under ``twistio``; a program run through the ``twisted`` alias
(``twistio.compat.install()``) imports the very same modules as ``twisted.*``. Every name
twistio builds from a module path for the program to read (``reflect.qual`` and
``fullyQualifiedName``, deprecation warnings, ``Failure``'s repr and ``parents``, a
``Logger``'s namespace, class names jelly puts on the wire...) goes through ``spelled``, so
that while the alias is installed it reads the way the program imports it:
``twisted.internet.defer.Deferred``, not ``twistio.internet.defer.Deferred``. Such a name
still finds its object (``namedAny(qual(x)) is x``), since the alias imports ``twisted.X`` as
``twistio.X``. Without the alias nothing is rewritten.

Only the spelling of names changes: ``__module__``, ``__name__`` and ``sys.modules`` are
untouched, so pickles, ``inspect`` and the import system see twistio's own modules.
The switch is a module global that ``twistio.compat`` flips; reading it is the only cost
where nothing is installed.
"""

from __future__ import annotations

import re

__all__ = ["active", "alias", "local", "qualified", "spelled", "spelledText"]

_OURS = "twistio"
_OURS_DOT = "twistio."

#: The package name twistio's modules are spelled with while the alias is installed
#: (``"twisted"``), else None.
alias: str | None = None

#: Whether names are being respelled (``alias is not None``), for callers that test before
#: calling ``spelled`` on a path that runs often.
active = False


def _install(name: str | None) -> None:
    """Spell twistio's module paths as ``name.*`` from now on (None: as they are)."""
    global alias, active
    alias = name
    active = name is not None


def spelled(name: str) -> str:
    """``name`` as the program imports it: ``twisted.x.y`` for ``twistio.x.y`` (and
    ``twisted`` for ``twistio``) while the alias is installed, else ``name`` itself."""
    if alias is None or not name.startswith(_OURS):
        return name
    if name == _OURS or name.startswith(_OURS_DOT):
        return alias + name[len(_OURS) :]
    return name


_PATH_IN_TEXT = re.compile(r"(?<![\w.])twistio(?=\.[A-Za-z_])")


def spelledText(text: str) -> str:
    """A message of twistio's own with the module paths in it (``twistio.x.y``) spelled as
    ``spelled`` spells names; for texts written once, such as a deprecated attribute's."""
    if alias is None or _OURS_DOT not in text:
        return text
    return _PATH_IN_TEXT.sub(alias, text)


def local(name: str) -> str:
    """The reverse of ``spelled``: ``twistio.x.y`` for the alias's ``twisted.x.y`` while the
    alias is installed (a name looked up in twistio's own tables), else ``name``."""
    if alias is None or not name.startswith(alias):
        return name
    if name == alias or name.startswith(alias + "."):
        return _OURS + name[len(alias) :]
    return name


def qualified(obj: object) -> str:
    """``module.qualname`` of a class or function, spelled as the program imports it."""
    return spelled(f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}")
