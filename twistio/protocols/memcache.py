"""A client for memcached's text protocol.

Connect a ``MemCacheProtocol`` to a server (port ``DEFAULT_PORT``) and call its methods;
each sends one command and returns a ``Deferred`` for the answer. Commands may be pipelined:
answers come back in order::

    endpoint = TCP4ClientEndpoint(reactor, "localhost", DEFAULT_PORT)
    client = await connectProtocol(endpoint, MemCacheProtocol())
    await client.set(b"greeting", b"hello")
    flags, value = await client.get(b"greeting")

Keys and values are bytes; a key may be at most ``MAX_KEY_LENGTH`` bytes. A command that
gets no answer within ``persistentTimeOut`` seconds of the last thing the server sent fails
with ``TimeoutError`` and closes the connection, failing every other pending command too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from twistio.internet.defer import Deferred, TimeoutError, fail
from twistio.internet.protocol import connectionDone
from twistio.protocols.basic import LineReceiver
from twistio.protocols.policies import TimeoutMixin
from twistio.python import log
from twistio.python.failure import Failure

__all__ = ["DEFAULT_PORT", "ClientError", "MemCacheProtocol", "NoSuchCommand", "ServerError"]

DEFAULT_PORT = 11211


class NoSuchCommand(Exception):
    """The server does not know the command it was sent (it answered ``ERROR``)."""


class ClientError(Exception):
    """The call was invalid: a key or value of the wrong type, a key too long, or input the
    server refused (``CLIENT_ERROR``)."""


class ServerError(Exception):
    """The server failed to carry out the command (``SERVER_ERROR``)."""


class Command:
    """One command sent and waiting for its answer: its name (``command``, bytes), whatever
    keyword arguments it was made with as attributes, and the Deferred its answer fires."""

    def __init__(self, command: bytes, **kwargs: Any) -> None:
        self.command = command
        self._deferred: Deferred[Any] = Deferred()
        for name, value in kwargs.items():
            setattr(self, name, value)

    if TYPE_CHECKING:  # the attributes come from the keyword arguments

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...

    def success(self, value: object) -> None:
        """Fire the command's Deferred with ``value``."""
        self._deferred.callback(value)

    def fail(self, error: BaseException | Failure) -> None:
        """Fail the command's Deferred with ``error``."""
        self._deferred.errback(error)


def _keyProblem(key: object, limit: int) -> ClientError | None:
    if not isinstance(key, bytes):
        return ClientError(f"Invalid type for key: {type(key)}, expecting bytes")
    if len(key) > limit:
        return ClientError("Key too long")
    return None


#: Answers followed by text, and answers that are one word.
_WITH_TEXT = frozenset([b"VALUE", b"STAT", b"VERSION", b"CLIENT_ERROR", b"SERVER_ERROR"])
_BARE = frozenset(
    [b"STORED", b"NOT_STORED", b"END", b"NOT_FOUND", b"ERROR", b"DELETED", b"OK", b"EXISTS"]
)


