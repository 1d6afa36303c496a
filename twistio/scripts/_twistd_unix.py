"""twistd on POSIX systems: the options only they have (daemonizing, PID file, user and
group, umask, chroot, syslog), the PID-file check, the log set-up and the runner that
daemonizes.

Daemonizing is the classic double fork. The first parent does not exit at once: it waits
on a pipe until the daemon has started the application, then exits 0, or 1 after writing
the daemon's one-line error to standard error, so that whoever ran ``twistd`` learns
whether the server really came up.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from typing import Any

from twistio.application import app, service
from twistio.python import log, logfile, usage
from twistio.python.util import gidFromString, switchUID, uidFromString

__all__ = ["ServerOptions", "UnixAppLogger", "UnixApplicationRunner", "checkPID", "daemonize"]

# The daemon's report on its start-up: b"0", or b"1 " and the error, at most this long.
_STATUS_SIZE = 100


def _octal(text: str) -> int:
    try:
        return int(text, 8)
    except ValueError:
        raise usage.UsageError(f"umask {text!r} is not an octal number") from None


class ServerOptions(app.ServerOptions):
    """twistd's command line on POSIX systems."""

    optFlags = [
        *app.ServerOptions.optFlags,
        ["nodaemon", "n", "stay in the foreground (and leave the umask alone)"],
        ["originalname", None, "keep the process name as it is"],
        ["syslog", None, "log to syslog instead of a file"],
        ["euid", None, "with --uid/--gid, change only the effective ids, so that root "
         "can be taken back later (for spawning processes as root, say)"],
    ]
    optParameters = [
        *app.ServerOptions.optParameters,
        ["prefix", None, "twisted", "the name syslog entries are logged under"],
        ["pidfile", None, "twistd.pid", "file to write the process id to (empty: none)"],
        ["chroot", None, None, "directory to make the root of the file system first"],
        ["uid", "u", None, "user (name or number) to run as, once ports are bound",
         uidFromString],
        ["gid", "g", None, "group (name or number) to run as; the user's own by default",
         gidFromString],
    ]

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self["umask"] = None

    def opt_umask(self, value: str) -> None:
        """File creation mask (octal); a daemon uses 0077 unless given."""
        self["umask"] = _octal(value)

    def postOptions(self) -> None:
        super().postOptions()
        if self["debug"]:
            self["nodaemon"] = True
        if self["pidfile"]:
            self["pidfile"] = os.path.abspath(self["pidfile"])
            checkPID(self["pidfile"])


def checkPID(pidfile: str | None) -> None:
    """Stop the program (``SystemExit`` with the reason) if ``pidfile`` names a process
    that is running or cannot be read; a PID file left by a process that is gone is
    removed."""
    if not pidfile or not os.path.exists(pidfile):
        return
    with open(pidfile) as stored:
        text = stored.read()
    try:
        pid = int(text)
    except ValueError:
        sys.exit(f"Pidfile {pidfile} contains non-numeric value {text!r}")
    try:
        os.kill(pid, 0)
    except OSError as why:
        if why.errno != errno.ESRCH:
            sys.exit(f"Can't check status of PID {pid} from pidfile {pidfile}: {why}")
        log.msg(f"Removing stale pidfile {pidfile}")
        os.remove(pidfile)
        return
    sys.exit(
        f"Another twistd server is running, PID {pid} (pid file {pidfile}).\n"
        "Stop it first, or give this one its own --pidfile (and --logfile) to run both."
    )


class UnixAppLogger(app.AppLogger):
    """``AppLogger`` with syslog (``--syslog``, under ``--prefix``), and the rules of a
    daemon: it has no stdout to log to, and logs to ``twistd.log`` unless told where.
    A log file is rotated on SIGUSR1 (unless that signal is already handled)."""

    def __init__(self, options: Any) -> None:
        super().__init__(options)
        self._syslog = options.get("syslog", False)
        self._syslogPrefix = options.get("prefix", "")
        self._nodaemon = options.get("nodaemon", False)

    def _getLogObserver(self) -> Any:
        from twistio import logger

        if self._syslog:
            from twistio.python import syslog

            return syslog.SyslogObserver(self._syslogPrefix).emit
        name = self._logfilename
        if name == "-" or (not name and self._nodaemon):
            if not self._nodaemon:
                raise SystemExit("Daemons cannot log to stdout, exiting!")
            return logger.textFileLogObserver(sys.stdout)
        logFile = logfile.LogFile.fromFullPath(name or "twistd.log")
        if getattr(signal, "SIGUSR1", None) is not None:
            _rotateOnSIGUSR1(logFile)
        return logger.textFileLogObserver(logFile)


def _rotateOnSIGUSR1(logFile: Any) -> None:
    if signal.getsignal(signal.SIGUSR1) != signal.SIG_DFL:
        return  # someone else handles it: leave theirs in place

    def rotate(signum: object, frame: object) -> None:
        # A signal handler may interrupt anything: rotate from the reactor's loop instead.
        from twistio.internet import reactor

        reactor.callFromThread(logFile.rotate)

    signal.signal(signal.SIGUSR1, rotate)


def _retrying(call: Any, *args: Any) -> Any:
    """``call(*args)``, again as long as a signal interrupts it (EINTR)."""
    while True:
        try:
            return call(*args)
        except OSError as oops:
            # OSError(EINTR) made with the number alone has it in args, not errno.
            code = oops.errno if oops.errno is not None else (oops.args or (None,))[0]
            if code != errno.EINTR:
                raise


