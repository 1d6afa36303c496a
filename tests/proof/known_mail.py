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
        "the test's server TLS context is pyOpenSSL's; twistio's TLS needs an ssl.SSLContext",
    ),
}
