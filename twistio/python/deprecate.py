"""Deprecation helpers with Twisted's names and warning texts.

Ported code and its tests match the texts, so they are Twisted's: ``"<fqpn> was deprecated in
Twisted 1.2.3; please use <replacement> instead"``.

``deprecatedModuleAttribute`` keeps the module object itself in ``sys.modules`` (its class
becomes a ``ModuleType`` subclass that warns on access to the deprecated names); Twisted puts a
proxy object there instead.
"""

from __future__ import annotations

import functools
import inspect
import sys
import types
import warnings
from collections.abc import Callable, Sequence
from dis import findlinestarts
from typing import Any, TypeVar
from warnings import warn_explicit

from twistio.python import _spelling
from twistio.python.versions import Version, getVersionString

__all__ = [
    "deprecated",
    "deprecatedKeywordParameter",
    "deprecatedModuleAttribute",
    "deprecatedProperty",
    "getDeprecationWarningString",
    "getWarningMethod",
    "setWarningMethod",
]

_F = TypeVar("_F", bound=Callable[..., Any])

#: The default text of a deprecation warning.
DEPRECATION_WARNING_FORMAT = "%(fqpn)s was deprecated in %(version)s"

#: The function deprecations warn through; ``setWarningMethod`` replaces it.
warn: Callable[..., Any] = warnings.warn


def getWarningMethod() -> Callable[..., Any]:
    """The function used to emit deprecation warnings (``warnings.warn`` by default)."""
    return warn


def setWarningMethod(newMethod: Callable[..., Any]) -> None:
    """Emit deprecation warnings through ``newMethod(message, category, stacklevel=n)``."""
    global warn
    warn = newMethod


def _fullyQualifiedName(obj: Any) -> str:
    """``module.Class.method``-style name of a module, class, function or method."""
    from twistio.python.reflect import fullyQualifiedName

    return fullyQualifiedName(obj)


def _spelledText(build: Callable[[], str]) -> Callable[[], str]:
    """``build()``'s text, built once per spelling of module paths.

    A warning names objects by their module path, and that reads ``twisted.*`` while the
    ``twisted`` alias is installed (python._spelling): texts prepared when a function is
    decorated are therefore built when first warned, under the spelling then in force.
    """
    built: dict[str | None, str] = {}

    def text() -> str:
        key = _spelling.alias
        found = built.get(key)
        if found is None:
            found = built[key] = build()
        return found

    return text


def _replacement_text(replacement: Any) -> str:
    if isinstance(replacement, str):
        return _spelling.spelledText(replacement)
    return _fullyQualifiedName(replacement)


def _getReplacementString(replacement: Any) -> str:
    """``"please use X instead"`` for a name or an object."""
    return f"please use {_replacement_text(replacement)} instead"


def _getDeprecationDocstring(version: Version, replacement: Any = None) -> str:
    """The sentence appended to a deprecated object's docstring."""
    text = f"Deprecated in {getVersionString(version)}"
    if replacement:
        text += "; " + _getReplacementString(replacement)
    return text + "."


def _getDeprecationWarningString(
    fqpn: str, version: Version, format: str | None = None, replacement: Any = None
) -> str:
    """The warning text for the object named ``fqpn`` (spelled ``twisted.*`` for twistio's
    own under the alias, see ``_spelling``)."""
    text = (format or DEPRECATION_WARNING_FORMAT) % {
        "fqpn": _spelling.spelled(fqpn),
        "version": getVersionString(version),
    }
    if replacement:
        text += "; " + _getReplacementString(replacement)
    return text


def getDeprecationWarningString(
    callableThing: Any, version: Version, format: str | None = None, replacement: Any = None
) -> str:
    """The warning text for calling the deprecated ``callableThing``."""
    return _getDeprecationWarningString(
        _fullyQualifiedName(callableThing), version, format, replacement
    )


