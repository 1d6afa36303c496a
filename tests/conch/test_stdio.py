"""``conch.stdio``: a terminal protocol on a process's own terminal, and the parent's side of
it (``TerminalProcessProtocol``), driven over a real pseudo-terminal."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from twistio.conch import stdio
from twistio.conch.insults import helper, insults
from twistio.internet import defer, error
from twistio.python.failure import Failure

ROOT = Path(__file__).resolve().parents[2]


class Recorder:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def makeConnection(self, transport: Any) -> None:
        self.events.append(("made", transport))

    def dataReceived(self, data: bytes) -> None:
        self.events.append(("data", data))

    def connectionLost(self, reason: Failure) -> None:
        self.events.append(("lost", reason))


class Glue:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = 0

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def loseConnection(self) -> None:
        self.closed += 1


def test_terminal_process_protocol_passes_output_and_input() -> None:
    proto = Recorder()
    tpp = stdio.TerminalProcessProtocol(proto)
    started: list[object] = []
    assert tpp.onConnection is not None
    tpp.onConnection.addCallback(started.append)
    glue = Glue()
    tpp.makeConnection(glue)
    assert proto.events == [("made", tpp)] and started == [None]
    assert tpp.onConnection is None
    tpp.write(b"keys")
    tpp.outReceived(b"screen")
    assert glue.written == [b"keys"] and proto.events[-1] == ("data", b"screen")
    tpp.processEnded(Failure(error.ProcessDone(0)))
    assert proto.events[-1][0] == "lost" and proto.events[-1][1].check(error.ProcessDone)


def test_output_on_stderr_ends_the_session() -> None:
    proto = Recorder()
    tpp = stdio.TerminalProcessProtocol(proto)
    glue = Glue()
    tpp.makeConnection(glue)
    tpp.errReceived(b"oops")
    assert glue.closed == 1
    reason = proto.events[-1][1]
    assert reason.check(stdio.UnexpectedOutputError) and reason.value.args == (b"oops",)
    # The process ending afterwards is not reported a second time.
    tpp.processEnded(Failure(error.ProcessDone(0)))
    assert [e[0] for e in proto.events] == ["made", "lost"]


def test_child_connection_lost_is_passed_on_when_wanted() -> None:
    seen: list[int] = []

    class Wants(Recorder):
        def childConnectionLost(self, fd: int) -> None:
            seen.append(fd)

    tpp = stdio.TerminalProcessProtocol(Wants())
    tpp.makeConnection(Glue())
    tpp.childConnectionLost(1)
    assert seen == [1]
    plain = stdio.TerminalProcessProtocol(Recorder())
    plain.makeConnection(Glue())
    plain.childConnectionLost(1)  # a protocol without the method is left alone


@pytest.mark.parametrize(
    ("name", "exc", "message"),
    [
        ("no-such-class", ValueError, "Empty module name"),
        ("no_such_module_xyz.Thing", ModuleNotFoundError, "No module named 'no_such_module_xyz'"),
        ("os.no_such_attribute", AttributeError, None),
    ],
)
def test_main_resolves_module_dot_attribute(
    name: str, exc: type[Exception], message: str | None, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    from twistio.python import log

    opened: list[Any] = []
    monkeypatch.setattr(log, "startLogging", lambda f, *a, **k: opened.append(f))
    with pytest.raises(exc) as info:
        stdio.main(argv=[name])
    for f in opened:
        f.close()
    if message is not None:
        assert info.value.args[0] == message
    assert [Path(f.name).name for f in opened] == ["child.log"]


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
async def test_console_manhole_over_a_pty(tmp_path: Path) -> None:
    """The program side: a child running ``python -m twistio.conch.stdio`` serves a Python
    shell on its terminal; typing evaluates, ^D at an empty prompt ends it cleanly."""
    from twistio.internet import reactor

    screen = helper.ExpectableBuffer()
    client = insults.ClientProtocol(lambda: screen)
    proc = stdio.TerminalProcessProtocol(client)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    ended: defer.Deferred[None] = defer.Deferred()
    original = client.connectionLost

    reasons: list[Any] = []

    def lost(reason: Any) -> None:
        original(reason)
        reasons.append(reason)
        ended.callback(None)

    client.connectionLost = lost  # type: ignore[method-assign]
    transport = reactor.spawnProcess(
        proc, sys.executable, [sys.executable, "-m", "twistio.conch.stdio"], env=env,
        path=str(tmp_path), usePTY=True,
    )
    try:
        await screen.expect(b">>> ", timeout=20)
        proc.write(b"6 * 7\n")
        await screen.expect(b"42", timeout=20)
        lines = bytes(screen).split(b"\n")
        assert lines[0].startswith(b">>> 6 * 7") and lines[1] == b"42"
        proc.write(b"\x04")
        await ended
    finally:
        try:
            transport.signalProcess("KILL")
        except (error.ProcessExitedAlready, OSError):
            pass
    assert reasons[0].check(error.ProcessDone), reasons


def test_main_takes_twistio_modules_for_twisted_names() -> None:
    """A parent under the alias spells twistio's classes ``twisted.X``; a child without the
    alias must still load twistio's class, but Twisted's own modules as named."""
    from twistio.conch.stdio import _ours

    assert _ours("twisted.conch.stdio") == "twistio.conch.stdio"
    assert _ours("twisted.conch.test.test_recvline") == "twisted.conch.test.test_recvline"
    assert _ours("twistedish.thing") == "twistedish.thing"
