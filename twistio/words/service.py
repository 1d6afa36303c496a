"""A chat service (users, groups, a realm holding them in memory) and its IRC front end.

The pieces, as in Twisted Words:

- ``WordsRealm`` is a ``cred`` realm and an ``IChatService``: logging in as a name gives the
  ``User`` of that name (created on request by default); ``InMemoryWordsRealm`` keeps users
  and groups in dicts.
- ``User`` is the avatar (``IUser``) a client acts through: join, leave, send.
- ``Group`` (``IGroup``) relays messages, joins, leaves and topic changes to its members,
  which are the *minds* (``IChatClient``) users logged in with.
- ``IRCFactory`` serves the realm over IRC: each connection is an ``IRCUser``, which logs in
  with ``PASS`` before ``NICK`` or by messaging ``NickServ`` its password, then maps IRC
  commands to the service and the service's events to IRC lines.

- The Perspective Broker front end: a PB client logs in with a ``PBMind`` and gets a
  reference to its ``ChatAvatar`` (the ``IPerspective`` adapter of ``User``), whose
  ``join`` gives ``PBGroup`` references to ``send`` to and ``leave``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from time import ctime, time
from typing import Any

from twistio import copyright
from twistio.cred import credentials, portal
from twistio.cred import error as ecred
from twistio.internet import defer, protocol
from twistio.internet.interfaces import implementer
from twistio.python import components, failure, log, reflect
from twistio.spread import pb
from twistio.words import ewords, iwords
from twistio.words.protocols import irc

__all__ = ["Group", "InMemoryWordsRealm", "User", "WordsRealm"]

# IRCUser has a method called ``list``; its annotations use this name for the builtin.
_Params = list[str]
_Channels = list[tuple[str, int, str]]

#: The prefix of what the IRC front end says as NickServ.
NICKSERV = "NickServ!NickServ@services"


def _failedFor(f: failure.Failure, target: object) -> failure.Failure:
    """``f`` as the failure of the call for ``target``."""
    return failure.Failure(Exception(target, f))


def _tellAll(targets: list[Any], call: Callable[[Any], Any], onFailure: Callable[[Any, Any], Any]) -> None:
    """Call ``call(target)`` for each target; a target whose call fails goes to
    ``onFailure(target, failure)`` once all calls are done."""
    pending = []
    for target in targets:
        d = defer.maybeDeferred(call, target)
        d.addErrback(_failedFor, target)
        pending.append(d)

    def afterwards(results: list[tuple[bool, Any]]) -> None:
        for ok, outcome in results:
            if not ok:
                target, why = outcome.value.args
                onFailure(target, why)

    defer.DeferredList(pending).addCallback(afterwards)


@implementer(iwords.IGroup)
class Group:
    """A chat room in memory; a member whose client fails to take an event is removed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.users: dict[str, Any] = {}
        self.meta: dict[str, Any] = {"topic": "", "topic_author": ""}

    def _ebUserCall(self, err: failure.Failure, p: Any) -> failure.Failure:
        return failure.Failure(Exception(p, err))

    def _cbUserCall(self, results: list[tuple[bool, Any]]) -> None:
        for ok, outcome in results:
            if not ok:
                member, why = outcome.value.args
                self.remove(member, why.getErrorMessage())

    def _tell(self, call: Callable[[Any], Any], exclude: Any = None) -> None:
        others = [member for member in self.users.values() if member is not exclude]
        _tellAll(others, call, lambda member, why: self.remove(member, why.getErrorMessage()))

    def add(self, user: Any) -> defer.Deferred[None]:
        """Let ``user`` (an ``IChatClient``) in; the other members get ``userJoined``."""
        if not iwords.IChatClient.providedBy(user):
            raise TypeError(f"{user!r} does not provide IChatClient")
        if user.name not in self.users:
            self.users[user.name] = user
            self._tell(lambda member: member.userJoined(self, user), exclude=user)
        return defer.succeed(None)

    def remove(self, user: Any, reason: str | None = None) -> defer.Deferred[None]:
        """Let ``user`` out; the remaining members get ``userLeft``."""
        if self.users.pop(user.name, None) is not None:
            self._tell(lambda member: member.userLeft(self, user, reason), exclude=user)
        return defer.succeed(None)

    def size(self) -> defer.Deferred[int]:
        """How many members there are."""
        return defer.succeed(len(self.users))

    def receive(self, sender: Any, recipient: Any, message: dict[str, Any]) -> defer.Deferred[None]:
        """Relay ``message`` to every member but ``sender``."""
        if recipient is not self:
            raise ValueError("a group receives only the messages sent to it")
        self._tell(lambda member: member.receive(sender, self, message), exclude=sender)
        return defer.succeed(None)

    def setMetadata(self, meta: dict[str, Any]) -> defer.Deferred[None]:
        """Replace the metadata and tell every member."""
        self.meta = meta
        self._tell(lambda member: member.groupMetaUpdate(self, meta))
        return defer.succeed(None)

    def iterusers(self) -> Iterator[Any]:
        """The members."""
        return iter(self.users.values())


