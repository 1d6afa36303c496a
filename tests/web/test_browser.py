"""A real browser against a twistio Site: headless Chromium loads a page and a directory listing.

Chromium (Debian's ``chromium`` package; ``.ci/install-browser`` installs it) runs with
``--dump-dom``: it loads the URL, runs the page's scripts, and prints the resulting DOM. The
page's script makes a synchronous request to a static file, so the DOM shows that the browser
executed it and that the second request was answered too. The test is skipped when Chromium
is not installed.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.access("/usr/bin/chromium", os.X_OK):
    CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian: apt-get install chromium, "
    "or run .ci/install-browser)",
)

# Each Chromium run is bounded; both run at once, so the test takes about one run's time.
BROWSER_TIMEOUT = 8.0

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>twistio browser test</title></head>
<body>
<h1>Served by twistio</h1>
<p>café ☕</p>
<p id="js">script did not run</p>
<p id="xhr">no response</p>
<script>
document.getElementById("js").textContent = "script ran: " + (6 * 7);
var req = new XMLHttpRequest();
req.open("GET", "/files/data.txt", false);
req.send();
document.getElementById("xhr").textContent = "xhr " + req.status + ": " + req.responseText;
</script>
</body></html>
"""

ODD_NAME = "tom & <i>jerry.txt"


async def dump_dom(url: str, profile: Path) -> str:
    """The DOM headless Chromium builds for ``url``, after its scripts ran."""
    assert CHROMIUM is not None
    proc = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--dump-dom",
        url,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,  # so a timeout can kill Chromium's helper processes too
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), BROWSER_TIMEOUT)
    except asyncio.TimeoutError:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        await proc.wait()
        pytest.fail(f"Chromium did not finish loading {url} within {BROWSER_TIMEOUT} s")
    assert proc.returncode == 0, f"Chromium exited with {proc.returncode}: {err[-2000:]!r}"
    return out.decode("utf-8")


def make_site(files: Path, access_log: Path) -> Any:
    from twistio.web import resource, server, static

    class Page(resource.Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            request.setHeader(b"content-type", b"text/html; charset=utf-8")
            return PAGE.encode("utf-8")

    root = resource.Resource()
    root.putChild(b"", Page())
    root.putChild(b"files", static.File(str(files)))
    return server.Site(root, logPath=str(access_log))


async def test_chromium_loads_page_and_directory_listing(tmp_path: Path) -> None:
    from twistio.internet import reactor

    files = tmp_path / "files"
    files.mkdir()
    (files / "data.txt").write_text("static file data")
    (files / ODD_NAME).write_text("escaped in the listing")
    (files / "sub").mkdir()
    access_log = tmp_path / "access.log"

    site = make_site(files, access_log)
    port = reactor.listenTCP(0, site, interface="127.0.0.1")
    base = f"http://127.0.0.1:{port.getHost().port}"
    try:
        page, listing = await asyncio.gather(
            dump_dom(base + "/", tmp_path / "profile-page"),
            dump_dom(base + "/files/", tmp_path / "profile-listing"),
        )
    finally:
        await port.stopListening()

    # The page: served bytes decoded as UTF-8, its script run, its request answered.
    assert "<title>twistio browser test</title>" in page
    assert "<h1>Served by twistio</h1>" in page
    assert "café ☕" in page
    assert "script ran: 42" in page
    assert "xhr 200: static file data" in page

    # The listing: every entry linked, the odd name escaped (so no <i> element was made).
    assert 'href="data.txt"' in listing
    assert 'href="sub/"' in listing
    assert "tom &amp; &lt;i&gt;jerry.txt" in listing
    assert "<i>jerry" not in listing

    # The server logged what the browser asked for, with the browser's User-Agent (stopping
    # the port stopped the Site, which closed and so flushed its log).
    log = access_log.read_text()
    for line in (
        '"GET / HTTP/1.1" 200',
        '"GET /files/ HTTP/1.1" 200',
        '"GET /files/data.txt HTTP/1.1" 200',
    ):
        assert line in log, f"{line} missing from the access log:\n{log}"
    assert "HeadlessChrome" in log
