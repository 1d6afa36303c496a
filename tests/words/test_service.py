"""twistio.words.service: the in-memory realm, users and groups, and the IRC front end
driven over StringTransports; plus twistio.words.tap and the words plugins."""

from __future__ import annotations

from typing import Any

import pytest

from twistio.application.service import IServiceMaker
from twistio.cred import checkers, portal
from twistio.internet import defer
from twistio.internet.interfaces import implementer
from twistio.internet.testing import StringTransport
from twistio.plugin import getPlugins
from twistio.words import ewords, iwords, service, tap


def result(d: defer.Deferred[Any]) -> Any:
    box: list[Any] = []
    d.addBoth(box.append)
    assert box, "the Deferred has not fired"
    return box[0]


@implementer(iwords.IChatClient)
class Mind:
    def __init__(self, name: str) -> None:
        self.name = name
        self.events: list[tuple[Any, ...]] = []

    def receive(self, sender: Any, recipient: Any, message: dict[str, Any]) -> None:
        self.events.append(("receive", sender.name, recipient.name, message["text"]))

    def groupMetaUpdate(self, group: Any, meta: dict[str, Any]) -> None:
        self.events.append(("meta", group.name, meta.get("topic")))

    def userJoined(self, group: Any, user: Any) -> None:
        self.events.append(("joined", group.name, user.name))

    def userLeft(self, group: Any, user: Any, reason: str | None = None) -> None:
        self.events.append(("left", group.name, user.name, reason))


def test_errors_name_their_class() -> None:
    assert str(ewords.NoSuchUser("bob")) == "NoSuchUser: bob"
    assert str(ewords.WordsError()) == "WordsError: "


def test_realm_creates_and_finds_users_and_groups() -> None:
    realm = service.InMemoryWordsRealm("example.com")
    user = result(realm.createUser("Bob"))
    assert user.name == "bob"
    assert result(realm.lookupUser("BOB")) is user
    assert result(realm.getUser("bob")) is user
    duplicate = result(realm.createUser("bob"))
    assert duplicate.check(ewords.DuplicateUser)
    missing = result(realm.lookupGroup("nope"))
    assert missing.check(ewords.NoSuchGroup)
    assert result(realm.getGroup("nope")).check(ewords.NoSuchGroup)
    realm.createGroupOnRequest = True
    group = result(realm.getGroup("Room"))
    assert group.name == "room"
    assert list(result(realm.itergroups())) == [group]


def test_group_relays_to_the_other_members() -> None:
    group = service.Group("room")
    alice, bob = Mind("alice"), Mind("bob")
    result(group.add(alice))
    result(group.add(bob))
    assert alice.events == [("joined", "room", "bob")] and bob.events == []
    result(group.receive(alice, group, {"text": "hi"}))
    assert bob.events == [("receive", "alice", "room", "hi")]
    result(group.setMetadata({"topic": "t"}))
    assert ("meta", "room", "t") in alice.events and ("meta", "room", "t") in bob.events
    result(group.remove(bob, "bye"))
    assert alice.events[-1] == ("left", "room", "bob", "bye")
    assert result(group.size()) == 1
    with pytest.raises(TypeError):
        group.add(object())


def test_group_drops_a_member_whose_client_fails() -> None:
    class Broken(Mind):
        def receive(self, sender: Any, recipient: Any, message: dict[str, Any]) -> None:
            raise RuntimeError("gone")

    group = service.Group("room")
    alice, broken = Mind("alice"), Broken("broken")
    result(group.add(alice))
    result(group.add(broken))
    result(group.receive(alice, group, {"text": "hi"}))
    assert [m.name for m in group.iterusers()] == ["alice"]
    assert alice.events[-1][:3] == ("left", "room", "broken")


def test_login_gives_the_user_once() -> None:
    realm = service.InMemoryWordsRealm("example.com")
    mind = Mind("x")
    iface, avatar, logout = result(realm.requestAvatar("carol", mind, iwords.IUser))
    assert iface is iwords.IUser and avatar.name == "carol" and avatar.mind is mind
    assert mind.name == "carol"
    assert result(realm.requestAvatar("carol", Mind("y"), iwords.IUser)).check(
        ewords.AlreadyLoggedIn)
    logout()
    assert avatar.realm is None


