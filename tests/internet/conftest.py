"""Fixtures for the reactor tests.

The loops these tests run on (asyncio's, uvloop's, and a "noreader" loop standing in for
Windows' Proactor) and the list of modules run on all of them live in tests/conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LOOP_FACTORIES, NoReaderEventLoop

__all__ = ["LOOP_FACTORIES", "NoReaderEventLoop"]


@pytest.fixture
def reactor() -> Any:
    """A fresh reactor; inside an async test it uses the test's running loop."""
    from twistio.internet._reactor import AsyncioReactor

    return AsyncioReactor()
