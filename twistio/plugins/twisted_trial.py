"""trial's reporters as plugins (``getPlugins(IReporter)``): what ``--reporter`` offers."""

from __future__ import annotations

from dataclasses import dataclass

from twistio.internet.interfaces import implementer
from twistio.plugin import IPlugin
from twistio.trial.itrial import IReporter


@implementer(IPlugin, IReporter)
@dataclass(frozen=True, repr=False)
class _Reporter:
    """Describes one reporter: its name and help, its command-line options, and where its
    class is (``module`` and ``klass``, loaded when chosen)."""

    name: str
    module: str
    description: str
    longOpt: str
    shortOpt: str | None
    klass: str

    def __repr__(self) -> str:
        return f"<trial reporter plugin {self.longOpt!r}: {self.module}.{self.klass}>"


_MODULE = "twistio.trial.reporter"

Tree = _Reporter(
    "Tree Reporter",
    _MODULE,
    "verbose color output (default reporter)",
    "verbose",
    "v",
    "TreeReporter",
)
BlackAndWhite = _Reporter(
    "Black-And-White Reporter",
    _MODULE,
    "Colorless verbose output",
    "bwverbose",
    "o",
    "VerboseTextReporter",
)
Minimal = _Reporter(
    "Minimal Reporter", _MODULE, "minimal summary output", "summary", "s", "MinimalReporter"
)
Classic = _Reporter("Classic Reporter", _MODULE, "terse text output", "text", "t", "TextReporter")
Timing = _Reporter(
    "Timing Reporter", _MODULE, "Timing output", "timing", None, "TimingTextReporter"
)
Subunit = _Reporter(
    "Subunit Reporter", _MODULE, "subunit output", "subunit", None, "SubunitReporter"
)