def irc_service() -> tuple[service.IRCFactory, service.InMemoryWordsRealm]:
    realm = service.InMemoryWordsRealm("example.com")
    realm.createGroupOnRequest = True
    db = checkers.InMemoryUsernamePasswordDatabaseDontUse()
    db.addUser("john", "pass")  # IRCUser logs in with text credentials
    db.addUser("jane", "pw")
    return service.IRCFactory(realm, portal.Portal(realm, [db])), realm


def connect(factory: service.IRCFactory) -> tuple[Any, StringTransport]:
    proto = factory.buildProtocol(None)
    transport = StringTransport()
    proto.makeConnection(transport)
    return proto, transport


def lines(transport: StringTransport) -> list[str]:
    out = transport.value().decode().split("\r\n")[:-1]
    transport.clear()
    return out


def test_irc_login_with_pass_then_chat() -> None:
    factory, realm = irc_service()
    john, jt = connect(factory)
    john.dataReceived(b"PASS pass\r\nNICK john\r\nUSER john x y :John\r\n")
    got = lines(jt)
    assert [line.split()[1] for line in got] == ["375", "376", "001", "002", "003", "004"]
    assert got[2] == ":example.com 001 john :connected to Twisted IRC"

    jane, nt = connect(factory)
    jane.dataReceived(b"NICK jane\r\n")
    assert lines(nt)[-1] == ":NickServ!NickServ@services PRIVMSG jane :Password?"
    jane.dataReceived(b"PRIVMSG NickServ :pw\r\n")
    assert lines(nt)[0] == ":example.com 001 jane :connected to Twisted IRC"

    jane.dataReceived(b"JOIN #test\r\n")
    john.dataReceived(b"JOIN #test\r\n")
    assert lines(jt) == [
        ":john!john@example.com JOIN #test",
        ":example.com 353 john = #test :jane john",
        ":example.com 366 john #test :End of /NAMES list",
    ]
    lines(nt)
    john.dataReceived(b"PRIVMSG #test :hello all\r\nPRIVMSG jane :psst\r\n")
    assert lines(nt) == [":john!john@example.com PRIVMSG #test :hello all",
                         ":john!john@example.com PRIVMSG jane :psst"]
    john.dataReceived(b"TOPIC #test :news\r\n")
    assert lines(nt) == [":john!john@example.com TOPIC #test :news"]
    john.dataReceived(b"PRIVMSG nobody :x\r\nPART #nochan\r\nMODE #test\r\n")
    assert lines(jt)[1:] == [
        ":example.com 401 john nobody :No such nick/channel.",
        ":example.com 442 john #nochan :NoSuchGroup: nochan",
        ":example.com 324 john #test + ",
    ]
    john.dataReceived(b"PART #test :bye\r\n")
    assert lines(nt) == [":john!john@example.com PART #test :bye"]
    jane.dataReceived(b"QUIT :done\r\n")
    assert nt.disconnecting
    jane.connectionLost(None)
    assert result(realm.lookupUser("jane")).realm is None


def test_irc_wrong_password_disconnects() -> None:
    factory, _ = irc_service()
    proto, transport = connect(factory)
    proto.dataReceived(b"PASS wrong\r\nNICK john\r\n")
    assert lines(transport)[-1] == ":NickServ!NickServ@services PRIVMSG john :Login failed.  Goodbye."
    assert transport.disconnecting


def test_tap_serves_irc_with_groups() -> None:
    options = tap.Options()
    options.parseOptions(["--hostname", "chat.example", "--group", "lobby",
                          "--irc-port", "tcp:0:interface=127.0.0.1"])
    assert options["groups"] == ["lobby"]
    top = tap.makeService(options)
    assert len(list(top)) == 1
    assert sorted(p.name for p in getPlugins(iwords.IProtocolPlugin)) == ["irc", "pb"]
    makers = {maker.tapname: maker for maker in getPlugins(IServiceMaker)}
    assert makers["words"].options is tap.Options
    assert makers["xmpp-router"].module.endswith("words.xmpproutertap")
