"""Chapter 5, "Clinical outcomes by indication": the schedule and comparison explorers,
the fitted-link tables and the trial figures."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
from scipy.special import expit

from ... import clinic, design, outcomes, pk, preregistered
from ...parameters import PARAMETERS, default, one_of, whole
from ..explorers import PALETTE, Control, Curve, Explorer, Panel
from ..reporting import number_text, unit_text
from .common import add_row_label, percent, spread

WEEKS_SHOWN = 16


#: weeks from the first application shown by the virtual-trial explorer (a fixed axis)
TRIAL_WEEKS = np.arange(0.0, 45.0)
#: weeks without cream between two cycles (as in Zyclara's cycles for actinic keratosis)
CYCLE_REST_WEEKS = 2


def virtual_trial_explorer(
    *,
    indication: str = outcomes.INDICATIONS[0],
    cream_strength_percent: float = default("cream_strength_percent"),
    applications_per_week: float = default("applications_per_week"),
    treatment_weeks: float = default("treatment_weeks"),
    cycles: float = default("cycles"),
) -> dict[str, np.ndarray]:
    """Week by week, the virtual patients on the chosen course: patients and lesions clear
    (%), severe local reactions and withdrawals (%), and the published arms given that
    course, at the week they were assessed (%, 95% Wilson interval)."""
    schedule = pk.Schedule(
        applications_per_week=whole("applications_per_week", applications_per_week),
        weeks=whole("treatment_weeks", treatment_weeks),
        rest_weeks=CYCLE_REST_WEEKS if whole("cycles", cycles) > 1 else 0,
        cycles=whole("cycles", cycles),
        cream_percent=cream_strength_percent,
    )
    out = clinic.time_course(indication, schedule, TRIAL_WEEKS)
    end_week = schedule.duration_h / pk.HOURS_PER_WEEK
    placed = []
    for arm in clinic.calibration_arms():
        if arm.treatment != "imiquimod" or arm.endpoint not in clinic.CLEARANCE_ENDPOINTS:
            continue
        if arm.indication != indication or clinic.arm_schedule(arm) != schedule:
            continue
        week = round(end_week + arm.assessed_weeks_after[-1])
        if week < len(TRIAL_WEEKS):
            placed.append((week, arm))
    return {**out, **observed_points(len(TRIAL_WEEKS), placed)}


def observed_points(size: int, placed) -> dict[str, np.ndarray]:
    """Published arms drawn at positions of an explorer's x-axis: ``placed`` holds
    (position, arm) pairs; each arm's share (%) with its 95% Wilson interval, NaN
    elsewhere."""
    observed = np.full(size, np.nan)
    observed_low, observed_high = observed.copy(), observed.copy()
    for j, arm in placed:
        low, high = arm.wilson_interval()
        observed[j] = 100 * arm.proportion
        observed_low[j], observed_high[j] = 100 * low, 100 * high
    return {"observed": observed, "observed_low": observed_low, "observed_high": observed_high}


VIRTUAL_TRIAL = Explorer(
    name="virtual-trial",
    title="A virtual trial: the chain from cream to clearance, patient by patient",
    model=virtual_trial_explorer,
    x="weeks",
    x_label="weeks from the first application",
    controls=(
        Control("indication", outcomes.INDICATIONS, title="Indication"),
        Control("cream_strength_percent", (2.5, 3.75, 5.0)),
        Control("applications_per_week", (2, 3, 5, 7)),
        Control("treatment_weeks", (2, 6, 8, 12, 16)),
        Control("cycles", (1, 2)),
    ),
    panels=(
        Panel("patients clear (%)", y_range=(0, 100)),
        Panel("reactions, withdrawals (%)", y_range=(0, 60)),
    ),
    curves=(
        Curve("patients_clear", "patients with every lesion clear", panel=0),
        Curve("patients_clear_low", "95% band, low", panel=0, dash="dot", color="#8fb8c9"),
        Curve("patients_clear_high", "95% band, high", panel=0, dash="dot", color="#8fb8c9"),
        Curve("lesions_clear", "lesions clear", panel=0, dash="dash", color=PALETTE[2]),
        Curve(
            "observed",
            "trial arm on this course (95% interval)",
            panel=0,
            color="#222222",
            markers=True,
            gaps=True,
            low="observed_low",
            high="observed_high",
        ),
        Curve("severe_reaction", "severe local reaction by then", panel=1, color=PALETTE[1]),
        Curve("withdrawn", "stopped the cream by then", panel=1, color=PALETTE[3], dash="dash"),
    ),
    description=(
        "Two panels over the 44 weeks from the first application. Top: the share of virtual "
        "patients with every lesion clear, with its 95% band, the share of lesions clear, and "
        "any published arm given this course, at the week it was assessed. Bottom: the share "
        "who have had a severe local reaction, and who have stopped the cream, by each week. "
        "A second cycle follows two weeks without cream."
    ),
)


#: mean lesions per patient along the design explorer's x-axis
DESIGN_LESIONS = np.array([1.0, 2, 3, 4, 6, 8, 10, 15, 20, 30, 40])
#: the design explorer's kinds of skin: body site and sex
DESIGN_SKINS = {
    "face or scalp": ("face or scalp", "mixed"),
    "forearms and hands": ("forearms and hands", "mixed"),
    "trunk or extremities": ("trunk or extremities", "mixed"),
    "anogenital, women": ("anogenital", "women"),
    "anogenital, men": ("anogenital", "men"),
    "anogenital, both sexes": ("anogenital", "mixed"),
}


def _nearest_arms(indication: str, schedule: pk.Schedule, site: str, sex: str):
    """Published imiquimod arms of this indication on this course, site and sex (every arm
    with a clearance endpoint, fitted or not)."""
    for arm in outcomes.trial_arms():
        if arm.treatment != "imiquimod" or arm.endpoint not in design.ARM_ENDPOINT:
            continue
        if arm.endpoint == "complete clearance overall" or not arm.likelihood_n:
            continue  # the same patients as the first course; a percentage with no n
        if arm.indication != indication or clinic.arm_schedule(arm) != schedule:
            continue
        chosen = design.arm_design(arm)
        if chosen.endpoint == "tumour-free":
            continue  # a later endpoint than the curve's
        if chosen.body_site == site and (site != "anogenital" or chosen.sex == sex):
            yield chosen.lesions_per_patient, arm


def trial_design_explorer(
    *,
    indication: str = outcomes.INDICATIONS[0],
    cream_strength_percent: float = default("cream_strength_percent"),
    applications_per_week: float = default("applications_per_week"),
    skin: str = next(iter(DESIGN_SKINS)),
) -> dict[str, np.ndarray]:
    """Clearance (%, with its 95% band) against the trial's mean lesions per patient, for
    the indication's label course at the chosen strength and frequency on the chosen skin,
    with the published arms of that design at their lesion count (95% Wilson interval)."""
    site, sex = DESIGN_SKINS[one_of("skin", skin, DESIGN_SKINS)]
    schedule = replace(
        clinic.INDICATION[one_of("indication", indication, outcomes.INDICATIONS)].label,
        applications_per_week=whole("applications_per_week", applications_per_week),
        cream_percent=cream_strength_percent,
    )
    out = clinic.clearance_by_lesion_count(
        indication, schedule, lesion_counts=DESIGN_LESIONS, body_site=site, sex=sex
    )
    placed = [
        (int(np.argmin(np.abs(np.log(DESIGN_LESIONS / lesions)))), arm)
        for lesions, arm in _nearest_arms(indication, schedule, site, sex)
    ]
    return {
        "lesions": np.arange(len(DESIGN_LESIONS), dtype=float),  # drawn evenly, labelled
        "percent": out["percent"],
        "low": out["low"],
        "high": out["high"],
        **observed_points(len(DESIGN_LESIONS), placed),
    }


TRIAL_DESIGN = Explorer(
    name="trial-design",
    title="A trial from its design: lesions per patient, skin and sex",
    model=trial_design_explorer,
    x="lesions",
    x_label="mean lesions per patient",
    x_ticks=tuple(f"{n:g}" for n in DESIGN_LESIONS),
    controls=(
        Control("indication", outcomes.INDICATIONS, title="Indication"),
        Control("cream_strength_percent", (1.0, 2.5, 5.0)),
        Control("applications_per_week", (2, 3, 5, 7)),
        Control("skin", tuple(DESIGN_SKINS), title="Skin"),
    ),
    panels=(Panel("patients clear (%)", y_range=(0, 100)),),
    curves=(
        Curve("percent", "predicted: every lesion clear", panel=0),
        Curve("low", "95% band, low", panel=0, dash="dot", color="#8fb8c9"),
        Curve("high", "95% band, high", panel=0, dash="dot", color="#8fb8c9"),
        Curve(
            "observed",
            "published arm of this design (95% interval)",
            panel=0,
            color="#222222",
            markers=True,
            gaps=True,
            low="observed_low",
            high="observed_high",
        ),
    ),
    description=(
        "The share of patients with every lesion clear that a trial of the chosen design "
        "would report, against the mean number of lesions per patient, with its 95% band "
        "from the fitted numbers, for the indication's label course length at the chosen "
        "strength and frequency, on the chosen skin. Black points: published arms of this "
        "design, at their lesion count, with 95% intervals."
    ),
)


#: trials whose source names no author: called by journal and year, or by what they are
TRIAL_NAMES = {
    "CryoVsIMQ_AK2011": "J Drugs Dermatol 2011",
    "AldaraLabel": "Aldara label trials",
}
#: the forest's colour for each kind of arm, and its legend entry
ARM_KINDS = {"imiquimod": PALETTE[0], "other treatment": PALETTE[1], "vehicle": "#777777"}
ROW_PX, HEADER_PX = 34, 30


def trial_name(key: str) -> str:
    """A trial as the text names it: "Lebwohl 2004" for the source key ``Lebwohl2004``."""
    if key in TRIAL_NAMES:
        return TRIAL_NAMES[key]
    return re.sub(r"(\D)(\d{4})$", r"\1 \2", key.split("_")[0])


def _treatment_kind(treatment: str) -> str:
    return treatment if treatment in ("imiquimod", "vehicle") else "other treatment"


def _arm_text(arm) -> str:
    """The forest's row label: the treatment and its course, then the endpoint."""
    strength = f" {arm.strength_percent:g}%" if arm.strength_percent not in (None, 5.0) else ""
    course = (
        f"{strength} {arm.applications_per_week}/week × {arm.weeks} weeks"
        if arm.treatment == "imiquimod" and arm.applications_per_week
        else ""
    )
    return f"{arm.treatment}{course}: {arm.endpoint}"


