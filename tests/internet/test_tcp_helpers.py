"""tcp's helpers: numeric IPv6 resolution, buffered logs, and the descriptor held back for
listening ports that run out of descriptors (Twisted's tests import them by these names)."""

from __future__ import annotations

import errno
import io
import os
import socket
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from twistio.internet import tcp
from twistio.internet.interfaces import implementer  # noqa: F401  (interface machinery)
from twistio.python import log


def test_resolve_ipv6_keeps_the_port_and_looks_nothing_up() -> None:
    host, port, flowinfo, scope_id = tcp._resolveIPv6("::1", 2)
    assert (host, port) == ("::1", 2)
    assert isinstance(flowinfo, int) and isinstance(scope_id, int)
    assert tcp._resolveIPv6("::1", 123456)[:2] == ("::1", 123456)
    assert tcp._resolveIPv6("::1", -1)[:2] == ("::1", -1)
    for host_, port_ in (("localhost", 1), ("::1", "http")):
        with pytest.raises(socket.gaierror) as raised:
            tcp._resolveIPv6(host_, port_)  # type: ignore[arg-type]
        assert raised.value.args[0] == socket.EAI_NONAME


def test_buffers_logs_until_the_block_ends() -> None:
    events: list[dict[str, Any]] = []
    with tcp._BuffersLogs("a.b", events.append) as logger:
        logger.info("one {n}", n=1)
        assert events == []
    assert [(e["log_format"], e["log_namespace"], e["n"]) for e in events] == [("one {n}", "a.b", 1)]
    events.clear()
    with pytest.raises(KeyError), tcp._BuffersLogs("a.b", events.append) as logger:
        logger.warn("two")
        raise KeyError("x")
    assert [e["log_format"] for e in events] == ["two"]


def test_file_descriptor_reservation(tmp_path: Any) -> None:
    opened: list[io.TextIOWrapper] = []

    def factory() -> io.TextIOWrapper:
        opened.append(open(tmp_path / "reserve", "w"))  # noqa: SIM115
        return opened[-1]

    reservation = tcp._FileDescriptorReservation(factory)
    assert tcp._IFileDescriptorReservation.providedBy(reservation)
    assert not reservation.available()
    with pytest.raises(RuntimeError), reservation:
        pass
    for _ in range(3):
        reservation.reserve()
    assert len(opened) == 1 and reservation.available()
    with reservation:
        assert opened[0].closed and not reservation.available()
    assert len(opened) == 2 and reservation.available()
    with pytest.raises(ZeroDivisionError), reservation:
        1 / 0  # noqa: B018
    assert reservation.available()


def test_reservation_errors() -> None:
    seen: list[dict[str, Any]] = []
    log.addObserver(seen.append)
    try:

        def out_of_descriptors() -> io.BytesIO:
            raise OSError(errno.EMFILE, "too many")

        reservation = tcp._FileDescriptorReservation(out_of_descriptors)
        reservation.reserve()  # logged, not raised
        assert not reservation.available()
        assert [e["failure"].value.errno for e in seen if e.get("isError")] == [errno.EMFILE]

        for kind in (OSError, ValueError):

            def other(kind: type[Exception] = kind) -> io.BytesIO:
                raise kind(errno.EMFILE + 1, "other")

            with pytest.raises(kind):
                tcp._FileDescriptorReservation(other).reserve()

        calls = [0]

        def fails_second_time() -> io.BytesIO:
            calls[0] += 1
            if calls[0] > 1:
                raise LookupError("cannot reopen")
            return io.BytesIO()

        seen.clear()
        reopening = tcp._FileDescriptorReservation(fails_second_time)
        reopening.reserve()
        with pytest.raises(KeyError), reopening:
            raise KeyError("the block's own")
        assert [type(e["failure"].value) for e in seen if e.get("isError")] == [LookupError]
    finally:
        log.removeObserver(seen.append)

    null = tcp._NullFileDescriptorReservation()
    assert tcp._IFileDescriptorReservation.providedBy(null)
    null.reserve()
    assert not null.available()
    with null:
        pass


@pytest.mark.skipif(os.name != "posix", reason="descriptor limits are POSIX")
def test_listening_socket_refuses_a_client_when_out_of_descriptors() -> None:
    # In a child: it exhausts its descriptors on purpose.
    program = textwrap.dedent(
        """
        import errno, os, resource, socket
        from twistio.internet import tcp

        resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
        tcp._reservedFD.reserve()
        port = tcp._ListeningSocket(socket.AF_INET, socket.SOCK_STREAM)
        port.bind(("127.0.0.1", 0))
        port.listen(5)
        clients = [socket.create_connection(port.getsockname()) for _ in range(3)]
        port.settimeout(5)
        hog = []
        while True:
            try:
                hog.append(os.open(os.devnull, os.O_RDONLY))
            except OSError:
                break
        try:
            port.accept()
        except ConnectionAbortedError:
            print("refused")
        clients[0].settimeout(5)
        print("closed" if clients[0].recv(1) == b"" else "open")
        # The reservation is back: the next client is refused the same way.
        try:
            port.accept()
        except ConnectionAbortedError:
            print("refused again")
        held = tcp._reservedFD  # still holding its descriptor
        tcp._reservedFD = tcp._NullFileDescriptorReservation()
        try:
            port.accept()
        except OSError as e:
            print(errno.errorcode[e.errno])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split("\n")[:4] == ["refused", "closed", "refused again", "EMFILE"], done.stderr
