"""Predictions for a trial of any design: clearance with its band, a virtual trial patient by
patient, and time courses.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import ndtr, ndtri

from .. import pk
from ..design import LABEL_DESIGN, Design, design_for
from ..killers import HOURS_PER_DAY
from ..parameters import default, real_numbers, validate
from .bands import share_quantiles
from .calibration import TRIAL_SPREAD, burden_of
from .courses import DAYS_PER_WEEK, PERMEABILITY_NODES, Skin, normal_quadrature, skin_of, skins_of
from .patients import (
    POPULATION_FIELDS,
    ArmPrediction,
    Population,
    assessment_days,
    clear_thresholds,
    course_outcome,
    indication_named,
    lesion_log_burden,
    population_for,
)
from .store import (
    draw_sets,
    indication_background,
    mode_vector,
    posterior_sample,
    stored_sets,
)


def fitted_outcome(
    indication: str,
    schedule: pk.Schedule,
    design: Design,
    theta: np.ndarray,
    population: Population | None = None,
    each: bool = False,
    days: np.ndarray | None = None,
    lesion_counts: np.ndarray | None = None,
    sets: np.ndarray | None = None,
    set_values: tuple[tuple[tuple[str, float], ...], ...] | None = None,
) -> ArmPrediction:
    """The virtual patients of ``indication`` in a trial of ``design`` on ``schedule`` at
    each row of ``theta`` (at the design's assessments, or on ``days``; for each of
    ``lesion_counts`` in place of the design's lesions, if given), each row with the
    set of assumed numbers ``sets`` names (an index into ``set_values``, by default the
    stored sets; the registry's numbers if not given, and then a ``population`` may replace
    the registry's patients)."""
    days = assessment_days(design, schedule) if days is None else days
    if sets is None:  # every row with the registry's numbers, or the population given
        sets, set_values = np.zeros(len(theta), dtype=int), ((),)
    chosen = sorted(set(sets.tolist()))
    values = [(set_values or stored_sets())[i] for i in chosen]
    groups = [population or population_for(indication, v) for v in values]
    requests = tuple((g.permeability_log_sd, v) for g, v in zip(groups, values, strict=True))
    skins = skins_of(schedule, float(np.max(days)), design, requests)
    parts = {
        i: _outcome(indication, skin, days, design, theta[sets == i], group, each, lesion_counts)
        for i, skin, group in zip(chosen, skins, groups, strict=True)
    }
    out = {}
    for field in ArmPrediction.__dataclass_fields__:
        first = getattr(parts[chosen[0]], field)
        out[field] = np.empty((len(theta), *first.shape[1:]))
        for i, part in parts.items():
            out[field][sets == i] = getattr(part, field)
    return ArmPrediction(**out)


def _outcome(
    indication: str,
    skin: Skin,
    days: np.ndarray,
    design: Design,
    theta: np.ndarray,
    population: Population,
    each: bool,
    lesion_counts: np.ndarray | None,
) -> ArmPrediction:
    """:func:`course_outcome` at the fitted numbers of each row of ``theta``."""
    return course_outcome(
        skin,
        days,
        design,
        burden_of(indication, theta),
        population,
        np.exp(theta[:, 0]),
        np.exp(theta[:, 1]),
        np.exp(theta[:, 2]),
        each=each,
        lesion_counts=lesion_counts,
    )


#: the arguments of predict_clearance and virtual_trial that describe the trial's design
DESIGN_ARGUMENTS = (
    "lesions_per_patient",
    "body_site",
    "sex",
    "until_clear",
    "endpoint",
    "assessed_weeks_after",
)


def _design_arguments(arguments: dict[str, object]) -> dict[str, object]:
    """The design's arguments from a call's arguments (for :func:`design.design_for`)."""
    return {name: arguments[name] for name in DESIGN_ARGUMENTS}


@dataclass(frozen=True)
class Prediction:
    """Predicted clearance (%) with its 95% band, and the tolerability cost."""

    percent: float
    low: float
    high: float
    severe_reaction_percent: float
    withdrawn_percent: float


def _label_schedule(
    indication: str,
    schedule: pk.Schedule | None,
    cream_percent: float | None,
    cream_mg_per_application: float | None,
    treated_area_cm2: float | None,
) -> pk.Schedule:
    chosen = indication_named(indication)
    if schedule is None:
        schedule = chosen.label
    if not isinstance(schedule, pk.Schedule):
        raise ValueError("schedule must be a pk.Schedule (or None for the label regimen)")
    changes = {}
    if cream_percent is not None:
        changes["cream_percent"] = validate("cream_strength_percent", cream_percent)
    if cream_mg_per_application is not None:
        changes["cream_mg"] = validate("cream_mg_per_application", cream_mg_per_application)
    if treated_area_cm2 is not None:
        changes["area_cm2"] = validate("treated_area_cm2", treated_area_cm2)
    return replace(schedule, **changes)


def predict_clearance(
    indication: str,
    schedule: pk.Schedule | None = None,
    *,
    cream_percent: float | None = None,
    cream_mg_per_application: float | None = None,
    treated_area_cm2: float | None = None,
    lesions_per_patient: float | None = None,
    body_site: str | None = None,
    sex: str | None = None,
    assessed_weeks_after: float | tuple[float, ...] | None = None,
    until_clear: bool | None = None,
    endpoint: str | None = None,
) -> Prediction:
    """Clearance (%) of ``indication`` in a trial of the given design: the median over the
    stored draws, with the 95% band where a new trial of that design would report (the
    fitted and the sampled assumed numbers, and the spread between trials). Whatever is not
    given is the label trials'.

    ``schedule``: the course (pk.Schedule; default the label regimen). ``cream_percent``
    (% w/w, 0 to 5), ``cream_mg_per_application`` (mg) and ``treated_area_cm2`` (cm²)
    override the schedule's. ``lesions_per_patient``: the trial's mean (1 to 100; each
    patient has 1 + Poisson(mean − 1)). ``body_site``: "face or scalp", "forearms and
    hands", "trunk or extremities" or "anogenital". ``sex``: "women", "men" or "mixed"
    (matters for anogenital warts). ``assessed_weeks_after``: weeks after the last
    application (0 to 520; a list means clear at each). ``until_clear``: True where
    patients stopped once clear. ``endpoint``: "complete clearance" (by eye),
    "histological clearance" (at excision) or "tumour-free" (clear at every assessment,
    regrowth counted).
    """
    course = _label_schedule(
        indication, schedule, cream_percent, cream_mg_per_application, treated_area_cm2
    )
    design = design_for(indication, **_design_arguments(locals()))
    return _prediction(indication, course, design)


@functools.lru_cache(maxsize=512)
def _prediction(indication: str, course: pk.Schedule, design: Design) -> Prediction:
    """The work behind :func:`predict_clearance`, on checked inputs."""
    theta, sets = prediction_sample(PREDICTION_DRAWS)
    b = indication_background(indication, theta)
    if course.cream_percent == 0:
        drug = ArmPrediction(*(np.zeros(len(theta)),) * 4)
    else:
        drug = fitted_outcome(indication, course, design, theta, sets=sets)
    share = 100 * (b + (1 - b) * drug.drug_clearance)
    spread = np.exp(theta[:, TRIAL_SPREAD])
    low, high = 100 * share_quantiles(b, drug.drug_clearance, spread, (0.025, 0.975))
    middle = float(np.median(share))
    return Prediction(
        middle,
        float(min(low, middle)),
        float(max(high, middle)),
        float(100 * np.median(drug.severe_reaction)),
        float(100 * np.median(drug.withdrawn)),
    )


def _between_nodes(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For standard-normal values ``z``: the permeability node below each and the share of
    the way to the next (for interpolating a course between nodes)."""
    nodes, _ = normal_quadrature(PERMEABILITY_NODES)
    where = np.clip(np.searchsorted(nodes, z) - 1, 0, len(nodes) - 2)
    share = np.clip((z - nodes[where]) / (nodes[where + 1] - nodes[where]), 0.0, 1.0)
    return where, share


def virtual_trial(
    indication: str,
    schedule: pk.Schedule | None = None,
    *,
    cream_percent: float | None = None,
    cream_mg_per_application: float | None = None,
    treated_area_cm2: float | None = None,
    lesions_per_patient: float | None = None,
    body_site: str | None = None,
    sex: str | None = None,
    assessed_weeks_after: float | tuple[float, ...] | None = None,
    until_clear: bool | None = None,
    endpoint: str | None = None,
    patients: int = 1000,
    seed: int = 2026,
) -> dict[str, np.ndarray]:
    """Per-patient outcomes of a virtual trial of the given design (the arguments of
    :func:`predict_clearance`) at the fitted values, for plotting.

    The same ``seed`` gives the same patients whatever the schedule (common random
    numbers). Returns each patient's permeability and responsiveness factors, lesions and
    lesions cleared, whether they cleared (every lesion, or on the background), had a
    severe local reaction or withdrew.
    """
    if isinstance(patients, bool) or not isinstance(patients, int) or not 1 <= patients <= 100_000:
        raise ValueError(f"patients = {patients!r} must be a whole number from 1 to 100000")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed = {seed!r} must be a whole number ≥ 0")
    course = _label_schedule(
        indication, schedule, cream_percent, cream_mg_per_application, treated_area_cm2
    )
    design = design_for(indication, **_design_arguments(locals()))
    best = mode_vector()
    burden = burden_of(indication, best)
    rng = np.random.default_rng(seed)
    z_q, z_r, z_reaction = rng.standard_normal((3, patients))
    u_background, u_withdraw = rng.random((2, patients))
    counts = 1 + rng.poisson(design.lesions_per_patient - 1, patients)  # 1 + Poisson
    present = np.arange(counts.max())[None, :] < counts[:, None]
    sd = default("lesion_log10_burden_sd")
    hidden = ndtr(-burden[0] / sd)  # sizes normal, but every lesion visible at the start
    uniform = hidden + (1 - hidden) * rng.random((patients, counts.max()))
    sizes = burden[0] + sd * ndtri(uniform)
    shares = np.array([share for _, share in design.skin_classes()])
    skin_kind = np.searchsorted(np.cumsum(shares)[:-1], rng.random(patients))  # per patient
    r = math.exp(best[0, 0]) * np.exp(math.exp(best[0, 1]) * z_r)
    background = indication_background(indication, best)[0]
    days = assessment_days(design, course)
    population = population_for(indication)
    if course.cream_percent == 0:
        severe = withdrew = np.zeros(patients, dtype=bool)
        threshold = np.full((patients, len(shares)), -np.inf)
    else:  # each patient's chain, interpolated between the permeability nodes
        skin = skin_of(course, float(days.max()), design)
        where, share = _between_nodes(z_q)

        def between(values: np.ndarray) -> np.ndarray:
            lower, upper = values[where], values[where + 1]
            share_ = share.reshape((-1,) + (1,) * (values.ndim - 1))
            return (1 - share_) * lower + share_ * upper

        at = np.searchsorted(skin.courses[0].time_days, days - 1e-9)
        at = np.minimum(at, len(skin.courses[0].time_days) - 1)
        last = at.max() + 1
        t = skin.courses[0].time_days[:last]
        step = np.diff(t)
        mine = np.arange(patients)
        inflammation = np.stack([between(c.inflammation) for c in skin.courses], axis=1)
        reaction_day = np.stack([between(c.reaction_day) for c in skin.courses], axis=1)
        severe = (
            np.log(r * inflammation[mine, skin_kind]) - best[0, 2]
        ) / population.reaction_log_sd + z_reaction >= 0
        withdrew = severe & (u_withdraw < population.withdrawal_share)
        stop = np.searchsorted(t, reaction_day[mine, skin_kind])
        on = ~(withdrew[:, None] & (np.arange(last - 1)[None, :] >= stop[:, None]))
        columns = []
        for kind in skin.courses:
            immune, direct = between(kind.immune[:, :last]), between(kind.direct[:, :last])
            kill = (r[:, None] * np.diff(immune, axis=1) + np.diff(direct, axis=1)) / step * on
            log_burden = lesion_log_burden(kill, step, population.growth_per_day)
            levels = (at, design.cleared, population.one_cell_log10)
            detection = population.histology_detection_log10 if design.histological else 0.0
            columns.append(clear_thresholds(log_burden, *levels, detection_log10=detection))
        threshold = np.stack(columns, axis=1)  # (patients, kinds of skin)
    own = threshold[np.arange(patients), skin_kind][:, None]  # the patient's skin's threshold
    cleared_lesions = ((sizes <= own) & present).sum(axis=1)
    spontaneous = u_background < background
    return {
        "permeability_factor": np.exp(default("skin_permeability_log_sd") * z_q),
        "responsiveness": r,
        "lesions": counts,
        "lesions_cleared": np.where(spontaneous, counts, cleared_lesions),
        "cleared": spontaneous | (cleared_lesions == counts),
        "severe_reaction": severe,
        "withdrew": withdrew,
    }


#: posterior draws behind a prediction for a new design (evenly spaced in the stored ones)
PREDICTION_DRAWS = 40


def prediction_sample(draws: int) -> tuple[np.ndarray, np.ndarray]:
    """``draws`` of the stored posterior draws, evenly spaced, and the set of assumed
    numbers of each; a clear error unless ``draws`` is a whole number of them."""
    sample = posterior_sample()
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= len(sample):
        raise ValueError(f"draws = {draws!r} must be a whole number from 1 to {len(sample)}")
    every = slice(None, None, len(sample) // draws)
    return sample[every][:draws], draw_sets()[every][:draws]


def time_course(
    indication: str,
    schedule: pk.Schedule,
    weeks: np.ndarray,
    draws: int = 20,
    design: Design | None = None,
) -> dict[str, np.ndarray]:
    """The virtual trial week by week (``weeks`` from the first application): patients
    clear (%, with the 95% band of ``draws`` posterior draws), lesions clear (%), and
    patients who have had a severe local reaction or withdrawn by then (%), in a trial of
    ``design`` (default: the label trials'). The vehicle background is taken to accrue
    evenly over the course (no trial reports its timing)."""
    indication_named(indication)  # a clear error for an unknown one
    if design is None:
        design = LABEL_DESIGN[indication]
    if not isinstance(design, Design):
        raise ValueError("design must be a design.Design (see design.design_for)")
    if not isinstance(schedule, pk.Schedule) or schedule.cream_percent == 0:
        raise ValueError("schedule must be a pk.Schedule with cream of some strength")
    weeks = real_numbers("weeks", weeks, "weeks")
    if weeks.ndim != 1 or not np.all(np.isfinite(weeks)) or np.any((weeks < 0) | (weeks > 520)):
        raise ValueError("weeks must be a list of weeks from 0 to 520 after the first application")
    days = DAYS_PER_WEEK * weeks
    theta, sets = prediction_sample(draws)
    o = fitted_outcome(indication, schedule, design, theta, each=True, days=days, sets=sets)
    end = schedule.duration_h / HOURS_PER_DAY
    accrued = np.minimum(1.0, days / end)  # vehicle clearance taken to accrue over the course
    b = indication_background(indication, theta)[:, None] * accrued[None, :]
    patients = 100 * (b + (1 - b) * o.drug_clearance)
    spread = np.exp(theta[:, TRIAL_SPREAD])
    low, high = 100 * share_quantiles(b, o.drug_clearance, spread, (0.025, 0.975))
    middle = np.median(patients, axis=0)
    reaction_background = 1 / (1 + np.exp(-theta[:, 3:4]))
    reacted = reaction_background + (1 - reaction_background) * o.severe_reaction
    return {
        "weeks": np.asarray(weeks, dtype=float),
        "patients_clear": middle,
        "patients_clear_low": np.minimum(low, middle),
        "patients_clear_high": np.maximum(high, middle),
        "lesions_clear": np.median(100 * (b + (1 - b) * o.lesion_clearance), axis=0),
        "severe_reaction": np.median(100 * reacted, axis=0),
        "withdrawn": np.median(100 * o.withdrawn, axis=0),
    }


def clearance_by_lesion_count(
    indication: str,
    schedule: pk.Schedule | None = None,
    *,
    lesion_counts: np.ndarray,
    draws: int = 20,
    body_site: str | None = None,
    sex: str | None = None,
) -> dict[str, np.ndarray]:
    """Clearance (%) with its 95% band (``draws`` posterior draws) for trials of
    ``indication`` whose patients have, on average, each of ``lesion_counts`` lesions (1 to
    100), on ``schedule`` (default the label regimen), at the body site and sex given (the
    label trials' otherwise) and the label trials' endpoint."""
    course = _label_schedule(indication, schedule, None, None, None)
    counts = real_numbers("lesion_counts", lesion_counts, "lesions per patient")
    if counts.ndim != 1 or not np.all(np.isfinite(counts)) or np.any((counts < 1) | (counts > 100)):
        raise ValueError("lesion_counts must be a list of mean lesions per patient from 1 to 100")
    design = design_for(indication, body_site=body_site, sex=sex)
    theta, sets = prediction_sample(draws)
    b = indication_background(indication, theta)[:, None]
    if course.cream_percent == 0:
        drug = np.zeros((len(theta), len(counts)))
    else:
        drug = fitted_outcome(
            indication, course, design, theta, lesion_counts=counts, sets=sets
        ).drug_clearance
    share = 100 * (b + (1 - b) * drug)
    spread = np.exp(theta[:, TRIAL_SPREAD])
    base = np.broadcast_to(b, drug.shape)
    low, high = 100 * share_quantiles(base, drug, spread, (0.025, 0.975))
    middle = np.median(share, axis=0)
    return {
        "lesions": counts,
        "percent": middle,
        "low": np.minimum(low, middle),
        "high": np.maximum(high, middle),
    }


# --- how much the predictions rest on the assumed numbers
#: assumed numbers of the virtual patients → the Population field each sets (None: see code)
PATIENT_ASSUMPTIONS: dict[str, str | None] = {
    **POPULATION_FIELDS,
    "ak_lesions_per_patient": None,
    "egw_warts_per_patient": None,
    "residual_regrowth_rate_per_day": "growth_per_day",
    "bcc_residual_regrowth_rate_per_day": "growth_per_day",
}


def label_prediction(indication: str, **assumptions: float) -> float:
    """Clearance (%) at the label regimen at the fitted values, with some assumed numbers of
    PATIENT_ASSUMPTIONS moved (the fit is not redone: what the assumption alone does)."""
    chosen = indication_named(indication)
    unknown = set(assumptions) - set(PATIENT_ASSUMPTIONS)
    if unknown:
        raise ValueError(f"not an assumed number of the virtual patients: {sorted(unknown)}")
    values = {name: validate(name, value) for name, value in assumptions.items()}
    best = mode_vector()
    other_growth = {"residual_regrowth_rate_per_day", "bcc_residual_regrowth_rate_per_day"}
    other_growth.discard(chosen.regrowth)  # another indication's regrowth moves nothing here
    fields = {
        PATIENT_ASSUMPTIONS[k]: v
        for k, v in values.items()
        if PATIENT_ASSUMPTIONS[k] and k not in other_growth
    }
    design = LABEL_DESIGN[indication]
    if chosen.lesions in values:
        design = replace(design, lesions_per_patient=values[chosen.lesions])
    drug = fitted_outcome(
        indication, chosen.label, design, best, population_for(indication, **fields)
    )
    b = indication_background(indication, best)[0]
    return float(100 * (b + (1 - b) * drug.drug_clearance[0]))
