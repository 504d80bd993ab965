"""Scores in the open: leave-one-trial-out predictions with their bands, the baselines the
model must beat, and the misfits.
"""

from __future__ import annotations

import functools
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from ..outcomes import INDICATIONS, TrialArm, arm_id
from .bands import count_quantiles
from .calibration import (
    CLEARANCE_ENDPOINTS,
    FIRST_BACKGROUND,
    ROUGH_MODE_TOLERANCE,
    TRIAL_SPREAD,
    arm_parts,
    background_trials,
    calibration_arms,
    importance_draws,
    indication_mean_background,
    posterior_mode,
    prepared,
)
from .selection import (
    SetFit,
    Values,
    effective_sample_size,
    normalised,
    pooled_log_weights,
    weighted_quantiles,
)
from .store import fitted


def held_out_trials() -> tuple[str, ...]:
    """Trials with an imiquimod clearance arm that the others can predict."""
    return tuple(
        dict.fromkeys(
            a.trial
            for a in calibration_arms()
            if a.treatment == "imiquimod" and a.endpoint in CLEARANCE_ENDPOINTS
        )
    )


#: the central predictive bands that leave-one-trial-out scores (nominal coverage, %)
SCORED_BANDS = (20, 40, 50, 60, 80, 90)
SCORED_QUANTILES = tuple(
    sorted(
        {round((100 - b) / 200, 3) for b in SCORED_BANDS}
        | {round((100 + b) / 200, 3) for b in SCORED_BANDS}
    )
)


# --- honesty: the bands, the misfits and the baseline
def in_sample_bands(
    theta: np.ndarray, sets: np.ndarray, values: list[Values], arms: tuple[TrialArm, ...]
) -> dict[str, list[float]]:
    """For every calibration arm, over posterior draws ``theta`` (each with the set of
    assumed numbers ``values[sets[i]]``): the median share of a trial of average
    responsiveness and the 95% predictive interval of the share a new trial of that arm's
    design and size would report (the spread between trials, binomial sampling), 0–1."""
    base = np.zeros((len(theta), len(arms)))
    effect = np.zeros((len(theta), len(arms)))
    for i in sorted(set(sets.tolist())):
        mine = sets == i
        base[mine], effect[mine], shifts = arm_parts(theta[mine], arms, values[i])
    spread = np.exp(theta[:, TRIAL_SPREAD])
    out = {}
    for j, arm in enumerate(arms):
        moves = spread if shifts[j] else np.zeros(len(theta))
        n = prepared(arm).n
        low, high = count_quantiles(base[:, j], effect[:, j], moves, n, (0.025, 0.975))
        middle = float(np.median(base[:, j] + (1 - base[:, j]) * effect[:, j]))
        out[arm_id(arm)] = [round(middle, 6), float(low), float(high)]
    return out


@functools.cache
def predictive_bands() -> dict[str, tuple[float, float, float]]:
    """For every calibration arm, as stored by the calibration (:func:`in_sample_bands`):
    the median modelled share and the 95% interval where a new trial of that arm's design
    and size would report, all 0–1."""
    return {arm: tuple(band) for arm, band in fitted()["predictive_bands"].items()}


#: Calibration arms outside their 95% predictive band, with the reason the chapter gives.
#: A test fails when an arm leaves its band without an entry here, or is listed while inside.
KNOWN_MISFITS: dict[str, str] = {}


def one_hit_leave_one_trial_out() -> list[dict[str, object]]:
    """The baseline: chapter 4's fitted one-hit link, each trial's imiquimod arms predicted
    from the other trials of its indication, over the trial's own vehicle arm."""
    from ..outcomes import _arrays, _fit, arm_exposure, clearance_probability, fitted_arms

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


def _held_out_backgrounds(
    theta: np.ndarray, rest: tuple[TrialArm, ...], arms: tuple[TrialArm, ...], trial: str
) -> np.ndarray:
    """A held-out trial's background clearance for each row of ``theta`` (a fit to the
    ``rest``): its own vehicle arm's share, or, without one, the mean of its indication's
    vehicle-controlled trials' backgrounds in that row."""
    vehicle = [
        a
        for a in arms
        if a.trial == trial and a.treatment == "vehicle" and a.endpoint in CLEARANCE_ENDPOINTS
    ]
    if vehicle:
        return np.full(len(theta), vehicle[0].proportion)
    indication_of = {a.trial: a.indication for a in arms}
    return indication_mean_background(
        theta, list(background_trials(rest)), indication_of, indication_of[trial]
    )


