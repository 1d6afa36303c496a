"""A directory used as a dbm: one file per key, named by the key's base64.

``DirDBM`` maps bytes to bytes; ``Shelf`` stores any picklable value. A write goes to a
``.new`` (or, replacing a key, ``.rpl``) file first and is renamed into place, and opening
the directory finishes or drops what a crash left half done. The file names are those
Twisted's ``DirDBM`` uses, so either can open the other's directories.
"""

from __future__ import annotations

import base64
import os
import pickle
from collections.abc import Iterable, Mapping
from typing import Any

from twistio.python.filepath import FilePath

__all__ = ["DirDBM", "Shelf", "open"]


def _checkKey(k: object) -> bytes:
    if not isinstance(k, bytes):
        raise TypeError(f"DirDBM key must be bytes, not {type(k).__name__}")
    return k


class DirDBM:
    """A dbm-style mapping (bytes to bytes) kept in the directory ``name``."""

    def __init__(self, name: bytes | str) -> None:
        self.dname = os.path.abspath(name)
        self._dnamePath: FilePath[Any] = FilePath(os.fsencode(self.dname))
        if not self._dnamePath.isdir():
            self._dnamePath.createDirectory()
        else:
            self._recover()

    def _recover(self) -> None:
        # A crash may have left a write half done: a .new file (a new key, never renamed
        # into place) is dropped; a .rpl file (a replacement) wins only if the original
        # is gone, which means it was removed just before the rename.
        for child in self._dnamePath.children():
            name = child.basename()
            if name.endswith(b".new"):
                child.remove()
            elif name.endswith(b".rpl"):
                original = child.sibling(name[:-4])
                if original.exists():
                    child.remove()
                else:
                    child.moveTo(original)

    def _encode(self, k: bytes) -> bytes:
        """The file name of key ``k``."""
        return base64.encodebytes(k).replace(b"\n", b"_").replace(b"/", b"-")

    def _decode(self, k: bytes) -> bytes:
        """The key stored in the file named ``k``."""
        return base64.decodebytes(k.replace(b"_", b"\n").replace(b"-", b"/"))

    def _readFile(self, path: FilePath[Any]) -> bytes:
        """The contents of ``path``."""
        return path.getContent()

    def _writeFile(self, path: FilePath[Any], data: bytes) -> None:
        """Write ``data`` to ``path``."""
        path.setContent(data)

    def _path(self, k: object) -> FilePath[Any]:
        return self._dnamePath.child(self._encode(_checkKey(k)))

    def __len__(self) -> int:
        return len(self.keys())

    def __setitem__(self, k: bytes, v: bytes) -> None:
        path = self._path(k)
        if not isinstance(v, bytes):
            raise TypeError(f"DirDBM value must be bytes, not {type(v).__name__}")
        staged = path.siblingExtension(b".rpl" if path.exists() else b".new")
        try:
            self._writeFile(staged, v)
        except BaseException:
            if staged.exists():
                staged.remove()
            raise
        if path.exists():
            path.remove()
        staged.moveTo(path)

    def __getitem__(self, k: bytes) -> bytes:
        path = self._path(k)
        try:
            return self._readFile(path)
        except OSError:
            raise KeyError(k) from None

    def __delitem__(self, k: bytes) -> None:
        path = self._path(k)
        try:
            path.remove()
        except OSError:
            raise KeyError(k) from None

    def keys(self) -> list[bytes]:
        """Every key."""
        return [
            self._decode(child.basename())
            for child in self._dnamePath.children()
            if not child.basename().endswith((b".new", b".rpl"))
        ]

    def values(self) -> list[Any]:
        """Every value."""
        return [self[k] for k in self.keys()]

    def items(self) -> list[tuple[bytes, Any]]:
        """Every (key, value)."""
        return [(k, self[k]) for k in self.keys()]

    def has_key(self, key: bytes) -> bool:
        """Whether ``key`` is stored."""
        return self._path(key).isfile()

    __contains__ = has_key

    def get(self, key: bytes, default: Any = None) -> Any:
        """The value of ``key``, else ``default``."""
        try:
            return self[key]
        except KeyError:
            return default

    def setdefault(self, key: bytes, value: Any) -> Any:
        """The value of ``key``, storing ``value`` first if there is none."""
        if key not in self:
            self[key] = value
            return value
        return self[key]

    def update(self, other: Mapping[bytes, Any] | Iterable[tuple[bytes, Any]]) -> None:
        """Store each key and value of ``other``."""
        pairs = other.items() if isinstance(other, Mapping) else other
        for key, value in pairs:
            self[key] = value

    def copyTo(self, path: bytes | str) -> DirDBM:
        """Copy every entry into a fresh one of these at ``path``; returns it."""
        target = FilePath(os.fsencode(os.path.abspath(path)))
        if target.exists():
            target.remove()
        self._dnamePath.copyTo(target)
        return type(self)(path)

    def clear(self) -> None:
        """Remove every entry."""
        for key in self.keys():
            del self[key]

    def close(self) -> None:
        """Nothing to do: every write is on disk already."""

    def getModificationTime(self, key: bytes) -> float:
        """When ``key`` was last written (``KeyError`` when it is not stored)."""
        path = self._path(key)
        if not path.isfile():
            raise KeyError(key)
        return path.getModificationTime()


class Shelf(DirDBM):
    """A ``DirDBM`` whose values are any picklable objects."""

    def __setitem__(self, k: bytes, v: Any) -> None:
        super().__setitem__(k, pickle.dumps(v))

    def __getitem__(self, k: bytes) -> Any:
        return pickle.loads(super().__getitem__(k))


def open(file: bytes | str, flag: Any = None, mode: Any = None) -> DirDBM:
    """A ``DirDBM`` in the directory ``file`` (``flag`` and ``mode`` are ignored, as for a
    dbm that always creates what it opens)."""
    return DirDBM(file)
