"""Third-party libraries' own test suites, run under real Twisted and under twistio's alias.

``python -m tests.thirdparty [LIB ...]`` (see ``__main__.py`` and docs/thirdparty.md).
"""
