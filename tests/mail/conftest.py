"""Shared fixtures of the mail tests: a throwaway CA and server certificate, a running
twistio server on 127.0.0.1, and a helper to run blocking clients (smtplib, poplib,
imaplib) in a worker thread with a deadline.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio

OPENSSL = shutil.which("openssl")
TIMEOUT = 5.0
T = TypeVar("T")


def _openssl(*args: str, cwd: Path) -> None:
    assert OPENSSL is not None
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True)


class Certs:
    """A CA and a server certificate for localhost / 127.0.0.1."""

    def __init__(self, root: Path) -> None:
        from twistio.internet import ssl

        self.root = root
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                 "-subj", "/CN=twistio mail test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=root)
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost", cwd=root)
        (root / "server.ext").write_text(
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-set_serial", "4242", "-days", "2", "-out", "server.pem", "-extfile", "server.ext", cwd=root)
        self.ca_path = str(root / "ca.pem")
        self.ca = ssl.Certificate.loadPEM((root / "ca.pem").read_bytes())
        self.server = ssl.PrivateCertificate.loadPEM(
            (root / "server.key").read_bytes() + (root / "server.pem").read_bytes())

    def server_options(self) -> Any:
        return self.server.options()

    def client_options(self) -> Any:
        from twistio.internet import ssl

        return ssl.optionsForClientTLS("localhost", trustRoot=self.ca)


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    if OPENSSL is None:
        pytest.skip("the openssl command is needed")
    return Certs(tmp_path_factory.mktemp("mailtls"))


@pytest_asyncio.fixture
async def listen() -> AsyncIterator[Callable[[Any], int]]:
    """Listen with a factory on 127.0.0.1 port 0; the port; stopped after the test."""
    from twistio.internet import reactor

    ports: list[Any] = []

    def start(factory: Any) -> int:
        port = reactor.listenTCP(0, factory, interface="127.0.0.1")  # type: ignore[attr-defined]
        ports.append(port)
        return int(port.getHost().port)

    yield start
    for port in ports:
        await port.stopListening()


async def in_thread(fn: Callable[[], T], timeout: float = TIMEOUT) -> T:
    """Run a blocking client in a worker thread, with a deadline."""
    return await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, fn), timeout)