def _appendToDocstring(thingWithDoc: Any, textToAppend: str) -> None:
    """Add a paragraph to ``thingWithDoc.__doc__``, keeping its trailing indentation."""
    doc = thingWithDoc.__doc__
    if not doc:
        thingWithDoc.__doc__ = textToAppend
        return
    lines = doc.splitlines()
    indent = ""
    if len(lines) > 1:
        lines = [line.lstrip(" ") for line in lines]
        if not lines[-1].strip():
            indent = lines.pop()
    lines += ["", indent + textToAppend, indent]
    thingWithDoc.__doc__ = "\n".join(lines)


def deprecated(version: Version, replacement: Any = None) -> Callable[[_F], _F]:
    """Decorator: calling the function (or class) warns that it is deprecated since ``version``.

    ``replacement`` (a name or an object) is suggested in the warning and the docstring.
    """

    def decorate(function: _F) -> _F:
        message = _spelledText(
            lambda: getDeprecationWarningString(function, version, None, replacement)
        )

        @functools.wraps(function)
        def deprecatedFunction(*args: Any, **kwargs: Any) -> Any:
            warn(message(), DeprecationWarning, stacklevel=2)
            return function(*args, **kwargs)

        _appendToDocstring(deprecatedFunction, _getDeprecationDocstring(version, replacement))
        deprecatedFunction.deprecatedVersion = version  # type: ignore[attr-defined]
        return deprecatedFunction  # type: ignore[return-value]

    return decorate


class _DeprecatedProperty(property):
    # A property whose getter, setter and deleter warn. (No class docstring: it would
    # shadow the instance's own __doc__.)

    _message: Callable[[], str] = staticmethod(lambda: "")

    @property
    def warningString(self) -> str:
        """The text accessing the property warns with."""
        return self._message()

    @warningString.setter
    def warningString(self, value: str) -> None:
        self.__dict__["_message"] = lambda: value

    def __init__(self, fget: Any = None, fset: Any = None, fdel: Any = None, doc: Any = None):
        super().__init__(fget, fset, fdel, doc)
        self.__dict__["__doc__"] = doc

    def _wrap(self, function: Callable[..., Any] | None) -> Callable[..., Any] | None:
        if function is None or getattr(function, "_twistio_deprecation", False):
            return function
        message = self._message

        @functools.wraps(function)
        def deprecatedAccess(*args: Any, **kwargs: Any) -> Any:
            warn(message(), DeprecationWarning, stacklevel=2)
            return function(*args, **kwargs)

        deprecatedAccess._twistio_deprecation = True  # type: ignore[attr-defined]
        return deprecatedAccess

    def _copy(self, fget: Any, fset: Any, fdel: Any) -> _DeprecatedProperty:
        new = _DeprecatedProperty(fget, self._wrap(fset), self._wrap(fdel), self.__doc__)
        new.__dict__["_message"] = self._message
        return new

    def getter(self, fget: Callable[[Any], Any]) -> _DeprecatedProperty:
        return self._copy(self._wrap(fget), self.fset, self.fdel)

    def setter(self, fset: Callable[[Any, Any], None]) -> _DeprecatedProperty:
        return self._copy(self.fget, fset, self.fdel)

    def deleter(self, fdel: Callable[[Any], None]) -> _DeprecatedProperty:
        return self._copy(self.fget, self.fset, fdel)


def deprecatedProperty(version: Version, replacement: Any = None) -> Callable[[Any], Any]:
    """Like ``deprecated``, for a property: reading, setting or deleting it warns."""

    def decorate(function: Callable[..., Any]) -> _DeprecatedProperty:
        message = _spelledText(
            lambda: getDeprecationWarningString(function, version, None, replacement)
        )

        class _Holder:
            __doc__ = function.__doc__

        _appendToDocstring(_Holder, _getDeprecationDocstring(version, replacement))
        prop = _DeprecatedProperty(None, None, None, _Holder.__doc__)
        prop.__dict__["_message"] = message
        result = prop.getter(function)
        result.deprecatedVersion = version  # type: ignore[attr-defined]
        return result

    return decorate


