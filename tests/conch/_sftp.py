"""A Unix-style ISFTPServer for the tests: the local file system below a root directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from twistio.conch.interfaces import ISFTPFile, ISFTPServer
from twistio.conch.ls import lsLine
from twistio.conch.ssh import filetransfer
from twistio.internet.interfaces import implementer


def _attrs(st: os.stat_result) -> dict[str, Any]:
    return {"size": st.st_size, "uid": st.st_uid, "gid": st.st_gid,
            "permissions": st.st_mode, "atime": int(st.st_atime), "mtime": int(st.st_mtime)}


@implementer(ISFTPFile)
class LocalFile:
    def __init__(self, path: str, flags: int, attrs: dict[str, Any]) -> None:
        mode = 0
        if flags & filetransfer.FXF_READ and flags & filetransfer.FXF_WRITE:
            mode = os.O_RDWR
        elif flags & filetransfer.FXF_WRITE:
            mode = os.O_WRONLY
        else:
            mode = os.O_RDONLY
        if flags & filetransfer.FXF_APPEND:
            mode |= os.O_APPEND
        if flags & filetransfer.FXF_CREAT:
            mode |= os.O_CREAT
        if flags & filetransfer.FXF_TRUNC:
            mode |= os.O_TRUNC
        if flags & filetransfer.FXF_EXCL:
            mode |= os.O_EXCL
        self.fd = os.open(path, mode, attrs.get("permissions", 0o644) & 0o777)

    def readChunk(self, offset: int, length: int) -> bytes:
        data = os.pread(self.fd, length, offset)
        if not data:
            raise EOFError("End of file")
        return data

    def writeChunk(self, offset: int, data: bytes) -> None:
        os.pwrite(self.fd, data, offset)

    def getAttrs(self) -> dict[str, Any]:
        return _attrs(os.fstat(self.fd))

    def setAttrs(self, attrs: dict[str, Any]) -> None:
        if "permissions" in attrs:
            os.fchmod(self.fd, attrs["permissions"] & 0o7777)
        if "size" in attrs:
            os.ftruncate(self.fd, attrs["size"])

    def close(self) -> None:
        os.close(self.fd)


class LocalDirectory:
    def __init__(self, path: str) -> None:
        self.path = path
        self.names = iter(sorted(os.listdir(path)))

    def __iter__(self) -> Iterator[tuple[bytes, bytes, dict[str, Any]]]:
        return self

    def __next__(self) -> tuple[bytes, bytes, dict[str, Any]]:
        name = next(self.names)
        st = os.lstat(os.path.join(self.path, name))
        return name.encode(), lsLine(name, st).encode(), _attrs(st)

    def close(self) -> None:
        pass


@implementer(ISFTPServer)
class LocalSFTPServer:
    """Serves ``root`` as ``/``; paths cannot leave it."""

    def __init__(self, avatar: Any, root: str) -> None:
        self.avatar = avatar
        self.root = os.path.realpath(root)

    def _path(self, path: bytes) -> str:
        text = path.decode("utf-8")
        joined = os.path.normpath(os.path.join("/", text))
        return os.path.join(self.root, joined.lstrip("/"))

    def gotVersion(self, otherVersion: int, extData: dict[bytes, bytes]) -> dict[bytes, bytes]:
        return {}

    def openFile(self, filename: bytes, flags: int, attrs: dict[str, Any]) -> LocalFile:
        return LocalFile(self._path(filename), flags, attrs)

    def removeFile(self, filename: bytes) -> None:
        os.remove(self._path(filename))

    def renameFile(self, oldpath: bytes, newpath: bytes) -> None:
        os.rename(self._path(oldpath), self._path(newpath))

    def makeDirectory(self, path: bytes, attrs: dict[str, Any]) -> None:
        os.mkdir(self._path(path), attrs.get("permissions", 0o755) & 0o777)

    def removeDirectory(self, path: bytes) -> None:
        os.rmdir(self._path(path))

    def openDirectory(self, path: bytes) -> LocalDirectory:
        return LocalDirectory(self._path(path))

    def getAttrs(self, path: bytes, followLinks: bool) -> dict[str, Any]:
        stat_ = os.stat if followLinks else os.lstat
        return _attrs(stat_(self._path(path)))

    def setAttrs(self, path: bytes, attrs: dict[str, Any]) -> None:
        if "permissions" in attrs:
            os.chmod(self._path(path), attrs["permissions"] & 0o7777)
        if "atime" in attrs and "mtime" in attrs:
            os.utime(self._path(path), (attrs["atime"], attrs["mtime"]))

    def readLink(self, path: bytes) -> bytes:
        return os.readlink(self._path(path)).encode()

    def makeLink(self, linkPath: bytes, targetPath: bytes) -> None:
        os.symlink(targetPath.decode(), self._path(linkPath))

    def realPath(self, path: bytes) -> bytes:
        text = path.decode("utf-8") or "."
        return os.path.normpath(os.path.join("/", text)).encode()

    def extendedRequest(self, extendedName: bytes, extendedData: bytes) -> bytes:
        raise NotImplementedError(extendedName.decode("ascii", "replace"))