def comparison_forest(indications: tuple[str, ...]):
    """Every published arm of the given indications with its 95% Wilson interval, grouped
    by indication and trial; each row's label sits above its interval, so the figure reads
    at any width, and the hover gives the trial, endpoint and numbers."""
    import plotly.graph_objects as go

    fig = go.Figure()
    annotations, y, rows = [], 0.0, {kind: [] for kind in ARM_KINDS}
    for indication in indications:
        y -= HEADER_PX / ROW_PX
        annotations.append((y + 0.55, f"<b>{indication}</b>", 13))
        trial = None
        for arm in (a for a in outcomes.trial_arms() if a.indication == indication):
            if arm.trial != trial:
                trial = arm.trial
                y -= 0.8
                annotations.append((y + 0.3, f"<i>{trial_name(trial)}</i>", 12))
            y -= 1.0
            lo, hi = arm.wilson_interval() if arm.likelihood_n else (arm.proportion,) * 2
            counts = f"{arm.responders}/{arm.n}" if arm.n else f"{arm.percent:g}% published"
            rows[_treatment_kind(arm.treatment)].append(
                (y, 100 * arm.proportion, 100 * lo, 100 * hi, _arm_text(arm), trial, counts)
            )
            annotations.append((y + 0.42, _arm_text(arm), 11))
    for kind, colour in ARM_KINDS.items():
        points = rows[kind]
        fig.add_trace(
            go.Scatter(
                x=[p[1] for p in points],
                y=[p[0] for p in points],
                mode="markers",
                name=kind,
                marker={"color": colour, "size": 9},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [p[3] - p[1] for p in points],
                    "arrayminus": [p[1] - p[2] for p in points],
                    "color": colour,
                    "thickness": 1.5,
                    "width": 0,
                },
                cliponaxis=False,
                customdata=[[trial_name(p[5]), p[4], p[6], p[2], p[3]] for p in points],
                hovertemplate=(
                    "%{customdata[0]}<br>%{customdata[1]}<br>%{x:.0f}% "
                    "(95% interval %{customdata[3]:.0f}–%{customdata[4]:.0f}%), "
                    "%{customdata[2]}<extra></extra>"
                ),
            )
        )
    for at, text, size in annotations:
        add_row_label(fig, at, text, size)
    fig.update_xaxes(
        title_text="patients (or lesions) with the outcome (%)",
        range=[-1, 101],
        tickvals=[0, 20, 40, 60, 80, 100],
        side="top",
        showgrid=True,
        gridcolor="#e8e8e8",
    )
    fig.update_yaxes(visible=False, range=[y - 0.7, 0.4])
    fig.update_layout(
        template="simple_white",
        height=int(120 + ROW_PX * (0.4 - y)),
        margin={"l": 12, "r": 24, "t": 100, "b": 10},
        font={"family": "system-ui, sans-serif", "size": 12},
        legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "top", "yref": "container"},
        hovermode="closest",
    )
    return fig