class _DeprecatedAttribute:
    """A module attribute that warns when read through the module."""

    def __init__(self, module: types.ModuleType, name: str, version: Version, message: str):
        self.module = module
        self.__name__ = name
        self.version = version
        self.message = message

    @property
    def fqpn(self) -> str:
        """``module.name``, spelled as the program imports the module."""
        return _spelling.spelled(self.module.__name__ + "." + self.__name__)

    def get(self) -> Any:
        """The attribute's current value, after the warning."""
        value = types.ModuleType.__getattribute__(self.module, self.__name__)
        # (Not ``getattr``: that would come back through the deprecating module's hook.)
        message = self.message
        if self.module.__name__.startswith("twistio."):
            message = _spelling.spelledText(message)  # twistio's own text names its modules
        text = _getDeprecationWarningString(self.fqpn, self.version) + ": " + message
        warn(text, DeprecationWarning, stacklevel=3)
        return value


class _DeprecatingModule(types.ModuleType):
    """A module some of whose attributes are deprecated (``deprecatedModuleAttribute``
    switches the module's class to this)."""

    _twistio_deprecated: dict[str, _DeprecatedAttribute]

    def __getattribute__(self, name: str) -> Any:
        deprecated_names = types.ModuleType.__getattribute__(self, "__dict__").get(
            "_twistio_deprecated"
        )
        if deprecated_names is not None:
            attribute = deprecated_names.get(name)
            if attribute is not None:
                if sys._getframe(1).f_code.co_name == "_handle_fromlist":
                    # ``from package import name`` asks twice (importlib's hasattr, then
                    # the import itself): warn once, as Twisted does.
                    return types.ModuleType.__getattribute__(self, name)
                return attribute.get()
        return types.ModuleType.__getattribute__(self, name)


class _ModuleProxy:
    """Twisted's wrapper of a module that intercepts deprecated attributes.

    ``deprecatedModuleAttribute`` does not use it (it keeps the module object); it exists
    for code that wraps a module itself.
    """

    def __init__(self, module: types.ModuleType) -> None:
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_deprecatedAttributes", {})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} module={object.__getattribute__(self, '_module')!r}>"

    def __setattr__(self, name: str, value: object) -> None:
        setattr(object.__getattribute__(self, "_module"), name, value)

    def __getattribute__(self, name: str) -> Any:
        deprecated = object.__getattribute__(self, "_deprecatedAttributes").get(name)
        if deprecated is not None:
            return deprecated.get()
        return getattr(object.__getattribute__(self, "_module"), name)


_proxy_classes: dict[type, type] = {types.ModuleType: _DeprecatingModule}


def _deprecateAttribute(proxy: Any, name: str, version: Version, message: str) -> None:
    """Mark ``proxy.name`` deprecated (``proxy``: a ``_ModuleProxy`` or a module already
    switched to ``_DeprecatingModule``)."""
    if isinstance(proxy, _ModuleProxy):
        module = object.__getattribute__(proxy, "_module")
        registry = object.__getattribute__(proxy, "_deprecatedAttributes")
    else:
        module = proxy
        registry = proxy.__dict__.setdefault("_twistio_deprecated", {})
    registry[name] = _DeprecatedAttribute(module, name, version, message)


def deprecatedModuleAttribute(version: Version, message: str, moduleName: str, name: str) -> None:
    """Reading ``moduleName.name`` from outside the module warns from now on.

    The warning reads ``"<module>.<name> was deprecated in <version>: <message>"``.
    """
    module = sys.modules[moduleName]
    if not isinstance(module, (_DeprecatingModule, _ModuleProxy)):
        kind = type(module)
        proxy_class = _proxy_classes.get(kind)
        if proxy_class is None:
            proxy_class = type(kind.__name__, (_DeprecatingModule, kind), {})
            _proxy_classes[kind] = proxy_class
        module.__class__ = proxy_class
    _deprecateAttribute(module, name, version, message)


