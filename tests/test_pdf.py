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
        context = browser.new_context(viewport={"width": 680, "height": 1200})
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/whole-book.html")
        page.wait_for_timeout(2000)
        page.emulate_media(media="print")
        page.wait_for_timeout(500)
        found = page.evaluate(CUT_ON_PAPER)
        context.close()
    finally:
        httpd.shutdown()
    assert found == []


def test_the_site_offers_the_pdf(site):
    html = (site / "book" / "outcomes.html").read_text()
    assert "../_downloads/how-imiquimod-works.pdf" in html
