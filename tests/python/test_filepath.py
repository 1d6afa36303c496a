"""twistio.python.filepath on its own (Twisted's outcomes on the same scenarios:
tests/differential/_filepath_scenarios.py)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from twistio.python.filepath import (
    FilePath,
    IFilePath,
    InsecurePath,
    LinkError,
    Permissions,
    UnlistableError,
)


@pytest.fixture
def root(tmp_path: Path) -> FilePath[str]:
    return FilePath(str(tmp_path))


def test_child_refuses_escapes(root: FilePath[str]) -> None:
    assert root.child("a").path == os.path.join(root.path, "a")
    for bad in ("..", "a/b", "/etc"):
        with pytest.raises(InsecurePath):
            root.child(bad)
    with pytest.raises(InsecurePath, match="is not a child of"):
        root.preauthChild("a/../../x")
    assert root.preauthChild("a/b").path == os.path.join(root.path, "a", "b")
    assert root.descendant(["a", "b"]) == root.child("a").child("b")


def test_content_and_atomic_replacement(root: FilePath[str]) -> None:
    f = root.child("f")
    f.setContent(b"one")
    f.setContent(b"two")
    assert f.getContent() == b"two"
    assert root.listdir() == ["f"]
    with pytest.raises(TypeError):
        f.setContent("text")  # type: ignore[arg-type]
    assert root.listdir() == ["f"]  # the failed write left no temporary file
    assert f.getContent() == b"two"


def test_stat_cache(root: FilePath[str]) -> None:
    f = root.child("f")
    f.setContent(b"1234")
    assert f.getsize() == 4
    with open(f.path, "ab") as raw:
        raw.write(b"56")
    assert f.getsize() == 4
    f.changed()
    assert f.getsize() == 6
    assert not root.child("missing").exists()
    with pytest.raises(FileNotFoundError):
        root.child("missing").getsize()


def test_tree_operations(root: FilePath[str]) -> None:
    src = root.child("src")
    src.child("sub").makedirs()
    src.child("sub").child("g").setContent(b"G")
    src.child("f").setContent(b"F")
    dst = root.child("dst")
    src.copyTo(dst)
    assert sorted(p.path for p in dst.walk()) == sorted(
        [dst.path, dst.child("f").path, dst.child("sub").path, dst.child("sub").child("g").path]
    )
    assert dst.child("sub").child("g").segmentsFrom(root) == ["dst", "sub", "g"]
    dst.moveTo(root.child("moved"))
    assert not dst.exists() and root.child("moved").child("f").getContent() == b"F"
    root.child("moved").remove()
    assert not root.child("moved").exists()
    with pytest.raises(UnlistableError) as info:
        root.child("missing").children()
    assert isinstance(info.value.originalException, FileNotFoundError)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_links(root: FilePath[str]) -> None:
    target = root.child("t")
    target.setContent(b"x")
    link = root.child("l")
    target.linkTo(link)
    assert link.islink() and link.realpath() == target
    a, b = root.child("a"), root.child("b")
    os.symlink(b.path, a.path)
    os.symlink(a.path, b.path)
    with pytest.raises(LinkError):
        a.realpath()
    loop = root.child("loop")
    loop.makedirs()
    os.symlink(loop.path, loop.child("back").path)
    with pytest.raises(LinkError, match="Cycle in file graph"):
        list(loop.walk())


def test_glob_children_escapes_the_directory(root: FilePath[str]) -> None:
    odd = root.child("we[ird]*dir")
    odd.makedirs()
    odd.child("k").touch()
    assert [p.basename() for p in odd.globChildren("*")] == ["k"]


def test_modes_permissions_and_pickling(root: FilePath[str]) -> None:
    text = root.child("x")
    as_bytes = text.asBytesMode()
    assert isinstance(as_bytes.path, bytes) and as_bytes.asTextMode() == text
    assert isinstance(text.child(b"y").path, bytes)
    assert Permissions(0o751).shorthand() == "rwxr-x--x"
    text.setContent(b"")
    restored = pickle.loads(pickle.dumps(text))
    assert restored == text and "_statinfo" not in vars(restored)
    assert IFilePath.providedBy(text)
    sibling = text.temporarySibling(".tmp")
    assert sibling.parent() == root and sibling.basename().endswith(".tmp")
    with sibling.open("w") as f:  # temporary siblings are created exclusively
        f.write(b"x")
    with pytest.raises(FileExistsError):
        sibling.open("w")
