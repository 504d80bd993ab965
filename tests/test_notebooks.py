"""Reader notebooks: each book-only role and directive becomes what the book prints."""

from __future__ import annotations

import re

import jupytext
import nbformat
import pytest
from pybtex.database import parse_string

from imiquimod_model.book import notebooks as nb
from imiquimod_model.book.notebooks import BookIndex, Reference

from .conftest import ROOT
from .test_book import CHAPTERS

SMITH = Reference("Smith et al., 2001", "Smith et al.", "2001", "Smith A (2001).", "https://x/1")
JONES = Reference("Jones, 2002", "Jones", "2002", "Jones B (2002).", None)
INDEX = BookIndex(
    titles={"pk": "From cream to receptor", "killers": "Killers", "glossary": "Glossary"},
    chapter_numbers={"pk": "1", "killers": "3"},
    numbers={
        "fig-a": ("killers", "Fig. 3.2"),
        "tbl-a": ("killers", "Table 3.1"),
        "eq-a": ("killers", "(3.1)"),
        "ex-a": ("killers", "Exercise 3.2"),
        "fig-pk": ("pk", "Fig. 1.1"),
    },
    terms={"pdc": "Plasmacytoid dendritic cell, a rare immune cell.", "mast cell": "A cell."},
    references={"Smith2001": SMITH, "Jones2002": JONES},
    notebooks=frozenset({"pk", "killers", "glossary"}),
)
GLUE = {
    "rate": {"text/plain": "0.123456"},
    "n": {"text/plain": "9"},
    "label": {"text/plain": "'text'"},
    "table": {"text/plain": "<Markdown>", "text/markdown": "| a |\n|---|\n| {cite:p}`Jones2002` |"},
}


def _resolve(text, here="killers"):
    cited = []
    return nb.resolve_directives(text, here, INDEX, GLUE, cited), cited


def test_citations_become_author_year_links_and_are_collected_in_order():
    text, cited = _resolve("As shown {cite:p}`Jones2002,Smith2001`; {cite:t}`Smith2001` said.")
    assert text == (
        "As shown (Jones, 2002; [Smith et al., 2001](https://x/1)); "
        "[Smith et al. (2001)](https://x/1) said."
    )
    assert cited == ["Jones2002", "Smith2001"]


def test_glued_numbers_take_their_format_and_strings_lose_their_quotes():
    assert _resolve("{glue:text}`rate:.2f` and {glue:text}`n` and {glue:text}`label`")[0] == (
        "0.12 and 9 and text"
    )


def test_a_glued_table_is_inlined_and_its_citations_resolved():
    text, cited = _resolve("```{glue:md} table\n:format: myst\n```")
    assert text == "| a |\n|---|\n| (Jones, 2002) |"
    assert cited == ["Jones2002"]


def test_terms_link_to_the_glossary_with_the_definition_as_hover_text():
    text, _ = _resolve("the {term}`plasmacytoid dendritic\ncells <pDC>` and {term}`mast cell`")
    assert text == (
        'the [plasmacytoid dendritic cells](glossary.ipynb#term-pdc "Plasmacytoid dendritic '
        'cell, a rare immune cell.") and [mast cell](glossary.ipynb#term-mast-cell "A cell.")'
    )


def test_numbers_are_the_books_and_link_only_across_pages():
    text, _ = _resolve("{numref}`fig-a`, {numref}`Figure %s <fig-a>`, {numref}`fig-pk`, {eq}`eq-a`")
    assert text == "Fig. 3.2, Fig. 3.2, [Fig. 1.1](pk.ipynb), (3.1)"


def test_doc_links_name_the_page_and_open_its_notebook():
    assert _resolve("see {doc}`pk` and {doc}`the glossary <glossary>`")[0] == (
        "see [From cream to receptor](pk.ipynb) and [the glossary](glossary.ipynb)"
    )


@pytest.mark.parametrize(
    "bad",
    [
        "{cite:p}`Nobody1999`",
        "{glue:text}`missing`",
        "{term}`unknown`",
        "{numref}`fig-x`",
        "{doc}`nowhere`",
    ],
)
def test_a_reference_the_book_does_not_have_is_an_error(bad):
    with pytest.raises(ValueError):
        _resolve(bad)


def test_tables_math_and_exercises_carry_the_books_numbers():
    source = (
        "````{table} The knockouts.\n:name: tbl-a\n\n```{glue:md} table\n:format: myst\n```\n````\n"
        "```{math}\n:label: eq-a\nx = 1\n```\n"
        "```{exercise}\n:label: ex-a\n\nDo it.\n```\n"
        "```{solution} ex-a\n:class: dropdown\n\nDone.\n```\n"
        ":::{note}\nKeep me.\n:::"
    )
    text, _ = _resolve(source)
    assert "**Table 3.1.** The knockouts.\n\n| a |" in text
    assert "$$\nx = 1 \\tag{3.1}\n$$" in text
    assert "```{admonition} Exercise 3.2\n:class: tip\n\nDo it.\n```" in text
    assert "```{dropdown} Solution to Exercise 3.2\n\nDone.\n```" in text
    assert ":::{note}\nKeep me.\n:::" in text


def test_layout_containers_are_unwrapped():
    assert _resolve("````{container} full-width\n```{glue:md} table\n```\n````")[0].startswith(
        "| a |"
    )


CHAPTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---

# Killers

Text {cite:p}`Smith2001`.

```{code-cell} ipython3
:tags: [remove-cell]

x = 1
```

