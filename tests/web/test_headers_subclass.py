"""A ``Headers`` subclass keeps its class through ``copy()`` and the client sends what its
``getAllRawHeaders`` yields, as with Twisted (klein's tests hide a header this way)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from twistio.web._newclient import Request
from twistio.web.http_headers import Headers


class Hiding(Headers):
    def getAllRawHeaders(self) -> Iterator[tuple[bytes, Sequence[bytes]]]:
        for name, values in super().getAllRawHeaders():
            if name != b"X-Secret":
                yield name, values


def test_copy_keeps_the_class() -> None:
    original = Hiding({b"x-secret": [b"1"], b"accept": [b"*/*"]})
    copied = original.copy()
    assert type(copied) is Hiding and copied is not original
    assert list(copied.getAllRawHeaders()) == [(b"Accept", [b"*/*"])]
    theirs = pytest.importorskip("twisted.web.http_headers")

    class TheirHiding(theirs.Headers):  # type: ignore[misc]
        pass

    assert type(TheirHiding().copy()) is TheirHiding


def test_client_sends_what_get_all_raw_headers_yields() -> None:
    headers = Hiding({b"x-secret": [b"1"], b"accept": [b"*/*"], b"host": [b"example.com"]})
    request = Request(b"GET", b"/", headers, None)

    class Transport:
        data = b""

        def write(self, data: bytes) -> None:
            self.data += data

    transport = Transport()
    request.writeTo(transport)
    assert b"x-secret" not in transport.data.lower()
    assert b"Accept: */*\r\n" in transport.data and b"Host: example.com\r\n" in transport.data
