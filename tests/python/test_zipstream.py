"""twistio.python.zipstream: entries read as files, archives unzipped a chunk at a time;
the chunk counts compared with Twisted's."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from twisted.python import zipstream as t_zipstream

from twistio.python import zipstream


def _archive(path: Path, compression: int) -> str:
    name = str(path / "a.zip")
    with zipfile.ZipFile(name, "w", compression) as zf:
        zf.writestr("empty", b"")
        zf.writestr("dir/", b"")
        zf.writestr("dir/lines", b"one\ntwo\nthree")
        zf.writestr("big", bytes(range(256)) * 40)
    return name


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_unzip_iter_chunky_matches_twisted(tmp_path: Path, compression: int) -> None:
    name = _archive(tmp_path, compression)
    ours = list(zipstream.unzipIterChunky(name, str(tmp_path / "ours"), chunksize=1000))
    theirs = list(t_zipstream.unzipIterChunky(name, str(tmp_path / "theirs"), chunksize=1000))
    assert ours == theirs and ours[-1] == 0
    assert zipstream.countZipFileChunks(name, 1000) == t_zipstream.countZipFileChunks(name, 1000)
    for entry in ("empty", "dir/lines", "big"):
        assert (tmp_path / "ours" / entry).read_bytes() == (tmp_path / "theirs" / entry).read_bytes()
    # Existing files are kept (and counted as done) unless overwrite is given.
    (tmp_path / "ours" / "big").write_bytes(b"kept")
    assert list(zipstream.unzipIterChunky(name, str(tmp_path / "ours"), chunksize=1000))[-1] == 0
    assert (tmp_path / "ours" / "big").read_bytes() == b"kept"
    list(zipstream.unzipIterChunky(name, str(tmp_path / "ours"), overwrite=1, chunksize=1000))
    assert (tmp_path / "ours" / "big").read_bytes() == bytes(range(256)) * 40


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_entries_read_as_files_even_interleaved(tmp_path: Path, compression: int) -> None:
    name = _archive(tmp_path, compression)
    with zipstream.ChunkingZipFile(name) as czf:
        lines, big = czf.readfile("dir/lines"), czf.readfile("big")
        assert lines.readline() == b"one\n"
        assert big.read(3) == b"\x00\x01\x02"
        assert list(lines) == [b"two\n", b"three"]
        assert big.tell() == 3 and len(big.read()) == 256 * 40 - 3
        assert big.read() == b"" and not big.isatty()
    with zipstream.ChunkingZipFile(name) as czf:
        czf.close()
        with pytest.raises(RuntimeError):
            czf.readfile("big")
    with zipstream.ChunkingZipFile(os.fspath(tmp_path / "w.zip"), "w") as czf, pytest.raises(
        RuntimeError
    ):
        czf.readfile("big")
