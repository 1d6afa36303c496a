"""``--workers N``: N processes serving the same listening sockets, supervised by a parent.

The parent binds every ``--listen`` address first (so a port in use, or the real number of
port 0, is known once), then starts N copies of the command. For TCP where the OS has
``SO_REUSEPORT``, the parent only reserves the port (bound, not listening) and each worker
binds its own listening socket to it, letting the kernel spread connections; otherwise
(UNIX sockets, no ``SO_REUSEPORT``) the parent listens and the workers inherit the socket.
A worker that dies is restarted (after a second if it lived less than one). SIGTERM or
SIGINT to the parent is passed to every worker, which stops gracefully; the parent waits
for them (then kills what is left after ``--grace`` plus five seconds) and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

__all__ = ["ENV", "REUSEPORT_ENV", "adoptPort", "supervise", "workerSockets"]

#: The environment variable telling a worker which sockets to serve.
ENV = "TWISTIO_WORKER_SOCKETS"
#: The environment variable naming the worker's end of its lifeline to the supervisor.
LIFELINE_ENV = "TWISTIO_WORKER_LIFELINE"
#: Set for the workers of ``twistio run --workers N``: TCP ports listen with SO_REUSEPORT.
REUSEPORT_ENV = "TWISTIO_REUSEPORT"

_REUSEPORT = getattr(socket, "SO_REUSEPORT", None)


class WorkerSetupError(Exception):
    """A ``--listen`` description the workers cannot share, or an address in use."""


def _listen_spec(description: str) -> tuple[str, dict[str, Any]]:
    from twistio.internet import endpoints

    kind, args, kw = endpoints._split(description)
    if kind in ("tcp", "tcp6"):
        port = int(kw.get("port", args[0] if args else 0))
        default = "::" if kind == "tcp6" else ""
        interface = kw.get("interface", args[2] if len(args) > 2 else default)
        backlog = int(kw.get("backlog", args[1] if len(args) > 1 else 50))
        return "tcp", {"host": interface, "port": port, "backlog": backlog}
    if kind == "unix":
        path = kw.get("address", args[0] if args else "")
        return "unix", {"path": path, "backlog": int(kw.get("backlog", 50))}
    raise WorkerSetupError(f"--workers: {kind!r} listeners cannot be shared yet (use tcp or unix)")


def _family(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _prepare(descriptions: list[str]) -> tuple[list[dict[str, Any]], list[socket.socket]]:
    """Bind each description in the parent; what workers need to know, and what to keep open."""
    specs: list[dict[str, Any]] = []
    keep: list[socket.socket] = []
    for description in descriptions:
        kind, info = _listen_spec(description)
        if kind == "tcp":
            sock = socket.socket(_family(info["host"]), socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if _REUSEPORT is not None:
                sock.setsockopt(socket.SOL_SOCKET, _REUSEPORT, 1)
            try:
                sock.bind((info["host"], info["port"]))
                if _REUSEPORT is None:
                    sock.listen(info["backlog"])
            except OSError as e:
                sock.close()
                raise WorkerSetupError(f"cannot listen on {description}: {e.strerror}") from None
            keep.append(sock)
            if _REUSEPORT is not None:
                specs.append({"reuseport": [info["host"], sock.getsockname()[1], info["backlog"]]})
            else:
                sock.set_inheritable(True)
                specs.append({"fd": sock.fileno()})
        else:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                if os.path.exists(info["path"]):
                    os.unlink(info["path"])
                sock.bind(info["path"])
                sock.listen(info["backlog"])
            except OSError as e:
                sock.close()
                raise WorkerSetupError(f"cannot listen on {description}: {e.strerror}") from None
            sock.set_inheritable(True)
            keep.append(sock)
            specs.append({"fd": sock.fileno(), "unlink": info["path"]})
    return specs, keep


def workerSockets() -> list[socket.socket] | None:
    """In a worker: the listening sockets the parent arranged (None outside a worker)."""
    raw = os.environ.pop(ENV, None)
    if raw is None:
        return None
    lifeline = os.environ.pop(LIFELINE_ENV, None)
    if lifeline is not None:
        _watchSupervisor(int(lifeline))
    # The parent blocks these while it waits for them; a child inherits the mask.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD))
    sockets: list[socket.socket] = []
    for spec in json.loads(raw):
        if "fd" in spec:
            sock = socket.socket(fileno=spec["fd"])
        else:
            host, port, backlog = spec["reuseport"]
            sock = socket.socket(_family(host), socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            assert _REUSEPORT is not None
            sock.setsockopt(socket.SOL_SOCKET, _REUSEPORT, 1)
            sock.bind((host, port))
            sock.listen(backlog)
        sock.setblocking(False)
        sockets.append(sock)
    return sockets


def _watchSupervisor(fd: int) -> None:
    """End this worker the ordinary way (SIGTERM) once the supervisor is gone.

    The supervisor holds the only write end of a pipe whose read end every worker inherits;
    nothing is ever written to it, so a read returns only when the supervisor's end closes:
    when it exits, including by SIGKILL, which leaves it no chance to stop its workers.
    """
    import threading

    def wait() -> None:
        try:
            while os.read(fd, 512):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=wait, name="twistio-supervisor-lifeline", daemon=True).start()


def adoptPort(reactor: Any, sock: socket.socket, factory: Any) -> Any:
    """A listening port of the reactor serving ``factory`` on the listening socket ``sock``."""
    from twistio.internet import tcp, unix
    from twistio.internet.defer import succeed

    port: tcp.Port
    if sock.family == socket.AF_UNIX:
        port = unix.Port(sock.getsockname() or "", factory, reactor=reactor)
        port.serve_socket(sock, inherited=True)
    else:
        host, number = sock.getsockname()[:2]
        port = tcp.Port(number, factory, interface=host, reactor=reactor)
        port.serve_socket(sock)
    return succeed(port)


def _log(message: str) -> None:
    try:
        sys.stderr.write(f"twistio: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # nobody reads stderr any more: keep supervising


def supervise(options: argparse.Namespace) -> int:
    """Start ``options.workers`` workers and keep them running until SIGTERM/SIGINT."""
    from twistio.application.app import pidFile

    env = dict(os.environ)
    if options.command == "run":
        # The application opens its own ports in every worker: they share them through
        # SO_REUSEPORT (see twistio.internet.tcp.Port).
        specs: list[dict[str, Any]] = []
        keep: list[socket.socket] = []
        if _REUSEPORT is None:
            raise WorkerSetupError("--workers with run needs SO_REUSEPORT, which this OS lacks")
        env[REUSEPORT_ENV] = "1"
    else:
        descriptions: list[str] = options.listen or [
            "tcp:8000" if options.command == "echo" else "tcp:8080"
        ]
        specs, keep = _prepare(descriptions)
    argv = [sys.executable, "-m", "twistio", *options.argv]
    env[ENV] = json.dumps(specs)
    lifeRead, lifeWrite = os.pipe()
    env[LIFELINE_ENV] = str(lifeRead)
    fds = [s["fd"] for s in specs if "fd" in s] + [lifeRead]
    wanted = (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD)
    signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    workers: dict[int, tuple[subprocess.Popen[bytes], float]] = {}

    def start(slot: int) -> None:
        proc = subprocess.Popen(argv, env=env, pass_fds=fds)
        workers[slot] = (proc, time.monotonic())
        _log(f"worker {slot} started, pid {proc.pid}")

    try:
        with pidFile(options.pidfile):
            for slot in range(options.workers):
                start(slot)
            restartAt: dict[int, float] = {}
            stopping = False
            while not stopping:
                info = signal.sigtimedwait(wanted, 0.5)
                if info is not None and info.si_signo in (signal.SIGTERM, signal.SIGINT):
                    stopping = True
                    break
                now = time.monotonic()
                for slot, (proc, started) in list(workers.items()):
                    if proc.poll() is None or slot in restartAt:
                        continue
                    _log(
                        f"worker {slot} (pid {proc.pid}) exited with {proc.returncode}; restarting"
                    )
                    restartAt[slot] = now + (1.0 if now - started < 1.0 else 0.0)
                for slot, when in list(restartAt.items()):
                    if when <= now:
                        del restartAt[slot]
                        start(slot)
            _log("stopping workers")
            for proc, _ in workers.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + options.grace + 5.0
            for proc, _ in workers.values():
                try:
                    proc.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, wanted)
        os.close(lifeRead)
        os.close(lifeWrite)
        for sock in keep:
            sock.close()
        for spec in specs:
            if "unlink" in spec:
                try:
                    os.unlink(spec["unlink"])
                except OSError:
                    pass
    return 0
