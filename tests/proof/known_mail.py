"""Understood failures of Twisted's mail test suites (twisted.mail.test.*) under the alias,
worked on by the ``mail`` branch (see ``classify`` in __main__.py): test id (or a prefix
ending in ".") -> (kind, why)."""

from __future__ import annotations

_NAME = ("name", "the message or repr spells twistio's module path (twistio.x, not twisted.x)")
_DIFF = "difference"

KNOWN: dict[str, tuple[str, str]] = {
    "twisted.mail.test.test_mail.DomainWithDefaultsTests.test_has_keyDeprecation": _NAME,
    "twisted.mail.test.test_mail.MaildirAppendStringTests.test_reopenMailbox": (
        _DIFF,
        "MaildirMailbox.getMessage gives the message file opened in binary mode (bytes, "
        "which POP3 sends); Twisted opens it in text mode (docs/differences.md, mail)",
    ),
    "twisted.mail.test.test_smtp.SendmailTests.test_defaultReactorIsGlobalReactor": (
        _DIFF,
        "sendmail's reactor parameter defaults to None (the global reactor, looked up when "
        "called): importing twistio.mail.smtp does not install a reactor "
        "(docs/differences.md, mail)",
    ),
    "twisted.mail.test.test_smtp.TLSTests.test_ESMTPSenderFactory_TLSError": (
        _DIFF,
        "the SMTPConnectError names why the connection was lost, but twistio checks the "
        "certificate with the ssl module: the reason reads '[SSL: CERTIFICATE_VERIFY_FAILED] "
        "certificate verify failed', not service_identity's VerificationError that the test "
        "looks for",
    ),
    "twisted.mail.test.test_imap.HandCraftedTests.test_authenticationChallengeDecodingException": (
        _DIFF,
        "an AUTHENTICATE challenge that is not base64 is cancelled with '*' and the command "
        "fails on the server's answer; Twisted logs IllegalServerResponse and drops the "
        "connection (docs/differences.md, mail)",
    ),
    "twisted.mail.test.test_imap.HandCraftedTests.test_emptyStringLiteral": (
        _DIFF,
        "twistio's server reads whole command lines (RFC 3501): after a literal it waits for "
        "the CRLF ending the command and sends a continuation for each literal; Twisted's "
        "argument parsers dispatch LOGIN as soon as both arguments are in "
        "(docs/differences.md, 'IMAP4 server internals')",
    ),
    "twisted.mail.test.test_imap.IMAP4HelperTests.test_parenParser": (
        _DIFF,
        "parseNestedParens unescapes every quoted-special of a quoted string (\\\\ is one "
        "backslash, RFC 3501); Twisted unescapes only \\\" (docs/differences.md, mail)",
    ),
    "twisted.mail.test.test_imap.IMAP4ServerFetchTests.test_fetchWithPartialValidArgument": (
        _DIFF,
        "an unknown FETCH item gets 'BAD Illegal syntax: unknown FETCH item X' (Twisted: "
        "'Invalid Argument'); the test's assertion fails before it disconnects the server "
        "(docs/differences.md, 'IMAP4 input limits and errors')",
    ),
    # ESMTPClient.tlsMode exists (deprecated, as in Twisted); the warning spells twistio.
}