def daemonize(reactor: Any, os: Any = os) -> int:
    """Become a daemon (fork, new session, fork, standard I/O to /dev/null) and return the
    write end of the status pipe. The original process never returns: it waits for the
    daemon's status and exits with it."""
    from twistio.internet.interfaces import IReactorDaemonize

    hooked = IReactorDaemonize.providedBy(reactor)
    if hooked:
        reactor.beforeDaemonize()
    readEnd, writeEnd = os.pipe()
    if os.fork():
        status = _awaitDaemon(os, readEnd)
        os.close(readEnd)
        os._exit(status)
    os.setsid()
    if os.fork():
        os._exit(0)  # the session leader goes; its child can never regain a terminal
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    if hooked:
        reactor.afterDaemonize()
    return writeEnd  # type: ignore[no-any-return]


def _awaitDaemon(os: Any, readEnd: int) -> int:
    """In the original process: the exit status the daemon reports (writing its error,
    if any, to standard error)."""
    report = _retrying(os.read, readEnd, _STATUS_SIZE)
    if report == b"0":
        return 0
    sys.__stderr__.write(  # type: ignore[union-attr]
        f"An error has occurred: {report[2:]!r}\n"
        "Please look at log file for more information.\n"
    )
    return 1


def _statusLine(problem: BaseException | None) -> bytes:
    if problem is None:
        return b"0"
    text = f"1 {type(problem).__name__}: {problem}"
    return text.encode("ascii", "backslashreplace")[:_STATUS_SIZE]


class UnixApplicationRunner(app.ApplicationRunner):
    """Runs the application on POSIX: sets the environment up (chroot, working directory,
    umask, daemon, PID file), starts the application's services (privileged first, then
    as ``--uid``/``--gid``), runs the reactor and removes the PID file at the end."""

    loggerFactory = UnixAppLogger

    def preApplication(self) -> None:
        # Kept for the debugger, which needs the terminal's streams back.
        self.oldstdout, self.oldstderr = sys.stdout, sys.stderr

    def postApplication(self) -> None:
        try:
            self.startApplication(self.application)
        except Exception as problem:
            self._reportStart(problem)
            self.removePID(self.config["pidfile"])
            raise
        self._reportStart(None)
        self.startReactor(None, self.oldstdout, self.oldstderr)
        self.removePID(self.config["pidfile"])

    def _reportStart(self, problem: BaseException | None) -> None:
        """Tell the waiting original process (if we daemonized) how the start went."""
        pipe = self.config.get("statusPipe")
        if pipe is None:
            return
        _retrying(os.write, pipe, _statusLine(problem))
        os.close(pipe)

    def removePID(self, pidfile: str | None) -> None:
        """Remove ``pidfile`` (a failure is logged, not raised)."""
        if not pidfile:
            return
        try:
            os.unlink(pidfile)
        except OSError as why:
            if why.errno in (errno.EACCES, errno.EPERM):
                log.msg(f"Warning: no permission to delete the pid file {pidfile}")
            else:
                log.err(why, "Failed to unlink PID file:")
        except BaseException:
            log.err(None, "Failed to unlink PID file:")

    # Left unannotated: callers compare its signature with their stand-ins'.
    def setupEnvironment(self, chroot, rundir, nodaemon, umask, pidfile):  # type: ignore[no-untyped-def]
        """Change root and directory, set the umask (0077 for a daemon unless given),
        daemonize unless ``nodaemon``, then write the PID file."""
        if chroot is not None:
            os.chroot(chroot)
            if rundir == ".":
                rundir = "/"  # the old directory is outside the new root
        os.chdir(rundir)
        if umask is None and not nodaemon:
            umask = 0o077
        if umask is not None:
            os.umask(umask)
        if not nodaemon:
            from twistio.internet import reactor

            self.config["statusPipe"] = self.daemonize(reactor)
        if pidfile:
            with open(pidfile, "wb") as written:
                written.write(b"%d" % os.getpid())

    def shedPrivileges(self, euid: bool, uid: int | None, gid: int | None) -> None:
        """Become ``uid``/``gid`` (only the effective ids with ``euid``); failing to is
        fatal (exit status 1)."""
        if uid is None and gid is None:
            return
        try:
            switchUID(uid, gid, euid)
        except OSError as why:
            log.msg(f"Failed to switch to uid {uid}, gid {gid}: {why}")
            raise SystemExit(1) from None

    def startApplication(self, application: Any) -> None:
        """Everything between loading the application and running the reactor."""
        config = self.config
        process = service._adapt(service.IProcess, application, None)
        self.setupEnvironment(  # type: ignore[no-untyped-call]
            config["chroot"], config["rundir"], config["nodaemon"], config["umask"],
            config["pidfile"],
        )
        service._adapt(service.IService, application).privilegedStartService()
        uid = config["uid"] if config["uid"] is not None else getattr(process, "uid", None)
        gid = config["gid"] if config["gid"] is not None else getattr(process, "gid", None)
        if uid is not None and gid is None:
            import pwd

            gid = pwd.getpwuid(uid).pw_gid
        self.shedPrivileges(config["euid"], uid, gid)
        app.startApplication(application, not config["no_save"])

    def daemonize(self, reactor: Any) -> int:
        """Become a daemon (see ``daemonize``); returns the status pipe."""
        return daemonize(reactor, os)