def _book_layout(fig):
    """The layout of the chapter's plain (not explorer) figures: legend below the plot."""
    fig.update_layout(
        template="simple_white",
        height=420,
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        legend={"orientation": "h", "y": -0.25, "x": 0},
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    return fig


def long_term_figure():
    """Tumour-free over years for superficial BCC: imiquimod, MAL-PDT, 5-FU and surgery as
    published, and the virtual patients on the label regimen (clear at each time)."""
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
    label = clinic.INDICATION["superficial basal cell carcinoma"].label
    end_weeks = label.duration_h / pk.HOURS_PER_WEEK
    years = np.linspace(0.25, 5.0, 39)
    model = clinic.time_course("superficial basal cell carcinoma", label, end_weeks + 52.18 * years)
    fig.add_trace(
        go.Scatter(
            x=np.concatenate([years, years[::-1]]),
            y=np.concatenate([model["patients_clear_high"], model["patients_clear_low"][::-1]]),
            fill="toself",
            fillcolor="rgba(31, 111, 139, 0.15)",
            line={"width": 0},
            hoverinfo="skip",
            name="virtual patients, 95% band",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=years,
            y=model["patients_clear"],
            mode="lines",
            name="imiquimod, virtual patients (label regimen)",
            line={"color": "#222222", "width": 3},
        )
    )
    fig.update_xaxes(title_text="years after treatment", range=[0, 5.5], dtick=1)
    fig.update_yaxes(title_text="tumour-free or success (%)", range=[0, 100])
    return _book_layout(fig)


#: Arits 2013's imiquimod patients at each follow-up: 1 year as fitted, 5 years as Jansen
#: 2018 reported for the same trial (years → endpoint, weeks after the course)
ARITS_FOLLOW_UPS = {
    1: ("tumour-free at 12 months", (13.0, 52.0)),
    5: ("tumour-free at 5 years", (13.0, 52.0, 156.0, 260.0)),
}


def arits_tumour_free() -> dict[int, float]:
    """For each follow-up (years), the share (0–1) of Arits 2013's imiquimod patients the
    stored fit keeps tumour-free in that trial itself (its own shift,
    :func:`clinic.share_in_its_trial`)."""
    fitted_arm = next(
        a
        for a in clinic.calibration_arms()
        if a.trial == "Arits2013" and a.treatment == "imiquimod"
    )
    return {
        years: clinic.share_in_its_trial(
            replace(fitted_arm, endpoint=endpoint, assessed_weeks_after=weeks)
        )
        for years, (endpoint, weeks) in ARITS_FOLLOW_UPS.items()
    }


def arm_label(arm) -> str:
    """An arm as the tables name it: trial, strength, frequency and weeks, and whose
    patients where the trial reported its women and men apart."""
    strength = f"{arm.strength_percent:g}%" if arm.strength_percent else "vehicle"
    course = f"{arm.applications_per_week}/week × {arm.weeks} weeks"
    if (arm.cycles or 1) > 1:
        course += f", up to {arm.cycles} courses"
    if arm.endpoint.endswith(f" in {arm.sex}"):  # a trial's women or men, reported apart
        course += f", {arm.sex}"
    return f"{trial_name(arm.trial)}, {strength}, {course}"


def _observed(arm) -> str:
    low, high = arm.wilson_interval()
    counts = f"{arm.responders}/{arm.n}" if arm.n else f"n ≈ {arm.likelihood_n}"
    return f"{100 * arm.proportion:.0f}% ({100 * low:.0f}–{100 * high:.0f}; {counts})"


def calibration_rows() -> list[dict[str, str]]:
    """Every calibration arm: observed (95% Wilson), modelled (95% predictive band of a new
    trial, marked where the arm falls outside it), and the 95% band of the same trial run
    again where its own shift moves the arm (:func:`clinic.same_trial_band`)."""
    bands = clinic.predictive_bands()
    rows = []
    for arm in clinic.calibration_arms():
        modelled, low, high = bands[clinic.arm_id(arm)]
        ready = clinic.prepared(arm)
        inside = low <= ready.responders / ready.n <= high
        again = clinic.same_trial_band(arm)
        rows.append(
            {
                "arm": arm_label(arm),
                "endpoint": arm.endpoint,
                "observed (95% interval)": _observed(arm),
                "model, new trial (95% band)": f"{100 * modelled:.0f}% "
                f"({100 * low:.0f}–{100 * high:.0f})" + ("" if inside else ", **outside**"),
                "same trial again (95%)": "—"
                if again is None
                else f"{100 * again[0]:.0f}–{100 * again[1]:.0f}%",
            }
        )
    return rows


def hill_contrasts(hills: tuple[float, ...] = (1.0, 2.0, 3.0)) -> dict[float, float]:
    """For each TLR7 Hill coefficient in ``hills`` (every other number at the chapters'
    values, the fitted numbers held at their mode, the background left out): how many
    points more of Geisse 2002's 5-a-week arm than of its 3-a-week arm clear."""
    arms = tuple(
        a
        for a in clinic.calibration_arms()
        if a.trial == "Geisse2002" and a.applications_per_week in (3, 5)
    )
    at_mode = clinic.mode_vector()[:, : clinic.FIRST_BACKGROUND]
    out = {}
    for hill in hills:
        share = clinic.arm_probabilities(at_mode, arms, (("tlr7_hill_coefficient", hill),))[0]
        by = {a.applications_per_week: float(x) for a, x in zip(arms, share, strict=True)}
        out[hill] = 100 * (by[5] - by[3])
    return out


def dose_rows() -> list[dict[str, str]]:
    """What more frequent or stronger cream does in the chain: the immune kill it adds over
    a course (median permeability, responsiveness 1) and the predicted clearance, beside
    the trial arm on that course."""
    rows = []
    cases = [
        ("superficial basal cell carcinoma", pk.Schedule(applications_per_week=n, weeks=12))
        for n in (3, 5, 7, 14)
    ] + [
        ("external genital warts", pk.Schedule(applications_per_week=7, weeks=8, cream_percent=c))
        for c in (2.5, 3.75, 5.0)
    ]
    arms = {
        (a.indication, clinic.arm_schedule(a)): a
        for a in clinic.calibration_arms()
        if a.treatment == "imiquimod" and a.endpoint in clinic.CLEARANCE_ENDPOINTS
    }
    middle = clinic.PERMEABILITY_NODES // 2
    for indication, schedule in cases:
        end = schedule.duration_h / pk.HOURS_PER_WEEK * clinic.DAYS_PER_WEEK
        course = clinic.kill_course(schedule, end)
        arm = arms.get((indication, schedule))
        after = arm.assessed_weeks_after[-1] if arm else None
        predicted = clinic.predict_clearance(indication, schedule, assessed_weeks_after=after)
        rows.append(
            {
                "indication": indication,
                "course": f"{schedule.cream_percent:g}%, {schedule.applications_per_week}/week "
                f"× {schedule.weeks} weeks",
                "immune kill over the course (ln units, r = 1)": f"{course.immune[middle, -1]:.0f}",
                "direct kill (ln units)": f"{course.direct[middle, -1]:.1f}",
                "predicted clearance": f"{predicted.percent:.0f}%",
                "trial": _observed(arm) if arm else "—",
            }
        )
    return rows


def assumption_rows() -> list[dict[str, str]]:
    """Label-regimen clearance (%) with each assumed number of the virtual patients at the
    ends of its range, the fitted numbers held."""
    short = {
        "actinic keratosis": "AK",
        "superficial basal cell carcinoma": "sBCC",
        "external genital warts": "warts",
    }
    only = {
        "ak_lesions_per_patient": "actinic keratosis",
        "egw_warts_per_patient": "external genital warts",
    }
    rows = []
    for name in clinic.PATIENT_ASSUMPTIONS:
        spec = PARAMETERS[name]
        unit = f" {unit_text(spec.unit)}" if spec.unit else ""
        row = {
            "assumed number": f"${spec.symbol}$, {spec.meaning}",
            "range": f"{spec.low:g} to {spec.high:g}{unit}",
        }
        for indication, label in short.items():
            if only.get(name, indication) != indication:
                row[label] = "—"
                continue
            ends = [clinic.label_prediction(indication, **{name: v}) for v in (spec.low, spec.high)]
            row[label] = spread(*ends, clinic.label_prediction(indication), percent)
        rows.append(row)
    return rows


def trial_misfit_rows() -> list[dict[str, str]]:
    """The arms outside their band, and why."""
    by_id = {clinic.arm_id(a): a for a in clinic.calibration_arms()}
    return [
        {"arm": arm_label(by_id[key]), "endpoint": by_id[key].endpoint, "why": reason}
        for key, reason in clinic.KNOWN_MISFITS.items()
    ]


def preregistered_rows() -> list[dict[str, str]]:
    """Each prediction made before its trial was seen: the design, the commit that made
    it, the predicted complete clearance with its band, and the result once released."""
    rows = []
    for p in preregistered.preregistered_predictions():
        scored = p.scored()
        course = (
            f"{p.cream_percent:g}%, {p.applications_per_week} a week for {p.weeks} weeks"
            + (f", {p.cycles} cycles {p.rest_weeks} weeks apart" if p.cycles > 1 else "")
            + f"; assessed {p.assessed_weeks_after:g} weeks after"
        )
        result, verdict = "not yet released", "to be scored"
        if scored:
            result = (
                f"{scored['observed']:.1f}% ({scored['observed_low']:.0f}–"
                f"{scored['observed_high']:.0f}%)"
            )
            verdict = "yes" if scored["in_band"] else "no"
        rows.append(
            {
                "trial or design": p.prediction,
                "course": course,
                "predicted at": f"`{p.commit[:7]}`",
                "predicted": f"{p.percent:.1f}% ({p.low:.1f}–{p.high:.1f}%)",
                "result (95% interval)": result,
                "in the band": verdict,
            }
        )
    return rows


def fitted_parameter_rows() -> list[dict[str, str]]:
    """The fitted numbers: the posterior mode at the registry's assumed numbers (the values
    the chapters use) and the 95% interval over the whole virtual population."""
    fit = clinic.fitted()
    names = fit["parameter_names"]
    best = dict(zip(names, fit["posterior_mode"], strict=True))
    draws = np.array(fit["draws"])
    rows = []
    for name, (key, back) in clinic.REGISTRY_VALUES.items():
        j = names.index(key)
        low, high = (back(v) for v in np.percentile(draws[:, j], [2.5, 97.5]))
        spec = PARAMETERS[name]
        rows.append(
            {
                "number": f"${spec.symbol}$, {spec.meaning}",
                "at the chapters' values": number_text(back(best[key])),
                "95% interval, all sets": f"{number_text(low)}–{number_text(high)}",
            }
        )
    return rows


def _band(row: dict, nominal: int) -> tuple[float, float]:
    """The central ``nominal``% band of a stored leave-one-out row (0–1)."""
    tail = round(10 * (100 - nominal) / 2)
    return row[f"q{tail:03d}"], row[f"q{1000 - tail:03d}"]


def _mean_error(predicted: dict, seen: dict, rows: list) -> float:
    """Mean absolute error (points) of ``predicted`` shares on the arms of ``rows``."""
    if not rows:
        return float("nan")
    return 100 * float(np.mean([abs(predicted[r["arm"]] - seen[r["arm"]]) for r in rows]))


def _paired_se(first: dict, second: dict, seen: dict, rows: list) -> float:
    """Standard error (points) of the mean difference of two predictors' absolute errors,
    paired arm by arm over ``rows`` (NaN with fewer than two arms)."""
    if len(rows) < 2:
        return float("nan")
    gaps = [
        abs(first[r["arm"]] - seen[r["arm"]]) - abs(second[r["arm"]] - seen[r["arm"]]) for r in rows
    ]
    return 100 * float(np.std(gaps, ddof=1) / math.sqrt(len(gaps)))


def held_out_scores(key: str = "leave_one_trial_out") -> dict[str, dict[str, float]]:
    """Leave-one-trial-out, per indication and over all: mean absolute error (points) of
    the virtual patients, the one-hit link (on the arms it can predict, beside the virtual
    patients' on the same arms) and the indication's average, the error the model itself
    expects from the spread between trials and sampling (points), and the share of arms
    inside each scored band (%); the standard errors (points) of the model's gap to each
    baseline, paired arm by arm; ``key`` the stored scores (the whole virtual population,
    or "leave_one_trial_out_registry", the chapters' values alone)."""
    by_id = {clinic.arm_id(a): a for a in clinic.calibration_arms()}
    baseline = {r["arm"]: r["predicted"] for r in clinic.one_hit_leave_one_trial_out()}
    average = {r["arm"]: r["predicted"] for r in clinic.indication_average_leave_one_trial_out()}
    out = {}
    for group in ("all", *clinic.INDICATIONS):
        rows = [
            r for r in clinic.fitted()[key] if group == "all" or by_id[r["arm"]].indication == group
        ]
        seen = {r["arm"]: by_id[r["arm"]].proportion for r in rows}
        hit = [r for r in rows if r["arm"] in baseline]

        mine = {r["arm"]: r["predicted"] for r in rows}
        out[group] = {
            "arms": len(rows),
            "model": _mean_error(mine, seen, rows),
            "average": _mean_error(average, seen, rows),
            "one_hit": _mean_error(baseline, seen, hit),
            "model_on_one_hit_arms": _mean_error(mine, seen, hit),
            "model_expects": 100 * float(np.mean([r["expected_miss"] for r in rows])),
            "gap_to_one_hit_se": _paired_se(mine, baseline, seen, hit),
            "gap_to_average_se": _paired_se(mine, average, seen, rows),
        }
        for b in clinic.SCORED_BANDS:
            inside = [_band(r, b)[0] <= seen[r["arm"]] <= _band(r, b)[1] for r in rows]
            out[group][f"covered_{b}"] = 100 * float(np.mean(inside))
    return out


def held_out_rows() -> list[dict[str, str]]:
    """Each trial left out in turn: its arms, the virtual patients' prediction with the 90%
    band where a new trial of that design and size would report, the one-hit link's (where
    it can make one) and the indication's average of the other trials."""
    by_id = {clinic.arm_id(a): a for a in clinic.calibration_arms()}
    baseline = {r["arm"]: r["predicted"] for r in clinic.one_hit_leave_one_trial_out()}
    average = {r["arm"]: r["predicted"] for r in clinic.indication_average_leave_one_trial_out()}
    rows = []
    for row in clinic.fitted()["leave_one_trial_out"]:
        arm = by_id[row["arm"]]
        one_hit = baseline.get(row["arm"])
        low, high = _band(row, 90)
        rows.append(
            {
                "arm left out": arm_label(arm),
                "observed (95%)": _observed(arm),
                "model (90% band)": f"{100 * row['predicted']:.0f}% "
                f"({100 * low:.0f}–{100 * high:.0f})",
                "one-hit": "—" if one_hit is None else f"{100 * one_hit:.0f}%",
                "average": f"{100 * average[row['arm']]:.0f}%",
            }
        )
    return rows


def sampling_alone_miss(key: str = "leave_one_trial_out") -> float:
    """Mean absolute error (points) the arms left out would show from the chance of
    enrolment alone: each a binomial sample of its own size at its predicted share, with no
    spread between trials and no uncertainty in the model."""
    by_id = {clinic.arm_id(a): a for a in clinic.calibration_arms()}
    rows = clinic.fitted()[key]
    return float(
        np.mean([_miss_at(r["predicted"], clinic.prepared(by_id[r["arm"]]).n) for r in rows])
    )


def _miss_at(share: float, n: int, spread: float = 0.0) -> float:
    """How far (points, on average) a trial of ``n`` patients lands from ``share`` (0–1)
    when that is its true average: binomial sampling and a shift of the logit with sd
    ``spread``, no background (:func:`clinic.expected_miss` for one parameter draw)."""
    one = np.ones(1)
    return 100 * clinic.expected_miss(0 * one, share * one, spread * one, int(n), share)


def same_design_arms() -> tuple[outcomes.TrialArm, ...]:
    """The actinic keratosis arms of one schedule: 4 weeks of 3 applications a week, a
    second course where lesions remained, each trial's clinical clearance after it."""
    return tuple(
        a
        for a in outcomes.trial_arms()
        if a.indication == "actinic keratosis"
        and a.treatment == "imiquimod"
        and (a.applications_per_week, a.weeks, a.cycles) == (3, 4, 2)
        and a.endpoint in ("initial clinical clearance", "complete clearance overall")
    )


def same_design_spread() -> dict[str, float]:
    """Without the model: a random-effects meta-analysis (DerSimonian–Laird, logit scale)
    of :func:`same_design_arms`. The pooled share (%), the spread τ between the trials
    (logit units) with its 95% Q-profile interval, and how far (points, on average over
    the arms' sizes) a new trial would land from a prediction that knew their true average
    exactly: with that spread (``miss``), at its lower bound (``miss_low``) and with none
    (``sampling``)."""
    arms = same_design_arms()
    n = np.array([a.likelihood_n for a in arms], dtype=float)
    p = np.array([a.proportion for a in arms])
    logit, variance = np.log(p / (1 - p)), 1 / (n * p * (1 - p))  # each arm's logit share
    mean, _, tau = outcomes.random_effects(logit, variance)
    low, high = outcomes.spread_interval(logit, variance)
    share = float(expit(mean))

    def miss(spread: float) -> float:
        return float(np.mean([_miss_at(share, k, spread) for k in n]))

    return {
        "pooled": 100 * share,
        "tau": tau,
        "tau_low": low,
        "tau_high": high,
        "miss": miss(tau),
        "miss_low": miss(low),
        "sampling": miss(0.0),
    }


#: how much more probable (log units) a peak another search found must be to count as a
#: peak the set's draws missed: searches that return to the draws' own peak differ by
#: about 0.01
PEAK_MARGIN = 0.1


def other_peaks() -> dict[str, float]:
    """What searching each stored set's posterior again from other starts found
    (:func:`clinic.selection.other_searches`): how many sets there are, how many have a
    more probable peak than the one their draws sit at, the largest such gain (log units),
    the share of the stacking weight those sets hold (%), and how many sets every search
    returned to their own peak or below."""
    fit = clinic.fitted()
    gains = np.array(
        [[s["log_posterior_gain"] for s in found] for found in fit["set_other_searches"]]
    )
    best = gains.max(axis=1)
    higher = best > PEAK_MARGIN
    weights = np.array(fit["set_stacking_weight"])
    return {
        "sets": len(best),
        "higher": int(higher.sum()),
        "largest_gain": float(best.max()),
        "weight_of_higher": 100 * float(weights[higher].sum() / weights.sum()),
        "at_their_peak": int((~higher).sum()),
    }


def score_rows() -> list[dict[str, str]]:
    """The scores of :func:`held_out_scores` as a table: one row per indication for the
    virtual population, and one over all arms with the chapters' assumed values alone and
    with a population of other draws."""
    names = {"all": "all arms", **{i: i for i in clinic.INDICATIONS}}
    seed = clinic.fitted()["another_seed"]["seed"]
    rows = []
    for key, label in (
        ("leave_one_trial_out", "virtual population"),
        ("leave_one_trial_out_registry", "chapters' values only"),
        ("leave_one_trial_out_another_seed", f"population of other draws ({seed})"),
    ):
        for group, s in held_out_scores(key).items():
            if key != "leave_one_trial_out" and group != "all":
                continue
            rows.append(
                {
                    "arms left out": f"{names[group]} ({s['arms']}), {label}",
                    "model": f"{s['model']:.1f}",
                    "model expects": f"{s['model_expects']:.1f}",
                    "average": f"{s['average']:.1f}",
                    "one-hit": "—"
                    if np.isnan(s["one_hit"])
                    else f"{s['one_hit']:.1f} (model {s['model_on_one_hit_arms']:.1f})",
                    "in 50%": f"{s['covered_50']:.0f}%",
                    "in 90%": f"{s['covered_90']:.0f}%",
                }
            )
    return rows


def coverage_figure():
    """Nominal against observed coverage of the central predictive bands for the arms of
    trials left out: on the diagonal, a band covers as often as it says."""
    import plotly.graph_objects as go

    scores = held_out_scores()
    nominal = np.array(clinic.SCORED_BANDS, dtype=float)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, 100],
            y=[0, 100],
            mode="lines",
            name="as often as it says",
            line={"color": "#777777", "dash": "dash"},
        )
    )
    alone = held_out_scores("leave_one_trial_out_registry")["all"]
    fig.add_trace(
        go.Scatter(
            x=nominal,
            y=[alone[f"covered_{b}"] for b in clinic.SCORED_BANDS],
            mode="lines+markers",
            name="all arms, chapters' values only",
            marker={"color": "#777777", "symbol": "square-open"},
            line={"color": "#777777", "width": 2},
        )
    )
    for i, group in enumerate(("all", *clinic.INDICATIONS)):
        fig.add_trace(
            go.Scatter(
                x=nominal,
                y=[scores[group][f"covered_{b}"] for b in clinic.SCORED_BANDS],
                mode="lines+markers" if group == "all" else "markers",
                name=f"{'all arms' if group == 'all' else group} ({scores[group]['arms']})",
                marker={"color": "#222222" if group == "all" else PALETTE[i % len(PALETTE)]},
                line={"color": "#222222", "width": 3},
            )
        )
    fig.update_xaxes(title_text="band (%)", range=[0, 100])
    fig.update_yaxes(title_text="arms inside (%)", range=[-3, 103])
    return _book_layout(fig)


