"""The runner behind the ``twistio`` command: load an application, run it, stop it cleanly.

``runApplication`` starts ``IService(application)`` (``privilegedStartService`` then
``startService``), runs the reactor, and on shutdown (``reactor.stop()``, SIGTERM, SIGINT)
calls ``stopService`` before the reactor disconnects everything, waiting on the Deferred it
returns. Logs go to stderr or a log file, as ``time [system] text`` lines.
"""

from __future__ import annotations

import asyncio
import errno
import os
import runpy
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from twistio.application.service import IService, _adapt

__all__ = [
    "ApplicationError",
    "installLoop",
    "loadApplication",
    "pidFile",
    "runApplication",
    "startLogging",
]


class ApplicationError(Exception):
    """A problem to report to the user in one line (bad file, pid file held, no uvloop)."""


def installLoop(name: str) -> None:
    """Make the reactor's loop ``asyncio``'s default or ``uvloop``'s (before it is created)."""
    if name == "asyncio":
        return
    if name == "uvloop":
        try:
            import uvloop
        except ImportError:
            raise ApplicationError("--loop uvloop: uvloop is not installed") from None
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        return
    raise ApplicationError(f"unknown loop {name!r} (choose asyncio or uvloop)")


def loadApplication(path: str) -> Any:
    """Run the ``.tac``-style file at ``path`` and return the ``application`` it defines."""
    if not os.path.isfile(path):
        raise ApplicationError(f"no such file: {path}")
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    namespace = runpy.run_path(path, run_name="__twistio_app__")
    if "application" not in namespace:
        raise ApplicationError(f"{path} defines no variable named 'application'")
    application = namespace["application"]
    if _adapt(IService, application, None) is None:
        raise ApplicationError(f"'application' in {path} is not a service or an Application")
    return application


def startLogging(logfile: str | None, application: Any = None) -> IO[str]:
    """Send log events to ``logfile`` (appended to; ``-`` or None: stderr).

    An ``application`` with an ``ILogObserver`` component (``setComponent``) logs to that
    observer instead, as under ``twistd``; a plain function there is a legacy observer.
    """
    from twistio.logger import ILogObserver, globalLogBeginner, textFileLogObserver

    getComponent = getattr(application, "getComponent", None)
    observer = None if getComponent is None else getComponent(ILogObserver, None)
    if observer is not None:
        if not ILogObserver.providedBy(observer):
            from twistio.python.log import LegacyLogObserverWrapper

            observer = LegacyLogObserverWrapper(observer)
        globalLogBeginner.beginLoggingTo([observer], redirectStandardIO=False)
        return sys.stderr

    stream: IO[str]
    if logfile is None or logfile == "-":
        stream = sys.stderr
    else:
        try:
            stream = open(logfile, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
        except OSError as e:
            raise ApplicationError(f"cannot open log file {logfile}: {e.strerror}") from None
    globalLogBeginner.beginLoggingTo([textFileLogObserver(stream)], redirectStandardIO=False)
    return stream


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as e:
        return e.errno == errno.EPERM
    return True


@contextmanager
def pidFile(path: str | None) -> Iterator[None]:
    """Write this process's pid to ``path`` while the block runs; refuse if another holds it."""
    if path is None:
        yield
        return
    try:
        with open(path, encoding="ascii") as f:
            other = int(f.read().strip() or "0")
    except (OSError, ValueError):
        other = 0
    if other and other != os.getpid() and _pid_alive(other):
        raise ApplicationError(f"another server is running, PID {other} (pid file {path})")
    try:
        with open(path, "w", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")
    except OSError as e:
        raise ApplicationError(f"cannot write pid file {path}: {e.strerror}") from None
    try:
        yield
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def runApplication(
    application: Any,
    reactor: Any = None,
    whenRunning: Callable[[], object] | None = None,
) -> None:
    """Start ``application``'s service, run the reactor until it stops, stopping it first.

    A service raising from ``privilegedStartService``/``startService`` (a port in use)
    propagates before the reactor runs.
    """
    if reactor is None:
        from twistio.internet import reactor as _reactor

        reactor = _reactor
    service = _adapt(IService, application)
    service.privilegedStartService()
    service.startService()
    reactor.addSystemEventTrigger("before", "shutdown", service.stopService)
    if whenRunning is not None:
        reactor.callWhenRunning(whenRunning)
    reactor.run()
