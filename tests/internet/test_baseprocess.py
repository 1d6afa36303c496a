"""BaseProcess: the end of a child told to its protocol (Twisted's _baseprocess)."""

from __future__ import annotations

from typing import Any

from twistio.internet._baseprocess import BaseProcess
from twistio.internet.process import Process
from twistio.internet.protocol import ProcessProtocol
from twistio.python.failure import Failure


class Recorder(ProcessProtocol):
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def processExited(self, reason: Failure) -> None:
        self.calls.append(("exited", reason.value))

    def processEnded(self, reason: Failure) -> None:
        self.calls.append(("ended", reason.value))


class Numbered(BaseProcess):
    def _getReason(self, status: int) -> BaseException:
        return RuntimeError(status)


def test_process_ended_tells_exited_then_ended_and_lets_go() -> None:
    proto = Recorder()
    process = Numbered(proto)
    process.pid = 7
    process.maybeCallProcessEnded()  # no status yet: nothing
    assert proto.calls == [] and process.proto is proto
    process.processEnded(3)
    assert [(name, value.args) for name, value in proto.calls] == [
        ("exited", (3,)), ("ended", (3,)),
    ]  # fmt: skip
    assert (process.pid, process.status, process.lostProcess, process.proto) == (None, 3, 1, None)


def test_without_a_protocol_nothing_happens() -> None:
    Numbered(None)._callProcessExited(RuntimeError("x"))


def test_protocol_errors_are_logged(caplog: Any) -> None:
    class Broken(ProcessProtocol):
        def processExited(self, reason: Failure) -> None:
            raise ValueError("exited broke")

    Numbered(Broken())._callProcessExited(RuntimeError("x"))
    assert "exited broke" in caplog.text


def test_the_process_transport_is_one() -> None:
    assert issubclass(Process, BaseProcess)
