"""Twisted's ``twisted.python`` support layer: failure, log, reflect, deprecate, util and the rest."""

from twistio.python.deprecate import deprecatedModuleAttribute as _deprecatedModuleAttribute
from twistio.python.versions import Version as _Version

_deprecatedModuleAttribute(
    _Version("Twisted", 17, 5, 0), "Please use hyperlink from PyPI instead.", __name__, "url"
)
