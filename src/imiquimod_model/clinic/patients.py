"""Virtual patients: a population's lesions growing against the chain's kill, integrated over
patients in closed form over lesions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from .. import pk
from ..design import Design
from ..killers import HOURS_PER_DAY
from ..outcomes import INDICATIONS
from ..parameters import default, value_of
from .courses import DAYS_PER_WEEK, PERMEABILITY_NODES, KillCourse, Skin, normal_quadrature

RESPONSIVENESS_NODES = 64
LN10 = math.log(10.0)


@dataclass(frozen=True)
class Indication:
    """What a virtual patient with this indication carries, and its label regimen."""

    lesions: str  # registry name: lesions per patient
    burden: str  # registry name: mean lesion size, log10 of the smallest seen in clinic
    label: pk.Schedule
    regrowth: str  # registry name: regrowth rate of what is left in a cleared lesion


INDICATION: dict[str, Indication] = {
    "actinic keratosis": Indication(
        "ak_lesions_per_patient",
        "ak_lesion_log10_burden",
        pk.Schedule(applications_per_week=2, weeks=16),
        "residual_regrowth_rate_per_day",
    ),
    "superficial basal cell carcinoma": Indication(
        "sbcc_tumours_per_patient",
        "sbcc_lesion_log10_burden",
        pk.Schedule(applications_per_week=5, weeks=6),
        "bcc_residual_regrowth_rate_per_day",
    ),
    "external genital warts": Indication(
        "egw_warts_per_patient",
        "egw_lesion_log10_burden",
        pk.Schedule(applications_per_week=3, weeks=16),
        "residual_regrowth_rate_per_day",
    ),
}


def indication_named(name: str) -> Indication:
    """The indication called ``name``; a clear error for an unknown one."""
    if not isinstance(name, str) or name not in INDICATION:
        raise ValueError(f"indication {name!r} is not one of: {', '.join(INDICATIONS)}")
    return INDICATION[name]


# --- the population: quadrature over patients, closed form over lesions
@dataclass(frozen=True)
class Population:
    """The numbers that describe the patients (registry names as keywords)."""

    responsiveness_median: float = default("immune_responsiveness_median")
    responsiveness_log_sd: float = default("immune_responsiveness_log_sd")
    reaction_threshold: float = default("severe_reaction_threshold")
    reaction_log_sd: float = default("severe_reaction_log_sd")
    withdrawal_share: float = default("withdrawal_share_of_severe_reactions")
    growth_per_day: float = default("residual_regrowth_rate_per_day")
    burden_sd: float = default("lesion_log10_burden_sd")
    one_cell_log10: float = default("one_cell_log10")
    permeability_log_sd: float = default("skin_permeability_log_sd")
    histology_detection_log10: float = default("histology_detection_log10")


def lesion_log_burden(kill_per_day: np.ndarray, dt_days: np.ndarray, growth: float) -> np.ndarray:
    """ln B/B0 of a lesion that starts at its plateau: ``dB/dt = ρ_h·B·(1 − B/B0) − k·B``,
    the kill rate ``k`` (per day, last axis over steps) held over each step of ``dt_days``
    and solved exactly. Returns the log burden at every time (one more than the steps)."""
    x = np.zeros(kill_per_day.shape[:-1])
    out = [x]
    for j, dt in enumerate(dt_days.tolist()):
        net = growth - kill_per_day[..., j]
        x = x + net * dt - np.log1p(growth * np.exp(x) * _step_integral(net, dt))
        out.append(x)
    return np.stack(out, axis=-1)


def _step_integral(net: np.ndarray, dt: float) -> np.ndarray:
    """∫ e^(net·s) ds over a step of ``dt`` days, for net rates ``net`` (per day); ``dt``
    where the rate is (nearly) 0."""
    small = np.abs(net) < 1e-12
    if not small.any():  # the common case, without the guards
        return np.expm1(net * dt) / net
    safe = np.where(small, 1.0, net)
    return np.where(small, dt, np.expm1(safe * dt) / safe)


def _log_add_exp(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.logaddexp(a, b)`` for finite ``a``, from NumPy's vectorised exp and log1p (on
    long arrays several times faster than ``np.logaddexp``, which is not vectorised)."""
    return np.maximum(a, b) + np.log1p(np.exp(-np.abs(a - b)))


