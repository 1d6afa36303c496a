"""What a worker tells the manager about the test it runs."""

from __future__ import annotations

from twistio.protocols.amp import Argument, Boolean, Command, ListOf, Unicode

__all__ = [
    "AddError",
    "AddExpectedFailure",
    "AddFailure",
    "AddSkip",
    "AddSuccess",
    "AddUnexpectedSuccess",
    "TestWrite",
]

_DONE: list[tuple[bytes, Argument]] = [(b"success", Boolean())]


class AddSuccess(Command):
    """The test passed."""

    arguments = [(b"testName", Unicode())]
    response = _DONE


class AddError(Command):
    """The test raised ``errorClass`` (qualified name) with message ``error``; ``frames``
    is its formatted traceback, one line an item."""

    arguments = [
        (b"testName", Unicode()),
        (b"errorClass", Unicode()),
        (b"error", Unicode()),
        (b"frames", ListOf(Unicode())),
    ]
    response = _DONE


class AddFailure(Command):
    """An assertion of the test failed (as :class:`AddError`, for failures)."""

    arguments = [
        (b"testName", Unicode()),
        (b"fail", Unicode()),
        (b"failClass", Unicode()),
        (b"frames", ListOf(Unicode())),
    ]
    response = _DONE


class AddSkip(Command):
    """The test was skipped, for ``reason``."""

    arguments = [(b"testName", Unicode()), (b"reason", Unicode())]
    response = _DONE


class AddExpectedFailure(Command):
    """The test failed as its ``todo`` said it would."""

    arguments = [(b"testName", Unicode()), (b"error", Unicode()), (b"todo", Unicode())]
    response = _DONE


class AddUnexpectedSuccess(Command):
    """The test passed although its ``todo`` said it would fail."""

    arguments = [(b"testName", Unicode()), (b"todo", Unicode())]
    response = _DONE


class TestWrite(Command):
    """Text the worker's run wrote for the manager's stream."""

    arguments = [(b"out", Unicode())]
    response = _DONE
