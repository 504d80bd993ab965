"""Helpers every chapter's figures share: thinning model outputs for the page, and the
Morris-screening bar chart.

Examples
--------
>>> import numpy as np
>>> out = {"time_h": np.arange(0, 3, 0.25), "y": np.arange(12.0)}
>>> hourly(out, ("time_h", "y"))["y"]
array([0., 4., 8.])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ...parameters import PARAMETERS
from ..explorers import PALETTE
from ..reporting import number_text


def every(out: dict[str, np.ndarray], samples: int, keys: tuple[str, ...]):
    """Every ``samples``-th value of each output in ``keys`` (for lighter pages)."""
    return {k: out[k][::samples] for k in keys}


def two_figures(value: float) -> str:
    """A number with two significant figures, without scientific notation."""
    return number_text(float(value), 2) if abs(value) >= 1e-4 else "0"


def percent(value: float) -> str:
    """A percentage as the book prints it: whole numbers, and "<1" for small shares."""
    return "0" if value == 0 else "<1" if abs(value) < 0.5 else f"{value:.0f}"


def spread(
    at_low: float, at_high: float, at_default: float, form: Callable[[float], str] = two_figures
) -> str:
    """'a to b (default c)'."""
    return f"{form(at_low)} to {form(at_high)} (default {form(at_default)})"


def low_high_rows(
    names: tuple[str, ...],
    summary: Callable[..., dict[str, float]],
    form: Callable[[float], str] = two_figures,
) -> list[dict[str, str]]:
    """One table row per assumed number in ``names``: its range, and each output of
    ``summary(**{name: value})`` with that number at the low and the high end of its
    registry range (the others at their defaults)."""
    base = summary()
    rows = []
    for name in names:
        p = PARAMETERS[name]
        low, high = summary(**{name: p.low}), summary(**{name: p.high})
        unit = f" {p.unit}" if p.unit else ""
        row = {
            "assumed number": f"{p.meaning} (${p.symbol}$)",
            "range": f"{p.low:g} to {p.high:g}{unit} (default {p.value:g})",
        }
        row.update({k: spread(low[k], high[k], base[k], form) for k in base})
        rows.append(row)
    return rows


def hourly(out: dict[str, np.ndarray], keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """One value per hour of each output in ``keys`` (``out["time_h"]`` in hours)."""
    return every(out, round(1.0 / (out["time_h"][1] - out["time_h"][0])), keys)


#: the smallest relative μ* the sensitivity figures resolve; a smaller one is drawn at this
#: floor and marked "≈ 0" (a log axis has no zero)
MU_FLOOR = 1e-3


def parameter_label(name: str, width: int = 34) -> str:
    """A registry parameter as a figure names it: its meaning, wrapped for a narrow axis."""
    import textwrap

    meaning = PARAMETERS[name].meaning
    return "<br>".join(textwrap.wrap(meaning[0].upper() + meaning[1:], width))


def sensitivity_figure(rows: list[dict[str, object]]):
    """Grouped horizontal bars of relative μ* (log scale): one group per parameter, named
    by its meaning in the registry, one colour per output; effects below ``MU_FLOOR`` are
    marked "≈ 0" instead of vanishing."""
    import plotly.graph_objects as go

    outputs = list(dict.fromkeys(r["output"] for r in rows))
    names = list(dict.fromkeys(r["parameter"] for r in rows))
    labels = [parameter_label(n) for n in names]
    fig = go.Figure()
    for j, output in enumerate(outputs):
        mu = {r["parameter"]: r["mu_star"] for r in rows if r["output"] == output}
        fig.add_trace(
            go.Bar(
                x=[max(mu[n], MU_FLOOR) for n in names],
                y=labels,
                orientation="h",
                name=output,
                marker_color=PALETTE[j % len(PALETTE)],
                text=["≈ 0" if mu[n] < MU_FLOOR else "" for n in names],
                textposition="outside",
                customdata=[[n, number_text(float(mu[n]), 2)] for n in names],
                hovertemplate="%{customdata[0]}: μ* = %{customdata[1]}<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        template="simple_white",
        height=160 + 52 * len(names),
        xaxis={
            "type": "log",
            "title": "μ*, relative to the output at the defaults (≈ 0: below 0.001)",
            "range": [-3, 1.2],
            "exponentformat": "power",
        },
        yaxis={"autorange": "reversed", "automargin": True},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        margin={"l": 10, "r": 20, "t": 40, "b": 50},
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    return fig
