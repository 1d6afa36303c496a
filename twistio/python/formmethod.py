"""Describing the arguments of a method so that a form can be built for it and the
submitted text coerced back into values: ``Argument`` kinds (``String``, ``Integer``,
``Choice``, ``Date``...), a ``MethodSignature`` of them, and the ``FormMethod`` it makes."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "Argument",
    "Boolean",
    "CheckGroup",
    "Choice",
    "Date",
    "File",
    "Flags",
    "Float",
    "FormException",
    "FormMethod",
    "Hidden",
    "InputError",
    "Integer",
    "IntegerRange",
    "MethodSignature",
    "Password",
    "PresentationHint",
    "RadioGroup",
    "String",
    "Submit",
    "Text",
    "VerifiedPassword",
    "positiveInt",
]


class FormException(Exception):
    """A form could not be processed; keyword arguments describe the fields at fault
    (``descriptions``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args)
        self.descriptions = kwargs


class InputError(FormException):
    """A submitted value is not acceptable for its argument."""


def positiveInt(x: Any) -> int:
    """``int(x)``, which must be above 0 (``ValueError`` otherwise)."""
    value = int(x)
    if value <= 0:
        raise ValueError(f"{x!r} is not a positive integer")
    return value


class Argument:
    """One argument of a form: its name, default, descriptions and presentation hints;
    ``coerce`` turns submitted input into its value (``InputError`` when it cannot)."""

    defaultDefault: Any = None

    def __init__(
        self, name: str, default: Any = None, shortDesc: str | None = None,
        longDesc: str | None = None, hints: dict[str, Any] | None = None, allowNone: int = 1,
    ) -> None:
        self.name = name
        self.allowNone = allowNone
        self.default = self.defaultDefault if default is None else default
        self.shortDesc = shortDesc
        self.longDesc = longDesc
        self.hints: dict[str, Any] = {} if hints is None else hints

    def addHints(self, **kwargs: Any) -> None:
        """Add presentation hints."""
        self.hints.update(kwargs)

    def getHint(self, name: str, default: Any = None) -> Any:
        """The hint ``name``, else ``default``."""
        return self.hints.get(name, default)

    def getShortDescription(self) -> str:
        """The short description, else the capitalized name."""
        return self.shortDesc or self.name.capitalize()

    def getLongDescription(self) -> str:
        """The long description, else ``""``."""
        return self.longDesc or ""

    def coerce(self, val: Any) -> Any:
        """The value of the submitted ``val`` (each kind of argument says how)."""
        raise NotImplementedError(f"{type(self).__name__} does not coerce input")


class String(Argument):
    """Text, of at least ``min`` and (with ``max``) at most ``max`` characters."""

    defaultDefault = ""
    min = 0
    max: int | None = None

    def __init__(self, name: str, default: Any = None, shortDesc: str | None = None,
                 longDesc: str | None = None, hints: dict[str, Any] | None = None,
                 allowNone: int = 1, min: int = 0, max: int | None = None) -> None:
        super().__init__(name, default, shortDesc, longDesc, hints, allowNone)
        self.min = min
        self.max = max

    def coerce(self, val: Any) -> str:
        text = str(val)
        if len(text) < self.min:
            raise InputError(f"Value must be at least {self.min} characters long")
        if self.max is not None and len(text) > self.max:
            raise InputError(f"Value must be at most {self.max} characters long")
        return text


class Text(String):
    """Text of several lines."""


class Password(String):
    """A password (shown hidden)."""


class VerifiedPassword(String):
    """A password entered twice: the input is the pair, which must match."""

    def coerce(self, vals: Any) -> str:
        if len(vals) != 2 or vals[0] != vals[1]:
            raise InputError("Please enter the same password twice.")
        return super().coerce(vals[0])


class Hidden(String):
    """A value the form carries without showing it."""


class Integer(Argument):
    """A whole number; empty input is None when ``allowNone``."""

    def __init__(self, name: str, allowNone: int = 1, default: Any = None,
                 shortDesc: str | None = None, longDesc: str | None = None,
                 hints: dict[str, Any] | None = None) -> None:
        super().__init__(name, default, shortDesc, longDesc, hints, allowNone)

    def coerce(self, val: Any) -> int | None:
        text = str(val).strip()
        if not text and self.allowNone:
            return None
        try:
            return int(text)
        except ValueError:
            raise InputError(f"{text} is not valid, please enter a whole number, e.g. 10") from None


class IntegerRange(Integer):
    """A whole number from ``min`` to ``max``."""

    def __init__(self, name: str, min: int, max: int, allowNone: int = 1, default: Any = None,
                 shortDesc: str | None = None, longDesc: str | None = None,
                 hints: dict[str, Any] | None = None) -> None:
        super().__init__(name, allowNone, default, shortDesc, longDesc, hints)
        self.min = min
        self.max = max

    def coerce(self, val: Any) -> int | None:
        result = super().coerce(val)
        if result is None:
            return None
        if not self.min <= result <= self.max:
            raise InputError(f"Value {result} is not in the range {self.min} to {self.max}")
        return result


