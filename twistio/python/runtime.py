"""Facts about the running platform (``twisted.python.runtime``)."""

from __future__ import annotations

import os
import sys
import threading
import time
import warnings

__all__ = ["Platform", "platform", "platformType", "seconds", "shortPythonVersion"]

#: ``os.name`` values mapped to Twisted's platform types.
knownPlatforms: dict[str, str] = {
    "nt": "win32",
    "ce": "win32",
    "posix": "posix",
    "java": "java",
    "org.python.modules.os": "java",
}

seconds = time.time


def shortPythonVersion() -> str:
    """The running Python's version as ``"X.Y.Z"``."""
    major, minor, micro = sys.version_info[:3]
    return f"{major}.{minor}.{micro}"


class Platform:
    """Questions about a platform: the running one, or one named for testing."""

    seconds = staticmethod(time.time)

    def __init__(self, name: str | None = None, platform: str | None = None) -> None:
        self.type = knownPlatforms.get(os.name if name is None else name)
        self._platform = sys.platform if platform is None else platform

    def isKnown(self) -> bool:
        """Whether the platform type is one Twisted knows."""
        return self.type is not None

    def getType(self) -> str | None:
        """``"posix"``, ``"win32"``, ``"java"`` or None."""
        return self.type

    def isMacOSX(self) -> bool:
        """Whether this is macOS."""
        return self._platform == "darwin"

    def isWinNT(self) -> bool:
        """Whether this is Windows (deprecated spelling of ``isWindows``)."""
        warnings.warn(
            "twisted.python.runtime.Platform.isWinNT was deprecated in Twisted 13.0. "
            "Use Platform.isWindows instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.isWindows()

    def isWindows(self) -> bool:
        """Whether this is Windows."""
        return self.getType() == "win32"

    def isVista(self) -> bool:
        """Whether this is Windows Vista or later in the NT 6 line."""
        if not self.isWindows() or not hasattr(sys, "getwindowsversion"):
            return False
        return bool(sys.getwindowsversion()[0] == 6)

    def isLinux(self) -> bool:
        """Whether this is Linux."""
        return self._platform.startswith("linux")

    def isDocker(self, _initCGroupLocation: str = "/proc/1/cgroup") -> bool:
        """Whether this Linux process runs inside a Docker container (by PID 1's cgroups)."""
        if not self.isLinux():
            return False
        try:
            with open(_initCGroupLocation, "rb") as cgroups:
                lines = cgroups.read().splitlines()
        except OSError:
            return False
        for line in lines:
            fields = line.split(b":", 2)
            if len(fields) == 3 and fields[2].startswith(b"/docker/"):
                return True
        return False

    def _supportsSymlinks(self) -> bool:
        """Whether symbolic links can be made here."""
        if not self.isWindows():
            return True
        try:
            import ctypes

            return bool(ctypes.windll.shell32.IsUserAnAdmin())  # type: ignore[attr-defined]
        except Exception:
            return False

    def supportsThreads(self) -> bool:
        """Whether threads are available."""
        return threading is not None

    def supportsINotify(self) -> bool:
        """Whether Linux inotify is usable here."""
        if not self.isLinux():
            return False
        try:
            import ctypes
            import ctypes.util

            name = ctypes.util.find_library("c")
            libc = ctypes.CDLL(name, use_errno=True)
        except Exception:
            return False
        return all(
            hasattr(libc, symbol)
            for symbol in ("inotify_init", "inotify_add_watch", "inotify_rm_watch")
        )


platform = Platform()
platformType = platform.getType()
