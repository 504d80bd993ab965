"""Chapter 3, "Mast cells, CCL2 and dendritic cells turned into tumour killers": its
explorers, the knockout table and figure, and the outputs of its sensitivity screen."""

from __future__ import annotations

import numpy as np

from ... import killers
from ...parameters import GROUPS, default
from ..explorers import PALETTE, Control, Curve, Explorer, Panel
from ..reporting import number_text
from .common import every, sensitivity_figure

__all__ = ["sensitivity_figure"]  # the chapter draws its screen with the shared helper


def untreated_tumour(time_days: np.ndarray) -> np.ndarray:
    """Closed-form logistic growth from a burden of 1 at the registry's rate and capacity."""
    rho, cap = default("tumour_growth_rate_per_day"), default("tumour_capacity")
    return cap / (1.0 + (cap - 1.0) * np.exp(-rho * np.asarray(time_days)))


def tumour_explorer(
    *,
    condition: str = "wild type",
    pdc_killing_rate_per_day: float = default("pdc_killing_rate_per_day"),
    applications_per_week: float = killers.TREATMENT.applications_per_week,
) -> dict[str, np.ndarray]:
    """Tumour burden, recruited pDCs and killer fraction every 6 h over 4 weeks of cream."""
    out = killers.tumour_course(
        condition,
        applications_per_week=applications_per_week,
        pdc_killing_rate_per_day=pdc_killing_rate_per_day,
    )
    shown = every(out, 6, ("time_days", "tumour", "recruited_pdc", "killer_fraction"))
    shown["untreated"] = untreated_tumour(shown["time_days"])
    shown["one_cell"] = np.full(len(shown["time_days"]), 10.0 ** default("one_cell_log10"))
    return shown


TUMOUR = Explorer(
    name="tumour",
    title="Tumour burden under imiquimod, by condition",
    model=tumour_explorer,
    x="time_days",
    x_label="days of treatment",
    controls=(
        Control(
            "condition",
            tuple(c for c in killers.CONDITIONS if c != "untreated"),
            title="Condition (Drobits et al. 2012)",
        ),
        Control("pdc_killing_rate_per_day", (1, 2, 3, 5, 6, 10), log=True),
        # the mouse course of the paper's model, 5 a week (not the registry's 2, the AK label)
        Control(
            "applications_per_week",
            (1, 2, 3, 5, 7),
            opens_at=killers.TREATMENT.applications_per_week,
        ),
    ),
    panels=(
        Panel("tumour burden (× start)", log_y=True, y_range=(-7, 1.5)),
        Panel("fraction (0–1)", y_range=(0, 1)),
    ),
    curves=(
        Curve("tumour", "tumour, treated", panel=0),
        Curve("untreated", "tumour, untreated", panel=0, dash="dash", color="#777777"),
        Curve(
            "one_cell",
            "one cell (10⁶ at the start, assumed)",
            panel=0,
            dash="dot",
            color="#777777",
        ),
        Curve("recruited_pdc", "recruited pDCs", panel=1),
        Curve("killer_fraction", "killer fraction (TRAIL⁺ GzmB⁺)", panel=1, dash="dot"),
    ),
    description=(
        "Two panels over 28 days. Top: tumour burden on a log scale, treated and untreated, "
        "with the level of about one tumour cell, below which the tumour is gone. Bottom: "
        "recruited pDCs (fraction of the maximum) and the fraction of them that are killers."
    ),
)


def ccl2_explorer(
    *,
    ccl2_production_gain: float = default("ccl2_production_gain"),
    applications_per_week: float = killers.TREATMENT.applications_per_week,
) -> dict[str, np.ndarray]:
    """Mast-cell activation, CCL2 and recruited pDCs every 6 h over 4 weeks (wild type)."""
    out = killers.tumour_course(
        applications_per_week=applications_per_week, ccl2_production_gain=ccl2_production_gain
    )
    return every(out, 6, ("time_days", "mast_cells", "ccl2", "recruited_pdc"))


