"""The words service's Perspective Broker front end over real TCP on 127.0.0.1: two PB
clients log in with minds, join a group, and one's message reaches the other's mind."""

from __future__ import annotations

import asyncio
from typing import Any

from twistio.cred import checkers, credentials, portal
from twistio.internet import defer
from twistio.internet._reactor import AsyncioReactor
from twistio.spread import pb
from twistio.words import service


class Mind(service.PBMind):
    def __init__(self) -> None:
        self.heard: defer.Deferred[tuple[Any, Any]] = defer.Deferred()
        self.joins: list[Any] = []

    def remote_userJoined(self, user: Any, group: Any) -> None:
        # The group comes first (the parameter names are Twisted's).
        self.joins.append(user.name)

    def remote_receive(self, sender: Any, recipient: Any, message: Any) -> None:
        if not self.heard.called:
            self.heard.callback((recipient.name, message))


pb.setUnjellyableForClass(Mind, service.PBMindReference)


async def test_pb_clients_meet_in_a_group() -> None:
    reactor: Any = AsyncioReactor()
    loop = asyncio.get_running_loop()
    realm = service.InMemoryWordsRealm("chat.test")
    realm.createGroupOnRequest = True
    db = checkers.InMemoryUsernamePasswordDatabaseDontUse()
    db.addUser(b"ann", b"a")
    db.addUser(b"ben", b"b")
    port = reactor.listenTCP(0, pb.PBServerFactory(portal.Portal(realm, [db])),
                             interface="127.0.0.1")
    clients = [pb.PBClientFactory() for _ in range(2)]
    try:
        for factory in clients:
            reactor.connectTCP("127.0.0.1", port.getHost().port, factory)
        annMind, benMind = Mind(), Mind()
        ann = await asyncio.wait_for(clients[0].login(
            credentials.UsernamePassword(b"ann", b"a"), annMind).asFuture(loop), 10)
        ben = await asyncio.wait_for(clients[1].login(
            credentials.UsernamePassword(b"ben", b"b"), benMind).asFuture(loop), 10)
        assert isinstance(ann, service.AvatarReference)
        room = await asyncio.wait_for(ann.join("room").asFuture(loop), 10)
        assert isinstance(room, service.PBGroupReference) and room.name == "room"
        await asyncio.wait_for(ben.join("room").asFuture(loop), 10)
        await asyncio.wait_for(room.send({b"text": b"hi ben"}).asFuture(loop), 10)
        heard = await asyncio.wait_for(benMind.heard.asFuture(loop), 10)
        assert heard == ("room", {b"text": b"hi ben"})
        assert annMind.joins == ["room"]
        assert sorted(u.name for u in realm.groups["room"].iterusers()) == ["ann", "ben"]
    finally:
        for factory in clients:
            factory.disconnect()
        await port.stopListening()
