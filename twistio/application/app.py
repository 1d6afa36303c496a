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
    "ReactorSelectionMixin",
    "convertStyle",
    "getApplication",
    "getPassphrase",
    "getSavePassphrase",
    "installLoop",
    "loadApplication",
    "pidFile",
    "runApplication",
    "startApplication",
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


# -- twistd's application support: loading in any saved style, converting, starting ----------


def getPassphrase(needed: int) -> str | None:
    """A passphrase read from the terminal when ``needed``, else None (encrypted
    applications are gone: nothing asks for one any more)."""
    if needed:
        import getpass

        return getpass.getpass("Passphrase: ")
    return None


def getSavePassphrase(needed: int) -> str | None:
    """As ``getPassphrase``, for saving (asked twice, which must match)."""
    if not needed:
        return None
    import getpass

    first = getpass.getpass("Encryption passphrase: ")
    if first != getpass.getpass("Repeat passphrase: "):
        raise ApplicationError("the passphrases do not match")
    return first


def getApplication(config: Any, passphrase: str | None) -> Any:
    """The application that ``config`` names: its ``python`` (a ``.tac`` file), ``source``
    (``aot``) or ``file`` (a pickle) entry, the first that is set. A file that cannot be
    loaded ends the program with the reason (``SystemExit``)."""
    from twistio.application import service
    from twistio.python import log

    given = [
        (config[key], style)
        for key, style in (("python", "python"), ("source", "source"), ("file", "pickle"))
        if config[key]
    ]
    if not given:
        raise ApplicationError("no application file given")
    filename, style = given[0]
    try:
        log.msg(f"Loading {filename}...")
        application = service.loadApplication(filename, style, passphrase)
        log.msg("Loaded.")
    except Exception as e:
        reason = f"Failed to load application: {e}"
        if isinstance(e, KeyError) and e.args and e.args[0] == "application":
            reason += (
                "\n\nCould not find 'application' in the file. To use 'twistd -y', your .tac\n"
                "file must create a suitable object (e.g., by calling service.Application())\n"
                "and store it in a variable named 'application'. twistd loads your .tac file\n"
                "and scans the global variables for one of this name.\n"
            )
        log.msg(reason)
        log.deferr()
        raise SystemExit("\n" + reason + "\n") from None
    return application


def convertStyle(filein: str, typein: str, passphrase: str | None, fileout: str | None,
                 typeout: str, encrypt: int) -> None:
    """Load the application in ``filein`` (saved as ``typein``) and save it to ``fileout`` as
    ``typeout``."""
    from twistio.application import service
    from twistio.persisted import sob

    application = service.loadApplication(filein, typein, passphrase)
    persistable = sob.IPersistable(application)  # type: ignore[call-arg,misc]
    persistable.setStyle(typeout)
    savePassphrase = getSavePassphrase(encrypt)
    persistable.save(filename=None if savePassphrase else fileout, passphrase=savePassphrase)


def startApplication(application: Any, save: int) -> None:
    """Start ``application``'s service now and stop it when the reactor shuts down (and,
    with ``save``, save it as ``<name>-shutdown``, after)."""
    from twistio.internet import reactor
    from twistio.persisted import sob

    service = _adapt(IService, application)
    service.startService()
    if save:
        persistable = sob.IPersistable(application)  # type: ignore[call-arg,misc]
        reactor.addSystemEventTrigger("after", "shutdown", persistable.save, "shutdown")
    reactor.addSystemEventTrigger("before", "shutdown", service.stopService)


class ReactorSelectionMixin:
    """``usage.Options`` mixin: ``--reactor NAME`` (``-r``) installs that reactor as soon as
    it is parsed, and ``--help-reactors`` lists them."""

    messageOutput: Any = sys.stdout

    @staticmethod
    def _getReactorTypes() -> Any:
        from twistio.application.reactors import getReactorTypes

        return getReactorTypes()

    def opt_help_reactors(self) -> None:
        """Display a list of possibly available reactor names."""
        from twistio.python.reflect import namedModule

        available, unavailable = [], []
        for installer in self._getReactorTypes():
            try:
                namedModule(installer.moduleName)
            except ImportError as e:
                unavailable.append(f"!{installer.shortName:<4}\t{installer.description} ({e})\n")
            else:
                available.append(f"    {installer.shortName:<4}\t{installer.description}\n")
        self.messageOutput.write("".join(available))
        if unavailable:
            self.messageOutput.write("reactors not available on this platform:\n")
            self.messageOutput.write("".join(unavailable))
        raise SystemExit(0)

    def opt_reactor(self, shortName: str) -> None:
        """Which reactor to use (see --help-reactors for a list of possibilities)."""
        from twistio.application import reactors
        from twistio.python.usage import UsageError

        try:
            reactors.installReactor(shortName)
        except reactors.NoSuchReactor:
            raise UsageError(
                f"The specified reactor does not exist: '{shortName}'.\n"
                "See the list of available reactors with --help-reactors"
            ) from None
        except Exception as e:
            raise UsageError(
                f"The specified reactor cannot be used, failed with error: {e}.\n"
                "See the list of available reactors with --help-reactors"
            ) from None
        self["reactor"] = shortName  # type: ignore[index]

    opt_r = opt_reactor
