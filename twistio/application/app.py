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
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from twistio.application import reactors
from twistio.application.service import IService, IServiceMaker, _adapt
from twistio.plugin import getPlugins
from twistio.python import _spelling, usage

__all__ = [
    "AppLogger",
    "AppProfiler",
    "ApplicationError",
    "ApplicationRunner",
    "CProfileRunner",
    "ProfileRunner",
    "ReactorSelectionMixin",
    "ServerOptions",
    "convertStyle",
    "fixPdb",
    "getApplication",
    "getPassphrase",
    "getSavePassphrase",
    "installLoop",
    "loadApplication",
    "pidFile",
    "run",
    "runApplication",
    "runReactorWithLogging",
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

    observer = _componentObserver(application)
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


def _runServiceCommand(
    prog: str,
    options: Any,
    makeService: Callable[[], Any],
    name: str,
    announce: Callable[[Any], object],
    buildError: str = "",
) -> int:
    """Run one ``twistio`` sub-command's service: the loop ``options.loop``, logs to
    ``options.logfile``, ``makeService()`` in an application called ``name`` under the pid
    file ``options.pidfile``, ``announce(service)`` once the reactor runs. Problems the user
    can fix (a bad option, a port in use) are one line on stderr and exit status 1, with
    ``buildError`` before a failure of ``makeService``; returns the exit status."""
    from twistio.application import service

    try:
        installLoop(options.loop)
        stream = startLogging(options.logfile)
    except ApplicationError as e:
        sys.stderr.write(f"{prog}: {e}\n")
        return 1
    try:
        try:
            top = makeService()
        except Exception as e:  # what the options name cannot be built: say why
            sys.stderr.write(f"{prog}: {buildError}{e}\n")
            return 1
        application = service.Application(name)
        top.setServiceParent(application.getComponent(service.IServiceCollection))
        with pidFile(options.pidfile):
            try:
                runApplication(application, whenRunning=lambda: announce(top))
            except Exception as e:  # a port in use: one line, not a traceback
                sys.stderr.write(f"{prog}: {e}\n")
                return 1
    except ApplicationError as e:
        sys.stderr.write(f"{prog}: {e}\n")
        return 1
    finally:
        if stream is not sys.stderr:
            stream.close()
    return 0


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

    _getReactorTypes = staticmethod(reactors.getReactorTypes)

    def opt_help_reactors(self) -> None:
        """List the reactors by name (marking those unusable here), then stop."""
        from twistio.python.reflect import namedModule

        available, unavailable = [], []
        for installer in sorted(self._getReactorTypes(), key=lambda kind: kind.shortName):
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
        """Run on the reactor of this name (--help-reactors lists them)."""
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


# -- twistd: the runner behind ``twistd`` (platform-independent part) ------------------------


def _exitWithSignal(sig: int) -> None:
    """End this process by the signal ``sig``, as if it had not been caught: the default
    disposition is put back, then the signal is sent to ourselves (a parent then sees the
    process killed by ``sig``, not a plain exit)."""
    import signal

    signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)


class _Profiler:
    """Runs the reactor under one of the standard library's profilers and writes what it
    measured to ``output``: the statistics object itself with ``saveStats``, a printed
    report otherwise."""

    moduleName = ""

    def __init__(self, output: str | None, saveStats: bool) -> None:
        self.output = output
        self.saveStats = saveStats

    def _module(self) -> Any:
        import importlib

        try:
            return importlib.import_module(self.moduleName)
        except ImportError as missing:
            raise SystemExit(
                f"the {self.moduleName} module is not available ({missing}); "
                "choose another --profiler"
            ) from None

    def run(self, reactor: Any) -> None:
        profiled = self._module().Profile()
        profiled.runcall(reactor.run)
        if self.saveStats:
            profiled.dump_stats(self.output)
        else:
            self._report(profiled)

    def _report(self, profiled: Any) -> None:
        raise NotImplementedError


class ProfileRunner(_Profiler):
    """``--profiler=profile``: the pure-Python ``profile`` module."""

    moduleName = "profile"

    def _report(self, profiled: Any) -> None:
        # profile.Profile.print_stats only prints to sys.stdout: point it at the file a
        # moment, and put the real one back whatever happens.
        assert self.output is not None
        with open(self.output, "a") as report:
            before, sys.stdout = sys.stdout, report
            try:
                profiled.print_stats()
            finally:
                sys.stdout = before


