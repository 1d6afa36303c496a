"""Understood failures of twistio.web (HTTP server side, static, web) under Twisted's tests
(see ``classify`` in __main__.py): test id (or a prefix ending in ".") -> (kind, why).
Entries here take precedence over __main__.py's KNOWN for the same test."""

from __future__ import annotations

_NAME = ("name", "the message or repr spells twistio's module path (twistio.x, not twisted.x)")
_DIFF = "difference"
_PRIVATE = "private"


def _each(prefix: str, names: str, why: tuple[str, str]) -> dict[str, tuple[str, str]]:
    return {f"{prefix}.{n}": why for n in names.split()}


_HTTP = "twisted.web.test.test_http"
_CRLF = (
    _DIFF,
    "header values and cookies with CR, LF or NUL raise ValueError (no response splitting); "
    "Twisted rewrites them to spaces (docs/differences.md, twisted.web)",
)
_STRICT = (
    _DIFF,
    "the request parser refuses what RFC 9112 lets a server refuse: obsolete line folding, "
    "control characters other than tab in field values, and transfer codings other than a "
    "final chunked, with 400 (docs/differences.md, 'Hostile requests')",
)
_LIMITS = (
    _DIFF,
    "the head's limits are RequestReader's (max_request_line 8190, max_header_bytes 32 KiB "
    "after the request line, max_headers 100; also HTTPChannel.maxHeaders) answered with "
    "414/431, not HTTPChannel.totalHeadersSize (request line and headers together) nor 400 "
    "(docs/reliability.md, docs/differences.md 'Hostile requests')",
)

KNOWN: dict[str, tuple[str, str]] = {
    **_each(
        f"{_HTTP}.DeprecatedRequestAttributesTests", "test_getClientIP test_noLongerQueued", _NAME
    ),
    f"{_HTTP}.HTTPChannelSanitizationTests.test_writeHeadersSanitizesLinearWhitespace": _CRLF,
    f"{_HTTP}.HTTPClientSanitizationTests.test_sendHeaderSanitizesLinearWhitespace": _CRLF,
    f"{_HTTP}.RequestTests.test_addCookieSanitization": _CRLF,
    **_each(
        f"{_HTTP}.ParsingTests",
        "test_headerStripWhitespace test_headersMultiline test_transferEncodingIdentity",
        _STRICT,
    ),
    **_each(
        f"{_HTTP}.ParsingTests",
        "test_headersTooBigInitialCommand test_headersTooBigOtherHeaders test_tooManyHeaders",
        _LIMITS,
    ),
    f"{_HTTP}.ParsingTests.test_chunkedEncoding": (
        _PRIVATE,
        "HTTPChannel._transferDecoder: twistio's channel has no decoder object per body (its "
        "RequestReader decodes every body)",
    ),
    f"{_HTTP}.RequestTests.test_firstWriteHTTP11Chunked": (
        _DIFF,
        "the channel frames a response (docs/differences.md, 'The channel contract'): a "
        "Request on a bare DummyChannel writes no Transfer-Encoding and no chunks",
    ),
    **_each(
        "twisted.web.test.test_static.DirectoryListerTests",
        "test_renderDirectories test_renderFiles test_renderFiltered",
        (
            _DIFF,
            "the listing's rows are twistio's own markup (docs/differences.md, 'Directory "
            "listings'); these tests look for Twisted's row template byte for byte",
        ),
    ),
}
