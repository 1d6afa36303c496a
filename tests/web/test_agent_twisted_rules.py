"""Agent behaviours Twisted's own test_agent pins, checked on twistio's classes directly."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from io import BytesIO
from typing import Any

from twistio.internet import task
from twistio.internet.defer import Deferred, succeed
from twistio.internet.testing import MemoryReactorClock
from twistio.python.failure import Failure
from twistio.web import error
from twistio.web._newclient import Response
from twistio.web.client import Agent, FileBodyProducer, RedirectAgent, ResponseFailed, _LegacyPolicy
from twistio.web.http_headers import Headers


class _AlwaysRedirects:
    """An agent whose every answer is a 302 to /bar."""

    def __init__(self) -> None:
        self.asked: list[bytes] = []

    def request(self, method: bytes, uri: bytes, headers: Any = None, body: Any = None) -> Any:
        self.asked.append(uri)
        headers = Headers({b"location": [b"http://example.com/bar"]})
        return succeed(Response((b"HTTP", 1, 1), 302, b"Found", headers, None))


def test_infinite_redirection_names_the_uri_first_asked_for() -> None:
    inner = _AlwaysRedirects()
    failures: list[Failure] = []
    RedirectAgent(inner, 1).request(b"GET", b"http://example.com/foo").addErrback(failures.append)
    assert inner.asked == [b"http://example.com/foo", b"http://example.com/bar"]
    [failed] = failures
    assert isinstance(failed.value, ResponseFailed)
    reason = failed.value.reasons[0]
    assert reason.check(error.InfiniteRedirection)
    assert reason.value.location == b"http://example.com/foo"
    assert failed.value.response.code == 302


class _OldFactory:
    def __init__(self) -> None:
        self.asked: list[tuple[bytes, int]] = []

    def getContext(self, hostname: bytes, port: int) -> str:
        self.asked.append((hostname, port))
        return "context"


def test_agent_warns_about_a_policy_without_the_interface() -> None:
    old = _OldFactory()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Agent(MemoryReactorClock(), old)  # type: ignore[arg-type]
    [warning] = caught
    assert warning.category is DeprecationWarning
    assert str(warning.message) == (
        f"{old!r} was passed as the HTTPS policy for an Agent, but it does not provide "
        "IPolicyForHTTPS.  Since Twisted 14.0, you must pass a provider of IPolicyForHTTPS."
    )
    assert warning.filename == __file__
    # The old context-factory protocol is still asked for each host.
    assert _LegacyPolicy(old).creatorForNetloc(b"example.org", 443) == "context"
    assert old.asked == [(b"example.org", 443)]


def test_file_body_producer_cancelled_closes_and_never_fires() -> None:
    scheduled: list[Callable[[], None]] = []
    cooperator = task.Cooperator(
        terminationPredicateFactory=lambda: lambda: True, scheduler=scheduled.append
    )
    source = BytesIO(b"hello, world")
    written: list[bytes] = []

    class Consumer:
        def write(self, data: bytes) -> None:
            written.append(data)

    producer = FileBodyProducer(source, cooperator, 3)
    done: Deferred[None] = producer.startProducing(Consumer())  # type: ignore[arg-type]
    results: list[object] = []
    done.addBoth(results.append)
    done.cancel()
    assert source.closed
    while scheduled:
        scheduled.pop(0)()
    assert written == []
    assert results == []
