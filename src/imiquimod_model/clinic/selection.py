"""The virtual population: plausible sets of the assumed numbers, each calibrated to the
trial arms, weighed by how well it explains them.

For each set ``a`` of assumed numbers (:mod:`.assumptions`) the fitted numbers ``θ`` are
found at their posterior mode given ``a``, and drawn from a normal distribution there
(Laplace) cut to their bounds, each draw weighed by the posterior over that density. The
mean weight estimates the set's marginal likelihood ``p(y | a)``; the set's weight is that
times its prior density over the density it was drawn with (:mod:`.proposal`), so that the
weighed sample is a posterior of the assumed and the fitted numbers together.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..outcomes import INDICATIONS, TrialArm
from .assumptions import Values, plausible, sobol_units, values_at
from .calibration import (
    BOUNDS,
    ROUGH_MODE_TOLERANCE,
    burden_index,
    importance_draws,
    laplace_covariance,
    log_posterior,
    posterior_mode,
    prepared,
)
from .proposal import (
    Proposal,
    chosen,
    log_chosen_over_pool,
    log_prior_over_proposal,
    quick_log_likelihoods,
    selection_probabilities,
)


@dataclass(frozen=True)
class SetFit:
    """One set of assumed numbers, calibrated: its fitted numbers' mode and normal
    approximation, draws from the approximation (within the bounds) with each trial's
    log-likelihood and each draw's log importance weight, and the set's log marginal
    likelihood those weights estimate."""

    values: Values
    mode: np.ndarray
    covariance: np.ndarray
    log_evidence: float
    draws: np.ndarray  # (K, parameters)
    trial_log_likelihoods: np.ndarray  # (K, trials)
    draw_log_weights: np.ndarray  # (K,) posterior over the normal approximation
    log_prior_over_proposal: float = 0.0  # the set's importance correction


def _screened(units: np.ndarray, count: int, workers: int) -> tuple[np.ndarray, int, int]:
    """The first ``count`` rows of ``units`` (prior quantiles) whose sets keep every
    verdict of Drobits et al., how many rows were screened and how many of those passed."""
    kept: list[np.ndarray] = []
    screened = passed = 0
    with ProcessPoolExecutor(workers) as pool:
        for start in range(0, len(units), 32 * workers):
            batch = units[start : start + 32 * workers]
            ok = list(pool.map(plausible, [values_at(row) for row in batch]))
            screened += len(batch)
            passed += sum(ok)
            kept += [row for row, good in zip(batch, ok, strict=True) if good]
            if len(kept) >= count:
                break
    return np.array(kept[:count]), screened, passed


@dataclass(frozen=True)
class DrawnSets:
    """The sets of assumed numbers chosen for calibration: the first ``from_priors`` drawn
    from the priors, the rest from the proposal's local half; how many candidates each half
    screened, the share that passed, how many plausible candidates each put in the pool, each
    chosen set's log importance correction (``log prior − log q`` plus its
    :func:`.proposal.log_chosen_over_pool`) and, for the record, its quick log-likelihood,
    times chosen and probability of being chosen."""

    values: list[Values]
    from_priors: int
    screened: tuple[int, int]
    passed: tuple[float, float]
    pool: tuple[int, int]
    log_prior_over_proposal: np.ndarray
    quick: np.ndarray
    times: np.ndarray
    probabilities: np.ndarray


#: plausible candidates in the pool from each half of the mixture
POOL_PER_HALF = 128


def draw_population(
    count: int,
    proposal: Proposal,
    arms: tuple[TrialArm, ...],
    theta: np.ndarray,
    seed: int = 2026,
    workers: int = 2,
    pool_per_half: int = POOL_PER_HALF,
) -> DrawnSets:
    """The sets to calibrate: a pool of plausible candidates, up to ``pool_per_half`` from
    the priors and as many from the ``proposal``'s local half (scrambled Sobol points, at
    most 4096 candidates each), each read quickly at the fitted numbers ``theta``
    (:func:`.proposal.quick_log_likelihoods`); then ``count`` choices among them, leaning
    to those the quick reading and the importance correction favour. The correction for
    having been chosen keeps the weighed sample a posterior however the choice leans."""
    candidates = (
        sobol_units(4096, seed),
        proposal.local_units(sobol_units(4096, seed + 1)),
    )
    found = [_screened(u, pool_per_half, workers) for u in candidates]
    units = np.vstack([u for u, _, _ in found])
    kept = (len(found[0][0]), len(found[1][0]))
    passed = tuple(good / screened for _, screened, good in found)
    correction = log_prior_over_proposal(units, proposal, kept, passed)
    values = [values_at(row) for row in units]
    quick = quick_log_likelihoods(values, arms, theta, workers)
    probabilities = selection_probabilities(quick + correction)
    which, times = chosen(probabilities, count, seed)
    return DrawnSets(
        [values[i] for i in which],
        int(np.sum(which < kept[0])),
        (found[0][1], found[1][1]),
        passed,
        kept,
        correction[which] + log_chosen_over_pool(times, probabilities[which], count),
        quick[which],
        times,
        probabilities[which],
    )


def fit_set(
    values: Values, arms: tuple[TrialArm, ...], start: np.ndarray, draws: int, seed: int
) -> SetFit:
    """Calibrate one set of assumed numbers: the mode from ``start``, the Laplace
    covariance, ``draws`` draws from the normal approximation cut to the bounds (where the
    prior is not 0) weighed by the posterior over that cut normal, and the marginal
    likelihood their weights estimate."""
    for arm in arms:
        prepared(arm, values)  # its chains, solved once
    mode, _ = posterior_mode(arms, start, values, ROUGH_MODE_TOLERANCE)
    cov = laplace_covariance(mode, arms, values)
    theta, per_trial, log_w, evidence = importance_draws(mode, cov, arms, values, draws, seed)
    return SetFit(values, mode, cov, evidence, theta, per_trial, log_w)


def _fit_one(job: tuple) -> SetFit:
    return fit_set(*job)


def fit_population(
    sets: list[Values],
    arms: tuple[TrialArm, ...],
    start: np.ndarray,
    draws: int = 128,
    seed: int = 2026,
    workers: int = 2,
) -> list[SetFit]:
    """Calibrate every set (in ``workers`` processes), each from ``start``."""
    jobs = [(s, arms, start, draws, seed + i) for i, s in enumerate(sets)]
    if workers <= 1 or os.environ.get("IMIQUIMOD_SERIAL"):
        return [_fit_one(j) for j in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_fit_one, jobs))


def pooled_log_weights(draw_log_weights: list[np.ndarray], corrections: list[float]) -> np.ndarray:
    """Every set's draws together, each weighed by its importance weight over its set's
    number of draws and by its set's importance correction: a set's draws then sum to its
    marginal likelihood times its correction."""
    return np.concatenate(
        [c + w - np.log(max(len(w), 1)) for w, c in zip(draw_log_weights, corrections, strict=True)]
    )


def normalised(log_weights: np.ndarray) -> np.ndarray:
    """Weights (summing to 1) from log-weights."""
    w = np.exp(log_weights - np.max(log_weights))
    return w / w.sum()


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of normalised importance weights."""
    return float(1.0 / np.sum(weights**2))


