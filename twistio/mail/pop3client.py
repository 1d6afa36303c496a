"""Deprecated home of the old POP3 client (as in Twisted since 21.2): use ``twistio.mail.pop3``."""

import warnings

from twistio.mail.pop3 import POP3Client as POP3Client

__all__ = ["ERR", "OK", "POP3Client"]

OK = b"+OK"
ERR = b"-ERR"

warnings.warn("twistio.mail.pop3client is deprecated: use twistio.mail.pop3 instead.",
              DeprecationWarning, stacklevel=2)
