"""HTML templating, as ``twisted.web.template``: build or load a tree of tags, then flatten
it to bytes through Deferreds.

- ``tags.div(...)``, ``Tag``, ``slot``, ``Comment``, ``CDATA``, ``CharRef``: the tree;
- ``Element`` with a ``loader`` (``XMLString``, ``XMLFile``, ``TagLoader``) and
  ``@renderer`` methods; templates use the ``t:`` namespace (``TEMPLATE_NAMESPACE``) for
  ``t:render``, ``t:slot``, ``t:attr`` and ``t:transparent``;
- ``flatten``, ``flattenString`` and ``renderElement`` turn a tree into bytes; render
  methods may return Deferreds or coroutines.

Text and attribute values are escaped. ``raw`` (twistio only) marks trusted markup that is
written unescaped; Twisted has no equivalent.
"""

from __future__ import annotations

from twistio.web._flatten import flatten as flatten
from twistio.web._flatten import flattenString as flattenString
from twistio.web._stan import CDATA as CDATA
from twistio.web._stan import CharRef as CharRef
from twistio.web._stan import Comment as Comment
from twistio.web._stan import Flattenable as Flattenable
from twistio.web._stan import Tag as Tag
from twistio.web._stan import raw as raw
from twistio.web._stan import slot as slot
from twistio.web._template_util import TEMPLATE_NAMESPACE as TEMPLATE_NAMESPACE
from twistio.web._template_util import VALID_HTML_TAG_NAMES as VALID_HTML_TAG_NAMES
from twistio.web._template_util import Element as Element
from twistio.web._template_util import TagLoader as TagLoader
from twistio.web._template_util import XMLFile as XMLFile
from twistio.web._template_util import XMLString as XMLString
from twistio.web._template_util import renderElement as renderElement
from twistio.web._template_util import renderer as renderer
from twistio.web._template_util import tags as tags

__all__ = [
    "CDATA",
    "TEMPLATE_NAMESPACE",
    "VALID_HTML_TAG_NAMES",
    "CharRef",
    "Comment",
    "Element",
    "Flattenable",
    "Tag",
    "TagLoader",
    "XMLFile",
    "XMLString",
    "flatten",
    "flattenString",
    "raw",
    "renderElement",
    "renderer",
    "slot",
    "tags",
]
