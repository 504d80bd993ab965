"""Shared fixtures: the repository root and the built site."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site; `make test` builds it first."""
    if not (SITE / "book" / "intro.html").exists():
        pytest.fail("the book is not built: run `make book` (make test does it for you)")
    return SITE
