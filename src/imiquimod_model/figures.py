"""The explorers the chapters show, one spec per interactive figure.

Each model function here composes the science modules and returns named arrays; the
:class:`~imiquimod_model.explorers.Explorer` specs say which of them to draw.

Examples
--------
>>> out = cream_to_receptor(sachets_per_application=1, tlr7_ec50_uM=5, skin_layer_depth_um=100)
>>> sorted(out)[:3]
['ec50_uM', 'serum_engagement', 'serum_uM']
"""

from __future__ import annotations

import re

import numpy as np

from . import cytokines, killers, outcomes, pk
from .explorers import PALETTE, Control, Curve, Explorer, Panel
from .parameters import GROUPS, default
from .receptor import tlr7_engagement
from .signalling import GENOTYPES

DAYS_SHOWN = 14
LABEL_AK_SCHEDULE = pk.Schedule(
    applications_per_week=int(default("applications_per_week")),
    weeks=int(default("treatment_weeks")),
)


def cream_to_receptor(
    *,
    sachets_per_application: float = default("sachets_per_application"),
    tlr7_ec50_uM: float = default("tlr7_ec50_uM"),
    skin_layer_depth_um: float = default("skin_layer_depth_um"),
) -> dict[str, np.ndarray]:
    """Skin and serum concentration (µM) and TLR7 engagement (0–1), hourly over 2 weeks.

    The schedule is the label's for actinic keratosis (2 applications a week, 8 h each).
    """
    exposure = pk.topical_exposure(
        LABEL_AK_SCHEDULE,
        sachets_per_application=sachets_per_application,
        skin_layer_depth_um=skin_layer_depth_um,
        duration_h=DAYS_SHOWN * 24,
    )
    hourly = slice(None, None, round(1.0 / (exposure.time_h[1] - exposure.time_h[0])))
    skin = exposure.skin_concentration_uM[hourly]
    serum = exposure.serum_concentration_uM[hourly]
    return {
        "time_days": exposure.time_h[hourly] / 24.0,
        "skin_uM": skin,
        "serum_uM": serum,
        "ec50_uM": np.full_like(skin, tlr7_ec50_uM),
        "skin_engagement": tlr7_engagement(skin, tlr7_ec50_uM),
        "serum_engagement": tlr7_engagement(serum, tlr7_ec50_uM),
    }


CREAM_TO_RECEPTOR = Explorer(
    name="cream-to-receptor",
    title="From cream to receptor: two weeks of the label schedule for actinic keratosis",
    model=cream_to_receptor,
    x="time_days",
    x_label="time since the first application (days)",
    controls=(
        Control("sachets_per_application", (1, 2, 3, 4, 5, 6), step=1),
        Control("tlr7_ec50_uM", (0.1, 0.3, 1, 3, 5, 10, 30, 50), log=True),
        Control("skin_layer_depth_um", (25, 50, 100, 200, 400), step=5),
    ),
    panels=(
        Panel("concentration (µM)", log_y=True, y_range=(-5, 4.5)),
        Panel("TLR7 engaged (fraction)", y_range=(0, 1.05)),
    ),
    curves=(
        Curve("skin_uM", "treated skin", panel=0),
        Curve("serum_uM", "serum", panel=0),
        Curve("ec50_uM", "assumed EC50", panel=0, dash="dash", color="#777777"),
        Curve("skin_engagement", "TLR7 in treated skin", panel=1),
        Curve("serum_engagement", "TLR7 in blood cells", panel=1),
    ),
    description=(
        "Two panels over 14 days. Top: imiquimod concentration in treated skin and in "
        "serum on a log scale, with the assumed EC50 as a dashed line. Bottom: the "
        "fraction of maximal TLR7 engagement in skin and in blood."
    ),
)


def engagement_by_ec50(ec50_values_uM: tuple[float, ...]) -> list[dict[str, str]]:
    """For each assumed EC50 (µM): TLR7 engagement in skin and blood over the explorer's 2 weeks.

    Rows give the time-averaged engagement in treated skin and the peak engagement in blood
    at the registry's other defaults, as percentages formatted for a table.
    """
    rows = []
    for ec50 in ec50_values_uM:
        out = cream_to_receptor(tlr7_ec50_uM=ec50)
        rows.append(
            {
                "assumed EC50 (µM)": f"{ec50:g}",
                "skin engagement, 2-week mean (%)": f"{100 * out['skin_engagement'].mean():.1f}",
                "blood engagement, peak (%)": f"{100 * out['serum_engagement'].max():.1e}",
            }
        )
    return rows