def _range_text(low: float, high: float, unit: str) -> str:
    unit = unit_text(unit)
    return f"{number_text(low)}–{number_text(high)}" + (f" {unit}" if unit else "")


#: fewer sets than this carrying 90% of the weight cannot give a range
FEWEST_SETS_FOR_A_RANGE = 2


def teach_rows() -> list[dict[str, str]]:
    """What the trials teach about each sampled assumed number: its prior range, its
    registry value and, over the virtual population, its posterior 90% range and how much
    of the prior's 90% range that is (on the log scale for log-uniform priors). Where fewer
    than FEWEST_SETS_FOR_A_RANGE sets carry 90% of the weight, a range would be a point that
    says nothing of what the trials allow: the weighted median (the set the weight rests
    on) is given instead, without a share."""
    taught = clinic.fitted()["what_the_trials_teach"]
    population = clinic.fitted()["virtual_population"]
    thin = population["sets_carrying_90_percent"] < FEWEST_SETS_FOR_A_RANGE
    rows = []
    for name in clinic.SAMPLED:
        t = taught[name]
        (low, high), (p5, p50, p95) = t["prior"], t["posterior"]
        spec = PARAMETERS[name]
        prior = clinic.prior_of(name)
        shape = " (log-uniform)" if prior.log else ""
        if prior.counts is not None:
            events, total = prior.counts
            middle = _range_text(*prior.value_at(np.array([0.05, 0.95])), spec.unit)
            shape = f" (beta: {events} of {total} seen; 90% {middle})"
        row = {
            "assumed number": f"${spec.symbol}$, {spec.meaning}",
            "prior": _range_text(low, high, spec.unit) + shape,
            "used": number_text(t["registry"]),
        }
        if thin:
            row["population"] = number_text(p50)
        else:
            scale = np.log if prior.log else (lambda x: x)
            q05, q95 = scale(prior.value_at(np.array([0.05, 0.95])))
            width = (scale(p95) - scale(p5)) / (q95 - q05)
            row["after the trials"] = _range_text(p5, p95, spec.unit)
            row["left"] = f"{100 * min(width, 1.0):.0f}%"
        rows.append(row)
    return rows


