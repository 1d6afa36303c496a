"""Every public name of Twisted's mail modules exists in twistio.mail, or is listed here as
left out on purpose, with docs/differences.md saying so (names come from running Twisted)."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

pytest.importorskip("twisted.mail.smtp")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MODULES = ["smtp", "pop3", "imap4", "maildir", "interfaces", "_except", "_cred", "pop3client", "_pop3client",
           "protocols", "mail", "alias", "relay", "relaymanager", "tap", "scripts.mailmail"]

# Helpers Twisted's modules import from elsewhere (their home modules serve): not mail's API.
FOREIGN_HELPERS = {"ISSLTransport", "ITLSTransport", "iterbytes", "nativeString", "networkString", "platform",
                   "reactor", "maybeDeferred", "Deferred", "succeed", "TYPE_CHECKING", "IProducer",
                   "DNSLookupError", "DeferredList", "Failure", "connectionDone"}

# Left out on purpose; each is named in docs/differences.md.
LEFT_OUT = {
    "imap4": {"FileProducer", "LiteralFile", "LiteralString", "MessageProducer", "WriteBuffer"},
}


def _public(module: object) -> list[str]:
    names = []
    for name in dir(module):
        if name.startswith("_"):
            continue
        value = getattr(module, name)
        if inspect.ismodule(value):
            continue
        home = getattr(value, "__module__", None) or ""
        if callable(value) and not home.startswith("twisted"):
            continue
        if home.startswith("typing") or name == "annotations":
            continue
        names.append(name)
    return names


@pytest.mark.parametrize("name", MODULES)
def test_public_names(name: str) -> None:
    theirs = importlib.import_module("twisted.mail." + name)
    ours = importlib.import_module("twistio.mail." + name)
    missing = [n for n in _public(theirs)
               if not hasattr(ours, n) and n not in FOREIGN_HELPERS and n not in LEFT_OUT.get(name, set())]
    assert missing == []


def test_left_out_names_are_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "differences.md").read_text()
    for names in LEFT_OUT.values():
        for n in names:
            assert f"`{n}`" in text, n


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_match(name: str) -> None:
    theirs = importlib.import_module("twisted.mail." + name)
    ours = importlib.import_module("twistio.mail." + name)
    for n in getattr(theirs, "__all__", []):
        assert hasattr(ours, n), n
