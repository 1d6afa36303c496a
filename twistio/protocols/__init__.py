"""Protocols built on the core: framing (``basic``) and wrappers (``policies``)."""