def warnAboutFunction(offender: Callable[..., Any], warningString: str) -> None:
    """Emit a ``DeprecationWarning`` attributed to the last line of ``offender``'s code."""
    code = offender.__code__
    lines = [line for _, line in findlinestarts(code) if line is not None]
    lineno = max(lines) if lines else code.co_firstlineno
    module_globals = offender.__globals__
    warn_explicit(
        warningString,
        category=DeprecationWarning,
        filename=code.co_filename,
        lineno=lineno,
        module=offender.__module__,
        registry=module_globals.setdefault("__warningregistry__", {}),
        module_globals=None,
    )


def _passedSignature(
    signature: inspect.Signature, positional: tuple[object, ...], keyword: dict[str, object]
) -> dict[str, object]:
    """Map each parameter name of ``signature`` to what a call passed (errors as TypeError)."""
    result: dict[str, object] = {}
    remaining = list(positional)
    unused = dict(keyword)
    extra_keywords: dict[str, object] | None = None
    extra_name = None
    kinds = inspect.Parameter
    for name, param in signature.parameters.items():
        kind = param.kind
        if kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD):
            if remaining:
                if name in unused and kind is kinds.POSITIONAL_OR_KEYWORD:
                    raise TypeError("Already passed.")
                result[name] = remaining.pop(0)
            elif name in unused and kind is kinds.POSITIONAL_OR_KEYWORD:
                result[name] = unused.pop(name)
        elif kind is kinds.VAR_POSITIONAL:
            result[name] = tuple(remaining)
            remaining = []
        elif kind is kinds.KEYWORD_ONLY:
            if name in unused:
                result[name] = unused.pop(name)
            elif param.default is not kinds.empty:
                result[name] = param.default
            else:
                raise TypeError(f"missing keyword arg {name}")
        elif kind is kinds.VAR_KEYWORD:
            extra_name = name
            extra_keywords = {}
        else:
            raise TypeError(f"{param.name!r} parameter is of unsupported kind {kind!r}")
    if remaining:
        raise TypeError("Too many arguments.")
    if unused:
        if extra_keywords is None or extra_name is None:
            raise TypeError("no such param")
        extra_keywords.update(unused)
    if extra_name is not None:
        result[extra_name] = extra_keywords
    return result


def _mutuallyExclusiveArguments(
    argumentPairs: Sequence[tuple[str, str]],
) -> Callable[[_F], _F]:
    """Decorator: passing both arguments of any pair raises ``TypeError``."""

    def decorate(function: _F) -> _F:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def checked(*args: Any, **kwargs: Any) -> Any:
            passed = _passedSignature(signature, args, kwargs)
            for first, second in argumentPairs:
                if first in passed and second in passed:
                    raise TypeError(
                        f"The {first!r} and {second!r} arguments to "
                        f"{_fullyQualifiedName(function)} are mutually exclusive."
                    )
            return function(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def deprecatedKeywordParameter(
    version: Version, name: str, replacement: str | None = None
) -> Callable[[_F], _F]:
    """Decorator: passing parameter ``name`` (by keyword or position) warns."""

    def decorate(function: _F) -> _F:
        def build() -> str:
            text = (
                f"The {name!r} parameter to {_fullyQualifiedName(function)} was deprecated "
                f"in {getVersionString(version)}"
            )
            if replacement:
                text += "; " + _getReplacementString(replacement)
            return text

        message = _spelledText(build)
        doc = f"The {name!r} parameter was deprecated in {getVersionString(version)}"
        if replacement:
            doc += "; " + _getReplacementString(replacement)
        doc += "."
        position: int | None = None
        params = list(inspect.signature(function).parameters.values())
        for index, param in enumerate(params):
            if param.name == name and param.kind in (
                param.POSITIONAL_ONLY,
                param.POSITIONAL_OR_KEYWORD,
            ):
                position = index

        @functools.wraps(function)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if name in kwargs or (position is not None and len(args) > position):
                warn(message(), DeprecationWarning, stacklevel=2)
            return function(*args, **kwargs)

        _appendToDocstring(checked, doc)
        return checked  # type: ignore[return-value]

    return decorate