class CProfileRunner(_Profiler):
    """``--profiler=cprofile`` (the default): the ``cProfile`` module."""

    moduleName = "cProfile"

    def _report(self, profiled: Any) -> None:
        import pstats

        assert self.output is not None
        with open(self.output, "w") as report:
            table = pstats.Stats(profiled, stream=report)
            table.strip_dirs().sort_stats(-1).print_stats()


class AppProfiler:
    """Chooses the profiler the options name (``profiler``, any case; cprofile by
    default) and runs the reactor under it (``run``)."""

    profilers: dict[str, type[_Profiler]] = {
        "profile": ProfileRunner,
        "cprofile": CProfileRunner,
    }

    def __init__(self, options: Any) -> None:
        self.profiler = str(options.get("profiler", "cprofile")).lower()
        chosen = self.profilers.get(self.profiler)
        if chosen is None:
            raise SystemExit(f"Unsupported profiler name: {self.profiler}")
        self._runner = chosen(options.get("profile", None), bool(options.get("savestats")))

    def run(self, reactor: Any) -> None:
        """Run ``reactor`` under the chosen profiler."""
        self._runner.run(reactor)


def fixPdb() -> None:
    """Make pdb's ``quit`` and ``exit`` stop the reactor rather than raise through it,
    and ``help`` work where stdout is not a terminal (the debugger of ``--debug``)."""
    import pdb

    def quitting(self: Any, arg: str) -> bool:
        from twistio.internet import reactor

        reactor.callLater(0, reactor.stop)
        return True

    pdb.Pdb.do_quit = pdb.Pdb.do_exit = pdb.Pdb.do_q = quitting  # type: ignore[method-assign]


def runReactorWithLogging(
    config: Any, oldstdout: Any, oldstderr: Any, profiler: AppProfiler | None = None,
    reactor: Any = None,
) -> None:
    """Run ``reactor`` (the installed one by default) as the options say: under the
    profiler with ``profile``, under pdb with ``debug``, plainly otherwise. An exception
    escaping it is written to the original stdout (``nodaemon``) or appended to
    ``TWISTD-CRASH.log``."""
    if reactor is None:
        from twistio.internet import reactor as installed

        reactor = installed
    try:
        if config["profile"]:
            assert profiler is not None
            profiler.run(reactor)
        elif config["debug"]:
            _runUnderDebugger(reactor, oldstdout, oldstderr)
        else:
            reactor.run()
    except BaseException:
        import traceback

        if config.get("nodaemon"):
            traceback.print_exc(file=oldstdout)
            oldstdout.flush()
        else:
            with open("TWISTD-CRASH.log", "a") as crashLog:
                traceback.print_exc(file=crashLog)


def _runUnderDebugger(reactor: Any, oldstdout: Any, oldstderr: Any) -> None:
    import pdb
    import signal

    sys.stdout, sys.stderr = oldstdout, oldstderr
    if hasattr(signal, "SIGUSR2"):
        # SIGUSR2 breaks into the debugger wherever the process is.
        signal.signal(signal.SIGUSR2, lambda *_: pdb.set_trace())
    fixPdb()
    pdb.runcall(reactor.run)


_UNMARKED_OBSERVER = (
    "Passing a logger factory which makes log observers which do not implement "
    "twisted.logger.ILogObserver or twisted.python.log.ILogObserver to "
    "twisted.application.app.AppLogger was deprecated in Twisted 16.2. Please use a "
    "factory that produces twisted.logger.ILogObserver (or the legacy "
    "twisted.python.log.ILogObserver) implementing objects instead."
)


