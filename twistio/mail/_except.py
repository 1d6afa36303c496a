"""The exceptions of SMTP, POP3 and IMAP4, with Twisted's names, codes and texts."""

from __future__ import annotations

from typing import Any

__all__ = [
    "AUTHDeclinedError", "AUTHRequiredError", "AddressError", "AuthenticationError",
    "EHLORequiredError", "ESMTPClientError", "IMAP4Exception", "IllegalClientResponse",
    "IllegalIdentifierError", "IllegalMailboxEncoding", "IllegalOperation", "IllegalQueryError",
    "IllegalServerResponse", "InsecureAuthenticationDisallowed", "LineTooLong",
    "MailboxCollision", "MailboxException", "MismatchedNesting", "MismatchedQuoting",
    "NegativeResponse", "NoSuchMailbox", "NoSupportedAuthentication", "POP3ClientError",
    "POP3Error", "ReadOnlyMailbox", "SMTPAddressError", "SMTPBadRcpt", "SMTPBadSender",
    "SMTPClientError", "SMTPConnectError", "SMTPDeliveryError", "SMTPError",
    "SMTPProtocolError", "SMTPServerError", "SMTPTLSError", "SMTPTimeoutError",
    "ServerErrorResponse", "TLSError", "TLSNotSupportedError", "TLSRequiredError",
    "UnhandledResponse",
]


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class IMAP4Exception(Exception):
    """Base of the IMAP4 errors."""


class IllegalClientResponse(IMAP4Exception):
    """The client sent something the protocol does not allow."""


class IllegalOperation(IMAP4Exception):
    """The command is not allowed in this state."""


class IllegalMailboxEncoding(IMAP4Exception):
    """A mailbox name is not valid modified UTF-7."""


class MailboxException(IMAP4Exception):
    """Base of the mailbox errors."""


class MailboxCollision(MailboxException):
    """A mailbox of that name exists already."""

    def __str__(self) -> str:
        return f"Mailbox named {self.args[0]} already exists"


class NoSuchMailbox(MailboxException):
    """There is no mailbox of that name."""

    def __str__(self) -> str:
        return f"No mailbox named {self.args[0]} exists"


class ReadOnlyMailbox(MailboxException):
    """The mailbox cannot be written."""

    def __str__(self) -> str:
        return "Mailbox open in read-only state"


class IllegalIdentifierError(IMAP4Exception):
    """A message set or identifier could not be parsed."""


class IllegalQueryError(IMAP4Exception):
    """A search query could not be parsed."""


class MismatchedNesting(IMAP4Exception):
    """Parentheses or brackets do not balance."""


class MismatchedQuoting(IMAP4Exception):
    """A quoted string is not closed."""


class IllegalServerResponse(IMAP4Exception):
    """The server answered something the client cannot parse."""


class NegativeResponse(IMAP4Exception):
    """The server answered NO or BAD."""


class NoSupportedAuthentication(IMAP4Exception):
    """Client and server share no authentication mechanism."""

    def __init__(self, serverSupports: Any, clientSupports: Any) -> None:
        IMAP4Exception.__init__(self, "No supported authentication schemes available")
        self.serverSupports = serverSupports
        self.clientSupports = clientSupports

    def __str__(self) -> str:
        return (f"{IMAP4Exception.__str__(self)}: Server supports {self.serverSupports!r},"
                f" client supports {self.clientSupports!r}")


class UnhandledResponse(IMAP4Exception):
    """A response arrived that no command was waiting for."""


class POP3Error(Exception):
    """A POP3 server-side error: its text is sent after ``-ERR``."""


class POP3ClientError(Exception):
    """Base of the POP3 client errors."""


class InsecureAuthenticationDisallowed(POP3ClientError):
    """Login would send a cleartext password over an unencrypted connection."""


class TLSError(POP3ClientError):
    """Starting TLS failed."""


class TLSNotSupportedError(POP3ClientError):
    """The server does not offer STLS."""


class ServerErrorResponse(POP3ClientError):
    """The server answered ``-ERR``."""

    def __init__(self, reason: Any, consumer: Any = None) -> None:
        POP3ClientError.__init__(self, reason)
        self.consumer = consumer


class LineTooLong(POP3ClientError):
    """The server sent a line over the length limit."""


