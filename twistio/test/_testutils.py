"""What third-party suites import from Twisted's ``twisted.test.testutils``.

Twisted's test-support module is not twistio API; under the alias ``twisted.test.testutils``
is this module (``twistio.compat`` maps it), so that suites built on its ``IOPump`` (ldaptor's)
run. Its name is private so that Twisted's own copy is used wherever it is available.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from twistio.internet.protocol import FileWrapper

__all__ = ["FileWrapper", "IOPump", "returnConnected"]


class IOPump:
    """Moves what two protocols wrote to their ``FileWrapper`` transports (``clientIO`` and
    ``serverIO``, ``BytesIO`` objects) over to the other side.

    Twisted's hands the data over a byte at a time; this one hands it over in one call.
    """

    def __init__(self, client: Any, server: Any, clientIO: Any, serverIO: Any) -> None:
        self.client = client
        self.server = server
        self.clientIO = clientIO
        self.serverIO = serverIO

    def _take(self, io: Any) -> bytes:
        io.seek(0)
        data: bytes = io.read()
        io.seek(0)
        io.truncate()
        return data

    def pump(self) -> int:
        """Move what is waiting each way; 1 if anything moved, else 0."""
        from_client = self._take(self.clientIO)
        from_server = self._take(self.serverIO)
        if from_client:
            self.server.dataReceived(from_client)
        if from_server:
            self.client.dataReceived(from_server)
        return 1 if from_client or from_server else 0

    def flush(self) -> None:
        """Pump until nothing moves."""
        while self.pump():
            pass


def returnConnected(server: Any, client: Any) -> IOPump:
    """Connect two protocols through ``FileWrapper`` transports; the ``IOPump`` between them
    (already flushed once)."""
    client_io, server_io = BytesIO(), BytesIO()
    client.makeConnection(FileWrapper(client_io))
    server.makeConnection(FileWrapper(server_io))
    pump = IOPump(client, server, client_io, server_io)
    pump.flush()
    return pump