def pooled(fits: list[SetFit]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every set's draws together: parameter vectors, the set each came from, log-weights
    (each set's marginal likelihood times its importance correction, shared among its
    draws by their own weights) and each trial's log-likelihood."""
    theta = np.vstack([f.draws for f in fits])
    which = np.concatenate([np.full(len(f.draws), i) for i, f in enumerate(fits)])
    log_w = pooled_log_weights(
        [f.draw_log_weights for f in fits], [f.log_prior_over_proposal for f in fits]
    )
    per_trial = np.vstack([f.trial_log_likelihoods for f in fits])
    return theta, which, log_w, per_trial


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, q: tuple[float, ...]) -> list:
    """Quantiles ``q`` (0–1) of ``values`` drawn with normalised ``weights``."""
    return [
        float(np.percentile(values, 100 * level, weights=weights, method="inverted_cdf"))
        for level in q
    ]


def mirrored_lesion_size(mode: np.ndarray, indication: str) -> np.ndarray:
    """``mode`` with ``indication``'s mean lesion size (log10 of the smallest lesion seen in
    clinic) moved to the mirror image of its place in its range: a start for another search
    of a set's posterior."""
    out = np.array(mode, dtype=float)
    i = burden_index(indication)
    low, high = BOUNDS[i]
    out[i] = low + high - out[i]
    return out


def _other_searches(job: tuple) -> list[tuple[np.ndarray, float]]:
    values, mode, arms = job
    at = float(log_posterior(mode, arms, values)[0])
    found = [posterior_mode(arms, mirrored_lesion_size(mode, i), values) for i in INDICATIONS]
    return [(peak, log_post - at) for peak, log_post in found]


def other_searches(
    sets: list[Values], modes: list[np.ndarray], arms: tuple[TrialArm, ...], workers: int = 2
) -> list[list[dict[str, object]]]:
    """For each set and the mode its draws sit at, the modes found by searching again from
    that mode with one indication's lesion size mirrored in its range, indication by
    indication (INDICATIONS' order; :func:`mirrored_lesion_size`): each mode, and how much
    more probable it is than the set's own (log units; below 0 where less). Where a set's
    posterior has one peak every search returns to it (a gain of about 0); a gain above 0
    is a peak the set's draws missed."""
    jobs = [(v, np.asarray(m, dtype=float), arms) for v, m in zip(sets, modes, strict=True)]
    with ProcessPoolExecutor(workers) as pool:
        found = list(pool.map(_other_searches, jobs))
    return [
        [
            {"mode": [round(float(x), 6) for x in peak], "log_posterior_gain": round(gain, 4)}
            for peak, gain in searches
        ]
        for searches in found
    ]
