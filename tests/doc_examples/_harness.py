"""Running Twisted's documentation examples as subprocesses, and talking to them.

The examples come from Twisted's sdist (``docs/``), fetched at test time and never copied
into this repository: :func:`docs_tree` downloads ``twisted==26.10.0`` once into
``$TWISTIO_DOCEX_CACHE`` (default ``~/.cache/twistio-docex``) and unpacks the four example
folders into a fresh directory per run, since some examples write files next to themselves.

An example runs unmodified, as a user would run it: ``twistio compat example.py ARGS``,
``twistio run app.tac`` (Twisted: ``twistd -ny``) or ``twistio web --path DIR`` for ``.rpy``
scripts (Twisted: ``twistd -n web --path DIR``). With ``TWISTIO_DOCEX_ORACLE=twisted`` the
same catalogue runs on the real Twisted instead (``python example.py``, ``twistd``), which
is how the expectations were checked.

Many examples listen on a fixed port (8000, 8080, 1234 ...). twistio has no mechanism to
move a program's ports, and the examples must run unmodified, so an example holding a port
runs alone on it: :class:`Ports` hands out one lock per port number, and before starting the
example the port is checked to be free (waiting a bounded time for another process to let
it go). Examples on different ports run at the same time.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

TWISTED_VERSION = "26.10.0"
FOLDERS = ("core/examples", "core/howto/listings", "web/examples", "web/howto/listings")
ORACLE = os.environ.get("TWISTIO_DOCEX_ORACLE", "twistio")
if ORACLE not in ("twistio", "twisted"):
    raise RuntimeError(f"TWISTIO_DOCEX_ORACLE={ORACLE!r}: expected twistio or twisted")

# Every wait is bounded: a hung example fails its test, never the suite.
START_TIMEOUT = 20.0
RUN_TIMEOUT = 15.0


def _cache() -> Path:
    default = Path.home() / ".cache" / "twistio-docex"
    return Path(os.environ.get("TWISTIO_DOCEX_CACHE", default))


def sdist() -> Path:
    """Twisted's sdist, downloaded with pip once and kept in the cache folder."""
    cache = _cache()
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / f"twisted-{TWISTED_VERSION}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps",
             "--no-binary", ":all:", "-d", str(cache), f"twisted=={TWISTED_VERSION}"],
            check=True, stdout=subprocess.DEVNULL, timeout=300,
        )  # fmt: skip
    return archive


def docs_tree(into: Path) -> Path:
    """Unpack the example folders of Twisted's ``docs/`` under ``into``; returns ``docs/``."""
    prefix = f"twisted-{TWISTED_VERSION}/docs/"
    wanted = tuple(prefix + folder + "/" for folder in FOLDERS)
    with tarfile.open(sdist()) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(wanted)]
        if not members:
            raise RuntimeError(f"{sdist()} has no docs/ example folders")
        tar.extractall(into, members=members, filter="data")
    return into / prefix


def example_files(docs: Path) -> list[str]:
    """Every file of the four folders, as paths relative to ``docs/``."""
    found = []
    for folder in FOLDERS:
        for path in (docs / folder).rglob("*"):
            if path.is_file():
                found.append(path.relative_to(docs).as_posix())
    return sorted(found)


# -- ports -------------------------------------------------------------------------------------


class Ports:
    """One lock per fixed port number and protocol, so two examples never fight over one."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[tuple[int, int], threading.Lock] = {}

    @contextlib.contextmanager
    def hold(self, tcp: Sequence[int], udp: Sequence[int] = ()) -> Iterator[None]:
        wanted = sorted(
            {(socket.SOCK_STREAM, p) for p in tcp} | {(socket.SOCK_DGRAM, p) for p in udp}
        )
        with self._guard:
            locks = [self._locks.setdefault(key, threading.Lock()) for key in wanted]
        with contextlib.ExitStack() as stack:
            for lock in locks:  # always in the same order: no deadlock
                stack.enter_context(lock)
            for kind, port in wanted:
                wait_port_free(port, kind)
            yield


def _bindable(port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("", port))
        except OSError:
            return False
    return True


def wait_port_free(port: int, kind: int, timeout: float = 15.0) -> None:
    """Return once nothing holds ``port`` (TCP or UDP, as ``kind`` says); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not _bindable(port, kind):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"port {port} is held by another process; this example listens on that fixed "
                "port, so it cannot run until the port is free"
            )
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# -- processes ---------------------------------------------------------------------------------


