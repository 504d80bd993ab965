"""Small display helpers shared by every chapter (tables as MyST Markdown).

Examples
--------
>>> print(markdown_table([{"a": "1", "b": "2"}]))
| a | b |
|---|---|
| 1 | 2 |
"""

from __future__ import annotations

from collections.abc import Sequence

from ..parameters import GROUPS, PARAMETERS


def markdown_table(rows: Sequence[dict[str, str]]) -> str:
    """Rows of equal keys as a Markdown table (keys become the header)."""
    if not rows:
        raise ValueError("a table needs at least one row")
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(r[h]) for h in header) + " |" for r in rows]
    return "\n".join(lines)


def versions() -> dict[str, str]:
    """Versions of Python and of the packages a figure depends on."""
    import platform
    from importlib.metadata import version

    names = ("numpy", "scipy", "plotly", "ipywidgets", "imiquimod-model")
    return {"Python": platform.python_version(), **{n: version(n) for n in names}}


def show_versions() -> None:
    """Stamp the versions this page ran with, so a reader can reproduce its figures."""
    from IPython.display import Markdown, display

    stamp = ", ".join(f"{name} {v}" for name, v in versions().items())
    display(Markdown(f"*This page was computed with {stamp}.*"))


def glue(name: str, value: object) -> None:
    """Store ``value`` under ``name`` for the book's ``{glue}`` roles, without displaying it.

    myst-nb is part of the book build only; in JupyterLab or Binder without it the text
    quotes nothing, so there is nothing to store and this does nothing.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()  # a NumPy scalar's repr would break the {glue:text} format
    myst_glue(name, value, display=False)


def round_to(value: float, significant: int) -> float:
    """``value`` rounded to ``significant`` significant figures, for "about" numbers in text.

    >>> round_to(10348.6, 2)
    10000.0
    >>> round_to(0.004816, 2)
    0.0048
    """
    return float(f"{value:.{significant}g}")


def parameter_table_markdown(group: str) -> str:
    """Return one group of the registry as a MyST Markdown table with citations."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; choose from {sorted(GROUPS)}")
    rows = [
        "| parameter | value (allowed range) | source | measured or assumed |",
        "|---|---|---|---|",
    ]
    for p in (PARAMETERS[name] for name in GROUPS[group]):
        unit = f" {p.unit}" if p.unit else ""
        cite = " ".join(f"{{cite:p}}`{key}`" for key in p.sources) or "none"
        if p.assumed:
            status = f"**assumed**: {p.note}"
        elif p.fitted:
            status = f"**fitted** to the source: {p.note}"
        else:
            status = f"from the source. {p.note}".rstrip(". ")
        allowed = "fixed" if p.low == p.high else f"{p.low:g} to {p.high:g}"
        rows.append(
            f"| ${p.symbol}$ {p.meaning}<br>`{p.name}` | {p.value:g}{unit} ({allowed}) "
            f"| {cite} | {status.replace('|', '/')} |"
        )
    return "\n".join(rows)
