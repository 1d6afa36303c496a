"""``twistio web --wsgi``: exactly one access-log line per request, all flushed at shutdown
(issue 16 item 11)."""

from __future__ import annotations

import http.client
import signal
from pathlib import Path

import pytest

from tests.application._proc import spawn, terminate, wait_for

LISTENING = r"listening on tcp:127\.0\.0\.1:(\d+)"

APP = '''
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["PATH_INFO"].encode()]
'''


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_wsgi_access_log_one_line_per_request(tmp_path: Path, sig: int) -> None:
    (tmp_path / "wsgi_log_app.py").write_text(APP)
    proc = spawn(
        "web", "--wsgi", "wsgi_log_app:app", "--listen", "tcp:0:interface=127.0.0.1",
        cwd=str(tmp_path),
    )
    port = int(wait_for(proc, LISTENING).group(1))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    for i in range(9):
        conn.request("GET", f"/r{i}")
        assert conn.getresponse().read() == f"/r{i}".encode()
    for i in range(9, 12):  # new connections too
        one = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        one.request("GET", f"/r{i}")
        assert one.getresponse().read() == f"/r{i}".encode()
        one.close()
    conn.close()
    status, out, err = terminate(proc, sig)
    text = (out + err).decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if '"GET /r' in line]
    assert sorted(lines, key=lambda s: int(s.split('"GET /r')[1].split()[0])) == lines
    assert [line.split('"GET /r')[1].split()[0] for line in lines] == [str(i) for i in range(12)], text
