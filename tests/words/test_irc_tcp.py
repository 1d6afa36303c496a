"""IRC over real TCP on 127.0.0.1: two twistio IRCClients log in to the words service's
IRC front end, meet in a channel and talk."""

from __future__ import annotations

import asyncio
from typing import Any

from twistio.cred import checkers, portal
from twistio.internet import defer
from twistio.internet._reactor import AsyncioReactor
from twistio.internet.protocol import ClientFactory
from twistio.words import service
from twistio.words.protocols import irc


class Bot(irc.IRCClient):
    heartbeatInterval = None

    def __init__(self, nickname: str, password: str) -> None:
        self.nickname, self.password = nickname, password
        self.joinedRoom: defer.Deferred[None] = defer.Deferred()
        self.heard: defer.Deferred[tuple[str, str, str]] = defer.Deferred()

    def signedOn(self) -> None:
        self.join("room")

    def joined(self, channel: str) -> None:
        self.joinedRoom.callback(None)

    def privmsg(self, user: str, channel: str, message: str) -> None:
        if not self.heard.called:
            self.heard.callback((user, channel, message))


def one(bot: Bot) -> ClientFactory:
    factory = ClientFactory()
    factory.buildProtocol = lambda addr: bot  # type: ignore[method-assign]
    return factory


async def test_two_clients_talk_through_the_service() -> None:
    reactor: Any = AsyncioReactor()
    realm = service.InMemoryWordsRealm("chat.test")
    realm.createGroupOnRequest = True
    db = checkers.InMemoryUsernamePasswordDatabaseDontUse()
    db.addUser("ann", "a-secret")
    db.addUser("ben", "b-secret")
    port = reactor.listenTCP(0, service.IRCFactory(realm, portal.Portal(realm, [db])),
                             interface="127.0.0.1")
    ann, ben = Bot("ann", "a-secret"), Bot("ben", "b-secret")
    try:
        for bot in (ann, ben):
            reactor.connectTCP("127.0.0.1", port.getHost().port, one(bot))
            await asyncio.wait_for(bot.joinedRoom.asFuture(asyncio.get_running_loop()), 10)
        ann.say("room", "hello ben")
        ann.msg("ben", "psst")
        heard = await asyncio.wait_for(ben.heard.asFuture(asyncio.get_running_loop()), 10)
        assert heard == ("ann!ann@chat.test", "#room", "hello ben")
        assert [m.name for m in realm.groups["room"].iterusers()] == ["ann", "ben"]
    finally:
        for bot in (ann, ben):
            if bot.transport is not None:
                bot.transport.loseConnection()
        await port.stopListening()