@implementer(iwords.IUser)
class User:
    """A user of the service; ``mind`` is the client logged in as it."""

    realm: Any = None
    mind: Any = None

    def __init__(self, name: str) -> None:
        self.name = name
        self.groups: list[Any] = []
        self.lastMessage = time()

    def loggedIn(self, realm: Any, mind: Any) -> None:
        """Record the login."""
        self.realm, self.mind = realm, mind
        self.signOn = time()

    def join(self, group: Any) -> Any:
        """Join ``group`` (through this user's client)."""

        def joined(result: Any) -> Any:
            self.groups.append(group)
            return result

        return group.add(self.mind).addCallback(joined)

    def leave(self, group: Any, reason: str | None = None) -> Any:
        """Leave ``group``."""

        def left(result: Any) -> Any:
            self.groups.remove(group)
            return result

        return group.remove(self.mind, reason).addCallback(left)

    def send(self, recipient: Any, message: dict[str, Any]) -> Any:
        """Send ``message`` (a dict; ``text`` is what IRC shows) to a group or a client."""
        self.lastMessage = time()
        return recipient.receive(self.mind, recipient, message)

    def itergroups(self) -> Iterator[Any]:
        """The groups joined."""
        return iter(self.groups)

    def logout(self) -> None:
        """Leave every group."""
        for group in list(self.groups):
            self.leave(group)


@implementer(portal.IRealm, iwords.IChatService)
class WordsRealm:
    """A realm of chat users: subclasses store them (``lookupUser``, ``addUser`` and the
    group counterparts, ``itergroups``)."""

    _encoding = "utf-8"
    createGroupOnRequest = False
    createUserOnRequest = True

    def __init__(self, name: str) -> None:
        self.name = name

    def userFactory(self, name: str) -> Any:
        """A new user object for ``name``."""
        return User(name)

    def groupFactory(self, name: str) -> Any:
        """A new group object for ``name``."""
        return Group(name)

    def logoutFactory(self, avatar: Any, facet: Any) -> Callable[[], None]:
        """The logout callable of one login."""

        def logout() -> None:
            getattr(facet, "logout", lambda: None)()
            avatar.realm = avatar.mind = None

        return logout

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> defer.Deferred[Any]:
        """The user named ``avatarId`` (created on request), logged in with ``mind``; a user
        can be logged in once at a time (``AlreadyLoggedIn``)."""
        if isinstance(avatarId, bytes):
            avatarId = avatarId.decode(self._encoding)

        def login(avatar: Any) -> tuple[Any, Any, Callable[[], None]]:
            if avatar.realm is not None:
                raise ewords.AlreadyLoggedIn()
            for iface in interfaces:
                facet = iface(avatar, None)
                if facet is None:
                    continue
                avatar.loggedIn(self, mind)
                mind.name, mind.realm, mind.avatar = avatarId, self, avatar
                return iface, facet, self.logoutFactory(avatar, facet)
            raise NotImplementedError(self, interfaces)

        return self.getUser(avatarId).addCallback(login)

    def itergroups(self) -> defer.Deferred[Any]:
        """All groups (subclasses say how)."""
        raise NotImplementedError()

    def lookupUser(self, name: str) -> defer.Deferred[Any]:
        """The user ``name`` (subclasses say how)."""
        raise NotImplementedError()

    def lookupGroup(self, group: str) -> defer.Deferred[Any]:
        """The group ``group`` (subclasses say how)."""
        raise NotImplementedError()

    def addUser(self, user: Any) -> defer.Deferred[Any]:
        """Store ``user`` (subclasses say how)."""
        raise NotImplementedError()

    def addGroup(self, group: Any) -> defer.Deferred[Any]:
        """Store ``group`` (subclasses say how)."""
        raise NotImplementedError()

    @staticmethod
    def _getOrCreate(create: Callable[[str], defer.Deferred[Any]],
                     lookup: Callable[[str], defer.Deferred[Any]], duplicate: type[Exception],
                     name: str, creating: bool) -> defer.Deferred[Any]:
        if not creating:
            return lookup(name)

        def existing(reason: failure.Failure) -> defer.Deferred[Any]:
            reason.trap(duplicate)
            return lookup(name)

        return create(name).addErrback(existing)

    def getGroup(self, name: str) -> defer.Deferred[Any]:
        """The group ``name``, created when missing if ``createGroupOnRequest``."""
        return self._getOrCreate(self.createGroup, self.lookupGroup, ewords.DuplicateGroup,
                                 name, self.createGroupOnRequest)

    def getUser(self, name: str) -> defer.Deferred[Any]:
        """The user ``name``, created when missing if ``createUserOnRequest``."""
        return self._getOrCreate(self.createUser, self.lookupUser, ewords.DuplicateUser,
                                 name, self.createUserOnRequest)

    @staticmethod
    def _create(lookup: Callable[[str], defer.Deferred[Any]], missing: type[Exception],
                duplicate: type[Exception], factory: Callable[[str], Any],
                add: Callable[[Any], defer.Deferred[Any]], name: str | bytes) -> defer.Deferred[Any]:
        if isinstance(name, bytes):
            name = name.decode(WordsRealm._encoding)
        name = name.lower()

        def found(_: Any) -> failure.Failure:
            return failure.Failure(duplicate(name))

        def notFound(reason: failure.Failure) -> Any:
            reason.trap(missing)
            return factory(name)

        return lookup(name).addCallbacks(found, notFound).addCallback(add)

    def createUser(self, name: str) -> defer.Deferred[Any]:
        """A new user ``name`` (lower-cased), or ``DuplicateUser``."""
        return self._create(self.lookupUser, ewords.NoSuchUser, ewords.DuplicateUser,
                            self.userFactory, self.addUser, name)

    def createGroup(self, name: str) -> defer.Deferred[Any]:
        """A new group ``name`` (lower-cased), or ``DuplicateGroup``."""
        return self._create(self.lookupGroup, ewords.NoSuchGroup, ewords.DuplicateGroup,
                            self.groupFactory, self.addGroup, name)