def regrowth_after_stop(
    log_burden: np.ndarray, stop: np.ndarray, time_days: np.ndarray, growth: float
) -> np.ndarray:
    """ln B/B0 of lesions whose treatment stops at time index ``stop[q]`` (``q`` the
    second-last axis of ``log_burden``, time the last): as ``log_burden`` up to the stop,
    then untreated regrowth ``dB/dt = ρ_h·B·(1 − B/B0)`` solved exactly,
    ``B0/B = 1 + (B0/B_stop − 1)·e^(−ρ_h·τ)`` for ``τ`` days after the stop (written with
    ``logaddexp`` so a lesion far below one cell does not overflow)."""
    stop = np.minimum(stop, len(time_days) - 1)
    index = stop.reshape((1,) * (log_burden.ndim - 2) + (-1, 1))
    at_stop = np.take_along_axis(log_burden, index, axis=-1)  # (..., Q, 1)
    since = np.maximum(time_days[None, :] - time_days[stop][:, None], 0.0)  # (Q, T) days
    with np.errstate(divide="ignore"):  # log 0 = −inf at the stop itself: no regrowth yet
        regrown = -_log_add_exp(-at_stop - growth * since, np.log(-np.expm1(-growth * since)))
    after = np.arange(len(time_days))[None, :] > stop[:, None]
    return np.where(after, regrown, log_burden)


def clear_thresholds(
    log_burden: np.ndarray,
    at: np.ndarray | slice,
    mode: str,
    one_cell: float,
    each: bool = False,
    detection_log10: float = 0.0,
) -> np.ndarray:
    """Largest lesion size (log10) that is clear at every assessment index in ``at`` (an
    index array, or a slice) (or, with ``each``, at each of them separately: one more
    axis).

    ``log_burden`` is ln B/B0 with time last. "by": clear at some time up to the
    assessment; "at": clear at the assessment, or extinct before it. A residue counts as
    clear once it is ``detection_log10`` below the smallest lesion the eye sees (0 for the
    eye; more for the microscope), or extinct.
    """
    lowest = np.minimum.accumulate(log_burden, axis=-1)
    if mode == "by":
        by = -lowest[..., at] / LN10 - detection_log10
        return by if each else by[..., -1]
    seen = -log_burden[..., at] / LN10 - detection_log10
    extinct = -lowest[..., at] / LN10 + one_cell
    clear = np.maximum(seen, extinct)
    return clear if each else clear.min(axis=-1)


#: the standard-normal z from which Φ(z) is 1 in double precision (1 − Φ(z) < 2⁻⁵⁴, half the
#: spacing of doubles below 1)
CERTAIN_Z = -float(ndtri(2.0**-54))


def visible_lesion_below(size_log10: np.ndarray, mean: np.ndarray, sd: float) -> np.ndarray:
    """Share of lesions smaller than ``size_log10`` (log10 of the smallest size seen in
    clinic), lesion sizes normal but every lesion visible at the start (size > 0). The
    normal CDF is evaluated only where the share is neither 1 (z ≥ CERTAIN_Z) nor 0 (size
    ≤ 0), the costly part on long arrays."""
    hidden = ndtr(-mean / sd)
    z = (size_log10 - mean) / sd
    one = z >= CERTAIN_Z
    below = one.astype(float)  # Φ(z): 1 there, and 0 where size ≤ 0 (any Φ ≤ hidden gives 0)
    unsure = ~(one | (size_log10 <= 0.0))
    below[unsure] = ndtr(z[unsure])
    return np.clip((below - hidden) / (1.0 - hidden), 0.0, 1.0)


def all_clear(lesion_clear: np.ndarray, mean_lesions: float) -> np.ndarray:
    """Share of patients with every lesion clear, each lesion clear with probability
    ``lesion_clear`` and the number of lesions 1 + Poisson(mean − 1): the generating
    function gives ``s·exp(−(m − 1)(1 − s))``."""
    return lesion_clear * np.exp(-(mean_lesions - 1.0) * (1.0 - lesion_clear))


@dataclass(frozen=True)
class ArmPrediction:
    """A course's outcome in a population of virtual patients (shares 0–1)."""

    drug_clearance: np.ndarray  # without the background
    severe_reaction: np.ndarray
    withdrawn: np.ndarray
    lesion_clearance: np.ndarray  # share of lesions clear (drug effect only)