class SMTPError(Exception):
    """Base of the SMTP errors."""


class SMTPClientError(SMTPError):
    """An SMTP client-side failure, with the server's ``code`` and ``resp``.

    ``isFatal`` means give up on the whole session; ``retry`` that a later attempt may work.
    """

    def __init__(self, code: int, resp: bytes, log: bytes | None = None, addresses: object | None = None,
                 isFatal: bool = False, retry: bool = False) -> None:
        self.code, self.resp, self.log = code, resp, log
        self.isFatal, self.retry, self.addresses = isFatal, retry, addresses

    def __str__(self) -> str:
        return self.__bytes__().decode("utf-8", "replace")

    def __bytes__(self) -> bytes:
        resp = self.resp if isinstance(self.resp, bytes) else str(self.resp).encode("utf-8")
        out = resp if self.code < 0 else b"%d %s" % (self.code, resp)
        if self.log:
            out += b"\n" + self.log + b"\n"
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.resp!r})"


class ESMTPClientError(SMTPClientError):
    """An ESMTP client-side failure."""


class EHLORequiredError(ESMTPClientError):
    """The server refused EHLO, and the session needs ESMTP."""


class AUTHRequiredError(ESMTPClientError):
    """Authentication was required and the server offers none the client can do."""


class TLSRequiredError(ESMTPClientError):
    """TLS was required and the server does not offer STARTTLS."""


class AUTHDeclinedError(ESMTPClientError):
    """The server refused the credentials."""


class AuthenticationError(ESMTPClientError):
    """Authentication failed for another reason (a malformed challenge ...)."""


class SMTPTLSError(ESMTPClientError):
    """STARTTLS failed."""


class SMTPConnectError(SMTPClientError):
    """The connection could not be made or was refused at the greeting."""

    def __init__(self, code: int, resp: bytes, log: bytes | None = None, addresses: object | None = None,
                 isFatal: bool = True, retry: bool = True) -> None:
        SMTPClientError.__init__(self, code, resp, log, addresses, isFatal, retry)


class SMTPTimeoutError(SMTPClientError):
    """The server did not answer in time."""

    def __init__(self, code: int, resp: bytes, log: bytes | None = None, addresses: object | None = None,
                 isFatal: bool = True, retry: bool = True) -> None:
        SMTPClientError.__init__(self, code, resp, log, addresses, isFatal, retry)


class SMTPProtocolError(SMTPClientError):
    """The server answered outside the protocol."""

    def __init__(self, code: int, resp: bytes, log: bytes | None = None, addresses: object | None = None,
                 isFatal: bool = True, retry: bool = False) -> None:
        SMTPClientError.__init__(self, code, resp, log, addresses, isFatal, retry)


class SMTPDeliveryError(SMTPClientError):
    """The message could not be delivered."""


class SMTPServerError(SMTPError):
    """A server-side refusal: the server replies with ``code`` and ``resp``."""

    def __init__(self, code: int, resp: Any) -> None:
        self.code = code
        self.resp = resp
        SMTPError.__init__(self, code, resp)

    def __str__(self) -> str:
        return f"{self.code:3} {_text(self.resp)}"


class SMTPAddressError(SMTPServerError):
    """An address was refused: ``code addr... resp``."""

    def __init__(self, addr: Any, code: int, resp: Any) -> None:
        from twistio.mail.smtp import Address

        SMTPServerError.__init__(self, code, resp)
        self.args = (addr,)
        self.addr = Address(addr)

    def __str__(self) -> str:
        from twistio.mail.smtp import quoteaddr

        return f"{self.code:3} {quoteaddr(self.addr).decode('utf-8', 'replace')}... {_text(self.resp)}"


class SMTPBadRcpt(SMTPAddressError):
    """A recipient the server will not accept (550)."""

    def __init__(self, addr: Any, code: int = 550, resp: Any = "Cannot receive for specified address") -> None:
        SMTPAddressError.__init__(self, addr, code, resp)


class SMTPBadSender(SMTPAddressError):
    """A sender the server will not accept (550)."""

    def __init__(self, addr: Any, code: int = 550, resp: Any = "Sender not acceptable") -> None:
        SMTPAddressError.__init__(self, addr, code, resp)


class AddressError(SMTPError):
    """An address could not be parsed."""
