"""web.twcgi: headers a CGI script may not set, and str path segments (no processes)."""

from __future__ import annotations

import logging

import pytest

from twistio.web import twcgi
from twistio.web.test.requesthelper import DummyRequest


def test_script_cannot_replace_server_or_date(caplog: pytest.LogCaptureFixture) -> None:
    request = DummyRequest([b""])
    proto = twcgi.CGIProcessProtocol(request)
    with caplog.at_level(logging.ERROR):
        proto._applyHeaders(b"Server: monkeys\nDate: last year\nX-A: b\nXYZ")
    assert request.responseHeaders.getRawHeaders(b"server") is None
    assert request.responseHeaders.getRawHeaders(b"date") is None
    assert request.responseHeaders.getRawHeaders(b"x-a") == [b"b"]
    assert "ignoring malformed CGI header: b'XYZ'" in caplog.text


def test_directory_takes_str_segments(tmp_path: object) -> None:
    directory = twcgi.CGIDirectory(str(tmp_path))
    child = directory.getChild("missing", DummyRequest([b""]))
    assert child is not None
