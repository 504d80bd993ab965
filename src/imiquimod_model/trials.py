"""Virtual patients: the whole chain, from a course of cream to a trial's clearance rate.

Each virtual patient has a skin permeability ``q`` (a factor on the flux of chapter 1), an
immune responsiveness ``r`` (a factor on every immune kill rate of chapters 3 and 3b:
killer pDCs, effector T cells, memory) and a number of lesions of different sizes. Both
factors are log-normal across patients; lesion sizes ``L`` (log10 of the smallest size
seen in clinic) are normal across lesions. For a patient the chain gives, on every day of
the course and after it, the cumulative immune kill ``K(t)`` and direct (TLR-independent)
kill ``A(t)``; a lesion's log burden is

    ln B(t)/B(0) = ρ_h·t − r·K(t) − A(t),

so a lesion of size ``L`` is below clinical detection at ``t`` when
``L ≤ −ln(B/B0)/ln 10``, and is cured (extinct) once its burden has fallen below one cell.
Antigen-loaded dendritic cells leave at the rate the killer pDCs kill, per unit of tumour
(:func:`adaptive.t_cells_and_memory`), so priming does not depend on a lesion's size.

A patient is clear when every lesion is. A share of patients clear on vehicle (the
trial's background); the drug clears the rest as the chain says. Severe local reactions
rise with the patient's local inflammatory signal (the weekly mean of the MyD88 signal,
times ``r``); a share of those patients stop applying at the height of the reaction.

The population is integrated by Gauss–Hermite quadrature over ``ln q`` and ``ln r`` and in
closed form over lesions, so the likelihood is smooth and every result is reproducible.

Examples
--------
>>> p = predict_clearance("superficial basal cell carcinoma")
>>> 50 < p.percent < 100 and p.low <= p.percent <= p.high
True
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.special import ndtr, ndtri, roots_hermitenorm

from . import pk
from .adaptive import t_cells_and_memory
from .design import LABEL_DESIGN, Design, arm_design, design_for
from .killers import HOURS_PER_DAY, condition_named, tumour_response
from .kinetics import rate_from_half_life
from .outcomes import INDICATIONS, TrialArm, arm_id, schedule_of, trial_arms
from .parameters import default, real_numbers, validate
from .receptor import tlr7_engagement

FIT_FILE = Path(__file__).parent / "data" / "trial_fit.json"
PERMEABILITY_NODES = 5
RESPONSIVENESS_NODES = 24
LN10 = math.log(10.0)
DAYS_PER_WEEK = 7.0
#: days simulated hour by hour after the last application; later times follow the fading
#: T cells and memory in closed form
SIMULATED_AFTER_DAYS = 56.0
#: the inflammation that times a reaction: its running mean over this many hours
INFLAMMATION_WINDOW_H = 168


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


def _quadrature(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Standard-normal Gauss–Hermite nodes and weights (weights sum to 1)."""
    z, w = roots_hermitenorm(nodes)
    return z, w / w.sum()


# --- the chain for one patient: kill integrals on a grid of days
@dataclass(frozen=True)
class KillCourse:
    """The chain's cumulative kills for each permeability node, on ``time_days``."""

    time_days: np.ndarray  # (T,)
    immune: np.ndarray  # (Q, T): ∫ immune kill rate at r = 1, ln units
    direct: np.ndarray  # (Q, T): ∫ direct (TLR-independent) kill, ln units
    inflammation: np.ndarray  # (Q,): peak weekly-mean MyD88 signal during the course
    reaction_day: np.ndarray  # (Q,): day the weekly-mean signal first reaches 90% of it
    end_of_course_day: float


def _simulate(
    schedule: pk.Schedule, flux_factor: float, days: float, condition: str, rates: tuple = ()
):
    """Hourly chain for one patient whose flux into the skin is ``flux_factor`` times that
    of the face or scalp: kill rates (per day), T cells, memory, signal. ``rates`` are
    (name, value) pairs of the killers model's keywords."""
    exposure = pk.topical_exposure(
        schedule,
        site_flux_factor=flux_factor,
        duration_h=days * HOURS_PER_DAY,
        time_step_h=1.0,
    )
    free = exposure.free_concentration_uM
    chosen = condition_named(condition)
    out = tumour_response(
        exposure.time_h, tlr7_engagement(free), chosen, free_concentration_uM=free, **dict(rates)
    )
    time_days = exposure.time_h / HOURS_PER_DAY
    departures = out["signal"] * out["ifnar_signal"] * out["pdc_kill_per_day"]
    has_t_cells = chosen.adaptive_and_nk and chosen.cd8a_cells
    effectors, memory = t_cells_and_memory(time_days, departures)
    present = 1.0 if has_t_cells else 0.0
    immune = out["pdc_kill_per_day"] + present * (
        default("t_cell_killing_rate_per_day") * effectors
        + default("memory_killing_rate_per_day") * memory
    )
    return time_days, immune, out["direct_apoptosis_per_day"], out["signal"], effectors, memory


def _cumulative(rate_per_day: np.ndarray, dt_days: float) -> np.ndarray:
    """∫ rate dt on the grid, with the rate held over each step (as the models step)."""
    return np.concatenate([[0.0], np.cumsum(rate_per_day[:-1]) * dt_days])


