"""twistio.words.im: the chat-client model and its IRC support, driven over a
StringTransport with a recording chat interface."""

from __future__ import annotations

from typing import Any

import pytest

from twistio.internet.error import ConnectError
from twistio.internet.testing import StringTransport
from twistio.words.im import basechat, basesupport, ircsupport
from twistio.words.im.locals import OFFLINE, ONLINE, OfflineError


class Window(basechat.GroupConversation):
    def __init__(self, group: Any, chatui: Any) -> None:
        super().__init__(group, chatui)
        self.shown: list[Any] = []

    def show(self) -> None:
        pass

    def hide(self) -> None:
        pass

    def showGroupMessage(self, sender: str, text: str, metadata: Any = None) -> None:
        self.shown.append((sender, text, metadata))

    def setTopic(self, topic: str, author: str) -> None:
        self.shown.append(("topic", topic, author))


class PersonWindow(basechat.Conversation):
    def __init__(self, person: Any, chatui: Any) -> None:
        super().__init__(person, chatui)
        self.shown: list[Any] = []

    def show(self) -> None:
        pass

    def hide(self) -> None:
        pass

    def showMessage(self, text: str, metadata: Any = None) -> None:
        self.shown.append((text, metadata))


class UI(basechat.ChatUI):
    def getGroupConversation(self, group: Any, Class: Any = Window, stayHidden: bool = False) -> Any:
        return super().getGroupConversation(group, Class, stayHidden)

    def getConversation(self, person: Any, Class: Any = PersonWindow, stayHidden: bool = False) -> Any:
        return super().getConversation(person, Class, stayHidden)


def test_group_conversation_members() -> None:
    window = Window(None, None)
    window.setGroupMembers(["a", "b"])
    window.memberJoined("c")
    window.memberJoined("c")
    window.memberChangedNick("a", "z")
    window.memberLeft("b")
    assert window.members == ["c", "z"]
    with pytest.raises(NotImplementedError):
        basechat.Conversation(None, None).show()


def test_account_caches_people_and_groups_and_refuses_double_logon() -> None:
    account = basesupport.AbstractAccount("acc", False, "user", "pw", "host", 1)
    assert account.getPerson("bob") is account.getPerson("bob")
    assert account.getPerson("bob").status is OFFLINE
    assert str(account.getGroup("g")) == "g@acc"
    with pytest.raises(OfflineError):
        account.getGroup("g").join()
    with pytest.raises(NotImplementedError):
        account.logOn(UI())
    with pytest.raises(ConnectError):
        account.logOn(UI())


def test_contacts_follow_status_and_nick_changes() -> None:
    ui = UI()
    account = basesupport.AbstractAccount("acc", False, "user", "pw", "host", 1)

    class Client:
        pass

    client = Client()
    client.account = account  # type: ignore[attr-defined]
    bob = ui.getPerson("bob", client)
    bob.status = ONLINE
    contacts = ui.getContactsList()
    contacts.setContactStatus(bob)
    assert contacts.onlineContacts == {"bob": bob}
    ui.contactChangedNick(bob, "robert")
    assert bob.name == "robert" and list(contacts.contacts) == ["robert"]
    assert ui.getPerson("robert", client) is bob


def connected_proto() -> tuple[ircsupport.IRCProto, StringTransport, UI]:
    account = ircsupport.IRCAccount("acc", False, "alice", "secret", "host", 6667, "#one, two")
    ui = UI()
    proto = ircsupport.IRCProto(account, ui)
    transport = StringTransport()
    proto.makeConnection(transport)
    return proto, transport, ui


def test_irc_proto_registers_and_joins_the_channels() -> None:
    _, transport, _ = connected_proto()
    assert transport.value() == (
        b"PASS secret\r\nNICK alice\r\nUSER alice foo bar :Twisted-IM user\r\n"
        b"JOIN #one\r\nJOIN #two\r\n")


def test_irc_proto_feeds_the_windows() -> None:
    proto, transport, ui = connected_proto()
    proto.heartbeatInterval = None
    proto.dataReceived(
        b":srv 001 alice :hi\r\n"
        b":srv 353 alice = #one :@bob +carol alice\r\n:srv 366 alice #one :End\r\n"
        b":dave!d@h JOIN #one\r\n:bob!b@h NICK bobby\r\n:carol!c@h PART #one\r\n"
        b":bobby!b@h PRIVMSG #one :hello\r\n:bobby!b@h PRIVMSG alice :\x01ACTION waves\x01\r\n"
        b":bobby!b@h TOPIC #one :news\r\n")
    window = ui.getGroupConversation(ui.getGroup("one", proto))
    assert window.members == ["alice", "dave", "bobby"]
    assert window.shown == [("bobby", "hello", {}), ("topic", "news", "bobby")]
    private = ui.getConversation(ui.getPerson("bobby", proto))
    assert private.shown == [("waves", {"style": "emote"})]
    account = proto.account
    account.client = proto
    transport.clear()
    account.getGroup("one").sendGroupMessage("a\nb")
    account.getPerson("bobby").sendMessage("yo", {"style": "emote"})
    assert transport.value() == (
        b"PRIVMSG #one :a\r\nPRIVMSG #one :b\r\nPRIVMSG bobby :\x01ACTION yo\x01\r\n")


def test_account_manager() -> None:
    from twistio.words.im.baseaccount import AccountManager

    manager = AccountManager()
    assert manager.isEmpty()
    account = ircsupport.IRCAccount("acc", 1, "alice", "", "host", 6667)
    manager.addAccount(account)
    assert manager.getSnapShot() == [("acc", 0, 1, "IRC")]
    proto, transport, _ = connected_proto()
    account.client, account._isOnline = proto, 1
    assert manager.getConnectionInfo() == [1]
    manager.quit()
    assert transport.disconnecting
    manager.delAccount("acc")
    assert manager.isEmpty()
