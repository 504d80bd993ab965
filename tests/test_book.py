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


def test_plotly_and_the_math_fonts_are_served_from_the_site(site):
    assert (site / "_static" / "plotly.min.js").stat().st_size > 1_000_000
    katex = site / "_static" / "katex" / "katex.min.css"
    fonts = set(re.findall(r"url\((fonts/[\w-]+\.woff2)\)", katex.read_text()))
    assert len(fonts) >= 10
    for font in fonts:  # the formats a browser picks first; woff and ttf are never asked for
        assert (katex.parent / font).stat().st_size > 1000, font
    html = (site / "book" / "cream-to-receptor.html").read_text()
    assert 'src="../_static/plotly.min.js' in html
    assert 'href="../_static/katex/katex.min.css' in html
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


def test_every_page_has_the_favicon_and_one_header(site):
    for page in _pages(site):
        html = page.read_text()
        icon = re.search(r'<link rel="(?:shortcut )?icon" href="([^"]+)"', html)
        assert icon, page.name
        assert (page.parent / icon.group(1)).resolve().exists(), (page.name, icon.group(1))
        assert 'id="pst-header"' not in html, page.name  # pydata's second header bar


def test_execution_table_says_its_status_in_words(site):
    html = (site / "book" / "execution.html").read_text()
    assert "ran cleanly" in html
    assert "✅" not in html and "❌" not in html


def test_licences_and_citation_agree_with_the_project():
    import tomllib

    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert cff["repository-code"] == config["repository"]["url"]
    assert cff["version"] == project["version"]
    assert project["license"]["text"] == "MIT" and "MIT" in cff["license"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "CC BY 4.0" in (ROOT / "LICENSE-TEXT").read_text() and "CC-BY-4.0" in cff["license"]
    intro = (ROOT / "book" / "intro.md").read_text()
    assert "## How to cite this book" in intro and config["repository"]["url"] in intro


def _page_text(page) -> str:
    import html as html_lib

    body = re.sub(r"<(script|style)\b.*?</\1>", "", page.read_text(), flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", body)).split())


def test_pages_print_numbers_and_sources_as_a_book_does(site):
    for page in _pages(site):
        text = _page_text(page)
        assert not re.search(r"\d\.?\d*e[-+]?\d{1,3}\b", text), (page.name, "computer notation")
        assert not re.search(r"\b[A-Z][A-Za-z]+(?:19|20)\d\d\b", text), (page.name, "raw key")
        assert "((" not in re.sub(r"\\\(.*?\\\)", "", text), (page.name, "doubled brackets")
        assert not re.search(r"\b1 (cycles|weeks|lesions|warts)\b", text), page.name


def test_citations_are_author_year(site):
    text = _page_text(site / "book" / "intro.html")
    assert "(Drobits et al., 2012)" in text
    assert "(Edwards et al., 1998; Geisse et al., 2002; Lebwohl et al., 2004)" in text
    assert not re.search(r"\[\d+\]", text)


def test_a_source_without_authors_has_one_short_name(site):
    """The 2011 face and scalp trial names no authors: the text cites it by the name the
    figures give it ("J Drugs Dermatol, 2011"), not by its 20-word title, which only the
    bibliography prints."""
    title = "a comparison of cryotherapy and imiquimod"
    html = (site / "book" / "outcomes.html").read_text()
    outcomes = re.sub(r'title="[^"]*"', "", html)  # a citation's hover text is its reference
    assert "J Drugs Dermatol, 2011" in outcomes
    assert title not in outcomes.lower()
    assert title in (site / "book" / "bibliography.html").read_text().lower()
