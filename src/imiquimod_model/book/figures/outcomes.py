"""Chapter 4, "Clinical outcomes by indication": the schedule and comparison explorers,
the fitted-link tables and the trial figures."""

from __future__ import annotations

import re

import numpy as np

from ... import outcomes
from ...parameters import default
from ..explorers import PALETTE, Control, Curve, Explorer, Panel

WEEKS_SHOWN = 16


def schedule_explorer(
    *,
    indication: str = outcomes.INDICATIONS[0],
    applications_per_week: float = default("applications_per_week"),
    cream_strength_percent: float = default("cream_strength_percent"),
) -> dict[str, np.ndarray]:
    """Predicted clearance (%, with its 95% band) and severe local reactions (%) for courses
    of 1 to 16 weeks at the chosen frequency and strength."""
    exposure = outcomes.exposure_by_week(
        round(applications_per_week), cream_strength_percent, WEEKS_SHOWN
    )
    fit = outcomes.fitted(indication)
    bands = np.array([fit.band(x) for x in exposure])
    tolerability = outcomes.fitted_tolerability()
    observed = np.full(WEEKS_SHOWN, np.nan)
    observed_low, observed_high = observed.copy(), observed.copy()
    for arm in outcomes.fitted_arms(indication):
        if arm.treatment == "imiquimod" and arm.applications_per_week == round(
            applications_per_week
        ):
            low, high = arm.wilson_interval()
            i = arm.weeks - 1
            observed[i], observed_low[i], observed_high[i] = (
                100 * arm.proportion,
                100 * low,
                100 * high,
            )
    return {
        "observed": observed,
        "observed_low": observed_low,
        "observed_high": observed_high,
        "weeks": np.arange(1, WEEKS_SHOWN + 1, dtype=float),
        "clearance": 100 * bands[:, 0],
        "clearance_low": 100 * bands[:, 1],
        "clearance_high": 100 * bands[:, 2],
        "severe_reaction": 100
        * outcomes.clearance_probability(exposure, tolerability.background, tolerability.potency),
    }


SCHEDULE = Explorer(
    name="schedule",
    title="Schedule → predicted clearance, and its cost in severe skin reactions",
    model=schedule_explorer,
    x="weeks",
    x_label="weeks of treatment",
    controls=(
        Control("indication", outcomes.INDICATIONS, title="Indication"),
        Control("applications_per_week", (1, 2, 3, 5, 7, 14)),
        Control("cream_strength_percent", (2.5, 3.75, 5.0)),
    ),
    panels=(
        Panel("complete clearance (%)", y_range=(0, 100)),
        Panel("severe local reactions (%)", y_range=(0, 100)),
    ),
    curves=(
        Curve("clearance", "predicted clearance", panel=0),
        Curve("clearance_low", "95% band, low", panel=0, dash="dot", color="#8fb8c9"),
        Curve("clearance_high", "95% band, high", panel=0, dash="dot", color="#8fb8c9"),
        Curve(
            "observed",
            "trial arm at this frequency (95% interval)",
            panel=0,
            color="#222222",
            markers=True,
            gaps=True,
            low="observed_low",
            high="observed_high",
        ),
        Curve(
            "severe_reaction",
            "severe local reactions (assumed to rise with exposure)",
            panel=1,
            color=PALETTE[1],
        ),
    ),
    description=(
        "Two panels over 1 to 16 weeks of treatment. Top: predicted complete clearance with "
        "its 95% band. Bottom: predicted severe local skin reactions."
    ),
)


def _forest_label(arm) -> str:
    trial = re.sub(r"(\D)(\d{4})", r"\1 \2", arm.trial.split("_")[0])
    schedule = (
        f" {arm.applications_per_week}/week × {arm.weeks} wk"
        if arm.treatment == "imiquimod" and arm.applications_per_week
        else ""
    )
    return f"{trial} · {arm.endpoint} · {arm.treatment}{schedule}"


def comparison_forest(indications: tuple[str, ...]):
    """Every published arm of the given indications with its 95% Wilson interval."""
    import plotly.graph_objects as go

    arms = [a for a in outcomes.trial_arms() if a.indication in indications]
    labels, x, low, high = [], [], [], []
    for arm in arms:
        labels.append(_forest_label(arm))
        x.append(100 * arm.proportion)
        lo, hi = arm.wilson_interval() if arm.likelihood_n else (arm.proportion,) * 2
        low.append(100 * (arm.proportion - lo))
        high.append(100 * (hi - arm.proportion))
    colours = [
        PALETTE[0] if "imiquimod" in lab else PALETTE[1] if "vehicle" not in lab else "#999999"
        for lab in labels
    ]
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=labels,
            mode="markers",
            marker={"color": colours, "size": 9},
            error_x={"type": "data", "symmetric": False, "array": high, "arrayminus": low},
            showlegend=False,
        )
    )
    fig.update_xaxes(title_text="patients (or lesions) with the outcome (%)", range=[0, 100])
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(
        template="simple_white",
        height=120 + 24 * len(labels),
        margin={"l": 10, "r": 20, "t": 20, "b": 50},
        font={"family": "system-ui, sans-serif", "size": 11},
    )
    return fig


