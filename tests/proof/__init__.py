"""Twisted's own unit tests, run against twistio (``python -m tests.proof``).

Twisted's test modules are taken from Twisted's sdist, downloaded at run time into a cache
outside the repository (``~/.cache/twistio-proof`` by default), never copied here; see
``__main__`` for the runner and ``_child`` for how one module runs under the alias.
"""