class InMemoryWordsRealm(WordsRealm):
    """A ``WordsRealm`` keeping users and groups in dicts (``users``, ``groups``), by
    lower-cased name."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.users: dict[str, Any] = {}
        self.groups: dict[str, Any] = {}

    def itergroups(self) -> defer.Deferred[Any]:
        return defer.succeed(self.groups.values())

    @staticmethod
    def _store(table: dict[str, Any], item: Any, duplicate: type[Exception]) -> defer.Deferred[Any]:
        if item.name in table:
            return defer.fail(duplicate())
        table[item.name] = item
        return defer.succeed(item)

    def addUser(self, user: Any) -> defer.Deferred[Any]:
        return self._store(self.users, user, ewords.DuplicateUser)

    def addGroup(self, group: Any) -> defer.Deferred[Any]:
        return self._store(self.groups, group, ewords.DuplicateGroup)

    def _find(self, table: dict[str, Any], name: str | bytes, missing: type[Exception]) -> defer.Deferred[Any]:
        if isinstance(name, bytes):
            name = name.decode(self._encoding)
        key = name.lower()
        if key in table:
            return defer.succeed(table[key])
        return defer.fail(missing(key))

    def lookupUser(self, name: str) -> defer.Deferred[Any]:
        return self._find(self.users, name, ewords.NoSuchUser)

    def lookupGroup(self, name: str) -> defer.Deferred[Any]:
        return self._find(self.groups, name, ewords.NoSuchGroup)


@implementer(iwords.IChatClient)
class IRCUser(irc.IRC):
    """One IRC connection to the service: a client (mind) of the user it logs in as.

    Until logged in, every PRIVMSG goes to NickServ (``irc_NICKSERV_PRIVMSG``): a ``PASS``
    before ``NICK`` logs in at once, otherwise NickServ asks for the password.
    """

    factory: IRCFactory

    groups: Any = None
    logout: Callable[[], None] | None = None
    avatar: Any = None
    realm: Any = None
    encoding = "utf-8"
    nickname: str | None = None
    password: str | None = None
    name: str | None = None

    # Replies to registration (forced by the IRC protocol, worded as Twisted's server does).
    _welcomeMessages = [
        (irc.RPL_WELCOME, ":connected to Twisted IRC"),
        (irc.RPL_YOURHOST, ":Your host is %(serviceName)s, running version %(serviceVersion)s"),
        (irc.RPL_CREATED, ":This server was created on %(creationDate)s"),
        (irc.RPL_MYINFO, "%(serviceName)s %(serviceVersion)s w n"),
    ]
    _motdMessages = [
        (irc.RPL_MOTDSTART, ":- %(serviceName)s Message of the Day - "),
        (irc.RPL_ENDOFMOTD, ":End of /MOTD command."),
    ]

    def connectionMade(self) -> None:
        """Route PRIVMSG to NickServ until logged in."""
        self.irc_PRIVMSG = self.irc_NICKSERV_PRIVMSG  # type: ignore[method-assign]
        self.realm = self.factory.realm
        self.hostname = self.realm.name

    def connectionLost(self, reason: Any = None) -> None:
        """Log out."""
        if self.logout is not None:
            self.logout()
            self.avatar = None

    def sendMessage(self, command: str, *parameter_list: str, **kw: Any) -> None:
        """Send ``command`` to this user: from the server (unless ``prefix=``), addressed to
        its name (unless ``to=``)."""
        origin = kw.get("prefix", self.hostname)
        to = kw.get("to", self.name)
        if isinstance(command, bytes):
            command = command.decode(self.encoding)
        if isinstance(to, bytes):
            to = to.decode(self.encoding)
        irc.IRC.sendMessage(self, command, str(to), *parameter_list, prefix=str(origin))

    def _decoded(self, params: list[Any], code: str, complaint: str) -> _Params | None:
        """``params`` as text (a caller may pass bytes, decoded with ``encoding``); None, after
        replying ``code`` with ``complaint``, when they cannot be decoded."""
        try:
            return [p.decode(self.encoding) if isinstance(p, bytes) else p for p in params]
        except UnicodeDecodeError:
            self.sendMessage(code, f":{complaint} (could not decode your unicode!)")
            return None

    def _mask(self, name: str) -> str:
        return f"{name}!{name}@{self.hostname}"

    # IChatClient

    def userJoined(self, group: Any, user: Any) -> None:
        """Show the JOIN."""
        self.join(self._mask(user.name), "#" + group.name)

    def userLeft(self, group: Any, user: Any, reason: str | None = None) -> None:
        """Show the PART."""
        self.part(self._mask(user.name), "#" + group.name, reason or "leaving")

    def receive(self, sender: Any, recipient: Any, message: dict[str, Any]) -> None:
        """Show each line of the message as a PRIVMSG."""
        target = "#" + recipient.name if iwords.IGroup.providedBy(recipient) else recipient.name
        text = message.get("text", "<an unrepresentable message>")
        for line in text.splitlines():
            self.privmsg(self._mask(sender.name), target, line)

    def groupMetaUpdate(self, group: Any, meta: dict[str, Any]) -> None:
        """Show a topic change."""
        if "topic" in meta:
            author = meta.get("topic_author", "")
            self.topic(self.name or "", "#" + group.name, meta["topic"], self._mask(author))

    # Registration and login.

    def irc_PASS(self, prefix: str, params: _Params) -> None:
        """The password to log in with at NICK."""
        self.password = params[-1]

    def irc_NICK(self, prefix: str, params: _Params) -> None:
        """Take the nickname, send the MOTD, then log in (or ask for the password)."""
        nickname = params[0]
        if isinstance(nickname, bytes):
            try:
                nickname = nickname.decode(self.encoding)
            except UnicodeDecodeError:
                self.privmsg(NICKSERV, repr(nickname),
                             "Your nickname cannot be decoded. Please use ASCII or UTF-8.")
                self.transport.loseConnection()
                return
        self.nickname = self.name = nickname
        for code, text in self._motdMessages:
            self.sendMessage(code, text % self.factory._serverInfo)
        if self.password is None:
            self.privmsg(NICKSERV, nickname, "Password?")
            return
        password, self.password = self.password, None
        self.logInAs(nickname, password)

    def irc_USER(self, prefix: str, params: _Params) -> None:
        """Accepted and ignored: the nickname is the user name."""

    def irc_NICKSERV_PRIVMSG(self, prefix: str, params: _Params) -> None:
        """Before login: a message to NickServ is the password."""
        if self.nickname is None:
            self.transport.loseConnection()
        elif params[0].lower() != "nickserv":
            self.privmsg(NICKSERV, self.nickname,
                         "Denied.  Please send me (NickServ) your password.")
        else:
            nickname, self.nickname = self.nickname, None
            self.logInAs(nickname, params[-1])

    def logInAs(self, nickname: str, password: str) -> None:
        """Log in through the factory's portal as ``nickname``."""
        d = self.factory.portal.login(credentials.UsernamePassword(nickname, password),
                                      self, iwords.IUser)
        d.addCallbacks(self._cbLogin, self._ebLogin, errbackArgs=(nickname,))

    def _cbLogin(self, result: tuple[Any, Any, Callable[[], None]]) -> None:
        _, self.avatar, self.logout = result
        self.realm = self.avatar.realm
        self.hostname = self.realm.name
        info = {"serviceName": self.hostname, "serviceVersion": copyright.version,
                "creationDate": ctime()}
        for code, text in self._welcomeMessages:
            self.sendMessage(code, text % info)
        del self.irc_PRIVMSG

    def _ebLogin(self, err: failure.Failure, nickname: str) -> None:
        # What NickServ says (the texts of Twisted's server, which clients may look for).
        answers = {
            ewords.AlreadyLoggedIn: "Already logged in.  No pod people allowed!",
            ecred.UnauthorizedLogin: "Login failed.  Goodbye.",
        }
        known = err.check(*answers)
        if known is None:
            log.err(err, "Unhandled error during login:")
        answer = answers.get(known, "Server error during login.  Sorry.")
        self.privmsg(NICKSERV, nickname, answer)
        self.transport.loseConnection()

    # Commands of a logged-in user.

    def irc_PING(self, prefix: str, params: _Params) -> None:
        self.sendMessage("PONG", str(self.hostname))

    def irc_QUIT(self, prefix: str, params: _Params) -> None:
        self.transport.loseConnection()

    def _channelMode(self, group: Any, modes: str | None = None, *args: str) -> None:
        if modes:
            self.sendMessage(irc.ERR_UNKNOWNMODE, ":Unknown MODE flag.")
        else:
            self.channelMode(self.name or "", "#" + group.name, "+")

    def _userMode(self, user: Any, modes: str | None = None) -> None:
        if modes:
            self.sendMessage(irc.ERR_UNKNOWNMODE, ":Unknown MODE flag.")
        elif user is self.avatar:
            self.sendMessage(irc.RPL_UMODEIS, "+")
        else:
            self.sendMessage(irc.ERR_USERSDONTMATCH, ":You can't look at someone else's modes.")

    def irc_MODE(self, prefix: str, params: _Params) -> None:
        """Modes are not supported: show none, refuse changes."""
        decoded = self._decoded(params, irc.ERR_NOSUCHNICK, "No such nickname")
        if decoded is None:
            return
        params = decoded
        target, rest = params[0], tuple(params[1:])
        if target.startswith("#"):
            def noGroup(reason: failure.Failure) -> None:
                reason.trap(ewords.NoSuchGroup)
                self.sendMessage(irc.ERR_NOSUCHCHANNEL, target, ":That channel doesn't exist.")

            self.realm.lookupGroup(target[1:]).addCallbacks(
                self._channelMode, noGroup, callbackArgs=rest)
        else:
            def noUser(reason: failure.Failure) -> None:
                self.sendMessage(irc.ERR_NOSUCHNICK, ":No such nickname.")

            self.realm.lookupUser(target).addCallbacks(self._userMode, noUser, callbackArgs=rest)

    def irc_USERHOST(self, prefix: str, params: _Params) -> None:
        """Not supported: no reply."""

    def irc_PRIVMSG(self, prefix: str, params: _Params) -> None:
        """Send to a group (``#name``) or a user."""
        decoded = self._decoded(params, irc.ERR_NOSUCHNICK, "No such nickname")
        if decoded is None:
            return
        params = decoded
        targetName, text = params[0], params[-1]
        if targetName.startswith("#"):
            found = self.realm.lookupGroup(targetName[1:])
        else:
            found = self.realm.lookupUser(targetName).addCallback(lambda user: user.mind)

        def deliver(target: Any) -> Any:
            if target is not None:
                return self.avatar.send(target, {"text": text})
            return None

        def missing(reason: failure.Failure) -> None:
            self.sendMessage(irc.ERR_NOSUCHNICK, targetName, ":No such nick/channel.")

        found.addCallbacks(deliver, missing)

    def irc_JOIN(self, prefix: str, params: _Params) -> None:
        """Join a group: the JOIN, the names and the topic come back."""
        decoded = self._decoded(params, irc.ERR_NOSUCHCHANNEL, "That channel doesn't exist")
        if decoded is None:
            return
        params = decoded
        groupName = params[0].removeprefix("#")

        def joinIt(group: Any) -> Any:
            def joined(_: Any) -> None:
                self.userJoined(group, self)
                self.names(self.name or "", "#" + group.name,
                           [member.name for member in group.iterusers()])
                self._sendTopic(group)

            return self.avatar.join(group).addCallback(joined)

        def missing(reason: failure.Failure) -> None:
            self.sendMessage(irc.ERR_NOSUCHCHANNEL, "#" + groupName, ":No such channel.")

        self.realm.getGroup(groupName).addCallbacks(joinIt, missing)

    def irc_PART(self, prefix: str, params: _Params) -> None:
        """Leave a group, with an optional reason."""
        decoded = self._decoded(params, irc.ERR_NOTONCHANNEL, "You are not on that channel")
        if decoded is None:
            return
        params = decoded
        groupName = params[0].removeprefix("#")
        reason = params[1] if len(params) > 1 else None

        def leaveIt(group: Any) -> Any:
            return self.avatar.leave(group, reason).addCallback(
                lambda _: self.userLeft(group, self, reason))

        def missing(err: failure.Failure) -> None:
            err.trap(ewords.NoSuchGroup)
            self.sendMessage(irc.ERR_NOTONCHANNEL, "#" + groupName, ":" + err.getErrorMessage())

        self.realm.lookupGroup(groupName).addCallbacks(leaveIt, missing)

    def irc_NAMES(self, prefix: str, params: _Params) -> None:
        """The members of a group (none for a group that does not exist)."""
        decoded = self._decoded(params, irc.ERR_NOSUCHCHANNEL, "That channel doesn't exist")
        if decoded is None:
            return
        params = decoded
        channel = params[-1].removeprefix("#")

        def show(group: Any) -> None:
            self.names(self.name or "", "#" + group.name,
                       [member.name for member in group.iterusers()])

        def missing(err: failure.Failure) -> None:
            err.trap(ewords.NoSuchGroup)
            self.names(self.name or "", "#" + channel, [])

        self.realm.lookupGroup(channel).addCallbacks(show, missing)

    def irc_TOPIC(self, prefix: str, params: _Params) -> None:
        """Show a group's topic, or set it."""
        decoded = self._decoded(params, irc.ERR_NOSUCHCHANNEL, "That channel doesn't exist")
        if decoded is None:
            return
        params = decoded
        channel = params[0].removeprefix("#")
        if len(params) == 1:
            self._getTopic(channel)
        else:
            self._setTopic(channel, params[1])

    def _sendTopic(self, group: Any) -> None:
        topic = group.meta.get("topic")
        if not topic:
            return
        author = group.meta.get("topic_author") or "<noone>"
        date = group.meta.get("topic_date", 0)
        self.topic(self.name or "", "#" + group.name, topic)
        self.topicAuthor(self.name or "", "#" + group.name, author, date)

    def _noSuchChannel(self, channel: str) -> Callable[[failure.Failure], None]:
        def missing(err: failure.Failure) -> None:
            err.trap(ewords.NoSuchGroup)
            self.sendMessage(irc.ERR_NOSUCHCHANNEL, "=", channel, ":That channel doesn't exist.")

        return missing

    def _getTopic(self, channel: str) -> None:
        self.realm.lookupGroup(channel).addCallbacks(self._sendTopic, self._noSuchChannel(channel))

    def _setTopic(self, channel: str, topic: str) -> None:
        def setIt(group: Any) -> Any:
            meta = dict(group.meta, topic=topic, topic_author=self.name, topic_date=int(time()))

            def refused(_: failure.Failure) -> None:
                self.sendMessage(irc.ERR_CHANOPRIVSNEEDED, "#" + group.name,
                                 ":You need to be a channel operator to do that.")

            return group.setMetadata(meta).addErrback(refused)

        self.realm.lookupGroup(channel).addCallbacks(setIt, self._noSuchChannel(channel))

    def list(self, channels: _Channels) -> None:
        """RPL_LIST per ``(name, size, topic)``, then RPL_LISTEND."""
        for name, size, topic in channels:
            self.sendMessage(irc.RPL_LIST, name, str(size), ":" + (topic or ""))
        self.sendMessage(irc.RPL_LISTEND, ":End of /LIST")

    def irc_LIST(self, prefix: str, params: _Params) -> defer.Deferred[Any]:
        """The groups named (comma-separated), or all, with their sizes and topics."""
        decoded = self._decoded(params, irc.ERR_NOSUCHCHANNEL, "That channel doesn't exist")
        if decoded is None:
            return defer.succeed(None)
        params = decoded
        if params:
            lookups = [self.realm.lookupGroup(name.removeprefix("#"))
                       for name in params[0].split(",")]
            groups: defer.Deferred[Any] = defer.DeferredList(lookups, consumeErrors=True)
            groups.addCallback(lambda results: [group for ok, group in results if ok])
        else:
            groups = self.realm.itergroups()

        def describe(found: Any) -> defer.Deferred[Any]:
            sizes = [
                group.size().addCallback(
                    lambda size, group=group: (group.name, size, group.meta.get("topic")))
                for group in found
            ]
            return defer.DeferredList(sizes).addCallback(
                lambda results: self.list([row for ok, row in results if ok]))

        return groups.addCallback(describe)

    def _channelWho(self, group: Any) -> None:
        self.who(self.name or "", "#" + group.name, [
            (member.name, self.hostname, self.realm.name, member.name, "H", 0, member.name)
            for member in group.iterusers()
        ])

    def _userWho(self, user: Any) -> None:
        self.sendMessage(irc.RPL_ENDOFWHO, ":User /WHO not implemented")

    def irc_WHO(self, prefix: str, params: _Params) -> None:
        """The members of a group (WHO of a user is not supported)."""
        decoded = self._decoded(params, irc.RPL_ENDOFWHO, "End of /WHO list")
        if decoded is None:
            return
        params = decoded
        if not params:
            self.sendMessage(irc.RPL_ENDOFWHO, ":/WHO not supported.")
            return
        target = params[0]

        def missing(err: failure.Failure) -> None:
            err.trap(ewords.NoSuchGroup, ewords.NoSuchUser)
            self.sendMessage(irc.RPL_ENDOFWHO, target, ":End of /WHO list.")

        if target.startswith("#"):
            self.realm.lookupGroup(target[1:]).addCallbacks(self._channelWho, missing)
        else:
            self.realm.lookupUser(target).addCallbacks(self._userWho, missing)

    def irc_WHOIS(self, prefix: str, params: _Params) -> None:
        """What is known of a user."""
        decoded = self._decoded(params, irc.ERR_NOSUCHNICK, "No such nickname")
        if decoded is None:
            return
        params = decoded
        nick = params[-1] if len(params) == 2 else params[0]

        def show(user: Any) -> None:
            self.whois(self.name or "", user.name, user.name, self.realm.name, user.name,
                       self.realm.name, "Hi mom!", False, int(time() - user.lastMessage),
                       user.signOn, ["#" + group.name for group in user.itergroups()])

        def missing(err: failure.Failure) -> None:
            err.trap(ewords.NoSuchUser)
            self.sendMessage(irc.ERR_NOSUCHNICK, nick, ":No such nick/channel")

        self.realm.lookupUser(nick).addCallbacks(show, missing)

    def irc_OPER(self, prefix: str, params: _Params) -> None:
        """There are no operators."""
        self.sendMessage(irc.ERR_NOOPERHOST, ":O-lines not applicable")


