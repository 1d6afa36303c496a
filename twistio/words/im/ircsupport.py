"""IRC for the Instance Messenger: an account, its people and channels, and the client
protocol that feeds the chat interface (members, topics, messages, actions)."""

from __future__ import annotations

from typing import Any

from twistio.internet import defer, protocol
from twistio.internet import reactor as reactor
from twistio.internet.interfaces import implementer
from twistio.words.im import basesupport, interfaces, locals
from twistio.words.im.locals import ONLINE
from twistio.words.protocols import irc

__all__ = ["IRCAccount", "IRCGroup", "IRCPerson", "IRCProto"]


def _nick(prefix: str) -> str:
    return prefix.split("!", 1)[0]


def _connected(account: Any) -> Any:
    """The account's client; ``OfflineError`` without one."""
    if account.client is None:
        raise locals.OfflineError()
    return account.client


class IRCPerson(basesupport.AbstractPerson):
    """Someone on IRC."""

    def imperson_whois(self) -> None:
        """Ask the server who they are."""
        _connected(self.account).sendLine("WHOIS " + self.name)

    def isOnline(self) -> Any:
        """IRC does not tell: always ``ONLINE``."""
        return ONLINE

    def getStatus(self) -> Any:
        """IRC does not tell: always ``ONLINE``."""
        return ONLINE

    def setStatus(self, status: Any) -> None:
        """Record ``status`` and update the contacts list."""
        self.status = status
        self.account.client.chat.getContactsList().setContactStatus(self)

    def sendMessage(self, text: str, meta: Any = None) -> defer.Deferred[str]:
        """PRIVMSG each line (a CTCP ACTION for ``{"style": "emote"}``)."""
        client = _connected(self.account)
        emote = bool(meta) and meta.get("style") == "emote"
        for line in text.split("\n"):
            if emote:
                client.ctcpMakeQuery(self.name, [("ACTION", line)])
            else:
                client.msg(self.name, line)
        return defer.succeed(text)


@implementer(interfaces.IGroup)
class IRCGroup(basesupport.AbstractGroup):
    """An IRC channel (``name`` without its ``#``)."""

    def imgroup_testAction(self) -> None:
        """A command that does nothing (kept from Twisted)."""

    def imtarget_kick(self, target: Any) -> None:
        """Kick ``target`` out of the channel."""
        _connected(self.account).sendLine(f"KICK #{self.name} {target.name} :for great justice!")

    def setTopic(self, topic: str) -> None:
        """Set the channel's topic."""
        _connected(self.account).topic(self.name, topic)

    def sendGroupMessage(self, text: str, meta: Any = None) -> defer.Deferred[str]:
        """Say each line in the channel (one CTCP ACTION for ``{"style": "emote"}``)."""
        client = _connected(self.account)
        if meta and meta.get("style") == "emote":
            channel = self.name if self.name[:1] in irc.CHANNEL_PREFIXES else "#" + self.name
            client.ctcpMakeQuery(channel, [("ACTION", text)])
        else:
            for line in text.split("\n"):
                client.say(self.name, line)
        return defer.succeed(text)

    def leave(self) -> None:
        """Leave the channel (its window stays, hidden)."""
        client = _connected(self.account)
        client.leave(self.name)
        client.getGroupConversation(self.name, 1)


