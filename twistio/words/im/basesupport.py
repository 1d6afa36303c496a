"""The protocol-independent parts of an Instance Messenger account: the account, the people
and groups it reaches, and the mixin a protocol's client class uses."""

from __future__ import annotations

from typing import Any

from twistio.internet import error
from twistio.internet.protocol import Protocol
from twistio.persisted import styles
from twistio.python.failure import Failure
from twistio.python.reflect import prefixedMethods
from twistio.words.im.locals import OFFLINE, OfflineError

__all__ = ["AbstractAccount", "AbstractClientMixin", "AbstractGroup", "AbstractPerson"]


class AbstractGroup:
    """A group reached through ``account``."""

    def __init__(self, name: str, account: Any) -> None:
        self.name = name
        self.account = account

    def getGroupCommands(self) -> list[Any]:
        """The ``imgroup_*`` methods: commands on the group."""
        return prefixedMethods(self, "imgroup_")

    def getTargetCommands(self, target: Any) -> list[Any]:
        """The ``imtarget_*`` methods of ``target``: commands on a member."""
        return prefixedMethods(target, "imtarget_")

    def _client(self) -> Any:
        client = self.account.client
        if not client:
            raise OfflineError()
        return client

    def join(self) -> None:
        """Join (``OfflineError`` when the account is not connected)."""
        self._client().joinGroup(self.name)

    def leave(self) -> None:
        """Leave (``OfflineError`` when the account is not connected)."""
        self._client().leaveGroup(self.name)

    def __repr__(self) -> str:
        return f"<{type(self)} {self.name!r}>"

    def __str__(self) -> str:
        return f"{self.name}@{self.account.accountName}"


class AbstractPerson:
    """A person reached through an account; ``status`` starts ``OFFLINE``."""

    def __init__(self, name: str, baseAccount: Any) -> None:
        self.name = name
        self.account = baseAccount
        self.status: Any = OFFLINE

    def getPersonCommands(self) -> list[Any]:
        """The ``imperson_*`` methods: commands on the person."""
        return prefixedMethods(self, "imperson_")

    def getIdleTime(self) -> str:
        """Unknown here: ``--``."""
        return "--"

    __str__ = AbstractGroup.__str__

    def __repr__(self) -> str:
        described = f"{type(self)} {self.name!r}/{self.status}"
        return f"<{described}>"


class AbstractClientMixin:
    """Mixed in before a protocol class (``class IRCProto(AbstractClientMixin, IRCClient)``):
    ties the connection to its account and chat interface, and tells them when it ends."""

    _protoBase: type[Protocol] | None = None

    def __init__(self, account: Any, chatui: Any, logonDeferred: Any) -> None:
        for base in type(self).__bases__:
            if issubclass(base, Protocol):
                type(self)._protoBase = base
                break
        self.account = account
        self.chat = chatui
        self._logonDeferred = logonDeferred

    def connectionMade(self) -> None:
        """The protocol's own ``connectionMade``."""
        assert self._protoBase is not None
        self._protoBase.connectionMade(self)  # type: ignore[arg-type]

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Tell the account and the interface, then the protocol's own ``connectionLost``."""
        self.account._clientLost(self, reason)
        self.unregisterAsAccountClient()
        assert self._protoBase is not None
        self._protoBase.connectionLost(self, reason)  # type: ignore[arg-type]

    def unregisterAsAccountClient(self) -> None:
        """Tell the chat interface this client is gone."""
        self.chat.unregisterAccountClient(self)


class AbstractAccount(styles.Versioned):
    """An account with a chat service; subclasses say how to connect (``_startLogOn``) and
    which classes make its groups and people (``_groupFactory``, ``_personFactory``)."""

    _isOnline = 0
    _isConnecting = 0
    client: Any = None
    _groupFactory: Any = AbstractGroup
    _personFactory: Any = AbstractPerson
    persistanceVersion = 2

    def __init__(self, accountName: str, autoLogin: Any, username: str, password: str,
                 host: str, port: int) -> None:
        self.accountName, self.autoLogin = accountName, autoLogin
        self.username, self.password = username, password
        self.host, self.port = host, port
        self._groups: dict[str, Any] = {}
        self._persons: dict[str, Any] = {}

    def upgrateToVersion2(self) -> None:
        """Accounts saved before version 2 lack the group and person caches."""
        for cache in ("_groups", "_persons"):
            if not hasattr(self, cache):
                setattr(self, cache, {})

    def __getstate__(self, dict: dict[str, Any] | None = None) -> dict[str, Any]:
        state = styles.Versioned.__getstate__(self, dict)
        for transient in ("client", "_isOnline", "_isConnecting"):
            state.pop(transient, None)
        return state

    def isOnline(self) -> int:
        """Whether signed on."""
        return self._isOnline

    def logOn(self, chatui: Any) -> Any:
        """Connect; a Deferred firing with the client once registered with ``chatui``.
        ``ConnectError`` while connecting or connected already."""
        if self._isConnecting or self._isOnline:
            raise error.ConnectError(string="Connection in progress")
        self._isConnecting = 1
        return (self._startLogOn(chatui)
                .addCallback(self._cb_logOn)
                .addCallback(chatui.registerAccountClient)
                .addErrback(self._loginFailed))

    def getGroup(self, name: str) -> Any:
        """The group ``name`` (made once)."""
        if name not in self._groups:
            self._groups[name] = self._groupFactory(name, self)
        return self._groups[name]

    def getPerson(self, name: str) -> Any:
        """The person ``name`` (made once)."""
        if name not in self._persons:
            self._persons[name] = self._personFactory(name, self)
        return self._persons[name]

    def _startLogOn(self, chatui: Any) -> Any:
        raise NotImplementedError()

    def _cb_logOn(self, client: Any) -> Any:
        self._isConnecting, self._isOnline = 0, 1
        self.client = client
        return client

    def _loginFailed(self, reason: Any) -> Any:
        self._isConnecting = self._isOnline = 0
        return reason

    def _clientLost(self, client: Any, reason: Any) -> Any:
        self.client = None
        self._isConnecting = self._isOnline = 0
        return reason

    def __repr__(self) -> str:
        return f"<{type(self)}: {self.accountName} ({self.username}@{self.host}:{self.port})>"
