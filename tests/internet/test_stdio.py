"""StandardIO in a real child process, driven through its stdin and stdout pipes."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from pathlib import Path

from twistio.internet import error, process
from twistio.internet._reactor import AsyncioReactor
from twistio.internet.defer import Deferred
from twistio.internet.protocol import ProcessProtocol
from twistio.python.failure import Failure

ROOT = Path(__file__).resolve().parent.parent.parent

CHILD = textwrap.dedent(
    """
    import os, sys
    from twistio.internet import protocol, reactor, stdio
    from twistio.internet.interfaces import IHalfCloseableProtocol, implementer

    class Echo(protocol.Protocol):
        def connectionMade(self):
            self.transport.write(b"hello ")
        def dataReceived(self, data):
            if data.strip().endswith(b"quit"):
                self.transport.loseConnection()
            else:
                self.transport.write(data.upper())
        def connectionLost(self, reason):
            os.write(2, ("lost " + reason.type.__name__).encode())
            reactor.stop()

    @implementer(IHalfCloseableProtocol)
    class HalfClose(Echo):
        def readConnectionLost(self):
            os.write(2, b"readLost ")
            self.transport.write(b"after eof")
            self.transport.loseConnection()
        def writeConnectionLost(self):
            os.write(2, b"writeLost ")

    stdio.StandardIO(HalfClose() if sys.argv[1] == "half" else Echo())
    reactor.run()
    """
)


class Collect(ProcessProtocol):
    def __init__(self) -> None:
        self.out = b""
        self.err = b""
        self.ended: Deferred[None] = Deferred()
        self.reason: Failure | None = None

    def outReceived(self, data: bytes) -> None:
        self.out += data

    def errReceived(self, data: bytes) -> None:
        self.err += data

    def processEnded(self, reason: Failure) -> None:
        self.reason = reason
        self.ended.callback(None)


async def run_child(reactor: AsyncioReactor, mode: str, feed: list[bytes], close: bool) -> Collect:
    p = Collect()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    argv = [sys.executable, "-c", CHILD, mode]
    t = process.spawnProcess(reactor, p, sys.executable, argv, env=env)
    for chunk in feed:
        t.write(chunk)
    if close:
        t.closeStdin()

    async def ended() -> None:
        await p.ended

    await asyncio.wait_for(ended(), 5)
    return p


async def test_echo_until_eof(reactor: AsyncioReactor) -> None:
    p = await run_child(reactor, "plain", [b"abc\n", b"def\n"], close=True)
    assert p.out == b"hello " + b"ABC\nDEF\n"
    assert p.err == b"lost ConnectionDone"
    assert p.reason is not None and p.reason.check(error.ProcessDone)


async def test_lose_connection_from_the_protocol(reactor: AsyncioReactor) -> None:
    p = await run_child(reactor, "plain", [b"quit\n"], close=False)
    assert p.out == b"hello "
    assert p.err == b"lost ConnectionDone"


async def test_half_close(reactor: AsyncioReactor) -> None:
    p = await run_child(reactor, "half", [b"abc"], close=True)
    assert p.out == b"hello ABCafter eof"
    assert p.err == b"readLost lost ConnectionDone"


async def test_standard_io_on_regular_files(tmp_path: Path) -> None:
    # `prog < input > output`: asyncio's pipe transports refuse regular files; twistio reads
    # and writes them through the reactor's FD set, as Twisted does.
    from twistio.internet.protocol import Protocol
    from twistio.internet.stdio import StandardIO

    reactor = AsyncioReactor()
    source = tmp_path / "in"
    source.write_bytes(b"hello!")
    target = tmp_path / "out"
    done: Deferred[None] = Deferred()

    class Echo(Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data.upper())

        def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
            done.callback(None)

    with open(source, "rb") as fin, open(target, "wb") as fout:
        stdio = StandardIO(Echo(), stdin=fin.fileno(), stdout=fout.fileno(), reactor=reactor)
        assert stdio._reader in reactor.getReaders()
        await asyncio.wait_for(asyncio.ensure_future(_wait(done)), 5)
        assert reactor.getReaders() == [] and reactor.getWriters() == []
    assert target.read_bytes() == b"HELLO!"


async def _wait(d: Deferred[None]) -> None:
    await d


def test_a_program_reading_a_file_on_stdin(tmp_path: Path) -> None:
    import subprocess

    program = textwrap.dedent(
        """
        from twistio.internet import reactor, stdio
        from twistio.internet.protocol import Protocol

        class Upper(Protocol):
            def dataReceived(self, data):
                self.transport.write(data.upper())

            def connectionLost(self, reason):
                reactor.stop()

        stdio.StandardIO(Upper())
        reactor.run()
        """
    )
    (tmp_path / "in").write_bytes(b"line one\nline two\n")
    with open(tmp_path / "in", "rb") as fin, open(tmp_path / "out", "wb") as fout:
        subprocess.run(
            [sys.executable, "-c", program], stdin=fin, stdout=fout, timeout=30, check=True
        )
    assert (tmp_path / "out").read_bytes() == b"LINE ONE\nLINE TWO\n"
