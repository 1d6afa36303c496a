"""Tests for twistio.web.static: File (safety, types, ranges, listings, streaming) and Data."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from twistio.internet.defer import Deferred
from twistio.web import static
from twistio.web.resource import getChildForRequest
from twistio.web.server import NOT_DONE_YET
from twistio.web.test.requesthelper import DummyRequest


def _render(resource: Any, request: DummyRequest) -> Deferred[None]:
    """Render; the Deferred fires once the request is finished."""
    d = request.notifyFinish()
    result = resource.render(request)
    if result != NOT_DONE_YET or isinstance(result, bytes):
        request.write(result)
        request.finish()
    return d


def _get(
    root: Any, path: bytes, headers: dict[bytes, bytes] | None = None, method: bytes = b"GET"
) -> DummyRequest:
    segments = path.lstrip(b"/").split(b"/")
    request = DummyRequest(segments)
    request.uri = path
    request.method = method
    for name, value in (headers or {}).items():
        request.requestHeaders.setRawHeaders(name, [value])
    child = getChildForRequest(root, request)
    _render(child, request)
    return request


def _header(request: DummyRequest, name: bytes) -> bytes | None:
    values = request.responseHeaders.getRawHeaders(name)
    return values[-1] if values else None


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (root / "hello.txt").write_bytes(b"hello, world")
    (root / "data.bin").write_bytes(bytes(range(256)) * 4)
    (root / "page.html").write_bytes(b"<p>hi</p>")
    (root / "archive.tar.gz").write_bytes(b"\x1f\x8b fake")
    (root / "sub").mkdir()
    (root / "sub" / "inner.css").write_bytes(b"body{}")
    (tmp_path / "secret.txt").write_bytes(b"TOP SECRET")
    return root


# -- Data ------------------------------------------------------------------------------------


def test_data_serves_bytes_with_type_and_length() -> None:
    request = DummyRequest([b""])
    _render(static.Data(b"payload", "text/plain"), request)
    assert b"".join(request.written) == b"payload"
    assert _header(request, b"content-type") == b"text/plain"
    assert _header(request, b"content-length") == b"7"


def test_data_head_has_headers_but_no_body() -> None:
    request = DummyRequest([b""])
    request.method = b"HEAD"
    _render(static.Data(b"payload", "text/plain"), request)
    assert request.written == [b""]
    assert _header(request, b"content-length") == b"7"


# -- plain files ------------------------------------------------------------------------------


def test_file_serves_content_with_type(tree: Path) -> None:
    request = _get(static.File(str(tree)), b"/hello.txt")
    assert b"".join(request.written) == b"hello, world"
    assert _header(request, b"content-type") == b"text/plain"
    assert _header(request, b"content-length") == b"12"
    assert _header(request, b"accept-ranges") == b"bytes"
    assert request.responseCode == 200
    assert request.finished == 1


def test_file_type_by_extension_and_encoding(tree: Path) -> None:
    assert _header(_get(static.File(str(tree)), b"/page.html"), b"content-type") == b"text/html"
    request = _get(static.File(str(tree)), b"/archive.tar.gz")
    assert _header(request, b"content-type") == b"application/x-tar"
    assert _header(request, b"content-encoding") == b"gzip"
    assert _header(_get(static.File(str(tree)), b"/sub/inner.css"), b"content-type") == b"text/css"


def test_twisted_mime_additions() -> None:
    types = static.loadMimeTypes()
    assert types[".patch"] == "text/plain"
    assert types[".flac"] == "audio/x-flac"
    assert static.getTypeAndEncoding("a.diff.bz2", types, static.File.contentEncodings, "x/y") == (
        "text/plain",
        "bzip2",
    )
    assert static.getTypeAndEncoding("noext", types, {}, "x/y") == ("x/y", None)


def test_default_type_for_unknown_extension(tree: Path) -> None:
    (tree / "thing.unknownext").write_bytes(b"?")
    request = _get(
        static.File(str(tree), defaultType="application/octet-stream"), b"/thing.unknownext"
    )
    assert _header(request, b"content-type") == b"application/octet-stream"


def test_head_sends_headers_only(tree: Path) -> None:
    request = _get(static.File(str(tree)), b"/hello.txt", method=b"HEAD")
    assert b"".join(request.written) == b""
    assert _header(request, b"content-length") == b"12"


def test_missing_file_is_404(tree: Path) -> None:
    request = _get(static.File(str(tree)), b"/nope.txt")
    assert request.responseCode == 404


def test_ignored_exts_find_sibling(tree: Path) -> None:
    request = _get(static.File(str(tree), ignoredExts=(".txt",)), b"/hello")
    assert b"".join(request.written) == b"hello, world"


def test_file_large_streams_in_pieces(tree: Path) -> None:
    data = os.urandom(300_000)
    (tree / "big.bin").write_bytes(data)
    request = _get(static.File(str(tree)), b"/big.bin")
    assert b"".join(request.written) == data
    assert max(len(w) for w in request.written) <= static.StaticProducer.bufferSize
    assert len(request.written) > 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_403(tree: Path) -> None:
    path = tree / "locked.txt"
    path.write_bytes(b"x")
    path.chmod(0)
    try:
        request = _get(static.File(str(tree)), b"/locked.txt")
    finally:
        path.chmod(0o644)
    assert request.responseCode == 403


# -- staying inside the root -------------------------------------------------------------------


@pytest.mark.parametrize(
    "segment",
    [
        b"..",
        b".",
        b"../secret.txt",
        b"/etc/passwd",
        b"a\x00b",
        b"sub/../../secret.txt",
        b"\xff\xfe",
    ],
)
def test_dangerous_segments_are_404(tree: Path, segment: bytes) -> None:
    root = static.File(str(tree))
    request = DummyRequest([segment])
    child = root.getChild(segment, request)
    _render(child, request)
    assert request.responseCode == 404
    assert b"SECRET" not in b"".join(request.written)


def test_dotdot_deep_in_path_is_404(tree: Path) -> None:
    request = _get(static.File(str(tree)), b"/sub/../../secret.txt")
    assert request.responseCode == 404
    assert b"SECRET" not in b"".join(request.written)


def test_symlink_outside_root_is_404_unless_allowed(tree: Path) -> None:
    os.symlink(tree.parent / "secret.txt", tree / "link.txt")
    os.symlink(tree.parent, tree / "up")
    request = _get(static.File(str(tree)), b"/link.txt")
    assert request.responseCode == 404
    request = _get(static.File(str(tree)), b"/up/secret.txt")
    assert request.responseCode == 404
    listing = _get(static.File(str(tree)), b"/")
    assert b"link.txt" not in b"".join(listing.written)

    permissive = static.File(str(tree))
    permissive.allowOutsideSymlinks = True
    request = _get(permissive, b"/up/secret.txt")
    assert b"".join(request.written) == b"TOP SECRET"


def test_symlink_inside_root_is_served(tree: Path) -> None:
    os.symlink(tree / "hello.txt", tree / "alias.txt")
    request = _get(static.File(str(tree)), b"/alias.txt")
    assert b"".join(request.written) == b"hello, world"


def test_is_dangerous() -> None:
    assert static.isDangerous(b"..")
    assert static.isDangerous(b"a/b")
    assert not static.isDangerous(b"a.b")


# -- directories ---------------------------------------------------------------------------------


def test_directory_without_slash_redirects(tree: Path) -> None:
    request = _get(static.File(str(tree)), b"/sub?x=1")
    request2 = DummyRequest([b"sub"])
    request2.uri = b"/sub?x=1"
    child = getChildForRequest(static.File(str(tree)), request2)
    _render(child, request2)
    assert request2.responseCode == 302
    assert _header(request2, b"location") == b"/sub/?x=1"
    assert request is not None


def test_directory_listing_is_escaped(tree: Path) -> None:
    (tree / "<script>alert(1)<script>.txt").write_bytes(b"x")
    (tree / 'q"uote&amp.txt').write_bytes(b"x")
    request = _get(static.File(str(tree)), b"/")
    body = b"".join(request.written).decode()
    assert _header(request, b"content-type") == b"text/html; charset=utf-8"
    assert "<script>" not in body
    assert "&lt;script&gt;alert(1)&lt;script&gt;.txt" in body
    assert 'href="%3Cscript%3Ealert%281%29%3Cscript%3E.txt"' in body
    assert "q&quot;uote&amp;amp.txt" in body
    assert '<a href="sub/">sub/</a>' in body
    assert "<td>directory</td>" in body
    assert ">12B<" in body and "<td>text/plain</td>" in body


def test_listing_header_escapes_uri(tree: Path) -> None:
    request = DummyRequest([b""])
    request.uri = b"/%3Cb%3E/"
    static.File(str(tree)).directoryListing().render(request)
    assert request is not None
    body = static.DirectoryLister(str(tree)).render(request).decode()
    assert "<title>Directory listing for /&lt;b&gt;/</title>" in body
    assert "<h1>Directory listing for /&lt;b&gt;/</h1>" in body


def test_listing_page_is_twistios_own(tree: Path) -> None:
    """A difference from Twisted (docs/differences.md): twistio's own listing page.

    Directories first then files, each group in name order; a row per entry with the name
    (escaped, linked), a human size with the exact byte count on hover, the MIME type and the
    content encoding, shown plainly; rows alternate odd and even; the heading is
    "Directory listing for <path>" (Twisted's words) without the query."""
    (tree / "b-dir").mkdir()
    (tree / "A-dir").mkdir()
    (tree / "zz.txt").write_bytes(b"z" * 3000)
    request = DummyRequest([b""])
    request.uri = b"/?sort=x"
    _render(getChildForRequest(static.File(str(tree)), request), request)
    body = b"".join(request.written).decode()
    assert body.startswith("<!DOCTYPE html>")
    assert "<title>Directory listing for /</title>" in body
    rows = re.findall(r'<tr class="(\w+)"><td class="(\w+)"><a href="([^"]*)">', body)
    assert [(kind, href) for _, kind, href in rows] == [
        ("directory", "A-dir/"), ("directory", "b-dir/"), ("directory", "sub/"),
        ("file", "archive.tar.gz"), ("file", "data.bin"), ("file", "hello.txt"),
        ("file", "page.html"), ("file", "zz.txt"),
    ]
    assert [parity for parity, _, _ in rows] == ["odd", "even"] * 4
    assert '<td class="size" title="3000 bytes">2K</td><td>text/plain</td><td></td>' in body
    assert '<td class="size" title="1024 bytes">1K</td><td>application/octet-stream</td>' in body
    assert ">archive.tar.gz</a></td><td class=\"size\" title=\"7 bytes\">7B</td>" in body
    assert "<td>application/x-tar</td><td>gzip</td>" in body
    assert '<a href="sub/">sub/</a></td><td class="size"></td><td>directory</td>' in body


def test_listing_template_overrides_take_twisteds_keys(tree: Path) -> None:
    class Plain(static.DirectoryLister):
        template = "%(header)s|%(tableContent)s"
        linePattern = "%(class)s %(href)s %(text)s %(size)s %(type)s %(encoding)s;"

    request = DummyRequest([b""])
    request.uri = b"/sub/"
    body = Plain(str(tree / "sub")).render(request).decode()
    assert body == "Directory listing for /sub/|odd inner.css inner.css 6B [text/css] ;"


def test_listing_rows_have_twisteds_fields(tree: Path) -> None:
    (tree / "x.conf.gz").write_bytes(b"c" * 15)
    lister = static.DirectoryLister(str(tree), contentTypes={".conf": "text/configuration"})
    dirs, files = lister._getFilesAndDirectories(sorted(os.listdir(tree)))
    assert dirs == [{"text": "sub/", "href": "sub/", "size": "", "type": "[Directory]", "encoding": ""}]
    assert {"text": "x.conf.gz", "href": "x.conf.gz", "size": "15B", "type": "[text/configuration]",
            "encoding": "[gzip]"} in files
    # Rows made elsewhere (without twistio's extras) render too, alternating odd and even.
    blank = {"href": "", "text": "", "size": "", "type": "", "encoding": ""}
    rows = lister._buildTableContent([blank] * 3)
    assert [r.split(">", 1)[0] for r in rows] == ['<tr class="odd"', '<tr class="even"', '<tr class="odd"']


def test_index_file_is_served(tree: Path) -> None:
    (tree / "sub" / "index.html").write_bytes(b"INDEX")
    request = _get(static.File(str(tree)), b"/sub/")
    assert b"".join(request.written) == b"INDEX"


def test_format_file_size() -> None:
    assert static.formatFileSize(0) == "0B"
    assert static.formatFileSize(1023) == "1023B"
    assert static.formatFileSize(2048) == "2K"
    assert static.formatFileSize(3 * 1024**2) == "3M"
    assert static.formatFileSize(5 * 1024**3) == "5G"


# -- ranges ----------------------------------------------------------------------------------------


def _range(tree: Path, value: bytes, name: bytes = b"/data.bin") -> DummyRequest:
    return _get(static.File(str(tree)), name, {b"range": value})


def test_single_range(tree: Path) -> None:
    data = (tree / "data.bin").read_bytes()
    request = _range(tree, b"bytes=10-19")
    assert request.responseCode == 206
    assert b"".join(request.written) == data[10:20]
    assert _header(request, b"content-range") == b"bytes 10-19/1024"
    assert _header(request, b"content-length") == b"10"


@pytest.mark.parametrize(
    ("value", "expected", "content_range"),
    [
        (b"bytes=1000-", slice(1000, 1024), b"bytes 1000-1023/1024"),
        (b"bytes=-24", slice(1000, 1024), b"bytes 1000-1023/1024"),
        (b"bytes=-5000", slice(0, 1024), b"bytes 0-1023/1024"),
        (b"bytes=1000-99999", slice(1000, 1024), b"bytes 1000-1023/1024"),
        (b"bytes = 0-0", slice(0, 1), b"bytes 0-0/1024"),
    ],
)
def test_single_range_variants(
    tree: Path, value: bytes, expected: slice, content_range: bytes
) -> None:
    data = (tree / "data.bin").read_bytes()
    request = _range(tree, value)
    assert request.responseCode == 206
    assert b"".join(request.written) == data[expected]
    assert _header(request, b"content-range") == content_range


def test_unsatisfiable_range_is_416(tree: Path) -> None:
    request = _range(tree, b"bytes=2000-3000")
    assert request.responseCode == 416
    assert _header(request, b"content-range") == b"bytes */1024"
    assert b"".join(request.written) == b""
    assert request.finished == 1


@pytest.mark.parametrize(
    "value", [b"bytes=5-1", b"items=0-5", b"bytes", b"bytes=a-b", b"bytes=-", b"bytes=,"]
)
def test_malformed_range_is_ignored(tree: Path, value: bytes) -> None:
    request = _range(tree, value)
    assert request.responseCode == 200
    assert len(b"".join(request.written)) == 1024


def test_multiple_ranges_are_multipart(tree: Path) -> None:
    data = (tree / "data.bin").read_bytes()
    request = _range(tree, b"bytes=0-9,100-109,5000-6000")
    assert request.responseCode == 206
    ctype = _header(request, b"content-type")
    assert ctype is not None
    m = re.fullmatch(rb'multipart/byteranges; boundary="([0-9a-f]+)"', ctype)
    assert m is not None
    boundary = m.group(1)
    body = b"".join(request.written)
    assert int(_header(request, b"content-length") or b"0") == len(body)
    expected = (
        b"\r\n--%s\r\nContent-type: application/octet-stream\r\nContent-range: bytes 0-9/1024\r\n\r\n%s"
        b"\r\n--%s\r\nContent-type: application/octet-stream\r\nContent-range: bytes 100-109/1024\r\n\r\n%s"
        b"\r\n--%s--\r\n"
    ) % (boundary, data[0:10], boundary, data[100:110], boundary)
    assert body == expected


def test_multiple_ranges_all_unsatisfiable(tree: Path) -> None:
    request = _range(tree, b"bytes=5000-6000,7000-8000")
    assert request.responseCode == 416
    assert _header(request, b"content-length") == b"0"
    assert request.finished == 1


def test_multiple_ranges_large_parts(tree: Path) -> None:
    data = os.urandom(200_000)
    (tree / "big.bin").write_bytes(data)
    request = _range(tree, b"bytes=0-99999,150000-", b"/big.bin")
    body = b"".join(request.written)
    assert data[:100000] in body and data[150000:] in body
    assert int(_header(request, b"content-length") or b"0") == len(body)


# -- over a real socket ----------------------------------------------------------------------------

CURL = "/usr/bin/curl"


async def _serve(root: Any) -> tuple[Any, int]:
    from twistio.internet import reactor
    from twistio.web.server import Site

    site = Site(root)
    site.noisy = False
    port = reactor.listenTCP(0, site, interface="127.0.0.1")
    return port, port.getHost().port


async def _raw(port: int, request: bytes) -> bytes:
    """Send one request (with Connection: close) and read the whole answer."""
    import asyncio

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return data


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


async def _curl(*args: str) -> tuple[bytes, bytes]:
    import asyncio
    import tempfile

    # The headers go to a file, not /dev/stderr: uvloop gives the child socketpairs for
    # its stdio, which /dev/stderr cannot be opened on (and curl then crashes).
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "headers")
        proc = await asyncio.create_subprocess_exec(
            CURL,
            "-s",
            "-S",
            "--max-time",
            "5",
            "-D",
            dump,
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        assert proc.returncode == 0, err
        with open(dump, "rb") as f:
            headers = f.read()
    return headers, out


@pytest.fixture
def served_tree(tree: Path) -> Path:
    os.symlink(tree.parent / "secret.txt", tree / "link.txt")
    os.symlink(tree.parent, tree / "up")
    return tree


def _site_root(tree: Path) -> Any:
    from twistio.web.resource import Resource

    root = Resource()
    root.putChild(b"files", static.File(str(tree)))
    root.putChild(b"data", static.Data(b"in memory", "text/plain"))
    return root


@pytest.mark.skipif(not os.path.exists(CURL), reason="curl is not installed")
async def test_curl_single_and_multiple_ranges(tree: Path) -> None:
    data = (tree / "data.bin").read_bytes()
    port, number = await _serve(_site_root(tree))
    try:
        url = f"http://127.0.0.1:{number}/files/data.bin"
        headers, body = await _curl("-r", "100-199", url)
        assert headers.startswith(b"HTTP/1.1 206")
        assert b"content-range: bytes 100-199/1024" in headers.lower()
        assert body == data[100:200]

        headers, body = await _curl("-r", "0-9,1000-", url)
        assert headers.startswith(b"HTTP/1.1 206")
        assert b"multipart/byteranges; boundary=" in headers.lower()
        assert data[0:10] in body and data[1000:] in body
        assert b"Content-range: bytes 1000-1023/1024" in body

        headers, body = await _curl("-r", "5000-6000", url)
        assert headers.startswith(b"HTTP/1.1 416")
        assert b"content-range: bytes */1024" in headers.lower()

        headers, body = await _curl(url)
        assert headers.startswith(b"HTTP/1.1 200") and body == data
        assert b"accept-ranges: bytes" in headers.lower()
        assert b"last-modified: " in headers.lower()
    finally:
        await port.stopListening()


@pytest.mark.skipif(not os.path.exists(CURL), reason="curl is not installed")
async def test_curl_directory_listing_and_redirect(tree: Path) -> None:
    (tree / "a <b> & c.txt").write_bytes(b"x")
    port, number = await _serve(_site_root(tree))
    try:
        headers, body = await _curl(f"http://127.0.0.1:{number}/files/")
        assert headers.startswith(b"HTTP/1.1 200")
        assert b'<a href="sub/">sub/</a>' in body
        assert b"a &lt;b&gt; &amp; c.txt" in body
        assert b'href="a%20%3Cb%3E%20%26%20c.txt"' in body
        headers, body = await _curl(f"http://127.0.0.1:{number}/files/sub")
        assert headers.startswith(b"HTTP/1.1 302")
        assert b"location: /files/sub/" in headers.lower()
        headers, body = await _curl("-L", f"http://127.0.0.1:{number}/files/sub")
        assert b"inner.css" in body
        headers, body = await _curl(f"http://127.0.0.1:{number}/data")
        assert body == b"in memory"
    finally:
        await port.stopListening()


ESCAPES = [
    (b"/files/../secret.txt", 404),
    (b"/files/%2e%2e/secret.txt", 404),
    (b"/files/%2E%2E/secret.txt", 404),
    (b"/files/%2e%2e%2fsecret.txt", 404),
    (b"/files/..%2fsecret.txt", 404),
    (b"/files/..%5csecret.txt", 404),
    (b"/files/sub/%2e%2e/%2e%2e/secret.txt", 404),
    (b"/files/%2fetc%2fpasswd", 404),
    (b"/files//etc/passwd", 404),
    (b"/files/a%00b", 404),
    (b"/files/hello.txt%00.html", 404),
    (b"/files/%c0%ae%c0%ae/secret.txt", 404),
    (b"/files/link.txt", 404),
    (b"/files/up/secret.txt", 404),
    (b"/files/up/", 404),
    (b"/files/hello.txt/..", 404),
    (b"/files/hello.txt", 200),
    (b"/files/sub/inner.css", 200),
]


async def test_raw_socket_path_escapes(served_tree: Path) -> None:
    port, number = await _serve(_site_root(served_tree))
    try:
        for target, expected in ESCAPES:
            response = await _raw(
                number, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            assert _status(response) == expected, (target, response[:200])
            assert b"TOP SECRET" not in response
            assert b"root:" not in response
    finally:
        await port.stopListening()


async def test_if_modified_since_is_304(tree: Path) -> None:
    from email.utils import formatdate

    mtime = (tree / "hello.txt").stat().st_mtime
    port, number = await _serve(_site_root(tree))
    try:
        later = formatdate(mtime + 10, usegmt=True).encode()
        response = await _raw(
            number,
            b"GET /files/hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"If-Modified-Since: " + later + b"\r\n\r\n",
        )
        assert _status(response) == 304
        assert not response.partition(b"\r\n\r\n")[2]
        earlier = formatdate(mtime - 1000, usegmt=True).encode()
        response = await _raw(
            number,
            b"GET /files/hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"If-Modified-Since: " + earlier + b"\r\n\r\n",
        )
        assert _status(response) == 200
        assert response.endswith(b"hello, world")
    finally:
        await port.stopListening()


async def _fetch_big(port: int, path: bytes, extra: bytes = b"") -> tuple[bytes, Any, int]:
    """GET ``path`` reading in pieces: (head, sha256 of body, body length)."""
    import asyncio
    import hashlib

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + b"\r\n"
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    digest = hashlib.sha256()
    length = 0
    while True:
        piece = await asyncio.wait_for(reader.read(1 << 16), 5)
        if not piece:
            break
        digest.update(piece)
        length += len(piece)
    writer.close()
    return head, digest, length


@pytest.mark.parametrize("mode", ["sendfile", "producer"])
async def test_large_file_memory_is_bounded(tmp_path: Path, mode: str) -> None:
    import hashlib
    import tracemalloc

    size = 20 * 1024 * 1024
    big = tmp_path / "big.bin"
    chunk = os.urandom(1 << 20)
    with big.open("wb") as f:
        for _ in range(20):
            f.write(chunk)
    expected = hashlib.sha256(chunk * 20).hexdigest()
    resource = static.File(str(tmp_path))
    if mode == "producer":
        resource.sendfileThreshold = 1 << 62
    from twistio.web.resource import Resource

    root = Resource()
    root.putChild(b"f", resource)
    port, number = await _serve(root)
    try:
        tracemalloc.start()
        try:
            head, digest, length = await _fetch_big(number, b"/f/big.bin")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert head.startswith(b"HTTP/1.1 200")
        assert length == size
        assert digest.hexdigest() == expected
        assert peak < 4 * 1024 * 1024, peak

        # A single large range goes the same way.
        head, digest, length = await _fetch_big(
            number, b"/f/big.bin", b"Range: bytes=1000-5000999\r\n"
        )
        assert head.startswith(b"HTTP/1.1 206")
        assert length == 5_000_000
        assert digest.hexdigest() == hashlib.sha256((chunk * 5)[1000:5001000]).hexdigest()
    finally:
        await port.stopListening()


class _TrackedFile:
    """A file whose ``close`` sets an event (everything else is the real file's)."""

    def __init__(self, f: Any) -> None:
        import asyncio

        self._f = f
        self.closed_event = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)

    def close(self) -> None:
        self._f.close()
        self.closed_event.set()


async def test_client_leaving_mid_file_closes_it(tmp_path: Path) -> None:
    import asyncio

    (tmp_path / "big.bin").write_bytes(b"\0" * (32 * 1024 * 1024))
    resource = static.File(str(tmp_path))
    opened: list[_TrackedFile] = []
    original = resource.createSimilarFile

    def tracking(path: str) -> static.File:
        child = original(path)
        real_open = child.openForReading

        def open_and_track() -> Any:
            f = _TrackedFile(real_open())
            opened.append(f)
            return f

        child.openForReading = open_and_track  # type: ignore[method-assign]
        return child

    resource.createSimilarFile = tracking  # type: ignore[method-assign]
    from twistio.web.resource import Resource

    root = Resource()
    root.putChild(b"f", resource)
    port, number = await _serve(root)
    try:
        for threshold in (resource.sendfileThreshold, 1 << 62):
            resource.sendfileThreshold = threshold
            reader, writer = await asyncio.open_connection("127.0.0.1", number)
            writer.write(b"GET /f/big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            await reader.readuntil(b"\r\n\r\n")
            await reader.read(1000)
            writer.transport.abort()
            await asyncio.wait_for(opened[-1].closed_event.wait(), 5)
    finally:
        await port.stopListening()


async def test_sendfile_is_used_for_large_plain_responses(tmp_path: Path) -> None:
    import asyncio

    (tmp_path / "big.bin").write_bytes(b"z" * (1024 * 1024))
    (tmp_path / "small.txt").write_bytes(b"small")
    loop = asyncio.get_running_loop()
    calls: list[int] = []
    real = loop.sendfile

    async def spy(
        transport: Any, file: Any, offset: int = 0, count: int | None = None, **kw: Any
    ) -> int:
        calls.append(count or 0)
        return await real(transport, file, offset, count, **kw)

    loop.sendfile = spy  # type: ignore[method-assign]
    from twistio.web.resource import Resource

    root = Resource()
    root.putChild(b"f", static.File(str(tmp_path)))
    port, number = await _serve(root)
    try:
        head, digest, length = await _fetch_big(number, b"/f/big.bin")
        assert length == 1024 * 1024
        head, digest, length = await _fetch_big(number, b"/f/small.txt")
        assert length == 5
    finally:
        await port.stopListening()
        del loop.sendfile
    # uvloop has no native sendfile: twistio does not try it there.
    native = type(loop).sendfile is not asyncio.AbstractEventLoop.sendfile
    assert calls == ([1024 * 1024] if native else [])


def test_large_file_on_uvloop_falls_back_to_producer(tmp_path: Path) -> None:
    """uvloop has no native sendfile: the body is streamed by the producer instead."""
    import hashlib

    uvloop = pytest.importorskip("uvloop")
    data = os.urandom(3 * 1024 * 1024)
    (tmp_path / "big.bin").write_bytes(data)
    from twistio.web.resource import Resource

    async def main() -> tuple[bytes, Any, int]:
        root = Resource()
        root.putChild(b"f", static.File(str(tmp_path)))
        port, number = await _serve(root)
        try:
            return await _fetch_big(number, b"/f/big.bin", b"Range: bytes=1-\r\n")
        finally:
            await port.stopListening()

    loop = uvloop.new_event_loop()
    try:
        head, digest, length = loop.run_until_complete(main())
    finally:
        loop.close()
    assert head.startswith(b"HTTP/1.1 206")
    assert length == len(data) - 1
    assert digest.hexdigest() == hashlib.sha256(data[1:]).hexdigest()


def test_permission_denied_is_403(tree: Path) -> None:
    import errno

    class Locked(static.File):
        def openForReading(self) -> Any:
            raise PermissionError(errno.EACCES, "denied")

    request = DummyRequest([b""])
    request.uri = b"/hello.txt"
    _render(Locked(str(tree / "hello.txt")), request)
    assert request.responseCode == 403


def test_createSimilarFile_keeps_settings(tree: Path) -> None:
    root = static.File(str(tree), defaultType="x/y", ignoredExts=(".txt",))
    root.indexNames = ["main.html"]
    root.allowOutsideSymlinks = True
    child = root.createSimilarFile(str(tree / "sub"))
    assert child.defaultType == "x/y"
    assert child.ignoredExts == [".txt"]
    assert child.indexNames == ["main.html"]
    assert child.allowOutsideSymlinks
    assert child.registry is root.registry
    assert [f.basename() for f in root.listEntities()] == sorted(os.listdir(tree))


def test_processors_handle_extensions(tree: Path) -> None:
    (tree / "x.special").write_bytes(b"raw")
    root = static.File(str(tree))
    root.processors = {".special": lambda path, registry: static.Data(b"processed", "text/plain")}
    request = _get(root, b"/x.special")
    assert b"".join(request.written) == b"processed"


def test_registry_caches_paths() -> None:
    registry = static.Registry()
    marker = static.Data(b"", "text/plain")
    registry.cachePath("/a", marker)
    assert registry.getCachedPath("/a") is marker
    assert registry.getCachedPath("/b") is None


def test_real_request_on_dummy_channel(tree: Path) -> None:
    """A ``server.Request`` on a ``DummyChannel``: the producer is pulled by hand, as in Twisted."""
    from twistio.web.server import Request
    from twistio.web.test.requesthelper import DummyChannel

    channel = DummyChannel()
    request = Request(channel, False)
    request.method = b"GET"
    request.uri = b"/data.bin"
    request.clientproto = b"HTTP/1.1"
    request.prepath = []
    request.postpath = [b"data.bin"]
    request.requestHeaders.setRawHeaders(b"range", [b"bytes=1-3"])
    request.render(static.File(str(tree)).getChildWithDefault(b"data.bin", request))
    assert channel.transport.producers
    while channel.transport.producer is not None:
        channel.transport.producer.resumeProducing()
    response = channel.transport.written.getvalue()
    assert response.startswith(b"HTTP/1.1 206 Partial Content\r\n")
    assert b"Content-Range: bytes 1-3/1024\r\n" in response
    assert response.endswith(b"\r\n\r\n\x01\x02\x03")


def test_child_refuses_escapes_and_gives_files(tree: Path) -> None:
    root = static.File(str(tree))
    child = root.child("hello.txt")
    assert isinstance(child, static.File) and child.path == str(tree / "hello.txt")
    for bad in ("..", ".", "", "a/b", "a\0b"):
        with pytest.raises(ValueError):
            root.child(bad)


def test_file_is_a_filepath(tree: Path) -> None:
    """As in Twisted, a ``File`` is its ``FilePath``: children keep the settings."""
    from twistio.python.filepath import FilePath, InsecurePath

    root = static.File(str(tree), defaultType="text/plain")
    assert isinstance(root, FilePath)
    made = root.child("new.txt")
    made.setContent(b"written")
    assert isinstance(made, static.File) and made.defaultType == "text/plain"
    assert made.getContent() == b"written"
    assert sorted(root.listdir()) == sorted(os.listdir(tree))
    assert isinstance(root.parent(), static.File)
    for bad in ("..", "a/b"):
        with pytest.raises(InsecurePath):
            root.child(bad)
        with pytest.raises(ValueError):
            root.child(bad)
    assert isinstance(root.registry, static.Registry)
    root.registry.cachePath("/x", "cached")
    assert root.registry.getCachedPath("/x") == "cached"
