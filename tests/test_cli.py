"""The ``twistio`` command: run, echo, web, compat; help, usage errors, SIGTERM."""

from __future__ import annotations

import os
import select
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.application._proc import spawn, terminate, wait_for
from twistio._cli import main

LISTENING = r"listening on tcp:127\.0\.0\.1:(\d+)"


@pytest.mark.parametrize("command", [[], ["run"], ["echo"], ["web"], ["compat"]])
def test_help_exits_zero(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    assert "usage: twistio" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["echo", "--bogus"],
        ["echo", "--listen", "nonsense:1"],
        ["echo", "--workers", "0"],
        ["web", "--path", "/no/such/folder"],
        ["web", "--wsgi", "no_such_module_here:app"],
        ["web", "--http2", "--listen", "tcp:0:interface=127.0.0.1"],
        ["run", "/no/such/app.tac"],
        ["frobnicate"],
    ],
)
def test_bad_options_are_one_line_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        status = main(argv)
    except SystemExit as e:
        status = e.code  # type: ignore[assignment]
    assert status == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "error" in err and "Traceback" not in err


def _echo_once(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = s.recv(1000)
            assert chunk
            got += chunk
    return got


def test_echo_serves_every_listen_and_exits_0_on_sigterm() -> None:
    proc = spawn(
        "echo", "--listen", "tcp:0:interface=127.0.0.1", "--listen", "tcp:0:interface=127.0.0.1"
    )
    first = int(wait_for(proc, LISTENING).group(1))
    second = int(wait_for(proc, LISTENING).group(1))
    assert _echo_once(first, b"one") == b"one"
    assert _echo_once(second, b"two") == b"two"
    status, _, err = terminate(proc)
    assert status == 0, err


def test_run_tac_file_with_pidfile_and_logfile(tmp_path: Path) -> None:
    tac = tmp_path / "app.tac"
    stopped = tmp_path / "stopped"
    tac.write_text(
        textwrap.dedent(
            f"""
            # Written for twistd: Twisted's imports, served by twistio.
            from twisted.application import internet, service
            from twisted.internet import reactor, task
            from twisted.internet.protocol import Factory, Protocol

            class Echo(Protocol):
                def dataReceived(self, data):
                    self.transport.write(data)

            class Announce(service.Service):
                def startService(self):
                    service.Service.startService(self)
                    port = server._port.getHost().port
                    print("tac listening on", port, flush=True)

                def stopService(self):
                    service.Service.stopService(self)
                    def done():
                        open({str(stopped)!r}, "w").write("yes")
                    return task.deferLater(reactor, 0.05, done)

            application = service.Application("tac")
            server = internet.TCPServer(0, Factory.forProtocol(Echo), interface="127.0.0.1")
            server.setServiceParent(application)
            Announce().setServiceParent(application)
            """
        )
    )
    pidfile = tmp_path / "app.pid"
    logfile = tmp_path / "app.log"
    proc = spawn("run", str(tac), "--pidfile", str(pidfile), "--logfile", str(logfile))
    port = int(wait_for(proc, r"tac listening on (\d+)", "stdout").group(1))
    assert _echo_once(port, b"tac") == b"tac"
    assert pidfile.read_text().strip() == str(proc.pid)
    status, _, err = terminate(proc)
    assert status == 0, err
    assert stopped.read_text() == "yes"  # the Deferred from stopService was waited on
    assert not pidfile.exists()
    assert "SIGTERM" in logfile.read_text()


def test_run_without_application_is_one_line_exit_1(tmp_path: Path) -> None:
    tac = tmp_path / "empty.py"
    tac.write_text("x = 1\n")
    proc = spawn("run", str(tac))
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert err.decode().strip().splitlines()[-1].endswith("defines no variable named 'application'")


def _curl(url: str) -> bytes:
    return subprocess.run(
        ["curl", "-s", "-i", url], capture_output=True, timeout=10, check=True
    ).stdout


def test_web_serves_a_file_and_a_listing(tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("hello from twistio\n")
    (tmp_path / "sub").mkdir()
    proc = spawn("web", "--path", str(tmp_path), "--listen", "tcp:0:interface=127.0.0.1")
    port = int(wait_for(proc, LISTENING).group(1))
    try:
        page = _curl(f"http://127.0.0.1:{port}/hello.txt")
        listing = _curl(f"http://127.0.0.1:{port}/")
    finally:
        status, _, err = terminate(proc)
    assert page.startswith(b"HTTP/1.1 200") and page.endswith(b"hello from twistio\n")
    assert listing.startswith(b"HTTP/1.1 200")
    assert b"hello.txt" in listing and b"sub/" in listing
    assert status == 0, err


def test_web_serves_a_wsgi_app(tmp_path: Path) -> None:
    (tmp_path / "wsgi_hello_app.py").write_text(
        textwrap.dedent(
            """
            def app(environ, start_response):
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [b"wsgi says hi\\n"]
            """
        )
    )
    proc = spawn(
        "web",
        "--wsgi",
        "wsgi_hello_app.app",
        "--listen",
        "tcp:0:interface=127.0.0.1",
        cwd=str(tmp_path),
    )
    port = int(wait_for(proc, LISTENING).group(1))
    try:
        page = _curl(f"http://127.0.0.1:{port}/")
    finally:
        status, _, err = terminate(proc)
    assert page.startswith(b"HTTP/1.1 200") and page.endswith(b"wsgi says hi\n")
    assert status == 0, err


def test_port_in_use_is_one_line_exit_1() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = spawn("echo", "--listen", f"tcp:{port}:interface=127.0.0.1")
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith("twistio echo:") and "Traceback" not in err.decode()


def test_compat_passes_arguments(tmp_path: Path) -> None:
    script = tmp_path / "args.py"
    script.write_text(
        "import sys\nfrom twisted.internet import defer\nprint(sys.argv[1:], defer.__name__)\n"
    )
    proc = spawn("compat", str(script), "a", "--b", "c")
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out.decode().strip() == "['a', '--b', 'c'] twistio.internet.defer"


def test_workers_share_the_port_and_survive_a_death() -> None:
    proc = spawn("echo", "--workers", "2", "--listen", "tcp:0:interface=127.0.0.1")
    try:
        pattern = r"listening on tcp:127\.0\.0\.1:(\d+) \(pid (\d+)\)"
        first = wait_for(proc, pattern)
        second = wait_for(proc, pattern)
        port = int(first.group(1))
        assert int(second.group(1)) == port
        pids = {int(first.group(2)), int(second.group(2))}
        assert len(pids) == 2 and proc.pid not in pids
        assert _echo_once(port, b"before") == b"before"
        victim = min(pids)
        os.kill(victim, 9)  # a worker of the parent this test started
        replacement = wait_for(proc, pattern)
        assert int(replacement.group(1)) == port and int(replacement.group(2)) not in pids
        for _ in range(4):
            assert _echo_once(port, b"after") == b"after"
    finally:
        status, _, err = terminate(proc)
    assert status == 0, err
    for pid in (pids - {victim}) | {int(replacement.group(2))}:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def _running(pid: int) -> bool:
    """Whether ``pid`` still runs (an exited orphan nobody has reaped yet counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def test_workers_end_when_the_supervisor_is_killed() -> None:
    """SIGKILL leaves the supervisor no chance to stop its workers: they notice and stop."""
    proc = spawn("echo", "--workers", "2", "--listen", "tcp:0:interface=127.0.0.1")
    pids: set[int] = set()
    try:
        pattern = r"listening on tcp:127\.0\.0\.1:(\d+) \(pid (\d+)\)"
        pids = {int(wait_for(proc, pattern).group(2)) for _ in range(2)}
        os.kill(proc.pid, 9)  # the supervisor this test started
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        alive = set(pids)
        while alive and time.monotonic() < deadline:
            for pid in list(alive):
                if not _running(pid):
                    alive.discard(pid)
            select.select([], [], [], 0.05)  # a bounded poll of the process table
        assert not alive, f"workers {alive} outlived their supervisor"
    finally:
        terminate(proc)


def _wait_file(path: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while not path.exists():
        assert time.monotonic() < deadline and proc.poll() is None, "file never appeared"
        select.select([], [], [], 0.01)  # a bounded poll of the file, not a synchronisation sleep


def test_sigterm_lets_a_slow_request_finish(tmp_path: Path) -> None:
    started, release = tmp_path / "started", tmp_path / "release"
    (tmp_path / "slow_app.py").write_text(
        textwrap.dedent(
            f"""
            import os, select, time

            def app(environ, start_response):
                open({str(started)!r}, "w").close()
                deadline = time.monotonic() + 10
                while not os.path.exists({str(release)!r}) and time.monotonic() < deadline:
                    select.select([], [], [], 0.01)
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [b"finished\\n"]
            """
        )
    )
    proc = spawn(
        "web", "--wsgi", "slow_app:app", "--listen", "tcp:0:interface=127.0.0.1", cwd=str(tmp_path)
    )
    try:
        port = int(wait_for(proc, LISTENING).group(1))
        curl = subprocess.Popen(
            ["curl", "-s", "-i", f"http://127.0.0.1:{port}/"], stdout=subprocess.PIPE
        )
        _wait_file(started, proc)
        os.kill(proc.pid, signal.SIGTERM)
        wait_for(proc, "SIGTERM")
        release.touch()
        out, _ = curl.communicate(timeout=10)
    finally:
        status, _, err = terminate(proc)
    assert out.startswith(b"HTTP/1.1 200") and out.endswith(b"finished\n"), out
    assert status == 0, err


def test_unknown_top_level_option_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--no-such-option"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --no-such-option" in err and "COMMAND" not in err


def test_no_command_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "COMMAND is required" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    import twistio

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"twistio {twistio.__version__}"


def test_unix_listen_without_a_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["echo", "--listen", "unix:"]) == 2
    err = capsys.readouterr().err
    assert "unix: needs a path" in err and "b''" not in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="needs SO_REUSEPORT")
def test_run_with_workers_shares_the_application_port(tmp_path: Path) -> None:
    port = _free_port()
    tac = tmp_path / "app.tac"
    tac.write_text(
        textwrap.dedent(
            f"""
            import os
            import sys
            from twisted.application import internet, service
            from twisted.internet.protocol import Factory, Protocol

            class Pid(Protocol):
                def connectionMade(self):
                    self.transport.write(str(os.getpid()).encode())
                    self.transport.loseConnection()

            class Announce(service.Service):
                def startService(self):
                    service.Service.startService(self)
                    # One write per line: the two workers share the pipe, and print()
                    # with several arguments writes them one by one (lines interleave).
                    sys.stdout.write(f"worker {{os.getpid()}} on {port}\\n")
                    sys.stdout.flush()

            application = service.Application("shared")
            internet.TCPServer({port}, Factory.forProtocol(Pid), interface="127.0.0.1"
                               ).setServiceParent(application)
            Announce().setServiceParent(application)
            """
        )
    )
    proc = spawn("run", "--workers", "2", str(tac))
    try:
        first = int(wait_for(proc, r"worker (\d+) on", "stdout").group(1))
        second = int(wait_for(proc, r"worker (\d+) on", "stdout").group(1))
        assert first != second and proc.pid not in (first, second)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            answer = s.recv(100)
        assert int(answer) in (first, second)
    finally:
        status, _, err = terminate(proc)
    assert status == 0, err


def _server_pem(tmp_path: Path) -> Path:
    """A self-signed localhost key and certificate in one file (cert.pem beside it)."""
    key = tmp_path / "server.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    key.write_bytes(key.read_bytes() + (tmp_path / "cert.pem").read_bytes())
    return key


def test_ssl_listener_is_announced_as_ssl(tmp_path: Path) -> None:
    key = _server_pem(tmp_path)
    proc = spawn("echo", "--listen", f"ssl:0:interface=127.0.0.1:privateKey={key}")
    try:
        port = int(wait_for(proc, r"listening on ssl:127\.0\.0\.1:(\d+)").group(1))
        context = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(b"over tls")
                assert s.recv(100) == b"over tls"
    finally:
        status, _, err = terminate(proc)
    assert status == 0, err


def _curl_http_version(url: str, *extra: str) -> tuple[str, str]:
    out = subprocess.run(
        ["curl", "-sk", "--max-time", "10", *extra, "-w", "\n%{http_version}", url],
        capture_output=True,
        text=True,
        timeout=20,
    ).stdout
    body, _, version = out.rpartition("\n")
    return body, version


@pytest.mark.skipif(
    "HTTP2" not in subprocess.run(["curl", "--version"], capture_output=True, text=True).stdout,
    reason="curl with HTTP/2 is needed",
)
def test_web_http2_on_ssl_listeners(tmp_path: Path) -> None:
    key = _server_pem(tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "hello.txt").write_text("hello over h2\n")
    proc = spawn(
        "web",
        "--http2",
        "--path",
        str(site),
        "--listen",
        f"ssl:0:interface=127.0.0.1:privateKey={key}",
        "--listen",
        "tcp:0:interface=127.0.0.1",
    )
    try:
        tls = int(wait_for(proc, r"listening on ssl:127\.0\.0\.1:(\d+)").group(1))
        plain = int(wait_for(proc, LISTENING).group(1))
        # curl offers h2 through ALPN: the ssl: listener takes it; the plain one stays 1.1
        assert _curl_http_version(f"https://127.0.0.1:{tls}/hello.txt", "--http2") == (
            "hello over h2\n",
            "2",
        )
        assert _curl_http_version(f"https://127.0.0.1:{tls}/hello.txt", "--http1.1") == (
            "hello over h2\n",
            "1.1",
        )
        assert _curl_http_version(f"http://127.0.0.1:{plain}/hello.txt", "--http2") == (
            "hello over h2\n",
            "1.1",
        )
    finally:
        status, _, err = terminate(proc)
    assert status == 0, err


def test_web_without_http2_stays_http11_on_ssl(tmp_path: Path) -> None:
    key = _server_pem(tmp_path)
    proc = spawn(
        "web", "--path", str(tmp_path), "--listen", f"ssl:0:interface=127.0.0.1:privateKey={key}"
    )
    try:
        tls = int(wait_for(proc, r"listening on ssl:127\.0\.0\.1:(\d+)").group(1))
        assert _curl_http_version(f"https://127.0.0.1:{tls}/cert.pem", "--http2")[1] == "1.1"
    finally:
        status, _, err = terminate(proc)
    assert status == 0, err


def test_every_command_parses_without_the_optional_extras() -> None:
    # README's first command installs twistio without extras: the command line must not need
    # cryptography (conch), h2, redis or uvloop to start.
    program = textwrap.dedent(
        """
        import builtins
        real = builtins.__import__
        def blocked(name, *a, **k):
            if name.split(".")[0] in ("cryptography", "h2", "redis", "uvloop", "httptools"):
                raise ImportError("not installed: " + name)
            return real(name, *a, **k)
        builtins.__import__ = blocked
        from twistio._cli import main
        for command in ("run", "echo", "web", "dns", "mail", "manhole", "compat"):
            try:
                main([command, "--help"])
            except SystemExit as e:
                assert e.code == 0, (command, e.code)
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip().endswith("ok"), out.stderr
