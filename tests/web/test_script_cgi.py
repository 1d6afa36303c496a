"""web.script (.rpy resource scripts, PythonScript) and web.twcgi (CGI scripts) over a socket."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.web._http_support import exchange, serve
from twistio.web import html, resource, script, twcgi

__all__ = ["serve"]


def test_html_helpers() -> None:
    with pytest.deprecated_call(match=r"twisted\.web\.html\.PRE was deprecated in Twisted 15\.3\.0"):
        assert html.PRE("a<b") == "<pre>a&lt;b</pre>"
    with pytest.deprecated_call(match="UL was deprecated"):
        assert html.UL(["a", "<b>"]) == "<ul>\n<li> a</li>\n<li> <b></li>\n</ul>"
    with pytest.deprecated_call(match="linkList was deprecated"):
        assert html.linkList([("u", "t")]) == '<ul>\n<li> <a href="u">t</a></li>\n</ul>'
    with pytest.deprecated_call(match="output was deprecated"):
        assert html.output(lambda: "ok") == "ok"

    def bad() -> str:
        raise ValueError("x")

    with pytest.deprecated_call(match="please use twisted.web.template instead"):
        assert html.output(bad) == "<pre>An error occurred.</pre>"


RPY = '''
from twistio.web import resource
cache()
class Hello(resource.Resource):
    isLeaf = True
    def render_GET(self, request):
        return b"rpy says hi"
resource = Hello()
'''


async def test_resource_script_directory(serve: Any, tmp_path: Path) -> None:
    (tmp_path / "hello.rpy").write_text(RPY)
    (tmp_path / "empty.rpy").write_text("x = 1\n")
    root = resource.Resource()
    registry_dir = script.ResourceScriptDirectory(str(tmp_path))
    root.putChild(b"scripts", registry_dir)
    port, _ = serve(root)
    for _ in range(2):  # the second request is served from the registry's cache
        out, _ = await exchange(port, b"GET /scripts/hello.rpy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert out.startswith(b"HTTP/1.1 200 ") and out.endswith(b"rpy says hi")
    assert registry_dir.registry.getCachedPath(str(tmp_path / "hello.rpy")) is not None
    out, _ = await exchange(port, b"GET /scripts/empty.rpy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 500 ") and b"forgot to assign" in out
    out, _ = await exchange(port, b"GET /scripts/nothing.rpy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 404 ")


async def test_python_script(serve: Any, tmp_path: Path) -> None:
    (tmp_path / "page.py").write_text('request.write(b"args=" + request.args[b"a"][0])\n')
    (tmp_path / "boom.py").write_text('raise ValueError("<boom>")\n')
    root = resource.Resource()
    root.putChild(b"page", script.PythonScript(str(tmp_path / "page.py"), None))
    root.putChild(b"boom", script.PythonScript(str(tmp_path / "boom.py"), None))
    port, _ = serve(root)
    out, _ = await exchange(port, b"GET /page?a=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200 ") and out.endswith(b"args=1\r\n0\r\n\r\n")
    out, _ = await exchange(port, b"GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 500 ") and b"&lt;boom&gt;" in out


CGI = """#!/bin/sh
printf 'Status: 201 Made\\r\\nContent-Type: text/plain\\r\\nX-Method: %s\\r\\n\\r\\n' "$REQUEST_METHOD"
printf 'query=%s path=%s len=%s body=' "$QUERY_STRING" "$PATH_INFO" "$CONTENT_LENGTH"
cat
"""


@pytest.mark.skipif(shutil.which("sh") is None or os.name != "posix", reason="needs /bin/sh")
async def test_cgi_script(serve: Any, tmp_path: Path) -> None:
    path = tmp_path / "echo.cgi"
    path.write_text(CGI)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "noheaders.cgi").write_text("#!/bin/sh\nprintf 'oops'\n")
    (tmp_path / "noheaders.cgi").chmod(0o755)
    from twistio.internet import reactor

    root = resource.Resource()
    root.putChild(b"cgi", twcgi.CGIDirectory(str(tmp_path)))
    root.putChild(b"one", twcgi.CGIScript(str(path), reactor=reactor))
    port, _ = serve(root)
    out, closed = await exchange(
        port,
        b"POST /cgi/echo.cgi/extra/path?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Connection: close\r\n\r\nhello",
        timeout=5,
    )
    assert out.startswith(b"HTTP/1.1 201 Made\r\n"), out
    assert b"X-Method: POST\r\n" in out
    assert b"query=x=1 path=/extra/path len=5 body=" in out and out.endswith(b"hello\r\n0\r\n\r\n")
    out, _ = await exchange(port, b"GET /cgi/noheaders.cgi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=5)
    assert out.startswith(b"HTTP/1.1 500 "), out
    out, _ = await exchange(port, b"GET /cgi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 404 ")