class AppLogger:
    """Where twistd's log goes, chosen in this order: the ``logger`` option (a factory of
    observers), an ``ILogObserver`` (or legacy ``log.ILogObserver``) component of the
    application, else a text file observer on ``logfile`` (``-`` or empty: stdout).
    ``start`` begins logging and says who is starting; ``stop`` detaches the observer."""

    _observer: Any = None

    def __init__(self, options: Any) -> None:
        self._logfilename = options.get("logfile", "")
        self._observerFactory = options.get("logger") or None

    def start(self, application: Any) -> None:
        """Begin logging to the chosen observer, then log the start-up lines."""
        from twistio import logger
        from twistio.python import log as legacy

        if self._observerFactory is not None:
            observer = self._observerFactory()
        else:
            observer = _componentObserver(application)
            if observer is None:
                observer = self._getLogObserver()
        if not logger.ILogObserver.providedBy(observer):
            if not legacy.ILogObserver.providedBy(observer):
                warnings.warn(_UNMARKED_OBSERVER, DeprecationWarning, stacklevel=2)
            observer = legacy.LegacyLogObserverWrapper(observer)
        self._observer = observer
        logger.globalLogBeginner.beginLoggingTo([observer])
        self._initialLog()

    def _initialLog(self) -> None:
        from twistio import copyright, logger
        from twistio.internet import reactor

        say = logger.Logger(namespace="twistd")
        say.info(
            "twistd {version} ({python} {pyversion}) starting up.",
            version=copyright.version,
            python=sys.executable,
            pyversion=sys.version.split()[0],
        )
        say.info("reactor class: {reactorClass}.", reactorClass=_qualifiedName(type(reactor)))

    def _getLogObserver(self) -> Any:
        """A text observer on stdout (``logfile`` ``-`` or empty) or on the log file."""
        from twistio import logger

        if self._logfilename in ("-", ""):
            return logger.textFileLogObserver(sys.stdout)
        from twistio.python import logfile

        return logger.textFileLogObserver(logfile.LogFile.fromFullPath(self._logfilename))

    def stop(self) -> None:
        """Detach the observer ``start`` attached (once; later calls do nothing)."""
        from twistio import logger

        observer, self._observer = self._observer, None
        if observer is not None:
            logger.globalLogPublisher.removeObserver(observer)


def _componentObserver(application: Any) -> Any:
    """The application's own log observer component, modern before legacy, or None."""
    from twistio import logger
    from twistio.python import log as legacy

    getComponent = getattr(application, "getComponent", None)
    if getComponent is None:
        return None
    for interface in (logger.ILogObserver, legacy.ILogObserver):
        found = getComponent(interface, None)
        if found is not None:
            return found
    return None


def _qualifiedName(kind: type) -> str:
    return _spelling.qualified(kind)


class ApplicationRunner:
    """What twistd does with its parsed options: ``preApplication`` (platform set-up),
    make or load the application, start logging, ``postApplication`` (start it and run
    the reactor), stop logging. Subclasses supply the two platform steps."""

    loggerFactory: Callable[[Any], Any] = AppLogger
    _exitSignal: int | None = None
    application: Any

    def __init__(self, config: Any) -> None:
        self.config = config
        self.profiler = AppProfiler(config)
        self.logger = self.loggerFactory(config)

    def run(self) -> None:
        """The whole run, in order."""
        self.preApplication()
        self.application = self.createOrGetApplication()
        self.logger.start(self.application)
        self.postApplication()
        self.logger.stop()

    def startReactor(self, reactor: Any, oldstdout: Any, oldstderr: Any) -> None:
        """Run ``reactor`` (the installed one when None) as the options say, then note
        the signal that stopped it, if it keeps one."""
        from twistio.internet.interfaces import _ISupportsExitSignalCapturing

        if reactor is None:
            from twistio.internet import reactor as installed

            reactor = installed
        runReactorWithLogging(self.config, oldstdout, oldstderr, self.profiler, reactor)
        captures = _ISupportsExitSignalCapturing.providedBy(reactor)
        self._exitSignal = reactor._exitSignal if captures else None

    def preApplication(self) -> None:
        """Set-up before the application exists (the platform's runner says what)."""
        raise NotImplementedError

    def postApplication(self) -> None:
        """Start the application and run the reactor (the platform's runner says how)."""
        raise NotImplementedError

    def createOrGetApplication(self) -> Any:
        """The application to run: a new one around the service of the plugin named as the
        sub-command, or the one the application file options name."""
        from twistio.application import service

        command = getattr(self.config, "subCommand", None)
        if not command:
            return getApplication(self.config, getPassphrase(self.config["encrypted"]))
        maker = self.config.loadedPlugins[command]
        application = service.Application(maker.tapname)
        maker.makeService(self.config.subOptions).setServiceParent(application)
        return application


