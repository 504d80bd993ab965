"""Every page in Debian's Chromium with the network blocked: no request leaves the machine,
no console error, and every static control redraws the curves precomputed for it."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path

import numpy as np
import pytest

from imiquimod_model.book import explorers

from .conftest import ROOT, open_offline

pytestmark = pytest.mark.slow
SCREENSHOTS = ROOT / "_build" / "screenshots"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _pages(site):
    return sorted(p.relative_to(site).as_posix() for p in (site / "book").glob("*.html"))


def _open(browser, server, path):
    """Open a built page with every request outside the local server blocked and recorded."""
    opened = open_offline(browser, server, f"{server}/{path}", wait_until="load")
    opened[1].wait_for_timeout(300)
    opened[1].wait_for_function(EXPLORERS_READY)
    return opened


#: JavaScript: true once every static explorer has unpacked its runs
EXPLORERS_READY = (
    "() => [...document.querySelectorAll('.imq-explorer')].every(e => e.dataset.ready)"
)


def _curves(page, figure_id):
    return page.evaluate(
        "id => document.getElementById(id)._fullData.map(t => Array.from(t.y))", figure_id
    )


#: JavaScript: set a static control and wait two frames (a redraw may wait for the next).
MOVE_AND_WAIT_TWO_FRAMES = """async (el, v) => {
    el.value = v; el.dispatchEvent(new Event('input'));
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""


def _drawn_pieces(page, figure_id) -> list[int]:
    """For each trace, how many separate line pieces it draws with a visible stroke."""
    return page.evaluate(
        """id => {
            const gd = document.getElementById(id), counts = gd._fullData.map(() => 0);
            gd.querySelectorAll('g.trace.scatter').forEach(g => {
                const i = g.__data__[0].trace.index;
                g.querySelectorAll('path.js-line').forEach(p => {
                    const style = getComputedStyle(p);
                    if (parseFloat(style.strokeWidth) > 0 && style.stroke !== 'none') {
                        counts[i] += (p.getAttribute('d') || '').split('M').length - 1;
                    }
                });
            });
            return counts;
        }""",
        figure_id,
    )


def test_every_static_control_redraws_the_precomputed_curves(site, server, browser):
    explorers_seen = bars_seen = 0
    for path in _pages(site):
        if 'class="imq-explorer"' not in (site / path).read_text():
            continue
        context, page, outside, errors = _open(browser, server, path)
        for root in page.query_selector_all(".imq-explorer"):
            explorers_seen += 1
            assert root.get_attribute("data-ready") == "true"
            packed = root.query_selector("script.imq-explorer-data").text_content()
            data = explorers.unpacked(packed)
            figure_id = root.get_attribute("data-figure")
            inputs = root.query_selector_all("[data-control]")
            assert len(inputs) == len(data["controls"])
            start = [int(i.input_value()) for i in inputs]
            for j, control in enumerate(inputs):
                positions = list(start)
                for pos in range(len(data["controls"][j]["values"])):
                    control.evaluate(MOVE_AND_WAIT_TWO_FRAMES, str(pos))
                    positions[j] = pos
                    combo = sum(p * s for p, s in zip(positions, data["strides"], strict=True))
                    expected = [data["arrays"][t["y"][combo]] for t in data["traces"]]
                    shown = _curves(page, figure_id)
                    # as explorers.decoded computes them (a log curve's 10**x may differ
                    # from the browser's Math.pow in the last digit)
                    assert len(shown) == len(expected), (path, j, pos)
                    for drawn_y, stored_y in zip(shown, expected, strict=True):
                        assert [v is None for v in drawn_y] == [v is None for v in stored_y]
                        assert np.allclose(
                            np.array(drawn_y, dtype=float),
                            np.array(stored_y, dtype=float),
                            rtol=1e-12,
                            atol=0,
                            equal_nan=True,
                        ), (path, j, pos)
                    # every interval bar with both ends is drawn, as a piece of its own
                    for t, drawn in zip(
                        data["traces"], _drawn_pieces(page, figure_id), strict=True
                    ):
                        if t.get("bars"):
                            y = data["arrays"][t["y"][combo]]
                            ends = zip(y[0::3], y[1::3], strict=True)
                            assert drawn == sum(a is not None and b is not None for a, b in ends)
                            bars_seen += 1
                    label = data["controls"][j]["labels"][pos]
                    assert (
                        root.query_selector(
                            f'output[for="{control.get_attribute("id")}"]'
                        ).text_content()
                        == label
                    )
                # back to where it started, so the next control moves alone
                control.evaluate(MOVE_AND_WAIT_TWO_FRAMES, str(start[j]))
        context.close()
        assert outside == [] and errors == [], (path, outside, errors)
    assert explorers_seen >= 1 and bars_seen >= 1


#: axe-core's impacts that fail the book
SERIOUS = ("critical", "serious")


def _axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    # WCAG 2.x A and AA rules, on the page; plotly's own SVG (thousands of nodes) is left
    # out: its text is the figure's, and each figure is a labelled group or figure
    results = Axe().run(
        page,
        context={"exclude": [[".js-plotly-plot .main-svg"]]},
        options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}},
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


