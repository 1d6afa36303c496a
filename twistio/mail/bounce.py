"""Bounce messages: what a mail server sends back to the sender of a message it could not
deliver (``generateBounce``)."""

from __future__ import annotations

import email.utils
import time
import uuid
from typing import IO, Any

__all__ = ["generateBounce"]

# The human-readable part when no transcript is given; {failedTo} is the address.
_DEFAULT_TRANSCRIPT = (
    "This message could not be delivered to {failedTo}: the address has permanent errors.\n"
    "It will not be tried again.\n"
)


def _text(value: Any, encoding: str) -> str:
    return value.decode(encoding) if isinstance(value, bytes) else str(value)


def generateBounce(
    message: IO[Any], failedFrom: Any, failedTo: Any, transcript: Any = "", encoding: str = "utf-8"
) -> tuple[bytes, bytes, bytes]:
    """A bounce for ``message`` (a file of bytes or text), sent by ``failedFrom`` and not
    deliverable to ``failedTo``: ``(sender, recipient, contents)``, all bytes.

    The bounce comes from the null sender (``b""``, so it can never bounce itself), goes to
    ``failedFrom``, and is a ``multipart/report`` (RFC 6522) from ``postmaster`` at
    ``failedTo``'s domain: the ``transcript`` (or a short explanation), the returned message
    whole, then the delivery status (RFC 3464) of ``failedTo``.
    """
    sender = _text(failedFrom, encoding)
    recipient = _text(failedTo, encoding)
    domain = recipient.rpartition("@")[2]
    original = _text(message.read(), encoding)
    explanation = _text(transcript, encoding) if transcript else _DEFAULT_TRANSCRIPT.format(failedTo=recipient)
    explanation = explanation if explanation.endswith("\n") else explanation + "\n"
    boundary = f"{time.time():.6f}_{uuid.uuid4().hex}"
    from twistio.mail.smtp import DNSNAME, messageid

    lines = [
        f"From: postmaster@{domain}",
        f"To: {sender}",
        "Subject: Returned Mail: see transcript for details",
        f"Date: {email.utils.formatdate(localtime=False)}",
        f"Message-ID: {messageid(uniq='bounce').decode('ascii')}",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
        "",
        f"--{boundary}",
        "Content-Type: text/plain; charset=" + encoding,
        "",
        explanation,  # its own final line break stays: the text part ends with one
        f"--{boundary}",
        "Content-Type: message/rfc822",
        "",
        # The line break before the boundary belongs to the boundary (RFC 2046 5.1.1).
        original[:-1] if original.endswith("\n") else original,
        f"--{boundary}",
        "Content-Type: message/delivery-status",
        "",
        f"Reporting-MTA: dns; {DNSNAME.decode('ascii')}",
        f"Arrival-Date: {email.utils.formatdate(localtime=False)}",
        "",
        f"Final-Recipient: rfc822; {recipient}",
        "Action: failed",
        "Status: 5.0.0",
        "",
        f"--{boundary}--",
        "",
    ]
    return b"", sender.encode(encoding), "\n".join(lines).encode(encoding)
