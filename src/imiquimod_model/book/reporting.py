"""Small display helpers shared by every chapter (tables as MyST Markdown).

Examples
--------
>>> print(markdown_table([{"a": "1", "b": "2"}]))
| a | b |
|---|---|
| 1 | 2 |
"""

from __future__ import annotations

import math
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


#: units that count things, as the book prints one and many of them
COUNTED = {
    "applications/week": ("per week", "per week"),
    "weeks": ("week", "weeks"),
    "days": ("day", "days"),
    "cycles": ("cycle", "cycles"),
    "lesions": ("lesion", "lesions"),
    "tumours": ("tumour", "tumours"),
    "warts": ("wart", "warts"),
}


#: units as a student reads them at once: "3 per day", not "3 1/day" (read as "31/day")
UNIT_WORDS = {
    "1/day": "per day",
    "1/h": "per hour",
    "per burden": "per unit of tumour burden",
    "log10": "on a log10 scale",
    "ln units": "on a natural-log scale",
}


def unit_text(unit: str) -> str:
    """A registry unit in words where its symbols mislead.

    >>> unit_text("1/day"), unit_text("µM")
    ('per day', 'µM')
    """
    return UNIT_WORDS.get(unit, unit)


def quantity_text(number: str, value: float, unit: str) -> str:
    """A printed number and its unit in words, a counted unit in the singular for one.

    >>> quantity_text("1", 1, "cycles"), quantity_text("3", 3, "applications/week")
    ('1 cycle', '3 per week')
    >>> quantity_text("3", 3, "1/day"), quantity_text("−7.5", -7.5, "log10")
    ('3 per day', '−7.5 on a log10 scale')
    """
    if unit in COUNTED:
        unit = COUNTED[unit][0 if value == 1 else 1]
    return f"{number} {unit_text(unit)}".strip()


def default_text(name: str) -> str:
    """The registry default of parameter ``name`` with its unit in words.

    >>> default_text("cycles")
    '1 cycle'
    """
    p = PARAMETERS[name]
    return quantity_text(f"{p.value:g}", p.value, p.unit)


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number_text(value: float, significant: int = 3) -> str:
    """A number as the book prints it: ``significant`` figures, trailing zeros dropped, and
    never computer notation; very small or large numbers as ``a × 10ⁿ``.

    >>> number_text(0.04778, 3), number_text(12.0), number_text(5.9e-08, 2), number_text(-2.5e7, 2)
    ('0.0478', '12', '5.9 × 10⁻⁸', '−2.5 × 10⁷')
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"a printed number must be a finite number, not {value!r}")
    if value == 0:
        return "0"
    digits, _, exponent = f"{value:.{significant - 1}e}".partition("e")
    power = int(exponent)  # from the rounded digits, so 9.99 → 10 moves to the next power
    if -3 <= power < 6:
        decimals = max(0, significant - 1 - power)
        text = f"{float(f'{digits}e{power}'):.{decimals}f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
    else:
        mantissa = digits.rstrip("0").rstrip(".") if "." in digits else digits
        text = f"{mantissa} × 10{str(power).translate(SUPERSCRIPT)}"
    return text.replace("-", "−", 1) if text.startswith("-") else text


class Printed:
    """A number already printed (:func:`number_text`), for ``{glue}`` roles: its text is
    its representation, so the page shows it as it is."""

    def __init__(self, value: float, significant: int = 3) -> None:
        self.text = number_text(value, significant)

    def __repr__(self) -> str:
        return self.text


def round_to(value: float, significant: int) -> float:
    """``value`` rounded to ``significant`` significant figures, for "about" numbers in text.

    >>> round_to(10348.6, 2)
    10000.0
    >>> round_to(0.004816, 2)
    0.0048
    """
    return float(f"{value:.{significant}g}")


def citation(keys: Sequence[str]) -> str:
    """One parenthetical citation of every source in ``keys`` ("(A, 2001; B, 2002)"), or ""
    for none: a role per key would print "(A, 2001) (B, 2002)".

    >>> citation(["Hemmi2002", "Drobits2012"])
    '{cite:p}`Hemmi2002,Drobits2012`'
    """
    return f"{{cite:p}}`{','.join(keys)}`" if keys else ""


def parameter_table_markdown(group: str) -> str:
    """Return one group of the registry as a MyST Markdown table with citations."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; choose from {sorted(GROUPS)}")
    rows = [
        "| parameter | value (allowed range) | source | measured or assumed |",
        "|---|---|---|---|",
    ]
    for p in (PARAMETERS[name] for name in GROUPS[group]):
        cite = citation(p.sources) or "none"
        if p.assumed:
            status = f"**assumed**: {p.note}"
        elif p.fitted:
            status = f"**fitted** to the source: {p.note}"
        else:
            status = f"from the source: {p.note}".rstrip(":. ")
        low, high, value = (number_text(v, 4) for v in (p.low, p.high, p.value))
        allowed = "fixed" if p.low == p.high else f"{low} to {high}"
        rows.append(
            f"| ${p.symbol}$ {p.meaning}<br>`{p.name}` | {quantity_text(value, p.value, p.unit)} "
            f"({allowed}) "
            f"| {cite} | {status.replace('|', '/')} |"
        )
    return "\n".join(rows)
