"""The Identification Protocol (RFC 1413, "ident"): which user owns a TCP connection.

``IdentServer`` answers queries ``<port on server>, <port on client>`` with
``<ports> : USERID : <system> : <user>`` or ``<ports> : ERROR : <error>``; subclass it and
override ``lookup`` (``ProcServerMixin`` provides one that reads Linux's
``/proc/net/tcp``). ``IdentClient.lookup`` asks a server, one query at a time.

Lines are text: the protocols take ``str`` or ASCII ``bytes`` lines and send ``str`` lines
through ``sendLine``, which encodes them for the transport.
"""

from __future__ import annotations

import pwd
import socket
import struct
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

from twistio.internet import defer
from twistio.internet.protocol import connectionDone
from twistio.protocols import basic
from twistio.python import log
from twistio.python.failure import Failure

if TYPE_CHECKING:
    from twistio.internet.address import IPv4Address

__all__ = [
    "HiddenUser",
    "IdentClient",
    "IdentError",
    "IdentServer",
    "InvalidPort",
    "NoUser",
    "ProcServerMixin",
]

_MIN_PORT = 1
_MAX_PORT = 65535


class IdentError(Exception):
    """The owner of the connection cannot be told, for no more precise reason."""

    identDescription = "UNKNOWN-ERROR"

    def __str__(self) -> str:
        return self.identDescription


class NoUser(IdentError):
    """No connection uses that port pair, or its owner cannot be identified."""

    identDescription = "NO-USER"


class InvalidPort(IdentError):
    """A port of the query is not a number from 1 to 65535."""

    identDescription = "INVALID-PORT"


class HiddenUser(IdentError):
    """The owner is known but chose not to be named."""

    identDescription = "HIDDEN-USER"


def _text(line: str | bytes) -> str:
    return line.decode("ascii", "replace") if isinstance(line, bytes) else line


class _TextLines(basic.LineOnlyReceiver):
    """Line receiving that sends text lines (encoded as ASCII)."""

    def sendLine(self, line: str | bytes) -> None:
        if isinstance(line, str):
            line = line.encode("ascii", "replace")
        basic.LineOnlyReceiver.sendLine(self, line)


class IdentServer(_TextLines):
    """Answers ident queries about connections to this host.

    ``lookup`` decides each answer; this one gives ``UNKNOWN-ERROR`` for every query.
    A line that is not two comma-separated numbers closes the connection.
    """

    def lineReceived(self, line: str | bytes) -> None:
        parts = _text(line).split(",")
        if len(parts) != 2:
            self.invalidQuery()
            return
        try:
            portOnServer, portOnClient = int(parts[0]), int(parts[1])
        except ValueError:
            self.invalidQuery()
            return
        for port in (portOnServer, portOnClient):
            if not _MIN_PORT <= port <= _MAX_PORT:
                error = InvalidPort.identDescription
                self.sendLine(f"{portOnServer}, {portOnClient} : ERROR : {error}")
                return
        self.validQuery(portOnServer, portOnClient)

    def invalidQuery(self) -> None:
        """The query could not be read: close the connection."""
        self.transport.loseConnection()

    def validQuery(self, portOnServer: int, portOnClient: int) -> None:
        """Look the port pair up (with this connection's two hosts) and answer."""
        serverAddress = (cast("IPv4Address", self.transport.getHost()).host, portOnServer)
        clientAddress = (cast("IPv4Address", self.transport.getPeer()).host, portOnClient)
        d = defer.maybeDeferred(self.lookup, serverAddress, clientAddress)
        d.addCallbacks(
            self._cbLookup,
            self._ebLookup,
            callbackArgs=(portOnServer, portOnClient),
            errbackArgs=(portOnServer, portOnClient),
        )
        d.addErrback(log.err)

    def _cbLookup(self, result: tuple[str, str], sport: int, cport: int) -> None:
        sysName, userId = result
        self.sendLine(f"{sport}, {cport} : USERID : {sysName} : {userId}")

    def _ebLookup(self, failure: Failure, sport: int, cport: int) -> None:
        if failure.check(IdentError):
            description = str(failure.value)
        else:
            log.err(failure)
            description = IdentError.identDescription
        self.sendLine(f"{sport}, {cport} : ERROR : {description}")

    def lookup(self, serverAddress: tuple[str, int], clientAddress: tuple[str, int]) -> Any:
        """Who owns the connection from ``clientAddress`` to ``serverAddress`` (each a
        ``(dotted quad, port)`` pair): a ``(system name, user name)`` pair, or a Deferred
        of one; raise (or fail with) an ``IdentError`` to answer with that error."""
        raise IdentError()


