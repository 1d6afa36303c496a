"""``AccountManager``: the accounts of an Instance Messenger user, by name."""

from __future__ import annotations

from typing import Any

__all__ = ["AccountManager"]


class AccountManager:
    """Keeps ``accounts`` (``IAccount`` providers by ``accountName``) and signs them on and
    off.

    Twisted's ``disconnect`` and ``quit`` do nothing; here they sign off (``logOff``) the
    account, or every account online.
    """

    def __init__(self) -> None:
        self.accounts: dict[str, Any] = {}

    def getSnapShot(self) -> list[tuple[str, Any, Any, str]]:
        """``(accountName, isOnline, autoLogin, gatewayType)`` for each account."""
        return [(name, account.isOnline(), account.autoLogin, account.gatewayType)
                for name, account in self.accounts.items()]

    def isEmpty(self) -> bool:
        """Whether there is no account."""
        return not self.accounts

    def getConnectionInfo(self) -> list[Any]:
        """Whether each account is online, in ``accounts`` order."""
        return [account.isOnline() for account in self.accounts.values()]

    def addAccount(self, account: Any) -> None:
        """Add (or replace) the account of its ``accountName``."""
        self.accounts[account.accountName] = account

    def delAccount(self, accountName: str) -> None:
        """Forget an account."""
        del self.accounts[accountName]

    def connect(self, accountName: str, chatui: Any) -> Any:
        """Sign an account on: a Deferred firing with its ``IClient``."""
        return self.accounts[accountName].logOn(chatui)

    def disconnect(self, accountName: str) -> None:
        """Sign an account off."""
        self.accounts[accountName].logOff()

    def quit(self) -> None:
        """Sign off every account online."""
        for account in self.accounts.values():
            if account.isOnline():
                account.logOff()
