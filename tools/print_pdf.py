"""Print the book as one PDF: the single-page build (``jupyter-book build --builder
singlehtml``) opened in Debian's Chromium with the network blocked, every figure drawn at
its default settings and each explorer's description in place of its controls (the
site's print stylesheet), printed to ``_build/html/_downloads/how-imiquimod-works.pdf``,
where the site's download menu offers it.

The contents get page numbers in a second printing: the first shows on which page each
entry's chapter starts, and those numbers are written beside the entries.

Usage: ``python tools/print_pdf.py`` (``make pdf`` runs the build first).
"""

from __future__ import annotations

import functools
import http.server
import io
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SINGLE = ROOT / "_build" / "singlehtml"
PDF = ROOT / "_build" / "html" / "_downloads" / "how-imiquimod-works.pdf"
CHROMIUM = "/usr/bin/chromium"
#: JavaScript: true once every plotly figure is drawn (the formulas are already HTML)
READY = """() => Array.from(document.querySelectorAll('.plotly-graph-div'))
        .every(gd => gd.classList.contains('js-plotly-plot'))"""


#: JavaScript: the contents' entries, as their links read ("1. From cream to receptor")
CONTENTS = """() => [...document.querySelectorAll('#jb-print-toc a.nav-link')]
    .map(a => a.textContent)"""
#: JavaScript: give each entry its page number (a list in the entries' order), which the
#: print stylesheet sets at the right of the line
NUMBER_CONTENTS = """pages => document.querySelectorAll('#jb-print-toc a.nav-link').forEach(
    (a, i) => { a.dataset.page = pages[i]; })"""
FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;">'
    'How Imiquimod Works · <span class="pageNumber"></span></div>'
)


def _flat(text: str) -> str:
    return " ".join(text.split())


def start_pages(pdf: bytes, titles: list[str]) -> list[int]:
    """For each title, the number of the first page after the contents whose text begins
    with it (each chapter starts a new page), in the order given."""
    from pypdf import PdfReader

    texts = [_flat(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]
    found = []
    for title in titles:
        after = found[-1] if found else 1
        pages = range(after + 1, len(texts) + 1)
        found.append(next(n for n in pages if texts[n - 1].startswith(title)))
    return found


def _print(page) -> bytes:
    return page.pdf(
        format="A4",
        print_background=True,
        margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
        display_header_footer=True,
        header_template="<span></span>",
        footer_template=FOOTER,
    )


#: the tallest a figure of a few panels is printed, in px: with its settings and caption it
#: then fits one A4 page (about 980 px high), so it is not parted from them. A figure of
#: one row per item (the forest plot) is taller than any page and keeps its height.
PRINTED_FIGURE_PX = (700, 1000)
#: JavaScript: every figure between ``[height, tallest]`` redrawn at ``height``, in a box
#: of that height (plotly's own wrapper keeps the height the figure was written with)
SHORTENED = """([height, tallest]) => Promise.all([...document.querySelectorAll('.js-plotly-plot')]
    .filter(gd => gd._fullLayout.height > height && gd._fullLayout.height <= tallest)
    .map(gd => {
      gd.style.height = gd.parentElement.style.height = height + 'px';
      return Plotly.relayout(gd, {height});
    }))"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def print_book(out: Path = PDF) -> Path:
    """Print the single-page build to ``out``; returns ``out``."""
    from playwright.sync_api import sync_playwright

    page_file = SINGLE / "book" / "intro.html"
    if not page_file.exists():
        sys.exit("no single-page build: run `make pdf`")
    # Sphinx writes the single page as book/intro.html but links its assets from the root
    shutil.copyfile(page_file, SINGLE / "whole-book.html")
    handler = functools.partial(_Quiet, directory=str(SINGLE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            # the printed column (A4 less margins, about 680 px): plotly sizes figures to it
            context = browser.new_context(viewport={"width": 680, "height": 1200})
            context.route(
                "**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort()
            )
            page = context.new_page()
            page.goto(f"{base}/whole-book.html", wait_until="load")
            page.wait_for_function(READY, timeout=120_000)
            page.evaluate("document.fonts.ready.then(() => true)")  # KaTeX's and the icons'

            page.evaluate(SHORTENED, PRINTED_FIGURE_PX)
            page.emulate_media(media="print")
            titles = [_flat(t) for t in page.evaluate(CONTENTS)]
            page.evaluate(NUMBER_CONTENTS, start_pages(_print(page), titles))
            out.write_bytes(_print(page))
            browser.close()
    finally:
        httpd.shutdown()
    return out


if __name__ == "__main__":
    print(print_book().relative_to(ROOT))
