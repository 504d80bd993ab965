"""Predictive bands: where a new trial of a design may land, over parameter draws, the trial's
own shift and binomial sampling.
"""

from __future__ import annotations

import numpy as np

from .courses import normal_quadrature

#: Gauss–Hermite nodes over a trial's own shift of the logit of the drug's effect
TRIAL_EFFECT_NODES = 16


def shifted_effect(effect: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """The drug's share ``effect`` (0–1) in a trial whose patients respond ``shift`` more,
    on the logit scale, than the model's average trial."""
    logit = np.log(np.clip(effect, 1e-12, 1 - 1e-12)) - np.log1p(-np.clip(effect, 1e-12, 1 - 1e-12))
    return np.where(effect > 0, 1 / (1 + np.exp(-(logit + shift))), 0.0)


def _new_trial_shares(
    base: np.ndarray, effect: np.ndarray, spread: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The share (0–1) a new trial reports at each parameter draw (first axis of ``base``,
    ``effect`` and ``spread``; further axes kept) and each Gauss–Hermite node of its own
    shift (last axis), and the nodes' weights."""
    z, w = normal_quadrature(TRIAL_EFFECT_NODES)
    shift = spread.reshape((-1,) + (1,) * (effect.ndim - 1) + (1,)) * z
    share = base[..., None] + (1 - base[..., None]) * shifted_effect(effect[..., None], shift)
    return share, w


def share_quantiles(
    base: np.ndarray, effect: np.ndarray, spread: np.ndarray, q: tuple[float, ...]
) -> np.ndarray:
    """Quantiles ``q`` (0–1) of the share (0–1) a new trial reports when it enrols very
    many patients: over parameter draws (``base``, ``effect`` and ``spread`` of the trial
    shift, one value per draw along the first axis; further axes kept) and the new trial's
    own shift of the drug's effect (Gauss–Hermite nodes)."""
    share, w = _new_trial_shares(base, effect, spread)
    share = np.moveaxis(share, -1, 1).reshape((-1, *effect.shape[1:]))  # draws × nodes first
    weights = np.tile(w, len(effect))
    return np.percentile(share, 100 * np.array(q), axis=0, weights=weights, method="inverted_cdf")


def _count_distribution(
    base: np.ndarray, effect: np.ndarray, spread: np.ndarray, n: int, weights: np.ndarray | None
) -> np.ndarray:
    """Probability that a new trial of ``n`` patients reports 0, 1, … n responders: binomial
    sampling mixed over its own shift (Gauss–Hermite) and the draws, weighed by ``weights``
    (normalised; equal if not given)."""
    from scipy.stats import binom

    share, w = _new_trial_shares(base, effect, spread)  # (draws, nodes)
    k = np.arange(n + 1)
    pmf = (binom.pmf(k[None, None, :], n, share[:, :, None]) * w[None, :, None]).sum(axis=1)
    chance = np.full(len(base), 1 / len(base)) if weights is None else weights
    return chance @ pmf


def expected_miss(
    base: np.ndarray,
    effect: np.ndarray,
    spread: np.ndarray,
    n: int,
    predicted: float,
    weights: np.ndarray | None = None,
) -> float:
    """How far (0–1, on average) a new trial of ``n`` patients reports from ``predicted``
    if the draws are right: the mean absolute error a model that knew every number it
    uses would still make, from the trial's own shift and binomial sampling."""
    chance = _count_distribution(base, effect, spread, n, weights)
    return float(chance @ np.abs(np.arange(n + 1) / n - predicted))


def count_quantiles(
    base: np.ndarray,
    effect: np.ndarray,
    spread: np.ndarray,
    n: int,
    q: tuple[float, ...],
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Quantiles ``q`` of the share (0–1) a new trial of ``n`` patients reports: the mixture
    of :func:`share_quantiles` with binomial sampling (exact mixture of binomials), the
    draws weighed by ``weights`` (normalised; equal if not given)."""
    return _count_quantiles(_count_distribution(base, effect, spread, n, weights), q)


def _count_quantiles(chance: np.ndarray, q: tuple[float, ...]) -> np.ndarray:
    """Quantiles ``q`` of the share (0–1) a trial reports, from the probability ``chance``
    of each count of responders (0, 1, … n)."""
    n = len(chance) - 1
    cdf = np.cumsum(chance)
    return np.array([min(np.searchsorted(cdf, level), n) / n for level in q])


def trial_log_density(
    base: np.ndarray,
    effect: np.ndarray,
    spread: np.ndarray,
    responders: np.ndarray,
    n: np.ndarray,
    weights: np.ndarray,
) -> float:
    """Log probability that a new trial reports ``responders`` of ``n`` patients in each of
    its arms (columns of ``base`` and ``effect``, draws along rows), the arms sharing the
    trial's own shift of the drug's effect, over draws weighed by ``weights`` (normalised)."""
    from scipy.special import logsumexp
    from scipy.stats import binom

    share, w = _new_trial_shares(base, effect, spread)  # (draws, arms, nodes)
    share = np.clip(share, 1e-12, 1 - 1e-12)
    joint = binom.logpmf(responders[None, :, None], n[None, :, None], share).sum(axis=1)
    return float(logsumexp(joint, b=np.asarray(weights)[:, None] * w[None, :]))


#: a trial's own shift (standard-normal units) on a grid fine enough for its counts to pin
#: it down: the Gauss–Hermite nodes are half a unit apart, as wide as a trial of 200
#: patients leaves its shift
OWN_SHIFT_GRID = np.linspace(-8.0, 8.0, 641)


def _on_grid(base: np.ndarray, effect: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """Each arm's share (0–1) at each draw and each point of :data:`OWN_SHIFT_GRID`
    (draws, arms, grid), the shift ``spread`` (per draw) times the grid."""
    shift = np.asarray(spread, dtype=float)[:, None, None] * OWN_SHIFT_GRID[None, None, :]
    return base[..., None] + (1 - base[..., None]) * shifted_effect(effect[..., None], shift)


def _own_shift_posterior(
    base: np.ndarray, effect: np.ndarray, spread: np.ndarray, responders: np.ndarray, n: np.ndarray
) -> np.ndarray:
    """Per draw, the posterior (summing to 1) of a trial's own shift over
    :data:`OWN_SHIFT_GRID`: its normal prior times the binomial likelihood of its counts."""
    from scipy.stats import binom

    shares = np.clip(_on_grid(base, effect, spread), 1e-12, 1 - 1e-12)
    joint = binom.logpmf(responders[None, :, None], n[None, :, None], shares).sum(axis=1)
    joint = joint - OWN_SHIFT_GRID[None, :] ** 2 / 2
    posterior = np.exp(joint - joint.max(axis=1, keepdims=True))
    return posterior / posterior.sum(axis=1, keepdims=True)


def own_trial_shares(
    base: np.ndarray,
    effect: np.ndarray,
    spread: np.ndarray,
    responders: np.ndarray,
    n: np.ndarray,
    target_base: np.ndarray,
    target_effect: np.ndarray,
) -> np.ndarray:
    """For each draw (rows), the share (0–1) of each target arm (columns of ``target_base``
    and ``target_effect``) in the trial that reported ``responders`` of ``n`` patients in
    its arms (columns of ``base`` and ``effect``): the trial's own shift of the drug's effect
    weighed by its prior (normal, sd ``spread``) times how well it explains those counts, as
    a random-effects meta-analysis estimates one study's own effect."""
    posterior = _own_shift_posterior(base, effect, spread, responders, n)
    return (_on_grid(target_base, target_effect, spread) * posterior[:, None, :]).sum(axis=-1)


#: strata of a trial's own shift (equal posterior mass each) that stand for it per draw in
#: the count distribution of the same trial run again
OWN_SHIFT_STRATA = 16


def same_trial_count_quantiles(
    base: np.ndarray,
    effect: np.ndarray,
    spread: np.ndarray,
    responders: np.ndarray,
    n: np.ndarray,
    q: tuple[float, ...],
) -> np.ndarray:
    """Quantiles ``q`` of the share (0–1) each arm (columns) would report were the same
    trial run again with as many new patients: its own shift as its counts imply
    (:func:`own_trial_shares`), each draw's posterior of that shift cut into
    :data:`OWN_SHIFT_STRATA` strata of equal mass, mixed with binomial sampling. One row per
    arm's quantiles (arms, quantiles)."""
    from scipy.stats import binom

    cdf = np.cumsum(_own_shift_posterior(base, effect, spread, responders, n), axis=1)
    middles = (np.arange(OWN_SHIFT_STRATA) + 0.5) / OWN_SHIFT_STRATA
    where = (cdf[:, :, None] < middles[None, None, :]).sum(axis=1)  # first grid point past each
    z = OWN_SHIFT_GRID[np.minimum(where, len(OWN_SHIFT_GRID) - 1)]  # (draws, strata)
    out = []
    for j, size in enumerate(np.asarray(n, dtype=int)):
        moved = shifted_effect(effect[:, j, None], np.asarray(spread)[:, None] * z)
        share = base[:, j, None] + (1 - base[:, j, None]) * moved
        k = np.arange(size + 1)
        out.append(_count_quantiles(binom.pmf(k, size, share[..., None]).mean(axis=(0, 1)), q))
    return np.array(out)