class IRCFactory(protocol.ServerFactory):
    """Serves a words realm over IRC, logging in through ``portal``."""

    protocol = IRCUser

    def __init__(self, realm: Any, portal: Any) -> None:
        self.realm, self.portal = realm, portal
        # What the MOTD says of this server.
        self._serverInfo = {"serviceName": realm.name, "creationDate": ctime(),
                            "serviceVersion": copyright.version}


# The Perspective Broker front end.


def _jellyTag(obj: Any) -> bytes:
    """The class name a PB peer looks up to unjelly ``obj`` (see ``setUnjellyableForClass``)."""
    return reflect.qual(type(obj)).encode("utf-8")


class PBMind(pb.Referenceable):
    """The mind a PB client logs in with; the service's events arrive at its ``remote_*``
    methods (override them). The server side sees it as a ``PBMindReference``."""

    def __init__(self) -> None:
        pass

    def jellyFor(self, jellier: Any) -> Any:
        return _jellyTag(self), jellier.invoker.registerReference(self)

    def remote_userJoined(self, user: Any, group: Any) -> None:
        """Someone joined a group: the group (a ``PBGroupReference``) arrives first, then
        the user, whatever the parameter names (Twisted's) say."""

    def remote_userLeft(self, user: Any, group: Any, reason: Any) -> None:
        """Someone left a group (the group first, as for ``remote_userJoined``)."""

    def remote_receive(self, sender: Any, recipient: Any, message: Any) -> None:
        """``sender`` sent ``message`` to ``recipient``."""

    def remote_groupMetaUpdate(self, group: Any, meta: Any) -> None:
        """The metadata of ``group`` changed."""


