"""``server.Request.childLink`` and ``sibLink`` beside Twisted's: the relative links a
resource writes for its children and siblings, for every shape of ``prepath``/``postpath``."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest

pytest.importorskip("twisted.web.server")

PATHS = [
    ([], []),
    ([b"a"], []),
    ([b"a", b"b"], []),
    ([b"a"], [b""]),
    ([b"a"], [b"x"]),
    ([b"a"], [b"x", b"y"]),
    ([], [b"x", b"y", b""]),
    ([b""], []),
    ([b"a", b""], [b"p", b"q", b"r"]),
]


@pytest.mark.parametrize(("prepath", "postpath"), PATHS)
@pytest.mark.parametrize("method", ["childLink", "sibLink"])
def test_links(prepath: list[bytes], postpath: list[bytes], method: str) -> None:
    answers = []
    for root in ("twistio", "twisted"):
        request_class = importlib.import_module(root + ".web.server").Request
        request = SimpleNamespace(prepath=list(prepath), postpath=list(postpath))
        answers.append(getattr(request_class, method)(request, b"name"))
    assert answers[0] == answers[1]
