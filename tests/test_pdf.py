"""The PDF edition (`make pdf`, run by `make test`): one file with every chapter, its
figures drawn, the explorers described in place of their controls, offered by the site."""

from __future__ import annotations

import re

import pytest

from .conftest import ROOT

PDF = ROOT / "_build" / "html" / "_downloads" / "how-imiquimod-works.pdf"
pytestmark = pytest.mark.book


@pytest.fixture(scope="module")
def pages() -> list[str]:
    from pypdf import PdfReader

    if not PDF.exists():
        pytest.fail("no PDF edition: run `make pdf` (make test does it for you)")
    reader = PdfReader(PDF)
    assert len(reader.pages) > 40
    return [page.extract_text() for page in reader.pages]


@pytest.fixture(scope="module")
def text(pages) -> str:
    return "\n".join(pages)


def _title(name: str) -> str:
    """A page's title: the first level-1 heading after its front matter."""
    source = (ROOT / "book" / f"{name}.md").read_text()
    body = source.split("\n---\n", 1)[1] if source.startswith("---\n") else source
    return next(line[2:].strip() for line in body.splitlines() if line.startswith("# "))


def test_every_chapter_title_is_in_the_pdf(text):
    flat = " ".join(text.split())
    toc = (ROOT / "_toc.yml").read_text()
    for name in ["intro", *re.findall(r"file: book/([\w-]+)", toc)]:
        assert _title(name) in flat, _title(name)


def test_every_chapter_starts_a_new_page(pages):
    tops = [" ".join(page.split())[:160] for page in pages]
    for name in re.findall(r"file: book/([\w-]+)", (ROOT / "_toc.yml").read_text()):
        assert any(_title(name) in top for top in tops), _title(name)


def test_explorers_are_described_not_controlled(text):
    flat = " ".join(text.split())
    assert "Two panels over the 44 weeks from the first application" in flat  # a description
    assert "Weeks of treatment in one cycle" not in flat  # a control's label


def test_the_site_offers_the_pdf(site):
    html = (site / "book" / "outcomes.html").read_text()
    assert "../_downloads/how-imiquimod-works.pdf" in html
