"""``abstract.FileDescriptor``'s write path run by Twisted and by twistio: what reaches
``writeSomeData``, when the descriptor stops watching for writability, when a producer is
paused and woken, and what ``doWrite`` returns for a close, a half-close and a lost
connection. The reactor is a recorder, so the traces are the whole behaviour.

Two differences are left out of the traces on purpose (docs/differences.md): twistio offers
``writeSomeData`` at most ``SEND_LIMIT`` bytes a call and does not call it with nothing to
send, where Twisted offers the whole unsent buffer (its transports cut it) and calls it with
``b""``; so each send here takes less than ``SEND_LIMIT`` and empty offers are not logged. A
``writeSequence`` asks the reactor to watch for writability once per piece (it is
idempotent), so repeated ``addWriter`` calls are logged once."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

pytest.importorskip("twisted")


class Reactor:
    def __init__(self, log: list[Any]) -> None:
        self.log = log

    def addWriter(self, fd: Any) -> None:
        if not self.log or self.log[-1] != "addWriter":
            self.log.append("addWriter")

    def removeWriter(self, fd: Any) -> None:
        self.log.append("removeWriter")

    def addReader(self, fd: Any) -> None:
        self.log.append("addReader")

    def removeReader(self, fd: Any) -> None:
        self.log.append("removeReader")


class Producer:
    def __init__(self, log: list[Any]) -> None:
        self.log = log

    def pauseProducing(self) -> None:
        self.log.append("pause")

    def resumeProducing(self) -> None:
        self.log.append("resume")

    def stopProducing(self) -> None:
        self.log.append("stop")


def descriptor(root: str, log: list[Any], budget: list[Any]) -> Any:
    abstract = importlib.import_module(root + ".internet.abstract")

    class FD(abstract.FileDescriptor):  # type: ignore[misc,name-defined]
        def writeSomeData(self, data: bytes) -> Any:
            if not len(data):
                return 0
            step = budget.pop(0) if budget else 60_000
            if not isinstance(step, int):
                log.append("lost")
                return step
            taken = min(step, len(data))
            log.append(("sent", taken, bytes(data[:4])))
            return taken

        def _closeWriteConnection(self) -> None:
            log.append("closeWrite")

        def connectionLost(self, reason: Any) -> None:
            log.append(("connectionLost", reason.type.__name__))

    fd = FD(Reactor(log))
    fd.connected = 1
    return fd


def _result(value: Any) -> Any:
    if value is None:
        return None
    return type(value).__name__ if isinstance(value, BaseException) else repr(value)


def run(root: str, steps: list[Any], budget: list[Any]) -> list[Any]:
    log: list[Any] = []
    fd = descriptor(root, log, list(budget))
    for step in steps:
        kind = step[0]
        if kind == "write":
            fd.write(step[1])
        elif kind == "seq":
            fd.writeSequence(step[1])
        elif kind == "do":
            log.append(("doWrite", _result(fd.doWrite())))
        elif kind == "producer":
            fd.registerProducer(Producer(log), step[1])
        elif kind == "lose":
            fd.loseConnection()
        elif kind == "loseWrite":
            fd.loseWriteConnection()
        log.append(("state", len(fd.dataBuffer) - fd.offset, bool(fd.producerPaused)))
    return log


big = bytes(range(256)) * 1200  # 300 KiB: more than two sends' worth
error = importlib.import_module("twisted.internet.error")

SCENARIOS = {
    "one write drained": ([("write", b"hello"), ("do",), ("do",)], []),
    "partial sends": ([("write", b"abcdefgh"), ("do",), ("do",), ("do",)], [3, 0, 10]),
    "writes queue while a send is pending": (
        [("write", b"abc"), ("do",), ("write", b"def"), ("seq", [b"gh", b"ij"]), ("do",),
         ("do",)], [1, 100, 100]),
    "large buffer sent in pieces": ([("write", big)] + [("do",)] * 7, [100_000, 1]),
    "streaming producer paused past bufferSize, resumed once drained": (
        [("producer", True), ("write", big)] + [("do",)] * 6, []),
    "pull producer asked for more when drained": (
        [("producer", False), ("write", b"x" * 10), ("do",), ("write", b"y"), ("do",)], []),
    "close after flush": ([("write", b"bye"), ("lose",), ("do",), ("do",)], [1]),
    "close with nothing buffered": ([("lose",), ("do",)], []),
    "half close after flush": ([("write", b"half"), ("loseWrite",), ("do",),
                                ("write", b"ignored"), ("do",)], [2]),
    "lost while sending": ([("write", b"data"), ("do",)], [error.ConnectionLost()]),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_write_path_matches_twisted(name: str) -> None:
    steps, budget = SCENARIOS[name]
    assert run("twistio", steps, budget) == run("twisted", steps, budget)