#: the comparison explorer's slots: each strength of imiquimod its own, then the others
TREATMENTS = (
    "imiquimod 5%",
    "imiquimod 3.75%",
    "imiquimod 2.5%",
    "imiquimod 1%",
    "vehicle",
    "cryotherapy",
    "5-fluorouracil",
    "MAL-PDT",
    "surgery",
)
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
    "AK: lesion response at 12 months, per lesion (J Drugs Dermatol 2011)": (
        "CryoVsIMQ_AK2011",
        "lesion complete response",
    ),
    "AK: complete clearance (Lebwohl 2004)": ("Lebwohl2004", "complete clearance"),
    "sBCC: tumour-free at 1 year (Arits 2013)": ("Arits2013", "tumour-free at 12 months"),
    "sBCC: tumour-free at 5 years (Jansen 2018)": ("Jansen2018", "tumour-free at 5 years"),
    "BCC: success at 3 years (SINS, Williams 2017)": ("Williams2017", "success at 3 years"),
    "BCC: success at 5 years (SINS, Williams 2017)": ("Williams2017", "success at 5 years"),
    "EGW: complete clearance, 5% and 1% (Edwards 1998)": ("Edwards1998", "complete clearance"),
    "EGW: complete clearance, 3.75% and 2.5% (Baker 2011)": ("Baker2011", "complete clearance"),
}