def _refit_without(job: tuple) -> tuple[float, np.ndarray, np.ndarray]:
    """One set of assumed numbers refitted without one trial: its log marginal likelihood,
    draws of the fitted numbers and their log importance weights (the set's normal
    approximation reused, at the new mode)."""
    trial, fit, arms, draws, seed = job
    rest = tuple(a for a in arms if a.trial != trial)
    kept = background_trials(rest)
    keep = [*range(FIRST_BACKGROUND)] + [
        FIRST_BACKGROUND + i for i, t in enumerate(background_trials(arms)) if t in kept
    ]
    mode, _ = posterior_mode(rest, fit.mode[keep], fit.values, ROUGH_MODE_TOLERANCE)
    cov = fit.covariance[np.ix_(keep, keep)]
    theta, _, log_w, evidence = importance_draws(mode, cov, rest, fit.values, draws, seed)
    return evidence, theta, log_w


def leave_one_trial_out(
    fits: list[SetFit],
    arms: tuple[TrialArm, ...],
    draws: int = 96,
    seed: int = 2026,
    workers: int = 2,
) -> list[dict[str, object]]:
    """Each trial's imiquimod clearance arms predicted from every other trial: each set of
    assumed numbers in ``fits`` refitted without the trial and weighed again by its
    marginal likelihood without it (its normal approximation reused), then where a new
    trial of that design and size would report (the spread between trials, binomial
    sampling): the median share of a trial of average responsiveness, the central bands
    of SCORED_BANDS, and the effective number of sets behind it."""
    jobs = [
        (trial, fit, arms, draws, seed + k)
        for trial in held_out_trials()
        for k, fit in enumerate(fits)
    ]
    with ProcessPoolExecutor(workers) as pool:
        refits = iter(pool.map(_refit_without, jobs))
    out: list[dict[str, object]] = []
    for trial in held_out_trials():
        out += _held_out_rows(trial, [next(refits) for _ in fits], fits, arms)
    return out


def _held_out_rows(
    trial: str, found: list, fits: list[SetFit], arms: tuple[TrialArm, ...]
) -> list[dict[str, object]]:
    """The rows of :func:`leave_one_trial_out` for one trial, from the refits ``found``
    ((log marginal likelihood, draws, their log weights) of the sets of ``fits``, each
    weighed with its importance correction)."""
    set_weight = normalised(
        np.array([e + f.log_prior_over_proposal for (e, _, _), f in zip(found, fits, strict=True)])
    )
    theta = np.vstack([t for _, t, _ in found])
    which = np.concatenate([np.full(len(t), m) for m, (_, t, _) in enumerate(found)])
    weights = normalised(
        pooled_log_weights([w for _, _, w in found], [f.log_prior_over_proposal for f in fits])
    )
    rest = tuple(a for a in arms if a.trial != trial)
    base = _held_out_backgrounds(theta, rest, arms, trial)
    spread = np.exp(theta[:, TRIAL_SPREAD])
    rows = []
    for arm in arms:
        if arm.trial != trial or arm.treatment != "imiquimod":
            continue
        if arm.endpoint not in CLEARANCE_ENDPOINTS:
            continue
        effect = np.zeros(len(theta))
        for m in range(len(found)):
            if set_weight[m] > 1e-9:  # a set with no weight cannot move the band
                mine = which == m
                _, e, _ = arm_parts(theta[mine, :FIRST_BACKGROUND], (arm,), fits[m].values)
                effect[mine] = e[:, 0]
        band = count_quantiles(base, effect, spread, prepared(arm).n, SCORED_QUANTILES, weights)
        share = base + (1 - base) * effect
        rows.append(
            {
                "arm": arm_id(arm),
                "predicted": round(weighted_quantiles(share, weights, (0.5,))[0], 6),
                **{
                    f"q{round(1000 * level):03d}": round(float(v), 6)
                    for level, v in zip(SCORED_QUANTILES, band, strict=True)
                },
                "effective_sets": round(effective_sample_size(set_weight), 2),
            }
        )
    return rows