@implementer(iwords.IChatClient)
class PBMindReference(pb.RemoteReference):
    """The server's view of a client's ``PBMind``: an ``IChatClient`` that forwards each
    event over PB, with the users and groups as ``PBUser``/``PBGroup`` references."""

    name = ""
    # Set by the realm at login.
    realm: Any = None
    avatar: Any = None

    def _user(self, user: Any) -> PBUser:
        return PBUser(self.realm, self.avatar, user)

    def _group(self, group: Any) -> PBGroup:
        return PBGroup(self.realm, self.avatar, group)

    def receive(self, sender: Any, recipient: Any, message: dict[Any, Any]) -> Any:
        target = self._group(recipient) if iwords.IGroup.providedBy(recipient) else self._user(recipient)
        return self.callRemote("receive", self._user(sender), target, message)

    def groupMetaUpdate(self, group: Any, meta: dict[str, Any]) -> Any:
        return self.callRemote("groupMetaUpdate", self._group(group), meta)

    def userJoined(self, group: Any, user: Any) -> Any:
        return self.callRemote("userJoined", self._group(group), self._user(user))

    def userLeft(self, group: Any, user: Any, reason: str | None = None) -> Any:
        return self.callRemote("userLeft", self._group(group), self._user(user), reason)


pb.setUnjellyableForClass(PBMind, PBMindReference)


