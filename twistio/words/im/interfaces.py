"""Interfaces of the Instance Messenger model: accounts, their clients, people, groups,
conversation windows, and the chat user interface."""

from __future__ import annotations

from typing import Any, Protocol

from twistio.internet.interfaces import Interface

__all__ = ["IAccount", "IChatUI", "IClient", "IConversation", "IGroup",
           "IGroupConversation", "IPerson"]


class IAccount(Interface, Protocol):
    """A user's account with a chat service."""

    #: The ``IClient`` connected for this account, if any.
    client: Any
    #: Names the protocol (``IRC``).
    gatewayType: str

    def isOnline(self) -> bool:
        """Whether the account is signed on."""

    def logOn(self, chatui: Any) -> Any:
        """Sign on; a Deferred firing with the client."""

    def logOff(self) -> None:
        """Sign off."""

    def getGroup(self, groupName: str) -> Any:
        """The ``IGroup`` of that name on this account."""

    def getPerson(self, personName: str) -> Any:
        """The ``IPerson`` of that name on this account."""


class IClient(Interface, Protocol):
    """The connection of an account."""

    #: The ``IAccount`` this is the client of.
    account: Any

    def joinGroup(self, groupName: str) -> Any:
        """Join a group."""

    def leaveGroup(self, groupName: str) -> Any:
        """Leave a group."""

    def getGroupConversation(self, name: str, hide: int = 0) -> Any:
        """The conversation window of a group."""

    def getPerson(self, name: str) -> Any:
        """The person of that name."""


class IPerson(Interface, Protocol):
    """Someone you may talk to."""

    def isOnline(self) -> bool:
        """Whether they are online."""

    def getStatus(self) -> Any:
        """Their status (``ONLINE``, ``AWAY``...)."""

    def getIdleTime(self) -> str:
        """How long they have been idle, as text."""

    def sendMessage(self, text: str, metadata: Any = None) -> Any:
        """Send them a message."""


class IGroup(Interface, Protocol):
    """A group you may have a conversation with."""

    #: The group's name, as the server knows it.
    name: str
    #: The ``IAccount`` it is reached through.
    account: Any

    def setTopic(self, text: str) -> Any:
        """Set the topic on the server."""

    def sendGroupMessage(self, text: str, metadata: Any = None) -> Any:
        """Send a message to the group."""

    def join(self) -> Any:
        """Join the group."""

    def leave(self) -> Any:
        """Leave the group."""


class IConversation(Interface, Protocol):
    """A conversation window with one person."""

    def show(self) -> None:
        """Show the window."""

    def hide(self) -> None:
        """Hide the window."""

    def sendText(self, text: str, metadata: Any) -> Any:
        """Send what the user typed."""

    def showMessage(self, text: str, metadata: Any) -> None:
        """Show a message from the person."""

    def changedNick(self, person: Any, newnick: str) -> None:
        """The person changed nickname."""


class IGroupConversation(Interface, Protocol):
    """A conversation window with a group."""

    def show(self) -> None:
        """Show the window."""

    def hide(self) -> None:
        """Hide the window."""

    def sendText(self, text: str, metadata: Any) -> Any:
        """Send what the user typed."""

    def showGroupMessage(self, sender: str, text: str, metadata: Any) -> None:
        """Show a message from a member."""

    def setGroupMembers(self, members: list[str]) -> None:
        """Set and show the members."""

    def setTopic(self, topic: str, author: str) -> None:
        """Show the topic."""

    def memberJoined(self, member: str) -> None:
        """Add and show a member."""

    def memberChangedNick(self, oldnick: str, newnick: str) -> None:
        """Show a member's new nickname."""

    def memberLeft(self, member: str) -> None:
        """Remove a member."""


class IChatUI(Interface, Protocol):
    """The user interface of a chat client."""

    def registerAccountClient(self, client: Any) -> Any:
        """An account signed on."""

    def unregisterAccountClient(self, client: Any) -> None:
        """An account signed off."""

    def getContactsList(self) -> Any:
        """The contacts list."""

    def getConversation(self, person: Any, Class: Any, stayHidden: int = 0) -> Any:
        """The conversation window with ``person`` (made if needed)."""

    def getGroupConversation(self, group: Any, Class: Any, stayHidden: int = 0) -> Any:
        """The conversation window of ``group`` (made if needed)."""

    def getPerson(self, name: str, client: Any) -> Any:
        """The person ``name`` of ``client``'s account."""

    def getGroup(self, name: str, client: Any) -> Any:
        """The group ``name`` of ``client``'s account."""

    def contactChangedNick(self, oldnick: Any, newnick: str) -> None:
        """A contact changed nickname."""
