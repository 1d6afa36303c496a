"""``SSHChannel``'s flow control run by Conch and by twistio: what is sent in which packets,
what waits for window, when the channel stops and starts writing, and when a closing
channel sends its close."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

pytest.importorskip("twisted.conch.ssh.channel")


class Conn:
    def __init__(self, log: list[Any]) -> None:
        self.log = log

    def sendData(self, channel: Any, data: bytes) -> None:
        self.log.append(("data", bytes(data)))

    def sendExtendedData(self, channel: Any, dataType: int, data: bytes) -> None:
        self.log.append(("ext", dataType, bytes(data)))

    def sendClose(self, channel: Any) -> None:
        self.log.append("close")


def run(root: str, window: int, packet: int, steps: list[Any]) -> list[Any]:
    channel_module = importlib.import_module(root + ".conch.ssh.channel")
    log: list[Any] = []

    class Channel(channel_module.SSHChannel):  # type: ignore[misc, name-defined]
        def stopWriting(self) -> None:
            log.append("stopWriting")

        def startWriting(self) -> None:
            log.append("startWriting")

    channel = Channel(remoteWindow=window, remoteMaxPacket=packet, conn=Conn(log))
    for step in steps:
        getattr(channel, step[0])(*step[1:])
        log.append(("state", channel.remoteWindowLeft, bytes(channel.buf),
                    [(t, bytes(d)) for t, d in channel.extBuf], bool(channel.areWriting)))
    return log


SCENARIOS = {
    "fits in one packet": (100, 32, [("write", b"hello")]),
    "cut into packets": (100, 4, [("write", b"abcdefghij")]),
    "empty write": (100, 4, [("write", b"")]),
    "window full, then opened": (
        6, 4, [("write", b"abcdefghij"), ("write", b"KL"), ("addWindowBytes", 3),
               ("addWindowBytes", 20)]),
    "extended data waits and joins": (
        5, 3, [("writeExtended", 1, b"0123456789"), ("writeExtended", 1, b"xy"),
               ("writeExtended", 2, b"zz"), ("addWindowBytes", 4), ("addWindowBytes", 40)]),
    "close waits for the buffer": (
        4, 4, [("write", b"abcdefgh"), ("loseConnection",), ("addWindowBytes", 2),
               ("addWindowBytes", 10)]),
    "close with extended data waiting": (
        2, 8, [("writeExtended", 1, b"abcdef"), ("loseConnection",), ("addWindowBytes", 10)]),
    "data and extended data both wait": (
        3, 2, [("write", b"abcde"), ("writeExtended", 1, b"EFG"), ("addWindowBytes", 2),
               ("addWindowBytes", 100)]),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_flow_control_matches_conch(name: str) -> None:
    window, packet, steps = SCENARIOS[name]
    assert run("twistio", window, packet, steps) == run("twisted", window, packet, steps)