```{code-cell} ipython3
---
tags: [remove-input]
mystnb:
  figure:
    caption: The {term}`pDC` figure.
    name: fig-a
---
show(x)
```

More.
"""


def test_a_reader_notebook_keeps_the_code_and_adds_captions_and_references():
    notebook = nb.reader_notebook(CHAPTER, "killers", INDEX, {})
    nbformat.validate(notebook)
    kinds = [c.cell_type for c in notebook.cells]
    assert kinds == ["code", "markdown", "code", "code", "markdown", "markdown", "markdown"]
    setup, title, hidden, figure, caption, _, refs = notebook.cells
    assert "import imiquimod_model" in setup.source and setup.metadata.jupyter.source_hidden
    assert title.source == "# 3. Killers\n\nText ([Smith et al., 2001](https://x/1))."
    assert hidden.source == "x = 1" and hidden.metadata.jupyter.source_hidden
    assert figure.source == "show(x)"
    assert caption.source.startswith("**Fig. 3.2.** The [pDC](glossary.ipynb#term-pdc")
    assert refs.source == "## References\n\n- Smith A (2001)."
    assert notebook.metadata.kernelspec.name == "python3"


BIB = r"""
@article{One, author = {Smith, Anna}, title = {A {TLR7} study}, journal = {J Imm},
  year = {2001}, volume = {3}, number = {2}, pages = {10--20}, doi = {10.1/abc}}
@article{Two, author = {Smith, Anna and Jones, Bo}, title = {T}, journal = {J}, year = {2002}}
@article{Many, author = {Sandby-M{\o}ller, Jane and Poulsen, T. and Wulf, H. C.},
  title = {T}, journal = {J}, year = {2003}}
@article{Others, author = {Hemmi, Hiroaki and others}, title = {T}, journal = {J}, year = {2002}}
@manual{Label, title = {{ALDARA} cream}, organization = {3M (labeler varies)}, year = {2015}}
@article{Anonymous, title = {Effects of a novel topical immunomodulator on cells},
  journal = {J}, year = {1994}}
"""


def _ref(key):
    return nb.reference_from_entry(parse_string(BIB, "bibtex").entries[key])


def test_author_year_labels_follow_the_number_of_authors():
    assert _ref("One").label == "Smith, 2001"
    assert _ref("Two").label == "Smith and Jones, 2002"
    assert _ref("Many").label == "Sandby-Møller et al., 2003"
    assert _ref("Others").label == "Hemmi et al., 2002"
    assert _ref("Label").label == "3M, 2015"
    assert _ref("Anonymous").label == "Effects of a novel topical…, 1994"


def test_a_reference_entry_reads_as_a_citation_with_its_doi():
    one = _ref("One")
    assert one.entry == (
        "Smith A (2001). A TLR7 study. *J Imm* 3(2):10–20. [doi:10.1/abc](https://doi.org/10.1/abc)"
    )
    assert one.url == "https://doi.org/10.1/abc"
    assert _ref("Others").entry.startswith("Hemmi H, et al. (2002).")


def test_glossary_entries_are_read_in_order():
    source = "# Glossary\n\n```{glossary}\nAK\n  Actinic\n  keratosis.\n\npDC\n  A cell.\n```\n"
    assert nb.glossary_entries(source) == {"AK": "Actinic keratosis.", "pDC": "A cell."}


# --- the reader notebooks the book build wrote
BOOK_ROLE = re.compile(r"\{(cite|glue|term|numref|doc|eq|ref)(:\w+)?\}`")
BOOK_DIRECTIVE = re.compile(r"^[`:]{3,}\{(glue|table|math|exercise|solution|container)", re.M)


@pytest.mark.book
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_the_build_wrote_a_reader_notebook_for_every_chapter(site, chapter):
    reader = nbformat.read(chapter.with_suffix(".ipynb"), as_version=4)
    nbformat.validate(reader)
    source = jupytext.read(chapter)
    markdown = "\n".join(c.source for c in reader.cells if c.cell_type == "markdown")
    assert not BOOK_ROLE.search(markdown), BOOK_ROLE.search(markdown)[0]
    assert not BOOK_DIRECTIVE.search(markdown)
    code = [c.source for c in source.cells if c.cell_type == "code"]
    assert [c.source for c in reader.cells if c.cell_type == "code"][1:] == code
    for cell in source.cells:
        name = cell.metadata.get("mystnb", {}).get("figure", {}).get("name")
        if name:
            assert re.search(r"\*\*Fig\. \d+\.\d+\.\*\* ", markdown), name
    downloaded = site / "_sources" / "book" / f"{chapter.stem}.ipynb"
    assert nbformat.read(downloaded, as_version=4) == reader


@pytest.mark.book
def test_launch_buttons_open_the_reader_notebooks(site):
    html = (site / "book" / "killers.html").read_text()
    assert "urlpath=lab/tree/book/killers.ipynb" in html


@pytest.mark.book
def test_the_glossary_and_bibliography_have_reader_notebooks(site):
    glossary = nbformat.read(ROOT / "book" / "glossary.ipynb", as_version=4)
    assert "(term-pdc)=" in glossary.cells[0].source
    bibliography = nbformat.read(ROOT / "book" / "bibliography.ipynb", as_version=4)
    entries = [line for line in bibliography.cells[0].source.splitlines() if line.startswith("- ")]
    bib = (ROOT / "book" / "references.bib").read_text()
    assert len(entries) == len(re.findall(r"^@\w+\{", bib, re.M))
    assert (
        "[doi:10.1172/JCI61034](https://doi.org/10.1172/JCI61034)" in bibliography.cells[0].source
    )
