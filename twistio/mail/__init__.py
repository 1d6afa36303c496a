"""Mail: SMTP, POP3 and IMAP4 servers and clients, and Maildir storage, as in ``twisted.mail``."""
