"""Mail aliases as in an aliases(5) file: an address stands for other addresses, files
(``/path``), programs fed the message on stdin (``|command``) or a group of those.

``loadAliasFile`` reads such a file into ``{name: AliasGroup}``; a domain's ``exists`` uses
``resolve`` to turn an alias into the message receiver of its final destinations.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from typing import IO, Any

from twistio.internet import defer, protocol
from twistio.internet.error import ProcessDone
from twistio.internet.interfaces import implementer
from twistio.mail import smtp
from twistio.mail.interfaces import IAlias
from twistio.python import failure, log

__all__ = ["AddressAlias", "AliasBase", "AliasGroup", "FileAlias", "FileWrapper", "MessageWrapper",
           "MultiWrapper", "ProcessAlias", "ProcessAliasProtocol", "ProcessAliasTimeout", "handle",
           "loadAliasFile"]


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def handle(result: dict[str, list[str]], line: str, filename: Any, lineNo: Any) -> None:
    """Add the entry of one (joined) aliases-file line, ``name: dest, dest, ...``, to
    ``result`` (``name`` -> list of destinations, appended to when the name repeats)."""
    name, sep, rest = _text(line).partition(":")
    if not sep:
        log.err(f"Invalid format on line {lineNo} of alias file {filename}.")
        return
    targets = [t.strip() for t in rest.split(",")]
    result.setdefault(name.strip(), []).extend(targets)


def loadAliasFile(domains: Any, filename: Any = None, fp: IO[Any] | None = None) -> dict[str, AliasGroup]:
    """Read an aliases file (``filename``, or the open file ``fp``): ``#`` comments, lines
    that begin with white space continue the previous entry. Gives ``{name: AliasGroup}``."""
    if fp is None:
        with open(filename, "rb") as f:
            raw = f.read()
    else:
        raw = fp.read()
        if filename is None:
            filename = getattr(fp, "name", "<unknown>")
    entries: dict[str, list[str]] = {}
    pending = ""
    pendingNo = 0
    for number, line in enumerate(_text(raw).splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        if line[:1] in (" ", "\t") and line.strip():
            pending += " " + line.strip()
            continue
        if pending:
            handle(entries, pending, filename, pendingNo)
        pending, pendingNo = line.strip(), number
    if pending:
        handle(entries, pending, filename, pendingNo)
    return {name: AliasGroup(targets, domains, name) for name, targets in entries.items()}


class AliasBase:
    """What every alias has: the ``domains`` (name -> domain) and the ``original`` address."""

    def __init__(self, domains: Any, original: Any) -> None:
        self.domains = domains
        self.original = smtp.Address(original)

    def domain(self) -> Any:
        """The domain object of the original address."""
        return self.domains[self.original.domain]

    def createMessageReceiver(self) -> Any:
        """Subclasses give the receiver for this alias."""
        raise NotImplementedError()

    def resolve(self, aliasmap: Any, memo: dict[str, Any] | None = None) -> Any:
        """This alias's receiver, or None once ``memo`` shows it was seen (a loop)."""
        if memo is None:
            memo = {}
        key = str(self)
        if key in memo:
            return None
        memo[key] = None
        return self.createMessageReceiver()


@implementer(IAlias)
class AddressAlias(AliasBase):
    """An alias for another address (``self.alias``)."""

    def __init__(self, alias: Any, *args: Any) -> None:
        AliasBase.__init__(self, *args)
        self.alias = smtp.Address(alias)

    def __str__(self) -> str:
        return f"<Address {self.alias}>"

    def createMessageReceiver(self) -> Any:
        """Ask the domain for the destination address."""
        return self.domain().exists(str(self.alias))

    def resolve(self, aliasmap: Any, memo: dict[str, Any] | None = None) -> Any:
        """The destination user's receiver if the domain knows it, else the receiver of the
        alias of that name in ``aliasmap``; None when neither leads anywhere (or on a loop)."""
        if memo is None:
            memo = {}
        key = str(self)
        if key in memo:
            return None
        memo[key] = None
        try:
            factory = self.domain().exists(smtp.User(self.alias, None, None, None), memo)
        except smtp.SMTPBadRcpt:
            pass
        else:
            return factory()
        local = self.alias.local
        for name in (local, _text(local)):
            try:
                found = name in aliasmap
            except TypeError:
                found = False
            if found:
                return aliasmap[name].resolve(aliasmap, memo)
        return None


