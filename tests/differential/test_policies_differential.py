"""protocols.policies' logging wrappers on Twisted and on twistio: the same traffic gives the
same log files and the same log messages."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("twisted.protocols.policies")

import twisted.internet.protocol as twisted_protocol  # noqa: E402
import twisted.internet.testing as twisted_testing  # noqa: E402
import twisted.protocols.policies as twisted_policies  # noqa: E402
import twisted.python.log as twisted_log  # noqa: E402

import twistio.internet.protocol as twistio_protocol  # noqa: E402
import twistio.internet.testing as twistio_testing  # noqa: E402
import twistio.protocols.policies as twistio_policies  # noqa: E402
import twistio.python.log as twistio_log  # noqa: E402

IMPLS = [
    SimpleNamespace(
        name="twisted", protocol=twisted_protocol, testing=twisted_testing,
        policies=twisted_policies, log=twisted_log,
    ),
    SimpleNamespace(
        name="twistio", protocol=twistio_protocol, testing=twistio_testing,
        policies=twistio_policies, log=twistio_log,
    ),
]


def _echo_factory(impl: SimpleNamespace) -> Any:
    class Echo(impl.protocol.Protocol):  # type: ignore[misc,name-defined]
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data.upper())
            self.transport.writeSequence([b"one", b"two"])

    return impl.protocol.Factory.forProtocol(Echo)


def _traffic(impl: SimpleNamespace, where: Path) -> dict[str, str]:
    here = os.getcwd()
    os.chdir(where)
    try:
        factory = impl.policies.TrafficLoggingFactory(_echo_factory(impl), "traffic")
        for chunk in (b"hello\x00world", b"again"):
            proto = factory.buildProtocol(None)
            proto.makeConnection(impl.testing.StringTransport())
            proto.dataReceived(chunk)
            proto.loseConnection()
            proto.connectionLost(impl.protocol.connectionDone)
        factory.resetCounter()
        assert factory._counter == 0
    finally:
        os.chdir(here)
    return {
        p.name: p.read_text().replace(impl.name, "PKG") for p in sorted(where.iterdir())
    }


def test_traffic_logging_files_match(tmp_path: Path) -> None:
    files = {}
    for impl in IMPLS:
        (tmp_path / impl.name).mkdir()
        files[impl.name] = _traffic(impl, tmp_path / impl.name)
    assert files["twistio"] == files["twisted"]
    assert list(files["twistio"]) == ["traffic-1", "traffic-2"]
    assert files["twistio"]["traffic-2"].splitlines()[:4] == [
        "*",
        "C 2: b'again'",
        "S 2: b'AGAIN'",
        "SV 2: [b'one', b'two']",
    ]


def test_spewing_messages_match() -> None:
    seen = {}
    for impl in IMPLS:
        events: list[dict[str, Any]] = []
        impl.log.addObserver(events.append)
        try:
            proto = impl.policies.SpewingFactory(_echo_factory(impl)).buildProtocol(None)
            proto.makeConnection(impl.testing.StringTransport())
            proto.dataReceived(b"spew")
        finally:
            impl.log.removeObserver(events.append)
        seen[impl.name] = [impl.log.textFromEventDict(e) for e in events]
    assert seen["twistio"] == seen["twisted"] == [
        "Received: b'spew'", "Sending: b'SPEW'",
    ]


def test_traffic_log_length_limit_and_closing(tmp_path: Path) -> None:
    """twistio: bytes over ``lengthLimit`` are cut with a marker (Twisted's raises TypeError
    there), and the file is closed when the connection is lost."""
    factory = twistio_policies.TrafficLoggingFactory(
        _echo_factory(IMPLS[1]), str(tmp_path / "cut"), lengthLimit=16
    )
    proto = factory.buildProtocol(None)
    proto.makeConnection(twistio_testing.StringTransport())
    proto.dataReceived(b"0123456789abcdefghij")
    proto.connectionLost(twistio_protocol.connectionDone)
    assert proto.logfile.closed
    lines = (tmp_path / "cut-1").read_text().splitlines()
    assert lines[1] == "C 1: b'0123<... elided>'"
