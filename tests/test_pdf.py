"""The PDF edition (`make pdf`, run by `make test`): one file with every chapter, its
figures drawn, the explorers described in place of their controls, offered by the site."""

from __future__ import annotations

import json
import re
import sys
import unicodedata

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import print_pdf  # tools/ is not a package: it is what `make pdf` runs

PDF = ROOT / "_build" / "html" / "_downloads" / "how-imiquimod-works.pdf"
SINGLE = ROOT / "_build" / "singlehtml"
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


def test_explorers_say_their_settings_not_their_controls(text):
    """An explorer is printed at its default settings and says which they are; its caption
    is not repeated by its (screen-reader) description."""
    flat = " ".join(text.split())
    assert re.search(r"Drawn at:[^.]*Weeks of treatment in one cycle: ?16 weeks", flat)
    assert "Two panels over the 44 weeks from the first application" not in flat  # a description


def test_web_only_text_is_left_out(text):
    """The PDF has no sliders to try and nothing to hover or tap."""
    flat = " ".join(text.split())
    assert "Things to try" not in flat
    assert "Hover over a point" not in flat


#: a contents line: an entry and its page number ("1. From cream to receptor 5")
CONTENTS_LINE = re.compile(r"^(.+?) (\d+)$", re.M)


def test_the_contents_give_the_page_each_chapter_starts_on(pages):
    contents = CONTENTS_LINE.findall(pages[0])
    toc = (ROOT / "_toc.yml").read_text()
    titles = [_title(name) for name in re.findall(r"file: book/([\w-]+)", toc)]
    numbered = {" ".join(entry.split()): int(page) for entry, page in contents}
    assert len(numbered) >= len(titles)
    for title in titles:
        entry = next(e for e in numbered if e.endswith(title))
        page_text = " ".join(pages[numbered[entry] - 1].split())
        assert page_text.startswith(entry), (entry, numbered[entry], page_text[:80])


#: JavaScript, in the printed layout: tables wider than the column and figures wider than
#: it or split by a page break would be cut on paper
CUT_ON_PAPER = """() => {
  const column = document.querySelector('#jb-print-docs-body, main').getBoundingClientRect();
  const found = [];
  document.querySelectorAll('table').forEach(t => {
    const box = t.closest('.pst-scrollable-table-container') || t.parentElement;
    const right = t.getBoundingClientRect().right;
    if (box.scrollWidth > box.clientWidth + 1 || right > column.right + 1) {
      found.push('table: ' + (t.querySelector('caption') || t).textContent.slice(0, 60));
    }
  });
  document.querySelectorAll('.js-plotly-plot').forEach(gd => {
    const r = gd.getBoundingClientRect();
    if (r.right > column.right + 1) { found.push('figure wider than the page: ' + gd.id); }
    if (gd.offsetParent !== null && gd._fullLayout.width > gd.clientWidth + 1) {
      found.push('figure cut by its box: ' + gd.id);
    }
    if (getComputedStyle(gd).breakInside !== 'avoid') { found.push('figure may split: ' + gd.id); }
  });
  return found;
}"""


def test_no_table_or_figure_is_cut_on_paper(browser):
    """The single-page build as it prints (A4's column): every table fits the column and
    every figure fits it and is kept whole on one page."""
    import functools
    import http.server
    import threading

    single = ROOT / "_build" / "singlehtml"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(single))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        viewport = {"width": print_pdf.PRINTED_COLUMN_PX, "height": 1200}
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/whole-book.html")
        page.wait_for_function(print_pdf.READY, timeout=120_000)
        print_pdf.laid_out_for_print(page)
        page.wait_for_timeout(500)
        found = page.evaluate(CUT_ON_PAPER)
        context.close()
    finally:
        httpd.shutdown()
    assert found == []


def test_the_site_offers_the_pdf(site):
    html = (site / "book" / "outcomes.html").read_text()
    assert "../_downloads/how-imiquimod-works.pdf" in html


def _squeezed(text: str) -> str:
    """Text as compared across the HTML and the PDF: ligatures undone, no white space."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _layout(script: str) -> dict | None:
    """The layout a ``Plotly.newPlot(id, data, layout, config)`` call in ``script`` draws."""
    start = script.find("Plotly.newPlot(")
    if start < 0:
        return None
    decoder, at = json.JSONDecoder(), script.index(",", start) + 1
    _, at = decoder.raw_decode(script, len(script) - len(script[at:].lstrip()))
    at = script.index(",", at) + 1
    layout, _ = decoder.raw_decode(script, len(script) - len(script[at:].lstrip()))
    return layout


def _printed_figures() -> list[tuple[str, list[str]]]:
    """Each numbered figure of the single-page build with a plot: its caption's opening
    and the texts that must print on the caption's page (its axis titles; for an explorer
    printed as the table of every choice, the table's caption and row labels)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((SINGLE / "book" / "intro.html").read_text(), "html.parser")
    found = []
    for figure in soup.select("figure"):
        number = figure.select_one(".caption-number")
        if number is None or figure.select_one(".plotly-graph-div") is None:
            continue
        caption = number.get_text() + figure.select_one(".caption-text").get_text()[:40]
        table = figure.select_one("table.imq-every-choice")
        if table is not None:
            texts = [table.caption.get_text()[:40]]
            texts += [th.get_text() for th in table.select("tbody th")]
        else:
            texts = []
            for script in figure.select("script"):
                for key, axis in (_layout(script.get_text()) or {}).items():
                    if re.fullmatch(r"[xy]axis\d*", key) and (axis.get("title") or {}).get("text"):
                        texts.append(re.sub(r"<[^>]+>", " ", axis["title"]["text"]))
        found.append((caption, texts))
    return found


def test_no_figure_is_split_across_pages(pages):
    """A figure prints whole, on its caption's page: every axis title of it is on the page
    that has its caption (a figure taller than a page prints in pieces, each with its axes,
    the last above the caption)."""
    squeezed = [_squeezed(page) for page in pages]
    figures = _printed_figures()
    assert len(figures) >= 10
    for caption, texts in figures:
        on = [n for n, page in enumerate(squeezed) if _squeezed(caption) in page]
        assert len(on) == 1, caption
        page = squeezed[on[0]]
        missing = [t for t in texts if _squeezed(t) not in page]
        assert texts and not missing, (caption, on[0] + 1, missing)


def test_every_comparison_of_the_comparison_explorer_is_printed(text):
    """Paper has no menu: the comparison explorer prints every trial and endpoint it
    offers, each with its numbers, not only the one the page opens at."""
    from imiquimod_model.book.figures import outcomes as chapter

    flat = _squeezed(text)
    (control,) = chapter.COMPARISON.controls
    for option in control.grid:
        assert _squeezed(option) in flat, option
    assert _squeezed("85 (66–94)") in flat  # Krawtchenko 2007's imiquimod arm, with its interval
