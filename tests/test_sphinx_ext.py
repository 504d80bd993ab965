"""The book's Sphinx extension: the rebuild trigger and the bibliography style."""

from __future__ import annotations

from pybtex.database import parse_string

from imiquimod_model.book import sphinx_ext

BIB = r"""
@article{A, author = {Hemmi, Hiroaki and others and Akira, Shizuo}, title = {T},
  journal = {J}, year = {2002}, note = {NOT seen in retrieved text}}
@article{B, title = {Untitled authors}, journal = {J}, year = {1994}, volume = {13}}
"""


def _render(key):
    entry = parse_string(BIB, "bibtex").entries[key]
    return sphinx_ext._Bibliography().format_entry("1", entry).text.render_as("text")


def test_others_becomes_et_al():
    assert _render("A").startswith("Hiroaki Hemmi et al. T.")


def test_provenance_notes_are_not_printed():
    assert "retrieved" not in _render("A")


def test_a_source_without_authors_is_printed_without_them():
    assert _render("B") == "Untitled authors. J, 1994."


def test_package_hash_tracks_the_model_source(tmp_path, monkeypatch):
    copy = tmp_path / "pkg"
    copy.mkdir()
    (copy / "model.py").write_text("RATE = 1\n")
    monkeypatch.setattr(sphinx_ext, "PACKAGE", copy)
    first = sphinx_ext.package_hash()
    assert sphinx_ext.package_hash() == first
    (copy / "model.py").write_text("RATE = 2\n")
    assert sphinx_ext.package_hash() != first


def test_package_hash_covers_the_science_and_the_registry_not_only_the_presentation():
    hashed = {p.relative_to(sphinx_ext.PACKAGE).as_posix() for p in sphinx_ext.PACKAGE.rglob("*")}
    assert {"pk.py", "outcomes.py", "data/parameters.csv", "data/trials.csv"} <= hashed
    assert {"book/explorers.py", "book/static/imq-explorer.js"} <= hashed


def test_the_dark_theme_script_knows_every_palette_colour():
    """imq-theme.js lightens the book's palette on a dark page: it must list each colour
    of explorers.PALETTE, or a new colour would stay dark on a dark page."""
    from imiquimod_model.book.explorers import PALETTE
    from imiquimod_model.book.livefigure import STATIC

    script = (STATIC / "imq-theme.js").read_text().lower()
    for colour in PALETTE:
        assert f'"{colour.lower()}":' in script, colour


PAGE = (
    '<head><link rel="preload" as="font" type="font/woff2" crossorigin '
    'href="_static/vendor/fontawesome/6.5.2/webfonts/fa-brands-400.woff2" />'
    '<link rel="preload" as="font" type="font/woff2" crossorigin '
    'href="_static/vendor/fontawesome/6.5.2/webfonts/fa-regular-400.woff2" />'
    '<script src="_static/plotly.min.js"></script></head><body>'
    '<div id="pst-skip-link" class="skip-link d-print-none"><a href="#main-content">Skip to '
    "main content</a></div><main>{}</main></body>"
)


def test_a_page_without_figures_loads_neither_plotly_nor_the_brands_font():
    light = sphinx_ext.lightened(PAGE.format("<p>text</p>"))
    assert "plotly.min.js" not in light and "fa-brands-400" not in light
    assert "fa-regular-400" not in light
    figure = PAGE.format('<div class="plotly-graph-div"></div>')
    assert "plotly.min.js" in sphinx_ext.lightened(figure)


def test_the_explorer_skip_link_follows_the_themes_and_targets_the_first_explorer():
    explorers = '<div class="imq-explorer" id="imq-a"></div><div class="imq-explorer" id="imq-b">'
    page = sphinx_ext.with_explorer_skip_link(PAGE.format(explorers))
    assert page.index("Skip to main content") < page.index('href="#imq-a">Skip to the first')
    assert "#imq-b" not in page
    plain = PAGE.format("<p>text</p>")
    assert sphinx_ext.with_explorer_skip_link(plain) == plain


def test_every_build_reads_the_glossary_again_so_its_terms_stay_searchable():
    """Sphinx 7.4 drops an unchanged page's index entries from the search index
    (sphinx-doc/sphinx#12599); the glossary's terms are the only ones, so it is always read."""
    from pathlib import Path
    from types import SimpleNamespace

    site, single = (
        SimpleNamespace(builder=SimpleNamespace(name=n)) for n in ("html", "singlehtml")
    )
    env = SimpleNamespace(found_docs={"intro", sphinx_ext.GLOSSARY_DOC})
    assert sphinx_ext._reread_glossary(site, env, set(), set(), set()) == ["book/glossary"]
    assert (Path(__file__).parents[1] / f"{sphinx_ext.GLOSSARY_DOC}.md").exists()
    assert sphinx_ext._reread_glossary(single, env, set(), set(), set()) == []  # the PDF's
    env.found_docs = {"intro"}
    assert sphinx_ext._reread_glossary(site, env, set(), set(), set()) == []


def test_the_katex_server_is_reached_once_it_listens_not_when_its_socket_appears(tmp_path):
    """A server that creates its socket file (bind) 0.3 s before it listens: the build waits
    for it instead of failing with a refused connection, and talks to it."""
    import sys
    import textwrap

    import sphinxcontrib.katex

    slow = tmp_path / "slow_server.py"
    slow.write_text(
        textwrap.dedent(
            """
            import socket, sys, time
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(sys.argv[1])
            time.sleep(0.3)
            server.listen(1)
            connection, _ = server.accept()
            connection.sendall(b"ready")
            time.sleep(1)
            """
        )
    )

    class Slow(sphinxcontrib.katex.KaTeXServer):
        @classmethod
        def build_command(cls, socket=None, port=None):
            return [sys.executable, str(slow), str(socket)]

    process, sock = sphinx_ext._start_katex_when_listening(Slow, tmp_path, 10.0)
    try:
        assert sock.recv(5) == b"ready"
    finally:
        sock.close()
        process.kill()