class PBGroup(pb.Referenceable):
    """A group as a PB client holds it: ``leave`` and ``send`` act as the client's user."""

    def __init__(self, realm: Any, avatar: Any, group: Any) -> None:
        self.realm, self.avatar, self.group = realm, avatar, group

    def processUniqueID(self) -> Any:
        # One reference per (service, user, group), however many PBGroup objects stand for it.
        return hash((self.realm.name, self.avatar.name, self.group.name))

    def jellyFor(self, jellier: Any) -> Any:
        return (_jellyTag(self), self.group.name.encode("utf-8"),
                jellier.invoker.registerReference(self))

    def remote_leave(self, reason: str | None = None) -> Any:
        return self.avatar.leave(self.group, reason)

    def remote_send(self, message: dict[Any, Any]) -> Any:
        return self.avatar.send(self.group, message)


@implementer(iwords.IGroup)
class PBGroupReference(pb.RemoteReference):
    """A PB client's handle on a group it joined: ``send``, ``leave``, and its ``name``."""

    def unjellyFor(self, unjellier: Any, unjellyList: Any) -> Any:
        tag, name, luid = unjellyList
        self.name = name.decode("utf-8")
        return pb.RemoteReference.unjellyFor(self, unjellier, [tag, luid])

    def leave(self, reason: str | None = None) -> Any:
        """Leave the group."""
        return self.callRemote("leave", reason)

    def send(self, message: dict[Any, Any]) -> Any:
        """Send ``message`` to the group."""
        return self.callRemote("send", message)

    # The rest of IGroup is the server's business.

    def add(self, user: Any) -> Any:
        raise NotImplementedError()

    def iterusers(self) -> Any:
        raise NotImplementedError()

    def receive(self, sender: Any, recipient: Any, message: Any) -> Any:
        raise NotImplementedError()

    def remove(self, user: Any, reason: str | None = None) -> Any:
        raise NotImplementedError()

    def setMetadata(self, meta: Any) -> Any:
        raise NotImplementedError()

    def size(self) -> Any:
        raise NotImplementedError()


