"""Relaying: ``DomainQueuer`` accepts mail for other hosts into a ``MailService``'s queue
(only from local or authenticated senders), and the relayers send queued messages on.

A queued message is two files named after one base path: ``-H`` holds the pickled
envelope ``[from, to]`` and ``-D`` the message itself.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterable
from typing import Any

from twistio.internet.address import UNIXAddress
from twistio.mail import smtp

__all__ = ["DomainQueuer", "ESMTPRelayer", "RelayerMixin", "SMTPRelayer"]


class DomainQueuer:
    """A domain that queues every message for relaying, for senders it agrees to relay for."""

    def __init__(self, service: Any, authenticated: bool = False) -> None:
        self.service = service
        self.authed = authenticated

    def exists(self, user: Any) -> Callable[[], Any]:
        """A message factory when this sender may relay to ``user`` (both addresses with a
        domain); ``SMTPBadRcpt`` otherwise."""
        if self.willRelay(user.dest, user.protocol):
            sender = [part for part in str(user.orig).split("@", 1) if part]
            recipient = [part for part in str(user.dest).split("@", 1) if part]
            if len(sender) == 2 and len(recipient) == 2:
                return lambda: self.startMessage(user)
        raise smtp.SMTPBadRcpt(user)

    def willRelay(self, address: Any, protocol: Any) -> bool:
        """Relay for authenticated senders and for peers on this host (a UNIX socket or
        127.0.0.1)."""
        if self.authed:
            return True
        peer = protocol.transport.getPeer()
        return isinstance(peer, UNIXAddress) or getattr(peer, "host", None) == "127.0.0.1"

    def startMessage(self, user: Any) -> Any:
        """Queue a message for ``user``: write its envelope, give the message receiver."""
        envelope, message = self.service.queue.createNewMessage()
        with envelope:
            pickle.dump([str(user.orig), str(user.dest)], envelope)
        return message


class RelayerMixin:
    """Feeds an SMTP client the queued messages at ``messagePaths`` one after the other (one
    recipient each); a message accepted by the server is removed from the queue."""

    messages: list[list[Any]]
    names: list[Any]

    def loadMessages(self, messagePaths: Iterable[Any]) -> None:
        """Read the envelopes and open the data files of the queued messages."""
        self.messages = []
        self.names = []
        for path in messagePaths:
            with open(path + "-H", "rb") as envelope:
                entry = list(pickle.load(envelope))
            entry.append(open(path + "-D"))  # noqa: SIM115 - closed when sent
            self.messages.append(entry)
            self.names.append(path)

    def getMailFrom(self) -> Any:
        """The current message's sender (None when all are sent)."""
        return self.messages[0][0] if self.messages else None

    def getMailTo(self) -> list[Any] | None:
        """The current message's recipient, as a list."""
        return [self.messages[0][1]] if self.messages else None

    def getMailData(self) -> Any:
        """The current message's data file."""
        return self.messages[0][2] if self.messages else None

    def sentMail(self, code: int, resp: Any, numOk: Any, addresses: Any, log: Any) -> None:
        """The current message is done: delete it from the queue when the server took it."""
        if code in smtp.SUCCESS:
            path = self.names[0]
            self.messages[0][2].close()
            os.remove(path + "-D")
            os.remove(path + "-H")
        del self.messages[0]
        del self.names[0]


class SMTPRelayer(RelayerMixin, smtp.SMTPClient):
    """Relays queued messages over SMTP."""

    def __init__(self, messagePaths: Iterable[Any], *args: Any, **kw: Any) -> None:
        smtp.SMTPClient.__init__(self, *args, **kw)
        self.loadMessages(messagePaths)


class ESMTPRelayer(RelayerMixin, smtp.ESMTPClient):
    """Relays queued messages over ESMTP."""

    def __init__(self, messagePaths: Iterable[Any], *args: Any, **kw: Any) -> None:
        smtp.ESMTPClient.__init__(self, *args, **kw)
        self.loadMessages(messagePaths)