class IRCProto(basesupport.AbstractClientMixin, irc.IRCClient):
    """The IRC connection of an ``IRCAccount``: registers, joins the account's channels and
    keeps the chat interface's windows up to date."""

    def __init__(self, account: Any, chatui: Any, logonDeferred: Any = None) -> None:
        basesupport.AbstractClientMixin.__init__(self, account, chatui, logonDeferred)
        self._namreplies: dict[str, list[str]] = {}
        self._ingroups: dict[str, list[str]] = {}
        self._groups: dict[str, Any] = {}
        self._topics: dict[str, str] = {}

    def getGroupConversation(self, name: str, hide: int = 0) -> Any:
        """The window of channel ``name`` (lower-cased)."""
        name = name.lower()
        return self.chat.getGroupConversation(self.chat.getGroup(name, self), stayHidden=hide)

    def getPerson(self, name: str) -> Any:
        """The person ``name``."""
        return self.chat.getPerson(name, self)

    def connectionMade(self) -> None:
        """Register as the account's user, join its channels, and fire the logon Deferred."""
        account = self.account
        self.nickname = account.username
        self.password = account.password or None
        self.realname = "Twisted-IM user"
        self.performLogin = True
        irc.IRCClient.connectionMade(self)
        for channel in account.channels:
            self.joinGroup(channel)
        account._isOnline = 1
        if self._logonDeferred is not None:
            self._logonDeferred.callback(self)
        self.chat.getContactsList()

    def setNick(self, nick: str) -> None:
        """Ask for ``nick``; ``name`` and ``accountName`` follow it."""
        self.name = nick
        self.accountName = f"{nick} (IRC)"
        irc.IRCClient.setNick(self, nick)

    def kickedFrom(self, channel: str, kicker: str, message: str) -> None:
        """Show the kick in the channel's window."""
        self.getGroupConversation(channel.removeprefix("#")).showGroupMessage(
            kicker, f"kicked you: {message}", {})

    def userKicked(self, kickee: str, channel: str, kicker: str, message: str) -> None:
        """Someone else was kicked: nothing to show."""

    def noticed(self, username: str, channel: str, message: str) -> None:
        """Shown as a message, marked so that nothing answers it automatically."""
        self.privmsg(username, channel, message, {"dontAutoRespond": 1})

    def _show(self, username: str, channel: str, text: str, meta: dict[str, Any]) -> None:
        sender = _nick(username)
        if sender == self.name:
            return
        if channel[:1] == "#":
            self.getGroupConversation(channel[1:]).showGroupMessage(sender, text, meta)
        else:
            self.chat.getConversation(self.getPerson(sender)).showMessage(text, meta)

    def privmsg(self, username: str, channel: str, message: str,
                metadata: dict[str, Any] | None = None) -> None:
        """Show the message in the channel's window or in the sender's."""
        self._show(username, channel, message, {} if metadata is None else metadata)

    def action(self, username: str, channel: str, emote: str) -> None:
        """Show the action (``{"style": "emote"}``)."""
        self._show(username, channel, emote, {"style": "emote"})

    def _remember(self, nickname: str, group: str) -> None:
        self._ingroups.setdefault(nickname, []).append(group)

    def irc_RPL_NAMREPLY(self, prefix: str, params: list[str]) -> None:
        group = params[2][1:].lower()
        users = [name.lstrip("@+") for name in params[3].split()]
        self._namreplies.setdefault(group, []).extend(users)
        for nickname in users:
            self._remember(nickname, group)

    def irc_RPL_ENDOFNAMES(self, prefix: str, params: list[str]) -> None:
        group = params[1][1:]
        self.getGroupConversation(group).setGroupMembers(self._namreplies.pop(group.lower()))

    def irc_RPL_TOPIC(self, prefix: str, params: list[str]) -> None:
        self._topics[params[1][1:]] = params[2]

    def irc_333(self, prefix: str, params: list[str]) -> None:
        """RPL_TOPICWHOTIME: who set the topic RPL_TOPIC announced."""
        group = params[1][1:]
        self.getGroupConversation(group).setTopic(self._topics.pop(group), params[2])

    def irc_TOPIC(self, prefix: str, params: list[str]) -> None:
        self.getGroupConversation(params[0][1:]).setTopic(params[1], _nick(prefix))

    def irc_JOIN(self, prefix: str, params: list[str]) -> None:
        nickname = _nick(prefix)
        group = params[0][1:].lower()
        if nickname != self.nickname:
            self._remember(nickname, group)
            self.getGroupConversation(group).memberJoined(nickname)

    def irc_PART(self, prefix: str, params: list[str]) -> None:
        nickname = _nick(prefix)
        group = params[0][1:].lower()
        if nickname != self.nickname:
            joined = self._ingroups.get(nickname, [])
            if group in joined:
                joined.remove(group)
                self.getGroupConversation(group).memberLeft(nickname)

    def irc_QUIT(self, prefix: str, params: list[str]) -> None:
        nickname = _nick(prefix)
        for group in self._ingroups.get(nickname, []):
            self.getGroupConversation(group).memberLeft(nickname)
        if nickname in self._ingroups:
            self._ingroups[nickname] = []

    def irc_NICK(self, prefix: str, params: list[str]) -> None:
        old, new = _nick(prefix), params[0]
        groups = self._ingroups.pop(old, None)
        if groups is None:
            return
        for group in groups:
            self.getGroupConversation(group).memberChangedNick(old, new)
        self._ingroups[new] = groups

    def irc_unknown(self, prefix: str, command: str, params: list[str]) -> None:
        """Ignored."""

    def joinGroup(self, name: str) -> None:
        """Join channel ``name`` and open its window."""
        self.join(name)
        self.getGroupConversation(name)

    def leaveGroup(self, name: str) -> None:
        """Leave channel ``name``."""
        self.leave(name)


@implementer(interfaces.IAccount)
class IRCAccount(basesupport.AbstractAccount):
    """An IRC account: a nickname (``username``) on ``host:port``, and the ``channels``
    (comma-separated) to join on connecting."""

    gatewayType = "IRC"
    _groupFactory = IRCGroup
    _personFactory = IRCPerson

    def __init__(self, accountName: str, autoLogin: Any, username: str, password: str,
                 host: str, port: int, channels: str = "") -> None:
        basesupport.AbstractAccount.__init__(self, accountName, autoLogin, username, password,
                                             host, port)
        self.channels = [c.strip() for c in channels.split(",") if c.strip()]

    def _startLogOn(self, chatui: Any) -> defer.Deferred[Any]:
        logonDeferred: defer.Deferred[Any] = defer.Deferred()
        creator = protocol.ClientCreator(reactor, IRCProto, self, chatui, logonDeferred)
        creator.connectTCP(self.host, self.port).addErrback(logonDeferred.errback)
        return logonDeferred

    def logOff(self) -> None:
        """Disconnect."""
        if self.client is not None:
            self.client.transport.loseConnection()