@functools.cache
def _science_digest() -> str:
    """A fingerprint of the model's code and registry: a stored chain is reused only while
    neither has changed."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*package.glob("*.py"), package / "data" / "parameters.csv"]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _cache_file(key: str) -> Path | None:
    """Where a solved chain is kept between processes (``IMIQUIMOD_CACHE`` or the user's
    cache folder; None turns the store off)."""
    root = os.environ.get("IMIQUIMOD_CACHE")
    if root == "":
        return None
    base = Path(root) if root else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    folder = base / "imiquimod-model" if not root else base
    name = hashlib.sha256(f"{_science_digest()} {key}".encode()).hexdigest()
    return folder / f"kill-course-{name}.npz"


def kill_course(
    schedule: pk.Schedule,
    last_day: float,
    condition: str = "wild type",
    permeability_log_sd: float = default("skin_permeability_log_sd"),
    rates: tuple = (),
    site_flux_factor: float = 1.0,
) -> KillCourse:
    """The chain at each permeability node, week by week to ``last_day`` (days from the
    start, rounded up to a whole week): hourly while cream is used and for 8 weeks after,
    then the fading T cells and memory in closed form, on skin whose flux is
    ``site_flux_factor`` times that of the face or scalp. A solved chain is kept on disk,
    keyed by its inputs and the model's code, so the book build, the tests and a reader's
    kernel solve each course once."""
    if not isinstance(schedule, pk.Schedule):
        raise ValueError("schedule must be a pk.Schedule")
    sd = validate("skin_permeability_log_sd", permeability_log_sd)
    condition_named(condition)
    if (
        isinstance(last_day, bool)
        or not isinstance(last_day, int | float)
        or not 0 < last_day <= 20 * 365.25
    ):
        raise ValueError(f"last_day = {last_day!r} must be a number of days from 0 to 20 years")
    if not isinstance(rates, tuple) or not all(
        isinstance(r, tuple) and len(r) == 2 and isinstance(r[0], str) for r in rates
    ):
        raise ValueError("rates must be a tuple of (name, value) pairs")
    site = validate("site_flux_factor", site_flux_factor)
    return _kill_course(schedule, float(last_day), condition, sd, rates, site)


@functools.lru_cache(maxsize=512)
def _kill_course(
    schedule: pk.Schedule, last_day: float, condition: str, sd: float, rates: tuple, site: float
) -> KillCourse:
    """The cached work behind :func:`kill_course`, on checked inputs."""
    stored = _cache_file(repr((schedule, last_day, condition, sd, rates, site)))
    if stored is not None and stored.exists():
        try:
            with np.load(stored) as saved:
                fields = {f: saved[f] for f in KillCourse.__dataclass_fields__}
            fields["end_of_course_day"] = float(fields["end_of_course_day"])
            return KillCourse(**fields)
        except (OSError, ValueError, KeyError):
            pass  # unreadable: solve again
    course = _solve_kill_course(schedule, last_day, condition, sd, rates, site)
    if stored is not None:
        try:
            stored.parent.mkdir(parents=True, exist_ok=True)
            partial = stored.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(partial, **{f: getattr(course, f) for f in KillCourse.__dataclass_fields__})
            os.replace(partial, stored)
        except OSError:
            pass  # a read-only place: keep it in memory only
    return course


kill_course.cache_clear = _kill_course.cache_clear  # type: ignore[attr-defined]


def _solve_kill_course(
    schedule: pk.Schedule, last_day: float, condition: str, sd: float, rates: tuple, site: float
) -> KillCourse:
    """The work behind :func:`kill_course`."""
    end = schedule.duration_h / HOURS_PER_DAY
    last_day = DAYS_PER_WEEK * math.ceil(float(last_day) / DAYS_PER_WEEK - 1e-9)
    simulated = max(min(last_day, end + SIMULATED_AFTER_DAYS), end + DAYS_PER_WEEK)
    z, _ = _quadrature(PERMEABILITY_NODES)
    k_e = rate_from_half_life(default("effector_t_cell_half_life_days"))
    k_mem = rate_from_half_life(default("memory_half_life_days"))
    kappa_t, kappa_m = (
        default("t_cell_killing_rate_per_day"),
        default("memory_killing_rate_per_day"),
    )
    later = np.arange(simulated + DAYS_PER_WEEK, last_day + 1.0, DAYS_PER_WEEK)  # closed form
    immune, direct, peak, reaction_day = [], [], [], []
    for node in z:
        t, kill, apo, signal, eff, mem = _simulate(
            schedule, site * math.exp(sd * node), simulated, condition, rates
        )
        dt = t[1] - t[0]
        k_imm, k_apo = _cumulative(kill, dt), _cumulative(apo, dt)
        weekly = slice(0, None, round(DAYS_PER_WEEK / dt))
        s = t[weekly][-1]
        after = later - s
        tail = k_imm[weekly][-1] + kappa_t * eff[-1] * -np.expm1(-k_e * after) / k_e
        tail = tail + kappa_m * mem[-1] * -np.expm1(-k_mem * after) / k_mem
        immune.append(np.concatenate([k_imm[weekly], tail]))
        direct.append(np.concatenate([k_apo[weekly], np.full(len(later), k_apo[-1])]))
        window = np.convolve(signal, np.ones(INFLAMMATION_WINDOW_H) / INFLAMMATION_WINDOW_H)
        weekly = window[: len(signal)]
        peak.append(weekly.max())
        reaction_day.append(t[np.argmax(weekly >= 0.9 * weekly.max())])
    time_days = np.concatenate(
        [DAYS_PER_WEEK * np.arange(len(immune[0]) - len(later), dtype=float), later]
    )
    return KillCourse(
        time_days,
        np.array(immune),
        np.array(direct),
        np.array(peak),
        np.array(reaction_day),
        end,
    )


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


def lesion_log_burden(kill_per_day: np.ndarray, dt_days: np.ndarray, growth: float) -> np.ndarray:
    """ln B/B0 of a lesion that starts at its plateau: ``dB/dt = ρ_h·B·(1 − B/B0) − k·B``,
    the kill rate ``k`` (per day, last axis over steps) held over each step of ``dt_days``
    and solved exactly. Returns the log burden at every time (one more than the steps)."""
    x = np.zeros(kill_per_day.shape[:-1])
    out = [x]
    for j, dt in enumerate(dt_days.tolist()):
        net = growth - kill_per_day[..., j]
        small = np.abs(net) < 1e-12
        safe = np.where(small, 1.0, net)
        span = np.where(small, dt, np.expm1(safe * dt) / safe)  # ∫ e^(net·s) ds over the step
        x = x + net * dt - np.log1p(growth * np.exp(x) * span)
        out.append(x)
    return np.stack(out, axis=-1)


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
        regrown = -np.logaddexp(-at_stop - growth * since, np.log(-np.expm1(-growth * since)))
    after = np.arange(len(time_days))[None, :] > stop[:, None]
    return np.where(after, regrown, log_burden)


def _thresholds(
    log_burden: np.ndarray,
    at: np.ndarray,
    mode: str,
    one_cell: float,
    each: bool = False,
    detection_log10: float = 0.0,
) -> np.ndarray:
    """Largest lesion size (log10) that is clear at every assessment index in ``at`` (or,
    with ``each``, at each of them separately: one more axis).

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


