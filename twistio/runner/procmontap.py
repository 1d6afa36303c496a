"""``twist procmon COMMAND...``: keep one command running (see :mod:`twistio.runner.procmon`)."""

from __future__ import annotations

from typing import Any

from twistio.python import usage
from twistio.runner.procmon import ProcessMonitor

__all__ = ["Options", "makeService"]


class Options(usage.Options):
    """The command line of ``procmon``: its timings, then the command to keep running."""

    synopsis = "[procmon options] commandline"
    optParameters = [
        [
            "threshold",
            "t",
            1,
            "seconds a child must live for its exit not to count as a crash",
            float,
        ],
        ["killtime", "k", 5, "seconds between SIGTERM and SIGKILL when stopping a child", float],
        [
            "minrestartdelay",
            "m",
            1,
            "first wait (seconds) before restarting a crashing child",
            float,
        ],
        ["maxrestartdelay", "M", 3600, "longest wait (seconds) before restarting a child", float],
    ]
    longdesc = (
        "Runs the command line given after the options and starts it again whenever it exits. "
        "A command that exits within the threshold is restarted after a wait that doubles "
        "with each such exit (from minrestartdelay up to maxrestartdelay); one that ran "
        "longer is restarted at once and the wait starts over. Example: twist procmon sleep 10"
    )

    def parseArgs(self, *args: str) -> None:
        self["args"] = args

    def postOptions(self) -> None:
        if not self["args"]:
            raise usage.UsageError("Please specify a process commandline")


#: Which option sets which attribute of the monitor.
_TIMINGS = {
    "threshold": "threshold",
    "killtime": "killTime",
    "minrestartdelay": "minRestartDelay",
    "maxrestartdelay": "maxRestartDelay",
}


def makeService(config: Any) -> ProcessMonitor:
    """A :class:`ProcessMonitor` running the options' command line with their timings."""
    monitor = ProcessMonitor()
    for option, attribute in _TIMINGS.items():
        setattr(monitor, attribute, config[option])
    command = config["args"]
    monitor.addProcess(" ".join(command), command)
    return monitor
