"""Scores in the open: leave-one-trial-out predictions with their bands, the baselines the
model must beat, and the misfits.
"""

from __future__ import annotations

import functools
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from ..outcomes import INDICATIONS, TrialArm, arm_id
from .bands import (
    count_quantiles,
    expected_miss,
    own_trial_shares,
    same_trial_count_quantiles,
    trial_log_density,
)
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
    sex_arms,
)
from .selection import (
    SetFit,
    Values,
    effective_sample_size,
    normalised,
    weighted_quantiles,
)
from .stacking import nested_stacking_weights
from .store import draw_sets, fitted, posterior_sample, stored_sets


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


def _weighed_by_sex(arm: TrialArm, share_of) -> float:
    """``share_of(arm)``, or for a mixed arm fitted as its women and men apart
    (:func:`.calibration.sex_arms`) their shares weighed by their numbers of patients."""
    parts = sex_arms(arm) or (arm,)
    return float(np.average([share_of(p) for p in parts], weights=[p.likelihood_n for p in parts]))


def modelled_share(arm: TrialArm) -> float:
    """The stored fit's median share (0–1) for a calibration arm (a mixed arm fitted as its
    women and men apart: their shares weighed by their numbers)."""
    return _weighed_by_sex(arm, lambda part: predictive_bands()[arm_id(part)][0])


def share_in_its_trial(arm: TrialArm) -> float:
    """The stored fit's median share (0–1) for ``arm`` in the trial that reported it, with
    the trial's own shift as its fitted clearance arms imply it
    (:func:`.bands.own_trial_shares`), not an average trial's. ``arm`` may be a calibration
    arm or the same trial's patients on another design (for example assessed later); a
    mixed arm fitted as its women and men apart is their shares weighed by their numbers."""
    return _weighed_by_sex(arm, _share_in_its_trial)