class MemCacheProtocol(LineReceiver, TimeoutMixin):
    """The client side of a connection to memcached.

    ``timeOut`` (seconds, ``persistentTimeOut``) bounds the wait for each answer; the timer
    runs only while commands are pending and restarts whenever the server sends something.
    Once the connection is lost, every call fails with ``RuntimeError("not connected")``.
    """

    MAX_KEY_LENGTH = 250
    _disconnected = False

    def __init__(self, timeOut: float = 60) -> None:
        self._current: deque[Command] = deque()
        self._lenExpected: int | None = None
        self._getBuffer: list[bytes] | None = None
        self._bufferLength: int | None = None
        self.persistentTimeOut = self.timeOut = timeOut

    # -- the connection --------------------------------------------------------------------

    def _cancelCommands(self, reason: BaseException | Failure) -> None:
        """Fail every pending command with ``reason``."""
        while self._current:
            self._current.popleft().fail(reason)

    def timeoutConnection(self) -> None:
        """No answer in time: fail the pending commands and close the connection."""
        self._cancelCommands(TimeoutError("Connection timeout"))
        self.transport.loseConnection()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Fail the pending commands with ``reason``; later calls fail at once."""
        self._disconnected = True
        self.setTimeout(None)
        self._cancelCommands(reason)
        LineReceiver.connectionLost(self, reason)

    def sendLine(self, line: bytes) -> None:
        """Send ``line``; the answer timer starts if nothing was pending."""
        if not self._current:
            self.setTimeout(self.persistentTimeOut)
        LineReceiver.sendLine(self, line)

    def _issue(self, line: bytes, command: Command, payload: bytes | None = None) -> Deferred[Any]:
        self.sendLine(line)
        if payload is not None:
            self.sendLine(payload)
        self._current.append(command)
        return command._deferred

    def _answered(self) -> Command:
        if not self._current:
            raise RuntimeError("Unexpected answer from the server: no command is pending")
        command = self._current.popleft()
        if not self._current:
            self.setTimeout(None)
        return command

    # -- answers ---------------------------------------------------------------------------

    def rawDataReceived(self, data: bytes) -> None:
        """Collect the bytes of a value announced by a ``VALUE`` line."""
        self.resetTimeout()
        assert self._getBuffer is not None and self._lenExpected is not None
        self._getBuffer.append(data)
        self._bufferLength = (self._bufferLength or 0) + len(data)
        wanted = self._lenExpected + 2  # the value, then CRLF
        if self._bufferLength < wanted:
            return
        received = b"".join(self._getBuffer)
        value, rest = received[: self._lenExpected], received[wanted:]
        self._getBuffer = self._lenExpected = self._bufferLength = None
        command = self._current[0]
        if command.multiple:
            flags, cas, _ = command.values[command.currentKey]
            command.values[command.currentKey] = (flags, cas, value)
        else:
            command.value = value
        self.setLineMode(rest)

    def cmd_STORED(self) -> None:
        """The value was stored."""
        self._answered().success(True)

    def cmd_NOT_STORED(self) -> None:
        """The value was not stored (``add`` of an existing key, ``replace`` of a missing
        one...): not an error, the answer is ``False``."""
        self._answered().success(False)

    def cmd_END(self) -> None:
        """The end of the values of a ``get`` or of the lines of a ``stats``."""
        command = self._answered()
        if command.command in (b"get", b"gets"):
            if command.multiple:
                if command.command == b"gets":
                    command.success(dict(command.values))
                else:
                    pairs = command.values.items()
                    command.success({key: (flags, value) for key, (flags, _, value) in pairs})
            elif command.command == b"gets":
                command.success((command.flags, command.cas, command.value))
            else:
                command.success((command.flags, command.value))
        elif command.command == b"stats":
            command.success(command.values)
        else:
            raise RuntimeError(
                f"Unexpected END response to {command.command.decode('ascii')} command"
            )

    def cmd_NOT_FOUND(self) -> None:
        """The key does not exist (``incr``, ``decr``, ``delete``, ``cas``)."""
        self._answered().success(False)

    def cmd_VALUE(self, line: bytes) -> None:
        """A value follows: ``<key> <flags> <length> [<cas>]``."""
        if not self._current or self._current[0].command not in (b"get", b"gets"):
            raise RuntimeError("Unexpected commands answer.")
        command = self._current[0]
        fields = line.split()
        if len(fields) not in (3, 4):
            raise RuntimeError("Unexpected commands answer.")
        key, flags, length = fields[0], int(fields[1]), int(fields[2])
        cas = fields[3] if len(fields) == 4 else b""
        if command.multiple:
            if key not in command.keys:
                raise RuntimeError("Unexpected commands answer.")
            command.currentKey = key
            command.values[key] = (flags, cas, None)
        else:
            if key != command.key:
                raise RuntimeError("Unexpected commands answer.")
            command.flags = flags
            command.cas = cas
        self._getBuffer = []
        self._bufferLength = 0
        self._lenExpected = length
        self.setRawMode()

    def cmd_STAT(self, line: bytes) -> None:
        """One ``<name> <value>`` line of a ``stats`` answer."""
        if not self._current or self._current[0].command != b"stats":
            raise RuntimeError("Unexpected commands answer.")
        name, _, value = line.partition(b" ")
        self._current[0].values[name] = value

    def cmd_VERSION(self, versionData: bytes) -> None:
        """The server's version."""
        self._answered().success(versionData)

    def cmd_ERROR(self) -> None:
        """The server does not know the command."""
        log.msg("Non-existent command sent.")
        self._answered().fail(NoSuchCommand())

    def cmd_CLIENT_ERROR(self, errText: bytes) -> None:
        """The server refused the command's input."""
        text = repr(errText)
        log.msg(f"Invalid input: {text}")
        self._answered().fail(ClientError(text))

    def cmd_SERVER_ERROR(self, errText: bytes) -> None:
        """The server failed."""
        text = repr(errText)
        log.msg(f"Server error: {text}")
        self._answered().fail(ServerError(text))

    def cmd_DELETED(self) -> None:
        """The key was deleted."""
        self._answered().success(True)

    def cmd_OK(self) -> None:
        """The command (``flush_all``) succeeded."""
        self._answered().success(True)

    def cmd_EXISTS(self) -> None:
        """The ``cas`` identifier no longer matches: the value was not stored."""
        self._answered().success(False)

    def lineReceived(self, line: bytes) -> None:
        """Dispatch an answer line to ``cmd_<TOKEN>`` (``NOT STORED`` is ``NOT_STORED``); a
        bare number answers ``incr`` or ``decr``."""
        self.resetTimeout()
        token, _, rest = line.partition(b" ")
        if token in _WITH_TEXT:
            getattr(self, "cmd_" + token.decode("ascii"))(rest)
            return
        # Old servers answer "NOT STORED" and "NOT FOUND", with a space.
        bare = line.replace(b" ", b"_")
        if bare in _BARE:
            getattr(self, "cmd_" + bare.decode("ascii"))()
            return
        try:
            number = int(line)
        except ValueError:
            raise RuntimeError(f"Unexpected line from the server: {line!r}") from None
        self._answered().success(number)

    # -- commands --------------------------------------------------------------------------

    def _refused(self, *keys: object) -> Deferred[Any] | None:
        if self._disconnected:
            return fail(RuntimeError("not connected"))
        for key in keys:
            problem = _keyProblem(key, self.MAX_KEY_LENGTH)
            if problem is not None:
                return fail(problem)
        return None

    def increment(self, key: bytes, val: int = 1) -> Deferred[Any]:
        """Add ``val`` to the number stored at ``key``; fires with the new value (``False``
        if the key does not exist)."""
        return self._incrdecr(b"incr", key, val)

    def decrement(self, key: bytes, val: int = 1) -> Deferred[Any]:
        """Subtract ``val`` from the number stored at ``key`` (the server stops at 0); fires
        with the new value (``False`` if the key does not exist)."""
        return self._incrdecr(b"decr", key, val)

    def _incrdecr(self, cmd: bytes, key: bytes, val: int) -> Deferred[Any]:
        refused = self._refused(key)
        if refused is not None:
            return refused
        return self._issue(b"%s %s %d" % (cmd, key, int(val)), Command(cmd, key=key))

    def replace(self, key: bytes, val: bytes, flags: int = 0, expireTime: int = 0) -> Deferred[Any]:
        """Store ``val`` at ``key`` only if the key exists; fires with whether it was."""
        return self._set(b"replace", key, val, flags, expireTime, b"")

    def add(self, key: bytes, val: bytes, flags: int = 0, expireTime: int = 0) -> Deferred[Any]:
        """Store ``val`` at ``key`` only if the key does not exist; fires with whether it
        was stored."""
        return self._set(b"add", key, val, flags, expireTime, b"")

    def set(self, key: bytes, val: bytes, flags: int = 0, expireTime: int = 0) -> Deferred[Any]:
        """Store ``val`` (with ``flags``, for ``expireTime`` seconds or forever if 0) at
        ``key``; fires with ``True`` once stored."""
        return self._set(b"set", key, val, flags, expireTime, b"")

    def checkAndSet(
        self, key: bytes, val: bytes, cas: bytes, flags: int = 0, expireTime: int = 0
    ) -> Deferred[Any]:
        """Store ``val`` at ``key`` only if its identifier is still ``cas`` (as a ``get``
        with ``withIdentifier=True`` gave it); fires with whether it was stored."""
        return self._set(b"cas", key, val, flags, expireTime, cas)

    def _set(
        self, cmd: bytes, key: bytes, val: bytes, flags: int, expireTime: int, cas: bytes
    ) -> Deferred[Any]:
        refused = self._refused(key)
        if refused is not None:
            return refused
        if not isinstance(val, bytes):
            return fail(ClientError(f"Invalid type for value: {type(val)}, expecting bytes"))
        length = len(val)
        line = b"%s %s %d %d %d" % (cmd, key, flags, expireTime, length)
        if cas:
            line += b" " + cas
        command = Command(cmd, key=key, flags=flags, length=length)
        return self._issue(line, command, val)

    def append(self, key: bytes, val: bytes) -> Deferred[Any]:
        """Add ``val`` after the value stored at ``key``; fires with whether it was."""
        return self._set(b"append", key, val, 0, 0, b"")

    def prepend(self, key: bytes, val: bytes) -> Deferred[Any]:
        """Add ``val`` before the value stored at ``key``; fires with whether it was."""
        return self._set(b"prepend", key, val, 0, 0, b"")

    def get(self, key: bytes, withIdentifier: bool = False) -> Deferred[Any]:
        """Fetch ``key``: fires with ``(flags, value)``, or with ``(flags, cas, value)`` if
        ``withIdentifier``; a missing key gives flags 0, value ``None`` (and cas ``b""``)."""
        return self._get([key], withIdentifier, False)

    def getMultiple(self, keys: Iterable[bytes], withIdentifier: bool = False) -> Deferred[Any]:
        """Fetch several keys at once: fires with a dict from each key to what ``get``
        would give for it."""
        return self._get(keys, withIdentifier, True)

    def _get(self, keys: Iterable[bytes], withIdentifier: bool, multiple: bool) -> Deferred[Any]:
        keys = list(keys)
        refused = self._refused(*keys)
        if refused is not None:
            return refused
        cmd = b"gets" if withIdentifier else b"get"
        line = b" ".join([cmd, *keys])
        if multiple:
            values = dict.fromkeys(keys, (0, b"", None))
            command = Command(cmd, keys=keys, values=values, multiple=True)
        else:
            command = Command(cmd, key=keys[0], value=None, flags=0, cas=b"", multiple=False)
        return self._issue(line, command)

    def stats(self, arg: bytes | None = None) -> Deferred[Any]:
        """The server's statistics (of the kind ``arg`` names, if given), as a dict from
        name to value, both bytes."""
        if self._disconnected:
            return fail(RuntimeError("not connected"))
        line = b"stats" if arg is None else b"stats " + arg
        return self._issue(line, Command(b"stats", values={}))

    def version(self) -> Deferred[Any]:
        """The server's version (bytes)."""
        if self._disconnected:
            return fail(RuntimeError("not connected"))
        return self._issue(b"version", Command(b"version"))

    def delete(self, key: bytes) -> Deferred[Any]:
        """Remove ``key``; fires with whether it existed."""
        refused = self._refused(key)
        if refused is not None:
            return refused
        return self._issue(b"delete " + key, Command(b"delete", key=key))

    def flushAll(self) -> Deferred[Any]:
        """Empty the cache; fires with ``True``."""
        if self._disconnected:
            return fail(RuntimeError("not connected"))
        return self._issue(b"flush_all", Command(b"flush_all"))