#: JavaScript: every plotly figure's theme, paper colour and the background of its box
FIGURE_THEMES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd =>
    [gd.dataset.imqTheme, gd._fullLayout.paper_bgcolor,
     getComputedStyle(gd.closest('.output') || gd).backgroundColor])"""
#: JavaScript: switch the site to dark mode as its theme button does
GO_DARK = """() => { document.documentElement.dataset.mode = 'dark';
    document.documentElement.dataset.theme = 'dark'; }"""


#: JavaScript: true when every number a chapter computed (glued) is set like its sentence
COMPUTED_NUMBERS_AS_TEXT = """() => [...document.querySelectorAll('.pasted-text')].every(
    e => getComputedStyle(e).fontWeight === getComputedStyle(e.parentElement).fontWeight)"""


def test_every_page_is_offline_clean_accessible_and_themed(site, server, browser):
    """Each page once: no request leaves the machine, no console error, a screenshot, and
    axe-core's WCAG A/AA rules in light and then dark mode, with every figure following."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = _pages(site)
    assert len(pages) >= 5
    found = {}
    for path in pages:
        context, page, outside, errors = open_offline(
            browser, server, f"{server}/{path}", mode="light", wait_until="load"
        )
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / (Path(path).stem + ".png")), full_page=True)
        assert outside == [], (path, outside)
        assert errors == [], (path, errors)
        assert page.evaluate(COMPUTED_NUMBERS_AS_TEXT), path
        for mode in ("light", "dark"):
            if mode == "dark":
                page.evaluate(GO_DARK)
                page.wait_for_timeout(400)  # imq-theme.js repaints the figures
            assert page.evaluate("document.documentElement.dataset.theme") == mode
            violations = _axe_violations(page)
            if violations:
                found[f"{path} ({mode})"] = violations
            for theme, paper, box in page.evaluate(FIGURE_THEMES):
                assert theme == mode and paper == "rgba(0,0,0,0)", (path, theme, paper)
                assert box in ("rgba(0, 0, 0, 0)", "transparent"), (path, box)  # no light box
        context.close()
    assert not found, found


