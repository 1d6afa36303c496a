"""Endpoint descriptions parsed by Twisted and by twistio: same endpoint type, same parameters.

Both parse against a ``MemoryReactorClock`` of their own. A description one side rejects
must be rejected by the other; twistio always rejects with ``ValueError`` (Twisted raises
``ValueError``, ``TypeError``, or for a trailing backslash ``RuntimeError``).
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("twisted")

from twisted.internet import endpoints as t_endpoints  # noqa: E402
from twisted.internet import testing as t_testing  # noqa: E402

from twistio.internet import endpoints as endpoints  # noqa: E402
from twistio.internet import testing  # noqa: E402

_PARAMS = (
    "_port",
    "_backlog",
    "_interface",
    "_host",
    "_timeout",
    "_bindAddress",
    "_address",
    "_mode",
    "_wantPID",
    "_path",
    "_checkPID",
)


def _outcome(parse: Callable[[Any, str], Any], reactor: Any, description: str) -> Any:
    try:
        endpoint = parse(reactor, description)
    except (ValueError, TypeError, RuntimeError, IndexError) as e:
        return ("error", type(e))
    params = {name: getattr(endpoint, name) for name in _PARAMS if hasattr(endpoint, name)}
    return (type(endpoint).__name__, params)


def _compare(kind: str, description: str) -> None:
    theirs = _outcome(getattr(t_endpoints, kind), t_testing.MemoryReactorClock(), description)
    ours = _outcome(getattr(endpoints, kind), testing.MemoryReactorClock(), description)
    if theirs[0] == "error":
        assert ours[0] == "error", (description, theirs, ours)
        assert issubclass(ours[1], ValueError), (description, ours)
        if issubclass(theirs[1], TypeError):
            assert issubclass(ours[1], TypeError), (description, ours)
    else:
        assert ours == theirs, description


SERVER_DESCRIPTIONS = [
    "tcp:80",
    "tcp:0",
    "tcp:port=80",
    "tcp:80:interface=127.0.0.1:backlog=5",
    "tcp:80:127.0.0.1",
    "tcp:80:127.0.0.1:7",
    "tcp:80:127.0.0.1:7:8",
    "tcp:80:",
    "tcp:80::",
    "tcp: 80",
    "tcp:-1",
    "tcp:0x50",
    "tcp:80:interface=a=b",
    "tcp:80:interface=a\\=b",
    "tcp:80:interface=x:y",
    "tcp:port=80:80",
    "tcp:80:foo=1",
    "tcp:80:backlog=x",
    "tcp:80:interface=\\:\\:1",
    "tcp",
    "tcp:abc",
    "tcp\\:80",
    "TCP:80",
    "80",
    "",
    ":80",
    "=",
    "bogus:80",
    "tcp:80\\",
    "tcp6:80",
    "tcp6:80:5:\\:\\:1",
    "tcp6:80:5:\\:\\:1:x",
    "tcp6:port=80:interface=\\:\\:1",
    "tcp6:80:backlog=3:interface=fe80\\:\\:1",
    "tcp6:80:backlog=x",
    "tcp6",
    "tcp6:80:foo=1",
    "unix:/tmp/x",
    "unix:/tmp/x:mode=600:lockfile=1:backlog=3",
    "unix:address=/tmp/x",
    "unix:/x:600:5:0",
    "unix:/x:600:5:0:9",
    "unix:/tmp/x:lockfile=0",
    "unix:/tmp/x:lockfile=x",
    "unix:/tmp/x:mode=0o600",
    "unix:/tmp/x:mode=abc",
    "unix:/tmp/x:wantPID=1",
    "unix:/x:address=/y",
    "unix:/tmp/a\\:b",
    "unix:C\\\\\\:x",
    "unix",
    "unix:mode=600",
]

CLIENT_DESCRIPTIONS = [
    "tcp:example.com:80",
    "tcp:host=example.com:port=80",
    "tcp:example.com:80:timeout=5:bindAddress=127.0.0.1",
    "tcp:example.com:80:bindAddress=127.0.0.1\\:1234",
    "tcp:host=h:port=80:bindAddress=::1",
    "tcp:h:80:bindAddress=\\:\\:1",
    "tcp:h:80:timeout=2.5",
    "tcp:h:80:timeout=0",
    "tcp:h:80:timeout=x",
    "tcp:h:80:bindAddress=a:b",
    "tcp:h:80:bindAddress=",
    "tcp:h:80:bindAddress=x:host=q",
    "tcp:h:port=80",
    "tcp:80:host=h",
    "tcp:host=h:80",
    "tcp:h:80:5",
    "tcp:h:80:foo=bar",
    "tcp:h:http",
    "tcp:h",
    "tcp:80",
    "tcp",
    "tcp:host=h",
    "tcp:port=80",
    "tcp:\\:\\:1:80",
    "tcp6:h:80",
    "unix:/tmp/x",
    "unix:path=/tmp/x:timeout=3:checkPID=1",
    "unix:/tmp/x:lockfile=1",
    "unix:/tmp/x:lockfile=0",
    "unix:/tmp/x:checkPID=0",
    "unix:/tmp/x:timeout=2.5",
    "unix:/x:/y",
    "unix:path=/a:/b",
    "unix",
    "unix:timeout=3",
    "80",
    "bogus:a",
    "",
    "tcp:h:80\\",
]


@pytest.mark.parametrize("description", SERVER_DESCRIPTIONS)
def test_server_hand_picked(description: str) -> None:
    _compare("serverFromString", description)


@pytest.mark.parametrize("description", CLIENT_DESCRIPTIONS)
def test_client_hand_picked(description: str) -> None:
    _compare("clientFromString", description)


_ATOMS = st.sampled_from(
    ["80", "0", "127.0.0.1", "::1", "\\:\\:1", "/tmp/s", "600", "5", "x", "", "2.5", "-3"]
)
_KEYS = st.sampled_from(
    [
        "port",
        "interface",
        "backlog",
        "host",
        "timeout",
        "bindAddress",
        "address",
        "path",
        "mode",
        "lockfile",
        "checkPID",
        "foo",
    ]
)
_TEXT = st.text(alphabet="ab1:=\\. ", max_size=8)
_ARG = st.one_of(
    _ATOMS,
    _TEXT,
    st.builds(lambda k, v: f"{k}={v}", _KEYS, st.one_of(_ATOMS, _TEXT)),
)


def _descriptions(types: list[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda t, args: ":".join([t, *args]),
        st.sampled_from(types),
        st.lists(_ARG, max_size=5),
    )


@settings(max_examples=120, deadline=None)
@given(_descriptions(["tcp", "tcp6", "unix", "nosuch"]))
def test_server_generated(description: str) -> None:
    _compare("serverFromString", description)


@settings(max_examples=120, deadline=None)
@given(_descriptions(["tcp", "unix", "nosuch"]))
def test_client_generated(description: str) -> None:
    _compare("clientFromString", description)


@given(st.text(alphabet="ab:=\\", max_size=12))
def test_parse_agrees(description: str) -> None:
    try:
        theirs: Any = t_endpoints._parse(description)
    except RuntimeError:
        theirs = "error"
    try:
        ours: Any = endpoints._parse(description)
    except ValueError:
        ours = "error"
    assert ours == theirs


@given(st.text(alphabet="ab:=\\", max_size=12))
def test_quoteStringArgument_agrees(argument: str) -> None:
    assert endpoints.quoteStringArgument(argument) == t_endpoints.quoteStringArgument(argument)


_HOSTNAME_KEYS = (
    "_hostBytes",
    "_hostText",
    "_port",
    "_timeout",
    "_bindAddress",
    "_attemptDelay",
    "_badHostname",
)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((b"example.com", 80), {}),
        (("example.com", 80), {"timeout": 3}),
        (("EXAMPLE.com", 80), {}),
        (("ex\u00e9.com", 80), {}),
        (("Ex\u00c9.com", 80), {}),
        ((b"xn--ex-cja.com", 80), {}),
        ((b"ex\xc3\xa9.com", 80), {}),
        (("127.0.0.1", 80), {"bindAddress": "127.0.0.1"}),
        (("::1", 80), {"bindAddress": ("::1", 5)}),
        ((b"::1", 80), {}),
        ((b"\xff", 80), {}),
        (("h", 80), {"bindAddress": b"1.2.3.4", "attemptDelay": 1}),
        (("a b", 80), {}),
        (("a_b.example", 80), {}),
    ],
)
def test_hostname_endpoint_construction(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    theirs = t_endpoints.HostnameEndpoint(t_testing.MemoryReactorClock(), *args, **kwargs)
    ours = endpoints.HostnameEndpoint(testing.MemoryReactorClock(), *args, **kwargs)
    assert {k: getattr(ours, k) for k in _HOSTNAME_KEYS} == {
        k: getattr(theirs, k) for k in _HOSTNAME_KEYS
    }
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("description", ["stdio:", "stdio", "stdio:foo", "stdio:a=b"])
def test_stdio_descriptions(description: str) -> None:
    _compare("serverFromString", description)