pb.setUnjellyableForClass(PBGroup, PBGroupReference)


class PBUser(pb.Referenceable):
    """A user as a PB client sees it (by reference)."""

    def __init__(self, realm: Any, avatar: Any, user: Any) -> None:
        self.realm, self.avatar, self.user = realm, avatar, user

    def processUniqueID(self) -> Any:
        return hash((self.realm.name, self.avatar.name, self.user.name))


@implementer(iwords.IChatClient)
class ChatAvatar(pb.Referenceable):
    """The PB perspective of a ``User``: a client calls ``join`` on it."""

    def __init__(self, avatar: Any) -> None:
        self.avatar = avatar

    def jellyFor(self, jellier: Any) -> Any:
        return _jellyTag(self), jellier.invoker.registerReference(self)

    def remote_join(self, groupName: str | bytes) -> Any:
        """Join the group ``groupName``; a ``PBGroup`` for it."""

        def joinIt(group: Any) -> Any:
            return self.avatar.join(group).addCallback(
                lambda _: PBGroup(self.avatar.realm, self.avatar, group))

        return self.avatar.realm.getGroup(groupName).addCallback(joinIt)

    @property
    def name(self) -> str:
        """The user's name."""
        return str(self.avatar.name)

    # Events reach the client through its mind (PBMindReference), not through here.

    def groupMetaUpdate(self, group: Any, meta: Any) -> None:
        pass

    def receive(self, sender: Any, recipient: Any, message: Any) -> None:
        pass

    def userJoined(self, group: Any, user: Any) -> None:
        pass

    def userLeft(self, group: Any, user: Any, reason: str | None = None) -> None:
        pass


components.registerAdapter(ChatAvatar, iwords.IUser, pb.IPerspective)


class AvatarReference(pb.RemoteReference):
    """A PB client's handle on its ``ChatAvatar``."""

    def join(self, groupName: str | bytes) -> Any:
        """Join a group: a Deferred firing with a ``PBGroupReference``."""
        return self.callRemote("join", groupName)

    def quit(self) -> defer.Deferred[None]:
        """Disconnect; fires once the connection is closed."""
        closed: defer.Deferred[None] = defer.Deferred()
        self.broker.notifyOnDisconnect(lambda: closed.callback(None))
        self.broker.transport.loseConnection()
        return closed


pb.setUnjellyableForClass(ChatAvatar, AvatarReference)