def long_term_figure():
    """Tumour-free over years for superficial BCC: imiquimod, MAL-PDT, 5-FU and surgery."""
    import plotly.graph_objects as go

    years = {
        "tumour-free at 12 months": 1,
        "tumour-free at 5 years": 5,
        "success at 3 years": 3,
        "success at 5 years": 5,
    }
    fig = go.Figure()
    series: dict[str, list] = {}
    for arm in outcomes.trial_arms():
        if arm.endpoint in years:
            group = "SINS" if arm.trial == "Williams2017" else "Arits 2013 / Jansen 2018"
            series.setdefault(f"{arm.treatment} ({group})", []).append(
                (years[arm.endpoint], 100 * arm.proportion)
            )
    for i, (name, points) in enumerate(sorted(series.items())):
        points.sort()
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in points],
                y=[p[1] for p in points],
                mode="lines+markers",
                name=name,
                line={
                    "color": PALETTE[i % len(PALETTE)],
                    "dash": "dash" if "SINS" in name else None,
                },
            )
        )
    fig.update_xaxes(title_text="years after treatment", range=[0, 5.5], dtick=1)
    fig.update_yaxes(title_text="tumour-free or success (%)", range=[50, 100])
    fig.update_layout(
        template="simple_white",
        height=420,
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        legend={"orientation": "h", "y": -0.25, "x": 0},
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    return fig


def fit_rows() -> list[dict[str, str]]:
    """The fitted link of each indication: arms used, background and potency."""
    rows = []
    for indication in outcomes.INDICATIONS:
        fit = outcomes.fitted(indication)
        b = np.percentile([r[0] for r in fit.replicates], [2.5, 97.5])
        k = np.percentile([r[1] for r in fit.replicates], [2.5, 97.5])
        rows.append(
            {
                "indication": indication,
                "fitted to": ", ".join(
                    sorted({f"{{cite:p}}`{a.source}`" for a in outcomes.fitted_arms(indication)})
                ),
                "endpoint": outcomes.FIT_ENDPOINT[indication],
                "background p₀ (%)": (
                    f"{100 * fit.background:.1f} ({100 * b[0]:.1f}–{100 * b[1]:.1f})"
                ),
                "potency β (per signal-hour)": f"{fit.potency:.4f} ({k[0]:.4f}–{k[1]:.4f})",
            }
        )
    return rows


def loo_rows(indication: str) -> list[dict[str, str]]:
    """Leave-one-arm-out predictions beside the observed arms (Wilson 95% intervals)."""
    return [
        {
            "arm": f"{{cite:p}}`{r['arm'].source}`, {r['arm'].applications_per_week}/week "
            f"× {r['arm'].weeks} weeks",
            "observed (%)": f"{100 * r['observed']:.1f} "
            f"({100 * r['observed_low']:.0f}–{100 * r['observed_high']:.0f})",
            "predicted without it (%)": f"{100 * r['predicted']:.1f} "
            f"({100 * r['low']:.0f}–{100 * r['high']:.0f})",
        }
        for r in outcomes.leave_one_out(indication)
    ]


def misfit_rows() -> list[dict[str, str]]:
    """The listed misfits and their reasons."""
    return [
        {"arm": f"{trial}, {treatment}, {per_week}/week", "reason": reason}
        for (trial, treatment, per_week, _), reason in outcomes.KNOWN_MISFITS.items()
    ]


def label_sensitivity_figure(rows: list[dict[str, object]]):
    """Tornado: predicted clearance at each label regimen with one exposure assumption
    moved to each end of its range (link refitted), against the default (vertical line)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    indications = list(dict.fromkeys(r["indication"] for r in rows))
    fig = make_subplots(
        rows=1,
        cols=len(indications),
        shared_yaxes=True,
        subplot_titles=[i.replace("superficial basal cell carcinoma", "sBCC") for i in indications],
        horizontal_spacing=0.04,
    )
    for j, indication in enumerate(indications, start=1):
        mine = [r for r in rows if r["indication"] == indication]
        labels = [r["parameter"].removesuffix("_h").replace("_", " ") for r in mine]
        for end, colour in (("low", PALETTE[0]), ("high", PALETTE[1])):
            fig.add_trace(
                go.Scatter(
                    x=[r[end] for r in mine],
                    y=labels,
                    mode="markers",
                    marker={"color": colour, "size": 9},
                    name=f"range {end} end",
                    showlegend=j == 1,
                ),
                row=1,
                col=j,
            )
        default_value = mine[0]["default"]
        values = [r[e] for r in mine for e in ("low", "high")]
        fig.add_trace(
            go.Scatter(
                x=[default_value] * 2,
                y=[labels[0], labels[-1]],
                mode="lines",
                line={"dash": "dash", "color": "#777777"},
                name="defaults",
                showlegend=j == 1,
            ),
            row=1,
            col=j,
        )
        fig.update_xaxes(
            range=[
                min(min(values), default_value - 2) - 1,
                max(max(values), default_value + 2) + 1,
            ],
            title_text="clearance (%)" if j == 2 else None,
            row=1,
            col=j,
        )
    fig.update_layout(
        template="simple_white",
        height=380,
        margin={"l": 10, "r": 10, "t": 40, "b": 50},
        legend={"orientation": "h", "y": -0.3, "x": 0},
        font={"family": "system-ui, sans-serif", "size": 11},
    )
    return fig


TREATMENTS = ("imiquimod", "vehicle", "cryotherapy", "5-fluorouracil", "MAL-PDT", "surgery")
#: comparison shown → (trial, endpoint) of the arms it sets side by side
COMPARISONS: dict[str, tuple[str, str]] = {
    "AK: initial clinical clearance (Krawtchenko 2007)": (
        "Krawtchenko2007",
        "initial clinical clearance",
    ),
    "AK: histological clearance (Krawtchenko 2007)": ("Krawtchenko2007", "histological clearance"),
    "AK: lesions still clear at 12 months (Krawtchenko 2007)": (
        "Krawtchenko2007",
        "sustained clearance at 12 months",
    ),
    "AK: lesion response at 12 months, per lesion (2011 trial)": (
        "CryoVsIMQ_AK2011",
        "lesion complete response",
    ),
    "AK: complete clearance (Lebwohl 2004)": ("Lebwohl2004", "complete clearance"),
    "sBCC: tumour-free at 1 year (Arits 2013)": ("Arits2013", "tumour-free at 12 months"),
    "sBCC: tumour-free at 5 years (Jansen 2018)": ("Jansen2018", "tumour-free at 5 years"),
    "BCC: success at 3 years (SINS, Williams 2017)": ("Williams2017", "success at 3 years"),
    "BCC: success at 5 years (SINS, Williams 2017)": ("Williams2017", "success at 5 years"),
    "EGW: complete clearance (Edwards 1998)": ("Edwards1998", "complete clearance"),
}


def comparison(*, comparison: str = next(iter(COMPARISONS))) -> dict[str, np.ndarray]:
    """The arms of one published comparison, one slot per treatment (%, with 95% Wilson
    intervals; NaN where the trial had no such arm, and no bar where only a percentage was
    published)."""
    trial, endpoint = COMPARISONS[comparison]
    percent = np.full(len(TREATMENTS), np.nan)
    low, high = percent.copy(), percent.copy()
    for arm in outcomes.trial_arms():
        if arm.trial == trial and arm.endpoint == endpoint:
            j = TREATMENTS.index(arm.treatment)
            percent[j] = 100 * arm.proportion
            lo, hi = arm.wilson_interval() if arm.n else (arm.proportion, arm.proportion)
            low[j], high[j] = 100 * lo, 100 * hi
    return {
        "slot": np.arange(len(TREATMENTS), dtype=float),
        "percent": percent,
        "low": low,
        "high": high,
    }


COMPARISON = Explorer(
    name="comparison",
    title="Imiquimod against the alternatives, trial by trial",
    model=comparison,
    x="slot",
    x_label="treatment",
    x_ticks=TREATMENTS,
    controls=(Control("comparison", tuple(COMPARISONS), title="Trial and endpoint"),),
    panels=(Panel("patients (or lesions) with the outcome (%)", y_range=(0, 105)),),
    curves=(
        Curve(
            "percent",
            "reported, with 95% interval",
            markers=True,
            gaps=True,
            low="low",
            high="high",
        ),
    ),
    description=(
        "One panel: for the chosen trial and endpoint, the percentage of patients with the "
        "outcome for each treatment in that trial, with 95% intervals."
    ),
)


#: Every explorer the book shows; tests and benchmarks iterate over this.