#: JavaScript: the fill colour of every shaded band on the page
BAND_FILLS = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(
    gd => gd.data.filter(t => t.fill === 'toself').map(t => t.fillcolor))"""
#: JavaScript: switch the site back to light mode
GO_LIGHT = """() => { document.documentElement.dataset.mode = 'light';
    document.documentElement.dataset.theme = 'light'; }"""


def test_a_shaded_band_turns_lighter_and_stronger_on_a_dark_page_and_back(site, server, browser):
    """The long-term figure's 95% band, a faint tint of the book's blue, is the blue's dark-
    page counterpart at twice the opacity in dark mode (else it all but vanishes), and its
    own colour again in light mode."""
    context, page, _, _ = _open(browser, server, "book/outcomes.html")
    light = page.evaluate(BAND_FILLS)
    assert light == ["rgba(31, 111, 139, 0.15)"]
    page.evaluate(GO_DARK)
    page.wait_for_timeout(400)
    assert page.evaluate(BAND_FILLS) == ["rgba(108, 186, 216, 0.3)"]  # #6cbad8
    page.evaluate(GO_LIGHT)
    page.wait_for_timeout(400)
    assert page.evaluate(BAND_FILLS) == light
    context.close()


#: JavaScript: true when the focus is on the first control of the page's first explorer
ON_FIRST_CONTROL = "() => document.activeElement === document.querySelector('[data-control]')"


def test_a_keyboard_reaches_the_first_explorer_in_four_key_presses(site, server, browser):
    """Tab to the second skip link, Enter, Tab: the first control has the focus."""
    pages = [p for p in _pages(site) if 'class="imq-explorer"' in (site / p).read_text()]
    assert len(pages) >= 4
    for path in pages:
        context, page, _, _ = _open(browser, server, path)
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to the first explorer"
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert page.evaluate(ON_FIRST_CONTROL), path
        context.close()


#: what follows the opening tag of a formula: its number, then KaTeX's rendering
MATH = re.compile(
    r'<(?:span|div) class="math[^"]*"[^>]*>\s*(?:<span class="eqno">.*?</span>)?(.{0,18})'
)


def test_pages_load_only_what_they_use(site):
    """No math script and no brands font anywhere; plotly only beside a figure."""
    for page in _pages(site):
        html = (site / page).read_text()
        assert "fontawesome/6.5.2/js/all.min.js" not in html, page
        assert "fa-brands-400" not in html and "fab fa-" not in html, page
        assert "mathjax" not in html.lower().replace("mathjax_ignore", ""), page
        for rendered in MATH.findall(html):  # every formula was rendered at build time
            assert rendered.startswith('<span class="katex'), (page, rendered)
        assert ("plotly.min.js" in html) == ("plotly-graph-div" in html), page


#: DESIGN.md's target for the bytes a chapter page loads, plotly.js excluded
PAGE_WEIGHT_BYTES = 1_500_000


def test_every_page_loads_under_1_5_MB_besides_plotly(site, server, browser):
    """Every page with all it loads (styles, scripts, fonts, its explorers' runs), plotly.js
    excluded, as `make bench` weighs it."""
    heavy = {}
    for path in _pages(site):
        sizes = {}
        context = browser.new_context(viewport={"width": 1280, "height": 2000})
        page = context.new_page()
        page.on("response", lambda r, s=sizes: s.__setitem__(r.url, len(r.body())))
        page.goto(f"{server}/{path}", wait_until="load")
        page.wait_for_timeout(500)  # fonts (KaTeX, icons) arrive after load
        context.close()
        loaded = sum(
            n for url, n in sizes.items() if not url.split("?")[0].endswith("plotly.min.js")
        )
        if loaded >= PAGE_WEIGHT_BYTES:
            heavy[path] = loaded
    assert heavy == {}


#: JavaScript: what does not fit a phone's column. Each figure's words outside its box, and
#: its panel titles, row labels and legend entries that overlap one another; each display
#: formula wider than its box; each table wider than the column (its caption would scroll
#: away with it).
NOT_FITTING = r"""() => {
  const inside = (r, b) => r.left >= b.left - 1 && r.right <= b.right + 1
    && r.top >= b.top - 1 && r.bottom <= b.bottom + 1;
  const meet = (p, q) => p.left < q.right - 1 && q.left < p.right - 1
    && p.top < q.bottom - 1 && q.top < p.bottom - 1;
  const found = [];
  document.querySelectorAll('.js-plotly-plot').forEach(gd => {
    const box = gd.getBoundingClientRect();
    gd.querySelectorAll('.main-svg text').forEach(t => {
      const r = t.getBoundingClientRect();
      if (t.textContent.trim() && r.width > 0 && !inside(r, box)) {
        found.push('figure text cut: ' + t.textContent.slice(0, 50));
      }
    });
    const labels = [...gd.querySelectorAll('.annotation-text, .legendtext')]
      .map(t => [t.textContent, t.getBoundingClientRect()]);
    labels.forEach(([a, p], i) => labels.slice(i + 1).forEach(([b, q]) => {
      if (meet(p, q)) { found.push('figure text overlaps: ' + a + ' / ' + b); }
    }));
  });
  document.querySelectorAll('div.math .katex-html').forEach(k => {
    if (k.scrollWidth > k.clientWidth + 1) {
      found.push('formula cut: ' + k.closest('div.math').id);
    }
  });
  document.querySelectorAll('.bd-article table').forEach(t => {
    const column = t.closest('.pst-scrollable-table-container') || t.parentElement;
    if (column.scrollWidth > column.clientWidth + 1) {
      const caption = t.querySelector('caption');
      const name = (caption ? caption.textContent : t.id).slice(0, 50);
      found.push('table wider than the column: ' + name);
    }
  });
  return found;
}"""
#: a phone's width in CSS pixels (an iPhone 12 to 15)
PHONE = 390


def test_every_page_fits_a_phone(site, server, browser):
    """At 390 px every figure's words stay inside it and apart, every display formula fits
    and every table fits the column (its caption in view): what the reader would otherwise
    have to scroll sideways to find."""
    found = {}
    for path in _pages(site):
        context, page, _, _ = open_offline(
            browser, server, f"{server}/{path}", width=PHONE, wait_until="load"
        )
        page.wait_for_timeout(500)  # imq-fit.js fits each figure after it is drawn
        problems = page.evaluate(NOT_FITTING)
        if problems:
            found[path] = problems
        context.close()
    assert not found, found


#: JavaScript: the search field's magnifier and where the typed text starts, in px
SEARCH_FIELD = """() => [...document.querySelectorAll('form.bd-search')]
  .filter(f => f.offsetParent !== null).map(f => {
    const icon = f.querySelector('.fa-magnifying-glass').getBoundingClientRect();
    const input = f.querySelector('input'), box = input.getBoundingClientRect();
    return [icon.right, box.left + parseFloat(getComputedStyle(input).paddingLeft)];
  })"""


@pytest.mark.parametrize("width", [1280, PHONE])
def test_the_magnifier_leaves_the_first_letter_typed_in_view(site, server, browser, width):
    """On the search page and in the Ctrl+K search, typed text starts after the icon."""
    context, page, _, _ = open_offline(
        browser, server, f"{server}/search.html", width=width, wait_until="load"
    )
    fields = page.evaluate(SEARCH_FIELD)
    page.keyboard.press("Control+k")
    page.wait_for_timeout(300)
    fields += page.evaluate(SEARCH_FIELD)
    context.close()
    assert len(fields) >= 2
    for icon_right, text_left in fields:
        assert text_left >= icon_right + 2, (width, icon_right, text_left)


@pytest.mark.parametrize("system", ["light", "dark"])
def test_a_first_visit_follows_the_system_and_the_first_click_shows(site, server, browser, system):
    """With no choice stored, the page takes the system's light or dark setting, and the
    first press of the theme button changes what the reader sees."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=system)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server}/book/intro.html", wait_until="load")
    shown = page.evaluate("document.documentElement.dataset.theme")
    page.click(".theme-switch-button")
    page.wait_for_timeout(200)
    after_click = page.evaluate("document.documentElement.dataset.theme")
    context.close()
    assert shown == system
    assert after_click != system
    assert errors == []