@functools.cache
def _stored_parts(arms: tuple[TrialArm, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every stored draw (rows, in the stored order) and each of ``arms``: the share
    without the drug and the drug's share of the rest (:func:`.calibration.arm_parts`), and
    per arm whether the trial's shift moves it."""
    theta, sets, values = posterior_sample(), draw_sets(), stored_sets()
    base, effect = np.empty((len(theta), len(arms))), np.empty((len(theta), len(arms)))
    for i in sorted(set(sets.tolist())):
        mine = sets == i
        base[mine], effect[mine], shifts = arm_parts(
            theta[mine], arms, values[i], fitted_with=calibration_arms()
        )
    return base, effect, shifts


@functools.cache
def _own_shift_evidence(trial: str) -> tuple[tuple[TrialArm, ...], tuple[np.ndarray, ...]]:
    """A trial's fitted clearance arms that its shift moves, and what says where that shift
    lies, per stored draw: their shares without the drug and the drug's, the spread between
    trials, and their counts (the arguments of :func:`.bands.own_trial_shares`)."""
    reported = tuple(
        a for a in calibration_arms() if a.trial == trial and a.endpoint in CLEARANCE_ENDPOINTS
    )
    if not reported:
        raise ValueError(f"trial {trial!r} has no fitted clearance arm to estimate its shift")
    base, effect, shifts = _stored_parts(reported)
    moved = tuple(a for a, s in zip(reported, shifts, strict=True) if s)
    k = np.array([prepared(a).responders for a in moved], dtype=float)
    n = np.array([prepared(a).n for a in moved], dtype=float)
    spread = np.exp(posterior_sample()[:, TRIAL_SPREAD])
    return moved, (base[:, shifts], effect[:, shifts], spread, k, n)


@functools.cache
def _share_in_its_trial(arm: TrialArm) -> float:
    """:func:`share_in_its_trial` for one arm fitted as it is."""
    target_base, target_effect, target_shifts = _stored_parts((arm,))
    if not target_shifts[0]:  # an endpoint the trial's shift does not move
        return float(np.median(target_base + (1 - target_base) * target_effect))
    _, evidence = _own_shift_evidence(arm.trial)
    return float(np.median(own_trial_shares(*evidence, target_base, target_effect)[:, 0]))


def same_trial_band(arm: TrialArm) -> tuple[float, float] | None:
    """The 95% interval (0–1) of the share a calibration arm would report were its trial run
    again with as many new patients: the trial's own shift as its counts imply, not a new
    trial's (:func:`.bands.same_trial_count_quantiles`); None for an arm the trial's shift
    does not move (vehicle, severe reactions, the residue histology finds)."""
    if arm.endpoint not in CLEARANCE_ENDPOINTS:
        return None
    moved, evidence = _own_shift_evidence(arm.trial)
    if arm not in moved:
        return None
    low, high = same_trial_count_quantiles(*evidence, (0.025, 0.975))[moved.index(arm)]
    return float(low), float(high)


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
                    rows += [{"arm": arm_id(a), "predicted": float(share)} for a in _fitted_as(arm)]
    return rows


def _fitted_as(arm: TrialArm) -> tuple[TrialArm, ...]:
    """The calibration arms that carry ``arm``: itself, or its women and men where the
    trial reports them apart (the link knows no sex: one share for both)."""
    return sex_arms(arm) or (arm,)


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


def held_out_refits(
    fits: list[SetFit],
    arms: tuple[TrialArm, ...],
    draws: int = 96,
    seed: int = 2026,
    workers: int = 2,
) -> dict[str, list[tuple[float, np.ndarray, np.ndarray]]]:
    """Every set of ``fits`` refitted without each trial in turn (its normal approximation
    reused): for each held-out trial, per set, the log marginal likelihood of the rest,
    draws of the fitted numbers and their log importance weights."""
    jobs = [
        (trial, fit, arms, draws, seed + k)
        for trial in held_out_trials()
        for k, fit in enumerate(fits)
    ]
    with ProcessPoolExecutor(workers) as pool:
        refits = iter(pool.map(_refit_without, jobs))
    return {trial: [next(refits) for _ in fits] for trial in held_out_trials()}


#: one set's prediction of a held-out trial: its scored arms, then per draw the background
#: and drug effect (draws × arms), the spread between trials and the normalised weight
HeldOutParts = tuple[tuple[TrialArm, ...], np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _held_out_parts(
    trial: str, refit: tuple, fit: SetFit, arms: tuple[TrialArm, ...]
) -> HeldOutParts:
    """One set's prediction of a held-out trial's imiquimod clearance arms, from its refit
    without the trial (the chain's effect is read once here, for every later use)."""
    _, theta, log_w = refit
    rest = tuple(a for a in arms if a.trial != trial)
    scored = tuple(
        a
        for a in arms
        if a.trial == trial and a.treatment == "imiquimod" and a.endpoint in CLEARANCE_ENDPOINTS
    )
    base = _held_out_backgrounds(theta, rest, arms, trial)
    _, effect, _ = arm_parts(theta[:, :FIRST_BACKGROUND], scored, fit.values)
    base = np.repeat(base[:, None], len(scored), axis=1)
    return scored, base, effect, np.exp(theta[:, TRIAL_SPREAD]), normalised(log_w)


def held_out_log_densities(parts: dict[str, list[HeldOutParts]]) -> np.ndarray:
    """Each set's log predictive density (sets × held-out trials) of the counts a trial
    left out reported in its imiquimod clearance arms, from the set refitted without it
    (``parts``: per trial, per set, :func:`_held_out_parts`): the score by which stacking
    weighs the sets."""
    columns = []
    for found in parts.values():
        scored = found[0][0]
        responders = np.array([prepared(a).responders for a in scored])
        n = np.array([prepared(a).n for a in scored])
        columns.append([trial_log_density(b, e, s, responders, n, w) for _, b, e, s, w in found])
    return np.array(columns).T


def leave_one_trial_out(
    fits: list[SetFit],
    arms: tuple[TrialArm, ...],
    draws: int = 96,
    seed: int = 2026,
    workers: int = 2,
) -> tuple[list[dict[str, object]], np.ndarray, list[dict[str, object]]]:
    """Each trial's imiquimod clearance arms predicted from every other trial: each set of
    assumed numbers in ``fits`` refitted without the trial, the sets weighed by stacking on
    the other trials alone (:func:`.stacking.nested_stacking_weights`), then where a new
    trial of that design and size would report (the spread between trials, binomial
    sampling): the median share of a trial of average responsiveness, the central bands of
    SCORED_BANDS, and the effective number of sets behind it. Also returns every set's log
    predictive density of every trial left out (sets × trials), which stacking weighs, and
    the same rows with the sets weighed instead by their marginal likelihood without the
    trial times their importance correction (Bayesian model averaging), for comparison."""
    refits = held_out_refits(fits, arms, draws, seed, workers)
    parts = {
        trial: [_held_out_parts(trial, r, f, arms) for r, f in zip(found, fits, strict=True)]
        for trial, found in refits.items()
    }
    log_density = held_out_log_densities(parts)
    nested = nested_stacking_weights(log_density)
    stacked: list[dict[str, object]] = []
    averaged: list[dict[str, object]] = []
    for j, (trial, found) in enumerate(refits.items()):
        stacked += _held_out_rows(parts[trial], nested[j])
        by_evidence = normalised(
            np.array(
                [e + f.log_prior_over_proposal for (e, _, _), f in zip(found, fits, strict=True)]
            )
        )
        averaged += _held_out_rows(parts[trial], by_evidence)
    return stacked, log_density, averaged


def _held_out_rows(parts: list[HeldOutParts], set_weight: np.ndarray) -> list[dict[str, object]]:
    """The rows of :func:`leave_one_trial_out` for one trial, from each set's
    :func:`_held_out_parts`, the sets weighed by ``set_weight`` (summing to 1) and each
    set's draws by their own weights."""
    used = [m for m in range(len(parts)) if set_weight[m] > 1e-9]  # the rest cannot move it
    scored = parts[0][0]
    base = np.vstack([parts[m][1] for m in used])
    effect = np.vstack([parts[m][2] for m in used])
    spread = np.concatenate([parts[m][3] for m in used])
    weights = np.concatenate([set_weight[m] * parts[m][4] for m in used])
    weights = weights / weights.sum()
    rows = []
    for i, arm in enumerate(scored):
        band = count_quantiles(
            base[:, i], effect[:, i], spread, prepared(arm).n, SCORED_QUANTILES, weights
        )
        share = base[:, i] + (1 - base[:, i]) * effect[:, i]
        predicted = weighted_quantiles(share, weights, (0.5,))[0]
        miss = expected_miss(base[:, i], effect[:, i], spread, prepared(arm).n, predicted, weights)
        rows.append(
            {
                "arm": arm_id(arm),
                "predicted": round(predicted, 6),
                "expected_miss": round(miss, 6),
                **{
                    f"q{round(1000 * level):03d}": round(float(v), 6)
                    for level, v in zip(SCORED_QUANTILES, band, strict=True)
                },
                "effective_sets": round(effective_sample_size(set_weight), 2),
            }
        )
    return rows
