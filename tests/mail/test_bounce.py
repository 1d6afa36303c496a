"""twistio.mail.bounce: a bounce is a well-formed multipart/report that returns the message."""

from __future__ import annotations

import email.parser
from io import BytesIO, StringIO

from twistio.mail import bounce


def _parse(data: bytes):  # type: ignore[no-untyped-def]
    return email.parser.Parser().parse(StringIO(data.decode("utf-8")))


def test_bounce_goes_back_from_the_null_sender():
    original = b"From: a <a@example.com>\nSubject: hi\n\nline one\nline two\n"
    sender, to, data = bounce.generateBounce(BytesIO(original), b"a@example.com", "b@example.org")
    assert (sender, to) == (b"", b"a@example.com")
    message = _parse(data)
    assert message["From"] == "postmaster@example.org" and message["To"] == "a@example.com"
    assert message.get_content_type() == "multipart/report"
    assert message.get_param("report-type") == "delivery-status"
    text, returned, status = message.get_payload()
    assert "b@example.org" in text.get_payload()
    assert returned.get_content_type() == "message/rfc822"
    inner = returned.get_payload()[0]
    assert inner["Subject"] == "hi" and inner.get_payload() == "line one\nline two"
    assert status.get_content_type() == "message/delivery-status"
    fields = status.get_payload()
    assert fields[1]["Final-Recipient"] == "rfc822; b@example.org"
    assert fields[1]["Action"] == "failed"


def test_custom_transcript_and_text_message():
    _, to, data = bounce.generateBounce(StringIO("Subject: x\n\nbody\n"), "a@x.com", "b@y.org", "It failed.")
    assert to == b"a@x.com"
    assert _parse(data).get_payload()[0].get_payload() == "It failed.\n"