class Proc:
    """A running example: its output is collected by two reader threads."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], stdin: bool) -> None:
        self.argv = argv
        self.popen = subprocess.Popen(
            argv, cwd=cwd, env=env,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        self._cond = threading.Condition()
        self._out = bytearray()
        self._err = bytearray()
        self._readers = [
            threading.Thread(target=self._read, args=(self.popen.stdout, self._out), daemon=True),
            threading.Thread(target=self._read, args=(self.popen.stderr, self._err), daemon=True),
        ]
        for t in self._readers:
            t.start()

    def _read(self, stream: object, into: bytearray) -> None:
        assert stream is not None
        for chunk in iter(lambda: os.read(stream.fileno(), 65536), b""):  # type: ignore[attr-defined]
            with self._cond:
                into += chunk
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def out(self) -> str:
        with self._cond:
            return self._out.decode("utf-8", "replace")

    @property
    def err(self) -> str:
        with self._cond:
            return self._err.decode("utf-8", "replace")

    def describe(self) -> str:
        code = self.popen.poll()
        return (
            f"{' '.join(self.argv)} (exit status {code})\n--- stdout\n{self.out[-3000:]}"
            f"\n--- stderr\n{self.err[-3000:]}"
        )

    def wait_output(self, text: str, timeout: float = START_TIMEOUT, stream: str = "any") -> None:
        """Wait until ``text`` appears on stdout or stderr (or the one named)."""
        deadline = time.monotonic() + timeout

        def seen() -> bool:
            if stream in ("any", "out") and text in self._out.decode("utf-8", "replace"):
                return True
            return stream in ("any", "err") and text in self._err.decode("utf-8", "replace")

        with self._cond:
            while not seen():
                left = deadline - time.monotonic()
                if left <= 0 or (self.popen.poll() is not None and not self._alive_readers()):
                    raise AssertionError(f"{text!r} never appeared:\n{self.describe()}")
                self._cond.wait(min(left, 0.5))

    def wait_match(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        """Wait until the regular expression ``pattern`` matches stdout or stderr (multiline)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for data in (self._out, self._err):
                    found = re.search(pattern, data.decode("utf-8", "replace"), re.MULTILINE)
                    if found:
                        return found
                left = deadline - time.monotonic()
                if left <= 0 or (self.popen.poll() is not None and not self._alive_readers()):
                    raise AssertionError(f"{pattern!r} never matched:\n{self.describe()}")
                self._cond.wait(min(left, 0.5))

    def _alive_readers(self) -> bool:
        return any(t.is_alive() for t in self._readers)

    def wait_port(self, port: int, host: str = "127.0.0.1", timeout: float = START_TIMEOUT) -> None:
        """Wait until the example accepts TCP connections on ``port``."""
        deadline = time.monotonic() + timeout
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        while True:
            with socket.socket(family) as s:
                try:
                    s.connect((host, port))
                    return
                except OSError:
                    pass
            if self.popen.poll() is not None:
                raise AssertionError(f"exited before listening on {port}:\n{self.describe()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"never listened on {port}:\n{self.describe()}")
            time.sleep(0.05)

    def send(self, data: bytes) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(data)
        self.popen.stdin.flush()

    def close_stdin(self) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.close()

    def wait(self, timeout: float = RUN_TIMEOUT) -> int:
        """Wait for the example to exit on its own; returns its exit status."""
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"did not exit within {timeout} s:\n{self.describe()}") from None
        for t in self._readers:
            t.join(5)
        return code

    def stop(self) -> None:
        """End the example (SIGTERM, then SIGKILL) and its children, by process group."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        for t in self._readers:
            t.join(5)
        for stream in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _twistd() -> str:
    return str(Path(sys.executable).with_name("twistd"))


def command(kind: str, target: str, args: Sequence[str]) -> list[str]:
    """The command line running ``target`` the way its documentation says, on the oracle."""
    if ORACLE == "twisted":
        if kind == "compat":
            return [sys.executable, target, *args]
        if kind == "run":
            return [_twistd(), "--nodaemon", "--pidfile=", "--python", target, *args]
        if kind == "web":
            return [_twistd(), "--nodaemon", "--pidfile=", "web", "--path", target, *args]
        if kind == "python":
            return [sys.executable, target, *args]
        if kind == "trial":
            return [sys.executable, "-m", "twisted.trial", *args]
        raise ValueError(kind)
    if kind == "trial":
        return [sys.executable, "-m", "twistio.trial", *args]
    if kind == "compat":
        return [sys.executable, "-m", "twistio", "compat", target, *args]
    if kind == "run":
        return [sys.executable, "-m", "twistio", "run", target, *args]
    if kind == "web":
        return [sys.executable, "-m", "twistio", "web", "--path", target, *args]
    if kind == "python":
        return [sys.executable, target, *args]
    raise ValueError(kind)


class Session:
    """What one catalogue entry's driver uses: start examples, then clean them all up."""

    def __init__(self, docs: Path) -> None:
        self.docs = docs
        self.procs: list[Proc] = []

    def path(self, relative: str) -> Path:
        return self.docs / relative

    def start(
        self,
        relative: str,
        *args: str,
        kind: str = "compat",
        stdin: bool = False,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Proc:
        """Start the example at ``relative`` (to ``docs/``), run from its own folder."""
        target = self.docs / relative
        folder = target if target.is_dir() else target.parent
        full_env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
        full_env.pop("PYTHONPATH", None)
        full_env.update(env or {})
        if kind == "trial":  # ARGS name the tests; they run in the folder ``relative``
            folder = self.docs / relative
            argv = command(kind, "", args)
        else:
            argv = command(kind, target.name if target.is_file() else str(target), args)
        proc = Proc(argv, cwd or folder, full_env, stdin)
        self.procs.append(proc)
        return proc

    def run(self, relative: str, *args: str, timeout: float = RUN_TIMEOUT, **kw: object) -> Proc:
        """Run an example to its end; fails unless it exits with status 0."""
        proc = self.start(relative, *args, **kw)  # type: ignore[arg-type]
        code = proc.wait(timeout)
        if code != 0:
            raise AssertionError(f"exit status {code}:\n{proc.describe()}")
        return proc

    def close(self) -> None:
        for proc in self.procs:
            proc.stop()
