"""examples/chat_server.py, run as a program, with several real socket clients."""

from __future__ import annotations

import os
import re
import selectors
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "chat_server.py"
TIMEOUT = 5.0  # an upper bound for each wait; nothing below sleeps


@pytest.fixture
def server_port() -> Iterator[int]:
    env = dict(os.environ, PYTHONPATH=str(EXAMPLE.parent.parent))
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            assert sel.select(TIMEOUT), "the server printed nothing"
        line = proc.stdout.readline().decode()
        match = re.search(r"port (\d+)", line)
        assert match, line
        yield int(match.group(1))
    finally:
        proc.terminate()
        try:
            proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


class Client:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buffer = b""

    def readline(self) -> str:
        while b"\r\n" not in self.buffer:
            data = self.sock.recv(4096)
            if not data:
                raise EOFError(self.buffer)
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line.decode()

    def send(self, text: str) -> None:
        self.sock.sendall(text.encode() + b"\r\n")

    def at_eof(self) -> bool:
        return self.buffer == b"" and self.sock.recv(1) == b""

    def join(self, name: str) -> str:
        assert self.readline() == "What's your name?"
        self.send(name)
        return self.readline()

    def close(self) -> None:
        self.sock.close()


def test_join_broadcast_quit(server_port: int) -> None:
    alice, bob, carol = Client(server_port), Client(server_port), Client(server_port)
    try:
        assert alice.join("alice") == "Welcome, alice! Here: nobody yet. /quit to leave."

        assert bob.join("alice") == "alice is taken. What's your name?"
        bob.send("bob")
        assert bob.readline() == "Welcome, bob! Here: alice. /quit to leave."
        assert alice.readline() == "* bob has joined"

        assert carol.join("carol") == "Welcome, carol! Here: alice, bob. /quit to leave."
        assert alice.readline() == "* carol has joined"
        assert bob.readline() == "* carol has joined"

        alice.send("hello, all")
        assert bob.readline() == "<alice> hello, all"
        assert carol.readline() == "<alice> hello, all"
        bob.send("hi alice")
        # alice's next line is bob's: her own message was not echoed back to her.
        assert alice.readline() == "<bob> hi alice"
        assert carol.readline() == "<bob> hi alice"

        bob.send("/quit")
        assert bob.readline() == "Bye!"
        assert bob.at_eof()
        assert alice.readline() == "* bob has left"
        assert carol.readline() == "* bob has left"

        carol.close()  # gone without /quit
        assert alice.readline() == "* carol has left"

        dave = Client(server_port)
        try:
            assert dave.join("bob") == "Welcome, bob! Here: alice. /quit to leave."
        finally:
            dave.close()
    finally:
        for c in (alice, bob, carol):
            c.close()
