"""Test helpers for twistio.web, as ``twisted.web.test`` offers them (``requesthelper``)."""