#: JavaScript: the snippets of the search results, once they are all shown
SNIPPETS = """() => [...document.querySelectorAll('#search-results li p.context')]
    .map(p => p.textContent)"""


def test_search_snippets_show_no_formula_source(site, server, browser):
    """A result's snippet shows a formula as the reader sees it, not its LaTeX source."""
    context, page, outside, errors = open_offline(
        browser, server, f"{server}/search.html?q=tolerance", wait_until="load"
    )
    page.wait_for_function("document.querySelectorAll('#search-results li p.context').length > 2")
    page.wait_for_timeout(1500)  # each snippet is filled in as its page arrives
    snippets = page.evaluate(SNIPPETS)
    context.close()
    assert outside == [] and errors == []
    assert len(snippets) > 2
    assert not [s for s in snippets if "\\" in s or "mathrm" in s], snippets


#: JavaScript: the pages the search results link to, in order
RESULT_PAGES = """() => [...document.querySelectorAll('#search-results li a')]
    .map(a => a.getAttribute('href'))"""


def test_a_glossary_term_is_listed_once(site, server, browser):
    """Searching a glossary term lists the glossary once (as the term), not again as a
    page whose text holds it."""
    context, page, _, _ = open_offline(
        browser, server, f"{server}/search.html?q=vehicle", wait_until="load"
    )
    page.wait_for_function("document.querySelectorAll('#search-results li').length > 2")
    page.wait_for_timeout(1500)
    links = page.evaluate(RESULT_PAGES)
    context.close()
    glossary = [h for h in links if h.split("#")[0] == "book/glossary.html"]
    assert glossary == ["book/glossary.html#term-vehicle"], links
