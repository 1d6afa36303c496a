"""AMP round trips in one process: twistio's ``protocols.amp`` against Twisted's.

    python benchmarks/amp.py [--rounds N]

Two AMP protocols of the same library are joined by in-memory transports (what one writes
is handed to the other's ``dataReceived`` after every 100 calls), so a round is pure
protocol cost:
encoding the arguments, the box on the wire, parsing, dispatch to the responder, the answer
and its Deferred. One round is 2,000 ``callRemote`` calls of a command with an integer, a
text and a list argument; the score is the fastest round, in calls per second of thread CPU
time, with the garbage collector off inside a round. Not part of ``python -m benchmarks``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python benchmarks/amp.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CALLS = 2000


class _Pipe:
    """A transport keeping what is written for the peer until ``pump`` delivers it."""

    disconnecting = False

    def __init__(self) -> None:
        self.peer: Any = None
        self.pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.pending.append(data)

    def pump(self) -> bool:
        """Deliver what was written; whether there was anything."""
        if not self.pending:
            return False
        data, self.pending = b"".join(self.pending), []
        self.peer.dataReceived(data)
        return True

    def writeSequence(self, data: list[bytes]) -> None:
        self.write(b"".join(data))

    def getPeer(self) -> str:
        return "pipe"

    def getHost(self) -> str:
        return "pipe"

    def loseConnection(self) -> None:
        self.disconnecting = True


def _pair(amp: Any) -> Any:
    class Add(amp.Command):
        arguments = [
            (b"a", amp.Integer()),
            (b"text", amp.Unicode()),
            (b"items", amp.ListOf(amp.Integer())),
        ]
        response = [(b"total", amp.Integer())]

    class Server(amp.AMP):
        @Add.responder
        def add(self, a: int, text: str, items: list[int]) -> dict[str, int]:
            return {"total": a + len(text) + sum(items)}

    client, server = amp.AMP(), Server()
    to_server, to_client = _Pipe(), _Pipe()
    to_server.peer, to_client.peer = server, client
    client.makeConnection(to_server)
    server.makeConnection(to_client)

    def run() -> int:
        results: list[Any] = []
        for i in range(CALLS):
            client.callRemote(Add, a=i, text="hello", items=[1, 2, 3]).addCallback(results.append)
            if i % 100 == 99:  # 100 calls in flight, then their answers
                while to_server.pump() | to_client.pump():
                    pass
        assert len(results) == CALLS and results[-1] == {"total": CALLS - 1 + 11}
        return CALLS

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    rounds = parser.parse_args().rounds
    import twisted.protocols.amp as theirs

    import twistio.protocols.amp as ours

    contenders = {"twistio": _pair(ours), "twisted": _pair(theirs)}
    best = dict.fromkeys(contenders, 0.0)
    for _ in range(rounds):
        for name, run in contenders.items():
            gc.disable()
            start = time.thread_time_ns()
            calls = run()
            elapsed = time.thread_time_ns() - start
            gc.enable()
            best[name] = max(best[name], calls / (elapsed / 1e9))
    for name, rate in best.items():
        print(f"{name:8} {rate:10.0f} calls/s  ({rate / best['twisted']:.2f}x Twisted)")


if __name__ == "__main__":
    main()