def label_peak_comparison() -> list[dict[str, str]]:
    """The label study's serum peaks beside the model's, with the model's time to peak."""
    rows = []
    for row in pk.label_pk_peaks():
        exposure = pk.topical_exposure(pk.LABEL_PK_STUDY, sachets_per_application=row["sachets"])
        peak, delay = pk.final_serum_peak(exposure, pk.LABEL_PK_STUDY)
        rows.append(
            {
                "sachets (body site)": f"{row['sachets']:g} ({row['site']})",
                "label peak (ng/mL)": f"{row['peak_ng_per_mL']:g}",
                "model peak (ng/mL)": f"{peak:.2f}",
                "model / label": f"{peak / row['peak_ng_per_mL']:.2f}",
                "model time to peak (h)": f"{delay:.1f}",
            }
        )
    return rows


# --- Chapter 2: signalling and the cytokine cascade
WEEK_H = 7 * 24
SCREENED_SIGNALLING = (*GROUPS["TLR7 signalling"], "ifn_alpha_half_life_h", "tnf_alpha_half_life_h")


def _every(out: dict[str, np.ndarray], samples: int, keys: tuple[str, ...]):
    """Every ``samples``-th value of each output in ``keys`` (for lighter pages)."""
    return {k: out[k][::samples] for k in keys}