class ProcServerMixin:
    """A ``lookup`` for Linux: the owner of the matching ``/proc/net/tcp`` entry."""

    SYSTEM_NAME = "LINUX"

    def getUsername(self, uid: int, getpwuid: Callable[[int], Any] = pwd.getpwuid) -> str:
        """The login name of ``uid``."""
        return str(getpwuid(uid)[0])

    def entries(self) -> Iterator[str]:
        """The lines of ``/proc/net/tcp``, less its heading."""
        with open("/proc/net/tcp") as table:
            next(table, None)
            yield from table

    def dottedQuadFromHexString(self, hexstr: str) -> str:
        """An address as ``/proc/net/tcp`` writes it (hexadecimal, host byte order) as a
        dotted quad."""
        return socket.inet_ntoa(struct.pack("=L", int(hexstr, 16)))

    def unpackAddress(self, packed: str) -> tuple[str, int]:
        """``"0100007F:0050"`` as ``("127.0.0.1", 80)``."""
        host, port = packed.split(":")
        return self.dottedQuadFromHexString(host), int(port, 16)

    def parseLine(self, line: str) -> tuple[tuple[str, int], tuple[str, int], int]:
        """An entry's local address, remote address and owner's uid."""
        fields = line.split()
        return self.unpackAddress(fields[1]), self.unpackAddress(fields[2]), int(fields[7])

    def lookup(
        self, serverAddress: tuple[str, int], clientAddress: tuple[str, int]
    ) -> tuple[str, str]:
        """The owner of the entry whose remote end is ``clientAddress`` and whose local port
        is ``serverAddress``'s; ``NoUser`` if there is none."""
        for line in self.entries():
            local, remote, uid = self.parseLine(line)
            if remote == clientAddress and local[1] == serverAddress[1]:
                return (self.SYSTEM_NAME, self.getUsername(uid))
        raise NoUser()


class IdentClient(_TextLines):
    """Asks an ident server who owns connections; ``lookup`` queues a query and gives a
    Deferred of ``(response type, additional info)``, e.g. ``("USERID", "UNIX : alice")``.
    Queries go out one at a time, each after the previous answer."""

    errorTypes = (IdentError, NoUser, InvalidPort, HiddenUser)

    def __init__(self) -> None:
        self.queries: list[tuple[defer.Deferred[Any], int, int]] = []

    def lookup(self, portOnServer: int, portOnClient: int) -> defer.Deferred[Any]:
        """Ask who owns the connection between ``portOnServer`` on the server and
        ``portOnClient`` here."""
        d: defer.Deferred[Any] = defer.Deferred()
        self.queries.append((d, portOnServer, portOnClient))
        if len(self.queries) == 1:
            self.sendLine(f"{portOnServer}, {portOnClient}")
        return d

    def lineReceived(self, line: str | bytes) -> None:
        if not self.queries:
            log.msg(f"Unexpected ident answer: {line!r}")
            return
        d, _, _ = self.queries.pop(0)
        self.parseResponse(d, _text(line))
        if self.queries:
            _, portOnServer, portOnClient = self.queries[0]
            self.sendLine(f"{portOnServer}, {portOnClient}")

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        queries, self.queries = self.queries, []
        for d, _, _ in queries:
            d.errback(IdentError(reason))

    def parseResponse(self, deferred: defer.Deferred[Any], line: str) -> None:
        """Fire ``deferred`` from the answer ``line``: with ``(type, info)``, or with the
        ``IdentError`` an ``ERROR`` answer names."""
        parts = [part.strip() for part in line.split(":", 2)]
        if len(parts) != 3:
            deferred.errback(IdentError(line))
            return
        _, kind, info = parts
        if kind != "ERROR":
            deferred.callback((kind, info))
            return
        for errorType in self.errorTypes:
            if errorType.identDescription == info:
                deferred.errback(errorType(line))
                return
        deferred.errback(IdentError(line))
