"""Inter-process locks made of symbolic links (``twisted.python.lockfile``).

The lock is a symbolic link named after the lock whose target is the owner's process id, so
a lock left behind by a process that died is recognised and broken. On systems without
symbolic links (Windows), a directory holding a file with the pid stands in for the link.
"""

from __future__ import annotations

import errno
import os
import uuid

from twistio.python.runtime import platform

__all__ = ["FilesystemLock", "isLocked"]


def unique() -> str:
    """A string unique to this call (for temporary names)."""
    return uuid.uuid4().hex


if hasattr(os, "symlink") and not platform.isWindows():
    symlink = os.symlink
    readlink = os.readlink
    rmlink = os.remove
    kill = os.kill
    rename = os.rename
else:  # pragma: no cover - Windows

    def symlink(value: str, filename: str) -> None:  # type: ignore[misc]
        """Make ``filename`` a directory whose ``symlink`` file holds ``value``."""
        os.mkdir(filename)
        with open(os.path.join(filename, "symlink"), "w") as f:
            f.write(value)

    def readlink(filename: str) -> str:  # type: ignore[misc]
        """The value stored by ``symlink``."""
        try:
            with open(os.path.join(filename, "symlink")) as f:
                return f.read()
        except OSError as error:
            if error.errno in (errno.ENOENT, errno.EIO):
                raise OSError(error.errno, error.strerror) from None
            raise

    def rmlink(filename: str) -> None:  # type: ignore[misc]
        """Remove what ``symlink`` made."""
        os.remove(os.path.join(filename, "symlink"))
        os.rmdir(filename)

    def kill(pid: int, signal: int) -> None:
        """Whether ``pid`` lives cannot be asked here: assume it does."""
        raise OSError(errno.EPERM, "cannot signal processes here")

    rename = os.replace


class FilesystemLock:
    """A lock on the path ``name``, shared between processes.

    ``locked`` is whether this object holds it; ``clean`` is false when acquiring it meant
    breaking a stale lock left by a dead process.
    """

    clean: bool | None = None
    locked = False

    def __init__(self, name: str) -> None:
        self.name = name

    def lock(self) -> bool:
        """Acquire the lock if free (or stale); whether it was acquired.

        A lock held by a live process, this one included, is not acquired. A lock whose
        content is not a pid raises ``ValueError``.
        """
        clean = True
        while True:
            try:
                symlink(str(os.getpid()), self.name)
            except FileExistsError:
                pass
            else:
                self.locked = True
                self.clean = clean
                return True
            try:
                owner = readlink(self.name)
            except FileNotFoundError:
                continue  # released meanwhile: try again
            if kill is None:  # no way to ask whether the owner lives: assume it does
                return False
            try:
                kill(int(owner), 0)
            except OSError as error:
                if error.errno != errno.ESRCH:
                    raise
                if self._break_stale(owner):
                    clean = False
                continue
            return False

    def _break_stale(self, owner: str) -> bool:
        """Remove the stale lock of ``owner``, unless another process took it meanwhile."""
        aside = f"{self.name}.{unique()}.stale"
        try:
            rename(self.name, aside)
        except FileNotFoundError:
            return False
        try:
            if readlink(aside) != owner:
                # Someone replaced the stale lock between our read and our rename: put
                # theirs back if the name is still free, and start over.
                try:
                    rename(aside, self.name)
                except OSError:
                    rmlink(aside)
                return False
            rmlink(aside)
        except FileNotFoundError:
            return False
        return True

    def unlock(self) -> None:
        """Release the lock (``ValueError`` if another process holds it)."""
        owner = readlink(self.name)
        if int(owner) != os.getpid():
            raise ValueError(f"Lock {self.name!r} not owned by this process")
        rmlink(self.name)
        self.locked = False


def isLocked(name: str) -> bool:
    """Whether some live process holds the lock ``name``."""
    probe = FilesystemLock(name)
    acquired = False
    try:
        acquired = probe.lock()
    finally:
        if acquired:
            probe.unlock()
    return not acquired