@implementer(smtp.IMessage)
class FileWrapper:
    """Receives a message into a temporary file, then appends it to ``finalname``."""

    def __init__(self, filename: Any) -> None:
        self.fp: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed at the end of the message
        self.finalname = filename

    def lineReceived(self, line: Any) -> None:
        """Keep one line."""
        self.fp.write((line.encode("utf-8") if isinstance(line, str) else line) + b"\n")

    def eomReceived(self) -> defer.Deferred[Any]:
        """Append what was received to the file: the Deferred fires with its name (fails
        with the error when it cannot be written)."""
        self.fp.seek(0)
        try:
            with open(self.finalname, "ab") as out:
                while chunk := self.fp.read(65536):
                    out.write(chunk)
        except OSError:
            return defer.fail(failure.Failure())
        finally:
            self.fp.close()
        return defer.succeed(self.finalname)

    def connectionLost(self) -> None:
        """Drop what was received."""
        self.fp.close()

    def __str__(self) -> str:
        return f"<FileWrapper {_text(self.finalname)}>"


@implementer(IAlias)
class FileAlias(AliasBase):
    """An alias that appends its messages to a file."""

    def __init__(self, filename: Any, *args: Any) -> None:
        AliasBase.__init__(self, *args)
        self.filename = filename

    def __str__(self) -> str:
        return f"<File {_text(self.filename)}>"

    def createMessageReceiver(self) -> FileWrapper:
        """A ``FileWrapper`` for the file."""
        return FileWrapper(self.filename)


class ProcessAliasTimeout(Exception):
    """The program of a process alias did not exit in time after the message ended."""


class ProcessAliasProtocol(protocol.ProcessProtocol):
    """Reports the program's end (whatever the status) to ``onEnd`` as an errback."""

    onEnd: defer.Deferred[Any] | None = None

    def processEnded(self, reason: failure.Failure) -> None:
        """Errback ``onEnd`` with ``reason``."""
        if self.onEnd is not None:
            self.onEnd.errback(reason)


@implementer(smtp.IMessage)
class MessageWrapper:
    """Feeds a message to a program's stdin. At the end of the message stdin is closed;
    the Deferred of ``eomReceived`` fires when the program exits 0, fails with its
    ``ProcessTerminated`` otherwise, and with ``ProcessAliasTimeout`` (after killing it)
    when it does not exit within ``completionTimeout`` seconds."""

    done = False
    completionTimeout = 60
    _timeoutCallID: Any = None
    reactor: Any = None

    def __init__(self, protocol: Any, process: Any = None, reactor: Any = None) -> None:
        self.processName = process
        self.protocol = protocol
        if reactor is None:
            from twistio.internet import reactor as globalReactor

            reactor = globalReactor
        self.reactor = reactor
        self.completion: defer.Deferred[Any] = defer.Deferred()
        self.protocol.onEnd = self.completion
        self.completion.addBoth(self._processEnded)

    def _processEnded(self, result: Any) -> Any:
        finishedEarly = not self.done
        self.done = True
        if self._timeoutCallID is not None:
            self._timeoutCallID.cancel()
            self._timeoutCallID = None
        if not finishedEarly and isinstance(result, failure.Failure) and result.check(ProcessDone):
            return self.processName
        return result

    def lineReceived(self, line: Any) -> None:
        """Write one line to the program."""
        if self.done:
            return
        self.protocol.transport.write((line.encode("utf-8") if isinstance(line, str) else line) + b"\n")

    def eomReceived(self) -> defer.Deferred[Any]:
        """Close the program's stdin and wait (at most ``completionTimeout``) for its end."""
        if not self.done:
            self.done = True
            self.protocol.transport.loseConnection()
            self._timeoutCallID = self.reactor.callLater(self.completionTimeout, self._completionCancel)
        return self.completion

    def _completionCancel(self) -> None:
        self._timeoutCallID = None
        self.protocol.transport.signalProcess("KILL")
        self.protocol.onEnd = None
        self.completion.errback(failure.Failure(ProcessAliasTimeout(
            f"the process did not exit within {self.completionTimeout} seconds")))

    def connectionLost(self) -> None:
        """Nothing to do: the program's end is what counts."""

    def __str__(self) -> str:
        return f"<ProcessWrapper {_text(self.processName)}>"


