"""Unzipping a little at a time: ``ChunkingZipFile.readfile`` gives a file-like object per
entry, and ``unzipIterChunky`` extracts an archive one chunk per step, so a program can
report progress (or yield to its event loop) while it unzips.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO

__all__ = [
    "DIR_BIT",
    "ChunkingZipFile",
    "DeflatedZipFileEntry",
    "ZipFileEntry",
    "countFileChunks",
    "countZipFileChunks",
    "unzipIterChunky",
]

#: The bit of a zip entry's external attributes marking a directory (MS-DOS's).
DIR_BIT = 16

# A local file header: signature, versions and flags, sizes, name and extra lengths.
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_MAGIC = b"PK\003\004"
_NAME_LENGTH, _EXTRA_LENGTH = 10, 11  # their places in the unpacked header
_UTF8_NAMES = 0x800  # the general purpose flag saying names are UTF-8


class _FileEntry:
    """A read-only file over one entry of a ``ChunkingZipFile``; subclasses say how its
    bytes come (``_more``)."""

    def __init__(self, chunkingZipFile: ChunkingZipFile, length: int) -> None:
        self.chunkingZipFile = chunkingZipFile
        self.fp: IO[bytes] = chunkingZipFile.fp  # type: ignore[assignment]
        self.length = length  # stored (compressed) bytes of the entry
        self.finished = False
        self.closed = False
        self._start = self.fp.tell()
        self._consumed = 0  # stored bytes read so far
        self._delivered = 0  # bytes given to the caller
        self._pending = b""  # bytes produced but not yet given

    def _raw(self, n: int) -> bytes:
        """Up to ``n`` more stored bytes (``b""`` at the end of the entry)."""
        n = min(n, self.length - self._consumed)
        if n <= 0:
            return b""
        self.fp.seek(self._start + self._consumed)
        data = self.fp.read(n)
        self._consumed += len(data)
        return data

    def _more(self, n: int | None) -> bytes:
        """Up to (about) ``n`` more bytes of content, all that is left for None."""
        raise NotImplementedError

    def read(self, n: int | None = None) -> bytes:
        """Up to ``n`` bytes (all that is left without ``n``)."""
        if n is None or n < 0:
            data = self._pending + self._more(None)
            self._pending = b""
        else:
            while len(self._pending) < n:
                more = self._more(n - len(self._pending))
                if not more:
                    break
                self._pending += more
            data, self._pending = self._pending[:n], self._pending[n:]
        self._delivered += len(data)
        if not self._pending and self._consumed >= self.length:
            self.finished = True
        return data

    def tell(self) -> int:
        """How many bytes have been read."""
        return self._delivered

    def readline(self) -> bytes:
        """The next line, with its ``\\n`` (``b""`` at the end)."""
        while b"\n" not in self._pending:
            more = self._more(4096)
            if not more:
                break
            self._pending += more
        end = self._pending.find(b"\n")
        return self.read(len(self._pending) if end < 0 else end + 1)

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    next = __next__

    def readlines(self) -> list[bytes]:
        """Every remaining line."""
        return list(self)

    def xreadlines(self) -> _FileEntry:
        """The entry itself, an iterator of its lines."""
        return self

    def __iter__(self) -> _FileEntry:
        return self

    def isatty(self) -> bool:
        """False: an entry of a zip file is no terminal."""
        return False

    def close(self) -> None:
        """Stop reading (the archive stays open)."""
        self.closed = True
        self.finished = True
        self._pending = b""

    def __enter__(self) -> _FileEntry:
        return self

    def __exit__(self, *excInfo: object) -> None:
        self.close()


class ZipFileEntry(_FileEntry):
    """A stored (uncompressed) entry, as a file."""

    def _more(self, n: int | None) -> bytes:
        return self._raw(self.length if n is None else n)


class DeflatedZipFileEntry(_FileEntry):
    """A deflated entry, as a file: inflated as it is read."""

    def __init__(self, chunkingZipFile: ChunkingZipFile, length: int) -> None:
        super().__init__(chunkingZipFile, length)
        self._inflater = zlib.decompressobj(-15)  # raw deflate, as zip stores it

    def _more(self, n: int | None) -> bytes:
        out = b""
        while n is None or not out:
            stored = self._raw(self.length if n is None else max(n, 1024))
            if not stored:
                return out + self._inflater.flush()
            out += self._inflater.decompress(stored)
        return out


class ChunkingZipFile(zipfile.ZipFile):
    """A ``zipfile.ZipFile`` whose ``readfile(name)`` gives a file-like object for one
    entry, read (and inflated) as the caller asks."""

    def readfile(self, name: str) -> _FileEntry:
        """The entry ``name`` as a file (``RuntimeError`` unless the archive is open for
        reading; ``zipfile.BadZipFile`` for a damaged or unsupported entry)."""
        if self.mode != "r":
            raise RuntimeError("read() requires mode 'r'")
        if self.fp is None:
            raise RuntimeError("Attempt to read ZIP archive that was already closed")
        info = self.getinfo(name)
        self.fp.seek(info.header_offset)
        raw = self.fp.read(_LOCAL_HEADER.size)
        if len(raw) != _LOCAL_HEADER.size:
            raise zipfile.BadZipFile("Truncated file header")
        header = _LOCAL_HEADER.unpack(raw)
        if header[0] != _LOCAL_MAGIC:
            raise zipfile.BadZipFile("Bad magic number for file header")
        storedName = self.fp.read(header[_NAME_LENGTH])
        encoding = "utf-8" if info.flag_bits & _UTF8_NAMES else "cp437"
        if storedName.decode(encoding, "replace") != info.orig_filename:
            raise zipfile.BadZipFile(
                f"File name in directory {info.orig_filename!r} and header "
                f"{storedName!r} differ."
            )
        self.fp.read(header[_EXTRA_LENGTH])
        if info.compress_type == zipfile.ZIP_STORED:
            return ZipFileEntry(self, info.compress_size)
        if info.compress_type == zipfile.ZIP_DEFLATED:
            return DeflatedZipFileEntry(self, info.compress_size)
        raise zipfile.BadZipFile(f"Unsupported compression method {info.compress_type}")


def countFileChunks(zipinfo: zipfile.ZipInfo, chunksize: int) -> int:
    """How many chunks of ``chunksize`` bytes the entry unzips in (an empty one: 1)."""
    full, rest = divmod(zipinfo.file_size, chunksize)
    return max(1, full + (1 if rest else 0))


def countZipFileChunks(filename: str, chunksize: int) -> int:
    """How many chunks ``unzipIterChunky`` will take over the whole archive."""
    with zipfile.ZipFile(filename) as zf:
        return sum(countFileChunks(info, chunksize) for info in zf.infolist())


def unzipIterChunky(
    filename: str, directory: str = ".", overwrite: int = 0, chunksize: int = 4096
) -> Iterator[int]:
    """Extract ``filename`` into ``directory``, yielding after each chunk (at most
    ``chunksize`` bytes of one entry) the number of chunks still to go.

    Existing files are kept unless ``overwrite``; their chunks are counted as done.
    """
    left = countZipFileChunks(filename, chunksize)
    if not os.path.exists(directory):
        os.makedirs(directory)
    with ChunkingZipFile(filename) as czf:
        for info in czf.infolist():
            target = os.path.join(directory, info.filename)
            if info.filename.endswith("/"):
                os.makedirs(target, exist_ok=True)
                left -= 1
                yield left
                continue
            parent = os.path.dirname(target)
            if parent and not os.path.exists(parent):
                os.makedirs(parent)
            if not overwrite and os.path.exists(target):
                left -= countFileChunks(info, chunksize)
                yield left
                continue
            with czf.readfile(info.filename) as entry, open(target, "wb") as out:
                if info.file_size == 0:
                    left -= 1
                    yield left
                while entry.tell() < info.file_size:
                    data = entry.read(chunksize)
                    if not data:
                        raise zipfile.BadZipFile(f"{info.filename!r} is shorter than it says")
                    out.write(data)
                    left -= 1
                    yield left