def course_outcome(
    skin: Skin,
    assessment_days: np.ndarray,
    design: Design,
    burden_mean: float | np.ndarray,
    population: Population,
    r_median: np.ndarray | None = None,
    r_log_sd: np.ndarray | None = None,
    threshold: np.ndarray | None = None,
    each: bool = False,
    lesion_counts: np.ndarray | None = None,
) -> ArmPrediction:
    """Population outcome of a course on ``skin`` for a trial of ``design``: the patients
    on each kind of skin, weighted by their share. ``r_median``, ``r_log_sd`` and
    ``threshold`` may be arrays (one value per parameter draw) that override the
    population's. With ``each``, every assessment day separately (shares gain an axis
    over the days; severe reactions and withdrawals count those that have happened by
    each day). With ``lesion_counts`` (trials' mean lesions per patient), clearance gains
    an axis over them in place of the design's own. The kinds of skin are worked out
    together, as more permeability nodes, each weighted by its skin's share."""
    _, w_q = normal_quadrature(PERMEABILITY_NODES)
    return _nodes_outcome(
        _joined(skin.courses),
        np.concatenate([share * w_q for share in skin.shares]),
        assessment_days,
        design,
        burden_mean,
        population,
        r_median,
        r_log_sd,
        threshold,
        each,
        lesion_counts,
    )


def _joined(courses: tuple[KillCourse, ...]) -> KillCourse:
    """Courses on several kinds of skin, on one grid of days, as one: their permeability
    nodes one after another."""
    first = courses[0]
    if any(not np.array_equal(c.time_days, first.time_days) for c in courses):
        raise ValueError("the kinds of skin of one course must share its grid of days")
    return KillCourse(
        first.time_days,
        *(
            np.concatenate([getattr(c, field) for c in courses])
            for field in ("immune", "direct", "inflammation", "reaction_day")
        ),
        first.end_of_course_day,
    )


#: numbers in each array of a block of draws worked out together once the lesions' course is
#: known: small enough to stay in the processor's cache (~256 kB), as a whole draw set's
#: arrays do not
BLOCK_NUMBERS = 32_768


