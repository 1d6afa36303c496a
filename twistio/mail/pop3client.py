"""Deprecated home of the old POP3 client, kept for imports: see ``twistio.mail.pop3``."""

from twistio.mail.pop3 import POP3Client as POP3Client

__all__ = ["POP3Client"]