def treatment_slot(arm) -> int:
    """The comparison explorer's slot for an arm: imiquimod by its strength, others by
    name."""
    if arm.treatment == "imiquimod":
        return TREATMENTS.index(f"imiquimod {arm.strength_percent:g}%")
    return TREATMENTS.index(arm.treatment)


def comparison(*, comparison: str = next(iter(COMPARISONS))) -> dict[str, np.ndarray]:
    """The arms of one published comparison, one slot per treatment and strength (%, with
    95% Wilson intervals; NaN where the trial had no such arm, and no bar where only a
    percentage was published)."""
    trial, endpoint = COMPARISONS[comparison]
    percent = np.full(len(TREATMENTS), np.nan)
    low, high = percent.copy(), percent.copy()
    for arm in outcomes.trial_arms():
        if arm.trial == trial and arm.endpoint == endpoint:
            j = treatment_slot(arm)
            percent[j] = 100 * arm.proportion
            lo, hi = arm.wilson_interval() if arm.n else (arm.proportion, arm.proportion)
            low[j], high[j] = 100 * lo, 100 * hi
    kinds = np.array([_treatment_kind(t.split(" ")[0]) for t in TREATMENTS])
    out = {"slot": np.arange(len(TREATMENTS), dtype=float)}
    for kind in ARM_KINDS:  # one trace per kind of arm, coloured as in the forest plot
        mine = kinds == kind
        for name, values in (("percent", percent), ("low", low), ("high", high)):
            out[f"{name}_{kind}"] = np.where(mine, values, np.nan)
    return out


COMPARISON = Explorer(
    name="comparison",
    title="Imiquimod against the alternatives, trial by trial",
    model=comparison,
    x="slot",
    x_label="treatment",
    x_ticks=TREATMENTS,
    controls=(Control("comparison", tuple(COMPARISONS), title="Trial and endpoint"),),
    panels=(Panel("patients (or lesions) with the outcome (%)", y_range=(0, 105)),),
    curves=tuple(
        Curve(
            f"percent_{kind}",
            f"{kind}, with 95% interval",
            color=colour,
            markers=True,
            gaps=True,
            low=f"low_{kind}",
            high=f"high_{kind}",
        )
        for kind, colour in ARM_KINDS.items()
    ),
    description=(
        "One panel: for the chosen trial and endpoint, the percentage of patients with the "
        "outcome for each treatment in that trial, with 95% intervals."
    ),
)


#: Every explorer the book shows; tests and benchmarks iterate over this.
