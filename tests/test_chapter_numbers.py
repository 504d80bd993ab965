"""Chapter numbers come from the table of contents, never typed: the chapters refer to one
another by name ({doc}), and a docstring that names a chapter by number and title gives the
number the toc gives that title."""

from __future__ import annotations

import re

import pytest

from .conftest import ROOT

#: a typed chapter number: "chapter 4", "chapters 1 to 3b", "chapters 1–3", "Chapter 4's"
TYPED = re.compile(r"\b[Cc]hapters?\s+(\d+[a-z]?)(?:\s*(?:to|–|-|and)\s*(\d+[a-z]?))?")
#: a docstring's "Chapter N, "Title"" (the title in straight or curly quotes)
NAMED = re.compile(r"\bChapter\s+(\d+[a-z]?),\s*[\"“]([^\"”]+)[\"”]")


def _titles_in_toc_order() -> list[str]:
    """The titles of the numbered chapters, in the order the toc numbers them."""
    toc = (ROOT / "_toc.yml").read_text()
    titles = []
    for part in re.split(r"\n  - caption:", toc)[1:]:
        if "numbered: true" not in part:
            continue
        for name in re.findall(r"file: book/([\w-]+)", part):
            body = (ROOT / "book" / f"{name}.md").read_text()
            titles.append(next(ln[2:].strip() for ln in body.splitlines() if ln.startswith("# ")))
    return titles


def test_the_toc_numbers_five_chapters():
    """The list the other tests check against (an empty list would check nothing)."""
    assert _titles_in_toc_order()[0] == "From cream to receptor"
    assert len(_titles_in_toc_order()) == 5


def typed_numbers(text: str) -> list[str]:
    """Every typed chapter number in ``text``, as written."""
    return [m[0] for m in TYPED.finditer(text)]


def test_typed_numbers_are_found():
    assert typed_numbers("the mechanism of chapters 1 to 3b, and chapter 4's calibration") == [
        "chapters 1 to 3b",
        "chapter 4",
    ]
    assert typed_numbers("(chapters 1–3)") == ["chapters 1–3"]
    assert typed_numbers("in {doc}`outcomes`, a chapter of its own") == []


@pytest.mark.parametrize("page", sorted((ROOT / "book").glob("*.md")), ids=lambda p: p.name)
def test_no_chapter_types_a_chapter_number(page):
    """The book's pages name a chapter with {doc} (its title, from the toc), never by a
    number typed into the text, which goes stale when the toc changes."""
    assert typed_numbers(page.read_text()) == [], page.name


def test_a_docstring_numbering_a_chapter_agrees_with_the_toc():
    titles = _titles_in_toc_order()
    found = 0
    for module in sorted((ROOT / "src" / "imiquimod_model" / "book").rglob("*.py")):
        for number, title in NAMED.findall(module.read_text()):
            found += 1
            assert title in titles, (module.name, title)
            assert number == str(titles.index(title) + 1), (module.name, number, title)
    assert found >= 5  # one for each chapter's figures module
