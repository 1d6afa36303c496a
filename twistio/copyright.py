"""The version and copyright of this package (``twisted.copyright`` under the alias)."""

from __future__ import annotations

from twistio import __version__ as version

__all__ = ["copyright", "disclaimer", "longversion", "version"]

longversion = f"twistio {version}"

copyright = "Copyright (c) twistio contributors. See LICENSE for details."

disclaimer = """
twistio is provided "as is", without warranty of any kind, express or implied; see the
LICENSE file that comes with it for the terms of use and distribution.
"""