def _makerOptions(maker: Any) -> Callable[[], Any]:
    return lambda: maker.options()


class ServerOptions(ReactorSelectionMixin, usage.Options):
    """twistd's command line (the options every platform has; ``twistio.scripts.twistd``
    adds the platform's own). A sub-command names a service-maker plugin to run instead
    of an application file."""

    synopsis = "Usage: twistd [options]"
    longdesc = (
        "twistd runs a Twisted application: one a file defines (a .tac file with -y, a "
        "saved one with -f or -s), or the service a plugin makes (the commands below)."
    )
    optFlags = [
        ["savestats", None, "with --profile: write the raw statistics, not a report"],
        ["no_save", "o", "leave the application unsaved when it stops"],
        ["encrypted", "e", "the saved application file is encrypted"],
        ["debug", "b", "run under pdb (implies --nodaemon); SIGUSR2 breaks into it"],
    ]
    optParameters = [
        ["logfile", "l", None, "file to write the log to (- is standard output)"],
        ["logger", None, None, "dotted name of a log observer factory; wins over "
         "--logfile and --syslog"],
        ["profile", "p", None, "profile the run, writing the results to this file"],
        ["profiler", None, "cprofile", "which profiler --profile uses: {}".format(
            ", ".join(AppProfiler.profilers))],
        ["file", "f", "twistd.tap", "load a pickled application from this file"],
        ["python", "y", None, "load the application a Python file (.tac) defines "
         "(implies --no_save)"],
        ["source", "s", None, "load an application saved as source (AOT, .tas)"],
        ["rundir", "d", ".", "directory to change to before running"],
    ]
    _getPlugins = staticmethod(getPlugins)

    def __init__(self, *args: Any, **kw: Any) -> None:
        self.stdout = kw.pop("stdout", sys.stdout)
        super().__init__(*args, **kw)
        self["debug"] = False

    def opt_version(self) -> None:
        """Show twistd's version, then stop."""
        from twistio import copyright

        self.stdout.write(f"twistd {_DAEMON_NAME} {copyright.version}\n{copyright.copyright}\n")
        raise SystemExit()

    def opt_spew(self) -> None:
        """Trace every call and line to standard output (to find where a program hangs)."""
        from twistio.python import util

        sys.settrace(util.spewer)
        self["nodaemon"] = True

    def parseOptions(self, options: Any = None) -> None:
        # Without any argument twistd explains itself.
        arguments = sys.argv[1:] if options is None else options
        super().parseOptions(arguments or ["--help"])

    def postOptions(self) -> None:
        super().postOptions()
        if self.subCommand or self["python"]:
            self["no_save"] = True
        named = self["logger"]
        if named is not None:
            from twistio.python.reflect import namedAny

            try:
                self["logger"] = namedAny(named)
            except Exception as problem:
                raise usage.UsageError(
                    f"Logger '{named}' could not be imported: {problem}"
                ) from None

    @property
    def subCommands(self) -> Iterator[tuple[str, None, Callable[[], Any], str]]:
        """One command per service-maker plugin, by name."""
        makers = sorted(self._getPlugins(IServiceMaker), key=lambda maker: maker.tapname)
        self.loadedPlugins = {maker.tapname: maker for maker in makers}
        for maker in makers:
            yield maker.tapname, None, _makerOptions(maker), maker.description


_DAEMON_NAME = "(the Twisted daemon)"


def run(runApp: Callable[[Any], object], ServerOptions: Callable[[], Any]) -> None:
    """Parse the command line with ``ServerOptions`` and hand the result to ``runApp``; a
    bad command line prints the usage and the complaint, and exits with status 1."""
    config = ServerOptions()
    try:
        config.parseOptions()
    except usage.UsageError as complaint:
        print(config)
        print(f"{sys.argv[0]}: {complaint}")
        raise SystemExit(1) from None
    runApp(config)
