"""twistio.python.sendmsg: bytes and file descriptors over a UNIX socket pair."""

from __future__ import annotations

import array
import os
import socket

import pytest

from twistio.python import sendmsg


def test_passes_a_file_descriptor() -> None:
    left, right = socket.socketpair(socket.AF_UNIX)
    r, w = os.pipe()
    try:
        fds = array.array("i", [r]).tobytes()
        sent = sendmsg.sendmsg(left, b"take this", [(socket.SOL_SOCKET, sendmsg.SCM_RIGHTS, fds)])
        assert sent == len(b"take this")
        got = sendmsg.recvmsg(right)
        assert got.data == b"take this" and got.flags == 0
        [(level, kind, payload)] = got.ancillary
        assert (level, kind) == (socket.SOL_SOCKET, sendmsg.SCM_RIGHTS)
        [passed] = array.array("i", payload)
        os.write(w, b"x")
        assert os.read(passed, 1) == b"x"  # the same pipe, under another number
        os.close(passed)
    finally:
        for fd in (r, w):
            os.close(fd)
        left.close()
        right.close()


def test_family_and_a_plain_message() -> None:
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        assert sendmsg.getSocketFamily(left) == socket.AF_UNIX
        sendmsg.sendmsg(left, b"plain")
        assert sendmsg.recvmsg(right, maxSize=3) == (b"pla", [], 0)


def test_same_as_twisted() -> None:
    theirs = pytest.importorskip("twisted.python.sendmsg")
    left, right = socket.socketpair(socket.AF_UNIX)
    right.settimeout(5)
    with left, right:
        got = []
        for module in (sendmsg, theirs):
            module.sendmsg(left, b"abc", [(socket.SOL_SOCKET, socket.SCM_RIGHTS, b"")])
            got.append(tuple(module.recvmsg(right)))
        assert got[0] == got[1] == (b"abc", [], 0)
