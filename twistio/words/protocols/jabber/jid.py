"""Jabber identifiers: ``JID("user@host/resource")``, parsed and stringprep-prepared.

``parse`` splits the text (the resource is everything after the first ``/``, the user
everything before an ``@`` that comes before it); ``prep`` applies nodeprep, nameprep and
resourceprep. Both raise ``InvalidFormat``. Equal JIDs compare and hash alike;
``internJID`` gives one shared ``JID`` per text.
"""

from __future__ import annotations

from typing import Any

from twistio.words.protocols.jabber.xmpp_stringprep import nameprep, nodeprep, resourceprep

__all__ = ["JID", "InvalidFormat", "internJID", "parse", "prep"]


class InvalidFormat(Exception):
    """The text is not a valid JID."""


def parse(jidstring: str) -> tuple[str | None, str, str | None]:
    """``(user, host, resource)`` of ``jidstring``, prepared (None for a missing part)."""
    head, slash, resource = jidstring.partition("/")
    user, at, host = head.partition("@")
    if not at:
        user, host = "", head
    if not host:
        raise InvalidFormat("Server address required.")
    return prep(user or None, host, resource if slash and resource else None)


def prep(user: str | None, host: str, resource: str | None) -> tuple[str | None, str, str | None]:
    """The three parts stringprep-prepared; ``InvalidFormat`` names the faulty one."""
    if user:
        try:
            user = nodeprep.prepare(user)
        except UnicodeError:
            raise InvalidFormat("Invalid character in username") from None
    else:
        user = None
    if not host:
        raise InvalidFormat("Server address required.")
    try:
        host = nameprep.prepare(host)
    except UnicodeError:
        raise InvalidFormat("Invalid character in hostname") from None
    if resource:
        try:
            resource = resourceprep.prepare(resource)
        except UnicodeError:
            raise InvalidFormat("Invalid character in resource") from None
    else:
        resource = None
    return user, host, resource


__internJIDs: dict[str, JID] = {}


def internJID(jidstring: str) -> JID:
    """The shared ``JID`` for ``jidstring`` (made on first use)."""
    found = __internJIDs.get(jidstring)
    if found is None:
        found = __internJIDs[jidstring] = JID(jidstring)
    return found


class JID:
    """A Jabber identifier, from text (``str``) or from a ``(user, host, resource)`` tuple."""

    def __init__(
        self,
        str: str | None = None,
        tuple: tuple[str | None, str, str | None] | None = None,
    ) -> None:
        if str is not None:
            parts = parse(str)
        elif tuple is not None:
            parts = prep(*tuple)
        else:
            raise RuntimeError("You must provide a value for either 'str' or 'tuple' arguments.")
        self.user, self.host, self.resource = parts

    def userhost(self) -> str:
        """``user@host`` (or ``host``): the JID without its resource."""
        return f"{self.user}@{self.host}" if self.user else self.host

    def userhostJID(self) -> JID:
        """This JID without its resource (``self`` when it has none)."""
        if self.resource is None:
            return self
        return internJID(self.userhost())

    def full(self) -> str:
        """The whole JID as text."""
        if self.resource:
            return f"{self.userhost()}/{self.resource}"
        return self.userhost()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JID):
            return (self.user, self.host, self.resource) == (
                other.user,
                other.host,
                other.resource,
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.user, self.host, self.resource))

    def __str__(self) -> str:
        return self.full()

    __unicode__ = __str__

    def __repr__(self) -> str:
        return f"JID({self.full()!r})"

    def __reduce__(self) -> Any:
        return (JID, (self.full(),))
