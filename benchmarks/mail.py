"""twistio.mail's servers against Twisted's, in one process: CPU time per protocol session.

    python -m benchmarks.mail [--quick]

Each workload feeds a whole client session, cut into 16 KiB chunks, to a fresh server protocol
on a transport that drops what it is given (no sockets, no event loop): an SMTP delivery of a
76 KB message, a POP3 RETR of the same message, an IMAP4 FETCH of flags, UID, size and
envelope of 100 messages. Contenders run in alternating rounds, each a fixed number of
sessions calibrated so the slower one takes about 30 ms; a round is timed with
``time.thread_time_ns`` with the garbage collector off; each contender's score is its best
round. Sessions per second, higher is better.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import platform
import sys
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python benchmarks/mail.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHUNK = 16 * 1024
BODY_LINES = [b"%04d " % i + b"x" * 70 for i in range(1000)]
MESSAGE_LF = b"Subject: benchmark\nFrom: a@example.com\n\n" + b"\n".join(BODY_LINES) + b"\n"


class _NullTransport:
    disconnecting = False
    producer: Any = None

    def write(self, data: bytes) -> None:
        pass

    def writeSequence(self, data: Any) -> None:
        pass

    def loseConnection(self) -> None:
        self.disconnecting = True

    def getPeer(self) -> Any:
        return _ADDRESS

    def getHost(self) -> Any:
        return _ADDRESS

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        self.producer = producer

    def unregisterProducer(self) -> None:
        self.producer = None

    def pauseProducing(self) -> None:
        pass

    def resumeProducing(self) -> None:
        pass


class _Address:
    host = "127.0.0.1"
    port = 25
    type = "TCP"


_ADDRESS = _Address()


def _chunks(data: bytes) -> list[bytes]:
    return [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]


def _run_producer(transport: _NullTransport) -> None:
    while transport.producer is not None:
        transport.producer.resumeProducing()


def _smtp(pkg: str) -> Callable[[], None]:
    smtp = importlib.import_module(pkg + ".mail.smtp")
    defer = importlib.import_module(pkg + ".internet.defer")

    class Message:
        def lineReceived(self, line: bytes) -> None:
            pass

        def eomReceived(self) -> Any:
            return defer.succeed(None)

        def connectionLost(self) -> None:
            pass

    class Delivery:
        def receivedHeader(self, helo: Any, origin: Any, recipients: Any) -> None:
            return None

        def validateFrom(self, helo: Any, origin: Any) -> Any:
            return origin

        def validateTo(self, user: Any) -> Any:
            return Message

    session = (b"EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"
               + MESSAGE_LF.replace(b"\n", b"\r\n") + b".\r\nQUIT\r\n")
    chunks = _chunks(session)
    delivery = Delivery()

    def run() -> None:
        p = smtp.ESMTP()
        p.delivery = delivery
        p.timeout = None
        p.makeConnection(_NullTransport())
        for chunk in chunks:
            p.dataReceived(chunk)
        p.connectionLost(None)

    return run


def _pop3(pkg: str) -> Callable[[], None]:
    pop3 = importlib.import_module(pkg + ".mail.pop3")
    defer = importlib.import_module(pkg + ".internet.defer")

    class Box:
        def listMessages(self, i: Any = None) -> Any:
            return [len(MESSAGE_LF)] if i is None else len(MESSAGE_LF)

        def getMessage(self, i: int) -> Any:
            return BytesIO(MESSAGE_LF)

        def getUidl(self, i: int) -> bytes:
            return b"uid"

        def deleteMessage(self, i: int) -> None:
            pass

        def undeleteMessages(self) -> None:
            pass

        def sync(self) -> None:
            pass

    def schedule(iterator: Any) -> Any:
        for _ in iterator:
            pass
        return defer.succeed(iterator)

    box = Box()

    def run() -> None:
        p = pop3.POP3()
        p.magic = b"<m>"
        p.schedule = schedule
        p.timeOut = None
        p.mbox = box
        t = _NullTransport()
        p.makeConnection(t)
        p.dataReceived(b"STAT\r\nRETR 1\r\n")
        _run_producer(t)
        p.dataReceived(b"QUIT\r\n")
        p.connectionLost(None)

    return run


def _imap4(pkg: str) -> Callable[[], None]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.differential.test_mail_imap4_differential import MSG1, make

    imap4, defer, Account, _Mailbox = make(pkg)
    account = Account(b"alice")
    account.addMailbox("INBOX")
    for _ in range(100):
        account.mailboxes["INBOX"].addMessage(BytesIO(MSG1), ["\\Seen"], "Mon, 07 Dec 2026 01:02:03 +0000")

    def schedule(iterator: Any) -> Any:
        for _ in iterator:
            pass
        return defer.succeed(None)

    session = b"a SELECT INBOX\r\nb FETCH 1:* (FLAGS UID RFC822.SIZE ENVELOPE)\r\nc LOGOUT\r\n"

    def run() -> None:
        p = imap4.IMAP4Server(scheduler=schedule)
        p.timeOut = None
        t = _NullTransport()
        p.makeConnection(t)
        p.account = account
        p.state = "auth"
        p.dataReceived(session)
        p.connectionLost(None)

    return run


WORKLOADS: dict[str, Callable[[str], Callable[[], None]]] = {
    "SMTP delivery of a 76 KB message": _smtp,
    "POP3 RETR of a 76 KB message": _pop3,
    "IMAP4 FETCH envelope of 100 messages": _imap4,
}


def _round(run: Callable[[], None], n: int) -> int:
    gc.disable()
    try:
        start = time.thread_time_ns()
        for _ in range(n):
            run()
        return time.thread_time_ns() - start
    finally:
        gc.enable()


def measure(name: str, rounds: int, target_ns: int) -> dict[str, list[float]]:
    """Sessions per second of each contender, one figure per round."""
    runs = {pkg: WORKLOADS[name](pkg) for pkg in ("twistio", "twisted")}
    for run in runs.values():
        run()
    slowest = max(_round(run, 1) for run in runs.values())
    n = max(1, target_ns // max(slowest, 1))
    rates: dict[str, list[float]] = {pkg: [] for pkg in runs}
    for _ in range(rounds):
        for pkg, run in runs.items():
            rates[pkg].append(n / (_round(run, n) / 1e9))
    return rates


def records(quick: bool = False, smoke: bool = False) -> list[dict[str, Any]]:
    """The suite's entry point: every round's figure, in sessions/s."""
    rounds = 2 if smoke else 5 if quick else 15
    target_ns = 1_000_000 if smoke else 20_000_000 if quick else 30_000_000
    out = []
    for name in list(WORKLOADS)[:1] if smoke else WORKLOADS:
        rates = measure(name, rounds, target_ns)
        for pkg, samples in rates.items():
            out.append({"workload": name, "contender": pkg, "unit": "sessions/s", "samples": samples})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    args = parser.parse_args(argv)
    rounds, target_ns = (5, 20_000_000) if args.quick else (15, 30_000_000)
    import twisted

    import twistio

    print(f"Python {platform.python_version()}, twistio {twistio.__version__}, Twisted {twisted.__version__}; "
          f"best of {rounds} interleaved rounds of ~{target_ns // 1_000_000} ms CPU time")
    for name in WORKLOADS:
        rates = measure(name, rounds, target_ns)
        best = {pkg: max(r) for pkg, r in rates.items()}
        print(f"  {name:40} twistio {best['twistio']:9.0f}/s  Twisted {best['twisted']:9.0f}/s  "
              f"ratio {best['twistio'] / best['twisted']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