def _hourly(out: dict[str, np.ndarray], keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    return _every(out, round(1.0 / (out["time_h"][1] - out["time_h"][0])), keys)


def cytokine_week(
    *,
    tolerance_onset_time_h: float = default("tolerance_onset_time_h"),
    tolerance_recovery_half_life_h: float = default("tolerance_recovery_half_life_h"),
    ifn_alpha_half_life_h: float = default("ifn_alpha_half_life_h"),
    applications_per_week: float = default("applications_per_week"),
) -> dict[str, np.ndarray]:
    """Cytokines (relative units) and the TLR7 signal, hourly over the first week of a
    16-week course (one sachet, 8 h contact; the label's 2 applications a week)."""
    schedule = pk.Schedule(applications_per_week=round(applications_per_week), weeks=16)
    out = cytokines.cytokines_after_cream(
        schedule,
        duration_h=WEEK_H,
        tolerance_onset_time_h=tolerance_onset_time_h,
        tolerance_recovery_half_life_h=tolerance_recovery_half_life_h,
        ifn_alpha_half_life_h=ifn_alpha_half_life_h,
    )
    hourly = _hourly(out, ("time_h", "ifn_alpha", "tnf_alpha", "il6", "engagement", "refractory"))
    hourly["time_days"] = hourly.pop("time_h") / 24.0
    return hourly


CYTOKINE_WEEK = Explorer(
    name="cytokine-week",
    title="The cytokine response over the first week of treatment",
    model=cytokine_week,
    x="time_days",
    x_label="time since the first application (days)",
    controls=(
        Control("tolerance_onset_time_h", (4, 8, 12, 24, 48, 96), log=True),
        Control("tolerance_recovery_half_life_h", (24, 48, 72, 120, 168, 336), log=True),
        Control("ifn_alpha_half_life_h", (0.25, 0.5, 1, 2, 4), log=True),
    ),
    panels=(
        Panel("cytokine (relative)", y_range=(0, 1)),
        Panel("TLR7 in skin (fraction)", y_range=(0, 1.05)),
    ),
    curves=(
        Curve("ifn_alpha", "IFN-α (pDC, IRF7)", panel=0),
        Curve("tnf_alpha", "TNF-α, IL-1, IL-12 (myeloid cells, NF-κB)", panel=0),
        Curve("il6", "IL-6, IL-8 (myeloid cells and keratinocytes)", panel=0),
        Curve("engagement", "engaged", panel=1, color="#777777"),
        Curve("refractory", "refractory (tolerance)", panel=1, dash="dot", color="#444444"),
    ),
    description=(
        "Two panels over 7 days. Top: IFN-α, TNF-α and IL-6 in relative units. Bottom: "
        "the fraction of TLR7 engaged in treated skin and the refractory fraction."
    ),
)


def knockout_day(
    *,
    genotype: str = "wild type",
    ifn_loop_gain: float = default("ifn_loop_gain"),
) -> dict[str, np.ndarray]:
    """Cytokines (relative units) over 3 days after one application, for a genotype."""
    one = pk.Schedule(applications_per_week=1, weeks=1)
    out = cytokines.cytokines_after_cream(
        one, duration_h=72, genotype=genotype, ifn_loop_gain=ifn_loop_gain
    )
    return _hourly(out, ("time_h", "ifn_alpha", "tnf_alpha", "il6", "irf7", "nfkb_myeloid"))


KNOCKOUTS = Explorer(
    name="knockouts",
    title="Knockouts: which cytokines need which part of the pathway",
    model=knockout_day,
    x="time_h",
    x_label="time since one application (h)",
    controls=(
        Control("genotype", tuple(GENOTYPES), title="Genotype"),
        Control("ifn_loop_gain", (0, 1, 2, 5, 10)),
    ),
    panels=(
        Panel("cytokine (relative)", y_range=(0, 1)),
        Panel("branch activity (fraction)", y_range=(0, 1)),
    ),
    curves=(
        Curve("ifn_alpha", "IFN-α", panel=0),
        Curve("tnf_alpha", "TNF-α, IL-1, IL-12", panel=0),
        Curve("il6", "IL-6, IL-8", panel=0),
        Curve("irf7", "IRF7 (pDC)", panel=1, dash="dot"),
        Curve("nfkb_myeloid", "NF-κB (myeloid cells)", panel=1, dash="dot"),
    ),
    description=(
        "Two panels over 72 hours after one application. Top: IFN-α, TNF-α and IL-6 in "
        "relative units. Bottom: IRF7 activity in pDCs and NF-κB activity in myeloid cells."
    ),
)


def signalling_key_outputs(**rates: float) -> dict[str, float]:
    """Peak IFN-α, its time (h) and the AUC of TNF-α (relative·h) over the label's first
    week (2 applications, one sachet), for the given signalling rates."""
    out = cytokines.cytokines_after_cream(LABEL_AK_SCHEDULE, duration_h=WEEK_H, **rates)
    ifn = out["ifn_alpha"]
    return {
        "peak IFN-α": float(ifn.max()),
        "time to peak IFN-α": float(out["time_h"][np.argmax(ifn)]),
        "AUC of TNF-α": float(np.trapezoid(out["tnf_alpha"], out["time_h"])),
    }


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


def producer_rows() -> list[dict[str, str]]:
    """Which cell makes which cytokine in the model, with the sources, as table rows."""
    return [
        {
            "cytokine": cytokines.NAMES[key],
            "made by (in the model)": cells,
            "branch": branch,
            "source": " ".join(f"{{cite:p}}`{k}`" for k in keys),
        }
        for key, (cells, branch, keys) in cytokines.PRODUCERS.items()
    ]


def knockout_rows() -> list[dict[str, str]]:
    """Peak of each cytokine in each genotype, as % of wild type, one application."""
    wild = knockout_day()
    keys = ("ifn_alpha", "tnf_alpha", "il6")
    rows = []
    for name in GENOTYPES:
        out = knockout_day(genotype=name)
        row = {"genotype": name}
        for key in keys:
            row[f"peak {cytokines.NAMES[key]} (% of wild type)"] = (
                f"{100 * out[key].max() / wild[key].max():.0f}"
            )
        rows.append(row)
    return rows


# --- Chapter 3: mast cells, CCL2 and killer pDCs
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
    shown = _every(out, 6, ("time_days", "tumour", "recruited_pdc", "killer_fraction"))
    shown["untreated"] = untreated_tumour(shown["time_days"])
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
        Control("pdc_killing_rate_per_day", (0.5, 1, 2, 3, 5, 10), log=True),
        Control("applications_per_week", (1, 2, 3, 5, 7)),
    ),
    panels=(
        Panel("tumour burden (× start)", log_y=True, y_range=(-8, 1.5)),
        Panel("recruited pDCs (fraction of maximum)", y_range=(0, 1)),
    ),
    curves=(
        Curve("tumour", "tumour, treated", panel=0),
        Curve("untreated", "tumour, untreated", panel=0, dash="dash", color="#777777"),
        Curve("recruited_pdc", "recruited pDCs", panel=1),
        Curve("killer_fraction", "killer fraction (TRAIL⁺ GzmB⁺)", panel=1, dash="dot"),
    ),
    description=(
        "Two panels over 28 days. Top: tumour burden on a log scale, treated and untreated. "
        "Bottom: recruited pDCs and the fraction of them that are killers."
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
    return _every(out, 6, ("time_days", "mast_cells", "ccl2", "recruited_pdc"))


CCL2_RECRUITMENT = Explorer(
    name="ccl2-recruitment",
    title="From mast cells to recruited pDCs: CCL2",
    model=ccl2_explorer,
    x="time_days",
    x_label="days of treatment",
    controls=(
        Control("ccl2_production_gain", (0.1, 0.3, 1, 3, 10, 30), log=True),
        Control("applications_per_week", (1, 2, 3, 5, 7)),
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
            "tumour burden at day 28 (× start)": f"{r['final_burden']:.2g}",
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
        out = _every(killers.tumour_course(name), 6, ("time_days", "tumour"))
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
    fig.update_annotations(font_size=12)
    fig.update_layout(
        template="simple_white",
        height=640,
        margin={"l": 50, "r": 10, "t": 40, "b": 50},
        legend={"orientation": "h", "y": 1.08, "x": 0},
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


# --- Chapter 4: clinical outcomes
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
        for (trial, treatment, per_week), reason in outcomes.KNOWN_MISFITS.items()
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
ALL_EXPLORERS = (
    CREAM_TO_RECEPTOR,
    CYTOKINE_WEEK,
    KNOCKOUTS,
    TUMOUR,
    CCL2_RECRUITMENT,
    SCHEDULE,
    COMPARISON,
)
