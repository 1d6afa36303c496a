"""cred.strcred on Twisted and on twistio: the same ``--auth`` descriptions give checkers of
the same kinds, the same errors and the same ``--help-auth`` layout (twistio's help texts are
its own and it has no ``sshkey`` factory; docs/differences.md)."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("twisted.cred.strcred")

import twisted.cred.checkers as t_checkers  # noqa: E402
import twisted.cred.credentials as t_credentials  # noqa: E402
import twisted.cred.strcred as t_strcred  # noqa: E402

import twistio.cred.checkers as o_checkers  # noqa: E402
import twistio.cred.credentials as o_credentials  # noqa: E402
import twistio.cred.strcred as o_strcred  # noqa: E402
from twistio.internet.defer import Deferred  # noqa: E402

IMPLS = [
    SimpleNamespace(name="twisted", strcred=t_strcred, checkers=t_checkers,
                    credentials=t_credentials),
    SimpleNamespace(name="twistio", strcred=o_strcred, checkers=o_checkers,
                    credentials=o_credentials),
]


def same(scenario: Any) -> Any:
    theirs, ours = (scenario(impl) for impl in IMPLS)
    assert ours == theirs
    return ours


def _options(impl: SimpleNamespace, supported: list[str] | None) -> Any:
    class Options(dict, impl.strcred.AuthOptionMixin):  # type: ignore[misc,name-defined]
        supportedInterfaces = (
            None if supported is None else [getattr(impl.credentials, n) for n in supported]
        )

    options = Options()
    options.authOutput = io.StringIO()
    return options


DESCRIPTIONS = ["memory:alice:pw:bob:pw2", "memory", "memory:a", "anonymous", "anonymous:x",
                "nope", "nope:x", "unix"]


@pytest.mark.parametrize("supported", [None, ["IUsernamePassword"], ["IAnonymous"]])
@pytest.mark.parametrize("description", DESCRIPTIONS)
def test_auth_option(description: str, supported: list[str] | None) -> None:
    if supported == ["IAnonymous"] and description.startswith("memory"):
        pytest.skip("Twisted fails formatting its own message here; see the twistio-only test")

    def scenario(impl: SimpleNamespace) -> Any:
        options = _options(impl, supported)
        try:
            options.opt_auth(description)
        except Exception as e:
            return ("error", str(e).replace(impl.name, "PKG"))
        return (
            [type(c).__name__ for c in options["credCheckers"]],
            sorted(i.__name__ for i in options["credInterfaces"]),
        )

    same(scenario)


def test_make_checker_errors() -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        out = []
        for description in ("zz", "memory:a:b:c", "file", "file:  "):
            try:
                impl.strcred.makeChecker(description)
            except Exception as e:
                out.append((type(e).__name__, str(e)))
        return out

    same(scenario)


def test_file_checker(tmp_path: Path) -> None:
    users = tmp_path / "users"
    users.write_text("alice:secret\n")

    def scenario(impl: SimpleNamespace) -> Any:
        checker = impl.strcred.makeChecker(f"file:{users}")
        return type(checker).__name__, checker.filename, checker.delim, checker.cache

    same(scenario)


@pytest.mark.parametrize("supported", [None, ["IUsernamePassword"]])
def test_help_auth_layout(supported: list[str] | None) -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        options = _options(impl, supported)
        with pytest.raises(SystemExit):
            options.opt_help_auth()
        return [line for line in options.authOutput.getvalue().split("\n")
                if "sshkey" not in line]

    layout = same(scenario)
    assert layout[0] == "Usage: --auth AuthType[:ArgString]"


def test_help_auth_type_layout() -> None:
    def scenario(impl: SimpleNamespace) -> Any:
        options = _options(impl, ["IUsernamePassword"])
        with pytest.raises(SystemExit):
            options.opt_help_auth_type("anonymous")
        lines = options.authOutput.getvalue().split("\n")
        try:
            options.opt_help_auth_type("zzz")
        except Exception as e:
            lines.append(str(e))
        # The help paragraph itself is each implementation's own.
        return lines[:3], lines[-5:]

    same(scenario)


def test_memory_checker_accepts_bytes_credentials() -> None:
    """twistio: ``memory`` users log in with bytes credentials too (Twisted's: text only)."""
    checker = o_strcred.makeChecker("memory:alice:pw")
    got: list[Any] = []
    d: Deferred[Any] = checker.requestAvatarId(o_credentials.UsernamePassword(b"alice", b"pw"))
    d.addBoth(got.append)
    checker.requestAvatarId(o_credentials.UsernamePassword("alice", "pw")).addBoth(got.append)
    assert got == [b"alice", "alice"]


def test_unsupported_checker_names_every_interface() -> None:
    """twistio: a checker of several unsupported kinds gets a clear message (Twisted's own
    message formatting fails with TypeError there)."""
    options = _options(IMPLS[1], ["IAnonymous"])
    with pytest.raises(Exception) as caught:
        options.opt_auth("memory:alice:pw")
    assert str(caught.value) == (
        "Auth plugin not supported: twistio.cred.credentials.IUsernamePassword, "
        "twistio.cred.credentials.IUsernameHashedPassword"
    )


@pytest.mark.parametrize(
    "argv",
    [["--auth", "memory:a:b", "--auth", "anonymous"], ["--auth", "nope"], ["--auth", "memory:a"],
     ["--auth", "anonymous"], ["--help-auth"], ["--help-auth-type", "memory"],
     ["--help-auth-type", "zzz"]],
)
def test_with_usage_options(argv: list[str]) -> None:
    """The mixin inside a real ``usage.Options``: the same outcome from the same argv."""
    import twisted.python.usage as t_usage

    import twistio.python.usage as o_usage

    def scenario(impl: SimpleNamespace) -> Any:
        usage = t_usage if impl.name == "twisted" else o_usage

        class Options(usage.Options, impl.strcred.AuthOptionMixin):  # type: ignore[misc,name-defined]
            supportedInterfaces = [impl.credentials.IUsernamePassword]

        options = Options()
        options.authOutput = io.StringIO()
        try:
            options.parseOptions(argv)
        except usage.UsageError as e:
            return ("usage error", str(e).replace(impl.name, "PKG"))
        except SystemExit as e:
            text = options.authOutput.getvalue()
            return ("exit", e.code, text.split("\n")[:2])
        return sorted(type(c).__name__ for c in options["credCheckers"])

    same(scenario)
