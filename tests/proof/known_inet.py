"""Understood failures of Twisted's reactor test suites (twisted.internet.test.*) under the
alias (see ``classify`` in __main__.py): test id (or a prefix ending in ".") -> (kind, why).

ReactorBuilder tests run once per reactor class; a prefix ending in "." names the test on
every reactor (``_every`` below)."""

from __future__ import annotations

_DIFF = "difference"
_PRIVATE = "private"
_BUG = "bug"

_REACTORS = ("Select", "Poll", "EPoll", "AsyncioSelector", "ThreadedSelect")


def _every(
    module: str, builder: str, names: str, why: tuple[str, str]
) -> dict[str, tuple[str, str]]:
    """Each of ``names`` of ``builder`` on every reactor."""
    return {
        f"twisted.internet.test.{module}.{builder}_{r}ReactorTests.{n}": why
        for r in _REACTORS
        for n in names.split()
    }


_READERS = (
    _PRIVATE,
    "the test looks for the TCP/UNIX transport among reactor.getReaders(): twistio's "
    "connections are asyncio's transports, not descriptors in the reactor's FD set "
    "(docs/differences.md, IReactorFDSet)",
)
_STREAMING = (
    _DIFF,
    "a streaming producer is paused when asyncio's write buffer passes its high-water mark, "
    "not when one pass of writes exceeds bufferSize (docs/differences.md, 'A streaming "
    "producer')",
)
_SENDMSG = (
    _DIFF,
    "a UNIX connection whose protocol does not provide IFileDescriptorReceiver reads with "
    "asyncio's transport (recv, not recvmsg): the descriptors sent to it are dropped by the "
    "kernel, not leaked, but unseen, so twistio cannot log that it closed them "
    "(docs/differences.md, 'File descriptors')",
)

_EXEC = (
    _PRIVATE,
    "patches os.execvpe (and sets reactor._neverUseSpawn) to fail Twisted's fork-then-exec in "
    "the child; twistio's spawnProcess starts the child with subprocess, whose exec is C "
    "code that never calls os.execvpe",
)
_UID = (
    "environment",
    "the child, run as uid 1, may not execute this virtualenv's python (a directory on the "
    "path is not searchable by that user): fails the same way under Twisted here",
)

_BY_HAND = (
    _DIFF,
    "builds tcp.Connection/tcp.Server from a (fake) socket by hand: twistio's connections "
    "are made by its ports and connectors over asyncio's transports (docs/differences.md, "
    "tcp.Server)",
)

KNOWN: dict[str, tuple[str, str]] = {
    "twisted.test.test_tcp.HalfCloseTests.testCloseWriteCloser": (
        _PRIVATE,
        "reads the transport's _tempDataBuffer (Twisted's write buffer; asyncio buffers here)",
    ),
    "twisted.test.test_tcp.PauseProducingTests.test_pauseProducingInConnectionMade": _READERS,
    "twisted.test.test_tcp.ProperlyCloseFilesTests.test_properlyCloseFiles": (
        _PRIVATE,
        "sends on the transport's socket directly; twistio's is asyncio's TransportSocket "
        "wrapper, which allows no I/O (the transport owns the socket)",
    ),
    **{
        f"twisted.internet.test.test_tcp.{name}": _BY_HAND
        for name in (
            "TCPConnectionTests.test_noTLSBeforeStartTLS",
            "TCPConnectionTests.test_tlsAfterStartTLS",
            "TCPServerTests.",
        )
    },
    **{
        key: why
        for builder in ("ProcessTestsBuilder", "PTYProcessTestsBuilder")
        for name, why in (("test_errorDuringExec", _EXEC), ("test_changeUID", _UID))
        for key, why in _every("test_process", builder, name, why).items()
    },
    **_every("test_tcp", "TCPConnectionTestsBuilder", "test_resumeProducing", _READERS),
    **_every(
        "test_tcp",
        "TCPConnectionTestsBuilder",
        "test_resumeProducingWhileDisconnected",
        (_PRIVATE, "calls the transport's connectionLost (a selectable's method) directly"),
    ),
    **_every("test_tcp", "AdoptStreamConnectionTestsBuilder", "test_streamingProducer", _STREAMING),
    **_every(
        "test_unix", "UNIXAdoptStreamConnectionTestsBuilder", "test_streamingProducer", _STREAMING
    ),
    **_every("test_tcp", "TCPTransportTestsBuilder", "test_streamingProducer", _STREAMING),
    **_every("test_unix", "UNIXTestsBuilder", "test_avoidLeakingFileDescriptors", _SENDMSG),
    **_every(
        "test_unix",
        "UNIXTestsBuilder",
        "test_listenFailure",
        (_PRIVATE, "patches base.BasePort.createInternetSocket, which twistio's ports do not use"),
    ),
    **_every(
        "test_fdset",
        "ReactorFDSetTestsBuilder",
        "test_lostFileDescriptor",
        (
            _DIFF,
            "every reactor name is asyncio's epoll loop here, which cannot see a descriptor "
            "closed and replaced (Twisted skips the test on its epoll reactor for that reason)",
        ),
    ),
}
