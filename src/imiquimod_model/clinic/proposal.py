"""Where the virtual population's sets are drawn: half from the priors, half from a
neighbourhood of the chapters' values, each set weighed by its prior density over the
density it was drawn with (importance sampling from a defensive mixture: the priors stay
in it, so no part of their range goes unsampled).

Sets drawn from the priors alone rarely land where the trials are explained well: with 35
assumed numbers the good region is a small part of the space. The chapters' own values lie
in it, but they were chosen by hand with these trials in view, so they are not a draw and
cannot be weighed as one. The second half of the sets is therefore drawn near them, from a
product of one-number profiles: for each assumed number, the trials' log-likelihood with
that number moved across its range (the rest at the chapters' values, the fitted numbers
at their mode), tempered and floored so that no part of the range is left out. Where the
trials do not see a number, its profile is flat and it is drawn from its prior.

The weight of a set is its marginal likelihood times ``prior(u) / q(u)``, where ``u`` are
its numbers as prior quantiles (0–1, where the prior density is 1) and ``q`` the density of
the mixture the plausible sets came from: each half's density divided by the share of its
candidates that passed the plausibility screen, in proportion to its count. The profiles
only decide where the draws go; the weights keep the sample a posterior whatever they are.

Examples
--------
>>> p = Proposal(np.array([[0.5, 0.5], [0.9, 0.1]]))
>>> p.local_density(np.array([[0.2, 0.2]])).round(2).tolist()
[1.8]
>>> p.local_units(np.array([[0.25, 0.45]])).round(3).tolist()
[[0.25, 0.25]]
>>> systematic_resample(np.array([0.0, 1.0, 0.0]), 3, seed=1).tolist()
[1, 1, 1]
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..outcomes import TrialArm
from ..parameters import validate
from .assumptions import SAMPLED, Values, prior_of
from .calibration import BOUNDS, log_likelihood, solve_chains

#: bins of each number's range in which its profile is read (at the bins' centres)
PROFILE_BINS = 6
#: the profiles' log-likelihoods are multiplied by this before they shape the draws: they
#: hold the fitted numbers at one mode, so they are sharper than the marginal likelihood
PROFILE_TEMPERATURE = 0.5
#: the share of each number's local draws spread evenly over its whole range
PROFILE_FLOOR = 0.2


@dataclass(frozen=True)
class Proposal:
    """The local half of the mixture: for each sampled number (rows, in SAMPLED's order),
    the probability of each of its equal bins of prior quantile (columns, summing to 1)."""

    bin_probabilities: np.ndarray

    def local_density(self, units: np.ndarray) -> np.ndarray:
        """Density of the local half at each row of ``units`` (prior quantiles 0–1)."""
        bins = self.bin_probabilities.shape[1]
        index = np.minimum((np.atleast_2d(units) * bins).astype(int), bins - 1)
        rows = np.arange(self.bin_probabilities.shape[0])
        return np.prod(self.bin_probabilities[rows, index] * bins, axis=1)

    def local_units(self, uniform: np.ndarray) -> np.ndarray:
        """Prior quantiles drawn from the local half, from uniform numbers (rows × numbers,
        each 0–1) by the inverse of each number's piecewise-uniform distribution."""
        uniform = np.atleast_2d(uniform)
        bins = self.bin_probabilities.shape[1]
        upper = np.cumsum(self.bin_probabilities, axis=1)
        out = np.empty_like(uniform)
        for i, cdf in enumerate(upper):
            b = np.minimum(np.searchsorted(cdf, uniform[:, i], side="right"), bins - 1)
            below = np.where(b > 0, cdf[b - 1], 0.0)
            inside = (uniform[:, i] - below) / self.bin_probabilities[i, b]
            out[:, i] = (b + np.clip(inside, 0.0, 1.0)) / bins
        return out


def profile_sets(bins: int = PROFILE_BINS) -> list[Values]:
    """The sets a profile reads: each sampled number in turn at each bin's centre, the rest
    at the chapters' values (number by number, then bin by bin)."""
    centres = (np.arange(bins) + 0.5) / bins
    return [
        ((name, float(validate(name, float(prior_of(name).value_at(u))))),)
        for name in SAMPLED
        for u in centres
    ]


#: shifts (log units) of the median immune responsiveness over which a profile takes the
#: best log-likelihood: a set that makes the drug weaker is met by more responsive patients
RESPONSIVENESS_SHIFTS = np.linspace(-3.0, 3.0, 13)


def _quick_part(job: tuple) -> np.ndarray:
    sets, arms, theta = job
    solve_chains(arms, sets)
    rows = np.repeat(np.atleast_2d(theta), len(RESPONSIVENESS_SHIFTS), axis=0)
    rows[:, 0] += RESPONSIVENESS_SHIFTS
    low, high = BOUNDS[0]
    rows[:, 0] = np.clip(rows[:, 0], low, high)
    return np.array([float(np.max(log_likelihood(rows, arms, v))) for v in sets])


def quick_log_likelihoods(
    sets: list[Values], arms: tuple[TrialArm, ...], theta: np.ndarray, workers: int = 2
) -> np.ndarray:
    """For each set of assumed numbers, the trials' log-likelihood at the fitted numbers
    ``theta`` with the median immune responsiveness the best of RESPONSIVENESS_SHIFTS: a
    fraction of a second per set (its chains solved with the others'), against seconds for
    a set's calibration, and a rough guide to its marginal likelihood."""
    parts = [sets[k::workers] for k in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        found = list(pool.map(_quick_part, [(p, arms, theta) for p in parts if p]))
    out = np.empty(len(sets))
    for k, values in enumerate(found):
        out[k::workers] = values
    return out


def profiles(
    arms: tuple[TrialArm, ...], theta: np.ndarray, bins: int = PROFILE_BINS, workers: int = 2
) -> np.ndarray:
    """The trials' log-likelihood at the fitted numbers ``theta`` (the median immune
    responsiveness the best of RESPONSIVENESS_SHIFTS) with each sampled number at each
    bin's centre, the rest at the chapters' values: (numbers, bins)."""
    found = quick_log_likelihoods(profile_sets(bins), arms, theta, workers)
    return found.reshape(len(SAMPLED), bins)


def proposal_from(
    profile: np.ndarray,
    temperature: float = PROFILE_TEMPERATURE,
    floor: float = PROFILE_FLOOR,
) -> Proposal:
    """The local half from the profiles (numbers × bins of log-likelihood): each number's
    bins in proportion to ``exp(temperature · profile)``, a share ``floor`` spread evenly."""
    return Proposal(tempered(np.asarray(profile, dtype=float), temperature, floor))


def tempered(log_values: np.ndarray, temperature: float, floor: float) -> np.ndarray:
    """Probabilities along the last axis (each row summing to 1) in proportion to
    ``exp(temperature · log_values)``, a share ``floor`` spread evenly over every entry."""
    if not 0 < temperature <= 1:
        raise ValueError(f"temperature = {temperature!r} must be in (0, 1] (no unit)")
    if not 0 < floor <= 1:
        raise ValueError(f"floor = {floor!r} must be a share in (0, 1]")
    shaped = np.exp(temperature * (log_values - log_values.max(axis=-1, keepdims=True)))
    shaped /= shaped.sum(axis=-1, keepdims=True)
    return (1 - floor) * shaped + floor / log_values.shape[-1]


def log_prior_over_proposal(
    units: np.ndarray, proposal: Proposal, kept: tuple[int, int], passed: tuple[float, float]
) -> np.ndarray:
    """Each set's log importance correction, ``log prior(u) − log q(u)``, at each row of
    ``units``: the prior density is 1 over the unit cube of quantiles, and ``q`` the
    mixture the plausible sets came from, ``kept`` sets from the priors and from the local
    half, of which the shares ``passed`` (0–1) of candidates were plausible."""
    total = sum(kept)
    prior_part = kept[0] / total / passed[0]
    local_part = kept[1] / total / passed[1] * proposal.local_density(units)
    return -np.log(prior_part + local_part)


#: the quick log-likelihoods (plus each candidate's importance correction) are multiplied
#: by this before they decide which candidates are calibrated: they miss a set's marginal
#: likelihood by up to tens of log units, so they may only lean the choice
SELECTION_TEMPERATURE = 0.1
#: the share of the choice spread evenly over every candidate
SELECTION_FLOOR = 0.2


def selection_probabilities(
    guide: np.ndarray,
    temperature: float = SELECTION_TEMPERATURE,
    floor: float = SELECTION_FLOOR,
) -> np.ndarray:
    """The probability (summing to 1) with which each candidate is chosen for calibration:
    in proportion to ``exp(temperature · guide)`` (``guide``: log units), a share ``floor``
    spread evenly, so that every candidate can be chosen."""
    return tempered(np.asarray(guide, dtype=float), temperature, floor)


def chosen(probabilities: np.ndarray, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` choices among the candidates by systematic resampling: the candidates
    chosen (in order) and how many times each was. A candidate chosen ``k`` times, each
    time with probability ``p``, stands for ``k / (count · p)`` candidates of the pool."""
    which, times = np.unique(systematic_resample(probabilities, count, seed), return_counts=True)
    return which, times


def systematic_resample(weights: np.ndarray, count: int, seed: int = 2026) -> np.ndarray:
    """Indices of ``count`` draws by systematic resampling of normalised ``weights``."""
    u = (np.random.default_rng(seed).random() + np.arange(count)) / count
    return np.minimum(np.searchsorted(np.cumsum(weights), u), len(weights) - 1)


def log_chosen_over_pool(times: np.ndarray, probabilities: np.ndarray, count: int) -> np.ndarray:
    """Each chosen candidate's log correction for having been chosen: ``log(k / (count ·
    p))``, with ``k`` its times chosen and ``p`` its probability (:func:`chosen`)."""
    return np.log(times) - np.log(count * np.asarray(probabilities, dtype=float))