def _nodes_outcome(
    course: KillCourse,
    node_weights: np.ndarray,
    assessment_days: np.ndarray,
    design: Design,
    burden_mean: float | np.ndarray,
    population: Population,
    r_median: np.ndarray | None,
    r_log_sd: np.ndarray | None,
    threshold: np.ndarray | None,
    each: bool,
    lesion_counts: np.ndarray | None = None,
) -> ArmPrediction:
    """:func:`course_outcome` on ``course``'s permeability nodes, weighted by
    ``node_weights`` (Q,): the lesions' course for every draw at once, then the outcome a
    block of draws at a time."""
    p = population
    given = (r_median, r_log_sd, threshold)
    defaults = (p.responsiveness_median, p.responsiveness_log_sd, p.reaction_threshold)
    # one value of each per draw (W,)
    median, spread, theta, mu = np.broadcast_arrays(
        *(np.atleast_1d(d if v is None else v) for v, d in zip(given, defaults, strict=True)),
        np.atleast_1d(burden_mean),
    )
    z_r, _ = normal_quadrature(RESPONSIVENESS_NODES)
    r = median[:, None] * np.exp(spread[:, None] * z_r[None, :])  # (W, R)
    at = np.searchsorted(course.time_days, np.asarray(assessment_days) - 1e-9)
    at = np.minimum(at, len(course.time_days) - 1)
    t = course.time_days[: at.max() + 1]
    if np.array_equal(at, np.arange(len(t))):  # every day of the grid, in order: take views
        at = slice(None)
    # kill rates per day at r = 1, (T − 1, Q): each day's side by side in memory
    immune_rate, direct_rate = (
        np.ascontiguousarray((np.diff(k[:, : len(t)], axis=1) / np.diff(t)).T)
        for k in (course.immune, course.direct)
    )
    # the kill rate, laid out day by day as lesion_log_burden steps through the days, seen
    # with the days last: (W, R, Q, T − 1)
    by_day = r[None, :, :, None] * immune_rate[:, None, None]
    by_day += direct_rate[:, None, None]
    kill = np.moveaxis(by_day, 0, -1)
    # ln B/B0 for draw w, responsiveness node, permeability node, day: (W, R, Q, T)
    log_burden = lesion_log_burden(kill, np.diff(t), p.growth_per_day)
    rows = max(1, BLOCK_NUMBERS // log_burden[0].size)  # draws in a block
    blocks = [slice(i, i + rows) for i in range(0, len(r), rows)]
    parts = [
        _draws_outcome(
            course,
            node_weights,
            t,
            at,
            design,
            p,
            log_burden[b],
            r[b],
            mu[b],
            theta[b],
            each,
            lesion_counts,
        )
        for b in blocks
    ]
    return ArmPrediction(
        *(
            np.concatenate([getattr(part, field) for part in parts])
            for field in ArmPrediction.__dataclass_fields__
        )
    )


def _draws_outcome(
    course: KillCourse,
    node_weights: np.ndarray,
    t: np.ndarray,
    at: np.ndarray | slice,
    design: Design,
    p: Population,
    log_burden: np.ndarray,
    r: np.ndarray,
    mu: np.ndarray,
    theta: np.ndarray,
    each: bool,
    lesion_counts: np.ndarray | None,
) -> ArmPrediction:
    """:func:`_nodes_outcome` for some draws, given their lesions' ``log_burden`` (ln
    B/B0, (W, R, Q, T) on the days ``t``), responsiveness ``r`` (W, R), mean lesion size
    ``mu`` (log10, (W,)) and reaction threshold ``theta`` (W,)."""
    _, w_r = normal_quadrature(RESPONSIVENESS_NODES)
    detection = p.histology_detection_log10 if design.histological else 0.0
    levels = (at, design.cleared, p.one_cell_log10, each, detection)
    thr = clear_thresholds(log_burden, *levels)
    stop = np.searchsorted(t, course.reaction_day)  # (Q,) the day a withdrawing patient stops
    stopped = regrowth_after_stop(log_burden, stop, t, p.growth_per_day)
    thr_stopped = clear_thresholds(stopped, *levels)
    extra = (None,) * (thr.ndim - 3)  # the axis over assessment days, with ``each``
    mu = mu[(slice(None), None, None, *extra)]
    lesion_full = visible_lesion_below(thr, mu, p.burden_sd)  # (W, R, Q[, K])
    lesion_stopped = visible_lesion_below(thr_stopped, mu, p.burden_sd)
    react = ndtr(
        (np.log(r[:, :, None] * course.inflammation[None, None, :]) - np.log(theta)[:, None, None])
        / p.reaction_log_sd
    )  # (W, R, Q)
    weights = w_r[:, None] * node_weights[None, :]  # (R, Q)
    leave = p.withdrawal_share * react
    staying, stopping = weights * (1 - leave), weights * leave  # (W, R, Q)
    happened = np.ones(len(node_weights))  # reactions (so withdrawals) by then: (Q[, K])
    if each:
        happened = (course.reaction_day[:, None] <= t[at][None, :]).astype(float)
    if lesion_counts is None:
        lesions, more = design.lesions_per_patient, ()
    else:  # one more axis, over the trial's mean lesion count
        lesions, more = np.asarray(lesion_counts), (None,)
    return ArmPrediction(
        drug_clearance=_over_patients(
            all_clear(lesion_full[(..., *more)], lesions),
            all_clear(lesion_stopped[(..., *more)], lesions),
            staying,
            stopping,
        ),
        severe_reaction=np.einsum("wrq,q...->w...", weights * react, happened),
        withdrawn=np.einsum("wrq,q...->w...", stopping, happened),
        lesion_clearance=_over_patients(lesion_full, lesion_stopped, staying, stopping),
    )


def _over_patients(
    kept_on: np.ndarray, stopped: np.ndarray, stay: np.ndarray, stop: np.ndarray
) -> np.ndarray:
    """A share averaged over the patients (the responsiveness and permeability nodes, axes
    1 and 2): ``kept_on`` for those who keep on with the cream, weighted ``stay`` (W, R, Q),
    and ``stopped`` for those who stop it, weighted ``stop``."""
    return np.einsum("wrq...,wrq->w...", kept_on, stay) + np.einsum(
        "wrq...,wrq->w...", stopped, stop
    )


#: assumed numbers of the virtual patients → the Population field each sets
POPULATION_FIELDS = {
    "skin_permeability_log_sd": "permeability_log_sd",
    "lesion_log10_burden_sd": "burden_sd",
    "severe_reaction_log_sd": "reaction_log_sd",
    "withdrawal_share_of_severe_reactions": "withdrawal_share",
    "one_cell_log10": "one_cell_log10",
    "histology_detection_log10": "histology_detection_log10",
}


def population_for(
    indication: str, values: tuple[tuple[str, float], ...] = (), **fields: float
) -> Population:
    """The virtual patients of ``indication``: the registry's numbers (or those ``values``,
    (name, value) pairs, give), the indication's regrowth rate of what is left in a
    cleared lesion, and any Population ``fields``."""
    given = {POPULATION_FIELDS[k]: v for k, v in values if k in POPULATION_FIELDS}
    growth = {"growth_per_day": value_of(INDICATION[indication].regrowth, values)}
    return Population(**{**growth, **given, **fields})


def assessment_days(design: Design, schedule: pk.Schedule) -> np.ndarray:
    """Days from the first application to each assessment of ``design``."""
    end = schedule.duration_h / HOURS_PER_DAY
    return end + DAYS_PER_WEEK * np.array(design.assessed_weeks_after or (0.0,))
