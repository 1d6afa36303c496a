"""Maildir storage: ``MaildirMailbox`` (a POP3 mailbox over ``cur/`` and ``new/``),
``MaildirMessage`` (delivery through ``tmp/``), and ``MaildirDirdbmDomain`` (users in
directories under a root, passwords in a dirdbm directory ``passwd``).

Message files hold LF line ends, as Twisted writes them; POP3 turns them into CRLF.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import io
import json
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterator, MutableMapping
from typing import IO, Any

from twistio.cred import checkers
from twistio.cred.credentials import IUsernameHashedPassword, IUsernamePassword
from twistio.cred.error import UnauthorizedLogin
from twistio.internet import defer
from twistio.internet.interfaces import IConsumer, implementer
from twistio.mail import pop3, smtp
from twistio.mail._except import MailboxException
from twistio.mail.alias import AliasBase
from twistio.mail.interfaces import IAliasableDomain, IMailboxIMAP, IMessageIMAP, IMessageIMAPFile
from twistio.mail.mail import FileMessage, MailService
from twistio.python.failure import Failure

_reexported = (MailService, AliasBase)

__all__ = ["AbstractMaildirDomain", "DirdbmDatabase", "MaildirDirdbmDomain", "MaildirIMAPMailbox",
           "MaildirIMAPMessage", "MaildirMailbox", "MaildirMessage", "StringListMailbox", "initializeMaildir"]

INTERNAL_ERROR = "internal server error"

_counter = 0


def _generateMaildirName() -> str:
    """A unique Maildir file name: ``time.Mmicro_Pid_Ncount.host``."""
    global _counter
    _counter += 1
    now = time.time()
    host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
    return f"{int(now)}.M{int((now % 1) * 1e6):06d}P{os.getpid()}Q{_counter}R{secrets.token_hex(4)}.{host}"


class _MaildirNameGenerator:
    """Makes Maildir file names from ``clock``'s time: unique in this process, and sorting
    in the order they were made while the clock does not go back."""

    def __init__(self, clock: Any) -> None:
        self._clock = clock
        self.n = 0
        self.p = os.getpid()
        self.s = socket.gethostname().replace("/", r"\057").replace(":", r"\072").encode("utf-8", "replace")

    def generate(self) -> bytes:
        """The next name, ``seconds.Mmicroseconds P pid Q count . host`` (bytes)."""
        self.n += 1
        now = self._clock.seconds()
        whole = int(now)
        micro = round((now - whole) * 1e6)
        return b"%d.M%06dP%dQ%d.%s" % (whole, micro, self.p, self.n, self.s)


def initializeMaildir(dir: bytes | str) -> None:
    """Create ``dir`` with ``cur``, ``new``, ``tmp`` and a ``.Trash`` maildir, if missing."""
    path = os.fsdecode(dir)
    if os.path.isdir(path):
        return
    for sub in ("cur", "new", "tmp", os.path.join(".Trash", "cur"), os.path.join(".Trash", "new"),
                os.path.join(".Trash", "tmp")):
        os.makedirs(os.path.join(path, sub), 0o700, exist_ok=True)


class _DirDBM(MutableMapping[bytes, bytes]):
    """A directory of files, one per key (file names as Twisted's ``dirdbm``), values the contents."""

    def __init__(self, name: str) -> None:
        self.dname = os.path.abspath(name)
        os.makedirs(self.dname, exist_ok=True)

    @staticmethod
    def _encode(key: bytes) -> str:
        return base64.encodebytes(key).replace(b"\n", b"_").replace(b"/", b"-").decode("ascii")

    @staticmethod
    def _decode(name: str) -> bytes:
        return base64.decodebytes(name.replace("_", "\n").replace("-", "/").encode("ascii"))

    def __getitem__(self, key: bytes) -> bytes:
        try:
            with open(os.path.join(self.dname, self._encode(key)), "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise KeyError(key) from None

    def __setitem__(self, key: bytes, value: bytes) -> None:
        path = os.path.join(self.dname, self._encode(key))
        with open(path + ".new", "wb") as f:
            f.write(value)
        os.replace(path + ".new", path)

    def __delitem__(self, key: bytes) -> None:
        try:
            os.remove(os.path.join(self.dname, self._encode(key)))
        except FileNotFoundError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[bytes]:
        for name in os.listdir(self.dname):
            if not name.endswith(".new"):
                yield self._decode(name)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@implementer(checkers.ICredentialsChecker)
class DirdbmDatabase:
    """Checks credentials against passwords in a dirdbm (any bytes mapping)."""

    credentialInterfaces = (IUsernamePassword, IUsernameHashedPassword)

    def __init__(self, dbm: MutableMapping[bytes, bytes]) -> None:
        self.dirdbm = dbm

    def requestAvatarId(self, c: Any) -> defer.Deferred[Any]:
        """The user name if the password matches."""
        try:
            stored = self.dirdbm[c.username]
        except KeyError:
            return defer.fail(UnauthorizedLogin())
        if c.checkPassword(stored):
            return defer.succeed(c.username)
        return defer.fail(UnauthorizedLogin())


class MaildirMessage(FileMessage):
    """A message being delivered to a Maildir: written in ``tmp/``, renamed into ``new/``
    with its size (``,S=``) in the name, after a ``Delivered-To:`` header."""

    size: int | None = None

    def __init__(self, address: Any, fp: IO[bytes], *a: Any, **kw: Any) -> None:
        header = b"Delivered-To: " + smtp._b(address) + b"\n"
        fp.write(header)
        self.size = len(header)
        FileMessage.__init__(self, fp, *a, **kw)

    def lineReceived(self, line: bytes) -> None:
        """Write a line and count it."""
        FileMessage.lineReceived(self, line)
        self.size = (self.size or 0) + len(line) + 1

    def eomReceived(self) -> defer.Deferred[str]:
        """Rename into ``new/`` with the size in the name."""
        self.finalName = f"{self.finalName},S={self.size}"
        return FileMessage.eomReceived(self)


@implementer(IAliasableDomain)
class AbstractMaildirDomain:
    """A domain whose users have Maildirs; subclass for ``userDirectory`` and the user database."""

    alias: Any = None

    def __init__(self, service: Any, root: bytes | str) -> None:
        self.root = os.fsencode(root)
        self.service = service

    def userDirectory(self, user: Any) -> bytes | None:
        """The user's Maildir, or None."""
        return None

    def setAliasGroup(self, alias: Any) -> None:
        """Use the aliases ``alias``."""
        self.alias = alias

    def exists(self, user: smtp.User, memo: Any = None) -> Callable[[], Any]:
        """A message factory for a user with a Maildir (or an alias); else 550."""
        if self.userDirectory(user.dest.local) is not None:
            return lambda: self.startMessage(user)
        alias = self.alias.get(user.dest.local) if self.alias else None
        if alias is not None:
            return alias.createMessageReceiver  # type: ignore[no-any-return]
        raise smtp.SMTPBadRcpt(user)

    def startMessage(self, user: Any) -> MaildirMessage:
        """Begin delivering a message into the user's ``tmp/``."""
        if isinstance(user, (str, bytes)):
            name, _, domain = smtp._b(user).partition(b"@")
        else:
            name, domain = user.dest.local, user.dest.domain
        directory = self.userDirectory(name)
        if directory is None:
            raise smtp.SMTPBadRcpt(user)
        fname = _generateMaildirName()
        folder = os.fsdecode(directory)
        tmp = os.path.join(folder, "tmp", fname)
        fp = open(tmp, "wb")  # noqa: SIM115 - closed by the message
        return MaildirMessage(name + b"@" + domain, fp, tmp, os.path.join(folder, "new", fname))

    def willRelay(self, user: Any, protocol: Any) -> bool:
        """Never relay."""
        return False

    def addUser(self, user: bytes, password: bytes) -> None:
        """Subclasses store users."""
        raise NotImplementedError

    def getCredentialsCheckers(self) -> list[Any]:
        """Subclasses check credentials."""
        raise NotImplementedError

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> tuple[Any, Any, Callable[[], None]]:
        """A ``MaildirMailbox`` for POP3."""
        if pop3.IMailbox not in interfaces:
            raise NotImplementedError("No interface")
        if avatarId == checkers.ANONYMOUS:
            mbox: Any = StringListMailbox([INTERNAL_ERROR])
        else:
            directory = self.userDirectory(avatarId)
            mbox = MaildirMailbox(directory) if directory is not None else StringListMailbox([INTERNAL_ERROR])
        return pop3.IMailbox, mbox, lambda: None


@implementer(pop3.IMailbox)
class StringListMailbox:
    """A POP3 mailbox of strings, in memory: deletions are marks until ``sync`` makes them
    final (a deleted message keeps its place, with size 0)."""

    def __init__(self, msgs: list[Any]) -> None:
        self.msgs = [smtp._b(m) for m in msgs]
        self._delete: set[int] = set()
        self._gone: set[int] = set()

    def listMessages(self, i: int | None = None) -> Any:
        """Sizes (0 for deleted)."""
        if i is not None:
            return 0 if i in self._delete or i in self._gone else len(self.msgs[i])
        return [self.listMessages(n) for n in range(len(self.msgs))]

    def getMessage(self, i: int) -> IO[bytes]:
        """The message as a file."""
        return io.BytesIO(self.msgs[i])

    def getUidl(self, i: int) -> bytes:
        """An id from the message's content."""
        return hashlib.md5(self.msgs[i]).hexdigest().encode("ascii")

    def deleteMessage(self, i: int) -> None:
        """Mark deleted."""
        self._delete.add(i)

    def undeleteMessages(self) -> None:
        """Unmark."""
        self._delete = set()

    def sync(self) -> None:
        """Make the marked deletions final."""
        self._gone |= self._delete
        self._delete = set()


@implementer(pop3.IMailbox)
class MaildirMailbox(pop3.Mailbox):
    """The messages of a Maildir (``cur/`` then ``new/``, each sorted), for POP3.

    Deleting moves a message into ``.Trash``; ``undeleteMessages`` moves it back.
    """

    AppendFactory: Any = None

    def __init__(self, path: bytes | str) -> None:
        self.path = os.fsdecode(path)
        self.list: list[str] = []
        self.deleted: dict[str, str] = {}
        initializeMaildir(self.path)
        for sub in ("cur", "new"):
            folder = os.path.join(self.path, sub)
            for name in sorted(os.listdir(folder)):
                self.list.append(os.path.join(folder, name))

    def listMessages(self, i: int | None = None) -> int | list[int]:
        """Sizes (0 for deleted)."""
        if i is None:
            return [0 if f in self.deleted else os.path.getsize(f) for f in self.list]
        if i < 0 or i >= len(self.list):
            raise ValueError(i)
        f = self.list[i]
        return 0 if f in self.deleted else os.path.getsize(f)

    def getMessage(self, i: int) -> IO[bytes]:
        """The message file, open for reading."""
        return open(self.list[i], "rb")

    def getUidl(self, i: int) -> bytes:
        """The MD5 of the file's base name: stable across renames between ``new`` and ``cur``."""
        if i < 0 or i >= len(self.list):
            raise ValueError(i)
        base = os.path.basename(self.list[i]).split(":")[0]
        return hashlib.md5(base.encode("utf-8")).hexdigest().encode("ascii")

    def deleteMessage(self, i: int) -> None:
        """Move the message to ``.Trash/cur``."""
        source = self.list[i]
        trash = os.path.join(self.path, ".Trash", "cur", os.path.basename(source))
        os.makedirs(os.path.dirname(trash), exist_ok=True)
        os.rename(source, trash)
        self.deleted[source] = trash

    def undeleteMessages(self) -> None:
        """Move this session's deleted messages back."""
        for original, trash in self.deleted.items():
            try:
                os.rename(trash, original)
            except OSError:
                pass
        self.deleted = {}

    def appendMessage(self, txt: bytes | IO[bytes]) -> defer.Deferred[None]:
        """Store a message (bytes or a file) in ``new/`` (through ``tmp/``, by an
        ``AppendFactory`` task): the Deferred fires once it is there, or fails."""
        task = self.AppendFactory(self, txt)
        result: defer.Deferred[None] = task.defer
        task.startUp()
        return result


@implementer(IConsumer)
class _MaildirMailboxAppendMessageTask:
    """Adds one message (bytes or a file) to a ``MaildirMailbox``: it is copied into a new
    file in ``tmp/`` (as the consumer of a ``FileSender``), then renamed into ``new/``.
    ``defer`` fires with None when the message is in, or fails (the partial file removed).
    The file operations go through ``osopen``/``oswrite``/``osclose``/``osrename``."""

    osopen = staticmethod(os.open)
    oswrite = staticmethod(os.write)
    osclose = staticmethod(os.close)
    osrename = staticmethod(os.rename)

    _openFlags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOINHERIT", 0) | getattr(os, "O_NOFOLLOW", 0)

    def __init__(self, mbox: MaildirMailbox, msg: bytes | IO[bytes]) -> None:
        self.mbox = mbox
        self.defer: defer.Deferred[None] = defer.Deferred()
        self.openCall: Any = None
        self._inMemory = isinstance(msg, (bytes, bytearray))
        self.msg: IO[bytes] = io.BytesIO(msg) if isinstance(msg, (bytes, bytearray)) else msg
        self.fh = -1
        self.tmpname: Any = None
        self.myproducer: Any = None
        self.streaming: bool | None = None
        self.filesender: Any = None

    def startUp(self) -> None:
        """Open the file in ``tmp/`` and start copying the message into it."""
        self.createTempFile()
        if self.fh != -1 and self._inMemory:
            # Already in memory: nothing to wait for, write it all now.
            self.write(self.msg.read())
            self.unregisterProducer()
        elif self.fh != -1:
            from twistio.protocols import basic

            self.filesender = basic.FileSender()
            self.filesender.beginFileTransfer(self.msg, self).addErrback(lambda _: None)

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Take data from ``producer``; a pull producer is prodded until it is done."""
        self.myproducer = producer
        self.streaming = streaming
        if not streaming:
            self.prodProducer()

    def prodProducer(self) -> None:
        """Ask the (pull) producer for its next chunk, again soon after."""
        from twistio.internet import reactor

        self.openCall = None
        if self.myproducer is not None:
            self.openCall = reactor.callLater(0, self.prodProducer)
            self.myproducer.resumeProducing()

    def unregisterProducer(self) -> None:
        """The whole message is in ``tmp/``: move it into ``new/``."""
        self.myproducer = None
        self.streaming = None
        if self.openCall is not None and self.openCall.active():
            self.openCall.cancel()
        self.openCall = None
        if self.fh == -1:
            return
        fh, self.fh = self.fh, -1
        try:
            self.osclose(fh)
        except OSError:
            self.fail()
            return
        self.moveFileToNew()

    def write(self, data: bytes) -> None:
        """Append ``data`` to the file (a failure ends the task)."""
        if self.fh == -1:
            return
        try:
            view = memoryview(data)
            while view:
                view = view[self.oswrite(self.fh, view):]
        except OSError:
            self.fail()

    def fail(self, err: Any = None) -> None:
        """End the task with ``err`` (the current exception by default); stop the producer
        and remove the partial file."""
        if err is None:
            err = Failure()
        producer, self.myproducer = self.myproducer, None
        if self.openCall is not None and self.openCall.active():
            self.openCall.cancel()
        self.openCall = None
        if self.fh != -1:
            try:
                self.osclose(self.fh)
            except OSError:
                pass
            self.fh = -1
        if self.tmpname is not None:
            try:
                os.remove(self.tmpname)
            except OSError:
                pass
        if producer is not None:
            producer.stopProducing()
        if not self.defer.called:
            self.defer.errback(err)

    def moveFileToNew(self) -> None:
        """Rename the file into ``new/``, add it to the mailbox, fire ``defer``."""
        while True:
            final = os.path.join(os.fsencode(self.mbox.path), b"new", _nameGenerator.generate())
            try:
                self.osrename(self.tmpname, final)
            except FileExistsError:
                continue
            except OSError:
                self.fail()
                return
            break
        self.mbox.list.append(os.fsdecode(final))
        self.defer.callback(None)

    def createTempFile(self) -> None:
        """Open a new file in ``tmp/`` (``fh``; -1 and a failed task when that fails)."""
        for _ in range(100):
            self.tmpname = os.path.join(os.fsencode(self.mbox.path), b"tmp", _nameGenerator.generate())
            try:
                self.fh = self.osopen(self.tmpname, self._openFlags, 0o600)
                return
            except FileExistsError:
                continue
            except OSError:
                self.fh = -1
                self.tmpname = None
                self.fail()
                return
        self.fh = -1
        self.tmpname = None
        self.fail(Failure(OSError("no unused name in tmp/")))


class MaildirDirdbmDomain(AbstractMaildirDomain):
    """Users as Maildirs under ``root``, passwords in ``root/passwd`` (a dirdbm).

    With ``postmaster``, mail to unknown users goes to the ``postmaster`` Maildir.
    """

    portal: Any = None
    _credcheckers: list[Any] | None = None

    def __init__(self, service: Any, root: bytes | str, postmaster: bool = False) -> None:
        AbstractMaildirDomain.__init__(self, service, root)
        dbm = os.fsdecode(os.path.join(self.root, b"passwd"))
        if not os.path.exists(dbm):
            os.makedirs(dbm)
        self.dbm: MutableMapping[bytes, bytes] = _DirDBM(dbm)
        self.postmaster = postmaster

    def userDirectory(self, name: Any) -> bytes | None:
        """``root/name`` for a known user (created if missing); the postmaster's for others."""
        key = smtp._b(name)
        if key not in self.dbm:
            if not self.postmaster:
                return None
            key = b"postmaster"
        directory = os.path.join(self.root, key)
        initializeMaildir(directory)
        return directory

    def addUser(self, user: bytes, password: bytes) -> None:
        """Add a user (and make its Maildir)."""
        self.dbm[smtp._b(user)] = smtp._b(password)
        self.userDirectory(user)

    def getCredentialsCheckers(self) -> list[Any]:
        """A ``DirdbmDatabase`` over the password dirdbm."""
        if self._credcheckers is None:
            self._credcheckers = [DirdbmDatabase(self.dbm)]
        return self._credcheckers


MaildirMailbox.AppendFactory = _MaildirMailboxAppendMessageTask


class _ReactorClock:
    def seconds(self) -> float:
        from twistio.internet import reactor

        return float(reactor.seconds())


_nameGenerator = _MaildirNameGenerator(_ReactorClock())


# -- twistio addition: IMAP4 over the same Maildirs -------------------------------------------

_FLAG_LETTERS = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen", "T": "\\Deleted"}
_LETTER_OF = {v: k for k, v in _FLAG_LETTERS.items()}


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@implementer(IMessageIMAP, IMessageIMAPFile)
class MaildirIMAPMessage:
    """One Maildir file as an IMAP message (twistio addition; headers parsed with ``email``)."""

    def __init__(self, path: str, uid: int, flags: list[str]) -> None:
        self.path = path
        self.uid = uid
        self.flags = flags
        with open(path, "rb") as f:
            self.data = _crlf(f.read())
        self.parsed = email.message_from_bytes(self.data, policy=email.policy.compat32)

    def open(self) -> IO[bytes]:
        """The whole message, CRLF line ends."""
        return io.BytesIO(self.data)

    def getHeaders(self, negate: bool, *names: Any) -> dict[str, Any]:
        """The named headers (all others with ``negate``), lower-case keys."""
        wanted = {n.lower() if isinstance(n, str) else n.decode().lower() for n in names}
        return {k.lower(): v for k, v in self.parsed.items() if not names or ((k.lower() in wanted) != negate)}

    def getBodyFile(self) -> IO[bytes]:
        """The body."""
        return io.BytesIO(self.data.partition(b"\r\n\r\n")[2])

    def getSize(self) -> int:
        """Size in octets (CRLF line ends)."""
        return len(self.data)

    def isMultipart(self) -> bool:
        """Whether it is multipart."""
        return bool(self.parsed.is_multipart())

    def getSubPart(self, part: int) -> Any:
        """Part ``part`` (0-based)."""
        payload = self.parsed.get_payload()
        if not isinstance(payload, list) or part >= len(payload):
            raise IndexError(part)
        return _MaildirIMAPPart(payload[part])

    def getUID(self) -> int:
        """The UID."""
        return self.uid

    def getFlags(self) -> list[str]:
        """The flags (from the file name)."""
        return list(self.flags)

    def getInternalDate(self) -> str:
        """The file's modification time."""
        return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(os.path.getmtime(self.path)))


class _MaildirIMAPPart(MaildirIMAPMessage):
    def __init__(self, message: Any) -> None:
        self.parsed = message
        self.data = _crlf(message.as_bytes())
        self.uid = 0
        self.flags = []
        self.path = ""


@implementer(IMailboxIMAP)
class MaildirIMAPMailbox:
    """A Maildir as an IMAP mailbox (twistio addition): UIDs kept in ``twistio-uids.json``,
    flags in the file names (``:2,FRS``, the Maildir convention), EXPUNGE removes
    ``\\Deleted`` files. Another process delivering into ``new/`` is seen on the next command."""

    def __init__(self, path: bytes | str) -> None:
        self.path = os.fsdecode(path)
        self.listeners: list[Any] = []
        initializeMaildir(self.path)
        self.state_file = os.path.join(self.path, "twistio-uids.json")

    def _state(self) -> dict[str, Any]:
        try:
            with open(self.state_file) as f:
                state: dict[str, Any] = json.load(f)
                return state
        except FileNotFoundError:
            return {"next": 1, "uids": {}}

    def _messages(self) -> list[tuple[int, str, list[str]]]:
        state = self._state()
        found = []
        changed = False
        for sub in ("cur", "new"):
            folder = os.path.join(self.path, sub)
            for name in sorted(os.listdir(folder)):
                base, _, info = name.partition(":")
                if base not in state["uids"]:
                    state["uids"][base] = state["next"]
                    state["next"] += 1
                    changed = True
                letters = info[2:] if info.startswith("2,") else ""
                flags = [_FLAG_LETTERS[c] for c in letters if c in _FLAG_LETTERS]
                found.append((state["uids"][base], os.path.join(folder, name), flags))
        if changed:
            with open(self.state_file + ".new", "w") as f:
                json.dump(state, f)
            os.replace(self.state_file + ".new", self.state_file)
        return sorted(found)

    def getFlags(self) -> list[str]:
        """The flags a message may have."""
        return list(_FLAG_LETTERS.values())

    def getHierarchicalDelimiter(self) -> str:
        """``/``."""
        return "/"

    def getUIDValidity(self) -> int:
        """The Maildir's creation time."""
        return int(os.path.getctime(os.path.join(self.path, "cur")))

    def getUIDNext(self) -> int:
        """The next UID."""
        self._messages()
        return int(self._state()["next"])

    def getUID(self, message: int) -> int:
        """UID of message number ``message``."""
        return self._messages()[message - 1][0]

    def getMessageCount(self) -> int:
        """How many messages."""
        return len(self._messages())

    def getRecentCount(self) -> int:
        """Messages still in ``new/``."""
        return len(os.listdir(os.path.join(self.path, "new")))

    def getUnseenCount(self) -> int:
        """Messages without \\Seen."""
        return sum(1 for _, _, flags in self._messages() if "\\Seen" not in flags)

    def isWriteable(self) -> bool:
        """Always."""
        return True

    def destroy(self) -> None:
        """Refused: Maildirs are not deleted over IMAP."""
        raise MailboxException("Maildirs are not deleted over IMAP")

    def requestStatus(self, names: Any) -> dict[str, Any]:
        """STATUS items."""
        from twistio.mail.imap4 import statusRequestHelper

        return statusRequestHelper(self, names)

    def addListener(self, listener: Any) -> None:
        """Add a listener."""
        self.listeners.append(listener)

    def removeListener(self, listener: Any) -> None:
        """Remove a listener."""
        self.listeners.remove(listener)

    def addMessage(self, message: Any, flags: Any = (), date: Any = None) -> defer.Deferred[int]:
        """Store a message (LF line ends, as delivered mail) with ``flags``; its UID."""
        data = message.read().replace(b"\r\n", b"\n")
        box = MaildirMailbox(self.path)
        box.appendMessage(data)
        letters = "".join(sorted(_LETTER_OF[f] for f in flags if f in _LETTER_OF))
        if letters:
            self._setFlags(box.list[-1], letters)
        uid = self._messages()[-1][0]
        for listener in list(self.listeners):
            listener.newMessages(self.getMessageCount(), None)
        return defer.succeed(uid)

    def _setFlags(self, path: str, letters: str) -> str:
        base = os.path.basename(path).partition(":")[0]
        target = os.path.join(self.path, "cur", f"{base}:2,{letters}")
        os.rename(path, target)
        return target

    def expunge(self) -> list[int]:
        """Remove \\Deleted messages; their numbers, as EXPUNGE reports them."""
        removed: list[int] = []
        for number, (_uid, path, flags) in enumerate(self._messages(), 1):
            if "\\Deleted" in flags:
                os.remove(path)
                removed.append(number - len(removed))
        return removed

    def fetch(self, messages: Any, uid: bool) -> list[tuple[int, MaildirIMAPMessage]]:
        """``(number, message)`` for the set."""
        listed = self._messages()
        if messages.last is None:
            messages.last = (listed[-1][0] if uid else len(listed)) if listed else 0
        out = []
        for number, (message_uid, path, flags) in enumerate(listed, 1):
            if (message_uid if uid else number) in messages:
                out.append((number, MaildirIMAPMessage(path, message_uid, flags)))
        return out

    def store(self, messages: Any, flags: Any, mode: int, uid: bool) -> dict[int, list[str]]:
        """Change flags: ``mode`` 0 replace, 1 add, -1 remove."""
        result = {}
        for number, msg in self.fetch(messages, uid):
            current = set(msg.flags)
            wanted = set(flags)
            current = wanted if mode == 0 else (current | wanted if mode == 1 else current - wanted)
            self._setFlags(msg.path, "".join(sorted(_LETTER_OF[f] for f in current if f in _LETTER_OF)))
            result[number] = sorted(current)
        return result
