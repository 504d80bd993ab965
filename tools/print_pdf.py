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


#: the width of A4 less the margins _print sets (16 mm each side), in CSS px (96 per inch)
PRINTED_COLUMN_PX = round((210 - 2 * 16) / 25.4 * 96)


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
#: one row per item (the forest plot) is taller than any page: it is printed in pieces.
PRINTED_FIGURE_PX = (700, 1000)
#: the tallest piece of a figure taller than a page, in px: the last, with the caption
#: under it, still fits an A4 page
PIECE_PX = 860
#: JavaScript: every figure taller than ``PIECE_PX`` redrawn as pieces one under the other,
#: each a page high at most and with the figure's axes, legend and margins, cut in the
#: widest gap between its rows (data points and row labels) in the lower part of a piece,
#: so that no row is cut and each piece is kept whole on a page; the figure itself is hidden.
#: Works on figures whose one y axis runs top to bottom over rows (``yaxis.range``).
IN_PIECES = """(budget) => Promise.all([...document.querySelectorAll('.js-plotly-plot')]
    .filter(gd => gd._fullLayout.height > budget && !gd._fullLayout.yaxis2)
    .flatMap(gd => {
      const full = gd._fullLayout, [low, high] = full.yaxis.range;
      const perUnit = full._size.h / (high - low);
      const room = (budget - full.margin.t - full.margin.b) / perUnit;  // data units a piece
      const rows = [...new Set([
        ...gd._fullData.flatMap(t => Array.from(t.y || []).filter(Number.isFinite)),
        ...(gd.layout.annotations || []).filter(a => a.yref === 'y').map(a => a.y),
      ])].sort((a, b) => b - a);
      const cuts = [high];
      while (cuts[cuts.length - 1] - low > room) {
        const top = cuts[cuts.length - 1];
        let best = null, widest = -1;
        for (let i = 1; i < rows.length; i++) {
          const mid = (rows[i - 1] + rows[i]) / 2, gap = rows[i - 1] - rows[i];
          if (top - mid <= room && top - mid >= 0.6 * room && gap >= widest) {
            best = mid; widest = gap;
          }
        }
        cuts.push(best === null ? top - room : best);
      }
      cuts.push(low);
      gd.style.display = 'none';
      // the figure may now break between its pieces (each kept whole), so that its first
      // piece starts under the text before it instead of leaving that page empty
      const holder = gd.closest('figure, .imq-explorer');
      if (holder) { holder.style.breakInside = 'auto'; }
      let after = gd;
      return cuts.slice(1).map((bottom, k) => {
        const top = cuts[k], div = document.createElement('div');
        div.className = 'imq-figure-piece';
        div.style.breakInside = 'avoid';
        after.after(div);
        after = div;
        const layout = Object.assign({}, gd.layout, {
          height: Math.round((top - bottom) * perUnit + full.margin.t + full.margin.b),
          yaxis: Object.assign({}, gd.layout.yaxis, {range: [bottom, top]}),
          annotations: (gd.layout.annotations || []).filter(
            a => a.yref !== 'y' || (a.y >= bottom && a.y <= top)),
        });
        const data = gd.data.map(t => Object.assign({}, t));
        return Plotly.newPlot(div, data, layout, {staticPlot: true, responsive: false});
      });
    }))"""
#: JavaScript: every figure redrawn at the width of its box in the printed layout, which
#: the print stylesheet makes narrower than on screen (else the figure's right part is cut)
FITTED = """() => Promise.all([...document.querySelectorAll('.js-plotly-plot')]
    .filter(gd => gd.offsetParent !== null && gd._fullLayout.width > gd.clientWidth + 1)
    .map(gd => Plotly.relayout(gd, {width: gd.clientWidth})))"""
#: JavaScript: every figure between ``[height, tallest]`` redrawn at ``height``, in a box
#: of that height (plotly's own wrapper keeps the height the figure was written with)
SHORTENED = """([height, tallest]) => Promise.all([...document.querySelectorAll('.js-plotly-plot')]
    .filter(gd => gd._fullLayout.height > height && gd._fullLayout.height <= tallest)
    .map(gd => {
      gd.style.height = gd.parentElement.style.height = height + 'px';
      return Plotly.relayout(gd, {height});
    }))"""


#: a table shorter than this (px) is kept whole on one page; a longer one may break
#: between its rows (its header repeats), so that it does not leave most of a page empty
SHORT_TABLE_PX = 300
#: JavaScript: keep every short table (with its caption) whole
SHORT_TABLES_WHOLE = """(tallest) => document.querySelectorAll('table').forEach(t => {
    if (t.getBoundingClientRect().height < tallest) { t.style.breakInside = 'avoid'; }
  })"""


def laid_out_for_print(page) -> None:
    """Switch a page of the single-page build, its figures drawn, to its printed layout:
    the print stylesheet, every figure fitted to its box, shortened or cut into pieces to
    fit a page, and every short table kept whole."""
    page.emulate_media(media="print")
    page.evaluate(FITTED)
    page.evaluate(SHORTENED, PRINTED_FIGURE_PX)
    page.evaluate(IN_PIECES, PIECE_PX)
    page.evaluate(SHORT_TABLES_WHOLE, SHORT_TABLE_PX)


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
            # the printed column: plotly sizes figures to it
            context = browser.new_context(viewport={"width": PRINTED_COLUMN_PX, "height": 1200})
            context.route(
                "**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort()
            )
            page = context.new_page()
            page.goto(f"{base}/whole-book.html", wait_until="load")
            page.wait_for_function(READY, timeout=120_000)
            page.evaluate("document.fonts.ready.then(() => true)")  # KaTeX's and the icons'

            laid_out_for_print(page)
            titles = [_flat(t) for t in page.evaluate(CONTENTS)]
            page.evaluate(NUMBER_CONTENTS, start_pages(_print(page), titles))
            out.write_bytes(_print(page))
            browser.close()
    finally:
        httpd.shutdown()
    return out


if __name__ == "__main__":
    print(print_book().relative_to(ROOT))
