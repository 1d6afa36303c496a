"""``pyhtmlizer``: a Python source file as an HTML page (``FILE.html`` beside it).

    python -m twistio.scripts.htmlizer [--stylesheet URL] source.py

The page holds the source coloured by :mod:`twistio.python.htmlizer` (one ``<span
class="py-src-KIND">`` a token), a link to the source itself and, when given, to a style
sheet.
"""

from __future__ import annotations

import html
import sys

from twistio import version
from twistio.python import htmlizer, usage

__all__ = ["Options", "run"]

# The pieces of the page; each %-template takes a dictionary.
header = """<html><head>
<title>%(title)s</title>
<meta name="Generator" content="%(generator)s" />
%(alternate)s%(stylesheet)s</head>
<body>
"""
footer = "</body></html>\n"
styleLink = '<link rel="stylesheet" href="%s" type="text/css" />\n'
alternateLink = '<link rel="alternate" href="%(source)s" type="text/x-python" />\n'


class Options(usage.Options):
    synopsis = "Usage: pyhtmlizer [options] source.py"
    optParameters = [("stylesheet", "s", None, "URL of stylesheet to link to.")]
    compData = usage.Completions(extraActions=[usage.CompleteFiles("*.py")])

    def parseArgs(self, filename: str) -> None:  # type: ignore[override]
        self["filename"] = filename


def run() -> None:
    """Read the command line, write ``FILE.html``; a bad command line prints the problem
    and the usage and exits with status 2."""
    options = Options()
    try:
        options.parseOptions()
    except usage.UsageError as e:
        sys.stderr.write(f"{options}\nerror: {e}\n")
        sys.exit(2)
    filename = options["filename"]
    quoted = html.escape(filename, quote=True)
    stylesheet = options.get("stylesheet")
    head = header % {
        "title": html.escape(filename),
        "generator": f"htmlizer/[twistio, version {version.short()}]",
        "alternate": alternateLink % {"source": quoted},
        "stylesheet": styleLink % html.escape(stylesheet, quote=True) if stylesheet else "",
    }
    with open(filename, "rb") as source, open(filename + ".html", "wb") as page:
        page.write(head.encode("utf-8"))
        htmlizer.filter(source, page, htmlizer.SmallerHTMLWriter)
        page.write(footer.encode("utf-8"))


if __name__ == "__main__":
    run()
