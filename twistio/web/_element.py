"""Where Twisted defines ``Element`` (``twisted.web._element``): the same objects as
``twistio.web.template``'s, for code that imports them from here."""

from __future__ import annotations

from twistio.web._template_util import Element, Expose, renderer
from twistio.web.error import MissingRenderMethod, MissingTemplateLoader, UnexposedMethodError

__all__ = [
    "Element",
    "Expose",
    "MissingRenderMethod",
    "MissingTemplateLoader",
    "UnexposedMethodError",
    "renderer",
]
