"""The exceptions of DNS resolution, with Twisted Names' names and hierarchy."""

from __future__ import annotations

from twistio.internet.defer import TimeoutError

__all__ = [
    "AuthoritativeDomainError",
    "DNSFormatError",
    "DNSNameError",
    "DNSNotImplementedError",
    "DNSQueryRefusedError",
    "DNSQueryTimeoutError",
    "DNSServerError",
    "DNSUnknownError",
    "DomainError",
    "ResolverError",
]


class DomainError(ValueError):
    """The name is not in this resolver's domain (a resolver chain tries the next one)."""


class AuthoritativeDomainError(ValueError):
    """The name does not exist, said by an authority for its zone.

    twistio's authorities set ``authority`` on it (the zone's SOA record, as an ``RRHeader``
    list) so that a server can put it in an NXDOMAIN answer.
    """


class DNSQueryTimeoutError(TimeoutError):
    """No answer to message ``id`` in time."""

    def __init__(self, id: int) -> None:
        TimeoutError.__init__(self)
        self.id = id


class DNSFormatError(DomainError):
    """The server could not understand the query (FORMERR)."""


class DNSServerError(DomainError):
    """The server failed (SERVFAIL)."""


class DNSNameError(DomainError):
    """The name does not exist (NXDOMAIN)."""


class DNSNotImplementedError(DomainError):
    """The server does not implement this kind of query (NOTIMP)."""


class DNSQueryRefusedError(DomainError):
    """The server refused the query (REFUSED)."""


class DNSUnknownError(DomainError):
    """The server answered with a response code this module does not know."""


class ResolverError(Exception):
    """A resolver could not be set up or used."""
