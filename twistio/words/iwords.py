"""Interfaces of the words chat service: the service (realm), its users and groups, the
clients (minds) that users log in with, and the protocol plugins that front it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from twistio.internet.defer import Deferred
from twistio.internet.interfaces import Interface

__all__ = ["IChatClient", "IChatService", "IGroup", "IProtocolPlugin", "IUser"]


class IProtocolPlugin(Interface, Protocol):
    """A way in to a words service (``irc``, ``pb``...), offered to ``twistd words``."""

    #: One word naming the protocol (``irc``).
    name: str

    def getFactory(self, realm: Any, portal: Any) -> Any:
        """The server factory that serves ``realm`` to users who log in with ``portal``."""


class IGroup(Interface, Protocol):
    """A chat room."""

    #: Unique among the service's groups.
    name: str

    def add(self, user: Any) -> Deferred[Any]:
        """Let ``user`` (an ``IChatClient``) in; the others are told."""

    def remove(self, user: Any, reason: str | None = None) -> Deferred[Any]:
        """Let ``user`` out; the others are told, with ``reason``."""

    def size(self) -> Deferred[int]:
        """How many users are in."""

    def receive(self, sender: Any, recipient: Any, message: dict[str, Any]) -> Deferred[Any]:
        """Pass ``message`` from ``sender`` on to everyone else in the group."""

    def setMetadata(self, meta: dict[str, Any]) -> Deferred[Any]:
        """Replace the group's metadata (``topic``, ``topic_author``...); members are told."""

    def iterusers(self) -> Iterator[Any]:
        """The users in the group."""


class IChatClient(Interface, Protocol):
    """What the service calls on a logged-in client (the *mind* of a login)."""

    #: Unique among users; set by the service at login.
    name: str

    def receive(self, sender: Any, recipient: Any, message: dict[str, Any]) -> Any:
        """``sender`` sent ``message`` to ``recipient`` (this client's user, or a group)."""

    def groupMetaUpdate(self, group: Any, meta: dict[str, Any]) -> Any:
        """The metadata of ``group`` changed to ``meta``."""

    def userJoined(self, group: Any, user: Any) -> Any:
        """``user`` joined ``group``."""

    def userLeft(self, group: Any, user: Any, reason: str | None = None) -> Any:
        """``user`` left ``group``."""


class IUser(Interface, Protocol):
    """A user of the service, as a client acts through it (the avatar of a login)."""

    #: The realm, while logged in (else None).
    realm: Any
    #: The client logged in as this user (else None).
    mind: Any
    #: Unique among users.
    name: str
    #: When this user last sent a message (POSIX time).
    lastMessage: float
    #: When this user last logged in (POSIX time).
    signOn: float

    def loggedIn(self, realm: Any, mind: Any) -> None:
        """Called by the service when ``mind`` logs in as this user."""

    def send(self, recipient: Any, message: dict[str, Any]) -> Deferred[Any]:
        """Send ``message`` to a user or group."""

    def join(self, group: Any) -> Deferred[Any]:
        """Join ``group``."""

    def leave(self, group: Any) -> Deferred[Any]:
        """Leave ``group``."""

    def itergroups(self) -> Iterator[Any]:
        """The groups this user is in."""


class IChatService(Interface, Protocol):
    """The service: its users and groups, found and created by name."""

    #: The service's name (for instance the host name).
    name: str
    #: Whether ``getGroup`` creates a group it does not find.
    createGroupOnRequest: bool
    #: Whether ``getUser`` creates a user it does not find.
    createUserOnRequest: bool

    def itergroups(self) -> Deferred[Any]:
        """All groups."""

    def getGroup(self, name: str) -> Deferred[Any]:
        """The group ``name`` (created if ``createGroupOnRequest``), or ``NoSuchGroup``."""

    def createGroup(self, name: str) -> Deferred[Any]:
        """A new group ``name``, or ``DuplicateGroup``."""

    def lookupGroup(self, name: str) -> Deferred[Any]:
        """The group ``name``, or ``NoSuchGroup``."""

    def getUser(self, name: str) -> Deferred[Any]:
        """The user ``name`` (created if ``createUserOnRequest``), or ``NoSuchUser``."""

    def createUser(self, name: str) -> Deferred[Any]:
        """A new user ``name``, or ``DuplicateUser``."""
