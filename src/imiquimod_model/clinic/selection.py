"""The virtual population: plausible sets of the assumed numbers, each calibrated to the
trial arms, weighed by how well it explains them.

For each set ``a`` of assumed numbers (:mod:`.assumptions`) the fitted numbers ``θ`` are
found at their posterior mode given ``a``, and their posterior given ``a`` is approximated
by a normal distribution there (Laplace). The set's weight is its marginal likelihood by
the same approximation, ``p(y | a) ≈ p(y, θ̂ | a)·(2π)^(d/2)·|Σ|^(1/2)``; the sets are
draws from the prior, so these weights make the sample a posterior of the assumed and the
fitted numbers together.

Examples
--------
>>> systematic_resample(np.array([0.0, 1.0, 0.0]), 3, seed=1).tolist()
[1, 1, 1]
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..outcomes import TrialArm
from ..parameters import value_of
from .assumptions import assumption_sets, plausible
from .calibration import (
    arm_schedule,
    laplace_covariance,
    laplace_evidence,
    laplace_sample,
    posterior_mode,
    prepared,
    trial_log_likelihoods,
)
from .courses import skins_of

Values = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class SetFit:
    """One set of assumed numbers, calibrated: its fitted numbers' mode and normal
    approximation, its log marginal likelihood by that approximation, and draws from the
    approximation (within the bounds) with each trial's log-likelihood."""

    values: Values
    mode: np.ndarray
    covariance: np.ndarray
    log_evidence: float
    draws: np.ndarray  # (K, parameters)
    trial_log_likelihoods: np.ndarray  # (K, trials)


def plausible_sets(count: int, seed: int = 2026, workers: int = 2) -> tuple[list[Values], int]:
    """The first ``count`` sets of a Sobol sequence over the priors that keep every verdict
    of Drobits et al. (at most 4096 candidates are screened), and how many were screened."""
    candidates = assumption_sets(4096, seed)
    kept: list[Values] = []
    screened = 0
    with ProcessPoolExecutor(workers) as pool:
        for start in range(0, len(candidates), 32 * workers):
            batch = candidates[start : start + 32 * workers]
            screened += len(batch)
            kept += [s for s, ok in zip(batch, pool.map(plausible, batch), strict=True) if ok]
            if len(kept) >= count:
                break
    return kept[:count], screened


def solve_chains(arms: tuple[TrialArm, ...], sets: list[Values]) -> None:
    """Solve (and store) every arm's courses for every set at once, one vectorised pass per
    arm, so that each set's calibration finds them ready."""
    for arm in arms:
        ready = prepared(arm)
        if ready.skin is None:
            continue
        requests = tuple((value_of("skin_permeability_log_sd", v), v) for v in sets)
        skins_of(arm_schedule(arm), float(ready.assessment_days.max()), ready.design, requests)


def fit_set(
    values: Values, arms: tuple[TrialArm, ...], start: np.ndarray, draws: int, seed: int
) -> SetFit:
    """Calibrate one set of assumed numbers: the mode from ``start``, the Laplace
    covariance and marginal likelihood, and ``draws`` draws from the normal approximation
    (those outside the bounds, where the prior is 0, are dropped)."""
    for arm in arms:
        prepared(arm, values)  # its chains, solved once
    mode, log_post = posterior_mode(arms, start, values)
    cov = laplace_covariance(mode, arms, values)
    theta = laplace_sample(mode, cov, arms, draws, seed)
    per_trial = trial_log_likelihoods(theta, arms, values)
    return SetFit(values, mode, cov, laplace_evidence(log_post, cov), theta, per_trial)


def _fit_one(job: tuple) -> SetFit:
    return fit_set(*job)


def fit_population(
    sets: list[Values],
    arms: tuple[TrialArm, ...],
    start: np.ndarray,
    draws: int = 24,
    seed: int = 2026,
    workers: int = 2,
) -> list[SetFit]:
    """Calibrate every set (in ``workers`` processes), each from ``start``."""
    jobs = [(s, arms, start, draws, seed + i) for i, s in enumerate(sets)]
    if workers <= 1 or os.environ.get("IMIQUIMOD_SERIAL"):
        return [_fit_one(j) for j in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_fit_one, jobs))


def normalised(log_weights: np.ndarray) -> np.ndarray:
    """Weights (summing to 1) from log-weights."""
    w = np.exp(log_weights - np.max(log_weights))
    return w / w.sum()


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of normalised importance weights."""
    return float(1.0 / np.sum(weights**2))


def systematic_resample(weights: np.ndarray, count: int, seed: int = 2026) -> np.ndarray:
    """Indices of ``count`` draws by systematic resampling of normalised ``weights``."""
    u = (np.random.default_rng(seed).random() + np.arange(count)) / count
    return np.minimum(np.searchsorted(np.cumsum(weights), u), len(weights) - 1)


def pooled(fits: list[SetFit]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every set's draws together: parameter vectors, the set each came from, log-weights
    (each set's marginal likelihood shared among its draws) and each trial's
    log-likelihood."""
    theta = np.vstack([f.draws for f in fits])
    which = np.concatenate([np.full(len(f.draws), i) for i, f in enumerate(fits)])
    log_w = np.concatenate(
        [np.full(len(f.draws), f.log_evidence - np.log(len(f.draws))) for f in fits]
    )
    per_trial = np.vstack([f.trial_log_likelihoods for f in fits])
    return theta, which, log_w, per_trial


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, q: tuple[float, ...]) -> list:
    """Quantiles ``q`` (0–1) of ``values`` drawn with normalised ``weights``."""
    return [
        float(np.percentile(values, 100 * level, weights=weights, method="inverted_cdf"))
        for level in q
    ]
