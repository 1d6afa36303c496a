"""A worker process of distributed trial: ``python -m twistio.trial._dist.workertrial [OPTIONS]``.

It reads the manager's commands on its standard input and answers on its standard output;
the tests' own output (and anything else written to file descriptors 1 and 2) goes to
``out.log`` in the directory the manager gives it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import IO, Any

from twistio.protocols.amp import AmpBox, Command
from twistio.trial._dist import _wire, workercommands
from twistio.trial._dist.options import WorkerOptions
from twistio.trial._dist.workerreporter import WorkerReporter

__all__ = ["main"]


class _Worker:
    def __init__(self, output: IO[bytes], options: WorkerOptions) -> None:
        self._output = output
        self._options = options

    def send(self, command: type[Command], **arguments: Any) -> None:
        """An AMP box no answer is expected for (outcomes arrive before Run's answer)."""
        box = command.makeArguments(arguments, None)
        box[b"_command"] = command.commandName
        self._output.write(box.serialize())
        self._output.flush()

    def answer(self, tag: bytes, **values: Any) -> None:
        box = AmpBox({b"_answer": tag})
        for key, value in values.items():
            box[key.encode("ascii")] = b"True" if value is True else b"False"
        self._output.write(box.serialize())
        self._output.flush()

    def start(self, directory: str) -> None:
        os.chdir(directory)
        log = os.open("out.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)

    def run(self, name: str) -> None:
        from twistio.trial import runner

        result = WorkerReporter(self.send)
        test: Any
        try:
            test = runner.TestLoader().loadByName(name, recurse=False)
        except BaseException:
            from twistio.trial.runner import ErrorHolder

            test = ErrorHolder(name, sys.exc_info())
        self._options.apply(test)(result)

    def serve(self, readExactly: Callable[[int], bytes]) -> None:
        while True:
            box = _wire.readBox(readExactly)
            if box is None:
                return
            command = box.get(b"_command")
            tag = box.get(b"_ask", b"")
            if command == workercommands.Start.commandName:
                args = workercommands.Start.parseArguments(box, None)
                self.start(args["directory"])
            elif command == workercommands.Run.commandName:
                args = workercommands.Run.parseArguments(box, None)
                self.run(args["testCase"])
            self.answer(tag, success=True)


def main(_fdopen: Callable[..., Any] = os.fdopen) -> None:
    """Serve the manager on this process's standard input and output until it closes them."""
    # The commands ride on descriptors 0 and 1: keep private copies, so that tests writing to
    # stdout or reading stdin cannot disturb them.
    commands = _fdopen(os.dup(0), "rb", 0)
    answers = _fdopen(os.dup(1), "wb", 0)
    nothing = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nothing, 0)
    os.close(nothing)
    os.dup2(2, 1)
    if os.environ.pop("TWISTIO_TRIAL_ALIAS", None) == "1":
        from twistio import compat

        compat.install()
    options = WorkerOptions()
    options.parseOptions(sys.argv[1:])

    def readExactly(n: int) -> bytes:
        chunks = []
        while n:
            chunk = commands.read(n)
            if not chunk:
                break
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    _Worker(answers, options).serve(readExactly)


if __name__ == "__main__":
    main()
