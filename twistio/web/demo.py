"""The page ``twistd web`` serves when told nothing else to serve."""

from __future__ import annotations

from twistio.web import static

__all__ = ["Test"]

_PAGE = b"""<!DOCTYPE html>
<html><head><title>twistio web</title></head>
<body><h1>It works</h1>
<p>This server runs <code>twistd web</code> without anything to serve. Give it
<code>--path DIRECTORY</code>, <code>--wsgi package.module.app</code>,
<code>--resource-script FILE.rpy</code> or <code>--class package.module.Resource</code>.</p>
</body></html>
"""


class Test(static.Data):
    """A fixed HTML page saying the server works and how to make it serve something."""

    def __init__(self) -> None:
        super().__init__(_PAGE, "text/html")
