"""The built site: offline assets, page weights, and every chapter executing in live mode."""

from __future__ import annotations

import os
import re

import jupytext
import nbclient
import pytest

from .conftest import ROOT

CHAPTERS = sorted(
    p for p in (ROOT / "book").glob("*.md") if p.read_text().startswith("---\njupytext:")
)
CDN = re.compile(r"(cdn\.|jsdelivr|unpkg|googleapis|cdnjs)", re.I)


def _pages(site):
    return sorted((site / "book").glob("*.html"))


def test_every_toc_page_was_built(site):
    toc = (ROOT / "_toc.yml").read_text()
    for name in [*re.findall(r"file: (book/[\w-]+)", toc), "book/intro"]:
        assert (site / f"{name}.html").exists(), name


def test_no_page_refers_to_a_cdn(site):
    for page in _pages(site):
        html = page.read_text()
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
        links = re.findall(r'<link[^>]+href="([^"]+)"', html)
        for url in scripts + links:
            assert not url.startswith(("http:", "https:", "//")), (page.name, url)
        assert not CDN.search(" ".join(scripts + links)), page.name


def test_plotly_and_mathjax_are_served_from_the_site(site):
    assert (site / "_static" / "plotly.min.js").stat().st_size > 1_000_000
    assert (site / "_static" / "mathjax" / "tex-chtml.js").exists()
    html = (site / "book" / "cream-to-receptor.html").read_text()
    assert 'src="../_static/plotly.min.js' in html
    assert "_static/mathjax/tex-chtml.js" in html
    assert html.count("Plotly.newPlot") >= 1
    assert "plotly.js v" not in html  # never inlined per figure


def test_pages_weigh_under_3_MB(site):
    for page in _pages(site):
        assert page.stat().st_size < 3_000_000, page.name


def test_launch_and_download_buttons_on_chapters(site):
    html = (site / "book" / "cream-to-receptor.html").read_text()
    assert "mybinder.org/v2/gh/" in html and "urlpath=lab" in html
    assert "_sources/book/cream-to-receptor" in html  # download the source notebook


def test_copyright_is_set(site):
    assert "2026" in (site / "book" / "intro.html").read_text()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_executes_in_live_mode(chapter, monkeypatch):
    monkeypatch.setenv("IMIQUIMOD_EXPLORER_MODE", "live")
    nb = jupytext.read(chapter)
    nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "book")}}
    ).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    has_explorer = "show(" in chapter.read_text()
    widgets = [
        o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert bool(widgets) == has_explorer
    assert os.environ["IMIQUIMOD_EXPLORER_MODE"] == "live"


def test_the_parameters_appendix_shows_every_registry_entry(site):
    from imiquimod_model.parameters import GROUPS, PARAMETERS

    html = (site / "book" / "parameters.html").read_text()
    for group in GROUPS:
        assert f">{group}<" in html.replace("&amp;", "&"), group
    for name in PARAMETERS:
        assert (
            f'<code class="docutils literal notranslate"><span class="pre">{name}</span>' in html
        ), name
