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
from ..reporting import number_text, quantity_text


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
        row = {
            "assumed number": f"{p.meaning} (${p.symbol}$)",
            "range": f"{p.low:g} to {quantity_text(f'{p.high:g}', p.high, p.unit)} "
            f"(default {p.value:g})",
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


def parameter_label(name: str, width: int = 46) -> str:
    """A registry parameter as a figure names it: its meaning, wrapped for a phone."""
    import textwrap

    meaning = PARAMETERS[name].meaning
    return "<br>".join(textwrap.wrap(meaning[0].upper() + meaning[1:], width))


def add_row_label(fig, y: float, text: str, size: int, anchor: str = "middle") -> None:
    """A row's label across the figure from its left edge, at ``y`` in data units: above
    the row's marks, so that they keep the whole width on a phone."""
    fig.add_annotation(
        x=0,
        y=y,
        xref="paper",
        yref="y",
        text=text,
        showarrow=False,
        xanchor="left",
        yanchor=anchor,
        align="left",
        font={"size": size},
    )


#: a parameter's row in the sensitivity figures: its bars, with its name above them
GROUP_PX, LINE_PX = 46, 17


def sensitivity_figure(rows: list[dict[str, object]]):
    """Grouped horizontal bars of relative μ* (log scale): one group per parameter, named
    above its bars by its meaning in the registry (so the bars keep the width on a phone),
    one colour per output; effects below ``MU_FLOOR`` are marked "≈ 0" instead of
    vanishing."""
    import plotly.graph_objects as go

    outputs = list(dict.fromkeys(r["output"] for r in rows))
    names = list(dict.fromkeys(r["parameter"] for r in rows))
    labels = [parameter_label(n) for n in names]
    # each group: its label's lines, then its bars; positions in px from the top
    tops, centres, y = [], [], 0.0
    for label in labels:
        tops.append(y)
        y += LINE_PX * (label.count("<br>") + 1) + 6
        centres.append(y + GROUP_PX / 2)
        y += GROUP_PX + 10
    fig = go.Figure()
    for j, output in enumerate(outputs):
        mu = {r["parameter"]: r["mu_star"] for r in rows if r["output"] == output}
        fig.add_trace(
            go.Bar(
                x=[max(mu[n], MU_FLOOR) for n in names],
                y=centres,
                width=GROUP_PX * 0.8 / len(outputs),
                orientation="h",
                name=output,
                marker_color=PALETTE[j % len(PALETTE)],
                text=["≈ 0" if mu[n] < MU_FLOOR else "" for n in names],
                textposition="outside",
                textfont={"size": 11, "color": PALETTE[j % len(PALETTE)]},  # whose "≈ 0"
                constraintext="none",
                cliponaxis=False,
                customdata=[[PARAMETERS[n].meaning, number_text(float(mu[n]), 2)] for n in names],
                hovertemplate="%{customdata[0]}: μ* = %{customdata[1]}<extra></extra>",
            )
        )
    for top, label in zip(tops, labels, strict=True):
        add_row_label(fig, top, label, 12, "top")
    fig.update_layout(
        barmode="group",
        template="simple_white",
        height=int(140 + y),
        xaxis={
            "type": "log",
            "title": "μ* relative to the output (≈ 0: < 0.001)",
            "range": [-3, 1.2],
            "exponentformat": "power",
        },
        yaxis={"range": [y, -2], "visible": False},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        margin={"l": 12, "r": 20, "t": 70, "b": 50},  # t: the legend's two rows on a phone
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    return fig
