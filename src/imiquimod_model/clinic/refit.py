"""The whole calibration, run by hand (``python -m imiquimod_model.clinic.refit``) and stored
as data; the book only reads it.

It builds the virtual population of :mod:`.selection`: plausible sets of the assumed numbers
(the registry's own values first), each calibrated, weighed by the arms; keeps 200 draws of
the joint posterior; scores every trial left out, refitting each set the kept draws use;
and writes the registry's fitted rows from the posterior mode at the registry's assumed
numbers (the values the chapters use).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from ..outcomes import TrialArm, arm_id
from ..parameters import default
from .assumptions import SAMPLED, prior_of
from .calibration import (
    PARAMETER_NAMES,
    background_trials,
    calibration_arms,
    posterior_mode,
    prepared,
)
from .courses import kill_course
from .scores import in_sample_bands, leave_one_trial_out
from .selection import (
    SetFit,
    effective_sample_size,
    fit_population,
    normalised,
    plausible_sets,
    pooled,
    solve_chains,
    systematic_resample,
    weighted_quantiles,
)
from .store import FIT_FILE, REGISTRY_VALUES, fitted, store_in_registry

#: plausible sets of assumed numbers besides the registry's own
SETS = 63
#: importance draws of the fitted numbers per set
DRAWS_PER_SET = 24
#: posterior draws kept
KEPT = 200


def what_the_trials_teach(
    fits: list[SetFit], weights: np.ndarray, which: np.ndarray, theta: np.ndarray
) -> dict[str, dict[str, object]]:
    """For each sampled assumed number: its prior range and the 5%, 50% and 95% points of
    its posterior; for each fitted number, its posterior points (in the registry's units)."""
    out = {}
    for name in SAMPLED:
        prior = prior_of(name)
        values = np.array([dict(f.values).get(name, default(name)) for f in fits])[which]
        out[name] = {
            "prior": [prior.low, prior.high],
            "log": prior.log,
            "registry": default(name),
            "posterior": [
                round(v, 6) for v in weighted_quantiles(values, weights, (0.05, 0.5, 0.95))
            ],
        }
    for name, (key, back) in REGISTRY_VALUES.items():
        column = np.array([back(x) for x in theta[:, PARAMETER_NAMES.index(key)]])
        points = weighted_quantiles(column, weights, (0.05, 0.5, 0.95))
        out[name] = {"fitted": True, "posterior": [round(v, 6) for v in points]}
    return out


def parameter_names(arms: tuple[TrialArm, ...]) -> list[str]:
    """The names of a parameter vector: PARAMETER_NAMES, then each trial's background."""
    return [*PARAMETER_NAMES, *(f"logit background {t}" for t in background_trials(arms))]


def most_probable(arms: tuple[TrialArm, ...]) -> tuple[np.ndarray, float]:
    """The posterior mode at the registry's assumed numbers: the better of the default
    starts and the stored fit's mode (when it has the same parameters). The posterior has
    more than one mode, so a refit never settles below the mode it already knew."""
    found = posterior_mode(arms)
    stored = fitted()
    if stored["parameter_names"] == parameter_names(arms):
        warm = posterior_mode(arms, np.array(stored["posterior_mode"], dtype=float))
        found = max(found, warm, key=lambda mode: mode[1])
    return found


def calibrate(
    seed: int = 2026,
    sets: int = SETS,
    draws_per_set: int = DRAWS_PER_SET,
    kept: int = KEPT,
    workers: int = 2,
) -> dict[str, object]:
    """The whole calibration (minutes): the posterior mode at the registry's assumed
    numbers, the virtual population, its kept draws, the in-sample bands and every trial
    left out in turn."""
    began = time.perf_counter()
    arms = calibration_arms()
    best, log_post = most_probable(arms)
    best = np.array([round(float(x), 6) for x in best])  # as stored: set fits start there
    chosen, screened = plausible_sets(sets, seed, workers)
    population = [(), *chosen]
    solve_chains(arms, population)
    fits = fit_population(population, arms, best, draws_per_set, seed, workers)
    theta, which, log_w, _ = pooled(fits)
    weights = normalised(log_w)
    pick = systematic_resample(weights, kept, seed)
    used = sorted({0, *which[pick].tolist()})
    index = {m: i for i, m in enumerate(used)}
    draws, draw_sets = theta[pick], np.array([index[m] for m in which[pick]])
    values = [fits[m].values for m in used]
    set_weight = np.bincount(which, weights=weights, minlength=len(fits))
    held_out = leave_one_trial_out([fits[m] for m in used], arms)
    drawn = which > 0  # the sets drawn from the priors, without the chapters' own
    from_priors = normalised(log_w[drawn])
    prior_set_weight = np.bincount(which[drawn] - 1, weights=from_priors)
    drawn_used = sorted(set(which[drawn][systematic_resample(from_priors, kept, seed)].tolist()))
    held_out_drawn = leave_one_trial_out([fits[m] for m in drawn_used], arms)
    return {
        "parameter_names": parameter_names(arms),
        "arms": [arm_id(a) for a in arms],
        "background_trials": list(background_trials(arms)),
        "trial_indication": {a.trial: a.indication for a in arms},
        "posterior_mode": best.tolist(),
        "log_posterior": round(log_post, 4),
        "virtual_population": {
            "seed": seed,
            "screened": screened,
            "plausible": len(chosen),
            "sets": len(population),
            "draws_per_set": draws_per_set,
            "effective_sample_size": round(effective_sample_size(weights), 1),
            "sets_carrying_90_percent": int(
                np.searchsorted(np.cumsum(np.sort(set_weight)[::-1]), 0.9) + 1
            ),
            "registry_set_weight": round(float(set_weight[0]), 4),
            "effective_sets_drawn_from_priors": round(effective_sample_size(prior_set_weight), 2),
            "minutes": round((time.perf_counter() - began) / 60, 1),
        },
        "assumption_sets": [dict(v) for v in values],
        "set_modes": [[round(float(x), 6) for x in fits[m].mode] for m in used],
        "set_log_evidence": [round(fits[m].log_evidence, 4) for m in used],
        "draws": [[round(float(x), 5) for x in row] for row in draws],
        "draw_sets": draw_sets.tolist(),
        "predictive_bands": in_sample_bands(draws, draw_sets, values, arms),
        "leave_one_trial_out": held_out["population"],
        "leave_one_trial_out_registry": held_out["registry"],
        "leave_one_trial_out_drawn_sets": held_out_drawn["population"],
        "what_the_trials_teach": what_the_trials_teach(
            fits, from_priors, which[drawn], theta[drawn]
        ),
    }


def write_fit(path: Path = FIT_FILE, seed: int = 2026) -> None:
    """Run the calibration, store it as data and put its values in the registry
    (``python -m imiquimod_model.clinic.refit``). It solves every chain afresh in a store of
    its own, as on a clean clone: a chain solved with other sets and one solved alone agree
    only to about 1e-9, which is enough to send the optimiser elsewhere along a flat ridge
    of the posterior, so a refit that read chains other runs had stored could differ."""
    before = os.environ.get("IMIQUIMOD_CACHE")
    with tempfile.TemporaryDirectory() as store:
        os.environ["IMIQUIMOD_CACHE"] = store
        kill_course.cache_clear()  # type: ignore[attr-defined]
        prepared.cache_clear()
        try:
            fit = calibrate(seed)
        finally:
            if before is None:
                del os.environ["IMIQUIMOD_CACHE"]
            else:
                os.environ["IMIQUIMOD_CACHE"] = before
    path.write_text(json.dumps(fit, indent=1) + "\n")
    store_in_registry(fit)


if __name__ == "__main__":
    write_fit()
