"""The interfaces of twistio.mail: message delivery, mailboxes, accounts, authentication."""

from __future__ import annotations

from typing import Any, Protocol

from twistio.cred.portal import IRealm
from twistio.internet.interfaces import Interface

__all__ = [
    "IAccountIMAP", "IAlias", "IAliasableDomain", "IChallengeResponse", "IClientAuthentication",
    "ICloseableMailboxIMAP", "IDomain", "IMailboxIMAP", "IMailboxIMAPInfo",
    "IMailboxIMAPListener", "IMailboxPOP3", "IMessageDelivery", "IMessageDeliveryFactory",
    "IMessageIMAP", "IMessageIMAPCopier", "IMessageIMAPFile", "IMessageIMAPPart",
    "IMessageSMTP", "INamespacePresenter", "ISearchableIMAPMailbox", "IServerFactoryPOP3",
]


class IChallengeResponse(Interface, Protocol):
    """Server side of a SASL exchange: challenges out, responses in."""

    def getChallenge(self) -> bytes:
        """The next challenge to send."""

    def setResponse(self, response: bytes) -> None:
        """Take the client's (decoded) response."""

    def moreChallenges(self) -> bool:
        """Whether another challenge follows."""


class IClientAuthentication(Interface, Protocol):
    """Client side of a SASL mechanism."""

    def getName(self) -> bytes:
        """The mechanism name (``PLAIN``, ``LOGIN``, ``CRAM-MD5``)."""

    def challengeResponse(self, secret: bytes, challenge: bytes) -> bytes:
        """The answer to ``challenge`` given ``secret``."""


class IMessageSMTP(Interface, Protocol):
    """One message being received: its lines, then the end (or a lost connection)."""

    def lineReceived(self, line: bytes) -> None:
        """One line of the message, without its line ending, dot-unstuffed."""

    def eomReceived(self) -> Any:
        """The message is complete: a Deferred firing when it is stored."""

    def connectionLost(self) -> None:
        """The connection went away before the end of the message."""


class IMessageDelivery(Interface, Protocol):
    """Decides on senders and recipients, and makes the Received header."""

    def receivedHeader(self, helo: Any, origin: Any, recipients: Any) -> Any:
        """The ``Received:`` header line for a message, or None."""

    def validateTo(self, user: Any) -> Any:
        """A callable giving an ``IMessageSMTP`` (or a Deferred of one) for ``user``;
        raise ``SMTPBadRcpt`` to refuse."""

    def validateFrom(self, helo: Any, origin: Any) -> Any:
        """``origin`` (or a Deferred of it) if accepted; raise ``SMTPBadSender`` to refuse."""


class IMessageDeliveryFactory(Interface, Protocol):
    """Makes one ``IMessageDelivery`` per message."""

    def getMessageDelivery(self) -> Any:
        """A new ``IMessageDelivery``."""


class IMailboxPOP3(Interface, Protocol):
    """A POP3 mailbox: numbered messages, deleted in the session and removed at ``sync``."""

    def listMessages(self, i: int | None = None) -> Any:
        """The size of message ``i`` or the list of all sizes (0 for deleted ones)."""

    def getMessage(self, index: int) -> Any:
        """A file-like object with the message's bytes."""

    def getUidl(self, index: int) -> Any:
        """A unique, stable id for the message."""

    def deleteMessage(self, index: int) -> None:
        """Mark the message deleted."""

    def undeleteMessages(self) -> None:
        """Clear the deletion marks of this session."""

    def sync(self) -> None:
        """Really remove the marked messages."""


class IServerFactoryPOP3(Interface, Protocol):
    """The POP3 factory's optional CAPA answers."""

    def cap_IMPLEMENTATION(self) -> Any:
        """The IMPLEMENTATION capability text."""

    def cap_EXPIRE(self) -> Any:
        """The EXPIRE capability value."""

    def perUserExpiration(self) -> bool:
        """Whether EXPIRE varies by user."""

    def cap_LOGIN_DELAY(self) -> Any:
        """The LOGIN-DELAY capability value."""

    def perUserLoginDelay(self) -> bool:
        """Whether LOGIN-DELAY varies by user."""


class IDomain(IRealm, Protocol):
    """A mail domain: knows its users and checks their credentials."""

    def exists(self, user: Any) -> Any:
        """A callable giving an ``IMessageSMTP`` for ``user``; ``SMTPBadRcpt`` if unknown."""

    def addUser(self, user: bytes, password: bytes) -> None:
        """Add a user."""

    def getCredentialsCheckers(self) -> Any:
        """The credentials checkers for this domain's users."""


class IAlias(Interface, Protocol):
    """An alias: a destination for mail to another name."""

    def createMessageReceiver(self) -> Any:
        """An ``IMessageSMTP`` for one message."""


class IAliasableDomain(IDomain, Protocol):
    """A domain that knows aliases."""

    def setAliasGroup(self, aliases: Any) -> None:
        """Use ``aliases`` (name -> ``IAlias``)."""

    def exists(self, user: Any, memo: Any = None) -> Any:
        """As ``IDomain.exists``; ``memo`` guards against alias loops."""