def visible_lesion_below(size_log10: np.ndarray, mean: np.ndarray, sd: float) -> np.ndarray:
    """Share of lesions smaller than ``size_log10`` (log10 of the smallest size seen in
    clinic), lesion sizes normal but every lesion visible at the start (size > 0)."""
    hidden = ndtr(-mean / sd)
    return np.clip((ndtr((size_log10 - mean) / sd) - hidden) / (1.0 - hidden), 0.0, 1.0)


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


@dataclass(frozen=True)
class Skin:
    """The courses on each kind of skin a design's patients have their lesions on, with
    the share of patients on each (the same schedule and grid of days)."""

    courses: tuple[KillCourse, ...]
    shares: tuple[float, ...]


def skin_of(
    schedule: pk.Schedule,
    last_day: float,
    design: Design,
    permeability_log_sd: float = default("skin_permeability_log_sd"),
) -> Skin:
    """The chain on every kind of skin of ``design``, to ``last_day``."""
    classes = design.skin_classes()
    return Skin(
        tuple(
            kill_course(
                schedule, last_day, permeability_log_sd=permeability_log_sd, site_flux_factor=f
            )
            for f, _ in classes
        ),
        tuple(share for _, share in classes),
    )


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
    an axis over them in place of the design's own."""
    parts = [
        _one_skin_outcome(
            course,
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
        for course in skin.courses
    ]
    return ArmPrediction(
        *(
            sum(
                share * getattr(part, field) for part, share in zip(parts, skin.shares, strict=True)
            )
            for field in ArmPrediction.__dataclass_fields__
        )
    )


def _one_skin_outcome(
    course: KillCourse,
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
    """:func:`course_outcome` for patients whose lesions all sit on one kind of skin."""
    p = population
    median = np.atleast_1d(p.responsiveness_median if r_median is None else r_median)
    spread = np.atleast_1d(p.responsiveness_log_sd if r_log_sd is None else r_log_sd)
    theta = np.atleast_1d(p.reaction_threshold if threshold is None else threshold)
    z_r, w_r = _quadrature(RESPONSIVENESS_NODES)
    _, w_q = _quadrature(PERMEABILITY_NODES)
    r = median[:, None] * np.exp(spread[:, None] * z_r[None, :])  # (W, R)
    at = np.searchsorted(course.time_days, np.asarray(assessment_days) - 1e-9)
    at = np.minimum(at, len(course.time_days) - 1)
    last = at.max() + 1
    t = course.time_days[:last]
    immune_rate = np.diff(course.immune[:, :last], axis=1) / np.diff(t)  # (Q, T − 1) per day
    direct_rate = np.diff(course.direct[:, :last], axis=1) / np.diff(t)
    # ln B/B0 for draw w, responsiveness node, permeability node, day: (W, R, Q, T)
    log_burden = lesion_log_burden(
        r[:, :, None, None] * immune_rate + direct_rate, np.diff(t), p.growth_per_day
    )
    levels = (at, design.cleared, p.one_cell_log10, each, design.detection_log10)
    thr = _thresholds(log_burden, *levels)
    stop = np.searchsorted(t, course.reaction_day)  # (Q,) the day a withdrawing patient stops
    stopped = regrowth_after_stop(log_burden, stop, t, p.growth_per_day)
    thr_stopped = _thresholds(stopped, *levels)
    extra = (None,) * (thr.ndim - 3)  # the axis over assessment days, with ``each``
    mu = np.broadcast_to(np.atleast_1d(burden_mean), (len(median),))[
        (slice(None), None, None, *extra)
    ]
    lesion_full = visible_lesion_below(thr, mu, p.burden_sd)  # (W, R, Q[, K])
    lesion_stopped = visible_lesion_below(thr_stopped, mu, p.burden_sd)
    react = ndtr(
        (np.log(r[:, :, None] * course.inflammation[None, None, :]) - np.log(theta)[:, None, None])
        / p.reaction_log_sd
    )[(..., *extra)]
    leave = p.withdrawal_share * react
    happened = 1.0
    if each:
        happened = course.reaction_day[None, None, :, None] <= t[at][None, None, None, :]
    weights = (w_r[None, :, None] * w_q[None, None, :])[(..., *extra)]
    lesion = (1 - leave) * lesion_full + leave * lesion_stopped
    if lesion_counts is None:
        lesions, last = design.lesions_per_patient, ()
    else:  # one more axis, over the trial's mean lesion count
        lesions, last = np.asarray(lesion_counts), (None,)
    patient = (1 - leave[(..., *last)]) * all_clear(lesion_full[(..., *last)], lesions) + leave[
        (..., *last)
    ] * all_clear(lesion_stopped[(..., *last)], lesions)
    return ArmPrediction(
        drug_clearance=(weights[(..., *last)] * patient).sum(axis=(1, 2)),
        severe_reaction=(weights * react * happened).sum(axis=(1, 2)),
        withdrawn=(weights * leave * happened).sum(axis=(1, 2)),
        lesion_clearance=(weights * lesion).sum(axis=(1, 2)),
    )


# --- the trial arms the model is calibrated to
#: endpoints of clearance the model is fitted to (patients clear of every lesion)
CLEARANCE_ENDPOINTS = (
    "complete clearance",
    "histological clearance",
    "initial clinical clearance",
    "tumour-free at 12 months",
)
REACTION_ENDPOINT = "severe local reaction"


def arm_schedule(arm: TrialArm) -> pk.Schedule:
    """The course of an imiquimod arm, at its strength."""
    return replace(schedule_of(arm), cream_percent=arm.strength_percent)


def calibration_arms() -> tuple[TrialArm, ...]:
    """Every arm with counts (or a flagged n), a schedule and a clearance endpoint, or the
    severe reactions that go with an arm that is fitted."""
    chosen = []
    for arm in trial_arms():
        if arm.treatment not in ("imiquimod", "vehicle") or not arm.likelihood_n:
            continue
        if arm.indication not in INDICATIONS:
            continue  # nodular or mixed basal cell carcinoma: not modelled
        if arm.endpoint in CLEARANCE_ENDPOINTS and arm.cleared:
            if arm.trial == "Krawtchenko2007" and arm.endpoint != "initial clinical clearance":
                continue  # one endpoint per trial arm: the clinical one
            chosen.append(arm)
        elif arm.endpoint == REACTION_ENDPOINT and arm.applications_per_week:
            chosen.append(arm)
    return tuple(chosen)


def background_trials(arms: tuple[TrialArm, ...]) -> tuple[str, ...]:
    """Trials whose vehicle arm gives their background (spontaneous) clearance."""
    return tuple(
        sorted(
            {a.trial for a in arms if a.treatment == "vehicle" and a.endpoint != REACTION_ENDPOINT}
        )
    )


def population_for(indication: str, **fields: float) -> Population:
    """The virtual patients of ``indication``: the registry's numbers, the indication's
    regrowth rate of what is left in a cleared lesion, and any Population ``fields``."""
    growth = {"growth_per_day": default(INDICATION[indication].regrowth)}
    return Population(**{**growth, **fields})


@dataclass(frozen=True)
class Prepared:
    """An arm made ready for the likelihood: its design, its courses (None for vehicle)
    and counts."""

    arm: TrialArm
    design: Design
    skin: Skin | None
    assessment_days: np.ndarray
    responders: int
    n: int


def assessment_days(design: Design, schedule: pk.Schedule) -> np.ndarray:
    """Days from the first application to each assessment of ``design``."""
    end = schedule.duration_h / HOURS_PER_DAY
    return end + DAYS_PER_WEEK * np.array(design.assessed_weeks_after or (0.0,))


@functools.cache
def prepared(arm: TrialArm) -> Prepared:
    """The arm's courses at every permeability node (cached: the expensive step)."""
    n = arm.likelihood_n
    k = round(arm.proportion * n)
    design = LABEL_DESIGN[arm.indication] if arm.endpoint == REACTION_ENDPOINT else arm_design(arm)
    if arm.treatment == "vehicle":
        return Prepared(arm, design, None, np.zeros(1), k, n)
    schedule = arm_schedule(arm)
    days = assessment_days(design, schedule)
    return Prepared(arm, design, skin_of(schedule, float(days.max()), design), days, k, n)


PARAMETER_NAMES = (
    "log immune_responsiveness_median",
    "log immune_responsiveness_log_sd",
    "log severe_reaction_threshold",
    "logit severe_reaction_background",
    *(INDICATION[i].burden for i in INDICATIONS),
)
FIRST_BACKGROUND = len(PARAMETER_NAMES)


def _burden_of(indication: str, theta: np.ndarray) -> np.ndarray:
    """The mean lesion size of ``indication`` for each parameter vector."""
    return theta[:, PARAMETER_NAMES.index(INDICATION[indication].burden)]


def _trial_backgrounds(theta: np.ndarray, arms: tuple[TrialArm, ...]) -> dict[str, np.ndarray]:
    """Each trial's background clearance for each row of ``theta``: its own vehicle arm's
    where it had one, else the mean of its indication's trials that had one (0 if none)."""
    own = {
        t: 1 / (1 + np.exp(-theta[:, FIRST_BACKGROUND + i]))
        for i, t in enumerate(background_trials(arms))
    }
    indication_of = {a.trial: a.indication for a in arms}
    out = {}
    for trial, indication in indication_of.items():
        if trial in own:
            out[trial] = own[trial]
            continue
        alike = [own[t] for t in own if indication_of[t] == indication]
        out[trial] = np.mean(alike, axis=0) if alike else np.zeros(len(theta))
    return out


def arm_probabilities(theta: np.ndarray, arms: tuple[TrialArm, ...]) -> np.ndarray:
    """Modelled share (0–1) of each arm, for each parameter vector (rows of ``theta``):
    those named in PARAMETER_NAMES, then the logit background of each trial in
    ``background_trials(arms)``."""
    theta = np.atleast_2d(theta)
    r_median, r_sd = np.exp(theta[:, 0]), np.exp(theta[:, 1])
    threshold = np.exp(theta[:, 2])
    reaction_background = 1 / (1 + np.exp(-theta[:, 3]))
    background = _trial_backgrounds(theta, arms)
    out = []
    for arm in arms:
        ready = prepared(arm)
        reaction = arm.endpoint == REACTION_ENDPOINT
        b = reaction_background if reaction else background[arm.trial]
        if ready.skin is None:
            out.append(b)
            continue
        o = course_outcome(
            ready.skin,
            ready.assessment_days,
            ready.design,
            _burden_of(arm.indication, theta),
            population_for(arm.indication),
            r_median,
            r_sd,
            threshold,
        )
        out.append(b + (1 - b) * (o.severe_reaction if reaction else o.drug_clearance))
    return np.array(out).T  # (draws, arms)


def log_likelihood(theta: np.ndarray, arms: tuple[TrialArm, ...]) -> np.ndarray:
    """Binomial log-likelihood of the arms' counts for each row of ``theta``."""
    p = np.clip(arm_probabilities(theta, arms), 1e-12, 1 - 1e-12)
    k = np.array([prepared(a).responders for a in arms], dtype=float)
    n = np.array([prepared(a).n for a in arms], dtype=float)
    return (k * np.log(p) + (n - k) * np.log1p(-p)).sum(axis=1)


# --- the fit, kept as data
@functools.cache
def fitted() -> dict[str, object]:
    """The stored calibration (``data/trial_fit.json``): the maximum-likelihood values,
    the arms they came from, and posterior draws of the parameters."""
    return json.loads(FIT_FILE.read_text())


def _draws() -> np.ndarray:
    return np.array(fitted()["draws"], dtype=float)


def _background(indication: str, theta: np.ndarray) -> np.ndarray:
    """Background clearance of an indication for each draw: the mean over its trials with
    a vehicle arm (0 where it has none)."""
    names = fitted()["background_trials"]
    mine = [i for i, t in enumerate(names) if fitted()["trial_indication"][t] == indication]
    if not mine:
        return np.zeros(len(theta))
    return (1 / (1 + np.exp(-theta[:, [FIRST_BACKGROUND + i for i in mine]]))).mean(axis=1)


def _best() -> np.ndarray:
    """The stored maximum-likelihood vector, as one row."""
    return np.array(fitted()["maximum_likelihood"], dtype=float)[None, :]


def _fitted_outcome(
    indication: str,
    schedule: pk.Schedule,
    design: Design,
    theta: np.ndarray,
    population: Population | None = None,
    each: bool = False,
    days: np.ndarray | None = None,
    lesion_counts: np.ndarray | None = None,
) -> ArmPrediction:
    """The virtual patients of ``indication`` in a trial of ``design`` on ``schedule`` at
    each row of ``theta`` (at the design's assessments, or on ``days``; for each of
    ``lesion_counts`` in place of the design's lesions, if given)."""
    population = population or population_for(indication)
    days = assessment_days(design, schedule) if days is None else days
    skin = skin_of(schedule, float(np.max(days)), design, population.permeability_log_sd)
    return course_outcome(
        skin,
        days,
        design,
        _burden_of(indication, theta),
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
    """Clearance (%) of ``indication`` in a trial of the given design, with the 95% band
    of the fitted parameters. Whatever is not given is the label trials'.

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
    both = np.vstack([_best(), _draws()])
    b = _background(indication, both)
    if course.cream_percent == 0:
        drug = ArmPrediction(*(np.zeros(len(both)),) * 4)
    else:
        drug = _fitted_outcome(indication, course, design, both)
    share = 100 * (b + (1 - b) * drug.drug_clearance)
    low, high = np.percentile(share[1:], [2.5, 97.5])
    return Prediction(
        float(share[0]),
        float(min(low, share[0])),
        float(max(high, share[0])),
        float(100 * drug.severe_reaction[0]),
        float(100 * drug.withdrawn[0]),
    )


def _between_nodes(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For standard-normal values ``z``: the permeability node below each and the share of
    the way to the next (for interpolating a course between nodes)."""
    nodes, _ = _quadrature(PERMEABILITY_NODES)
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
    best = _best()
    burden = _burden_of(indication, best)
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
    background = _background(indication, best)[0]
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
            columns.append(_thresholds(log_burden, *levels, detection_log10=design.detection_log10))
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


# --- calibration: maximum likelihood, then the posterior by an ensemble sampler
#: bounds of each fitted number (the transformed scale of PARAMETER_NAMES; backgrounds
#: are logits); the prior is uniform within them
BOUNDS = (
    (math.log(1e-4), math.log(10.0)),
    (math.log(0.05), math.log(3.0)),
    (math.log(1e-5), math.log(10.0)),
    (-8.0, 0.0),
    (0.0, 6.0),
    (0.0, 6.0),
    (0.0, 6.0),
)
BACKGROUND_BOUNDS = (-6.0, 2.0)


def _bounds(arms: tuple[TrialArm, ...]) -> list[tuple[float, float]]:
    return [*BOUNDS, *[BACKGROUND_BOUNDS] * len(background_trials(arms))]


def maximum_likelihood(
    arms: tuple[TrialArm, ...], start: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """Best parameter vector (PARAMETER_NAMES, then backgrounds) and its log-likelihood,
    by bounded quasi-Newton from ``start`` or, without one, from two starts (a narrow and
    a wide patient spread)."""
    from scipy.optimize import minimize

    backgrounds = [-2.0] * len(background_trials(arms))
    starts = (
        [math.log(0.05), math.log(0.7), math.log(0.3), -3.0, 1.0, 1.0, 1.0, *backgrounds],
        [math.log(0.05), math.log(2.0), math.log(0.3), -3.0, 2.0, 1.0, 2.0, *backgrounds],
    )
    if start is not None:
        starts = (np.clip(start, *np.array(_bounds(arms)).T),)
    best = None
    for start in starts:
        found = minimize(
            lambda x: -log_likelihood(x, arms)[0],
            np.array(start),
            method="L-BFGS-B",
            bounds=_bounds(arms),
        )
        if best is None or found.fun < best.fun:
            best = found
    return best.x, float(-best.fun)


def posterior_draws(
    arms: tuple[TrialArm, ...],
    start: np.ndarray,
    *,
    walkers: int = 24,
    steps: int = 700,
    burn_in: int = 350,
    kept: int = 200,
    seed: int = 2026,
) -> np.ndarray:
    """Draws of the parameter vector from its posterior (binomial likelihood, uniform prior
    within BOUNDS), by the affine-invariant ensemble sampler of ``emcee``."""
    import emcee

    bounds = np.array(_bounds(arms))

    def log_posterior(theta: np.ndarray) -> np.ndarray:
        inside = np.all((theta >= bounds[:, 0]) & (theta <= bounds[:, 1]), axis=1)
        out = np.full(len(theta), -np.inf)
        if inside.any():
            out[inside] = log_likelihood(theta[inside], arms)
        return out

    rng = np.random.default_rng(seed)
    spread = 0.05 * (bounds[:, 1] - bounds[:, 0])
    initial = np.clip(
        start + spread * rng.standard_normal((walkers, len(start))),
        bounds[:, 0] + 1e-9,
        bounds[:, 1] - 1e-9,
    )
    sampler = emcee.EnsembleSampler(walkers, len(start), log_posterior, vectorize=True)
    sampler.random_state = np.random.RandomState(seed).get_state()  # reproducible moves
    sampler.run_mcmc(initial, steps, progress=False)
    chain = sampler.get_chain(discard=burn_in, flat=True)
    every = max(1, len(chain) // kept)
    return chain[::every][:kept]


def calibrate(seed: int = 2026) -> dict[str, object]:
    """The whole calibration: every usable arm, the maximum-likelihood values and posterior
    draws, and the leave-one-trial-out predictions. Slow (minutes); the book reads the
    stored result instead."""
    arms = calibration_arms()
    best, log_like = maximum_likelihood(arms)
    draws = posterior_draws(arms, best, seed=seed)
    return {
        "leave_one_trial_out": leave_one_trial_out(best),
        "parameter_names": [
            *PARAMETER_NAMES,
            *(f"logit background {t}" for t in background_trials(arms)),
        ],
        "arms": [arm_id(a) for a in arms],
        "background_trials": list(background_trials(arms)),
        "trial_indication": {a.trial: a.indication for a in arms},
        "maximum_likelihood": [round(float(x), 6) for x in best],
        "log_likelihood": round(log_like, 4),
        "draws": [[round(float(x), 5) for x in row] for row in draws],
    }


def _predicted_share(theta: np.ndarray, arm: TrialArm, background: float) -> float:
    """Modelled share (0–1) of one imiquimod arm at ``theta``, over a given background."""
    drug = float(arm_probabilities(theta[:FIRST_BACKGROUND], (arm,))[0, 0])  # alone: none
    return background + (1 - background) * drug


def _held_out_background(
    theta: np.ndarray, rest: tuple[TrialArm, ...], arms: tuple[TrialArm, ...], trial: str
) -> float:
    """A held-out trial's background clearance: its own vehicle arm's, or, without one,
    the mean that a fit to the ``rest`` gives its indication's trials."""
    vehicle = [
        a
        for a in arms
        if a.trial == trial and a.treatment == "vehicle" and a.endpoint in CLEARANCE_ENDPOINTS
    ]
    if vehicle:
        return vehicle[0].proportion
    indication = next(a.indication for a in arms if a.trial == trial)
    alike = [
        1 / (1 + math.exp(-theta[FIRST_BACKGROUND + i]))
        for i, t in enumerate(background_trials(rest))
        if next(a.indication for a in rest if a.trial == t) == indication
    ]
    return float(np.mean(alike)) if alike else 0.0


def held_out_trials() -> tuple[str, ...]:
    """Trials with an imiquimod clearance arm that the others can predict."""
    return tuple(
        dict.fromkeys(
            a.trial
            for a in calibration_arms()
            if a.treatment == "imiquimod" and a.endpoint in CLEARANCE_ENDPOINTS
        )
    )


def leave_one_trial_out(start: np.ndarray | None = None) -> list[dict[str, object]]:
    """Each trial's imiquimod clearance arms predicted by a fit to every other trial (from
    ``start``, e.g. the fit to all), over the trial's own vehicle arm (or, without one, the
    mean background of its indication's other trials). Slow: one fit per trial; the stored
    calibration keeps the result."""
    arms = calibration_arms()
    rows = []
    for trial in held_out_trials():
        rest = tuple(a for a in arms if a.trial != trial)
        theta, _ = maximum_likelihood(
            rest, None if start is None else _drop_backgrounds(start, arms, trial)
        )
        background = _held_out_background(theta, rest, arms, trial)
        for arm in arms:
            if arm.trial == trial and arm.treatment == "imiquimod":
                if arm.endpoint in CLEARANCE_ENDPOINTS:
                    share = _predicted_share(theta, arm, background)
                    rows.append({"arm": arm_id(arm), "predicted": round(share, 6)})
    return rows


def _drop_backgrounds(theta: np.ndarray, arms: tuple[TrialArm, ...], trial: str) -> np.ndarray:
    """``theta`` without the background of ``trial`` (for a fit that leaves it out)."""
    keep = [i for i, t in enumerate(background_trials(arms)) if t != trial]
    return np.array([*theta[:FIRST_BACKGROUND], *theta[FIRST_BACKGROUND:][keep]])


#: registry rows that hold the maximum-likelihood values: name → (fitted number, back-transform)
REGISTRY_VALUES = {
    "immune_responsiveness_median": ("log immune_responsiveness_median", math.exp),
    "immune_responsiveness_log_sd": ("log immune_responsiveness_log_sd", math.exp),
    "severe_reaction_threshold": ("log severe_reaction_threshold", math.exp),
    "severe_reaction_background": (
        "logit severe_reaction_background",
        lambda x: 1 / (1 + math.exp(-x)),
    ),
    **{INDICATION[i].burden: (INDICATION[i].burden, float) for i in INDICATIONS},
}


def registry_values(fit: dict[str, object]) -> dict[str, float]:
    """The registry's fitted numbers from a stored calibration (4 significant digits)."""
    best = dict(zip(fit["parameter_names"], fit["maximum_likelihood"], strict=True))
    return {name: float(f"{back(best[key]):.4g}") for name, (key, back) in REGISTRY_VALUES.items()}


def store_in_registry(fit: dict[str, object]) -> None:
    """Write a calibration's values into the registry's fitted rows."""
    import csv
    import io

    from .parameters import REGISTRY_FILE

    values = registry_values(fit)
    rows = list(csv.reader(io.StringIO(REGISTRY_FILE.read_text())))
    for row in rows[1:]:
        if row[1] in values:
            row[4] = f"{values[row[1]]:g}"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    REGISTRY_FILE.write_text(out.getvalue())


def write_fit(path: Path = FIT_FILE, seed: int = 2026) -> None:
    """Run the calibration, store it as data and put its values in the registry
    (``python -m imiquimod_model.trials``)."""
    fit = calibrate(seed)
    path.write_text(json.dumps(fit, indent=1) + "\n")
    store_in_registry(fit)


if __name__ == "__main__":
    write_fit()


# --- honesty: the bands, the misfits and the baseline
@functools.cache
def predictive_bands() -> dict[str, tuple[float, float, float]]:
    """For every calibration arm: the modelled share at the maximum-likelihood values and
    the 95% posterior predictive interval of the share a trial of that arm's size would
    report (parameter draws, then binomial sampling; exact mixture quantiles), all 0–1."""
    from scipy.stats import binom

    arms = calibration_arms()
    best = _best()[0]
    at_best = arm_probabilities(best, arms)[0]
    draws = arm_probabilities(_draws(), arms)  # (draws, arms)
    out = {}
    for j, arm in enumerate(arms):
        n = prepared(arm).n
        k = np.arange(n + 1)
        cdf = binom.cdf(k[None, :], n, draws[:, j][:, None]).mean(axis=0)
        low = k[np.searchsorted(cdf, 0.025)] / n
        high = k[min(np.searchsorted(cdf, 0.975), n)] / n
        out[arm_id(arm)] = (float(at_best[j]), float(low), float(high))
    return out


#: Calibration arms outside their 95% predictive band, with the reason the chapter gives.
#: A test fails when an arm leaves its band without an entry here, or is listed while inside.
KNOWN_MISFITS: dict[str, str] = {
    "Garland2001 | imiquimod | 5% | 3/week | complete clearance": (
        "an open-label trial of the label course in 943 patients cleared 47.8%, a little "
        "above the model's narrow band for so large a trial (about 40 to 47%); the two "
        "randomised wart trials of the same course sit above the model too"
    ),
    "Krawtchenko2007 | imiquimod | 5% | 3/week | initial clinical clearance": (
        "22 of 26 patients cleared after one or two 4-week courses, far more than the "
        "16-week trials (45% and 48%); the model accumulates killing week by week, so a "
        "short course clears fewer; the rest between courses and the time of assessment "
        "are assumed, and the trial's lesion counts were not reported"
    ),
    "Geisse2002 | imiquimod | 5% | 3/week | histological clearance": (
        "the model's response to frequency is shallow: tolerance and the slowly fading "
        "mast-cell and killer states let a week's kill rise little with more applications, "
        "so 3 a week comes close to 5 a week; the trial found 52% against 81%"
    ),
}


def one_hit_leave_one_trial_out() -> list[dict[str, object]]:
    """The baseline: chapter 4's fitted one-hit link, each trial's imiquimod arms predicted
    from the other trials of its indication, over the trial's own vehicle arm."""
    from .outcomes import _arrays, _fit, arm_exposure, clearance_probability, fitted_arms

    rows = []
    for indication in INDICATIONS:
        arms = fitted_arms(indication)
        for trial in dict.fromkeys(a.trial for a in arms):
            rest = tuple(a for a in arms if a.trial != trial)
            if not any(a.treatment == "imiquimod" for a in rest):
                continue  # nothing left to estimate the potency from
            _, potency = _fit(*_arrays(rest))
            vehicle = [a.proportion for a in arms if a.trial == trial and a.treatment == "vehicle"]
            background = vehicle[0] if vehicle else 0.0
            for arm in arms:
                if arm.trial == trial and arm.treatment == "imiquimod":
                    share = clearance_probability(arm_exposure(arm), background, potency)
                    rows.append({"arm": arm_id(arm), "predicted": float(share)})
    return rows


def indication_average_leave_one_trial_out() -> list[dict[str, object]]:
    """The plainest baseline: each trial's imiquimod clearance arms predicted by the mean
    share of its indication's other trials' imiquimod clearance arms (no model at all)."""
    arms = [
        a
        for a in calibration_arms()
        if a.treatment == "imiquimod" and a.endpoint in CLEARANCE_ENDPOINTS
    ]
    rows = []
    for arm in arms:
        others = [
            a.proportion for a in arms if a.indication == arm.indication and a.trial != arm.trial
        ]
        if others:
            rows.append({"arm": arm_id(arm), "predicted": float(np.mean(others))})
    return rows


def time_course(
    indication: str,
    schedule: pk.Schedule,
    weeks: np.ndarray,
    draws: int = 40,
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
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= len(_draws()):
        raise ValueError(f"draws = {draws!r} must be a whole number from 1 to {len(_draws())}")
    weeks = real_numbers("weeks", weeks, "weeks")
    if weeks.ndim != 1 or not np.all(np.isfinite(weeks)) or np.any((weeks < 0) | (weeks > 520)):
        raise ValueError("weeks must be a list of weeks from 0 to 520 after the first application")
    days = DAYS_PER_WEEK * weeks
    best = _best()
    theta = np.vstack([best, _draws()[:: len(_draws()) // draws][:draws]])
    o = _fitted_outcome(indication, schedule, design, theta, each=True, days=days)
    end = schedule.duration_h / HOURS_PER_DAY
    accrued = np.minimum(1.0, days / end)  # vehicle clearance taken to accrue over the course
    b = _background(indication, theta)[:, None] * accrued[None, :]
    patients = 100 * (b + (1 - b) * o.drug_clearance)
    low, high = np.percentile(patients[1:], [2.5, 97.5], axis=0)
    reaction_background = 1 / (1 + math.exp(-best[0, 3]))
    return {
        "weeks": np.asarray(weeks, dtype=float),
        "patients_clear": patients[0],
        "patients_clear_low": np.minimum(low, patients[0]),
        "patients_clear_high": np.maximum(high, patients[0]),
        "lesions_clear": 100 * (b[0] + (1 - b[0]) * o.lesion_clearance[0]),
        "severe_reaction": 100
        * (reaction_background + (1 - reaction_background) * o.severe_reaction[0]),
        "withdrawn": 100 * o.withdrawn[0],
    }


def clearance_by_lesion_count(
    indication: str,
    schedule: pk.Schedule | None = None,
    *,
    lesion_counts: np.ndarray,
    draws: int = 40,
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
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= len(_draws()):
        raise ValueError(f"draws = {draws!r} must be a whole number from 1 to {len(_draws())}")
    design = design_for(indication, body_site=body_site, sex=sex)
    theta = np.vstack([_best(), _draws()[:: len(_draws()) // draws][:draws]])
    b = _background(indication, theta)[:, None]
    if course.cream_percent == 0:
        drug = np.zeros((len(theta), len(counts)))
    else:
        drug = _fitted_outcome(
            indication, course, design, theta, lesion_counts=counts
        ).drug_clearance
    share = 100 * (b + (1 - b) * drug)
    low, high = np.percentile(share[1:], [2.5, 97.5], axis=0)
    return {
        "lesions": counts,
        "percent": share[0],
        "low": np.minimum(low, share[0]),
        "high": np.maximum(high, share[0]),
    }


# --- how much the predictions rest on the assumed numbers
#: assumed numbers of the virtual patients → the Population field each sets (None: see code)
PATIENT_ASSUMPTIONS: dict[str, str | None] = {
    "skin_permeability_log_sd": "permeability_log_sd",
    "ak_lesions_per_patient": None,
    "egw_warts_per_patient": None,
    "lesion_log10_burden_sd": "burden_sd",
    "severe_reaction_log_sd": "reaction_log_sd",
    "withdrawal_share_of_severe_reactions": "withdrawal_share",
    "residual_regrowth_rate_per_day": "growth_per_day",
    "bcc_residual_regrowth_rate_per_day": "growth_per_day",
    "one_cell_log10": "one_cell_log10",
}


def label_prediction(indication: str, **assumptions: float) -> float:
    """Clearance (%) at the label regimen at the fitted values, with some assumed numbers of
    PATIENT_ASSUMPTIONS moved (the fit is not redone: what the assumption alone does)."""
    chosen = indication_named(indication)
    unknown = set(assumptions) - set(PATIENT_ASSUMPTIONS)
    if unknown:
        raise ValueError(f"not an assumed number of the virtual patients: {sorted(unknown)}")
    values = {name: validate(name, value) for name, value in assumptions.items()}
    best = _best()
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
    drug = _fitted_outcome(
        indication, chosen.label, design, best, population_for(indication, **fields)
    )
    b = _background(indication, best)[0]
    return float(100 * (b + (1 - b) * drug.drug_clearance[0]))
