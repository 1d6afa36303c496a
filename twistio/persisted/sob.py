"""Saving and loading small objects (an application, say) to and from files: as a pickle
(``.tap``), as ``aot`` Python source (``.tas``), or read from a Python file (``.tac``).

Loading a pickle or source runs code from the file: load only files you trust.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import Any, Protocol

from twistio.internet.interfaces import Interface, implementer
from twistio.persisted import styles
from twistio.python import log

__all__ = ["IPersistable", "Persistant", "Persistent", "load", "loadValueFromFile"]


class IPersistable(Interface, Protocol):
    """An object that can be saved to a file, in several formats."""

    def setStyle(self, style: str) -> None:
        """Choose the format: ``"pickle"`` or ``"source"``."""

    def save(self, tag: str | None = None, filename: str | None = None,
             passphrase: str | None = None) -> None:
        """Write the object to ``filename`` (or a name made of its name and ``tag``)."""


@implementer(IPersistable)
class Persistent:
    """Saves ``original`` under ``name`` (``name.tap``, ``name-tag.tas``...)."""

    style = "pickle"

    def __init__(self, original: Any, name: str) -> None:
        self.original = original
        self.name = name

    def setStyle(self, style: str) -> None:
        """Choose the format: ``"pickle"`` or ``"source"``."""
        self.style = style

    def _getFilename(self, filename: str | None, ext: str, tag: str | None) -> tuple[str, str]:
        if filename:
            finalname = filename
        elif tag:
            finalname = f"{self.name}-{tag}.{ext}"
        else:
            finalname = f"{self.name}.{ext}"
        return finalname, finalname + "-2"

    def _getStyle(self) -> tuple[str, Any, str]:
        if self.style == "source":
            from twistio.persisted.aot import jellyToSource

            return "tas", jellyToSource, "w"
        return "tap", pickle.dump, "wb"

    def save(self, tag: str | None = None, filename: str | None = None,
             passphrase: str | None = None) -> None:
        """Write the object, through a temporary file renamed into place.

        ``passphrase`` (encrypted saving) is no longer supported: ``TypeError``.
        """
        if passphrase is not None:
            raise TypeError("passphrase must be None: encrypted saving is not supported")
        ext, dump, mode = self._getStyle()
        finalname, temporary = self._getFilename(filename, ext, tag)
        log.msg(f"Saving {self.name} application to {finalname}...")
        with open(temporary, mode) as f:
            dump(self.original, f)
        # os.replace overwrites an older save on every system (rename does not on Windows).
        os.replace(temporary, finalname)
        log.msg("Saved.")


# An old spelling, kept.
Persistant = Persistent


class _EverythingEphemeral(styles.Ephemeral):
    """Stands in for ``__main__`` while a file loads: reads reach the real module while
    loading (``initRun``), and anything read afterwards, or written at any time, does not
    touch it."""

    initRun = 0

    def __init__(self, mainMod: Any) -> None:
        self.mainMod = mainMod

    def __getattr__(self, key: str) -> Any:
        if key == "mainMod":  # (before __init__ ran, as during unpickling)
            raise AttributeError(key)
        if self.initRun:
            return getattr(self.mainMod, key)
        log.msg(f"Warning: {key!r} read from __main__ after loading")
        return styles.Ephemeral()

    def __setattr__(self, key: str, value: Any) -> None:
        if key in ("initRun", "mainMod"):
            object.__setattr__(self, key, value)
        else:
            log.msg(f"Warning: {key!r} not set on __main__ while loading")


def load(filename: str, style: str) -> Any:
    """The object saved in ``filename`` in ``style`` (``"pickle"`` or ``"source"``),
    upgraded (``styles.doUpgrade``) and, if it is ``IPersistable``, set to that style.

    While it loads, ``__main__`` is a stand-in (see ``_EverythingEphemeral``).
    """
    if style == "source":
        from twistio.persisted.aot import unjellyFromSource

        loader: Any = unjellyFromSource
        mode = "r"
    else:
        loader, mode = pickle.load, "rb"
    ee = _EverythingEphemeral(sys.modules["__main__"])
    sys.modules["__main__"] = ee  # type: ignore[assignment]
    ee.initRun = 1
    try:
        with open(filename, mode) as f:
            value = loader(f)
    finally:
        sys.modules["__main__"] = ee.mainMod
    styles.doUpgrade()
    ee.initRun = 0
    persistable = IPersistable(value, None)  # type: ignore[call-arg,misc]
    if persistable is not None:
        persistable.setStyle(style)
    return value


def loadValueFromFile(filename: str, variable: str) -> Any:
    """Run the Python file ``filename`` and return its global ``variable``."""
    with open(filename) as f:
        code = compile(f.read(), filename, "exec")
    namespace: dict[str, Any] = {"__file__": filename}
    exec(code, namespace)  # (a .tac file is Python code, by design)
    return namespace[variable]


def guessType(filename: str) -> str:
    """The style of ``filename`` by its extension: ``.tac``/``.py`` python, ``.tap``
    pickle, ``.tas`` source (an ``e`` before, as ``.etap``, once meant encrypted);
    ``KeyError`` for any other."""
    return _STYLE_BY_EXTENSION[os.path.splitext(filename)[1]]


_STYLE_BY_EXTENSION = {
    **dict.fromkeys((".py", ".tac", ".etac"), "python"),
    **dict.fromkeys((".tas", ".etas"), "source"),
    **dict.fromkeys((".tap", ".etap"), "pickle"),
}