class Float(Argument):
    """A number; empty input is None when ``allowNone``."""

    def __init__(self, name: str, allowNone: int = 1, default: Any = None,
                 shortDesc: str | None = None, longDesc: str | None = None,
                 hints: dict[str, Any] | None = None) -> None:
        super().__init__(name, default, shortDesc, longDesc, hints, allowNone)

    def coerce(self, val: Any) -> float | None:
        text = str(val).strip()
        if not text and self.allowNone:
            return None
        try:
            return float(text)
        except ValueError:
            raise InputError(f"Invalid float: {text}") from None


class Choice(Argument):
    """One of ``choices``, (tag, value, description) triples: the input is a tag."""

    def __init__(self, name: str, choices: Sequence[tuple[Any, Any, str]] = (),
                 default: Any = (), shortDesc: str | None = None, longDesc: str | None = None,
                 hints: dict[str, Any] | None = None, allowNone: int = 1) -> None:
        super().__init__(name, list(default), shortDesc, longDesc, hints, allowNone)
        self.choices = list(choices)

    def coerce(self, inIdent: Any) -> Any:
        for tag, value, _description in self.choices:
            if tag == inIdent:
                return value
        raise InputError(f"Invalid Choice: {inIdent}")


class Flags(Argument):
    """Any of ``flags``, (tag, value, description) triples: the input is a list of tags."""

    def __init__(self, name: str, flags: Sequence[tuple[Any, Any, str]] = (),
                 default: Any = (), shortDesc: str | None = None, longDesc: str | None = None,
                 hints: dict[str, Any] | None = None, allowNone: int = 1) -> None:
        super().__init__(name, list(default), shortDesc, longDesc, hints, allowNone)
        self.flags = list(flags)

    def coerce(self, inFlagKeys: Sequence[Any]) -> list[Any]:
        values = {tag: value for tag, value, _description in self.flags}
        out = []
        for key in inFlagKeys:
            if key not in values:
                raise InputError(f"Invalid Flag: {key}")
            out.append(values[key])
        return out


class CheckGroup(Flags):
    """Flags shown as check boxes."""


class RadioGroup(Choice):
    """A choice shown as radio buttons."""


class Boolean(Argument):
    """Yes or no: empty input and ``no``, ``n``, ``f``, ``false``, ``0`` are 0, the rest 1."""

    def coerce(self, inVal: Any) -> int:
        if not inVal:
            return 0
        return 0 if str(inVal).lower() in ("no", "n", "f", "false", "0") else 1


class File(Argument):
    """An uploaded file."""

    def __init__(self, name: str, allowNone: int = 1, shortDesc: str | None = None,
                 longDesc: str | None = None, hints: dict[str, Any] | None = None) -> None:
        super().__init__(name, None, shortDesc, longDesc, hints, allowNone)

    def coerce(self, file: Any) -> Any:
        if not file and self.allowNone:
            return None
        if file:
            return file
        raise InputError("Invalid File")


class Date(Argument):
    """A date from (year, month, day) input: a tuple of ints (all empty: None, when
    ``allowNone``)."""

    def __init__(self, name: str, allowNone: int = 1, default: Any = None,
                 shortDesc: str | None = None, longDesc: str | None = None,
                 hints: dict[str, Any] | None = None) -> None:
        super().__init__(name, default, shortDesc, longDesc, hints, allowNone)

    def coerce(self, args: Sequence[Any]) -> tuple[int, int, int] | None:
        if len(args) != 3:
            raise InputError("Date needs a year, a month and a day")
        if self.allowNone and not any(str(a).strip() for a in args):
            return None
        try:
            year, month, day = (int(a) for a in args)
        except ValueError:
            raise InputError("Invalid date") from None
        if not 1 <= month <= 12:
            raise InputError("Invalid month")
        if not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise InputError("Invalid day")
        return year, month, day


class Submit(Choice):
    """The form's submit buttons (a choice; ``reset`` adds a reset button)."""

    def __init__(self, name: str,
                 choices: Sequence[tuple[Any, Any, str]] = (("Submit", "submit", "Submit form"),),
                 reset: int = 0, shortDesc: str | None = None, longDesc: str | None = None,
                 allowNone: int = 0, hints: dict[str, Any] | None = None) -> None:
        super().__init__(name, choices, (), shortDesc, longDesc, hints, allowNone)
        self.reset = reset

    def coerce(self, value: Any) -> Any:
        if self.allowNone and not value:
            return None
        return super().coerce(value)


class PresentationHint:
    """A hint for presenting a form."""


class MethodSignature:
    """The arguments of a method, in order."""

    def __init__(self, *sigList: Argument) -> None:
        self.methodSignature = sigList

    def getArgument(self, name: str) -> Argument | None:
        """The argument called ``name``, else None."""
        for argument in self.methodSignature:
            if argument.name == name:
                return argument
        return None

    def method(self, callable: Callable[..., Any], takesRequest: bool = False) -> FormMethod:
        """``callable`` with this signature."""
        return FormMethod(self, callable, takesRequest)


class FormMethod:
    """A callable together with the signature of its form."""

    def __init__(self, signature: MethodSignature, callable: Callable[..., Any],
                 takesRequest: bool = False) -> None:
        self.signature = signature
        self.callable = callable
        self.takesRequest = takesRequest

    def getArgs(self) -> tuple[Argument, ...]:
        """The arguments, in order."""
        return tuple(self.signature.methodSignature)

    def call(self, *args: Any, **kw: Any) -> Any:
        """Call the method."""
        return self.callable(*args, **kw)
