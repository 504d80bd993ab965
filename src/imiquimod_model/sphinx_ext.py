"""Sphinx extension: serve plotly.js and the explorer script from the site itself.

plotly.min.js is copied from the installed plotly into ``_static`` at build time (never
committed, never inlined per figure, never fetched from a CDN); ``explorer.js`` binds the
static explorers' sliders to their precomputed runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import plotly
from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.template import optional

STATIC = Path(__file__).parent / "static"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _add_static_path(app, config) -> None:
    config.html_static_path.append(str(STATIC))


def _copy_plotly(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / "plotly.min.js"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PLOTLY_JS, target)


class _Bibliography(PlainStyle):
    """pybtex's plain style, except that a source whose authors were not seen in the
    retrieved record is printed without them instead of raising a warning."""

    def format_names(self, role, as_sentence=True):
        return optional[super().format_names(role, as_sentence)]


def setup(app):
    """Register the assets and the bibliography style with Sphinx."""
    register_plugin("pybtex.style.formatting", "imiquimod", _Bibliography)
    app.connect("config-inited", _add_static_path)
    app.connect("build-finished", _copy_plotly)
    app.add_js_file("plotly.min.js")
    app.add_js_file("imq-explorer.js")
    app.add_css_file("imq-explorer.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