CCL2_RECRUITMENT = Explorer(
    name="ccl2-recruitment",
    title="From mast cells to recruited pDCs: CCL2",
    model=ccl2_explorer,
    x="time_days",
    x_label="days of treatment",
    controls=(
        Control("ccl2_production_gain", (0.1, 0.3, 1, 3, 10, 30), log=True),
        # the mouse course of the paper's model, 5 a week (not the registry's 2, the AK label)
        Control(
            "applications_per_week",
            (1, 2, 3, 5, 7),
            opens_at=killers.TREATMENT.applications_per_week,
        ),
    ),
    panels=(
        Panel("CCL2 (× half-maximal level)", log_y=True, y_range=(-2, 1.7)),
        Panel("fraction", y_range=(0, 1)),
    ),
    curves=(
        Curve("ccl2", "CCL2", panel=0),
        Curve("mast_cells", "activated mast cells", panel=1, dash="dot"),
        Curve("recruited_pdc", "recruited pDCs (fraction of maximum)", panel=1),
    ),
    description=(
        "Two panels over 28 days. Top: CCL2 on a log scale in multiples of the level that "
        "gives half-maximal recruitment. Bottom: activated mast cells and recruited pDCs."
    ),
)


def knockout_verdict_rows(table: list[dict[str, object]]) -> list[dict[str, str]]:
    """The in-silico knockout table beside the paper's stated outcome, for the chapter."""
    return [
        {
            "condition": r["condition"],
            "tumour burden at day 28 (× start)": number_text(r["final_burden"], 2),
            "model": str(r["model"]),
            "Drobits et al. 2012": str(r["paper"]),
            "agree?": "yes" if r["model"] == r["paper"] else "**no**",
        }
        for r in table
    ]


def knockout_small_multiples():
    """One small panel of tumour burden per condition, with the untreated curve dashed."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = list(killers.PAPER_OUTCOME)
    fig = make_subplots(
        rows=3,
        cols=3,
        shared_xaxes=True,
        shared_yaxes=True,
        subplot_titles=names,
        vertical_spacing=0.09,
        horizontal_spacing=0.04,
    )
    for i, name in enumerate(names):
        out = every(killers.tumour_course(name), 6, ("time_days", "tumour"))
        row, col = i // 3 + 1, i % 3 + 1
        fig.add_trace(
            go.Scatter(
                x=out["time_days"],
                y=untreated_tumour(out["time_days"]),
                line={"dash": "dash", "color": "#999999"},
                showlegend=i == 0,
                name="untreated",
            ),
            row=row,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=out["time_days"],
                y=out["tumour"],
                showlegend=i == 0,
                line={"color": PALETTE[0]},
                name="treated",
            ),
            row=row,
            col=col,
        )
    fig.update_yaxes(type="log", range=[-8, 1.5], exponentformat="power")
    fig.update_xaxes(title_text="days", row=3)
    fig.update_yaxes(title_text="tumour burden (× start)", row=2, col=1)
    fig.update_annotations(font_size=12)
    fig.update_layout(
        template="simple_white",
        height=640,
        margin={"l": 50, "r": 10, "t": 40, "b": 50},
        # below the panels: above them it would meet the top row's titles, which wrap onto
        # two lines on a phone (imq-fit.js)
        legend={"orientation": "h", "yanchor": "top", "y": -0.1, "x": 0},
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    return fig


SCREENED_KILLERS = (*GROUPS["Mast cells, CCL2 and killer pDCs"], *GROUPS["Tumour growth"])


def killer_key_outputs(**rates: float) -> dict[str, float]:
    """log10 of the day-28 tumour burden, peak recruited pDCs and mean killer fraction."""
    out = killers.tumour_course(**rates)
    return {
        "log10 tumour burden at day 28": float(np.log10(out["tumour"][-1])),
        "peak recruited pDCs": float(out["recruited_pdc"].max()),
        "mean killer fraction": float(out["killer_fraction"].mean()),
    }
