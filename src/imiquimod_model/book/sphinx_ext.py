"""Sphinx extension: serve plotly.js and the explorer script from the site itself, and
re-execute the chapters when the model package changes.

plotly.min.js is copied from the installed plotly into ``_static`` at build time (never
committed, never inlined per figure, never fetched from a CDN); ``imq-explorer.js`` binds the
static explorers' sliders to their precomputed runs.

myst-nb's execution cache is keyed on a notebook's own text, so a changed model would
leave stale figures in the cache. The package's source is therefore hashed: when the hash
changes, the cache is cleared and every page is read again.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import plotly
from pybtex.database import Entry
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.template import FieldIsMissing, join, node, optional, sentence

STATIC = Path(__file__).parent / "static"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


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


def _copy_plotly(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / "plotly.min.js"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PLOTLY_JS, target)


@node
def _names_et_al(children, context, role, **kwargs):
    """pybtex's ``names``; from a BibTeX ``others`` on, the list becomes "et al."."""
    try:
        persons = context["entry"].persons[role]
    except KeyError as err:
        raise FieldIsMissing(role, context["entry"]) from err
    style = context["style"]
    plain = [str(p) for p in persons]
    named = persons[: plain.index("others")] if "others" in plain else persons
    text = join(**kwargs)[[style.format_name(p, style.abbreviate_names) for p in named]]
    text = text.format_data(context)
    return Text(text, " et al.") if len(named) < len(persons) else text


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
    app.connect("config-inited", _add_static_path)
    app.connect("config-inited", _clear_stale_execution_cache, priority=900)
    app.connect("env-get-outdated", _reread_all_when_package_changed)
    app.connect("build-finished", _copy_plotly)
    app.add_js_file("plotly.min.js")
    app.add_js_file("imq-explorer.js")
    app.add_css_file("imq-explorer.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
