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

import numpy as np

from ..explorers import PALETTE


def every(out: dict[str, np.ndarray], samples: int, keys: tuple[str, ...]):
    """Every ``samples``-th value of each output in ``keys`` (for lighter pages)."""
    return {k: out[k][::samples] for k in keys}


def hourly(out: dict[str, np.ndarray], keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """One value per hour of each output in ``keys`` (``out["time_h"]`` in hours)."""
    return every(out, round(1.0 / (out["time_h"][1] - out["time_h"][0])), keys)


def sensitivity_figure(rows: list[dict[str, object]]):
    """Grouped horizontal bars of relative μ* (log scale): one group per parameter, one
    colour per output."""
    import plotly.graph_objects as go

    outputs = list(dict.fromkeys(r["output"] for r in rows))
    names = list(dict.fromkeys(r["parameter"] for r in rows))
    labels = [
        n.removesuffix("_h")
        .replace("_", " ")
        .replace("ifn", "IFN")
        .replace("irf7", "IRF7")
        .replace("tnf", "TNF")
        for n in names
    ]
    fig = go.Figure()
    for j, output in enumerate(outputs):
        mu = {r["parameter"]: r["mu_star"] for r in rows if r["output"] == output}
        fig.add_trace(
            go.Bar(
                x=[max(mu[n], 1e-4) for n in names],
                y=labels,
                orientation="h",
                name=output,
                marker_color=PALETTE[j % len(PALETTE)],
            )
        )
    fig.update_layout(
        barmode="group",
        template="simple_white",
        height=160 + 42 * len(names),
        xaxis={
            "type": "log",
            "title": "μ*, relative to the output at the defaults",
            "range": [-3, 1.2],
            "exponentformat": "power",
        },
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        margin={"l": 10, "r": 20, "t": 40, "b": 50},
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    return fig