class IMessageIMAPPart(Interface, Protocol):
    """A message or one of its MIME parts."""

    def getHeaders(self, negate: bool, *names: Any) -> Any:
        """A dict of the named headers (all others when ``negate``)."""

    def getBodyFile(self) -> Any:
        """A file-like object with the body."""

    def getSize(self) -> int:
        """The size in octets."""

    def isMultipart(self) -> bool:
        """Whether it has parts."""

    def getSubPart(self, part: int) -> Any:
        """Part number ``part`` (0-based), an ``IMessageIMAPPart``."""


class IMessageIMAP(IMessageIMAPPart, Protocol):
    """A message in an IMAP mailbox."""

    def getUID(self) -> int:
        """Its UID."""

    def getFlags(self) -> Any:
        """Its flags."""

    def getInternalDate(self) -> Any:
        """Its INTERNALDATE, as an RFC 2822 date string."""


class IMessageIMAPFile(Interface, Protocol):
    """A message that can be read as a whole file."""

    def open(self) -> Any:
        """A file-like object with the whole message."""


class IMessageIMAPCopier(Interface, Protocol):
    """A mailbox that copies messages itself."""

    def copy(self, messageObject: Any) -> Any:
        """Copy ``messageObject`` in; its new UID (or a Deferred)."""


class IMailboxIMAPInfo(Interface, Protocol):
    """What LIST needs to know of a mailbox."""

    def getFlags(self) -> Any:
        """The flags the mailbox supports."""

    def getHierarchicalDelimiter(self) -> Any:
        """The hierarchy delimiter (``/``, ``.``)."""


class IMailboxIMAP(IMailboxIMAPInfo, Protocol):
    """An IMAP mailbox."""

    def getUIDValidity(self) -> int:
        """UIDVALIDITY."""

    def getUIDNext(self) -> int:
        """The next UID."""

    def getUID(self, message: int) -> int:
        """The UID of message number ``message``."""

    def getMessageCount(self) -> int:
        """How many messages."""

    def getRecentCount(self) -> int:
        """How many are \\Recent."""

    def getUnseenCount(self) -> int:
        """How many are not \\Seen."""

    def isWriteable(self) -> bool:
        """Whether it can be changed."""

    def destroy(self) -> None:
        """Remove everything: the mailbox is being deleted."""

    def requestStatus(self, names: Any) -> Any:
        """A dict of the STATUS items ``names`` (or a Deferred)."""

    def addListener(self, listener: Any) -> None:
        """Tell ``listener`` (an ``IMailboxIMAPListener``) of changes."""

    def removeListener(self, listener: Any) -> None:
        """Stop telling ``listener``."""

    def addMessage(self, message: Any, flags: Any, date: Any) -> Any:
        """Store a message (a file); a Deferred of its UID."""

    def expunge(self) -> Any:
        """Remove messages flagged \\Deleted; the removed message numbers (or a Deferred)."""

    def fetch(self, messages: Any, uid: bool) -> Any:
        """``(number, IMessageIMAP)`` pairs for the ``MessageSet`` ``messages``."""

    def store(self, messages: Any, flags: Any, mode: int, uid: bool) -> Any:
        """Change flags (mode -1 remove, 0 replace, 1 add); ``{number: flags}``."""


class ICloseableMailboxIMAP(Interface, Protocol):
    """A mailbox told when it is closed."""

    def close(self) -> Any:
        """The client closed the mailbox."""


class IMailboxIMAPListener(Interface, Protocol):
    """Told of changes to a selected mailbox."""

    def modeChanged(self, writeable: bool) -> None:
        """Read-write or read-only now."""

    def flagsChanged(self, newFlags: Any) -> None:
        """``{message number: flags}`` changed."""

    def newMessages(self, exists: Any, recent: Any) -> None:
        """New EXISTS/RECENT counts (None when unchanged)."""


class ISearchableIMAPMailbox(Interface, Protocol):
    """A mailbox that runs SEARCH itself."""

    def search(self, query: Any, uid: bool) -> Any:
        """The matching message numbers or UIDs."""


class IAccountIMAP(Interface, Protocol):
    """An IMAP account: a tree of mailboxes."""

    def addMailbox(self, name: Any, mbox: Any = None) -> Any:
        """Add a mailbox (a new one if ``mbox`` is None)."""

    def create(self, pathspec: Any) -> Any:
        """Create a mailbox and its missing parents."""

    def select(self, name: Any, rw: bool = True) -> Any:
        """The mailbox ``name`` (or None)."""

    def delete(self, name: Any) -> Any:
        """Delete a mailbox."""

    def rename(self, oldname: Any, newname: Any) -> Any:
        """Rename a mailbox."""

    def isSubscribed(self, name: Any) -> bool:
        """Whether ``name`` is subscribed."""

    def subscribe(self, name: Any) -> Any:
        """Subscribe to ``name``."""

    def unsubscribe(self, name: Any) -> Any:
        """Unsubscribe from ``name``."""

    def listMailboxes(self, ref: Any, wildcard: Any) -> Any:
        """``(name, mailbox)`` pairs matching ``ref`` + ``wildcard``."""


class INamespacePresenter(Interface, Protocol):
    """The NAMESPACE answers of an account."""

    def getPersonalNamespaces(self) -> Any:
        """``[[prefix, delimiter], ...]`` or None."""

    def getSharedNamespaces(self) -> Any:
        """``[[prefix, delimiter], ...]`` or None."""

    def getUserNamespaces(self) -> Any:
        """``[[prefix, delimiter], ...]`` or None."""
