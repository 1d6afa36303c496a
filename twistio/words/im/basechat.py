"""The base of a chat user interface: the contacts list, conversation windows with people
and groups, and ``ChatUI`` which keeps them. A real interface subclasses the windows and
implements ``show``, ``hide``, ``showMessage``, ``showGroupMessage`` and ``setTopic``."""

from __future__ import annotations

from typing import Any

from twistio.words.im.locals import AWAY, OFFLINE, ONLINE

__all__ = ["ChatUI", "ContactsList", "Conversation", "GroupConversation"]


def _mustOverride() -> NotImplementedError:
    return NotImplementedError("Subclasses must implement this method")


class ContactsList:
    """The people known (``contacts``, by name), those online (``onlineContacts``), and the
    account clients signed on (``clients``)."""

    def __init__(self, chatui: Any) -> None:
        self.chatui = chatui
        self.contacts: dict[str, Any] = {}
        self.onlineContacts: dict[str, Any] = {}
        self.clients: list[Any] = []

    def setContactStatus(self, person: Any) -> None:
        """Record ``person`` and whether they are online (or away) now."""
        name = person.name
        self.contacts.setdefault(name, person)
        if person.status in (ONLINE, AWAY):
            self.onlineContacts.setdefault(name, person)
        elif person.status == OFFLINE:
            self.onlineContacts.pop(name, None)

    def registerAccountClient(self, client: Any) -> None:
        """An account client signed on."""
        if client not in self.clients:
            self.clients.append(client)

    def unregisterAccountClient(self, client: Any) -> None:
        """An account client signed off."""
        if client in self.clients:
            self.clients.remove(client)

    def contactChangedNick(self, person: Any, newnick: str) -> None:
        """Re-file a known contact under ``newnick``."""
        old = person.name
        if old not in self.contacts:
            return
        del self.contacts[old]
        person.name = newnick
        self.contacts[newnick] = person
        if self.onlineContacts.pop(old, None) is not None:
            self.onlineContacts[newnick] = person


class Conversation:
    """A conversation window with ``person``."""

    def __init__(self, person: Any, chatui: Any) -> None:
        self.chatui = chatui
        self.person = person

    def show(self) -> None:
        """Show the window (the interface implements it)."""
        raise _mustOverride()

    def hide(self) -> None:
        """Hide the window (the interface implements it)."""
        raise _mustOverride()

    def sendText(self, text: str) -> None:
        """Send what the user typed to the person."""
        self.person.sendMessage(text, None)

    def showMessage(self, text: str, metadata: Any = None) -> None:
        """Show a message from the person (the interface implements it)."""
        raise _mustOverride()

    def contactChangedNick(self, person: Any, newnick: str) -> None:
        """The person is now called ``newnick``."""
        self.person.name = newnick


class GroupConversation:
    """A conversation window with ``group``; ``members`` are the nicknames in it."""

    def __init__(self, group: Any, chatui: Any) -> None:
        self.chatui = chatui
        self.group = group
        self.members: list[str] = []

    def show(self) -> None:
        """Show the window (the interface implements it)."""
        raise _mustOverride()

    def hide(self) -> None:
        """Hide the window (the interface implements it)."""
        raise _mustOverride()

    def sendText(self, text: str) -> None:
        """Send what the user typed to the group."""
        self.group.sendGroupMessage(text, None)

    def showGroupMessage(self, sender: str, text: str, metadata: Any = None) -> None:
        """Show a message from ``sender`` (the interface implements it)."""
        raise _mustOverride()

    def setGroupMembers(self, members: list[str]) -> None:
        """Replace the member list."""
        self.members = members

    def setTopic(self, topic: str, author: str) -> None:
        """Show the topic (the interface implements it)."""
        raise _mustOverride()

    def memberJoined(self, member: str) -> None:
        """Add ``member`` (once)."""
        if member not in self.members:
            self.members.append(member)

    def memberChangedNick(self, oldnick: str, newnick: str) -> None:
        """``oldnick`` is now ``newnick``."""
        if oldnick in self.members:
            self.members.remove(oldnick)
            self.members.append(newnick)

    def memberLeft(self, member: str) -> None:
        """Remove ``member``."""
        if member in self.members:
            self.members.remove(member)


class ChatUI:
    """Keeps the windows (``conversations`` by person, ``groupConversations`` by group),
    the people and groups of each account (``persons`` and ``groups``, keyed by ``(name,
    account)``), the clients signed on and the contacts list."""

    def __init__(self) -> None:
        self.conversations: dict[Any, Any] = {}
        self.groupConversations: dict[Any, Any] = {}
        self.persons: dict[tuple[str, Any], Any] = {}
        self.groups: dict[tuple[str, Any], Any] = {}
        self.onlineClients: list[Any] = []
        self.contactsList = ContactsList(self)

    def registerAccountClient(self, client: Any) -> Any:
        """An account signed on; returns ``client`` (for a callback chain)."""
        self.onlineClients.append(client)
        self.contactsList.registerAccountClient(client)
        return client

    def unregisterAccountClient(self, client: Any) -> None:
        """An account signed off."""
        self.onlineClients.remove(client)
        self.contactsList.unregisterAccountClient(client)

    def getContactsList(self) -> ContactsList:
        """The contacts list."""
        return self.contactsList

    @staticmethod
    def _window(cache: dict[Any, Any], key: Any, make: Any, stayHidden: bool) -> Any:
        window = cache.get(key)
        if not window:
            window = cache[key] = make()
        if stayHidden:
            window.hide()
        else:
            window.show()
        return window

    def getConversation(self, person: Any, Class: Any = Conversation, stayHidden: bool = False) -> Any:
        """The window with ``person`` (a new ``Class`` the first time), shown unless
        ``stayHidden``."""
        return self._window(self.conversations, person, lambda: Class(person, self), stayHidden)

    def getGroupConversation(self, group: Any, Class: Any = GroupConversation,
                             stayHidden: bool = False) -> Any:
        """The window of ``group`` (a new ``Class`` the first time), shown unless
        ``stayHidden``."""
        return self._window(self.groupConversations, group, lambda: Class(group, self),
                            stayHidden)

    def getPerson(self, name: str, client: Any) -> Any:
        """The person ``name`` of ``client``'s account (asked of the account once)."""
        key = (name, client.account)
        if key not in self.persons:
            self.persons[key] = client.account.getPerson(name)
        return self.persons[key]

    def getGroup(self, name: str, client: Any) -> Any:
        """The group ``name`` of ``client``'s account (asked of the account once)."""
        key = (name, client.account)
        if key not in self.groups:
            self.groups[key] = client.account.getGroup(name)
        return self.groups[key]

    def contactChangedNick(self, person: Any, newnick: str) -> None:
        """``person`` is now ``newnick``: tell their window and the contacts list."""
        old = (person.name, person.account)
        if old not in self.persons:
            return
        window = self.conversations.get(person)
        if window:
            window.contactChangedNick(person, newnick)
        self.contactsList.contactChangedNick(person, newnick)
        del self.persons[old]
        person.name = newnick
        self.persons[(newnick, person.account)] = person