@implementer(IAlias)
class ProcessAlias(AliasBase):
    """An alias that runs a program (``path``: the command line) for each message."""

    reactor: Any = None

    def __init__(self, path: Any, *args: Any) -> None:
        AliasBase.__init__(self, *args)
        self.path = _text(path).split()
        self.program = self.path[0]
        if self.reactor is None:
            from twistio.internet import reactor as globalReactor

            self.reactor = globalReactor

    def __str__(self) -> str:
        return f"<Process {self.path}>"

    def spawnProcess(self, proto: Any, program: Any, path: Any) -> Any:
        """Start ``program`` with arguments ``path`` under ``proto``."""
        return self.reactor.spawnProcess(proto, program, path)

    def createMessageReceiver(self) -> MessageWrapper:
        """Start the program; the receiver writes the message to it."""
        proto = ProcessAliasProtocol()
        receiver = MessageWrapper(proto, self.program, self.reactor)
        self.spawnProcess(proto, self.program, self.path)
        return receiver


@implementer(smtp.IMessage)
class MultiWrapper:
    """Hands one message to several receivers (``objs``)."""

    def __init__(self, objs: Iterable[Any]) -> None:
        self.objs = list(objs)

    def lineReceived(self, line: Any) -> None:
        """Give the line to each."""
        for receiver in self.objs:
            receiver.lineReceived(line)

    def eomReceived(self) -> defer.Deferred[Any]:
        """End the message everywhere: a ``DeferredList`` of their results."""
        return defer.DeferredList([receiver.eomReceived() for receiver in self.objs])

    def connectionLost(self) -> None:
        """Tell each."""
        for receiver in self.objs:
            receiver.connectionLost()

    def __str__(self) -> str:
        return f"<GroupWrapper {[str(o) for o in self.objs]!r}>"


@implementer(IAlias)
class AliasGroup(AliasBase):
    """Several destinations under one name: ``address``, ``/file``, ``|program`` and
    ``:/path`` (a file of more destinations, comma separated, read now)."""

    processAliasFactory: Any = ProcessAlias

    def __init__(self, items: Iterable[Any], *args: Any) -> None:
        AliasBase.__init__(self, *args)
        self.aliases: list[Any] = []
        todo = [_text(i).strip() for i in items]
        while todo:
            item = todo.pop(0)
            if not item:
                continue
            if item.startswith(":"):
                try:
                    with open(item[1:]) as included:
                        more = included.read()
                except OSError:
                    log.err(f"Invalid filename in alias file {item[1:]!r}")
                else:
                    todo.extend(part.strip() for part in more.replace("\n", ",").split(","))
            elif item.startswith("|"):
                self.aliases.append(self.processAliasFactory(item[1:], *args))
            elif item.startswith("/"):
                if os.path.isdir(item):
                    log.err("Directory delivery not supported")
                else:
                    self.aliases.append(FileAlias(item, *args))
            else:
                self.aliases.append(AddressAlias(item, *args))

    def __len__(self) -> int:
        return len(self.aliases)

    def __str__(self) -> str:
        return "<AliasGroup [{}]>".format(", ".join(str(a) for a in self.aliases))

    def createMessageReceiver(self) -> MultiWrapper:
        """A receiver for every destination."""
        return MultiWrapper([a.createMessageReceiver() for a in self.aliases])

    def resolve(self, aliasmap: Any, memo: dict[str, Any] | None = None) -> MultiWrapper:
        """Every destination resolved (those leading nowhere left out)."""
        if memo is None:
            memo = {}
        found = [a.resolve(aliasmap, memo) for a in self.aliases]
        return MultiWrapper([r for r in found if r is not None])
